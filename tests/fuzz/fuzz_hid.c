// SPDX-License-Identifier: MIT
/*
 * The HID models (mouse, keyboard, tablet) and the Xbox 360 gamepad
 * (its rumble and LED messages on the OUT endpoint) through the real
 * device core:
 * any SETUP packet and data stage into endpoint 0 (standard requests and
 * HID class requests: GET_REPORT, SET_REPORT with LED bits, SET_IDLE,
 * SET_PROTOCOL), interrupt transfers, unlinks, resets and vusbctl
 * commands in between (tests/fuzz/devscript.h). The first byte picks the
 * model and its speed.
 */
#include "hid/models.h"
#include "tests/fuzz/devscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vusb_model *const models[] = {
		&hid_mouse_model,
		&hid_keyboard_model,
		&hid_tablet_model,
		&gamepad_model,
	};
	static const enum usb_speed speeds[] = {
		USB_SPEED_UNKNOWN,
		USB_SPEED_LOW,
		USB_SPEED_FULL,
		USB_SPEED_HIGH,
	};
	struct fuzz_in in = { data, size };
	struct vusb_dev_opts o = { .name = "fuzz0", .vid = -1, .pid = -1 };
	uint8_t sel = fuzz_u8(&in);

	o.speed = speeds[(sel >> 2) % 4];
	/* A real Xbox 360 pad is full speed only; create refuses others. */
	if (models[sel & 3] == &gamepad_model && o.speed != USB_SPEED_UNKNOWN)
		o.speed = USB_SPEED_FULL;
	ds_run(models[sel & 3], &o, &in);
	return 0;
}
