// SPDX-License-Identifier: MIT
/*
 * The instance's capture (--capture FILE): every device's URBs into one
 * pcapng file (src/capture/), one interface per device, named the first
 * time the device has a connection and kept for every later one, so that
 * a capture outlives an importer that goes and the next that comes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/app/instance.h"
#include "src/base/bytes.h"
#include "src/base/log.h"
#include "src/base/num.h"
#include "src/capture/capture.h"

static bool running(const struct capture *cap)
{
	return cap && !capture_ended(cap);
}

/* The program's capture has an interface for this device. */
static bool in_global(const struct vdev *vd)
{
	return running(vd->vusb->capture) && vd->cap_gen == vd->vusb->cap_gen;
}

static void vdev_watch(void *data, char type, const struct usb_urb *urb, int status,
		       const void *buf, size_t len)
{
	struct vdev *vd = data;

	if (in_global(vd))
		capture_urb(vd->vusb->capture, vd->cap_if, vd->dev, type, urb, status, buf, len);
	if (running(vd->capture))
		capture_urb(vd->capture, 0, vd->dev, type, urb, status, buf, len);
}

/* "mouse0 1209:0001 port 3", as the interface description says it. */
static void describe(const struct vdev *vd, char *desc, size_t size)
{
	int n = snprintf(desc, size, "%s %04x:%04x", vd->name, get_le16(vd->dev->desc + 8),
			 get_le16(vd->dev->desc + 10));

	if (n < 0 || (size_t)n >= size)
		return;
	if (vd->attached)
		snprintf(desc + n, size - (size_t)n, " port %u", vd->port);
	else if (vd->export)
		snprintf(desc + n, size - (size_t)n, " busid %s", server_export_busid(vd->export));
}

void vdev_capture_bind(struct vdev *vd)
{
	struct vusb *v = vd->vusb;
	char desc[128];

	if (running(v->capture) && vd->cap_gen != v->cap_gen && vd->conn) {
		describe(vd, desc, sizeof(desc));
		if (capture_add_interface(v->capture, vd->name, desc, &vd->cap_if) == 0)
			vd->cap_gen = v->cap_gen;
		else
			log_warn("%s: not captured: too many devices", vd->name);
	}
	if (!vd->conn)
		return;
	if (in_global(vd) || running(vd->capture))
		usbip_conn_watch(vd->conn, vdev_watch, vd);
	else
		usbip_conn_watch(vd->conn, NULL, NULL);
}

static void unbind_all(struct vusb *v)
{
	struct list_head *pos;

	list_for_each(pos, &v->devs)
		vdev_capture_bind(list_entry(pos, struct vdev, link));
}

static void capture_ended_cb(struct capture *cap, int err, void *data)
{
	struct vusb *v = data;

	(void)cap;
	log_warn("capture %s ended: %s; the devices carry on", v->capture_name,
		 err == -EPIPE	? "its reader went away" :
		 err == -ENOSPC ? "no space left on the device" :
				  strerror(-err));
	unbind_all(v);
}

int vusb_capture_start(struct vusb *v, int fd, const char *name, uint32_t snaplen,
		       const char *comment, struct strbuf *err)
{
	struct list_head *pos;
	char appl[64];
	int r;

	if (v->capture && !capture_ended(v->capture)) {
		close(fd);
		strbuf_printf(err, "a capture is running already (%s)", v->capture_name);
		return -EBUSY;
	}
	if (v->capture)
		vusb_capture_stop(v);
	snprintf(appl, sizeof(appl), "vusb %s", VUSB_VERSION);
	r = capture_new(v->loop, fd, snaplen, comment, appl, capture_ended_cb, v, &v->capture);
	if (r < 0) {
		strbuf_printf(err, "cannot start the capture: %s", strerror(-r));
		return r;
	}
	snprintf(v->capture_name, sizeof(v->capture_name), "%s", name);
	v->cap_gen++;
	list_for_each(pos, &v->devs)
		vdev_capture_bind(list_entry(pos, struct vdev, link));
	return 0;
}

void vusb_capture_stop(struct vusb *v)
{
	struct capture *cap = v->capture;

	if (!cap)
		return;
	v->capture = NULL;
	unbind_all(v);
	capture_free(cap);
}

/* ---- one device's own capture: its --capture, vusbctl NAME capture ---- */

static void vdev_capture_ended(struct capture *cap, int err, void *data)
{
	struct vdev *vd = data;

	(void)cap;
	log_warn("%s: capture %s ended: %s; the device carries on", vd->name, vd->capture_name,
		 err == -EPIPE	? "its reader went away" :
		 err == -ENOSPC ? "no space left on the device" :
				  strerror(-err));
	vdev_capture_bind(vd);
}

int vdev_capture_start(struct vdev *vd, int fd, const char *name, uint32_t snaplen,
		       const char *comment, struct strbuf *err)
{
	char appl[64], desc[128];
	unsigned int ifid;
	int r;

	if (running(vd->capture)) {
		close(fd);
		strbuf_printf(err, "%s: a capture is running already (%s)", vd->name,
			      vd->capture_name);
		return -EBUSY;
	}
	vdev_capture_stop(vd);
	snprintf(appl, sizeof(appl), "vusb %s", VUSB_VERSION);
	r = capture_new(vd->vusb->loop, fd, snaplen, comment, appl, vdev_capture_ended, vd,
			&vd->capture);
	if (r < 0) {
		strbuf_printf(err, "%s: cannot start the capture: %s", vd->name, strerror(-r));
		return r;
	}
	describe(vd, desc, sizeof(desc));
	r = capture_add_interface(vd->capture, vd->name, desc, &ifid);
	if (r < 0) {
		vdev_capture_stop(vd);
		strbuf_printf(err, "%s: cannot start the capture: %s", vd->name, strerror(-r));
		return r;
	}
	snprintf(vd->capture_name, sizeof(vd->capture_name), "%s", name);
	vdev_capture_bind(vd);
	return 0;
}

void vdev_capture_stop(struct vdev *vd)
{
	struct capture *cap = vd->capture;

	if (!cap)
		return;
	vd->capture = NULL;
	vdev_capture_bind(vd);
	capture_free(cap);
}

int vusb_capture_device(struct vusb *v, unsigned int n, int fd, const char *name,
			uint32_t snaplen, const char *comment, struct strbuf *err)
{
	struct list_head *pos;

	list_for_each(pos, &v->devs) {
		if (n-- == 0)
			return vdev_capture_start(list_entry(pos, struct vdev, link), fd, name,
						  snaplen, comment, err);
	}
	close(fd);
	strbuf_printf(err, "no device to capture");
	return -ENODEV;
}

/*
 * NAME capture start FILE [--snaplen N], with FILE opened by vusbctl and
 * sent along as fd; NAME capture stop.
 */
int vdev_capture_command(struct vdev *vd, int argc, char **argv, int fd, struct strbuf *out,
			 struct strbuf *err)
{
	struct strbuf comment = { 0 };
	long long snaplen = 0;
	int r;

	if (argc == 2 && strcmp(argv[1], "stop") == 0) {
		if (fd >= 0)
			close(fd);
		if (!vd->capture) {
			strbuf_printf(err, "%s: no capture is running", vd->name);
			return EXIT_FAILURE_;
		}
		strbuf_printf(out, "%s: capture %s stopped\n", vd->name, vd->capture_name);
		vdev_capture_stop(vd);
		return 0;
	}
	if (!(argc == 3 || (argc == 5 && strcmp(argv[3], "--snaplen") == 0)) ||
	    strcmp(argv[1], "start") != 0) {
		if (fd >= 0)
			close(fd);
		strbuf_printf(err, "usage: %s capture start FILE [--snaplen N] | capture stop",
			      vd->name);
		return EXIT_USAGE;
	}
	if (argc == 5 && num_parse(argv[4], 10, 1, CAPTURE_MAX_SNAPLEN, &snaplen) < 0) {
		if (fd >= 0)
			close(fd);
		strbuf_printf(err,
			      "invalid --snaplen '%s': bytes of data kept per transfer, 1 to %u",
			      argv[4], CAPTURE_MAX_SNAPLEN);
		return EXIT_USAGE;
	}
	if (fd < 0) {
		strbuf_printf(err, "%s: capture start needs the file opened by vusbctl", vd->name);
		return EXIT_USAGE;
	}
	if (running(vd->capture)) {
		close(fd);
		strbuf_printf(err, "%s: a capture is running already (%s)", vd->name,
			      vd->capture_name);
		return EXIT_FAILURE_;
	}
	/* vusbctl leaves an existing file alone until the capture can begin. */
	if (strcmp(argv[2], "-") != 0 && ftruncate(fd, 0) < 0 && errno != EINVAL) {
		strbuf_printf(err, "%s: %s: %s", vd->name, argv[2], strerror(errno));
		close(fd);
		return EXIT_FAILURE_;
	}
	strbuf_printf(&comment, "vusb %s: vusbctl %s capture start %s", VUSB_VERSION, vd->name,
		      argv[2]);
	r = vdev_capture_start(vd, fd, argv[2], (uint32_t)snaplen, strbuf_str(&comment), err);
	strbuf_free(&comment);
	if (r < 0)
		return EXIT_FAILURE_;
	strbuf_printf(out, "%s: capturing to %s\n", vd->name, argv[2]);
	return 0;
}
