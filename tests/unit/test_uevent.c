// SPDX-License-Identifier: MIT
/*
 * sysfs/uevent: the parsers on messages captured from Debian's 6.1 kernel
 * in the test VM (tests/vm/ueventcap while vusb-attach attached a mouse,
 * a keyboard and a storage device, then detached them), on every
 * truncation and many corruptions of them, and on hand-made hostile ones.
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

#include "sysfs/uevent.h"
#include "tests/unit/uevent-capture.h"

#define captured uevent_capture
#define NCAPTURED UEVENT_NCAPTURE

static void test_captured_lengths(void **state)
{
	size_t i;

	/* The literal's own NUL comes after the message's last one. */
	for (i = 0; i < NCAPTURED; i++)
		assert_int_equal(captured[i].msg[captured[i].len - 1], '\0');
}

static void test_captured_all_parse(void **state)
{
	uint64_t last = 0;
	size_t i;

	for (i = 0; i < NCAPTURED; i++) {
		struct uevent ev;
		const char *at = strchr(captured[i].msg, '@');

		assert_int_equal(uevent_parse(captured[i].msg, captured[i].len, &ev), 0);
		assert_non_null(ev.subsystem);
		assert_non_null(ev.devpath);
		assert_string_equal(ev.devpath, at + 1);
		assert_int_equal(strlen(ev.action_name), (size_t)(at - captured[i].msg));
		assert_int_not_equal(ev.action, UEVENT_OTHER);
		/* The kernel numbers its events in order. */
		assert_true(ev.seqnum > last);
		last = ev.seqnum;
	}
}

static void parse_captured(size_t i, struct uevent *ev)
{
	assert_true(i < NCAPTURED);
	assert_int_equal(uevent_parse(captured[i].msg, captured[i].len, ev), 0);
}

static void test_usb_device_add(void **state)
{
	struct uevent ev;

	parse_captured(0, &ev);
	assert_int_equal(ev.action, UEVENT_ADD);
	assert_string_equal(ev.action_name, "add");
	assert_string_equal(ev.devpath, "/devices/platform/vhci_hcd.0/usb1/1-1");
	assert_string_equal(ev.subsystem, "usb");
	assert_string_equal(ev.devtype, "usb_device");
	assert_string_equal(ev.devname, "bus/usb/001/002");
	assert_null(ev.driver);
	assert_null(ev.modalias);
	assert_int_equal(ev.seqnum, 684);
	assert_int_equal(ev.nvars, 12);
	assert_string_equal(uevent_get(&ev, "PRODUCT"), "1209/1/100");
	assert_string_equal(uevent_get(&ev, "MAJOR"), "189");
	assert_null(uevent_get(&ev, "PRODUC"));
	assert_null(uevent_get(&ev, "PRODUCTS"));
}

static void test_interface_and_device_bind(void **state)
{
	struct uevent ev;

	parse_captured(7, &ev);
	assert_int_equal(ev.action, UEVENT_BIND);
	assert_string_equal(ev.devtype, "usb_interface");
	assert_string_equal(ev.driver, "usbhid");
	assert_string_equal(uevent_get(&ev, "INTERFACE"), "3/1/2");
	assert_string_equal(ev.modalias, "usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00");
	assert_null(ev.devname);

	parse_captured(2, &ev);
	assert_int_equal(ev.action, UEVENT_BIND);
	assert_string_equal(ev.driver, "usb");
	assert_string_equal(ev.devtype, "usb_device");
}

static void test_hid_and_input(void **state)
{
	struct uevent ev;

	parse_captured(6, &ev);
	assert_string_equal(ev.subsystem, "hid");
	/* Values may hold blanks ... */
	assert_string_equal(uevent_get(&ev, "HID_NAME"), "vusb Virtual Mouse");
	assert_string_equal(uevent_get(&ev, "HID_UNIQ"), "vusb-mouse0");

	parse_captured(10, &ev);
	assert_string_equal(ev.subsystem, "input");
	/* ... and quotes, kept as the kernel wrote them. */
	assert_string_equal(uevent_get(&ev, "NAME"), "\"vusb Virtual Mouse\"");
	assert_string_equal(uevent_get(&ev, "KEY"), "1f0000 0 0 0 0");
	assert_null(ev.devname);

	parse_captured(17, &ev);
	assert_string_equal(ev.devname, "input/event1");
	assert_true(uevent_devpath_under(ev.devpath,
					 "/devices/platform/vhci_hcd.0/usb1/1-1"));

	parse_captured(13, &ev);
	assert_string_equal(ev.driver, "hid-generic");
}

static void test_leds_change(void **state)
{
	struct uevent ev;

	parse_captured(24, &ev);
	assert_int_equal(ev.action, UEVENT_CHANGE);
	assert_string_equal(ev.subsystem, "leds");
	assert_string_equal(uevent_get(&ev, "TRIGGER"), "kbd-numlock");
}

static void test_storage(void **state)
{
	struct uevent ev;

	parse_captured(69, &ev);
	assert_string_equal(ev.subsystem, "block");
	assert_string_equal(ev.devname, "sda");
	assert_string_equal(ev.devtype, "disk");
	parse_captured(70, &ev);
	assert_string_equal(ev.devtype, "scsi_device");
	assert_string_equal(ev.driver, "sd");
	parse_captured(77, &ev);
	assert_int_equal(ev.action, UEVENT_REMOVE);
}

static void test_removal_and_unbind(void **state)
{
	struct uevent ev;

	parse_captured(93, &ev);
	assert_int_equal(ev.action, UEVENT_REMOVE);
	assert_string_equal(ev.devtype, "usb_interface");
	parse_captured(94, &ev);
	assert_int_equal(ev.action, UEVENT_UNBIND);
	assert_null(ev.driver);
	parse_captured(95, &ev);
	assert_int_equal(ev.action, UEVENT_REMOVE);
	assert_string_equal(ev.devtype, "usb_device");
}

static void test_module_and_class(void **state)
{
	struct uevent ev;

	parse_captured(5, &ev);
	assert_string_equal(ev.devpath, "/module/hid");
	assert_string_equal(ev.subsystem, "module");
	assert_int_equal(ev.nvars, 4);
	assert_false(uevent_devpath_under(ev.devpath, "/devices"));
}

/* Every prefix of every message: refused unless it ends at a field. */
static void test_every_truncation(void **state)
{
	size_t i, n;

	for (i = 0; i < NCAPTURED; i++) {
		for (n = 0; n < captured[i].len; n++) {
			struct uevent ev, sentinel;
			int r;

			memset(&ev, 0x5a, sizeof(ev));
			memset(&sentinel, 0x5a, sizeof(sentinel));
			r = uevent_parse(captured[i].msg, n, &ev);
			if (n == 0) {
				assert_int_equal(r, -EMSGSIZE);
			} else if (captured[i].msg[n - 1] != '\0') {
				assert_int_equal(r, -EBADMSG);
			} else if (r == 0) {
				/* A whole-field prefix may still be a valid
				 * message: then it says the same things. */
				assert_string_equal(ev.devpath, strchr(captured[i].msg, '@') + 1);
				assert_true(ev.nvars >= 3);
				continue;
			} else {
				assert_int_equal(r, -EBADMSG);
			}
			assert_memory_equal(&ev, &sentinel, sizeof(ev));
		}
	}
}

/* Every byte replaced by a few nasty values: no crash, a known answer. */
static void test_corruptions(void **state)
{
	static const unsigned char nasty[] = { 0, '@', '=', '/', '.', 0xff, '\n', 'A' };
	char buf[UEVENT_MSG_MAX];
	size_t i, k, v;

	for (i = 0; i < NCAPTURED; i++) {
		for (k = 0; k < captured[i].len; k++) {
			for (v = 0; v < sizeof(nasty); v++) {
				struct uevent ev;
				int r;

				memcpy(buf, captured[i].msg, captured[i].len);
				buf[k] = (char)nasty[v];
				r = uevent_parse(buf, captured[i].len, &ev);
				assert_true(r == 0 || r == -EBADMSG || r == -E2BIG);
				if (r == 0) {
					assert_true(ev.devpath >= buf &&
						    ev.devpath < buf + captured[i].len);
					assert_true(ev.nvars <= UEVENT_MAX_VARS);
				}
			}
		}
	}
}

/* Build "HEADER\0FIELD\0FIELD\0..." from NULL-terminated strings. */
static size_t build(char *buf, size_t size, ...)
{
	const char *s;
	size_t len = 0;
	va_list ap;

	va_start(ap, size);
	while ((s = va_arg(ap, const char *))) {
		size_t n = strlen(s) + 1;

		assert_true(len + n <= size);
		memcpy(buf + len, s, n);
		len += n;
	}
	va_end(ap);
	return len;
}

#define DP "/devices/platform/vhci_hcd.0/usb1/1-1"

static void expect_bad(int want, const char *buf, size_t len)
{
	struct uevent ev, sentinel;

	memset(&ev, 0x77, sizeof(ev));
	memset(&sentinel, 0x77, sizeof(sentinel));
	assert_int_equal(uevent_parse(buf, len, &ev), want);
	assert_memory_equal(&ev, &sentinel, sizeof(ev));
}

static void test_hostile(void **state)
{
	char buf[UEVENT_MSG_MAX + 16];
	struct uevent ev;
	size_t n;

#define BAD(want, ...)                                              \
	do {                                                        \
		n = build(buf, sizeof(buf), __VA_ARGS__, NULL);     \
		expect_bad(want, buf, n);                           \
	} while (0)

	/* The shape of a good one, to be sure the others fail for their own
	 * reason. */
	n = build(buf, sizeof(buf), "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb",
		  "SEQNUM=1", NULL);
	assert_int_equal(uevent_parse(buf, n, &ev), 0);

	BAD(-EBADMSG, "add" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb");
	BAD(-EBADMSG, "@" DP, "ACTION=", "DEVPATH=" DP, "SUBSYSTEM=usb");
	BAD(-EBADMSG, "ADD@" DP, "ACTION=ADD", "DEVPATH=" DP, "SUBSYSTEM=usb");
	BAD(-EBADMSG, "addddddddddddddddd@" DP, "ACTION=addddddddddddddddd", "DEVPATH=" DP,
	    "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@devices/x", "ACTION=add", "DEVPATH=devices/x", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@/", "ACTION=add", "DEVPATH=/", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@", "ACTION=add", "DEVPATH=", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@/devices/../etc", "ACTION=add", "DEVPATH=/devices/../etc",
	    "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@/devices/..", "ACTION=add", "DEVPATH=/devices/..", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@/devices/./x", "ACTION=add", "DEVPATH=/devices/./x", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@/devices//x", "ACTION=add", "DEVPATH=/devices//x", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@/devices/x/", "ACTION=add", "DEVPATH=/devices/x/", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@/devices/\x01x", "ACTION=add", "DEVPATH=/devices/\x01x",
	    "SUBSYSTEM=usb");
	/* Fields. */
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "NOEQUALS");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "=value");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "BAD-KEY=1");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb",
	    "KEY_LONGER_THAN_THIRTY_TWO_BYTES_=1");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "DRIVER=a",
	    "DRIVER=b");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "ACTION=remove", "DEVPATH=" DP, "SUBSYSTEM=usb");
	/* Header and fields disagree, or say too little. */
	BAD(-EBADMSG, "add@" DP, "ACTION=remove", "DEVPATH=" DP, "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@" DP, "ACTION=ad", "DEVPATH=" DP, "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP "/x", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@" DP, "DEVPATH=" DP, "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "SUBSYSTEM=usb");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP);
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=");
	BAD(-EBADMSG, "add@" DP);
	/* Values the code relies on. */
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "SEQNUM=12x");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "SEQNUM=");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "SEQNUM=-1");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb",
	    "SEQNUM=18446744073709551616");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb",
	    "DEVNAME=/dev/sda");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb",
	    "DEVNAME=../etc/passwd");
	BAD(-EBADMSG, "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", "DEVNAME=");
	n = build(buf, sizeof(buf), "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb",
		  "SEQNUM=18446744073709551615", NULL);
	assert_int_equal(uevent_parse(buf, n, &ev), 0);
	assert_true(ev.seqnum == UINT64_MAX);

	/* udevd's messages on its own group; the first 8 bytes decide. */
	memset(buf, 0, 64);
	memcpy(buf, "libudev", 8);
	expect_bad(-EPROTO, buf, 64);
	expect_bad(-EMSGSIZE, buf, 0);
	memset(buf, 'a', sizeof(buf));
	expect_bad(-EMSGSIZE, buf, UEVENT_MSG_MAX + 1);
	assert_int_equal(uevent_parse(NULL, 10, &ev), -EINVAL);
	assert_int_equal(uevent_parse(buf, 10, NULL), -EINVAL);
#undef BAD
}

static void test_variable_limit(void **state)
{
	char buf[UEVENT_MSG_MAX];
	struct uevent ev;
	size_t n;
	int i;

	n = build(buf, sizeof(buf), "add@" DP, "ACTION=add", "DEVPATH=" DP, "SUBSYSTEM=usb", NULL);
	for (i = 3; i < UEVENT_MAX_VARS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "K%d=%d", i, i) + 1;
	assert_int_equal(uevent_parse(buf, n, &ev), 0);
	assert_int_equal(ev.nvars, UEVENT_MAX_VARS);
	assert_string_equal(uevent_get(&ev, "K63"), "63");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "ONE=more") + 1;
	expect_bad(-E2BIG, buf, n);
}

static void test_unknown_action(void **state)
{
	char buf[256];
	struct uevent ev;
	size_t n;

	n = build(buf, sizeof(buf), "frobnicate@" DP, "ACTION=frobnicate", "DEVPATH=" DP,
		  "SUBSYSTEM=usb", NULL);
	assert_int_equal(uevent_parse(buf, n, &ev), 0);
	assert_int_equal(ev.action, UEVENT_OTHER);
	assert_string_equal(ev.action_name, "frobnicate");
	assert_int_equal(uevent_action_from_name("unbind"), UEVENT_UNBIND);
	assert_int_equal(uevent_action_from_name(""), UEVENT_OTHER);
}

/* Files as sysfs has them (read in the VM). */
static void test_file(void **state)
{
	char iface[] = "DEVTYPE=usb_interface\nDRIVER=usbhid\nPRODUCT=1209/1/100\n"
		       "TYPE=0/0/0\nINTERFACE=3/1/2\n"
		       "MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\n";
	char node[] = "MAJOR=13\nMINOR=65\nDEVNAME=input/event1\n";
	char empty[] = "";
	struct uevent ev;

	assert_int_equal(uevent_parse_file(iface, strlen(iface), &ev), 0);
	assert_null(ev.action_name);
	assert_null(ev.devpath);
	assert_string_equal(ev.devtype, "usb_interface");
	assert_string_equal(ev.driver, "usbhid");
	assert_string_equal(uevent_get(&ev, "INTERFACE"), "3/1/2");
	assert_int_equal(ev.nvars, 6);

	assert_int_equal(uevent_parse_file(node, strlen(node), &ev), 0);
	assert_string_equal(ev.devname, "input/event1");

	assert_int_equal(uevent_parse_file(empty, 0, &ev), 0);
	assert_int_equal(ev.nvars, 0);
}

static void expect_bad_file(int want, const char *text, size_t len)
{
	struct uevent ev, sentinel;
	char buf[UEVENT_MSG_MAX + 2];

	memcpy(buf, text, len);
	memset(&ev, 0x33, sizeof(ev));
	memset(&sentinel, 0x33, sizeof(sentinel));
	assert_int_equal(uevent_parse_file(buf, len, &ev), want);
	assert_memory_equal(&ev, &sentinel, sizeof(ev));
}

static void test_file_hostile(void **state)
{
	static char big[UEVENT_MSG_MAX + 1];
	struct uevent ev;

#define BADF(want, s) expect_bad_file(want, s, sizeof(s) - 1)
	BADF(-EBADMSG, "MAJOR=13\nMINOR=65");	/* last line unterminated */
	BADF(-EBADMSG, "MAJOR=13\n\nMINOR=65\n"); /* empty line */
	BADF(-EBADMSG, "MAJOR\n");
	BADF(-EBADMSG, "=13\n");
	BADF(-EBADMSG, "MA JOR=13\n");
	BADF(-EBADMSG, "MAJOR=1\0003\n");
	BADF(-EBADMSG, "MAJOR=1\nMAJOR=2\n");
	BADF(-EBADMSG, "DEVNAME=/dev/x\n");
	BADF(-EBADMSG, "SEQNUM=x\n");
#undef BADF
	memset(big, 'A', sizeof(big));
	assert_int_equal(uevent_parse_file(big, sizeof(big), &ev), -EMSGSIZE);
	assert_int_equal(uevent_parse_file(NULL, 0, &ev), -EINVAL);
}

static void test_devpath_under(void **state)
{
	assert_true(uevent_devpath_under("/devices/a/b", "/devices/a"));
	assert_true(uevent_devpath_under("/devices/a", "/devices/a"));
	assert_true(uevent_devpath_under("/devices/a/b", "/devices/a/"));
	assert_false(uevent_devpath_under("/devices/a-b", "/devices/a"));
	assert_false(uevent_devpath_under("/devices/ab", "/devices/a"));
	assert_false(uevent_devpath_under("/devices", "/devices/a"));
	assert_false(uevent_devpath_under("/devices/a", ""));
	assert_false(uevent_devpath_under(NULL, "/devices"));
}

/* The socket, where netlink is allowed (not in every sandbox). */
static void test_socket(void **state)
{
	struct uevent_mon *m;
	char buf[UEVENT_MSG_MAX];
	int r;

	r = uevent_mon_open(&m);
	if (r < 0) {
		print_message("no uevent socket here (%s): skipped\n", strerror(-r));
		skip();
	}
	assert_true(uevent_mon_fd(m) >= 0);
	assert_int_equal(uevent_mon_recv(m, buf, sizeof(buf)) < 0, 1);
	uevent_mon_close(m);
	uevent_mon_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_lengths),
		cmocka_unit_test(test_captured_all_parse),
		cmocka_unit_test(test_usb_device_add),
		cmocka_unit_test(test_interface_and_device_bind),
		cmocka_unit_test(test_hid_and_input),
		cmocka_unit_test(test_leds_change),
		cmocka_unit_test(test_storage),
		cmocka_unit_test(test_removal_and_unbind),
		cmocka_unit_test(test_module_and_class),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_corruptions),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_variable_limit),
		cmocka_unit_test(test_unknown_action),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_hostile),
		cmocka_unit_test(test_devpath_under),
		cmocka_unit_test(test_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
