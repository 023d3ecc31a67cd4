// SPDX-License-Identifier: MIT
/* The pcapng blocks and usbmon headers, byte by byte against the formats. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/base/bytes.h"
#include "src/capture/pcapng.h"

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Both length fields agree, the block is a multiple of 4. */
static void check_frame(const uint8_t *b, size_t n, uint32_t type)
{
	assert_int_equal(get_le32(b), type);
	assert_int_equal(get_le32(b + 4), n);
	assert_int_equal(get_le32(b + n - 4), n);
	assert_int_equal(n % 4, 0);
}

/* The option at p: its code and length, and where the next one starts. */
static const uint8_t *opt(const uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	assert_int_equal(get_le16(p), code);
	assert_int_equal(get_le16(p + 2), len);
	if (len)
		assert_memory_equal(p + 4, val, len);
	return p + 4 + ((len + 3u) & ~3u);
}

static void test_shb(void **state)
{
	uint8_t b[256];
	size_t n = pcapng_shb(NULL, 0, "vusb 0.1.0: vusb-attach mouse", "vusb 0.1.0");
	const uint8_t *p;

	assert_int_equal(pcapng_shb(b, sizeof(b), "vusb 0.1.0: vusb-attach mouse", "vusb 0.1.0"),
			 n);
	check_frame(b, n, PCAPNG_BT_SHB);
	assert_int_equal(get_le32(b + 8), 0x1A2B3C4D);
	assert_int_equal(get_le16(b + 12), 1);
	assert_int_equal(get_le16(b + 14), 0);
	assert_true(le64(b + 16) == UINT64_MAX);
	p = opt(b + 24, 1, "vusb 0.1.0: vusb-attach mouse", 29);
	p = opt(p, 4, "vusb 0.1.0", 10);
	p = opt(p, 0, NULL, 0);
	assert_ptr_equal(p, b + n - 4);
	/* padding is zero */
	assert_int_equal(b[24 + 4 + 29], 0);

	/* no options: no end-of-options either */
	assert_int_equal(pcapng_shb(b, sizeof(b), NULL, ""), 28);
	check_frame(b, 28, PCAPNG_BT_SHB);
}

static void test_shb_too_small_writes_nothing(void **state)
{
	uint8_t b[64];

	memset(b, 0xee, sizeof(b));
	assert_int_equal(pcapng_shb(b, 27, NULL, NULL), 28);
	assert_int_equal(b[0], 0xee);
}

static void test_long_string_is_cut(void **state)
{
	static char s[PCAPNG_MAX_STRING + 100];
	static uint8_t b[PCAPNG_MAX_STRING + 64];
	size_t n;

	memset(s, 'x', sizeof(s) - 1);
	n = pcapng_shb(b, sizeof(b), s, NULL);
	assert_int_equal(n, 24 + 4 + PCAPNG_MAX_STRING + 4 + 4);
	assert_int_equal(get_le16(b + 26), PCAPNG_MAX_STRING);
}

static void test_idb(void **state)
{
	uint8_t b[128];
	size_t n = pcapng_idb(b, sizeof(b), 220, 0, "mouse0", "mouse0 1209:0001 port 3");
	const uint8_t *p;

	check_frame(b, n, PCAPNG_BT_IDB);
	assert_int_equal(get_le16(b + 8), 220);
	assert_int_equal(get_le16(b + 10), 0);
	assert_int_equal(get_le32(b + 12), 0);
	p = opt(b + 16, 2, "mouse0", 6);
	p = opt(p, 3, "mouse0 1209:0001 port 3", 23);
	p = opt(p, 0, NULL, 0);
	assert_ptr_equal(p, b + n - 4);

	n = pcapng_idb(b, sizeof(b), 220, 4096, NULL, NULL);
	assert_int_equal(n, 20);
	assert_int_equal(get_le32(b + 12), 4096);
}

static void test_epb(void **state)
{
	uint8_t b[128], hdr[64], data[5] = { 1, 2, 3, 4, 5 };
	uint64_t ts = 1765000000123456ull;
	size_t n;

	memset(hdr, 0xa5, sizeof(hdr));
	n = pcapng_epb(b, sizeof(b), 3, ts, hdr, sizeof(hdr), data, sizeof(data), 64 + 512, NULL);
	assert_int_equal(n, 28 + 72 + 4); /* 69 bytes padded to 72 */
	check_frame(b, n, PCAPNG_BT_EPB);
	assert_int_equal(get_le32(b + 8), 3);
	assert_true(((uint64_t)get_le32(b + 12) << 32 | get_le32(b + 16)) == ts);
	assert_int_equal(get_le32(b + 20), 69);
	assert_int_equal(get_le32(b + 24), 576);
	assert_memory_equal(b + 28, hdr, 64);
	assert_memory_equal(b + 92, data, 5);
	assert_int_equal(b[97] | b[98] | b[99], 0);

	/* the original length is never less than what is kept */
	pcapng_epb(b, sizeof(b), 0, ts, hdr, sizeof(hdr), NULL, 0, 0, NULL);
	assert_int_equal(get_le32(b + 20), 64);
	assert_int_equal(get_le32(b + 24), 64);
}

/* A comment (the fault that hit the URB): opt_comment after the packet,
 * then opt_endofopt. */
static void test_epb_comment(void **state)
{
	uint8_t b[160], hdr[64], data[5] = { 1, 2, 3, 4, 5 };
	const char *c = "fault 2: stall ep 0x81";
	size_t n;

	memset(hdr, 0, sizeof(hdr));
	assert_int_equal(pcapng_epb(NULL, 0, 0, 0, hdr, 64, data, 5, 69, c), 28 + 72 + 28 + 4 + 4);
	n = pcapng_epb(b, sizeof(b), 0, 0, hdr, sizeof(hdr), data, sizeof(data), 69, c);
	assert_int_equal(n, 28 + 72 + 4 + 24 + 4 + 4);
	check_frame(b, n, PCAPNG_BT_EPB);
	assert_int_equal(get_le16(b + 100), 1); /* opt_comment */
	assert_int_equal(get_le16(b + 102), strlen(c));
	assert_memory_equal(b + 104, c, strlen(c));
	assert_int_equal(b[126] | b[127], 0); /* padding */
	assert_int_equal(get_le32(b + 128), 0); /* opt_endofopt */
	/* an empty comment is none */
	assert_int_equal(pcapng_epb(NULL, 0, 0, 0, hdr, 64, NULL, 0, 0, ""), 28 + 64 + 4);
}

static void test_isb(void **state)
{
	uint8_t b[128], v[8];
	size_t n = pcapng_isb(b, sizeof(b), 2, 1000000, 1234, 56);
	const uint8_t *p;

	check_frame(b, n, PCAPNG_BT_ISB);
	assert_int_equal(get_le32(b + 8), 2);
	assert_int_equal(get_le32(b + 12), 0);
	assert_int_equal(get_le32(b + 16), 1000000);
	memset(v, 0, sizeof(v));
	put_le32(v, 1234);
	p = opt(b + 20, 4, v, 8);
	put_le32(v, 56);
	p = opt(p, 5, v, 8);
	p = opt(p, 0, NULL, 0);
	assert_ptr_equal(p, b + n - 4);
}

static void test_usbmon_control_submission(void **state)
{
	struct usbmon_rec r = {
		.id = 0x100000007ull,
		.type = 'S',
		.xfer = USBMON_XFER_CONTROL,
		.epnum = 0x80,
		.devnum = 1,
		.busnum = 1,
		.has_setup = true,
		.setup = { 0x80, 6, 0, 1, 0, 0, 18, 0 },
		.data_flag = '<',
		.ts_sec = 1765000000,
		.ts_usec = 999999,
		.status = -EINPROGRESS,
		.length = 18,
		.xfer_flags = 0x200,
	};
	uint8_t h[USBMON_HDR_SIZE];

	usbmon_hdr_encode(h, &r);
	assert_true(le64(h) == 0x100000007ull);
	assert_int_equal(h[8], 'S');
	assert_int_equal(h[9], 2);
	assert_int_equal(h[10], 0x80);
	assert_int_equal(h[11], 1);
	assert_int_equal(get_le16(h + 12), 1);
	assert_int_equal(h[14], 0); /* setup present */
	assert_int_equal(h[15], '<');
	assert_true(le64(h + 16) == 1765000000);
	assert_int_equal(get_le32(h + 24), 999999);
	assert_int_equal((int32_t)get_le32(h + 28), -EINPROGRESS);
	assert_int_equal(get_le32(h + 32), 18);
	assert_int_equal(get_le32(h + 36), 0);
	assert_memory_equal(h + 40, r.setup, 8);
	assert_int_equal(get_le32(h + 56), 0x200);
	assert_int_equal(get_le32(h + 60), 0);
}

static void test_usbmon_bulk_completion(void **state)
{
	struct usbmon_rec r = {
		.type = 'C',
		.xfer = USBMON_XFER_BULK,
		.epnum = 0x81,
		.length = 512,
		.len_cap = 512,
		.setup = { 1, 2, 3, 4, 5, 6, 7, 8 },
	};
	uint8_t h[USBMON_HDR_SIZE];

	usbmon_hdr_encode(h, &r);
	assert_int_equal(h[9], 3);
	assert_int_equal(h[14], '-'); /* no setup */
	assert_int_equal(h[15], 0); /* data follows */
	assert_int_equal(get_le32(h + 28), 0);
	assert_int_equal(get_le32(h + 32), 512);
	assert_int_equal(get_le32(h + 36), 512);
	assert_true(le64(h + 40) == 0); /* setup bytes only with the flag */
}

static void test_usbmon_interrupt_and_unlink(void **state)
{
	struct usbmon_rec r = {
		.type = 'C',
		.xfer = USBMON_XFER_INTR,
		.epnum = 0x81,
		.interval = 8,
		.status = -ECONNRESET,
		.data_flag = 0,
	};
	uint8_t h[USBMON_HDR_SIZE];

	usbmon_hdr_encode(h, &r);
	assert_int_equal(h[9], 1);
	assert_int_equal((int32_t)get_le32(h + 28), -ECONNRESET);
	assert_int_equal(get_le32(h + 48), 8);
	assert_int_equal(get_le32(h + 36), 0);
}

static void test_usbmon_iso(void **state)
{
	struct usbmon_rec r = {
		.type = 'C',
		.xfer = USBMON_XFER_ISO,
		.epnum = 0x83,
		.start_frame = 77,
		.iso_error_count = 1,
		.iso_numdesc = 4,
		.setup = { 9, 9, 9, 9, 9, 9, 9, 9 },
		.status = -EXDEV,
	};
	uint8_t h[USBMON_HDR_SIZE];

	usbmon_hdr_encode(h, &r);
	assert_int_equal(h[9], 0);
	assert_int_equal(get_le32(h + 40), 1);
	assert_int_equal(get_le32(h + 44), 4);
	assert_int_equal(get_le32(h + 52), 77);
	assert_int_equal((int32_t)get_le32(h + 28), -EXDEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shb),
		cmocka_unit_test(test_shb_too_small_writes_nothing),
		cmocka_unit_test(test_long_string_is_cut),
		cmocka_unit_test(test_idb),
		cmocka_unit_test(test_epb),
		cmocka_unit_test(test_epb_comment),
		cmocka_unit_test(test_isb),
		cmocka_unit_test(test_usbmon_control_submission),
		cmocka_unit_test(test_usbmon_bulk_completion),
		cmocka_unit_test(test_usbmon_interrupt_and_unlink),
		cmocka_unit_test(test_usbmon_iso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
