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
void conn_pipe_drain(struct usbip_conn *c, uint8_t *scratch, size_t cap, size_t n)
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

int conn_splice_in(struct usbip_conn *c, struct usb_urb *urb, int fd, uint64_t off,
		   size_t len)
{
	struct conn_urb *cu = container_of(urb, struct conn_urb, urb);
	loff_t pos = (loff_t)off;
	size_t done = 0;
	int err;

	if (c->dead || c->no_splice || c->watch || c->pipe_owner || len < SPLICE_MIN ||
	    urb->owner != c || len > urb->cap)
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
		conn_pipe_drain(c, urb->buf, urb->cap, done);
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
bool conn_pipe_out(struct usbip_conn *c, struct conn_urb *cu, size_t len)
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
		conn_tap(c, 'H', cu->urb.buf + c->rx_staged, have - c->rx_staged);
	c->pipe_owner = NULL;
	c->rx = RX_PAYLOAD;
	return 0;
}

/* The payload is all in the pipe: the tap gets what came from the socket. */
int conn_tap_piped(struct usbip_conn *c)
{
	struct conn_urb *cu = c->rx_urb;
	size_t n = c->piped;
	int r;

	/* Out and back in: the pipe is empty in between and takes it all. */
	r = pipe_copy(c, cu->urb.buf, n, false);
	if (r == 0)
		r = pipe_copy(c, cu->urb.buf, n, true);
	if (r == 0)
		conn_tap(c, 'H', cu->urb.buf + c->rx_staged, n - c->rx_staged);
	return r;
}

/* Receive more of a piped payload: 0, -EAGAIN, or -errno/-EPIPE as rx_read. */
ssize_t conn_rx_pipe(struct usbip_conn *c)
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

int conn_splice_out(struct usbip_conn *c, struct usb_urb *urb, int fd, uint64_t off,
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

int conn_out_data(struct usbip_conn *c, struct usb_urb *urb)
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
