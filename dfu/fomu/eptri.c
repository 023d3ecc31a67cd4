// SPDX-License-Identifier: MIT
#include <string.h>

#include "dfu/fomu/eptri.h"

static void fifo_init(struct eptri_fifo *f, uint8_t *bytes, unsigned int depth)
{
	f->bytes = bytes;
	f->depth = depth;
	f->head = 0;
	f->count = 0;
}

static void fifo_clear(struct eptri_fifo *f)
{
	f->head = 0;
	f->count = 0;
}

static void fifo_push(struct eptri *u, struct eptri_fifo *f, uint8_t b)
{
	if (f->count == f->depth) {
		u->lost++;
		return;
	}
	f->bytes[(f->head + f->count) % f->depth] = b;
	f->count++;
}

/* The head, and pop: what a read of *_data does. Empty reads 0. */
static uint8_t fifo_take(struct eptri_fifo *f)
{
	uint8_t b;

	if (!f->count)
		return 0;
	b = f->bytes[f->head];
	f->head = (f->head + 1) % f->depth;
	f->count--;
	return b;
}

/* in_next/out_next follow the done events: the one that came first wins
 * while both are pending. */
static void update(struct eptri *u)
{
	bool in = u->in_pending & EPTRI_EV_DONE, out = u->out_pending & EPTRI_EV_DONE, level;

	if (in && !out) {
		u->in_next = true;
		u->out_next = false;
	} else if (!in && out) {
		u->in_next = false;
		u->out_next = true;
	} else if (!in && !out) {
		u->in_next = false;
		u->out_next = false;
	}
	level = (u->setup_pending & u->setup_enable) || (u->in_pending & u->in_enable) ||
		(u->out_pending & u->out_enable);
	if (level == u->irq)
		return;
	u->irq = level;
	if (u->ops && u->ops->irq)
		u->ops->irq(u->ctx, level);
}

static void in_reset(struct eptri *u)
{
	fifo_clear(&u->in);
	u->in_queued = false;
	u->in_stall = 0;
	u->in_dtb = 0x0001;
}

static void out_reset(struct eptri *u)
{
	fifo_clear(&u->out);
	u->out_enabled = 0;
	u->out_stall = 0;
}

void eptri_init(struct eptri *u, const struct eptri_ops *ops, void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->ops = ops;
	u->ctx = ctx;
	fifo_init(&u->setup, u->setup_fifo, EPTRI_SETUP_DEPTH);
	fifo_init(&u->in, u->in_fifo, EPTRI_IN_DEPTH);
	fifo_init(&u->out, u->out_fifo, EPTRI_OUT_DEPTH);
	in_reset(u);
	out_reset(u);
}

static uint8_t next_ev(const struct eptri *u)
{
	if (u->setup_pending & EPTRI_EV_RESET)
		return EPTRI_NEXT_RESET;
	if (u->in_next)
		return EPTRI_NEXT_IN;
	if (u->out_next)
		return EPTRI_NEXT_OUT;
	if (u->setup_pending & EPTRI_EV_READY)
		return EPTRI_NEXT_SETUP;
	return 0;
}

uint32_t eptri_read(struct eptri *u, uint32_t off)
{
	uint8_t v;

	switch (off) {
	case EPTRI_PULLUP:
		return u->pullup;
	case EPTRI_ADDRESS:
		return u->address;
	case EPTRI_NEXT_EV:
		return next_ev(u);
	case EPTRI_SETUP_DATA:
		return fifo_take(&u->setup);
	case EPTRI_SETUP_STATUS:
		v = u->setup_epno & EPTRI_EPNO;
		v |= u->setup.count ? EPTRI_HAVE : 0;
		v |= u->setup_pending & EPTRI_EV_READY ? EPTRI_PEND : 0;
		v |= u->setup_is_in ? EPTRI_SETUP_IS_IN : 0;
		v |= u->setup_has_data ? EPTRI_SETUP_HAS_DATA : 0;
		return v;
	case EPTRI_SETUP_EV_PENDING:
		return u->setup_pending;
	case EPTRI_SETUP_EV_ENABLE:
		return u->setup_enable;
	case EPTRI_IN_CTRL:
		return u->in_epno;
	case EPTRI_IN_STATUS:
		v = u->in_queued ? 0 : EPTRI_IN_IDLE;
		v |= u->in.count ? EPTRI_HAVE : 0;
		v |= u->in_pending & EPTRI_EV_DONE ? EPTRI_PEND : 0;
		return v;
	case EPTRI_IN_EV_PENDING:
		return u->in_pending;
	case EPTRI_IN_EV_ENABLE:
		return u->in_enable;
	case EPTRI_OUT_DATA:
		return fifo_take(&u->out);
	case EPTRI_OUT_CTRL:
		return u->out_ctrl_epno;
	case EPTRI_OUT_STATUS:
		v = u->out_epno & EPTRI_EPNO;
		v |= u->out.count ? EPTRI_HAVE : 0;
		v |= u->out_pending & EPTRI_EV_DONE ? EPTRI_PEND : 0;
		return v;
	case EPTRI_OUT_EV_PENDING:
		return u->out_pending;
	case EPTRI_OUT_EV_ENABLE:
		return u->out_enable;
	default:
		/* the ev_status registers: pulse sources, high only while they fire */
		return 0;
	}
}

static void in_ctrl(struct eptri *u, uint8_t v)
{
	uint16_t mask;

	u->in_epno = v & EPTRI_EPNO;
	mask = (uint16_t)(1u << u->in_epno);
	if (v & EPTRI_CTRL_RESET) {
		in_reset(u);
		return;
	}
	if (v & EPTRI_CTRL_STALL) {
		u->in_stall |= mask;
		return;
	}
	u->in_stall &= (uint16_t)~mask;
	u->in_queued = true;
}

static void out_ctrl(struct eptri *u, uint8_t v)
{
	uint16_t mask;

	u->out_ctrl_epno = v & (EPTRI_EPNO | EPTRI_OUT_ENABLE | EPTRI_CTRL_STALL);
	mask = (uint16_t)(1u << (v & EPTRI_EPNO));
	if (v & EPTRI_CTRL_RESET) {
		out_reset(u);
		return;
	}
	if (v & EPTRI_CTRL_STALL)
		u->out_stall |= mask;
	else
		u->out_stall &= (uint16_t)~mask;
	if (v & EPTRI_OUT_ENABLE)
		u->out_enabled |= mask;
	else
		u->out_enabled &= (uint16_t)~mask;
}

void eptri_write(struct eptri *u, uint32_t off, uint32_t val)
{
	uint8_t b = (uint8_t)val;

	switch (off) {
	case EPTRI_PULLUP:
		u->pullup = b & 1;
		break;
	case EPTRI_ADDRESS:
		u->address = b & 0x7f;
		break;
	case EPTRI_SETUP_CTRL:
		if (b & EPTRI_CTRL_RESET)
			fifo_clear(&u->setup);
		break;
	case EPTRI_SETUP_EV_PENDING:
		u->setup_pending &= (uint8_t)~b;
		break;
	case EPTRI_SETUP_EV_ENABLE:
		u->setup_enable = b & (EPTRI_EV_READY | EPTRI_EV_RESET);
		break;
	case EPTRI_IN_DATA:
		fifo_push(u, &u->in, b);
		break;
	case EPTRI_IN_CTRL:
		in_ctrl(u, b);
		break;
	case EPTRI_IN_EV_PENDING:
		u->in_pending &= (uint8_t)~b;
		break;
	case EPTRI_IN_EV_ENABLE:
		u->in_enable = b & EPTRI_EV_DONE;
		break;
	case EPTRI_OUT_CTRL:
		out_ctrl(u, b);
		break;
	case EPTRI_OUT_EV_PENDING:
		u->out_pending &= (uint8_t)~b;
		break;
	case EPTRI_OUT_EV_ENABLE:
		u->out_enable = b & EPTRI_EV_DONE;
		break;
	default:
		break;
	}
	update(u);
}

void eptri_bus_reset(struct eptri *u)
{
	u->address = 0;
	u->out_stall = 0;
	u->setup_pending |= EPTRI_EV_RESET;
	update(u);
}

static bool answers(const struct eptri *u, uint8_t addr)
{
	return u->pullup && addr == u->address;
}

enum epfifo_hs eptri_setup(struct eptri *u, uint8_t addr, const uint8_t setup[8])
{
	uint16_t crc = epfifo_crc16(setup, 8);
	uint16_t mask = 1; /* control transfers go to endpoint 0 here */
	unsigned int i;

	if (!answers(u, addr))
		return EPFIFO_HS_NO_ANSWER;
	fifo_clear(&u->setup);
	for (i = 0; i < 8; i++)
		fifo_push(u, &u->setup, setup[i]);
	fifo_push(u, &u->setup, (uint8_t)crc);
	fifo_push(u, &u->setup, (uint8_t)(crc >> 8));
	u->setup_epno = 0;
	u->setup_is_in = setup[0] & 0x80;
	u->setup_has_data = setup[6] || setup[7];
	u->in_dtb |= mask;
	u->in_stall &= (uint16_t)~mask;
	u->out_stall &= (uint16_t)~mask;
	u->setup_pending |= EPTRI_EV_READY;
	u->setups++;
	update(u);
	return EPFIFO_HS_ACK;
}

enum epfifo_hs eptri_out(struct eptri *u, uint8_t addr, unsigned int ep, const uint8_t *data,
			 size_t len)
{
	uint16_t mask, crc;
	size_t i;

	if (!answers(u, addr))
		return EPFIFO_HS_NO_ANSWER;
	if (ep > 15)
		return EPFIFO_HS_NAK;
	mask = (uint16_t)(1u << ep);
	if (u->out_stall & mask)
		return EPFIFO_HS_STALL;
	if (!(u->out_enabled & mask) || (u->out_pending & EPTRI_EV_DONE))
		return EPFIFO_HS_NAK;
	crc = epfifo_crc16(data, len);
	for (i = 0; i < len; i++)
		fifo_push(u, &u->out, data[i]);
	fifo_push(u, &u->out, (uint8_t)crc);
	fifo_push(u, &u->out, (uint8_t)(crc >> 8));
	u->out_epno = (uint8_t)ep;
	u->out_enabled &= (uint16_t)~mask;
	u->out_pending |= EPTRI_EV_DONE;
	u->packets++;
	update(u);
	return EPFIFO_HS_ACK;
}

enum epfifo_hs eptri_in(struct eptri *u, uint8_t addr, unsigned int ep, uint8_t *data, size_t cap,
			size_t *ret_len, bool *ret_data1)
{
	uint16_t mask;
	size_t n = 0;

	if (!answers(u, addr))
		return EPFIFO_HS_NO_ANSWER;
	if (ep > 15)
		return EPFIFO_HS_NAK;
	mask = (uint16_t)(1u << ep);
	if (u->in_stall & mask)
		return EPFIFO_HS_STALL;
	if (!u->in_queued || u->in_epno != ep)
		return EPFIFO_HS_NAK;
	*ret_data1 = u->in_dtb & mask;
	while (u->in.count) {
		uint8_t b = fifo_take(&u->in);

		if (n < cap)
			data[n] = b;
		n++;
	}
	*ret_len = n;
	u->in_queued = false;
	u->in_dtb ^= mask;
	u->in_pending |= EPTRI_EV_DONE;
	u->packets++;
	update(u);
	return EPFIFO_HS_ACK;
}
