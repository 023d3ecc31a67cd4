// SPDX-License-Identifier: MIT
/*
 * ValentyUSB's epfifo interface and the host's side of a control
 * transfer against it. The test plays the firmware, register by
 * register, the way foboot's usb-epfifo.c does, between the host's
 * steps: SETUP, IN data in one and in several packets, OUT data, the
 * status stages, STALL in the data and the status stage, NAK while an
 * event is pending, the address filter, babble, a wrong data toggle,
 * the pull-up, FIFO overflow, and the CRC16 the FIFO carries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/fomu/ctlxfer.h"
#include "dfu/fomu/epfifo.h"

#define O(ep, reg) ((ep) + EPFIFO_##reg)

struct t {
	struct epfifo u;
	bool irq;
	unsigned int irq_changes;
};

static void irq(void *ctx, bool level)
{
	struct t *t = ctx;

	t->irq = level;
	t->irq_changes++;
}

static const struct epfifo_ops ops = { .irq = irq };

/* What foboot's usb_connect() does. */
static void connect(struct t *t)
{
	epfifo_write(&t->u, EPFIFO_ADDRESS, 0);
	epfifo_write(&t->u, O(EPFIFO_EP0_OUT, EV_PENDING), 3);
	epfifo_write(&t->u, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	epfifo_write(&t->u, O(EPFIFO_EP0_OUT, EV_ENABLE), EPFIFO_EV_PACKET | EPFIFO_EV_ERROR);
	epfifo_write(&t->u, O(EPFIFO_EP0_IN, EV_ENABLE), EPFIFO_EV_PACKET | EPFIFO_EV_ERROR);
	epfifo_write(&t->u, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	epfifo_write(&t->u, O(EPFIFO_EP0_IN, RESPOND), EPFIFO_NAK);
	epfifo_write(&t->u, EPFIFO_PULLUP, 1);
	/* pending bits from the time it was off are still set: clear them */
	epfifo_write(&t->u, O(EPFIFO_EP0_OUT, EV_PENDING), 3);
	epfifo_write(&t->u, O(EPFIFO_EP0_IN, EV_PENDING), 3);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	epfifo_init(&t->u, &ops, t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint32_t rd(struct t *t, uint32_t off)
{
	return epfifo_read(&t->u, off);
}

static void wr(struct t *t, uint32_t off, uint32_t v)
{
	epfifo_write(&t->u, off, v);
}

/* The firmware's ISR for ep0 OUT: drain the FIFO, clear the event.
 * Returns the byte count (CRC included); bytes to buf. */
static unsigned int fw_read_out(struct t *t, uint8_t *buf, uint8_t *ret_tok)
{
	unsigned int n = 0;

	assert_true(rd(t, O(EPFIFO_EP0_OUT, EV_PENDING)) & EPFIFO_EV_PACKET);
	*ret_tok = (uint8_t)rd(t, O(EPFIFO_EP0_OUT, LAST_TOK));
	while (!rd(t, O(EPFIFO_EP0_OUT, EMPTY))) {
		buf[n++] = (uint8_t)rd(t, O(EPFIFO_EP0_OUT, HEAD));
		wr(t, O(EPFIFO_EP0_OUT, HEAD), 0);
	}
	wr(t, O(EPFIFO_EP0_OUT, EV_PENDING), EPFIFO_EV_PACKET);
	return n;
}

static void fw_send(struct t *t, const uint8_t *data, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		wr(t, O(EPFIFO_EP0_IN, HEAD), data[i]);
	wr(t, O(EPFIFO_EP0_IN, RESPOND), EPFIFO_ACK);
}

static void setup_packet(uint8_t *s, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
			 uint16_t length)
{
	s[0] = type;
	s[1] = req;
	s[2] = (uint8_t)value;
	s[3] = (uint8_t)(value >> 8);
	s[4] = (uint8_t)index;
	s[5] = (uint8_t)(index >> 8);
	s[6] = (uint8_t)length;
	s[7] = (uint8_t)(length >> 8);
}

static void test_crc16(void **state)
{
	/* CRC-16/USB's check value, and the empty packet's */
	assert_int_equal(epfifo_crc16((const uint8_t *)"123456789", 9), 0xb4c8);
	assert_int_equal(epfifo_crc16(NULL, 0), 0x0000);
}

static void test_pullup(void **state)
{
	struct t *t = *state;
	uint8_t s[8] = { 0 }, buf[8];
	size_t n;
	bool d1;

	/* power-on: off the bus, every packet event held, nothing answers */
	assert_int_equal(rd(t, EPFIFO_PULLUP), 0);
	assert_int_equal(rd(t, O(EPFIFO_EP0_OUT, EV_PENDING)), EPFIFO_EV_PACKET);
	assert_int_equal(rd(t, O(EPFIFO_EP2_IN, EV_PENDING)), EPFIFO_EV_PACKET);
	wr(t, O(EPFIFO_EP0_OUT, EV_PENDING), 3);
	assert_int_equal(rd(t, O(EPFIFO_EP0_OUT, EV_PENDING)), EPFIFO_EV_PACKET);
	wr(t, O(EPFIFO_EP0_IN, HEAD), 0x42); /* drained */
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, EMPTY)), 1);
	assert_int_equal(epfifo_setup(&t->u, 0, s), EPFIFO_HS_NO_ANSWER);
	assert_int_equal(epfifo_in(&t->u, 0, 0, buf, 8, &n, &d1), EPFIFO_HS_NO_ANSWER);
	/* no interrupt until enabled */
	assert_false(t->irq);
	wr(t, O(EPFIFO_EP0_OUT, EV_ENABLE), EPFIFO_EV_PACKET);
	assert_true(t->irq);
	connect(t);
	assert_false(t->irq);
	assert_int_equal(rd(t, O(EPFIFO_EP0_OUT, EV_PENDING)), 0);
	/* the address filter: only tokens for our address are answered */
	wr(t, EPFIFO_ADDRESS, 0x85);
	assert_int_equal(rd(t, EPFIFO_ADDRESS), 5);
	assert_int_equal(epfifo_setup(&t->u, 0, s), EPFIFO_HS_NO_ANSWER);
	assert_int_equal(epfifo_setup(&t->u, 5, s), EPFIFO_HS_ACK);
	/* pulling the pull-up drains and holds again */
	wr(t, EPFIFO_PULLUP, 0);
	assert_int_equal(rd(t, O(EPFIFO_EP0_OUT, EMPTY)), 1);
	assert_int_equal(epfifo_setup(&t->u, 5, s), EPFIFO_HS_NO_ANSWER);
	/* bytes 1..3 of a word read 0 */
	assert_int_equal(rd(t, EPFIFO_ADDRESS + 1), 0);
}

/* GET_DESCRIPTOR(device), 18 bytes in one packet, then the status OUT. */
static void test_control_in(void **state)
{
	struct t *t = *state;
	uint8_t s[8], buf[64], got[64], desc[18];
	struct ctlxfer x;
	bool progress;
	uint8_t tok;
	unsigned int i;

	for (i = 0; i < sizeof(desc); i++)
		desc[i] = (uint8_t)(0x10 + i);
	connect(t);
	setup_packet(s, 0x80, 6, 0x0100, 0, 64);
	ctlxfer_start(&x, s, buf, 64);
	/* SETUP is taken; the IN that follows is NAKed: nothing queued */
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, &progress), CTLXFER_DATA_IN);
	assert_true(progress);
	assert_int_equal(x.naks, 1);
	assert_true(t->irq);
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, RESPOND)), EPFIFO_NAK);
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, DTB)), 1);
	assert_int_equal(rd(t, O(EPFIFO_EP0_OUT, DTB)), 1);
	/* the firmware reads 8 bytes and the CRC16 */
	assert_int_equal(fw_read_out(t, got, &tok), 10);
	assert_int_equal(tok, EPFIFO_TOK_SETUP);
	assert_memory_equal(got, s, 8);
	assert_int_equal(got[8] | got[9] << 8, epfifo_crc16(s, 8));
	assert_false(t->irq);
	/* stepping again changes nothing: still NAK */
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, &progress), CTLXFER_DATA_IN);
	assert_false(progress);
	/* it answers: the descriptor, and ACK for the status stage */
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	fw_send(t, desc, sizeof(desc));
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, EMPTY)), 0);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, &progress), CTLXFER_DONE);
	assert_int_equal(x.status, 0);
	assert_int_equal(x.done, sizeof(desc));
	assert_memory_equal(buf, desc, sizeof(desc));
	/* both events: the IN packet went, the status OUT came (2 CRC bytes) */
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, EV_PENDING)), EPFIFO_EV_PACKET);
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, LAST_TOK)), EPFIFO_TOK_IN);
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, DTB)), 0);
	assert_int_equal(fw_read_out(t, got, &tok), 2);
	assert_int_equal(tok, EPFIFO_TOK_OUT);
	assert_int_equal(got[0] | got[1], 0);
	assert_true(t->irq);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), EPFIFO_EV_PACKET);
	assert_false(t->irq);
}

/* 100 bytes: 64, then 36 once the firmware refills after the event. */
static void test_control_in_packets(void **state)
{
	struct t *t = *state;
	uint8_t s[8], buf[128], data[100], got[16], tok;
	struct ctlxfer x;
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	connect(t);
	setup_packet(s, 0xc0, 1, 0, 0, 100);
	ctlxfer_start(&x, s, buf, 64);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DATA_IN);
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	fw_send(t, data, 64);
	/* the first packet goes; the next IN is NAKed while its event is
	 * pending, although respond still says ACK */
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DATA_IN);
	assert_int_equal(x.done, 64);
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, RESPOND)), EPFIFO_ACK);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), EPFIFO_EV_PACKET);
	/* an empty FIFO with ACK is a zero-length packet: not yet */
	wr(t, O(EPFIFO_EP0_IN, RESPOND), EPFIFO_NAK);
	fw_send(t, data + 64, 36);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, 0);
	assert_int_equal(x.done, 100);
	assert_memory_equal(buf, data, 100);
	assert_int_equal(x.toggle_errors, 0);

	/* exactly wLength in full packets ends without a short one */
	setup_packet(s, 0xc0, 1, 0, 0, 64);
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	fw_send(t, data, 64);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.done, 64);
	/* a short answer (the device has less than wLength) */
	setup_packet(s, 0x80, 6, 0x0200, 0, 255);
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	fw_send(t, data, 9);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.done, 9);
}

/* A vendor OUT request with 100 bytes of data: the DFU download shape. */
static void test_control_out(void **state)
{
	struct t *t = *state;
	uint8_t s[8], data[100], got[80], tok;
	struct ctlxfer x;
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xa0 ^ i);
	connect(t);
	setup_packet(s, 0x21, 1, 3, 0, 100);
	ctlxfer_start(&x, s, data, 64);
	/* the OUT after SETUP waits for the SETUP's event to be handled */
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DATA_OUT);
	assert_int_equal(fw_read_out(t, got, &tok), 10);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DATA_OUT);
	assert_int_equal(x.done, 0); /* respond is NAK since the SETUP */
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DATA_OUT);
	assert_int_equal(x.done, 64);
	assert_int_equal(fw_read_out(t, got, &tok), 66);
	assert_int_equal(tok, EPFIFO_TOK_OUT);
	assert_memory_equal(got, data, 64);
	assert_int_equal(got[64] | got[65] << 8, epfifo_crc16(data, 64));
	/* the last 36; then the status IN waits for the firmware's ACK */
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_STATUS_IN);
	assert_int_equal(fw_read_out(t, got, &tok), 38);
	assert_memory_equal(got, data + 64, 36);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_STATUS_IN);
	wr(t, O(EPFIFO_EP0_IN, RESPOND), EPFIFO_ACK);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, 0);
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, LAST_TOK)), EPFIFO_TOK_IN);
}

static void test_stall(void **state)
{
	struct t *t = *state;
	uint8_t s[8], buf[64], got[16], tok;
	struct ctlxfer x;

	connect(t);
	/* in the data stage: foboot's usb_err() stalls both directions */
	setup_packet(s, 0x80, 6, 0x0600, 0, 10); /* device qualifier */
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_STALL);
	wr(t, O(EPFIFO_EP0_IN, RESPOND), EPFIFO_STALL);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, -EPIPE);
	/* a STALL holds even while an event is pending */
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, RESPOND)), EPFIFO_STALL);
	/* the next SETUP clears it */
	setup_packet(s, 0x00, 9, 1, 0, 0);
	ctlxfer_start(&x, s, buf, 64);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_STATUS_IN);
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, RESPOND)), EPFIFO_NAK);
	assert_int_equal(rd(t, O(EPFIFO_EP0_OUT, RESPOND)), EPFIFO_NAK);
	/* in the status stage of a no-data request */
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_IN, RESPOND), EPFIFO_STALL);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, -EPIPE);
	/* in the status stage of a read (the OUT ZLP) */
	setup_packet(s, 0x80, 0, 0, 0, 2);
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	fw_read_out(t, got, &tok);
	fw_send(t, (const uint8_t *)"\x01\x00", 2);
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_STALL);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, -EPIPE);
	assert_int_equal(x.done, 2);
}

static void test_errors(void **state)
{
	struct t *t = *state;
	uint8_t s[8], buf[128], data[80] = { 0 }, got[16], tok;
	struct ctlxfer x;
	unsigned int i;

	connect(t);
	/* the wrong address: three strikes */
	setup_packet(s, 0x80, 6, 0x0100, 0, 18);
	ctlxfer_start(&x, s, buf, 64);
	assert_int_equal(ctlxfer_step(&x, &t->u, 7, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, -EPROTO);
	assert_int_equal(x.ended_in, CTLXFER_SETUP);
	assert_int_equal(t->u.setups, 0);
	/* babble: more than wMaxPacketSize0 in one packet */
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	fw_read_out(t, got, &tok);
	fw_send(t, data, 70);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, -EOVERFLOW);
	/* ... or more than wLength */
	ctlxfer_start(&x, s, buf, 8);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	fw_send(t, data, 8);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	fw_send(t, data, 8);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	fw_send(t, data, 8); /* 24 > 18 */
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, -EOVERFLOW);
	/* data in the status stage */
	setup_packet(s, 0x00, 9, 1, 0, 0);
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	fw_send(t, data, 1);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, -EOVERFLOW);

	/* a wrong toggle: the packet is taken as a repeat and dropped; the
	 * firmware's next packet carries the right one */
	setup_packet(s, 0x80, 6, 0x0100, 0, 18);
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	wr(t, O(EPFIFO_EP0_IN, DTB), 0);
	fw_send(t, data, 18);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DATA_IN);
	assert_int_equal(x.toggle_errors, 1);
	assert_int_equal(x.done, 0);
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, DTB)), 1);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	for (i = 0; i < 18; i++)
		data[i] = (uint8_t)i;
	fw_send(t, data, 18);
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, 0);
	assert_memory_equal(buf, data, 18);

	/* a FIFO holds 128 bytes: the 129th is lost */
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), 3);
	for (i = 0; i < 129; i++)
		wr(t, O(EPFIFO_EP0_IN, HEAD), i);
	assert_int_equal(t->u.lost, 1);

	/* a SETUP drains what the firmware left in ep0 OUT's FIFO */
	fw_read_out(t, got, &tok);
	setup_packet(s, 0x21, 1, 0, 0, 4);
	ctlxfer_start(&x, s, data, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	wr(t, O(EPFIFO_EP0_OUT, EV_PENDING), 3);
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	/* the firmware cleared the event without reading: the SETUP's 10
	 * bytes and now the data's 4 + CRC sit in the FIFO */
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	assert_int_equal(t->u.ep[0].count, 16);
	setup_packet(s, 0x80, 0, 0, 0, 2);
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 0, NULL);
	assert_int_equal(fw_read_out(t, got, &tok), 10);
	assert_int_equal(got[1], 0);
	assert_int_equal(tok, EPFIFO_TOK_SETUP);
}

/* One packet at a time, for a host that gives the firmware the bus's
 * time between them. */
static void test_one_packet_at_a_time(void **state)
{
	struct t *t = *state;
	uint8_t s[8], buf[64], got[16], tok;
	struct ctlxfer x;
	bool progress;

	connect(t);
	setup_packet(s, 0x80, 6, 0x0100, 0, 18);
	ctlxfer_start(&x, s, buf, 64);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 1, &progress), CTLXFER_DATA_IN);
	assert_true(progress);
	assert_int_equal(x.last_packet, 8);
	assert_int_equal(x.naks, 0); /* no IN sent yet */
	fw_read_out(t, got, &tok);
	wr(t, O(EPFIFO_EP0_OUT, RESPOND), EPFIFO_ACK);
	fw_send(t, (const uint8_t *)"0123456789abcdefgh", 18);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 1, &progress), CTLXFER_STATUS_OUT);
	assert_int_equal(x.last_packet, 18);
	/* the firmware saw the IN go before the status stage comes */
	assert_int_equal(rd(t, O(EPFIFO_EP0_IN, EV_PENDING)), EPFIFO_EV_PACKET);
	assert_int_equal(rd(t, O(EPFIFO_EP0_OUT, EV_PENDING)), 0);
	wr(t, O(EPFIFO_EP0_IN, RESPOND), EPFIFO_NAK);
	wr(t, O(EPFIFO_EP0_IN, EV_PENDING), EPFIFO_EV_PACKET);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 1, &progress), CTLXFER_DONE);
	assert_int_equal(x.last_packet, 0);
	assert_int_equal(x.status, 0);
	assert_memory_equal(buf, "0123456789abcdefgh", 18);
	/* a NAK ends a step without a packet */
	setup_packet(s, 0x80, 6, 0x0100, 0, 18);
	ctlxfer_start(&x, s, buf, 64);
	ctlxfer_step(&x, &t->u, 0, 1, NULL);
	assert_int_equal(ctlxfer_step(&x, &t->u, 0, 1, &progress), CTLXFER_DATA_IN);
	assert_false(progress);
	assert_int_equal(x.naks, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc16),
		cmocka_unit_test_setup_teardown(test_pullup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_in_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_packet_at_a_time, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
