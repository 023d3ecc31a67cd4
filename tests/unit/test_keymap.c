// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hid/keymap.h"
#include "src/base/strbuf.h"

/*
 * The US layout written as the rows of a keyboard, unshifted and shifted,
 * with the usage of each key: an independent statement of the table.
 */
static const char row_plain[] = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./";
static const char row_shift[] = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>?";
static const uint8_t row_usage[] = {
	0x35, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2d, 0x2e,
	0x14, 0x1a, 0x08, 0x15, 0x17, 0x1c, 0x18, 0x0c, 0x12, 0x13, 0x2f, 0x30, 0x31,
	0x04, 0x16, 0x07, 0x09, 0x0a, 0x0b, 0x0d, 0x0e, 0x0f, 0x33, 0x34,
	0x1d, 0x1b, 0x06, 0x19, 0x05, 0x11, 0x10, 0x36, 0x37, 0x38,
};

static void test_rows_cover_printable_ascii(void **state)
{
	char seen[128] = { 0 };
	size_t i;

	assert_int_equal(sizeof(row_plain) - 1, sizeof(row_usage));
	assert_int_equal(sizeof(row_shift) - 1, sizeof(row_usage));
	for (i = 0; i < sizeof(row_usage); i++) {
		seen[(int)row_plain[i]]++;
		seen[(int)row_shift[i]]++;
	}
	seen[' ']++;
	for (i = 0x20; i < 0x7f; i++)
		assert_int_equal(seen[i], 1);
}

static void test_char_table(void **state)
{
	struct keymap_key k;
	size_t i;

	for (i = 0; i < sizeof(row_usage); i++) {
		k = (struct keymap_key){ 0xee, 0xee };
		assert_int_equal(keymap_from_char(row_plain[i], &k), 0);
		assert_int_equal(k.usage, row_usage[i]);
		assert_int_equal(k.mods, 0);

		k = (struct keymap_key){ 0xee, 0xee };
		assert_int_equal(keymap_from_char(row_shift[i], &k), 0);
		assert_int_equal(k.usage, row_usage[i]);
		assert_int_equal(k.mods, KEYMAP_MOD_LSHIFT);
	}
	assert_int_equal(keymap_from_char(' ', &k), 0);
	assert_int_equal(k.usage, 0x2c);
	assert_int_equal(k.mods, 0);
	assert_int_equal(keymap_from_char('\n', &k), 0);
	assert_int_equal(k.usage, 0x28);
	assert_int_equal(k.mods, 0);
	assert_int_equal(keymap_from_char('\t', &k), 0);
	assert_int_equal(k.usage, 0x2b);
	assert_int_equal(k.mods, 0);
}

static void test_char_untypable(void **state)
{
	static const int bad[] = { 0, 1, '\r', '\b', 0x1b, 0x7f, 0x80, 0xc3, 0xff, -1, 1000 };
	struct keymap_key k = { 0xaa, 0xbb };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(keymap_from_char(bad[i], &k), -EINVAL);
		/* left alone on failure */
		assert_int_equal(k.usage, 0xaa);
		assert_int_equal(k.mods, 0xbb);
	}
}

struct name_case {
	const char *name;
	uint8_t usage;
	uint8_t mods;
};

static void test_names(void **state)
{
	static const struct name_case cases[] = {
		{ "a", 0x04, 0 },	  { "Z", 0x1d, 0 },	    { "z", 0x1d, 0 },
		{ "1", 0x1e, 0 },	  { "0", 0x27, 0 },	    { "-", 0x2d, 0 },
		{ "/", 0x38, 0 },	  { "f1", 0x3a, 0 },	    { "F12", 0x45, 0 },
		{ "f13", 0x68, 0 },	  { "f24", 0x73, 0 },	    { "enter", 0x28, 0 },
		{ "Return", 0x28, 0 },	  { "ESC", 0x29, 0 },	    { "escape", 0x29, 0 },
		{ "tab", 0x2b, 0 },	  { "space", 0x2c, 0 },	    { "backspace", 0x2a, 0 },
		{ "delete", 0x4c, 0 },	  { "del", 0x4c, 0 },	    { "insert", 0x49, 0 },
		{ "home", 0x4a, 0 },	  { "end", 0x4d, 0 },	    { "pageup", 0x4b, 0 },
		{ "PageDown", 0x4e, 0 },  { "up", 0x52, 0 },	    { "down", 0x51, 0 },
		{ "left", 0x50, 0 },	  { "right", 0x4f, 0 },	    { "capslock", 0x39, 0 },
		{ "numlock", 0x53, 0 },	  { "scrolllock", 0x47, 0 }, { "printscreen", 0x46, 0 },
		{ "pause", 0x48, 0 },	  { "menu", 0x65, 0 },	    { "minus", 0x2d, 0 },
		{ "equal", 0x2e, 0 },	  { "kp0", 0x62, 0 },	    { "kp1", 0x59, 0 },
		{ "KP9", 0x61, 0 },	  { "kpenter", 0x58, 0 },   { "ctrl", 0, 0x01 },
		{ "Control", 0, 0x01 },	  { "shift", 0, 0x02 },	    { "alt", 0, 0x04 },
		{ "super", 0, 0x08 },	  { "meta", 0, 0x08 },	    { "win", 0, 0x08 },
		{ "GUI", 0, 0x08 },	  { "rctrl", 0, 0x10 },	    { "rshift", 0, 0x20 },
		{ "ralt", 0, 0x40 },	  { "altgr", 0, 0x40 },	    { "rsuper", 0, 0x80 },
	};
	struct keymap_key k;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = (struct keymap_key){ 0xee, 0xee };
		if (keymap_from_name(cases[i].name, &k) < 0)
			fail_msg("'%s' not known", cases[i].name);
		if (k.usage != cases[i].usage || k.mods != cases[i].mods)
			fail_msg("'%s': usage %#x mods %#x", cases[i].name, k.usage, k.mods);
	}
}

static void test_names_bad(void **state)
{
	static const char *const bad[] = {
		"",   "f0",	  "f25",  "f01", "f1x",	  "kp",	  "kp10", "enterx", "!", "A+",
		"\n", "\t",	  " ",	  "ctr", "shiftt", "+",	  "é",	  "F-1",    "kp-", "unknown",
	};
	struct keymap_key k = { 0xaa, 0xbb };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (keymap_from_name(bad[i], &k) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(k.usage, 0xaa);
		assert_int_equal(k.mods, 0xbb);
	}
}

/* The names `leds` prints, xdotool's keysyms and QEMU's qcodes. */
static void test_aliases(void **state)
{
	static const struct {
		const char *name;
		uint8_t usage, mods;
	} cases[] = {
		{ "caps_lock", 0x39, 0 },     { "num_lock", 0x53, 0 },   { "scroll_lock", 0x47, 0 },
		{ "Caps_Lock", 0x39, 0 },     { "BackSpace", 0x2a, 0 },  { "Page_Up", 0x4b, 0 },
		{ "Prior", 0x4b, 0 },         { "Next", 0x4e, 0 },       { "Control_L", 0, 0x01 },
		{ "Control_R", 0, 0x10 },     { "Shift_R", 0, 0x20 },    { "Alt_L", 0, 0x04 },
		{ "Super_L", 0, 0x08 },       { "ISO_Level3_Shift", 0, 0x40 },
		{ "KP_Enter", 0x58, 0 },      { "KP_Add", 0x57, 0 },     { "KP_7", 0x5f, 0 },
		{ "XF86AudioMute", 0x7f, 0 }, { "XF86AudioRaiseVolume", 0x80, 0 },
		{ "ret", 0x28, 0 },           { "spc", 0x2c, 0 },        { "ctrl_r", 0, 0x10 },
		{ "alt_r", 0, 0x40 },         { "meta_l", 0, 0x08 },     { "kp_0", 0x62, 0 },
		{ "kp_divide", 0x54, 0 },     { "grave_accent", 0x35, 0 }, { "bracket_left", 0x2f, 0 },
		{ "less", 0x64, 0 },          { "kp_equals", 0x67, 0 },  { "F_12", 0x45, 0 },
	};
	struct keymap_key k;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (keymap_from_name(cases[i].name, &k) < 0)
			fail_msg("'%s' not known", cases[i].name);
		if (k.usage != cases[i].usage || k.mods != cases[i].mods)
			fail_msg("'%s': usage %#x mods %#x", cases[i].name, k.usage, k.mods);
	}
	assert_int_equal(keymap_from_name("_", &k), -EINVAL);
	assert_int_equal(keymap_from_name("caps lock", &k), -EINVAL);
}

static void test_suggest(void **state)
{
	struct keymap_combo c;
	struct strbuf err = { 0 };

	assert_string_equal(keymap_suggest("captslock"), "capslock");
	assert_string_equal(keymap_suggest("Caps_Lok"), "capslock");
	assert_string_equal(keymap_suggest("entr"), "enter");
	assert_string_equal(keymap_suggest("bakspace"), "backspace");
	assert_string_equal(keymap_suggest("pgae_up"), "pageup");
	assert_null(keymap_suggest("xyzzy"));
	assert_null(keymap_suggest("qq"));
	assert_null(keymap_suggest("averyveryveryverylongnamethatdoesnotfit"));
	assert_int_equal(keymap_parse_combo("ctrl+escpe", &c, &err), -EINVAL);
	assert_string_equal(strbuf_str(&err), "unknown key 'escpe' (did you mean 'escape'?)");
	strbuf_reset(&err);
	assert_int_equal(keymap_parse_combo("ctrl+xyzzy", &c, &err), -EINVAL);
	assert_string_equal(strbuf_str(&err), "unknown key 'xyzzy'");
	strbuf_free(&err);
}

/* Every name keymap_list() offers is one keymap_from_name() takes, once. */
static void test_list(void **state)
{
	struct strbuf sb = { 0 };
	struct keymap_key k;
	const char *names[512];
	char *line, *save = NULL;
	size_t n = 0, i, j;
	const char *want[] = { "a", "z", "0", "-", "/", "f1", "f24", "kp0", "kp9", "enter",
			       "pageup", "capslock", "controll", "ctrlr", "xf86audiomute" };

	(void)state;
	keymap_list(&sb);
	assert_int_equal(sb.err, 0);
	assert_true(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_int_equal(keymap_from_name(line, &k), 0);
		assert_true(strlen(line) < KEYMAP_NAME_MAX);
		/* Lower case, no '_', no blank: the spelling completion offers. */
		for (i = 0; line[i]; i++)
			assert_false((line[i] >= 'A' && line[i] <= 'Z') || line[i] == '_' ||
				     line[i] <= ' ');
		for (j = 0; j < n; j++)
			assert_string_not_equal(names[j], line);
		assert_true(n < sizeof(names) / sizeof(names[0]));
		names[n++] = line;
	}
	assert_true(n >= 26 + 10 + 24 + 10 + 100);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		for (j = 0; j < n && strcmp(names[j], want[i]); j++)
			;
		assert_true(j < n);
	}
	/* Shifted characters are combos, not keys. */
	for (j = 0; j < n; j++) {
		assert_string_not_equal(names[j], "!");
		assert_string_not_equal(names[j], "~");
	}
	strbuf_free(&sb);
}

static void test_combo(void **state)
{
	struct keymap_combo c;

	assert_int_equal(keymap_parse_combo("ctrl+alt+t", &c, NULL), 0);
	assert_int_equal(c.mods, KEYMAP_MOD_LCTRL | KEYMAP_MOD_LALT);
	assert_int_equal(c.nkeys, 1);
	assert_int_equal(c.keys[0], 0x17);

	assert_int_equal(keymap_parse_combo("Shift+F1", &c, NULL), 0);
	assert_int_equal(c.mods, KEYMAP_MOD_LSHIFT);
	assert_int_equal(c.nkeys, 1);
	assert_int_equal(c.keys[0], 0x3a);

	assert_int_equal(keymap_parse_combo("super+l", &c, NULL), 0);
	assert_int_equal(c.mods, KEYMAP_MOD_LGUI);
	assert_int_equal(c.nkeys, 1);
	assert_int_equal(c.keys[0], 0x0f);

	assert_int_equal(keymap_parse_combo("enter", &c, NULL), 0);
	assert_int_equal(c.mods, 0);
	assert_int_equal(c.nkeys, 1);
	assert_int_equal(c.keys[0], 0x28);

	/* modifiers alone, right-hand variants */
	assert_int_equal(keymap_parse_combo("rctrl+RALT", &c, NULL), 0);
	assert_int_equal(c.mods, KEYMAP_MOD_RCTRL | KEYMAP_MOD_RALT);
	assert_int_equal(c.nkeys, 0);

	/* several keys, in order, duplicates once */
	assert_int_equal(keymap_parse_combo("a+b+a+ctrl+c", &c, NULL), 0);
	assert_int_equal(c.mods, KEYMAP_MOD_LCTRL);
	assert_int_equal(c.nkeys, 3);
	assert_int_equal(c.keys[0], 0x04);
	assert_int_equal(c.keys[1], 0x05);
	assert_int_equal(c.keys[2], 0x06);

	assert_int_equal(keymap_parse_combo("a+b+c+d+e+f", &c, NULL), 0);
	assert_int_equal(c.nkeys, 6);
}

static void test_combo_bad(void **state)
{
	static const struct {
		const char *in;
		const char *err;
	} bad[] = {
		{ "", "empty key name in ''" },
		{ "ctrl+", "empty key name in 'ctrl+'" },
		{ "+a", "empty key name in '+a'" },
		{ "ctrl++a", "empty key name in 'ctrl++a'" },
		{ "ctrl+foo", "unknown key 'foo'" },
		{ "ctrl+!", "unknown key '!'" },
		{ "a+b+c+d+e+f+g", "too many keys in 'a+b+c+d+e+f+g' (at most 6)" },
		{ "ctrl+averyveryveryverylongkeynamethatgoeson",
		  "unknown key 'averyveryveryverylongkeynamethatgoeson'" },
	};
	struct keymap_combo c = { .mods = 0x5a };
	struct strbuf err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		assert_int_equal(keymap_parse_combo(bad[i].in, &c, &err), -EINVAL);
		assert_string_equal(strbuf_str(&err), bad[i].err);
		assert_int_equal(c.mods, 0x5a);
		/* and without a place for the reason */
		assert_int_equal(keymap_parse_combo(bad[i].in, &c, NULL), -EINVAL);
	}
	strbuf_free(&err);
}

static void test_report(void **state)
{
	static const uint8_t keys[] = { 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a };
	uint8_t r[KEYMAP_REPORT_SIZE];

	keymap_report(r, 0, NULL, 0);
	assert_memory_equal(r, ((uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0 }), 8);

	keymap_report(r, KEYMAP_MOD_LSHIFT, keys, 1);
	assert_memory_equal(r, ((uint8_t[]){ 0x02, 0, 0x04, 0, 0, 0, 0, 0 }), 8);

	keymap_report(r, 0x11, keys, 6);
	assert_memory_equal(r, ((uint8_t[]){ 0x11, 0, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 }), 8);

	/* the seventh key: phantom state, modifiers still reported */
	keymap_report(r, 0x11, keys, 7);
	assert_memory_equal(r, ((uint8_t[]){ 0x11, 0, 1, 1, 1, 1, 1, 1 }), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_cover_printable_ascii),
		cmocka_unit_test(test_char_table),
		cmocka_unit_test(test_char_untypable),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_bad),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_combo),
		cmocka_unit_test(test_combo_bad),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
