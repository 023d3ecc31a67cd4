// SPDX-License-Identifier: MIT
/*
 * The HID class and the mouse, keyboard and tablet models, end to end
 * through the real device core: URBs in through usb_device_submit(), out
 * through a fake host that collects completions, events and timers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/app/models.h"
#include "hid/hid.h"
#include "hid/hiddev.h"
#include "hid/models.h"
#include "hid/pointer.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

#define KBD_TYPE_TEST (HID_QUEUE_LEN / 2)
#define IN_CLASS 0xa1 /* class request to an interface, device to host */
#define OUT_CLASS 0x21

struct t {
	const struct vusb_model *model;
	struct usb_device *dev;
	struct fakehost host;
	struct strbuf out;
};

static struct t *t_new(const struct vusb_model *model, const struct vusb_dev_opts *o)
{
	struct vusb_dev_opts def = { .name = NULL, .vid = -1, .pid = -1 };
	struct t *t = calloc(1, sizeof(*t));
	struct strbuf err = { 0 };

	assert_non_null(t);
	t->model = model;
	fakehost_init(&t->host);
	if (fakehost_create(&t->host, model, o ? o : &def, &t->dev, &err) < 0)
		fail_msg("create %s: %s", model->name, strbuf_str(&err));
	strbuf_free(&err);
	return t;
}

static void t_free(struct t *t)
{
	/* Hand back anything still pending, as a transport would. */
	fakehost_disconnect(&t->host);
	fakehost_release(&t->host);
	t->model->destroy(t->dev);
	strbuf_free(&t->out);
	free(t);
}

static int control_in(struct t *t, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		      uint16_t length, void *data, uint32_t *ret_actual)
{
	return fakehost_control(&t->host, type, req, value, index, length, NULL, data, ret_actual);
}

static int control_out(struct t *t, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		       uint16_t length, const void *data)
{
	return fakehost_control(&t->host, type, req, value, index, length, data, NULL, NULL);
}

static void configure(struct t *t)
{
	assert_int_equal(control_out(t, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL), 0);
}

/* Submit an interrupt IN URB on endpoint 1. */
static struct usb_urb *submit_in(struct t *t, uint32_t length)
{
	struct usb_urb *u = fakehost_urb(&t->host, 1, true, length);

	fakehost_submit(&t->host, u);
	return u;
}

/* Read one interrupt report: it must complete at once with `len` bytes. */
static void expect_report(struct t *t, const uint8_t *want, size_t len)
{
	unsigned int before = t->host.ndone;
	struct usb_urb *u = submit_in(t, 64);

	assert_int_equal(t->host.ndone, before + 1);
	assert_ptr_equal(t->host.done[before], u);
	assert_int_equal(u->status, 0);
	assert_int_equal(u->actual, len);
	assert_memory_equal(u->buf, want, len);
	t->host.ndone--;
	fakehost_urb_free(&t->host, u);
}

#define EXPECT_REPORT(t, ...)                                          \
	do {                                                           \
		static const uint8_t want_[] = { __VA_ARGS__ };        \
		expect_report((t), want_, sizeof(want_));              \
	} while (0)

/* No report is waiting: an IN URB stays pending (and is cancelled). */
static void expect_no_report(struct t *t)
{
	unsigned int before = t->host.ndone;
	struct usb_urb *u = submit_in(t, 64);

	assert_int_equal(t->host.ndone, before);
	assert_int_equal(usb_ep_pending(t->dev, 0x81), 1);
	assert_ptr_equal(fakehost_unlink(&t->host, u->seqnum), u);
	fakehost_urb_free(&t->host, u);
}

/* Run a model command from words, as vusbctl would. */
static int cmd(struct t *t, const char *line)
{
	char buf[2048], *argv[600], *save = NULL, *tok;
	const struct vusb_command *c;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	assert_true(argc > 0);
	c = vusb_model_command(t->model, argv[0]);
	assert_non_null(c);
	strbuf_reset(&t->out);
	return c->run(t->dev, argc, argv, &t->out);
}

static int cmd_argv(struct t *t, int argc, char **argv)
{
	const struct vusb_command *c = vusb_model_command(t->model, argv[0]);

	assert_non_null(c);
	strbuf_reset(&t->out);
	return c->run(t->dev, argc, argv, &t->out);
}

static struct hid *hid_of(struct t *t)
{
	return &hid_device_of(t->dev)->hid;
}

/* ---------------------------------------------------------------- */
/* Descriptors */

static void test_registry(void **state)
{
	assert_ptr_equal(vusb_model_find("mouse"), &hid_mouse_model);
	assert_ptr_equal(vusb_model_find("keyboard"), &hid_keyboard_model);
	assert_ptr_equal(vusb_model_find("tablet"), &hid_tablet_model);
	assert_null(vusb_model_find("Mouse"));
	assert_null(vusb_model_find(""));
	assert_ptr_equal(vusb_models[0], &hid_mouse_model);
	/* Other classes register too: every entry is found by its own,
	 * unique name. */
	for (size_t i = 0; vusb_models[i]; i++) {
		assert_ptr_equal(vusb_model_find(vusb_models[i]->name), vusb_models[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(vusb_models[i]->name, vusb_models[j]->name);
	}
	assert_string_equal(vusb_model_command(&hid_mouse_model, "hscroll")->name, "hscroll");
	assert_null(vusb_model_command(&hid_tablet_model, "hscroll"));
	assert_null(vusb_model_command(&hid_keyboard_model, "move"));
	assert_string_equal(vusb_model_command(&hid_keyboard_model, "leds")->name, "leds");
}

static void test_mouse_descriptors(void **state)
{
	static const uint8_t want_dev[] = {
		18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x09, 0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 1,
	};
	static const uint8_t want_cfg[] = {
		9, 2, 34, 0, 1, 1, 0, 0x80, 50,		/* configuration */
		9, 4, 0, 0, 1, 3, 1, 2, 0,		/* interface: boot mouse */
		9, 0x21, 0x11, 0x01, 0, 1, 0x22, 61, 0, /* HID 1.11 */
		7, 5, 0x81, 3, 8, 0, 1,			/* EP 1 IN, interrupt, 1 ms */
	};
	struct vusb_dev_opts o = { .name = "mouse0", .vid = -1, .pid = -1 };
	struct t *t = t_new(&hid_mouse_model, &o);
	uint8_t buf[256];
	uint32_t n;

	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 64, buf, &n), 0);
	assert_int_equal(n, sizeof(want_dev));
	assert_memory_equal(buf, want_dev, sizeof(want_dev));
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, 255, buf, &n), 0);
	assert_int_equal(n, sizeof(want_cfg));
	assert_memory_equal(buf, want_cfg, sizeof(want_cfg));
	assert_int_equal(t->dev->speed, USB_SPEED_FULL);

	/* full speed only: no device qualifier */
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0600, 0, 10, buf, &n), -EPIPE);

	/* HID descriptor alone, as in the configuration */
	assert_int_equal(control_in(t, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2100, 0, 9, buf, &n), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(buf, want_cfg + 18, 9);

	/* strings */
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0301, 0x409, 255, buf, &n), 0);
	assert_int_equal(n, 10);
	assert_memory_equal(buf, "\x0a\x03v\0u\0s\0b\0", 10);
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0x409, 255, buf, &n), 0);
	assert_int_equal(n, 28);
	assert_memory_equal(buf, "\x1c\x03V\0i\0r\0t\0u\0a\0l\0 \0M\0o\0u\0s\0e\0", 28);
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0303, 0x409, 255, buf, &n), 0);
	assert_int_equal(n, 24);
	assert_memory_equal(buf, "\x18\x03v\0u\0s\0b\0-\0m\0o\0u\0s\0e\0\x30\0", 24);
	t_free(t);
}

static void test_report_descriptor_read(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);
	uint8_t buf[256];
	uint32_t n;

	/* before SET_CONFIGURATION too, with exactly wDescriptorLength */
	assert_int_equal(control_in(t, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 61, buf, &n), 0);
	assert_int_equal(n, 61);
	assert_int_equal(buf[0], 0x05);
	assert_int_equal(buf[60], 0xc0);
	/* more asked: what there is; less: truncated */
	assert_int_equal(control_in(t, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 255, buf, &n), 0);
	assert_int_equal(n, 61);
	assert_int_equal(control_in(t, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 7, buf, &n), 0);
	assert_int_equal(n, 7);
	/* index != 0, unknown type, wrong interface: stall */
	assert_int_equal(control_in(t, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2201, 0, 61, buf, &n), -EPIPE);
	assert_int_equal(control_in(t, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2300, 0, 61, buf, &n), -EPIPE);
	assert_int_equal(control_in(t, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 1, 61, buf, &n), -EPIPE);
	t_free(t);
}

/*
 * A small HID report descriptor checker: every item well formed,
 * collections balanced, and the bits of each report type add up to the
 * report sizes the class sends. What lsusb and the kernel's hid-core
 * would trip over.
 */
static int report_desc_bits(const uint8_t *d, size_t len, unsigned int bits[3])
{
	unsigned int size = 0, count = 0;
	int depth = 0;
	size_t i = 0;

	bits[0] = bits[1] = bits[2] = 0;
	while (i < len) {
		uint8_t prefix = d[i];
		unsigned int bsize = (prefix & 3) == 3 ? 4 : prefix & 3;
		uint32_t data = 0;
		unsigned int k;

		if (prefix == 0xfe || i + 1 + bsize > len)
			return -EINVAL; /* long item, or cut short */
		for (k = 0; k < bsize; k++)
			data |= (uint32_t)d[i + 1 + k] << (8 * k);
		switch (prefix & 0xfc) {
		case 0x74: /* Report Size */
			size = data;
			break;
		case 0x94: /* Report Count */
			count = data;
			break;
		case 0x80: /* Input */
			bits[0] += size * count;
			break;
		case 0x90: /* Output */
			bits[1] += size * count;
			break;
		case 0xb0: /* Feature */
			bits[2] += size * count;
			break;
		case 0xa0: /* Collection */
			depth++;
			break;
		case 0xc0: /* End Collection */
			if (--depth < 0)
				return -EINVAL;
			break;
		case 0x84: /* Report ID: the class sends none */
			return -EINVAL;
		}
		i += 1 + bsize;
	}
	return depth == 0 ? 0 : -EINVAL;
}

static void check_report_desc(const uint8_t *d, size_t len, unsigned int in_bits,
			      unsigned int out_bits, unsigned int feature_bits)
{
	unsigned int bits[3];

	assert_int_equal(report_desc_bits(d, len, bits), 0);
	assert_int_equal(bits[0], in_bits);
	assert_int_equal(bits[1], out_bits);
	assert_int_equal(bits[2], feature_bits);
}

static void check_model_desc(const struct vusb_model *m, uint16_t pid, uint8_t subclass,
			     uint8_t protocol, uint8_t interval, unsigned int in_len,
			     unsigned int out_len, const char *product)
{
	struct vusb_dev_opts o = { .name = "x7", .vid = -1, .pid = -1 };
	struct t *t = t_new(m, &o);
	uint8_t cfg[64], rd[256], s[256];
	uint32_t n, rlen;
	size_t i;

	assert_int_equal(t->dev->desc[10] | t->dev->desc[11] << 8, pid);
	assert_int_equal(t->dev->desc[8] | t->dev->desc[9] << 8, 0x1209);
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, 64, cfg, &n), 0);
	assert_int_equal(n, 34);
	assert_int_equal(cfg[7], 0x80);
	assert_int_equal(cfg[9 + 5], 3);
	assert_int_equal(cfg[9 + 6], subclass);
	assert_int_equal(cfg[9 + 7], protocol);
	assert_int_equal(cfg[18 + 2] | cfg[18 + 3] << 8, 0x0111);
	assert_int_equal(cfg[18 + 6], 0x22);
	assert_int_equal(cfg[27 + 2], 0x81);
	assert_int_equal(cfg[27 + 3], 3);
	assert_int_equal(cfg[27 + 4] | cfg[27 + 5] << 8, 8);
	assert_int_equal(cfg[27 + 6], interval);
	rlen = cfg[18 + 7] | cfg[18 + 8] << 8;

	assert_int_equal(control_in(t, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 255, rd, &n), 0);
	assert_int_equal(n, rlen);
	check_report_desc(rd, n, in_len * 8, out_len * 8, 0);

	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0x409, 255, s, &n), 0);
	assert_int_equal(n, 2 + 2 * strlen(product));
	for (i = 0; product[i]; i++)
		assert_int_equal(s[2 + 2 * i], product[i]);
	/* serial from the device name */
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0303, 0x409, 255, s, &n), 0);
	assert_int_equal(n, 2 + 2 * strlen("vusb-x7"));
	assert_int_equal(s[2 + 2 * 5], 'x');
	t_free(t);
}

static void test_model_descriptors(void **state)
{
	check_model_desc(&hid_mouse_model, 0x0001, 1, 2, 1, MOUSE_REPORT_SIZE, 0, "Virtual Mouse");
	check_model_desc(&hid_keyboard_model, 0x0002, 1, 1, 10, 8, 1, "Virtual Keyboard");
	check_model_desc(&hid_tablet_model, 0x0003, 0, 0, 1, TABLET_REPORT_SIZE, 0,
			 "Virtual Tablet");
}

static void test_checker_fails(void **state)
{
	/* The checker itself must catch what it is there to catch. */
	static const uint8_t unclosed[] = { 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x75, 0x08,
					    0x95, 0x01, 0x81, 0x02 };
	static const uint8_t extra_end[] = { 0xa1, 0x01, 0xc0, 0xc0 };
	static const uint8_t cut[] = { 0xa1, 0x01, 0x26, 0xff };
	static const uint8_t sized[] = { 0xa1, 0x01, 0x75, 0x08, 0x95, 0x03, 0x81, 0x02,
					 0x95, 0x01, 0x91, 0x02, 0xc0 };
	unsigned int bits[3];

	assert_int_equal(report_desc_bits(unclosed, sizeof(unclosed), bits), -EINVAL);
	assert_int_equal(report_desc_bits(extra_end, sizeof(extra_end), bits), -EINVAL);
	assert_int_equal(report_desc_bits(cut, sizeof(cut), bits), -EINVAL);
	assert_int_equal(report_desc_bits(sized, sizeof(sized), bits), 0);
	assert_int_equal(bits[0], 24);
	assert_int_equal(bits[1], 8);
	assert_int_equal(bits[2], 0);
}

static void test_options(void **state)
{
	struct vusb_dev_opts o = {
		.name = "m1", .vid = 0x1d6b, .pid = 0x0104, .serial = "S/N 42",
		.product = "Möuse", .manufacturer = "ACME", .speed = USB_SPEED_LOW,
	};
	struct t *t = t_new(&hid_mouse_model, &o);
	uint8_t buf[256];
	uint32_t n;

	assert_int_equal(t->dev->speed, USB_SPEED_LOW);
	assert_int_equal(t->dev->desc[7], 8);
	assert_memory_equal(t->dev->desc + 8, "\x6b\x1d\x04\x01", 4);
	assert_int_equal(t->dev->config[33], 10); /* low speed: >= 10 ms */
	assert_null(t->dev->qualifier);
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0301, 0x409, 255, buf, &n), 0);
	assert_memory_equal(buf, "\x0a\x03" "A\0C\0M\0E\0", 10);
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0x409, 255, buf, &n), 0);
	assert_memory_equal(buf, "\x0c\x03M\0\xf6\0u\0s\0e\0", 12);
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0303, 0x409, 255, buf, &n), 0);
	assert_memory_equal(buf, "\x0e\x03S\0/\0N\0 \0" "4\0" "2\0", 14);
	t_free(t);

	/* vid/pid 0 are real IDs, not "unset" */
	o = (struct vusb_dev_opts){ .vid = 0, .pid = 0, .instance = 3 };
	t = t_new(&hid_keyboard_model, &o);
	assert_memory_equal(t->dev->desc + 8, "\0\0\0\0", 4);
	assert_string_equal(t->dev->strings[3], "vusb-keyboard3");
	t_free(t);
}

static void test_high_speed(void **state)
{
	static const uint8_t want_q[] = { 10, 6, 0x00, 0x02, 0, 0, 0, 64, 1, 0 };
	struct vusb_dev_opts o = { .vid = -1, .pid = -1, .speed = USB_SPEED_HIGH };
	struct t *t = t_new(&hid_mouse_model, &o);
	uint8_t buf[64];
	uint32_t n;

	assert_int_equal(t->dev->speed, USB_SPEED_HIGH);
	assert_int_equal(t->dev->desc[7], 64);
	assert_int_equal(t->dev->config[33], 4); /* 2^3 microframes = 1 ms */
	assert_int_equal(control_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0600, 0, 10, buf, &n), 0);
	assert_int_equal(n, 10);
	assert_memory_equal(buf, want_q, 10);
	t_free(t);

	t = t_new(&hid_keyboard_model, &o);
	assert_int_equal(t->dev->config[33], 7); /* 2^6 microframes = 8 ms, <= 10 */
	t_free(t);
}

static void test_bad_options(void **state)
{
	static const struct {
		struct vusb_dev_opts o;
		const char *err;
	} bad[] = {
		{ { .vid = -1, .pid = -1, .speed = USB_SPEED_SUPER },
		  "a mouse cannot be super-speed: use low, full or high speed" },
		{ { .vid = -1, .pid = -1, .speed = (enum usb_speed)4 },
		  "a mouse cannot be unknown: use low, full or high speed" },
		{ { .vid = 0x10000, .pid = -1 }, "vendor id 0x10000 does not fit in 16 bits" },
		{ { .vid = -1, .pid = 0x12345 }, "product id 0x12345 does not fit in 16 bits" },
		{ { .vid = -1, .pid = -1, .product = "\xff" },
		  "product must be valid UTF-8 of at most 126 characters" },
		{ { .vid = -1, .pid = -1, .serial = "\xc3" },
		  "serial must be valid UTF-8 of at most 126 characters" },
		{ { .vid = -1,
		    .pid = -1,
		    .manufacturer = "0123456789012345678901234567890123456789012345678901234567890123"
				    "4567890123456789012345678901234567890123456789012345678901234567" },
		  "manufacturer must be valid UTF-8 of at most 126 characters" },
	};
	struct usb_device *dev = (struct usb_device *)0x1;
	struct strbuf err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		assert_int_equal(hid_mouse_model.create(&dev, &bad[i].o, &err), -EINVAL);
		assert_string_equal(strbuf_str(&err), bad[i].err);
		assert_ptr_equal(dev, (struct usb_device *)0x1);
	}
	strbuf_free(&err);
}

/* ---------------------------------------------------------------- */
/* Interrupt IN and the queue */

static void test_not_configured(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);
	struct usb_urb *u;

	assert_int_equal(cmd(t, "move 1 1"), -ENOTCONN);
	assert_int_equal(cmd(t, "click"), -ENOTCONN);
	/* no endpoint before SET_CONFIGURATION: a STALL */
	u = submit_in(t, 8);
	assert_int_equal(t->host.ndone, 1);
	assert_int_equal(u->status, -EPIPE);
	fakehost_free_done(&t->host);
	t_free(t);
}

static void test_pending_then_move(void **state)
{
	static const uint8_t want[] = { 0, 10, 0xfb, 0, 0 };
	struct t *t = t_new(&hid_mouse_model, NULL);
	struct usb_urb *u;

	configure(t);
	u = submit_in(t, 8);
	/* nothing to say: the URB waits, never a zero-length answer */
	assert_int_equal(t->host.ndone, 0);
	assert_int_equal(usb_ep_pending(t->dev, 0x81), 1);

	assert_int_equal(cmd(t, "move 10 -5"), 0);
	assert_int_equal(t->host.ndone, 1);
	assert_ptr_equal(t->host.done[0], u);
	assert_int_equal(u->status, 0);
	assert_int_equal(u->actual, 5);
	assert_memory_equal(u->buf, want, 5);
	assert_int_equal(hid_queued(hid_of(t)), 0);
	fakehost_free_done(&t->host);
	expect_no_report(t);
	t_free(t);
}

static void test_move_split(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);

	configure(t);
	assert_int_equal(cmd(t, "move 300 0"), 0);
	assert_int_equal(hid_queued(hid_of(t)), 3);
	EXPECT_REPORT(t, 0, 127, 0, 0, 0);
	EXPECT_REPORT(t, 0, 127, 0, 0, 0);
	EXPECT_REPORT(t, 0, 46, 0, 0, 0);
	expect_no_report(t);

	assert_int_equal(cmd(t, "move -300 10"), 0);
	EXPECT_REPORT(t, 0, 0x81, 10, 0, 0);
	EXPECT_REPORT(t, 0, 0x81, 0, 0, 0);
	EXPECT_REPORT(t, 0, 0xd2, 0, 0, 0);
	expect_no_report(t);

	assert_int_equal(cmd(t, "move 0 127"), 0);
	EXPECT_REPORT(t, 0, 0, 127, 0, 0);
	expect_no_report(t);

	assert_int_equal(cmd(t, "move 32767 -32767"), 0);
	assert_int_equal(hid_queued(hid_of(t)), 259);
	t_free(t);
}

static void test_pointer_pure(void **state)
{
	uint8_t r[8];

	assert_int_equal(pointer_steps(0, 0, 0, 0), 0);
	assert_int_equal(pointer_steps(1, 0, 0, 0), 1);
	assert_int_equal(pointer_steps(127, -127, 0, 0), 1);
	assert_int_equal(pointer_steps(128, 0, 0, 0), 2);
	assert_int_equal(pointer_steps(300, 0, 0, 0), 3);
	assert_int_equal(pointer_steps(0, -300, 0, 0), 3);
	assert_int_equal(pointer_steps(0, 0, 255, 0), 3);
	assert_int_equal(pointer_steps(0, 0, 0, -32767), 259);

	mouse_report(r, 0x1f, -1, 1, -127, 127);
	assert_memory_equal(r, "\x1f\xff\x01\x81\x7f", 5);
	mouse_report(r, 0, 500, -500, 0, 0);
	assert_memory_equal(r, "\x00\x7f\x81\x00\x00", 5);
	tablet_report(r, 0x05, 0x1234, 32767, -3);
	assert_memory_equal(r, "\x05\x34\x12\xff\x7f\xfd", 6);

	assert_int_equal(pointer_button("left", 5), 0x01);
	assert_int_equal(pointer_button("RIGHT", 5), 0x02);
	assert_int_equal(pointer_button("middle", 5), 0x04);
	assert_int_equal(pointer_button("side", 5), 0x08);
	assert_int_equal(pointer_button("extra", 5), 0x10);
	assert_int_equal(pointer_button("side", 3), -EINVAL);
	assert_int_equal(pointer_button("lef", 5), -EINVAL);
	assert_int_equal(pointer_button("", 5), -EINVAL);
	/* xdotool's click numbers, a browser's back and forward */
	assert_int_equal(pointer_button("1", 5), 0x01);
	assert_int_equal(pointer_button("2", 5), 0x04);
	assert_int_equal(pointer_button("3", 5), 0x02);
	assert_int_equal(pointer_button("8", 5), 0x08);
	assert_int_equal(pointer_button("9", 5), 0x10);
	assert_int_equal(pointer_button("Back", 5), 0x08);
	assert_int_equal(pointer_button("forward", 5), 0x10);
	assert_int_equal(pointer_button("8", 3), -EINVAL);
	assert_int_equal(pointer_button("4", 5), -EINVAL);
}

static void test_parse_int(void **state)
{
	static const char *const bad[] = { "", " 1", "1 ", "1x", "0x10", "--1", "+", "-",
					   "32768", "-32768", "99999999999999999999", "1.5" };
	struct strbuf err = { 0 };
	long v = 77;
	size_t i;

	assert_int_equal(pointer_parse_int("move", "0", -32767, 32767, &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(pointer_parse_int("move", "-32767", -32767, 32767, &v, &err), 0);
	assert_int_equal(v, -32767);
	assert_int_equal(pointer_parse_int("move", "+12", -32767, 32767, &v, &err), 0);
	assert_int_equal(v, 12);
	assert_int_equal(pointer_parse_int("move", "007", -32767, 32767, &v, &err), 0);
	assert_int_equal(v, 7);
	assert_int_equal(err.len, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 77;
		strbuf_reset(&err);
		if (pointer_parse_int("move", bad[i], -32767, 32767, &v, &err) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(v, 77);
	}
	strbuf_reset(&err);
	pointer_parse_int("scroll", "1x", -5, 5, &v, &err);
	assert_string_equal(strbuf_str(&err), "scroll: '1x' is not a number from -5 to 5");
	strbuf_free(&err);
}

static void test_mouse_commands(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);

	configure(t);
	assert_int_equal(cmd(t, "click"), 0);
	EXPECT_REPORT(t, 0x01, 0, 0, 0, 0);
	EXPECT_REPORT(t, 0x00, 0, 0, 0, 0);
	assert_int_equal(cmd(t, "click right"), 0);
	EXPECT_REPORT(t, 0x02, 0, 0, 0, 0);
	EXPECT_REPORT(t, 0x00, 0, 0, 0, 0);
	assert_int_equal(cmd(t, "click Extra"), 0);
	EXPECT_REPORT(t, 0x10, 0, 0, 0, 0);
	EXPECT_REPORT(t, 0x00, 0, 0, 0, 0);

	/* a held button stays in every report, motion too */
	assert_int_equal(cmd(t, "press middle"), 0);
	EXPECT_REPORT(t, 0x04, 0, 0, 0, 0);
	assert_int_equal(cmd(t, "press side"), 0);
	EXPECT_REPORT(t, 0x0c, 0, 0, 0, 0);
	assert_int_equal(cmd(t, "move 1 2"), 0);
	EXPECT_REPORT(t, 0x0c, 1, 2, 0, 0);
	assert_int_equal(cmd(t, "release middle"), 0);
	EXPECT_REPORT(t, 0x08, 0, 0, 0, 0);
	assert_int_equal(cmd(t, "release side"), 0);
	EXPECT_REPORT(t, 0x00, 0, 0, 0, 0);

	assert_int_equal(cmd(t, "scroll 3"), 0);
	EXPECT_REPORT(t, 0, 0, 0, 3, 0);
	assert_int_equal(cmd(t, "scroll -200"), 0);
	EXPECT_REPORT(t, 0, 0, 0, 0x81, 0);
	EXPECT_REPORT(t, 0, 0, 0, 0xb7, 0);
	assert_int_equal(cmd(t, "hscroll -2"), 0);
	EXPECT_REPORT(t, 0, 0, 0, 0, 0xfe);
	expect_no_report(t);

	/* errors explain and queue nothing */
	assert_int_equal(cmd(t, "click top"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out),
			    "unknown button 'top' (left, right, middle, side, extra)");
	assert_int_equal(cmd(t, "press"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "usage: press BUTTON");
	assert_int_equal(cmd(t, "move 1"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "usage: move DX DY");
	assert_int_equal(cmd(t, "move 1 y"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "move: 'y' is not a number from -32767 to 32767");
	assert_int_equal(cmd(t, "move 32768 0"), -EINVAL);
	assert_int_equal(cmd(t, "scroll 1.5"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out),
			    "scroll: '1.5' is not a number from -32767 to 32767");
	assert_int_equal(cmd(t, "hscroll"), -EINVAL);
	assert_int_equal(hid_queued(hid_of(t)), 0);
	t_free(t);
}

static void test_truncate(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);
	struct usb_urb *u;

	configure(t);
	assert_int_equal(cmd(t, "move 5 6"), 0);
	assert_int_equal(cmd(t, "move 7 8"), 0);
	u = submit_in(t, 2);
	assert_int_equal(t->host.ndone, 1);
	assert_int_equal(u->status, 0);
	assert_int_equal(u->actual, 2);
	assert_memory_equal(u->buf, "\x00\x05", 2);
	fakehost_free_done(&t->host);
	/* the next report is whole, not the rest of the last */
	EXPECT_REPORT(t, 0, 7, 8, 0, 0);

	/* a zero-length IN cannot carry a report and must not eat one */
	assert_int_equal(cmd(t, "move 9 9"), 0);
	u = submit_in(t, 0);
	assert_int_equal(t->host.ndone, 1);
	assert_int_not_equal(u->status, 0);
	assert_int_equal(u->actual, 0);
	fakehost_free_done(&t->host);
	EXPECT_REPORT(t, 0, 9, 9, 0, 0);
	t_free(t);
}

static void test_queue_full(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);
	unsigned int i;

	configure(t);
	for (i = 0; i < HID_QUEUE_LEN; i++)
		assert_int_equal(cmd(t, "move 1 0"), 0);
	assert_int_equal(cmd(t, "move 1 0"), -EAGAIN);
	assert_int_equal(cmd(t, "click"), -EAGAIN);
	assert_int_equal(hid_send(hid_of(t), (const uint8_t *)"\0\0\0\0\0"), -EAGAIN);
	assert_int_equal(hid_queued(hid_of(t)), HID_QUEUE_LEN);

	/* a click needs two: with one free slot, nothing is queued */
	EXPECT_REPORT(t, 0, 1, 0, 0, 0);
	assert_int_equal(cmd(t, "click"), -EAGAIN);
	assert_int_equal(hid_queued(hid_of(t)), HID_QUEUE_LEN - 1);
	/* and the failed click left no button held */
	assert_int_equal(cmd(t, "move 2 0"), 0);
	for (i = 0; i < HID_QUEUE_LEN - 1; i++)
		EXPECT_REPORT(t, 0, 1, 0, 0, 0);
	EXPECT_REPORT(t, 0, 2, 0, 0, 0);

	/* a long move is all or nothing too */
	for (i = 0; i < 300; i++)
		assert_int_equal(cmd(t, "move 1 0"), 0);
	assert_int_equal(cmd(t, "move 32767 0"), -EAGAIN);
	assert_int_equal(hid_queued(hid_of(t)), 300);
	t_free(t);
}

static void test_unlink_and_reset(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);
	struct usb_urb *u;
	uint8_t b[8];
	uint32_t n;

	configure(t);
	u = submit_in(t, 8);
	assert_ptr_equal(fakehost_unlink(&t->host, u->seqnum), u);
	fakehost_urb_free(&t->host, u);
	/* cancelled before any report: the report waits for the next URB */
	assert_int_equal(cmd(t, "press left"), 0);
	assert_int_equal(cmd(t, "move 3 3"), 0);
	assert_int_equal(hid_queued(hid_of(t)), 2);

	/* SET_CONFIGURATION again: queue dropped, buttons up */
	configure(t);
	assert_int_equal(hid_queued(hid_of(t)), 0);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0100, 0, 8, b, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(b, "\0\0\0\0\0", 5);
	expect_no_report(t);
	assert_int_equal(cmd(t, "move 1 1"), 0);
	EXPECT_REPORT(t, 0, 1, 1, 0, 0);

	/* unconfigured: commands refuse */
	assert_int_equal(control_out(t, 0x00, USB_REQ_SET_CONFIGURATION, 0, 0, 0, NULL), 0);
	assert_int_equal(cmd(t, "move 1 1"), -ENOTCONN);
	t_free(t);
}

/* ---------------------------------------------------------------- */
/* HID requests */

static void test_protocol(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);
	uint8_t b[8];
	uint32_t n;

	configure(t);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_PROTOCOL, 0, 0, 1, b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0], HID_PROTOCOL_REPORT);

	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_PROTOCOL, 0, 0, 0, NULL), 0);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_PROTOCOL, 0, 0, 1, b, &n), 0);
	assert_int_equal(b[0], HID_PROTOCOL_BOOT);
	/* boot reports: buttons, X, Y only */
	assert_int_equal(cmd(t, "press right"), 0);
	assert_int_equal(cmd(t, "scroll 1"), 0);
	assert_int_equal(cmd(t, "move -1 2"), 0);
	EXPECT_REPORT(t, 0x02, 0, 0);
	EXPECT_REPORT(t, 0x02, 0, 0);
	EXPECT_REPORT(t, 0x02, 0xff, 2);
	/* GET_REPORT follows the protocol too */
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0100, 0, 8, b, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(b, "\x02\xff\x02", 3);

	/* bad values stall */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_PROTOCOL, 2, 0, 0, NULL), -EPIPE);
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_GET_PROTOCOL, 0, 0, 0, NULL), -EPIPE);

	/* back to report protocol */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_PROTOCOL, 1, 0, 0, NULL), 0);
	assert_int_equal(cmd(t, "hscroll 1"), 0);
	EXPECT_REPORT(t, 0x02, 0, 0, 0, 1);

	/* SET_CONFIGURATION resets to report protocol */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_PROTOCOL, 0, 0, 0, NULL), 0);
	configure(t);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_PROTOCOL, 0, 0, 1, b, &n), 0);
	assert_int_equal(b[0], HID_PROTOCOL_REPORT);
	t_free(t);
}

static void test_tablet_not_boot(void **state)
{
	struct t *t = t_new(&hid_tablet_model, NULL);
	uint8_t b[8];
	uint32_t n;

	configure(t);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_PROTOCOL, 0, 0, 1, b, &n), -EPIPE);
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_PROTOCOL, 0, 0, 0, NULL), -EPIPE);
	t_free(t);
}

static void test_idle(void **state)
{
	struct t *t = t_new(&hid_keyboard_model, NULL);
	struct timespec ts = { 0, 6 * 1000 * 1000 };
	struct usb_urb *u;
	uint8_t b[8];
	uint32_t n;

	configure(t);
	/* keyboards default to 500 ms */
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_IDLE, 0, 0, 1, b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0], 125);

	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_IDLE, 0, 0, 0, NULL), 0);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_IDLE, 0, 0, 1, b, &n), 0);
	assert_int_equal(b[0], 0);
	assert_int_equal(t->host.armed_ms, 0);

	/* report IDs do not exist */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_IDLE, 0x0101, 0, 0, NULL), -EPIPE);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_IDLE, 1, 0, 1, b, &n), -EPIPE);

	/* 1 x 4 ms: the last report is repeated when nothing changed */
	assert_int_equal(cmd(t, "press shift+a"), 0);
	EXPECT_REPORT(t, 0x02, 0, 0x04, 0, 0, 0, 0, 0);
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_IDLE, 0x0100, 0, 0, NULL), 0);
	assert_int_equal(t->host.armed_ms, 4);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_IDLE, 0, 0, 1, b, &n), 0);
	assert_int_equal(b[0], 1);

	u = submit_in(t, 8);
	assert_int_equal(t->host.ndone, 0);
	nanosleep(&ts, NULL);
	usb_device_timer(t->dev);
	assert_int_equal(t->host.ndone, 1);
	assert_int_equal(u->actual, 8);
	assert_memory_equal(u->buf, "\x02\x00\x04\0\0\0\0\0", 8);
	fakehost_free_done(&t->host);
	/* and the period starts again */
	assert_true(t->dev->deadline_ms[0] != 0);
	assert_true(t->host.armed_ms >= 4);

	/* a change goes out first and restarts the period */
	assert_int_equal(cmd(t, "release a"), 0);
	EXPECT_REPORT(t, 0x02, 0, 0, 0, 0, 0, 0, 0);

	/* with idle 0 the timer is off and nothing repeats */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_IDLE, 0, 0, 0, NULL), 0);
	assert_int_equal(t->host.armed_ms, 0);
	u = submit_in(t, 8);
	nanosleep(&ts, NULL);
	usb_device_timer(t->dev);
	assert_int_equal(t->host.ndone, 0);
	assert_ptr_equal(fakehost_unlink(&t->host, u->seqnum), u);
	fakehost_urb_free(&t->host, u);

	/* SET_CONFIGURATION restores the default and stops the timer */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_IDLE, 0x0100, 0, 0, NULL), 0);
	assert_int_equal(t->host.armed_ms, 4);
	configure(t);
	assert_int_equal(t->dev->deadline_ms[0], 0);
	assert_int_equal(t->host.armed_ms, 0);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_IDLE, 0, 0, 1, b, &n), 0);
	assert_int_equal(b[0], 125);
	t_free(t);
}

static void test_get_report(void **state)
{
	struct t *t = t_new(&hid_mouse_model, NULL);
	uint8_t b[16];
	uint32_t n;

	configure(t);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0100, 0, 16, b, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(b, "\0\0\0\0\0", 5);
	/* the current state, even before the host read it */
	assert_int_equal(cmd(t, "press left"), 0);
	assert_int_equal(cmd(t, "move 4 0"), 0);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0100, 0, 16, b, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(b, "\x01\x04\0\0\0", 5);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0100, 0, 2, b, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(hid_queued(hid_of(t)), 2);

	/* no output or feature report, no report IDs */
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0200, 0, 1, b, &n), -EPIPE);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0300, 0, 1, b, &n), -EPIPE);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0101, 0, 8, b, &n), -EPIPE);
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 1, "\x01"),
			 -EPIPE);
	/* wrong direction, unknown request, vendor request */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_GET_REPORT, 0x0100, 0, 0, NULL), -EPIPE);
	assert_int_equal(control_in(t, IN_CLASS, 0x04, 0, 0, 1, b, &n), -EPIPE);
	assert_int_equal(control_in(t, 0xc1, HID_REQ_GET_REPORT, 0x0100, 0, 8, b, &n), -EPIPE);
	t_free(t);
}

static void test_leds(void **state)
{
	struct t *t = t_new(&hid_keyboard_model, NULL);
	struct strbuf d = { 0 };
	uint8_t b[8];
	uint32_t n;

	configure(t);
	assert_int_equal(t->host.nevents, 1);
	assert_string_equal(t->host.events[0], "configured");
	assert_int_equal(cmd(t, "leds"), 0);
	assert_string_equal(strbuf_str(&t->out), "none\n");

	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 1, "\x02"), 0);
	assert_int_equal(t->host.nevents, 2);
	assert_string_equal(t->host.events[1], "leds: caps_lock");
	assert_int_equal(cmd(t, "leds"), 0);
	assert_string_equal(strbuf_str(&t->out), "caps_lock\n");
	hid_keyboard_model.describe(t->dev, &d);
	assert_string_equal(strbuf_str(&d), "leds=caps_lock");
	strbuf_reset(&d);

	/* unchanged: no event */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 1, "\x02"), 0);
	assert_int_equal(t->host.nevents, 2);

	/* all five; the padding bits are ignored */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 1, "\xff"), 0);
	assert_string_equal(t->host.events[2], "leds: num_lock caps_lock scroll_lock compose kana");
	assert_int_equal(cmd(t, "leds"), 0);
	assert_string_equal(strbuf_str(&t->out), "num_lock caps_lock scroll_lock compose kana\n");
	hid_keyboard_model.describe(t->dev, &d);
	assert_string_equal(strbuf_str(&d), "leds=num_lock,caps_lock,scroll_lock,compose,kana");
	strbuf_reset(&d);
	assert_int_equal(control_in(t, IN_CLASS, HID_REQ_GET_REPORT, 0x0200, 0, 8, b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0], 0xff);

	/* the same LEDs without the padding bits: no change, no event */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 1, "\x1f"), 0);
	assert_int_equal(t->host.nevents, 3);

	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 1, "\x05"), 0);
	assert_string_equal(t->host.events[3], "leds: num_lock scroll_lock");
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 1, "\x00"), 0);
	assert_string_equal(t->host.events[4], "leds: none");
	hid_keyboard_model.describe(t->dev, &d);
	assert_string_equal(strbuf_str(&d), "leds=none");

	/* wrong length, type or ID: stall, LEDs unchanged */
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 2, "\x02\x00"),
			 -EPIPE);
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0200, 0, 0, NULL), -EPIPE);
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0300, 0, 1, "\x02"),
			 -EPIPE);
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0100, 0, 1, "\x02"),
			 -EPIPE);
	assert_int_equal(control_out(t, OUT_CLASS, HID_REQ_SET_REPORT, 0x0201, 0, 1, "\x02"),
			 -EPIPE);
	assert_int_equal(t->host.nevents, 5);
	assert_int_equal(cmd(t, "leds"), 0);
	assert_string_equal(strbuf_str(&t->out), "none\n");
	assert_int_equal(cmd(t, "leds x"), -EINVAL);
	strbuf_free(&d);
	t_free(t);
}

/* ---------------------------------------------------------------- */
/* Keyboard */

#define KEYS(m, ...) EXPECT_REPORT(t, m, 0, __VA_ARGS__)
#define NOKEYS() EXPECT_REPORT(t, 0, 0, 0, 0, 0, 0, 0, 0)

static void test_type(void **state)
{
	struct t *t = t_new(&hid_keyboard_model, NULL);
	char *argv[] = { "type", "Hi!", "a\tb\nc" };

	configure(t);
	assert_int_equal(cmd_argv(t, 3, argv), 0);
	assert_int_equal(hid_queued(hid_of(t)), 2 * 9);
	KEYS(0x02, 0x0b, 0, 0, 0, 0, 0); /* H */
	NOKEYS();
	KEYS(0x00, 0x0c, 0, 0, 0, 0, 0); /* i */
	NOKEYS();
	KEYS(0x02, 0x1e, 0, 0, 0, 0, 0); /* ! */
	NOKEYS();
	KEYS(0x00, 0x2c, 0, 0, 0, 0, 0); /* the space joining the words */
	NOKEYS();
	KEYS(0x00, 0x04, 0, 0, 0, 0, 0); /* a */
	NOKEYS();
	KEYS(0x00, 0x2b, 0, 0, 0, 0, 0); /* tab */
	NOKEYS();
	KEYS(0x00, 0x05, 0, 0, 0, 0, 0); /* b */
	NOKEYS();
	KEYS(0x00, 0x28, 0, 0, 0, 0, 0); /* enter */
	NOKEYS();
	KEYS(0x00, 0x06, 0, 0, 0, 0, 0); /* c */
	NOKEYS();
	expect_no_report(t);

	/* repeated characters get a key-up between them */
	assert_int_equal(cmd(t, "type oo"), 0);
	KEYS(0, 0x12, 0, 0, 0, 0, 0);
	NOKEYS();
	KEYS(0, 0x12, 0, 0, 0, 0, 0);
	NOKEYS();
	t_free(t);
}

/* What the waiting end of `type --wait` has received so far ("" when nothing). */
static const char *waited(int fd)
{
	static char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return n == 0 ? "EOF" : buf;
}

static void test_type_wait(void **state)
{
	struct t *t = t_new(&hid_keyboard_model, NULL);
	const struct vusb_command *c = vusb_model_command(t->model, "type");
	char *argv[] = { "type", "--wait", "ab" };
	int sv[2];

	configure(t);
	/* From the terminal (no stream to say done on): refused, nothing typed. */
	assert_int_equal(cmd(t, "type --wait ab"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out),
			    "type --wait: only through vusbctl (it sends the stream it waits on)");
	assert_int_equal(hid_queued(hid_of(t)), 0);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(c->run_fd(t->dev, 3, argv, sv[1], &t->out), 0);
	assert_int_equal(hid_queued(hid_of(t)), 4);
	KEYS(0x00, 0x04, 0, 0, 0, 0, 0);
	NOKEYS();
	KEYS(0x00, 0x05, 0, 0, 0, 0, 0);
	assert_string_equal(waited(sv[0]), "");
	/* The last report taken, but the host has not come back for more. */
	NOKEYS();
	assert_string_equal(waited(sv[0]), "");
	/* It asks again, with nothing queued: it has read everything. */
	expect_no_report(t);
	assert_string_equal(waited(sv[0]), "done\n");
	assert_string_equal(waited(sv[0]), "EOF");
	close(sv[0]);

	/* Configured again with reports unread (they are dropped): the
	 * stream ends without "done". */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(c->run_fd(t->dev, 3, argv, sv[1], &t->out), 0);
	KEYS(0x00, 0x04, 0, 0, 0, 0, 0);
	configure(t);
	assert_string_equal(waited(sv[0]), "EOF");
	close(sv[0]);

	/* A bad text: refused, and the stream closed. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	argv[2] = "\x01";
	assert_int_equal(c->run_fd(t->dev, 3, argv, sv[1], &t->out), -EINVAL);
	assert_string_equal(waited(sv[0]), "EOF");
	close(sv[0]);
	t_free(t);
}

static void test_type_bad(void **state)
{
	struct t *t = t_new(&hid_keyboard_model, NULL);
	char *utf8[] = { "type", "abc", "d\xc3\xa9" "f" };
	char *ctl[] = { "type", "ab\rc" };
	char big[KBD_TYPE_TEST + 2];

	configure(t);
	assert_int_equal(cmd_argv(t, 3, utf8), -EINVAL);
	assert_string_equal(strbuf_str(&t->out),
			    "type: cannot type '\xc3\xa9': a US keyboard types ASCII, newline and tab");
	assert_int_equal(cmd_argv(t, 2, ctl), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "type: cannot type control character 0x0d");
	assert_int_equal(hid_queued(hid_of(t)), 0);
	assert_int_equal(cmd(t, "type"), -EINVAL);

	/* 256 characters at once fit, 257 do not */
	memset(big, 'x', sizeof(big));
	big[KBD_TYPE_TEST] = '\0';
	{
		char *argv[] = { "type", big };

		assert_int_equal(cmd_argv(t, 2, argv), 0);
		assert_int_equal(hid_queued(hid_of(t)), HID_QUEUE_LEN);
		configure(t);
		big[KBD_TYPE_TEST] = 'x';
		big[KBD_TYPE_TEST + 1] = '\0';
		assert_int_equal(cmd_argv(t, 2, argv), -EINVAL);
		assert_string_equal(strbuf_str(&t->out),
				    "type: text too long (at most 256 characters at once)");
		assert_int_equal(hid_queued(hid_of(t)), 0);
	}
	/* full queue: -EAGAIN, nothing queued */
	assert_int_equal(cmd(t, "type a"), 0);
	{
		char *argv[] = { "type", big };

		big[KBD_TYPE_TEST] = '\0';
		assert_int_equal(cmd_argv(t, 2, argv), -EAGAIN);
		assert_int_equal(hid_queued(hid_of(t)), 2);
	}
	t_free(t);
}

static void test_key_combos(void **state)
{
	struct t *t = t_new(&hid_keyboard_model, NULL);

	configure(t);
	assert_int_equal(cmd(t, "key ctrl+alt+t SHIFT+F1 enter super+l rctrl+ralt+del"), 0);
	KEYS(0x05, 0x17, 0, 0, 0, 0, 0);
	NOKEYS();
	KEYS(0x02, 0x3a, 0, 0, 0, 0, 0);
	NOKEYS();
	KEYS(0x00, 0x28, 0, 0, 0, 0, 0);
	NOKEYS();
	KEYS(0x08, 0x0f, 0, 0, 0, 0, 0);
	NOKEYS();
	KEYS(0x50, 0x4c, 0, 0, 0, 0, 0);
	NOKEYS();
	expect_no_report(t);

	/* one bad combo: nothing queued */
	assert_int_equal(cmd(t, "key a ctrl+foo b"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "key: unknown key 'foo'");
	assert_int_equal(cmd(t, "key ctrl+"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "key: empty key name in 'ctrl+'");
	assert_int_equal(hid_queued(hid_of(t)), 0);
	t_free(t);
}

static void test_press_release_rollover(void **state)
{
	struct t *t = t_new(&hid_keyboard_model, NULL);

	configure(t);
	assert_int_equal(cmd(t, "press shift"), 0);
	KEYS(0x02, 0, 0, 0, 0, 0, 0);
	/* typing while shift is held */
	assert_int_equal(cmd(t, "type a"), 0);
	KEYS(0x02, 0x04, 0, 0, 0, 0, 0);
	KEYS(0x02, 0, 0, 0, 0, 0, 0);
	assert_int_equal(cmd(t, "press a"), 0);
	assert_int_equal(cmd(t, "press b"), 0);
	assert_int_equal(cmd(t, "press c"), 0);
	assert_int_equal(cmd(t, "press d"), 0);
	assert_int_equal(cmd(t, "press e"), 0);
	assert_int_equal(cmd(t, "press f"), 0);
	KEYS(0x02, 0x04, 0, 0, 0, 0, 0);
	KEYS(0x02, 0x04, 0x05, 0, 0, 0, 0);
	KEYS(0x02, 0x04, 0x05, 0x06, 0, 0, 0);
	KEYS(0x02, 0x04, 0x05, 0x06, 0x07, 0, 0);
	KEYS(0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0);
	KEYS(0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09);
	/* pressing a held key again changes nothing */
	assert_int_equal(cmd(t, "press A"), 0);
	expect_no_report(t);
	/* the seventh: ErrorRollOver, modifiers still there */
	assert_int_equal(cmd(t, "press g"), 0);
	KEYS(0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01);
	assert_int_equal(cmd(t, "release c"), 0);
	KEYS(0x02, 0x04, 0x05, 0x07, 0x08, 0x09, 0x0a);
	/* releasing what is not held changes nothing */
	assert_int_equal(cmd(t, "release z"), 0);
	assert_int_equal(cmd(t, "release ctrl"), 0);
	expect_no_report(t);
	assert_int_equal(cmd(t, "release shift+a+b"), 0);
	KEYS(0x00, 0x07, 0x08, 0x09, 0x0a, 0, 0);
	assert_int_equal(cmd(t, "release d+e+f+g"), 0);
	NOKEYS();

	assert_int_equal(cmd(t, "press nokey"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "press: unknown key 'nokey'");
	assert_int_equal(cmd(t, "press"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "usage: press KEY");

	/* a host reset lets go of everything */
	assert_int_equal(cmd(t, "press ctrl+x"), 0);
	configure(t);
	assert_int_equal(cmd(t, "type y"), 0);
	KEYS(0, 0x1c, 0, 0, 0, 0, 0);
	NOKEYS();
	t_free(t);
}

static void test_press_limit(void **state)
{
	struct t *t = t_new(&hid_keyboard_model, NULL);
	char line[32];
	int i;

	configure(t);
	for (i = 0; i < 16; i++) {
		snprintf(line, sizeof(line), "press f%d", i + 1);
		assert_int_equal(cmd(t, line), 0);
	}
	assert_int_equal(cmd(t, "press f17"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "press: too many keys held (at most 16)");
	assert_int_equal(hid_queued(hid_of(t)), 16);
	t_free(t);
}

/* ---------------------------------------------------------------- */
/* Tablet */

static void test_tablet(void **state)
{
	struct t *t = t_new(&hid_tablet_model, NULL);

	configure(t);
	assert_int_equal(cmd(t, "move 100 200"), 0);
	EXPECT_REPORT(t, 0, 0x64, 0, 0xc8, 0, 0);
	assert_int_equal(cmd(t, "move 32767 0"), 0);
	EXPECT_REPORT(t, 0, 0xff, 0x7f, 0, 0, 0);
	/* buttons and the wheel keep the position */
	assert_int_equal(cmd(t, "click middle"), 0);
	EXPECT_REPORT(t, 0x04, 0xff, 0x7f, 0, 0, 0);
	EXPECT_REPORT(t, 0x00, 0xff, 0x7f, 0, 0, 0);
	assert_int_equal(cmd(t, "scroll -130"), 0);
	EXPECT_REPORT(t, 0, 0xff, 0x7f, 0, 0, 0x81);
	EXPECT_REPORT(t, 0, 0xff, 0x7f, 0, 0, 0xfd);
	expect_no_report(t);

	assert_int_equal(cmd(t, "move -1 0"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "move: '-1' is not a number from 0 to 32767");
	assert_int_equal(cmd(t, "move 0 32768"), -EINVAL);
	assert_int_equal(cmd(t, "click side"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "unknown button 'side' (left, right, middle)");
	assert_int_equal(hid_queued(hid_of(t)), 0);
	t_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_mouse_descriptors),
		cmocka_unit_test(test_report_descriptor_read),
		cmocka_unit_test(test_model_descriptors),
		cmocka_unit_test(test_checker_fails),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_high_speed),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_not_configured),
		cmocka_unit_test(test_pending_then_move),
		cmocka_unit_test(test_move_split),
		cmocka_unit_test(test_pointer_pure),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_mouse_commands),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_unlink_and_reset),
		cmocka_unit_test(test_protocol),
		cmocka_unit_test(test_tablet_not_boot),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_get_report),
		cmocka_unit_test(test_leds),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_type_bad),
		cmocka_unit_test(test_type_wait),
		cmocka_unit_test(test_key_combos),
		cmocka_unit_test(test_press_release_rollover),
		cmocka_unit_test(test_press_limit),
		cmocka_unit_test(test_tablet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
