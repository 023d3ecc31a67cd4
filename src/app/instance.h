/* SPDX-License-Identifier: MIT */
/*
 * Inside a running instance (src/app/vusb.h): its devices and what the
 * files of src/app share about them. vusb.c keeps the devices' life
 * (create, start, free), attach.c puts them on vhci (attach, unplug,
 * replug), readiness.c watches for the kernel's drivers and nodes,
 * export.c offers them over --listen, command.c answers the control
 * socket and the terminal.
 */
#ifndef VUSB_APP_INSTANCE_H
#define VUSB_APP_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "src/app/hidsock.h"
#include "src/app/vusb.h"
#include "src/base/list.h"
#include "src/ctl/server.h"
#include "src/usbip/conn.h"
#include "src/usbip/server.h"
#include "sysfs/affinity.h"
#include "sysfs/ready.h"
#include "sysfs/vhci.h"

enum vdev_state {
	VDEV_ATTACHED, /* the kernel has it, not configured yet */
	VDEV_READY, /* configured by the host */
	VDEV_OFFLINE, /* not attached (no vhci: tests) */
	VDEV_EXPORTED, /* offered to USB/IP clients, nobody has it */
	VDEV_IMPORTED, /* a USB/IP client has it */
	VDEV_SUSPENDED, /* detached for a system suspend (vusbctl suspend) */
};

struct capture;

struct vdev {
	struct list_head link;
	struct vusb *vusb;
	const struct vusb_model *model;
	struct usb_device *dev;
	char name[CTL_NAME_MAX];
	enum vdev_state state;
	bool announced; /* the ready line was printed */
	struct ready_watch *watch; /* the kernel's drivers and nodes, from attach on */
	bool nodes_ready; /* the nodes line was printed */
	char nodes[256]; /* its nodes, space-separated (list --json) */
	bool attached; /* a vhci port is ours */
	unsigned int port;
	char busid[VHCI_BUSID_SIZE];
	struct usbip_conn *conn;
	struct loop_timer *timer;
	struct loop_defer *replug; /* a plug request waiting for the loop */
	struct loop_timer *reconnect; /* vusbctl NAME disconnect --for MS */
	struct loop_timer *enum_watch; /* no URB since the attach: plug in again */
	unsigned int enum_replugs; /* ... done since the kernel last asked */
	bool want_connected;
	struct server_export *export; /* offered by the server instead of attached */
	bool pending; /* made by vusb_create(), not started yet */
	bool to_export; /* ... and vusb_start() exports it */
	bool has_file; /* the positional argument named this file: */
	dev_t file_dev;
	ino_t file_ino;
	char peer[SERVER_ADDR_STRLEN]; /* the importer */
	/* its interface in the capture of generation cap_gen (capture.c) */
	unsigned int cap_gen, cap_if;
	/* its own capture (device --capture, vusbctl NAME capture start) */
	struct capture *capture;
	char capture_name[64];
	struct hidsock *hidsock; /* RUNDIR/dev/NAME.hid; NULL: none */
	/* --cpu: usb-storage's threads at the attach, to find its own once ready */
	struct affinity_list *pin_before;
};

struct vusb {
	struct loop *loop;
	struct vhci *vhci;
	struct ctl_server *ctl;
	struct list_head devs;
	unsigned int ndevs;
	unsigned int serial; /* devices made so far, for devids */
	bool stay; /* started empty: waits for vusbctl add, runs on when the last goes */
	/* reserve a name when the run directory is no longer ours to write */
	int (*claim)(const char *name, void *data);
	/* ... and listen at its report socket there: the socket, or -errno */
	int (*report_listen)(const char *name, void *data);
	/* ... and link NAME.tty to its terminal there: 0 or -errno */
	int (*tty_link)(const char *name, const char *pts, void *data);
	void *claim_data;
	/* --cpu: the CPU the devices' kernel threads go to, -1 none (src/app/pin.c) */
	int cpu;
	/* ... through a process that may move them, once we may not */
	int (*pin)(pid_t pid, int cpu, void *data);
	void *pin_data;
	struct server *server; /* --listen */
	const struct allowuser *allowuser; /* --allow-user; NULL: no check */
	/* connection messages in the current second, and those left out */
	uint64_t log_second;
	unsigned int log_lines, log_dropped;
	/* readiness: the kernel's uevents, and who wants to know */
	struct ready *ready;
	unsigned int ready_timeout_ms;
	vusb_ready_cb ready_cb;
	void *ready_data;
	struct loop_defer *ready_check;
	bool all_ready; /* ready_cb(0) was called */
	/* a device's name was given up (vusb_set_release_hook) */
	void (*released)(const char *name, void *data);
	void *released_data;
	/* --capture: every device's URBs (capture.c); cap_gen counts them */
	struct capture *capture;
	char capture_name[64];
	unsigned int cap_gen;
};

/* "attached", "ready", ... as `list` shows it. */
const char *vdev_state_name(enum vdev_state s);

/* The device named `name`, or NULL. */
struct vdev *vdev_find(struct vusb *v, const char *name);

/* A device of `model`, named and listed, attached nowhere yet. 0 or EXIT_*, with err. */
int vdev_create(struct vusb *v, const struct vusb_model *model, const struct vusb_dev_opts *opts,
		struct strbuf *err, struct vdev **ret);

/* Free the device: off the bus, its name given up. */
void vdev_free(struct vdev *vd);

/* Free the device; the instance ends when it was the last. */
void vdev_remove(struct vdev *vd);

/* Offer it to --listen's importers (export.c). 0 or EXIT_*, with err. */
int vdev_export(struct vusb *v, struct vdev *vd, struct strbuf *err);

/* Put it on a vhci port. 0 or -errno, with err. */
int vdev_attach(struct vusb *v, struct vdev *vd, struct strbuf *err);

/* Give the port back; the device stays, offline, until plugged again. */
void vdev_unplug(struct vdev *vd);

/* What a device's connection reports (it ended). */
extern const struct usbip_conn_ops vdev_conn_ops;

/* What a device asks of its host: timers, events, plug requests, reports (attach.c). */
extern const struct usb_host_ops vdev_host_ops;

/* Watch for the kernel's drivers and nodes of a device just attached (readiness.c). */
void vdev_watch_start(struct vusb *v, struct vdev *vd);

/* Look again whether every device is ready, from the loop. */
void vusb_schedule_ready_check(struct vusb *v);

/*
 * Have the captures, the program's and the device's own, watch the
 * device's connection (a new one, or after a capture began or ended).
 * capture.c.
 */
void vdev_capture_bind(struct vdev *vd);

/* The device's own capture into fd (taken). 0 or -errno with err. */
int vdev_capture_start(struct vdev *vd, int fd, const char *name, uint32_t snaplen,
		       const char *comment, struct strbuf *err);

/* Write it out and close it; none: nothing. */
void vdev_capture_stop(struct vdev *vd);

/* NAME capture start FILE [--snaplen N] | stop; fd: FILE, from vusbctl. EXIT_*. */
int vdev_capture_command(struct vdev *vd, int argc, char **argv, int fd, struct strbuf *out,
			 struct strbuf *err);

/*
 * `list --json` as an instance answers it: one JSON object a line for each
 * device (list-json.c; vusbctl gathers them, src/ctl/format.h).
 */
void vusb_list_json(struct vusb *v, struct strbuf *out);

/*
 * --cpu (pin.c): the kernel's threads as they are before vhci_attach()
 * (NULL: not keeping threads on a CPU, or they cannot be listed); after a
 * successful attach, pin_attached() moves the two that appeared and
 * takes before; after a failed one, pin_discard() frees it. pin_ready():
 * the device is ready, its usb-storage thread goes too, if it has one.
 * pin_forget(): it is unplugged.
 */
struct affinity_list *pin_before(struct vusb *v);
void pin_attached(struct vusb *v, struct vdev *vd, struct affinity_list *before);
void pin_discard(struct affinity_list *before);
void pin_ready(struct vusb *v, struct vdev *vd);
void pin_forget(struct vdev *vd);

/* The control socket's handler (command.c). */
int vusb_ctl_handle(int argc, char **argv, int *fds, unsigned int nfds, struct strbuf *out,
		    struct strbuf *err, void *data);

#endif
