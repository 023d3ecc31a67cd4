// SPDX-License-Identifier: MIT
/*
 * "keyboard": a boot keyboard (the report protocol report is the boot
 * report), US layout, with the five standard LEDs as its output report.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hid/keymap.h"
#include "hid/models.h"
#include "hid/hiddev.h"
#include "src/base/watch.h"

/* Keys `press` may hold at once; past six the reports say ErrorRollOver. */
#define KBD_HELD_MAX 16
/* `type` sends a press and a release per character. */
#define KBD_TYPE_MAX (HID_QUEUE_LEN / 2)

static const uint8_t kbd_report_desc[] = {
	0x05, 0x01, /* Usage Page (Generic Desktop) */
	0x09, 0x06, /* Usage (Keyboard) */
	0xa1, 0x01, /* Collection (Application) */
	0x05, 0x07, /*   Usage Page (Keyboard/Keypad) */
	0x19, 0xe0, /*   Usage Minimum (Left Control) */
	0x29, 0xe7, /*   Usage Maximum (Right GUI) */
	0x15, 0x00, /*   Logical Minimum (0) */
	0x25, 0x01, /*   Logical Maximum (1) */
	0x75, 0x01, /*   Report Size (1) */
	0x95, 0x08, /*   Report Count (8) */
	0x81, 0x02, /*   Input (Data,Var,Abs): modifiers */
	0x95, 0x01, /*   Report Count (1) */
	0x75, 0x08, /*   Report Size (8) */
	0x81, 0x01, /*   Input (Const): reserved */
	0x05, 0x08, /*   Usage Page (LEDs) */
	0x19, 0x01, /*   Usage Minimum (Num Lock) */
	0x29, 0x05, /*   Usage Maximum (Kana) */
	0x95, 0x05, /*   Report Count (5) */
	0x75, 0x01, /*   Report Size (1) */
	0x91, 0x02, /*   Output (Data,Var,Abs): LEDs */
	0x95, 0x01, /*   Report Count (1) */
	0x75, 0x03, /*   Report Size (3) */
	0x91, 0x01, /*   Output (Const): padding */
	0x05, 0x07, /*   Usage Page (Keyboard/Keypad) */
	0x19, 0x00, /*   Usage Minimum (0) */
	0x2a, 0xff, 0x00, /* Usage Maximum (255): F13..F24, media keys */
	0x15, 0x00, /*   Logical Minimum (0) */
	0x26, 0xff, 0x00, /* Logical Maximum (255) */
	0x95, 0x06, /*   Report Count (6) */
	0x75, 0x08, /*   Report Size (8) */
	0x81, 0x00, /*   Input (Data,Array): six keys */
	0xc0, /*     End Collection */
};
static_assert(sizeof(kbd_report_desc) == 65, "keyboard report descriptor");

static const uint8_t kbd_config[] = {
	HID_CONFIG_DESC(HID_SUBCLASS_BOOT, HID_BOOT_KEYBOARD, sizeof(kbd_report_desc), 8, 10),
};
static_assert(sizeof(kbd_config) == HID_CONFIG_SIZE, "keyboard configuration");

struct keyboard {
	struct hid_device hd;
	uint8_t mods;
	uint8_t nkeys;
	uint8_t keys[KBD_HELD_MAX]; /* held, in the order pressed */
	uint8_t leds;
	/* `type --wait`: told "done" once the host has taken every report */
	struct watchers typing;
};

static const char *const led_names[] = { "num_lock", "caps_lock", "scroll_lock", "compose",
					 "kana" };
#define KBD_LEDS_MASK 0x1f

static struct keyboard *kbd_of(struct usb_device *dev)
{
	return container_of(hid_device_of(dev), struct keyboard, hd);
}

static struct keyboard *kbd_of_hid(struct hid *h)
{
	return container_of(hid_device_of_hid(h), struct keyboard, hd);
}

/* The lit LEDs' names separated by `sep`, or "none". */
static void leds_text(uint8_t leds, const char *sep, struct strbuf *out)
{
	unsigned int i;
	bool first = true;

	for (i = 0; i < sizeof(led_names) / sizeof(led_names[0]); i++) {
		if (!(leds & 1u << i))
			continue;
		strbuf_printf(out, "%s%s", first ? "" : sep, led_names[i]);
		first = false;
	}
	if (first)
		strbuf_printf(out, "none");
}

static void kbd_output(struct hid *h, const uint8_t *report)
{
	struct keyboard *kb = kbd_of_hid(h);
	uint8_t leds = report[0] & KBD_LEDS_MASK;
	struct strbuf sb = { 0 };

	if (leds == kb->leds)
		return;
	kb->leds = leds;
	strbuf_printf(&sb, "leds: ");
	leds_text(leds, " ", &sb);
	/* On -ENOMEM the event is lost; the state is still right. */
	if (!sb.err)
		usb_device_event(&kb->hd.usb, strbuf_str(&sb));
	strbuf_free(&sb);
}

static void kbd_reset(struct hid *h)
{
	struct keyboard *kb = kbd_of_hid(h);

	kb->mods = 0;
	kb->nkeys = 0;
	/* The reports queued are gone unread: the waiters see the stream end. */
	watchers_free(&kb->typing);
}

static void kbd_drained(struct hid *h)
{
	struct keyboard *kb = kbd_of_hid(h);

	watchers_emit(&kb->typing, "done", "{\"done\":true}");
	watchers_free(&kb->typing);
}

static const struct hid_params kbd_params = {
	.report_desc = kbd_report_desc,
	.report_desc_len = sizeof(kbd_report_desc),
	.in_len = KEYMAP_REPORT_SIZE,
	.boot_len = KEYMAP_REPORT_SIZE,
	.out_len = 1,
	.default_idle = 125, /* HID 1.11 7.2.4: 500 ms for keyboards */
	.output = kbd_output,
	.reset = kbd_reset,
	.drained = kbd_drained,
};

static const struct hid_model_info kbd_info = {
	.name = "keyboard",
	.product = "Virtual Keyboard",
	.pid = 0x0002,
	.config = kbd_config,
	.params = &kbd_params,
};

static int kbd_create(struct usb_device **ret, const struct vusb_dev_opts *opts,
		      struct strbuf *err)
{
	struct keyboard *kb = calloc(1, sizeof(*kb));
	int r;

	if (!kb)
		return -ENOMEM;
	watchers_init(&kb->typing);
	r = hid_device_setup(&kb->hd, &kbd_info, opts, err);
	if (r < 0) {
		free(kb);
		return r;
	}
	*ret = &kb->hd.usb;
	return 0;
}

static void kbd_destroy(struct usb_device *dev)
{
	if (!dev)
		return;
	watchers_free(&kbd_of(dev)->typing);
	free(kbd_of(dev));
}

/* Held keys plus `add` (without repeats) into dst; returns the count. */
static size_t keys_plus(uint8_t *dst, const struct keyboard *kb, const uint8_t *add, size_t nadd)
{
	size_t n = kb->nkeys, i, j;

	memcpy(dst, kb->keys, kb->nkeys);
	for (i = 0; i < nadd; i++) {
		for (j = 0; j < n && dst[j] != add[i]; j++)
			;
		if (j == n)
			dst[n++] = add[i];
	}
	return n;
}

/* Queue the report for held keys plus a combo; cannot fail once room was
 * checked. */
static int send_with(struct keyboard *kb, uint8_t mods, const uint8_t *add, size_t nadd)
{
	uint8_t keys[KBD_HELD_MAX + KEYMAP_COMBO_MAX];
	uint8_t report[KEYMAP_REPORT_SIZE];
	size_t n = keys_plus(keys, kb, add, nadd);

	keymap_report(report, kb->mods | mods, keys, n);
	return hid_send(&kb->hd.hid, report);
}

static int usage(const char *cmd, const char *args, struct strbuf *out)
{
	strbuf_printf(out, "usage: %s %s", cmd, args);
	return -EINVAL;
}

/* Name an untypable character: its whole UTF-8 sequence, or its code. */
static int untypable(const char *p, struct strbuf *out)
{
	unsigned char c = (unsigned char)*p;
	int len = 1;

	if (c < 0x80) {
		strbuf_printf(out, "type: cannot type control character 0x%02x", c);
		return -EINVAL;
	}
	while (len < 4 && ((unsigned char)p[len] & 0xc0) == 0x80)
		len++;
	strbuf_printf(out, "type: cannot type '%.*s': a US keyboard types ASCII, newline and tab",
		      len, p);
	return -EINVAL;
}

/* Type argv[1..] joined by spaces: all of it queued, or nothing. */
static int type_words(struct keyboard *kb, int argc, char **argv, struct strbuf *out)
{
	struct keymap_key key;
	size_t len = 0, n;
	char text[KBD_TYPE_MAX + 1];
	int i, r;

	if (argc < 2)
		return usage("type", "[--wait] TEXT...", out);
	for (i = 1; i < argc; i++) {
		size_t sep = i > 1;

		n = strlen(argv[i]);
		if (n + sep > KBD_TYPE_MAX - len) {
			strbuf_printf(out, "type: text too long (at most %d characters at once)",
				      KBD_TYPE_MAX);
			return -EINVAL;
		}
		if (sep)
			text[len++] = ' ';
		memcpy(text + len, argv[i], n);
		len += n;
	}
	text[len] = '\0';

	/* All or nothing: check every character and the room first. */
	for (n = 0; n < len; n++)
		if (keymap_from_char((unsigned char)text[n], &key) < 0)
			return untypable(text + n, out);
	r = hid_can_send(&kb->hd.hid, (unsigned int)(2 * len));
	if (r < 0)
		return r;
	for (n = 0; n < len; n++) {
		keymap_from_char((unsigned char)text[n], &key);
		r = send_with(kb, key.mods, &key.usage, 1);
		if (r < 0)
			return r;
		/* Release, so that a repeated character is typed again. */
		r = send_with(kb, 0, NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * type [--wait] TEXT...: --wait takes fd, the client's end of a stream
 * (vusbctl's socketpair), and says "done" on it once the host has taken
 * every report queued so far; the stream ends without it when the device
 * is reset or goes away first.
 */
static int kbd_cmd_type_fd(struct usb_device *dev, int argc, char **argv, int fd,
			   struct strbuf *out)
{
	struct keyboard *kb = kbd_of(dev);
	bool wait = argc > 1 && strcmp(argv[1], "--wait") == 0;
	int r;

	if (!wait) {
		if (fd >= 0)
			close(fd);
		return type_words(kb, argc, argv, out);
	}
	if (fd < 0) {
		strbuf_printf(out, "type --wait: only through vusbctl (it sends the stream it "
				   "waits on)");
		return -EINVAL;
	}
	/* type_words() skips its argv[0]: here "--wait". */
	r = type_words(kb, argc - 1, argv + 1, out);
	if (r < 0) {
		close(fd);
		return r;
	}
	r = watchers_add(&kb->typing, fd, false);
	if (r < 0)
		strbuf_printf(out, "type --wait: %d others are waiting already", WATCHERS_MAX);
	return r == -ENOSPC ? -EINVAL : r;
}

static int kbd_cmd_type(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	return kbd_cmd_type_fd(dev, argc, argv, -1, out);
}

/* Parse argv[1..] as combos into `combos`; -EINVAL with the reason. */
static int parse_combos(int argc, char **argv, struct keymap_combo *combos, struct strbuf *out)
{
	struct strbuf err = { 0 };
	int i, r;

	for (i = 1; i < argc; i++) {
		r = keymap_parse_combo(argv[i], &combos[i - 1], &err);
		if (r < 0) {
			strbuf_printf(out, "%s: %s", argv[0], strbuf_str(&err));
			strbuf_free(&err);
			return r;
		}
	}
	return 0;
}

static int kbd_cmd_key(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct keyboard *kb = kbd_of(dev);
	struct keymap_combo combos[HID_QUEUE_LEN / 2];
	int i, r;

	if (argc < 2)
		return usage(argv[0], "COMBO...", out);
	if (argc - 1 > HID_QUEUE_LEN / 2) {
		strbuf_printf(out, "%s: too many combos (at most %d at once)", argv[0],
			      HID_QUEUE_LEN / 2);
		return -EINVAL;
	}
	r = parse_combos(argc, argv, combos, out);
	if (r < 0)
		return r;
	r = hid_can_send(&kb->hd.hid, (unsigned int)(2 * (argc - 1)));
	if (r < 0)
		return r;
	for (i = 0; i < argc - 1; i++) {
		r = send_with(kb, combos[i].mods, combos[i].keys, combos[i].nkeys);
		if (r < 0)
			return r;
		r = send_with(kb, 0, NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int kbd_cmd_press(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct keyboard *kb = kbd_of(dev);
	uint8_t keys[KBD_HELD_MAX + KEYMAP_COMBO_MAX];
	struct keymap_combo c;
	size_t n;
	int r;

	if (argc != 2)
		return usage(argv[0], "KEY", out);
	r = parse_combos(argc, argv, &c, out);
	if (r < 0)
		return r;
	n = keys_plus(keys, kb, c.keys, c.nkeys);
	if (n > KBD_HELD_MAX) {
		strbuf_printf(out, "press: too many keys held (at most %d)", KBD_HELD_MAX);
		return -EINVAL;
	}
	if (n == kb->nkeys && (kb->mods | c.mods) == kb->mods)
		return 0; /* held already */
	r = hid_can_send(&kb->hd.hid, 1);
	if (r < 0)
		return r;
	memcpy(kb->keys, keys, n);
	kb->nkeys = (uint8_t)n;
	kb->mods |= c.mods;
	return send_with(kb, 0, NULL, 0);
}

static int kbd_cmd_release(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct keyboard *kb = kbd_of(dev);
	uint8_t keys[KBD_HELD_MAX];
	struct keymap_combo c;
	size_t n = 0, i, j;
	int r;

	if (argc != 2)
		return usage(argv[0], "KEY", out);
	r = parse_combos(argc, argv, &c, out);
	if (r < 0)
		return r;
	for (i = 0; i < kb->nkeys; i++) {
		for (j = 0; j < c.nkeys && c.keys[j] != kb->keys[i]; j++)
			;
		if (j == c.nkeys)
			keys[n++] = kb->keys[i];
	}
	if (n == kb->nkeys && !(kb->mods & c.mods))
		return 0; /* not held: nothing changes */
	r = hid_can_send(&kb->hd.hid, 1);
	if (r < 0)
		return r;
	memcpy(kb->keys, keys, n);
	kb->nkeys = (uint8_t)n;
	kb->mods &= (uint8_t)~c.mods;
	return send_with(kb, 0, NULL, 0);
}

static int kbd_cmd_keys(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	if (argc != 1)
		return usage(argv[0], "", out);
	keymap_list(out);
	return 0;
}

static void kbd_describe(struct usb_device *dev, struct strbuf *out)
{
	strbuf_printf(out, "leds=");
	leds_text(kbd_of(dev)->leds, ",", out);
}

/* "leds": the names the host lit, [] for none. */
static void leds_json(uint8_t leds, struct json *j)
{
	unsigned int i;

	json_key(j, "leds");
	json_array_begin(j);
	for (i = 0; i < sizeof(led_names) / sizeof(led_names[0]); i++)
		if (leds & 1u << i)
			json_str(j, led_names[i]);
	json_array_end(j);
}

static void kbd_describe_json(struct usb_device *dev, struct json *j)
{
	leds_json(kbd_of(dev)->leds, j);
}

/* leds [--json]: {"leds":["caps_lock"]} */
static int kbd_cmd_leds(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct json j;

	if (argc == 2 && strcmp(argv[1], "--json") == 0) {
		json_init(&j, out);
		json_object_begin(&j);
		leds_json(kbd_of(dev)->leds, &j);
		json_object_end(&j);
		strbuf_printf(out, "\n");
		return 0;
	}
	if (argc != 1)
		return usage(argv[0], "[--json]", out);
	leds_text(kbd_of(dev)->leds, " ", out);
	strbuf_printf(out, "\n");
	return 0;
}

static const struct vusb_command kbd_commands[] = {
	{ "type", "[--wait] TEXT...", "type the words joined by spaces (US layout; newline, tab)",
	  1, -1, kbd_cmd_type, kbd_cmd_type_fd },
	{ "key", "COMBO...", "press and release each combo, e.g. ctrl+alt+t shift+f1 enter", 1, -1,
	  kbd_cmd_key, NULL },
	{ "press", "KEY", "hold a key or combo down (e.g. shift, ctrl+a)", 1, 1, kbd_cmd_press, NULL },
	{ "release", "KEY", "let a held key or combo go", 1, 1, kbd_cmd_release, NULL },
	{ "leds", "[--json]",
	  "the LEDs the host lit: num_lock caps_lock scroll_lock compose kana, or none", 0, 1,
	  kbd_cmd_leds, NULL },
	{ "keys", "", "the key names press, release and key take, one a line", 0, 0, kbd_cmd_keys,
	  NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

const struct vusb_model hid_keyboard_model = {
	.name = "keyboard",
	.summary = "USB keyboard, US layout, LEDs (boot protocol)",
	.create = kbd_create,
	.destroy = kbd_destroy,
	.commands = kbd_commands,
	.describe = kbd_describe,
	.describe_json = kbd_describe_json,
	.send_report = hid_device_send_report,
};
