// SPDX-License-Identifier: MIT
/*
 * A running instance (src/app/vusb.h) and its devices' life: the
 * instance made and freed, its hooks, each device created (named, its
 * files checked, its faults set, its report socket and terminal link),
 * started (attach.c, export.c), freed and its name given up.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/ctl/server.h"
#include "src/base/list.h"
#include "src/base/log.h"
#include "sysfs/ready.h"
#include "src/usbip/server.h"
#include "src/usb/fault.h"
#include "src/app/instance.h"
#include "src/app/privs.h"
#include "src/app/vusb.h"

const char *vdev_state_name(enum vdev_state s)
{
	switch (s) {
	case VDEV_ATTACHED:
		return "attached";
	case VDEV_READY:
		return "ready";
	case VDEV_EXPORTED:
		return "exported";
	case VDEV_IMPORTED:
		return "imported";
	case VDEV_SUSPENDED:
		return "suspended";
	default:
		return "offline";
	}
}

/* Give a name up: our link, or the cleaner's once we may not write there. */
static void release_name(struct vusb *v, const char *name)
{
	if (v->ctl)
		ctl_server_release(v->ctl, name);
	if (v->released)
		v->released(name, v->released_data);
}

void vdev_free(struct vdev *vd)
{
	struct vusb *v = vd->vusb;

	vdev_unplug(vd);
	vdev_capture_stop(vd);
	server_export_remove(vd->export);
	loop_defer_cancel(vd->replug);
	loop_timer_remove(vd->timer);
	/* Gone before the name: the cleaner removes a dead socket only. */
	hidsock_free(vd->hidsock);
	vd->hidsock = NULL;
	release_name(v, vd->name);
	list_del(&vd->link);
	v->ndevs--;
	loop_timer_remove(vd->reconnect);
	loop_timer_remove(vd->enum_watch);
	usb_faults_free(vd->dev);
	vd->model->destroy(vd->dev);
	free(vd);
}

void vdev_remove(struct vdev *vd)
{
	struct vusb *v = vd->vusb;

	vdev_free(vd);
	if (v->ndevs == 0 && !v->stay)
		loop_quit(v->loop, EXIT_OK);
	else
		vusb_schedule_ready_check(v);
}

int vusb_new(struct loop *loop, struct vhci *vhci, struct vusb **ret)
{
	struct vusb *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->loop = loop;
	v->vhci = vhci;
	v->ready_timeout_ms = VUSB_READY_TIMEOUT_MS;
	v->cpu = -1;
	list_init(&v->devs);
	*ret = v;
	return 0;
}

void vusb_free(struct vusb *v)
{
	if (!v)
		return;
	while (!list_empty(&v->devs))
		vdev_free(list_first_entry(&v->devs, struct vdev, link));
	vusb_capture_stop(v);
	loop_defer_cancel(v->ready_check);
	ready_free(v->ready);
	server_free(v->server);
	ctl_server_free(v->ctl);
	free(v);
}

int vusb_listen(struct vusb *v, struct strbuf *err)
{
	return ctl_server_new(v->loop, vusb_ctl_handle, v, err, &v->ctl);
}

const char *vusb_ctl_path(const struct vusb *v)
{
	return v->ctl ? ctl_server_path(v->ctl) : NULL;
}

void vusb_set_release_hook(struct vusb *v, void (*released)(const char *name, void *data),
			   void *data)
{
	v->released = released;
	v->released_data = data;
}

void vusb_set_stay(struct vusb *v)
{
	v->stay = true;
	vusb_schedule_ready_check(v);
}

void vusb_set_claim_hook(struct vusb *v, int (*claim)(const char *name, void *data),
			 int (*report_listen)(const char *name, void *data), void *data)
{
	v->claim = claim;
	v->report_listen = report_listen;
	v->claim_data = data;
}

void vusb_set_tty_hook(struct vusb *v,
		       int (*tty_link)(const char *name, const char *pts, void *data))
{
	v->tty_link = tty_link;
}

unsigned int vusb_count(const struct vusb *v)
{
	return v->ndevs;
}

struct vdev *vdev_find(struct vusb *v, const char *name)
{
	struct list_head *pos;

	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);

		if (strcmp(vd->name, name) == 0)
			return vd;
	}
	return NULL;
}

/* Reserve a name: the given one, or the first free KINDn. */
static int pick_name(struct vusb *v, struct vdev *vd, const char *want, struct strbuf *err)
{
	unsigned int i;
	int r;

	for (i = 0; i < 10000; i++) {
		if (want)
			snprintf(vd->name, sizeof(vd->name), "%s", want);
		else
			snprintf(vd->name, sizeof(vd->name), "%s%u", vd->model->name, i);
		r = vdev_find(v, vd->name) ? -EEXIST : 0;
		if (r == 0 && v->ctl)
			r = ctl_server_claim(v->ctl, vd->name);
		/* After the drop, RUNDIR/dev is root's: the cleaner links it. */
		if ((r == -EACCES || r == -EPERM) && v->claim)
			r = v->claim(vd->name, v->claim_data);
		if (r == 0)
			return 0;
		if (r != -EEXIST || want)
			break;
	}
	if (r == -EEXIST)
		strbuf_printf(err, "the name '%s' is in use by another device", vd->name);
	else
		strbuf_printf(err, "cannot register the name '%s' in %s: %s", vd->name,
			      ctl_rundir(), strerror(-r));
	return r == -EACCES || r == -EPERM ? EXIT_PERMISSION : EXIT_FAILURE_;
}

/* The device's report socket, RUNDIR/dev/NAME.hid; a device works without. */
static void report_socket(struct vusb *v, struct vdev *vd)
{
	char path[PATH_MAX];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/dev/%s.hid", ctl_rundir(), vd->name) >=
	    sizeof(path))
		r = -ENAMETOOLONG;
	else
		r = hidsock_new(v->loop, vd->dev, vd->name, vd->model->send_report, path,
				&vd->hidsock);
	/* After the drop (vusbctl add), the cleaner listens there for us. */
	if ((r == -EACCES || r == -EPERM) && v->report_listen) {
		int fd = v->report_listen(vd->name, v->claim_data);

		r = fd < 0 ? fd :
			     hidsock_new_fd(v->loop, vd->dev, vd->name, vd->model->send_report,
					    path, fd, &vd->hidsock);
	}
	if (r < 0)
		log_warn("%s: no report socket %s: %s", vd->name, path, strerror(-r));
}

/*
 * The device's terminal as RUNDIR/dev/NAME.tty: the model links it when it
 * can; after the drop (vusbctl add) the cleaner does. A device works without.
 */
static void tty_link(struct vusb *v, struct vdev *vd)
{
	const char *pts = vd->model->tty(vd->dev);
	char path[PATH_MAX], buf[PATH_MAX];
	ssize_t n;
	int r;

	if (!pts || (size_t)snprintf(path, sizeof(path), "%s/dev/%s.tty", ctl_rundir(), vd->name) >=
			    sizeof(path))
		return;
	/* Linked already (by the model, before the drop). */
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0)
		buf[n] = '\0';
	if (n > 0 && strcmp(buf, pts) == 0)
		return;
	r = v->tty_link ? v->tty_link(vd->name, pts, v->claim_data) : -EACCES;
	if (r < 0)
		log_warn("%s: cannot link %s to %s: %s", vd->name, path, pts, strerror(-r));
}

/* What the user named that is wrong (EXIT_USAGE), not a failure at run time. */
static bool named_wrong(int r)
{
	switch (r) {
	case -EINVAL:
	case -ENOENT:
	case -ENOTDIR:
	case -EISDIR:
	case -ELOOP:
	case -ENAMETOOLONG:
	case -ENOEXEC:
	case -EBADMSG:
	case -EFBIG:
	case -EROFS:
	case -EACCES:
	case -EPERM:
	case -EMEDIUMTYPE:
	case -EOPNOTSUPP:
		return true;
	default:
		return false;
	}
}

/* The earlier device whose positional argument is the file `st`, or NULL. */
static struct vdev *file_user(struct vusb *v, const struct stat *st)
{
	struct list_head *pos;

	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);

		if (vd->has_file && vd->file_dev == st->st_dev && vd->file_ino == st->st_ino)
			return vd;
	}
	return NULL;
}

/* A device of `model`, named and listed, attached nowhere yet. 0 or EXIT_*. */
int vdev_create(struct vusb *v, const struct vusb_model *model, const struct vusb_dev_opts *opts,
		struct strbuf *err, struct vdev **ret)
{
	struct vusb_dev_opts o = *opts;
	struct vdev *vd, *other;
	unsigned int i;
	struct stat st;
	bool has_file;
	int r;

	/* A file sent by vusbctl is looked at through its descriptor only. */
	if (opts->has_file_fd)
		has_file = vusb_dev_sent_fd(opts, NULL) >= 0 &&
			   fstat(vusb_dev_sent_fd(opts, NULL), &st) == 0;
	else
		has_file = opts->positional && stat(opts->positional, &st) == 0;
	vd = calloc(1, sizeof(*vd));
	if (!vd) {
		strbuf_printf(err, "out of memory");
		return EXIT_FAILURE_;
	}
	vd->vusb = v;
	vd->model = model;
	vd->state = VDEV_OFFLINE;
	snprintf(vd->busid, sizeof(vd->busid), "-");
	r = pick_name(v, vd, opts->name, err);
	if (r) {
		free(vd);
		return r;
	}
	o.name = vd->name;
	o.instance = v->serial;
	o.loop = v->loop;
	r = model->create(&vd->dev, &o, err);
	if (r < 0) {
		release_name(v, vd->name);
		free(vd);
		other = has_file ? file_user(v, &st) : NULL;
		if (r == -EBUSY && other) {
			/* Our own lock: the same file named twice. */
			strbuf_reset(err);
			strbuf_printf(err,
				      "%s is %s's already%s (one file backs "
				      "two devices only when both are --ro or --snapshot)",
				      opts->positional, other->name,
				      opts->has_file_fd ? "" : ", on this command line");
			return EXIT_USAGE;
		}
		if (!err->len)
			strbuf_printf(err, "%s", strerror(-r));
		return named_wrong(r) ? EXIT_USAGE : EXIT_FAILURE_;
	}
	vd->dev->host = &vdev_host_ops;
	vd->dev->host_data = vd;
	for (i = 0; i < opts->nfaults; i++) {
		struct usb_fault_spec spec;
		unsigned int id;

		r = usb_fault_parse_text(opts->faults[i], strlen(opts->faults[i]), &spec, err);
		if (r == 0)
			r = usb_fault_add(vd->dev, &spec, &id);
		if (r == -EOPNOTSUPP)
			strbuf_printf(
				err,
				"--fault '%s': %s counts commands, which this device has none "
				"of (mass storage has)",
				opts->faults[i], usb_fault_kind_name(spec.kind));
		if (r == 0)
			log_notice("%s: fault %u set: %s", vd->name, id, opts->faults[i]);
		if (r < 0) {
			if (!err->len)
				strbuf_printf(err, "--fault '%s': %s", opts->faults[i],
					      strerror(-r));
			usb_faults_free(vd->dev);
			model->destroy(vd->dev);
			release_name(v, vd->name);
			free(vd);
			return r == -EINVAL ? EXIT_USAGE : EXIT_FAILURE_;
		}
	}
	if (has_file) {
		vd->has_file = true;
		vd->file_dev = st.st_dev;
		vd->file_ino = st.st_ino;
	}
	if (model->send_report && v->ctl)
		report_socket(v, vd);
	if (model->tty && v->ctl)
		tty_link(v, vd);
	list_add_tail(&vd->link, &v->devs);
	v->ndevs++;
	v->serial++;
	*ret = vd;
	return 0;
}

int vusb_add(struct vusb *v, const struct vusb_model *model, const struct vusb_dev_opts *opts,
	     struct strbuf *err)
{
	struct vdev *vd;
	int r;

	r = vdev_create(v, model, opts, err, &vd);
	if (r)
		return r;
	if (!v->vhci)
		return 0;
	r = vdev_attach(v, vd, err);
	if (r) {
		vdev_free(vd);
		return r;
	}
	log_info("%s: attached to vhci port %u as a %s %s", vd->name, vd->port,
		 usb_speed_name(vd->dev->speed), model->name);
	return 0;
}

void vusb_share_report_sockets(struct vusb *v)
{
	struct list_head *pos;
	int r;

	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);

		if (!vd->hidsock)
			continue;
		r = privs_share_socket(hidsock_path(vd->hidsock));
		if (r < 0)
			log_warn("cannot give %s to group %s: %s", hidsock_path(vd->hidsock),
				 PRIVS_GROUP, strerror(-r));
	}
}

int vusb_create(struct vusb *v, const struct vusb_model *model, const struct vusb_dev_opts *opts,
		bool export, struct strbuf *err)
{
	struct vdev *vd;
	int r;

	r = vdev_create(v, model, opts, err, &vd);
	if (r)
		return r;
	vd->pending = true;
	vd->to_export = export;
	return 0;
}

void vusb_set_vhci(struct vusb *v, struct vhci *vhci)
{
	v->vhci = vhci;
}

int vusb_start(struct vusb *v, struct strbuf *err)
{
	struct strbuf why = { 0 };
	struct list_head *pos;
	int r = 0;

	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);

		if (!vd->pending)
			continue;
		if (vd->to_export) {
			r = vdev_export(v, vd, &why);
		} else if (v->vhci) {
			r = vdev_attach(v, vd, &why);
			if (r == 0)
				log_info("%s: attached to vhci port %u as a %s %s", vd->name,
					 vd->port, usb_speed_name(vd->dev->speed), vd->model->name);
		}
		vd->pending = false;
		if (r) {
			strbuf_printf(err, "%s: %s", vd->name, strbuf_str(&why));
			break;
		}
	}
	strbuf_free(&why);
	return r;
}
