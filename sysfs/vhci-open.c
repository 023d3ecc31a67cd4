// SPDX-License-Identifier: MIT
/*
 * A vhci handle's life: find vhci_hcd's controller through libudev,
 * loading vhci-hcd through libkmod when it is absent, and learn its
 * layout (ports in all, ports per hub, status files, each root hub's bus
 * number) before keeping only a directory fd and the attach and detach
 * files, opened while still root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libudev.h>

#include "sysfs/kmod.h"
#include "sysfs/vhci-private.h"

#define VHCI_SYSNAME "vhci_hcd.0"

/* After inserting the module, how long to look for its controller. */
#define FIND_TIMEOUT_MS 1000

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

	r = vhci_read_attr(v->dirfd, "nports", buf, sizeof(buf));
	if (r < 0)
		return r == -EFBIG ? -EBADMSG : r;
	r = vhci_parse_nports(buf, &nports);
	if (r < 0)
		return r;

	ports = calloc(nports, sizeof(*ports));
	if (!ports)
		return -ENOMEM;

	r = vhci_read_attr(v->dirfd, "status", v->buf, STATUS_FILE_MAX);
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
	r = vhci_refresh(v);
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
			if (vhci_read_attr(fd, name, speed, sizeof(speed)) > 0)
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

/* The module's init registers the controller, but give udev/sysfs a moment. */
static int find_after_load(struct vhci *v)
{
	uint64_t deadline = vhci_now_ms() + FIND_TIMEOUT_MS;
	int r;

	for (;;) {
		r = find_controller(v);
		if (r != -ENODEV || vhci_now_ms() >= deadline)
			return r;
		vhci_sleep_ms(20);
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
