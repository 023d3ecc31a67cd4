/* SPDX-License-Identifier: MIT */
/*
 * `vusbctl NAME watch`: the clients that watch what the host sends a
 * device (output and feature reports, rumble, LEDs), a line each. vusbctl
 * passes one end of a socketpair with the command (the control socket's
 * SCM_RIGHTS); the device writes lines to it as the host acts, without
 * blocking, until the client goes away.
 */
#ifndef VUSB_BASE_WATCH_H
#define VUSB_BASE_WATCH_H

#include <stdbool.h>

#include "src/base/strbuf.h"

/* Watchers one device keeps at once. */
#define WATCHERS_MAX 8

struct watchers {
	int fd[WATCHERS_MAX]; /* -1: free */
	bool json[WATCHERS_MAX];
};

void watchers_init(struct watchers *w);

/*
 * Take `fd` (a stream socket; ours from now on, closed on failure) as a
 * watcher of text lines, or of JSON lines. 0, -EBADF when fd is -1 (the
 * command came from the terminal, with no client to write to), -ENOSPC
 * when WATCHERS_MAX are watching.
 */
int watchers_add(struct watchers *w, int fd, bool json);

/*
 * Give every watcher one line: `text`, or `json` to JSON watchers (both
 * without the newline). A watcher whose socket is gone, or full (lines
 * not read), is closed: its client sees the end of the stream.
 */
void watchers_emit(struct watchers *w, const char *text, const char *json);

/* Close them all (the device goes away): their clients see the end. */
void watchers_free(struct watchers *w);

/*
 * The watch command of a device with watchers w ("vusbctl NAME watch
 * [--json]", argv[0] "watch"): fd is the client's end of the stream, -1
 * from the terminal. 0, or -EINVAL with the reason in out (fd is then
 * closed). model names the device in messages.
 */
int watch_command(struct watchers *w, const char *model, int argc, char **argv, int fd,
		      struct strbuf *out);

#endif
