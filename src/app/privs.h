/* SPDX-License-Identifier: MIT */
/*
 * Least privilege for vusb-attach. Root is needed to load vhci-hcd, open
 * vhci's attach and detach files, create the control socket in /run/vusb
 * and open the images; serving the devices needs none of it: URBs come on
 * a socket already open, and attach/detach go through the sysfs files
 * opened at start (sysfs/vhci.c), which the kernel checks at open time
 * only. So once the devices are attached, vusb-attach becomes an
 * unprivileged user (privs_drop) with no capabilities, cannot gain any
 * (no_new_privs), and a seccomp filter (privs_seccomp) refuses the system
 * calls it never makes and an attacker would want.
 *
 * What an unprivileged process cannot do is remove its control socket,
 * its name links and its pidfile, which live in directories only root
 * may write. A cleaner (privs_cleaner_start) forked before the drop keeps
 * root for that alone. It reads one thing from the server, a socket: device
 * names whose links to go now (a detach) or to make (vusbctl add), and its end, after which
 * (exit, crash, SIGKILL) it removes what was the server's. Either way it
 * removes only links that point to the server's own socket.
 */
#ifndef VUSB_PRIVS_H
#define VUSB_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

/* The dedicated system user vusb-attach runs as, when it exists. */
#define PRIVS_USER "vusb"
/* The fallback: shared with other daemons, so trusted with less. */
#define PRIVS_FALLBACK_USER "nobody"
/* The group that may use the control sockets besides root. */
#define PRIVS_GROUP "vusb"

struct privs_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

/*
 * Look up `name`, or with NULL the default: PRIVS_USER if it exists, else
 * PRIVS_FALLBACK_USER. 0, -ENOENT (no such user), -EINVAL (a name longer
 * than 63 bytes), or -errno from the user database.
 */
int privs_find_user(const char *name, struct privs_user *ret);

/*
 * Let group PRIVS_GROUP use the control socket at `path` (chown root:vusb,
 * mode 0660); without that group it stays root's alone (0600). 1 when
 * shared, 0 when there is no such group, or -errno.
 */
int privs_share_socket(const char *path);

struct privs_cleaner {
	pid_t pid; /* 0: none */
	int fd; /* our end of the socket it waits on */
};

/*
 * Fork the cleaner, which keeps the privileges this process has now. When
 * this process ends, it removes `sock` unless a live server answers there,
 * the links in `devdir` that point to "../BASENAME(sock)", and `pidfile`
 * (may be NULL) if it still holds this process's id. 0 or -errno.
 */
int privs_cleaner_start(struct privs_cleaner *c, const char *sock, const char *devdir,
			const char *pidfile);

/*
 * A device has gone: ask the cleaner to remove its name link (if it still
 * points to our socket). NULL-safe; a no-op without a cleaner.
 */
void privs_cleaner_release(struct privs_cleaner *c, const char *name);

/*
 * A device added at run time (vusbctl add): have the cleaner link its
 * name to our socket, in the directory we may no longer write. A link
 * of an instance that is gone is replaced; nothing else is removed. 0,
 * -EEXIST when a live instance has the name, or -errno (-EACCES without
 * a cleaner).
 */
int privs_cleaner_claim(struct privs_cleaner *c, const char *name);

/*
 * --cpu after the drop: have the cleaner move the kernel thread pid (one
 * of vhci's or usb-storage's, which it checks) to cpu (one it may run
 * on: ours). 0 or -errno (-EACCES without a cleaner).
 */
int privs_cleaner_pin(struct privs_cleaner *c, pid_t pid, int cpu);

/* Clients a report socket made by the cleaner queues (HIDSOCK_CLIENTS). */
#define PRIVS_REPORT_BACKLOG 8

/*
 * A HID device added at run time: have the cleaner listen at
 * DEVDIR/NAME.hid (its name linked to our socket first), shared with the
 * vusb group, and send us the listening socket. The socket, or -errno.
 */
int privs_cleaner_report_socket(struct privs_cleaner *c, const char *name);

/*
 * A serial device added at run time: have the cleaner link DEVDIR/NAME.tty
 * (its name linked to our socket first) to its terminal `pts`
 * ("/dev/pts/N"). 0 or -errno.
 */
int privs_cleaner_tty_link(struct privs_cleaner *c, const char *name, const char *pts);

/*
 * The server is stopping: let the cleaner do its job now and wait for it
 * (up to a second), so that everything is gone when we exit. NULL-safe.
 */
void privs_cleaner_finish(struct privs_cleaner *c);

/*
 * Become `u` for good: its groups, its gid and uid (real, effective and
 * saved), an empty capability bounding set, no capabilities, and
 * no_new_privs. Checked: regaining root fails afterwards. 0, or -errno
 * (the process may then be half-way: the caller should exit).
 */
int privs_drop(const struct privs_user *u);

/*
 * Keep the user we are, without a capability: an empty bounding set
 * (when we may empty it), no permitted, effective, inheritable or ambient
 * capability, and no_new_privs; for root that stays root (--user root)
 * and a user who started vusb-attach. Checked afterwards. 0 or -errno.
 */
int privs_restrict(void);

/* privs_seccomp's flags: each refused call also says its number on
 * standard error (a SIGSYS handler), to find a missing entry. */
#define PRIVS_SECCOMP_REPORT 1u

/*
 * Install the seccomp filter (src/app/seccomp.c): an allow-list of the
 * system calls vusb makes once it serves, each justified where it is
 * listed. Everything else fails with EPERM: exec, ptrace, mount and
 * namespaces (clone with a CLONE_NEW* flag too), another process's
 * descriptors, modules and kexec, bpf, io_uring, userfaultfd, keyrings,
 * raw I/O ports, changing credentials or the clock, and any call added
 * to the kernel later; clone3, whose flags a filter cannot read, fails
 * with ENOSYS so that glibc falls back to clone. socket() is limited to
 * AF_UNIX, AF_INET, AF_INET6 and netlink's uevents. With
 * PRIVS_SECCOMP_REPORT a refused call also prints its number.
 * x86-64 only: 0, -ENOTSUP on another architecture, or -errno.
 */
int privs_seccomp(unsigned int flags);

#endif
