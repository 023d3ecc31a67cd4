// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "src/usb/usb.h"
#include "src/usbip/usbip.h"
#include "tests/lib/urbscript.h"

/* ---- running the loop ---- */

static void on_timeout(struct loop_timer *t, void *data)
{
	struct runner *r = data;

	loop_quit(r->loop, 0);
}

static void on_tick(struct loop_timer *t, void *data)
{
	struct runner *r = data;

	runner_check(r);
	loop_timer_arm(t, r->tick_ms);
}

void runner_init(struct runner *r, struct loop *loop, unsigned int tick_ms)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->tick_ms = tick_ms;
	assert_int_equal(loop_timer_add(loop, on_timeout, r, NULL, &r->timeout), 0);
	if (tick_ms)
		assert_int_equal(loop_timer_add(loop, on_tick, r, NULL, &r->tick), 0);
}

void runner_check(struct runner *r)
{
	if (r->until && r->until(r->data))
		loop_quit(r->loop, 0);
}

bool run_until(struct runner *r, bool (*until)(void *data), void *data, unsigned int ms)
{
	if (until(data))
		return true;
	r->until = until;
	r->data = data;
	if (r->tick)
		assert_int_equal(loop_timer_arm(r->tick, r->tick_ms), 0);
	assert_int_equal(loop_timer_arm(r->timeout, ms), 0);
	assert_int_equal(loop_run(r->loop), 0);
	assert_int_equal(loop_timer_arm(r->timeout, 0), 0);
	if (r->tick)
		assert_int_equal(loop_timer_arm(r->tick, 0), 0);
	r->until = NULL;
	return until(data);
}

static bool never(void *data)
{
	return false;
}

void run_for(struct runner *r, unsigned int ms)
{
	run_until(r, never, NULL, ms);
}

void runner_send(struct runner *r, int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			/* the reader has not read yet: let it */
			run_for(r, 1);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* ---- commands ---- */

/* As vhci numbers port 2 of its first bus; vusb does not look at it. */
#define DEVID 0x00010002
#define URB_DIR_IN 0x0200

uint8_t *cmd_grow(struct cmdbuf *b, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	b->len += n;
	return b->p + b->len - n;
}

void cmd_free(struct cmdbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Written out by hand from the protocol, not with src/usbip/usbip.c. */
void put_submit_iso(struct cmdbuf *b, uint32_t seq, bool in, uint32_t ep, uint32_t length,
		    const uint8_t setup[8], int32_t npackets)
{
	uint8_t *h = cmd_grow(b, USBIP_HDR_SIZE);

	memset(h, 0, USBIP_HDR_SIZE);
	put32(h, USBIP_CMD_SUBMIT);
	put32(h + 4, seq);
	put32(h + 8, DEVID);
	put32(h + 12, in ? USBIP_DIR_IN : USBIP_DIR_OUT);
	put32(h + 16, ep);
	put32(h + 20, in ? URB_DIR_IN : 0);
	put32(h + 24, length);
	put32(h + 32, (uint32_t)npackets);
	if (setup)
		memcpy(h + 40, setup, 8);
}

void put_submit(struct cmdbuf *b, uint32_t seq, bool in, uint32_t ep, uint32_t length,
		const uint8_t setup[8])
{
	put_submit_iso(b, seq, in, ep, length, setup, 0);
}

void put_unlink(struct cmdbuf *b, uint32_t seq, uint32_t target)
{
	uint8_t *h = cmd_grow(b, USBIP_HDR_SIZE);

	memset(h, 0, USBIP_HDR_SIZE);
	put32(h, USBIP_CMD_UNLINK);
	put32(h + 4, seq);
	put32(h + 8, DEVID);
	put32(h + 20, target);
}

void put_control(struct cmdbuf *b, uint32_t seq, uint8_t bm, uint8_t req, uint16_t value,
		 uint16_t index, uint16_t wlength, const void *data)
{
	const uint8_t setup[8] = {
		bm, req, U16_LE(value), U16_LE(index), U16_LE(wlength),
	};
	bool in = bm & USB_DIR_IN;

	put_submit(b, seq, in, 0, wlength, setup);
	if (!in && wlength)
		memcpy(cmd_grow(b, wlength), data, wlength);
}

/* ---- the replies ---- */

void reply_log_add(const struct usbip_check_reply *r, void *data)
{
	struct reply_log *l = data;
	struct reply *rep;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct reply *v = realloc(l->v, cap * sizeof(*v));

		assert_non_null(v);
		l->v = v;
		l->cap = cap;
	}
	rep = &l->v[l->n++];
	memset(rep, 0, sizeof(*rep));
	rep->command = r->hdr.command;
	rep->seqnum = r->hdr.seqnum;
	if (r->hdr.command == USBIP_RET_SUBMIT) {
		rep->status = r->hdr.u.ret_submit.status;
		rep->actual = (uint32_t)r->hdr.u.ret_submit.actual_length;
	} else {
		rep->status = r->hdr.u.ret_unlink.status;
		rep->unlink_target = r->unlink_target;
	}
	if (r->len) {
		rep->data = malloc(r->len);
		assert_non_null(rep->data);
		memcpy(rep->data, r->data, r->len);
		rep->len = r->len;
	}
}

void reply_log_clear(struct reply_log *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].data);
	l->n = 0;
}

void reply_log_free(struct reply_log *l)
{
	reply_log_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}
