// SPDX-License-Identifier: MIT
/* Devices offered over USB/IP (--listen): the glue between the server and the instance. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/app/allowuser.h"
#include "src/app/instance.h"
#include "src/base/log.h"
#include "src/ctl/format.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * One line per connection, but a peer that opens thousands must not fill
 * the log: a few lines a second, and a count of the rest.
 */
#define SERVER_LOG_PER_SECOND 5

static void server_event(const char *peer, int err, const char *what, void *data)
{
	struct vusb *v = data;
	uint64_t second = now_ms() / 1000;

	if (second != v->log_second) {
		if (v->log_dropped)
			log_warn("listener: %u more connection messages left out", v->log_dropped);
		v->log_second = second;
		v->log_lines = 0;
		v->log_dropped = 0;
	}
	if (v->log_lines >= SERVER_LOG_PER_SECOND) {
		v->log_dropped++;
		return;
	}
	v->log_lines++;
	if (err == 0)
		log_info("%s: %s", peer, what);
	else
		log_warn("%s: %s", peer, what);
}

static int server_import(struct server_export *e, int fd, const char *peer, void *data)
{
	struct vdev *vd = server_export_data(e);
	int r;

	r = usbip_conn_new(vd->vusb->loop, fd, vd->dev, &vdev_conn_ops, vd, &vd->conn);
	if (r < 0)
		return r;
	snprintf(vd->peer, sizeof(vd->peer), "%s", peer);
	vd->state = VDEV_IMPORTED;
	vdev_capture_bind(vd);
	log_notice("%s: imported by %s as %s", vd->name, peer, server_export_busid(e));
	return 0;
}

static int server_admit(int fd, const struct sockaddr *sa, socklen_t len, char *why, size_t size,
			void *data)
{
	struct vusb *v = data;

	if (!v->allowuser)
		return 0;
	return allowuser_admit(v->allowuser, fd, sa, len, why, size);
}

static const struct server_ops vusb_server_ops = {
	.import = server_import,
	.event = server_event,
	.admit = server_admit,
};

void vusb_set_allowuser(struct vusb *v, const struct allowuser *a)
{
	v->allowuser = a;
}

int vusb_serve(struct vusb *v, const struct server_config *cfg)
{
	if (v->server)
		return -EALREADY;
	return server_new(v->loop, cfg, &vusb_server_ops, v, &v->server);
}

int vusb_listen_also(struct vusb *v, const struct server_addr *a)
{
	return v->server ? server_listen(v->server, a) : -EINVAL;
}

void vusb_server_addr(const struct vusb *v, unsigned int i, char *buf, size_t size)
{
	if (v->server)
		server_local_addr(v->server, i, buf, size);
	else
		snprintf(buf, size, "-");
}

int vdev_export(struct vusb *v, struct vdev *vd, struct strbuf *err)
{
	struct usbip_op_device info = { 0 };
	const uint8_t *cfg;
	int r;

	if (!v->server) {
		strbuf_printf(err, "no --listen address to export on");
		return EXIT_USAGE;
	}
	cfg = vd->dev->config;
	r = usbip_op_device_from_descriptors(&info, vd->dev->desc, cfg,
					     cfg ? (size_t)(cfg[2] | cfg[3] << 8) : 0,
					     vd->dev->speed);
	if (r == 0) {
		snprintf(info.path, sizeof(info.path), "vusb/%s", vd->name);
		r = server_export_add(v->server, &info, vd, &vd->export);
	}
	if (r < 0) {
		strbuf_printf(err, "cannot export: %s",
			      r == -EINVAL ? "its descriptors do not fit USB/IP" : strerror(-r));
		return EXIT_FAILURE_;
	}
	vd->pending = false;
	vd->want_connected = true;
	vd->state = VDEV_EXPORTED;
	snprintf(vd->busid, sizeof(vd->busid), "%s", server_export_busid(vd->export));
	log_info("%s: a %s %s", vd->name, usb_speed_name(vd->dev->speed), vd->model->name);
	/* The line scripts wait for, like "ready" for an attached device. */
	printf("%s: exported, busid %s\n", vd->name, vd->busid);
	fflush(stdout);
	return 0;
}

int vusb_export(struct vusb *v, const struct vusb_model *model, const struct vusb_dev_opts *opts,
		struct strbuf *err)
{
	struct vdev *vd;
	int r;

	if (!v->server) {
		strbuf_printf(err, "no --listen address to export on");
		return EXIT_USAGE;
	}
	r = vdev_create(v, model, opts, err, &vd);
	if (r)
		return r;
	r = vdev_export(v, vd, err);
	if (r)
		vdev_free(vd);
	return r;
}
