/* SPDX-License-Identifier: MIT */
/*
 * Shared by the device's core (usbdev.c) and endpoint 0's requests
 * (ep0.c); not for classes, which see usbdev.h only.
 */
#ifndef VUSB_USB_USBDEV_PRIVATE_H
#define VUSB_USB_USBDEV_PRIVATE_H

#include "src/usb/usbdev.h"

#define EP_IN(addr) (((addr) & USB_DIR_IN) != 0)

static inline struct usb_ep *ep_of(struct usb_device *dev, uint8_t epaddr)
{
	return &dev->ep[EP_IN(epaddr)][EP_NUM(epaddr)];
}

/* Every function's reset op, in order. */
void usb_device_reset_functions(struct usb_device *dev);
/* Complete every URB queued on a non-control endpoint with `status`, and
 * unbind those endpoints. */
void usb_device_flush_endpoints(struct usb_device *dev, int status);

/* ep0.c: a request on endpoint 0 that no class takes whole. Returns the
 * length of the IN reply put in urb->buf (0 for OUT), or -EPIPE to stall. */
int usb_ep0_request(struct usb_device *dev, struct usb_urb *urb);

#endif
