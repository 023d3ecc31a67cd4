/* SPDX-License-Identifier: MIT */
/*
 * US keyboard layout: characters and key names to HID Keyboard/Keypad page
 * (0x07) usages and boot report modifier bits. Pure tables and parsers,
 * no device state: the keyboard model builds its reports from these.
 */
#ifndef VUSB_HID_KEYMAP_H
#define VUSB_HID_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/strbuf.h"

/* Modifier bits, byte 0 of a boot keyboard report (HID 1.11 B.1). */
#define KEYMAP_MOD_LCTRL 0x01
#define KEYMAP_MOD_LSHIFT 0x02
#define KEYMAP_MOD_LALT 0x04
#define KEYMAP_MOD_LGUI 0x08
#define KEYMAP_MOD_RCTRL 0x10
#define KEYMAP_MOD_RSHIFT 0x20
#define KEYMAP_MOD_RALT 0x40
#define KEYMAP_MOD_RGUI 0x80

/* Usages the keyboard model needs by name. */
#define KEYMAP_USAGE_ERROR_ROLLOVER 0x01
#define KEYMAP_USAGE_ENTER 0x28
#define KEYMAP_USAGE_TAB 0x2b

/* A boot keyboard report: modifiers, reserved, six key slots. */
#define KEYMAP_REPORT_SIZE 8
#define KEYMAP_REPORT_KEYS 6

/* Longest key name, with its NUL. */
#define KEYMAP_NAME_MAX 32

/* Most non-modifier keys one combo may name. */
#define KEYMAP_COMBO_MAX 6

/* One key: a usage (0 for a pure modifier) and the modifiers it needs. */
struct keymap_key {
	uint8_t usage;
	uint8_t mods;
};

struct keymap_combo {
	uint8_t mods;
	uint8_t nkeys;
	uint8_t keys[KEYMAP_COMBO_MAX];
};

/*
 * The key that types character `c` on a US layout: a printable ASCII
 * character, '\n' (Enter) or '\t' (Tab). mods is KEYMAP_MOD_LSHIFT when
 * the character needs shift. 0, or -EINVAL when `c` cannot be typed.
 */
int keymap_from_char(int c, struct keymap_key *ret);

/*
 * A key by name, case-insensitive: "a".."z", "0".."9", other unshifted US
 * characters ("-", "/", ...), "f1".."f24", "enter", "esc", "pageup",
 * "kp5", ..., or a modifier ("ctrl", "rshift", "super", ...), which gives
 * usage 0 and one modifier bit. Longer names may have '_' in them
 * ("caps_lock", as `leds` prints it); xdotool's (X keysyms: "Return",
 * "Page_Up", "Control_L", "KP_Add", "XF86AudioMute") and QEMU's
 * ("ret", "spc", "ctrl_r", "kp_add"... as sendkey takes them) are
 * aliases. 0, or -EINVAL when unknown.
 */
int keymap_from_name(const char *name, struct keymap_key *ret);

/*
 * Every name keymap_from_name() knows, one a line, in its own spelling
 * (lower case, no '_'): letters, digits, the unshifted US characters,
 * f1..f24, kp0..kp9, then the named keys and their aliases. What
 * `vusbctl NAME keys` prints and bash completion offers, so neither can
 * drift from the parser.
 */
void keymap_list(struct strbuf *out);

/*
 * The known name nearest to an unknown one, for "did you mean": within
 * two edits (one for names under six letters), or NULL.
 */
const char *keymap_suggest(const char *name);

/*
 * Parse a combo like "ctrl+alt+t" or "shift+f1": '+'-separated key names,
 * at most KEYMAP_COMBO_MAX non-modifier keys, duplicates ignored. 0, or
 * -EINVAL with the reason appended to err (which may be NULL).
 */
int keymap_parse_combo(const char *s, struct keymap_combo *ret, struct strbuf *err);

/*
 * Build a boot keyboard report from the modifiers and the held keys, in
 * the order they were pressed. More than KEYMAP_REPORT_KEYS held keys give
 * ErrorRollOver in every slot, as a real keyboard reports phantom state.
 */
void keymap_report(uint8_t report[KEYMAP_REPORT_SIZE], uint8_t mods, const uint8_t *keys,
		   size_t nkeys);

#endif
