// SPDX-License-Identifier: MIT
/*
 * Descriptors, as the core reads and checks them: walking a
 * configuration descriptor, validating a model's descriptors before it
 * is attached, and string descriptors from UTF-8 (src/usb/usbdev.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "src/base/bytes.h"
#include "src/usb/usbdev.h"

void usb_config_begin(struct usb_config_cursor *c, const uint8_t *config)
{
	c->p = config;
	c->off = 0;
	c->total = get_le16(config + 2);
	c->err = 0;
}

const uint8_t *usb_config_next(struct usb_config_cursor *c)
{
	const uint8_t *d;

	if (c->off >= c->total)
		return NULL;
	d = c->p + c->off;
	if (c->total - c->off < 2 || d[0] < 2 || d[0] > c->total - c->off) {
		c->err = -EINVAL;
		return NULL;
	}
	c->off += d[0];
	return d;
}

/* Does the configuration have interface `intf` with alternate setting `alt`? */

int usb_interface_eps(const uint8_t *config, unsigned int intf, uint8_t xfer,
		      uint8_t class_dtype, struct usb_intf_eps *ret)
{
	struct usb_intf_eps e = { 0 };
	struct usb_config_cursor c;
	bool inside = false;
	const uint8_t *p;

	usb_config_begin(&c, config);
	while ((p = usb_config_next(&c))) {
		if (p[1] == USB_DT_INTERFACE && p[0] >= USB_DT_INTERFACE_SIZE) {
			inside = p[2] == intf && p[3] == 0;
		} else if (!inside) {
			continue;
		} else if (p[1] == USB_DT_ENDPOINT && p[0] >= USB_DT_ENDPOINT_SIZE &&
			   (p[3] & 0x03) == xfer) {
			if ((p[2] & USB_DIR_IN) && !e.in)
				e.in = p[2];
			else if (!(p[2] & USB_DIR_IN) && !e.out)
				e.out = p[2];
		} else if (class_dtype && p[1] == class_dtype && !e.class_desc) {
			e.class_desc = p;
		}
	}
	if (c.err)
		return -EINVAL;
	*ret = e;
	return 0;
}

int usb_device_validate(struct usb_device *dev)
{
	struct usb_config_cursor c;
	const uint8_t *d;
	bool seen[USB_MAX_INTERFACES] = { false };
	unsigned int i, nintf = 0;

	if (dev->desc[0] != USB_DT_DEVICE_SIZE || dev->desc[1] != USB_DT_DEVICE)
		return -EINVAL;
	if (!dev->config || dev->config[0] != USB_DT_CONFIG_SIZE ||
	    dev->config[1] != USB_DT_CONFIG || get_le16(dev->config + 2) < USB_DT_CONFIG_SIZE)
		return -EINVAL;
	if (dev->bos && (dev->bos[1] != USB_DT_BOS || get_le16(dev->bos + 2) < USB_DT_BOS_SIZE))
		return -EINVAL;

	usb_config_begin(&c, dev->config);
	while ((d = usb_config_next(&c))) {
		if (d[1] == USB_DT_INTERFACE) {
			if (d[0] < USB_DT_INTERFACE_SIZE || d[2] >= USB_MAX_INTERFACES ||
			    !dev->intf_func[d[2]])
				return -EINVAL;
			if (!seen[d[2]])
				nintf++;
			seen[d[2]] = true;
		} else if (d[1] == USB_DT_ENDPOINT) {
			if (d[0] < USB_DT_ENDPOINT_SIZE || EP_NUM(d[2]) == 0 || (d[2] & 0x70))
				return -EINVAL;
		}
	}
	if (c.err || nintf != dev->config[4])
		return -EINVAL;
	for (i = 0; i < USB_MAX_INTERFACES; i++)
		if (dev->intf_func[i] && !seen[i])
			return -EINVAL;
	return 0;
}

int usb_string_descriptor(const char *utf8, uint8_t *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)utf8;
	uint8_t out[256];
	size_t n = 2;

	while (*s) {
		uint32_t cp;
		unsigned int extra, i;

		if (*s < 0x80) {
			cp = *s;
			extra = 0;
		} else if ((*s & 0xe0) == 0xc0) {
			cp = *s & 0x1f;
			extra = 1;
		} else if ((*s & 0xf0) == 0xe0) {
			cp = *s & 0x0f;
			extra = 2;
		} else if ((*s & 0xf8) == 0xf0) {
			cp = *s & 0x07;
			extra = 3;
		} else {
			return -EINVAL;
		}
		s++;
		for (i = 0; i < extra; i++, s++) {
			if ((*s & 0xc0) != 0x80)
				return -EINVAL;
			cp = cp << 6 | (*s & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -EINVAL;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;

			if (n + 4 > 254)
				return -EINVAL;
			out[n++] = (uint8_t)((0xd800 | v >> 10) & 0xff);
			out[n++] = (uint8_t)((0xd800 | v >> 10) >> 8);
			out[n++] = (uint8_t)((0xdc00 | (v & 0x3ff)) & 0xff);
			out[n++] = (uint8_t)((0xdc00 | (v & 0x3ff)) >> 8);
		} else {
			if (n + 2 > 254)
				return -EINVAL;
			out[n++] = (uint8_t)(cp & 0xff);
			out[n++] = (uint8_t)(cp >> 8);
		}
	}
	out[0] = (uint8_t)n;
	out[1] = USB_DT_STRING;
	memcpy(buf, out, n < len ? n : len);
	return (int)n;
}
