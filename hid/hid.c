// SPDX-License-Identifier: MIT
/*
 * The HID class. Requests as HID 1.11 chapter 7 says; everything the host
 * sends is checked and anything we do not implement stalls.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "hid/hid.h"
#include "src/base/bytes.h"

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Input report length in the protocol the host chose. */
static size_t report_len(const struct hid *h, size_t len)
{
	if (h->protocol == HID_PROTOCOL_BOOT && h->params->boot_len)
		return h->params->boot_len;
	return len;
}

static void reset_state(struct hid *h)
{
	h->head = 0;
	h->count = 0;
	h->protocol = HID_PROTOCOL_REPORT;
	h->idle = h->params->default_idle;
	h->repeat_due = false;
	h->idle_per_id = false;
	memset(h->idle_own, 0, sizeof(h->idle_own));
	memset(h->idle_due, 0, sizeof(h->idle_due));
	memset(h->idle_next, 0, sizeof(h->idle_next));
	memset(h->last, 0, sizeof(h->last));
	/* A model with hooks has no input state before its first report. */
	h->last_len = h->params->get_report ? 0 : h->params->in_len;
}

int hid_attach(struct hid *h, const struct hid_params *params, struct usb_device *dev,
	       unsigned int intf)
{
	const uint8_t *hid_desc;
	struct usb_function *f;
	struct usb_intf_eps e;

	assert(params->in_len > 0 && params->in_len <= HID_REPORT_MAX);
	assert(params->boot_len <= params->in_len && params->out_len <= HID_REPORT_MAX);
	assert(!params->out_len || params->output);
	assert(!params->get_report == !params->set_report);
	if (!dev->config)
		return -EINVAL;

	/* Our own descriptors, but a slip there would otherwise show only
	 * as a host that ignores the device: check what the host reads. */
	if (usb_interface_eps(dev->config, intf, USB_ENDPOINT_XFER_INT, USB_DT_HID, &e) < 0)
		return -EINVAL;
	hid_desc = e.class_desc;
	if (e.out && !params->set_report)
		return -EINVAL;
	if (!hid_desc || !e.in)
		return -EINVAL;
	if (hid_desc[0] != HID_DT_HID_SIZE || hid_desc[5] != 1 || hid_desc[6] != USB_DT_REPORT ||
	    get_le16(hid_desc + 7) != params->report_desc_len)
		return -EINVAL;

	f = usb_device_add_function(dev, &hid_class_ops, intf, 1, h);
	if (!f)
		return -ENOSPC;
	memset(h, 0, sizeof(*h));
	h->params = params;
	h->func = f;
	h->hid_desc = hid_desc;
	h->ep_in = e.in;
	h->ep_out = e.out;
	reset_state(h);
	return 0;
}

int hid_can_send(const struct hid *h, unsigned int n)
{
	if (!h->func || !usb_device_configured(h->func->dev))
		return -ENOTCONN;
	if (n > HID_QUEUE_LEN - h->count)
		return -EAGAIN;
	return 0;
}

int hid_send_len(struct hid *h, const uint8_t *report, size_t len)
{
	unsigned int tail;
	int r = hid_can_send(h, 1);

	if (r < 0)
		return r;
	if (!len || len > HID_REPORT_MAX)
		return -EINVAL;
	tail = (h->head + h->count) % HID_QUEUE_LEN;
	memcpy(h->queue[tail], report, len);
	h->qlen[tail] = (uint8_t)len;
	h->count++;
	memcpy(h->last, report, len);
	h->last_len = (uint8_t)len;
	usb_ep_wake(h->func->dev, h->ep_in);
	return 0;
}

int hid_send(struct hid *h, const uint8_t *report)
{
	return hid_send_len(h, report, h->params->in_len);
}

unsigned int hid_queued(const struct hid *h)
{
	return h->count;
}

static void arm_idle(struct hid *h)
{
	usb_function_arm_timer(h->func, h->idle * 4u);
}

static bool id_bit(const uint8_t *map, unsigned int id)
{
	return map[id / 8] & (1u << (id % 8));
}

static void id_bit_set(uint8_t *map, unsigned int id, bool on)
{
	if (on)
		map[id / 8] |= (uint8_t)(1u << (id % 8));
	else
		map[id / 8] &= (uint8_t) ~(1u << (id % 8));
}

/* The idle rate of input report `id` in 4 ms units (per-ID mode). */
static unsigned int id_rate(const struct hid *h, unsigned int id)
{
	return id_bit(h->idle_own, id) ? h->idle_id[id] : h->idle;
}

/* Arm the class's timer for the earliest repeat of any ID. */
static void arm_ids(struct hid *h)
{
	uint64_t next = 0, now;
	unsigned int id;

	for (id = 1; id < 256; id++)
		if (h->idle_next[id] && (!next || h->idle_next[id] < next))
			next = h->idle_next[id];
	if (!next) {
		usb_function_arm_timer(h->func, 0);
		return;
	}
	now = usb_now_ms();
	usb_function_arm_timer(h->func, next > now ? (unsigned int)(next - now) : 1);
}

/* Report `id` went out: its idle period starts again. */
static void id_sent(struct hid *h, unsigned int id)
{
	unsigned int rate = id_rate(h, id);

	id_bit_set(h->idle_due, id, false);
	h->idle_next[id] = rate ? usb_now_ms() + rate * 4u : 0;
	arm_ids(h);
}

/* An ID whose idle period ended, with its current report in urb: 0, or -EAGAIN. */
static int repeat_id(struct hid *h, struct usb_urb *urb)
{
	unsigned int id;
	int r;

	for (id = 1; id < 256; id++) {
		if (!id_bit(h->idle_due, id))
			continue;
		id_bit_set(h->idle_due, id, false);
		r = h->params->get_report(h, HID_REPORT_INPUT, id, urb->buf,
					  min_size(urb->length, urb->cap));
		if (r <= 0)
			continue;
		urb->actual = (uint32_t)r;
		urb->status = 0;
		id_sent(h, id);
		return 0;
	}
	return -EAGAIN;
}

static int hid_xfer(struct usb_function *f, struct usb_urb *urb)
{
	struct hid *h = f->data;
	int r;
	const uint8_t *report;
	size_t n, len;

	if (!urb->in) {
		/* An output report on the interrupt OUT endpoint. */
		if (!h->ep_out || urb->ep != (h->ep_out & 0x0f) || !urb->actual)
			return -EPIPE;
		r = h->params->set_report(h, HID_REPORT_OUTPUT,
					  h->params->report_ids ? urb->buf[0] : 0, urb->buf,
					  urb->actual);
		if (r < 0)
			return r;
		usb_device_report(f->dev, HID_REPORT_OUTPUT, urb->buf, urb->actual);
		urb->status = 0;
		return 0;
	}
	/* Nothing fits in zero bytes; taking a report would lose it. */
	if (!urb->length || !urb->cap)
		return -EOVERFLOW;
	if (h->count) {
		report = h->queue[h->head];
		len = h->qlen[h->head];
		h->head = (h->head + 1) % HID_QUEUE_LEN;
		h->count--;
		usb_device_room(f->dev);
	} else if (h->idle_per_id && repeat_id(h, urb) == 0) {
		return 0;
	} else if (!h->idle_per_id && h->repeat_due && h->last_len) {
		report = h->last;
		len = h->last_len;
	} else {
		if (h->params->drained)
			h->params->drained(h);
		return -EAGAIN;
	}
	h->repeat_due = false;

	n = min_size(min_size(report_len(h, len), urb->length), urb->cap);
	memcpy(urb->buf, report, n);
	urb->actual = (uint32_t)n;
	urb->status = 0;
	/* The idle period runs from the last report sent (of its ID). */
	if (h->idle_per_id)
		id_sent(h, report[0]);
	else if (h->idle)
		arm_idle(h);
	return 0;
}

static void hid_timer(struct usb_function *f)
{
	struct hid *h = f->data;
	bool due = false;
	uint64_t now;
	unsigned int id;

	if (h->idle_per_id) {
		now = usb_now_ms();
		for (id = 1; id < 256; id++) {
			if (!h->idle_next[id] || h->idle_next[id] > now)
				continue;
			h->idle_next[id] = 0;
			id_bit_set(h->idle_due, id, true);
			due = true;
		}
		arm_ids(h);
		if (due)
			usb_ep_wake(f->dev, h->ep_in);
		return;
	}
	if (!h->idle)
		return;
	/* Sent with the next IN URB; if one is pending that is now. */
	h->repeat_due = true;
	usb_ep_wake(f->dev, h->ep_in);
}

static void hid_reset(struct usb_function *f)
{
	struct hid *h = f->data;

	reset_state(h);
	usb_function_arm_timer(f, 0);
	if (h->params->reset)
		h->params->reset(h);
}

static int put_byte(uint8_t *data, size_t len, uint8_t v)
{
	if (!len)
		return 0;
	data[0] = v;
	return 1;
}

static int get_report(struct hid *h, unsigned int type, uint8_t *data, size_t len)
{
	size_t n;

	switch (type) {
	case HID_REPORT_INPUT:
		n = min_size(report_len(h, h->params->in_len), len);
		memcpy(data, h->last, n);
		return (int)n;
	case HID_REPORT_OUTPUT:
		if (!h->params->out_len)
			return -EPIPE;
		n = min_size(h->params->out_len, len);
		memcpy(data, h->out, n);
		return (int)n;
	default:
		return -EPIPE;
	}
}

static int set_report(struct hid *h, const struct usb_setup *s, const uint8_t *data, size_t len)
{
	size_t out_len = h->params->out_len;

	if (s->wValue >> 8 != HID_REPORT_OUTPUT || !out_len)
		return -EPIPE;
	if (s->wLength != out_len || len != out_len)
		return -EPIPE;
	memcpy(h->out, data, out_len);
	h->params->output(h, h->out);
	usb_device_report(h->func->dev, HID_REPORT_OUTPUT, h->out, out_len);
	return 0;
}

/* Is `id` one of the input reports of a model with report IDs? */
static bool input_id(struct hid *h, unsigned int id)
{
	uint8_t probe[HID_REPORT_MAX];

	return id && h->params->report_ids && h->params->get_report &&
	       h->params->get_report(h, HID_REPORT_INPUT, id, probe, sizeof(probe)) > 0;
}

/* SET_IDLE for one report ID: from now on every ID counts on its own. */
static int set_idle_id(struct hid *h, unsigned int id, uint8_t duration)
{
	if (!input_id(h, id))
		return -EPIPE;
	if (!h->idle_per_id) {
		/* The other IDs keep `idle` and start counting when next sent. */
		h->idle_per_id = true;
		h->repeat_due = false;
	}
	h->idle_id[id] = duration;
	id_bit_set(h->idle_own, id, true);
	id_sent(h, id);
	return 0;
}

static void set_idle(struct hid *h, uint8_t duration)
{
	/* ID 0: the rate of every input report (HID 1.11 7.2.4). */
	h->idle_per_id = false;
	memset(h->idle_own, 0, sizeof(h->idle_own));
	memset(h->idle_due, 0, sizeof(h->idle_due));
	memset(h->idle_next, 0, sizeof(h->idle_next));
	h->idle = duration;
	h->repeat_due = false;
	arm_idle(h);
}

static int hid_control(struct usb_function *f, const struct usb_setup *s, uint8_t *data,
		       size_t len)
{
	struct hid *h = f->data;
	bool in = s->bmRequestType & USB_DIR_IN;
	unsigned int report_id = s->wValue & 0xff;

	if ((s->bmRequestType & USB_TYPE_MASK) != USB_TYPE_CLASS ||
	    (s->bmRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE)
		return -EOPNOTSUPP;

	switch (s->bRequest) {
	case HID_REQ_GET_REPORT:
		if (!in)
			return -EPIPE;
		if (h->params->get_report)
			return h->params->get_report(h, s->wValue >> 8, report_id, data, len);
		/* Our reports have no IDs: only ID 0 exists. */
		if (!in || report_id)
			return -EPIPE;
		return get_report(h, s->wValue >> 8, data, len);
	case HID_REQ_SET_REPORT:
		if (in)
			return -EPIPE;
		if (h->params->set_report) {
			size_t n = min_size(len, s->wLength);
			int r = h->params->set_report(h, s->wValue >> 8, report_id, data, n);

			if (r == 0)
				usb_device_report(f->dev, s->wValue >> 8, data, n);
			return r;
		}
		if (report_id)
			return -EPIPE;
		return set_report(h, s, data, len);
	case HID_REQ_GET_IDLE:
		if (!in || s->wValue >> 8)
			return -EPIPE;
		if (report_id && !input_id(h, report_id))
			return -EPIPE;
		return put_byte(data, len,
				report_id && h->idle_per_id ? id_rate(h, report_id) : h->idle);
	case HID_REQ_SET_IDLE:
		if (in)
			return -EPIPE;
		if (report_id)
			return set_idle_id(h, report_id, (uint8_t)(s->wValue >> 8));
		set_idle(h, (uint8_t)(s->wValue >> 8));
		return 0;
	case HID_REQ_GET_PROTOCOL:
		if (!in || s->wValue || !h->params->boot_len)
			return -EPIPE;
		return put_byte(data, len, h->protocol);
	case HID_REQ_SET_PROTOCOL:
		if (in || !h->params->boot_len || s->wValue > HID_PROTOCOL_REPORT)
			return -EPIPE;
		h->protocol = (uint8_t)s->wValue;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int hid_get_descriptor(struct usb_function *f, const struct usb_setup *s, uint8_t *data,
			      size_t len)
{
	struct hid *h = f->data;
	size_t n;

	if (!(s->bmRequestType & USB_DIR_IN) || (s->wValue & 0xff))
		return -EPIPE;
	switch (s->wValue >> 8) {
	case USB_DT_HID:
		n = min_size(HID_DT_HID_SIZE, len);
		memcpy(data, h->hid_desc, n);
		return (int)n;
	case USB_DT_REPORT:
		n = min_size(h->params->report_desc_len, len);
		memcpy(data, h->params->report_desc, n);
		return (int)n;
	default:
		return -EPIPE;
	}
}

const struct usb_class_ops hid_class_ops = {
	.name = "hid",
	.control = hid_control,
	.get_descriptor = hid_get_descriptor,
	.xfer = hid_xfer,
	.reset = hid_reset,
	.timer = hid_timer,
};
