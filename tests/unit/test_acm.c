// SPDX-License-Identifier: MIT
/*
 * The CDC-ACM class: line coding and SERIAL_STATE bytes, then the class on
 * the serial device through the real usbdev core and a fake host: the
 * PSTN requests, and bulk flow in both directions with its back-pressure
 * (an OUT URB held while the queue is full, an IN URB pending while it is
 * empty), an URB taken in parts, and the notification endpoint.
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

#include "src/serial/acm.h"
#include "src/serial/serial.h"
#include "tests/lib/fakehost.h"

#define OUT 0x21
#define IN 0xa1

/* --- pure encoders ------------------------------------------------------- */

static void test_line_coding(void **state)
{
	static const uint8_t b115200_8n1[] = { 0x00, 0xc2, 0x01, 0x00, 0, 0, 8 };
	struct acm_line_coding lc = { 0 };
	uint8_t buf[ACM_LINE_CODING_SIZE], bad[ACM_LINE_CODING_SIZE];
	char text[32];

	(void)state;
	assert_int_equal(acm_line_coding_decode(b115200_8n1, sizeof(b115200_8n1), &lc), 0);
	assert_int_equal(lc.rate, 115200);
	assert_int_equal(lc.stop, 0);
	assert_int_equal(lc.parity, 0);
	assert_int_equal(lc.bits, 8);
	acm_line_coding_encode(&lc, buf);
	assert_memory_equal(buf, b115200_8n1, sizeof(buf));
	acm_line_coding_format(&lc, text, sizeof(text));
	assert_string_equal(text, "115200 8N1");

	lc = (struct acm_line_coding){ .rate = 0x12345678, .stop = 1, .parity = 4, .bits = 5 };
	acm_line_coding_encode(&lc, buf);
	assert_int_equal(buf[0], 0x78);
	assert_int_equal(buf[3], 0x12);
	acm_line_coding_format(&lc, text, sizeof(text));
	assert_string_equal(text, "305419896 5S1.5");

	/* short, and each field out of range: refused, nothing stored */
	lc.rate = 1;
	assert_int_equal(acm_line_coding_decode(b115200_8n1, 6, &lc), -EINVAL);
	memcpy(bad, b115200_8n1, sizeof(bad));
	bad[4] = 3;
	assert_int_equal(acm_line_coding_decode(bad, sizeof(bad), &lc), -EINVAL);
	memcpy(bad, b115200_8n1, sizeof(bad));
	bad[5] = 5;
	assert_int_equal(acm_line_coding_decode(bad, sizeof(bad), &lc), -EINVAL);
	memcpy(bad, b115200_8n1, sizeof(bad));
	bad[6] = 9;
	assert_int_equal(acm_line_coding_decode(bad, sizeof(bad), &lc), -EINVAL);
	bad[6] = 4;
	assert_int_equal(acm_line_coding_decode(bad, sizeof(bad), &lc), -EINVAL);
	bad[6] = 16;
	assert_int_equal(acm_line_coding_decode(bad, sizeof(bad), &lc), 0);
	assert_int_equal(lc.bits, 16);
}

static void test_serial_state(void **state)
{
	/* PSTN 6.5.4: a1 20 0000 IIII 0200 then the bitmap */
	static const uint8_t want[] = { 0xa1, 0x20, 0, 0, 3, 0, 2, 0, 0x0b, 0 };
	uint8_t out[ACM_SERIAL_STATE_SIZE];

	(void)state;
	acm_serial_state_encode(3, ACM_STATE_DCD | ACM_STATE_DSR | ACM_STATE_RI, out);
	assert_memory_equal(out, want, sizeof(want));
}

/* --- the class on a device ------------------------------------------------ */

struct t {
	struct serial_dev *sd;
	struct fakehost host;
	unsigned int changed; /* ACM_CHANGED_* seen */
};

static void changed(void *data, unsigned int what)
{
	struct t *t = data;

	t->changed |= what;
}

static int dev_setup(void **state)
{
	struct vusb_dev_opts opts = { .name = "serial0", .vid = -1, .pid = -1 };
	struct strbuf err = { 0 };
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(serial_dev_create(&t->sd, &opts, &err), 0);
	fakehost_init(&t->host);
	fakehost_bind(&t->host, &t->sd->usb);
	acm_set_port(&t->sd->acm, changed, t);
	assert_int_equal(fakehost_control(&t->host, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0,
					  NULL, NULL, NULL),
			 0);
	fakehost_clear_events(&t->host);
	strbuf_free(&err);
	*state = t;
	return 0;
}

static int dev_teardown(void **state)
{
	struct t *t = *state;

	fakehost_disconnect(&t->host);
	fakehost_clear_events(&t->host);
	serial_dev_destroy(t->sd);
	free(t);
	return 0;
}

static struct usb_urb *bulk_urb(struct t *t, uint8_t epaddr, uint32_t length, const void *out)
{
	struct usb_urb *u = fakehost_urb(&t->host, epaddr & 0x0f, epaddr & USB_DIR_IN, length);

	if (out)
		memcpy(u->buf, out, length);
	return u;
}

static void submit(struct t *t, struct usb_urb *u)
{
	fakehost_submit(&t->host, u);
}

/* The one URB completed since last time, taken off the record. */
static struct usb_urb *take_done(struct t *t)
{
	struct usb_urb *u;

	assert_int_equal(t->host.ndone, 1);
	u = t->host.done[0];
	t->host.ndone = 0;
	return u;
}

static void test_requests(void **state)
{
	struct t *t = *state;
	struct acm *a = &t->sd->acm;
	static const uint8_t lc7e2[] = { 0x80, 0x25, 0, 0, 2, 2, 7 }; /* 9600 7E2 */
	uint8_t in[16];
	uint32_t n;

	/* 9600 8N1 until the host says otherwise */
	assert_int_equal(fakehost_control(&t->host, IN, ACM_REQ_GET_LINE_CODING, 0, 0, 7, NULL,
					  in, &n),
			 0);
	assert_int_equal(n, 7);
	assert_int_equal(in[0] | in[1] << 8, 9600);
	assert_int_equal(in[6], 8);

	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SET_LINE_CODING, 0, 0, 7, lc7e2,
					  NULL, NULL),
			 0);
	assert_true(t->changed & ACM_CHANGED_LINE);
	assert_int_equal(a->line.rate, 9600);
	assert_int_equal(a->line.parity, 2);
	assert_int_equal(a->line.stop, 2);
	assert_int_equal(fakehost_control(&t->host, IN, ACM_REQ_GET_LINE_CODING, 0, 0, 7, NULL,
					  in, &n),
			 0);
	assert_memory_equal(in, lc7e2, 7);
	/* a short GET gets what it asked for */
	assert_int_equal(fakehost_control(&t->host, IN, ACM_REQ_GET_LINE_CODING, 0, 0, 2, NULL,
					  in, &n),
			 0);
	assert_int_equal(n, 2);

	/* a bad coding stalls and changes nothing */
	static const uint8_t bad[] = { 0x80, 0x25, 0, 0, 7, 0, 8 };
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SET_LINE_CODING, 0, 0, 7, bad,
					  NULL, NULL),
			 -EPIPE);
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SET_LINE_CODING, 0, 0, 3, bad,
					  NULL, NULL),
			 -EPIPE);
	assert_int_equal(a->line.stop, 2);

	t->changed = 0;
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SET_CONTROL_LINE_STATE,
					  ACM_CTRL_DTR | ACM_CTRL_RTS, 0, 0, NULL, NULL, NULL),
			 0);
	assert_int_equal(a->control, ACM_CTRL_DTR | ACM_CTRL_RTS);
	assert_true(t->changed & ACM_CHANGED_CONTROL);
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SET_CONTROL_LINE_STATE,
					  ACM_CTRL_RTS, 0, 0, NULL, NULL, NULL),
			 0);
	assert_int_equal(a->control, ACM_CTRL_RTS);

	/* a break until cleared, then one timed by the device */
	t->changed = 0;
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SEND_BREAK, 0xffff, 0, 0, NULL,
					  NULL, NULL),
			 0);
	assert_true(a->brk);
	assert_true(t->changed & ACM_CHANGED_BREAK);
	assert_int_equal(t->host.armed_ms, 0);
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SEND_BREAK, 0, 0, 0, NULL, NULL,
					  NULL),
			 0);
	assert_false(a->brk);
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SEND_BREAK, 250, 0, 0, NULL,
					  NULL, NULL),
			 0);
	assert_true(a->brk);
	assert_int_equal(a->breaks, 2);
	assert_true(t->host.armed_ms > 0);
	t->sd->usb.deadline_ms[a->func - t->sd->usb.funcs] = 1;
	usb_device_timer(&t->sd->usb);
	assert_false(a->brk);

	/* not ours: unknown requests, the data interface, a wrong direction */
	assert_int_equal(fakehost_control(&t->host, OUT, 0x42, 0, 0, 0, NULL, NULL, NULL), -EPIPE);
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_SET_CONTROL_LINE_STATE, 1, 1, 0,
					  NULL, NULL, NULL),
			 -EPIPE);
	assert_int_equal(fakehost_control(&t->host, IN, ACM_REQ_SET_LINE_CODING, 0, 0, 7, NULL, in,
					  &n),
			 -EPIPE);
	assert_int_equal(fakehost_control(&t->host, OUT, ACM_REQ_GET_LINE_CODING, 0, 0, 7, lc7e2,
					  NULL, NULL),
			 -EPIPE);
}

static void test_out_back_pressure(void **state)
{
	struct t *t = *state;
	struct acm *a = &t->sd->acm;
	static uint8_t big[ACM_QUEUE_SIZE];
	const uint8_t *p;
	struct usb_urb *u;
	size_t n, i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	/* fills the queue to 10 bytes short of full */
	u = bulk_urb(t, 0x02, ACM_QUEUE_SIZE - 10, big);
	submit(t, u);
	free(take_done(t));
	assert_true(t->changed & ACM_CHANGED_RX);
	assert_int_equal(acm_rx_pending(a), ACM_QUEUE_SIZE - 10);

	/* 100 more: 10 go in, the URB waits for the rest */
	u = bulk_urb(t, 0x02, 100, big);
	submit(t, u);
	assert_int_equal(t->host.ndone, 0);
	assert_int_equal(usb_ep_pending(&t->sd->usb, 0x02), 1);
	assert_int_equal(acm_rx_pending(a), ACM_QUEUE_SIZE);

	/* the port takes 50: 50 more of the URB go in, it still waits */
	n = acm_rx_peek(a, &p);
	assert_int_equal(n, ACM_QUEUE_SIZE);
	assert_memory_equal(p, big, 50);
	acm_rx_consume(a, 50);
	assert_int_equal(t->host.ndone, 0);
	assert_int_equal(acm_rx_pending(a), ACM_QUEUE_SIZE);

	/* room for the rest: the URB completes, nothing lost or repeated */
	acm_rx_consume(a, ACM_QUEUE_SIZE - 60);
	assert_int_equal(take_done(t)->status, 0);
	free(u);
	assert_int_equal(acm_rx_pending(a), 100);
	/* the second URB whole, in order, across the queue's wrap */
	uint8_t got[100];
	for (i = 0; i < sizeof(got);) {
		n = acm_rx_peek(a, &p);
		assert_true(n > 0);
		memcpy(got + i, p, n);
		acm_rx_consume(a, n);
		i += n;
	}
	assert_memory_equal(got, big, 100);
	assert_int_equal(acm_rx_pending(a), 0);
}

static void test_in_pending(void **state)
{
	struct t *t = *state;
	struct acm *a = &t->sd->acm;
	struct usb_urb *u;
	uint8_t *room;
	size_t n;

	/* nothing to send: the IN URB waits */
	u = bulk_urb(t, 0x81, 64, NULL);
	submit(t, u);
	assert_int_equal(t->host.ndone, 0);

	n = acm_tx_room(a, &room);
	assert_int_equal(n, ACM_QUEUE_SIZE);
	memcpy(room, "0123456789", 10);
	acm_tx_commit(a, 10);
	assert_ptr_equal(take_done(t), u);
	assert_int_equal(u->actual, 10);
	assert_memory_equal(u->buf, "0123456789", 10);
	free(u);

	/* more than one URB's worth: each gets at most its length */
	n = acm_tx_room(a, &room);
	memset(room, 'x', 100);
	acm_tx_commit(a, 100);
	u = bulk_urb(t, 0x81, 64, NULL);
	submit(t, u);
	assert_int_equal(take_done(t)->actual, 64);
	free(u);
	u = bulk_urb(t, 0x81, 64, NULL);
	submit(t, u);
	assert_int_equal(take_done(t)->actual, 36);
	free(u);
	assert_int_equal(acm_tx_pending(a), 0);

	/* an unlinked IN URB takes nothing with it */
	u = bulk_urb(t, 0x81, 64, NULL);
	submit(t, u);
	assert_ptr_equal(fakehost_unlink(&t->host, u->seqnum), u);
	free(u);
	n = acm_tx_room(a, &room);
	memcpy(room, "ab", 2);
	acm_tx_commit(a, 2);
	assert_int_equal(t->host.ndone, 0);
	assert_int_equal(acm_tx_pending(a), 2);
}

static void test_notify(void **state)
{
	struct t *t = *state;
	struct acm *a = &t->sd->acm;
	struct usb_urb *u;

	u = bulk_urb(t, 0x83, 16, NULL);
	submit(t, u);
	assert_int_equal(t->host.ndone, 0);
	assert_int_equal(acm_set_state(a, ACM_STATE_DCD, true), 0);
	assert_ptr_equal(take_done(t), u);
	assert_int_equal(u->actual, ACM_SERIAL_STATE_SIZE);
	assert_int_equal(u->buf[1], ACM_NOTIFY_SERIAL_STATE);
	assert_int_equal(u->buf[8], ACM_STATE_DCD);
	free(u);

	/* the same state again: nothing to say */
	u = bulk_urb(t, 0x83, 16, NULL);
	submit(t, u);
	assert_int_equal(acm_set_state(a, ACM_STATE_DCD, true), 0);
	assert_int_equal(t->host.ndone, 0);
	/* changes before the host asks are folded into one */
	assert_int_equal(acm_set_state(a, ACM_STATE_RI, true), 0);
	assert_ptr_equal(take_done(t), u);
	assert_int_equal(u->buf[8], ACM_STATE_DCD | ACM_STATE_RI);
	free(u);
	assert_int_equal(acm_set_state(a, ACM_STATE_BREAK, true), -EINVAL);
}

static void test_info_and_set(void **state)
{
	struct t *t = *state;
	struct strbuf out = { 0 };

	assert_int_equal(serial_dev_set(t->sd, "dsr", "on", &out), 0);
	assert_int_equal(serial_dev_set(t->sd, "cts", "on", &out), -EINVAL);
	strbuf_reset(&out);
	assert_int_equal(serial_dev_set(t->sd, "ri", "maybe", &out), -EINVAL);
	strbuf_reset(&out);
	serial_dev_info(t->sd, &out);
	assert_non_null(strstr(strbuf_str(&out), "line 9600 8N1\n"));
	assert_non_null(strstr(strbuf_str(&out), "dsr on\n"));
	assert_non_null(strstr(strbuf_str(&out), "dcd off\n"));
	assert_non_null(strstr(strbuf_str(&out), "breaks 0\n"));
	strbuf_free(&out);
}

/* wMaxPacketSize of the bulk endpoints, which must agree */
static unsigned int bulk_maxpacket(struct serial_dev *sd)
{
	struct usb_config_cursor c;
	const uint8_t *d;
	unsigned int mp = 0, nbulk = 0;

	usb_config_begin(&c, sd->usb.config);
	while ((d = usb_config_next(&c))) {
		if (d[1] != USB_DT_ENDPOINT || d[3] != USB_ENDPOINT_XFER_BULK)
			continue;
		assert_true(nbulk == 0 || mp == (unsigned int)(d[4] | d[5] << 8));
		mp = d[4] | d[5] << 8;
		nbulk++;
	}
	assert_int_equal(c.err, 0);
	assert_int_equal(nbulk, 2);
	return mp;
}

static void test_speeds(void **state)
{
	struct vusb_dev_opts opts = { .name = "s", .vid = -1, .pid = -1 };
	struct strbuf err = { 0 };
	struct serial_dev *sd;

	(void)state;
	assert_int_equal(serial_dev_create(&sd, &opts, &err), 0);
	assert_int_equal(sd->usb.speed, USB_SPEED_FULL);
	assert_int_equal(bulk_maxpacket(sd), 64);
	serial_dev_destroy(sd);
	opts.speed = USB_SPEED_HIGH;
	assert_int_equal(serial_dev_create(&sd, &opts, &err), 0);
	assert_int_equal(sd->usb.speed, USB_SPEED_HIGH);
	assert_int_equal(bulk_maxpacket(sd), 512);
	serial_dev_destroy(sd);
	opts.speed = USB_SPEED_SUPER;
	assert_int_equal(serial_dev_create(&sd, &opts, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "--speed full or high"));
	strbuf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_coding),
		cmocka_unit_test(test_serial_state),
		cmocka_unit_test(test_speeds),
		cmocka_unit_test_setup_teardown(test_requests, dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_out_back_pressure, dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_in_pending, dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_notify, dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_info_and_set, dev_setup, dev_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
