/* SPDX-License-Identifier: MIT */
/*
 * A running capture: URBs of one or more devices written as pcapng
 * (src/capture/pcapng.h) to a file, a pipe or standard output, one
 * interface per device.
 *
 * It never blocks the loop: records go into a bounded buffer, written out
 * once per round of the loop (and when the descriptor can take more), and
 * a record that does not fit is dropped and counted; the counts go into
 * each interface's statistics block when the capture ends. A write error
 * (a full disk, a reader that went away) ends the capture: a regular file
 * is cut back to its last whole block, so it stays a valid pcapng, and
 * `ended` is called once with the error. The capture does not log.
 */
#ifndef VUSB_CAPTURE_CAPTURE_H
#define VUSB_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/base/loop.h"
#include "src/usb/usbdev.h"

/* Records waiting to be written, at most. */
#define CAPTURE_BUF_SIZE (8u << 20)
/* Data bytes kept per URB (snaplen), at most: a USB/IP transfer's largest. */
#define CAPTURE_MAX_SNAPLEN (16u << 20)
/* Devices (interfaces) of one capture, at most. */
#define CAPTURE_MAX_IFACES 256

struct capture;

/*
 * Start a capture into `fd` (owned from now on; made non-blocking unless
 * it is a regular file). snaplen: data bytes kept per URB, 0 all.
 * comment, appl: the section header's comment and application (NULL:
 * none). ended(cap, err, data): the capture stopped writing (err -errno:
 * -ENOSPC, -EPIPE...); the caller frees it when it likes. 0 or -errno.
 */
int capture_new(struct loop *loop, int fd, uint32_t snaplen, const char *comment, const char *appl,
		void (*ended)(struct capture *cap, int err, void *data), void *data,
		struct capture **ret);

/*
 * Write what is buffered, then each interface's statistics, and free.
 * Writes to a reader that does not take them are given up. NULL-safe.
 */
void capture_free(struct capture *cap);

/*
 * A new interface (one device): `name` and `desc`, as the interface
 * description says them. 0 and its id in *ret, or -errno (-ENOSPC past
 * CAPTURE_MAX_IFACES).
 */
int capture_add_interface(struct capture *cap, const char *name, const char *desc,
			  unsigned int *ret);

/*
 * One URB event on interface `ifid` of device `dev`: type 'S' (submitted)
 * or 'C' (completed, with `status`), `data`/`len` its payload as far as
 * it is known (OUT on a submission, IN on a completion; NULL: none).
 */
void capture_urb(struct capture *cap, unsigned int ifid, const struct usb_device *dev, char type,
		 const struct usb_urb *urb, int status, const void *data, size_t len);

/* Whether it stopped writing (ended was called). */
bool capture_ended(const struct capture *cap);

/* Records dropped so far on `ifid` for want of room. */
uint64_t capture_dropped(const struct capture *cap, unsigned int ifid);

#endif
