// SPDX-License-Identifier: MIT
/*
 * A capture on the real loop: what reaches the file, block by block;
 * --capture-snaplen; records dropped and counted when the buffer is full;
 * a reader that goes away ends the capture once, and the loop goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/base/bytes.h"
#include "src/capture/capture.h"
#include "src/capture/pcapng.h"
#include "tests/lib/urbscript.h"

struct fixture {
	struct loop *loop;
	struct runner run;
	struct usb_device dev;
	char path[64];
	int ended, err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(loop_new(&f->loop), 0);
	runner_init(&f->run, f->loop, 0);
	f->dev.ep[1][1].type = USB_ENDPOINT_XFER_INT;
	f->dev.ep[1][2].type = USB_ENDPOINT_XFER_BULK;
	snprintf(f->path, sizeof(f->path), "/tmp/test_capture.XXXXXX");
	signal(SIGPIPE, SIG_IGN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	loop_free(f->loop);
	unlink(f->path);
	free(f);
	return 0;
}

static void on_ended(struct capture *cap, int err, void *data)
{
	struct fixture *f = data;

	f->ended++;
	f->err = err;
}

static struct capture *open_file(struct fixture *f, uint32_t snaplen)
{
	struct capture *cap;
	int fd = mkstemp(f->path);

	assert_true(fd >= 0);
	assert_int_equal(
		capture_new(f->loop, fd, snaplen, "a comment", "vusb test", on_ended, f, &cap), 0);
	return cap;
}

static uint8_t *slurp(const char *path, size_t *ret_len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b = malloc(CAPTURE_BUF_SIZE * 2);
	size_t n;

	assert_non_null(fp);
	assert_non_null(b);
	n = fread(b, 1, CAPTURE_BUF_SIZE * 2, fp);
	fclose(fp);
	*ret_len = n;
	return b;
}

/* The blocks of a file: each whole, each length twice; their types in order. */
static unsigned int walk(const uint8_t *b, size_t len, uint32_t *types, const uint8_t **blocks,
			 unsigned int max)
{
	size_t off = 0;
	unsigned int n = 0;

	while (off < len) {
		uint32_t bl;

		assert_true(len - off >= 12);
		bl = get_le32(b + off + 4);
		assert_true(bl >= 12 && bl % 4 == 0 && bl <= len - off);
		assert_int_equal(get_le32(b + off + bl - 4), bl);
		if (n < max) {
			types[n] = get_le32(b + off);
			blocks[n] = b + off;
		}
		n++;
		off += bl;
	}
	return n;
}

static struct usb_urb urb(uint32_t seq, uint8_t ep, bool in, uint32_t length)
{
	struct usb_urb u = { .seqnum = seq, .ep = ep, .in = in, .length = length };

	return u;
}

static void test_file_blocks(void **state)
{
	struct fixture *f = *state;
	struct capture *cap = open_file(f, 0);
	struct usb_urb u = urb(7, 0, true, 18);
	uint8_t desc[18] = { 18, 1, 0, 2 }, *b;
	const uint8_t *blocks[16];
	uint32_t types[16];
	unsigned int ifid, n;
	size_t len;

	memcpy(u.setup_raw, (uint8_t[]){ 0x80, 6, 0, 1, 0, 0, 18, 0 }, 8);
	assert_int_equal(capture_add_interface(cap, "mouse0", "mouse0 1209:0001 port 3", &ifid), 0);
	assert_int_equal(ifid, 0);
	capture_urb(cap, ifid, &f->dev, 'S', &u, 0, NULL, 0);
	u.actual = 18;
	capture_urb(cap, ifid, &f->dev, 'C', &u, 0, desc, sizeof(desc));
	u = urb(8, 1, true, 4);
	capture_urb(cap, ifid, &f->dev, 'S', &u, 0, NULL, 0);
	capture_urb(cap, ifid, &f->dev, 'C', &u, -ECONNRESET, NULL, 0);
	run_for(&f->run, 20);
	capture_free(cap);
	assert_int_equal(f->ended, 0);

	b = slurp(f->path, &len);
	n = walk(b, len, types, blocks, 16);
	assert_int_equal(n, 7);
	assert_int_equal(types[0], PCAPNG_BT_SHB);
	assert_int_equal(types[1], PCAPNG_BT_IDB);
	assert_int_equal(get_le16(blocks[1] + 8), 220);
	for (unsigned int i = 2; i < 6; i++)
		assert_int_equal(types[i], PCAPNG_BT_EPB);
	assert_int_equal(types[6], PCAPNG_BT_ISB);

	/* the GET_DESCRIPTOR submission: control, setup, no data yet */
	assert_int_equal(blocks[2][28 + 8], 'S');
	assert_int_equal(blocks[2][28 + 9], USBMON_XFER_CONTROL);
	assert_int_equal(blocks[2][28 + 10], 0x80);
	assert_int_equal(blocks[2][28 + 14], 0);
	assert_int_equal((int32_t)get_le32(blocks[2] + 28 + 28), -EINPROGRESS);
	assert_int_equal(blocks[2][28 + 40 + 1], 6);
	/* its completion: the same URB id, the descriptor after the header */
	assert_memory_equal(blocks[3] + 28, blocks[2] + 28, 8);
	assert_int_equal(blocks[3][28 + 8], 'C');
	assert_int_equal(get_le32(blocks[3] + 20), 64 + 18);
	assert_int_equal(get_le32(blocks[3] + 28 + 36), 18);
	assert_memory_equal(blocks[3] + 28 + 64, desc, 18);
	/* the interrupt URB unlinked */
	assert_int_equal(blocks[4][28 + 9], USBMON_XFER_INTR);
	assert_int_equal(blocks[5][28 + 8], 'C');
	assert_int_equal((int32_t)get_le32(blocks[5] + 28 + 28), -ECONNRESET);
	/* statistics: 4 received, none dropped */
	assert_int_equal(get_le32(blocks[6] + 20 + 4), 4);
	assert_int_equal(get_le32(blocks[6] + 20 + 16), 0);
	free(b);
}

static void test_snaplen(void **state)
{
	struct fixture *f = *state;
	struct capture *cap = open_file(f, 10);
	struct usb_urb u = urb(1, 2, true, 512);
	uint8_t data[512], *b;
	const uint8_t *blocks[8];
	uint32_t types[8];
	unsigned int ifid;
	size_t len;

	memset(data, 0x42, sizeof(data));
	assert_int_equal(capture_add_interface(cap, "storage0", NULL, &ifid), 0);
	u.actual = 512;
	capture_urb(cap, ifid, &f->dev, 'C', &u, 0, data, sizeof(data));
	capture_free(cap);
	b = slurp(f->path, &len);
	assert_int_equal(walk(b, len, types, blocks, 8), 4);
	assert_int_equal(get_le32(blocks[1] + 12), 10); /* the IDB's snaplen */
	assert_int_equal(blocks[2][28 + 9], USBMON_XFER_BULK);
	assert_int_equal(get_le32(blocks[2] + 20), 64 + 10);
	assert_int_equal(get_le32(blocks[2] + 24), 64 + 512);
	assert_int_equal(get_le32(blocks[2] + 28 + 32), 512);
	assert_int_equal(get_le32(blocks[2] + 28 + 36), 10);
	free(b);
}

/* Records that find the buffer full are dropped, counted, and the file stays whole. */
static void test_full_buffer_drops_and_counts(void **state)
{
	struct fixture *f = *state;
	struct capture *cap = open_file(f, 0);
	static uint8_t data[64 << 10];
	struct usb_urb u = urb(1, 2, true, sizeof(data));
	unsigned int ifid, i, total = CAPTURE_BUF_SIZE / sizeof(data) + 10;
	const uint8_t *isb;
	uint64_t recv, drop;
	uint8_t *b;
	size_t len;

	assert_int_equal(capture_add_interface(cap, "storage0", NULL, &ifid), 0);
	u.actual = sizeof(data);
	/* Without the loop, nothing is written: the buffer fills. */
	for (i = 0; i < total; i++)
		capture_urb(cap, ifid, &f->dev, 'C', &u, 0, data, sizeof(data));
	assert_true(capture_dropped(cap, ifid) >= 10);
	capture_free(cap);
	b = slurp(f->path, &len);
	i = walk(b, len, NULL, NULL, 0);
	/* the last block: statistics with the drops */
	isb = b + len - get_le32(b + len - 4);
	recv = get_le32(isb + 24);
	drop = get_le32(isb + 36);
	assert_int_equal(get_le32(isb), PCAPNG_BT_ISB);
	assert_int_equal(recv + drop, total);
	assert_true(drop >= 10);
	assert_int_equal(i, 2 + recv + 1);
	free(b);
}

static void test_reader_gone_ends_once(void **state)
{
	struct fixture *f = *state;
	struct capture *cap;
	struct usb_urb u = urb(1, 1, true, 8);
	uint8_t rep[8] = { 1 };
	unsigned int ifid;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(capture_new(f->loop, p[1], 0, NULL, NULL, on_ended, f, &cap), 0);
	assert_int_equal(capture_add_interface(cap, "mouse0", NULL, &ifid), 0);
	close(p[0]);
	u.actual = 8;
	capture_urb(cap, ifid, &f->dev, 'C', &u, 0, rep, sizeof(rep));
	run_for(&f->run, 20);
	assert_int_equal(f->ended, 1);
	assert_int_equal(f->err, -EPIPE);
	assert_true(capture_ended(cap));
	/* later records are ignored, and do not end it again */
	capture_urb(cap, ifid, &f->dev, 'C', &u, 0, rep, sizeof(rep));
	run_for(&f->run, 20);
	assert_int_equal(f->ended, 1);
	capture_free(cap);
}

/* A reader that is slow: the loop never waits for it, and it gets everything. */
static void test_slow_reader_never_blocks(void **state)
{
	struct fixture *f = *state;
	struct capture *cap;
	static uint8_t data[16 << 10];
	struct usb_urb u = urb(1, 2, true, sizeof(data));
	unsigned int ifid, i;
	size_t got = 0;
	int p[2];

	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(capture_new(f->loop, p[1], 0, NULL, NULL, on_ended, f, &cap), 0);
	assert_int_equal(capture_add_interface(cap, "storage0", NULL, &ifid), 0);
	u.actual = sizeof(data);
	for (i = 0; i < 64; i++)
		capture_urb(cap, ifid, &f->dev, 'C', &u, 0, data, sizeof(data));
	/* the pipe holds 64 KiB: the rest waits in the buffer */
	run_for(&f->run, 20);
	for (i = 0; i < 200; i++) {
		uint8_t sink[65536];
		ssize_t r = read(p[0], sink, sizeof(sink));

		if (r > 0)
			got += (size_t)r;
		run_for(&f->run, 2);
	}
	assert_int_equal(f->ended, 0);
	assert_int_equal(capture_dropped(cap, ifid), 0);
	assert_true(got > 64 * sizeof(data));
	capture_free(cap);
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snaplen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_buffer_drops_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_gone_ends_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader_never_blocks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
