/* SPDX-License-Identifier: MIT */
/*
 * The run directory (ctl_rundir(), /run/vusb) and its dev/, where each
 * device's name is a link to its instance's socket: what the server
 * (src/ctl/server.c) does there as root, before anyone may connect.
 * Private to src/ctl.
 */
#ifndef VUSB_CTL_RUNDIR_H
#define VUSB_CTL_RUNDIR_H

#include <stdbool.h>

#include "src/base/strbuf.h"

/* Does anybody listen on the socket `path` points at? */
bool ctl_socket_alive(const char *path);

/* Is dir/name a link to one of our sockets ("../1234.sock": an instance's name)? */
bool ctl_is_our_link(int dir, const char *name);

/*
 * Open (make if needed) rundir and devdir (rundir's "dev") without
 * following symlinks, both owned by us with no write bit for others,
 * and remove what dead instances left there: links to a socket of ours
 * that nobody answers, the pty links (NAME.tty) of names no live
 * instance holds, dead sockets named *.sock. Anything else stays. 0, or
 * -errno with the reason in err ("is a symbolic link", "writable by
 * others", "owned by another user").
 */
int ctl_rundir_prepare(const char *rundir, const char *devdir, struct strbuf *err);

#endif
