// SPDX-License-Identifier: MIT
/*
 * vhci_hcd's ports through sysfs: the status files read and checked
 * against the layout, a free port picked and attached, a port detached
 * and its teardown awaited, a port's bus id. Finding the controller and
 * its layout is vhci-open.c's; parsing what it writes, vhci-status.c's.
 *
 * The files are read and written with plain read/pwrite on a directory fd
 * rather than udev_device_get_sysattr_value(): libudev caches attribute
 * values, and status has to be read fresh every time; writes must return
 * the kernel's errno untouched (EBUSY means "try another port").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sysfs/vhci-private.h"

#define ATTACH_TRIES 16

/* ---- sysfs I/O ---- */

int vhci_read_attr(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	char extra;
	int fd, r = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;

	for (;;) {
		if (len == size - 1)
			n = read(fd, &extra, 1);
		else
			n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		if (len == size - 1) {
			r = -EFBIG;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (r < 0)
		return r;
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EBADMSG;
	return (int)len;
}

/* One write of the whole string, at offset 0: how sysfs wants it. */
static int write_attr(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	if (fd < 0)
		return fd; /* the -errno from opening it */
	do
		n = pwrite(fd, s, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int vhci_refresh(struct vhci *v)
{
	unsigned int c, i, base;
	char name[32];
	int r;

	for (c = 0; c < v->ncontrollers; c++) {
		struct vhci_port *rows = v->ports + c * 2 * v->hub_ports;

		if (c == 0)
			snprintf(name, sizeof(name), "status");
		else
			snprintf(name, sizeof(name), "status.%u", c);

		r = vhci_read_attr(v->dirfd, name, v->buf, STATUS_FILE_MAX);
		if (r < 0)
			return r;
		r = vhci_status_parse(v->buf, rows, 2 * v->hub_ports);
		if (r == -ENOBUFS)
			return -EBADMSG;
		if (r < 0)
			return r;
		if ((unsigned int)r != 2 * v->hub_ports)
			return -EBADMSG;

		base = c * 2 * v->hub_ports;
		for (i = 0; i < 2 * v->hub_ports; i++) {
			enum vhci_hub hub = i < v->hub_ports ? VHCI_HUB_HS :
							       VHCI_HUB_SS;

			if (rows[i].hub != hub || rows[i].port != base + i)
				return -EBADMSG;
		}
	}
	return (int)v->nports;
}

uint64_t vhci_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void vhci_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	/* An early wake-up only means one more look at status. */
	nanosleep(&ts, NULL);
}

int vhci_read_status(struct vhci *v, struct vhci_port *ports, size_t n)
{
	int r;

	if (!v || !ports)
		return -EINVAL;
	if (n < v->nports)
		return -ENOBUFS;
	r = vhci_refresh(v);
	if (r < 0)
		return r;
	memcpy(ports, v->ports, v->nports * sizeof(*ports));
	return r;
}

/* The row of port in the last status read. */
static const struct vhci_port *row_of(const struct vhci *v, unsigned int port)
{
	/* vhci_refresh() checked that row i describes port i. */
	return port < v->nports ? &v->ports[port] : NULL;
}

/* The kernel says EINVAL for "not a socket" and "not a stream": say which. */
static int check_stream_socket(int fd)
{
	socklen_t len = sizeof(int);
	int type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	if (type != SOCK_STREAM)
		return -EPROTOTYPE;
	return 0;
}

int vhci_attach(struct vhci *v, int sockfd, uint32_t devid,
		enum usb_speed speed, unsigned int *ret_port)
{
	unsigned int tried[ATTACH_TRIES];
	size_t ntried = 0;
	char line[64];
	int r, port;

	if (!v || !ret_port || sockfd < 0)
		return -EINVAL;
	if (vhci_hub_for_speed(speed) < 0)
		return -EINVAL;
	if ((devid >> 16) > 255 || (devid & 0xffff) > 255)
		return -ERANGE;
	r = check_stream_socket(sockfd);
	if (r < 0)
		return r;
	if (v->attach_fd < 0)
		return v->attach_fd;

	while (ntried < ATTACH_TRIES) {
		r = vhci_refresh(v);
		if (r < 0)
			return r;
		port = vhci_pick_port(v->ports, v->nports, speed, tried, ntried);
		if (port < 0)
			return port;

		snprintf(line, sizeof(line), "%d %d %" PRIu32 " %u", port,
			 sockfd, devid, (unsigned int)speed);
		r = write_attr(v->attach_fd, line);
		if (r == 0) {
			*ret_port = (unsigned int)port;
			return 0;
		}

		/*
		 * EBUSY: taken since we read status (older kernels said
		 * EINVAL for that: tell by looking again). EAGAIN:
		 * that controller is not ready. Either way, another port.
		 */
		if (r == -EINVAL) {
			int q = vhci_refresh(v);

			if (q < 0)
				return q;
			if (row_of(v, (unsigned int)port)->state == VHCI_PORT_FREE)
				return r;
		} else if (r != -EBUSY && r != -EAGAIN) {
			return r;
		}
		tried[ntried++] = (unsigned int)port;
	}
	return -EBUSY;
}

/*
 * Has the device that was on the port (as first seen) gone? Free, or a
 * different connection in its place (someone attached right after).
 */
static bool port_gone(const struct vhci_port *was, const struct vhci_port *now)
{
	if (now->state == VHCI_PORT_FREE)
		return true;
	if (was->state != VHCI_PORT_NOTASSIGNED &&
	    now->state == VHCI_PORT_NOTASSIGNED)
		return true;
	if (was->state == VHCI_PORT_USED && now->state == VHCI_PORT_USED &&
	    (was->sockfd != now->sockfd || was->devid != now->devid))
		return true;
	return false;
}

int vhci_detach(struct vhci *v, unsigned int port, unsigned int timeout_ms)
{
	struct vhci_port was;
	uint64_t deadline;
	unsigned int pause = 2;
	char line[16];
	int r;

	if (!v || port >= v->nports)
		return -EINVAL;
	r = vhci_refresh(v);
	if (r < 0)
		return r;
	was = *row_of(v, port);
	if (was.state == VHCI_PORT_FREE)
		return -ENODEV;
	if (v->detach_fd < 0)
		return v->detach_fd;

	snprintf(line, sizeof(line), "%u", port);
	r = write_attr(v->detach_fd, line);
	if (r == -EINVAL) {
		/* The kernel's word for "not connected": it may have just gone. */
		int q = vhci_refresh(v);

		if (q < 0)
			return q;
		return row_of(v, port)->state == VHCI_PORT_FREE ? -ENODEV : r;
	}
	if (r < 0 || timeout_ms == 0)
		return r;

	/* The teardown runs on the kernel's usbip event workqueue. */
	deadline = vhci_now_ms() + timeout_ms;
	for (;;) {
		uint64_t now;

		r = vhci_refresh(v);
		if (r < 0)
			return r;
		if (port_gone(&was, row_of(v, port)))
			return 0;
		now = vhci_now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (pause > deadline - now)
			pause = (unsigned int)(deadline - now);
		vhci_sleep_ms(pause);
		if (pause < 50)
			pause *= 2;
	}
}

int vhci_port_busid_predict(const struct vhci *v, unsigned int port, char *buf, size_t len)
{
	unsigned int i, bus;
	char id[32];
	int n;

	if (!v || !buf || port >= v->nports)
		return -EINVAL;
	i = port % (2 * v->hub_ports);
	bus = v->bus ? v->bus[2 * (port / (2 * v->hub_ports)) + (i >= v->hub_ports)] : 0;
	if (!bus)
		return -ENODEV;
	n = snprintf(id, sizeof(id), "%u-%u", bus, i % v->hub_ports + 1);
	if (n < 0 || (size_t)n >= len)
		return -ENOBUFS;
	memcpy(buf, id, (size_t)n + 1);
	return 0;
}

int vhci_port_busid(struct vhci *v, unsigned int port, char *buf, size_t len)
{
	const struct vhci_port *p;
	size_t n;
	int r;

	if (!v || !buf || port >= v->nports)
		return -EINVAL;
	r = vhci_refresh(v);
	if (r < 0)
		return r;
	p = row_of(v, port);
	if (p->state != VHCI_PORT_USED)
		return -ENODEV;
	n = strlen(p->busid);
	if (n >= len)
		return -ENOBUFS;
	memcpy(buf, p->busid, n + 1);
	return 0;
}
