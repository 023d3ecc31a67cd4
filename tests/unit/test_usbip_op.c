// SPDX-License-Identifier: MIT
/*
 * The USB/IP set-up codec (src/usbip/op.c) against bytes written out by
 * hand from Documentation/usb/usbip_protocol.rst and tools/usb/usbip's
 * structs, not with the encoder under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "src/usb/usb.h"
#include "src/usbip/op.h"

/* A boot mouse: one HID interface. */
static const uint8_t mouse_dev[USB_DT_DEVICE_SIZE] = {
	18, USB_DT_DEVICE, U16_LE(0x0200), 0, 0, 0, 8, U16_LE(0x1209), U16_LE(0x0001),
	U16_LE(0x0123), 1, 2, 3, 1,
};

#define MOUSE_CFG_LEN (9 + 9 + 9 + 7)
static const uint8_t mouse_cfg[MOUSE_CFG_LEN] = {
	9, USB_DT_CONFIG, U16_LE(MOUSE_CFG_LEN), 1, 1, 0, 0xa0, 50,
	9, USB_DT_INTERFACE, 0, 0, 1, 3, 1, 2, 0,
	9, USB_DT_HID, U16_LE(0x0111), 0, 1, USB_DT_REPORT, U16_LE(52),
	7, USB_DT_ENDPOINT, 0x81, 3, U16_LE(8), 10,
};

/* Two interfaces, the second with an alternate setting and listed first. */
#define COMP_CFG_LEN (9 + 9 + 9 + 9)
static const uint8_t comp_cfg[COMP_CFG_LEN] = {
	9, USB_DT_CONFIG, U16_LE(COMP_CFG_LEN), 2, 2, 0, 0x80, 50,
	9, USB_DT_INTERFACE, 1, 0, 0, 0xfe, 1, 2, 0,
	9, USB_DT_INTERFACE, 1, 1, 0, 0x0a, 0, 0, 0,
	9, USB_DT_INTERFACE, 0, 0, 0, 0x08, 6, 0x50, 0,
};

static void request_parse(void **state)
{
	uint8_t buf[64] = { 0 };
	struct usbip_op_request r;
	size_t need = 0;

	/* Nothing, then part of op_common: 8 bytes are needed. */
	assert_int_equal(usbip_op_request_parse(buf, 0, &r, &need), -EAGAIN);
	assert_int_equal(need, 8);
	memcpy(buf, "\x01\x11\x80\x05\x00\x00\x00\x00", 8);
	assert_int_equal(usbip_op_request_parse(buf, 7, &r, &need), -EAGAIN);
	assert_int_equal(need, 8);
	assert_int_equal(usbip_op_request_parse(buf, 8, &r, &need), 8);
	assert_int_equal(r.version, 0x0111);
	assert_int_equal(r.code, USBIP_OP_REQ_DEVLIST);

	/* OP_REQ_IMPORT: 40 bytes; garbage after the busid's NUL is ignored. */
	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, "\x01\x11\x80\x03\x00\x00\x00\x00", 8);
	need = 0;
	assert_int_equal(usbip_op_request_parse(buf, 8, &r, &need), -EAGAIN);
	assert_int_equal(need, 40);
	assert_int_equal(usbip_op_request_parse(buf, 39, &r, &need), -EAGAIN);
	memcpy(buf + 8, "1-2\0", 4);
	assert_int_equal(usbip_op_request_parse(buf, 40, &r, &need), 40);
	assert_int_equal(r.code, USBIP_OP_REQ_IMPORT);
	assert_string_equal(r.busid, "1-2");

	/* 32 bytes, no NUL: taken as they are, and match nothing. */
	memset(buf + 8, 'x', 32);
	assert_int_equal(usbip_op_request_parse(buf, 40, &r, &need), 40);
	assert_int_equal(strlen(r.busid), 32);

	/* Another version: refused, with what it said. */
	memcpy(buf, "\x01\x06\x80\x05\x00\x00\x00\x00", 8);
	assert_int_equal(usbip_op_request_parse(buf, 8, &r, &need), -EPROTONOSUPPORT);
	assert_int_equal(r.version, 0x0106);
	assert_int_equal(r.code, USBIP_OP_REQ_DEVLIST);
	/* ... decided from op_common alone, before any busid. */
	memcpy(buf, "\x02\x00\x80\x03", 4);
	assert_int_equal(usbip_op_request_parse(buf, 8, &r, &need), -EPROTONOSUPPORT);

	/* Unknown requests, replies, OP_REQ_DEVINFO: not ours. */
	memcpy(buf, "\x01\x11\x00\x05\x00\x00\x00\x00", 8);
	assert_int_equal(usbip_op_request_parse(buf, 8, &r, &need), -EBADMSG);
	assert_int_equal(r.code, USBIP_OP_REP_DEVLIST);
	memcpy(buf, "\x01\x11\x80\x02", 4);
	assert_int_equal(usbip_op_request_parse(buf, 8, &r, &need), -EBADMSG);
	memcpy(buf, "\x01\x11\xff\xff", 4);
	assert_int_equal(usbip_op_request_parse(buf, 8, &r, &need), -EBADMSG);
}

static void request_encode(void **state)
{
	uint8_t buf[USBIP_OP_IMPORT_REQ_SIZE];

	assert_int_equal(usbip_op_request_encode(buf, USBIP_OP_REQ_DEVLIST, NULL), 8);
	assert_memory_equal(buf, "\x01\x11\x80\x05\x00\x00\x00\x00", 8);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(usbip_op_request_encode(buf, USBIP_OP_REQ_IMPORT, "3-14"), 40);
	assert_memory_equal(buf, "\x01\x11\x80\x03\x00\x00\x00\x00" "3-14\0\0\0\0", 16);
	assert_int_equal(buf[39], 0);
}

static void device_from_descriptors(void **state)
{
	struct usbip_op_device d;

	memset(&d, 0, sizeof(d));
	snprintf(d.path, sizeof(d.path), "vusb/mouse0");
	assert_int_equal(usbip_op_device_from_descriptors(&d, mouse_dev, mouse_cfg, sizeof(mouse_cfg),
							  USB_SPEED_FULL),
			 0);
	assert_string_equal(d.path, "vusb/mouse0"); /* left alone */
	assert_int_equal(d.speed, 2);
	assert_int_equal(d.idVendor, 0x1209);
	assert_int_equal(d.idProduct, 0x0001);
	assert_int_equal(d.bcdDevice, 0x0123);
	assert_int_equal(d.bDeviceClass, 0);
	assert_int_equal(d.bConfigurationValue, 1);
	assert_int_equal(d.bNumConfigurations, 1);
	assert_int_equal(d.bNumInterfaces, 1);
	assert_int_equal(d.intf[0].bInterfaceClass, 3);
	assert_int_equal(d.intf[0].bInterfaceSubClass, 1);
	assert_int_equal(d.intf[0].bInterfaceProtocol, 2);

	/* By interface number, from alternate setting 0. */
	assert_int_equal(usbip_op_device_from_descriptors(&d, mouse_dev, comp_cfg, sizeof(comp_cfg),
							  USB_SPEED_SUPER),
			 0);
	assert_int_equal(d.speed, 5);
	assert_int_equal(d.bConfigurationValue, 2);
	assert_int_equal(d.bNumInterfaces, 2);
	assert_int_equal(d.intf[0].bInterfaceClass, 0x08);
	assert_int_equal(d.intf[0].bInterfaceSubClass, 6);
	assert_int_equal(d.intf[0].bInterfaceProtocol, 0x50);
	assert_int_equal(d.intf[1].bInterfaceClass, 0xfe);
	assert_int_equal(d.intf[1].bInterfaceProtocol, 2);
}

static void device_from_bad_descriptors(void **state)
{
	struct usbip_op_device d = { 0 }, before;
	uint8_t cfg[64], dev[USB_DT_DEVICE_SIZE];

	memset(&before, 0x5a, sizeof(before));
	d = before;
#define BAD(c, n)                                                                                  \
	do {                                                                                       \
		assert_int_equal(usbip_op_device_from_descriptors(&d, mouse_dev, c, n,             \
								  USB_SPEED_FULL),                 \
				 -EINVAL);                                                         \
		assert_memory_equal(&d, &before, sizeof(d));                                       \
	} while (0)

	BAD(NULL, 0);
	BAD(mouse_cfg, 8);
	/* wTotalLength beyond the buffer */
	BAD(mouse_cfg, sizeof(mouse_cfg) - 1);
	/* a zero-length descriptor would loop forever */
	memcpy(cfg, mouse_cfg, sizeof(mouse_cfg));
	cfg[18] = 0;
	BAD(cfg, sizeof(mouse_cfg));
	/* a descriptor running past wTotalLength */
	memcpy(cfg, mouse_cfg, sizeof(mouse_cfg));
	cfg[27] = 8;
	BAD(cfg, sizeof(mouse_cfg));
	/* bNumInterfaces 2, one interface */
	memcpy(cfg, mouse_cfg, sizeof(mouse_cfg));
	cfg[4] = 2;
	BAD(cfg, sizeof(mouse_cfg));
	/* interface number beyond bNumInterfaces */
	memcpy(cfg, mouse_cfg, sizeof(mouse_cfg));
	cfg[11] = 1;
	BAD(cfg, sizeof(mouse_cfg));
	/* the same interface twice */
	memcpy(cfg, comp_cfg, sizeof(comp_cfg));
	cfg[29] = 1; /* interface 1, alternate 0, again */
	BAD(cfg, sizeof(comp_cfg));
	/* a short interface descriptor */
	memcpy(cfg, mouse_cfg, sizeof(mouse_cfg));
	cfg[9] = 5;
	BAD(cfg, sizeof(mouse_cfg));
	/* too many interfaces for the record */
	memcpy(cfg, mouse_cfg, sizeof(mouse_cfg));
	cfg[4] = USBIP_OP_MAX_INTERFACES + 1;
	BAD(cfg, sizeof(mouse_cfg));
	/* not a configuration descriptor */
	memcpy(cfg, mouse_cfg, sizeof(mouse_cfg));
	cfg[1] = USB_DT_DEVICE;
	BAD(cfg, sizeof(mouse_cfg));
	/* not a device descriptor */
	memcpy(dev, mouse_dev, sizeof(dev));
	dev[0] = 9;
	assert_int_equal(usbip_op_device_from_descriptors(&d, dev, mouse_cfg, sizeof(mouse_cfg),
							  USB_SPEED_FULL),
			 -EINVAL);
#undef BAD
}

static void fill_mouse(struct usbip_op_device *d)
{
	memset(d, 0, sizeof(*d));
	assert_int_equal(usbip_op_device_from_descriptors(d, mouse_dev, mouse_cfg, sizeof(mouse_cfg),
							  USB_SPEED_FULL),
			 0);
	snprintf(d->path, sizeof(d->path), "vusb/mouse0");
	snprintf(d->busid, sizeof(d->busid), "1-1");
	d->busnum = 1;
	d->devnum = 1;
}

/* The 312-byte usbip_usb_device, as tools/usb/usbip packs it. */
static void expect_record(const uint8_t *p)
{
	static const uint8_t tail[24] = {
		0, 0, 0, 1, /* busnum */
		0, 0, 0, 1, /* devnum */
		0, 0, 0, 2, /* speed: full */
		0x12, 0x09, 0x00, 0x01, 0x01, 0x23, /* idVendor, idProduct, bcdDevice */
		0, 0, 0, /* class, subclass, protocol */
		1, 1, 1, /* bConfigurationValue, bNumConfigurations, bNumInterfaces */
	};
	size_t i;

	assert_memory_equal(p, "vusb/mouse0", 12);
	for (i = 12; i < 256; i++)
		assert_int_equal(p[i], 0);
	assert_memory_equal(p + 256, "1-1", 4);
	for (i = 260; i < 288; i++)
		assert_int_equal(p[i], 0);
	assert_memory_equal(p + 288, tail, sizeof(tail));
}

static void device_encode(void **state)
{
	struct usbip_op_device d, back;
	uint8_t buf[USBIP_OP_DEVICE_SIZE + 8];

	fill_mouse(&d);
	assert_int_equal(usbip_op_device_size(&d, false), 312);
	assert_int_equal(usbip_op_device_size(&d, true), 316);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(usbip_op_device_encode(&d, true, buf), 316);
	expect_record(buf);
	assert_memory_equal(buf + 312, "\x03\x01\x02\x00", 4);
	assert_int_equal(buf[316], 0xee);

	assert_int_equal(usbip_op_device_decode(buf, 315, true, &back), -EAGAIN);
	assert_int_equal(usbip_op_device_decode(buf, 311, false, &back), -EAGAIN);
	assert_int_equal(usbip_op_device_decode(buf, 316, true, &back), 316);
	assert_string_equal(back.path, "vusb/mouse0");
	assert_string_equal(back.busid, "1-1");
	assert_int_equal(back.idVendor, 0x1209);
	assert_int_equal(back.intf[0].bInterfaceProtocol, 2);
	assert_int_equal(usbip_op_device_decode(buf, 312, false, &back), 312);

	/* A peer's record claiming more interfaces than there can be. */
	buf[311] = USBIP_OP_MAX_INTERFACES + 1;
	assert_int_equal(usbip_op_device_decode(buf, sizeof(buf), true, &back), -EBADMSG);
}

static void devlist_reply(void **state)
{
	struct usbip_op_device d[2];
	uint8_t buf[1024];

	fill_mouse(&d[0]);
	fill_mouse(&d[1]);
	assert_int_equal(usbip_op_devlist_size(d, 0), 12);
	assert_int_equal(usbip_op_devlist_encode(d, 0, buf), 12);
	assert_memory_equal(buf, "\x01\x11\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00", 12);

	assert_int_equal(usbip_op_devlist_size(d, 2), 12 + 2 * 316);
	assert_int_equal(usbip_op_devlist_encode(d, 2, buf), 12 + 2 * 316);
	assert_memory_equal(buf, "\x01\x11\x00\x05\x00\x00\x00\x00\x00\x00\x00\x02", 12);
	expect_record(buf + 12);
	assert_memory_equal(buf + 12 + 312, "\x03\x01\x02\x00", 4);
	expect_record(buf + 12 + 316);
}

static void import_reply(void **state)
{
	struct usbip_op_device d;
	uint8_t buf[USBIP_OP_IMPORT_REP_SIZE];
	uint16_t version, code;
	uint32_t status;

	assert_int_equal(usbip_op_import_reply(buf, USBIP_ST_NODEV, NULL), 8);
	assert_memory_equal(buf, "\x01\x11\x00\x03\x00\x00\x00\x04", 8);
	assert_int_equal(usbip_op_import_reply(buf, USBIP_ST_DEV_BUSY, NULL), 8);
	assert_memory_equal(buf, "\x01\x11\x00\x03\x00\x00\x00\x02", 8);

	fill_mouse(&d);
	assert_int_equal(usbip_op_import_reply(buf, USBIP_ST_OK, &d), 320);
	assert_memory_equal(buf, "\x01\x11\x00\x03\x00\x00\x00\x00", 8);
	/* No interface records after an import reply. */
	expect_record(buf + 8);

	usbip_op_common_decode(buf, &version, &code, &status);
	assert_int_equal(version, USBIP_VERSION);
	assert_int_equal(code, USBIP_OP_REP_IMPORT);
	assert_int_equal(status, 0);
	assert_string_equal(usbip_op_status_name(USBIP_ST_NODEV), "no such device");
	assert_string_equal(usbip_op_status_name(99), "unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_parse),
		cmocka_unit_test(request_encode),
		cmocka_unit_test(device_from_descriptors),
		cmocka_unit_test(device_from_bad_descriptors),
		cmocka_unit_test(device_encode),
		cmocka_unit_test(devlist_reply),
		cmocka_unit_test(import_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
