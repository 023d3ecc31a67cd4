// SPDX-License-Identifier: MIT
/*
 * "tablet": an absolute pointer, X and Y 0..32767 across the screen, three
 * buttons and a wheel; the layout QEMU's usb-tablet has shown every common
 * host to accept (a Mouse application with a Pointer collection whose X/Y
 * are absolute). Not boot capable: a BIOS cannot use absolute positions.
 */
#include <assert.h>
#include <errno.h>

#include "hid/models.h"
#include "hid/pointer.h"

static const uint8_t tablet_report_desc[] = {
	0x05, 0x01, /* Usage Page (Generic Desktop) */
	0x09, 0x02, /* Usage (Mouse) */
	0xa1, 0x01, /* Collection (Application) */
	0x09, 0x01, /*   Usage (Pointer) */
	0xa1, 0x00, /*   Collection (Physical) */
	0x05, 0x09, /*     Usage Page (Button) */
	0x19, 0x01, /*     Usage Minimum (1) */
	0x29, 0x03, /*     Usage Maximum (3) */
	0x15, 0x00, /*     Logical Minimum (0) */
	0x25, 0x01, /*     Logical Maximum (1) */
	0x95, 0x03, /*     Report Count (3) */
	0x75, 0x01, /*     Report Size (1) */
	0x81, 0x02, /*     Input (Data,Var,Abs): buttons 1..3 */
	0x95, 0x01, /*     Report Count (1) */
	0x75, 0x05, /*     Report Size (5) */
	0x81, 0x01, /*     Input (Const): padding */
	0x05, 0x01, /*     Usage Page (Generic Desktop) */
	0x09, 0x30, /*     Usage (X) */
	0x09, 0x31, /*     Usage (Y) */
	0x15, 0x00, /*     Logical Minimum (0) */
	0x26, 0xff, 0x7f, /* Logical Maximum (32767) */
	0x75, 0x10, /*     Report Size (16) */
	0x95, 0x02, /*     Report Count (2) */
	0x81, 0x02, /*     Input (Data,Var,Abs): X, Y */
	0x09, 0x38, /*     Usage (Wheel) */
	0x15, 0x81, /*     Logical Minimum (-127) */
	0x25, 0x7f, /*     Logical Maximum (127) */
	0x75, 0x08, /*     Report Size (8) */
	0x95, 0x01, /*     Report Count (1) */
	0x81, 0x06, /*     Input (Data,Var,Rel): wheel */
	0xc0, /*         End Collection */
	0xc0, /*       End Collection */
};
static_assert(sizeof(tablet_report_desc) == 63, "tablet report descriptor");

static const uint8_t tablet_config[] = {
	HID_CONFIG_DESC(HID_SUBCLASS_NONE, 0, sizeof(tablet_report_desc), 8, 1),
};
static_assert(sizeof(tablet_config) == HID_CONFIG_SIZE, "tablet configuration");

static const struct hid_params tablet_params = {
	.report_desc = tablet_report_desc,
	.report_desc_len = sizeof(tablet_report_desc),
	.in_len = TABLET_REPORT_SIZE,
	.boot_len = 0,
	.default_idle = 0,
	.reset = pointer_hid_reset,
};

static const struct hid_model_info tablet_info = {
	.name = "tablet",
	.product = "Virtual Tablet",
	.pid = 0x0003,
	.config = tablet_config,
	.params = &tablet_params,
};

static int tablet_create(struct usb_device **ret, const struct vusb_dev_opts *opts,
			 struct strbuf *err)
{
	return pointer_create(ret, &tablet_info, true, 3, opts, err);
}

static int tablet_cmd_move(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct pointer *p = pointer_of(dev);
	long x, y;
	int r;

	if (argc != 3) {
		strbuf_printf(out, "usage: move X Y");
		return -EINVAL;
	}
	r = pointer_parse_int("move", argv[1], 0, POINTER_ABS_MAX, &x, out);
	if (r < 0)
		return r;
	r = pointer_parse_int("move", argv[2], 0, POINTER_ABS_MAX, &y, out);
	if (r < 0)
		return r;
	r = hid_can_send(&p->hd.hid, 1);
	if (r < 0)
		return r;
	p->x = (uint16_t)x;
	p->y = (uint16_t)y;
	return pointer_send(p, 0, 0, 0, 0);
}

static const struct vusb_command tablet_commands[] = {
	{ "move", "X Y", "move to X, Y (0..32767 each, 0 0 is top left)", 2, 2, tablet_cmd_move, NULL },
	{ "click", "[BUTTON]", "press and release left (default), right or middle", 0, 1,
	  pointer_cmd_click, NULL },
	{ "press", "BUTTON", "hold a button down", 1, 1, pointer_cmd_press, NULL },
	{ "release", "BUTTON", "let a held button go", 1, 1, pointer_cmd_release, NULL },
	{ "scroll", "N", "turn the wheel N notches, positive up", 1, 1, pointer_cmd_scroll, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

const struct vusb_model hid_tablet_model = {
	.name = "tablet",
	.summary = "USB absolute pointer (like QEMU's usb-tablet): 3 buttons, wheel",
	.create = tablet_create,
	.destroy = pointer_destroy,
	.commands = tablet_commands,
	.send_report = hid_device_send_report,
};
