/* SPDX-License-Identifier: MIT */
/*
 * USB/IP connection set-up over TCP (Documentation/usb/usbip_protocol.rst):
 * the op_common requests a client sends before the URB stream, and the
 * replies. Pure encoders and decoders over byte buffers; integers are
 * big-endian.
 *
 *	client				server
 *	OP_REQ_DEVLIST		->	OP_REP_DEVLIST + ndev + records, close
 *	OP_REQ_IMPORT + busid	->	OP_REP_IMPORT + status [+ record],
 *					then CMD_SUBMIT/RET_SUBMIT on the same
 *					connection when status is 0
 */
#ifndef VUSB_USBIP_OP_H
#define VUSB_USBIP_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/usb/usb.h"

#define USBIP_VERSION 0x0111

#define USBIP_OP_REQ_IMPORT 0x8003
#define USBIP_OP_REP_IMPORT 0x0003
#define USBIP_OP_REQ_DEVLIST 0x8005
#define USBIP_OP_REP_DEVLIST 0x0005

/* op_common status */
#define USBIP_ST_OK 0
#define USBIP_ST_NA 1
#define USBIP_ST_DEV_BUSY 2
#define USBIP_ST_DEV_ERR 3
#define USBIP_ST_NODEV 4
#define USBIP_ST_ERROR 5

#define USBIP_OP_COMMON_SIZE 8
#define USBIP_BUSID_SIZE 32
#define USBIP_PATH_SIZE 256
#define USBIP_OP_DEVICE_SIZE 312 /* path, busid, 3 x u32, 3 x u16, 6 x u8 */
#define USBIP_OP_INTERFACE_SIZE 4 /* class, subclass, protocol, pad */
#define USBIP_OP_IMPORT_REQ_SIZE (USBIP_OP_COMMON_SIZE + USBIP_BUSID_SIZE)
#define USBIP_OP_IMPORT_REP_SIZE (USBIP_OP_COMMON_SIZE + USBIP_OP_DEVICE_SIZE)
/* bNumInterfaces is a u8, but a configuration with more than this is not
 * something a device model makes. */
#define USBIP_OP_MAX_INTERFACES 32

struct usbip_op_request {
	uint16_t version;
	uint16_t code;
	uint32_t status;
	/* OP_REQ_IMPORT: the bus id, NUL-terminated (the client's padding
	 * after its NUL is ignored) */
	char busid[USBIP_BUSID_SIZE + 1];
};

/*
 * Parse the request at the start of what a client sent (len bytes).
 * Returns the request's size (8 for OP_REQ_DEVLIST, 40 for
 * OP_REQ_IMPORT) with *ret filled; or -EAGAIN with *ret_need set to the
 * bytes needed before it can tell (read exactly that many and call again);
 * or, with version and code in *ret:
 *   -EPROTONOSUPPORT  a version other than USBIP_VERSION
 *   -EBADMSG          an unknown code or a reply code.
 */
int usbip_op_request_parse(const uint8_t *buf, size_t len, struct usbip_op_request *ret,
			   size_t *ret_need);

/* Encode a request (for clients and tests): 8 or 40 bytes into buf. */
size_t usbip_op_request_encode(uint8_t buf[USBIP_OP_IMPORT_REQ_SIZE], uint16_t code,
			       const char *busid);

/* op_common: version, code, status. */
void usbip_op_common_encode(uint8_t buf[USBIP_OP_COMMON_SIZE], uint16_t version, uint16_t code,
			    uint32_t status);
void usbip_op_common_decode(const uint8_t buf[USBIP_OP_COMMON_SIZE], uint16_t *ret_version,
			    uint16_t *ret_code, uint32_t *ret_status);

/* A device as OP_REP_DEVLIST and OP_REP_IMPORT describe it. */
struct usbip_op_device {
	char path[USBIP_PATH_SIZE];
	char busid[USBIP_BUSID_SIZE];
	uint32_t busnum;
	uint32_t devnum;
	uint32_t speed; /* enum usb_speed: the kernel's numbers */
	uint16_t idVendor;
	uint16_t idProduct;
	uint16_t bcdDevice;
	uint8_t bDeviceClass;
	uint8_t bDeviceSubClass;
	uint8_t bDeviceProtocol;
	uint8_t bConfigurationValue;
	uint8_t bNumConfigurations;
	uint8_t bNumInterfaces;
	struct {
		uint8_t bInterfaceClass;
		uint8_t bInterfaceSubClass;
		uint8_t bInterfaceProtocol;
	} intf[USBIP_OP_MAX_INTERFACES];
};

/*
 * Fill IDs, classes and interfaces from a device descriptor and its
 * configuration descriptor (config_len bytes, wTotalLength of them used):
 * one interface entry per interface number, from its alternate setting 0.
 * path, busid, busnum and devnum are left alone. 0, or -EINVAL when the
 * descriptors are malformed or declare more than USBIP_OP_MAX_INTERFACES
 * interfaces.
 */
int usbip_op_device_from_descriptors(struct usbip_op_device *ret,
				     const uint8_t dev[USB_DT_DEVICE_SIZE], const uint8_t *config,
				     size_t config_len, enum usb_speed speed);

/*
 * Encode the 312-byte record, followed by bNumInterfaces 4-byte interface
 * records when with_interfaces (OP_REP_DEVLIST does, OP_REP_IMPORT does
 * not). buf must hold usbip_op_device_size(). Returns the bytes written.
 */
size_t usbip_op_device_size(const struct usbip_op_device *d, bool with_interfaces);
size_t usbip_op_device_encode(const struct usbip_op_device *d, bool with_interfaces,
			      uint8_t *buf);

/*
 * Decode a record (client side, tests and fuzzers). Returns the bytes it
 * took, -EAGAIN if len is too short, -EBADMSG if bNumInterfaces exceeds
 * USBIP_OP_MAX_INTERFACES.
 */
int usbip_op_device_decode(const uint8_t *buf, size_t len, bool with_interfaces,
			   struct usbip_op_device *ret);

/* The whole OP_REP_DEVLIST for n devices: its size, and its bytes. */
size_t usbip_op_devlist_size(const struct usbip_op_device *devs, size_t n);
size_t usbip_op_devlist_encode(const struct usbip_op_device *devs, size_t n, uint8_t *buf);

/*
 * OP_REP_IMPORT: the status, and the device record when status is
 * USBIP_ST_OK (d must then be non-NULL). Returns the bytes written (8 or
 * USBIP_OP_IMPORT_REP_SIZE).
 */
size_t usbip_op_import_reply(uint8_t buf[USBIP_OP_IMPORT_REP_SIZE], uint32_t status,
			     const struct usbip_op_device *d);

/* "OK", "busy", "no such device", ... for logs. */
const char *usbip_op_status_name(uint32_t status);

#endif
