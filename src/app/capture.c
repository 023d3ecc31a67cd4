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
#include "src/capture/capture.h"

static void vdev_watch(void *data, char type, const struct usb_urb *urb, int status,
		       const void *buf, size_t len)
{
	struct vdev *vd = data;

	capture_urb(vd->vusb->capture, vd->cap_if, vd->dev, type, urb, status, buf, len);
}

void vdev_capture_bind(struct vdev *vd)
{
	struct vusb *v = vd->vusb;
	char desc[128];

	if (!vd->conn)
		return;
	if (!v->capture || capture_ended(v->capture)) {
		usbip_conn_watch(vd->conn, NULL, NULL);
		return;
	}
	if (vd->cap_gen != v->cap_gen) {
		int n = snprintf(desc, sizeof(desc), "%s %04x:%04x", vd->name,
				 get_le16(vd->dev->desc + 8), get_le16(vd->dev->desc + 10));

		if (vd->attached)
			snprintf(desc + n, sizeof(desc) - (size_t)n, " port %u", vd->port);
		else if (vd->export)
			snprintf(desc + n, sizeof(desc) - (size_t)n, " busid %s",
				 server_export_busid(vd->export));
		if (capture_add_interface(v->capture, vd->name, desc, &vd->cap_if) < 0) {
			log_warn("%s: not captured: too many devices", vd->name);
			return;
		}
		vd->cap_gen = v->cap_gen;
	}
	usbip_conn_watch(vd->conn, vdev_watch, vd);
}

static void unbind_all(struct vusb *v)
{
	struct list_head *pos;

	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);

		if (vd->conn)
			usbip_conn_watch(vd->conn, NULL, NULL);
	}
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
	if (!v->capture)
		return;
	unbind_all(v);
	capture_free(v->capture);
	v->capture = NULL;
}
