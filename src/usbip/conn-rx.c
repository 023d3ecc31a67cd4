// SPDX-License-Identifier: MIT
/* A connection's input: USB/IP commands read, checked and handed to the device. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "src/usbip/conn-private.h"

static void handle_unlink(struct usbip_conn *c, const struct usbip_header *h)
{
	struct usb_urb *urb = usb_device_unlink(c->dev, h->u.unlink.seqnum);
	struct conn_urb *cu;
	int status = 0;

	if (urb) {
		/* Still pending: it is cancelled, and reused to carry the
		 * RET_UNLINK so that no RET_SUBMIT can ever follow. */
		cu = container_of(urb, struct conn_urb, urb);
		status = -ECONNRESET;
		if (c->pipe_owner == cu)
			conn_pipe_drain(c, urb->buf, urb->cap, c->piped);
		c->held--;
		c->held_bytes -= urb->cap;
		c->stats.unlinked++;
		if (c->watch)
			c->watch(c->watch_data, 'C', urb, status, NULL, 0);
	} else {
		/* Completed already: its RET_SUBMIT is ahead in the queue. */
		cu = conn_urb_alloc(c, 0);
		if (!cu) {
			conn_fail(c, -ENOMEM, "out of memory");
			return;
		}
	}
	cu->header_only = true;
	usbip_ret_unlink(cu->hdr, h->seqnum, status);
	conn_queue_reply(c, cu);
}

static void submit_received(struct usbip_conn *c)
{
	struct conn_urb *cu = c->rx_urb;

	c->rx_urb = NULL;
	c->rx = RX_HEADER;
	c->stats.submitted++;
	if (c->watch)
		c->watch(c->watch_data, 'S', &cu->urb, 0,
			 cu->urb.in || c->pipe_owner == cu ? NULL : cu->urb.buf,
			 cu->urb.in ? 0 : cu->urb.actual);
	if (c->rx_status) {
		cu->urb.actual = 0;
		cu->urb.status = c->rx_status;
		conn_complete(c, &cu->urb);
		return;
	}
	usb_device_submit(c->dev, &cu->urb);
}

static int handle_submit(struct usbip_conn *c, const struct usbip_header *h)
{
	uint32_t len = (uint32_t)h->u.submit.transfer_buffer_length;
	bool in = h->direction == USBIP_DIR_IN;
	bool oversized = len > USBIP_MAX_TRANSFER;
	bool iso = h->u.submit.number_of_packets > 0;
	size_t cap = oversized ? (in ? USBIP_MAX_TRANSFER : 0) : len;
	bool full = c->held >= CONN_MAX_HELD || c->held_bytes + cap > CONN_MAX_HELD_BYTES;
	struct conn_urb *cu;

	/* Refused URBs get no buffer: their data is skipped. */
	if (iso || full)
		cap = 0;
	cu = conn_urb_alloc(c, cap);
	if (!cu)
		return -ENOMEM;
	cu->urb.seqnum = h->seqnum;
	cu->urb.ep = (uint8_t)h->ep;
	cu->urb.in = in;
	cu->urb.flags = h->u.submit.transfer_flags;
	/* An IN transfer larger than we buffer is offered to the device as
	 * one of USBIP_MAX_TRANSFER bytes: a short reply is valid, and the
	 * class sees one size only (length == cap). */
	cu->urb.length = in && oversized ? USBIP_MAX_TRANSFER : len;
	cu->urb.start_frame = h->u.submit.start_frame;
	cu->urb.number_of_packets = h->u.submit.number_of_packets;
	cu->urb.interval = h->u.submit.interval;
	memcpy(cu->urb.setup_raw, h->u.submit.setup, 8);
	cu->urb.owner = c;

	c->rx_urb = cu;
	c->held++;
	c->held_bytes += cap;
	c->rx_need = in ? 0 : len;
	c->rx_skip = iso ? (size_t)h->u.submit.number_of_packets * USBIP_ISO_DESC_SIZE : 0;
	/* No isochronous endpoints here: -EXDEV. */
	c->rx_status = oversized && !in ? -EOVERFLOW : iso ? -EXDEV : full ? -ENOMEM : 0;
	if (!in && c->rx_status) {
		/* Read past the data without keeping it. */
		c->rx_skip += len;
		c->rx_need = 0;
	}
	if (!in)
		cu->urb.actual = (uint32_t)c->rx_need;
	c->rx = RX_PAYLOAD;
	if (!in && !c->rx_status && !c->watch && conn_pipe_out(c, cu, len)) {
		c->pipe_owner = cu;
		c->rx_staged = 0;
		c->rx = RX_PIPE;
	}
	return 0;
}

/* Take up to `want` bytes from staging, then from the socket. */
static ssize_t rx_read(struct usbip_conn *c, void *dst, size_t want)
{
	ssize_t r;

	if (c->st_len > c->st_off) {
		size_t n = c->st_len - c->st_off;

		if (n > want)
			n = want;
		if (dst)
			memcpy(dst, c->staging + c->st_off, n);
		c->st_off += n;
		return (ssize_t)n;
	}
	if (!dst || want < STAGING_SIZE / 2) {
		/* Small reads go through staging so that one recv
		 * brings several headers. */
		r = recv(c->fd, c->staging, STAGING_SIZE, 0);
		if (r <= 0)
			return r < 0 ? -errno : -EPIPE;
		c->stats.bytes_in += (uint64_t)r;
		if (c->tap >= 0)
			conn_tap(c, 'H', c->staging, (size_t)r);
		c->st_off = 0;
		c->st_len = (size_t)r;
		return rx_read(c, dst, want);
	}
	r = recv(c->fd, dst, want, 0);
	if (r <= 0)
		return r < 0 ? -errno : -EPIPE;
	c->stats.bytes_in += (uint64_t)r;
	if (c->tap >= 0)
		conn_tap(c, 'H', dst, (size_t)r);
	return r;
}

void conn_handle_input(struct usbip_conn *c)
{
	uint8_t raw[USBIP_HDR_SIZE];
	size_t have = 0;
	bool drained = false;

	/*
	 * Headers are gathered from staging only once all 48 bytes are
	 * there, so a partial header waits in staging between calls.
	 */
	while (!c->dead) {
		ssize_t r;

		if (c->rx == RX_HEADER && c->txq_bytes > CONN_MAX_TXQ_BYTES) {
			/* The peer is not reading: neither do we (flush resumes). */
			c->throttled = true;
			return;
		}
		if (c->rx == RX_HEADER) {
			struct usbip_header h;

			if (c->st_len - c->st_off < USBIP_HDR_SIZE) {
				/* Move the partial header to the front, then read more. */
				have = c->st_len - c->st_off;
				memmove(c->staging, c->staging + c->st_off, have);
				c->st_off = 0;
				c->st_len = have;
				/* The last recv left room in staging: the socket was
				 * empty then, so another recv would only say EAGAIN.
				 * epoll is level-triggered and calls again when there
				 * is more: one syscall less per URB. */
				if (drained)
					return;
				r = recv(c->fd, c->staging + have, STAGING_SIZE - have, 0);
				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0 && errno == EAGAIN)
					return;
				if (r < 0) {
					conn_fail(c, -errno, "read");
					return;
				}
				if (r == 0) {
					conn_fail(c, have ? -EBADMSG : 0,
						  have ? "connection closed inside a header" : NULL);
					return;
				}
				c->stats.bytes_in += (uint64_t)r;
				if (c->tap >= 0)
					conn_tap(c, 'H', c->staging + have, (size_t)r);
				c->st_len += (size_t)r;
				drained = (size_t)r < STAGING_SIZE - have;
				continue;
			}
			memcpy(raw, c->staging + c->st_off, USBIP_HDR_SIZE);
			c->st_off += USBIP_HDR_SIZE;
			if (usbip_header_decode(&h, raw) < 0) {
				conn_fail(c, -EBADMSG, "malformed USB/IP header");
				return;
			}
			if (h.command == USBIP_CMD_UNLINK) {
				handle_unlink(c, &h);
				continue;
			}
			if (handle_submit(c, &h) < 0) {
				conn_fail(c, -ENOMEM, "out of memory");
				return;
			}
		}

		if (c->rx_need && c->rx == RX_PIPE) {
			r = conn_rx_pipe(c);
		} else if (c->rx_need) {
			struct usb_urb *urb = &c->rx_urb->urb;

			r = rx_read(c, urb->buf + (urb->actual - c->rx_need), c->rx_need);
		} else if (c->rx_skip) {
			uint8_t sink[512];

			r = rx_read(c, sink, c->rx_skip < sizeof(sink) ? c->rx_skip : sizeof(sink));
		} else {
			if (c->rx == RX_PIPE && c->tap >= 0 && conn_tap_piped(c) < 0) {
				conn_fail(c, -EIO, "pipe");
				return;
			}
			submit_received(c);
			continue;
		}
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			conn_fail(c, r == -EPIPE ? -EBADMSG : (int)r,
				  r == -EPIPE ? "connection closed inside a transfer" : "read");
			return;
		}
		if (c->rx_need)
			c->rx_need -= (size_t)r;
		else
			c->rx_skip -= (size_t)r;
	}
}
