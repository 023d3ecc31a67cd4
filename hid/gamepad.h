/* SPDX-License-Identifier: MIT */
/*
 * "gamepad": an Xbox 360 controller for Linux's xpad (hid/gamepad.c).
 * The model is gamepad_model in hid/models.h; these are its pure parts.
 */
#ifndef VUSB_HID_GAMEPAD_H
#define VUSB_HID_GAMEPAD_H

#include <stdint.h>

/* The controller's input report: type, length, then the state. */
#define GAMEPAD_REPORT_SIZE 20

/*
 * The report for a state: buttons as gamepad_button() bits, sticks
 * [left/right][x/y] with Y up positive, triggers 0..255.
 */
void gamepad_report(uint8_t r[GAMEPAD_REPORT_SIZE], uint16_t buttons, const int16_t stick[2][2],
		    const uint8_t trigger[2]);

/* A button's bit by name ("a", "lb", "start", "up", ...,
 * case-insensitive), or -EINVAL. */
int gamepad_button(const char *name);

/* A decimal number from min to max (the whole string): 0, or -EINVAL. */
int gamepad_parse_fraction(const char *s, double min, double max, double *ret);

#endif
