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

#define CANARY 16
#define CANARY_BYTE 0xa5

static void check_canary(const struct usb_urb *u)
{
	size_t i;

	for (i = 0; i < CANARY; i++)
		if (u->buf[u->cap + i] != CANARY_BYTE)
			fail_msg("URB %u: its buffer of %u bytes was overrun", u->seqnum, u->cap);
}

static void host_complete(void *transport, struct usb_urb *urb)
{
	struct fakehost *h = transport;

	assert_true(h->pending > 0);
	h->pending--;
	assert_true(h->ndone < FAKEHOST_MAX_DONE);
	/* Given back off every queue, and within what the kernel allows. */
	assert_ptr_equal(urb->link.next, &urb->link);
	assert_true(urb->actual <= urb->length);
	check_canary(urb);
	h->done[h->ndone++] = urb;
}

static void host_arm_timer(struct usb_device *dev, unsigned int ms)
{
	struct fakehost *h = dev->host_data;

	h->armed_ms = ms;
	h->arm_calls++;
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

int fakehost_create(struct fakehost *h, const struct vusb_model *model,
		    const struct vusb_dev_opts *opts, struct usb_device **ret_dev,
		    struct strbuf *err)
{
	struct usb_device *dev;
	int r = model->create(&dev, opts, err);

	if (r < 0)
		return r;
	fakehost_bind(h, dev);
	*ret_dev = dev;
	return 0;
}

void fakehost_opts(struct vusb_dev_opts *o, const char *name, const char *const *pairs)
{
	memset(o, 0, sizeof(*o));
	o->name = name;
	o->vid = -1;
	o->pid = -1;
	for (; pairs && pairs[0]; pairs += 2) {
		assert_true(o->nextra < VUSB_MAX_MODEL_OPTS);
		o->extra[o->nextra].name = pairs[0];
		o->extra[o->nextra++].value = pairs[1];
	}
}

static void drop_urb(struct usb_urb *urb, void *data)
{
	struct fakehost *h = data;

	assert_true(h->pending > 0);
	h->pending--;
	h->drops++;
	fakehost_urb_free(h, urb);
}

void fakehost_disconnect(struct fakehost *h)
{
	usb_device_disconnect(h->dev, drop_urb, h);
	assert_int_equal(h->pending, 0);
}

void fakehost_free_done(struct fakehost *h)
{
	unsigned int i;

	for (i = 0; i < h->ndone; i++)
		fakehost_urb_free(h, h->done[i]);
	h->ndone = 0;
}

void fakehost_clear_events(struct fakehost *h)
{
	unsigned int i;

	for (i = 0; i < h->nevents; i++)
		free(h->events[i]);
	h->nevents = 0;
}

void fakehost_release(struct fakehost *h)
{
	fakehost_free_done(h);
	fakehost_clear_events(h);
}

const char *fakehost_last_event(const struct fakehost *h)
{
	return h->nevents ? h->events[h->nevents - 1] : "";
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

struct usb_urb *fakehost_urb(struct fakehost *h, uint8_t ep, bool in, uint32_t length)
{
	struct usb_urb *u = calloc(1, sizeof(*u) + length + CANARY);

	assert_non_null(u);
	list_init(&u->link);
	u->seqnum = ++h->seqnum;
	u->ep = ep;
	u->in = in;
	u->length = length;
	u->buf = (uint8_t *)(u + 1);
	u->cap = length;
	if (!in) {
		memset(u->buf, 0x5a, length);
		u->actual = length;
	}
	memset(u->buf + length, CANARY_BYTE, CANARY);
	return u;
}

void fakehost_urb_free(struct fakehost *h, struct usb_urb *u)
{
	check_canary(u);
	free(u);
}

uint32_t fakehost_submit(struct fakehost *h, struct usb_urb *u)
{
	uint32_t seqnum = u->seqnum;

	h->pending++;
	usb_device_submit(h->dev, u);
	return seqnum;
}

struct usb_urb *fakehost_unlink(struct fakehost *h, uint32_t seqnum)
{
	struct usb_urb *u = usb_device_unlink(h->dev, seqnum);

	if (u) {
		assert_true(h->pending > 0);
		h->pending--;
	}
	return u;
}

bool fakehost_take(struct fakehost *h, struct usb_urb *u)
{
	unsigned int i;

	for (i = 0; i < h->ndone; i++) {
		if (h->done[i] != u)
			continue;
		memmove(h->done + i, h->done + i + 1, (h->ndone - i - 1) * sizeof(h->done[0]));
		h->ndone--;
		return true;
	}
	return false;
}

int fakehost_done_index(const struct fakehost *h, uint32_t seqnum)
{
	unsigned int i;

	for (i = 0; i < h->ndone; i++)
		if (h->done[i]->seqnum == seqnum)
			return (int)i;
	return -1;
}

struct usb_urb *fakehost_done(const struct fakehost *h, uint32_t seqnum)
{
	int i = fakehost_done_index(h, seqnum);

	return i < 0 ? NULL : h->done[i];
}

struct usb_urb *fakehost_setup_urb(struct fakehost *h, const struct usb_setup *s,
				   uint32_t length, const void *out)
{
	struct usb_urb *u = fakehost_urb(h, 0, s->bmRequestType & USB_DIR_IN, length);

	usb_setup_encode(s, u->setup_raw);
	if (!u->in && length) {
		assert_non_null(out);
		memcpy(u->buf, out, length);
	}
	return u;
}

struct usb_urb *fakehost_control_urb(struct fakehost *h, uint8_t type, uint8_t request,
				     uint16_t value, uint16_t index, uint16_t length,
				     const void *out)
{
	struct usb_setup s = { type, request, value, index, length };

	return fakehost_setup_urb(h, &s, length, out);
}

int fakehost_control_end(struct fakehost *h, struct usb_urb *u, void *in, uint32_t *ret_actual)
{
	int status = u->status;

	assert_true(h->ndone > 0);
	assert_ptr_equal(h->done[h->ndone - 1], u);
	h->ndone--;
	if (u->in) {
		if (in)
			memcpy(in, u->buf, u->actual);
		if (ret_actual)
			*ret_actual = u->actual;
	} else {
		assert_int_equal(u->actual, status ? 0 : u->length);
	}
	fakehost_urb_free(h, u);
	return status;
}

int fakehost_control(struct fakehost *h, uint8_t type, uint8_t request, uint16_t value,
		     uint16_t index, uint16_t length, const void *out, void *in,
		     uint32_t *ret_actual)
{
	struct usb_urb *u = fakehost_control_urb(h, type, request, value, index, length, out);
	unsigned int before = h->ndone;

	fakehost_submit(h, u);
	assert_int_equal(h->ndone, before + 1);
	return fakehost_control_end(h, u, in, ret_actual);
}
