// SPDX-License-Identifier: MIT
/*
 * Fault specs (src/usb/fault.c): what parses, what is refused and why,
 * and how a spec prints. The engine is shown on the wire in
 * tests/loop/test_conn.c (test_fault_*).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/usb/fault.h"

static struct usb_fault_spec parse_ok(const char *text)
{
	struct usb_fault_spec s;
	struct strbuf err = { 0 };

	if (usb_fault_parse_text(text, strlen(text), &s, &err) < 0)
		fail_msg("'%s': %s", text, strbuf_str(&err));
	strbuf_free(&err);
	return s;
}

/* Refused, with a reason that contains `why`; the spec is left alone. */
static void parse_bad(const char *text, const char *why)
{
	struct usb_fault_spec s = { .arg = 0x5a5a };
	struct strbuf err = { 0 };

	assert_int_equal(usb_fault_parse_text(text, strlen(text), &s, &err), -EINVAL);
	if (!strstr(strbuf_str(&err), why))
		fail_msg("'%s': \"%s\" does not say \"%s\"", text, strbuf_str(&err), why);
	assert_int_equal(s.arg, 0x5a5a);
	strbuf_free(&err);
}

static void format_is(const char *text, const char *want)
{
	struct usb_fault_spec s = parse_ok(text);
	struct strbuf out = { 0 };

	usb_fault_format(&s, &out);
	assert_string_equal(strbuf_str(&out), want);
	strbuf_free(&out);
}

static void test_kinds(void **state)
{
	struct usb_fault_spec s;

	s = parse_ok("stall");
	assert_int_equal(s.kind, USB_FAULT_STALL);
	assert_int_equal(s.ep, USB_FAULT_ANY_EP);
	assert_int_equal(s.request, USB_FAULT_ANY_REQ);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.every, 1);
	assert_int_equal(s.after, 0);
	s = parse_ok("nak 250");
	assert_int_equal(s.kind, USB_FAULT_NAK);
	assert_int_equal(s.arg, 250);
	s = parse_ok("timeout");
	assert_int_equal(s.kind, USB_FAULT_TIMEOUT);
	s = parse_ok("error -EOVERFLOW");
	assert_int_equal(s.kind, USB_FAULT_ERROR);
	assert_int_equal(s.arg, EOVERFLOW);
	assert_int_equal(parse_ok("error EPROTO").arg, EPROTO);
	assert_int_equal(parse_ok("error EILSEQ").arg, EILSEQ);
	assert_int_equal(parse_ok("error ETIME").arg, ETIME);
	assert_int_equal(parse_ok("error ECOMM").arg, ECOMM);
	s = parse_ok("short 0");
	assert_int_equal(s.kind, USB_FAULT_SHORT);
	assert_int_equal(s.arg, 0);
	s = parse_ok("corrupt");
	assert_int_equal(s.kind, USB_FAULT_CORRUPT);
	assert_int_equal(s.seed, 1);
}

static void test_descriptor(void **state)
{
	struct usb_fault_spec s;

	s = parse_ok("descriptor corrupt config");
	assert_int_equal(s.kind, USB_FAULT_DESCRIPTOR);
	assert_int_equal(s.arg, USB_FAULT_DESC_CORRUPT);
	assert_int_equal(s.dtype, USB_DT_CONFIG);
	assert_int_equal(s.ep, 0);
	assert_int_equal(s.request, USB_REQ_GET_DESCRIPTOR);
	assert_int_equal(s.count, 0); /* until cleared: the next enumeration meets it */
	assert_int_equal(parse_ok("descriptor truncate device --count 2").count, 2);
	assert_int_equal(parse_ok("descriptor oversize report").dtype, USB_DT_REPORT);
	format_is("descriptor corrupt config", "descriptor corrupt config --forever");
	format_is("descriptor truncate bos --count 3", "descriptor truncate bos --count 3");
	parse_bad("descriptor", "usage: descriptor");
	parse_bad("descriptor corrupt", "usage: descriptor");
	parse_bad("descriptor shred config", "usage: descriptor");
	parse_bad("descriptor corrupt interface", "usage: descriptor");
	parse_bad("descriptor corrupt config --ep 0x81", "endpoint 0");
	parse_bad("descriptor corrupt config --at-request set_configuration", "its own");
}

static void test_options(void **state)
{
	struct usb_fault_spec s;

	assert_int_equal(parse_ok("stall --ep 0x81").ep, 0x81);
	assert_int_equal(parse_ok("stall --ep 81").ep, 0x81);
	assert_int_equal(parse_ok("stall --ep 2").ep, 0x02);
	assert_int_equal(parse_ok("stall --ep 0x80").ep, 0); /* control: both directions */
	assert_int_equal(parse_ok("stall --count 3").count, 3);
	assert_int_equal(parse_ok("stall --forever").count, 0);
	s = parse_ok("stall --every 4");
	assert_int_equal(s.every, 4);
	assert_int_equal(s.count, 0); /* every 4th, forever */
	s = parse_ok("stall --every 4 --count 2");
	assert_int_equal(s.every, 4);
	assert_int_equal(s.count, 2);
	assert_int_equal(parse_ok("stall --after 10").after, 10);
	assert_int_equal(parse_ok("corrupt --seed 4294967295").seed, 4294967295u);
	s = parse_ok("stall --at-request get_descriptor:config");
	assert_int_equal(s.ep, 0);
	assert_int_equal(s.request, 6);
	assert_int_equal(s.dtype, 2);
	s = parse_ok("stall --at-request set_configuration");
	assert_int_equal(s.request, 9);
	assert_int_equal(s.dtype, -1);
	assert_int_equal(parse_ok("stall --at-request get_descriptor:report").dtype, 0x22);
	s = parse_ok("slow 250");
	assert_int_equal(s.kind, USB_FAULT_SLOW);
	assert_int_equal(s.arg, 250);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.ep, USB_FAULT_ANY_EP);
	s = parse_ok("reset-storm --count 3");
	assert_int_equal(s.kind, USB_FAULT_RESET_STORM);
	assert_int_equal(s.count, 3);
	s = parse_ok("  error\tEPROTO   --ep 0x81\t");
	assert_int_equal(s.arg, EPROTO);
	assert_int_equal(s.ep, 0x81);
}

static void test_refused(void **state)
{
	char big[USB_FAULT_SPEC_MAX + 2];

	parse_bad("", "no fault");
	parse_bad("   ", "no fault");
	parse_bad("explode", "unknown fault 'explode'");
	parse_bad("nak", "nak needs MS");
	parse_bad("nak --ep 1", "nak needs MS");
	parse_bad("nak 3600001", "out of range");
	parse_bad("nak -1", "out of range");
	parse_bad("nak 1s", "not a number");
	parse_bad("error", "error needs ERRNO");
	parse_bad("error EIO", "error 'EIO'");
	parse_bad("error 71", "error '71'");
	parse_bad("short", "short needs BYTES");
	parse_bad("slow", "slow needs MS");
	parse_bad("slow 0", "slow '0': out of range (1 to 3600000)");
	parse_bad("slow 3600001", "out of range");
	parse_bad("slow 10 --ep 0x81", "slow is per command of the device: no --ep");
	parse_bad("reset-storm --at-request set_configuration", "reset-storm is per command");
	parse_bad("reset-storm --ep 0", "per command");
	parse_bad("short 12x", "not a number");
	parse_bad("stall --ep", "--ep needs a value");
	parse_bad("stall --ep 0x100", "--ep '0x100'");
	parse_bad("stall --ep 0x11", "--ep '0x11'");
	parse_bad("stall --ep x", "--ep 'x'");
	parse_bad("stall --count 0", "--count '0': out of range");
	parse_bad("stall --every 0", "--every '0'");
	parse_bad("stall --after -1", "--after '-1'");
	parse_bad("stall --seed 4294967296", "--seed");
	parse_bad("stall --forever --count 2", "--forever and --count");
	parse_bad("stall --at-request get_report", "--at-request 'get_report'");
	parse_bad("stall --at-request set_configuration:config", "--at-request");
	parse_bad("stall --at-request get_descriptor:", "--at-request");
	parse_bad("stall --at-request get_descriptor --ep 0x81", "endpoint 0");
	parse_bad("short 4 --ep 0x02", "OUT endpoint");
	parse_bad("corrupt --ep 1", "OUT endpoint");
	parse_bad("stall --bogus", "unknown fault option '--bogus'");
	parse_bad("stal\n --ep", "control character (0x0a)"); /* found by fuzz_fault */
	parse_bad("stall 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", "more than 16 words");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	parse_bad(big, "longer than 256 bytes");
	{
		struct usb_fault_spec s;
		struct strbuf err = { 0 };

		assert_int_equal(usb_fault_parse_text("stall\0--ep 1", 12, &s, &err), -EINVAL);
		assert_non_null(strstr(strbuf_str(&err), "NUL"));
		strbuf_free(&err);
	}
}

static void test_format(void **state)
{
	format_is("stall", "stall --count 1");
	format_is("nak 250 --ep 0", "nak 250 --ep 0x00 --count 1");
	format_is("timeout --ep 0x83 --after 2 --forever", "timeout --ep 0x83 --after 2 --forever");
	format_is("error -EOVERFLOW --every 3", "error EOVERFLOW --every 3");
	format_is("short 3 --every 2 --count 5", "short 3 --every 2 --count 5");
	format_is("corrupt", "corrupt --count 1 --seed 1");
	format_is("slow 100 --after 2 --every 3", "slow 100 --after 2 --every 3");
	format_is("reset-storm", "reset-storm --count 1");
	format_is("stall --at-request get_descriptor:config",
		  "stall --at-request get_descriptor:config --count 1");
}

static void test_add_clear(void **state)
{
	struct usb_device dev;
	struct usb_fault_spec s = parse_ok("stall");
	struct strbuf out = { 0 };
	unsigned int id, i;

	usb_device_init(&dev);
	assert_null(dev.faults);
	assert_int_equal(usb_fault_clear(&dev, 0), 0);
	assert_int_equal(usb_fault_clear(&dev, 1), -ENOENT);
	for (i = 1; i <= USB_FAULT_MAX; i++) {
		assert_int_equal(usb_fault_add(&dev, &s, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(usb_fault_add(&dev, &s, &id), -ENOSPC);
	assert_int_equal(usb_fault_clear(&dev, 3), 0);
	assert_int_equal(usb_fault_add(&dev, &s, &id), 0);
	assert_int_equal(id, USB_FAULT_MAX + 1); /* ids are never reused */
	assert_int_equal(usb_fault_clear(&dev, 3), -ENOENT);
	usb_fault_list(&dev, &out);
	assert_non_null(strstr(strbuf_str(&out), "17\tstall --count 1\tfired 0\n"));
	assert_null(strstr(strbuf_str(&out), "\n3\t"));
	strbuf_free(&out);
	assert_int_equal(usb_fault_clear(&dev, 0), 0);
	assert_null(dev.faults);
	assert_int_equal(usb_fault_add(&dev, &s, &id), 0);
	usb_faults_free(&dev);
	assert_null(dev.faults);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),	  cmocka_unit_test(test_options),
		cmocka_unit_test(test_refused),	  cmocka_unit_test(test_format),
		cmocka_unit_test(test_add_clear), cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
