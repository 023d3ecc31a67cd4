/* SPDX-License-Identifier: MIT */
/*
 * The report socket of a device of raw reports (HID): RUNDIR/dev/NAME.hid,
 * a SOCK_SEQPACKET socket with the control socket's permission rules. Our
 * /dev/hidgN:
 *
 * - A client writes one input report per message, as the device sends it
 *   (report ID first when the descriptor uses IDs). When the device's
 *   queue is full (the host does not poll), the socket is not read until
 *   the host takes a report: the client's writes block, or fail with
 *   EAGAIN when it is non-blocking. Nothing is dropped.
 * - A client reads one message per output or feature report the host
 *   sent: one byte of type (2 output, 3 feature), then the report as the
 *   host sent it.
 * - A message that is no input report of the device (wrong length or ID)
 *   gets a message of type 0 with the reason as text, then the connection
 *   ends. So does an empty message.
 */
#ifndef VUSB_APP_HIDSOCK_H
#define VUSB_APP_HIDSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/loop.h"
#include "src/usb/usbdev.h"

/* Clients one socket serves at once. */
#define HIDSOCK_CLIENTS 8
/* Largest input report a client may write. */
#define HIDSOCK_IN_MAX 64
/* Largest report the host sends that clients get (a feature report). */
#define HIDSOCK_OUT_MAX 4096

/* Message types, the first byte of what a client reads. */
#define HIDSOCK_ERROR 0
#define HIDSOCK_OUTPUT 2
#define HIDSOCK_FEATURE 3

typedef int (*hidsock_send_fn)(struct usb_device *dev, const uint8_t *report, size_t len);

struct hidsock;

/*
 * Listen at `path` for the device `dev` named `name` (in messages),
 * queueing input reports with `send` (the model's send_report). 0 with
 * *ret, or -errno.
 */
int hidsock_new(struct loop *loop, struct usb_device *dev, const char *name, hidsock_send_fn send,
		const char *path, struct hidsock **ret);

/*
 * As hidsock_new(), on fd, a socket already listening at path (made by
 * the cleaner once we may not write there: src/app/privs.h); taken,
 * closed on failure too. fd -1: listen here.
 */
int hidsock_new_fd(struct loop *loop, struct usb_device *dev, const char *name,
		   hidsock_send_fn send, const char *path, int fd, struct hidsock **ret);

/* Close every client, stop listening, remove the socket. NULL-safe. */
void hidsock_free(struct hidsock *s);

const char *hidsock_path(const struct hidsock *s);

/* The host sent a report (host->report): give it to every client. */
void hidsock_report(struct hidsock *s, unsigned int type, const uint8_t *data, size_t len);

/*
 * The device's queue has room, or the host configured it: retry the
 * reports held back, then read the clients again (from the loop, later).
 */
void hidsock_room(struct hidsock *s);

/* Clients connected now. */
unsigned int hidsock_clients(const struct hidsock *s);

#endif
