// SPDX-License-Identifier: MIT
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

/*
 * The wire tap, for tests: with VUSB_WIRE_DIR set, each connection
 * appends every byte it reads and writes to DIR/PID.FD.NSEC.wire, as
 * records of a direction ('H' from the host, 'D' from the device, 'E' the
 * connection was freed, its byte 1 if in the middle of a reply), a 32-bit
 * little-endian length and the bytes, in
 * the order the reads and writes happened. tests/vm/wirecheck runs the
 * protocol checker over them. Off, it costs a test per read and write.
 */
void conn_tap(struct usbip_conn *c, char dir, const void *buf, size_t len)
{
	uint8_t h[5] = { (uint8_t)dir, (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
			 (uint8_t)(len >> 24) };
	struct iovec iov[2] = { { h, sizeof(h) }, { (void *)buf, len } };

	/* A record cut short would garble the rest: stop tapping instead. */
	if (writev(c->tap, iov, 2) != (ssize_t)(sizeof(h) + len)) {
		close(c->tap);
		c->tap = -1;
	}
}

static void tap_sent(struct usbip_conn *c, const struct iovec *iov, size_t w)
{
	size_t i;

	for (i = 0; w && c->tap >= 0; i++) {
		size_t n = iov[i].iov_len < w ? iov[i].iov_len : w;

		conn_tap(c, 'D', iov[i].iov_base, n);
		w -= n;
	}
}

static void tap_open(struct usbip_conn *c)
{
	const char *dir = getenv("VUSB_WIRE_DIR");
	struct timespec ts;
	char path[4096];

	c->tap = -1;
	if (!dir || !*dir)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((size_t)snprintf(path, sizeof(path), "%s/%d.%d.%lld%09ld.wire", dir, (int)getpid(),
			     c->fd, (long long)ts.tv_sec, ts.tv_nsec) < sizeof(path))
		c->tap = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static void notify_closed(void *data)
{
	struct usbip_conn *c = data;

	c->notify = NULL;
	c->ops->closed(c, c->err, c->why, c->data);
}

/*
 * Stop serving. The owner hears of it after the current round of the
 * loop, so that it may free the connection without pulling it out from
 * under a caller (the device, a command) still on the stack.
 */
void conn_fail(struct usbip_conn *c, int err, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	c->err = err;
	c->why = why;
	loop_io_remove(c->io);
	c->io = NULL;
	if (loop_defer(c->loop, notify_closed, c, &c->notify) < 0)
		c->notify = NULL; /* out of memory: the owner's timeout or exit frees it */
}

struct conn_urb *conn_urb_alloc(struct usbip_conn *c, size_t cap)
{
	struct conn_urb *cu = NULL;
	size_t alloc = cap;
	unsigned int i, best = URB_CACHE_SLOTS;

	if (cap >= URB_CACHE_MIN) {
		/* The smallest cached buffer that fits; new ones are rounded
		 * up so that the next URB of about the same size fits too. */
		for (i = 0; i < URB_CACHE_SLOTS; i++) {
			struct conn_urb *b = c->urb_cache[i];

			if (b && b->alloc >= cap &&
			    (best == URB_CACHE_SLOTS || b->alloc < c->urb_cache[best]->alloc))
				best = i;
		}
		if (best < URB_CACHE_SLOTS) {
			cu = c->urb_cache[best];
			c->urb_cache[best] = NULL;
			alloc = cu->alloc;
		} else {
			alloc = (cap + URB_CACHE_MIN - 1) / URB_CACHE_MIN * URB_CACHE_MIN;
		}
	}
	if (!cu)
		cu = malloc(sizeof(*cu) + alloc);
	if (!cu)
		return NULL;
	memset(cu, 0, sizeof(*cu));
	cu->alloc = alloc;
	list_init(&cu->urb.link);
	cu->urb.buf = (uint8_t *)(cu + 1);
	cu->urb.cap = (uint32_t)cap;
	return cu;
}

static void urb_free(struct usbip_conn *c, struct conn_urb *cu)
{
	unsigned int i;

	if (cu && cu->alloc >= URB_CACHE_MIN)
		for (i = 0; i < URB_CACHE_SLOTS; i++)
			if (!c->urb_cache[i]) {
				c->urb_cache[i] = cu;
				return;
			}
	free(cu);
}

/* What a queued reply costs us, which is more than its bytes on the wire. */
static size_t footprint(const struct conn_urb *cu)
{
	return sizeof(*cu) + cu->alloc;
}

static size_t reply_len(const struct conn_urb *cu)
{
	if (cu->header_only || !cu->urb.in)
		return USBIP_HDR_SIZE;
	return USBIP_HDR_SIZE + cu->urb.actual;
}

static void flush(struct usbip_conn *c);

/* Replies were taken: go on with input that may wait in staging already. */
static void resume_input(void *data)
{
	struct usbip_conn *c = data;

	c->resume = NULL;
	if (c->dead || c->throttled)
		return;
	c->in_rx = true;
	conn_handle_input(c);
	c->in_rx = false;
	if (!c->dead)
		flush(c);
}

static void update_events(struct usbip_conn *c)
{
	uint32_t ev = c->throttled ? 0 : EPOLLIN | EPOLLRDHUP;

	if (!list_empty(&c->txq))
		ev |= EPOLLOUT;
	if (c->io && loop_io_modify(c->io, ev) < 0)
		conn_fail(c, -errno, "epoll");
}

/*
 * The data of a reply whose bytes wait in the pipe, from `skip` on: spliced
 * to the socket. Then as sendmsg().
 */
static ssize_t send_piped(struct usbip_conn *c, struct conn_urb *cu, size_t skip)
{
	ssize_t w = splice(c->pipe[0], NULL, c->fd, NULL, cu->urb.actual - skip,
			   SPLICE_F_NONBLOCK);

	if (w > 0) {
		c->piped -= (size_t)w;
		if (c->tap >= 0)
			conn_tap(c, 'D', cu->urb.buf + skip, (size_t)w);
		if (!c->piped)
			c->pipe_owner = NULL;
	}
	return w;
}

/* Write as much of the reply queue as the socket takes. */
static void flush(struct usbip_conn *c)
{
	while (!list_empty(&c->txq) && !c->dead) {
		struct iovec iov[MAX_IOV];
		struct msghdr msg = { 0 };
		struct list_head *pos;
		struct conn_urb *splice_cu = NULL;
		size_t skip = c->tx_off, splice_skip = 0;
		int n = 0;
		ssize_t w;

		list_for_each(pos, &c->txq) {
			struct conn_urb *cu = list_entry(pos, struct conn_urb, urb.link);
			size_t hlen = USBIP_HDR_SIZE, plen = reply_len(cu) - USBIP_HDR_SIZE;

			if (n + 2 > MAX_IOV)
				break;
			if (skip < hlen) {
				iov[n].iov_base = cu->hdr + skip;
				iov[n++].iov_len = hlen - skip;
				skip = 0;
			} else {
				skip -= hlen;
			}
			if (plen && c->pipe_owner == cu) {
				/* Its header goes with what is before it; its
				 * data, once they are out, by splice. */
				if (!n) {
					splice_cu = cu;
					splice_skip = skip;
				}
				break;
			}
			if (plen) {
				iov[n].iov_base = cu->urb.buf + skip;
				iov[n++].iov_len = plen - skip;
			}
			skip = 0;
		}

		/* MSG_NOSIGNAL: a peer that has gone is an error to report
		 * through ops->closed, not a SIGPIPE that kills the process. */
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		if (splice_cu)
			w = send_piped(c, splice_cu, splice_skip);
		else
			w = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			conn_fail(c, -errno, "write");
			return;
		}
		c->stats.bytes_out += (uint64_t)w;
		if (c->tap >= 0 && !splice_cu)
			tap_sent(c, iov, (size_t)w);
		c->tx_off += (size_t)w;
		while (!list_empty(&c->txq)) {
			struct conn_urb *cu = list_first_entry(&c->txq, struct conn_urb, urb.link);
			size_t len = reply_len(cu);

			if (c->tx_off < len)
				break;
			c->tx_off -= len;
			c->txq_bytes -= footprint(cu);
			list_del(&cu->urb.link);
			urb_free(c, cu);
		}
	}
	if (c->throttled && c->txq_bytes <= CONN_MAX_TXQ_BYTES / 2 && !c->dead) {
		c->throttled = false;
		if (!c->resume && loop_defer(c->loop, resume_input, c, &c->resume) < 0)
			conn_fail(c, -ENOMEM, "out of memory");
	}
	update_events(c);
}

void conn_queue_reply(struct usbip_conn *c, struct conn_urb *cu)
{
	list_add_tail(&cu->urb.link, &c->txq);
	c->txq_bytes += footprint(cu);
	if (!c->in_rx)
		flush(c);
}

void conn_complete(struct usbip_conn *c, struct usb_urb *urb)
{
	struct conn_urb *cu = container_of(urb, struct conn_urb, urb);

	if (c->dead) {
		urb_free(c, cu);
		return;
	}
	c->held--;
	c->held_bytes -= urb->cap;
	if (c->pipe_owner == cu && !urb->in) {
		/* What the class did not take of it is dropped. */
		conn_pipe_drain(c, urb->buf, urb->cap, c->piped);
	} else if (c->pipe_owner == cu && (urb->status || urb->actual != c->piped)) {
		/* Spliced, then failed or cut by its class: the data goes. */
		conn_pipe_drain(c, urb->buf, urb->cap, c->piped);
		urb->actual = 0;
	}
	if (c->watch)
		c->watch(c->watch_data, 'C', urb, urb->status,
			 urb->in && c->pipe_owner != cu ? urb->buf : NULL,
			 urb->in ? urb->actual : 0);
	/* A reply to an OUT transfer carries no data, whatever was sent. */
	usbip_ret_submit(cu->hdr, urb->seqnum, urb->status, urb->actual, urb->start_frame,
			 0, 0);
	c->stats.completed++;
	conn_queue_reply(c, cu);
}

static void conn_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct usbip_conn *c = data;

	if (events & EPOLLIN) {
		c->in_rx = true;
		conn_handle_input(c);
		c->in_rx = false;
		if (!c->dead)
			flush(c);
	}
	if (c->dead)
		return;
	if (events & EPOLLOUT)
		flush(c);
	if (c->dead)
		return;
	/* Hang-up with nothing left to read: the other side is gone. */
	if ((events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN))
		conn_fail(c, 0, NULL);
}

/* The device's transport (src/usb/usbdev.h): completions come back here. */
static void transport_complete(void *t, struct usb_urb *urb)
{
	conn_complete(t, urb);
}

static int transport_splice_in(void *t, struct usb_urb *urb, int fd, uint64_t off, size_t len)
{
	return conn_splice_in(t, urb, fd, off, len);
}

static int transport_splice_out(void *t, struct usb_urb *urb, int fd, uint64_t off, size_t len)
{
	return conn_splice_out(t, urb, fd, off, len);
}

static int transport_out_data(void *t, struct usb_urb *urb)
{
	return conn_out_data(t, urb);
}

static const struct usb_transport_ops conn_transport = {
	.complete = transport_complete,
	.splice_in = transport_splice_in,
	.splice_out = transport_splice_out,
	.out_data = transport_out_data,
};

int usbip_conn_new(struct loop *loop, int fd, struct usb_device *dev,
		   const struct usbip_conn_ops *ops, void *data, struct usbip_conn **ret)
{
	struct usbip_conn *c;
	int flags, r;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->loop = loop;
	c->fd = fd;
	c->dev = dev;
	c->ops = ops;
	c->data = data;
	c->pipe[0] = c->pipe[1] = -1;
	list_init(&c->txq);
	r = loop_io_add(loop, fd, EPOLLIN | EPOLLRDHUP, conn_ready, c, NULL, &c->io);
	if (r < 0) {
		close(fd);
		free(c);
		return r;
	}
	tap_open(c);
	usb_device_set_transport(dev, &conn_transport, c);
	*ret = c;
	return 0;
}

static void drop_urb(struct usb_urb *urb, void *data)
{
	urb_free(data, container_of(urb, struct conn_urb, urb));
}

void usbip_conn_free(struct usbip_conn *c)
{
	unsigned int i;

	if (!c)
		return;
	c->dead = true;
	loop_io_remove(c->io);
	loop_defer_cancel(c->notify);
	loop_defer_cancel(c->resume);
	usb_device_disconnect(c->dev, drop_urb, c);
	usb_device_set_transport(c->dev, NULL, NULL);
	while (!list_empty(&c->txq)) {
		struct conn_urb *cu = list_first_entry(&c->txq, struct conn_urb, urb.link);

		list_del(&cu->urb.link);
		free(cu);
	}
	free(c->rx_urb);
	for (i = 0; i < URB_CACHE_SLOTS; i++)
		free(c->urb_cache[i]);
	if (c->pipe[0] >= 0) {
		close(c->pipe[0]);
		close(c->pipe[1]);
	}
	if (c->tap >= 0) {
		/* 1: closed in the middle of writing a reply. */
		uint8_t cut = c->tx_off != 0;

		conn_tap(c, 'E', &cut, 1);
		close(c->tap);
	}
	close(c->fd);
	free(c);
}

void usbip_conn_watch(struct usbip_conn *c, usbip_conn_watch_fn fn, void *data)
{
	c->watch = fn;
	c->watch_data = data;
}

void usbip_conn_get_stats(const struct usbip_conn *c, struct usbip_conn_stats *ret)
{
	*ret = c->stats;
}
