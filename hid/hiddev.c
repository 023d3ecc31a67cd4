// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hid/hiddev.h"

/* Device descriptor template; IDs and bMaxPacketSize0 patched per device. */
static const uint8_t device_desc[] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0200),
	USB_CLASS_PER_INTERFACE, 0, 0, 64 /* bMaxPacketSize0 */,
	U16_LE(HID_VID_PIDCODES), U16_LE(0x0000) /* idProduct */, U16_LE(0x0100) /* bcdDevice */,
	1 /* iManufacturer */, 2 /* iProduct */, 3 /* iSerialNumber */, 1 /* configurations */,
};
static_assert(sizeof(device_desc) == USB_DT_DEVICE_SIZE, "device descriptor");

#define DEV_MAXPACKET0 7
#define DEV_VENDOR 8
#define DEV_PRODUCT 10

/* What the device would be at full speed, for a high-speed one. */
static const uint8_t qualifier_desc[] = {
	USB_DT_QUALIFIER_SIZE, USB_DT_DEVICE_QUALIFIER, U16_LE(0x0200),
	USB_CLASS_PER_INTERFACE, 0, 0, 64 /* bMaxPacketSize0 */, 1 /* configurations */, 0,
};
static_assert(sizeof(qualifier_desc) == USB_DT_QUALIFIER_SIZE, "device qualifier");

/* Full-speed milliseconds as a high-speed bInterval: 2^(b-1) microframes,
 * rounded down so the host polls at least as often. */
static uint8_t high_speed_interval(unsigned int ms)
{
	unsigned int uframes = ms * 8, b = 1;

	while (b < 16 && (1u << b) <= uframes)
		b++;
	return (uint8_t)b;
}

int hid_device_setup(struct hid_device *hd, const struct hid_model_info *info,
		     const struct vusb_dev_opts *opts, struct strbuf *err)
{
	struct usb_device *dev = &hd->usb;
	enum usb_speed speed = opts->speed;
	size_t total = (size_t)(info->config[2] | info->config[3] << 8), off;
	char serial[HID_STRING_MAX];
	int r;

	assert(total >= HID_CONFIG_SIZE && total <= HID_CONFIG_MAX);
	usb_device_init(dev);
	memcpy(dev->desc, device_desc, sizeof(device_desc));
	memcpy(hd->config, info->config, total);

	switch (speed) {
	case USB_SPEED_UNKNOWN:
	case USB_SPEED_FULL:
		speed = USB_SPEED_FULL;
		break;
	case USB_SPEED_LOW:
		dev->desc[DEV_MAXPACKET0] = 8;
		break;
	case USB_SPEED_HIGH:
		memcpy(hd->qualifier, qualifier_desc, sizeof(qualifier_desc));
		dev->qualifier = hd->qualifier;
		break;
	default:
		strbuf_printf(err, "a %s cannot be %s: use low, full or high speed", info->name,
			      usb_speed_name(speed));
		return -EINVAL;
	}
	dev->speed = speed;
	/* Every endpoint's bInterval, given in full-speed milliseconds. */
	for (off = 0; off + 1 < total && hd->config[off]; off += hd->config[off]) {
		uint8_t *b = &hd->config[off + USB_DT_ENDPOINT_SIZE - 1];

		if (hd->config[off + 1] != USB_DT_ENDPOINT || off + USB_DT_ENDPOINT_SIZE > total)
			continue;
		if (speed == USB_SPEED_LOW) /* USB 1.1: 10..255 ms at low speed */
			*b = *b < 10 ? 10 : *b;
		else if (speed == USB_SPEED_HIGH)
			*b = high_speed_interval(*b);
	}

	r = vusb_dev_set_id("vendor id", opts->vid, HID_VID_PIDCODES, dev->desc + DEV_VENDOR, err);
	if (r < 0)
		return r;
	r = vusb_dev_set_id("product id", opts->pid, info->pid, dev->desc + DEV_PRODUCT, err);
	if (r < 0)
		return r;

	/* Unique per device so that udev and the user can tell them apart. */
	if (opts->name)
		snprintf(serial, sizeof(serial), "vusb-%s", opts->name);
	else
		snprintf(serial, sizeof(serial), "vusb-%s%u", info->name, opts->instance);
	r = vusb_dev_set_string("manufacturer", opts->manufacturer ? opts->manufacturer : "vusb",
		       hd->manufacturer, err);
	if (r < 0)
		return r;
	r = vusb_dev_set_string("product", opts->product ? opts->product : info->product, hd->product,
		       err);
	if (r < 0)
		return r;
	r = vusb_dev_set_string("serial", opts->serial ? opts->serial : serial, hd->serial, err);
	if (r < 0)
		return r;
	dev->strings[1] = hd->manufacturer;
	dev->strings[2] = hd->product;
	dev->strings[3] = hd->serial;
	dev->config = hd->config;

	r = hid_attach(&hd->hid, info->params, dev, 0);
	if (r == 0)
		r = usb_device_validate(dev);
	if (r < 0) {
		/* Our descriptors: a bug, but say so rather than crash. */
		strbuf_printf(err, "%s: internal error: invalid descriptors (%d)", info->name, r);
		return r;
	}
	return 0;
}

int hid_device_send_report(struct usb_device *dev, const uint8_t *report, size_t len)
{
	struct hid *h = &hid_device_of(dev)->hid;

	if (len != h->params->in_len)
		return -EMSGSIZE;
	return hid_send(h, report);
}
