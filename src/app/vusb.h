/* SPDX-License-Identifier: MIT */
/*
 * A running vusb-attach: the devices it serves, how each is attached to
 * the kernel, and the commands that reach them (control socket, terminal).
 */
#ifndef VUSB_VUSB_H
#define VUSB_VUSB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "src/base/loop.h"
#include "src/usb/model.h"
#include "src/base/strbuf.h"

struct vusb;
struct vhci;

/*
 * A new instance on `loop`. vhci may be NULL: devices are then created
 * but not attached (tests of the command layer). 0 or -errno.
 */
int vusb_new(struct loop *loop, struct vhci *vhci, struct vusb **ret);

/* Detach every device (writing vhci's detach file), then free. NULL-safe. */
void vusb_free(struct vusb *v);

/* Listen on the control socket. 0 or -errno, with the reason in err. */
int vusb_listen(struct vusb *v, struct strbuf *err);

/* The control socket's path once vusb_listen() succeeded, else NULL. */
const char *vusb_ctl_path(const struct vusb *v);

/*
 * Give every report socket (RUNDIR/dev/NAME.hid) to the vusb group as the
 * control socket is (privs_share_socket()), before a privilege drop.
 */
void vusb_share_report_sockets(struct vusb *v);

/*
 * Call `released` when a device goes and its name link is given up: an
 * unprivileged vusb-attach cannot remove the link itself (src/app/privs.h).
 */
void vusb_set_release_hook(struct vusb *v, void (*released)(const char *name, void *data),
			   void *data);

/*
 * Create a device of `model` and attach it. opts->name NULL picks the
 * next free KINDn. 0, or an exit code (EXIT_*) with the reason in err.
 */
int vusb_add(struct vusb *v, const struct vusb_model *model, const struct vusb_dev_opts *opts,
	     struct strbuf *err);

/*
 * Validation first: create a device like vusb_add() but put it nowhere
 * yet, so that every file it names (image, firmware, flash) is opened and
 * checked before vusb-attach loads vhci-hcd or binds --listen. export:
 * vusb_start() offers it over --listen instead of attaching it. A file
 * already named by an earlier device and locked by it is refused as ours
 * (EXIT_USAGE), not blamed on another program. 0, or an exit code
 * (EXIT_*) with the reason in err.
 */
int vusb_create(struct vusb *v, const struct vusb_model *model, const struct vusb_dev_opts *opts,
		bool export, struct strbuf *err);

/* The vhci_hcd to attach to, when it is opened after vusb_new(). */
void vusb_set_vhci(struct vusb *v, struct vhci *vhci);

/*
 * Attach (or export) every device vusb_create() made, in the order made.
 * 0, or an exit code with "NAME: reason" in err.
 */
int vusb_start(struct vusb *v, struct strbuf *err);

struct server_config;

/*
 * Listen for USB/IP clients (vusb-attach --listen): devices added with
 * vusb_export() are offered there. 0 or -errno (-EADDRINUSE, ...).
 */
int vusb_serve(struct vusb *v, const struct server_config *cfg);

struct allowuser;

/*
 * Before vusb_serve(): admit local peers only as a (src/app/allowuser.h)
 * says; NULL (the default): no user check. a stays the caller's.
 */
void vusb_set_allowuser(struct vusb *v, const struct allowuser *a);

struct server_addr;

/* After vusb_serve(): listen on another address too (a host name's). 0 or -errno. */
int vusb_listen_also(struct vusb *v, const struct server_addr *a);

/* Listening address i (0: vusb_serve()'s), port included ("-" before, "?" past the end). */
void vusb_server_addr(const struct vusb *v, unsigned int i, char *buf, size_t size);

/*
 * Create a device like vusb_add(), but offer it to USB/IP clients as the
 * next bus id (1-1, 1-2, ...) instead of attaching it: one importer at a
 * time, offered again when the importer goes. Prints "NAME: exported,
 * busid BUSID" on standard output. Needs vusb_serve() first. 0, or an
 * exit code with the reason in err.
 */
int vusb_export(struct vusb *v, const struct vusb_model *model, const struct vusb_dev_opts *opts,
		struct strbuf *err);

/*
 * Readiness. An attached device is ready once the kernel has bound its
 * drivers and made its device nodes (and udevd, where it runs, has
 * processed them): vusb-attach then prints
 *	NAME: nodes /dev/hidraw0 /dev/input/event3
 * (the list may be empty) after the "ready" line. An exported device is
 * ready once offered.
 *
 * cb(v, 0, NULL, data) is called once, when every device is ready; and
 * cb(v, -ETIMEDOUT, "NAME: what is missing", data) for each attached
 * device that is not ready timeout_ms after it was attached (0: never);
 * that device is still watched and may become ready later. Without a
 * callback, a timeout after VUSB_READY_TIMEOUT_MS is logged as a warning.
 */
#define VUSB_READY_TIMEOUT_MS 30000
typedef void (*vusb_ready_cb)(struct vusb *v, int err, const char *why, void *data);
void vusb_set_ready_cb(struct vusb *v, unsigned int timeout_ms, vusb_ready_cb cb, void *data);

/*
 * Capture every device's URBs, now and later ones, as pcapng into `fd`
 * (taken, closed on failure too); `name` says where, for the log line a
 * capture that ends on an error writes. snaplen: data bytes kept per
 * URB, 0 all. comment: recorded in the file. 0, or -errno with err
 * (-EBUSY: one runs already).
 */
int vusb_capture_start(struct vusb *v, int fd, const char *name, uint32_t snaplen,
		       const char *comment, struct strbuf *err);

/* Write out the capture and close it. No capture: nothing. */
void vusb_capture_stop(struct vusb *v);

/*
 * The n-th device made (0: the first) gets its own capture into fd
 * (taken): vusb-attach DEVICE --capture FILE, once the devices are
 * attached, so that its interface names the port. 0 or -errno, err.
 */
int vusb_capture_device(struct vusb *v, unsigned int n, int fd, const char *name,
			uint32_t snaplen,
			const char *comment, struct strbuf *err);

/*
 * Started with no device (vusb-attach --daemon, or --listen, alone): ready
 * as it is, waiting for vusbctl add, and running on when its last device
 * is removed. Without it, the instance ends with its last device.
 */
void vusb_set_stay(struct vusb *v);

/*
 * Reserve device names through `claim` (0 or -errno, -EEXIST when taken)
 * when creating the link in RUNDIR/dev is refused, and get a HID
 * device's report socket (RUNDIR/dev/NAME.hid) listening from
 * `report_listen` (the socket, or -errno): once privileges are dropped,
 * the cleaner (src/app/privs.h) makes them.
 */
void vusb_set_claim_hook(struct vusb *v, int (*claim)(const char *name, void *data),
			 int (*report_listen)(const char *name, void *data), void *data);

/*
 * Link a serial device's terminal as RUNDIR/dev/NAME.tty through
 * `tty_link` (0 or -errno) when the model could not (after the drop: the
 * cleaner makes it), with the claim hook's data.
 */
void vusb_set_tty_hook(struct vusb *v,
		       int (*tty_link)(const char *name, const char *pts, void *data));

/*
 * --cpu: keep every attached device's kernel threads (vhci's tx and rx,
 * usb-storage's) on `cpu`, the CPU this process was kept on; -1: leave
 * them alone (the default). Once this process may no longer move them
 * (privileges dropped), `pin` (0 or -errno) asks one that may: the
 * cleaner (src/app/privs.h). pin.c.
 */
void vusb_set_cpu(struct vusb *v, int cpu);
void vusb_set_pin_hook(struct vusb *v, int (*pin)(pid_t pid, int cpu, void *data), void *data);

/* Number of devices still served. */
unsigned int vusb_count(const struct vusb *v);

/*
 * Run one command (argv as from vusbctl or a terminal line). terminal
 * allows the short form "move 1 2", which picks the first device whose
 * model knows the command. 0 with output in out, or an exit code with a
 * one-line reason in err.
 */
int vusb_command(struct vusb *v, int argc, char **argv, bool terminal, struct strbuf *out,
		 struct strbuf *err);

#endif
