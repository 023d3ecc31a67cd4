// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hid/pointer.h"
#include "src/base/num.h"

/* Button N of the HID Button page is bit N-1; Linux maps 4 and 5 to
 * BTN_SIDE and BTN_EXTRA. */
static const char *const button_names[] = { "left", "right", "middle", "side", "extra" };

/* Other names for them: xdotool's click numbers (1 left, 2 middle,
 * 3 right, 8 back, 9 forward) and what browsers call side and extra. */
static const struct {
	const char *name;
	unsigned int index;
} button_aliases[] = {
	{ "1", 0 }, { "2", 2 }, { "3", 1 }, { "8", 3 }, { "9", 4 }, { "back", 3 }, { "forward", 4 },
};

int pointer_create(struct usb_device **ret, const struct hid_model_info *info, bool absolute,
		   unsigned int nbuttons, const struct vusb_dev_opts *opts, struct strbuf *err)
{
	struct pointer *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->absolute = absolute;
	p->nbuttons = nbuttons;
	r = hid_device_setup(&p->hd, info, opts, err);
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = &p->hd.usb;
	return 0;
}

void pointer_destroy(struct usb_device *dev)
{
	if (dev)
		free(pointer_of(dev));
}

void pointer_hid_reset(struct hid *h)
{
	struct pointer *p = container_of(hid_device_of_hid(h), struct pointer, hd);

	p->buttons = 0;
}

int pointer_parse_int(const char *what, const char *s, long min, long max, long *ret,
		      struct strbuf *err)
{
	long long v;

	if (num_parse(s, 10, min, max, &v) == 0) {
		*ret = (long)v;
		return 0;
	}
	strbuf_printf(err, "%s: '%s' is not a number from %ld to %ld", what, s, min, max);
	return -EINVAL;
}

int pointer_button(const char *name, unsigned int nbuttons)
{
	unsigned int i;

	for (i = 0; i < nbuttons && i < sizeof(button_names) / sizeof(button_names[0]); i++)
		if (!strcasecmp(name, button_names[i]))
			return 1 << i;
	for (i = 0; i < sizeof(button_aliases) / sizeof(button_aliases[0]); i++)
		if (!strcasecmp(name, button_aliases[i].name) && button_aliases[i].index < nbuttons)
			return 1 << button_aliases[i].index;
	return -EINVAL;
}

static int8_t clamp8(int v)
{
	if (v > POINTER_STEP_MAX)
		return POINTER_STEP_MAX;
	if (v < -POINTER_STEP_MAX)
		return -POINTER_STEP_MAX;
	return (int8_t)v;
}

void mouse_report(uint8_t r[MOUSE_REPORT_SIZE], uint8_t buttons, int dx, int dy, int wheel,
		  int pan)
{
	r[0] = buttons;
	r[1] = (uint8_t)clamp8(dx);
	r[2] = (uint8_t)clamp8(dy);
	r[3] = (uint8_t)clamp8(wheel);
	r[4] = (uint8_t)clamp8(pan);
}

void tablet_report(uint8_t r[TABLET_REPORT_SIZE], uint8_t buttons, uint16_t x, uint16_t y,
		   int wheel)
{
	r[0] = buttons;
	r[1] = x & 0xff;
	r[2] = x >> 8;
	r[3] = y & 0xff;
	r[4] = y >> 8;
	r[5] = (uint8_t)clamp8(wheel);
}

static unsigned int steps_of(long v)
{
	unsigned long a = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;

	return (unsigned int)((a + POINTER_STEP_MAX - 1) / POINTER_STEP_MAX);
}

unsigned int pointer_steps(long dx, long dy, long wheel, long pan)
{
	unsigned int n = steps_of(dx), m;

	m = steps_of(dy);
	n = m > n ? m : n;
	m = steps_of(wheel);
	n = m > n ? m : n;
	m = steps_of(pan);
	return m > n ? m : n;
}

/* The next step of a remaining count. */
static int take_step(long *rem)
{
	long s = *rem;

	if (s > POINTER_STEP_MAX)
		s = POINTER_STEP_MAX;
	else if (s < -POINTER_STEP_MAX)
		s = -POINTER_STEP_MAX;
	*rem -= s;
	return (int)s;
}

int pointer_send(struct pointer *p, long dx, long dy, long wheel, long pan)
{
	unsigned int n = pointer_steps(dx, dy, wheel, pan), i;
	uint8_t r[HID_REPORT_MAX];
	int ret;

	if (!n)
		n = 1;
	ret = hid_can_send(&p->hd.hid, n);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		int sx = take_step(&dx), sy = take_step(&dy);
		int sw = take_step(&wheel), sp = take_step(&pan);

		if (p->absolute)
			tablet_report(r, p->buttons, p->x, p->y, sw);
		else
			mouse_report(r, p->buttons, sx, sy, sw, sp);
		ret = hid_send(&p->hd.hid, r);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int bad_button(struct pointer *p, const char *name, struct strbuf *out)
{
	unsigned int i;

	strbuf_printf(out, "unknown button '%s' (", name);
	for (i = 0; i < p->nbuttons; i++)
		strbuf_printf(out, "%s%s", i ? ", " : "", button_names[i]);
	strbuf_printf(out, ")");
	return -EINVAL;
}

static int usage(const char *cmd, const char *args, struct strbuf *out)
{
	strbuf_printf(out, "usage: %s %s", cmd, args);
	return -EINVAL;
}

/* New button state, reported; or nothing changed when it cannot be. */
static int set_buttons(struct pointer *p, uint8_t buttons)
{
	int r = hid_can_send(&p->hd.hid, 1);

	if (r < 0)
		return r;
	p->buttons = buttons;
	return pointer_send(p, 0, 0, 0, 0);
}

int pointer_cmd_click(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct pointer *p = pointer_of(dev);
	int bit = POINTER_LEFT, r;

	if (argc > 2)
		return usage(argv[0], "[BUTTON]", out);
	if (argc == 2) {
		bit = pointer_button(argv[1], p->nbuttons);
		if (bit < 0)
			return bad_button(p, argv[1], out);
	}
	r = hid_can_send(&p->hd.hid, 2);
	if (r < 0)
		return r;
	r = set_buttons(p, p->buttons | (uint8_t)bit);
	if (r < 0)
		return r;
	return set_buttons(p, p->buttons & (uint8_t)~bit);
}

static int press_release(struct usb_device *dev, int argc, char **argv, struct strbuf *out,
			 bool press)
{
	struct pointer *p = pointer_of(dev);
	int bit;

	if (argc != 2)
		return usage(argv[0], "BUTTON", out);
	bit = pointer_button(argv[1], p->nbuttons);
	if (bit < 0)
		return bad_button(p, argv[1], out);
	return set_buttons(p, press ? p->buttons | (uint8_t)bit : p->buttons & (uint8_t)~bit);
}

int pointer_cmd_press(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	return press_release(dev, argc, argv, out, true);
}

int pointer_cmd_release(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	return press_release(dev, argc, argv, out, false);
}

int pointer_cmd_scroll(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	long n;
	int r;

	if (argc != 2)
		return usage(argv[0], "N", out);
	r = pointer_parse_int(argv[0], argv[1], -POINTER_REL_MAX, POINTER_REL_MAX, &n, out);
	if (r < 0)
		return r;
	return pointer_send(pointer_of(dev), 0, 0, n, 0);
}
