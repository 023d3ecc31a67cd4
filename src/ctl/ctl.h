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
 * and closes the connection. A one-shot request may carry up to
 * CTL_MAX_FDS descriptors (SCM_RIGHTS, with its first bytes): the server
 * hands them all to it, in order (vusbctl add: one per file the device
 * names).
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

/* Connect to the stream socket at `path`: the socket, or -errno. */
int ctl_connect(const char *path);

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

#endif
