// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/bytes.h"
#include "src/base/list.h"
#include "src/serial/acm.h"

#define QMASK (ACM_QUEUE_SIZE - 1u)
static_assert((ACM_QUEUE_SIZE & QMASK) == 0, "the queue size is a power of two");

int acm_line_coding_decode(const uint8_t *buf, size_t len, struct acm_line_coding *ret)
{
	struct acm_line_coding lc;

	if (len < ACM_LINE_CODING_SIZE)
		return -EINVAL;
	lc.rate = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
		  (uint32_t)buf[3] << 24;
	lc.stop = buf[4];
	lc.parity = buf[5];
	lc.bits = buf[6];
	if (lc.stop > 2 || lc.parity > 4)
		return -EINVAL;
	if (lc.bits != 16 && (lc.bits < 5 || lc.bits > 8))
		return -EINVAL;
	*ret = lc;
	return 0;
}

void acm_line_coding_encode(const struct acm_line_coding *lc, uint8_t out[ACM_LINE_CODING_SIZE])
{
	out[0] = (uint8_t)lc->rate;
	out[1] = (uint8_t)(lc->rate >> 8);
	out[2] = (uint8_t)(lc->rate >> 16);
	out[3] = (uint8_t)(lc->rate >> 24);
	out[4] = lc->stop;
	out[5] = lc->parity;
	out[6] = lc->bits;
}

void acm_line_coding_format(const struct acm_line_coding *lc, char *buf, size_t size)
{
	static const char parity[] = "NOEMS";
	static const char *const stop[] = { "1", "1.5", "2" };

	snprintf(buf, size, "%u %u%c%s", lc->rate, lc->bits,
		 lc->parity < 5 ? parity[lc->parity] : '?', lc->stop < 3 ? stop[lc->stop] : "?");
}

void acm_serial_state_encode(uint8_t intf, uint16_t state, uint8_t out[ACM_SERIAL_STATE_SIZE])
{
	out[0] = USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE; /* 0xa1 */
	out[1] = ACM_NOTIFY_SERIAL_STATE;
	put_le16(out + 2, 0); /* wValue */
	put_le16(out + 4, intf); /* wIndex: the communications interface */
	put_le16(out + 6, 2); /* wLength */
	put_le16(out + 8, state);
}

/* ---- the queues ---- */

static uint32_t q_used(const struct acm_queue *q)
{
	return q->head - q->tail;
}

static uint32_t q_free(const struct acm_queue *q)
{
	return ACM_QUEUE_SIZE - q_used(q);
}

static void q_put(struct acm_queue *q, const uint8_t *p, uint32_t n)
{
	uint32_t at = q->head & QMASK, first = ACM_QUEUE_SIZE - at;

	if (first > n)
		first = n;
	memcpy(q->buf + at, p, first);
	memcpy(q->buf, p + first, n - first);
	q->head += n;
}

static void q_get(struct acm_queue *q, uint8_t *p, uint32_t n)
{
	uint32_t at = q->tail & QMASK, first = ACM_QUEUE_SIZE - at;

	if (first > n)
		first = n;
	memcpy(p, q->buf + at, first);
	memcpy(p + first, q->buf, n - first);
	q->tail += n;
}

static void tell(struct acm *a, unsigned int what)
{
	if (a->changed)
		a->changed(a->data, what);
}

size_t acm_rx_peek(const struct acm *a, const uint8_t **ret)
{
	uint32_t used = q_used(&a->rx), at = a->rx.tail & QMASK;
	uint32_t n = ACM_QUEUE_SIZE - at;

	*ret = a->rx.buf + at;
	return used < n ? used : n;
}

size_t acm_rx_pending(const struct acm *a)
{
	return q_used(&a->rx);
}

void acm_rx_consume(struct acm *a, size_t n)
{
	assert(n <= q_used(&a->rx));
	a->rx.tail += (uint32_t)n;
	if (n && a->func->dev->host)
		usb_ep_wake(a->func->dev, a->ep_out);
}

size_t acm_tx_room(struct acm *a, uint8_t **ret)
{
	uint32_t free = q_free(&a->tx), at = a->tx.head & QMASK;
	uint32_t n = ACM_QUEUE_SIZE - at;

	*ret = a->tx.buf + at;
	return free < n ? free : n;
}

size_t acm_tx_pending(const struct acm *a)
{
	return q_used(&a->tx);
}

void acm_tx_commit(struct acm *a, size_t n)
{
	assert(n <= q_free(&a->tx));
	a->tx.head += (uint32_t)n;
	if (n && a->func->dev->host)
		usb_ep_wake(a->func->dev, a->ep_in);
}

int acm_set_state(struct acm *a, uint16_t bits, bool on)
{
	uint16_t old = a->state;

	if (bits & ~(ACM_STATE_DCD | ACM_STATE_DSR | ACM_STATE_RI))
		return -EINVAL;
	if (on)
		a->state |= bits;
	else
		a->state &= (uint16_t)~bits;
	if (a->state == old)
		return 0;
	a->state_dirty = true;
	if (a->func->dev->host)
		usb_ep_wake(a->func->dev, a->ep_notify);
	return 0;
}

void acm_set_port(struct acm *a, void (*changed)(void *data, unsigned int what), void *data)
{
	a->changed = changed;
	a->data = data;
}

/* ---- the class ---- */

static struct acm *acm_of(struct usb_function *f)
{
	return f->data;
}

static void set_break(struct acm *a, bool on)
{
	if (a->brk == on)
		return;
	a->brk = on;
	if (on)
		a->breaks++;
	tell(a, ACM_CHANGED_BREAK);
}

static int acm_control(struct usb_function *f, const struct usb_setup *s, uint8_t *data, size_t len)
{
	struct acm *a = acm_of(f);
	struct acm_line_coding lc;
	uint8_t buf[ACM_LINE_CODING_SIZE];
	bool in = s->bmRequestType & USB_DIR_IN;

	if ((s->bmRequestType & USB_TYPE_MASK) != USB_TYPE_CLASS ||
	    (s->bmRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE ||
	    (s->wIndex & 0xff) != a->comm_intf)
		return -EOPNOTSUPP;
	switch (s->bRequest) {
	case ACM_REQ_SET_LINE_CODING:
		if (in || acm_line_coding_decode(data, len, &lc) < 0)
			return -EPIPE;
		a->line = lc;
		tell(a, ACM_CHANGED_LINE);
		return 0;
	case ACM_REQ_GET_LINE_CODING:
		if (!in)
			return -EPIPE;
		acm_line_coding_encode(&a->line, buf);
		if (len > sizeof(buf))
			len = sizeof(buf);
		memcpy(data, buf, len);
		return (int)len;
	case ACM_REQ_SET_CONTROL_LINE_STATE:
		if (in)
			return -EPIPE;
		if ((s->wValue & (ACM_CTRL_DTR | ACM_CTRL_RTS)) != a->control) {
			a->control = s->wValue & (ACM_CTRL_DTR | ACM_CTRL_RTS);
			tell(a, ACM_CHANGED_CONTROL);
		}
		return 0;
	case ACM_REQ_SEND_BREAK:
		if (in)
			return -EPIPE;
		/* 0xffff: until the next SEND_BREAK(0); else that many ms */
		set_break(a, s->wValue != 0);
		usb_function_arm_timer(f, s->wValue != 0 && s->wValue != 0xffff ? s->wValue : 0);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static void acm_timer(struct usb_function *f)
{
	set_break(acm_of(f), false);
}

static uint8_t epaddr_of(const struct usb_urb *urb)
{
	return (uint8_t)(urb->ep | (urb->in ? USB_DIR_IN : 0));
}

static uint32_t min_u32(uint32_t x, uint32_t y)
{
	return x < y ? x : y;
}

static int xfer_out(struct acm *a, struct usb_urb *urb)
{
	uint32_t done = 0, n;

	if (a->out_partial && a->out_seqnum == urb->seqnum)
		done = a->out_taken;
	n = min_u32(urb->actual - done, q_free(&a->rx));
	if (n) {
		q_put(&a->rx, urb->buf + done, n);
		done += n;
		tell(a, ACM_CHANGED_RX);
	}
	if (done < urb->actual) {
		/* The rest waits for room: the host hears nothing until then. */
		a->out_partial = true;
		a->out_seqnum = urb->seqnum;
		a->out_taken = done;
		return -EAGAIN;
	}
	a->out_partial = false;
	return 0;
}

static int xfer_in(struct acm *a, struct usb_urb *urb)
{
	uint32_t n = min_u32(min_u32(urb->length, urb->cap), q_used(&a->tx));

	if (!n)
		return -EAGAIN;
	q_get(&a->tx, urb->buf, n);
	urb->actual = n;
	tell(a, ACM_CHANGED_TX);
	return 0;
}

static int xfer_notify(struct acm *a, struct usb_urb *urb)
{
	uint8_t note[ACM_SERIAL_STATE_SIZE];
	uint32_t n = min_u32(min_u32(urb->length, urb->cap), sizeof(note));

	if (!a->state_dirty)
		return -EAGAIN;
	acm_serial_state_encode(a->comm_intf, a->state, note);
	memcpy(urb->buf, note, n);
	urb->actual = n;
	a->state_dirty = false;
	return 0;
}

static int acm_xfer(struct usb_function *f, struct usb_urb *urb)
{
	struct acm *a = acm_of(f);
	uint8_t ep = epaddr_of(urb);

	if (ep == a->ep_out)
		return xfer_out(a, urb);
	if (ep == a->ep_in)
		return xfer_in(a, urb);
	if (ep == a->ep_notify)
		return xfer_notify(a, urb);
	return -EPIPE;
}

static void acm_reset(struct usb_function *f)
{
	struct acm *a = acm_of(f);

	/* Bytes already taken stay queued: the host has been told they went. */
	a->out_partial = false;
	if (a->control) {
		a->control = 0;
		tell(a, ACM_CHANGED_CONTROL);
	}
	set_break(a, false);
	usb_function_arm_timer(f, 0);
	/* A new configuration learns the lines as they are. */
	a->state_dirty = a->state != 0;
}

const struct usb_class_ops acm_class_ops = {
	.name = "cdc-acm",
	.control = acm_control,
	.xfer = acm_xfer,
	.reset = acm_reset,
	.timer = acm_timer,
};

int acm_init(struct acm *a, struct usb_device *dev, uint8_t first_intf, uint8_t ep_notify,
	     uint8_t ep_in, uint8_t ep_out)
{
	memset(a, 0, sizeof(*a));
	a->rx.buf = malloc(ACM_QUEUE_SIZE);
	a->tx.buf = malloc(ACM_QUEUE_SIZE);
	if (!a->rx.buf || !a->tx.buf) {
		acm_release(a);
		return -ENOMEM;
	}
	a->comm_intf = first_intf;
	a->ep_notify = ep_notify;
	a->ep_in = ep_in;
	a->ep_out = ep_out;
	/* What cdc_acm assumes before it sets its own: 9600 8N1. */
	a->line = (struct acm_line_coding){ .rate = 9600, .stop = 0, .parity = 0, .bits = 8 };
	a->func = usb_device_add_function(dev, &acm_class_ops, first_intf, 2, a);
	if (!a->func) {
		acm_release(a);
		return -ENOSPC;
	}
	return 0;
}

void acm_release(struct acm *a)
{
	free(a->rx.buf);
	free(a->tx.buf);
	a->rx.buf = NULL;
	a->tx.buf = NULL;
}
