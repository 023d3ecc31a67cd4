/* SPDX-License-Identifier: MIT */
/*
 * Has the kernel finished with a USB device? Its drivers bound and the
 * device nodes they make (/dev/input/event3, /dev/hidraw0, /dev/sda...)
 * in place, read from the device's sysfs directory.
 *
 * settle_scan() walks /sys/bus/usb/devices/BUSID and everything below it
 * into a struct settle_state (I/O, bounded); settle_expect() says which
 * drivers the kernel will bind (the classes vusb serves, and any
 * interface for which libkmod finds a module that is not blacklisted);
 * settle_judge(), a pure function, says whether that is done, and if not,
 * what is missing. Uevents only say when to look again: the state always
 * comes from sysfs, so a lost or reordered event costs nothing.
 *
 * What "done" means, in the order the kernel does it:
 *   - the USB device is bound (to "usb") and configured, and all of its
 *     bNumInterfaces interfaces exist and are authorized;
 *   - every interface the kernel has a driver for is bound;
 *   - under usbhid: every HID device is bound (hid-generic or a specific
 *     driver), which registers its input and hidraw devices, and every
 *     input device has its evdev node when evdev is there at all;
 *   - under usb-storage or uas: at least one SCSI device, each bound (sd,
 *     sr, ...), which adds its block device.
 * Interfaces nobody has a driver for (DFU, vendor-specific) need nothing.
 */
#ifndef VUSB_SYSFS_SETTLE_H
#define VUSB_SYSFS_SETTLE_H

#include <stdbool.h>

#include "src/strbuf.h"

#define SETTLE_MAX_IFACES 32
#define SETTLE_MAX_NODES 64
#define SETTLE_NAME_MAX 64
/* Directories walked below one device: a storage device has ~40. */
#define SETTLE_MAX_DIRS 2048
#define SETTLE_MAX_DEPTH 16

struct settle_iface {
	char name[SETTLE_NAME_MAX]; /* "1-1:1.0" */
	int cls, subclass, protocol; /* from INTERFACE=; -1 when unknown */
	char driver[SETTLE_NAME_MAX]; /* "" while unbound */
	char modalias[128];
	bool authorized;
	bool expect_driver; /* set by settle_expect() */
	unsigned int hid, hid_bound; /* HID devices below, and bound ones */
	unsigned int inputs, inputs_evdev; /* input devices, with an event node */
	unsigned int scsi, scsi_bound; /* SCSI devices (LUNs), bound ones */
};

struct settle_node {
	char devname[SETTLE_NAME_MAX]; /* relative to /dev: "input/event3" */
	char rel[192]; /* its directory, relative to the USB device's */
};

struct settle_state {
	bool present; /* the directory exists and is a USB device */
	bool authorized;
	char driver[SETTLE_NAME_MAX]; /* "usb" once bound */
	unsigned int config; /* bConfigurationValue; 0: not configured */
	unsigned int num_ifaces; /* bNumInterfaces of that configuration */
	bool expect_evdev; /* set by settle_expect() */
	bool overflow; /* more directories than SETTLE_MAX_DIRS or too deep */
	bool nodes_truncated; /* more than SETTLE_MAX_NODES nodes */
	unsigned int niface;
	struct settle_iface iface[SETTLE_MAX_IFACES];
	unsigned int nnodes;
	struct settle_node node[SETTLE_MAX_NODES]; /* sorted by devname */
};

/*
 * Walk the USB device directory syspath (e.g. /sys/bus/usb/devices/1-1,
 * or a fake tree in tests) into *ret. Returns 0; ret->present is false
 * when syspath does not exist (yet) or is not a USB device. -ENOMEM, or
 * -errno when syspath exists but cannot be read. The device's own node
 * (/dev/bus/usb/...) is not listed: only what its drivers made.
 */
int settle_scan(const char *syspath, struct settle_state *ret);

struct kmod_ctx;

/*
 * Fill the expect_* fields: HID and mass storage interfaces always expect
 * a driver; others when kmod (may be NULL: then never) finds a module
 * for the interface's modalias, blacklist applied, or a builtin one.
 * Input devices expect an event node when evdev is builtin, loaded or
 * installed (kmod NULL: never).
 */
void settle_expect(struct settle_state *st, struct kmod_ctx *kmod);

/*
 * Pure: 1 when the kernel is done with the device as described above,
 * 0 when not, with the first thing missing in why (a phrase such as
 * "interface 1-1:1.0 (HID) has no driver yet"; why may be NULL).
 */
int settle_judge(const struct settle_state *st, struct strbuf *why);

/* Pure: "/dev/hidraw0 /dev/input/event3" (sorted), "" when none. */
void settle_format_nodes(const struct settle_state *st, struct strbuf *out);

/* "HID", "mass storage", ... or "class 0xNN" (buf of 16 bytes). */
const char *settle_class_name(int cls, char buf[16]);

struct udev;

/* Does udevd run here (has it made /run/udev/control)? */
bool settle_udev_running(void);

/*
 * Has udevd processed every node of st (rules run, symlinks and
 * permissions in place)? 1 yes, 0 with the first one it has not in why.
 * Pass udev only where udevd runs (see settle_udev_running()); NULL: 1.
 * syspath as given to settle_scan().
 */
int settle_udev_done(const struct settle_state *st, const char *syspath, struct udev *udev,
		     struct strbuf *why);

/*
 * Where udevd has processed them: one line per node, "/dev/input/event3:"
 * followed by its udev symlinks and ID_* properties, for the log.
 */
void settle_udev_describe(const struct settle_state *st, const char *syspath,
			  struct udev *udev, struct strbuf *out);

#endif
