// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/usbip/conn.h"
#include "src/ctl/format.h"
#include "src/ctl/server.h"
#include "src/base/list.h"
#include "src/base/log.h"
#include "sysfs/ready.h"
#include "src/usbip/server.h"
#include "src/usbip/op.h"
#include "src/usb/fault.h"
#include "src/app/instance.h"
#include "src/app/privs.h"
#include "src/app/vusb.h"
#include "sysfs/vhci.h"

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

static struct vdev *vdev_of(struct usb_device *dev)
{
	return dev->host_data;
}

static void timer_fired(struct loop_timer *t, void *data)
{
	struct vdev *vd = data;

	usb_device_timer(vd->dev);
}

static void host_arm_timer(struct usb_device *dev, unsigned int ms)
{
	struct vdev *vd = vdev_of(dev);

	if (!vd->timer) {
		if (ms == 0)
			return;
		if (loop_timer_add(vd->vusb->loop, timer_fired, vd, NULL, &vd->timer) < 0) {
			log_err("%s: cannot create a timer: out of resources", vd->name);
			return;
		}
	}
	loop_timer_arm(vd->timer, ms);
}

static void host_event(struct usb_device *dev, const char *what)
{
	struct vdev *vd = vdev_of(dev);

	/* Reports written before the host was ready go now. */
	if (strcmp(what, "configured") == 0)
		hidsock_room(vd->hidsock);

	if (strcmp(what, "configured") != 0) {
		log_notice("%s: %s", vd->name, what);
		return;
	}
	if (vd->export) {
		/* Configured by the importer: stays "imported". */
		log_info("%s: configured by %s", vd->name, vd->peer);
		return;
	}
	vd->state = VDEV_READY;
	if (vd->announced)
		return;
	vd->announced = true;
	/*
	 * vhci's status names the device only once it saw SET_ADDRESS on
	 * this connection. A device attached while the hub still enumerates
	 * the port's previous one (detached mid-way) is addressed by that
	 * enumeration: it works, and status says "not assigned" for good.
	 * The port's place on its root hub gives the same name.
	 */
	if (vd->attached &&
	    vhci_port_busid(vd->vusb->vhci, vd->port, vd->busid, sizeof(vd->busid)) < 0 &&
	    vhci_port_busid_predict(vd->vusb->vhci, vd->port, vd->busid, sizeof(vd->busid)) < 0)
		snprintf(vd->busid, sizeof(vd->busid), "?");
	/* The line scripts wait for: on standard output, once. */
	printf("%s: ready, port %u, busid %s\n", vd->name, vd->port, vd->busid);
	fflush(stdout);
}

int vdev_attach(struct vusb *v, struct vdev *vd, struct strbuf *err);
void vdev_unplug(struct vdev *vd);

static void replug_now(void *data)
{
	struct vdev *vd = data;
	struct strbuf err = { 0 };

	vd->replug = NULL;
	if (!vd->want_connected) {
		vdev_unplug(vd);
		log_notice("%s: disconnected from the bus", vd->name);
		return;
	}
	if (vd->export) {
		/* Back on the bus: offered again; the old importer is gone
		 * (USB/IP has no reconnect) and must import it anew. */
		if (vd->state == VDEV_OFFLINE) {
			server_export_set_offered(vd->export, true);
			vd->state = VDEV_EXPORTED;
			log_notice("%s: offered again as %s", vd->name,
				   server_export_busid(vd->export));
		}
		return;
	}
	if (vd->attached || !vd->vusb->vhci)
		return;
	if (vdev_attach(vd->vusb, vd, &err))
		log_err("%s: cannot reconnect: %s", vd->name, strbuf_str(&err));
	else
		log_notice("%s: reconnected on vhci port %u", vd->name, vd->port);
	strbuf_free(&err);
}

static void host_plug(struct usb_device *dev, bool connected)
{
	struct vdev *vd = vdev_of(dev);

	vd->want_connected = connected;
	if (!vd->replug && loop_defer(vd->vusb->loop, replug_now, vd, &vd->replug) < 0)
		log_err("%s: cannot %s: out of memory", vd->name,
			connected ? "reconnect" : "disconnect");
}

static void host_report(struct usb_device *dev, unsigned int type, const uint8_t *data, size_t len)
{
	hidsock_report(vdev_of(dev)->hidsock, type, data, len);
}

static void host_room(struct usb_device *dev)
{
	hidsock_room(vdev_of(dev)->hidsock);
}

static const struct usb_host_ops vdev_host_ops = {
	.arm_timer = host_arm_timer,
	.event = host_event,
	.plug = host_plug,
	.report = host_report,
	.room = host_room,
};

/* Give the port back; the device stays, offline, until plugged again. */
void vdev_unplug(struct vdev *vd)
{
	struct vusb *v = vd->vusb;
	int r;

	if (vd->attached) {
		/* Detach first: the kernel stops talking, then our end closes. */
		r = vhci_detach(v->vhci, vd->port, VHCI_DETACH_TIMEOUT_MS);
		if (r == -ETIMEDOUT) {
			/* Its sender may be stuck on our full socket: closing
			 * our end unblocks it, then the port frees. */
			usbip_conn_free(vd->conn);
			vd->conn = NULL;
			r = vhci_detach(v->vhci, vd->port, VHCI_DETACH_TIMEOUT_MS);
		}
		if (r < 0 && r != -ENODEV)
			log_warn("%s: detaching vhci port %u: %s", vd->name, vd->port, strerror(-r));
	}
	usbip_conn_free(vd->conn);
	vd->conn = NULL;
	ready_watch_remove(vd->watch);
	pin_forget(vd);
	vd->watch = NULL;
	vd->nodes_ready = false;
	vd->nodes[0] = '\0';
	vd->attached = false;
	vd->announced = false;
	vd->state = VDEV_OFFLINE;
	snprintf(vd->busid, sizeof(vd->busid), "-");
	if (vd->export) {
		/* Off the bus: the importer loses it, and nobody can import it. */
		server_export_release(vd->export);
		server_export_set_offered(vd->export, false);
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

void vusb_schedule_ready_check(struct vusb *v);

void vdev_remove(struct vdev *vd)
{
	struct vusb *v = vd->vusb;

	vdev_free(vd);
	if (v->ndevs == 0 && !v->stay)
		loop_quit(v->loop, EXIT_OK);
	else
		vusb_schedule_ready_check(v);
}

static void conn_closed(struct usbip_conn *c, int err, const char *why, void *data)
{
	struct vdev *vd = data;

	if (!vd->want_connected) {
		/* It asked to leave; the replug in flight finishes the job. */
		return;
	}
	if (vd->export) {
		/* The importer has gone: offer the device again. */
		if (err == 0)
			log_notice("%s: %s closed the connection; %s is offered again", vd->name,
				   vd->peer, server_export_busid(vd->export));
		else
			log_warn("%s: dropped %s: %s; %s is offered again", vd->name, vd->peer,
				 why ? why : strerror(-err), server_export_busid(vd->export));
		usbip_conn_free(vd->conn);
		vd->conn = NULL;
		vd->state = VDEV_EXPORTED;
		server_export_release(vd->export);
		return;
	}
	if (err == 0)
		log_notice("%s: the kernel closed the connection (port %u detached)", vd->name,
			   vd->port);
	else
		log_err("%s: connection dropped: %s", vd->name, why ? why : strerror(-err));
	vdev_remove(vd);
}

const struct usbip_conn_ops vdev_conn_ops = {
	.closed = conn_closed,
};

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

/* ---- readiness: the kernel's drivers and nodes (sysfs/ready.h) ---- */

static void check_all_ready(void *data)
{
	struct vusb *v = data;
	struct list_head *pos;

	v->ready_check = NULL;
	if (v->all_ready || (v->ndevs == 0 && !v->stay))
		return;
	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);

		/* Exported devices are ready once offered; without vhci
		 * (tests of the command layer) nothing is attached. */
		if (vd->export || !v->vhci)
			continue;
		if (!vd->attached || !vd->nodes_ready)
			return;
	}
	v->all_ready = true;
	if (v->ready_cb)
		v->ready_cb(v, 0, NULL, v->ready_data);
}

void vusb_schedule_ready_check(struct vusb *v)
{
	if (v->all_ready || v->ready_check)
		return;
	if (loop_defer(v->loop, check_all_ready, v, &v->ready_check) < 0)
		log_err("cannot check readiness: out of memory");
}

void vusb_set_ready_cb(struct vusb *v, unsigned int timeout_ms, vusb_ready_cb cb, void *data)
{
	v->ready_timeout_ms = timeout_ms;
	v->ready_cb = cb;
	v->ready_data = data;
	vusb_schedule_ready_check(v);
}

/*
 * Asked for every unlocated watch on every USB device uevent: from the
 * root hubs' bus numbers when they are known, with no sysfs read (reading
 * vhci's status files each time made bringing up 60 mice cost 8 s of
 * CPU under qemu, growing with the square of the count).
 */
static int watch_busid(void *data, char *buf, size_t size)
{
	struct vdev *vd = data;

	if (vhci_port_busid_predict(vd->vusb->vhci, vd->port, buf, size) == 0)
		return 0;
	return vhci_port_busid(vd->vusb->vhci, vd->port, buf, size);
}

static void watch_done(void *data, int err, const char *text)
{
	struct vdev *vd = data;
	struct vusb *v = vd->vusb;
	struct strbuf why = { 0 };

	if (err == 0) {
		vd->nodes_ready = true;
		if (snprintf(vd->nodes, sizeof(vd->nodes), "%s", text) >= (int)sizeof(vd->nodes)) {
			/* Whole names only: the one cut in half goes. */
			char *sp = strrchr(vd->nodes, ' ');

			if (sp)
				*sp = '\0';
			else
				vd->nodes[0] = '\0';
		}
		/* The second line scripts wait for: what the drivers made. */
		printf("%s: nodes%s%s\n", vd->name, *text ? " " : "", text);
		fflush(stdout);
		if (vusb_log_level >= LOG_INFO) {
			struct strbuf d = { 0 };
			const char *line = NULL, *nl;

			ready_watch_describe(vd->watch, &d);
			for (line = strbuf_str(&d); *line; line = nl + 1) {
				nl = strchr(line, '\n');
				if (!nl)
					break;
				log_info("%s: %.*s", vd->name, (int)(nl - line), line);
			}
			strbuf_free(&d);
		}
		pin_ready(v, vd);
		vusb_schedule_ready_check(v);
		return;
	}
	strbuf_printf(&why, "%s: the kernel is not done with it after %u s: %s", vd->name,
		      (v->ready_timeout_ms + 999) / 1000, text);
	if (v->ready_cb)
		v->ready_cb(v, err, strbuf_str(&why), v->ready_data);
	else
		log_warn("%s (still waiting)", strbuf_str(&why));
	strbuf_free(&why);
}

static void watch_start(struct vusb *v, struct vdev *vd)
{
	int r = 0;

	if (!v->ready) {
		r = ready_new(v->loop, &v->ready);
		if (r == 0)
			log_debug("readiness from %s", ready_mode(v->ready));
	}
	if (r == 0)
		r = ready_watch_add(v->ready, v->ready_timeout_ms, watch_busid, watch_done, vd,
				    &vd->watch);
	if (r < 0) {
		/* The device works; only its nodes go unreported. */
		log_err("%s: cannot watch for the kernel's drivers: %s", vd->name, strerror(-r));
		vd->nodes_ready = true;
		vusb_schedule_ready_check(v);
	}
}

/*
 * The kernel asks for a new device's descriptor within a second or two of
 * the attach, under emulation too. Now and then it never does: a device
 * attached right after another left the same root hub can go unnoticed
 * for good (seen in the VM tests under load, t-61 and t-62: no URB in
 * 80 s). One that no URB reached ENUM_WATCH_MS after its attach is
 * unplugged and plugged in again, as one would do with a real device, at
 * most ENUM_REPLUGS times in a row.
 */
#define ENUM_WATCH_MS 10000
#define ENUM_REPLUGS 3

static void enum_watch_fired(struct loop_timer *t, void *data)
{
	struct vdev *vd = data;
	struct usbip_conn_stats st;
	struct strbuf err = { 0 };

	if (!vd->attached || !vd->conn)
		return;
	usbip_conn_get_stats(vd->conn, &st);
	if (st.submitted) {
		vd->enum_replugs = 0;
		return;
	}
	if (vd->enum_replugs >= ENUM_REPLUGS) {
		log_warn("%s: the kernel has not asked for it on vhci port %u, plugged in %u times",
			 vd->name, vd->port, ENUM_REPLUGS + 1);
		return;
	}
	vd->enum_replugs++;
	log_warn("%s: the kernel has not asked for it on vhci port %u after %u s: plugging it in again",
		 vd->name, vd->port, ENUM_WATCH_MS / 1000);
	vdev_unplug(vd);
	if (vdev_attach(vd->vusb, vd, &err))
		log_err("%s: cannot plug it in again: %s", vd->name, strbuf_str(&err));
	strbuf_free(&err);
}

int vdev_attach(struct vusb *v, struct vdev *vd, struct strbuf *err)
{
	uint32_t devid = vhci_devid(1, v->serial % 255 + 1);
	struct affinity_list *before;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		strbuf_printf(err, "socketpair: %s", strerror(errno));
		return EXIT_FAILURE_;
	}
	before = pin_before(v);
	r = vhci_attach(v->vhci, sv[1], devid, vd->dev->speed, &vd->port);
	/* The kernel holds its own reference to its end now. */
	close(sv[1]);
	if (r == 0)
		pin_attached(v, vd, before);
	else
		pin_discard(before);
	if (r < 0) {
		close(sv[0]);
		if (r == -EBUSY) {
			strbuf_printf(err, "every vhci port for %s devices is in use",
				      usb_speed_name(vd->dev->speed));
			return EXIT_FAILURE_;
		}
		if (r == -EACCES || r == -EPERM) {
			strbuf_printf(err, "attaching to vhci_hcd needs root (try sudo)");
			return EXIT_PERMISSION;
		}
		strbuf_printf(err, "attaching to vhci_hcd: %s", strerror(-r));
		return EXIT_FAILURE_;
	}
	vd->attached = true;
	vd->want_connected = true;
	vd->state = VDEV_ATTACHED;
	r = usbip_conn_new(v->loop, sv[0], vd->dev, &vdev_conn_ops, vd, &vd->conn);
	if (r < 0) {
		strbuf_printf(err, "serving the connection: %s", strerror(-r));
		return EXIT_FAILURE_;
	}
	vdev_capture_bind(vd);
	watch_start(v, vd);
	if (!vd->enum_watch &&
	    loop_timer_add(v->loop, enum_watch_fired, vd, NULL, &vd->enum_watch) < 0)
		vd->enum_watch = NULL; /* the device works without */
	if (vd->enum_watch)
		loop_timer_arm(vd->enum_watch, ENUM_WATCH_MS);
	return 0;
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
