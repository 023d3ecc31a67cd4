/* SPDX-License-Identifier: MIT */
/*
 * Kernel uevents: what the kernel multicasts on NETLINK_KOBJECT_UEVENT
 * (group 1) whenever a device is added, bound to a driver, changed or
 * removed. Listening needs no udevd (an initramfs, a container, the test
 * VM) and no privileges.
 *
 * A message is "ACTION@DEVPATH" and KEY=VALUE fields, each ended by a NUL:
 *
 *	bind@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=bind\0
 *	DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0
 *	DEVTYPE=usb_interface\0DRIVER=usbhid\0INTERFACE=3/1/2\0SEQNUM=691\0
 *
 * A sysfs `uevent` file holds the same variables of one device, one
 * "KEY=VALUE\n" line each, without ACTION, DEVPATH, SUBSYSTEM and SEQNUM.
 *
 * The parsers are pure and take any bytes: bounded, strict, and on failure
 * they leave *ret alone. The parsed event points into the caller's buffer
 * (as libmnl's attributes do), which must outlive it.
 */
#ifndef VUSB_SYSFS_UEVENT_H
#define VUSB_SYSFS_UEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The kernel builds a message in a 2048-byte buffer (UEVENT_BUFFER_SIZE)
 * with at most 64 variables (UEVENT_NUM_ENVP) and prefixes the header:
 * these limits leave room and refuse anything bigger.
 */
#define UEVENT_MSG_MAX 8192
#define UEVENT_MAX_VARS 64
#define UEVENT_KEY_MAX 32
#define UEVENT_DEVPATH_MAX 1024

enum uevent_action {
	UEVENT_OTHER = 0, /* a word this code does not know (a newer kernel) */
	UEVENT_ADD,
	UEVENT_REMOVE,
	UEVENT_CHANGE,
	UEVENT_MOVE,
	UEVENT_ONLINE,
	UEVENT_OFFLINE,
	UEVENT_BIND,
	UEVENT_UNBIND,
};

struct uevent_var {
	const char *key; /* not NUL-terminated: key_len bytes, then '=' */
	size_t key_len;
	const char *value; /* NUL-terminated */
};

struct uevent {
	enum uevent_action action; /* UEVENT_OTHER for a file */
	const char *action_name; /* "add"; NULL for a file */
	const char *devpath; /* "/devices/..."; NULL for a file */
	/* Common variables, NULL when absent. */
	const char *subsystem;
	const char *devtype;
	const char *devname; /* "input/event3": the node is /dev/DEVNAME */
	const char *driver;
	const char *modalias;
	uint64_t seqnum; /* 0 when absent */
	unsigned int nvars;
	struct uevent_var vars[UEVENT_MAX_VARS];
};

/*
 * Parse one netlink message of len bytes. Returns 0 with *ret, or:
 *   -EMSGSIZE  len is 0 or more than UEVENT_MSG_MAX
 *   -EPROTO    a message in udevd's own format ("libudev" header), which
 *              only udevd's group carries
 *   -EBADMSG   anything else the kernel does not send: no "@", an empty
 *              or relative DEVPATH, a field without "=" or with an empty
 *              or odd key, a duplicate key, a last field without its NUL
 *              (truncated), ACTION or DEVPATH fields that contradict the
 *              header, no SUBSYSTEM, a SEQNUM that is not a number
 *   -E2BIG     more than UEVENT_MAX_VARS variables
 *   -EINVAL    NULL arguments
 */
int uevent_parse(const void *buf, size_t len, struct uevent *ret);

/*
 * Parse the text of a sysfs uevent file in place (each "\n" becomes a
 * NUL; buf must hold len bytes). No header; an empty file is a device
 * with no variables. Returns 0 with *ret, -EMSGSIZE, -EBADMSG (a NUL byte,
 * a line without "=", a bad or duplicate key, a last line without its
 * newline), -E2BIG, -EINVAL as above.
 */
int uevent_parse_file(char *buf, size_t len, struct uevent *ret);

/* The value of variable key, or NULL. */
const char *uevent_get(const struct uevent *ev, const char *key);

/* "add" -> UEVENT_ADD; UEVENT_OTHER for anything else. */
enum uevent_action uevent_action_from_name(const char *name);

/*
 * Is devpath dir itself or inside it? ("/a/b" is under "/a" but
 * "/a-b" is not.)
 */
bool uevent_devpath_under(const char *devpath, const char *dir);

/* ---- The netlink socket (libmnl). ---- */

struct uevent_mon;

/*
 * Listen to the kernel's uevents: non-blocking, close-on-exec, with a
 * large receive buffer (4 MiB when allowed) so that a burst of hundreds
 * of devices is not lost. 0 with *ret, or -errno (-EAFNOSUPPORT,
 * -EPROTONOSUPPORT: no netlink here, e.g. a seccomp filter; -EPERM).
 */
int uevent_mon_open(struct uevent_mon **ret);

/* For the event loop: readable when messages wait. */
int uevent_mon_fd(const struct uevent_mon *m);

/*
 * Receive one message into buf (size should be UEVENT_MSG_MAX). Returns
 * its length, or:
 *   -EAGAIN    nothing waiting
 *   -ENOBUFS   the receive buffer overflowed: messages were lost; look at
 *              the state again instead of trusting the events
 *   -EMSGSIZE  a message longer than size (dropped)
 *   -EPERM     a message not sent by the kernel (dropped): another
 *              process with CAP_NET_ADMIN may send on this group
 *   other -errno from recvmsg.
 */
ssize_t uevent_mon_recv(struct uevent_mon *m, void *buf, size_t size);

/* NULL-safe. */
void uevent_mon_close(struct uevent_mon *m);

#endif
