/* SPDX-License-Identifier: MIT */
/*
 * What the HID models (mouse, keyboard, tablet) share: a device with one
 * HID interface and one interrupt IN endpoint, its descriptors filled from
 * the model's templates and the command line options (IDs, strings,
 * speed). A model embeds struct hid_device first in its own struct.
 */
#ifndef VUSB_HID_HIDDEV_H
#define VUSB_HID_HIDDEV_H

#include <stdint.h>

#include "hid/hid.h"
#include "src/base/list.h"
#include "src/usb/model.h"
#include "src/base/strbuf.h"
#include "src/usb/usbdev.h"

/* pid.codes test VID; PIDs 0x0001.. of its test range. */
#define HID_VID_PIDCODES 0x1209

#define HID_EP_IN 0x81

#define HID_CONFIG_SIZE \
	(USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE + HID_DT_HID_SIZE + USB_DT_ENDPOINT_SIZE)

/* The endpoint's bInterval: the last byte of the configuration. */
#define HID_CONFIG_BINTERVAL (HID_CONFIG_SIZE - 1)

/* Room for a configuration with an interrupt OUT endpoint too. */
#define HID_CONFIG_MAX (HID_CONFIG_SIZE + USB_DT_ENDPOINT_SIZE)

/* Room for a string of 126 UTF-16 units given as UTF-8, and the NUL. */
#define HID_STRING_MAX VUSB_STRING_MAX

/*
 * A configuration with one HID interface, for full speed: `interval` is in
 * milliseconds; hid_device_setup() converts it for other speeds.
 */
#define HID_CONFIG_DESC(subclass, protocol, report_desc_len, ep_size, interval)        \
	/* configuration 1 */                                                          \
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(HID_CONFIG_SIZE), 1 /* interfaces */, \
		1 /* bConfigurationValue */, 0, USB_CONFIG_ATT_ONE, 50 /* 100 mA */,   \
		/* interface 0 */                                                      \
		USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 1 /* endpoints */,      \
		USB_CLASS_HID, (subclass), (protocol), 0,                              \
		/* HID: one report descriptor */                                       \
		HID_DT_HID_SIZE, USB_DT_HID, U16_LE(HID_BCD), 0 /* country */, 1,      \
		USB_DT_REPORT, U16_LE(report_desc_len),                                \
		/* endpoint 1 IN, interrupt */                                         \
		USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, HID_EP_IN, USB_ENDPOINT_XFER_INT, \
		U16_LE(ep_size), (interval)

/* A model's fixed description. */
struct hid_model_info {
	const char *name; /* "mouse": in messages and the default serial */
	const char *product; /* default iProduct */
	uint16_t pid; /* default idProduct under HID_VID_PIDCODES */
	/* HID_CONFIG_DESC(...), HID_CONFIG_SIZE bytes, or up to
	 * HID_CONFIG_MAX (wTotalLength says) with an OUT endpoint. */
	const uint8_t *config;
	const struct hid_params *params;
};

struct hid_device {
	struct usb_device usb;
	struct hid hid;
	uint8_t config[HID_CONFIG_MAX];
	uint8_t qualifier[USB_DT_QUALIFIER_SIZE];
	char manufacturer[HID_STRING_MAX];
	char product[HID_STRING_MAX];
	char serial[HID_STRING_MAX];
};

static inline struct hid_device *hid_device_of(struct usb_device *dev)
{
	return container_of(dev, struct hid_device, usb);
}

static inline struct hid_device *hid_device_of_hid(struct hid *h)
{
	return container_of(h, struct hid_device, hid);
}

/*
 * Build the device: descriptors from `info` and `opts` (vid/pid >= 0
 * override the defaults; serial defaults to "vusb-" + opts->name; speed
 * low, full (the default) or high), the HID function on interface 0, and
 * validate it. 0, or -EINVAL with the reason in err.
 */
int hid_device_setup(struct hid_device *hd, const struct hid_model_info *info,
		     const struct vusb_dev_opts *opts, struct strbuf *err);

/*
 * A model's send_report for a device with one input report without an
 * ID (mouse, keyboard, tablet): len must be its size. See struct vusb_model.
 */
int hid_device_send_report(struct usb_device *dev, const uint8_t *report, size_t len);

#endif
