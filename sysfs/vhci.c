// SPDX-License-Identifier: MIT
/*
 * vhci_hcd's sysfs files: status parsing, port picking, attach and detach.
 *
 * The files are read and written with plain read/pwrite on a directory fd
 * rather than udev_device_get_sysattr_value(): libudev caches attribute
 * values, and status has to be read fresh every time; writes must return
 * the kernel's errno untouched (EBUSY means "try another port").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "sysfs/kmod.h"
#include "sysfs/vhci.h"

#define VHCI_SYSNAME "vhci_hcd.0"

/* Longer than any row the kernel writes (about 80 characters). */

/* One status file: 2 x 31 rows and a header fit with room to spare. */
#define STATUS_FILE_MAX 16384

#define ATTACH_TRIES 16
/* After inserting the module, how long to look for its controller. */
#define FIND_TIMEOUT_MS 1000

struct vhci {
	struct udev *udev;
	struct udev_device *dev;
	struct kmod_ctx *kmod;
	char *syspath;
	int dirfd;
	/* Opened at vhci_open() time so that root may be dropped after. */
	int attach_fd; /* or -errno from opening it */
	int detach_fd; /* or -errno from opening it */
	unsigned int nports;
	unsigned int hub_ports;	   /* ports per hub (P) */
	unsigned int ncontrollers; /* nports / 2P */
	struct vhci_port *ports;   /* nports rows: the last status read */
	char *buf;		   /* STATUS_FILE_MAX bytes */
	/* The bus numbers of each controller's root hubs, hs then ss, as
	 * found at open time; 0 where unknown. */
	unsigned int *bus;
};

/* ---- sysfs I/O ---- */

/*
 * Read a whole attribute into buf (NUL-terminated). Returns its length,
 * -EFBIG if it does not fit, -EBADMSG if it holds a NUL byte, -errno.
 */
static int read_attr(int dirfd, const char *name, char *buf, size_t size)
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

/*
 * Read status files into v->ports and check each row against the layout:
 * controller c lists ports c*2P .. c*2P+P-1 on hs, then the next P on ss.
 */
static int refresh(struct vhci *v)
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

		r = read_attr(v->dirfd, name, v->buf, STATUS_FILE_MAX);
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

/*
 * nports says how many ports there are in all; the rows of status (one
 * controller) say how many per hub; together they give the number of
 * status files, without trusting any directory listing.
 */
static int read_layout(struct vhci *v)
{
	unsigned int nports, hs = 0, ss = 0, i;
	struct vhci_port *ports;
	char buf[32];
	int r;

	r = read_attr(v->dirfd, "nports", buf, sizeof(buf));
	if (r < 0)
		return r == -EFBIG ? -EBADMSG : r;
	r = vhci_parse_nports(buf, &nports);
	if (r < 0)
		return r;

	ports = calloc(nports, sizeof(*ports));
	if (!ports)
		return -ENOMEM;

	r = read_attr(v->dirfd, "status", v->buf, STATUS_FILE_MAX);
	if (r >= 0)
		r = vhci_status_parse(v->buf, ports, nports);
	if (r == -ENOBUFS)
		r = -EBADMSG;
	if (r < 0) {
		free(ports);
		return r;
	}
	for (i = 0; i < (unsigned int)r; i++) {
		if (ports[i].hub == VHCI_HUB_HS)
			hs++;
		else
			ss++;
	}
	if (hs == 0 || hs != ss || hs > VHCI_MAX_HUB_PORTS ||
	    nports % (2 * hs) || nports / (2 * hs) > VHCI_MAX_CONTROLLERS) {
		free(ports);
		return -EBADMSG;
	}

	v->ports = ports;
	v->nports = nports;
	v->hub_ports = hs;
	v->ncontrollers = nports / (2 * hs);
	r = refresh(v);
	return r < 0 ? r : 0;
}

/*
 * The bus number of each root hub: controller N is the platform device
 * vhci_hcd.N beside controller 0, its root hubs the usbB directories in
 * it, told apart by their speed (480 for the high-speed hub). Best
 * effort: what cannot be read stays 0, and vhci_port_busid_predict()
 * says -ENODEV for those ports.
 */
static void read_buses(struct vhci *v)
{
	const char *slash = strrchr(v->syspath, '/'), *dot = strrchr(v->syspath, '.');
	char dir[PATH_MAX], speed[16], name[300];
	unsigned int c;

	v->bus = calloc(2 * v->ncontrollers, sizeof(*v->bus));
	if (!v->bus || !slash || !dot || dot < slash || strcmp(dot, ".0") != 0)
		return;
	for (c = 0; c < v->ncontrollers; c++) {
		struct dirent *de;
		DIR *d;
		int fd;

		snprintf(dir, sizeof(dir), "%.*s.%u", (int)(dot - v->syspath), v->syspath, c);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			continue;
		}
		while ((de = readdir(d))) {
			unsigned int bus;
			char *end;

			if (strncmp(de->d_name, "usb", 3) != 0 || de->d_name[3] < '1' ||
			    de->d_name[3] > '9')
				continue;
			bus = (unsigned int)strtoul(de->d_name + 3, &end, 10);
			if (*end || bus > 9999)
				continue;
			snprintf(name, sizeof(name), "%s/speed", de->d_name);
			if (read_attr(fd, name, speed, sizeof(speed)) > 0)
				v->bus[2 * c + (strtoul(speed, NULL, 10) > 480)] = bus;
		}
		closedir(d);
	}
}

static int open_write(int dirfd, const char *name)
{
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

static struct vhci *vhci_new(void)
{
	struct vhci *v;

	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->dirfd = -1;
	v->attach_fd = -EBADF;
	v->detach_fd = -EBADF;
	v->buf = malloc(STATUS_FILE_MAX);
	if (!v->buf) {
		free(v);
		return NULL;
	}
	return v;
}

/* Everything after the controller's directory is known. */
static int setup_at(struct vhci *v, const char *syspath)
{
	int r;

	v->syspath = strdup(syspath);
	if (!v->syspath)
		return -ENOMEM;
	v->dirfd = open(syspath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (v->dirfd < 0)
		return -errno;
	r = read_layout(v);
	if (r < 0)
		return r;
	read_buses(v);
	/* Failure is kept, not returned: reading status needs no root. */
	v->attach_fd = open_write(v->dirfd, "attach");
	v->detach_fd = open_write(v->dirfd, "detach");
	return 0;
}

void vhci_close(struct vhci *v)
{
	if (!v)
		return;
	if (v->attach_fd >= 0)
		close(v->attach_fd);
	if (v->detach_fd >= 0)
		close(v->detach_fd);
	if (v->dirfd >= 0)
		close(v->dirfd);
	free(v->ports);
	free(v->buf);
	free(v->bus);
	free(v->syspath);
	if (v->dev)
		udev_device_unref(v->dev);
	if (v->udev)
		udev_unref(v->udev);
	vhci_kmod_unref(v->kmod);
	free(v);
}

int vhci_open_at(struct vhci **ret, const char *syspath)
{
	struct vhci *v;
	int r;

	if (!ret || !syspath)
		return -EINVAL;
	v = vhci_new();
	if (!v)
		return -ENOMEM;
	r = setup_at(v, syspath);
	if (r < 0) {
		vhci_close(v);
		return r;
	}
	*ret = v;
	return 0;
}

static bool is_controller(struct udev_device *d)
{
	const char *name = udev_device_get_sysname(d);

	return name && !strcmp(name, VHCI_SYSNAME) &&
	       udev_device_get_sysattr_value(d, "nports");
}

/*
 * vhci_hcd.0 on the platform bus, or, once it moves (to the faux bus), by
 * its sysname on whatever bus it is. Returns 0 with v->dev set, -ENODEV.
 */
static int find_controller(struct vhci *v)
{
	struct udev_list_entry *e;
	struct udev_enumerate *en;
	struct udev_device *d;

	d = udev_device_new_from_subsystem_sysname(v->udev, "platform",
						   VHCI_SYSNAME);
	if (d && is_controller(d)) {
		v->dev = d;
		return 0;
	}
	if (d)
		udev_device_unref(d);

	en = udev_enumerate_new(v->udev);
	if (!en)
		return -ENOMEM;
	if (udev_enumerate_add_match_sysname(en, VHCI_SYSNAME) < 0 ||
	    udev_enumerate_scan_devices(en) < 0) {
		udev_enumerate_unref(en);
		return -ENODEV;
	}
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		d = udev_device_new_from_syspath(v->udev,
						 udev_list_entry_get_name(e));
		if (!d)
			continue;
		if (is_controller(d)) {
			v->dev = d;
			break;
		}
		udev_device_unref(d);
	}
	udev_enumerate_unref(en);
	return v->dev ? 0 : -ENODEV;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	/* An early wake-up only means one more look at status. */
	nanosleep(&ts, NULL);
}

/* The module's init registers the controller, but give udev/sysfs a moment. */
static int find_after_load(struct vhci *v)
{
	uint64_t deadline = now_ms() + FIND_TIMEOUT_MS;
	int r;

	for (;;) {
		r = find_controller(v);
		if (r != -ENODEV || now_ms() >= deadline)
			return r;
		sleep_ms(20);
	}
}

static int open_controller(struct vhci *v, unsigned int flags,
			   enum vhci_step *step)
{
	int r;

	*step = VHCI_STEP_SETUP;
	v->udev = udev_new();
	if (!v->udev)
		return -ENOMEM;

	r = find_controller(v);
	if (r == -ENODEV && (flags & VHCI_NO_LOAD)) {
		*step = VHCI_STEP_FIND;
		return r;
	}
	if (r == -ENODEV) {
		*step = VHCI_STEP_MODULE;
		r = vhci_kmod_new(&v->kmod);
		if (r < 0)
			return r;
		r = vhci_module_load(v->kmod);
		/* The context maps the module indexes, and libkmod is mapped
		 * for it: done with both. */
		vhci_kmod_unref(v->kmod);
		v->kmod = NULL;
		if (r < 0)
			return r;
		*step = VHCI_STEP_CONTROLLER;
		r = find_after_load(v);
	}
	if (r < 0)
		return r;

	*step = VHCI_STEP_SYSFS;
	r = setup_at(v, udev_device_get_syspath(v->dev));
	/* From here on the controller is a directory fd: a process that
	 * serves devices for hours keeps no udev state it does not use. */
	udev_device_unref(v->dev);
	v->dev = NULL;
	udev_unref(v->udev);
	v->udev = NULL;
	return r;
}

int vhci_open(struct vhci **ret, unsigned int flags, enum vhci_step *step)
{
	enum vhci_step s = VHCI_STEP_SETUP;
	struct vhci *v;
	int r;

	if (!ret || (flags & ~VHCI_NO_LOAD)) {
		r = -EINVAL;
		goto out;
	}
	v = vhci_new();
	if (!v) {
		r = -ENOMEM;
		goto out;
	}
	r = open_controller(v, flags, &s);
	if (r < 0) {
		vhci_close(v);
		goto out;
	}
	s = VHCI_STEP_NONE;
	*ret = v;
out:
	if (step)
		*step = s;
	return r;
}

const char *vhci_syspath(const struct vhci *v)
{
	return v ? v->syspath : NULL;
}

int vhci_nports(const struct vhci *v)
{
	return v ? (int)v->nports : -EINVAL;
}

int vhci_read_status(struct vhci *v, struct vhci_port *ports, size_t n)
{
	int r;

	if (!v || !ports)
		return -EINVAL;
	if (n < v->nports)
		return -ENOBUFS;
	r = refresh(v);
	if (r < 0)
		return r;
	memcpy(ports, v->ports, v->nports * sizeof(*ports));
	return r;
}

/* The row of port in the last status read. */
static const struct vhci_port *row_of(const struct vhci *v, unsigned int port)
{
	/* refresh() checked that row i describes port i. */
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
		r = refresh(v);
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
			int q = refresh(v);

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
	r = refresh(v);
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
		int q = refresh(v);

		if (q < 0)
			return q;
		return row_of(v, port)->state == VHCI_PORT_FREE ? -ENODEV : r;
	}
	if (r < 0 || timeout_ms == 0)
		return r;

	/* The teardown runs on the kernel's usbip event workqueue. */
	deadline = now_ms() + timeout_ms;
	for (;;) {
		uint64_t now;

		r = refresh(v);
		if (r < 0)
			return r;
		if (port_gone(&was, row_of(v, port)))
			return 0;
		now = now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (pause > deadline - now)
			pause = (unsigned int)(deadline - now);
		sleep_ms(pause);
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
	r = refresh(v);
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
