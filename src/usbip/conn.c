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
};

/*
 * The wire tap, for tests: with VUSB_WIRE_DIR set, each connection
 * appends every byte it reads and writes to DIR/PID.FD.NSEC.wire, as
 * records of a direction ('H' from the host, 'D' from the device, 'E' the
 * connection was freed, its byte 1 if in the middle of a reply), a 32-bit
 * little-endian length and the bytes, in
 * the order the reads and writes happened. tests/vm/wirecheck runs the
 * protocol checker over them. Off, it costs a test per read and write.
 */
static void tap(struct usbip_conn *c, char dir, const void *buf, size_t len)
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

		tap(c, 'D', iov[i].iov_base, n);
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
static void conn_fail(struct usbip_conn *c, int err, const char *why)
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

static struct conn_urb *urb_alloc(struct usbip_conn *c, size_t cap)
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

/*
 * Large reads of a disk image reach the socket without a copy through
 * user space: splice() moves references to the file's pages into a pipe,
 * and from the pipe into the socket, whose reader (vhci_hcd, or TCP)
 * copies them once. One copy instead of three (read, send, receive).
 */
#define PAGE 4096u /* what a pipe slot holds, at most (x86, arm64 by default) */
#define PIPE_WANT (1 << 20) /* 1 MiB: SuperSpeed reads; the unprivileged limit */
/* Below this, pread and one sendmsg cost less than two splices. */
#define SPLICE_MIN (32u << 10)

static int pipe_open(struct usbip_conn *c)
{
	int size;

	if (pipe2(c->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		c->pipe[0] = c->pipe[1] = -1;
		c->no_splice = true;
		return -errno;
	}
	/* Past the user's pipe quota this fails: the default size then. */
	fcntl(c->pipe[1], F_SETPIPE_SZ, PIPE_WANT);
	size = fcntl(c->pipe[1], F_GETPIPE_SZ);
	c->pipe_size = size > 0 ? (size_t)size : 0;
	return 0;
}

/* Throw away what a failed splice left: the pipe held nothing before. */
static void pipe_drain(struct usbip_conn *c, uint8_t *scratch, size_t cap, size_t n)
{
	while (n) {
		ssize_t r = read(c->pipe[0], scratch, n < cap ? n : cap);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* Cannot happen; if it does, splicing is over for good. */
			close(c->pipe[0]);
			close(c->pipe[1]);
			c->pipe[0] = c->pipe[1] = -1;
			c->no_splice = true;
			break;
		}
		n -= (size_t)r;
	}
	c->piped = 0;
	c->pipe_owner = NULL;
}

/*
 * Move all of n bytes between buf and the pipe: into it (`in`, there is
 * room for them) or out of it (there are as many).
 */
static int pipe_copy(struct usbip_conn *c, uint8_t *buf, size_t n, bool in)
{
	while (n) {
		ssize_t r = in ? write(c->pipe[1], buf, n) : read(c->pipe[0], buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		buf += r;
		n -= (size_t)r;
		if (in)
			c->piped += (size_t)r;
		else
			c->piped -= (size_t)r;
	}
	return 0;
}

static int conn_splice_in(struct usbip_conn *c, struct usb_urb *urb, int fd, uint64_t off,
			 size_t len)
{
	struct conn_urb *cu = container_of(urb, struct conn_urb, urb);
	loff_t pos = (loff_t)off;
	size_t done = 0;
	int err;

	if (c->dead || c->no_splice || c->pipe_owner || len < SPLICE_MIN || urb->owner != c ||
	    len > urb->cap)
		return -EOPNOTSUPP;
	if (c->pipe[0] < 0 && pipe_open(c) < 0)
		return -EOPNOTSUPP;
	/* The pipe holds pages, a range not aligned to them one more. */
	if ((off % PAGE + len + PAGE - 1) / PAGE * PAGE > c->pipe_size)
		return -EOPNOTSUPP;
	while (done < len) {
		ssize_t r = splice(fd, &pos, c->pipe[1], NULL, len - done, SPLICE_F_NONBLOCK);

		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* 0: the file ended early, it shrank under us */
		err = r == 0 ? -EIO : -errno;
		pipe_drain(c, urb->buf, urb->cap, done);
		if (err == -EINVAL || err == -ENOSYS || err == -ESPIPE)
			c->no_splice = true; /* a file system without splice */
		if (c->no_splice || err == -EAGAIN)
			return -EOPNOTSUPP;
		return err;
	}
	/* The wire tap records what the peer gets: read it for the tap. */
	if (c->tap >= 0 && pread(fd, urb->buf, len, (off_t)off) != (ssize_t)len)
		memset(urb->buf, 0, len);
	c->piped = len;
	c->pipe_owner = cu;
	return 0;
}

/*
 * Large writes take the same way back: the payload of a bulk OUT URB to
 * an endpoint whose class asks for it (usb_device_splices_out) is spliced
 * from the socket into the pipe (references to the socket's pages), and
 * by the class from there into the image (usb_urb_splice_out): one copy
 * into the page cache instead of a receive and a pwrite. When the class
 * wants the bytes after all, the core takes them with the out_data op.
 */
static bool pipe_out(struct usbip_conn *c, struct conn_urb *cu, size_t len)
{
	if (c->no_splice || c->pipe_owner || len < SPLICE_MIN ||
	    !usb_device_splices_out(c->dev, &cu->urb))
		return false;
	if (c->pipe[0] < 0 && pipe_open(c) < 0)
		return false;
	return len <= c->pipe_size;
}

/*
 * The payload stops going through the pipe (it is full, or cannot take
 * from this socket): what it holds goes into urb->buf, the rest will be
 * received there.
 */
static int unpipe_rx(struct usbip_conn *c)
{
	struct conn_urb *cu = c->rx_urb;
	size_t have = c->piped;
	int r;

	r = pipe_copy(c, cu->urb.buf + (cu->urb.actual - c->rx_need - have), have, false);
	if (r < 0)
		return r;
	if (c->tap >= 0)
		tap(c, 'H', cu->urb.buf + c->rx_staged, have - c->rx_staged);
	c->pipe_owner = NULL;
	c->rx = RX_PAYLOAD;
	return 0;
}

/* The payload is all in the pipe: the tap gets what came from the socket. */
static int tap_piped(struct usbip_conn *c)
{
	struct conn_urb *cu = c->rx_urb;
	size_t n = c->piped;
	int r;

	/* Out and back in: the pipe is empty in between and takes it all. */
	r = pipe_copy(c, cu->urb.buf, n, false);
	if (r == 0)
		r = pipe_copy(c, cu->urb.buf, n, true);
	if (r == 0)
		tap(c, 'H', cu->urb.buf + c->rx_staged, n - c->rx_staged);
	return r;
}

/* Receive more of a piped payload: 0, -EAGAIN, or -errno/-EPIPE as rx_read. */
static ssize_t rx_pipe(struct usbip_conn *c)
{
	size_t n = c->st_len - c->st_off;
	ssize_t r;
	int avail = 0;

	if (n) {
		/* What came with the header (the tap has it already). */
		if (n > c->rx_need)
			n = c->rx_need;
		r = pipe_copy(c, c->staging + c->st_off, n, true);
		if (r < 0)
			return r;
		c->st_off += n;
		c->rx_staged += n;
		return (ssize_t)n;
	}
	r = splice(c->fd, NULL, c->pipe[1], NULL, c->rx_need, SPLICE_F_NONBLOCK);
	if (r > 0) {
		c->piped += (size_t)r;
		c->stats.bytes_in += (uint64_t)r;
		return r;
	}
	if (r == 0)
		return -EPIPE;
	if (errno == EINTR)
		return -EINTR;
	/* EAGAIN with bytes waiting in the socket: the pipe is full. */
	if (errno == EAGAIN && (ioctl(c->fd, FIONREAD, &avail) < 0 || avail == 0))
		return -EAGAIN;
	if (errno != EAGAIN)
		c->no_splice = true; /* EINVAL: a socket that cannot splice */
	r = unpipe_rx(c);
	return r < 0 ? r : -EINTR; /* go on, into the buffer */
}

static int conn_splice_out(struct usbip_conn *c, struct usb_urb *urb, int fd, uint64_t off,
			  size_t len)
{
	struct conn_urb *cu = container_of(urb, struct conn_urb, urb);
	loff_t pos = (loff_t)off;
	size_t done = 0;

	if (c->pipe_owner != cu)
		return -EOPNOTSUPP;
	if (len > c->piped)
		return -EINVAL;
	while (done < len) {
		ssize_t r = splice(c->pipe[0], NULL, fd, &pos, len - done, 0);

		if (r > 0) {
			done += (size_t)r;
			c->piped -= (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && !done && (errno == EINVAL || errno == ESPIPE))
			return -EOPNOTSUPP; /* a file that cannot: out_data */
		/* ENOSPC, EIO: what was written stays written, as with pwrite. */
		return r < 0 ? -errno : -EIO;
	}
	return 0;
}

static int conn_out_data(struct usbip_conn *c, struct usb_urb *urb)
{
	struct conn_urb *cu = container_of(urb, struct conn_urb, urb);
	size_t have = c->piped;
	int r;

	if (c->pipe_owner != cu)
		return 0;
	r = pipe_copy(c, urb->buf + urb->actual - have, have, false);
	c->pipe_owner = NULL;
	return r;
}

static void handle_input(struct usbip_conn *c);
static void flush(struct usbip_conn *c);

/* Replies were taken: go on with input that may wait in staging already. */
static void resume_input(void *data)
{
	struct usbip_conn *c = data;

	c->resume = NULL;
	if (c->dead || c->throttled)
		return;
	c->in_rx = true;
	handle_input(c);
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
			tap(c, 'D', cu->urb.buf + skip, (size_t)w);
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

static void queue_reply(struct usbip_conn *c, struct conn_urb *cu)
{
	list_add_tail(&cu->urb.link, &c->txq);
	c->txq_bytes += footprint(cu);
	if (!c->in_rx)
		flush(c);
}

static void conn_complete(struct usbip_conn *c, struct usb_urb *urb)
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
		pipe_drain(c, urb->buf, urb->cap, c->piped);
	} else if (c->pipe_owner == cu && (urb->status || urb->actual != c->piped)) {
		/* Spliced, then failed or cut by its class: the data goes. */
		pipe_drain(c, urb->buf, urb->cap, c->piped);
		urb->actual = 0;
	}
	/* A reply to an OUT transfer carries no data, whatever was sent. */
	usbip_ret_submit(cu->hdr, urb->seqnum, urb->status, urb->actual, urb->start_frame,
			 0, 0);
	c->stats.completed++;
	queue_reply(c, cu);
}

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
			pipe_drain(c, urb->buf, urb->cap, c->piped);
		c->held--;
		c->held_bytes -= urb->cap;
		c->stats.unlinked++;
	} else {
		/* Completed already: its RET_SUBMIT is ahead in the queue. */
		cu = urb_alloc(c, 0);
		if (!cu) {
			conn_fail(c, -ENOMEM, "out of memory");
			return;
		}
	}
	cu->header_only = true;
	usbip_ret_unlink(cu->hdr, h->seqnum, status);
	queue_reply(c, cu);
}

static void submit_received(struct usbip_conn *c)
{
	struct conn_urb *cu = c->rx_urb;

	c->rx_urb = NULL;
	c->rx = RX_HEADER;
	c->stats.submitted++;
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
	cu = urb_alloc(c, cap);
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
	if (!in && !c->rx_status && pipe_out(c, cu, len)) {
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
			tap(c, 'H', c->staging, (size_t)r);
		c->st_off = 0;
		c->st_len = (size_t)r;
		return rx_read(c, dst, want);
	}
	r = recv(c->fd, dst, want, 0);
	if (r <= 0)
		return r < 0 ? -errno : -EPIPE;
	c->stats.bytes_in += (uint64_t)r;
	if (c->tap >= 0)
		tap(c, 'H', dst, (size_t)r);
	return r;
}

static void handle_input(struct usbip_conn *c)
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
					tap(c, 'H', c->staging + have, (size_t)r);
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
			r = rx_pipe(c);
		} else if (c->rx_need) {
			struct usb_urb *urb = &c->rx_urb->urb;

			r = rx_read(c, urb->buf + (urb->actual - c->rx_need), c->rx_need);
		} else if (c->rx_skip) {
			uint8_t sink[512];

			r = rx_read(c, sink, c->rx_skip < sizeof(sink) ? c->rx_skip : sizeof(sink));
		} else {
			if (c->rx == RX_PIPE && c->tap >= 0 && tap_piped(c) < 0) {
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

static void conn_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct usbip_conn *c = data;

	if (events & EPOLLIN) {
		c->in_rx = true;
		handle_input(c);
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

		tap(c, 'E', &cut, 1);
		close(c->tap);
	}
	close(c->fd);
	free(c);
}

void usbip_conn_get_stats(const struct usbip_conn *c, struct usbip_conn_stats *ret)
{
	*ret = c->stats;
}
