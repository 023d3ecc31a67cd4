// SPDX-License-Identifier: MIT
/*
 * What one hostile peer can make a connection (src/usbip/conn.c) hold, all
 * limits at once: a seeded random mix of the costliest things a USB/IP
 * peer can send a mouse (4 MiB IN requests the device answers with 18
 * bytes, 4 MiB interrupt URBs left pending, OUT payloads to endpoints
 * that stall, unlinks, data that completes pending URBs in a burst),
 * while the peer stops and starts reading its replies. The heap is
 * sampled after every step: its growth must stay within the documented
 * bound (README, "Resource limits"), every reply must pass the protocol
 * checker, and once the peer has gone everything must be given back.
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
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "hid/models.h"
#include "src/usbip/conn.h"
#include "src/base/log.h"
#include "src/base/loop.h"
#include "src/usbip/usbip.h"
#include "tests/lib/urbscript.h"
#include "tests/lib/usbip-check.h"

/*
 * The bound, as README documents it: URB buffers the device holds (64
 * MiB, conn.c's CONN_MAX_HELD_BYTES), replies not read yet (16 MiB,
 * CONN_MAX_TXQ_BYTES, plus the one URB read past it), four cached large
 * buffers, 1024 pending URBs' headers, and slack for the allocator.
 */
#define MIB (1u << 20)
#define BOUND ((64u + 16u + 4u + 4u * 4u + 1u) * MIB + 1024u * 512u + 2u * MIB)
#define STEPS 1500

struct fixture {
	struct loop *loop;
	struct runner run;
	struct usb_device *dev;
	struct usbip_conn *conn;
	struct loop_io *pio;
	int peer;
	bool reading;
	bool closed;
	struct usbip_check *chk;
	struct cmdbuf cmd;
	uint32_t seq;
	uint64_t rng;
	uint8_t *junk;
	size_t base, peak;
	unsigned long replies;
};

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void sample(struct fixture *fx)
{
	size_t h = heap_in_use();

	if (h > fx->peak)
		fx->peak = h;
}

static uint32_t rnd(struct fixture *fx)
{
	fx->rng ^= fx->rng << 13;
	fx->rng ^= fx->rng >> 7;
	fx->rng ^= fx->rng << 17;
	return (uint32_t)fx->rng;
}

static void conn_closed(struct usbip_conn *c, int err, const char *why, void *data)
{
	struct fixture *fx = data;

	fx->closed = true;
	if (err)
		fail_msg("the connection was dropped: %d %s", err, why ? why : "");
}

static const struct usbip_conn_ops conn_ops = {
	.closed = conn_closed,
};

static void peer_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct fixture *fx = data;
	static uint8_t buf[1 << 16];
	ssize_t n;

	while ((n = read(fx->peer, buf, sizeof(buf))) > 0) {
		if (usbip_check_device(fx->chk, buf, (size_t)n) < 0)
			fail_msg("protocol: %s", usbip_check_error(fx->chk));
		sample(fx);
	}
}

static void set_reading(struct fixture *fx, bool on)
{
	fx->reading = on;
	assert_int_equal(loop_io_modify(fx->pio, on ? EPOLLIN : 0), 0);
}

static void run_sampled(struct fixture *fx, unsigned int ms)
{
	run_for(&fx->run, ms);
	sample(fx);
}

/* Write it all; while the connection does not read (throttled), read. */
static void peer_write(struct fixture *fx, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (usbip_check_host(fx->chk, buf, len) < 0)
		fail_msg("host: %s", usbip_check_error(fx->chk));
	while (len) {
		ssize_t n = write(fx->peer, p, len);

		if (n < 0 && errno == EAGAIN) {
			/* Backpressure: what a peer that wants to go on does. */
			if (!fx->reading)
				set_reading(fx, true);
			run_sampled(fx, 2);
			continue;
		}
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/*
 * One header if the socket takes it now: false when it is full (the
 * connection has stopped reading). A header cut in two is finished with
 * peer_write.
 */
static bool try_header(struct fixture *fx, const uint8_t h[USBIP_HDR_SIZE])
{
	ssize_t n = send(fx->peer, h, USBIP_HDR_SIZE, MSG_DONTWAIT);

	if (n < 0 && errno == EAGAIN)
		return false;
	assert_true(n > 0);
	if (usbip_check_host(fx->chk, h, (size_t)n) < 0)
		fail_msg("host: %s", usbip_check_error(fx->chk));
	if (n < USBIP_HDR_SIZE)
		peer_write(fx, h + n, USBIP_HDR_SIZE - (size_t)n);
	return true;
}

/* What the command buffer holds. */
static void cmd_send(struct fixture *fx)
{
	peer_write(fx, fx->cmd.p, fx->cmd.len);
	fx->cmd.len = 0;
}

static void submit(struct fixture *fx, uint32_t seq, bool in, uint32_t ep, uint32_t len,
		   const uint8_t setup[8])
{
	size_t off;

	put_submit(&fx->cmd, seq, in, ep, len, setup);
	cmd_send(fx);
	for (off = 0; !in && off < len; off += MIB)
		peer_write(fx, fx->junk, len - off < MIB ? len - off : MIB);
}

static void unlink_urb(struct fixture *fx, uint32_t target)
{
	put_unlink(&fx->cmd, ++fx->seq, target);
	cmd_send(fx);
}

static void control(struct fixture *fx, uint8_t bm, uint8_t req, uint16_t value, uint16_t wlen,
		    uint32_t len)
{
	uint8_t s[8] = { bm, req, (uint8_t)value, (uint8_t)(value >> 8), 0, 0, (uint8_t)wlen,
			 (uint8_t)(wlen >> 8) };

	submit(fx, ++fx->seq, bm & USB_DIR_IN, 0, len, s);
}

static void mouse_move(struct fixture *fx)
{
	const struct vusb_command *c = vusb_model_command(&hid_mouse_model, "move");
	char *argv[] = { "move", "1", "1", NULL };
	struct strbuf out = { 0 };

	c->run(fx->dev, 3, argv, &out);
	strbuf_free(&out);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct vusb_dev_opts o = { .name = "mouse0", .vid = -1, .pid = -1 };
	struct strbuf err = { 0 };
	int sv[2], sz = 1 << 16;

	assert_non_null(fx);
	vusb_log_level = -1;
	fx->junk = calloc(1, MIB);
	assert_non_null(fx->junk);
	assert_int_equal(loop_new(&fx->loop), 0);
	runner_init(&fx->run, fx->loop, 0);
	assert_int_equal(hid_mouse_model.create(&fx->dev, &o, &err), 0);
	strbuf_free(&err);
	assert_int_equal(usbip_check_new(NULL, NULL, &fx->chk), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* Small socket buffers, as a slow network would have. */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	fx->peer = sv[0];
	assert_int_equal(fcntl(fx->peer, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(usbip_conn_new(fx->loop, sv[1], fx->dev, &conn_ops, fx, &fx->conn), 0);
	assert_int_equal(loop_io_add(fx->loop, fx->peer, EPOLLIN, peer_ready, fx, NULL, &fx->pio), 0);
	fx->reading = true;
	fx->rng = 0x9e3779b97f4a7c15ull;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	usbip_check_free(fx->chk);
	cmd_free(&fx->cmd);
	usbip_conn_free(fx->conn);
	hid_mouse_model.destroy(fx->dev);
	loop_free(fx->loop);
	free(fx->junk);
	free(fx);
	return 0;
}

/*
 * The worst case by design: 15 interrupt URBs of 4 MiB held (60 MiB), the
 * peer stops reading, its socket fills with small replies, then 4 MiB IN
 * requests answered with 18 bytes pile up as unread replies until the
 * connection stops reading too, and data completes the held URBs at once.
 * Returns how far the heap grew.
 */
static size_t worst_case(struct fixture *fx)
{
	static const uint8_t get_dev[8] = {
		USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, 0, USB_DT_DEVICE, 0, 0, 0xff, 0xff
	};
	unsigned int i;
	bool sent;

	for (i = 0; i < 15; i++)
		submit(fx, ++fx->seq, true, 1, USBIP_MAX_TRANSFER, NULL);
	run_sampled(fx, 5);
	set_reading(fx, false);
	for (i = 0; i < 100000; i++) {
		put_submit(&fx->cmd, fx->seq + 1, true, 0, i < 4000 ? 18 : USBIP_MAX_TRANSFER,
			   get_dev);
		sent = try_header(fx, fx->cmd.p);
		fx->cmd.len = 0;
		if (!sent)
			break;
		fx->seq++;
		if (i % 64 == 0)
			run_sampled(fx, 1);
	}
	run_sampled(fx, 20);
	for (i = 0; i < 20; i++)
		mouse_move(fx);
	run_sampled(fx, 5);
	print_message("worst case: the heap grew by %zu MiB\n", (fx->peak - fx->base) / MIB);
	set_reading(fx, true);
	run_sampled(fx, 200);
	return fx->peak - fx->base;
}

static void test_hostile_peer_within_bound(void **state)
{
	struct fixture *fx = *state;
	uint32_t pending[256];
	unsigned int npending = 0, step, i;
	size_t after;

	fx->base = heap_in_use();
	fx->peak = fx->base;
	/* Enumerated and configured, as a real importer would. */
	control(fx, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 18, 18);
	control(fx, USB_DIR_OUT, USB_REQ_SET_CONFIGURATION, 1, 0, 0);
	run_sampled(fx, 5);
	/* A test that never came near the limits would prove nothing (but
	 * mallinfo sees nothing under ASan). */
	if (worst_case(fx) < 60u * MIB && fx->base)
		fail_msg("the worst case grew the heap by %zu MiB only: not near the limits",
			 (fx->peak - fx->base) / MIB);

	for (step = 0; step < STEPS; step++) {
		uint32_t r = rnd(fx), big = (r >> 8) % 3 == 0 ? USBIP_MAX_TRANSFER :
					    (r >> 8) % 3 == 1 ? MIB : 8;

		switch (r % 8) {
		case 0:
		case 1:
			/* 4 MiB asked for, 18 bytes answered: costly replies. */
			control(fx, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0xffff,
				big);
			break;
		case 2:
		case 3:
			/* Interrupt URBs that wait for data, holding their buffers. */
			submit(fx, ++fx->seq, true, 1, big, NULL);
			if (npending < sizeof(pending) / sizeof(pending[0]))
				pending[npending++] = fx->seq;
			break;
		case 4:
			/* OUT data to an endpoint the mouse does not have. */
			submit(fx, ++fx->seq, false, 2, big == USBIP_MAX_TRANSFER ? MIB : big, NULL);
			break;
		case 5:
			if (npending) {
				i = rnd(fx) % npending;
				unlink_urb(fx, pending[i]);
				pending[i] = pending[--npending];
			}
			break;
		case 6:
			/* Data: pending URBs complete, replies pile up at once. */
			for (i = 0; i < 8; i++)
				mouse_move(fx);
			break;
		case 7:
			set_reading(fx, !fx->reading);
			break;
		}
		run_sampled(fx, 1);
		if (fx->peak - fx->base > BOUND)
			fail_msg("step %u: the heap grew by %zu MiB, more than the bound of %u MiB",
				 step, (fx->peak - fx->base) / MIB, BOUND / MIB);
	}
	print_message("peak heap growth %zu MiB (bound %u MiB) over %u steps, %lu replies\n",
		      (fx->peak - fx->base) / MIB, BOUND / MIB, STEPS,
		      usbip_check_replies(fx->chk));
	assert_null(usbip_check_error(fx->chk));
	assert_false(fx->closed);

	/* The peer goes: everything held for it is given back. */
	set_reading(fx, true);
	run_sampled(fx, 20);
	loop_io_remove(fx->pio);
	close(fx->peer);
	for (i = 0; i < 100 && !fx->closed; i++)
		run_sampled(fx, 5);
	assert_true(fx->closed);
	usbip_conn_free(fx->conn);
	fx->conn = NULL;
	after = heap_in_use();
	if (after > fx->base + MIB)
		fail_msg("%zu KiB still held after the connection was freed",
			 (after - fx->base) / 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hostile_peer_within_bound, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
