/* SPDX-License-Identifier: MIT */
/*
 * What the mouse (relative) and the tablet (absolute) share: buttons,
 * wheel, report building and the click/press/release/scroll commands.
 */
#ifndef VUSB_HID_POINTER_H
#define VUSB_HID_POINTER_H

#include <stdbool.h>
#include <stdint.h>

#include "hid/hiddev.h"
#include "src/base/strbuf.h"
#include "src/usb/usbdev.h"

/* buttons, X, Y, wheel, AC pan: the first three bytes are the boot report */
#define MOUSE_REPORT_SIZE 5
#define MOUSE_BOOT_REPORT_SIZE 3
/* buttons, X (LE16), Y (LE16), wheel */
#define TABLET_REPORT_SIZE 6

/* Largest relative count one command takes, and per report. */
#define POINTER_REL_MAX 32767
#define POINTER_STEP_MAX 127
/* Tablet coordinates: 0..POINTER_ABS_MAX on both axes. */
#define POINTER_ABS_MAX 32767

#define POINTER_LEFT 0x01
#define POINTER_RIGHT 0x02
#define POINTER_MIDDLE 0x04
#define POINTER_SIDE 0x08
#define POINTER_EXTRA 0x10

struct pointer {
	struct hid_device hd;
	bool absolute; /* tablet */
	unsigned int nbuttons; /* buttons 1..n exist */
	uint8_t buttons; /* held */
	uint16_t x, y; /* tablet position */
};

static inline struct pointer *pointer_of(struct usb_device *dev)
{
	return container_of(hid_device_of(dev), struct pointer, hd);
}

/* create() and destroy() of both models. */
int pointer_create(struct usb_device **ret, const struct hid_model_info *info, bool absolute,
		   unsigned int nbuttons, const struct vusb_dev_opts *opts, struct strbuf *err);
void pointer_destroy(struct usb_device *dev);

/* The hid_params reset hook of both models: buttons up. */
void pointer_hid_reset(struct hid *h);

/*
 * Strict decimal: the whole string, within min..max. 0, or -EINVAL with
 * "WHAT: 'S' is not a number from MIN to MAX" in err.
 */
int pointer_parse_int(const char *what, const char *s, long min, long max, long *ret,
		      struct strbuf *err);

/*
 * A button name ("left", "right", "middle", "side", "extra",
 * case-insensitive; also xdotool's numbers 1, 2, 3, 8, 9 and "back",
 * "forward") among the first `nbuttons`: its bit, or -EINVAL.
 */
int pointer_button(const char *name, unsigned int nbuttons);

/* The reports, pure. Counts are clamped to -127..127. */
void mouse_report(uint8_t r[MOUSE_REPORT_SIZE], uint8_t buttons, int dx, int dy, int wheel,
		  int pan);
void tablet_report(uint8_t r[TABLET_REPORT_SIZE], uint8_t buttons, uint16_t x, uint16_t y,
		   int wheel);

/*
 * How many reports a relative motion takes: each carries at most
 * POINTER_STEP_MAX per axis. 0 for no motion.
 */
unsigned int pointer_steps(long dx, long dy, long wheel, long pan);

/*
 * Queue the motion (dx, dy ignored by a tablet), in as many reports as
 * it takes, at least one: all or nothing. 0, -ENOTCONN or -EAGAIN.
 */
int pointer_send(struct pointer *p, long dx, long dy, long wheel, long pan);

/* Commands both models have; argv[0] is the command name. */
int pointer_cmd_click(struct usb_device *dev, int argc, char **argv, struct strbuf *out);
int pointer_cmd_press(struct usb_device *dev, int argc, char **argv, struct strbuf *out);
int pointer_cmd_release(struct usb_device *dev, int argc, char **argv, struct strbuf *out);
int pointer_cmd_scroll(struct usb_device *dev, int argc, char **argv, struct strbuf *out);

#endif
