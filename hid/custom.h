/* SPDX-License-Identifier: MIT */
/*
 * "hid": a HID device from the user's report descriptor (hid/custom.c).
 * The model itself is hid_custom_model in hid/models.h.
 */
#ifndef VUSB_HID_CUSTOM_H
#define VUSB_HID_CUSTOM_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/strbuf.h"

/* Largest feature report, with its ID: they travel on endpoint 0. */
#define HID_CUSTOM_FEATURE_MAX 1024

/*
 * Hex bytes from command words: each word holds pairs of hex digits,
 * optionally separated by blanks, ':' or ','. The count (1..max), or
 * -EINVAL with "CMD: reason" in err.
 */
int hid_custom_parse_hex(const char *cmd, int argc, char **argv, uint8_t *out, size_t max,
			 struct strbuf *err);

#endif
