/* SPDX-License-Identifier: MIT */
/*
 * The kernel's vhci_hcd seen through sysfs: find the controller (loading
 * vhci-hcd through libkmod when it is absent), read its port table, hand it
 * one end of a connected stream socket on a free port, and detach again.
 *
 * Nothing here prints or logs. Every function that can fail returns 0 (or a
 * count) or a negative errno; the caller says what went wrong, once, and
 * vhci_explain() turns a failed vhci_open() into the sentence to print.
 *
 * Everything read from sysfs is untrusted: bounded buffers, strict parsing,
 * and -EBADMSG when the text is not what the kernel is known to write.
 * Supported status format: the one with a hub column and a decimal sockfd
 * (Linux 4.15 and later, and stable kernels that took that change):
 *
 *	hub port sta spd dev      sockfd local_busid
 *	hs  0000 004 000 00000000 000000 0-0
 *	hs  0001 006 002 00010002 000005 3-1
 *	ss  0015 004 000 00000000 000000 0-0
 */
#ifndef VUSB_SYSFS_VHCI_H
#define VUSB_SYSFS_VHCI_H

#include <stddef.h>
#include <stdint.h>

#include "src/usb/usb.h"

/* Kernel limits: USBIP_VHCI_NR_HCS <= 128, USBIP_VHCI_HC_PORTS <= 31. */
#define VHCI_MAX_CONTROLLERS 128
#define VHCI_MAX_HUB_PORTS 31
#define VHCI_MAX_PORTS (VHCI_MAX_CONTROLLERS * 2 * VHCI_MAX_HUB_PORTS)

/* SYSFS_BUS_ID_SIZE: a local bus id ("3-1") and its NUL. */
#define VHCI_BUSID_SIZE 32

/* How long vhci_detach() should wait for the kernel's teardown. */
#define VHCI_DETACH_TIMEOUT_MS 2000

/* A buffer this big always holds a vhci_explain() message. */
#define VHCI_EXPLAIN_MAX 1024

enum vhci_hub {
	VHCI_HUB_HS, /* low, full and high speed devices */
	VHCI_HUB_SS, /* SuperSpeed and SuperSpeedPlus devices */
};

/* Port states as the kernel prints them (VDEV_ST_*). Only FREE is free. */
enum vhci_port_state {
	VHCI_PORT_FREE = 4,	    /* VDEV_ST_NULL: attach accepts this port */
	VHCI_PORT_NOTASSIGNED = 5, /* attached, device not enumerated yet */
	VHCI_PORT_USED = 6,	    /* enumerated: busid is valid */
	VHCI_PORT_ERROR = 7,	    /* broken connection, being torn down */
};

/* One row of a status file. */
struct vhci_port {
	enum vhci_hub hub;
	unsigned int port;  /* global port number, as attach/detach want */
	unsigned int state; /* enum vhci_port_state; other values kept as read */
	unsigned int speed; /* enum usb_speed of the device, 0 when none */
	uint32_t devid;	    /* as written to attach, 0 when none */
	int sockfd;	    /* fd number in the attaching process, 0 when none */
	char busid[VHCI_BUSID_SIZE]; /* local bus id "3-1", or "0-0" */
};

/*
 * devid as usbip builds it. The kernel only echoes it back, but keep busnum
 * and devnum below 256: vhci_attach() refuses anything else with -ERANGE.
 */
static inline uint32_t vhci_devid(unsigned int busnum, unsigned int devnum)
{
	return (uint32_t)busnum << 16 | (devnum & 0xffff);
}

/* ---- Pure functions: no I/O, safe on any input. ---- */

/*
 * Parse one line of a status file (with or without its trailing newline)
 * into *ret. Returns 0; -ENODATA for a header line ("hub port ..." or the
 * pre-4.13 "port sta ..."), leaving *ret alone; -EBADMSG if the line is
 * malformed (wrong field count, bad digits, a number out of range, a busid
 * of 32 characters or more, stray characters); -EINVAL for NULL arguments.
 */
int vhci_status_parse_line(const char *line, struct vhci_port *ret);

/*
 * The nports file: an even number of ports, one line. 0, or -EBADMSG for
 * anything else.
 */
int vhci_parse_nports(const char *s, unsigned int *ret);

/*
 * Parse the whole text of one status file: a header line, then one row per
 * port. Fills ports[0..count-1] and returns count; ports may be NULL when n
 * is 0, to count only. Returns -EBADMSG if any line is malformed or the
 * header is missing, -EPROTONOSUPPORT for the old format without a hub
 * column (before Linux 4.13), -ENOBUFS if there are more than n rows,
 * -EINVAL for bad arguments. ports is untouched on failure.
 */
int vhci_status_parse(const char *text, struct vhci_port *ports, size_t n);

/*
 * The hub that serves a device of this speed: VHCI_HUB_SS for SuperSpeed and
 * SuperSpeedPlus, VHCI_HUB_HS for low, full and high speed; -EINVAL for
 * any other value.
 */
int vhci_hub_for_speed(enum usb_speed speed);

/*
 * Pick the lowest-numbered free port on the hub that serves `speed`,
 * skipping the navoid port numbers in avoid (may be NULL when navoid is 0).
 * Returns the port number, -EBUSY when that hub has no free port left,
 * -EINVAL for an unsupported speed or bad arguments.
 */
int vhci_pick_port(const struct vhci_port *ports, size_t n,
		   enum usb_speed speed, const unsigned int *avoid,
		   size_t navoid);

/* ---- The controller. ---- */

struct vhci;

/* vhci_open() flags */
#define VHCI_NO_LOAD 0x1u /* never load vhci-hcd; fail with -ENODEV instead */

/* Where vhci_open() (or another call) failed, for vhci_explain(). */
enum vhci_step {
	VHCI_STEP_NONE = 0,   /* success */
	VHCI_STEP_SETUP,      /* libudev/libkmod contexts, memory */
	VHCI_STEP_FIND,	      /* no controller and VHCI_NO_LOAD given */
	VHCI_STEP_MODULE,     /* looking up or inserting vhci-hcd */
	VHCI_STEP_CONTROLLER, /* vhci-hcd is in the kernel, no vhci_hcd.0 */
	VHCI_STEP_SYSFS,      /* nports/status unreadable or malformed */
	VHCI_STEP_ATTACH,     /* vhci_attach() */
	VHCI_STEP_DETACH,     /* vhci_detach() */
};

/*
 * Find controller 0 (sysname vhci_hcd.0: on the platform bus, or by sysname
 * on any bus, e.g. the faux bus) and read its layout. When there is none and
 * flags lacks VHCI_NO_LOAD, load vhci-hcd through libkmod (blacklist not
 * applied: asking for it is explicit) and look again for up to a second.
 *
 * Also opens the attach and detach files for writing when allowed, so that
 * a program may drop root after vhci_open() and still attach and detach.
 *
 * On success *ret is a handle for vhci_close(). Returns 0 or:
 *   -ENODEV  no controller (step FIND with VHCI_NO_LOAD, else CONTROLLER)
 *   -ENOENT  vhci-hcd is not installed for the running kernel (MODULE)
 *   -EPERM, -EACCES  the kernel refused to load it: not root, or
 *            kernel.modules_disabled=1, or no CAP_SYS_MODULE (MODULE)
 *   -EBADMSG, -ENOENT, -EFBIG  the controller's files are not as expected
 *            (SYSFS)
 *   -ENOMEM and other -errno.
 * *step (may be NULL) is always set: VHCI_STEP_NONE on success.
 */
int vhci_open(struct vhci **ret, unsigned int flags, enum vhci_step *step);

/*
 * Use the controller whose sysfs directory is syspath, with no discovery
 * and no module loading: for tests (a directory of plain files) and for an
 * explicit override. Returns 0, -ENOENT/-ENOTDIR for a bad path, -EBADMSG
 * for malformed nports/status, -ENOMEM.
 */
int vhci_open_at(struct vhci **ret, const char *syspath);

/* Release the handle and the udev/kmod contexts. NULL is fine. */
void vhci_close(struct vhci *v);

/* The controller's sysfs directory; valid until vhci_close(). */
const char *vhci_syspath(const struct vhci *v);

/* Total number of ports (hs and ss, all controllers): the nports file. */
int vhci_nports(const struct vhci *v);

/*
 * Read every status file (status, status.1 .. status.N-1) into ports, in
 * port order. n must be at least vhci_nports(). Returns the number of rows
 * (== vhci_nports()), -ENOBUFS if n is too small, -EBADMSG if a file is
 * malformed or its rows do not match the layout read at open, -errno from
 * reading. ports is untouched on failure.
 */
int vhci_read_status(struct vhci *v, struct vhci_port *ports, size_t n);

/*
 * Attach the stream socket sockfd (an fd of this process: one end of a
 * socketpair, or a connected TCP socket) as a device of `speed` with `devid`.
 * Picks a free port on the hub matching the speed, writes
 * "PORT SOCKFD DEVID SPEED" to attach, and when that port was taken in the
 * meantime re-reads status and tries another one (bounded).
 *
 * The kernel takes its own reference to the socket: after success the
 * caller may (and should) close its copy of sockfd, and serves the URBs on
 * the other end. On success *ret_port is the port, for vhci_detach().
 * Returns 0 or:
 *   -EBUSY   every port of that hub is in use
 *   -EACCES, -EPERM  not allowed to write attach (needs root at vhci_open)
 *   -ENOTSOCK, -EBADF  sockfd is not a socket; -EPROTOTYPE not SOCK_STREAM
 *   -ERANGE  busnum or devnum of devid is 256 or more
 *   -EINVAL  unsupported speed or refused by the kernel
 *   -EBADMSG status unreadable, other -errno from the write.
 */
int vhci_attach(struct vhci *v, int sockfd, uint32_t devid,
		enum usb_speed speed, unsigned int *ret_port);

/*
 * Write port to detach, then poll status (a few ms apart) until the port
 * is free again or timeout_ms (VHCI_DETACH_TIMEOUT_MS is a good value; 0 to
 * not wait) has passed. The kernel then shuts down its socket: the
 * caller's end reads EOF. Returns 0, or:
 *   -ENODEV  the port was already free (nothing to do: fine on exit)
 *   -ETIMEDOUT  still not free after timeout_ms
 *   -EINVAL  port out of range; -EACCES/-EPERM not allowed; other -errno.
 */
int vhci_detach(struct vhci *v, unsigned int port, unsigned int timeout_ms);

/*
 * Copy the local bus id of the device on port ("3-1", the name under
 * /sys/bus/usb/devices) into buf. Returns 0, -ENODEV while no device is
 * enumerated there (state other than USED), -ENOBUFS if len is too small,
 * -EINVAL for a bad port, -EBADMSG/-errno from reading status.
 */
int vhci_port_busid(struct vhci *v, unsigned int port, char *buf, size_t len);

/*
 * The bus id a device on port has or will have: the number of the bus of
 * the port's root hub, a dash, the port's number on that hub ("3-2"), as
 * read when the controller was opened. No status read: cheap enough to
 * ask for every uevent, and known before the kernel has enumerated the
 * device. Returns 0, -ENODEV when the root hubs' bus numbers could not be
 * read, -ENOBUFS if len is too small, -EINVAL for a bad port.
 */
int vhci_port_busid_predict(const struct vhci *v, unsigned int port, char *buf, size_t len);

/* ---- Explaining a failure. ---- */

/* What vhci_explain() needs to know about the machine. */
struct vhci_host {
	char release[65];     /* uname -r; "" when unknown */
	char os_id[32];	      /* os-release ID ("debian"); "" when unknown */
	char os_id_like[128]; /* os-release ID_LIKE ("ubuntu debian") */
	int modules_disabled; /* kernel.modules_disabled: 1, 0, -1 unknown */
	int has_modules_dir;  /* /lib/modules/<release> exists: 1, 0, -1 */
	int is_root;	      /* effective uid is 0 */
	/*
	 * The package that carries vhci-hcd for the running kernel, derived
	 * from the package that installed /lib/modules/<release> (dpkg):
	 * that one on Debian, its linux-modules-extra- twin on Ubuntu.
	 */
	char package[96];
	int modules_owned; /* dpkg: a package owns the modules dir 1, none 0, no dpkg -1 */
	int package_known; /* apt-cache knows `package`: 1, 0, -1 unknown */
};

/*
 * Fill *ret from uname(), /etc/os-release (or /usr/lib/os-release),
 * /proc/sys/kernel/modules_disabled, /lib/modules and geteuid(); with
 * VHCI_HOST_PACKAGE also ask dpkg-query which package owns the running
 * kernel's modules directory and apt-cache whether it knows the package
 * that carries vhci-hcd (both run quietly, a second or so). What cannot
 * be read is left "unknown". Returns 0.
 */
#define VHCI_HOST_PACKAGE 1u
int vhci_host_read(struct vhci_host *ret, unsigned int flags);

/*
 * Pure: from the output of `dpkg-query -S /lib/modules/REL` ("pkg-a,
 * pkg-b: /lib/modules/REL" lines), the package to install for vhci-hcd:
 * linux-modules-extra-X when linux-modules-X owns the directory (Ubuntu),
 * else the linux-image- package that owns it (Debian), else the first
 * owner. Names must be Debian package names. 0, -ENOENT when no line
 * names an owner, -ENOBUFS when it does not fit, -EINVAL for NULL.
 */
int vhci_dpkg_owner_parse(const char *text, char *buf, size_t len);

/*
 * Pure: take ID and ID_LIKE from os-release text into host->os_id and
 * host->os_id_like (other fields untouched; a field stays as it was when
 * absent, overlong or not made of [A-Za-z0-9._-] words). Returns 0, or
 * -EINVAL for NULL arguments.
 */
int vhci_os_release_parse(const char *text, struct vhci_host *host);

/*
 * Pure (given host): write into buf one sentence saying why step failed
 * with err (a negative errno) and what to do, e.g. "loading vhci-hcd needs
 * root (try sudo)" or, when the module is missing, the likely cause first
 * (no /lib/modules for the running kernel: a container or a custom
 * kernel), the package to install only when apt knows it, and what works
 * without vhci (--listen, make demo). host may be NULL: then
 * vhci_host_read() is called. buf is always NUL-terminated when
 * len > 0. Returns 0, -ENOBUFS if the message was truncated, -EINVAL when
 * buf is NULL or len is 0.
 */
int vhci_explain(int err, enum vhci_step step, const struct vhci_host *host,
		 char *buf, size_t len);

#endif
