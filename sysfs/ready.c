// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libudev.h>

#include "src/base/list.h"
#include "sysfs/ready.h"
#include "sysfs/kmod.h"
#include "sysfs/settle.h"
#include "sysfs/uevent.h"

#define SYSFS_USB_DEVICES "/sys/bus/usb/devices"

struct ready {
	struct loop *loop;
	struct uevent_mon *mon; /* NULL: no netlink, every watch polls */
	struct loop_io *mon_io;
	struct udev *udev; /* only where udevd runs */
	struct udev_monitor *umon;
	struct loop_io *umon_io;
	struct kmod_ctx *kmod;
	struct loop_timer *poll; /* armed while a watch polls */
	struct loop_defer *process; /* dirty watches wait for it */
	struct list_head watches;
	char mode[160];
	char buf[UEVENT_MSG_MAX];
};

struct ready_watch {
	struct list_head link;
	struct ready *r;
	ready_busid_fn busid_fn;
	ready_fn done;
	void *data;
	struct loop_timer *timer;
	bool dirty; /* look again at the next processing */
	bool ready;
	bool timed_out;
	/* Events were lost (or there are none): the table comes from
	 * sysfs, whose DRIVER= shows before a probe ends, so "done" must
	 * also hold still between two looks READY_POLL_MS apart. */
	bool polling;
	uint64_t last_hash;
	char busid[32];
	char syspath[PATH_MAX]; /* the directory, links resolved; "" unknown */
	const char *devpath; /* syspath without "/sys", NULL unknown */
	struct settle_table *table; /* what the kernel said */
	struct settle_state *st; /* the last look */
};

static void process(void *data);

/*
 * A watch's table and state are sized for the largest device (the table
 * alone is 125 KiB) and mostly empty. From calloc() they were touched
 * whole, since calloc() clears what it takes from the heap, and stayed
 * resident: 150 KiB for each device of a process that may serve 240. Fresh
 * anonymous pages cost nothing until written, and munmap() gives them
 * back at once.
 */
static void *zalloc_pages(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void free_pages(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

/*
 * A ready watch takes no more events: its table is done with, and so is
 * its state unless ready_watch_describe() will ask udevd about its nodes.
 */
static void release_after_ready(struct ready_watch *w)
{
	struct list_head *pos;

	free_pages(w->table, sizeof(*w->table));
	w->table = NULL;
	if (!w->r->udev) {
		free_pages(w->st, sizeof(*w->st));
		w->st = NULL;
	}
	/* The last device waited for: libkmod can go (a device attached
	 * again later opens it again). */
	list_for_each(pos, &w->r->watches) {
		struct ready_watch *o = list_entry(pos, struct ready_watch, link);

		if (o != w && !o->ready && !o->timed_out)
			return;
	}
	vhci_kmod_unref(w->r->kmod);
	w->r->kmod = NULL;
}

static void schedule(struct ready *r)
{
	if (!r->process && loop_defer(r->loop, process, r, &r->process) < 0)
		r->process = NULL; /* out of memory: the timeout looks once more */
}

static void start_polling(struct ready_watch *w)
{
	struct ready *r = w->r;

	w->polling = true;
	w->last_hash = 0;
	if (r->poll)
		loop_timer_arm(r->poll, READY_POLL_MS);
}

/* Learn the bus id and the real path of the device. false: not yet. */
static bool locate(struct ready_watch *w)
{
	char link[64], real[PATH_MAX];

	if (w->devpath)
		return true;
	if (!w->busid[0]) {
		char b[sizeof(w->busid)];

		if (w->busid_fn(w->data, b, sizeof(b)) < 0 || !b[0] || strchr(b, '/'))
			return false;
		snprintf(w->busid, sizeof(w->busid), "%s", b);
	}
	snprintf(link, sizeof(link), SYSFS_USB_DEVICES "/%s", w->busid);
	if (!realpath(link, real) || strncmp(real, "/sys/", 5) != 0)
		return false;
	snprintf(w->syspath, sizeof(w->syspath), "%s", real);
	w->devpath = w->syspath + 4;
	return true;
}

/*
 * Could the USB device at devpath be the watch's? Learns the bus id if it
 * can; while it is unknown, any device could be.
 */
static bool named(struct ready_watch *w, const char *devpath)
{
	const char *base = strrchr(devpath, '/');
	char b[sizeof(w->busid)];

	if (!w->busid[0]) {
		if (w->busid_fn(w->data, b, sizeof(b)) < 0 || !b[0] || strchr(b, '/'))
			return true;
		snprintf(w->busid, sizeof(w->busid), "%s", b);
	}
	return base && strcmp(base + 1, w->busid) == 0;
}

static void on_event(struct ready *r, const struct uevent *ev)
{
	struct list_head *pos;
	bool any = false;

	list_for_each(pos, &r->watches) {
		struct ready_watch *w = list_entry(pos, struct ready_watch, link);
		const char *rel;

		if (w->ready || w->polling)
			continue;
		if (!w->devpath) {
			/* Only a USB device on a vhci hub can be ours, and
			 * once our bus id is known, only the one named so. */
			if (!ev->devtype || strcmp(ev->devtype, "usb_device") != 0 ||
			    !strstr(ev->devpath, "/vhci_hcd.") || !named(w, ev->devpath) ||
			    !locate(w))
				continue;
			/* Had we missed its "add", the table would lack
			 * it: read sysfs instead from now on. */
			if (ev->action != UEVENT_ADD && strcmp(ev->devpath, w->devpath) == 0)
				start_polling(w);
		}
		if (!uevent_devpath_under(ev->devpath, w->devpath))
			continue;
		rel = ev->devpath + strlen(w->devpath);
		if (*rel == '/')
			rel++;
		if (settle_table_update(w->table, rel, ev) == -EINVAL)
			continue;
		w->dirty = true;
		any = true;
	}
	if (any)
		schedule(r);
}

/* FNV-1a over what the judge and the nodes line depend on. */
static uint64_t state_hash(const struct settle_table *t)
{
	uint64_t h = 1469598103934665603ull;
	const unsigned char *p = (const unsigned char *)t->e;
	size_t i, n = t->n * sizeof(t->e[0]);

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h ^ t->n;
}

/* Look at the device now; 1 ready, 0 not (why says what is missing). */
static int look(struct ready_watch *w, struct strbuf *why)
{
	struct ready *r = w->r;
	uint64_t h;
	int done;

	if (!locate(w)) {
		strbuf_printf(why, "the kernel has not enumerated it yet");
		return 0;
	}
	if (w->polling && settle_scan(w->syspath, w->table) < 0) {
		strbuf_printf(why, "cannot read %s", w->syspath);
		return 0;
	}
	settle_build(w->table, w->st);
	settle_read_authorized(w->syspath, w->st);
	/* libkmod, if a question needs it, stays open while devices are
	 * waited for (release_after_ready closes it). */
	settle_expect(w->st, &r->kmod);
	done = settle_judge(w->st, why) && settle_udev_done(w->st, w->syspath, r->udev, why);
	if (!done || !w->polling)
		return done;
	h = state_hash(w->table);
	if (h == w->last_hash)
		return 1;
	w->last_hash = h;
	strbuf_printf(why, "its drivers are still changing");
	return 0;
}

/* Look at one dirty watch; false when none was left. */
static bool process_one(struct ready *r)
{
	struct strbuf why = { 0 }, nodes = { 0 };
	struct list_head *pos;
	struct ready_watch *w = NULL;

	list_for_each(pos, &r->watches) {
		struct ready_watch *c = list_entry(pos, struct ready_watch, link);

		if (c->dirty) {
			w = c;
			break;
		}
	}
	if (!w)
		return false;
	w->dirty = false;
	if (w->ready || look(w, &why) != 1) {
		strbuf_free(&why);
		return true;
	}
	strbuf_free(&why);
	w->ready = true;
	loop_timer_arm(w->timer, 0);
	settle_format_nodes(w->st, &nodes);
	release_after_ready(w);
	/* The callback may remove watches: the caller starts over. */
	w->done(w->data, 0, strbuf_str(&nodes));
	strbuf_free(&nodes);
	return true;
}

static void process(void *data)
{
	struct ready *r = data;

	r->process = NULL;
	while (process_one(r))
		;
}

static void lost_events(struct ready *r)
{
	struct list_head *pos;

	list_for_each(pos, &r->watches) {
		struct ready_watch *w = list_entry(pos, struct ready_watch, link);

		if (!w->ready && !w->polling)
			start_polling(w);
	}
}

static void mon_readable(struct loop_io *io, uint32_t events, void *data)
{
	struct ready *r = data;
	struct uevent ev;
	int i;

	/* A bounded batch per wake-up: a storm must not starve the loop. */
	for (i = 0; i < 256; i++) {
		ssize_t n = uevent_mon_recv(r->mon, r->buf, sizeof(r->buf));

		if (n == -EAGAIN)
			return;
		if (n == -ENOBUFS) {
			lost_events(r);
			continue;
		}
		if (n < 0 || uevent_parse(r->buf, (size_t)n, &ev) < 0)
			continue;
		on_event(r, &ev);
	}
}

/* udevd has handled something: the watches waiting for it look again. */
static void umon_readable(struct loop_io *io, uint32_t events, void *data)
{
	struct ready *r = data;
	struct udev_device *d;
	struct list_head *pos;
	bool any = false;
	int i;

	for (i = 0; i < 256 && (d = udev_monitor_receive_device(r->umon)); i++) {
		const char *devpath = udev_device_get_devpath(d);

		list_for_each(pos, &r->watches) {
			struct ready_watch *w = list_entry(pos, struct ready_watch, link);

			if (!w->ready && w->devpath && uevent_devpath_under(devpath, w->devpath)) {
				w->dirty = true;
				any = true;
			}
		}
		udev_device_unref(d);
	}
	if (any)
		schedule(r);
}

static void poll_fired(struct loop_timer *t, void *data)
{
	struct ready *r = data;
	struct list_head *pos;
	bool any = false;

	list_for_each(pos, &r->watches) {
		struct ready_watch *w = list_entry(pos, struct ready_watch, link);

		if (!w->ready && w->polling) {
			w->dirty = true;
			any = true;
		}
	}
	if (any) {
		schedule(r);
		loop_timer_arm(t, READY_POLL_MS);
	}
}

/* Listen to udevd where it runs; without it, wait for the kernel only. */
static void setup_udev(struct ready *r)
{
	if (!settle_udev_running())
		return;
	r->udev = udev_new();
	if (!r->udev)
		return;
	r->umon = udev_monitor_new_from_netlink(r->udev, "udev");
	if (!r->umon || udev_monitor_enable_receiving(r->umon) < 0 ||
	    loop_io_add(r->loop, udev_monitor_get_fd(r->umon), EPOLLIN, umon_readable, r, NULL,
			&r->umon_io) < 0) {
		/* Nothing would wake us when udevd is done: do not wait
		 * for it at all. */
		udev_monitor_unref(r->umon);
		r->umon = NULL;
		udev_unref(r->udev);
		r->udev = NULL;
	}
}

int ready_new(struct loop *loop, struct ready **ret)
{
	struct ready *r = calloc(1, sizeof(*r));
	int e;

	if (!r)
		return -ENOMEM;
	r->loop = loop;
	list_init(&r->watches);
	if (loop_timer_add(loop, poll_fired, r, NULL, &r->poll) < 0) {
		free(r);
		return -ENOMEM;
	}
	e = uevent_mon_open(&r->mon);
	if (e == 0) {
		e = loop_io_add(loop, uevent_mon_fd(r->mon), EPOLLIN, mon_readable, r, NULL,
				&r->mon_io);
		if (e < 0) {
			uevent_mon_close(r->mon);
			r->mon = NULL;
		}
	}
	if (e < 0) {
		snprintf(r->mode, sizeof(r->mode), "polling sysfs (no uevent socket: %s)",
			 strerror(-e));
	} else {
		setup_udev(r);
		snprintf(r->mode, sizeof(r->mode), "%s",
			 r->udev ? "kernel uevents and udevd" : "kernel uevents");
	}
	*ret = r;
	return 0;
}

void ready_free(struct ready *r)
{
	if (!r)
		return;
	while (!list_empty(&r->watches))
		ready_watch_remove(list_first_entry(&r->watches, struct ready_watch, link));
	loop_defer_cancel(r->process);
	loop_timer_remove(r->poll);
	if (r->mon_io)
		loop_io_remove(r->mon_io);
	uevent_mon_close(r->mon);
	if (r->umon_io)
		loop_io_remove(r->umon_io);
	udev_monitor_unref(r->umon);
	udev_unref(r->udev);
	vhci_kmod_unref(r->kmod);
	free(r);
}

const char *ready_mode(const struct ready *r)
{
	return r->mode;
}

static void timer_fired(struct loop_timer *t, void *data)
{
	struct ready_watch *w = data;
	struct strbuf why = { 0 };

	if (w->ready || w->timed_out)
		return;
	if (look(w, &why) == 1) {
		strbuf_free(&why);
		w->dirty = true;
		schedule(w->r);
		return;
	}
	w->timed_out = true;
	w->done(w->data, -ETIMEDOUT, strbuf_str(&why));
	strbuf_free(&why);
}

int ready_watch_add(struct ready *r, unsigned int timeout_ms, ready_busid_fn busid,
		    ready_fn done, void *data, struct ready_watch **ret)
{
	struct ready_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->table = zalloc_pages(sizeof(*w->table));
	w->st = zalloc_pages(sizeof(*w->st));
	if (!w->table || !w->st || loop_timer_add(r->loop, timer_fired, w, NULL, &w->timer) < 0) {
		free_pages(w->table, sizeof(*w->table));
		free_pages(w->st, sizeof(*w->st));
		free(w);
		return -ENOMEM;
	}
	w->r = r;
	w->busid_fn = busid;
	w->done = done;
	w->data = data;
	list_add_tail(&w->link, &r->watches);
	if (timeout_ms)
		loop_timer_arm(w->timer, timeout_ms);
	if (!r->mon)
		start_polling(w);
	*ret = w;
	return 0;
}

void ready_watch_remove(struct ready_watch *w)
{
	if (!w)
		return;
	list_del(&w->link);
	loop_timer_remove(w->timer);
	free_pages(w->table, sizeof(*w->table));
	free_pages(w->st, sizeof(*w->st));
	free(w);
}

void ready_watch_describe(struct ready_watch *w, struct strbuf *out)
{
	if (w->ready && w->st)
		settle_udev_describe(w->st, w->syspath, w->r->udev, out);
}
