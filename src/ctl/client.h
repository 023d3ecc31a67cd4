/* SPDX-License-Identifier: MIT */
/*
 * The control socket's client, in vusbctl: one-shot requests and
 * sessions (the protocol: src/ctl/ctl.h).
 */
#ifndef VUSB_CTL_CLIENT_H
#define VUSB_CTL_CLIENT_H

#include "src/ctl/ctl.h"


/*
 * Send argv to the socket at `path`, wait up to timeout_ms for the reply
 * and store it in reply. 0, or -errno (-ECONNREFUSED/-ENOENT: nobody
 * listens there; -ETIMEDOUT).
 */
int ctl_call(const char *path, int argc, char *const *argv, int timeout_ms,
	     struct strbuf *reply);

/* Open a session with the instance at `path`: its socket, or -errno. */
int ctl_session_open(const char *path);

/*
 * One request of a session: as ctl_call_fd() (pass_fd -1: none), on the
 * socket ctl_session_open() returned, which stays open. -EPIPE when the
 * instance has gone, -EBADMSG for a reply that is not a frame.
 */
int ctl_session_call(int fd, int argc, char *const *argv, int pass_fd, int timeout_ms,
		     struct strbuf *reply);

/*
 * Has the server hung up on this session while it had no request
 * outstanding (it closes sessions left idle, src/ctl/server.h)? Then
 * open a new one: the requests sent on this one were all answered.
 */
bool ctl_session_closed(int fd);

/* As ctl_call(), sending `fd` along with the request (the server gets a copy). */
int ctl_call_fd(const char *path, int argc, char *const *argv, int fd, int timeout_ms,
		struct strbuf *reply);

/*
 * As ctl_call_fd(), with nfds (at most CTL_MAX_FDS) descriptors sent in
 * one message with the request's first bytes: the server hands them all,
 * in this order, to the request. -E2BIG for more.
 */
int ctl_call_fds(const char *path, int argc, char *const *argv, const int *fds, unsigned int nfds,
		 int timeout_ms, struct strbuf *reply);

#endif
