// SPDX-License-Identifier: MIT
/*
 * The real event loop (src/base/loop.c) and connection (src/usbip/conn.c) serving a
 * test device on one end of an AF_UNIX stream socketpair. The test plays
 * the kernel on the other end: it writes CMD_SUBMIT/CMD_UNLINK bytes and
 * reads replies through a watch in the same loop, which it runs between
 * steps until a reply arrives or a timeout passes.
 *
 * Every byte either side sends also goes through the protocol checker
 * (usbip-check.c), which fails the test on anything vhci would drop the
 * device for; each test ends by asserting it saw no violation.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include <cmocka.h>

#include "src/base/loop.h"
#include "src/usb/fault.h"
#include "src/usb/usbdev.h"
#include "src/usbip/conn.h"
#include "src/usbip/usbip.h"
#include "tests/lib/urbscript.h"
#include "tests/lib/usbip-check.h"

#define WAIT_MS 2000 /* for something that must happen */
#define QUIET_MS 100 /* for something that must not */

/* ---- the test device ---- */

#define CONFIG_LEN (9 + 9 + 7 + 7 + 7)

static const uint8_t device_desc[USB_DT_DEVICE_SIZE] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0200), 0, 0, 0, 64,
	U16_LE(0x1d6b), U16_LE(0x0104), U16_LE(0x0100), 1, 2, 0, 1,
};

/* One interface: interrupt IN 0x81, bulk OUT 0x02, bulk IN 0x83. */
static const uint8_t config_desc[CONFIG_LEN] = {
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(CONFIG_LEN), 1, 1, 0, USB_CONFIG_ATT_ONE, 50,
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 3, 0xff, 0, 0, 0,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 0x81, USB_ENDPOINT_XFER_INT, U16_LE(8), 10,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 0x02, USB_ENDPOINT_XFER_BULK, U16_LE(512), 0,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 0x83, USB_ENDPOINT_XFER_BULK, U16_LE(512), 0,
};

#define TC_GET 0x01 /* class IN: 4 bytes */
#define TC_SET 0x09 /* class OUT: stores the data */

struct fixture {
	struct loop *loop;
	struct runner run;
	unsigned int want;

	/* the kernel's end */
	int kfd;
	struct loop_io *kio;
	bool keof;
	struct usbip_check *chk;
	struct reply_log reps;
	uint64_t kread; /* bytes read from the device */
	uint64_t kwritten;

	/* the device's end */
	struct usbip_conn *conn;
	unsigned int closed_calls;
	int closed_err;
	const char *closed_why;
	struct usb_device dev;

	/* the test class */
	uint8_t int_data[64]; /* interrupt IN 0x81, given once */
	size_t int_len;
	uint64_t out_bytes; /* bulk OUT 0x02 */
	uint32_t out_hash;
	unsigned int out_urbs;
	size_t bulk_avail; /* bulk IN 0x83 makes this many bytes per URB */
	uint32_t bulk_cap, bulk_length; /* of the last bulk IN URB */
	uint8_t ctl_data[64];
	size_t ctl_len;

	/* splice: bulk IN 0x83 offers the data of this file instead */
	int file_fd; /* -1: off */
	uint64_t file_off; /* where the next URB's data starts */
	int fail_after_splice; /* then complete with this status */
	unsigned int spliced, copied;
	int splice_err; /* the last usb_urb_splice_in() that was neither */
	size_t out_take; /* bulk OUT to the file: take at most this much (0: all) */
	bool out_hold; /* bulk OUT waits (-EAGAIN) */
	uint32_t kw_hash; /* of every byte written to the device */
};

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

#define FNV_INIT 2166136261u

/* The OUT payloads the test sends: byte i of a transfer. */
static uint8_t out_pattern(size_t i)
{
	return (uint8_t)(i * 31 + 7);
}

/* Bulk IN data: byte i of the reply to `seqnum`. */
static uint8_t in_pattern(uint32_t seqnum, size_t i)
{
	return (uint8_t)(seqnum * 13 + i);
}

static int tc_control(struct usb_function *f, const struct usb_setup *s, uint8_t *data, size_t len)
{
	struct fixture *fx = f->data;

	if (s->bRequest == TC_GET && (s->bmRequestType & USB_DIR_IN)) {
		size_t n = len < 4 ? len : 4;

		memcpy(data, "\xde\xad\xbe\xef", n);
		return (int)n;
	}
	if (s->bRequest == TC_SET && !(s->bmRequestType & USB_DIR_IN)) {
		fx->ctl_len = len < sizeof(fx->ctl_data) ? len : sizeof(fx->ctl_data);
		memcpy(fx->ctl_data, data, fx->ctl_len);
		return 0;
	}
	return -EOPNOTSUPP;
}

/* Bulk IN from the fixture's file: spliced where the connection can. */
static int file_xfer(struct fixture *fx, struct usb_urb *urb)
{
	size_t n = fx->bulk_avail < urb->length ? fx->bulk_avail : urb->length;
	int r;

	if (n > urb->cap)
		n = urb->cap;
	r = usb_urb_splice_in(&fx->dev, urb, fx->file_fd, fx->file_off, n);
	if (r == 0) {
		assert_int_equal(urb->actual, n);
		fx->spliced++;
		if (fx->fail_after_splice)
			return fx->fail_after_splice;
	} else if (r == -EOPNOTSUPP) {
		assert_int_equal(pread(fx->file_fd, urb->buf, n, (off_t)fx->file_off), (ssize_t)n);
		urb->actual = (uint32_t)n;
		fx->copied++;
	} else {
		fx->splice_err = r;
		return r;
	}
	fx->file_off += n;
	return 0;
}

/* Bulk OUT: hashed, or into the fixture's file, spliced where it can be. */
static int out_xfer(struct fixture *fx, struct usb_urb *urb)
{
	size_t use = fx->out_take && fx->out_take < urb->actual ? fx->out_take : urb->actual;
	int r;

	if (fx->out_hold)
		return -EAGAIN;
	fx->out_urbs++;
	if (fx->file_fd < 0) {
		fx->out_bytes += urb->actual;
		fx->out_hash = fnv1a(fx->out_hash, urb->buf, urb->actual);
		return 0;
	}
	r = usb_urb_splice_out(&fx->dev, urb, fx->file_fd, fx->file_off, use);
	if (r == 0) {
		fx->spliced++;
	} else if (r == -EOPNOTSUPP) {
		if (pwrite(fx->file_fd, urb->buf, use, (off_t)fx->file_off) != (ssize_t)use)
			return -EIO;
		fx->copied++;
	} else {
		fx->splice_err = r;
		return r;
	}
	fx->file_off += use;
	fx->out_bytes += use;
	return 0;
}

static int tc_xfer(struct usb_function *f, struct usb_urb *urb)
{
	struct fixture *fx = f->data;
	size_t n, i;

	switch ((urb->in ? USB_DIR_IN : 0) | urb->ep) {
	case 0x81:
		if (!fx->int_len)
			return -EAGAIN;
		n = fx->int_len < urb->length ? fx->int_len : urb->length;
		memcpy(urb->buf, fx->int_data, n);
		urb->actual = (uint32_t)n;
		fx->int_len = 0;
		return 0;
	case 0x02:
		return out_xfer(fx, urb);
	case 0x83:
		fx->bulk_cap = urb->cap;
		fx->bulk_length = urb->length;
		if (fx->file_fd >= 0)
			return file_xfer(fx, urb);
		n = fx->bulk_avail;
		if (n > urb->length)
			n = urb->length;
		if (n > urb->cap)
			n = urb->cap;
		for (i = 0; i < n; i++)
			urb->buf[i] = in_pattern(urb->seqnum, i);
		urb->actual = (uint32_t)n;
		return 0;
	default:
		return -EPIPE;
	}
}

/* Bulk OUT goes into the fixture's file by splice when there is one. */
static bool tc_splice_out(struct usb_function *f, const struct usb_urb *urb)
{
	const struct fixture *fx = f->data;

	return fx->file_fd >= 0;
}

static const struct usb_class_ops test_ops = {
	.name = "conn-test",
	.control = tc_control,
	.xfer = tc_xfer,
	.splice_out = tc_splice_out,
};

/* ---- running the loop ---- */

static bool have_replies(void *data)
{
	struct fixture *fx = data;

	return fx->reps.n >= fx->want || usbip_check_error(fx->chk);
}

static bool kernel_eof(void *data)
{
	struct fixture *fx = data;

	return fx->keof;
}

static bool is_closed(void *data)
{
	struct fixture *fx = data;

	return fx->closed_calls > 0;
}

static void assert_no_violation(struct fixture *fx)
{
	const char *err = usbip_check_error(fx->chk);

	if (err)
		fail_msg("protocol violation: %s", err);
}

/* Run until `n` replies in all have arrived; fail on timeout. */
static void wait_replies(struct fixture *fx, size_t n)
{
	fx->want = (unsigned int)n;
	run_until(&fx->run, have_replies, fx, WAIT_MS);
	assert_no_violation(fx);
	if (fx->reps.n < n)
		fail_msg("%zu replies after %d ms, want %zu", fx->reps.n, WAIT_MS, n);
}

/* Nothing more arrives for QUIET_MS. */
static void assert_quiet(struct fixture *fx)
{
	size_t n = fx->reps.n;

	run_for(&fx->run, QUIET_MS);
	assert_no_violation(fx);
	assert_int_equal(fx->reps.n, n);
}

static void wait_closed(struct fixture *fx)
{
	run_until(&fx->run, is_closed, fx, WAIT_MS);
	assert_int_equal(fx->closed_calls, 1);
}

/* ---- the kernel's end ---- */

static void kernel_read(struct loop_io *io, uint32_t events, void *data)
{
	struct fixture *fx = data;
	uint8_t buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fx->kfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		fx->kread += (uint64_t)n;
		if (usbip_check_device(fx->chk, buf, (size_t)n) < 0)
			break;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		/* the device closed its end */
		fx->keof = true;
		usbip_check_end(fx->chk);
		loop_io_remove(fx->kio);
		fx->kio = NULL;
	}
	runner_check(&fx->run);
}

/* Stop or resume reading replies, as a kernel that is busy would. */
static void kernel_reading(struct fixture *fx, bool on)
{
	assert_non_null(fx->kio);
	assert_int_equal(loop_io_modify(fx->kio, on ? EPOLLIN : 0), 0);
}

/* Write bytes to the device without telling the checker (broken input). */
static void kwrite_raw(struct fixture *fx, const void *buf, size_t len)
{
	runner_send(&fx->run, fx->kfd, buf, len);
	fx->kwritten += len;
	fx->kw_hash = fnv1a(fx->kw_hash, buf, len);
}

static void kwrite(struct fixture *fx, const void *buf, size_t len)
{
	assert_int_equal(usbip_check_host(fx->chk, buf, len), 0);
	kwrite_raw(fx, buf, len);
}

/* `len` bytes of out_pattern(). */
static void put_out_data(struct cmdbuf *b, size_t len)
{
	uint8_t *p = cmd_grow(b, len);
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = out_pattern(i);
}

static void cmd_send(struct fixture *fx, struct cmdbuf *b)
{
	kwrite(fx, b->p, b->len);
	b->len = 0;
}

static void get_descriptor(struct fixture *fx, uint32_t seq, uint8_t type, uint8_t index,
			   uint16_t wlength)
{
	struct cmdbuf b = { 0 };

	put_control(&b, seq, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, (uint16_t)(type << 8 | index),
		    type == USB_DT_STRING && index ? 0x0409 : 0, wlength, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
}

static void submit_in(struct fixture *fx, uint32_t seq, uint32_t ep, uint32_t length)
{
	struct cmdbuf b = { 0 };

	put_submit(&b, seq, true, ep, length, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
}

static void send_unlink(struct fixture *fx, uint32_t seq, uint32_t target)
{
	struct cmdbuf b = { 0 };

	put_unlink(&b, seq, target);
	cmd_send(fx, &b);
	cmd_free(&b);
}

/* Reply i: a RET_SUBMIT for `seq` with `status` and `actual`. */
static const struct reply *assert_ret_submit(struct fixture *fx, size_t i, uint32_t seq,
					     int32_t status, uint32_t actual)
{
	const struct reply *r;

	assert_true(i < fx->reps.n);
	r = &fx->reps.v[i];
	assert_int_equal(r->command, USBIP_RET_SUBMIT);
	assert_int_equal(r->seqnum, seq);
	assert_int_equal(r->status, status);
	assert_int_equal(r->actual, actual);
	return r;
}

static void assert_ret_unlink(struct fixture *fx, size_t i, uint32_t seq, int32_t status)
{
	const struct reply *r;

	assert_true(i < fx->reps.n);
	r = &fx->reps.v[i];
	assert_int_equal(r->command, USBIP_RET_UNLINK);
	assert_int_equal(r->seqnum, seq);
	assert_int_equal(r->status, status);
}

/* Reply i carries exactly `len` bytes of `want`. */
static void assert_reply_data(struct fixture *fx, size_t i, uint32_t seq, const void *want,
			      size_t len)
{
	const struct reply *r = assert_ret_submit(fx, i, seq, 0, (uint32_t)len);

	assert_int_equal(r->len, len);
	if (len)
		assert_memory_equal(r->data, want, len);
}

/* ---- set-up ---- */

static void on_closed(struct usbip_conn *c, int err, const char *why, void *data)
{
	struct fixture *fx = data;

	fx->closed_calls++;
	fx->closed_err = err;
	fx->closed_why = why;
	runner_check(&fx->run);
}

static const struct usbip_conn_ops conn_ops = {
	.closed = on_closed,
};

/* A fresh socketpair, connection and checker for the device. */
static void connect_device(struct fixture *fx)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fx->kfd = sv[0];
	assert_int_equal(fcntl(fx->kfd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(usbip_conn_new(fx->loop, sv[1], &fx->dev, &conn_ops, fx, &fx->conn), 0);
	assert_int_equal(loop_io_add(fx->loop, fx->kfd, EPOLLIN, kernel_read, fx, NULL, &fx->kio),
			 0);
	assert_int_equal(usbip_check_new(reply_log_add, &fx->reps, &fx->chk), 0);
	fx->keof = false;
	fx->closed_calls = 0;
	fx->closed_err = 1;
	fx->closed_why = NULL;
	fx->kread = fx->kwritten = 0;
	fx->kw_hash = FNV_INIT;
}

static void disconnect_device(struct fixture *fx)
{
	usbip_conn_free(fx->conn);
	fx->conn = NULL;
	loop_io_remove(fx->kio);
	fx->kio = NULL;
	if (fx->kfd >= 0)
		close(fx->kfd);
	fx->kfd = -1;
	usbip_check_free(fx->chk);
	fx->chk = NULL;
	reply_log_clear(&fx->reps);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->kfd = -1;
	fx->file_fd = -1;
	if (loop_new(&fx->loop) < 0)
		return -1;
	runner_init(&fx->run, fx->loop, 0);
	usb_device_init(&fx->dev);
	memcpy(fx->dev.desc, device_desc, sizeof(device_desc));
	fx->dev.config = config_desc;
	fx->dev.speed = USB_SPEED_HIGH;
	fx->dev.strings[1] = "vusb";
	fx->dev.strings[2] = "conn test \xe2\x9c\x93";
	if (!usb_device_add_function(&fx->dev, &test_ops, 0, 1, fx) ||
	    usb_device_validate(&fx->dev) < 0)
		return -1;
	fx->out_hash = FNV_INIT;
	fx->bulk_avail = 64;
	connect_device(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	const char *err = usbip_check_error(fx->chk);
	int r = 0;

	if (err) {
		fprintf(stderr, "protocol violation: %s\n", err);
		r = -1;
	}
	disconnect_device(fx);
	if (fx->file_fd >= 0)
		close(fx->file_fd);
	loop_free(fx->loop);
	reply_log_free(&fx->reps);
	free(fx);
	return r;
}

/* SET_CONFIGURATION(1) and its reply. */
static void configure(struct fixture *fx, uint32_t seq)
{
	struct cmdbuf b = { 0 };
	size_t n = fx->reps.n;

	put_control(&b, seq, USB_DIR_OUT, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, n + 1);
	assert_ret_submit(fx, n, seq, 0, 0);
}

/* The class has interrupt data: what a key press does. */
static void int_data(struct fixture *fx, const void *data, size_t len)
{
	memcpy(fx->int_data, data, len);
	fx->int_len = len;
	usb_ep_wake(&fx->dev, 0x81);
}

/* ---- tests ---- */

static void test_enumeration(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t langids[] = { 4, USB_DT_STRING, 0x09, 0x04 };
	static const uint8_t vusb[] = { 10, USB_DT_STRING, 'v', 0, 'u', 0, 's', 0, 'b', 0 };
	/* "conn test \u2713" */
	static const uint8_t check[] = {
		24, USB_DT_STRING, 'c', 0, 'o', 0, 'n', 0, 'n', 0, ' ', 0, 't', 0, 'e', 0, 's', 0,
		't', 0, ' ', 0, 0x13, 0x27,
	};
	struct cmdbuf b = { 0 };
	size_t i = 0;

	/* The sequence Linux's hub driver sends, seqnums with gaps as vhci
	 * numbers them per root hub. */
	get_descriptor(fx, 1, USB_DT_DEVICE, 0, 64);
	wait_replies(fx, 1);
	assert_reply_data(fx, i++, 1, device_desc, 18);

	get_descriptor(fx, 3, USB_DT_DEVICE, 0, 18);
	wait_replies(fx, 2);
	assert_reply_data(fx, i++, 3, device_desc, 18);

	get_descriptor(fx, 4, USB_DT_CONFIG, 0, 9);
	wait_replies(fx, 3);
	assert_reply_data(fx, i++, 4, config_desc, 9);

	get_descriptor(fx, 5, USB_DT_CONFIG, 0, CONFIG_LEN);
	wait_replies(fx, 4);
	assert_reply_data(fx, i++, 5, config_desc, CONFIG_LEN);

	get_descriptor(fx, 8, USB_DT_STRING, 0, 255);
	get_descriptor(fx, 9, USB_DT_STRING, 2, 255);
	get_descriptor(fx, 10, USB_DT_STRING, 1, 255);
	get_descriptor(fx, 11, USB_DT_STRING, 3, 255);
	wait_replies(fx, 8);
	assert_reply_data(fx, i++, 8, langids, sizeof(langids));
	assert_reply_data(fx, i++, 9, check, sizeof(check));
	assert_reply_data(fx, i++, 10, vusb, sizeof(vusb));
	/* no string 3: a stall, and the device carries on */
	assert_ret_submit(fx, i++, 11, -EPIPE, 0);

	put_control(&b, 12, USB_DIR_OUT, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL);
	put_control(&b, 13, USB_DIR_IN, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 10);
	assert_ret_submit(fx, i++, 12, 0, 0);
	assert_reply_data(fx, i++, 13, "\x01", 1);
	assert_true(usb_device_configured(&fx->dev));
	assert_quiet(fx);
	assert_int_equal(fx->closed_calls, 0);
}

static void test_interrupt_in_waits_for_data(void **state)
{
	struct fixture *fx = *state;
	struct usbip_conn_stats st;

	configure(fx, 1);
	submit_in(fx, 2, 1, 8);
	/* No data: no reply, however long (zero-length replies would flood
	 * the host). */
	assert_quiet(fx);
	assert_int_equal(fx->reps.n, 1);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 1);

	int_data(fx, "\x01\x02\x03", 3);
	wait_replies(fx, 2);
	assert_reply_data(fx, 1, 2, "\x01\x02\x03", 3);

	usbip_conn_get_stats(fx->conn, &st);
	assert_int_equal(st.submitted, 2);
	assert_int_equal(st.completed, 2);
	assert_int_equal(st.unlinked, 0);
}

static void test_unlink_pending(void **state)
{
	struct fixture *fx = *state;
	struct usbip_conn_stats st;

	configure(fx, 1);
	submit_in(fx, 100, 1, 8);
	assert_quiet(fx);

	send_unlink(fx, 101, 100);
	wait_replies(fx, 2);
	/* Answered with the unlink's own seqnum. */
	assert_ret_unlink(fx, 1, 101, -ECONNRESET);
	assert_int_equal(fx->reps.v[1].unlink_target, 100);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 0);

	/* Data now must not produce a RET_SUBMIT for 100 (the checker
	 * fails on it): it waits for the next URB. */
	int_data(fx, "\x42", 1);
	assert_quiet(fx);
	assert_int_equal(fx->int_len, 1);
	submit_in(fx, 102, 1, 8);
	wait_replies(fx, 3);
	assert_reply_data(fx, 2, 102, "\x42", 1);

	usbip_conn_get_stats(fx->conn, &st);
	assert_int_equal(st.submitted, 3);
	assert_int_equal(st.unlinked, 1);
}

static void test_unlink_after_completion(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };

	/* In one write: the RET_SUBMIT is queued when the unlink arrives. */
	put_control(&b, 200, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18, NULL);
	put_unlink(&b, 201, 200);
	cmd_send(fx, &b);
	wait_replies(fx, 2);
	assert_reply_data(fx, 0, 200, device_desc, 18);
	assert_ret_unlink(fx, 1, 201, 0);

	/* After the RET_SUBMIT went out. */
	get_descriptor(fx, 300, USB_DT_DEVICE, 0, 8);
	wait_replies(fx, 3);
	send_unlink(fx, 301, 300);
	wait_replies(fx, 4);
	assert_reply_data(fx, 2, 300, device_desc, 8);
	assert_ret_unlink(fx, 3, 301, 0);

	/* A seqnum never seen: nothing to cancel, still answered. */
	send_unlink(fx, 400, 0x7777);
	wait_replies(fx, 5);
	assert_ret_unlink(fx, 4, 400, 0);

	/* Several in one write, mixed. */
	configure(fx, 500);
	put_submit(&b, 501, true, 1, 8, NULL); /* stays pending */
	put_control(&b, 502, USB_DIR_IN, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL);
	put_unlink(&b, 503, 502);
	put_unlink(&b, 504, 501);
	put_unlink(&b, 505, 501); /* twice: the second finds nothing */
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 10);
	assert_reply_data(fx, 6, 502, "\x01", 1);
	assert_ret_unlink(fx, 7, 503, 0);
	assert_ret_unlink(fx, 8, 504, -ECONNRESET);
	assert_ret_unlink(fx, 9, 505, 0);
	assert_quiet(fx);
}

static void test_out_transfer(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	uint8_t expect[1000];
	size_t i;

	for (i = 0; i < sizeof(expect); i++)
		expect[i] = out_pattern(i);
	configure(fx, 1);
	put_submit(&b, 2, false, 2, 1000, NULL);
	put_out_data(&b, 1000);
	/* a zero-length OUT */
	put_submit(&b, 3, false, 2, 0, NULL);
	/* a class request with data */
	put_control(&b, 4, USB_DIR_OUT | USB_TYPE_CLASS | USB_RECIP_INTERFACE, TC_SET, 0x0200, 0, 5,
		    "hello");
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 4);
	/* actual_length says what was taken; the checker saw no payload. */
	assert_ret_submit(fx, 1, 2, 0, 1000);
	assert_int_equal(fx->reps.v[1].len, 0);
	assert_ret_submit(fx, 2, 3, 0, 0);
	assert_ret_submit(fx, 3, 4, 0, 5);
	assert_int_equal(fx->reps.v[3].len, 0);

	assert_int_equal(fx->out_urbs, 2);
	assert_int_equal(fx->out_bytes, 1000);
	assert_int_equal(fx->out_hash, fnv1a(FNV_INIT, expect, sizeof(expect)));
	assert_int_equal(fx->ctl_len, 5);
	assert_memory_equal(fx->ctl_data, "hello", 5);
}

static void test_in_never_longer_than_asked(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	const uint8_t setup[8] = { USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, 0, USB_DT_DEVICE, 0, 0,
				   U16_LE(64) };
	size_t i;

	/* wLength 64, but a 4-byte transfer buffer. */
	put_submit(&b, 1, true, 0, 4, setup);
	/* wLength 2 of a string. */
	put_control(&b, 2, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_STRING << 8 | 1, 0x409, 2,
		    NULL);
	/* A class answering 4 bytes to a request for 3. */
	put_control(&b, 3, USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE, TC_GET, 0, 0, 3,
		    NULL);
	cmd_send(fx, &b);
	wait_replies(fx, 3);
	assert_reply_data(fx, 0, 1, device_desc, 4);
	assert_reply_data(fx, 1, 2, "\x0a\x03", 2);
	assert_reply_data(fx, 2, 3, "\xde\xad\xbe", 3);

	/* Bulk IN: the class has 64 bytes, the URB room for 10. */
	configure(fx, 4);
	put_submit(&b, 5, true, 3, 10, NULL);
	put_submit(&b, 6, true, 3, 0, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 6);
	assert_ret_submit(fx, 4, 5, 0, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(fx->reps.v[4].data[i], in_pattern(5, i));
	assert_ret_submit(fx, 5, 6, 0, 0);
}

static void test_stalls(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };

	/* An unknown request, and an endpoint before configuration. */
	put_control(&b, 1, USB_DIR_IN, 0x55, 0, 0, 8, NULL);
	put_submit(&b, 2, true, 1, 8, NULL);
	put_submit(&b, 3, false, 2, 4, NULL);
	put_out_data(&b, 4);
	put_control(&b, 4, USB_DIR_IN, USB_REQ_GET_STATUS, 0, 0, 2, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 4);
	assert_ret_submit(fx, 0, 1, -EPIPE, 0);
	assert_ret_submit(fx, 1, 2, -EPIPE, 0);
	assert_ret_submit(fx, 2, 3, -EPIPE, 0);
	assert_reply_data(fx, 3, 4, "\0\0", 2);
	assert_int_equal(fx->out_urbs, 0);
}

static void test_header_split(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	size_t i;

	configure(fx, 1);
	put_submit(&b, 0x01020304, false, 2, 5, NULL);
	put_out_data(&b, 5);
	put_control(&b, 0x01020305, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18,
		    NULL);
	assert_int_equal(usbip_check_host(fx->chk, b.p, b.len), 0);
	/* One byte at a time, the loop running in between. */
	for (i = 0; i < b.len; i++) {
		kwrite_raw(fx, b.p + i, 1);
		if (i == USBIP_HDR_SIZE + 5 - 1 || i == b.len - 1) {
			/* the last byte of a transfer: its reply comes */
			wait_replies(fx, i == b.len - 1 ? 3 : 2);
			continue;
		}
		run_for(&fx->run, 1);
		assert_no_violation(fx);
		assert_int_equal(fx->reps.n, i < USBIP_HDR_SIZE + 5 ? 1 : 2);
	}
	cmd_free(&b);
	wait_replies(fx, 3);
	assert_ret_submit(fx, 1, 0x01020304, 0, 5);
	assert_reply_data(fx, 2, 0x01020305, device_desc, 18);
	assert_int_equal(fx->out_bytes, 5);
	assert_int_equal(fx->out_hash, fnv1a(FNV_INIT, (const uint8_t *)"\x07\x26\x45\x64\x83", 5));

	/* And in uneven pieces that cut header and payload anywhere. */
	put_submit(&b, 7, false, 2, 700, NULL);
	put_out_data(&b, 700);
	put_submit(&b, 8, true, 3, 64, NULL);
	assert_int_equal(usbip_check_host(fx->chk, b.p, b.len), 0);
	for (i = 0; i < b.len; i += 37) {
		kwrite_raw(fx, b.p + i, b.len - i < 37 ? b.len - i : 37);
		run_for(&fx->run, 1);
	}
	cmd_free(&b);
	wait_replies(fx, 5);
	assert_ret_submit(fx, 3, 7, 0, 700);
	assert_ret_submit(fx, 4, 8, 0, 64);
}

static void test_many_urbs_in_one_write(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	struct usbip_conn_stats st;
	uint32_t seq;
	size_t i;

	configure(fx, 1);
	for (seq = 1000; seq < 1200; seq++) {
		switch (seq % 4) {
		case 0:
			put_control(&b, seq, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR,
				    USB_DT_DEVICE << 8, 0, (uint16_t)(seq % 19), NULL);
			break;
		case 1:
			put_submit(&b, seq, false, 2, seq % 100, NULL);
			put_out_data(&b, seq % 100);
			break;
		case 2:
			put_submit(&b, seq, true, 3, 64, NULL);
			break;
		case 3:
			put_control(&b, seq, USB_DIR_IN, 0x55, 0, 0, 8, NULL);
			break;
		}
	}
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 201);
	for (i = 1, seq = 1000; seq < 1200; seq++, i++) {
		switch (seq % 4) {
		case 0:
			assert_reply_data(fx, i, seq, device_desc, seq % 19);
			break;
		case 1:
			assert_ret_submit(fx, i, seq, 0, seq % 100);
			break;
		case 2:
			assert_ret_submit(fx, i, seq, 0, 64);
			assert_int_equal(fx->reps.v[i].data[63], in_pattern(seq, 63));
			break;
		case 3:
			assert_ret_submit(fx, i, seq, -EPIPE, 0);
			break;
		}
	}
	assert_quiet(fx);
	usbip_conn_get_stats(fx->conn, &st);
	assert_int_equal(st.submitted, 201);
	assert_int_equal(st.completed, 201);
	assert_int_equal(st.bytes_in, fx->kwritten);
	assert_int_equal(st.bytes_out, fx->kread);
}

/* The header bytes of a good CMD_SUBMIT with the field at `off` set to `v`. */
static void put_bad_header(struct cmdbuf *b, size_t off, uint32_t v)
{
	uint8_t *h;

	put_control(b, 77, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18, NULL);
	h = b->p + b->len - USBIP_HDR_SIZE;
	put32(h + off, v);
}

static void test_malformed_header_closes(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		size_t off;
		uint32_t v;
	} bad[] = {
		{ 0, 0 }, /* command */
		{ 0, USBIP_RET_SUBMIT },
		{ 0, USBIP_RET_UNLINK },
		{ 0, 0x01000000 },
		{ 12, 2 }, /* direction */
		{ 16, 16 }, /* ep */
		{ 24, 0xffffffff }, /* length -1 */
		{ 32, 1025 }, /* number_of_packets */
		{ 32, 0xfffffffe },
	};
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct cmdbuf b = { 0 };

		/* A good URB, the bad header, another good URB behind it. */
		put_control(&b, 1, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18,
			    NULL);
		kwrite(fx, b.p, b.len);
		wait_replies(fx, 1);
		b.len = 0;
		put_bad_header(&b, bad[k].off, bad[k].v);
		put_control(&b, 2, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18,
			    NULL);
		kwrite_raw(fx, b.p, b.len);
		cmd_free(&b);
		wait_closed(fx);
		assert_int_equal(fx->closed_err, -EBADMSG);
		assert_string_equal(fx->closed_why, "malformed USB/IP header");
		/* Nothing after the bad header was served. */
		run_for(&fx->run, 10);
		assert_int_equal(fx->reps.n, 1);
		assert_no_violation(fx);
		assert_int_equal(fx->closed_calls, 1);

		/* The owner frees it; the kernel sees the end of the stream. */
		usbip_conn_free(fx->conn);
		fx->conn = NULL;
		assert_true(run_until(&fx->run, kernel_eof, fx, WAIT_MS));
		assert_int_equal(usbip_check_end(fx->chk), 0);
		disconnect_device(fx);
		connect_device(fx);
	}
}

static void test_eof_mid_header(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };

	put_control(&b, 1, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18, NULL);
	kwrite_raw(fx, b.p, 20);
	cmd_free(&b);
	run_for(&fx->run, 10);
	assert_int_equal(fx->closed_calls, 0);
	assert_int_equal(shutdown(fx->kfd, SHUT_WR), 0);
	wait_closed(fx);
	assert_int_equal(fx->closed_err, -EBADMSG);
	assert_non_null(fx->closed_why);
	assert_int_equal(fx->reps.n, 0);
}

static void test_eof_mid_payload(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };

	configure(fx, 1);
	put_submit(&b, 2, false, 2, 100, NULL);
	put_out_data(&b, 50);
	kwrite_raw(fx, b.p, b.len);
	cmd_free(&b);
	run_for(&fx->run, 10);
	assert_int_equal(fx->closed_calls, 0);
	assert_int_equal(shutdown(fx->kfd, SHUT_WR), 0);
	wait_closed(fx);
	assert_int_equal(fx->closed_err, -EBADMSG);
	assert_non_null(fx->closed_why);
	assert_int_equal(fx->out_urbs, 0);
	assert_int_equal(fx->reps.n, 1);
}

static void test_eof_mid_iso_descriptors(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };

	put_submit_iso(&b, 2, true, 1, 64, NULL, 4);
	cmd_grow(&b, 2 * USBIP_ISO_DESC_SIZE); /* of 4 */
	memset(b.p + USBIP_HDR_SIZE, 0, 2 * USBIP_ISO_DESC_SIZE);
	kwrite_raw(fx, b.p, b.len);
	cmd_free(&b);
	assert_int_equal(shutdown(fx->kfd, SHUT_WR), 0);
	wait_closed(fx);
	assert_int_equal(fx->closed_err, -EBADMSG);
	assert_int_equal(fx->reps.n, 0);
}

static void test_clean_eof(void **state)
{
	struct fixture *fx = *state;

	get_descriptor(fx, 1, USB_DT_DEVICE, 0, 18);
	wait_replies(fx, 1);
	assert_int_equal(shutdown(fx->kfd, SHUT_WR), 0);
	wait_closed(fx);
	assert_int_equal(fx->closed_err, 0);
	assert_null(fx->closed_why);
	/* Once only, however long the loop runs. */
	run_for(&fx->run, 20);
	assert_int_equal(fx->closed_calls, 1);
}

static void test_iso_refused(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	uint8_t *d;

	configure(fx, 1);
	/* OUT with 8 bytes of data and two packet descriptors after it. */
	put_submit_iso(&b, 2, false, 2, 8, NULL, 2);
	put_out_data(&b, 8);
	d = cmd_grow(&b, 2 * USBIP_ISO_DESC_SIZE);
	memset(d, 0, 2 * USBIP_ISO_DESC_SIZE);
	put32(d + 4, 4);
	put32(d + 16, 4);
	put32(d + 20, 4);
	put_control(&b, 3, USB_DIR_IN, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 3);
	/* Refused, and every byte of it passed over: the next URB is fine. */
	assert_ret_submit(fx, 1, 2, -EXDEV, 0);
	assert_reply_data(fx, 2, 3, "\x01", 1);
	assert_int_equal(fx->out_urbs, 0);
}

/* Heap in use, as glibc sees it (valgrind's own heap is not counted). */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void test_oversized_out(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	const size_t big = USBIP_MAX_TRANSFER + 1;
	const size_t chunk = 64 * 1024;
	size_t off, base, peak = 0;
	uint8_t *data;

	configure(fx, 1);
	data = malloc(chunk);
	assert_non_null(data);
	for (off = 0; off < chunk; off++)
		data[off] = out_pattern(off);

	base = heap_in_use();
	put_submit(&b, 2, false, 2, (uint32_t)big, NULL);
	cmd_send(fx, &b);
	/* The payload in chunks, the loop reading between them. */
	for (off = 0; off < big; off += chunk) {
		size_t n = big - off < chunk ? big - off : chunk;

		assert_int_equal(usbip_check_host(fx->chk, data, n), 0);
		kwrite_raw(fx, data, n);
		run_for(&fx->run, 1);
		if (heap_in_use() > peak)
			peak = heap_in_use();
	}
	free(data);
	wait_replies(fx, 2);
	assert_ret_submit(fx, 1, 2, -EOVERFLOW, 0);
	/* Skipped, not allocated: far less than the transfer was held. */
	assert_true(peak < base + USBIP_MAX_TRANSFER / 4);
	assert_int_equal(fx->out_urbs, 0);

	/* The connection lives on. */
	assert_int_equal(fx->closed_calls, 0);
	put_control(&b, 3, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 3);
	assert_reply_data(fx, 2, 3, device_desc, 18);
}

static void test_largest_out(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	const size_t big = USBIP_MAX_TRANSFER;
	uint32_t hash = FNV_INIT;
	size_t i;

	configure(fx, 1);
	put_submit(&b, 2, false, 2, (uint32_t)big, NULL);
	put_out_data(&b, big);
	for (i = 0; i < big; i++) {
		uint8_t c = out_pattern(i);

		hash = fnv1a(hash, &c, 1);
	}
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 2);
	assert_ret_submit(fx, 1, 2, 0, (uint32_t)big);
	assert_int_equal(fx->out_bytes, big);
	assert_int_equal(fx->out_hash, hash);
}

static void test_oversized_in_capped(void **state)
{
	struct fixture *fx = *state;
	const uint32_t huge = 16u << 20;
	size_t i;

	configure(fx, 1);
	fx->bulk_avail = 8u << 20;
	submit_in(fx, 2, 3, huge);
	wait_replies(fx, 2);
	/* The class was handed a transfer of USBIP_MAX_TRANSFER, not 16 MiB:
	 * one size, so a class filling by length cannot overrun. */
	assert_int_equal(fx->bulk_length, USBIP_MAX_TRANSFER);
	assert_int_equal(fx->bulk_cap, USBIP_MAX_TRANSFER);
	assert_ret_submit(fx, 1, 2, 0, USBIP_MAX_TRANSFER);
	assert_int_equal(fx->reps.v[1].len, USBIP_MAX_TRANSFER);
	for (i = 0; i < USBIP_MAX_TRANSFER; i += 4093)
		assert_int_equal(fx->reps.v[1].data[i], in_pattern(2, i));

	/* A control IN that large is answered with what the device has. */
	get_descriptor(fx, 3, USB_DT_CONFIG, 0, 0xffff);
	wait_replies(fx, 3);
	assert_reply_data(fx, 2, 3, config_desc, CONFIG_LEN);
}

static size_t unread_bytes(struct fixture *fx)
{
	int n = 0;

	assert_int_equal(ioctl(fx->kfd, FIONREAD, &n), 0);
	return (size_t)n;
}

static void test_peer_stops_reading(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	const uint32_t nbulk = 40, size = 64 * 1024;
	size_t queued, i;
	uint32_t k;

	configure(fx, 1);
	fx->bulk_avail = size;
	kernel_reading(fx, false);

	/* 2.5 MiB of replies, far more than the socket buffers hold. */
	for (k = 0; k < nbulk; k++)
		put_submit(&b, 10 + k, true, 3, size, NULL);
	/* An interrupt URB, completed while the queue is blocked. */
	put_submit(&b, 60, true, 1, 8, NULL);
	cmd_send(fx, &b);
	run_for(&fx->run, QUIET_MS);
	int_data(fx, "\x99", 1);
	/* More input still gets read and answered behind the rest. */
	put_submit(&b, 61, false, 2, 3, NULL);
	put_out_data(&b, 3);
	put_unlink(&b, 62, 61);
	cmd_send(fx, &b);
	cmd_free(&b);
	run_for(&fx->run, QUIET_MS);

	/* The device wrote what fit and is holding the rest. */
	queued = unread_bytes(fx);
	assert_true(queued > 0);
	assert_true(queued < (size_t)nbulk * size);
	assert_int_equal(fx->closed_calls, 0);
	assert_int_equal(fx->out_urbs, 1);

	/* The kernel reads again: nothing lost, nothing reordered. */
	kernel_reading(fx, true);
	wait_replies(fx, 1 + nbulk + 3);
	for (k = 0, i = 1; k < nbulk; k++, i++) {
		const struct reply *r = assert_ret_submit(fx, i, 10 + k, 0, size);

		assert_int_equal(r->data[0], in_pattern(10 + k, 0));
		assert_int_equal(r->data[size - 1], in_pattern(10 + k, size - 1));
	}
	assert_reply_data(fx, i++, 60, "\x99", 1);
	assert_ret_submit(fx, i++, 61, 0, 3);
	assert_ret_unlink(fx, i++, 62, 0);
	assert_quiet(fx);
	assert_int_equal(unread_bytes(fx), 0);
}

/* ---- IN data spliced from a file ---- */

static uint8_t file_pattern(size_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

#define FILE_SIZE (1u << 20)

/* A 1 MiB file of file_pattern() for the test class's bulk IN. */
static void use_file(struct fixture *fx)
{
	char path[] = "/tmp/vusb-test-conn-XXXXXX";
	static uint8_t data[FILE_SIZE];
	size_t i;

	for (i = 0; i < FILE_SIZE; i++)
		data[i] = file_pattern(i);
	fx->file_fd = mkstemp(path);
	assert_true(fx->file_fd >= 0);
	unlink(path);
	assert_int_equal(write(fx->file_fd, data, FILE_SIZE), FILE_SIZE);
}

/* Reply i: `len` bytes of the file from `off`. */
static void assert_file_data(struct fixture *fx, size_t i, uint32_t seq, size_t off, size_t len)
{
	const struct reply *r = assert_ret_submit(fx, i, seq, 0, (uint32_t)len);
	size_t k;

	assert_int_equal(r->len, len);
	for (k = 0; k < len; k++)
		if (r->data[k] != file_pattern(off + k))
			fail_msg("reply %zu, byte %zu: %#x, not %#x", i, k, r->data[k],
				 file_pattern(off + k));
}

static void test_splice_in(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	const uint32_t size = 120 * 1024; /* what usb-storage asks at high speed */
	size_t off = 3 * 512; /* not page-aligned */
	uint32_t k;

	use_file(fx);
	configure(fx, 1);
	fx->bulk_avail = size;
	fx->file_off = off;

	/* One URB at a time: every one spliced. */
	for (k = 0; k < 3; k++) {
		submit_in(fx, 10 + k, 3, size);
		wait_replies(fx, 2 + k);
		assert_file_data(fx, 1 + k, 10 + k, off + k * size, size);
	}
	assert_int_equal(fx->spliced, 3);
	assert_int_equal(fx->copied, 0);

	/* Three at once: answered in one round, while the first one's data
	 * waits in the pipe; the others are copied, and all arrive in order. */
	for (k = 0; k < 3; k++)
		put_submit(&b, 20 + k, true, 3, size, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 7);
	for (k = 0; k < 3; k++)
		assert_file_data(fx, 4 + k, 20 + k, off + (3 + k) * size, size);
	assert_int_equal(fx->spliced, 4);
	assert_int_equal(fx->copied, 2);
	assert_no_violation(fx);
}

static void test_splice_in_peer_slow(void **state)
{
	struct fixture *fx = *state;
	const uint32_t size = 256 * 1024;
	uint32_t k;

	use_file(fx);
	configure(fx, 1);
	fx->bulk_avail = size;
	kernel_reading(fx, false);
	/* More than the socket holds: each reply is written in pieces, a
	 * spliced one too, as the kernel reads. */
	for (k = 0; k < 4; k++) {
		submit_in(fx, 10 + k, 3, size);
		run_for(&fx->run, QUIET_MS / 4);
	}
	kernel_reading(fx, true);
	wait_replies(fx, 5);
	for (k = 0; k < 4; k++)
		assert_file_data(fx, 1 + k, 10 + k, k * size, size);
	assert_true(fx->spliced >= 1);
	assert_int_equal(fx->spliced + fx->copied, 4);
	assert_no_violation(fx);
}

static void test_splice_in_errors(void **state)
{
	struct fixture *fx = *state;
	const uint32_t size = 64 * 1024;

	use_file(fx);
	configure(fx, 1);
	fx->bulk_avail = size;

	/* Past the end of the file: a read error, nothing sent, and the
	 * pipe is left empty for the next one. */
	fx->file_off = FILE_SIZE - 100;
	submit_in(fx, 10, 3, size);
	wait_replies(fx, 2);
	assert_ret_submit(fx, 1, 10, -EIO, 0);
	assert_int_equal(fx->splice_err, -EIO);

	/* Spliced, then the class fails the URB: its data is dropped. */
	fx->file_off = 4096;
	fx->fail_after_splice = -EPROTO;
	submit_in(fx, 11, 3, size);
	wait_replies(fx, 3);
	assert_ret_submit(fx, 2, 11, -EPROTO, 0);
	assert_int_equal(fx->spliced, 1);

	fx->fail_after_splice = 0;
	fx->file_off = 8192;
	submit_in(fx, 12, 3, size);
	wait_replies(fx, 4);
	assert_file_data(fx, 3, 12, 8192, size);
	assert_int_equal(fx->spliced, 2);
	assert_int_equal(fx->copied, 0);

	/* Small reads are copied: two syscalls cost more than the copy. */
	fx->bulk_avail = 4096;
	submit_in(fx, 13, 3, 4096);
	wait_replies(fx, 5);
	assert_file_data(fx, 4, 13, 8192 + size, 4096);
	assert_int_equal(fx->spliced, 2);
	assert_int_equal(fx->copied, 1);
	assert_no_violation(fx);
}

/* The file holds out_pattern() from `off`, `len` bytes. */
static void assert_file_written(struct fixture *fx, size_t off, size_t len)
{
	uint8_t *got = malloc(len);
	size_t i;

	assert_non_null(got);
	assert_int_equal(pread(fx->file_fd, got, len, (off_t)off), (ssize_t)len);
	for (i = 0; i < len; i++)
		if (got[i] != out_pattern(i))
			fail_msg("file byte %zu: %#x, not %#x", off + i, got[i], out_pattern(i));
	free(got);
}

static void submit_out(struct fixture *fx, uint32_t seq, size_t len)
{
	struct cmdbuf b = { 0 };

	put_submit(&b, seq, false, 2, (uint32_t)len, NULL);
	put_out_data(&b, len);
	cmd_send(fx, &b);
	cmd_free(&b);
}

static void test_splice_out(void **state)
{
	struct fixture *fx = *state;
	struct cmdbuf b = { 0 };
	const size_t size = 120 * 1024;
	size_t k, n;

	use_file(fx);
	configure(fx, 1);

	/* One at a time. */
	for (k = 0; k < 3; k++) {
		submit_out(fx, 10 + (uint32_t)k, size);
		wait_replies(fx, 2 + k);
		assert_ret_submit(fx, 1 + k, 10 + (uint32_t)k, 0, (uint32_t)size);
		assert_file_written(fx, k * size, size);
	}
	assert_int_equal(fx->spliced, 3);

	/* Three in one write. */
	for (k = 0; k < 3; k++) {
		put_submit(&b, 20 + (uint32_t)k, false, 2, (uint32_t)size, NULL);
		put_out_data(&b, size);
	}
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 7);
	for (k = 0; k < 3; k++) {
		assert_ret_submit(fx, 4 + k, 20 + (uint32_t)k, 0, (uint32_t)size);
		assert_file_written(fx, (3 + k) * size, size);
	}
	assert_int_equal(fx->spliced + fx->copied, 6);

	/* The payload in pieces, with pauses: the pipe fills as it comes. */
	put_submit(&b, 30, false, 2, (uint32_t)size, NULL);
	put_out_data(&b, size);
	assert_int_equal(usbip_check_host(fx->chk, b.p, b.len), 0);
	for (n = 0; n < b.len; n += 7000) {
		kwrite_raw(fx, b.p + n, b.len - n < 7000 ? b.len - n : 7000);
		run_for(&fx->run, 2);
	}
	cmd_free(&b);
	wait_replies(fx, 8);
	assert_ret_submit(fx, 7, 30, 0, (uint32_t)size);
	assert_file_written(fx, 6 * size, size);
	assert_true(fx->spliced >= 4);
	assert_no_violation(fx);
}

static void test_splice_out_partial_and_errors(void **state)
{
	struct fixture *fx = *state;
	const size_t size = 64 * 1024;
	char path[64];
	int rw;

	use_file(fx);
	configure(fx, 1);

	/* The class takes 1000 bytes: the rest is dropped, not left over. */
	fx->out_take = 1000;
	submit_out(fx, 10, size);
	wait_replies(fx, 2);
	assert_ret_submit(fx, 1, 10, 0, (uint32_t)size);
	assert_file_written(fx, 0, 1000);
	assert_int_equal(fx->file_off, 1000);
	fx->out_take = 0;
	submit_out(fx, 11, size);
	wait_replies(fx, 3);
	assert_file_written(fx, 1000, size);
	assert_int_equal(fx->spliced, 2);

	/* A write that fails (a read-only descriptor): the error reaches the
	 * host, and the next URB is not confused by what the pipe held. */
	rw = fx->file_fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", rw);
	fx->file_fd = open(path, O_RDONLY);
	assert_true(fx->file_fd >= 0);
	submit_out(fx, 12, size);
	wait_replies(fx, 4);
	assert_ret_submit(fx, 3, 12, -EBADF, 0);
	close(fx->file_fd);
	fx->file_fd = rw;
	fx->file_off = 4096;
	submit_out(fx, 13, size);
	wait_replies(fx, 5);
	assert_ret_submit(fx, 4, 13, 0, (uint32_t)size);
	assert_file_written(fx, 4096, size);

	/* Unlinked while it waits with its payload in the pipe. */
	fx->out_hold = true;
	submit_out(fx, 14, size);
	run_for(&fx->run, QUIET_MS);
	send_unlink(fx, 15, 14);
	wait_replies(fx, 6);
	assert_ret_unlink(fx, 5, 15, -ECONNRESET);
	fx->out_hold = false;
	fx->file_off = 8192;
	submit_out(fx, 16, size);
	wait_replies(fx, 7);
	assert_ret_submit(fx, 6, 16, 0, (uint32_t)size);
	assert_file_written(fx, 8192, size);
	assert_no_violation(fx);
}

/* The wire tap records piped payloads too, in stream order. */
static void test_splice_tapped(void **state)
{
	struct fixture *fx = *state;
	char dir[] = "/tmp/vusb-test-tap-XXXXXX", path[512];
	const size_t size = 120 * 1024;
	uint32_t hash = FNV_INIT;
	uint64_t total = 0;
	struct dirent *e;
	DIR *d;
	FILE *f;
	uint8_t h[5], *buf = malloc(USBIP_MAX_TRANSFER);

	assert_non_null(buf);
	assert_non_null(mkdtemp(dir));
	disconnect_device(fx);
	setenv("VUSB_WIRE_DIR", dir, 1);
	connect_device(fx);
	unsetenv("VUSB_WIRE_DIR");
	use_file(fx);
	configure(fx, 1);
	submit_out(fx, 10, size);
	submit_out(fx, 11, size);
	fx->bulk_avail = size;
	submit_in(fx, 12, 3, size);
	wait_replies(fx, 4);
	assert_int_equal(fx->spliced, 3);
	assert_file_written(fx, 0, size);
	assert_file_written(fx, size, size);
	assert_file_data(fx, 3, 12, 2 * size, size);
	disconnect_device(fx);

	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			break;
	assert_non_null(e);
	snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fread(h, 1, 5, f) == 5) {
		uint32_t n = h[1] | h[2] << 8 | h[3] << 16 | (uint32_t)h[4] << 24;

		assert_true(n <= USBIP_MAX_TRANSFER);
		assert_int_equal(fread(buf, 1, n, f), n);
		if (h[0] == 'H') {
			hash = fnv1a(hash, buf, n);
			total += n;
		}
	}
	fclose(f);
	unlink(path);
	closedir(d);
	rmdir(dir);
	free(buf);
	/* Everything the kernel wrote, in its order. */
	assert_int_equal(total, fx->kwritten);
	assert_int_equal(hash, fx->kw_hash);
	connect_device(fx);
}

static void test_peer_gone_with_reply_pending(void **state)
{
	struct fixture *fx = *state;

	configure(fx, 1);
	submit_in(fx, 2, 1, 8);
	assert_quiet(fx);

	/* The kernel closes its end (detach) while the interrupt URB is
	 * pending; then the class has data before the loop has seen the
	 * hang-up. Writing the reply fails: that must end the connection,
	 * not the process. */
	loop_io_remove(fx->kio);
	fx->kio = NULL;
	close(fx->kfd);
	fx->kfd = -1;
	int_data(fx, "\x01", 1);
	wait_closed(fx);
	assert_int_equal(fx->closed_err, -EPIPE);
}

/* ---- the checker itself: it must see what it is there to see ---- */

static void put_reply(struct cmdbuf *b, uint32_t command, uint32_t seq, int32_t status,
		      uint32_t actual)
{
	uint8_t *h = cmd_grow(b, USBIP_HDR_SIZE);

	memset(h, 0, USBIP_HDR_SIZE);
	put32(h, command);
	put32(h + 4, seq);
	put32(h + 20, (uint32_t)status);
	if (command == USBIP_RET_SUBMIT)
		put32(h + 24, actual);
}

/*
 * The host submits an OUT URB 1 (8 bytes), an IN URB 2 (8 bytes) and an
 * IN URB 3, and unlinks 3 with CMD_UNLINK 4; `device` is what the device
 * answers. Returns the checker's verdict on it.
 */
static int check_verdict(void (*device)(struct cmdbuf *b), bool end, char *why, size_t whylen)
{
	struct usbip_check *chk = NULL;
	struct cmdbuf h = { 0 }, d = { 0 };
	size_t i;
	int r;

	put_submit(&h, 1, false, 2, 8, NULL);
	put_out_data(&h, 8);
	put_submit(&h, 2, true, 1, 8, NULL);
	put_submit(&h, 3, true, 1, 8, NULL);
	put_unlink(&h, 4, 3);
	device(&d);
	assert_int_equal(usbip_check_new(NULL, NULL, &chk), 0);
	assert_int_equal(usbip_check_host(chk, h.p, h.len), 0);
	/* byte by byte: the verdict must not depend on how reads cut it */
	r = 0;
	for (i = 0; i < d.len && r == 0; i++)
		r = usbip_check_device(chk, d.p + i, 1);
	if (r == 0 && end)
		r = usbip_check_end(chk);
	snprintf(why, whylen, "%s", usbip_check_error(chk) ? usbip_check_error(chk) : "");
	usbip_check_free(chk);
	cmd_free(&h);
	cmd_free(&d);
	return r;
}

static void dev_good(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 2, 0, 3);
	memcpy(cmd_grow(b, 3), "abc", 3);
	put_reply(b, USBIP_RET_UNLINK, 4, -ECONNRESET, 0);
	put_reply(b, USBIP_RET_SUBMIT, 1, 0, 8);
}

static void dev_completed_then_unlinked(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 3, -EPIPE, 0);
	put_reply(b, USBIP_RET_UNLINK, 4, 0, 0);
}

static void dev_unknown_seqnum(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 9, 0, 0);
}

static void dev_twice(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 1, 0, 8);
	put_reply(b, USBIP_RET_SUBMIT, 1, 0, 8);
}

static void dev_submit_after_unlink(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_UNLINK, 4, -ECONNRESET, 0);
	put_reply(b, USBIP_RET_SUBMIT, 3, 0, 0);
}

static void dev_out_payload(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 1, 0, 8);
	put_out_data(b, 8);
	put_reply(b, USBIP_RET_SUBMIT, 2, 0, 0);
}

static void dev_out_payload_at_end(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 1, 0, 8);
	put_out_data(b, 8);
}

static void dev_in_too_long(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 2, 0, 9);
	put_out_data(b, 9);
}

static void dev_nonzero_ep(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 2, 0, 0);
	put32(b->p + 16, 1);
}

static void dev_unlink_wrong_status(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_UNLINK, 4, 0, 0); /* 3 still pending */
}

static void dev_unlink_unknown(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_UNLINK, 3, -ECONNRESET, 0); /* the URB's seqnum */
}

static void dev_positive_status(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 2, 5, 0);
}

static void dev_packets(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 2, 0, 0);
	put32(b->p + 32, 0xffffffff);
}

static void dev_bad_command(struct cmdbuf *b)
{
	put_reply(b, USBIP_CMD_SUBMIT, 2, 0, 0);
}

static void dev_truncated(struct cmdbuf *b)
{
	put_reply(b, USBIP_RET_SUBMIT, 2, 0, 3);
	memcpy(cmd_grow(b, 2), "ab", 2);
}

static void test_checker_catches_violations(void **state)
{
	static const struct {
		void (*device)(struct cmdbuf *b);
		const char *what; /* in the message; NULL: no violation */
	} cases[] = {
		{ dev_good, NULL },
		{ dev_completed_then_unlinked, NULL },
		{ dev_unknown_seqnum, "unknown seqnum 9" },
		{ dev_twice, "unknown seqnum 1" },
		{ dev_submit_after_unlink, "after RET_UNLINK" },
		{ dev_out_payload, "payload on an OUT reply" },
		{ dev_out_payload_at_end, "payload on an OUT reply" },
		{ dev_in_too_long, "actual_length 9" },
		{ dev_nonzero_ep, "not zero" },
		{ dev_unlink_wrong_status, "want -ECONNRESET" },
		{ dev_unlink_unknown, "answers no CMD_UNLINK" },
		{ dev_positive_status, "status 5" },
		{ dev_packets, "number_of_packets -1" },
		{ dev_bad_command, "is not a reply" },
		{ dev_truncated, "ended inside a reply" },
	};
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = check_verdict(cases[i].device, true, why, sizeof(why));

		if (!cases[i].what) {
			if (r != 0)
				fail_msg("case %zu: unexpected violation: %s", i, why);
			continue;
		}
		if (r != -EPROTO)
			fail_msg("case %zu: no violation, want \"%s\"", i, cases[i].what);
		if (!strstr(why, cases[i].what))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, why, cases[i].what);
	}
}

/* ---- a watcher (a capture) ---- */

struct watched {
	char type;
	uint32_t seq;
	int status;
	size_t len;
	bool has_data;
	uint32_t hash;
};

static struct watched watched[32];
static unsigned int nwatched;

static void on_watch(void *data, char type, const struct usb_urb *urb, int status, const void *buf,
		     size_t len)
{
	struct watched *w = &watched[nwatched < 32 ? nwatched : 31];

	(void)data;
	w->type = type;
	w->seq = urb->seqnum;
	w->status = status;
	w->len = len;
	w->has_data = buf != NULL;
	w->hash = buf ? fnv1a(FNV_INIT, buf, len) : 0;
	nwatched++;
}

static void assert_watched(unsigned int i, char type, uint32_t seq, int status, size_t len)
{
	assert_true(i < nwatched);
	assert_int_equal(watched[i].type, type);
	assert_int_equal(watched[i].seq, seq);
	assert_int_equal(watched[i].status, status);
	assert_int_equal(watched[i].len, len);
	if (len)
		assert_true(watched[i].has_data);
}

/*
 * Every URB is seen submitted and completed (or unlinked) with its data,
 * storage data too: while watched it is copied, not spliced, and once the
 * watcher goes, splicing comes back.
 */
static void test_watch(void **state)
{
	struct fixture *fx = *state;
	const uint32_t size = 120 * 1024;
	uint8_t expect[size];
	uint32_t k;

	nwatched = 0;
	use_file(fx);
	usbip_conn_watch(fx->conn, on_watch, fx);
	configure(fx, 1);
	assert_watched(0, 'S', 1, 0, 0);
	assert_watched(1, 'C', 1, 0, 0);

	get_descriptor(fx, 2, USB_DT_DEVICE, 0, 18);
	wait_replies(fx, 2);
	assert_watched(2, 'S', 2, 0, 0);
	assert_watched(3, 'C', 2, 0, 18);
	assert_int_equal(watched[3].hash, fnv1a(FNV_INIT, device_desc, 18));

	submit_in(fx, 3, 1, 8);
	assert_quiet(fx);
	send_unlink(fx, 4, 3);
	wait_replies(fx, 3);
	assert_watched(4, 'S', 3, 0, 0);
	assert_watched(5, 'C', 3, -ECONNRESET, 0);

	fx->bulk_avail = size;
	submit_in(fx, 5, 3, size);
	wait_replies(fx, 4);
	assert_file_data(fx, 3, 5, 0, size);
	for (k = 0; k < size; k++)
		expect[k] = file_pattern(k);
	assert_watched(7, 'C', 5, 0, size);
	assert_int_equal(watched[7].hash, fnv1a(FNV_INIT, expect, size));

	fx->file_off = 0;
	submit_out(fx, 6, size);
	wait_replies(fx, 5);
	for (k = 0; k < size; k++)
		expect[k] = out_pattern(k);
	assert_watched(8, 'S', 6, 0, size);
	assert_int_equal(watched[8].hash, fnv1a(FNV_INIT, expect, size));
	assert_watched(9, 'C', 6, 0, 0);
	assert_file_written(fx, 0, size);
	assert_int_equal(fx->spliced, 0);
	assert_int_equal(fx->copied, 2);

	/* Unwatched: nothing more is seen, and the data is spliced again. */
	usbip_conn_watch(fx->conn, NULL, NULL);
	submit_in(fx, 7, 3, size);
	wait_replies(fx, 6);
	submit_out(fx, 8, size);
	wait_replies(fx, 7);
	assert_int_equal(nwatched, 10);
	assert_int_equal(fx->spliced, 2);
	assert_no_violation(fx);
}

/* ---- faults (src/usb/fault.h) on the wire ---- */

struct fault_host {
	struct fixture *fx;
	struct loop_timer *timer;
	unsigned int events; /* "fault ... fired" */
	char last[160];
};

static struct fault_host fault_host_of; /* one per test, reset by fault_begin() */

static void fh_fired(struct loop_timer *t, void *data)
{
	struct fault_host *h = data;

	usb_device_timer(&h->fx->dev);
}

static void fh_arm(struct usb_device *dev, unsigned int ms)
{
	struct fault_host *h = dev->host_data;

	if (!h->timer)
		assert_int_equal(loop_timer_add(h->fx->loop, fh_fired, h, NULL, &h->timer), 0);
	assert_int_equal(loop_timer_arm(h->timer, ms), 0);
}

static void fh_event(struct usb_device *dev, const char *what)
{
	struct fault_host *h = dev->host_data;

	if (strncmp(what, "fault ", 6) == 0) {
		h->events++;
		snprintf(h->last, sizeof(h->last), "%s", what);
	}
}

static const struct usb_host_ops fault_host_ops = {
	.arm_timer = fh_arm,
	.event = fh_event,
};

/* The test's device gets a host with a timer, and the faults in `specs`. */
static struct fault_host *fault_begin(struct fixture *fx, const char *const *specs)
{
	struct fault_host *h = &fault_host_of;
	unsigned int id, want = 1;

	memset(h, 0, sizeof(*h));
	h->fx = fx;
	fx->dev.host = &fault_host_ops;
	fx->dev.host_data = h;
	for (; *specs; specs++, want++) {
		struct usb_fault_spec spec;
		struct strbuf err = { 0 };

		if (usb_fault_parse_text(*specs, strlen(*specs), &spec, &err) < 0)
			fail_msg("%s: %s", *specs, strbuf_str(&err));
		assert_int_equal(usb_fault_add(&fx->dev, &spec, &id), 0);
		assert_int_equal(id, want);
	}
	return h;
}

static void fault_end(struct fixture *fx)
{
	struct fault_host *h = fx->dev.host_data;

	assert_int_equal(usb_fault_clear(&fx->dev, 0), 0);
	assert_null(fx->dev.faults);
	loop_timer_remove(h->timer);
	fx->dev.host = NULL;
	fx->dev.host_data = NULL;
}

static void clear_halt(struct fixture *fx, uint32_t seq, uint8_t epaddr)
{
	struct cmdbuf b = { 0 };

	put_control(&b, seq, USB_RECIP_ENDPOINT, USB_REQ_CLEAR_FEATURE, USB_ENDPOINT_HALT, epaddr,
		    0, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
}

/* An interrupt endpoint halts as a real one does: until CLEAR_FEATURE. */
static void test_fault_stall_interrupt(void **state)
{
	static const char *const specs[] = { "stall --ep 0x81", NULL };
	struct fixture *fx = *state;
	struct fault_host *h = fault_begin(fx, specs);
	struct usbip_conn_stats st;

	configure(fx, 1);
	submit_in(fx, 2, 1, 8);
	wait_replies(fx, 2);
	assert_ret_submit(fx, 1, 2, -EPIPE, 0);
	assert_int_equal(h->events, 1);
	assert_string_equal(h->last, "fault 1 stall fired on seqnum 2 ep 0x81 (1 of 1)");
	/* Still halted: the fault is spent, the halt is not. */
	submit_in(fx, 3, 1, 8);
	wait_replies(fx, 3);
	assert_ret_submit(fx, 2, 3, -EPIPE, 0);
	clear_halt(fx, 4, 0x81);
	wait_replies(fx, 4);
	assert_ret_submit(fx, 3, 4, 0, 0);
	submit_in(fx, 5, 1, 8);
	assert_quiet(fx);
	int_data(fx, "\x07", 1);
	wait_replies(fx, 5);
	assert_reply_data(fx, 4, 5, "\x07", 1);
	assert_int_equal(h->events, 1);
	usbip_conn_get_stats(fx->conn, &st);
	assert_int_equal(st.submitted, 5);
	assert_int_equal(st.completed, 5);
	fault_end(fx);
}

/* --at-request: only that request fails, once; endpoint 0 never halts. */
static void test_fault_stall_at_request(void **state)
{
	static const char *const specs[] = { "stall --at-request get_descriptor:config", NULL };
	struct fixture *fx = *state;
	struct fault_host *h = fault_begin(fx, specs);
	struct strbuf list = { 0 };

	get_descriptor(fx, 1, USB_DT_DEVICE, 0, 18);
	get_descriptor(fx, 2, USB_DT_CONFIG, 0, 9);
	get_descriptor(fx, 3, USB_DT_CONFIG, 0, 9);
	wait_replies(fx, 3);
	assert_reply_data(fx, 0, 1, device_desc, 18);
	assert_ret_submit(fx, 1, 2, -EPIPE, 0);
	assert_reply_data(fx, 2, 3, config_desc, 9);
	assert_int_equal(h->events, 1);
	usb_fault_list(&fx->dev, &list);
	assert_string_equal(
		strbuf_str(&list),
		"1\tstall --at-request get_descriptor:config --count 1\tfired 1 (spent)\n");
	strbuf_free(&list);
	fault_end(fx);
}

/* error on bulk IN, with --after and --count; OUT and other endpoints untouched. */
static void test_fault_error_bulk(void **state)
{
	static const char *const specs[] = { "error -EOVERFLOW --ep 0x83 --after 1 --count 2",
					     NULL };
	struct fixture *fx = *state;
	struct fault_host *h = fault_begin(fx, specs);
	struct cmdbuf b = { 0 };
	uint32_t s;

	configure(fx, 1);
	put_submit(&b, 2, false, 2, 16, NULL);
	put_out_data(&b, 16);
	for (s = 3; s <= 6; s++)
		put_submit(&b, s, true, 3, 64, NULL);
	cmd_send(fx, &b);
	cmd_free(&b);
	wait_replies(fx, 6);
	assert_ret_submit(fx, 1, 2, 0, 16);
	assert_ret_submit(fx, 2, 3, 0, 64);
	assert_ret_submit(fx, 3, 4, -EOVERFLOW, 0);
	assert_ret_submit(fx, 4, 5, -EOVERFLOW, 0);
	assert_ret_submit(fx, 5, 6, 0, 64);
	assert_int_equal(fx->out_urbs, 1);
	assert_int_equal(h->events, 2);
	assert_string_equal(h->last, "fault 1 error fired on seqnum 5 ep 0x83 (2 of 2)");
	fault_end(fx);
}

/* timeout: never answered; the host's unlink is, and the device goes on. */
static void test_fault_timeout_unlinked(void **state)
{
	static const char *const specs[] = { "timeout --ep 0x83", NULL };
	struct fixture *fx = *state;
	struct fault_host *h = fault_begin(fx, specs);
	struct usbip_conn_stats st;
	uint8_t want[64];
	size_t i;

	configure(fx, 1);
	submit_in(fx, 2, 3, 64);
	assert_quiet(fx);
	assert_int_equal(h->events, 1);
	send_unlink(fx, 3, 2);
	wait_replies(fx, 2);
	assert_ret_unlink(fx, 1, 3, -ECONNRESET);
	submit_in(fx, 4, 3, 64);
	wait_replies(fx, 3);
	for (i = 0; i < sizeof(want); i++)
		want[i] = in_pattern(4, i);
	assert_reply_data(fx, 2, 4, want, 64);
	usbip_conn_get_stats(fx->conn, &st);
	assert_int_equal(st.unlinked, 1);

	/* A held URB the connection takes down with it (disconnect). */
	assert_int_equal(usb_fault_add(&fx->dev,
				       &(struct usb_fault_spec){ .kind = USB_FAULT_TIMEOUT,
								 .ep = USB_FAULT_ANY_EP,
								 .request = USB_FAULT_ANY_REQ,
								 .dtype = -1,
								 .count = 1,
								 .every = 1 },
				       &(unsigned int){ 0 }),
			 0);
	submit_in(fx, 5, 3, 64);
	assert_quiet(fx);
	disconnect_device(fx);
	connect_device(fx);
	fault_end(fx);
}

/* nak: held that long, then served; unlinked while held, never answered twice. */
static void test_fault_nak(void **state)
{
	static const char *const specs[] = { "nak 150 --ep 0 --count 2", NULL };
	struct fixture *fx = *state;
	struct timespec t0, t1;
	long ms;

	fault_begin(fx, specs);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	get_descriptor(fx, 1, USB_DT_DEVICE, 0, 18);
	wait_replies(fx, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 150);
	assert_reply_data(fx, 0, 1, device_desc, 18);

	get_descriptor(fx, 2, USB_DT_DEVICE, 0, 18);
	send_unlink(fx, 3, 2);
	wait_replies(fx, 2);
	assert_ret_unlink(fx, 1, 3, -ECONNRESET);
	run_for(&fx->run, 200); /* past the nak: nothing for seqnum 2 */
	assert_int_equal(fx->reps.n, 2);
	fault_end(fx);
}

/* short and corrupt alter IN data only, corrupt by one bit, the same for the same seed. */
static void test_fault_short_corrupt(void **state)
{
	static const char *const specs[] = { "short 3 --ep 0x83",
					     "corrupt --ep 0x83 --forever --seed 7", NULL };
	struct fixture *fx = *state;
	uint8_t first[64];
	unsigned int round, flipped, i;

	fault_begin(fx, specs);
	configure(fx, 1);
	submit_in(fx, 2, 3, 64);
	wait_replies(fx, 2);
	assert_ret_submit(fx, 1, 2, 0, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(fx->reps.v[1].data[i], in_pattern(2, i));

	for (round = 0; round < 2; round++) {
		size_t n = fx->reps.n;

		if (round) {
			/* the same spec again: the same bit flips */
			static const char *const again[] = { "corrupt --ep 0x83 --seed 7", NULL };

			fault_end(fx);
			fault_begin(fx, again);
		}
		submit_in(fx, 10, 3, 64);
		wait_replies(fx, n + 1);
		assert_ret_submit(fx, n, 10, 0, 64);
		flipped = 0;
		for (i = 0; i < 64; i++)
			flipped += (unsigned int)__builtin_popcount(fx->reps.v[n].data[i] ^
								    in_pattern(10, i));
		assert_int_equal(flipped, 1);
		if (round == 0)
			memcpy(first, fx->reps.v[n].data, 64);
		else
			assert_memory_equal(first, fx->reps.v[n].data, 64);
	}
	fault_end(fx);
}

/* --every, the list, and clear: a cleared fault fires no more. */
static void test_fault_every_and_clear(void **state)
{
	static const char *const specs[] = { "error ETIME --ep 0 --every 2", "stall --ep 0x81",
					     NULL };
	struct fixture *fx = *state;
	struct fault_host *h = fault_begin(fx, specs);
	struct strbuf list = { 0 };
	uint32_t s;

	for (s = 1; s <= 4; s++)
		get_descriptor(fx, s, USB_DT_DEVICE, 0, 8);
	wait_replies(fx, 4);
	assert_ret_submit(fx, 0, 1, 0, 8);
	assert_ret_submit(fx, 1, 2, -ETIME, 0);
	assert_ret_submit(fx, 2, 3, 0, 8);
	assert_ret_submit(fx, 3, 4, -ETIME, 0);
	usb_fault_list(&fx->dev, &list);
	assert_string_equal(strbuf_str(&list), "1\terror ETIME --ep 0x00 --every 2\tfired 2\n"
					       "2\tstall --ep 0x81 --count 1\tfired 0\n");
	assert_int_equal(usb_fault_clear(&fx->dev, 1), 0);
	assert_int_equal(usb_fault_clear(&fx->dev, 1), -ENOENT);
	for (s = 5; s <= 6; s++)
		get_descriptor(fx, s, USB_DT_DEVICE, 0, 8);
	wait_replies(fx, 6);
	assert_ret_submit(fx, 4, 5, 0, 8);
	assert_ret_submit(fx, 5, 6, 0, 8);
	assert_int_equal(h->events, 2);
	strbuf_reset(&list);
	usb_fault_list(&fx->dev, &list);
	assert_string_equal(strbuf_str(&list), "2\tstall --ep 0x81 --count 1\tfired 0\n");
	strbuf_free(&list);
	fault_end(fx);
}

/* Clearing a fault serves what it holds: nothing is lost. */
static void test_fault_clear_releases(void **state)
{
	static const char *const specs[] = { "timeout --ep 0x83 --forever", NULL };
	struct fixture *fx = *state;

	fault_begin(fx, specs);
	configure(fx, 1);
	submit_in(fx, 2, 3, 64);
	submit_in(fx, 3, 3, 64);
	assert_quiet(fx);
	assert_int_equal(usb_fault_clear(&fx->dev, 0), 0);
	assert_null(fx->dev.faults);
	wait_replies(fx, 3);
	assert_ret_submit(fx, 1, 2, 0, 64);
	assert_ret_submit(fx, 2, 3, 0, 64);
	fault_end(fx);
}

/* descriptor faults: what GET_DESCRIPTOR answers, until cleared; others untouched. */
static void test_fault_descriptor(void **state)
{
	static const char *const corrupt[] = { "descriptor corrupt config", NULL };
	static const char *const truncate[] = { "descriptor truncate config", NULL };
	static const char *const oversize[] = { "descriptor oversize config",
						"descriptor oversize device", NULL };
	struct fixture *fx = *state;
	uint8_t want[CONFIG_LEN];

	fault_begin(fx, corrupt);
	get_descriptor(fx, 1, USB_DT_CONFIG, 0, 9);
	get_descriptor(fx, 2, USB_DT_CONFIG, 0, CONFIG_LEN);
	get_descriptor(fx, 3, USB_DT_DEVICE, 0, 18);
	wait_replies(fx, 3);
	memcpy(want, config_desc, CONFIG_LEN);
	want[1] ^= 0x5a;
	assert_reply_data(fx, 0, 1, want, 9);
	assert_reply_data(fx, 1, 2, want, CONFIG_LEN);
	assert_reply_data(fx, 2, 3, device_desc, 18);
	fault_end(fx);

	fault_begin(fx, truncate);
	get_descriptor(fx, 4, USB_DT_CONFIG, 0, CONFIG_LEN);
	wait_replies(fx, 4);
	assert_reply_data(fx, 3, 4, config_desc, CONFIG_LEN / 2);
	fault_end(fx);

	fault_begin(fx, oversize);
	get_descriptor(fx, 5, USB_DT_CONFIG, 0, 9);
	get_descriptor(fx, 6, USB_DT_DEVICE, 0, 18);
	wait_replies(fx, 6);
	memcpy(want, config_desc, 9);
	want[2] = want[3] = 0xff;
	assert_reply_data(fx, 4, 5, want, 9);
	memcpy(want, device_desc, 18);
	want[0] = 0xff;
	assert_reply_data(fx, 5, 6, want, 18);
	fault_end(fx);

	/* cleared: the device's own again */
	get_descriptor(fx, 7, USB_DT_CONFIG, 0, CONFIG_LEN);
	wait_replies(fx, 7);
	assert_reply_data(fx, 6, 7, config_desc, CONFIG_LEN);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_enumeration),
		T(test_splice_in),
		T(test_splice_in_peer_slow),
		T(test_splice_in_errors),
		T(test_splice_out),
		T(test_splice_out_partial_and_errors),
		T(test_splice_tapped),
		T(test_watch),
		T(test_interrupt_in_waits_for_data),
		T(test_unlink_pending),
		T(test_unlink_after_completion),
		T(test_out_transfer),
		T(test_in_never_longer_than_asked),
		T(test_stalls),
		T(test_header_split),
		T(test_many_urbs_in_one_write),
		T(test_malformed_header_closes),
		T(test_eof_mid_header),
		T(test_eof_mid_payload),
		T(test_eof_mid_iso_descriptors),
		T(test_clean_eof),
		T(test_iso_refused),
		T(test_oversized_out),
		T(test_largest_out),
		T(test_oversized_in_capped),
		T(test_peer_stops_reading),
		T(test_peer_gone_with_reply_pending),
		T(test_fault_stall_interrupt),
		T(test_fault_stall_at_request),
		T(test_fault_error_bulk),
		T(test_fault_timeout_unlinked),
		T(test_fault_nak),
		T(test_fault_short_corrupt),
		T(test_fault_every_and_clear),
		T(test_fault_clear_releases),
		T(test_fault_descriptor),
		cmocka_unit_test(test_checker_catches_violations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
