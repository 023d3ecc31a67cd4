// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/fakehost.h"

static void host_complete(void *transport, struct usb_urb *urb)
{
	struct fakehost *h = transport;

	assert_true(h->ndone < FAKEHOST_MAX_DONE);
	h->done[h->ndone++] = urb;
}

static void host_arm_timer(struct usb_device *dev, unsigned int ms)
{
	struct fakehost *h = dev->host_data;

	h->armed_ms = ms;
}

static void host_event(struct usb_device *dev, const char *what)
{
	struct fakehost *h = dev->host_data;

	assert_true(h->nevents < FAKEHOST_MAX_EVENTS);
	h->events[h->nevents] = strdup(what);
	assert_non_null(h->events[h->nevents]);
	h->nevents++;
}

static void host_plug(struct usb_device *dev, bool connected)
{
	struct fakehost *h = dev->host_data;

	h->plugged = connected;
	h->nplugs++;
}

static const struct usb_transport_ops transport_ops = {
	.complete = host_complete,
};

static const struct usb_host_ops host_ops = {
	.arm_timer = host_arm_timer,
	.event = host_event,
	.plug = host_plug,
};

void fakehost_init(struct fakehost *h)
{
	memset(h, 0, sizeof(*h));
	h->plugged = -1;
}

void fakehost_bind(struct fakehost *h, struct usb_device *dev)
{
	h->dev = dev;
	dev->host = &host_ops;
	dev->host_data = h;
	usb_device_set_transport(dev, &transport_ops, h);
}

static void drop_urb(struct usb_urb *urb, void *data)
{
	free(urb);
}

void fakehost_disconnect(struct fakehost *h)
{
	usb_device_disconnect(h->dev, drop_urb, NULL);
}

void fakehost_clear_events(struct fakehost *h)
{
	unsigned int i;

	for (i = 0; i < h->nevents; i++)
		free(h->events[i]);
	h->nevents = 0;
}

int fakehost_find_event(const struct fakehost *h, const char *needle)
{
	unsigned int i;

	for (i = 0; i < h->nevents; i++)
		if (strstr(h->events[i], needle))
			return (int)i;
	return -1;
}

unsigned int fakehost_count_events(const struct fakehost *h, const char *needle)
{
	unsigned int i, n = 0;

	for (i = 0; i < h->nevents; i++)
		if (strstr(h->events[i], needle))
			n++;
	return n;
}

void fakehost_expect_event(const struct fakehost *h, const char *needle)
{
	unsigned int i;

	if (fakehost_find_event(h, needle) >= 0)
		return;
	for (i = 0; i < h->nevents; i++)
		print_message("event: %s\n", h->events[i]);
	fail_msg("no event with '%s'", needle);
}

struct usb_urb *fakehost_control_urb(struct fakehost *h, uint8_t type, uint8_t request,
				     uint16_t value, uint16_t index, uint16_t length,
				     const void *out)
{
	struct usb_setup s = { type, request, value, index, length };
	struct usb_urb *u = calloc(1, sizeof(*u) + length + 1);

	assert_non_null(u);
	u->in = type & USB_DIR_IN;
	u->length = length;
	u->buf = (uint8_t *)(u + 1);
	u->cap = length;
	u->seqnum = ++h->seqnum;
	usb_setup_encode(&s, u->setup_raw);
	if (!u->in && length) {
		memcpy(u->buf, out, length);
		u->actual = length;
	}
	return u;
}

int fakehost_control_end(struct fakehost *h, struct usb_urb *u, void *in, uint32_t *ret_actual)
{
	int status = u->status;

	assert_int_equal(h->ndone, 1);
	assert_ptr_equal(h->done[0], u);
	h->ndone = 0;
	if (u->in) {
		assert_true(u->actual <= u->length);
		if (in)
			memcpy(in, u->buf, u->actual);
		if (ret_actual)
			*ret_actual = u->actual;
	} else {
		assert_int_equal(u->actual, status ? 0 : u->length);
	}
	free(u);
	return status;
}

int fakehost_control(struct fakehost *h, uint8_t type, uint8_t request, uint16_t value,
		     uint16_t index, uint16_t length, const void *out, void *in,
		     uint32_t *ret_actual)
{
	struct usb_urb *u = fakehost_control_urb(h, type, request, value, index, length, out);

	usb_device_submit(h->dev, u);
	return fakehost_control_end(h, u, in, ret_actual);
}
