// SPDX-License-Identifier: MIT
/*
 * Usages from the HID Usage Tables 1.12, chapter 10 (Keyboard/Keypad
 * page). Letters and digits are computed, the rest of US ASCII is a table.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "hid/keymap.h"

#define S KEYMAP_MOD_LSHIFT

/* Everything typable that is not a letter or a digit; usage 0: untypable. */
static const struct keymap_key ascii_keys[128] = {
	['\t'] = { KEYMAP_USAGE_TAB, 0 },
	['\n'] = { KEYMAP_USAGE_ENTER, 0 },
	[' '] = { 0x2c, 0 },
	['!'] = { 0x1e, S },
	['"'] = { 0x34, S },
	['#'] = { 0x20, S },
	['$'] = { 0x21, S },
	['%'] = { 0x22, S },
	['&'] = { 0x24, S },
	['\''] = { 0x34, 0 },
	['('] = { 0x26, S },
	[')'] = { 0x27, S },
	['*'] = { 0x25, S },
	['+'] = { 0x2e, S },
	[','] = { 0x36, 0 },
	['-'] = { 0x2d, 0 },
	['.'] = { 0x37, 0 },
	['/'] = { 0x38, 0 },
	[':'] = { 0x33, S },
	[';'] = { 0x33, 0 },
	['<'] = { 0x36, S },
	['='] = { 0x2e, 0 },
	['>'] = { 0x37, S },
	['?'] = { 0x38, S },
	['@'] = { 0x1f, S },
	['['] = { 0x2f, 0 },
	['\\'] = { 0x31, 0 },
	[']'] = { 0x30, 0 },
	['^'] = { 0x23, S },
	['_'] = { 0x2d, S },
	['`'] = { 0x35, 0 },
	['{'] = { 0x2f, S },
	['|'] = { 0x31, S },
	['}'] = { 0x30, S },
	['~'] = { 0x35, S },
};

#undef S

struct key_name {
	const char *name;
	uint8_t usage;
	uint8_t mods;
};

/*
 * Names as evdev and the HID tables spell them, then the aliases xdotool
 * (X keysyms) and QEMU (sendkey's qcodes) use. Compared after
 * normalising: case and '_' do not count ("Caps_Lock", "caps_lock"
 * as `leds` prints it, "capslock" are one name).
 */
static const struct key_name key_names[] = {
	{ "enter", 0x28, 0 },
	{ "return", 0x28, 0 },
	{ "esc", 0x29, 0 },
	{ "escape", 0x29, 0 },
	{ "backspace", 0x2a, 0 },
	{ "tab", 0x2b, 0 },
	{ "space", 0x2c, 0 },
	{ "minus", 0x2d, 0 },
	{ "equal", 0x2e, 0 },
	{ "leftbrace", 0x2f, 0 },
	{ "bracketleft", 0x2f, 0 },
	{ "rightbrace", 0x30, 0 },
	{ "bracketright", 0x30, 0 },
	{ "backslash", 0x31, 0 },
	{ "semicolon", 0x33, 0 },
	{ "apostrophe", 0x34, 0 },
	{ "quote", 0x34, 0 },
	{ "grave", 0x35, 0 },
	{ "backquote", 0x35, 0 },
	{ "comma", 0x36, 0 },
	{ "dot", 0x37, 0 },
	{ "period", 0x37, 0 },
	{ "slash", 0x38, 0 },
	{ "capslock", 0x39, 0 },
	{ "printscreen", 0x46, 0 },
	{ "print", 0x46, 0 },
	{ "sysrq", 0x46, 0 },
	{ "scrolllock", 0x47, 0 },
	{ "pause", 0x48, 0 },
	{ "insert", 0x49, 0 },
	{ "home", 0x4a, 0 },
	{ "pageup", 0x4b, 0 },
	{ "pgup", 0x4b, 0 },
	{ "delete", 0x4c, 0 },
	{ "del", 0x4c, 0 },
	{ "end", 0x4d, 0 },
	{ "pagedown", 0x4e, 0 },
	{ "pgdn", 0x4e, 0 },
	{ "right", 0x4f, 0 },
	{ "left", 0x50, 0 },
	{ "down", 0x51, 0 },
	{ "up", 0x52, 0 },
	{ "numlock", 0x53, 0 },
	{ "kpslash", 0x54, 0 },
	{ "kpasterisk", 0x55, 0 },
	{ "kpminus", 0x56, 0 },
	{ "kpplus", 0x57, 0 },
	{ "kpenter", 0x58, 0 },
	{ "kpdot", 0x63, 0 },
	{ "102nd", 0x64, 0 },
	{ "menu", 0x65, 0 },
	{ "compose", 0x65, 0 },
	{ "power", 0x66, 0 },
	{ "kpequal", 0x67, 0 },
	{ "mute", 0x7f, 0 },
	{ "volumeup", 0x80, 0 },
	{ "volumedown", 0x81, 0 },

	{ "ctrl", 0, KEYMAP_MOD_LCTRL },
	{ "control", 0, KEYMAP_MOD_LCTRL },
	{ "lctrl", 0, KEYMAP_MOD_LCTRL },
	{ "leftctrl", 0, KEYMAP_MOD_LCTRL },
	{ "shift", 0, KEYMAP_MOD_LSHIFT },
	{ "lshift", 0, KEYMAP_MOD_LSHIFT },
	{ "leftshift", 0, KEYMAP_MOD_LSHIFT },
	{ "alt", 0, KEYMAP_MOD_LALT },
	{ "lalt", 0, KEYMAP_MOD_LALT },
	{ "leftalt", 0, KEYMAP_MOD_LALT },
	{ "super", 0, KEYMAP_MOD_LGUI },
	{ "meta", 0, KEYMAP_MOD_LGUI },
	{ "win", 0, KEYMAP_MOD_LGUI },
	{ "gui", 0, KEYMAP_MOD_LGUI },
	{ "lsuper", 0, KEYMAP_MOD_LGUI },
	{ "lmeta", 0, KEYMAP_MOD_LGUI },
	{ "lwin", 0, KEYMAP_MOD_LGUI },
	{ "lgui", 0, KEYMAP_MOD_LGUI },
	{ "leftmeta", 0, KEYMAP_MOD_LGUI },
	{ "rctrl", 0, KEYMAP_MOD_RCTRL },
	{ "rcontrol", 0, KEYMAP_MOD_RCTRL },
	{ "rightctrl", 0, KEYMAP_MOD_RCTRL },
	{ "rshift", 0, KEYMAP_MOD_RSHIFT },
	{ "rightshift", 0, KEYMAP_MOD_RSHIFT },
	{ "ralt", 0, KEYMAP_MOD_RALT },
	{ "rightalt", 0, KEYMAP_MOD_RALT },
	{ "altgr", 0, KEYMAP_MOD_RALT },
	{ "rsuper", 0, KEYMAP_MOD_RGUI },
	{ "rmeta", 0, KEYMAP_MOD_RGUI },
	{ "rwin", 0, KEYMAP_MOD_RGUI },
	{ "rgui", 0, KEYMAP_MOD_RGUI },
	{ "rightmeta", 0, KEYMAP_MOD_RGUI },

	/* xdotool: X keysym names. */
	{ "prior", 0x4b, 0 },
	{ "next", 0x4e, 0 },
	{ "kpadd", 0x57, 0 },
	{ "kpsubtract", 0x56, 0 },
	{ "kpmultiply", 0x55, 0 },
	{ "kpdivide", 0x54, 0 },
	{ "kpdecimal", 0x63, 0 },
	{ "controll", 0, KEYMAP_MOD_LCTRL },
	{ "controlr", 0, KEYMAP_MOD_RCTRL },
	{ "shiftl", 0, KEYMAP_MOD_LSHIFT },
	{ "shiftr", 0, KEYMAP_MOD_RSHIFT },
	{ "altl", 0, KEYMAP_MOD_LALT },
	{ "altr", 0, KEYMAP_MOD_RALT },
	{ "isolevel3shift", 0, KEYMAP_MOD_RALT },
	{ "superl", 0, KEYMAP_MOD_LGUI },
	{ "superr", 0, KEYMAP_MOD_RGUI },
	{ "metal", 0, KEYMAP_MOD_LGUI },
	{ "metar", 0, KEYMAP_MOD_RGUI },
	{ "xf86audiomute", 0x7f, 0 },
	{ "xf86audioraisevolume", 0x80, 0 },
	{ "xf86audiolowervolume", 0x81, 0 },
	/* QEMU: qcode names. */
	{ "ret", 0x28, 0 },
	{ "spc", 0x2c, 0 },
	{ "graveaccent", 0x35, 0 },
	{ "less", 0x64, 0 },
	{ "kpequals", 0x67, 0 },
	{ "ctrlr", 0, KEYMAP_MOD_RCTRL },
	{ "audiomute", 0x7f, 0 },
};

/* The name without case and '_' into out (room for len): its length,
 * or 0 when it does not fit. */
static size_t normalise(const char *name, char *out, size_t len)
{
	size_t n = 0;

	for (; *name; name++) {
		if (*name == '_')
			continue;
		if (n + 1 >= len)
			return 0;
		out[n++] = (char)(*name >= 'A' && *name <= 'Z' ? *name + 'a' - 'A' : *name);
	}
	out[n] = '\0';
	return n;
}

int keymap_from_char(int c, struct keymap_key *ret)
{
	if (c >= 'a' && c <= 'z') {
		*ret = (struct keymap_key){ (uint8_t)(0x04 + c - 'a'), 0 };
		return 0;
	}
	if (c >= 'A' && c <= 'Z') {
		*ret = (struct keymap_key){ (uint8_t)(0x04 + c - 'A'), KEYMAP_MOD_LSHIFT };
		return 0;
	}
	if (c >= '1' && c <= '9') {
		*ret = (struct keymap_key){ (uint8_t)(0x1e + c - '1'), 0 };
		return 0;
	}
	if (c == '0') {
		*ret = (struct keymap_key){ 0x27, 0 };
		return 0;
	}
	if (c < 0 || c >= 128 || !ascii_keys[c].usage)
		return -EINVAL;
	*ret = ascii_keys[c];
	return 0;
}

/* "1".."max" without sign, leading zero or trailing junk; 0 when not. */
static unsigned int parse_small(const char *s, unsigned int max)
{
	unsigned int v = 0;

	if (*s < '1' || *s > '9')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > max)
			return 0;
	}
	return v;
}

int keymap_from_name(const char *name, struct keymap_key *ret)
{
	char norm[KEYMAP_NAME_MAX];
	struct keymap_key k;
	unsigned int n;
	size_t i;

	/* "_" alone is not a key (shift+minus); "-" is. */
	if (name[0] && !name[1]) {
		int c = name[0];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		/* Only visible unshifted characters: "!" is shift+1, not a key. */
		if (c <= ' ' || keymap_from_char(c, &k) < 0 || k.mods)
			return -EINVAL;
		*ret = k;
		return 0;
	}
	if (!normalise(name, norm, sizeof(norm)))
		return -EINVAL;
	name = norm;
	if (name[0] == 'f') {
		n = parse_small(name + 1, 24);
		if (n) {
			/* F13..F24 are not contiguous with F1..F12. */
			ret->usage = (uint8_t)(n <= 12 ? 0x3a + n - 1 : 0x68 + n - 13);
			ret->mods = 0;
			return 0;
		}
	}
	if (!strncmp(name, "kp", 2) && name[2] >= '0' && name[2] <= '9' && !name[3]) {
		/* Keypad 1..9 then 0, like the top row. */
		ret->usage = (uint8_t)(name[2] == '0' ? 0x62 : 0x59 + name[2] - '1');
		ret->mods = 0;
		return 0;
	}
	for (i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		if (!strcmp(name, key_names[i].name)) {
			ret->usage = key_names[i].usage;
			ret->mods = key_names[i].mods;
			return 0;
		}
	}
	return -EINVAL;
}

void keymap_list(struct strbuf *out)
{
	struct keymap_key k;
	size_t i;
	int c;

	for (c = '!'; c < 127; c++) {
		if (c >= 'A' && c <= 'Z')
			continue;
		/* What keymap_from_name() takes as one character. */
		if (keymap_from_char(c, &k) == 0 && !k.mods)
			strbuf_printf(out, "%c\n", c);
	}
	for (i = 1; i <= 24; i++)
		strbuf_printf(out, "f%zu\n", i);
	for (i = 0; i <= 9; i++)
		strbuf_printf(out, "kp%zu\n", i);
	for (i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		strbuf_printf(out, "%s\n", key_names[i].name);
}

/* Edit distance of two short strings (each under KEYMAP_NAME_MAX). */
static unsigned int distance(const char *a, const char *b)
{
	unsigned int row[KEYMAP_NAME_MAX + 1], i, j, diag, up;
	size_t la = strlen(a), lb = strlen(b);

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

const char *keymap_suggest(const char *name)
{
	char norm[KEYMAP_NAME_MAX];
	const char *best = NULL;
	unsigned int d, best_d = 3;
	size_t i, n = normalise(name, norm, sizeof(norm));

	/* Two letters off in a short name is another name, not a typo. */
	if (n < 3)
		return NULL;
	if (n < 6)
		best_d = 2;
	for (i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		d = distance(norm, key_names[i].name);
		if (d < best_d) {
			best_d = d;
			best = key_names[i].name;
		}
	}
	return best;
}

int keymap_parse_combo(const char *s, struct keymap_combo *ret, struct strbuf *err)
{
	struct keymap_combo c = { 0 };
	const char *p = s;
	char name[32];

	for (;;) {
		const char *end = strchr(p, '+');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct keymap_key k;
		unsigned int i;

		if (!len) {
			if (err)
				strbuf_printf(err, "empty key name in '%s'", s);
			return -EINVAL;
		}
		if (len >= sizeof(name)) {
			if (err)
				strbuf_printf(err, "unknown key '%.*s'", (int)len, p);
			return -EINVAL;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (keymap_from_name(name, &k) < 0) {
			const char *hint = keymap_suggest(name);

			if (err && hint)
				strbuf_printf(err, "unknown key '%s' (did you mean '%s'?)", name,
					      hint);
			else if (err)
				strbuf_printf(err, "unknown key '%s'", name);
			return -EINVAL;
		}
		c.mods |= k.mods;
		if (k.usage) {
			for (i = 0; i < c.nkeys && c.keys[i] != k.usage; i++)
				;
			if (i == c.nkeys) {
				if (c.nkeys == KEYMAP_COMBO_MAX) {
					if (err)
						strbuf_printf(err, "too many keys in '%s' (at most %d)", s,
							      KEYMAP_COMBO_MAX);
					return -EINVAL;
				}
				c.keys[c.nkeys++] = k.usage;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	*ret = c;
	return 0;
}

void keymap_report(uint8_t report[KEYMAP_REPORT_SIZE], uint8_t mods, const uint8_t *keys,
		   size_t nkeys)
{
	size_t i;

	memset(report, 0, KEYMAP_REPORT_SIZE);
	report[0] = mods;
	if (nkeys > KEYMAP_REPORT_KEYS) {
		memset(report + 2, KEYMAP_USAGE_ERROR_ROLLOVER, KEYMAP_REPORT_KEYS);
		return;
	}
	for (i = 0; i < nkeys; i++)
		report[2 + i] = keys[i];
}
