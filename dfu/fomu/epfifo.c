// SPDX-License-Identifier: MIT
#include <string.h>

#include "dfu/fomu/epfifo.h"

enum { EP0_OUT, EP0_IN, EP1_IN, EP2_OUT, EP2_IN };

static void update_irq(struct epfifo *u)
{
	bool level = false;
	unsigned int i;

	for (i = 0; i < EPFIFO_NEP; i++)
		if (u->ep[i].pending & u->ep[i].enable)
			level = true;
	if (level == u->irq)
		return;
	u->irq = level;
	if (u->ops && u->ops->irq)
		u->ops->irq(u->ctx, level);
}

static void fifo_clear(struct epfifo_ep *e)
{
	e->head = 0;
	e->count = 0;
}

static bool fifo_push(struct epfifo *u, struct epfifo_ep *e, uint8_t b)
{
	if (e->count == EPFIFO_DEPTH) {
		u->lost++;
		return false;
	}
	e->fifo[(e->head + e->count) % EPFIFO_DEPTH] = b;
	e->count++;
	return true;
}

static void fifo_pop(struct epfifo_ep *e)
{
	if (!e->count)
		return;
	e->head = (e->head + 1) % EPFIFO_DEPTH;
	e->count--;
}

/* With the pull-up off, the gateware triggers every packet event and
 * drains every FIFO, each cycle. */
static void detached(struct epfifo *u)
{
	unsigned int i;

	for (i = 0; i < EPFIFO_NEP; i++) {
		u->ep[i].pending |= EPFIFO_EV_PACKET;
		fifo_clear(&u->ep[i]);
	}
}

void epfifo_init(struct epfifo *u, const struct epfifo_ops *ops, void *ctx)
{
	unsigned int i;

	memset(u, 0, sizeof(*u));
	u->ops = ops;
	u->ctx = ctx;
	for (i = 0; i < EPFIFO_NEP; i++) {
		u->ep[i].in = i == EP0_IN || i == EP1_IN || i == EP2_IN;
		u->ep[i].respond = EPFIFO_ACK; /* CSRStorage's reset value: 0 */
	}
	detached(u);
}

/* Endpoint index and register within it for a CSR offset; -1: none. */
static int ep_reg(uint32_t off, uint32_t *ret_reg)
{
	uint32_t rel;

	if (off < EPFIFO_EP0_OUT || off >= EPFIFO_ADDRESS)
		return -1;
	rel = off - EPFIFO_EP0_OUT;
	*ret_reg = rel % 0x20;
	return (int)(rel / 0x20);
}

uint32_t epfifo_read(struct epfifo *u, uint32_t off)
{
	struct epfifo_ep *e;
	uint32_t reg;
	int i;

	if (off % 4)
		return 0;
	if (off == EPFIFO_PULLUP)
		return u->pullup;
	if (off == EPFIFO_ADDRESS)
		return u->address;
	i = ep_reg(off, &reg);
	if (i < 0)
		return 0;
	e = &u->ep[i];
	switch (reg) {
	case EPFIFO_EV_STATUS:
		return 0; /* a pulse source: high only while it fires */
	case EPFIFO_EV_PENDING:
		return e->pending;
	case EPFIFO_EV_ENABLE:
		return e->enable;
	case EPFIFO_LAST_TOK:
		return e->last_tok;
	case EPFIFO_RESPOND:
		return e->respond;
	case EPFIFO_DTB:
		return e->dtb;
	case EPFIFO_HEAD:
		return !e->in && e->count ? e->fifo[e->head] : 0;
	case EPFIFO_EMPTY:
		return e->count == 0;
	default:
		return 0;
	}
}

void epfifo_write(struct epfifo *u, uint32_t off, uint32_t val)
{
	struct epfifo_ep *e;
	uint8_t b = (uint8_t)val;
	uint32_t reg;
	int i;

	if (off % 4)
		return;
	if (off == EPFIFO_PULLUP) {
		u->pullup = b & 1;
		if (!u->pullup)
			detached(u);
		update_irq(u);
		return;
	}
	if (off == EPFIFO_ADDRESS) {
		u->address = b & 0x7f;
		return;
	}
	i = ep_reg(off, &reg);
	if (i < 0)
		return;
	e = &u->ep[i];
	switch (reg) {
	case EPFIFO_EV_PENDING:
		e->pending &= (uint8_t)~b;
		if (!u->pullup)
			detached(u);
		break;
	case EPFIFO_EV_ENABLE:
		e->enable = b & (EPFIFO_EV_ERROR | EPFIFO_EV_PACKET);
		break;
	case EPFIFO_RESPOND:
		e->respond = b & 3;
		break;
	case EPFIFO_DTB:
		e->dtb = b & 1;
		break;
	case EPFIFO_HEAD:
		if (e->in) {
			if (u->pullup)
				fifo_push(u, e, b);
		} else {
			fifo_pop(e);
		}
		break;
	default:
		break;
	}
	update_irq(u);
}

/* What the endpoint answers now: respond, NAK while its event is pending. */
static uint8_t response(const struct epfifo_ep *e)
{
	return e->pending & EPFIFO_EV_PACKET ? e->respond | EPFIFO_NAK : e->respond;
}

/* A transaction completed: the packet event, the toggle, the token. */
static void commit(struct epfifo *u, struct epfifo_ep *e, uint8_t tok)
{
	e->pending |= EPFIFO_EV_PACKET;
	e->dtb ^= 1;
	e->last_tok = tok;
	update_irq(u);
}

static bool answers(const struct epfifo *u, uint8_t addr)
{
	return u->pullup && addr == u->address;
}

static void put_with_crc(struct epfifo *u, struct epfifo_ep *e, const uint8_t *data, size_t len)
{
	uint16_t crc = epfifo_crc16(data, len);
	size_t i;

	for (i = 0; i < len; i++)
		fifo_push(u, e, data[i]);
	fifo_push(u, e, (uint8_t)crc);
	fifo_push(u, e, (uint8_t)(crc >> 8));
}

enum epfifo_hs epfifo_setup(struct epfifo *u, uint8_t addr, const uint8_t setup[8])
{
	struct epfifo_ep *out = &u->ep[EP0_OUT], *in = &u->ep[EP0_IN];

	if (!answers(u, addr))
		return EPFIFO_HS_NO_ANSWER;
	fifo_clear(out);
	put_with_crc(u, out, setup, 8);
	out->respond = EPFIFO_NAK;
	in->respond = EPFIFO_NAK;
	in->dtb = 1;
	/* the reset and the commit's flip land in the same cycle: the
	 * reset wins, 1 (written as 0 then flipped by commit()) */
	out->dtb = 0;
	commit(u, out, EPFIFO_TOK_SETUP);
	u->setups++;
	return EPFIFO_HS_ACK;
}

static struct epfifo_ep *endpoint(struct epfifo *u, unsigned int ep, bool in)
{
	switch (ep) {
	case 0:
		return &u->ep[in ? EP0_IN : EP0_OUT];
	case 1:
		return in ? &u->ep[EP1_IN] : NULL;
	case 2:
		return &u->ep[in ? EP2_IN : EP2_OUT];
	default:
		return NULL;
	}
}

/* A handshake for what response() says, when it is not ACK. */
static enum epfifo_hs refusal(uint8_t r)
{
	/* "no response" (2) is not a handshake the core sends: it NAKs */
	return r == EPFIFO_STALL ? EPFIFO_HS_STALL : EPFIFO_HS_NAK;
}

enum epfifo_hs epfifo_out(struct epfifo *u, uint8_t addr, unsigned int ep, const uint8_t *data,
			  size_t len)
{
	struct epfifo_ep *e;
	uint8_t r;

	if (!answers(u, addr))
		return EPFIFO_HS_NO_ANSWER;
	e = endpoint(u, ep, false);
	if (!e)
		return EPFIFO_HS_NAK; /* the gateware's EndpointNone: NAK */
	r = response(e);
	if (r != EPFIFO_ACK)
		return refusal(r);
	put_with_crc(u, e, data, len);
	u->packets++;
	commit(u, e, EPFIFO_TOK_OUT);
	return EPFIFO_HS_ACK;
}

enum epfifo_hs epfifo_in(struct epfifo *u, uint8_t addr, unsigned int ep, uint8_t *data,
			 size_t cap, size_t *ret_len, bool *ret_data1)
{
	struct epfifo_ep *e;
	size_t n = 0;
	uint8_t r;

	if (!answers(u, addr))
		return EPFIFO_HS_NO_ANSWER;
	e = endpoint(u, ep, true);
	if (!e)
		return EPFIFO_HS_NAK;
	r = response(e);
	if (r != EPFIFO_ACK)
		return refusal(r);
	*ret_data1 = e->dtb;
	while (e->count) {
		if (n < cap)
			data[n] = e->fifo[e->head];
		n++;
		fifo_pop(e);
	}
	*ret_len = n;
	u->packets++;
	commit(u, e, EPFIFO_TOK_IN);
	return EPFIFO_HS_ACK;
}

uint16_t epfifo_crc16(const uint8_t *data, size_t len)
{
	uint16_t crc = 0xffff;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= data[i];
		for (b = 0; b < 8; b++)
			crc = crc & 1 ? (uint16_t)((crc >> 1) ^ 0xa001) : (uint16_t)(crc >> 1);
	}
	return (uint16_t)~crc;
}
