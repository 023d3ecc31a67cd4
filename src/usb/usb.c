// SPDX-License-Identifier: MIT
#include "src/usb/usb.h"

const char *usb_speed_name(enum usb_speed speed)
{
	switch (speed) {
	case USB_SPEED_LOW:
		return "low-speed";
	case USB_SPEED_FULL:
		return "full-speed";
	case USB_SPEED_HIGH:
		return "high-speed";
	case USB_SPEED_SUPER:
		return "super-speed";
	case USB_SPEED_SUPER_PLUS:
		return "super-speed-plus";
	default:
		return "unknown";
	}
}

void usb_setup_decode(struct usb_setup *ret, const uint8_t raw[8])
{
	ret->bmRequestType = raw[0];
	ret->bRequest = raw[1];
	ret->wValue = (uint16_t)(raw[2] | raw[3] << 8);
	ret->wIndex = (uint16_t)(raw[4] | raw[5] << 8);
	ret->wLength = (uint16_t)(raw[6] | raw[7] << 8);
}

void usb_setup_encode(const struct usb_setup *s, uint8_t raw[8])
{
	raw[0] = s->bmRequestType;
	raw[1] = s->bRequest;
	raw[2] = s->wValue & 0xff;
	raw[3] = s->wValue >> 8;
	raw[4] = s->wIndex & 0xff;
	raw[5] = s->wIndex >> 8;
	raw[6] = s->wLength & 0xff;
	raw[7] = s->wLength >> 8;
}
