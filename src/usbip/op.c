// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "src/usbip/op.h"
#include "src/base/bytes.h"

void usbip_op_common_encode(uint8_t buf[USBIP_OP_COMMON_SIZE], uint16_t version, uint16_t code,
			    uint32_t status)
{
	put_be16(buf, version);
	put_be16(buf + 2, code);
	put_be32(buf + 4, status);
}

void usbip_op_common_decode(const uint8_t buf[USBIP_OP_COMMON_SIZE], uint16_t *ret_version,
			    uint16_t *ret_code, uint32_t *ret_status)
{
	*ret_version = get_be16(buf);
	*ret_code = get_be16(buf + 2);
	*ret_status = get_be32(buf + 4);
}

int usbip_op_request_parse(const uint8_t *buf, size_t len, struct usbip_op_request *ret,
			   size_t *ret_need)
{
	struct usbip_op_request r;
	size_t n;

	if (len < USBIP_OP_COMMON_SIZE) {
		*ret_need = USBIP_OP_COMMON_SIZE;
		return -EAGAIN;
	}
	memset(&r, 0, sizeof(r));
	usbip_op_common_decode(buf, &r.version, &r.code, &r.status);
	if (r.version != USBIP_VERSION) {
		*ret = r;
		return -EPROTONOSUPPORT;
	}
	switch (r.code) {
	case USBIP_OP_REQ_DEVLIST:
		*ret = r;
		return USBIP_OP_COMMON_SIZE;
	case USBIP_OP_REQ_IMPORT:
		if (len < USBIP_OP_IMPORT_REQ_SIZE) {
			*ret_need = USBIP_OP_IMPORT_REQ_SIZE;
			return -EAGAIN;
		}
		/* Clients leave garbage after the NUL; a busid that fills
		 * all 32 bytes has none and matches nothing of ours. */
		n = strnlen((const char *)buf + USBIP_OP_COMMON_SIZE, USBIP_BUSID_SIZE);
		memcpy(r.busid, buf + USBIP_OP_COMMON_SIZE, n);
		r.busid[n] = '\0';
		*ret = r;
		return USBIP_OP_IMPORT_REQ_SIZE;
	default:
		*ret = r;
		return -EBADMSG;
	}
}

size_t usbip_op_request_encode(uint8_t buf[USBIP_OP_IMPORT_REQ_SIZE], uint16_t code,
			       const char *busid)
{
	usbip_op_common_encode(buf, USBIP_VERSION, code, 0);
	if (code != USBIP_OP_REQ_IMPORT)
		return USBIP_OP_COMMON_SIZE;
	memset(buf + USBIP_OP_COMMON_SIZE, 0, USBIP_BUSID_SIZE);
	memcpy(buf + USBIP_OP_COMMON_SIZE, busid, strnlen(busid, USBIP_BUSID_SIZE - 1));
	return USBIP_OP_IMPORT_REQ_SIZE;
}

int usbip_op_device_from_descriptors(struct usbip_op_device *ret,
				     const uint8_t dev[USB_DT_DEVICE_SIZE], const uint8_t *config,
				     size_t config_len, enum usb_speed speed)
{
	bool seen[USBIP_OP_MAX_INTERFACES] = { false };
	struct usbip_op_device d = *ret;
	size_t total, off, nintf, found = 0;

	if (dev[0] != USB_DT_DEVICE_SIZE || dev[1] != USB_DT_DEVICE)
		return -EINVAL;
	if (!config || config_len < USB_DT_CONFIG_SIZE || config[0] < USB_DT_CONFIG_SIZE ||
	    config[1] != USB_DT_CONFIG)
		return -EINVAL;
	total = get_le16(config + 2);
	if (total < USB_DT_CONFIG_SIZE || total > config_len)
		return -EINVAL;
	nintf = config[4];
	if (nintf > USBIP_OP_MAX_INTERFACES)
		return -EINVAL;

	d.speed = (uint32_t)speed;
	d.idVendor = get_le16(dev + 8);
	d.idProduct = get_le16(dev + 10);
	d.bcdDevice = get_le16(dev + 12);
	d.bDeviceClass = dev[4];
	d.bDeviceSubClass = dev[5];
	d.bDeviceProtocol = dev[6];
	d.bNumConfigurations = dev[17];
	d.bConfigurationValue = config[5];
	d.bNumInterfaces = (uint8_t)nintf;
	memset(d.intf, 0, sizeof(d.intf));

	for (off = config[0]; off < total; off += config[off]) {
		const uint8_t *p = config + off;
		unsigned int num;

		if (total - off < 2 || p[0] < 2 || p[0] > total - off)
			return -EINVAL;
		if (p[1] != USB_DT_INTERFACE)
			continue;
		if (p[0] < USB_DT_INTERFACE_SIZE)
			return -EINVAL;
		if (p[3] != 0) /* an alternate setting */
			continue;
		num = p[2];
		if (num >= nintf || seen[num])
			return -EINVAL;
		seen[num] = true;
		d.intf[num].bInterfaceClass = p[5];
		d.intf[num].bInterfaceSubClass = p[6];
		d.intf[num].bInterfaceProtocol = p[7];
		found++;
	}
	if (found != nintf)
		return -EINVAL;
	*ret = d;
	return 0;
}

size_t usbip_op_device_size(const struct usbip_op_device *d, bool with_interfaces)
{
	return USBIP_OP_DEVICE_SIZE +
	       (with_interfaces ? (size_t)d->bNumInterfaces * USBIP_OP_INTERFACE_SIZE : 0);
}

size_t usbip_op_device_encode(const struct usbip_op_device *d, bool with_interfaces,
			      uint8_t *buf)
{
	uint8_t *p = buf;
	unsigned int i, n;

	/* Strings are NUL-padded, and always end with a NUL. */
	memset(p, 0, USBIP_PATH_SIZE + USBIP_BUSID_SIZE);
	memcpy(p, d->path, strnlen(d->path, USBIP_PATH_SIZE - 1));
	p += USBIP_PATH_SIZE;
	memcpy(p, d->busid, strnlen(d->busid, USBIP_BUSID_SIZE - 1));
	p += USBIP_BUSID_SIZE;
	put_be32(p, d->busnum);
	put_be32(p + 4, d->devnum);
	put_be32(p + 8, d->speed);
	put_be16(p + 12, d->idVendor);
	put_be16(p + 14, d->idProduct);
	put_be16(p + 16, d->bcdDevice);
	p[18] = d->bDeviceClass;
	p[19] = d->bDeviceSubClass;
	p[20] = d->bDeviceProtocol;
	p[21] = d->bConfigurationValue;
	p[22] = d->bNumConfigurations;
	p[23] = d->bNumInterfaces;
	p += 24;
	if (!with_interfaces)
		return (size_t)(p - buf);
	n = d->bNumInterfaces < USBIP_OP_MAX_INTERFACES ? d->bNumInterfaces :
							  USBIP_OP_MAX_INTERFACES;
	for (i = 0; i < d->bNumInterfaces; i++, p += USBIP_OP_INTERFACE_SIZE) {
		memset(p, 0, USBIP_OP_INTERFACE_SIZE);
		if (i >= n)
			continue;
		p[0] = d->intf[i].bInterfaceClass;
		p[1] = d->intf[i].bInterfaceSubClass;
		p[2] = d->intf[i].bInterfaceProtocol;
	}
	return (size_t)(p - buf);
}

int usbip_op_device_decode(const uint8_t *buf, size_t len, bool with_interfaces,
			   struct usbip_op_device *ret)
{
	struct usbip_op_device d;
	const uint8_t *p = buf;
	size_t need;
	unsigned int i;

	if (len < USBIP_OP_DEVICE_SIZE)
		return -EAGAIN;
	memset(&d, 0, sizeof(d));
	/* Up to the NUL: what a peer leaves after it is not kept. */
	memcpy(d.path, p, strnlen((const char *)p, USBIP_PATH_SIZE - 1));
	p += USBIP_PATH_SIZE;
	memcpy(d.busid, p, strnlen((const char *)p, USBIP_BUSID_SIZE - 1));
	p += USBIP_BUSID_SIZE;
	d.busnum = get_be32(p);
	d.devnum = get_be32(p + 4);
	d.speed = get_be32(p + 8);
	d.idVendor = get_be16(p + 12);
	d.idProduct = get_be16(p + 14);
	d.bcdDevice = get_be16(p + 16);
	d.bDeviceClass = p[18];
	d.bDeviceSubClass = p[19];
	d.bDeviceProtocol = p[20];
	d.bConfigurationValue = p[21];
	d.bNumConfigurations = p[22];
	d.bNumInterfaces = p[23];
	p += 24;
	if (d.bNumInterfaces > USBIP_OP_MAX_INTERFACES)
		return -EBADMSG;
	need = usbip_op_device_size(&d, with_interfaces);
	if (len < need)
		return -EAGAIN;
	for (i = 0; with_interfaces && i < d.bNumInterfaces; i++, p += USBIP_OP_INTERFACE_SIZE) {
		d.intf[i].bInterfaceClass = p[0];
		d.intf[i].bInterfaceSubClass = p[1];
		d.intf[i].bInterfaceProtocol = p[2];
	}
	*ret = d;
	return (int)need;
}

size_t usbip_op_devlist_size(const struct usbip_op_device *devs, size_t n)
{
	size_t i, len = USBIP_OP_COMMON_SIZE + 4;

	for (i = 0; i < n; i++)
		len += usbip_op_device_size(&devs[i], true);
	return len;
}

size_t usbip_op_devlist_encode(const struct usbip_op_device *devs, size_t n, uint8_t *buf)
{
	uint8_t *p = buf;
	size_t i;

	usbip_op_common_encode(p, USBIP_VERSION, USBIP_OP_REP_DEVLIST, USBIP_ST_OK);
	put_be32(p + USBIP_OP_COMMON_SIZE, (uint32_t)n);
	p += USBIP_OP_COMMON_SIZE + 4;
	for (i = 0; i < n; i++)
		p += usbip_op_device_encode(&devs[i], true, p);
	return (size_t)(p - buf);
}

size_t usbip_op_import_reply(uint8_t buf[USBIP_OP_IMPORT_REP_SIZE], uint32_t status,
			     const struct usbip_op_device *d)
{
	usbip_op_common_encode(buf, USBIP_VERSION, USBIP_OP_REP_IMPORT, status);
	if (status != USBIP_ST_OK)
		return USBIP_OP_COMMON_SIZE;
	return USBIP_OP_COMMON_SIZE + usbip_op_device_encode(d, false, buf + USBIP_OP_COMMON_SIZE);
}

const char *usbip_op_status_name(uint32_t status)
{
	switch (status) {
	case USBIP_ST_OK:
		return "OK";
	case USBIP_ST_NA:
		return "not available";
	case USBIP_ST_DEV_BUSY:
		return "busy";
	case USBIP_ST_DEV_ERR:
		return "device error";
	case USBIP_ST_NODEV:
		return "no such device";
	case USBIP_ST_ERROR:
		return "error";
	default:
		return "unknown status";
	}
}
