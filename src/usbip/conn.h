/* SPDX-License-Identifier: MIT */
/*
 * A USB/IP connection: one stream socket (a vhci socketpair, or a TCP
 * connection after OP_REQ_IMPORT) serving one device. It reads CMD_SUBMIT
 * and CMD_UNLINK, hands URBs to the device, and writes RET_SUBMIT and
 * RET_UNLINK back in order, without blocking the loop.
 *
 * The rules the kernel holds a device server to (every CMD_UNLINK
 * answered, no RET_SUBMIT after a successful unlink, never more IN data
 * than asked for, no payload on OUT replies) are kept here and in the
 * device model; a peer that breaks the protocol is dropped.
 */
#ifndef VUSB_CONN_H
#define VUSB_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/loop.h"
#include "src/usb/usbdev.h"

struct usbip_conn;

struct usbip_conn_ops {
	/*
	 * The connection is over: err 0 when the peer closed it, -errno on
	 * an I/O error or -EBADMSG with `why` when the peer broke the
	 * protocol. The callee frees the connection (usbip_conn_free) when
	 * it likes, not necessarily from inside this call.
	 */
	void (*closed)(struct usbip_conn *c, int err, const char *why, void *data);
};

/*
 * Serve `dev` on `fd` (made non-blocking; owned by the connection from
 * now on, closed by usbip_conn_free even on failure). The connection
 * installs itself as the device's transport (usb_device_set_transport):
 * the device completes its URBs straight into it, splices its storage
 * data through it, and nothing in between relays them. 0 or -errno.
 */
int usbip_conn_new(struct loop *loop, int fd, struct usb_device *dev,
		   const struct usbip_conn_ops *ops, void *data, struct usbip_conn **ret);

/* Give back pending URBs, close the socket, free. NULL-safe. */
void usbip_conn_free(struct usbip_conn *c);

/*
 * Watch every URB the connection carries (a capture): fn is called with
 * 'S' when one is submitted to the device (data: the OUT payload) and 'C'
 * when it completes or is unlinked (status -ECONNRESET; data: the IN
 * data), data NULL where the payload is not in memory. While watched,
 * storage data is copied through URB buffers instead of spliced, so that
 * the watcher sees it; unwatched, it costs a test per URB. fn NULL stops.
 */
typedef void (*usbip_conn_watch_fn)(void *data, char type, const struct usb_urb *urb, int status,
				    const void *buf, size_t len);
void usbip_conn_watch(struct usbip_conn *c, usbip_conn_watch_fn fn, void *data);

/* URBs received and replies sent, for `vusbctl list` and benchmarks. */
struct usbip_conn_stats {
	uint64_t submitted;
	uint64_t completed;
	uint64_t unlinked;
	uint64_t bytes_in;
	uint64_t bytes_out;
};
void usbip_conn_get_stats(const struct usbip_conn *c, struct usbip_conn_stats *ret);

#endif
