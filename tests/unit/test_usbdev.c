// SPDX-License-Identifier: MIT
/*
 * The device model (src/usb/usbdev.c) driven the way a transport drives it:
 * URBs in through usb_device_submit(), completions out through the fake
 * host (tests/lib/fakehost.h) that records them. A test device with two
 * functions of a test class covers endpoint 0, routing to classes and the
 * endpoint queues.
 *
 * Every URB buffer carries a canary after its `cap` bytes (fakehost's),
 * checked on completion, so an overrun fails here and not only under
 * valgrind.
 */
#include <assert.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

/* ---- the test device ---- */

#define CONFIG_LEN (9 + 9 + 7 + 7 + 9 + 7 + 9 + 7)

static const uint8_t device_desc[USB_DT_DEVICE_SIZE] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0200), 0, 0, 0, 64,
	U16_LE(0x1d6b), U16_LE(0x0104), U16_LE(0x0100), 1, 2, 3, 1,
};

/*
 * Interface 0 (function A): alt 0 with interrupt IN 0x81 and bulk OUT
 * 0x02, alt 1 with bulk IN 0x83. Interface 1 (function B): bulk IN 0x84.
 */
static const uint8_t config_desc[CONFIG_LEN] = {
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(CONFIG_LEN), 2, 1, 0,
	USB_CONFIG_ATT_ONE | USB_CONFIG_ATT_SELFPOWER, 50,
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 2, 0xff, 0, 0, 0,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 0x81, USB_ENDPOINT_XFER_INT, U16_LE(8), 10,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 0x02, USB_ENDPOINT_XFER_BULK, U16_LE(64), 0,
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 1, 1, 0xff, 0, 0, 0,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 0x83, USB_ENDPOINT_XFER_BULK, U16_LE(64), 0,
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 1, 0, 1, 0xff, 0, 0, 0,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 0x84, USB_ENDPOINT_XFER_BULK, U16_LE(64), 0,
};

static const uint8_t bos_desc[12] = {
	USB_DT_BOS_SIZE, USB_DT_BOS, U16_LE(12), 1,
	USB_DT_USB_EXT_CAP_SIZE, USB_DT_DEVICE_CAPABILITY, USB_CAP_TYPE_EXT, 0x02, 0, 0, 0,
};
static_assert(sizeof(bos_desc) == USB_DT_BOS_SIZE + USB_DT_USB_EXT_CAP_SIZE, "bos");

static const uint8_t qualifier_desc[USB_DT_QUALIFIER_SIZE] = {
	USB_DT_QUALIFIER_SIZE, USB_DT_DEVICE_QUALIFIER, U16_LE(0x0200), 0, 0, 0, 64, 1, 0,
};

/* A HID-like class descriptor that function A hands out. */
static const uint8_t report_desc[30] = {
	0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29,
	0x03, 0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0xc0, 0xc0, 0x00, 0x00,
};

/* Class requests the test class knows. */
#define TC_GET 0x01 /* IN: 4 bytes, the first names the function */
#define TC_SET 0x09 /* OUT: stores the data */
#define TC_TOO_LONG 0x0e /* IN: a class bug, answers one byte more than asked */

struct tclass {
	uint8_t id; /* 0xa0 for A, 0xb0 for B */
	/* IN data the class offers on its IN endpoints, once */
	uint8_t in[64];
	size_t in_len;
	/* OUT bytes received on its OUT endpoints */
	uint8_t out[256];
	size_t out_len;
	int xfer_ret; /* one-shot forced xfer() result, 0: behave */
	unsigned int xfer_calls;
	uint8_t last_xfer_ep; /* 0x81 style */

	unsigned int control_calls;
	struct usb_setup last_setup;
	size_t last_len;
	uint8_t ctl_data[64];
	size_t ctl_len;

	unsigned int resets;
	unsigned int set_alt_calls;
	unsigned int last_intf, last_alt;
	int set_alt_ret;
	unsigned int clear_halt_calls;
	uint8_t clear_halt_ep;
	bool data_on_clear_halt; /* clear_halt() makes one byte of IN data */
	unsigned int arm_on_reset; /* reset() arms the function's timer (ms) */
	unsigned int timer_calls;
};

struct fixture {
	struct usb_device dev;
	struct tclass a, b;
	struct usb_function *fa, *fb;
	uint8_t config[128]; /* mutable copy, zero past wTotalLength */

	struct fakehost host;
	/* raw_control: -EAGAIN (not yet), or what the "firmware" answers */
	int raw_answer;
	unsigned int raw_calls;
};

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static int tc_control(struct usb_function *f, const struct usb_setup *s, uint8_t *data, size_t len)
{
	struct tclass *tc = f->data;
	uint8_t answer[4] = { tc->id, 0x11, 0x22, 0x33 };

	tc->control_calls++;
	tc->last_setup = *s;
	tc->last_len = len;
	if (s->bRequest == TC_GET && (s->bmRequestType & USB_DIR_IN)) {
		memcpy(data, answer, min_size(len, sizeof(answer)));
		return (int)min_size(len, sizeof(answer));
	}
	if (s->bRequest == TC_SET && !(s->bmRequestType & USB_DIR_IN)) {
		tc->ctl_len = min_size(len, sizeof(tc->ctl_data));
		memcpy(tc->ctl_data, data, tc->ctl_len);
		return 0;
	}
	if (s->bRequest == TC_TOO_LONG && (s->bmRequestType & USB_DIR_IN))
		return (int)len + 1;
	return -EOPNOTSUPP;
}

/* Microsoft's OS string, which a UTF-8 table cannot hold: raw bytes. */
static const uint8_t msos_string[18] = {
	18, USB_DT_STRING, 'M', 0, 'S', 0, 'F', 0, 'T', 0, '1', 0, '0', 0, '0', 0, 0x42, 0,
};

static int tc_get_descriptor(struct usb_function *f, const struct usb_setup *s, uint8_t *data,
			     size_t len)
{
	size_t n = min_size(len, sizeof(report_desc));

	if (s->wValue == (USB_DT_STRING << 8 | 0xee)) {
		n = min_size(len, sizeof(msos_string));
		memcpy(data, msos_string, n);
		return (int)n;
	}
	if (s->wValue == (USB_DT_STRING << 8 | 0xef))
		return (int)len + 1; /* a class bug */
	if (s->wValue >> 8 != USB_DT_REPORT)
		return -EOPNOTSUPP;
	memcpy(data, report_desc, n);
	return (int)n;
}

static int tc_xfer(struct usb_function *f, struct usb_urb *urb)
{
	struct tclass *tc = f->data;
	int r;

	tc->xfer_calls++;
	tc->last_xfer_ep = (uint8_t)((urb->in ? USB_DIR_IN : 0) | urb->ep);
	if (tc->xfer_ret) {
		/* a failing class may have written part of an IN reply */
		if (urb->in && urb->cap) {
			urb->buf[0] = 0xff;
			urb->actual = 1;
		}
		r = tc->xfer_ret;
		tc->xfer_ret = 0;
		return r;
	}
	if (urb->in) {
		size_t n;

		if (!tc->in_len)
			return -EAGAIN;
		n = min_size(min_size(tc->in_len, urb->length), urb->cap);
		memcpy(urb->buf, tc->in, n);
		urb->actual = (uint32_t)n;
		tc->in_len = 0;
		return 0;
	}
	assert_true(tc->out_len + urb->actual <= sizeof(tc->out));
	memcpy(tc->out + tc->out_len, urb->buf, urb->actual);
	tc->out_len += urb->actual;
	return 0;
}

static void tc_clear_halt(struct usb_function *f, uint8_t epaddr)
{
	struct tclass *tc = f->data;

	tc->clear_halt_calls++;
	tc->clear_halt_ep = epaddr;
	if (tc->data_on_clear_halt) {
		tc->in[0] = 0xc1;
		tc->in_len = 1;
	}
}

static int tc_set_alt(struct usb_function *f, unsigned int intf, unsigned int alt)
{
	struct tclass *tc = f->data;

	tc->set_alt_calls++;
	tc->last_intf = intf;
	tc->last_alt = alt;
	return tc->set_alt_ret;
}

static void tc_reset(struct usb_function *f)
{
	struct tclass *tc = f->data;

	tc->resets++;
	if (tc->arm_on_reset)
		usb_function_arm_timer(f, tc->arm_on_reset);
}

static void tc_timer(struct usb_function *f)
{
	struct tclass *tc = f->data;

	tc->timer_calls++;
}

/* Function A: every callback. */
static const struct usb_class_ops ops_full = {
	.name = "test-full",
	.control = tc_control,
	.get_descriptor = tc_get_descriptor,
	.xfer = tc_xfer,
	.clear_halt = tc_clear_halt,
	.set_alt = tc_set_alt,
	.reset = tc_reset,
	.timer = tc_timer,
};

/* Function B: the minimum, so the core's defaults are exercised. */
static const struct usb_class_ops ops_min = {
	.name = "test-min",
	.control = tc_control,
	.xfer = tc_xfer,
	.reset = tc_reset,
};

/* ---- fake host ---- */

/*
 * One control transfer with a transfer buffer of `length` bytes (what the
 * host's URB has room for; normally wLength). Control transfers always
 * complete at once: returns the completion.
 */
static const struct usb_urb *ctl_len(struct fixture *fx, uint32_t length, uint8_t bm, uint8_t req,
				     uint16_t value, uint16_t index, uint16_t wlength,
				     const void *out)
{
	struct usb_setup s = { bm, req, value, index, wlength };
	uint32_t seq = fakehost_submit(&fx->host, fakehost_setup_urb(&fx->host, &s, length, out));
	const struct usb_urb *d = fakehost_done(&fx->host, seq);

	assert_non_null(d);
	/* the control URB is the last thing given back */
	assert_ptr_equal(d, fx->host.done[fx->host.ndone - 1]);
	return d;
}

static const struct usb_urb *ctl(struct fixture *fx, uint8_t bm, uint8_t req, uint16_t value,
				 uint16_t index, uint16_t wlength, const void *out)
{
	return ctl_len(fx, wlength, bm, req, value, index, wlength, out);
}

static void assert_stall(const struct usb_urb *d)
{
	assert_int_equal(d->status, -EPIPE);
	assert_int_equal(d->actual, 0);
}

static void assert_ok(const struct usb_urb *d)
{
	assert_int_equal(d->status, 0);
}

/* Completed with exactly `len` bytes of `want`. */
static void assert_data(const struct usb_urb *d, const void *want, size_t len)
{
	assert_int_equal(d->status, 0);
	assert_int_equal(d->actual, len);
	assert_memory_equal(d->buf, want, len);
}

#define REQ_IN_DEV (USB_DIR_IN | USB_TYPE_STANDARD | USB_RECIP_DEVICE)
#define REQ_OUT_DEV (USB_DIR_OUT | USB_TYPE_STANDARD | USB_RECIP_DEVICE)
#define REQ_IN_INTF (USB_DIR_IN | USB_TYPE_STANDARD | USB_RECIP_INTERFACE)
#define REQ_OUT_INTF (USB_DIR_OUT | USB_TYPE_STANDARD | USB_RECIP_INTERFACE)
#define REQ_IN_EP (USB_DIR_IN | USB_TYPE_STANDARD | USB_RECIP_ENDPOINT)
#define REQ_OUT_EP (USB_DIR_OUT | USB_TYPE_STANDARD | USB_RECIP_ENDPOINT)

static const struct usb_urb *get_desc(struct fixture *fx, uint8_t type, uint8_t index,
				      uint16_t wlength)
{
	return ctl(fx, REQ_IN_DEV, USB_REQ_GET_DESCRIPTOR, (uint16_t)(type << 8 | index),
		   type == USB_DT_STRING && index ? 0x0409 : 0, wlength, NULL);
}

static void set_config(struct fixture *fx, uint16_t value)
{
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_CONFIGURATION, value, 0, 0, NULL));
}

static void set_halt(struct fixture *fx, uint8_t epaddr)
{
	assert_ok(ctl(fx, REQ_OUT_EP, USB_REQ_SET_FEATURE, USB_ENDPOINT_HALT, epaddr, 0, NULL));
}

static void clear_halt(struct fixture *fx, uint8_t epaddr)
{
	assert_ok(ctl(fx, REQ_OUT_EP, USB_REQ_CLEAR_FEATURE, USB_ENDPOINT_HALT, epaddr, 0, NULL));
}

/* The two status bytes of GET_STATUS; -1 when it stalled. */
static int get_status(struct fixture *fx, uint8_t bm, uint16_t index)
{
	const struct usb_urb *d = ctl(fx, bm, USB_REQ_GET_STATUS, 0, index, 2, NULL);

	if (d->status == -EPIPE) {
		assert_int_equal(d->actual, 0);
		return -1;
	}
	assert_int_equal(d->status, 0);
	assert_int_equal(d->actual, 2);
	return d->buf[0] | d->buf[1] << 8;
}

static void offer(struct fixture *fx, struct tclass *tc, uint8_t epaddr, const void *data,
		  size_t len)
{
	assert_true(len <= sizeof(tc->in));
	memcpy(tc->in, data, len);
	tc->in_len = len;
	usb_ep_wake(&fx->dev, epaddr);
}

static void fixture_device(struct fixture *fx)
{
	struct usb_device *dev = &fx->dev;

	usb_device_init(dev);
	memcpy(dev->desc, device_desc, sizeof(device_desc));
	memset(fx->config, 0, sizeof(fx->config));
	memcpy(fx->config, config_desc, sizeof(config_desc));
	dev->config = fx->config;
	dev->speed = USB_SPEED_HIGH;
	dev->strings[1] = "vusb";
	dev->strings[2] = "T\xc3\xa9st \xe2\x82\xac\xf0\x9d\x84\x9e"; /* Tést €𝄞 */
	dev->strings[3] = "bad \xc3"; /* truncated UTF-8 */
	fakehost_init(&fx->host);
	fakehost_bind(&fx->host, dev);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fixture_device(fx);
	fx->a.id = 0xa0;
	fx->b.id = 0xb0;
	fx->fa = usb_device_add_function(&fx->dev, &ops_full, 0, 1, &fx->a);
	fx->fb = usb_device_add_function(&fx->dev, &ops_min, 1, 1, &fx->b);
	if (!fx->fa || !fx->fb || usb_device_validate(&fx->dev) < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	unsigned int pending;

	fakehost_disconnect(&fx->host);
	pending = fx->host.pending;
	fakehost_release(&fx->host);
	free(fx);
	/* every URB handed to the device came back exactly once */
	return pending == 0 ? 0 : -1;
}

/* ---- GET_DESCRIPTOR ---- */

static void test_descriptor_device(void **state)
{
	struct fixture *fx = *state;

	/* Linux asks for 64 bytes first: it gets the 18 there are. */
	assert_data(get_desc(fx, USB_DT_DEVICE, 0, 64), device_desc, 18);
	assert_data(get_desc(fx, USB_DT_DEVICE, 0, 18), device_desc, 18);
	/* Never more than asked. */
	assert_data(get_desc(fx, USB_DT_DEVICE, 0, 8), device_desc, 8);
	assert_data(get_desc(fx, USB_DT_DEVICE, 0, 1), device_desc, 1);
	assert_data(get_desc(fx, USB_DT_DEVICE, 0, 0), device_desc, 0);
	/* wLength rules even when the transfer buffer is larger. */
	assert_data(ctl_len(fx, 255, REQ_IN_DEV, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 8,
			    NULL),
		    device_desc, 8);
	/* Nor more than the transfer buffer holds, whatever wLength says. */
	assert_data(ctl_len(fx, 4, REQ_IN_DEV, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 64,
			    NULL),
		    device_desc, 4);
}

static void test_descriptor_config(void **state)
{
	struct fixture *fx = *state;

	/* First the 9-byte header (for wTotalLength), then all of it. */
	assert_data(get_desc(fx, USB_DT_CONFIG, 0, 9), config_desc, 9);
	assert_data(get_desc(fx, USB_DT_CONFIG, 0, CONFIG_LEN), config_desc, CONFIG_LEN);
	assert_data(get_desc(fx, USB_DT_CONFIG, 0, 255), config_desc, CONFIG_LEN);
	assert_data(get_desc(fx, USB_DT_CONFIG, 0, 20), config_desc, 20);
	/* One configuration only. */
	assert_stall(get_desc(fx, USB_DT_CONFIG, 1, 255));
	assert_stall(get_desc(fx, USB_DT_OTHER_SPEED_CONFIG, 0, 255));
}

static void test_descriptor_strings(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t langids[] = { 4, USB_DT_STRING, 0x09, 0x04 };
	static const uint8_t vusb[] = { 10, USB_DT_STRING, 'v', 0, 'u', 0, 's', 0, 'b', 0 };
	static const uint8_t test[] = {
		18, USB_DT_STRING, 'T', 0, 0xe9, 0, 's', 0, 't', 0, ' ', 0,
		0xac, 0x20, /* € U+20AC */
		0x34, 0xd8, 0x1e, 0xdd, /* 𝄞 U+1D11E as a surrogate pair */
	};

	assert_data(get_desc(fx, USB_DT_STRING, 0, 255), langids, sizeof(langids));
	assert_data(get_desc(fx, USB_DT_STRING, 0, 2), langids, 2);
	assert_data(get_desc(fx, USB_DT_STRING, 1, 255), vusb, sizeof(vusb));
	/* Windows and Linux read the first two bytes for the length. */
	assert_data(get_desc(fx, USB_DT_STRING, 1, 2), vusb, 2);
	assert_data(get_desc(fx, USB_DT_STRING, 2, 255), test, sizeof(test));
	assert_data(get_desc(fx, USB_DT_STRING, 2, 15), test, 15);
	/* Bad UTF-8, no string, out of range: stall (the first function
	 * has none of these either). */
	assert_stall(get_desc(fx, USB_DT_STRING, 3, 255));
	assert_stall(get_desc(fx, USB_DT_STRING, 4, 255));
	assert_stall(get_desc(fx, USB_DT_STRING, USB_MAX_STRINGS - 1, 255));
	assert_stall(get_desc(fx, USB_DT_STRING, USB_MAX_STRINGS, 255));
	assert_stall(get_desc(fx, USB_DT_STRING, 0xed, 255));

	/* Strings the table does not hold go to the first function's
	 * get_descriptor, as raw bytes, cut to wLength and the buffer. */
	assert_data(get_desc(fx, USB_DT_STRING, 0xee, 255), msos_string, sizeof(msos_string));
	assert_data(get_desc(fx, USB_DT_STRING, 0xee, 2), msos_string, 2);
	assert_data(ctl_len(fx, 5, REQ_IN_DEV, USB_REQ_GET_DESCRIPTOR, USB_DT_STRING << 8 | 0xee,
			    0, 255, NULL),
		    msos_string, 5);
	/* ... and a function answering more than asked gets a stall. */
	assert_stall(get_desc(fx, USB_DT_STRING, 0xef, 16));
}

static void test_descriptor_bos(void **state)
{
	struct fixture *fx = *state;

	/* A USB 2.0 device has no BOS, even if the model gave one. */
	fx->dev.bos = bos_desc;
	assert_stall(get_desc(fx, USB_DT_BOS, 0, 255));

	fx->dev.desc[2] = 0x01; /* bcdUSB 0x0201 */
	assert_data(get_desc(fx, USB_DT_BOS, 0, 255), bos_desc, sizeof(bos_desc));
	/* The kernel reads the 5-byte header first. */
	assert_data(get_desc(fx, USB_DT_BOS, 0, 5), bos_desc, 5);

	fx->dev.desc[2] = 0x10; /* 0x0210 */
	assert_data(get_desc(fx, USB_DT_BOS, 0, 12), bos_desc, 12);
	fx->dev.bos = NULL;
	assert_stall(get_desc(fx, USB_DT_BOS, 0, 255));
}

static void test_descriptor_qualifier(void **state)
{
	struct fixture *fx = *state;

	assert_stall(get_desc(fx, USB_DT_DEVICE_QUALIFIER, 0, 10));
	fx->dev.qualifier = qualifier_desc;
	assert_data(get_desc(fx, USB_DT_DEVICE_QUALIFIER, 0, 10), qualifier_desc, 10);
	assert_data(get_desc(fx, USB_DT_DEVICE_QUALIFIER, 0, 255), qualifier_desc, 10);
	assert_data(get_desc(fx, USB_DT_DEVICE_QUALIFIER, 0, 6), qualifier_desc, 6);
}

static void test_descriptor_unknown_types(void **state)
{
	struct fixture *fx = *state;

	assert_stall(get_desc(fx, USB_DT_INTERFACE, 0, 255));
	assert_stall(get_desc(fx, USB_DT_ENDPOINT, 0, 255));
	assert_stall(get_desc(fx, 0x0a, 0, 255)); /* DEBUG */
	assert_stall(get_desc(fx, 0x42, 0, 255));
	assert_stall(get_desc(fx, 0, 0, 255));
}

/* ---- GET_STATUS, features ---- */

static void test_get_status(void **state)
{
	struct fixture *fx = *state;

	/* Self-powered, as bmAttributes says; remote wakeup off. */
	assert_int_equal(get_status(fx, REQ_IN_DEV, 0), 0x0001);
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_FEATURE, USB_DEVICE_REMOTE_WAKEUP, 0, 0, NULL));
	assert_int_equal(get_status(fx, REQ_IN_DEV, 0), 0x0003);
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_CLEAR_FEATURE, USB_DEVICE_REMOTE_WAKEUP, 0, 0,
		      NULL));
	assert_int_equal(get_status(fx, REQ_IN_DEV, 0), 0x0001);
	fx->config[7] = USB_CONFIG_ATT_ONE; /* bus-powered */
	assert_int_equal(get_status(fx, REQ_IN_DEV, 0), 0x0000);

	/* Interfaces exist only once configured. */
	assert_int_equal(get_status(fx, REQ_IN_INTF, 0), -1);
	/* Endpoint 0 always answers; the others once configured. */
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x00), 0);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x80), 0);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x81), -1);

	set_config(fx, 1);
	assert_int_equal(get_status(fx, REQ_IN_INTF, 0), 0);
	assert_int_equal(get_status(fx, REQ_IN_INTF, 1), 0);
	assert_int_equal(get_status(fx, REQ_IN_INTF, 2), -1);
	assert_int_equal(get_status(fx, REQ_IN_INTF, 0xff), -1);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x81), 0);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x02), 0);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x84), 0);
	/* Not in the configuration, or in another alternate setting. */
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x01), -1);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x82), -1);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x83), -1);
	set_halt(fx, 0x81);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x81), 0x0001);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x02), 0);
}

static void test_device_features(void **state)
{
	struct fixture *fx = *state;

	/* High speed: the SuperSpeed link requests stall. */
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_FEATURE, USB_DEVICE_U1_ENABLE, 0, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_FEATURE, USB_DEVICE_U2_ENABLE, 0, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_ISOCH_DELAY, 40, 0, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_SEL, 0, 0, 6, "\0\0\0\0\0\0"));
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_FEATURE, USB_DEVICE_TEST_MODE, 0x0100, 0,
			 NULL));
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_FEATURE, 0x99, 0, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_CLEAR_FEATURE, USB_ENDPOINT_HALT, 0, 0, NULL));

	fx->dev.speed = USB_SPEED_SUPER;
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_FEATURE, USB_DEVICE_U1_ENABLE, 0, 0, NULL));
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_CLEAR_FEATURE, USB_DEVICE_U2_ENABLE, 0, 0, NULL));
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_ISOCH_DELAY, 40, 0, 0, NULL));
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_SEL, 0, 0, 6, "\1\2\3\4\5\6"));
	/* SET_ADDRESS is vhci's, but a peer sending one is not refused. */
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_ADDRESS, 3, 0, 0, NULL));
}

static void test_unknown_requests_stall(void **state)
{
	struct fixture *fx = *state;
	unsigned int calls = fx->a.control_calls + fx->b.control_calls;

	assert_stall(ctl(fx, REQ_IN_DEV, 0x55, 0, 0, 8, NULL));
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18,
			 device_desc));
	assert_stall(ctl(fx, REQ_IN_EP, USB_REQ_SYNCH_FRAME, 0, 0x81, 2, NULL));
	/* recipient "other" (3) and reserved recipients */
	assert_stall(ctl(fx, USB_DIR_IN | 0x03, USB_REQ_GET_STATUS, 0, 0, 2, NULL));
	assert_stall(ctl(fx, USB_DIR_IN | 0x1f, USB_REQ_GET_STATUS, 0, 0, 2, NULL));
	set_config(fx, 1);
	assert_stall(ctl(fx, REQ_IN_INTF, 0x55, 0, 0, 8, NULL));
	assert_stall(ctl(fx, REQ_IN_EP, 0x55, 0, 0x81, 8, NULL));
	assert_stall(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_FEATURE, 0, 0, 0, NULL));
	/* Standard requests never reach a class. */
	assert_int_equal(fx->a.control_calls + fx->b.control_calls, calls);
	/* And the device still works after all those stalls. */
	assert_data(get_desc(fx, USB_DT_DEVICE, 0, 18), device_desc, 18);
}

/* ---- configuration and interfaces ---- */

static void test_set_configuration(void **state)
{
	struct fixture *fx = *state;
	const struct usb_urb *d;
	uint32_t seq;

	d = ctl(fx, REQ_IN_DEV, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL);
	assert_data(d, "\0", 1);

	/* Only 0 and bConfigurationValue. */
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_CONFIGURATION, 2, 0, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_CONFIGURATION, 0x0101, 0, 0, NULL));
	assert_false(usb_device_configured(&fx->dev));
	assert_int_equal(fx->host.nevents, 0);
	assert_int_equal(fx->a.resets, 0);

	set_config(fx, 1);
	assert_true(usb_device_configured(&fx->dev));
	assert_int_equal(fx->a.resets, 1);
	assert_int_equal(fx->b.resets, 1);
	assert_int_equal(fx->host.nevents, 1);
	assert_string_equal(fakehost_last_event(&fx->host), "configured");
	assert_data(ctl(fx, REQ_IN_DEV, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL), "\1", 1);

	/* A bad value while configured changes nothing. */
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_CONFIGURATION, 7, 0, 0, NULL));
	assert_data(ctl(fx, REQ_IN_DEV, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL), "\1", 1);
	assert_int_equal(fx->a.resets, 1);

	/* A pending URB is given back when the configuration goes away. */
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_null(fakehost_done(&fx->host, seq));
	set_config(fx, 0);
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -ESHUTDOWN);
	assert_int_equal(fakehost_done(&fx->host, seq)->actual, 0);
	assert_false(usb_device_configured(&fx->dev));
	assert_int_equal(fx->a.resets, 2);
	assert_data(ctl(fx, REQ_IN_DEV, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL), "\0", 1);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 0);

	/* The value is bConfigurationValue, not "1". */
	fx->config[5] = 3;
	assert_stall(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL));
	assert_false(usb_device_configured(&fx->dev));
	set_config(fx, 3);
	assert_data(ctl(fx, REQ_IN_DEV, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL), "\3", 1);
}

static void test_endpoints_bound_only_when_configured(void **state)
{
	struct fixture *fx = *state;
	uint32_t seq;

	/* Before SET_CONFIGURATION no endpoint exists but 0. */
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	assert_int_equal(fx->a.xfer_calls, 0);

	set_config(fx, 1);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, 0);
	assert_int_equal(fakehost_done(&fx->host, seq)->actual, 4);
	assert_int_equal(fx->a.xfer_calls, 1);
	assert_int_equal(fx->a.last_xfer_ep, 0x02);
	/* Function B's endpoint goes to B. */
	fx->b.in[0] = 0x42;
	fx->b.in_len = 1;
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 4, true, 64));
	assert_data(fakehost_done(&fx->host, seq), "\x42", 1);
	assert_int_equal(fx->b.xfer_calls, 1);
	assert_int_equal(fx->a.xfer_calls, 1);

	/* Not in the configuration: the wrong direction, an unused number,
	 * an endpoint of an inactive alternate setting. */
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, true, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 15, true, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 3, true, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	assert_int_equal(fx->a.xfer_calls + fx->b.xfer_calls, 2);

	set_config(fx, 0);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	assert_int_equal(fx->a.xfer_calls, 1);
}

static void test_set_interface(void **state)
{
	struct fixture *fx = *state;
	uint32_t seq;

	/* Address state: no interfaces. */
	assert_stall(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL));
	assert_stall(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 0, 1, NULL));
	set_config(fx, 1);
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 0, 1, NULL), "\0", 1);

	assert_ok(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 1, 0, 0, NULL));
	assert_int_equal(fx->a.set_alt_calls, 1);
	assert_int_equal(fx->a.last_intf, 0);
	assert_int_equal(fx->a.last_alt, 1);
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 0, 1, NULL), "\1", 1);
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 1, 1, NULL), "\0", 1);
	/* alt 1's endpoint works, alt 0's are gone */
	fx->a.in[0] = 0x83;
	fx->a.in_len = 1;
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 3, true, 64));
	assert_data(fakehost_done(&fx->host, seq), "\x83", 1);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 1));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);

	/* Unknown alternate settings and interfaces stall, change nothing. */
	assert_stall(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 2, 0, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 0x101, 0, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 1, 1, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 0, 2, 0, NULL));
	assert_stall(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 2, 1, NULL));
	assert_int_equal(fx->a.set_alt_calls, 1);
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 0, 1, NULL), "\1", 1);

	/* A class without set_alt takes alternate setting 0 only. */
	assert_ok(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 0, 1, 0, NULL));

	/* A class that refuses: stall, alt stays. */
	fx->a.set_alt_ret = -EINVAL;
	assert_stall(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL));
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 0, 1, NULL), "\1", 1);
	fx->a.set_alt_ret = 0;

	/* Back to alt 0: its endpoints return. */
	assert_ok(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL));
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 1));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, 0);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 3, true, 1));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);

	/* SET_CONFIGURATION resets every interface to alt 0. */
	assert_ok(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 1, 0, 0, NULL));
	set_config(fx, 1);
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 0, 1, NULL), "\0", 1);
}

/* ---- halts ---- */

static void test_clear_halt(void **state)
{
	struct fixture *fx = *state;
	uint32_t seq;

	/* Always acknowledged, even for endpoints the device does not have:
	 * Linux clears halts it never saw. */
	clear_halt(fx, 0x81);
	clear_halt(fx, 0x00);
	clear_halt(fx, 0x8f);
	assert_int_equal(fx->a.clear_halt_calls, 0);

	set_config(fx, 1);
	clear_halt(fx, 0x05);
	clear_halt(fx, 0x81);
	assert_int_equal(fx->a.clear_halt_calls, 1);
	assert_int_equal(fx->a.clear_halt_ep, 0x81);

	/* SET_FEATURE(HALT) only on endpoints of the configuration. */
	assert_stall(ctl(fx, REQ_OUT_EP, USB_REQ_SET_FEATURE, USB_ENDPOINT_HALT, 0x83, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_EP, USB_REQ_SET_FEATURE, USB_ENDPOINT_HALT, 0x00, 0, NULL));
	/* Other endpoint features do not exist. */
	assert_stall(ctl(fx, REQ_OUT_EP, USB_REQ_SET_FEATURE, 1, 0x81, 0, NULL));
	assert_stall(ctl(fx, REQ_OUT_EP, USB_REQ_CLEAR_FEATURE, 1, 0x81, 0, NULL));

	set_halt(fx, 0x02);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x02), 1);
	/* A halted endpoint fails every URB without asking the class. */
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	assert_int_equal(fakehost_done(&fx->host, seq)->actual, 0);
	assert_int_equal(fx->a.xfer_calls, 0);

	clear_halt(fx, 0x02);
	assert_int_equal(fx->a.clear_halt_ep, 0x02);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x02), 0);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, 0);
	assert_int_equal(fx->a.xfer_calls, 1);

	/* What the class has after clear_halt() reaches waiting URBs
	 * (a halt the host clears without one being set, too). */
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_null(fakehost_done(&fx->host, seq));
	fx->a.data_on_clear_halt = true;
	clear_halt(fx, 0x81);
	assert_data(fakehost_done(&fx->host, seq), "\xc1", 1);
	/* the clear's own completion comes after */
	assert_int_equal(fx->host.done[fx->host.ndone - 2]->seqnum, seq);

	/* Function B has no clear_halt callback: still acknowledged. */
	set_halt(fx, 0x84);
	clear_halt(fx, 0x84);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x84), 0);
}

static void test_set_halt_fails_queued_urbs(void **state)
{
	struct fixture *fx = *state;
	uint32_t s1, s2, s3;

	set_config(fx, 1);
	/* Two interrupt IN URBs waiting for data. */
	s1 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	s2 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 2);

	/* The host halts the endpoint: what is queued fails as it would on
	 * the bus, with a STALL, and does not wait for data first. */
	set_halt(fx, 0x81);
	assert_non_null(fakehost_done(&fx->host, s1));
	assert_non_null(fakehost_done(&fx->host, s2));
	assert_int_equal(fakehost_done(&fx->host, s1)->status, -EPIPE);
	assert_int_equal(fakehost_done(&fx->host, s2)->status, -EPIPE);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 0);
	/* ... and so does what comes after, data or not. */
	fx->a.in_len = 1;
	s3 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_int_equal(fakehost_done(&fx->host, s3)->status, -EPIPE);
	assert_int_equal(fx->a.in_len, 1);

	clear_halt(fx, 0x81);
	s3 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_int_equal(fakehost_done(&fx->host, s3)->status, 0);
	assert_int_equal(fakehost_done(&fx->host, s3)->actual, 1);

	/* A class halting its own endpoint does the same. */
	s1 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_null(fakehost_done(&fx->host, s1));
	usb_ep_set_halt(&fx->dev, 0x81);
	assert_int_equal(fakehost_done(&fx->host, s1)->status, -EPIPE);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x81), 1);
}

static void test_xfer_errors(void **state)
{
	struct fixture *fx = *state;
	uint32_t seq;

	set_config(fx, 1);
	/* Any error completes the URB; only -EPIPE halts. */
	fx->a.xfer_ret = -EIO;
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EIO);
	assert_int_equal(fakehost_done(&fx->host, seq)->actual, 0);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x02), 0);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, 0);
	assert_int_equal(fakehost_done(&fx->host, seq)->actual, 4);

	fx->a.xfer_ret = -EPIPE;
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	assert_int_equal(get_status(fx, REQ_IN_EP, 0x02), 1);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	clear_halt(fx, 0x02);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 4));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, 0);

	/* An IN error carries no data even if the class wrote some. */
	fx->a.xfer_ret = -EOVERFLOW;
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EOVERFLOW);
	assert_int_equal(fakehost_done(&fx->host, seq)->actual, 0);
}

/* ---- class requests ---- */

static void test_class_requests_by_recipient(void **state)
{
	struct fixture *fx = *state;
	const struct usb_urb *d;
	static const uint8_t payload[3] = { 1, 2, 3 };
	const uint8_t cls_in = USB_DIR_IN | USB_TYPE_CLASS;
	const uint8_t cls_out = USB_DIR_OUT | USB_TYPE_CLASS;

	/* Interface recipient: by wIndex's low byte. */
	d = ctl(fx, cls_in | USB_RECIP_INTERFACE, TC_GET, 0, 0, 4, NULL);
	assert_data(d, "\xa0\x11\x22\x33", 4);
	d = ctl(fx, cls_in | USB_RECIP_INTERFACE, TC_GET, 0, 1, 4, NULL);
	assert_data(d, "\xb0\x11\x22\x33", 4);
	assert_int_equal(fx->b.last_setup.wIndex, 1);
	assert_int_equal(fx->b.last_setup.bmRequestType, cls_in | USB_RECIP_INTERFACE);
	d = ctl(fx, cls_in | USB_RECIP_INTERFACE, TC_GET, 0, 0x0301, 4, NULL);
	assert_data(d, "\xb0\x11\x22\x33", 4);
	/* The class is offered what was asked, and no more is sent. */
	d = ctl(fx, cls_in | USB_RECIP_INTERFACE, TC_GET, 0, 0, 2, NULL);
	assert_data(d, "\xa0\x11", 2);
	assert_int_equal(fx->a.last_len, 2);
	d = ctl_len(fx, 3, cls_in | USB_RECIP_INTERFACE, TC_GET, 0, 1, 64, NULL);
	assert_data(d, "\xb0\x11\x22", 3);
	/* No such interface. */
	assert_stall(ctl(fx, cls_in | USB_RECIP_INTERFACE, TC_GET, 0, 2, 4, NULL));
	assert_stall(ctl(fx, cls_in | USB_RECIP_INTERFACE, TC_GET, 0, 0xff, 4, NULL));

	/* Device recipient: the first function. */
	d = ctl(fx, cls_in | USB_RECIP_DEVICE, TC_GET, 0, 0, 4, NULL);
	assert_data(d, "\xa0\x11\x22\x33", 4);
	/* Vendor requests take the same way. */
	d = ctl(fx, USB_DIR_IN | USB_TYPE_VENDOR | USB_RECIP_INTERFACE, TC_GET, 0, 1, 4, NULL);
	assert_data(d, "\xb0\x11\x22\x33", 4);

	/* Endpoint recipient: the function owning it, once configured. */
	assert_stall(ctl(fx, cls_in | USB_RECIP_ENDPOINT, TC_GET, 0, 0x84, 4, NULL));
	set_config(fx, 1);
	d = ctl(fx, cls_in | USB_RECIP_ENDPOINT, TC_GET, 0, 0x84, 4, NULL);
	assert_data(d, "\xb0\x11\x22\x33", 4);
	d = ctl(fx, cls_in | USB_RECIP_ENDPOINT, TC_GET, 0, 0x02, 4, NULL);
	assert_data(d, "\xa0\x11\x22\x33", 4);
	assert_stall(ctl(fx, cls_in | USB_RECIP_ENDPOINT, TC_GET, 0, 0x04, 4, NULL));
	/* "Other" has no function. */
	assert_stall(ctl(fx, cls_in | 0x03, TC_GET, 0, 0, 4, NULL));

	/* OUT with data: the class gets exactly the bytes sent. */
	d = ctl(fx, cls_out | USB_RECIP_INTERFACE, TC_SET, 0x0200, 1, 3, payload);
	assert_int_equal(d->status, 0);
	assert_int_equal(d->actual, 3);
	assert_int_equal(fx->b.ctl_len, 3);
	assert_memory_equal(fx->b.ctl_data, payload, 3);
	assert_int_equal(fx->b.last_setup.wValue, 0x0200);
	assert_int_equal(fx->a.ctl_len, 0);

	/* Not the class's request, or a class answering more than asked. */
	assert_stall(ctl(fx, cls_in | USB_RECIP_INTERFACE, 0x77, 0, 0, 4, NULL));
	assert_stall(ctl(fx, cls_out | USB_RECIP_INTERFACE, TC_GET, 0, 0, 0, NULL));
	assert_stall(ctl(fx, cls_in | USB_RECIP_INTERFACE, TC_TOO_LONG, 0, 0, 4, NULL));
}

static void test_interface_get_descriptor(void **state)
{
	struct fixture *fx = *state;
	const uint16_t report = USB_DT_REPORT << 8;

	/* Before SET_CONFIGURATION too: hosts read report descriptors early. */
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_DESCRIPTOR, report, 0, 255, NULL), report_desc,
		    sizeof(report_desc));
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_DESCRIPTOR, report, 0, 10, NULL), report_desc,
		    10);
	assert_data(ctl_len(fx, 7, REQ_IN_INTF, USB_REQ_GET_DESCRIPTOR, report, 0, 255, NULL),
		    report_desc, 7);
	/* A descriptor type the class does not have; a class with no
	 * get_descriptor; no such interface. */
	assert_stall(ctl(fx, REQ_IN_INTF, USB_REQ_GET_DESCRIPTOR, USB_DT_HID << 8, 0, 9, NULL));
	assert_stall(ctl(fx, REQ_IN_INTF, USB_REQ_GET_DESCRIPTOR, report, 1, 255, NULL));
	assert_stall(ctl(fx, REQ_IN_INTF, USB_REQ_GET_DESCRIPTOR, report, 5, 255, NULL));
}

/* ---- endpoint queues ---- */

/* A firmware-driven endpoint 0: it answers 0xf0 0xf1 ... to IN requests. */
static int raw_control(struct usb_function *f, struct usb_urb *urb)
{
	struct fixture *fx = f->data;
	uint32_t i;

	fx->raw_calls++;
	if (fx->raw_answer == -EAGAIN)
		return -EAGAIN;
	if (fx->raw_answer == 0 && urb->in) {
		for (i = 0; i < urb->length && i < 4; i++)
			urb->buf[i] = (uint8_t)(0xf0 + i);
		urb->actual = i;
	}
	return fx->raw_answer;
}

/* A class that answers endpoint 0 itself, as firmware with its own USB stack. */
static const struct usb_class_ops raw_ops = {
	.name = "raw",
	.xfer = raw_control,
	.ep0 = true,
};

static struct usb_urb *ctl_urb(struct fixture *fx, uint8_t bm, uint8_t req, uint16_t value,
			       uint16_t wlength)
{
	return fakehost_control_urb(&fx->host, bm, req, value, 0, wlength, NULL);
}

/*
 * A class with .ep0 takes every control URB, standard ones too, in order, one
 * at a time, completing when the firmware has answered; the core follows
 * the configuration it accepted; a STALL does not halt endpoint 0.
 */
static void test_raw_control(void **state)
{
	struct fixture *fx = *state;
	struct usb_urb *urb;
	uint32_t s1, s2, s3;
	unsigned int events;

	assert_non_null(usb_device_add_function(&fx->dev, &raw_ops, USB_MAX_INTERFACES - 1, 1, fx));
	fx->raw_answer = -EAGAIN;
	s1 = fakehost_submit(&fx->host,
			     ctl_urb(fx, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 18));
	/* not answered by the core from its descriptors: held for the firmware */
	assert_null(fakehost_done(&fx->host, s1));
	assert_int_equal(fx->raw_calls, 1);
	assert_int_equal(usb_ep_pending(&fx->dev, 0), 1);
	s2 = fakehost_submit(&fx->host, ctl_urb(fx, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0));
	/* queued behind the first; only the oldest is offered */
	assert_int_equal(fx->raw_calls, 2);
	assert_int_equal(usb_ep_pending(&fx->dev, 0), 2);
	assert_int_equal(fx->dev.configuration, 0);
	/* the firmware answers: both complete, in order */
	events = fx->host.nevents;
	fx->raw_answer = 0;
	usb_ep_wake(&fx->dev, 0);
	assert_int_equal(fakehost_done(&fx->host, s1)->status, 0);
	assert_int_equal(fakehost_done(&fx->host, s1)->actual, 4);
	assert_int_equal(fakehost_done(&fx->host, s1)->buf[0], 0xf0);
	assert_int_equal(fakehost_done(&fx->host, s2)->status, 0);
	assert_int_equal(fakehost_done_index(&fx->host, s1) + 1,
			 fakehost_done_index(&fx->host, s2));
	assert_int_equal(usb_ep_pending(&fx->dev, 0), 0);
	/* the core follows the configuration the firmware accepted */
	assert_int_equal(fx->dev.configuration, 1);
	assert_int_equal(fx->host.nevents, events + 1);
	assert_string_equal(fakehost_last_event(&fx->host), "configured");
	/* ... but not one it refused */
	fx->raw_answer = -EPIPE;
	s1 = fakehost_submit(&fx->host, ctl_urb(fx, 0x00, USB_REQ_SET_CONFIGURATION, 2, 0));
	assert_stall(fakehost_done(&fx->host, s1));
	assert_int_equal(fx->dev.configuration, 1);
	/* a STALL is this transfer's: the next one is offered all the same */
	fx->raw_answer = 0;
	s1 = fakehost_submit(&fx->host, ctl_urb(fx, 0x80, USB_REQ_GET_STATUS, 0, 2));
	assert_int_equal(fakehost_done(&fx->host, s1)->status, 0);
	assert_int_equal(fakehost_done(&fx->host, s1)->actual, 2);
	s1 = fakehost_submit(&fx->host, ctl_urb(fx, 0x00, USB_REQ_SET_CONFIGURATION, 0, 0));
	assert_int_equal(fakehost_done(&fx->host, s1)->status, 0);
	assert_int_equal(fx->dev.configuration, 0);
	assert_int_equal(fx->host.nevents, events + 1);
	/* a pending one can be unlinked; then the next is the head */
	fx->raw_answer = -EAGAIN;
	s1 = fakehost_submit(&fx->host, ctl_urb(fx, 0xc0, 0x42, 0, 4));
	s2 = fakehost_submit(&fx->host, ctl_urb(fx, 0xc0, 0x43, 0, 4));
	urb = fakehost_unlink(&fx->host, s1);
	assert_non_null(urb);
	fakehost_urb_free(&fx->host, urb);
	fx->raw_answer = 0;
	usb_ep_wake(&fx->dev, 0);
	assert_null(fakehost_done(&fx->host, s1));
	assert_int_equal(fakehost_done(&fx->host, s2)->status, 0);
	/* the host going away drops what is queued */
	fx->raw_answer = -EAGAIN;
	s3 = fakehost_submit(&fx->host,
			     ctl_urb(fx, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_CONFIG << 8, 9));
	fakehost_disconnect(&fx->host);
	assert_null(fakehost_done(&fx->host, s3));
	assert_int_equal(fx->host.drops, 1);
	assert_int_equal(fx->host.pending, 0);
}

static void test_pending_until_wake(void **state)
{
	struct fixture *fx = *state;
	uint32_t s1, s2, s3;

	set_config(fx, 1);
	s1 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	/* No data: the URB stays queued, nothing is completed. */
	assert_null(fakehost_done(&fx->host, s1));
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 1);
	assert_int_equal(fx->a.xfer_calls, 1);
	/* A wake with still nothing to give changes nothing. */
	usb_ep_wake(&fx->dev, 0x81);
	assert_null(fakehost_done(&fx->host, s1));
	assert_int_equal(fx->a.xfer_calls, 2);

	s2 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	s3 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 2));
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 3);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x01), 0);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x02), 0);

	/* Data: the oldest URB gets it, the others keep waiting. */
	offer(fx, &fx->a, 0x81, "\x01\x02\x03", 3);
	assert_data(fakehost_done(&fx->host, s1), "\x01\x02\x03", 3);
	assert_null(fakehost_done(&fx->host, s2));
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 2);
	offer(fx, &fx->a, 0x81, "\x04", 1);
	assert_data(fakehost_done(&fx->host, s2), "\x04", 1);
	/* Never more than the URB asked for. */
	offer(fx, &fx->a, 0x81, "\x05\x06\x07\x08", 4);
	assert_data(fakehost_done(&fx->host, s3), "\x05\x06", 2);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 0);
	assert_int_equal(fx->host.ndone, 1 + 3); /* SET_CONFIGURATION and the three */
}

static void test_unlink(void **state)
{
	struct fixture *fx = *state;
	struct usb_urb *urb;
	uint32_t s1, s2, s3;
	unsigned int ndone;

	set_config(fx, 1);
	s1 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	s2 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	s3 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 2, false, 2));
	assert_int_equal(fakehost_done(&fx->host, s3)->status, 0);
	ndone = fx->host.ndone;

	/* Pending: handed back to the caller, not completed. */
	urb = fakehost_unlink(&fx->host, s2);
	assert_non_null(urb);
	assert_int_equal(urb->seqnum, s2);
	assert_int_equal(fx->host.ndone, ndone);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x81), 1);
	fakehost_urb_free(&fx->host, urb);
	/* Only once. */
	assert_null(fakehost_unlink(&fx->host, s2));
	/* Completed already, or never seen. */
	assert_null(fakehost_unlink(&fx->host, s3));
	assert_null(fakehost_unlink(&fx->host, 0xdeadbeef));

	/* The remaining URB is unaffected and is the one that gets data. */
	offer(fx, &fx->a, 0x81, "\x09", 1);
	assert_data(fakehost_done(&fx->host, s1), "\x09", 1);
	assert_null(fakehost_done(&fx->host, s2));
	/* The first one, unlinked while it was the head of the queue. */
	s1 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	s2 = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 1, true, 8));
	urb = fakehost_unlink(&fx->host, s1);
	assert_non_null(urb);
	fakehost_urb_free(&fx->host, urb);
	offer(fx, &fx->a, 0x81, "\x0a", 1);
	assert_data(fakehost_done(&fx->host, s2), "\x0a", 1);
	assert_null(fakehost_done(&fx->host, s1));
}

static void test_disconnect(void **state)
{
	struct fixture *fx = *state;
	uint32_t seq;
	unsigned int ndone, arms;

	set_config(fx, 1);
	assert_ok(ctl(fx, REQ_OUT_DEV, USB_REQ_SET_FEATURE, USB_DEVICE_REMOTE_WAKEUP, 0, 0, NULL));
	assert_ok(ctl(fx, REQ_OUT_INTF, USB_REQ_SET_INTERFACE, 1, 0, 0, NULL));
	fakehost_submit(&fx->host, fakehost_urb(&fx->host, 3, true, 8));
	fakehost_submit(&fx->host, fakehost_urb(&fx->host, 3, true, 8));
	fakehost_submit(&fx->host, fakehost_urb(&fx->host, 4, true, 8));
	assert_int_equal(usb_ep_pending(&fx->dev, 0x83), 2);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x84), 1);
	ndone = fx->host.ndone;
	arms = fx->host.arm_calls;

	fakehost_disconnect(&fx->host);
	/* Dropped, not completed: there is nobody to send RET_SUBMIT to. */
	assert_int_equal(fx->host.drops, 3);
	assert_int_equal(fx->host.ndone, ndone);
	assert_int_equal(fx->host.pending, 0);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x83), 0);
	assert_int_equal(usb_ep_pending(&fx->dev, 0x84), 0);
	assert_false(usb_device_configured(&fx->dev));
	assert_int_equal(fx->a.resets, 2);
	assert_int_equal(fx->b.resets, 2);
	assert_int_equal(fx->host.arm_calls, arms + 1);
	assert_int_equal(fx->host.armed_ms, 0);

	/* A fresh host finds an unconfigured device. */
	assert_int_equal(get_status(fx, REQ_IN_DEV, 0), 0x0001);
	seq = fakehost_submit(&fx->host, fakehost_urb(&fx->host, 4, true, 8));
	assert_int_equal(fakehost_done(&fx->host, seq)->status, -EPIPE);
	set_config(fx, 1);
	assert_data(ctl(fx, REQ_IN_INTF, USB_REQ_GET_INTERFACE, 0, 0, 1, NULL), "\0", 1);
}

static void test_timer(void **state)
{
	struct fixture *fx = *state;
	struct timespec ts = { 0, 60 * 1000000 };

	usb_function_arm_timer(fx->fb, 50);
	assert_int_equal(fx->host.arm_calls, 1);
	assert_in_range(fx->host.armed_ms, 49, 50);
	/* Early: nothing fires, the host timer is armed again. */
	usb_device_timer(&fx->dev);
	assert_int_equal(fx->a.timer_calls + fx->b.timer_calls, 0);
	assert_int_equal(fx->host.arm_calls, 2);
	assert_in_range(fx->host.armed_ms, 1, 50);

	nanosleep(&ts, NULL);
	usb_device_timer(&fx->dev);
	/* B has no timer callback; A's is not armed. */
	assert_int_equal(fx->a.timer_calls, 0);
	assert_int_equal(fx->host.armed_ms, 0);

	usb_function_arm_timer(fx->fa, 1000);
	usb_function_arm_timer(fx->fa, 50);
	assert_in_range(fx->host.armed_ms, 49, 50);
	nanosleep(&ts, NULL);
	usb_device_timer(&fx->dev);
	assert_int_equal(fx->a.timer_calls, 1);
	assert_int_equal(fx->host.armed_ms, 0);
	usb_device_timer(&fx->dev);
	assert_int_equal(fx->a.timer_calls, 1);

	usb_function_arm_timer(fx->fa, 50);
	usb_function_arm_timer(fx->fa, 0);
	assert_int_equal(fx->host.armed_ms, 0);

	/* Leaving the bus drops pending deadlines, but a function may arm
	 * its timer again from reset() and keep running off the bus. */
	usb_function_arm_timer(fx->fb, 500);
	fx->a.arm_on_reset = 40;
	fakehost_disconnect(&fx->host);
	assert_in_range(fx->host.armed_ms, 39, 40);
	nanosleep(&ts, NULL);
	usb_device_timer(&fx->dev);
	assert_int_equal(fx->a.timer_calls, 2);
	/* B's deadline went with the disconnect: nothing is armed now. */
	assert_int_equal(fx->host.armed_ms, 0);
	fx->a.arm_on_reset = 0;
	fakehost_disconnect(&fx->host);
	assert_int_equal(fx->host.armed_ms, 0);
}

/* ---- usb_device_validate, usb_device_add_function ---- */

/* validate() on the test device after `mutate` changed a copy of it. */
static int validate_mutated(void (*mutate)(struct fixture *fx))
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int r;

	assert_non_null(fx);
	fixture_device(fx);
	assert_non_null(usb_device_add_function(&fx->dev, &ops_full, 0, 1, &fx->a));
	assert_non_null(usb_device_add_function(&fx->dev, &ops_min, 1, 1, &fx->b));
	mutate(fx);
	r = usb_device_validate(&fx->dev);
	free(fx);
	return r;
}

static void m_none(struct fixture *fx)
{
}

static void m_dev_length(struct fixture *fx)
{
	fx->dev.desc[0] = 17;
}

static void m_dev_type(struct fixture *fx)
{
	fx->dev.desc[1] = USB_DT_CONFIG;
}

static void m_no_config(struct fixture *fx)
{
	fx->dev.config = NULL;
}

static void m_config_length(struct fixture *fx)
{
	fx->config[0] = 8;
}

static void m_config_type(struct fixture *fx)
{
	fx->config[1] = USB_DT_INTERFACE;
}

static void m_total_short(struct fixture *fx)
{
	fx->config[2] = 8;
}

static void m_total_cuts_descriptor(struct fixture *fx)
{
	fx->config[2] = CONFIG_LEN - 3; /* ends inside the last endpoint */
}

static void m_total_long(struct fixture *fx)
{
	fx->config[2] = CONFIG_LEN + 1; /* one zero byte past the end */
}

static void m_zero_length_descriptor(struct fixture *fx)
{
	fx->config[9 + 9] = 0; /* first endpoint */
}

static void m_one_byte_descriptor(struct fixture *fx)
{
	fx->config[9 + 9] = 1;
}

/* The same as a class-specific descriptor, which validate() does not
 * look into: the walk itself must refuse it (or it never ends). */
static void m_zero_length_class_descriptor(struct fixture *fx)
{
	fx->config[9 + 9] = 0;
	fx->config[9 + 9 + 1] = 0x25;
}

static void m_one_byte_class_descriptor(struct fixture *fx)
{
	fx->config[9 + 9] = 1;
	fx->config[9 + 9 + 1] = 0x25;
}

static void m_descriptor_overruns(struct fixture *fx)
{
	fx->config[CONFIG_LEN - 7] = 8; /* last endpoint one byte too long */
}

static void m_interface_16(struct fixture *fx)
{
	fx->config[9 + 9 + 7 + 7 + 9 + 7 + 2] = 16; /* interface 1 -> 16 */
}

static void m_interface_unclaimed(struct fixture *fx)
{
	fx->config[9 + 9 + 7 + 7 + 9 + 7 + 2] = 2; /* interface 1 -> 2 */
	fx->config[4] = 2;
}

static void m_function_without_interface(struct fixture *fx)
{
	assert_non_null(usb_device_add_function(&fx->dev, &ops_min, 2, 1, &fx->b));
}

static void m_num_interfaces_high(struct fixture *fx)
{
	fx->config[4] = 3;
}

static void m_num_interfaces_low(struct fixture *fx)
{
	fx->config[4] = 1;
}

static void m_endpoint_zero(struct fixture *fx)
{
	fx->config[9 + 9 + 2] = 0x80;
}

static void m_endpoint_reserved_bits(struct fixture *fx)
{
	fx->config[9 + 9 + 2] = 0x91;
}

static void m_bos_type(struct fixture *fx)
{
	static const uint8_t bad[12] = { 5, USB_DT_CONFIG, U16_LE(12), 1 };

	fx->dev.bos = bad;
}

static void m_bos_total(struct fixture *fx)
{
	static const uint8_t bad[12] = { 5, USB_DT_BOS, U16_LE(4), 0 };

	fx->dev.bos = bad;
}

static void m_bos_ok(struct fixture *fx)
{
	fx->dev.bos = bos_desc;
	fx->dev.desc[2] = 0x10;
}

static void test_validate(void **state)
{
	assert_int_equal(validate_mutated(m_none), 0);
	assert_int_equal(validate_mutated(m_bos_ok), 0);

	assert_int_equal(validate_mutated(m_dev_length), -EINVAL);
	assert_int_equal(validate_mutated(m_dev_type), -EINVAL);
	assert_int_equal(validate_mutated(m_no_config), -EINVAL);
	assert_int_equal(validate_mutated(m_config_length), -EINVAL);
	assert_int_equal(validate_mutated(m_config_type), -EINVAL);
	assert_int_equal(validate_mutated(m_total_short), -EINVAL);
	assert_int_equal(validate_mutated(m_total_cuts_descriptor), -EINVAL);
	assert_int_equal(validate_mutated(m_total_long), -EINVAL);
	assert_int_equal(validate_mutated(m_zero_length_descriptor), -EINVAL);
	assert_int_equal(validate_mutated(m_one_byte_descriptor), -EINVAL);
	assert_int_equal(validate_mutated(m_zero_length_class_descriptor), -EINVAL);
	assert_int_equal(validate_mutated(m_one_byte_class_descriptor), -EINVAL);
	assert_int_equal(validate_mutated(m_descriptor_overruns), -EINVAL);
	assert_int_equal(validate_mutated(m_interface_16), -EINVAL);
	assert_int_equal(validate_mutated(m_interface_unclaimed), -EINVAL);
	assert_int_equal(validate_mutated(m_function_without_interface), -EINVAL);
	assert_int_equal(validate_mutated(m_num_interfaces_high), -EINVAL);
	assert_int_equal(validate_mutated(m_num_interfaces_low), -EINVAL);
	assert_int_equal(validate_mutated(m_endpoint_zero), -EINVAL);
	assert_int_equal(validate_mutated(m_endpoint_reserved_bits), -EINVAL);
	assert_int_equal(validate_mutated(m_bos_type), -EINVAL);
	assert_int_equal(validate_mutated(m_bos_total), -EINVAL);
}

/* Short interface and endpoint descriptors need a layout of their own. */
static void test_validate_short_descriptors(void **state)
{
	static const uint8_t short_ep[9 + 9 + 6] = {
		9, USB_DT_CONFIG, U16_LE(24), 1, 1, 0, 0x80, 50,
		9, USB_DT_INTERFACE, 0, 0, 1, 0xff, 0, 0, 0,
		6, USB_DT_ENDPOINT, 0x81, USB_ENDPOINT_XFER_INT, U16_LE(8),
	};
	static const uint8_t short_intf[9 + 8] = {
		9, USB_DT_CONFIG, U16_LE(17), 1, 1, 0, 0x80, 50,
		8, USB_DT_INTERFACE, 0, 0, 0, 0xff, 0, 0,
	};
	static const uint8_t good[9 + 9 + 7] = {
		9, USB_DT_CONFIG, U16_LE(25), 1, 1, 0, 0x80, 50,
		9, USB_DT_INTERFACE, 0, 0, 1, 0xff, 0, 0, 0,
		7, USB_DT_ENDPOINT, 0x81, USB_ENDPOINT_XFER_INT, U16_LE(8), 10,
	};
	struct tclass tc = { .id = 0xc0 };
	struct usb_device dev;

	usb_device_init(&dev);
	memcpy(dev.desc, device_desc, sizeof(device_desc));
	assert_non_null(usb_device_add_function(&dev, &ops_min, 0, 1, &tc));
	dev.config = good;
	assert_int_equal(usb_device_validate(&dev), 0);
	dev.config = short_ep;
	assert_int_equal(usb_device_validate(&dev), -EINVAL);
	dev.config = short_intf;
	assert_int_equal(usb_device_validate(&dev), -EINVAL);
}

static void test_add_function(void **state)
{
	struct usb_device dev;
	struct tclass tc = { 0 };
	unsigned int i;

	usb_device_init(&dev);
	assert_null(usb_device_add_function(&dev, &ops_min, 0, 0, &tc));
	assert_null(usb_device_add_function(&dev, &ops_min, 15, 2, &tc));
	assert_null(usb_device_add_function(&dev, &ops_min, USB_MAX_INTERFACES, 1, &tc));
	assert_non_null(usb_device_add_function(&dev, &ops_min, 0, 2, &tc));
	/* interfaces are claimed once */
	assert_null(usb_device_add_function(&dev, &ops_min, 1, 1, &tc));
	for (i = 1; i < USB_MAX_FUNCTIONS; i++)
		assert_non_null(usb_device_add_function(&dev, &ops_min, 1 + i, 1, &tc));
	assert_null(usb_device_add_function(&dev, &ops_min, 15, 1, &tc));
	assert_int_equal(dev.nfuncs, USB_MAX_FUNCTIONS);
}

/* ---- usb_string_descriptor ---- */

/* Encode `s`, expect `want` (UTF-16LE code units after the 2-byte header). */
static void assert_string(const char *s, const uint8_t *want, size_t want_len)
{
	uint8_t buf[260];

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(usb_string_descriptor(s, buf, 256), (int)(2 + want_len));
	assert_int_equal(buf[0], 2 + want_len);
	assert_int_equal(buf[1], USB_DT_STRING);
	assert_memory_equal(buf + 2, want, want_len);
	assert_int_equal(buf[2 + want_len], 0xee);
}

static void assert_bad_string(const char *s)
{
	uint8_t buf[8];
	size_t i;

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(usb_string_descriptor(s, buf, sizeof(buf)), -EINVAL);
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void test_string_utf8(void **state)
{
	assert_string("", (const uint8_t *)"", 0);
	assert_string("Ab~", (const uint8_t *)"A\0b\0~\0", 6);
	assert_string("\x7f", (const uint8_t *)"\x7f\0", 2);
	/* two bytes: U+0080, U+00E9, U+07FF */
	assert_string("\xc2\x80", (const uint8_t *)"\x80\x00", 2);
	assert_string("\xc3\xa9", (const uint8_t *)"\xe9\x00", 2);
	assert_string("\xdf\xbf", (const uint8_t *)"\xff\x07", 2);
	/* three bytes: U+0800, U+20AC, U+D7FF, U+E000, U+FFFF */
	assert_string("\xe0\xa0\x80", (const uint8_t *)"\x00\x08", 2);
	assert_string("\xe2\x82\xac", (const uint8_t *)"\xac\x20", 2);
	assert_string("\xed\x9f\xbf", (const uint8_t *)"\xff\xd7", 2);
	assert_string("\xee\x80\x80", (const uint8_t *)"\x00\xe0", 2);
	assert_string("\xef\xbf\xbf", (const uint8_t *)"\xff\xff", 2);
	/* four bytes, as surrogate pairs: U+10000, U+1D11E, U+10FFFF */
	assert_string("\xf0\x90\x80\x80", (const uint8_t *)"\x00\xd8\x00\xdc", 4);
	assert_string("\xf0\x9d\x84\x9e", (const uint8_t *)"\x34\xd8\x1e\xdd", 4);
	assert_string("\xf4\x8f\xbf\xbf", (const uint8_t *)"\xff\xdb\xff\xdf", 4);
	assert_string("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z",
		      (const uint8_t *)"a\0\xe9\0\xac\x20\x3d\xd8\x00\xdez\0", 12);
}

static void test_string_invalid_utf8(void **state)
{
	/* overlong forms */
	assert_bad_string("\xc0\x80");
	assert_bad_string("\xc1\xbf");
	assert_bad_string("\xe0\x80\x80");
	assert_bad_string("\xe0\x9f\xbf");
	assert_bad_string("\xf0\x80\x80\x80");
	assert_bad_string("\xf0\x8f\xbf\xbf");
	/* UTF-16 surrogates written as UTF-8 (CESU) */
	assert_bad_string("\xed\xa0\x80");
	assert_bad_string("\xed\xbf\xbf");
	assert_bad_string("\xed\xa0\xbd\xed\xb8\x80");
	/* past U+10FFFF */
	assert_bad_string("\xf4\x90\x80\x80");
	assert_bad_string("\xf5\x80\x80\x80");
	assert_bad_string("\xf7\xbf\xbf\xbf");
	/* bytes that never start a sequence */
	assert_bad_string("\x80");
	assert_bad_string("a\xbf");
	assert_bad_string("\xf8\x88\x80\x80\x80");
	assert_bad_string("\xfc\x84\x80\x80\x80\x80");
	assert_bad_string("\xfe");
	assert_bad_string("\xff");
	/* truncated, at the end and before another character */
	assert_bad_string("\xc3");
	assert_bad_string("\xe2\x82");
	assert_bad_string("\xf0\x9d\x84");
	assert_bad_string("\xc3" "A");
	assert_bad_string("\xe2\x82" "A");
	assert_bad_string("\xf0\x9d\x84" "A");
	assert_bad_string("\xe2" "\xc3\xa9");
}

static void test_string_too_long(void **state)
{
	char s[300];
	uint8_t buf[256];
	size_t i;

	/* 126 UTF-16 units make bLength 254, the largest even length. */
	memset(s, 'x', 126);
	s[126] = '\0';
	assert_int_equal(usb_string_descriptor(s, buf, sizeof(buf)), 254);
	assert_int_equal(buf[0], 254);
	assert_int_equal(buf[253], 0);
	assert_int_equal(buf[252], 'x');
	s[126] = 'x';
	s[127] = '\0';
	assert_int_equal(usb_string_descriptor(s, buf, sizeof(buf)), -EINVAL);

	/* Surrogate pairs count twice. */
	for (i = 0; i < 63; i++)
		memcpy(s + 4 * i, "\xf0\x9d\x84\x9e", 4);
	s[252] = '\0';
	assert_int_equal(usb_string_descriptor(s, buf, sizeof(buf)), 254);
	assert_int_equal(buf[252], 0x1e);
	assert_int_equal(buf[253], 0xdd);
	s[252] = 'a';
	s[253] = '\0';
	assert_int_equal(usb_string_descriptor(s, buf, sizeof(buf)), -EINVAL);
	/* 125 units, then a pair that would need two more. */
	memset(s, 'x', 125);
	memcpy(s + 125, "\xf0\x9d\x84\x9e", 5);
	assert_int_equal(usb_string_descriptor(s, buf, sizeof(buf)), -EINVAL);
}

static void test_string_truncated_buffer(void **state)
{
	uint8_t buf[8];

	/* Returns the full length, writes only what fits. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(usb_string_descriptor("Abc", buf, 3), 8);
	assert_memory_equal(buf, "\x08\x03" "A", 3);
	assert_int_equal(buf[3], 0xee);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(usb_string_descriptor("Abc", buf, 0), 8);
	assert_int_equal(buf[0], 0xee);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_descriptor_device),
		T(test_descriptor_config),
		T(test_descriptor_strings),
		T(test_descriptor_bos),
		T(test_descriptor_qualifier),
		T(test_descriptor_unknown_types),
		T(test_get_status),
		T(test_device_features),
		T(test_unknown_requests_stall),
		T(test_set_configuration),
		T(test_endpoints_bound_only_when_configured),
		T(test_set_interface),
		T(test_clear_halt),
		T(test_set_halt_fails_queued_urbs),
		T(test_xfer_errors),
		T(test_class_requests_by_recipient),
		T(test_interface_get_descriptor),
		T(test_raw_control),
		T(test_pending_until_wake),
		T(test_unlink),
		T(test_disconnect),
		T(test_timer),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_short_descriptors),
		cmocka_unit_test(test_add_function),
		cmocka_unit_test(test_string_utf8),
		cmocka_unit_test(test_string_invalid_utf8),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_string_truncated_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
