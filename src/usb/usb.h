/* SPDX-License-Identifier: MIT */
/*
 * USB 2.0/3.x chapter 9: the constants and descriptor layouts the device
 * model needs. Multi-byte descriptor fields are little-endian on the wire;
 * descriptors are written as byte arrays with the helpers below so that
 * their layout is explicit and their length checked at compile time.
 */
#ifndef VUSB_USB_H
#define VUSB_USB_H

#include <stdint.h>

/* Same numbers as the kernel's enum usb_device_speed (vhci's attach file). */
enum usb_speed {
	USB_SPEED_UNKNOWN = 0,
	USB_SPEED_LOW = 1,
	USB_SPEED_FULL = 2,
	USB_SPEED_HIGH = 3,
	USB_SPEED_SUPER = 5,
	USB_SPEED_SUPER_PLUS = 6,
};

const char *usb_speed_name(enum usb_speed speed);

/* bmRequestType */
#define USB_DIR_OUT 0x00
#define USB_DIR_IN 0x80
/* The endpoint number of an address such as 0x81. */
#define EP_NUM(addr) ((addr) & 0x0f)
#define USB_TYPE_MASK 0x60
#define USB_TYPE_STANDARD 0x00
#define USB_TYPE_CLASS 0x20
#define USB_TYPE_VENDOR 0x40
#define USB_RECIP_MASK 0x1f
#define USB_RECIP_DEVICE 0x00
#define USB_RECIP_INTERFACE 0x01
#define USB_RECIP_ENDPOINT 0x02

/* bRequest, standard */
#define USB_REQ_GET_STATUS 0x00
#define USB_REQ_CLEAR_FEATURE 0x01
#define USB_REQ_SET_FEATURE 0x03
#define USB_REQ_SET_ADDRESS 0x05
#define USB_REQ_GET_DESCRIPTOR 0x06
#define USB_REQ_SET_DESCRIPTOR 0x07
#define USB_REQ_GET_CONFIGURATION 0x08
#define USB_REQ_SET_CONFIGURATION 0x09
#define USB_REQ_GET_INTERFACE 0x0a
#define USB_REQ_SET_INTERFACE 0x0b
#define USB_REQ_SYNCH_FRAME 0x0c
#define USB_REQ_SET_SEL 0x30
#define USB_REQ_SET_ISOCH_DELAY 0x31

/* Feature selectors */
#define USB_ENDPOINT_HALT 0
#define USB_DEVICE_REMOTE_WAKEUP 1
#define USB_DEVICE_TEST_MODE 2
#define USB_DEVICE_U1_ENABLE 48
#define USB_DEVICE_U2_ENABLE 49

/* Descriptor types */
#define USB_DT_DEVICE 0x01
#define USB_DT_CONFIG 0x02
#define USB_DT_STRING 0x03
#define USB_DT_INTERFACE 0x04
#define USB_DT_ENDPOINT 0x05
#define USB_DT_DEVICE_QUALIFIER 0x06
#define USB_DT_OTHER_SPEED_CONFIG 0x07
#define USB_DT_INTERFACE_POWER 0x08
#define USB_DT_BOS 0x0f
#define USB_DT_DEVICE_CAPABILITY 0x10
#define USB_DT_HID 0x21
#define USB_DT_REPORT 0x22
#define USB_DT_SS_ENDPOINT_COMP 0x30

#define USB_DT_DEVICE_SIZE 18
#define USB_DT_CONFIG_SIZE 9
#define USB_DT_INTERFACE_SIZE 9
#define USB_DT_ENDPOINT_SIZE 7
#define USB_DT_QUALIFIER_SIZE 10
#define USB_DT_BOS_SIZE 5
#define USB_DT_SS_EP_COMP_SIZE 6
#define USB_DT_USB_EXT_CAP_SIZE 7
#define USB_DT_SS_CAP_SIZE 10

/* Device capability types (BOS) */
#define USB_CAP_TYPE_EXT 0x02
#define USB_SS_CAP_TYPE 0x03
#define USB_PLATFORM_CAP_TYPE 0x05

/* Classes */
#define USB_CLASS_PER_INTERFACE 0x00
#define USB_CLASS_HID 0x03
#define USB_CLASS_MASS_STORAGE 0x08
#define USB_CLASS_APP_SPEC 0xfe
#define USB_CLASS_VENDOR_SPEC 0xff

/* bmAttributes (configuration) */
#define USB_CONFIG_ATT_ONE 0x80
#define USB_CONFIG_ATT_SELFPOWER 0x40
#define USB_CONFIG_ATT_WAKEUP 0x20

/* bmAttributes (endpoint) */
#define USB_ENDPOINT_XFER_CONTROL 0
#define USB_ENDPOINT_XFER_ISOC 1
#define USB_ENDPOINT_XFER_BULK 2
#define USB_ENDPOINT_XFER_INT 3

/* Little-endian byte pairs for descriptor initialisers. */
#define U16_LE(v) (uint8_t)((v) & 0xff), (uint8_t)(((v) >> 8) & 0xff)

/* The SETUP packet, decoded to host order. */
struct usb_setup {
	uint8_t bmRequestType;
	uint8_t bRequest;
	uint16_t wValue;
	uint16_t wIndex;
	uint16_t wLength;
};

/* Decode the raw 8 bytes of a SETUP packet (little-endian fields). */
void usb_setup_decode(struct usb_setup *ret, const uint8_t raw[8]);
void usb_setup_encode(const struct usb_setup *s, uint8_t raw[8]);

#endif
