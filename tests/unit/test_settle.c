// SPDX-License-Identifier: MIT
/*
 * sysfs/settle: the kernel's own uevents, captured in the VM, replayed
 * into a table one by one, with the judge asked after each (done exactly
 * when the kernel was); then the sysfs walk on fake trees made in a
 * temporary directory, copied from what Debian's 6.1 kernel showed for a
 * vusb mouse (1-1) and a storage device (1-2), taken apart to be each
 * stage the kernel goes through, and made hostile.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysfs/settle.h"
#include "tests/unit/uevent-capture.h"

static char root[64];

static void mkdirs(const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void put(const char *rel, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	mkdirs(rel);
	snprintf(path, sizeof(path), "%s/%s/%s", root, rel, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rm(const char *rel)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

#define M "1-1"
#define MI M "/1-1:1.0"
#define MH MI "/0003:1209:0001.0001"

/* The mouse as the kernel left it once everything was bound. */
static void make_mouse(void)
{
	put(M, "uevent",
	    "MAJOR=189\nMINOR=1\nDEVNAME=bus/usb/001/002\nDEVTYPE=usb_device\nDRIVER=usb\n"
	    "PRODUCT=1209/1/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=002\n");
	put(M, "authorized", "1\n");
	mkdirs(M "/ep_00");
	mkdirs(M "/power");
	put(MI, "uevent",
	    "DEVTYPE=usb_interface\nDRIVER=usbhid\nPRODUCT=1209/1/100\nTYPE=0/0/0\n"
	    "INTERFACE=3/1/2\nMODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\n");
	put(MI, "authorized", "1\n");
	mkdirs(MI "/ep_81");
	put(MH, "uevent",
	    "DRIVER=hid-generic\nHID_ID=0003:00001209:00000001\nHID_NAME=vusb Virtual Mouse\n"
	    "HID_PHYS=usb-vhci_hcd.0-1/input0\nHID_UNIQ=vusb-mouse0\n"
	    "MODALIAS=hid:b0003g0001v00001209p00000001\n");
	put(MH "/hidraw/hidraw0", "uevent", "MAJOR=246\nMINOR=0\nDEVNAME=hidraw0\n");
	put(MH "/input/input2", "uevent",
	    "PRODUCT=3/1209/1/111\nNAME=\"vusb Virtual Mouse\"\nPHYS=\"usb-vhci_hcd.0-1/input0\"\n"
	    "UNIQ=\"vusb-mouse0\"\nPROP=0\nEV=17\nKEY=1f0000 0 0 0 0\nREL=1943\nMSC=10\n"
	    "MODALIAS=input:b0003v1209p0001e0111-e0,1,2,4,k110,111,112,113,114,r0,1,6,8,B,C,am4,lsfw\n");
	mkdirs(MH "/input/input2/capabilities");
	mkdirs(MH "/input/input2/id");
	put(MH "/input/input2/event1", "uevent", "MAJOR=13\nMINOR=65\nDEVNAME=input/event1\n");
	put(MH "/input/input2/mouse0", "uevent", "MAJOR=13\nMINOR=32\nDEVNAME=input/mouse0\n");
}

#define S "1-2"
#define SI S "/1-2:1.0"
#define SD SI "/host0/target0:0:0/0:0:0:0"

static void make_storage(void)
{
	put(S, "uevent",
	    "MAJOR=189\nMINOR=2\nDEVNAME=bus/usb/001/003\nDEVTYPE=usb_device\nDRIVER=usb\n"
	    "PRODUCT=1209/4/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=003\n");
	put(S, "authorized", "1\n");
	put(SI, "uevent",
	    "DEVTYPE=usb_interface\nDRIVER=usb-storage\nPRODUCT=1209/4/100\nTYPE=0/0/0\n"
	    "INTERFACE=8/6/80\nMODALIAS=usb:v1209p0004d0100dc00dsc00dp00ic08isc06ip50in00\n");
	put(SI, "authorized", "1\n");
	put(SI "/host0", "uevent", "DEVTYPE=scsi_host\n");
	mkdirs(SI "/host0/scsi_host/host0");
	put(SI "/host0/target0:0:0", "uevent", "DEVTYPE=scsi_target\n");
	put(SD, "uevent", "DEVTYPE=scsi_device\nDRIVER=sd\nMODALIAS=scsi:t-0x00\n");
	put(SD "/block/sda", "uevent",
	    "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\nDISKSEQ=1\n");
	mkdirs(SD "/block/sda/mq/0/cpu0");
	mkdirs(SD "/block/sda/queue/iosched");
	put(SD "/bsg/0:0:0:0", "uevent", "MAJOR=248\nMINOR=0\nDEVNAME=bsg/0:0:0:0\n");
	mkdirs(SD "/scsi_device/0:0:0:0");
	mkdirs(SD "/scsi_disk/0:0:0:0");
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/vusb-settle-XXXXXX");
	assert_non_null(mkdtemp(root));
	make_mouse();
	make_storage();
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static struct settle_state st;
static struct settle_table table;

static void scan(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	memset(&table, 0xa5, sizeof(table));
	assert_int_equal(settle_scan(path, &table), 0);
	memset(&st, 0xa5, sizeof(st));
	settle_build(&table, &st);
	settle_read_authorized(path, &st);
}

/* Judge with the expectations a kernel with evdev gives. */
static int judge(struct strbuf *why)
{
	settle_expect(&st, NULL);
	st.expect_evdev = true;
	strbuf_reset(why);
	return settle_judge(&st, why);
}

static void expect_waiting(const char *substr)
{
	struct strbuf why = { 0 };

	assert_int_equal(judge(&why), 0);
	if (!strstr(strbuf_str(&why), substr))
		fail_msg("'%s' does not say '%s'", strbuf_str(&why), substr);
	strbuf_free(&why);
}

static void expect_ready(void)
{
	struct strbuf why = { 0 };

	if (judge(&why) != 1)
		fail_msg("not ready: %s", strbuf_str(&why));
	strbuf_free(&why);
}

static void expect_nodes(const char *want)
{
	struct strbuf out = { 0 };

	settle_format_nodes(&st, &out);
	assert_string_equal(strbuf_str(&out), want);
	strbuf_free(&out);
}

static void test_mouse_ready(void **state)
{
	scan(M);
	assert_true(st.present);
	assert_true(st.authorized);
	assert_string_equal(st.driver, "usb");
	assert_int_equal(st.niface, 1);
	assert_string_equal(st.iface[0].name, "1-1:1.0");
	assert_int_equal(st.iface[0].cls, 3);
	assert_int_equal(st.iface[0].subclass, 1);
	assert_int_equal(st.iface[0].protocol, 2);
	assert_string_equal(st.iface[0].driver, "usbhid");
	assert_int_equal(st.iface[0].hid, 1);
	assert_int_equal(st.iface[0].hid_bound, 1);
	assert_int_equal(st.iface[0].inputs, 1);
	assert_int_equal(st.iface[0].inputs_evdev, 1);
	assert_false(st.overflow);
	expect_ready();
	/* The device's own bus/usb node is not among them. */
	expect_nodes("/dev/hidraw0 /dev/input/event1 /dev/input/mouse0");
	assert_string_equal(st.node[0].rel, "1-1:1.0/0003:1209:0001.0001/hidraw/hidraw0");
}

static void test_storage_ready(void **state)
{
	scan(S);
	assert_int_equal(st.iface[0].cls, 8);
	assert_int_equal(st.iface[0].scsi, 1);
	assert_int_equal(st.iface[0].scsi_bound, 1);
	expect_ready();
	expect_nodes("/dev/bsg/0:0:0:0 /dev/sda");
}

/* The stages the kernel goes through, from the last back to the first. */
static void test_mouse_stages(void **state)
{
	struct strbuf why = { 0 };

	/* evdev not loaded yet (mdev loads it for this very device). */
	rm(MH "/input/input2/event1");
	scan(M);
	expect_waiting("no event node yet");
	/* Where the kernel has no evdev at all, that is not awaited. */
	settle_expect(&st, NULL);
	assert_false(st.expect_evdev);
	assert_int_equal(settle_judge(&st, &why), 1);
	strbuf_free(&why);

	/* hid-generic not bound. */
	put(MH, "uevent", "HID_ID=0003:00001209:00000001\nMODALIAS=hid:b0003g0001v00001209p00000001\n");
	scan(M);
	expect_waiting("HID device under interface 1-1:1.0 has no driver yet");

	/* usbhid has not added its HID device. */
	rm(MH);
	scan(M);
	expect_waiting("no HID device under interface 1-1:1.0");

	/* No driver for the interface. */
	put(MI, "uevent", "DEVTYPE=usb_interface\nINTERFACE=3/1/2\n"
			  "MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\n");
	scan(M);
	expect_waiting("interface 1-1:1.0 (HID) has no driver yet");

	/* interface_authorized_default=0 on the hub. */
	put(MI, "authorized", "0\n");
	scan(M);
	expect_waiting("interface 1-1:1.0 (HID) is not authorized");

	put(M, "uevent", "MAJOR=189\nMINOR=1\nDEVNAME=bus/usb/001/002\nDEVTYPE=usb_device\n");
	scan(M);
	expect_waiting("the kernel has not configured it yet");

	put(M, "authorized", "0\n");
	scan(M);
	expect_waiting("not authorized");

	rm(M);
	scan(M);
	assert_false(st.present);
	assert_int_equal(st.nnodes, 0);
	expect_waiting("not enumerated");
	make_mouse();
}

static void test_storage_stages(void **state)
{
	put(SD, "uevent", "DEVTYPE=scsi_device\nMODALIAS=scsi:t-0x00\n");
	scan(S);
	expect_waiting("SCSI device under interface 1-2:1.0 has no driver yet");
	rm(SI "/host0/target0:0:0");
	scan(S);
	expect_waiting("no SCSI device under interface 1-2:1.0 yet");
	make_storage();
}

/* Not a USB device, or not there at all: present is false, no error. */
static void test_not_a_device(void **state)
{
	scan(MI);
	assert_false(st.present);
	scan("nosuch");
	assert_false(st.present);
	put("file-not-dir", "x", "");
	scan("file-not-dir/x");
	assert_false(st.present);
}

/* Interfaces nobody has a driver for need none (DFU, vendor classes). */
static void test_no_driver_expected(void **state)
{
	put("1-3", "uevent", "DEVTYPE=usb_device\nDRIVER=usb\nDEVNAME=bus/usb/001/004\n");
	put("1-3", "authorized", "1\n");
	put("1-3/1-3:1.0", "uevent", "DEVTYPE=usb_interface\nINTERFACE=254/1/2\n"
				     "MODALIAS=usb:v1209p5BF0d0101dc00dsc00dp00icFEisc01ip02in00\n");
	put("1-3/1-3:1.0", "authorized", "1\n");
	put("1-3/1-3:1.1", "uevent", "DEVTYPE=usb_interface\nINTERFACE=255/0/0\n");
	put("1-3/1-3:1.1", "authorized", "1\n");
	scan("1-3");
	assert_int_equal(st.niface, 2);
	expect_ready();
	expect_nodes("");
	assert_false(st.iface[0].expect_driver);
	/* A driver for a class vusb does not know is waited for only when
	 * libkmod finds one; without kmod, never. */
	put("1-3/1-3:1.1", "uevent", "DEVTYPE=usb_interface\nINTERFACE=2/2/1\n");
	scan("1-3");
	expect_ready();
}

/* Links are never followed: no loop, nothing from elsewhere. */
static void test_links_not_followed(void **state)
{
	char target[PATH_MAX], link[PATH_MAX];

	snprintf(target, sizeof(target), "%s/%s", root, M);
	snprintf(link, sizeof(link), "%s/%s/subsystem", root, MI);
	assert_int_equal(symlink(target, link), 0);
	snprintf(target, sizeof(target), "%s/%s", root, SD "/block");
	snprintf(link, sizeof(link), "%s/%s/driver", root, MH);
	assert_int_equal(symlink(target, link), 0);
	scan(M);
	expect_ready();
	expect_nodes("/dev/hidraw0 /dev/input/event1 /dev/input/mouse0");
	unlink(link);
	snprintf(link, sizeof(link), "%s/%s/subsystem", root, MI);
	unlink(link);
}

/* Garbage where uevent files should be: ignored, never a crash. */
static void test_hostile_files(void **state)
{
	put(MH "/hidraw/hidraw0", "uevent", "MAJOR=246\nDEVNAME=../../etc/passwd\n");
	put(MH "/input/input2/mouse0", "uevent", "DEVNAME=/dev/sda\n");
	put(MH "/hidraw/x", "uevent", "no equals sign\n\n\n");
	put(MH "/hidraw/y", "uevent", "");
	put(MI "/z", "uevent", "BAD KEY=1\nDEVNAME=zz\n");
	scan(M);
	expect_ready();
	expect_nodes("/dev/input/event1");
	put(MI, "uevent", "DEVTYPE=usb_interface\nINTERFACE=3/1/2/9\nDRIVER=usbhid\n");
	scan(M);
	assert_int_equal(st.iface[0].cls, -1);
	rm(M);
	make_mouse();
}

static void test_limits(void **state)
{
	char rel[PATH_MAX], name[32];
	int i;

	/* Deeper than SETTLE_MAX_DEPTH. */
	snprintf(rel, sizeof(rel), "%s", MI);
	for (i = 0; i < SETTLE_MAX_DEPTH + 2; i++)
		strcat(rel, "/d");
	mkdirs(rel);
	scan(M);
	assert_true(st.overflow);
	expect_waiting("more below it than vusb follows");
	rm(MI "/d");

	/* More nodes than fit: the first ones are listed, still ready. */
	for (i = 0; i < SETTLE_MAX_NODES + 5; i++) {
		snprintf(rel, sizeof(rel), "%s/hidraw/n%d", MH, i);
		snprintf(name, sizeof(name), "DEVNAME=extra%d\n", i);
		put(rel, "uevent", name);
	}
	scan(M);
	assert_true(st.nodes_truncated);
	assert_int_equal(st.nnodes, SETTLE_MAX_NODES);
	expect_ready();

	/* More directories than SETTLE_MAX_DIRS. */
	for (i = 0; i < SETTLE_MAX_DIRS; i++) {
		snprintf(rel, sizeof(rel), "%s/many/%d", MI, i);
		mkdirs(rel);
	}
	scan(M);
	assert_true(st.overflow);
	expect_waiting("more below it than vusb follows");
	rm(M);
	make_mouse();
}

static void test_node_order(void **state)
{
	put(MH "/input/input2/event10", "uevent", "DEVNAME=input/event10\n");
	put(MH "/input/input2/event9", "uevent", "DEVNAME=input/event9\n");
	scan(M);
	expect_nodes("/dev/hidraw0 /dev/input/event1 /dev/input/event9 /dev/input/event10 "
		     "/dev/input/mouse0");
	rm(MH "/input/input2/event10");
	rm(MH "/input/input2/event9");
}

/*
 * Replay the captured events of one device (devpath prefix dev, indices
 * first..last) into a table; up to event judged_until, the judge must
 * say "done" from event ready_at on and not before. Leaves the state
 * after the last one in st and table.
 */
static void replay(const char *dev, size_t first, size_t last, size_t ready_at,
		   size_t judged_until, bool evdev, const char *nodes)
{
	struct settle_table *t = calloc(1, sizeof(*t));
	size_t i, n = strlen(dev);

	assert_non_null(t);
	for (i = first; i <= last; i++) {
		struct strbuf why = { 0 };
		struct uevent ev;
		int r;

		assert_int_equal(uevent_parse(uevent_capture[i].msg, uevent_capture[i].len, &ev), 0);
		if (uevent_devpath_under(ev.devpath, dev)) {
			const char *rel = ev.devpath + n;

			assert_int_equal(settle_table_update(t, *rel ? rel + 1 : rel, &ev), 0);
		}
		settle_build(t, &st);
		settle_expect(&st, NULL);
		st.expect_evdev = evdev;
		r = settle_judge(&st, &why);
		if (i <= judged_until && r != (i >= ready_at))
			fail_msg("after event %zu (%s): judged %d: %s", i, uevent_capture[i].msg, r,
				 strbuf_str(&why));
		strbuf_free(&why);
	}
	expect_nodes(nodes);
	memcpy(&table, t, sizeof(*t));
	free(t);
}

#define VHCI "/devices/platform/vhci_hcd.0/usb1/"

static void test_replay_mouse(void **state)
{
	/* usbhid, hid-generic and evdev were loaded on the way by mdev:
	 * the USB device is bound (2) before its interface (7); the event
	 * node (17) comes after hid-generic's bind (13). */
	replay(VHCI "1-1", 0, 18, 17, SIZE_MAX, true,
	       "/dev/hidraw0 /dev/input/event1 /dev/input/mouse0");
	assert_string_equal(st.driver, "usb");
	assert_string_equal(st.iface[0].driver, "usbhid");
	/* Where no evdev exists, hid-generic's bind is the end. */
	replay(VHCI "1-1", 0, 18, 13, SIZE_MAX, false,
	       "/dev/hidraw0 /dev/input/event1 /dev/input/mouse0");
	/* Detaching takes it all away again. */
	replay(VHCI "1-1", 0, 113, 17, 85, true, "");
	assert_false(st.present);
	assert_int_equal(table.n, 0);
}

static void test_replay_keyboard(void **state)
{
	/* Every module loaded: the USB device's bind (36) comes last. The
	 * LEDs are no nodes. */
	replay(VHCI "1-2", 19, 36, 36, SIZE_MAX, true, "/dev/hidraw1 /dev/input/event2");
	replay(VHCI "1-2", 19, 113, 36, 95, true, "");
	assert_int_equal(table.n, 0);
}

static void test_replay_storage(void **state)
{
	/* The disk comes from sd's probe (69), then its bind (70). */
	replay(VHCI "1-3", 37, 70, 70, SIZE_MAX, true, "/dev/bsg/0:0:0:0 /dev/sda");
	/* And goes when the device is detached. */
	replay(VHCI "1-3", 37, 85, 70, 70, true, "");
	assert_int_equal(table.n, 0);
}

static void test_table_update(void **state)
{
	struct settle_table *t = calloc(1, sizeof(*t));
	struct uevent ev;
	char rel[32];
	int i;

	assert_non_null(t);
	assert_int_equal(uevent_parse(uevent_capture[1].msg, uevent_capture[1].len, &ev), 0);
	assert_int_equal(settle_table_update(t, "/abs", &ev), -EINVAL);
	assert_int_equal(settle_table_update(t, "a/../b", &ev), -EINVAL);
	assert_int_equal(settle_table_update(t, "a//b", &ev), -EINVAL);
	assert_int_equal(settle_table_update(t, "a/", &ev), -EINVAL);
	assert_int_equal(settle_table_update(t, "./a", &ev), -EINVAL);
	assert_int_equal(t->n, 0);
	for (i = 0; i < SETTLE_MAX_ENTRIES; i++) {
		snprintf(rel, sizeof(rel), "d%d", i);
		assert_int_equal(settle_table_update(t, rel, &ev), 0);
	}
	assert_false(t->overflow);
	assert_int_equal(settle_table_update(t, "one-more", &ev), -ENOSPC);
	assert_true(t->overflow);
	/* A second event for the same device updates it in place. */
	assert_int_equal(settle_table_update(t, "d3", &ev), 0);
	assert_int_equal(t->n, SETTLE_MAX_ENTRIES);
	settle_build(t, &st);
	expect_waiting("not enumerated");

	/* A node name the nodes line could not carry is not listed. */
	memset(t, 0, sizeof(*t));
	{
		static const char *const names[] = { "input/event1", "a b", "x\ny", "\x7f",
						      "ok\t", "hidraw0" };
		char msg[256];
		size_t n, j;

		for (j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
			n = (size_t)snprintf(msg, sizeof(msg),
					     "add@/d/n%zu%cACTION=add%cDEVPATH=/d/n%zu%cSUBSYSTEM=x%cDEVNAME=%s",
					     j, 0, 0, j, 0, 0, names[j]) + 1;
			assert_int_equal(uevent_parse(msg, n, &ev), 0);
			snprintf(rel, sizeof(rel), "n%zu", j);
			assert_int_equal(settle_table_update(t, rel, &ev), 0);
		}
	}
	settle_build(t, &st);
	expect_nodes("/dev/hidraw0 /dev/input/event1");
	free(t);
}

static void test_class_names(void **state)
{
	char buf[16];

	assert_string_equal(settle_class_name(3, buf), "HID");
	assert_string_equal(settle_class_name(8, buf), "mass storage");
	assert_string_equal(settle_class_name(0xfe, buf), "application specific");
	assert_string_equal(settle_class_name(0x42, buf), "class 0x42");
	assert_string_equal(settle_class_name(-1, buf), "class 0xff");
}

static void test_udev_null(void **state)
{
	struct strbuf why = { 0 }, out = { 0 };

	scan(M);
	assert_int_equal(settle_udev_done(&st, root, NULL, &why), 1);
	settle_udev_describe(&st, root, NULL, &out);
	assert_int_equal(out.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mouse_ready),
		cmocka_unit_test(test_storage_ready),
		cmocka_unit_test(test_mouse_stages),
		cmocka_unit_test(test_storage_stages),
		cmocka_unit_test(test_not_a_device),
		cmocka_unit_test(test_no_driver_expected),
		cmocka_unit_test(test_links_not_followed),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_node_order),
		cmocka_unit_test(test_replay_mouse),
		cmocka_unit_test(test_replay_keyboard),
		cmocka_unit_test(test_replay_storage),
		cmocka_unit_test(test_table_update),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_udev_null),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
