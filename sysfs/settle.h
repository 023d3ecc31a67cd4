/* SPDX-License-Identifier: MIT */
/*
 * Has the kernel finished with a USB device? Its drivers bound and the
 * device nodes they make (/dev/input/event3, /dev/hidraw0, /dev/sda...)
 * in place.
 *
 * The truth comes from the kernel's uevents for the device and everything
 * below it, kept in a struct settle_table: "bind" is sent once a driver's
 * probe has returned (everything it registers has been added by then),
 * "add" of a node once devtmpfs has made it. sysfs alone cannot say that:
 * a device's DRIVER= (and its driver link) appear before the probe runs,
 * and attributes such as bConfigurationValue take the USB device's lock,
 * which the kernel holds while it probes drivers that wait for our
 * answers: a single-threaded device server that read them would deadlock.
 * So the sysfs walk (settle_scan(), lock-free files only) is the fallback
 * for when events were lost (ENOBUFS) or cannot be had at all.
 *
 * settle_build() turns a table into a struct settle_state; settle_judge(),
 * a pure function, says whether the kernel is done, and if not, what is
 * missing. Done means, in the order the kernel does it:
 *   - the USB device bound (to "usb"): its configuration is set and every
 *     interface added and probed;
 *   - every interface the kernel has a driver for bound;
 *   - under usbhid: at least one HID device, each bound (hid-generic or a
 *     specific driver: its input and hidraw devices are added), and each
 *     input device with its evdev node, where evdev exists at all;
 *   - under usb-storage or uas: at least one SCSI device, each bound (sd,
 *     sr, ...: the block device is added).
 * Interfaces nobody has a driver for (DFU, vendor-specific) need nothing.
 */
#ifndef VUSB_SYSFS_SETTLE_H
#define VUSB_SYSFS_SETTLE_H

#include <stdbool.h>

#include "src/base/strbuf.h"
#include "sysfs/uevent.h"

#define SETTLE_MAX_ENTRIES 256
#define SETTLE_MAX_IFACES 32
#define SETTLE_MAX_NODES 64
#define SETTLE_NAME_MAX 64
#define SETTLE_REL_MAX 192
/* Directories walked below one device: a storage device has ~40. */
#define SETTLE_MAX_DIRS 2048
#define SETTLE_MAX_DEPTH 16

/* One device at or below the USB device, as the kernel describes it. */
struct settle_entry {
	char rel[SETTLE_REL_MAX]; /* "" for the USB device, "1-1:1.0/0003:..." */
	char devtype[24];
	char driver[SETTLE_NAME_MAX]; /* "" while not bound */
	char devname[SETTLE_NAME_MAX]; /* its node below /dev, or "" */
	char interface[16]; /* INTERFACE= of a USB interface: "3/1/2" */
	char modalias[128];
	bool hid; /* a HID device (HID_ID=) */
};

struct settle_table {
	unsigned int n;
	bool overflow; /* more than fit, or a sysfs tree past the limits */
	struct settle_entry e[SETTLE_MAX_ENTRIES];
};

/*
 * Pure: apply one uevent about the device at rel (relative to the USB
 * device; "" for itself). add and change record the device (its driver
 * only from a "bind": see above), bind and unbind set and clear its
 * driver, remove forgets it and everything below it. 0, -EINVAL for a
 * rel that is not a clean relative path, -ENOSPC when the table is full
 * (then t->overflow).
 */
int settle_table_update(struct settle_table *t, const char *rel, const struct uevent *ev);

/*
 * Replace *t with what sysfs shows below syspath (the USB device's
 * directory, e.g. /sys/bus/usb/devices/1-1, or a fake tree in tests):
 * every directory's uevent file, DRIVER= taken as bound. Reads nothing
 * that takes a device lock, follows no link, bounded. 0 (an empty table
 * when syspath does not exist or is not a USB device), -ENOMEM, or
 * -errno when syspath exists but cannot be read.
 */
int settle_scan(const char *syspath, struct settle_table *t);

struct settle_iface {
	char name[SETTLE_NAME_MAX]; /* "1-1:1.0" */
	int cls, subclass, protocol; /* from INTERFACE=; -1 when unknown */
	char driver[SETTLE_NAME_MAX]; /* "" while unbound */
	char modalias[128];
	bool authorized; /* settle_read_authorized(); true until then */
	bool expect_driver; /* settle_expect() */
	unsigned int hid, hid_bound; /* HID devices below, and bound ones */
	unsigned int inputs, inputs_evdev; /* input devices, with an event node */
	unsigned int scsi, scsi_bound; /* SCSI devices (LUNs), bound ones */
};

struct settle_node {
	char devname[SETTLE_NAME_MAX]; /* relative to /dev: "input/event3" */
	char rel[SETTLE_REL_MAX]; /* its directory, relative to the USB device's */
};

struct settle_state {
	bool present; /* the kernel has added the USB device */
	bool authorized; /* settle_read_authorized(); true until then */
	char driver[SETTLE_NAME_MAX]; /* "usb" once bound */
	bool expect_evdev; /* settle_expect() */
	bool overflow; /* the table overflowed: never judged done */
	bool nodes_truncated; /* more than SETTLE_MAX_NODES nodes */
	unsigned int niface;
	struct settle_iface iface[SETTLE_MAX_IFACES];
	unsigned int nnodes;
	struct settle_node node[SETTLE_MAX_NODES]; /* sorted by devname */
};

/* Pure: the state a table describes. The USB device's own bus/usb node
 * is not a node of the state: only what its drivers made. */
void settle_build(const struct settle_table *t, struct settle_state *ret);

/*
 * Fill the authorized fields from sysfs (plain attributes, no lock):
 * the device's and each interface's, below syspath.
 */
void settle_read_authorized(const char *syspath, struct settle_state *st);

struct kmod_ctx;

/*
 * Fill the expect_* fields: HID and mass storage interfaces always expect
 * a driver; others when libkmod finds a module for the interface's
 * modalias, blacklist applied, or a builtin one. Input devices expect an
 * event node when evdev is loaded, builtin or installed. *kmod is the
 * context to ask, opened here only when a question needs it (so that
 * serving a mouse maps no libkmod); kmod NULL: never ask, expect only
 * what the class says.
 */
void settle_expect(struct settle_state *st, struct kmod_ctx **kmod);

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

/* Does udevd run here: does something listen on /run/udev/control? */
bool settle_udev_running(void);

/*
 * Has udevd processed every node of st (rules run, symlinks and
 * permissions in place)? 1 yes, 0 with the first one it has not in why.
 * Pass udev only where udevd runs (see settle_udev_running()); NULL: 1.
 * syspath is the USB device's directory.
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
