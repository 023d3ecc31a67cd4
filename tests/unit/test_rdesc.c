// SPDX-License-Identifier: MIT
/*
 * Report descriptors (hid/rdesc.c): every item type, report IDs and
 * sizes, Push/Pop, long and reserved items, what Linux refuses, and the
 * binary or hex text files they come in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hid/rdesc.h"

#define PARSE_OK(d)                                                           \
	do {                                                                  \
		struct hid_rdesc_error e_ = { 0 };                            \
		int r_ = hid_rdesc_parse((d), sizeof(d), NULL, &r, &e_);      \
		if (r_ < 0)                                                   \
			fail_msg("refused at %zu: %s", e_.offset, e_.reason); \
	} while (0)

/* Refused at `off` with `why` in the reason. */
static void refused(const uint8_t *d, size_t len, const struct hid_rdesc_limits *lim, size_t off,
		    const char *why)
{
	struct hid_rdesc r;
	struct hid_rdesc_error e = { 0 };

	assert_int_equal(hid_rdesc_parse(d, len, lim, &r, &e), -EINVAL);
	if (!strstr(e.reason, why))
		fail_msg("reason '%s' lacks '%s'", e.reason, why);
	assert_int_equal(e.offset, off);
}

#define REFUSED(d, off, why) refused((d), sizeof(d), NULL, (off), (why))

/* The mouse of hid/mouse.c: no IDs, 5 input bytes. */
static const uint8_t mouse[] = {
	0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19,
	0x01, 0x29, 0x05, 0x15, 0x00, 0x25, 0x01, 0x95, 0x05, 0x75, 0x01, 0x81, 0x02,
	0x95, 0x01, 0x75, 0x03, 0x81, 0x01, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09,
	0x38, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x03, 0x81, 0x06, 0x05, 0x0c,
	0x0a, 0x38, 0x02, 0x95, 0x01, 0x81, 0x06, 0xc0, 0xc0,
};

static void test_mouse(void **state)
{
	struct hid_rdesc r;

	PARSE_OK(mouse);
	assert_false(r.ids);
	assert_int_equal(r.bits[0][0], 40);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 0), 5);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_OUTPUT, 0), 0);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 1), 0);
	assert_int_equal(r.nreports[0], 1);
	assert_int_equal(r.application, 0x00010002);
}

/* Two input reports, an output and a feature report, by ID. */
static const uint8_t with_ids[] = {
	0x05, 0x01, 0x09, 0x05, 0xa1, 0x01, /* Game Pad */
	0x85, 0x01, 0x05, 0x09, 0x19, 0x01, 0x29, 0x0c, 0x15, 0x00, 0x25, 0x01, 0x75,
	0x01, 0x95, 0x0c, 0x81, 0x02, /* 12 buttons */
	0x95, 0x04, 0x81, 0x01, /* 4 bits padding */
	0x85, 0x02, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x16, 0x00, 0x80, 0x26, 0xff,
	0x7f, 0x75, 0x10, 0x95, 0x02, 0x81, 0x02, /* X, Y 16 bits each */
	0x85, 0x03, 0x06, 0x00, 0xff, 0x09, 0x01, 0x75, 0x08, 0x95, 0x03, 0x91, 0x02, /* out */
	0x85, 0x04, 0x09, 0x02, 0x95, 0x07, 0xb1, 0x02, /* feature 7 */
	0xc0,
};

static void test_ids(void **state)
{
	struct hid_rdesc r;

	PARSE_OK(with_ids);
	assert_true(r.ids);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 1), 3);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 2), 5);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_OUTPUT, 3), 4);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_FEATURE, 4), 8);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 0), 0);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 3), 0);
	assert_int_equal(hid_rdesc_report_len(&r, 4, 1), 0);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 256), 0);
	assert_int_equal(r.nreports[0], 2);
	assert_int_equal(r.nreports[1], 1);
	assert_int_equal(r.nreports[2], 1);
	assert_int_equal(r.application, 0x00010005);
}

static void test_push_pop(void **state)
{
	/* Report Size 8 pushed, changed to 16 for one field, popped back. */
	static const uint8_t d[] = {
		0x09, 0x01, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x01, 0xa4,
		0x75, 0x10, 0x81, 0x02, 0xb4, 0x81, 0x02, 0xc0,
	};
	struct hid_rdesc r;

	PARSE_OK(d);
	assert_int_equal(r.bits[0][0], 24);
}

static void test_push_limits(void **state)
{
	static const uint8_t pop[] = { 0xb4 };
	static const uint8_t push[] = { 0xa4, 0xa4, 0xa4, 0xa4, 0xa4 };

	REFUSED(pop, 0, "Pop with nothing pushed");
	REFUSED(push, 4, "Push more than 4 deep");
}

static void test_item_sizes(void **state)
{
	/* Sizes 0, 1, 2 and 4 (coded 3); the 4-byte Report Count is 2. */
	static const uint8_t d[] = {
		0x0b, 0x01, 0x00, 0x01, 0x00, /* Usage (4 bytes: page 1, usage 1) */
		0xa1, 0x01, 0x76, 0x08, 0x00, 0x97, 0x02, 0x00, 0x00, 0x00, 0x82, 0x02, 0x00, 0xc0,
	};
	static const uint8_t cut[] = { 0x05, 0x01, 0x06, 0x01 };
	static const uint8_t cut4[] = { 0x97, 0x01, 0x00, 0x00 };
	struct hid_rdesc r;

	PARSE_OK(d);
	assert_int_equal(r.bits[0][0], 16);
	assert_int_equal(r.application, 0x00010001);
	REFUSED(cut, 2, "needs 2 data bytes, 1 left");
	REFUSED(cut4, 0, "needs 4 data bytes, 3 left");
}

static void test_long_and_reserved(void **state)
{
	static const uint8_t long_item[] = { 0x09, 0x01, 0xfe, 0x02, 0xf0, 0x00, 0x00 };
	static const uint8_t reserved_type[] = { 0x09, 0x01, 0x0c };
	static const uint8_t reserved_main[] = { 0xd1, 0x00 };
	static const uint8_t reserved_global[] = { 0xc4 };

	REFUSED(long_item, 2, "long item");
	REFUSED(reserved_type, 2, "reserved type 3");
	REFUSED(reserved_main, 0, "main item tag 0xd is reserved");
	REFUSED(reserved_global, 0, "global item tag 0xc is reserved");
}

static void test_collections(void **state)
{
	static const uint8_t unopened[] = { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xc0 };
	static const uint8_t unclosed[] = { 0x75, 0x08, 0xa1, 0x01, 0xa1, 0x00,
					    0x95, 0x01, 0x81, 0x02, 0xc0 };
	uint8_t deep[2 * (HID_RDESC_DEPTH_MAX + 1)];
	unsigned int i;

	REFUSED(unopened, 6, "End Collection with no open Collection");
	REFUSED(unclosed, sizeof(unclosed),
		"1 Collection(s) not closed (the outermost opened "
		"at byte 2)");
	for (i = 0; i < sizeof(deep); i += 2) {
		deep[i] = 0xa1;
		deep[i + 1] = 0x00;
	}
	refused(deep, sizeof(deep), NULL, 2 * HID_RDESC_DEPTH_MAX, "nested more than 32 deep");
}

static void test_linux_limits(void **state)
{
	static const uint8_t size[] = { 0x76, 0x01, 0x01 };
	static const uint8_t count[] = { 0x96, 0x01, 0x30 };
	static const uint8_t id0[] = { 0x85, 0x00 };
	static const uint8_t id256[] = { 0x86, 0x00, 0x01 };
	static const uint8_t usages[] = { 0x19, 0x00, 0x2a, 0x00, 0x30, 0x81, 0x02 };
	static const uint8_t backwards[] = { 0x19, 0x05, 0x29, 0x01 };
	static const uint8_t size256[] = { 0x76, 0x00, 0x01, 0x95, 0x01, 0x81, 0x02 };
	struct hid_rdesc r;

	REFUSED(size, 0, "Report Size 257: over 256 bits");
	REFUSED(count, 0, "Report Count 12289: over 12288");
	REFUSED(id0, 0, "Report ID 0: IDs are 1 to 255");
	REFUSED(id256, 0, "Report ID 256");
	REFUSED(usages, 2, "over 12288 usages");
	REFUSED(backwards, 2, "Usage Maximum 0x1 below Usage Minimum 0x5");
	PARSE_OK(size256);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 0), 32);
}

static void test_mixed_ids(void **state)
{
	/* A report with no ID, then one with an ID: the host could not tell
	 * them apart. Either order is refused. */
	static const uint8_t before[] = {
		0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0x85, 0x01, 0x81, 0x02
	};
	static const uint8_t after[] = { 0x85, 0x01, 0x75, 0x08, 0x95, 0x01,
					 0x81, 0x02, 0xa4, 0xb4, 0x81, 0x02 };
	static const uint8_t popped[] = {
		0xa4, 0x85, 0x01, 0xb4, 0x75, 0x08, 0x95, 0x01, 0x91, 0x02
	};
	struct hid_rdesc r;

	REFUSED(before, 6, "Report ID after a report with no ID (the item at byte 4)");
	PARSE_OK(after);
	REFUSED(popped, 8, "output item with no Report ID");
}

static void test_delimiters(void **state)
{
	static const uint8_t ok[] = { 0xa9, 0x01, 0x09, 0x01, 0x09, 0x02, 0xa9,
				      0x00, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 };
	static const uint8_t nested[] = { 0xa9, 0x01, 0xa9, 0x01 };
	static const uint8_t stray[] = { 0xa9, 0x00 };
	static const uint8_t open_main[] = { 0xa9, 0x01, 0x81, 0x02 };
	static const uint8_t open_end[] = { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xa9, 0x01 };
	struct hid_rdesc r;

	PARSE_OK(ok);
	REFUSED(nested, 2, "inside a set");
	REFUSED(stray, 0, "closes no set");
	REFUSED(open_main, 2, "main item inside a Delimiter set");
	REFUSED(open_end, 8, "not closed");
}

static void test_limits(void **state)
{
	/* 63 bytes of input fit a 64-byte endpoint with the ID; 64 do not. */
	static const uint8_t d[] = { 0x85, 0x07, 0x75, 0x08, 0x95, 0x3f,
				     0x81, 0x02, 0x95, 0x01, 0x81, 0x02 };
	static const uint8_t noid[] = { 0x75, 0x08, 0x95, 0x40, 0x81, 0x02,
					0x95, 0x01, 0xb1, 0x02, 0x81, 0x02 };
	struct hid_rdesc_limits lim = { { 64, 64, 0 } };
	struct hid_rdesc r;
	struct hid_rdesc_error e;

	refused(d, sizeof(d), &lim, 10, "input report 7 grows to 65 bytes with its ID: over 64");
	refused(noid, sizeof(noid), &lim, 10, "input report grows to 65 bytes: over 64");
	assert_int_equal(hid_rdesc_parse(d, 8, &lim, &r, &e), 0);
	assert_int_equal(hid_rdesc_report_len(&r, HID_RDESC_INPUT, 7), 64);
}

static void test_empty_and_big(void **state)
{
	static uint8_t big[HID_RDESC_MAX + 1];
	static const uint8_t none[] = { 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0xc0 };
	static const uint8_t zero[] = { 0x75, 0x00, 0x95, 0x04, 0x81, 0x02 };
	struct hid_rdesc r;
	struct hid_rdesc_error e;

	assert_int_equal(hid_rdesc_parse(big, 0, NULL, &r, &e), -EINVAL);
	assert_string_equal(e.reason, "the descriptor is empty");
	refused(big, sizeof(big), NULL, HID_RDESC_MAX, "over 4096 bytes");
	REFUSED(none, sizeof(none), "no Input, Output or Feature report");
	REFUSED(zero, sizeof(zero), "no Input, Output or Feature report");
}

static int load(const char *text, uint8_t *out, struct hid_rdesc_error *e)
{
	return hid_rdesc_load((const uint8_t *)text, strlen(text), out, e);
}

static void test_load_text(void **state)
{
	uint8_t out[HID_RDESC_MAX];
	struct hid_rdesc_error e = { 0 };

	assert_int_equal(load("05 01 09 02\n# a comment 0x33\n a1 1 c0\n", out, &e), 7);
	assert_memory_equal(out, ((uint8_t[]){ 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0xc0 }), 7);
	/* C arrays as in kernel sources, with their comments. */
	assert_int_equal(load("0x05, 0x01, /* Usage Page (Generic\n Desktop) */\n"
			      "0x09,0x02, // Usage (Mouse)\n0xC0",
			      out, &e),
			 5);
	assert_memory_equal(out, ((uint8_t[]){ 0x05, 0x01, 0x09, 0x02, 0xc0 }), 5);
	/* usbhid-dump's descriptor lines (without its header line) */
	assert_int_equal(load(" 05 01 09 06 A1 01\n 05 07\n", out, &e), 8);
	assert_int_equal(out[2], 0x09);
}

static void test_load_text_bad(void **state)
{
	uint8_t out[HID_RDESC_MAX];
	struct hid_rdesc_error e = { 0 };
	static char many[3 * (HID_RDESC_MAX + 1) + 1];
	unsigned int i;

	assert_int_equal(load("05 01 zz", out, &e), -EINVAL);
	assert_int_equal(e.offset, 6);
	assert_string_equal(e.reason, "'z' where a hex byte should be");
	assert_int_equal(load("05 012", out, &e), -EINVAL);
	assert_int_equal(e.offset, 3);
	assert_int_equal(load("05 /* open", out, &e), -EINVAL);
	assert_string_equal(e.reason, "a comment that is not closed");
	assert_int_equal(load("# nothing\n", out, &e), -EINVAL);
	assert_string_equal(e.reason, "no hex bytes in the text");
	for (i = 0; i <= HID_RDESC_MAX; i++)
		memcpy(many + 3 * i, "00 ", 3);
	assert_int_equal(load(many, out, &e), -EINVAL);
	assert_int_equal(e.offset, 3 * HID_RDESC_MAX);
}

static void test_load_binary(void **state)
{
	static uint8_t big[HID_RDESC_MAX + 1];
	uint8_t out[HID_RDESC_MAX];
	struct hid_rdesc_error e;

	assert_int_equal(hid_rdesc_load(mouse, sizeof(mouse), out, &e), (int)sizeof(mouse));
	assert_memory_equal(out, mouse, sizeof(mouse));
	assert_int_equal(hid_rdesc_load(big, sizeof(big), out, &e), -EINVAL);
	assert_string_equal(e.reason, "over 4096 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mouse),	    cmocka_unit_test(test_ids),
		cmocka_unit_test(test_push_pop),    cmocka_unit_test(test_push_limits),
		cmocka_unit_test(test_item_sizes),  cmocka_unit_test(test_long_and_reserved),
		cmocka_unit_test(test_collections), cmocka_unit_test(test_linux_limits),
		cmocka_unit_test(test_mixed_ids),   cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_limits),	    cmocka_unit_test(test_empty_and_big),
		cmocka_unit_test(test_load_text),   cmocka_unit_test(test_load_text_bad),
		cmocka_unit_test(test_load_binary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
