// SPDX-License-Identifier: MIT
/*
 * "mouse": a boot-protocol mouse with five buttons, a wheel and a
 * horizontal wheel. The report protocol report starts with the boot
 * report (buttons, X, Y), so the boot format is its first three bytes.
 */
#include <assert.h>
#include <errno.h>

#include "hid/models.h"
#include "hid/pointer.h"

static const uint8_t mouse_report_desc[] = {
	0x05, 0x01, /* Usage Page (Generic Desktop) */
	0x09, 0x02, /* Usage (Mouse) */
	0xa1, 0x01, /* Collection (Application) */
	0x09, 0x01, /*   Usage (Pointer) */
	0xa1, 0x00, /*   Collection (Physical) */
	0x05, 0x09, /*     Usage Page (Button) */
	0x19, 0x01, /*     Usage Minimum (1) */
	0x29, 0x05, /*     Usage Maximum (5) */
	0x15, 0x00, /*     Logical Minimum (0) */
	0x25, 0x01, /*     Logical Maximum (1) */
	0x95, 0x05, /*     Report Count (5) */
	0x75, 0x01, /*     Report Size (1) */
	0x81, 0x02, /*     Input (Data,Var,Abs): buttons 1..5 */
	0x95, 0x01, /*     Report Count (1) */
	0x75, 0x03, /*     Report Size (3) */
	0x81, 0x01, /*     Input (Const): padding */
	0x05, 0x01, /*     Usage Page (Generic Desktop) */
	0x09, 0x30, /*     Usage (X) */
	0x09, 0x31, /*     Usage (Y) */
	0x09, 0x38, /*     Usage (Wheel) */
	0x15, 0x81, /*     Logical Minimum (-127) */
	0x25, 0x7f, /*     Logical Maximum (127) */
	0x75, 0x08, /*     Report Size (8) */
	0x95, 0x03, /*     Report Count (3) */
	0x81, 0x06, /*     Input (Data,Var,Rel): X, Y, wheel */
	0x05, 0x0c, /*     Usage Page (Consumer) */
	0x0a, 0x38, 0x02, /* Usage (AC Pan) */
	0x95, 0x01, /*     Report Count (1) */
	0x81, 0x06, /*     Input (Data,Var,Rel): horizontal wheel */
	0xc0, /*         End Collection */
	0xc0, /*       End Collection */
};
static_assert(sizeof(mouse_report_desc) == 61, "mouse report descriptor");

static const uint8_t mouse_config[] = {
	HID_CONFIG_DESC(HID_SUBCLASS_BOOT, HID_BOOT_MOUSE, sizeof(mouse_report_desc), 8, 1),
};
static_assert(sizeof(mouse_config) == HID_CONFIG_SIZE, "mouse configuration");

static const struct hid_params mouse_params = {
	.report_desc = mouse_report_desc,
	.report_desc_len = sizeof(mouse_report_desc),
	.in_len = MOUSE_REPORT_SIZE,
	.boot_len = MOUSE_BOOT_REPORT_SIZE,
	.default_idle = 0, /* HID 1.11 7.2.4: infinite for mice */
	.reset = pointer_hid_reset,
};

static const struct hid_model_info mouse_info = {
	.name = "mouse",
	.product = "Virtual Mouse",
	.pid = 0x0001,
	.config = mouse_config,
	.params = &mouse_params,
};

static int mouse_create(struct usb_device **ret, const struct vusb_dev_opts *opts,
			struct strbuf *err)
{
	return pointer_create(ret, &mouse_info, false, 5, opts, err);
}

static int mouse_cmd_move(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	long dx, dy;
	int r;

	if (argc != 3) {
		strbuf_printf(out, "usage: move DX DY");
		return -EINVAL;
	}
	r = pointer_parse_int("move", argv[1], -POINTER_REL_MAX, POINTER_REL_MAX, &dx, out);
	if (r < 0)
		return r;
	r = pointer_parse_int("move", argv[2], -POINTER_REL_MAX, POINTER_REL_MAX, &dy, out);
	if (r < 0)
		return r;
	return pointer_send(pointer_of(dev), dx, dy, 0, 0);
}

static int mouse_cmd_hscroll(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	long n;
	int r;

	if (argc != 2) {
		strbuf_printf(out, "usage: hscroll N");
		return -EINVAL;
	}
	r = pointer_parse_int("hscroll", argv[1], -POINTER_REL_MAX, POINTER_REL_MAX, &n, out);
	if (r < 0)
		return r;
	return pointer_send(pointer_of(dev), 0, 0, 0, n);
}

static const struct vusb_command mouse_commands[] = {
	{ "move", "DX DY", "move by DX to the right and DY down (-32767..32767)", 2, 2,
	  mouse_cmd_move, NULL },
	{ "click", "[BUTTON]", "press and release left (default), right, middle, side or extra",
	  0, 1, pointer_cmd_click, NULL },
	{ "press", "BUTTON", "hold a button down", 1, 1, pointer_cmd_press, NULL },
	{ "release", "BUTTON", "let a held button go", 1, 1, pointer_cmd_release, NULL },
	{ "scroll", "N", "turn the wheel N notches, positive up", 1, 1, pointer_cmd_scroll, NULL },
	{ "hscroll", "N", "tilt the wheel N notches, positive right", 1, 1, mouse_cmd_hscroll, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

const struct vusb_model hid_mouse_model = {
	.name = "mouse",
	.summary = "USB mouse: 5 buttons, wheel, horizontal wheel (boot protocol)",
	.create = mouse_create,
	.destroy = pointer_destroy,
	.commands = mouse_commands,
	.send_report = hid_device_send_report,
};
