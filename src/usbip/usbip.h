/* SPDX-License-Identifier: MIT */
/*
 * The USB/IP wire format (Documentation/usb/usbip_protocol.rst): pure
 * encoders and decoders over byte buffers. Integers are big-endian, the
 * SETUP packet is copied raw.
 */
#ifndef VUSB_USBIP_H
#define VUSB_USBIP_H

#include <stddef.h>
#include <stdint.h>

#define USBIP_CMD_SUBMIT 0x0001
#define USBIP_CMD_UNLINK 0x0002
#define USBIP_RET_SUBMIT 0x0003
#define USBIP_RET_UNLINK 0x0004

#define USBIP_DIR_OUT 0
#define USBIP_DIR_IN 1

#define USBIP_HDR_SIZE 48
#define USBIP_ISO_DESC_SIZE 16
#define USBIP_MAX_ISO_PACKETS 1024

/*
 * The largest transfer buffer we accept from a host. vhci caps URBs at
 * 256 KiB on swiotlb systems and usb-storage sends at most 120 KiB; usbfs
 * users may ask for more, and get an -EOVERFLOW answer rather than an
 * allocation the size of whatever a peer wrote.
 */
#define USBIP_MAX_TRANSFER (4u << 20)

struct usbip_iso_desc {
	uint32_t offset;
	uint32_t length;
	uint32_t actual_length;
	int32_t status;
};

struct usbip_header {
	uint32_t command;
	uint32_t seqnum;
	uint32_t devid;
	uint32_t direction;
	uint32_t ep;
	union {
		struct {
			uint32_t transfer_flags;
			int32_t transfer_buffer_length;
			int32_t start_frame;
			int32_t number_of_packets;
			int32_t interval;
			uint8_t setup[8];
		} submit;
		struct {
			int32_t status;
			int32_t actual_length;
			int32_t start_frame;
			int32_t number_of_packets;
			int32_t error_count;
		} ret_submit;
		struct {
			uint32_t seqnum;
		} unlink;
		struct {
			int32_t status;
		} ret_unlink;
	} u;
};

/*
 * Decode and check one header from the host (CMD_SUBMIT or CMD_UNLINK).
 * Returns 0, or -EBADMSG for anything a correct host never sends: an
 * unknown or reply command, direction not 0/1, ep > 15, a negative length
 * or packet count, more than USBIP_MAX_ISO_PACKETS packets.
 */
int usbip_header_decode(struct usbip_header *ret, const uint8_t buf[USBIP_HDR_SIZE]);

/* Encode any header; fields that do not belong to the command are zero. */
void usbip_header_encode(const struct usbip_header *h, uint8_t buf[USBIP_HDR_SIZE]);

/* The RET_SUBMIT and RET_UNLINK headers the kernel expects. */
void usbip_ret_submit(uint8_t buf[USBIP_HDR_SIZE], uint32_t seqnum, int32_t status,
		      uint32_t actual, int32_t start_frame, int32_t npackets,
		      int32_t error_count);
void usbip_ret_unlink(uint8_t buf[USBIP_HDR_SIZE], uint32_t seqnum, int32_t status);

void usbip_iso_desc_decode(struct usbip_iso_desc *ret, const uint8_t buf[USBIP_ISO_DESC_SIZE]);
void usbip_iso_desc_encode(const struct usbip_iso_desc *d, uint8_t buf[USBIP_ISO_DESC_SIZE]);

/* Human-readable name of a command, for logs. */
const char *usbip_command_name(uint32_t command);

#endif
