/* SPDX-License-Identifier: MIT */
/*
 * Numbers people type: on the command line, in configuration files and
 * in control commands, vusb reads every number with these rules.
 *
 * - Decimal (base 10): an optional sign ('-' or '+'), then digits.
 * - Hexadecimal (base 16): an optional "0x" or "0X", then hex digits; no
 *   sign.
 * - Nothing else: no blanks before or after, no empty string, no
 *   trailing characters ("12abc"), no octal; a value outside
 *   [min, max] is refused like a malformed one.
 */
#ifndef VUSB_BASE_NUM_H
#define VUSB_BASE_NUM_H

/*
 * Parse `s` in `base` (10 or 16) into *ret, within [min, max]. 0, or
 * -EINVAL (malformed) or -ERANGE (outside [min, max]); *ret is left
 * alone on failure.
 */
int num_parse(const char *s, unsigned int base, long long min, long long max, long long *ret);

/* The value of hex digit `c` (0-9, a-f, A-F), or -1. */
static inline int num_hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
