/* SPDX-License-Identifier: MIT */
/*
 * --allow-user: which local users may use a --listen server. A TCP
 * connection from this host (a loopback peer, or one from our own
 * address) is admitted only when the owner of the peer's socket, found
 * through sock_diag (src/usbip/sockdiag.h), is root, a USER named, or a
 * member of a GROUP named (its passwd entry's group or a supplementary
 * one, looked up when it connects). Without --allow-user: root, the user
 * who started vusb-attach and group vusb (when that group exists).
 * `--allow-user any` turns the check off. Peers from other hosts are
 * --allow's business and are not looked at.
 */
#ifndef VUSB_APP_ALLOWUSER_H
#define VUSB_APP_ALLOWUSER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "src/base/strbuf.h"

#define ALLOWUSER_MAX 32
#define ALLOWUSER_NAME_MAX 64

struct allowuser_entry {
	char name[ALLOWUSER_NAME_MAX];
	bool is_user, is_group; /* a name can be both: both count */
	uid_t uid;
	gid_t gid;
};

struct sockdiag;

struct allowuser {
	struct allowuser_entry e[ALLOWUSER_MAX];
	unsigned int n;
	struct sockdiag *sd; /* the kernel's answers, opened by allowuser_start */
};

/*
 * Add `name`, a user or a group (or both), looked up now. 0; -ENOENT
 * (neither) or -ENOSPC (more than ALLOWUSER_MAX), with the message in err.
 */
int allowuser_add(struct allowuser *a, const char *name, struct strbuf *err);

/*
 * The default: the user uid (who started us) and group vusb when it
 * exists (root is always in). 1 when the group exists, 0 when not, -errno.
 */
int allowuser_add_default(struct allowuser *a, uid_t self);

/* May uid use the server? Root always; reads the user database for groups. */
bool allowuser_uid_ok(const struct allowuser *a, uid_t uid);

/* "root, alice, group vusb" into out, for the log. */
void allowuser_describe(const struct allowuser *a, struct strbuf *out);

/*
 * Open the sock_diag socket and check that the kernel answers (before the
 * privilege drop and the seccomp filter). 0, or -errno with the reason in err.
 */
int allowuser_start(struct allowuser *a, struct strbuf *err);

/* Close what allowuser_start opened. NULL-safe. */
void allowuser_stop(struct allowuser *a);

/*
 * struct server_ops.admit: 0 for a peer from another host or an allowed
 * user; -EACCES with the reason (naming the uid) in why otherwise, also
 * when the kernel cannot say who it is.
 */
int allowuser_admit(const struct allowuser *a, int fd, const struct sockaddr *sa, socklen_t len,
		    char *why, size_t size);

#endif
