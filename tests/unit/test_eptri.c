// SPDX-License-Identifier: MIT
/*
 * ValentyUSB's eptri interface and the host's side of a control transfer
 * against it. The test plays the firmware register by register, the way
 * foboot v2.0.x's usb-eptri.c does, between the host's steps: SETUP into
 * its FIFO with the status bits, IN data queued with in_ctrl, OUT data
 * accepted only while enabled and not pending, the status stages, STALL
 * and its clearing by SETUP, data toggles, next_ev's order, the bus
 * reset event, the address filter, the pull-up, the interrupt line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/fomu/ctlxfer.h"
#include "dfu/fomu/eptri.h"

struct t {
	struct eptri u;
	bool irq;
	unsigned int irq_changes;
};

static void irq(void *ctx, bool level)
{
	struct t *t = ctx;

	t->irq = level;
	t->irq_changes++;
}

static const struct eptri_ops ops = { .irq = irq };

static uint32_t rd(struct t *t, uint32_t off)
{
	return eptri_read(&t->u, off);
}

static void wr(struct t *t, uint32_t off, uint32_t v)
{
	eptri_write(&t->u, off, v);
}

/* What foboot v2's usb_connect() does: events on, ep0 OUT enabled. */
static void connect(struct t *t)
{
	wr(t, EPTRI_ADDRESS, 0);
	wr(t, EPTRI_SETUP_EV_PENDING, 0xff);
	wr(t, EPTRI_IN_EV_PENDING, 0xff);
	wr(t, EPTRI_OUT_EV_PENDING, 0xff);
	wr(t, EPTRI_SETUP_EV_ENABLE, EPTRI_EV_READY | EPTRI_EV_RESET);
	wr(t, EPTRI_IN_EV_ENABLE, EPTRI_EV_DONE);
	wr(t, EPTRI_OUT_EV_ENABLE, EPTRI_EV_DONE);
	wr(t, EPTRI_OUT_CTRL, EPTRI_OUT_ENABLE);
	wr(t, EPTRI_PULLUP, 1);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	eptri_init(&t->u, &ops, t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
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

/* The firmware's SETUP handler: read the 10 bytes, clear the event. */
static void fw_read_setup(struct t *t, uint8_t *buf)
{
	unsigned int i;

	assert_true(rd(t, EPTRI_SETUP_EV_PENDING) & EPTRI_EV_READY);
	for (i = 0; i < 10; i++) {
		assert_true(rd(t, EPTRI_SETUP_STATUS) & EPTRI_HAVE);
		buf[i] = (uint8_t)rd(t, EPTRI_SETUP_DATA);
	}
	assert_false(rd(t, EPTRI_SETUP_STATUS) & EPTRI_HAVE);
	wr(t, EPTRI_SETUP_EV_PENDING, EPTRI_EV_READY);
}

static void fw_send(struct t *t, const uint8_t *data, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		wr(t, EPTRI_IN_DATA, data[i]);
	wr(t, EPTRI_IN_CTRL, 0);
}

static void test_pullup_and_address(void **state)
{
	struct t *t = *state;
	uint8_t s[8] = { 0x80, 6, 0, 1, 0, 0, 18, 0 };

	/* off the bus: nothing answers */
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_NO_ANSWER);
	connect(t);
	assert_int_equal(eptri_setup(&t->u, 5, s), EPFIFO_HS_NO_ANSWER);
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_ACK);
	wr(t, EPTRI_ADDRESS, 0x85);
	assert_int_equal(rd(t, EPTRI_ADDRESS), 5);
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_NO_ANSWER);
	assert_int_equal(eptri_setup(&t->u, 5, s), EPFIFO_HS_ACK);
	/* a bus reset: address 0, the reset event first in next_ev */
	eptri_bus_reset(&t->u);
	assert_int_equal(rd(t, EPTRI_ADDRESS), 0);
	assert_true(rd(t, EPTRI_SETUP_EV_PENDING) & EPTRI_EV_RESET);
	assert_int_equal(rd(t, EPTRI_NEXT_EV), EPTRI_NEXT_RESET);
	assert_true(t->irq);
	wr(t, EPTRI_SETUP_EV_PENDING, EPTRI_EV_RESET | EPTRI_EV_READY);
	assert_false(t->irq);
	assert_int_equal(rd(t, EPTRI_NEXT_EV), 0);
}

static void test_setup_fifo(void **state)
{
	struct t *t = *state;
	uint8_t s[8], buf[10];
	uint16_t crc;

	connect(t);
	setup_packet(s, 0x21, 1, 3, 0, 1024);
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_ACK);
	assert_true(t->irq);
	assert_int_equal(rd(t, EPTRI_NEXT_EV), EPTRI_NEXT_SETUP);
	/* epno 0, have, pend, OUT, a data stage */
	assert_int_equal(rd(t, EPTRI_SETUP_STATUS), EPTRI_HAVE | EPTRI_PEND | EPTRI_SETUP_HAS_DATA);
	fw_read_setup(t, buf);
	assert_memory_equal(buf, s, 8);
	crc = epfifo_crc16(s, 8);
	assert_int_equal(buf[8], crc & 0xff);
	assert_int_equal(buf[9], crc >> 8);
	assert_false(t->irq);
	/* an IN request without data; a second SETUP empties the FIFO first */
	setup_packet(s, 0x80, 0, 0, 0, 0);
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_ACK);
	assert_int_equal(rd(t, EPTRI_SETUP_STATUS), EPTRI_HAVE | EPTRI_PEND | EPTRI_SETUP_IS_IN);
	setup_packet(s, 0x80, 6, 0x100, 0, 64);
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_ACK);
	fw_read_setup(t, buf);
	assert_memory_equal(buf, s, 8);
	/* setup_ctrl's reset empties it */
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_ACK);
	wr(t, EPTRI_SETUP_CTRL, EPTRI_CTRL_RESET);
	assert_false(rd(t, EPTRI_SETUP_STATUS) & EPTRI_HAVE);
}

static void test_in(void **state)
{
	struct t *t = *state;
	uint8_t s[8] = { 0x80, 6, 0, 1, 0, 0, 64, 0 }, buf[80], data[64];
	size_t n;
	bool d1;
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	connect(t);
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_ACK);
	fw_read_setup(t, buf);
	/* nothing queued: NAK, even with bytes in the FIFO */
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_NAK);
	wr(t, EPTRI_IN_DATA, 0xaa);
	assert_int_equal(rd(t, EPTRI_IN_STATUS), EPTRI_IN_IDLE | EPTRI_HAVE);
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_NAK);
	wr(t, EPTRI_IN_CTRL, EPTRI_CTRL_RESET);
	assert_int_equal(rd(t, EPTRI_IN_STATUS), EPTRI_IN_IDLE);
	/* a full packet, DATA1 after SETUP, then DATA0 */
	fw_send(t, data, 64);
	assert_int_equal(rd(t, EPTRI_IN_STATUS), EPTRI_HAVE);
	/* queued for endpoint 0: endpoint 1 still NAKs */
	assert_int_equal(eptri_in(&t->u, 0, 1, buf, sizeof(buf), &n, &d1), EPFIFO_HS_NAK);
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_ACK);
	assert_int_equal(n, 64);
	assert_true(d1);
	assert_memory_equal(buf, data, 64);
	assert_int_equal(rd(t, EPTRI_IN_STATUS), EPTRI_IN_IDLE | EPTRI_PEND);
	assert_true(t->irq);
	assert_int_equal(rd(t, EPTRI_NEXT_EV), EPTRI_NEXT_IN);
	wr(t, EPTRI_IN_EV_PENDING, EPTRI_EV_DONE);
	assert_false(t->irq);
	/* taken: the next IN NAKs until the firmware queues again */
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_NAK);
	fw_send(t, data, 3);
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_ACK);
	assert_int_equal(n, 3);
	assert_false(d1);
	/* a zero-length packet: in_ctrl alone */
	wr(t, EPTRI_IN_CTRL, 0);
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_ACK);
	assert_int_equal(n, 0);
	assert_true(d1);
	/* the next SETUP sets DATA1 again */
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_ACK);
	fw_send(t, data, 1);
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_ACK);
	assert_true(d1);
}

static void test_out(void **state)
{
	struct t *t = *state;
	uint8_t data[64], buf[70];
	uint16_t crc;
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x40 + i);
	connect(t);
	/* enabled by connect(): taken, then disabled and pending */
	assert_int_equal(eptri_out(&t->u, 0, 0, data, 64), EPFIFO_HS_ACK);
	assert_int_equal(rd(t, EPTRI_OUT_STATUS), EPTRI_HAVE | EPTRI_PEND);
	assert_true(t->irq);
	assert_int_equal(rd(t, EPTRI_NEXT_EV), EPTRI_NEXT_OUT);
	assert_int_equal(eptri_out(&t->u, 0, 0, data, 64), EPFIFO_HS_NAK);
	for (i = 0; i < 66; i++)
		buf[i] = (uint8_t)rd(t, EPTRI_OUT_DATA);
	assert_memory_equal(buf, data, 64);
	crc = epfifo_crc16(data, 64);
	assert_int_equal(buf[64] | buf[65] << 8, crc);
	assert_int_equal(rd(t, EPTRI_OUT_STATUS), EPTRI_PEND);
	/* pending still NAKs, even enabled again */
	wr(t, EPTRI_OUT_CTRL, EPTRI_OUT_ENABLE);
	assert_int_equal(eptri_out(&t->u, 0, 0, data, 64), EPFIFO_HS_NAK);
	wr(t, EPTRI_OUT_EV_PENDING, EPTRI_EV_DONE);
	assert_false(t->irq);
	/* endpoint 2 is not enabled; 0 is */
	assert_int_equal(eptri_out(&t->u, 0, 2, data, 4), EPFIFO_HS_NAK);
	assert_int_equal(eptri_out(&t->u, 0, 0, NULL, 0), EPFIFO_HS_ACK);
	/* a zero-length packet is its CRC: two bytes */
	assert_int_equal(rd(t, EPTRI_OUT_STATUS) & EPTRI_EPNO, 0);
	assert_int_equal(rd(t, EPTRI_OUT_DATA), 0x00);
	assert_int_equal(rd(t, EPTRI_OUT_DATA), 0x00);
	assert_false(rd(t, EPTRI_OUT_STATUS) & EPTRI_HAVE);
	/* out_ctrl's reset: empty, disabled */
	wr(t, EPTRI_OUT_EV_PENDING, EPTRI_EV_DONE);
	wr(t, EPTRI_OUT_CTRL, 2 | EPTRI_OUT_ENABLE);
	assert_int_equal(eptri_out(&t->u, 0, 2, data, 4), EPFIFO_HS_ACK);
	assert_int_equal(rd(t, EPTRI_OUT_STATUS) & EPTRI_EPNO, 2);
	wr(t, EPTRI_OUT_CTRL, EPTRI_CTRL_RESET);
	wr(t, EPTRI_OUT_EV_PENDING, EPTRI_EV_DONE);
	assert_false(rd(t, EPTRI_OUT_STATUS) & EPTRI_HAVE);
	assert_int_equal(eptri_out(&t->u, 0, 0, data, 4), EPFIFO_HS_NAK);
}

static void test_stall(void **state)
{
	struct t *t = *state;
	uint8_t s[8] = { 0x80, 6, 0, 6, 0, 0, 10, 0 }, buf[16];
	size_t n;
	bool d1;

	connect(t);
	wr(t, EPTRI_IN_CTRL, EPTRI_CTRL_STALL);
	wr(t, EPTRI_OUT_CTRL, EPTRI_CTRL_STALL | EPTRI_OUT_ENABLE);
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_STALL);
	assert_int_equal(eptri_out(&t->u, 0, 0, buf, 0), EPFIFO_HS_STALL);
	/* SETUP is ACKed anyway and clears both */
	assert_int_equal(eptri_setup(&t->u, 0, s), EPFIFO_HS_ACK);
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_NAK);
	/* queueing unstalls too */
	wr(t, EPTRI_IN_CTRL, EPTRI_CTRL_STALL);
	wr(t, EPTRI_IN_CTRL, 0);
	assert_int_equal(eptri_in(&t->u, 0, 0, buf, sizeof(buf), &n, &d1), EPFIFO_HS_ACK);
}

/* The host's control transfer engine against eptri, the firmware played
 * between its steps: GET_DESCRIPTOR with two IN packets and the status
 * OUT; then a STALL in the data stage. */
static void test_ctlxfer(void **state)
{
	struct t *t = *state;
	uint8_t s[8], buf[10], got[100], desc[100];
	struct ctlxfer x;
	unsigned int i;

	for (i = 0; i < sizeof(desc); i++)
		desc[i] = (uint8_t)(i * 3);
	connect(t);
	setup_packet(s, 0x80, 6, 0x200, 0, 100);
	ctlxfer_start(&x, s, got, 64);
	assert_int_equal(ctlxfer_step_dev(&x, &ctlxfer_eptri, &t->u, 0, 0, NULL), CTLXFER_DATA_IN);
	fw_read_setup(t, buf);
	fw_send(t, desc, 64);
	assert_int_equal(ctlxfer_step_dev(&x, &ctlxfer_eptri, &t->u, 0, 0, NULL), CTLXFER_DATA_IN);
	wr(t, EPTRI_IN_EV_PENDING, EPTRI_EV_DONE);
	fw_send(t, desc + 64, 36);
	/* the status OUT: NAKed until the firmware enables OUT */
	wr(t, EPTRI_OUT_CTRL, 0);
	assert_int_equal(ctlxfer_step_dev(&x, &ctlxfer_eptri, &t->u, 0, 0, NULL),
			 CTLXFER_STATUS_OUT);
	wr(t, EPTRI_OUT_CTRL, EPTRI_OUT_ENABLE);
	assert_int_equal(ctlxfer_step_dev(&x, &ctlxfer_eptri, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, 0);
	assert_int_equal(x.done, 100);
	assert_memory_equal(got, desc, 100);
	assert_int_equal(x.toggle_errors, 0);
	/* an unknown descriptor: stalled */
	setup_packet(s, 0x80, 6, 0x600, 0, 10);
	ctlxfer_start(&x, s, got, 64);
	assert_int_equal(ctlxfer_step_dev(&x, &ctlxfer_eptri, &t->u, 0, 0, NULL), CTLXFER_DATA_IN);
	wr(t, EPTRI_IN_CTRL, EPTRI_CTRL_STALL);
	assert_int_equal(ctlxfer_step_dev(&x, &ctlxfer_eptri, &t->u, 0, 0, NULL), CTLXFER_DONE);
	assert_int_equal(x.status, -EPIPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pullup_and_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctlxfer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
