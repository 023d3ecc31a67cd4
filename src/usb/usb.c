// SPDX-License-Identifier: MIT
#include "src/base/bytes.h"
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
	ret->wValue = get_le16(raw + 2);
	ret->wIndex = get_le16(raw + 4);
	ret->wLength = get_le16(raw + 6);
}

void usb_setup_encode(const struct usb_setup *s, uint8_t raw[8])
{
	raw[0] = s->bmRequestType;
	raw[1] = s->bRequest;
	put_le16(raw + 2, s->wValue);
	put_le16(raw + 4, s->wIndex);
	put_le16(raw + 6, s->wLength);
}
