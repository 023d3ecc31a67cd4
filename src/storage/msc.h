/* SPDX-License-Identifier: MIT */
/*
 * USB mass storage, Bulk-Only Transport (USB MSC BOT 1.0): one interface
 * with a bulk IN and a bulk OUT endpoint carrying command blocks (CBW),
 * data and status (CSW) for the SCSI logical unit behind it (src/storage/scsi.h).
 *
 * The host's expectations (the CBW's length and direction) are held
 * against what the SCSI command intends, and the thirteen cases of BOT
 * section 6.7 are answered as the spec says: STALLs to end a short data
 * phase, residues, phase errors. An invalid CBW stalls both endpoints
 * until a Reset Recovery (Bulk-Only Mass Storage Reset, then
 * CLEAR_FEATURE(HALT) on both).
 *
 * Data moves between the URB buffers and the backend without a copy of
 * its own: READ data is read straight into the IN URB's buffer, WRITE
 * data written straight from the OUT URB's.
 */
#ifndef VUSB_MSC_H
#define VUSB_MSC_H

#include <stdbool.h>
#include <stdint.h>

#include "src/storage/scsi.h"
#include "src/usb/usbdev.h"

#define MSC_SUBCLASS_SCSI 0x06 /* SCSI transparent command set */
#define MSC_PROTOCOL_BOT 0x50

/* Class requests (BOT 3.1, 3.2) */
#define MSC_REQ_RESET 0xff
#define MSC_REQ_GET_MAX_LUN 0xfe

#define MSC_CBW_SIZE 31
#define MSC_CSW_SIZE 13
#define MSC_CBW_SIGNATURE 0x43425355 /* "USBC" */
#define MSC_CSW_SIGNATURE 0x53425355 /* "USBS" */

#define MSC_CSW_PASSED 0x00
#define MSC_CSW_FAILED 0x01
#define MSC_CSW_PHASE_ERROR 0x02

/* A decoded command block wrapper. */
struct msc_cbw {
	uint32_t tag;
	uint32_t length; /* dCBWDataTransferLength */
	bool in; /* bmCBWFlags bit 7: data from the device */
	uint8_t lun;
	uint8_t cb_len;
	uint8_t cb[16];
};

/*
 * Decode a CBW. 0 when it is valid and meaningful (BOT 6.2): 31 bytes,
 * the signature, reserved bits clear, LUN 0 (the only one), a command
 * block of 1 to 16 bytes. -EINVAL otherwise.
 */
int msc_cbw_parse(const uint8_t *buf, size_t len, struct msc_cbw *ret);

/* Encode a CSW into 13 bytes. */
void msc_csw_encode(uint8_t out[MSC_CSW_SIZE], uint32_t tag, uint32_t residue, uint8_t status);

enum msc_state {
	MSC_IDLE, /* waiting for a CBW */
	MSC_DATA_IN,
	MSC_DATA_OUT,
	MSC_STATUS, /* the CSW is ready for the next IN URB */
	MSC_NEED_RESET, /* an invalid CBW: both endpoints stall until a reset */
};

struct msc {
	struct usb_function *func;
	struct scsi_lun *lun;
	uint8_t ep_in, ep_out; /* 0x81 style */

	enum msc_state state;
	struct msc_cbw cbw;
	uint32_t xfer; /* data phase bytes the command itself moves */
	uint32_t moved; /* bytes of the data phase done (discarded ones too) */
	uint8_t csw_status; /* MSC_CSW_PHASE_ERROR overrides the SCSI status */
	bool failed; /* the backend failed in the data phase */
	bool slow; /* a slow fault holds the command's URBs until the timer */
	struct scsi_cmd cmd;

	/* Counters for `vusbctl list` and tests. */
	uint64_t commands;
	uint64_t phase_errors;
	uint64_t resets;
};

extern const struct usb_class_ops msc_class_ops;

/*
 * Bind `m` to interface `intf` of dev, serving `lun`. The configuration
 * descriptor must be in place: the interface's first bulk IN and bulk OUT
 * endpoints are found in it. Call before usb_device_validate(). 0,
 * -EINVAL when the interface has no such endpoints, -ENOSPC when the
 * device has no function slot left.
 */
int msc_attach(struct msc *m, struct scsi_lun *lun, struct usb_device *dev, unsigned int intf);

#endif
