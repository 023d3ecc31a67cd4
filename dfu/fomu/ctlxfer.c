// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "dfu/fomu/ctlxfer.h"

void ctlxfer_start(struct ctlxfer *x, const uint8_t setup[8], uint8_t *buf,
		   unsigned int maxpacket)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->setup, setup, 8);
	x->buf = buf;
	x->length = (uint16_t)(setup[6] | setup[7] << 8);
	x->in = setup[0] & 0x80;
	x->maxpacket = maxpacket ? maxpacket : 64;
	x->stage = CTLXFER_SETUP;
}

static void finish(struct ctlxfer *x, int status)
{
	x->ended_in = x->stage;
	x->stage = CTLXFER_DONE;
	x->status = status;
}

/* After the data stage (or none), the status stage goes the other way. */
static void to_status(struct ctlxfer *x)
{
	x->stage = x->in && x->length ? CTLXFER_STATUS_OUT : CTLXFER_STATUS_IN;
	x->data1 = true;
}

/* Handshakes that end or pause any stage. Returns true when the caller's
 * stage should stop here (NAK, STALL, no answer). */
static bool refused(struct ctlxfer *x, enum epfifo_hs hs)
{
	switch (hs) {
	case EPFIFO_HS_ACK:
		x->strikes = 0;
		return false;
	case EPFIFO_HS_NAK:
		x->strikes = 0;
		x->naks++;
		return true;
	case EPFIFO_HS_STALL:
		finish(x, -EPIPE);
		return true;
	default:
		if (++x->strikes >= CTLXFER_STRIKES)
			finish(x, -EPROTO);
		return true;
	}
}

static enum epfifo_hs fifo_setup(void *core, uint8_t addr, const uint8_t setup[8])
{
	return epfifo_setup(core, addr, setup);
}

static enum epfifo_hs fifo_out(void *core, uint8_t addr, unsigned int ep, const uint8_t *data,
			       size_t len)
{
	return epfifo_out(core, addr, ep, data, len);
}

static enum epfifo_hs fifo_in(void *core, uint8_t addr, unsigned int ep, uint8_t *data, size_t cap,
			      size_t *ret_len, bool *ret_data1)
{
	return epfifo_in(core, addr, ep, data, cap, ret_len, ret_data1);
}

const struct ctlxfer_dev_ops ctlxfer_epfifo = { fifo_setup, fifo_out, fifo_in };

static enum epfifo_hs tri_setup(void *core, uint8_t addr, const uint8_t setup[8])
{
	return eptri_setup(core, addr, setup);
}

static enum epfifo_hs tri_out(void *core, uint8_t addr, unsigned int ep, const uint8_t *data,
			      size_t len)
{
	return eptri_out(core, addr, ep, data, len);
}

static enum epfifo_hs tri_in(void *core, uint8_t addr, unsigned int ep, uint8_t *data, size_t cap,
			     size_t *ret_len, bool *ret_data1)
{
	return eptri_in(core, addr, ep, data, cap, ret_len, ret_data1);
}

const struct ctlxfer_dev_ops ctlxfer_eptri = { tri_setup, tri_out, tri_in };

enum ctlxfer_stage ctlxfer_step(struct ctlxfer *x, struct epfifo *u, uint8_t addr,
				unsigned int max_packets, bool *ret_progress)
{
	return ctlxfer_step_dev(x, &ctlxfer_epfifo, u, addr, max_packets, ret_progress);
}

enum ctlxfer_stage ctlxfer_step_dev(struct ctlxfer *x, const struct ctlxfer_dev_ops *ops, void *u,
				    uint8_t addr, unsigned int max_packets, bool *ret_progress)
{
	uint8_t pkt[EPFIFO_DEPTH];
	unsigned int packets = 0;
	enum epfifo_hs hs;
	bool progress = false;
	size_t n;
	bool d1;

	while (x->stage != CTLXFER_DONE) {
		if (max_packets && packets == max_packets)
			break;
		switch (x->stage) {
		case CTLXFER_SETUP:
			hs = ops->setup(u, addr, x->setup);
			if (refused(x, hs)) {
				/* a strike: try again at once, the host's way */
				if (hs == EPFIFO_HS_NO_ANSWER && x->stage != CTLXFER_DONE)
					continue;
				goto out;
			}
			progress = true;
			packets++;
			x->last_packet = 8;
			x->data1 = true;
			if (!x->length)
				to_status(x);
			else
				x->stage = x->in ? CTLXFER_DATA_IN : CTLXFER_DATA_OUT;
			break;
		case CTLXFER_DATA_IN:
			hs = ops->in(u, addr, 0, pkt, sizeof(pkt), &n, &d1);
			if (refused(x, hs)) {
				if (hs == EPFIFO_HS_NO_ANSWER && x->stage != CTLXFER_DONE)
					continue;
				goto out;
			}
			progress = true;
			packets++;
			x->last_packet = (unsigned int)n;
			if (d1 != x->data1) {
				/* a repeat of a packet we have: ACKed, dropped */
				x->toggle_errors++;
				break;
			}
			if (n > x->maxpacket || n > (size_t)(x->length - x->done)) {
				finish(x, -EOVERFLOW);
				goto out;
			}
			memcpy(x->buf + x->done, pkt, n);
			x->done = (uint16_t)(x->done + n);
			x->data1 = !x->data1;
			if (n < x->maxpacket || x->done == x->length)
				to_status(x);
			break;
		case CTLXFER_DATA_OUT:
			n = x->length - x->done;
			if (n > x->maxpacket)
				n = x->maxpacket;
			hs = ops->out(u, addr, 0, x->buf + x->done, n);
			if (refused(x, hs)) {
				if (hs == EPFIFO_HS_NO_ANSWER && x->stage != CTLXFER_DONE)
					continue;
				goto out;
			}
			progress = true;
			packets++;
			x->last_packet = (unsigned int)n;
			x->done = (uint16_t)(x->done + n);
			x->data1 = !x->data1;
			if (x->done == x->length)
				to_status(x);
			break;
		case CTLXFER_STATUS_IN:
			hs = ops->in(u, addr, 0, pkt, sizeof(pkt), &n, &d1);
			if (refused(x, hs)) {
				if (hs == EPFIFO_HS_NO_ANSWER && x->stage != CTLXFER_DONE)
					continue;
				goto out;
			}
			progress = true;
			packets++;
			x->last_packet = (unsigned int)n;
			if (!d1) {
				x->toggle_errors++;
				break;
			}
			finish(x, n ? -EOVERFLOW : 0);
			break;
		case CTLXFER_STATUS_OUT:
			hs = ops->out(u, addr, 0, NULL, 0);
			if (refused(x, hs)) {
				if (hs == EPFIFO_HS_NO_ANSWER && x->stage != CTLXFER_DONE)
					continue;
				goto out;
			}
			progress = true;
			packets++;
			x->last_packet = 0;
			finish(x, 0);
			break;
		case CTLXFER_DONE:
			break;
		}
	}
out:
	if (ret_progress)
		*ret_progress = progress;
	return x->stage;
}

const char *ctlxfer_stage_name(enum ctlxfer_stage s)
{
	switch (s) {
	case CTLXFER_SETUP:
		return "setup";
	case CTLXFER_DATA_IN:
		return "data in";
	case CTLXFER_DATA_OUT:
		return "data out";
	case CTLXFER_STATUS_IN:
		return "status in";
	case CTLXFER_STATUS_OUT:
		return "status out";
	default:
		return "done";
	}
}
