// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/base/bytes.h"
#include "src/capture/capture.h"
#include "src/capture/pcapng.h"
#include "src/usb/fault.h"

struct capture_iface {
	uint64_t recv;
	uint64_t dropped;
};

struct capture {
	struct loop *loop;
	int fd;
	bool regular; /* a file: cut back to a whole block on error */
	int flags; /* the descriptor's status flags before ours, or -1 */
	uint64_t committed; /* file offset after the last whole block written */
	uint32_t snaplen;
	bool ended;
	void (*ended_cb)(struct capture *cap, int err, void *data);
	void *data;

	/* buf[start..len) waits to be written; buf[blk] begins the first
	 * block not wholly written (blk <= start). */
	uint8_t *buf;
	size_t blk, start, len;
	struct loop_defer *flush;
	struct loop_io *io; /* while the descriptor would block */

	struct capture_iface iface[CAPTURE_MAX_IFACES];
	unsigned int nifaces;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Room for n bytes at the end of the buffer, or NULL. */
static uint8_t *reserve(struct capture *cap, size_t n)
{
	if (CAPTURE_BUF_SIZE - cap->len < n && cap->blk) {
		memmove(cap->buf, cap->buf + cap->blk, cap->len - cap->blk);
		cap->len -= cap->blk;
		cap->start -= cap->blk;
		cap->blk = 0;
	}
	if (CAPTURE_BUF_SIZE - cap->len < n)
		return NULL;
	return cap->buf + cap->len;
}

static void stop(struct capture *cap, int err)
{
	if (cap->regular)
		(void)!ftruncate(cap->fd, (off_t)cap->committed);
	cap->ended = true;
	loop_io_remove(cap->io);
	cap->io = NULL;
	cap->blk = cap->start = cap->len = 0;
	cap->ended_cb(cap, err, cap->data);
}

static void wrote(struct capture *cap, size_t n)
{
	cap->start += n;
	while (cap->blk < cap->start) {
		uint32_t bl = get_le32(cap->buf + cap->blk + 4);

		if (cap->blk + bl > cap->start)
			break;
		cap->blk += bl;
		cap->committed += bl;
	}
	if (cap->start == cap->len)
		cap->blk = cap->start = cap->len = 0;
}

static void io_ready(struct loop_io *io, uint32_t events, void *data);

/* Write what the descriptor takes. 0, -EAGAIN (more later) or -errno. */
static int write_out(struct capture *cap)
{
	while (cap->start < cap->len) {
		ssize_t w = write(cap->fd, cap->buf + cap->start, cap->len - cap->start);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		wrote(cap, (size_t)w);
	}
	return 0;
}

static void flush(struct capture *cap)
{
	int r = write_out(cap);

	if (r == -EAGAIN) {
		if (!cap->io &&
		    loop_io_add(cap->loop, cap->fd, EPOLLOUT, io_ready, cap, NULL, &cap->io) < 0)
			stop(cap, -errno);
		return;
	}
	loop_io_remove(cap->io);
	cap->io = NULL;
	if (r < 0)
		stop(cap, r);
}

static void io_ready(struct loop_io *io, uint32_t events, void *data)
{
	(void)io;
	(void)events;
	flush(data);
}

static void deferred_flush(void *data)
{
	struct capture *cap = data;

	cap->flush = NULL;
	if (!cap->io)
		flush(cap);
}

static void schedule(struct capture *cap)
{
	if (cap->flush || cap->io || cap->ended)
		return;
	if (loop_defer(cap->loop, deferred_flush, cap, &cap->flush) < 0)
		cap->flush = NULL; /* the next record tries again */
}

int capture_new(struct loop *loop, int fd, uint32_t snaplen, const char *comment, const char *appl,
		void (*ended)(struct capture *cap, int err, void *data), void *data,
		struct capture **ret)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	struct stat st;
	size_t n;
	int flags;

	if (!cap || fstat(fd, &st) < 0) {
		int r = cap ? -errno : -ENOMEM;

		free(cap);
		close(fd);
		return r;
	}
	cap->loop = loop;
	cap->fd = fd;
	cap->snaplen = snaplen;
	cap->ended_cb = ended;
	cap->data = data;
	cap->regular = S_ISREG(st.st_mode);
	if (cap->regular) {
		off_t pos = lseek(fd, 0, SEEK_CUR);

		cap->committed = pos > 0 ? (uint64_t)pos : 0;
		cap->flags = -1;
	} else {
		/* Shared with whoever gave us the pipe: given back as it was. */
		flags = fcntl(fd, F_GETFL);
		cap->flags = flags;
		if (flags >= 0)
			(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	}
	cap->buf = malloc(CAPTURE_BUF_SIZE);
	if (!cap->buf) {
		free(cap);
		close(fd);
		return -ENOMEM;
	}
	n = pcapng_shb(cap->buf, CAPTURE_BUF_SIZE, comment, appl);
	cap->len = n;
	schedule(cap);
	*ret = cap;
	return 0;
}

int capture_add_interface(struct capture *cap, const char *name, const char *desc,
			  unsigned int *ret)
{
	size_t n = pcapng_idb(NULL, 0, PCAPNG_LINKTYPE_USB_LINUX_MMAPPED, cap->snaplen, name, desc);
	uint8_t *p;

	if (cap->nifaces >= CAPTURE_MAX_IFACES)
		return -ENOSPC;
	/* Without its description, no later packet of it would make sense. */
	p = reserve(cap, n);
	if (!p && !cap->ended)
		return -ENOBUFS;
	if (p) {
		pcapng_idb(p, n, PCAPNG_LINKTYPE_USB_LINUX_MMAPPED, cap->snaplen, name, desc);
		cap->len += n;
		schedule(cap);
	}
	*ret = cap->nifaces++;
	return 0;
}

static uint8_t xfer_type(const struct usb_device *dev, const struct usb_urb *urb)
{
	if (urb->ep == 0 || urb->ep >= USB_MAX_ENDPOINTS)
		return USBMON_XFER_CONTROL;
	switch (dev->ep[urb->in][urb->ep].type) {
	case USB_ENDPOINT_XFER_ISOC:
		return USBMON_XFER_ISO;
	case USB_ENDPOINT_XFER_INT:
		return USBMON_XFER_INTR;
	case USB_ENDPOINT_XFER_BULK:
		return USBMON_XFER_BULK;
	default:
		return USBMON_XFER_CONTROL;
	}
}

void capture_urb(struct capture *cap, unsigned int ifid, const struct usb_device *dev, char type,
		 const struct usb_urb *urb, int status, const void *data, size_t len)
{
	uint64_t ts = now_us();
	struct usbmon_rec r = { 0 };
	uint8_t hdr[USBMON_HDR_SIZE];
	size_t keep = len, n;
	char note[64];
	const char *comment = NULL;
	uint8_t *p;

	if (cap->ended || ifid >= cap->nifaces)
		return;
	/* The fault that hit the URB (it fires after the submission is
	 * recorded): named on its completion, for a replay to find. */
	if (type != 'S' && urb->fault_id) {
		snprintf(note, sizeof(note), "fault %u: %s ep 0x%02x", urb->fault_id,
			 usb_fault_kind_name((enum usb_fault_kind)urb->fault_kind),
			 urb->ep | (urb->in ? 0x80 : 0));
		comment = note;
	}
	if (!data)
		keep = len = 0;
	if (cap->snaplen && keep > cap->snaplen)
		keep = cap->snaplen;
	r.id = (uint64_t)(ifid + 1) << 32 | urb->seqnum;
	r.type = type;
	r.xfer = xfer_type(dev, urb);
	r.epnum = (uint8_t)(urb->ep | (urb->in ? 0x80 : 0));
	r.devnum = (uint8_t)(ifid % 127 + 1);
	r.busnum = 1;
	r.has_setup = type == 'S' && r.xfer == USBMON_XFER_CONTROL;
	memcpy(r.setup, urb->setup_raw, 8);
	if (type == 'S' && urb->in)
		r.data_flag = '<';
	else if (type != 'S' && !urb->in)
		r.data_flag = '>';
	r.ts_sec = (int64_t)(ts / 1000000u);
	r.ts_usec = (int32_t)(ts % 1000000u);
	r.status = type == 'S' ? -EINPROGRESS : status;
	r.length = type == 'S' ? urb->length : urb->actual;
	r.len_cap = (uint32_t)keep;
	r.interval = urb->interval;
	r.start_frame = urb->start_frame;
	r.xfer_flags = urb->flags;
	usbmon_hdr_encode(hdr, &r);

	n = pcapng_epb(NULL, 0, ifid, ts, hdr, sizeof(hdr), data, keep, 0, comment);
	p = reserve(cap, n);
	if (!p) {
		cap->iface[ifid].dropped++;
		return;
	}
	pcapng_epb(p, n, ifid, ts, hdr, sizeof(hdr), data, keep,
		   (uint32_t)(sizeof(hdr) + (len > UINT32_MAX - 64 ? UINT32_MAX - 64 : len)),
		   comment);
	cap->len += n;
	cap->iface[ifid].recv++;
	schedule(cap);
}

bool capture_ended(const struct capture *cap)
{
	return cap->ended;
}

uint64_t capture_dropped(const struct capture *cap, unsigned int ifid)
{
	return ifid < cap->nifaces ? cap->iface[ifid].dropped : 0;
}

void capture_free(struct capture *cap)
{
	uint64_t ts = now_us();
	unsigned int i;
	int tries;

	if (!cap)
		return;
	loop_defer_cancel(cap->flush);
	loop_io_remove(cap->io);
	cap->io = NULL;
	if (!cap->ended) {
		for (i = 0; i < cap->nifaces; i++) {
			size_t n = pcapng_isb(NULL, 0, i, 0, 0, 0);
			uint8_t *p = reserve(cap, n);

			if (!p)
				break;
			pcapng_isb(p, n, i, ts, cap->iface[i].recv, cap->iface[i].dropped);
			cap->len += n;
		}
		/* A reader of a pipe gets a moment to take the rest. */
		for (tries = 0; tries < 10; tries++) {
			struct pollfd pfd = { .fd = cap->fd, .events = POLLOUT };
			int r = write_out(cap);

			if (r != -EAGAIN) {
				if (r < 0 && cap->regular)
					(void)!ftruncate(cap->fd, (off_t)cap->committed);
				break;
			}
			if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
				break;
		}
	}
	if (cap->flags >= 0)
		(void)fcntl(cap->fd, F_SETFL, cap->flags);
	close(cap->fd);
	free(cap->buf);
	free(cap);
}
