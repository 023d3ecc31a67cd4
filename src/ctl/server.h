/* SPDX-License-Identifier: MIT */
/*
 * The control socket's server, in a vusb-attach: it listens on
 * RUNDIR/PID.sock, reserves device names as links in RUNDIR/dev, and hands
 * each request to the application's handler (the protocol: src/ctl/ctl.h).
 */
#ifndef VUSB_CTL_SERVER_H
#define VUSB_CTL_SERVER_H

#include "src/base/loop.h"
#include "src/ctl/ctl.h"


struct ctl_server;

/*
 * Handle one request. `fds` are the nfds file descriptors the client sent
 * with it (SCM_RIGHTS: files it opened with its own rights, for storage's
 * insert or vusbctl add), oldest first: up to CTL_MAX_FDS for a one-shot
 * request, at most one for a session's frame. The handler owns them.
 * Return 0 with the output in out, or an exit code (EXIT_USAGE,
 * EXIT_NO_DEVICE, ...) with a one-line reason in err.
 */
typedef int (*ctl_handler)(int argc, char **argv, int *fds, unsigned int nfds, struct strbuf *out,
			   struct strbuf *err, void *data);

/*
 * A listening socket of `type` (SOCK_STREAM, SOCK_SEQPACKET) at path,
 * non-blocking, with the control socket's rules: whatever was at path is
 * replaced, and only the owner may connect (mode 0600). The fd, or -errno.
 */
int ctl_listen_socket(const char *path, int type, int backlog);

/*
 * Listen on RUNDIR/PID.sock. RUNDIR and RUNDIR/dev are made if missing,
 * opened without following symlinks, and refused unless owned by us with
 * no write bit for others; stale sockets and name links (links to a
 * socket of ours that nobody answers) are removed, nothing else. 0 or
 * -errno, with the reason in err (may be NULL).
 */
int ctl_server_new(struct loop *loop, ctl_handler handler, void *data, struct strbuf *err,
		   struct ctl_server **ret);
/*
 * Serve a client connected some other way than through the socket (a
 * fuzzer's socketpair): `fd` is the server's from now on.
 */
void ctl_server_add_client(struct ctl_server *s, int fd);

/*
 * Hang up on a client (one request or a session) that has done nothing,
 * neither sent nor taken bytes, for `ms` milliseconds; 10 s unless set.
 */
void ctl_server_set_idle_timeout(struct ctl_server *s, unsigned int ms);

/* Stop listening, remove the socket and every name link. NULL-safe. */
void ctl_server_free(struct ctl_server *s);
const char *ctl_server_path(const struct ctl_server *s);

/*
 * Reserve `name` for this server (RUNDIR/dev/NAME). A link left by an
 * instance that is gone is replaced. 0, -EEXIST if a live instance has
 * it, -EINVAL for a bad name, or -errno.
 */
int ctl_server_claim(struct ctl_server *s, const char *name);
void ctl_server_release(struct ctl_server *s, const char *name);

#endif
