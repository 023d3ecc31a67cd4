// SPDX-License-Identifier: MIT
/*
 * "gamepad": a wired Xbox 360 controller (045e:028e), the gamepad games
 * expect, which Linux's xpad driver binds. Not a HID device: one vendor
 * interface (class 0xff, subclass 0x5d, protocol 0x01) with an interrupt
 * IN endpoint carrying the controller's 20-byte input report and an
 * interrupt OUT endpoint on which the host sends rumble and LED messages.
 *
 * The input report (what xpad reads): byte 0 type 0x00, byte 1 length
 * 0x14, byte 2 d-pad up/down/left/right, start, back, left and right
 * stick press (bits 0..7), byte 3 LB, RB, guide, -, A, B, X, Y (bits
 * 0..7), bytes 4 and 5 the left and right trigger (0..255), bytes 6..13
 * the sticks, X then Y, left then right, signed 16-bit little-endian with
 * Y positive up. The host's messages: 00 08 00 STRONG WEAK 00 00 00
 * (rumble), 01 03 N (LED pattern N).
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hid/gamepad.h"
#include "hid/models.h"
#include "src/base/watch.h"

#define GP_VID 0x045e
#define GP_PID 0x028e
#define GP_EP_IN 0x81
#define GP_EP_OUT 0x01
#define GP_EP_SIZE 32
#define GP_QUEUE_LEN 64

#define GP_CONFIG_SIZE (USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE + 2 * USB_DT_ENDPOINT_SIZE)

static const uint8_t device_desc[] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0200),
	USB_CLASS_VENDOR_SPEC, 0xff, 0xff, 8 /* bMaxPacketSize0 */,
	U16_LE(GP_VID), U16_LE(GP_PID), U16_LE(0x0114) /* bcdDevice */,
	1 /* iManufacturer */, 2 /* iProduct */, 3 /* iSerialNumber */, 1 /* configurations */,
};
static_assert(sizeof(device_desc) == USB_DT_DEVICE_SIZE, "device descriptor");

#define DEV_VENDOR 8
#define DEV_PRODUCT 10

static const uint8_t config_desc[] = {
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(GP_CONFIG_SIZE), 1 /* interfaces */,
	1 /* bConfigurationValue */, 0, USB_CONFIG_ATT_ONE, 250 /* 500 mA */,
	/* interface 0: the controller */
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 2 /* endpoints */,
	USB_CLASS_VENDOR_SPEC, 0x5d, 0x01, 0,
	/* endpoint 1 IN, interrupt, every 4 ms */
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, GP_EP_IN, USB_ENDPOINT_XFER_INT,
	U16_LE(GP_EP_SIZE), 4,
	/* endpoint 1 OUT, interrupt, every 8 ms */
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, GP_EP_OUT, USB_ENDPOINT_XFER_INT,
	U16_LE(GP_EP_SIZE), 8,
};
static_assert(sizeof(config_desc) == GP_CONFIG_SIZE, "gamepad configuration");

struct gamepad {
	struct usb_device usb;
	struct usb_function *func;
	uint16_t buttons; /* byte 2 low, byte 3 high */
	int16_t stick[2][2]; /* [left/right][x/y], Y up */
	uint8_t trigger[2];
	/* What the host set. */
	uint8_t strong, weak;
	int led; /* -1: never set */
	struct watchers watchers;
	unsigned int head, count;
	uint8_t queue[GP_QUEUE_LEN][GAMEPAD_REPORT_SIZE];
	char manufacturer[VUSB_STRING_MAX];
	char product[VUSB_STRING_MAX];
	char serial[VUSB_STRING_MAX];
};

static struct gamepad *gp_of(struct usb_device *dev)
{
	return container_of(dev, struct gamepad, usb);
}

static const struct {
	const char *name;
	uint16_t bit;
} buttons[] = {
	{ "up", 1u << 0 },    { "down", 1u << 1 },   { "left", 1u << 2 },  { "right", 1u << 3 },
	{ "start", 1u << 4 }, { "back", 1u << 5 },   { "ls", 1u << 6 },    { "rs", 1u << 7 },
	{ "lb", 1u << 8 },    { "rb", 1u << 9 },     { "guide", 1u << 10 }, { "a", 1u << 12 },
	{ "b", 1u << 13 },    { "x", 1u << 14 },     { "y", 1u << 15 },
};

int gamepad_button(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(buttons) / sizeof(buttons[0]); i++)
		if (!strcasecmp(name, buttons[i].name))
			return buttons[i].bit;
	return -EINVAL;
}

static void put_le16(uint8_t *p, int16_t v)
{
	p[0] = (uint8_t)((uint16_t)v & 0xff);
	p[1] = (uint8_t)((uint16_t)v >> 8);
}

void gamepad_report(uint8_t r[GAMEPAD_REPORT_SIZE], uint16_t buttons_held,
		    const int16_t stick[2][2], const uint8_t trigger[2])
{
	memset(r, 0, GAMEPAD_REPORT_SIZE);
	r[1] = GAMEPAD_REPORT_SIZE;
	r[2] = (uint8_t)(buttons_held & 0xff);
	r[3] = (uint8_t)(buttons_held >> 8);
	r[4] = trigger[0];
	r[5] = trigger[1];
	put_le16(r + 6, stick[0][0]);
	put_le16(r + 8, stick[0][1]);
	put_le16(r + 10, stick[1][0]);
	put_le16(r + 12, stick[1][1]);
}

/* Queue the current state as one report: 0, -ENOTCONN or -EAGAIN. */
static int send_state(struct gamepad *gp)
{
	if (!usb_device_configured(&gp->usb))
		return -ENOTCONN;
	if (gp->count == GP_QUEUE_LEN)
		return -EAGAIN;
	gamepad_report(gp->queue[(gp->head + gp->count) % GP_QUEUE_LEN], gp->buttons, gp->stick,
		       gp->trigger);
	gp->count++;
	usb_ep_wake(&gp->usb, GP_EP_IN);
	return 0;
}

/* The report socket's input: a whole 20-byte report, queued as it is. */
static int gp_send_report(struct usb_device *dev, const uint8_t *report, size_t len)
{
	struct gamepad *gp = gp_of(dev);

	if (len != GAMEPAD_REPORT_SIZE)
		return -EMSGSIZE;
	if (!usb_device_configured(dev))
		return -ENOTCONN;
	if (gp->count == GP_QUEUE_LEN)
		return -EAGAIN;
	memcpy(gp->queue[(gp->head + gp->count) % GP_QUEUE_LEN], report, len);
	gp->count++;
	usb_ep_wake(dev, GP_EP_IN);
	return 0;
}

static const char *const led_patterns[16] = {
	"off", "all blink", "1 flashes, then on", "2 flashes, then on", "3 flashes, then on",
	"4 flashes, then on", "1 on", "2 on", "3 on", "4 on", "rotate", "blink",
	"slow blink", "rotate two", "all blink slowly", "blink once",
};

static void state_text(const struct gamepad *gp, const char *sep, struct strbuf *out)
{
	strbuf_printf(out, "rumble strong %u weak %u%s", gp->strong, gp->weak, sep);
	if (gp->led < 0)
		strbuf_printf(out, "led none");
	else
		strbuf_printf(out, "led %d (%s)", gp->led, led_patterns[gp->led]);
}

/* A message on the OUT endpoint: rumble or LED. */
static void host_message(struct gamepad *gp, const uint8_t *d, size_t len)
{
	struct strbuf sb = { 0 }, js = { 0 };
	size_t i;

	if (len >= 5 && d[0] == 0x00 && d[1] == 0x08) {
		if (gp->strong == d[3] && gp->weak == d[4])
			return;
		gp->strong = d[3];
		gp->weak = d[4];
		strbuf_printf(&sb, "rumble strong %u weak %u", gp->strong, gp->weak);
		strbuf_printf(&js, "{\"type\":\"rumble\",\"strong\":%u,\"weak\":%u}", gp->strong,
			      gp->weak);
	} else if (len >= 3 && d[0] == 0x01 && d[1] == 0x03) {
		gp->led = d[2] & 0x0f;
		strbuf_printf(&sb, "led %d (%s)", gp->led, led_patterns[gp->led]);
		strbuf_printf(&js, "{\"type\":\"led\",\"pattern\":%d,\"name\":\"%s\"}", gp->led,
			      led_patterns[gp->led]);
	} else {
		strbuf_printf(&sb, "unknown message from the host:");
		strbuf_printf(&js, "{\"type\":\"unknown\",\"data\":\"");
		for (i = 0; i < len && i < 32; i++) {
			strbuf_printf(&sb, " %02x", d[i]);
			strbuf_printf(&js, "%02x", d[i]);
		}
		strbuf_printf(&js, "\"}");
	}
	if (!sb.err)
		usb_device_event(&gp->usb, strbuf_str(&sb));
	if (!sb.err && !js.err)
		watchers_emit(&gp->watchers, strbuf_str(&sb), strbuf_str(&js));
	strbuf_free(&sb);
	strbuf_free(&js);
}

static int gp_xfer(struct usb_function *f, struct usb_urb *urb)
{
	struct gamepad *gp = f->data;
	size_t n;

	if (!urb->in) {
		host_message(gp, urb->buf, urb->actual);
		usb_device_report(f->dev, 2 /* output */, urb->buf, urb->actual);
		urb->status = 0;
		return 0;
	}
	if (!urb->length || !urb->cap)
		return -EOVERFLOW;
	if (!gp->count)
		return -EAGAIN;
	n = GAMEPAD_REPORT_SIZE;
	if (n > urb->length)
		n = urb->length;
	if (n > urb->cap)
		n = urb->cap;
	memcpy(urb->buf, gp->queue[gp->head], n);
	gp->head = (gp->head + 1) % GP_QUEUE_LEN;
	gp->count--;
	usb_device_room(f->dev);
	urb->actual = (uint32_t)n;
	urb->status = 0;
	return 0;
}

/*
 * The vendor request xpad sends when it starts (IN, type vendor,
 * interface, request 1, wValue 0x100): some third-party pads need it to
 * finish their start-up. Answered with the current input report.
 */
static int gp_control(struct usb_function *f, const struct usb_setup *s, uint8_t *data, size_t len)
{
	struct gamepad *gp = f->data;
	uint8_t r[GAMEPAD_REPORT_SIZE];

	if (s->bmRequestType != (USB_DIR_IN | USB_TYPE_VENDOR | USB_RECIP_INTERFACE) ||
	    s->bRequest != 0x01 || s->wValue != 0x100)
		return -EOPNOTSUPP;
	gamepad_report(r, gp->buttons, gp->stick, gp->trigger);
	if (len > sizeof(r))
		len = sizeof(r);
	memcpy(data, r, len);
	return (int)len;
}

static void gp_reset(struct usb_function *f)
{
	struct gamepad *gp = f->data;

	gp->head = 0;
	gp->count = 0;
}

static const struct usb_class_ops gamepad_class_ops = {
	.name = "xbox360",
	.control = gp_control,
	.xfer = gp_xfer,
	.reset = gp_reset,
};

static int gp_create(struct usb_device **ret, const struct vusb_dev_opts *opts, struct strbuf *err)
{
	char serial[VUSB_STRING_MAX];
	struct gamepad *gp;
	int r;

	if (opts->speed != USB_SPEED_UNKNOWN && opts->speed != USB_SPEED_FULL) {
		strbuf_printf(err, "a gamepad is a full-speed device, not %s",
			      usb_speed_name(opts->speed));
		return -EINVAL;
	}
	gp = calloc(1, sizeof(*gp));
	if (!gp)
		return -ENOMEM;
	gp->led = -1;
	watchers_init(&gp->watchers);
	usb_device_init(&gp->usb);
	memcpy(gp->usb.desc, device_desc, sizeof(device_desc));
	gp->usb.speed = USB_SPEED_FULL;
	gp->usb.config = config_desc;

	r = vusb_dev_set_id("vendor id", opts->vid, GP_VID, gp->usb.desc + DEV_VENDOR, err);
	if (r == 0)
		r = vusb_dev_set_id("product id", opts->pid, GP_PID, gp->usb.desc + DEV_PRODUCT,
				    err);
	if (opts->name)
		snprintf(serial, sizeof(serial), "vusb-%s", opts->name);
	else
		snprintf(serial, sizeof(serial), "vusb-gamepad%u", opts->instance);
	if (r == 0)
		r = vusb_dev_set_string("manufacturer",
					opts->manufacturer ? opts->manufacturer : "vusb",
					gp->manufacturer, err);
	if (r == 0)
		r = vusb_dev_set_string("product",
					opts->product ? opts->product : "Controller (Xbox 360)",
					gp->product, err);
	if (r == 0)
		r = vusb_dev_set_string("serial", opts->serial ? opts->serial : serial, gp->serial,
					err);
	if (r < 0) {
		free(gp);
		return r;
	}
	gp->usb.strings[1] = gp->manufacturer;
	gp->usb.strings[2] = gp->product;
	gp->usb.strings[3] = gp->serial;

	gp->func = usb_device_add_function(&gp->usb, &gamepad_class_ops, 0, 1, gp);
	r = gp->func ? usb_device_validate(&gp->usb) : -ENOSPC;
	if (r < 0) {
		strbuf_printf(err, "gamepad: internal error: invalid descriptors (%d)", r);
		free(gp);
		return r;
	}
	*ret = &gp->usb;
	return 0;
}

static void gp_destroy(struct usb_device *dev)
{
	watchers_free(&gp_of(dev)->watchers);
	free(gp_of(dev));
}

static int set_buttons(struct usb_device *dev, int argc, char **argv, bool down, struct strbuf *out)
{
	struct gamepad *gp = gp_of(dev);
	uint16_t mask = 0;
	int i, b;

	for (i = 1; i < argc; i++) {
		b = gamepad_button(argv[i]);
		if (b < 0) {
			strbuf_printf(out,
				      "%s: unknown button '%s': a b x y lb rb back start "
				      "guide ls rs up down left right",
				      argv[0], argv[i]);
			return -EINVAL;
		}
		mask |= (uint16_t)b;
	}
	if (!usb_device_configured(dev))
		return -ENOTCONN;
	if (down)
		gp->buttons |= mask;
	else
		gp->buttons &= (uint16_t)~mask;
	return send_state(gp);
}

static int cmd_press(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	return set_buttons(dev, argc, argv, true, out);
}

static int cmd_release(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	return set_buttons(dev, argc, argv, false, out);
}

int gamepad_parse_fraction(const char *s, double min, double max, double *ret)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (!*s || *end || !isfinite(v) || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* left or right: 0 or 1; else -EINVAL with the reason. */
static int side(const char *cmd, const char *s, struct strbuf *out)
{
	if (!strcasecmp(s, "left"))
		return 0;
	if (!strcasecmp(s, "right"))
		return 1;
	strbuf_printf(out, "%s: '%s': left or right", cmd, s);
	return -EINVAL;
}

static int cmd_stick(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct gamepad *gp = gp_of(dev);
	double x, y;
	int s = side("stick", argv[1], out);

	if (s < 0)
		return s;
	if (gamepad_parse_fraction(argv[2], -1.0, 1.0, &x) < 0 ||
	    gamepad_parse_fraction(argv[3], -1.0, 1.0, &y) < 0) {
		strbuf_printf(out, "stick: X and Y are numbers from -1.0 to 1.0 (right and up "
				   "positive)");
		return -EINVAL;
	}
	if (!usb_device_configured(dev))
		return -ENOTCONN;
	gp->stick[s][0] = (int16_t)(x * 32767 + (x < 0 ? -0.5 : 0.5));
	gp->stick[s][1] = (int16_t)(y * 32767 + (y < 0 ? -0.5 : 0.5));
	return send_state(gp);
}

static int cmd_trigger(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct gamepad *gp = gp_of(dev);
	double v;
	int s = side("trigger", argv[1], out);

	if (s < 0)
		return s;
	if (gamepad_parse_fraction(argv[2], 0.0, 1.0, &v) < 0) {
		strbuf_printf(out, "trigger: V is a number from 0 (released) to 1.0 (pulled)");
		return -EINVAL;
	}
	if (!usb_device_configured(dev))
		return -ENOTCONN;
	gp->trigger[s] = (uint8_t)(v * 255 + 0.5);
	return send_state(gp);
}

/* state [--json]: {"rumble":{"strong":S,"weak":W},"led":{"pattern":N,"name":"..."}|null} */
static int cmd_state(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	const struct gamepad *gp = gp_of(dev);
	struct json j;

	if (argc == 2 && strcmp(argv[1], "--json") != 0) {
		strbuf_printf(out, "usage: state [--json]");
		return -EINVAL;
	}
	if (argc == 1) {
		state_text(gp, "\n", out);
		return 0;
	}
	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "rumble");
	json_object_begin(&j);
	json_kv_uint(&j, "strong", gp->strong);
	json_kv_uint(&j, "weak", gp->weak);
	json_object_end(&j);
	json_key(&j, "led");
	if (gp->led < 0) {
		json_null(&j);
	} else {
		json_object_begin(&j);
		json_kv_int(&j, "pattern", gp->led);
		json_kv_str(&j, "name", led_patterns[gp->led]);
		json_object_end(&j);
	}
	json_object_end(&j);
	strbuf_printf(out, "\n");
	return 0;
}

static int cmd_watch(struct usb_device *dev, int argc, char **argv, int fd, struct strbuf *out)
{
	return watch_command(&gp_of(dev)->watchers, "gamepad", argc, argv, fd, out);
}

static void gp_describe(struct usb_device *dev, struct strbuf *out)
{
	state_text(gp_of(dev), ", ", out);
}

static const struct vusb_command gamepad_commands[] = {
	{ "press", "BUTTON...",
	  "hold buttons: a b x y lb rb back start guide ls rs up down left right", 1, 15, cmd_press,
	  NULL },
	{ "release", "BUTTON...", "let held buttons go", 1, 15, cmd_release, NULL },
	{ "stick", "left|right X Y", "move a stick: -1.0..1.0, right and up positive", 3, 3,
	  cmd_stick, NULL },
	{ "trigger", "left|right V", "pull a trigger: 0..1.0", 2, 2, cmd_trigger, NULL },
	{ "state", "[--json]", "what the host set: rumble strong and weak (0..255), LED pattern", 0,
	  1, cmd_state, NULL },
	{ "watch", "[--json]", "print each rumble and LED change the host makes, until ^C", 0, 1,
	  NULL, cmd_watch },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

const struct vusb_model gamepad_model = {
	.name = "gamepad",
	.summary = "Xbox 360 controller (xpad): buttons, sticks, triggers, rumble, LEDs",
	.create = gp_create,
	.destroy = gp_destroy,
	.commands = gamepad_commands,
	.describe = gp_describe,
	.send_report = gp_send_report,
};
