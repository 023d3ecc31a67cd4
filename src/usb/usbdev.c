// SPDX-License-Identifier: MIT
/*
 * The device's core: its functions, URBs routed to the endpoints they are
 * for and completed, the class's pull loop (usb_ep_wake()), splicing,
 * unlink, disconnect and the functions' timers. Endpoint 0's requests are
 * answered in ep0.c. See usbdev.h for the ownership rules of URBs.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "src/usb/fault.h"
#include "src/usb/usbdev-private.h"

void usb_device_init(struct usb_device *dev)
{
	unsigned int dir, n;

	memset(dev, 0, sizeof(*dev));
	for (dir = 0; dir < 2; dir++)
		for (n = 0; n < USB_MAX_ENDPOINTS; n++)
			list_init(&dev->ep[dir][n].queue);
}

struct usb_function *usb_device_add_function(struct usb_device *dev,
					     const struct usb_class_ops *ops,
					     unsigned int first_intf,
					     unsigned int num_intf, void *data)
{
	struct usb_function *f;
	unsigned int i;

	if (dev->nfuncs >= USB_MAX_FUNCTIONS || num_intf == 0 ||
	    first_intf + num_intf > USB_MAX_INTERFACES)
		return NULL;
	for (i = first_intf; i < first_intf + num_intf; i++)
		if (dev->intf_func[i])
			return NULL;

	f = &dev->funcs[dev->nfuncs++];
	f->ops = ops;
	f->dev = dev;
	f->first_intf = first_intf;
	f->num_intf = num_intf;
	f->data = data;
	for (i = first_intf; i < first_intf + num_intf; i++)
		dev->intf_func[i] = f;
	if (ops->ep0) {
		assert(!dev->ep[0][0].func);
		dev->ep[0][0].func = f;
		dev->ep[0][0].type = USB_ENDPOINT_XFER_CONTROL;
	}
	return f;
}

void usb_device_set_transport(struct usb_device *dev, const struct usb_transport_ops *ops,
			      void *transport)
{
	dev->transport = ops;
	dev->transport_data = transport;
}
static void urb_complete(struct usb_device *dev, struct usb_urb *urb, int status)
{
	urb->status = status;
	if (!urb->in)
		urb->actual = status ? 0 : urb->actual;
	if (urb->fault_op)
		usb_fault_complete(urb);
	/* Never more IN data than the host asked for. */
	assert(!urb->in || urb->actual <= urb->length);
	if (urb->actual > urb->length)
		urb->actual = urb->length;
	dev->transport->complete(dev->transport_data, urb);
}
void usb_device_reset_functions(struct usb_device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nfuncs; i++)
		if (dev->funcs[i].ops->reset)
			dev->funcs[i].ops->reset(&dev->funcs[i]);
}

void usb_device_flush_endpoints(struct usb_device *dev, int status)
{
	struct list_head *pos, *tmp;
	unsigned int dir, n;

	for (dir = 0; dir < 2; dir++) {
		for (n = 1; n < USB_MAX_ENDPOINTS; n++) {
			struct usb_ep *ep = &dev->ep[dir][n];

			list_for_each_safe(pos, tmp, &ep->queue) {
				struct usb_urb *urb = list_entry(pos, struct usb_urb, link);

				list_del(&urb->link);
				urb_complete(dev, urb, status);
			}
			ep->func = NULL;
			ep->halted = false;
		}
	}
}
static void control_submit(struct usb_device *dev, struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;
	int r;

	usb_setup_decode(&urb->setup, urb->setup_raw);
	if (dev->ep[0][0].func) {
		/* IN and OUT alike: one queue keeps them in order */
		list_add_tail(&urb->link, &dev->ep[0][0].queue);
		usb_ep_wake(dev, 0);
		return;
	}
	r = usb_ep0_request(dev, urb);
	if (r < 0) {
		urb->actual = 0;
		urb_complete(dev, urb, r);
		return;
	}
	if (s->bmRequestType & USB_DIR_IN)
		urb->actual = (uint32_t)r;
	urb_complete(dev, urb, 0);
}

/* Inlined into usb_device_submit(): the hot path pays for no extra call. */
static inline __attribute__((always_inline)) void serve(struct usb_device *dev, struct usb_urb *urb)
{
	struct usb_ep *ep;

	list_init(&urb->link);
	if (urb->ep == 0) {
		control_submit(dev, urb);
		return;
	}

	ep = &dev->ep[urb->in][urb->ep & 0x0f];
	if (!usb_device_configured(dev) || !ep->func) {
		/* No such endpoint in this configuration: what a device
		 * answers with a STALL handshake. */
		urb->actual = 0;
		urb_complete(dev, urb, -EPIPE);
		return;
	}
	list_add_tail(&urb->link, &ep->queue);
	usb_ep_wake(dev, (uint8_t)((urb->in ? USB_DIR_IN : 0) | urb->ep));
}

void usb_device_submit(struct usb_device *dev, struct usb_urb *urb)
{
	urb->fault_op = 0;
	urb->fault_kind = 0;
	urb->fault_id = 0;
	/* No fault ever set: one pointer test (src/usb/fault.h). */
	if (dev->faults && usb_fault_submit(dev, urb))
		return;
	serve(dev, urb);
}

void usb_device_serve(struct usb_device *dev, struct usb_urb *urb)
{
	serve(dev, urb);
}

/* What a class answering endpoint 0 did with a request the core tracks. */
static void ep0_done(struct usb_device *dev, const struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;

	if (s->bmRequestType != (USB_DIR_OUT | USB_TYPE_STANDARD | USB_RECIP_DEVICE) ||
	    s->bRequest != USB_REQ_SET_CONFIGURATION || s->wValue > 0xff)
		return;
	dev->configuration = (uint8_t)s->wValue;
	if (s->wValue)
		usb_device_event(dev, "configured");
}

int usb_urb_splice_in(struct usb_device *dev, struct usb_urb *urb, int fd, uint64_t off,
		      size_t len)
{
	int r;

	/* A fault that alters the data needs it in urb->buf. */
	if (!urb->in || len > urb->length || len > urb->cap || !dev->transport->splice_in ||
	    urb->fault_op)
		return -EOPNOTSUPP;
	r = dev->transport->splice_in(dev->transport_data, urb, fd, off, len);
	if (r == 0)
		urb->actual = (uint32_t)len;
	return r;
}

/* Bring the payload the transport still holds into urb->buf. */
static int out_data(struct usb_device *dev, struct usb_urb *urb)
{
	if (urb->in || !dev->transport->out_data)
		return 0;
	return dev->transport->out_data(dev->transport_data, urb);
}

/* Will the class bound to the URB's endpoint splice its payload out? */
static bool class_splices(struct usb_device *dev, const struct usb_urb *urb)
{
	struct usb_ep *e = &dev->ep[0][urb->ep & 0x0f];

	return !urb->in && urb->ep && e->func && e->func->ops->splice_out &&
	       e->type == USB_ENDPOINT_XFER_BULK && e->func->ops->splice_out(e->func, urb);
}

bool usb_device_splices_out(struct usb_device *dev, const struct usb_urb *urb)
{
	return dev->transport && dev->transport->splice_out && dev->transport->out_data &&
	       class_splices(dev, urb);
}

int usb_urb_splice_out(struct usb_device *dev, struct usb_urb *urb, int fd, uint64_t off,
		       size_t len)
{
	int r = -EOPNOTSUPP;

	if (urb->in)
		return -EOPNOTSUPP;
	if (dev->transport->splice_out)
		r = dev->transport->splice_out(dev->transport_data, urb, fd, off, len);
	if (r == -EOPNOTSUPP) {
		int e = out_data(dev, urb);

		if (e < 0)
			return e;
	}
	return r;
}

void usb_ep_wake(struct usb_device *dev, uint8_t epaddr)
{
	struct usb_ep *ep = ep_of(dev, epaddr);

	/* A class may produce data from inside its own xfer(); the loop
	 * below is still running then and will see it. */
	if (ep->waking)
		return;
	ep->waking = true;
	while (!list_empty(&ep->queue)) {
		struct usb_urb *urb = list_first_entry(&ep->queue, struct usb_urb, link);
		int r;

		if (ep->halted || !ep->func || !ep->func->ops->xfer) {
			r = -EPIPE;
		} else {
			if (urb->in)
				urb->actual = 0;
			else if (!class_splices(dev, urb) && (r = out_data(dev, urb)) < 0)
				goto done;
			r = ep->func->ops->xfer(ep->func, urb);
			if (r == -EAGAIN)
				break;
			/* Endpoint 0 is never halted: a STALL ends one request. */
			if (r == -EPIPE && EP_NUM(epaddr))
				ep->halted = true;
			if (r == 0 && EP_NUM(epaddr) == 0)
				ep0_done(dev, urb);
		}
done:
		list_del(&urb->link);
		if (r < 0 && urb->in)
			urb->actual = 0;
		urb_complete(dev, urb, r < 0 ? r : 0);
	}
	ep->waking = false;
}

unsigned int usb_ep_pending(const struct usb_device *dev, uint8_t epaddr)
{
	const struct list_head *h = &dev->ep[EP_IN(epaddr)][EP_NUM(epaddr)].queue;
	const struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, h)
		n++;
	return n;
}

void usb_ep_set_halt(struct usb_device *dev, uint8_t epaddr)
{
	if (EP_NUM(epaddr) == 0)
		return;
	ep_of(dev, epaddr)->halted = true;
	usb_ep_wake(dev, epaddr);
}

struct usb_urb *usb_device_unlink(struct usb_device *dev, uint32_t seqnum)
{
	struct list_head *pos;
	unsigned int dir, n;

	for (dir = 0; dir < 2; dir++) {
		for (n = 0; n < USB_MAX_ENDPOINTS; n++) {
			list_for_each(pos, &dev->ep[dir][n].queue) {
				struct usb_urb *urb = list_entry(pos, struct usb_urb, link);

				if (urb->seqnum == seqnum) {
					list_del(&urb->link);
					return urb;
				}
			}
		}
	}
	return dev->faults ? usb_fault_unlink(dev, seqnum) : NULL;
}

static void rearm(struct usb_device *dev, uint64_t now);

void usb_device_disconnect(struct usb_device *dev,
			   void (*drop)(struct usb_urb *urb, void *data), void *data)
{
	struct list_head *pos, *tmp;
	unsigned int dir, n;

	if (dev->faults)
		usb_fault_drop(dev, drop, data);
	for (dir = 0; dir < 2; dir++) {
		for (n = 0; n < USB_MAX_ENDPOINTS; n++) {
			struct usb_ep *ep = &dev->ep[dir][n];

			list_for_each_safe(pos, tmp, &ep->queue) {
				struct usb_urb *urb = list_entry(pos, struct usb_urb, link);

				list_del(&urb->link);
				drop(urb, data);
			}
			if (n)
				ep->func = NULL;
			ep->halted = false;
		}
	}
	dev->configuration = 0;
	dev->remote_wakeup = false;
	memset(dev->alt, 0, sizeof(dev->alt));
	memset(dev->deadline_ms, 0, sizeof(dev->deadline_ms));
	/* A function may arm its timer again from reset: a board that left
	 * the bus keeps running (the Fomu's core after a DFU detach). */
	usb_device_reset_functions(dev);
	rearm(dev, usb_now_ms());
}

uint64_t usb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Arm the host's one timer for the earliest deadline of any function. */
static void rearm(struct usb_device *dev, uint64_t now)
{
	uint64_t next = 0;
	unsigned int i;

	for (i = 0; i < dev->nfuncs; i++)
		if (dev->deadline_ms[i] && (!next || dev->deadline_ms[i] < next))
			next = dev->deadline_ms[i];
	if (dev->faults) {
		uint64_t f = usb_fault_deadline(dev);

		if (f && (!next || f < next))
			next = f;
	}
	if (!dev->host || !dev->host->arm_timer)
		return;
	if (!next)
		dev->host->arm_timer(dev, 0);
	else
		dev->host->arm_timer(dev, next > now ? (unsigned int)(next - now) : 1);
}

void usb_device_rearm(struct usb_device *dev)
{
	rearm(dev, usb_now_ms());
}

void usb_function_arm_timer(struct usb_function *f, unsigned int ms)
{
	struct usb_device *dev = f->dev;
	uint64_t now = usb_now_ms();

	dev->deadline_ms[f - dev->funcs] = ms ? now + ms : 0;
	rearm(dev, now);
}

void usb_device_timer(struct usb_device *dev)
{
	uint64_t now = usb_now_ms();
	unsigned int i;

	for (i = 0; i < dev->nfuncs; i++) {
		if (!dev->deadline_ms[i] || dev->deadline_ms[i] > now)
			continue;
		dev->deadline_ms[i] = 0;
		if (dev->funcs[i].ops->timer)
			dev->funcs[i].ops->timer(&dev->funcs[i]);
	}
	if (dev->faults)
		usb_fault_timer(dev, now);
	rearm(dev, now);
}

void usb_device_plug(struct usb_device *dev, bool connected)
{
	if (dev->host && dev->host->plug)
		dev->host->plug(dev, connected);
}

void usb_device_event(struct usb_device *dev, const char *what)
{
	if (dev->host && dev->host->event)
		dev->host->event(dev, what);
}

void usb_device_report(struct usb_device *dev, unsigned int type, const uint8_t *data, size_t len)
{
	if (dev->host && dev->host->report)
		dev->host->report(dev, type, data, len);
}

void usb_device_room(struct usb_device *dev)
{
	if (dev->host && dev->host->room)
		dev->host->room(dev);
}
