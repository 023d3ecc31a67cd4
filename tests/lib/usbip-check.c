// SPDX-License-Identifier: MIT
/*
 * The protocol checker of usbip-check.h. It parses both streams itself,
 * from the byte layout in Documentation/usb/usbip_protocol.rst, rather
 * than with src/usbip/usbip.c: a checker that shared the encoder's mistakes
 * would approve of them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/usbip-check.h"

struct check_urb {
	uint32_t seqnum;
	bool in;
	uint32_t ep;
	uint32_t length;
	int32_t npackets;
	bool unlinked; /* answered by RET_UNLINK(-ECONNRESET): must stay silent */
};

struct check_unlink {
	uint32_t seqnum;
	uint32_t target;
};

struct usbip_check {
	usbip_check_reply_cb cb;
	void *cb_data;
	bool failed;
	char err[256];

	/* host stream: a header being gathered, then bytes to pass over */
	uint8_t h_hdr[USBIP_HDR_SIZE];
	size_t h_have;
	uint64_t h_skip;

	/* device stream: a header, then payload into d_buf, then ISO descriptors */
	uint8_t d_hdr[USBIP_HDR_SIZE];
	size_t d_have;
	bool d_body; /* header done, reading what follows it */
	size_t d_need; /* payload bytes expected */
	size_t d_got;
	size_t d_iso; /* descriptor bytes still to pass over */
	uint8_t *d_buf;
	size_t d_cap;
	struct usbip_check_reply d_cur;
	bool d_after_out; /* the last reply answered an OUT URB */
	uint32_t d_out_seqnum;
	char hint[96];

	struct check_urb *urbs;
	size_t nurbs, urbs_cap;
	struct check_unlink *unlinks;
	size_t nunlinks, unlinks_cap;
	unsigned long replies;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

__attribute__((format(printf, 2, 3))) static int violation(struct usbip_check *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->failed) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
		c->failed = true;
	}
	return -EPROTO;
}

int usbip_check_new(usbip_check_reply_cb cb, void *data, struct usbip_check **ret)
{
	struct usbip_check *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->cb = cb;
	c->cb_data = data;
	*ret = c;
	return 0;
}

void usbip_check_free(struct usbip_check *c)
{
	if (!c)
		return;
	free(c->urbs);
	free(c->unlinks);
	free(c->d_buf);
	free(c);
}

const char *usbip_check_error(const struct usbip_check *c)
{
	return c->failed ? c->err : NULL;
}

unsigned int usbip_check_pending_urbs(const struct usbip_check *c)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < c->nurbs; i++)
		if (!c->urbs[i].unlinked)
			n++;
	return n;
}

unsigned int usbip_check_pending_unlinks(const struct usbip_check *c)
{
	return (unsigned int)c->nunlinks;
}

unsigned long usbip_check_replies(const struct usbip_check *c)
{
	return c->replies;
}

static struct check_urb *find_urb(struct usbip_check *c, uint32_t seqnum)
{
	size_t i;

	for (i = 0; i < c->nurbs; i++)
		if (c->urbs[i].seqnum == seqnum)
			return &c->urbs[i];
	return NULL;
}

static void drop_urb(struct usbip_check *c, struct check_urb *u)
{
	*u = c->urbs[--c->nurbs];
}

static struct check_unlink *find_unlink(struct usbip_check *c, uint32_t seqnum)
{
	size_t i;

	for (i = 0; i < c->nunlinks; i++)
		if (c->unlinks[i].seqnum == seqnum)
			return &c->unlinks[i];
	return NULL;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* A complete header from the host. */
static int host_header(struct usbip_check *c, const uint8_t *h)
{
	uint32_t command = be32(h), seqnum = be32(h + 4);
	uint32_t direction = be32(h + 12), ep = be32(h + 16);
	int32_t length = (int32_t)be32(h + 24), npackets = (int32_t)be32(h + 32);
	struct check_urb *u;

	if (command == USBIP_CMD_UNLINK) {
		if (find_unlink(c, seqnum))
			return violation(c, "host: CMD_UNLINK seqnum %u reused while outstanding", seqnum);
		if (grow((void **)&c->unlinks, &c->unlinks_cap, c->nunlinks, sizeof(*c->unlinks)))
			return violation(c, "checker: out of memory");
		c->unlinks[c->nunlinks].seqnum = seqnum;
		c->unlinks[c->nunlinks].target = be32(h + 20);
		c->nunlinks++;
		return 0;
	}
	if (command != USBIP_CMD_SUBMIT)
		return violation(c, "host: command %#x is not CMD_SUBMIT or CMD_UNLINK", command);
	if (direction > USBIP_DIR_IN || ep > 15 || length < 0 || npackets < -1 ||
	    npackets > USBIP_MAX_ISO_PACKETS)
		return violation(c, "host: bad CMD_SUBMIT seqnum %u (direction %u ep %u length %d packets %d)",
				 seqnum, direction, ep, length, npackets);
	u = find_urb(c, seqnum);
	if (u && !u->unlinked)
		return violation(c, "host: CMD_SUBMIT seqnum %u reused while outstanding", seqnum);
	if (u)
		drop_urb(c, u);
	if (grow((void **)&c->urbs, &c->urbs_cap, c->nurbs, sizeof(*c->urbs)))
		return violation(c, "checker: out of memory");
	u = &c->urbs[c->nurbs++];
	u->seqnum = seqnum;
	u->in = direction == USBIP_DIR_IN;
	u->ep = ep;
	u->length = (uint32_t)length;
	u->npackets = npackets;
	u->unlinked = false;
	c->h_skip = (u->in ? 0 : (uint64_t)length) +
		    (npackets > 0 ? (uint64_t)npackets * USBIP_ISO_DESC_SIZE : 0);
	return 0;
}

int usbip_check_host(struct usbip_check *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int r;

	if (c->failed)
		return -EPROTO;
	while (len) {
		size_t n;

		if (c->h_skip) {
			n = len < c->h_skip ? len : (size_t)c->h_skip;
			c->h_skip -= n;
			p += n;
			len -= n;
			continue;
		}
		n = USBIP_HDR_SIZE - c->h_have;
		if (n > len)
			n = len;
		memcpy(c->h_hdr + c->h_have, p, n);
		c->h_have += n;
		p += n;
		len -= n;
		if (c->h_have < USBIP_HDR_SIZE)
			break;
		c->h_have = 0;
		r = host_header(c, c->h_hdr);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Not usbip_command_name(): the VM tests build this without libvusb. */
static const char *reply_name(uint32_t command)
{
	return command == USBIP_RET_SUBMIT ? "RET_SUBMIT" : "RET_UNLINK";
}

/*
 * Payload after an OUT reply cannot be seen as such: it shows up as the
 * next header, garbled, or as a stream cut inside a header. Say so.
 */
static const char *out_hint(struct usbip_check *c)
{
	if (!c->d_after_out)
		return "";
	snprintf(c->hint, sizeof(c->hint),
		 ", after the OUT reply to seqnum %u: payload on an OUT reply?", c->d_out_seqnum);
	return c->hint;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* A complete reply header: check it, and learn how much follows. */
static int device_header(struct usbip_check *c, const uint8_t *h)
{
	struct usbip_check_reply *r = &c->d_cur;
	uint32_t command = be32(h), seqnum = be32(h + 4);
	struct check_urb *u;
	struct check_unlink *ul;
	int32_t status;

	memset(r, 0, sizeof(*r));
	c->d_need = 0;
	c->d_iso = 0;
	r->hdr.command = command;
	r->hdr.seqnum = seqnum;
	if (command != USBIP_RET_SUBMIT && command != USBIP_RET_UNLINK)
		return violation(c, "device: command %#x is not a reply (seqnum %#x)%s", command,
				 seqnum, out_hint(c));
	if (!all_zero(h + 8, 12))
		return violation(c, "device: %s seqnum %u: devid, direction, ep not zero",
				 reply_name(command), seqnum);

	if (command == USBIP_RET_UNLINK) {
		status = (int32_t)be32(h + 20);
		r->hdr.u.ret_unlink.status = status;
		if (!all_zero(h + 24, 24))
			return violation(c, "device: RET_UNLINK seqnum %u: bytes after status not zero",
					 seqnum);
		ul = find_unlink(c, seqnum);
		if (!ul)
			return violation(c, "device: RET_UNLINK seqnum %u answers no CMD_UNLINK", seqnum);
		r->unlink_target = ul->target;
		u = find_urb(c, ul->target);
		if (u && u->unlinked)
			u = NULL; /* a second CMD_UNLINK for it: nothing left to cancel */
		if (u && status != -ECONNRESET)
			return violation(c,
					 "device: RET_UNLINK seqnum %u status %d for URB %u that is still pending (want -ECONNRESET)",
					 seqnum, status, ul->target);
		if (!u && status != 0)
			return violation(c,
					 "device: RET_UNLINK seqnum %u status %d for URB %u already answered (want 0)",
					 seqnum, status, ul->target);
		if (u)
			u->unlinked = true;
		*ul = c->unlinks[--c->nunlinks];
		return 0;
	}

	status = (int32_t)be32(h + 20);
	r->hdr.u.ret_submit.status = status;
	r->hdr.u.ret_submit.actual_length = (int32_t)be32(h + 24);
	r->hdr.u.ret_submit.start_frame = (int32_t)be32(h + 28);
	r->hdr.u.ret_submit.number_of_packets = (int32_t)be32(h + 32);
	r->hdr.u.ret_submit.error_count = (int32_t)be32(h + 36);
	if (!all_zero(h + 40, 8))
		return violation(c, "device: RET_SUBMIT seqnum %u: padding not zero", seqnum);
	u = find_urb(c, seqnum);
	if (!u)
		return violation(c, "device: RET_SUBMIT for unknown seqnum %u (never submitted, or answered already)",
				 seqnum);
	if (u->unlinked)
		return violation(c, "device: RET_SUBMIT seqnum %u after RET_UNLINK cancelled it", seqnum);
	if (status > 0 || status <= -4096)
		return violation(c, "device: RET_SUBMIT seqnum %u status %d is not 0 or -errno", seqnum,
				 status);
	if (r->hdr.u.ret_submit.actual_length < 0 ||
	    (uint32_t)r->hdr.u.ret_submit.actual_length > u->length)
		return violation(c, "device: RET_SUBMIT seqnum %u actual_length %d, %s URB asked for %u",
				 seqnum, r->hdr.u.ret_submit.actual_length, u->in ? "IN" : "OUT",
				 u->length);
	if (u->npackets <= 0 && r->hdr.u.ret_submit.number_of_packets != 0)
		return violation(c, "device: RET_SUBMIT seqnum %u number_of_packets %d on a non-ISO URB",
				 seqnum, r->hdr.u.ret_submit.number_of_packets);
	if (u->npackets > 0 && r->hdr.u.ret_submit.number_of_packets != 0 &&
	    r->hdr.u.ret_submit.number_of_packets != u->npackets)
		return violation(c, "device: RET_SUBMIT seqnum %u number_of_packets %d, submitted %d",
				 seqnum, r->hdr.u.ret_submit.number_of_packets, u->npackets);

	r->in = u->in;
	r->ep = u->ep;
	r->length = u->length;
	/* The payload an OUT reply must not have cannot be seen here; it
	 * shows up as the next header, which then fails the checks above. */
	c->d_need = u->in ? (size_t)r->hdr.u.ret_submit.actual_length : 0;
	c->d_iso = r->hdr.u.ret_submit.number_of_packets > 0 ?
			   (size_t)r->hdr.u.ret_submit.number_of_packets * USBIP_ISO_DESC_SIZE :
			   0;
	drop_urb(c, u);
	if (c->d_need > c->d_cap) {
		uint8_t *b = realloc(c->d_buf, c->d_need);

		if (!b)
			return violation(c, "checker: out of memory");
		c->d_buf = b;
		c->d_cap = c->d_need;
	}
	return 0;
}

static void deliver(struct usbip_check *c)
{
	c->d_after_out = c->d_cur.hdr.command == USBIP_RET_SUBMIT && !c->d_cur.in;
	c->d_out_seqnum = c->d_cur.hdr.seqnum;
	c->d_cur.data = c->d_buf;
	c->d_cur.len = c->d_got;
	c->replies++;
	c->d_body = false;
	c->d_got = 0;
	if (c->cb)
		c->cb(&c->d_cur, c->cb_data);
}

int usbip_check_device(struct usbip_check *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int r;

	if (c->failed)
		return -EPROTO;
	while (len || (c->d_body && c->d_got == c->d_need && !c->d_iso)) {
		size_t n;

		if (c->d_body) {
			if (c->d_got < c->d_need) {
				n = c->d_need - c->d_got;
				if (n > len)
					n = len;
				memcpy(c->d_buf + c->d_got, p, n);
				c->d_got += n;
			} else if (c->d_iso) {
				n = len < c->d_iso ? len : c->d_iso;
				c->d_iso -= n;
			} else {
				deliver(c);
				continue;
			}
			p += n;
			len -= n;
			continue;
		}
		n = USBIP_HDR_SIZE - c->d_have;
		if (n > len)
			n = len;
		memcpy(c->d_hdr + c->d_have, p, n);
		c->d_have += n;
		p += n;
		len -= n;
		if (c->d_have < USBIP_HDR_SIZE)
			break;
		c->d_have = 0;
		r = device_header(c, c->d_hdr);
		if (r < 0)
			return r;
		c->d_body = true;
		c->d_got = 0;
	}
	return 0;
}

int usbip_check_end(struct usbip_check *c)
{
	if (c->failed)
		return -EPROTO;
	if (c->d_have || c->d_body)
		return violation(c, "device: stream ended inside a reply (%zu header bytes, %zu of %zu payload bytes)%s",
				 c->d_have, c->d_got, c->d_need, c->d_body ? "" : out_hint(c));
	return 0;
}
