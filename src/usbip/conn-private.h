/* SPDX-License-Identifier: MIT */
/*
 * Inside a USB/IP connection (src/usbip/conn.h), shared by its files:
 * conn.c (the connection, its URBs, replies and the socket's output),
 * conn-rx.c (reading and decoding the kernel's or the importer's
 * commands), conn-pipe.c (the pipe that splices storage data between
 * the socket and an image).
 */
#ifndef VUSB_USBIP_CONN_PRIVATE_H
#define VUSB_USBIP_CONN_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "src/usbip/conn.h"
#include "src/usbip/usbip.h"

/*
 * Small on purpose: headers are read through it, but a large OUT payload
 * is mostly read straight into its URB's buffer.
 */
#define STAGING_SIZE 1024
#define MAX_IOV 64

/*
 * What one peer (a remote importer, too) can make us hold. URBs the
 * device has not answered: past CONN_MAX_HELD of them, or
 * CONN_MAX_HELD_BYTES of buffers, a new one is answered at once with
 * -ENOMEM, as a host controller out of resources answers usb_submit_urb():
 * vhci hands that status to the one driver that asked, where dropping the
 * connection would fail every transfer of the device. Replies the peer
 * does not read: once they hold CONN_MAX_TXQ_BYTES of memory, no more
 * input is read until it has taken half of them, so a peer that only
 * writes meets TCP backpressure instead of our memory.
 */
#define CONN_MAX_HELD 1024
#define CONN_MAX_HELD_BYTES (64u << 20)
#define CONN_MAX_TXQ_BYTES (16u << 20)

/*
 * Large URB buffers are kept for the next URB instead of freed: mass
 * storage moves up to 1 MiB per URB, one after the other, and a fresh
 * allocation of that size is an mmap, a page fault per 4 KiB and a munmap
 * every time. At most URB_CACHE_SLOTS buffers of URB_CACHE_MIN bytes or
 * more wait here; smaller ones go straight back to malloc.
 */
#define URB_CACHE_MIN (64u << 10)
#define URB_CACHE_SLOTS 4

/* An URB as the connection allocates it: reply header, then the buffer. */
struct conn_urb {
	struct usb_urb urb;
	uint8_t hdr[USBIP_HDR_SIZE];
	bool header_only; /* RET_UNLINK, or a reply with no payload */
	size_t alloc; /* bytes allocated after the struct, >= urb.cap */
};

enum rx_state {
	RX_HEADER,
	RX_PAYLOAD, /* OUT data into urb->buf */
	RX_SKIP, /* bytes to throw away: ISO descriptors, oversized OUT data */
	RX_PIPE, /* OUT data into the pipe, for conn_splice_out() */
};

struct usbip_conn {
	struct loop *loop;
	struct loop_io *io;
	int fd;
	struct usb_device *dev;
	const struct usbip_conn_ops *ops;
	void *data;

	uint8_t staging[STAGING_SIZE];
	size_t st_off, st_len;
	enum rx_state rx;
	struct conn_urb *rx_urb; /* being received */
	size_t rx_need; /* payload bytes still to come */
	size_t rx_skip;
	int rx_status; /* completion status once received (oversized: -EOVERFLOW) */

	struct list_head txq; /* conn_urbs whose reply is not fully written */
	size_t tx_off; /* bytes of the first one written already */
	bool in_rx; /* replies are batched while input is processed */
	bool dead;
	int err; /* why it died, for ops->closed */
	const char *why;
	struct loop_defer *notify;

	unsigned int held; /* URBs the device has and has not answered */
	size_t held_bytes; /* their buffers */
	size_t txq_bytes; /* memory held by replies not written yet */
	bool throttled; /* input paused until the peer reads replies */
	struct loop_defer *resume;

	struct conn_urb *urb_cache[URB_CACHE_SLOTS]; /* large buffers to reuse */

	/* IN data spliced from a file (usbip_conn_splice_in), made at first use */
	int pipe[2];
	size_t pipe_size;
	struct conn_urb *pipe_owner; /* the one URB whose data is in it, not in its buf */
	size_t piped; /* bytes in it */
	size_t rx_staged; /* of an OUT payload being piped: bytes from staging */
	bool no_splice; /* the files served cannot be spliced: stop trying */

	struct usbip_conn_stats stats;
	int tap; /* the wire tap's file, -1: off */
	usbip_conn_watch_fn watch; /* a capture, NULL: none */
	void *watch_data;
};

/* conn.c */
void conn_tap(struct usbip_conn *c, char dir, const void *buf, size_t len);
void conn_fail(struct usbip_conn *c, int err, const char *why);
struct conn_urb *conn_urb_alloc(struct usbip_conn *c, size_t cap);
void conn_queue_reply(struct usbip_conn *c, struct conn_urb *cu);
void conn_complete(struct usbip_conn *c, struct usb_urb *urb);

/* conn-rx.c: read what has come and act on it. */
void conn_handle_input(struct usbip_conn *c);

/* conn-pipe.c */
void conn_pipe_drain(struct usbip_conn *c, uint8_t *scratch, size_t cap, size_t n);
bool conn_pipe_out(struct usbip_conn *c, struct conn_urb *cu, size_t len);
int conn_tap_piped(struct usbip_conn *c);
ssize_t conn_rx_pipe(struct usbip_conn *c);
int conn_splice_in(struct usbip_conn *c, struct usb_urb *urb, int fd, uint64_t off, size_t len);
int conn_splice_out(struct usbip_conn *c, struct usb_urb *urb, int fd, uint64_t off, size_t len);
int conn_out_data(struct usbip_conn *c, struct usb_urb *urb);

#endif
