/* SPDX-License-Identifier: MIT */
/*
 * The control socket: how vusbctl talks to a running vusb-attach.
 *
 * Every instance listens on RUNDIR/PID.sock (RUNDIR is /run/vusb, or
 * $VUSB_RUNDIR), a stream socket only root (or the owner) can use, and
 * names each of its devices with a symlink RUNDIR/dev/NAME -> ../PID.sock.
 * The symlink is also how names are reserved: creating it is atomic, so
 * two instances never pick the same name.
 *
 * One request per connection. The client sends its arguments, each ended
 * by a NUL, then shuts down its writing side. The server answers with one
 * status line, then free text:
 *
 *	OK\n<output>
 *	ERR <exit code> <message>\n<output>
 *
 * and closes the connection.
 *
 * A session carries many requests, for a program that drives devices at
 * a high rate (a connection per request costs more than the request).
 * The client opens it with CTL_SESSION_MAGIC and its NUL (not a valid
 * device name); from then on each request and each reply is a frame: a
 * 32-bit little-endian length, then a request or a reply as above. In a
 * request's length, bit 31 (CTL_FRAME_FD) says that a descriptor was
 * sent with the frame's bytes (SCM_RIGHTS): the server gives it the
 * oldest descriptor it holds. Replies come in the order of the requests;
 * the server keeps the connection until the client closes it.
 */
#ifndef VUSB_CTL_H
#define VUSB_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "src/base/loop.h"
#include "src/base/strbuf.h"

#define CTL_MAX_REQUEST 8192
#define CTL_MAX_ARGS 64
#define CTL_MAX_REPLY (1 << 20)
#define CTL_NAME_MAX 32
#define CTL_SESSION_MAGIC "-session"
#define CTL_FRAME_FD (1u << 31)
#define CTL_FRAME_FLAGS CTL_FRAME_FD
#define CTL_MAX_FDS 4 /* descriptors a client may have waiting */

/* Exit codes shared by vusb-attach, vusbctl and replies. */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1, /* the command ran and failed */
	EXIT_USAGE = 2, /* bad arguments */
	EXIT_NO_VHCI = 3, /* vhci_hcd missing or cannot be loaded */
	EXIT_NO_DEVICE = 4, /* no such device / no instance running */
	EXIT_PERMISSION = 5, /* not allowed (not root) */
};

/* The directory of sockets: $VUSB_RUNDIR or /run/vusb. */
const char *ctl_rundir(void);

/*
 * Split a request into argv (pointers into buf, which is modified).
 * Returns argc, or -EINVAL for an empty request, an argument without its
 * NUL, or more than CTL_MAX_ARGS arguments.
 */
int ctl_request_parse(char *buf, size_t len, char **argv, int max);

/* Encode argv as a request. 0 or -errno. */
int ctl_request_encode(int argc, char *const *argv, struct strbuf *out);

/*
 * Split a reply: *ret_code is 0 for OK or the ERR code, *ret_msg the ERR
 * message (NUL-terminated in place), *ret_body the text after the status
 * line. buf[len] must be a NUL (as in a strbuf). 0, or -EBADMSG for a
 * reply that is not in this format.
 */
int ctl_reply_parse(char *buf, size_t len, int *ret_code, const char **ret_msg,
		    const char **ret_body);

/*
 * Split a line typed on a terminal into words: blanks separate, "double"
 * and 'single' quotes group, backslash escapes the next character.
 * Returns argc, or -EINVAL for an unterminated quote or too many words.
 */
int ctl_split_line(char *line, char **argv, int max);

/*
 * Is `name` usable as a device name: 1..CTL_NAME_MAX-1 characters of
 * [A-Za-z0-9_.-], not starting with '.' or '-'.
 */
bool ctl_name_valid(const char *name);

/* ---- The server, in a vusb-attach. ---- */

struct ctl_server;

/*
 * Handle one request. `fd` is a file descriptor the client sent with it
 * (SCM_RIGHTS: a file it opened with its own rights, for storage's
 * insert), or -1; the handler owns it. Return 0 with the output in out,
 * or an exit code (EXIT_USAGE, EXIT_NO_DEVICE, ...) with a one-line
 * reason in err.
 */
typedef int (*ctl_handler)(int argc, char **argv, int fd, struct strbuf *out, struct strbuf *err,
			   void *data);

/* Listen on RUNDIR/PID.sock. 0 or -errno. */
int ctl_server_new(struct loop *loop, ctl_handler handler, void *data, struct ctl_server **ret);
/*
 * Serve a client connected some other way than through the socket (a
 * fuzzer's socketpair): `fd` is the server's from now on.
 */
void ctl_server_add_client(struct ctl_server *s, int fd);

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

/* ---- The client, in vusbctl. ---- */

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

/* As ctl_call(), sending `fd` along with the request (the server gets a copy). */
int ctl_call_fd(const char *path, int argc, char *const *argv, int fd, int timeout_ms,
		struct strbuf *reply);

#endif
