/* SPDX-License-Identifier: MIT */
/*
 * Waiting for the kernel to finish with each attached device: its drivers
 * bound and its device nodes made (sysfs/settle.h says what that means),
 * and where udevd runs, udevd done with those nodes too.
 *
 * One struct ready per process listens to the kernel's uevents (and to
 * udevd's, where it runs); each attached device gets a watch. An event
 * below a watched device only says "look again": the state is read from
 * sysfs each time, so lost events (ENOBUFS) cost nothing. Without netlink
 * (a seccomp filter, an odd container) the watches poll sysfs instead.
 *
 * Nothing here logs: results go to the watch's callback.
 */
#ifndef VUSB_READY_H
#define VUSB_READY_H

#include <stddef.h>

#include "src/base/loop.h"
#include "src/base/strbuf.h"

struct ready;
struct ready_watch;

/* How often the watches look when there are no uevents to wake them. */
#define READY_POLL_MS 200

/*
 * The local bus id of the watched device ("3-1") into buf: 0, or -ENODEV
 * while the kernel has not enumerated it (ask again later).
 */
typedef int (*ready_busid_fn)(void *data, char *buf, size_t size);

/*
 * err 0: the kernel is done; text is the space-separated list of the
 * device nodes it made ("/dev/hidraw0 /dev/input/event3", or "").
 * err -ETIMEDOUT: timeout_ms have passed since ready_watch_add() and it
 * is not done; text says what is missing. The watch goes on after a
 * timeout and may still report 0 later. Each is reported at most once.
 * The callback may remove any watch, this one included.
 */
typedef void (*ready_fn)(void *data, int err, const char *text);

/* 0 or -errno (-ENOMEM). Falls back to polling when netlink fails. */
int ready_new(struct loop *loop, struct ready **ret);

/* Removes every watch first. NULL-safe. */
void ready_free(struct ready *r);

/*
 * What it listens to, for the log: "kernel uevents", "kernel uevents
 * and udevd", or "polling sysfs (no uevent socket: REASON)".
 */
const char *ready_mode(const struct ready *r);

/*
 * Watch a device that has just been attached. timeout_ms 0: no timeout.
 * The first look happens from the loop, never inside this call. 0 with
 * *ret, or -ENOMEM.
 */
int ready_watch_add(struct ready *r, unsigned int timeout_ms, ready_busid_fn busid,
		    ready_fn done, void *data, struct ready_watch **ret);

/* NULL-safe. */
void ready_watch_remove(struct ready_watch *w);

/*
 * Once ready, where udevd runs: one line per node with its udev symlinks
 * and ID_* properties. Nothing otherwise.
 */
void ready_watch_describe(struct ready_watch *w, struct strbuf *out);

#endif
