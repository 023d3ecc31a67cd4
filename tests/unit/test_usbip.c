// SPDX-License-Identifier: MIT
/*
 * The USB/IP wire format against bytes written out by hand from
 * Documentation/usb/usbip_protocol.rst: big-endian integers, the SETUP
 * packet copied raw, replies with devid/direction/ep zero.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/usbip/usbip.h"

/* GET_DESCRIPTOR(device, 64) as vhci sends it on a fresh port. */
static const uint8_t cmd_submit_bytes[USBIP_HDR_SIZE] = {
	0x00, 0x00, 0x00, 0x01, /* command: CMD_SUBMIT */
	0x12, 0x34, 0x56, 0x78, /* seqnum */
	0x00, 0x01, 0x00, 0x02, /* devid: busnum 1, devnum 2 */
	0x00, 0x00, 0x00, 0x01, /* direction: in */
	0x00, 0x00, 0x00, 0x00, /* ep 0 */
	0x00, 0x00, 0x02, 0x00, /* transfer_flags: URB_DIR_IN */
	0x00, 0x00, 0x00, 0x40, /* transfer_buffer_length 64 */
	0xff, 0xff, 0xff, 0xfe, /* start_frame -2 */
	0xff, 0xff, 0xff, 0xff, /* number_of_packets -1 */
	0x00, 0x00, 0x01, 0x02, /* interval 258 */
	0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x40, 0x00, /* setup, raw */
};

static const uint8_t cmd_unlink_bytes[USBIP_HDR_SIZE] = {
	0x00, 0x00, 0x00, 0x02, /* CMD_UNLINK */
	0x00, 0x00, 0x01, 0x00, /* seqnum 256 */
	0x00, 0x01, 0x00, 0x02, /* devid */
	0x00, 0x00, 0x00, 0x00, /* direction */
	0x00, 0x00, 0x00, 0x00, /* ep */
	0x00, 0x00, 0x00, 0xff, /* seqnum to unlink: 255 */
	/* the rest is zero */
};

static void test_decode_submit(void **state)
{
	struct usbip_header h;
	static const uint8_t setup[8] = { 0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x40, 0x00 };

	memset(&h, 0xee, sizeof(h));
	assert_int_equal(usbip_header_decode(&h, cmd_submit_bytes), 0);
	assert_int_equal(h.command, USBIP_CMD_SUBMIT);
	assert_int_equal(h.seqnum, 0x12345678);
	assert_int_equal(h.devid, 0x00010002);
	assert_int_equal(h.direction, USBIP_DIR_IN);
	assert_int_equal(h.ep, 0);
	assert_int_equal(h.u.submit.transfer_flags, 0x200);
	assert_int_equal(h.u.submit.transfer_buffer_length, 64);
	assert_int_equal(h.u.submit.start_frame, -2);
	assert_int_equal(h.u.submit.number_of_packets, -1);
	assert_int_equal(h.u.submit.interval, 258);
	assert_memory_equal(h.u.submit.setup, setup, 8);
}

static void test_submit_round_trip(void **state)
{
	struct usbip_header h;
	uint8_t out[USBIP_HDR_SIZE];

	assert_int_equal(usbip_header_decode(&h, cmd_submit_bytes), 0);
	memset(out, 0xee, sizeof(out));
	usbip_header_encode(&h, out);
	assert_memory_equal(out, cmd_submit_bytes, USBIP_HDR_SIZE);
}

static void test_encode_submit_fields(void **state)
{
	struct usbip_header h = {
		.command = USBIP_CMD_SUBMIT,
		.seqnum = 0xa1b2c3d4,
		.devid = 0x00020003,
		.direction = USBIP_DIR_OUT,
		.ep = 15,
	};
	static const uint8_t want[USBIP_HDR_SIZE] = {
		0x00, 0x00, 0x00, 0x01, 0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x02, 0x00, 0x03,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x80, 0x00, 0x00, 0x01,
		0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0xff, 0xff, 0xff, 0xff, 0x21, 0x09, 0x00, 0x02, 0x01, 0x00, 0x01, 0x02,
	};
	/* wLength 0x0201: no zero byte at the end to hide a short copy */
	static const uint8_t setup[8] = { 0x21, 0x09, 0x00, 0x02, 0x01, 0x00, 0x01, 0x02 };
	uint8_t out[USBIP_HDR_SIZE];
	struct usbip_header back;

	h.u.submit.transfer_flags = 0x80000001;
	h.u.submit.transfer_buffer_length = INT32_MAX;
	h.u.submit.start_frame = INT32_MIN;
	h.u.submit.number_of_packets = USBIP_MAX_ISO_PACKETS;
	h.u.submit.interval = -1;
	memcpy(h.u.submit.setup, setup, 8);
	usbip_header_encode(&h, out);
	assert_memory_equal(out, want, USBIP_HDR_SIZE);

	/* The largest legal values decode back unchanged. */
	assert_int_equal(usbip_header_decode(&back, out), 0);
	assert_int_equal(back.u.submit.transfer_buffer_length, INT32_MAX);
	assert_int_equal(back.u.submit.number_of_packets, USBIP_MAX_ISO_PACKETS);
	assert_int_equal(back.u.submit.start_frame, INT32_MIN);
	assert_int_equal(back.ep, 15);
	assert_int_equal(back.direction, USBIP_DIR_OUT);
	assert_memory_equal(back.u.submit.setup, setup, 8);
}

static void test_decode_unlink(void **state)
{
	struct usbip_header h;
	uint8_t out[USBIP_HDR_SIZE];

	memset(&h, 0xee, sizeof(h));
	assert_int_equal(usbip_header_decode(&h, cmd_unlink_bytes), 0);
	assert_int_equal(h.command, USBIP_CMD_UNLINK);
	assert_int_equal(h.seqnum, 256);
	assert_int_equal(h.devid, 0x00010002);
	assert_int_equal(h.u.unlink.seqnum, 255);

	memset(out, 0xee, sizeof(out));
	usbip_header_encode(&h, out);
	assert_memory_equal(out, cmd_unlink_bytes, USBIP_HDR_SIZE);
}

/* Decoding `buf` with the 32-bit field at `off` set to `v` fails. */
static void assert_rejects(const uint8_t base[USBIP_HDR_SIZE], size_t off, uint32_t v)
{
	uint8_t buf[USBIP_HDR_SIZE];
	struct usbip_header h;

	memcpy(buf, base, USBIP_HDR_SIZE);
	buf[off] = (uint8_t)(v >> 24);
	buf[off + 1] = (uint8_t)(v >> 16);
	buf[off + 2] = (uint8_t)(v >> 8);
	buf[off + 3] = (uint8_t)v;
	memset(&h, 0xee, sizeof(h));
	assert_int_equal(usbip_header_decode(&h, buf), -EBADMSG);
	/* ret is left alone on failure */
	assert_int_equal(h.command, 0xeeeeeeee);
}

static void assert_accepts(const uint8_t base[USBIP_HDR_SIZE], size_t off, uint32_t v)
{
	uint8_t buf[USBIP_HDR_SIZE];
	struct usbip_header h;

	memcpy(buf, base, USBIP_HDR_SIZE);
	buf[off] = (uint8_t)(v >> 24);
	buf[off + 1] = (uint8_t)(v >> 16);
	buf[off + 2] = (uint8_t)(v >> 8);
	buf[off + 3] = (uint8_t)v;
	assert_int_equal(usbip_header_decode(&h, buf), 0);
}

static void test_decode_rejects(void **state)
{
	/* command: unknown, and the two replies a host never sends */
	assert_rejects(cmd_submit_bytes, 0, 0);
	assert_rejects(cmd_submit_bytes, 0, 5);
	assert_rejects(cmd_submit_bytes, 0, 0x01000001); /* little-endian CMD_SUBMIT */
	assert_rejects(cmd_submit_bytes, 0, USBIP_RET_SUBMIT);
	assert_rejects(cmd_submit_bytes, 0, USBIP_RET_UNLINK);
	assert_rejects(cmd_unlink_bytes, 0, USBIP_RET_UNLINK);
	/* direction */
	assert_rejects(cmd_submit_bytes, 12, 2);
	assert_rejects(cmd_submit_bytes, 12, 0xffffffff);
	assert_accepts(cmd_submit_bytes, 12, 0);
	/* ep: 0..15, no direction bit */
	assert_rejects(cmd_submit_bytes, 16, 16);
	assert_rejects(cmd_submit_bytes, 16, 0x81);
	assert_accepts(cmd_submit_bytes, 16, 15);
	/* transfer_buffer_length */
	assert_rejects(cmd_submit_bytes, 24, 0xffffffff);
	assert_rejects(cmd_submit_bytes, 24, 0x80000000);
	assert_accepts(cmd_submit_bytes, 24, 0);
	assert_accepts(cmd_submit_bytes, 24, 0x7fffffff);
	/* number_of_packets: -1 (non-ISO), 0..1024 */
	assert_rejects(cmd_submit_bytes, 32, USBIP_MAX_ISO_PACKETS + 1);
	assert_rejects(cmd_submit_bytes, 32, 0xfffffffe); /* -2 */
	assert_rejects(cmd_submit_bytes, 32, 0x80000000);
	assert_accepts(cmd_submit_bytes, 32, 0);
	assert_accepts(cmd_submit_bytes, 32, 0xffffffff);
	assert_accepts(cmd_submit_bytes, 32, USBIP_MAX_ISO_PACKETS);
}

static void test_ret_submit_layout(void **state)
{
	static const uint8_t want[USBIP_HDR_SIZE] = {
		0x00, 0x00, 0x00, 0x03, /* RET_SUBMIT */
		0x01, 0x02, 0x03, 0x04, /* seqnum */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* devid, direction, ep */
		0xff, 0xff, 0xff, 0xe0, /* status -EPIPE */
		0x00, 0x01, 0x02, 0x03, /* actual_length */
		0xff, 0xff, 0xff, 0xff, /* start_frame -1 */
		0x00, 0x00, 0x00, 0x02, /* number_of_packets */
		0x00, 0x00, 0x00, 0x01, /* error_count */
		0, 0, 0, 0, 0, 0, 0, 0, /* padding */
	};
	uint8_t out[USBIP_HDR_SIZE];

	assert_int_equal(EPIPE, 32);
	memset(out, 0xee, sizeof(out));
	usbip_ret_submit(out, 0x01020304, -EPIPE, 0x00010203, -1, 2, 1);
	assert_memory_equal(out, want, USBIP_HDR_SIZE);
}

static void test_ret_submit_ignores_submit_fields(void **state)
{
	/* Encoding a RET_SUBMIT through usbip_header_encode never leaks the
	 * request's devid/direction/ep when the caller left them zero, and
	 * the trailing 8 bytes stay zero. */
	struct usbip_header h = { .command = USBIP_RET_SUBMIT, .seqnum = 7 };
	uint8_t out[USBIP_HDR_SIZE];
	size_t i;

	h.u.ret_submit.status = 0;
	h.u.ret_submit.actual_length = 18;
	memset(out, 0xee, sizeof(out));
	usbip_header_encode(&h, out);
	assert_int_equal(out[3], 3);
	assert_int_equal(out[7], 7);
	assert_int_equal(out[27], 18);
	for (i = 8; i < 20; i++)
		assert_int_equal(out[i], 0);
	for (i = 40; i < USBIP_HDR_SIZE; i++)
		assert_int_equal(out[i], 0);
}

static void test_ret_unlink_layout(void **state)
{
	uint8_t want[USBIP_HDR_SIZE] = {
		0x00, 0x00, 0x00, 0x04, /* RET_UNLINK */
		0xfe, 0xdc, 0xba, 0x98, /* the CMD_UNLINK's own seqnum */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0x98, /* -ECONNRESET (104) */
	};
	uint8_t out[USBIP_HDR_SIZE];

	assert_int_equal(ECONNRESET, 104);
	memset(out, 0xee, sizeof(out));
	usbip_ret_unlink(out, 0xfedcba98, -ECONNRESET);
	assert_memory_equal(out, want, USBIP_HDR_SIZE);

	memset(want + 20, 0, 4);
	usbip_ret_unlink(out, 0xfedcba98, 0);
	assert_memory_equal(out, want, USBIP_HDR_SIZE);
}

static void test_iso_desc(void **state)
{
	static const uint8_t bytes[USBIP_ISO_DESC_SIZE] = {
		0x00, 0x00, 0x0c, 0x00, /* offset 3072 */
		0x00, 0x00, 0x04, 0x00, /* length 1024 */
		0x00, 0x00, 0x03, 0xff, /* actual_length 1023 */
		0xff, 0xff, 0xff, 0xb9, /* status -EPROTO (71) */
	};
	struct usbip_iso_desc d;
	uint8_t out[USBIP_ISO_DESC_SIZE];

	assert_int_equal(EPROTO, 71);
	usbip_iso_desc_decode(&d, bytes);
	assert_int_equal(d.offset, 3072);
	assert_int_equal(d.length, 1024);
	assert_int_equal(d.actual_length, 1023);
	assert_int_equal(d.status, -EPROTO);

	memset(out, 0xee, sizeof(out));
	usbip_iso_desc_encode(&d, out);
	assert_memory_equal(out, bytes, sizeof(bytes));
}

static void test_command_names(void **state)
{
	assert_string_equal(usbip_command_name(USBIP_CMD_SUBMIT), "CMD_SUBMIT");
	assert_string_equal(usbip_command_name(USBIP_CMD_UNLINK), "CMD_UNLINK");
	assert_string_equal(usbip_command_name(USBIP_RET_SUBMIT), "RET_SUBMIT");
	assert_string_equal(usbip_command_name(USBIP_RET_UNLINK), "RET_UNLINK");
	assert_string_equal(usbip_command_name(0), "unknown");
	assert_string_equal(usbip_command_name(0x01000000), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_submit),
		cmocka_unit_test(test_submit_round_trip),
		cmocka_unit_test(test_encode_submit_fields),
		cmocka_unit_test(test_decode_unlink),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_ret_submit_layout),
		cmocka_unit_test(test_ret_submit_ignores_submit_fields),
		cmocka_unit_test(test_ret_unlink_layout),
		cmocka_unit_test(test_iso_desc),
		cmocka_unit_test(test_command_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
