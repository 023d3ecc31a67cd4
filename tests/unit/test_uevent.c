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

struct fixture {
	size_t len;
	const char *msg;
};

/* As ueventcap printed them: the length, then the bytes. */
static const struct fixture captured[] = {
	{ 237,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=1209/1/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=684\0" },
	{ 267,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/1/100\0TYPE=0/0/0\0INTERFACE=3/1/2\0"
	  "MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\0SEQNUM=685\0" },
	{ 250,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-1\0ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0DRIVER=usb\0"
	  "PRODUCT=1209/1/100\0TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=686\0" },
	{ 66,
	  "add@/bus/hid\0ACTION=add\0DEVPATH=/bus/hid\0SUBSYSTEM=bus\0SEQNUM=687\0" },
	{ 78,
	  "add@/class/hidraw\0ACTION=add\0DEVPATH=/class/hidraw\0SUBSYSTEM=class\0"
	  "SEQNUM=688\0" },
	{ 75,
	  "add@/module/hid\0ACTION=add\0DEVPATH=/module/hid\0SUBSYSTEM=module\0SEQNUM=689\0" },
	{ 334,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "SUBSYSTEM=hid\0HID_ID=0003:00001209:00000001\0HID_NAME=vusb Virtual Mouse\0"
	  "HID_PHYS=usb-vhci_hcd.0-1/input0\0HID_UNIQ=vusb-mouse0\0"
	  "MODALIAS=hid:b0003g0001v00001209p00000001\0SEQNUM=690\0" },
	{ 283,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0DRIVER=usbhid\0PRODUCT=1209/1/100\0TYPE=0/0/0\0"
	  "INTERFACE=3/1/2\0MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\0"
	  "SEQNUM=691\0" },
	{ 100,
	  "add@/bus/usb/drivers/usbhid\0ACTION=add\0DEVPATH=/bus/usb/drivers/usbhid\0"
	  "SUBSYSTEM=drivers\0SEQNUM=692\0" },
	{ 81,
	  "add@/module/usbhid\0ACTION=add\0DEVPATH=/module/usbhid\0SUBSYSTEM=module\0"
	  "SEQNUM=693\0" },
	{ 441,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2\0"
	  "SUBSYSTEM=input\0PRODUCT=3/1209/1/111\0NAME=\"vusb Virtual Mouse\"\0"
	  "PHYS=\"usb-vhci_hcd.0-1/input0\"\0UNIQ=\"vusb-mouse0\"\0PROP=0\0EV=17\0"
	  "KEY=1f0000 0 0 0 0\0REL=1943\0MSC=10\0"
	  "MODALIAS=input:b0003v1209p0001e0111-e0,1,2,4,k110,111,112,113,114,r0,1,6,8,B,C,am4,lsfw\0"
	  "SEQNUM=694\0" },
	{ 261,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/mouse0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/mouse0\0"
	  "SUBSYSTEM=input\0MAJOR=13\0MINOR=32\0DEVNAME=input/mouse0\0SEQNUM=695\0" },
	{ 247,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/hidraw/hidraw0\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/hidraw/hidraw0\0"
	  "SUBSYSTEM=hidraw\0MAJOR=246\0MINOR=0\0DEVNAME=hidraw0\0SEQNUM=696\0" },
	{ 355,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001\0"
	  "SUBSYSTEM=hid\0DRIVER=hid-generic\0HID_ID=0003:00001209:00000001\0"
	  "HID_NAME=vusb Virtual Mouse\0HID_PHYS=usb-vhci_hcd.0-1/input0\0"
	  "HID_UNIQ=vusb-mouse0\0MODALIAS=hid:b0003g0001v00001209p00000001\0SEQNUM=697\0" },
	{ 110,
	  "add@/bus/hid/drivers/hid-generic\0ACTION=add\0"
	  "DEVPATH=/bus/hid/drivers/hid-generic\0SUBSYSTEM=drivers\0SEQNUM=698\0" },
	{ 91,
	  "add@/module/hid_generic\0ACTION=add\0DEVPATH=/module/hid_generic\0"
	  "SUBSYSTEM=module\0SEQNUM=699\0" },
	{ 191,
	  "add@/devices/platform/i8042/serio0/input/input0/event0\0ACTION=add\0"
	  "DEVPATH=/devices/platform/i8042/serio0/input/input0/event0\0SUBSYSTEM=input\0"
	  "MAJOR=13\0MINOR=64\0DEVNAME=input/event0\0SEQNUM=700\0" },
	{ 261,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/event1\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0/0003:1209:0001.0001/input/input2/event1\0"
	  "SUBSYSTEM=input\0MAJOR=13\0MINOR=65\0DEVNAME=input/event1\0SEQNUM=701\0" },
	{ 643,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3\0"
	  "SUBSYSTEM=input\0PRODUCT=3/1209/2/111\0NAME=\"vusb Virtual Keyboard\"\0"
	  "PHYS=\"usb-vhci_hcd.0-2/input0\"\0UNIQ=\"vusb-keyboard0\"\0PROP=0\0EV=120013\0"
	  "KEY=1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe\0MSC=10\0"
	  "LED=1f\0"
	  "MODALIAS=input:b0003v1209p0002e0111-e0,1,4,11,14,k71,72,73,74,75,77,79,7A,7B,7C,7D,7E,7F,80,81,82,83,84,85,86,87,88,89,8A,8C,8E,96,98,9E,9F,A1,A3,A4,A5,A6,AD,B0,B1,B2,B3,B4,B7,B8,B9,BA,BB,BC,BD,BE,BF,C0,C1,C2,F0,ram4,l0,1,2,3,4,sfw\0"
	  "SEQNUM=706\0" },
	{ 239,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "SUBSYSTEM=leds\0SEQNUM=707\0" },
	{ 265,
	  "change@/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "ACTION=change\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-2/1-2:1.0/0003:1209:0002.0002/input/input3/input3::numlock\0"
	  "SUBSYSTEM=leds\0TRIGGER=kbd-numlock\0SEQNUM=708\0" },
	{ 265,
	  "add@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/block/sda\0"
	  "ACTION=add\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0/block/sda\0"
	  "SUBSYSTEM=block\0MAJOR=8\0MINOR=0\0DEVNAME=sda\0DEVTYPE=disk\0DISKSEQ=1\0"
	  "SEQNUM=753\0" },
	{ 246,
	  "bind@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "ACTION=bind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "SUBSYSTEM=scsi\0DEVTYPE=scsi_device\0DRIVER=sd\0MODALIAS=scsi:t-0x00\0"
	  "SEQNUM=754\0" },
	{ 240,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-3/1-3:1.0/host0/target0:0:0/0:0:0:0\0"
	  "SUBSYSTEM=scsi\0DEVTYPE=scsi_device\0MODALIAS=scsi:t-0x00\0SEQNUM=761\0" },
	{ 273,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
	  "DEVTYPE=usb_interface\0PRODUCT=1209/1/100\0TYPE=0/0/0\0INTERFACE=3/1/2\0"
	  "MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\0SEQNUM=777\0" },
	{ 243,
	  "unbind@/devices/platform/vhci_hcd.0/usb1/1-1\0ACTION=unbind\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=1209/1/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=778\0" },
	{ 243,
	  "remove@/devices/platform/vhci_hcd.0/usb1/1-1\0ACTION=remove\0"
	  "DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1\0SUBSYSTEM=usb\0MAJOR=189\0"
	  "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=1209/1/100\0"
	  "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=779\0" },
};

#define NCAPTURED (sizeof(captured) / sizeof(captured[0]))

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

	parse_captured(20, &ev);
	assert_int_equal(ev.action, UEVENT_CHANGE);
	assert_string_equal(ev.subsystem, "leds");
	assert_string_equal(uevent_get(&ev, "TRIGGER"), "kbd-numlock");
}

static void test_storage(void **state)
{
	struct uevent ev;

	parse_captured(21, &ev);
	assert_string_equal(ev.subsystem, "block");
	assert_string_equal(ev.devname, "sda");
	assert_string_equal(ev.devtype, "disk");
	parse_captured(22, &ev);
	assert_string_equal(ev.devtype, "scsi_device");
	assert_string_equal(ev.driver, "sd");
	parse_captured(23, &ev);
	assert_int_equal(ev.action, UEVENT_REMOVE);
}

static void test_removal_and_unbind(void **state)
{
	struct uevent ev;

	parse_captured(24, &ev);
	assert_int_equal(ev.action, UEVENT_REMOVE);
	assert_string_equal(ev.devtype, "usb_interface");
	parse_captured(25, &ev);
	assert_int_equal(ev.action, UEVENT_UNBIND);
	assert_null(ev.driver);
	parse_captured(26, &ev);
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
