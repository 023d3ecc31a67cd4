// SPDX-License-Identifier: MIT
/*
 * Endpoint 0's requests when no class answers it whole: the standard ones
 * (descriptors, configuration, interfaces, features, endpoint halts)
 * answered by the core, class and vendor ones routed to the function
 * they are for. usbdev.c queues and completes the URBs.
 */
#include <errno.h>
#include <string.h>

#include "src/base/bytes.h"
#include "src/usb/usbdev-private.h"

static bool config_has_alt(const uint8_t *config, unsigned int intf, unsigned int alt)
{
	struct usb_config_cursor c;
	const uint8_t *d;

	usb_config_begin(&c, config);
	while ((d = usb_config_next(&c)))
		if (d[1] == USB_DT_INTERFACE && d[0] >= USB_DT_INTERFACE_SIZE &&
		    d[2] == intf && d[3] == alt)
			return true;
	return false;
}

/*
 * Point the endpoints of interface `intf`, alternate setting `alt`, at
 * their function; with func NULL, unbind them.
 */
static void bind_endpoints(struct usb_device *dev, unsigned int intf, unsigned int alt,
			   struct usb_function *func)
{
	struct usb_config_cursor c;
	const uint8_t *d;
	bool inside = false;

	usb_config_begin(&c, dev->config);
	while ((d = usb_config_next(&c))) {
		if (d[1] == USB_DT_INTERFACE && d[0] >= USB_DT_INTERFACE_SIZE) {
			inside = d[2] == intf && d[3] == alt;
		} else if (inside && d[1] == USB_DT_ENDPOINT && d[0] >= USB_DT_ENDPOINT_SIZE) {
			struct usb_ep *ep = ep_of(dev, d[2]);

			ep->func = func;
			ep->type = d[3] & 0x03;
			ep->maxpacket = get_le16(d + 4) & 0x7ff;
			ep->halted = false;
		}
	}
}
/* Put `len` bytes of `src` into an IN reply, as much as the host asked for. */
static int reply(struct usb_urb *urb, const void *src, size_t len)
{
	size_t n = len;

	if (n > urb->setup.wLength)
		n = urb->setup.wLength;
	if (n > urb->cap)
		n = urb->cap;
	memcpy(urb->buf, src, n);
	return (int)n;
}

/*
 * A string the table does not hold: the first function may have it as
 * raw bytes (Microsoft's OS string at 0xEE, strings that must carry a
 * terminating NUL as some firmware sends them), through get_descriptor.
 */
static int function_string(struct usb_device *dev, struct usb_urb *urb)
{
	struct usb_function *f = dev->nfuncs ? &dev->funcs[0] : NULL;
	size_t len = urb->setup.wLength < urb->cap ? urb->setup.wLength : urb->cap;
	int r;

	if (!f || !f->ops->get_descriptor)
		return -EPIPE;
	r = f->ops->get_descriptor(f, &urb->setup, urb->buf, len);
	if (r < 0 || r > (int)len)
		return -EPIPE;
	return r;
}

static int get_string(struct usb_device *dev, struct usb_urb *urb, unsigned int index)
{
	static const uint8_t langids[] = { 4, USB_DT_STRING, U16_LE(0x0409) };
	uint8_t desc[256];
	int len;

	if (index == 0)
		return reply(urb, langids, sizeof(langids));
	if (index >= USB_MAX_STRINGS || !dev->strings[index])
		return function_string(dev, urb);
	len = usb_string_descriptor(dev->strings[index], desc, sizeof(desc));
	if (len < 0)
		return -EPIPE;
	return reply(urb, desc, (size_t)len);
}

static int get_descriptor(struct usb_device *dev, struct usb_urb *urb)
{
	unsigned int type = urb->setup.wValue >> 8, index = urb->setup.wValue & 0xff;

	switch (type) {
	case USB_DT_DEVICE:
		return reply(urb, dev->desc, sizeof(dev->desc));
	case USB_DT_CONFIG:
		if (index != 0)
			return -EPIPE;
		return reply(urb, dev->config, get_le16(dev->config + 2));
	case USB_DT_STRING:
		return get_string(dev, urb, index);
	case USB_DT_BOS:
		if (!dev->bos || get_le16(dev->desc + 2) < 0x0201)
			return -EPIPE;
		return reply(urb, dev->bos, get_le16(dev->bos + 2));
	case USB_DT_DEVICE_QUALIFIER:
		if (!dev->qualifier)
			return -EPIPE;
		return reply(urb, dev->qualifier, dev->qualifier[0]);
	default:
		return -EPIPE;
	}
}
static int set_configuration(struct usb_device *dev, unsigned int value)
{
	unsigned int i;

	if (value != 0 && value != dev->config[5])
		return -EPIPE;

	/* The host cancels its URBs before it changes configuration; a
	 * peer that did not gets them back rather than lost. */
	usb_device_flush_endpoints(dev, -ESHUTDOWN);
	memset(dev->alt, 0, sizeof(dev->alt));
	dev->configuration = (uint8_t)value;
	usb_device_reset_functions(dev);
	if (value == 0)
		return 0;
	for (i = 0; i < USB_MAX_INTERFACES; i++)
		if (dev->intf_func[i])
			bind_endpoints(dev, i, 0, dev->intf_func[i]);
	usb_device_event(dev, "configured");
	return 0;
}

static int set_interface(struct usb_device *dev, unsigned int intf, unsigned int alt)
{
	struct usb_function *f;
	int r;

	if (!usb_device_configured(dev) || intf >= USB_MAX_INTERFACES || !dev->intf_func[intf] ||
	    alt > 0xff || !config_has_alt(dev->config, intf, alt))
		return -EPIPE;
	f = dev->intf_func[intf];
	if (f->ops->set_alt) {
		r = f->ops->set_alt(f, intf, alt);
		if (r < 0)
			return -EPIPE;
	} else if (alt != 0) {
		return -EPIPE;
	}
	bind_endpoints(dev, intf, dev->alt[intf], NULL);
	dev->alt[intf] = (uint8_t)alt;
	bind_endpoints(dev, intf, alt, f);
	return 0;
}

/* The function a class/vendor request is for, by its recipient. */
static struct usb_function *request_target(struct usb_device *dev, const struct usb_setup *s)
{
	unsigned int recip = s->bmRequestType & USB_RECIP_MASK;
	unsigned int intf = s->wIndex & 0xff;

	switch (recip) {
	case USB_RECIP_DEVICE:
		/* Device-wide class/vendor requests (Microsoft OS
		 * descriptors, DFU on single-function devices) go to the
		 * first function. */
		return dev->nfuncs ? &dev->funcs[0] : NULL;
	case USB_RECIP_INTERFACE:
		return intf < USB_MAX_INTERFACES ? dev->intf_func[intf] : NULL;
	case USB_RECIP_ENDPOINT:
		return ep_of(dev, s->wIndex & 0xff)->func;
	default:
		return NULL;
	}
}

static int standard_device(struct usb_device *dev, struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;
	uint8_t b[2];

	switch (s->bRequest) {
	case USB_REQ_GET_STATUS:
		b[0] = (dev->config[7] & USB_CONFIG_ATT_SELFPOWER ? 1 : 0) |
		       (dev->remote_wakeup ? 2 : 0);
		b[1] = 0;
		return reply(urb, b, 2);
	case USB_REQ_CLEAR_FEATURE:
	case USB_REQ_SET_FEATURE:
		switch (s->wValue) {
		case USB_DEVICE_REMOTE_WAKEUP:
			dev->remote_wakeup = s->bRequest == USB_REQ_SET_FEATURE;
			return 0;
		case USB_DEVICE_U1_ENABLE:
		case USB_DEVICE_U2_ENABLE:
			return dev->speed >= USB_SPEED_SUPER ? 0 : -EPIPE;
		default:
			return -EPIPE;
		}
	case USB_REQ_SET_ADDRESS:
		return 0; /* vhci answers it itself; accept one from a peer */
	case USB_REQ_GET_DESCRIPTOR:
		return get_descriptor(dev, urb);
	case USB_REQ_GET_CONFIGURATION:
		b[0] = dev->configuration;
		return reply(urb, b, 1);
	case USB_REQ_SET_CONFIGURATION:
		return set_configuration(dev, s->wValue);
	case USB_REQ_SET_SEL:
	case USB_REQ_SET_ISOCH_DELAY:
		return dev->speed >= USB_SPEED_SUPER ? 0 : -EPIPE;
	default:
		return -EPIPE;
	}
}

static int standard_interface(struct usb_device *dev, struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;
	unsigned int intf = s->wIndex & 0xff;
	struct usb_function *f;
	uint8_t b[2] = { 0, 0 };

	if (intf >= USB_MAX_INTERFACES || !(f = dev->intf_func[intf]))
		return -EPIPE;

	switch (s->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		/* Class descriptors (a HID report descriptor) are read
		 * before SET_CONFIGURATION by some hosts: allow it. */
		if (!f->ops->get_descriptor)
			return -EPIPE;
		{
			size_t len = s->wLength < urb->cap ? s->wLength : urb->cap;
			int r = f->ops->get_descriptor(f, s, urb->buf, len);

			/* More than asked is a class bug: stall, never send it. */
			return r == -EOPNOTSUPP || r > (int)len ? -EPIPE : r;
		}
	}

	if (!usb_device_configured(dev))
		return -EPIPE;
	switch (s->bRequest) {
	case USB_REQ_GET_STATUS:
		return reply(urb, b, 2);
	case USB_REQ_GET_INTERFACE:
		b[0] = dev->alt[intf];
		return reply(urb, b, 1);
	case USB_REQ_SET_INTERFACE:
		return set_interface(dev, intf, s->wValue);
	default:
		return -EPIPE;
	}
}

static int standard_endpoint(struct usb_device *dev, struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;
	uint8_t epaddr = s->wIndex & 0xff;
	struct usb_ep *ep = ep_of(dev, epaddr);
	uint8_t b[2] = { 0, 0 };

	if (EP_NUM(epaddr) == 0) {
		/* Endpoint 0 halts only for one request; it is never halted. */
		if (s->bRequest == USB_REQ_GET_STATUS)
			return reply(urb, b, 2);
		return s->bRequest == USB_REQ_CLEAR_FEATURE ? 0 : -EPIPE;
	}

	switch (s->bRequest) {
	case USB_REQ_GET_STATUS:
		if (!ep->func)
			return -EPIPE;
		b[0] = ep->halted;
		return reply(urb, b, 2);
	case USB_REQ_CLEAR_FEATURE:
		if (s->wValue != USB_ENDPOINT_HALT)
			return -EPIPE;
		/* Always acknowledged: the host clears halts it never saw
		 * (usb_clear_halt after a timeout, a reset recovery). */
		ep->halted = false;
		if (ep->func && ep->func->ops->clear_halt)
			ep->func->ops->clear_halt(ep->func, epaddr);
		if (ep->func)
			usb_ep_wake(dev, epaddr);
		return 0;
	case USB_REQ_SET_FEATURE:
		if (s->wValue != USB_ENDPOINT_HALT || !ep->func)
			return -EPIPE;
		/* URBs already queued fail too, as they would on the bus. */
		usb_ep_set_halt(dev, epaddr);
		return 0;
	default:
		return -EPIPE;
	}
}

static int class_request(struct usb_device *dev, struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;
	struct usb_function *f = request_target(dev, s);
	size_t len;
	int r;

	if (!f || !f->ops->control)
		return -EPIPE;
	if (s->bmRequestType & USB_DIR_IN)
		len = s->wLength < urb->cap ? s->wLength : urb->cap;
	else
		len = urb->actual;
	r = f->ops->control(f, s, urb->buf, len);
	if (r == -EOPNOTSUPP)
		return -EPIPE;
	if (r > (int)len)
		return -EPIPE; /* a class bug; do not send what was not asked */
	return r;
}
int usb_ep0_request(struct usb_device *dev, struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;

	if ((s->bmRequestType & USB_TYPE_MASK) != USB_TYPE_STANDARD)
		return class_request(dev, urb);
	switch (s->bmRequestType & USB_RECIP_MASK) {
	case USB_RECIP_DEVICE:
		return standard_device(dev, urb);
	case USB_RECIP_INTERFACE:
		return standard_interface(dev, urb);
	case USB_RECIP_ENDPOINT:
		return standard_endpoint(dev, urb);
	default:
		return -EPIPE;
	}
}
