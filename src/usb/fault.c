// SPDX-License-Identifier: MIT
/*
 * The fault engine and its spec parser (see fault.h). The parser is pure;
 * the engine decides per URB, when it arrives, whether a fault fires, and
 * either answers the URB itself (stall, error), holds it (nak, timeout) or
 * marks it for completion (short, corrupt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/base/list.h"
#include "src/base/num.h"
#include "src/usb/fault.h"

struct fault {
	unsigned int id; /* 0: free slot */
	struct usb_fault_spec spec;
	uint32_t seen; /* matching URBs so far */
	uint32_t fired;
	uint32_t rng; /* xorshift32 state, from spec.seed */
};

/* An URB a fault holds back (nak, timeout). */
struct held {
	struct list_head link;
	struct usb_urb *urb;
	unsigned int id; /* the fault's */
	uint64_t deadline_ms; /* 0: never (timeout) */
};

struct usb_faults {
	struct fault f[USB_FAULT_MAX];
	unsigned int next_id;
	struct list_head held;
};

/* ---- the engine ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

int usb_fault_add(struct usb_device *dev, const struct usb_fault_spec *spec, unsigned int *ret_id)
{
	struct usb_faults *fs = dev->faults;
	unsigned int i;

	if ((1u << spec->kind) & USB_FAULT_PER_COMMAND) {
		for (i = 0; i < dev->nfuncs; i++)
			if (dev->funcs[i].ops->faults & (1u << spec->kind))
				break;
		if (i == dev->nfuncs)
			return -EOPNOTSUPP;
	}
	if (!fs) {
		fs = calloc(1, sizeof(*fs));
		if (!fs)
			return -ENOMEM;
		list_init(&fs->held);
		dev->faults = fs;
	}
	for (i = 0; i < USB_FAULT_MAX && fs->f[i].id; i++)
		;
	if (i == USB_FAULT_MAX)
		return -ENOSPC;
	fs->f[i] = (struct fault){ .id = ++fs->next_id, .spec = *spec, .rng = spec->seed };
	*ret_id = fs->f[i].id;
	return 0;
}

static unsigned int held_by(const struct usb_faults *fs, unsigned int id)
{
	const struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, &fs->held)
		if (list_entry(pos, struct held, link)->id == id)
			n++;
	return n;
}

/* Serve the held URBs of fault `id` (0: all) now, or those due by `now`. */
static void release(struct usb_device *dev, unsigned int id, uint64_t now)
{
	struct usb_faults *fs = dev->faults;
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &fs->held) {
		struct held *h = list_entry(pos, struct held, link);
		struct usb_urb *urb = h->urb;

		if (now ? !h->deadline_ms || h->deadline_ms > now : id && h->id != id)
			continue;
		list_del(&h->link);
		free(h);
		usb_device_serve(dev, urb);
		/* Serving may have changed the list (a completion that
		 * cleared faults): start over. */
		if (!dev->faults)
			return;
		tmp = fs->held.next;
	}
}

static bool engine_idle(const struct usb_faults *fs)
{
	unsigned int i;

	for (i = 0; i < USB_FAULT_MAX; i++)
		if (fs->f[i].id)
			return false;
	return list_empty(&fs->held);
}

int usb_fault_clear(struct usb_device *dev, unsigned int id)
{
	struct usb_faults *fs = dev->faults;
	bool found = false, per_command = false;
	unsigned int i;

	if (!fs)
		return id ? -ENOENT : 0;
	for (i = 0; i < USB_FAULT_MAX; i++) {
		if (fs->f[i].id && (!id || fs->f[i].id == id)) {
			fs->f[i].id = 0;
			found = true;
			per_command |= !!((1u << fs->f[i].spec.kind) & USB_FAULT_PER_COMMAND);
		}
	}
	if (id && !found)
		return -ENOENT;
	release(dev, id, 0);
	/* A class holding a command for one (slow) lets it go now too. */
	for (i = 0; per_command && i < dev->nfuncs; i++)
		if (dev->funcs[i].ops->faults_cleared)
			dev->funcs[i].ops->faults_cleared(&dev->funcs[i]);
	/* No fault left: the core is back to one pointer test per URB. */
	if (dev->faults && engine_idle(dev->faults)) {
		free(dev->faults);
		dev->faults = NULL;
	}
	usb_device_rearm(dev);
	return 0;
}

void usb_fault_list(const struct usb_device *dev, struct strbuf *out)
{
	const struct usb_faults *fs = dev->faults;
	unsigned int i, n;

	if (!fs)
		return;
	for (i = 0; i < USB_FAULT_MAX; i++) {
		const struct fault *f = &fs->f[i];

		if (!f->id)
			continue;
		strbuf_printf(out, "%u\t", f->id);
		usb_fault_format(&f->spec, out);
		strbuf_printf(out, "\tfired %u", f->fired);
		if (f->spec.count && f->fired >= f->spec.count)
			strbuf_printf(out, " (spent)");
		n = held_by(fs, f->id);
		if (n)
			strbuf_printf(out, ", holding %u", n);
		strbuf_printf(out, "\n");
	}
}

void usb_fault_list_json(const struct usb_device *dev, struct json *j)
{
	const struct usb_faults *fs = dev->faults;
	struct strbuf spec = { 0 };
	unsigned int i;

	for (i = 0; fs && i < USB_FAULT_MAX; i++) {
		const struct fault *f = &fs->f[i];

		if (!f->id)
			continue;
		strbuf_reset(&spec);
		usb_fault_format(&f->spec, &spec);
		json_object_begin(j);
		json_kv_uint(j, "id", f->id);
		json_kv_str(j, "spec", strbuf_str(&spec));
		json_kv_uint(j, "fired", f->fired);
		json_kv_bool(j, "spent", f->spec.count && f->fired >= f->spec.count);
		json_kv_uint(j, "holding", held_by(fs, f->id));
		json_object_end(j);
	}
	strbuf_free(&spec);
}

void usb_faults_free(struct usb_device *dev)
{
	struct usb_faults *fs = dev->faults;
	struct list_head *pos, *tmp;

	if (!fs)
		return;
	/* A device freed with URBs held: its transport went without a
	 * disconnect, which is a bug of ours; do not leak the records. */
	list_for_each_safe(pos, tmp, &fs->held)
		free(list_entry(pos, struct held, link));
	free(fs);
	dev->faults = NULL;
}

static bool matches(const struct fault *f, const struct usb_urb *urb)
{
	const struct usb_fault_spec *s = &f->spec;

	if (!f->id || ((1u << s->kind) & USB_FAULT_PER_COMMAND))
		return false;
	if ((s->kind == USB_FAULT_SHORT || s->kind == USB_FAULT_CORRUPT) && !urb->in)
		return false;
	if (s->ep != USB_FAULT_ANY_EP) {
		if (s->ep == 0 ? urb->ep != 0 :
				 EP_NUM(s->ep) != urb->ep || !!(s->ep & USB_DIR_IN) != urb->in)
			return false;
	}
	if (s->request != USB_FAULT_ANY_REQ) {
		/* a standard request: type bits 0 */
		if (urb->ep != 0 || (urb->setup_raw[0] & 0x60) || urb->setup_raw[1] != s->request)
			return false;
		if (s->dtype >= 0 && urb->setup_raw[3] != s->dtype)
			return false;
	}
	return true;
}

/* Count the URB for `f`; whether f fires on it. */
static bool due(struct fault *f)
{
	uint32_t n;

	if (f->seen < UINT32_MAX)
		f->seen++;
	if (f->seen <= f->spec.after)
		return false;
	n = f->seen - f->spec.after;
	if (f->spec.every > 1 && n % f->spec.every)
		return false;
	return !f->spec.count || f->fired < f->spec.count;
}

static void hold(struct usb_device *dev, struct fault *f, struct usb_urb *urb, uint32_t ms)
{
	struct held *h = calloc(1, sizeof(*h));

	if (!h) {
		/* No memory to hold it: serve it, unharmed, rather than lose it. */
		usb_device_serve(dev, urb);
		return;
	}
	h->urb = urb;
	h->id = f->id;
	h->deadline_ms = f->spec.kind == USB_FAULT_NAK ? now_ms() + ms : 0;
	list_init(&urb->link);
	list_add_tail(&h->link, &dev->faults->held);
	if (h->deadline_ms)
		usb_device_rearm(dev);
}

static void fail(struct usb_device *dev, struct usb_urb *urb, int status)
{
	list_init(&urb->link);
	urb->status = status;
	urb->actual = 0;
	dev->transport->complete(dev->transport_data, urb);
}

/* `f` fires on `urb`: count, log with the URB it hit, mark the URB for a capture. */
static void fired(struct usb_device *dev, struct fault *f, struct usb_urb *urb)
{
	char what[160];

	f->fired++;
	urb->fault_kind = (uint8_t)f->spec.kind;
	urb->fault_id = (uint16_t)f->id;
	snprintf(what, sizeof(what), "fault %u %s fired on seqnum %u ep 0x%02x (%u of %s%u)", f->id,
		 usb_fault_kind_name(f->spec.kind), urb->seqnum,
		 (urb->in ? USB_DIR_IN : 0) | urb->ep, f->fired, f->spec.count ? "" : "every ",
		 f->spec.count ? f->spec.count : f->spec.every);
	usb_device_event(dev, what);
}

bool usb_fault_submit(struct usb_device *dev, struct usb_urb *urb)
{
	struct usb_faults *fs = dev->faults;
	struct fault *hit = NULL;
	unsigned int i;
	struct usb_ep *ep;

	for (i = 0; i < USB_FAULT_MAX; i++) {
		struct fault *f = &fs->f[i];

		if (matches(f, urb) && due(f) && !hit)
			hit = f;
	}
	if (!hit)
		return false;
	fired(dev, hit, urb);

	switch (hit->spec.kind) {
	case USB_FAULT_STALL:
		ep = &dev->ep[urb->in][urb->ep & 0x0f];
		if (urb->ep == 0 || !usb_device_configured(dev) || !ep->func) {
			fail(dev, urb, -EPIPE);
			return true;
		}
		/* Halted as on the bus: this URB and every later one fail
		 * until the host clears the halt. */
		ep->halted = true;
		usb_device_serve(dev, urb);
		return true;
	case USB_FAULT_ERROR:
		fail(dev, urb, -(int)hit->spec.arg);
		return true;
	case USB_FAULT_NAK:
	case USB_FAULT_TIMEOUT:
		hold(dev, hit, urb, hit->spec.arg);
		return true;
	case USB_FAULT_SHORT:
		urb->fault_op = USB_FAULT_SHORT;
		urb->fault_arg = hit->spec.arg;
		return false;
	case USB_FAULT_CORRUPT:
		urb->fault_op = USB_FAULT_CORRUPT;
		urb->fault_arg = xorshift32(&hit->rng);
		return false;
	case USB_FAULT_DESCRIPTOR:
		urb->fault_op = USB_FAULT_DESCRIPTOR;
		urb->fault_arg = hit->spec.arg;
		return false;
	case USB_FAULT_SLOW:
	case USB_FAULT_RESET_STORM:
		break; /* per command: matches() never picks them */
	}
	return false;
}

enum usb_fault_kind usb_fault_command(struct usb_device *dev, struct usb_urb *urb,
				      uint32_t *ret_arg)
{
	struct fault *hit = NULL;
	unsigned int i;

	/* Every per-command fault counts the command, as URB faults count
	 * URBs; the first due one fires. */
	for (i = 0; i < USB_FAULT_MAX; i++) {
		struct fault *f = &dev->faults->f[i];

		if (f->id && ((1u << f->spec.kind) & USB_FAULT_PER_COMMAND) && due(f) && !hit)
			hit = f;
	}
	if (!hit)
		return 0;
	fired(dev, hit, urb);
	*ret_arg = hit->spec.arg;
	return hit->spec.kind;
}

/* What a descriptor fault makes of a GET_DESCRIPTOR answer in urb->buf. */
static void descriptor_fault(struct usb_urb *urb)
{
	uint8_t type = urb->setup_raw[3];

	switch (urb->fault_arg) {
	case USB_FAULT_DESC_CORRUPT:
		if (urb->actual >= 2)
			urb->buf[1] ^= 0x5a; /* no descriptor type the host expects */
		break;
	case USB_FAULT_DESC_TRUNCATE:
		urb->actual /= 2;
		break;
	case USB_FAULT_DESC_OVERSIZE:
		if ((type == USB_DT_CONFIG || type == USB_DT_BOS) && urb->actual >= 4) {
			urb->buf[2] = 0xff; /* wTotalLength */
			urb->buf[3] = 0xff;
		} else if (urb->actual >= 1) {
			urb->buf[0] = 0xff; /* bLength */
		}
		break;
	}
}

void usb_fault_complete(struct usb_urb *urb)
{
	uint64_t bit;

	if (urb->status || !urb->in)
		return;
	if (urb->fault_op == USB_FAULT_SHORT && urb->actual > urb->fault_arg)
		urb->actual = urb->fault_arg;
	if (urb->fault_op == USB_FAULT_CORRUPT && urb->actual && urb->actual <= urb->cap) {
		bit = urb->fault_arg % ((uint64_t)urb->actual * 8);
		urb->buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	if (urb->fault_op == USB_FAULT_DESCRIPTOR && urb->actual <= urb->cap)
		descriptor_fault(urb);
}

struct usb_urb *usb_fault_unlink(struct usb_device *dev, uint32_t seqnum)
{
	struct list_head *pos;

	list_for_each(pos, &dev->faults->held) {
		struct held *h = list_entry(pos, struct held, link);
		struct usb_urb *urb = h->urb;

		if (urb->seqnum == seqnum) {
			list_del(&h->link);
			free(h);
			return urb;
		}
	}
	return NULL;
}

void usb_fault_drop(struct usb_device *dev, void (*drop)(struct usb_urb *urb, void *data),
		    void *data)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &dev->faults->held) {
		struct held *h = list_entry(pos, struct held, link);
		struct usb_urb *urb = h->urb;

		list_del(&h->link);
		free(h);
		drop(urb, data);
	}
}

uint64_t usb_fault_deadline(const struct usb_device *dev)
{
	const struct list_head *pos;
	uint64_t next = 0;

	list_for_each(pos, &dev->faults->held) {
		const struct held *h = list_entry(pos, struct held, link);

		if (h->deadline_ms && (!next || h->deadline_ms < next))
			next = h->deadline_ms;
	}
	return next;
}

void usb_fault_timer(struct usb_device *dev, uint64_t now)
{
	release(dev, 0, now);
}
