/* SPDX-License-Identifier: MIT */
/*
 * The pcapng blocks a capture writes, as pure functions over byte
 * buffers: a section header, an interface description, enhanced packets
 * and interface statistics (pcapng, draft-ietf-opsawg-pcapng), with the
 * Linux usbmon link type (LINKTYPE_USB_LINUX_MMAPPED, 220): every packet
 * begins with usbmon's 64-byte header (the kernel's
 * Documentation/usb/usbmon.rst), which Wireshark and tshark decode.
 *
 * Everything is written little-endian, the section header's byte-order
 * magic included, so a file reads the same on any host.
 *
 * Each pcapng_* function returns the length of the block, and writes it
 * only when that is at most `cap`: call it with cap 0 to learn the size.
 */
#ifndef VUSB_CAPTURE_PCAPNG_H
#define VUSB_CAPTURE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPNG_LINKTYPE_USB_LINUX_MMAPPED 220
#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 1u
#define PCAPNG_BT_ISB 5u
#define PCAPNG_BT_EPB 6u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du

/* Strings kept in an option: longer ones are cut. */
#define PCAPNG_MAX_STRING 4096

#define USBMON_HDR_SIZE 64
/* usbmon's transfer types (not the USB descriptor's). */
#define USBMON_XFER_ISO 0
#define USBMON_XFER_INTR 1
#define USBMON_XFER_CONTROL 2
#define USBMON_XFER_BULK 3

/* One usbmon event: what the kernel's mon_bin would show for an URB. */
struct usbmon_rec {
	uint64_t id; /* the URB's tag: the same on its submission and completion */
	char type; /* 'S' submission, 'C' completion, 'E' submission error */
	uint8_t xfer; /* USBMON_XFER_* */
	uint8_t epnum; /* endpoint number, | 0x80 for IN */
	uint8_t devnum;
	uint16_t busnum;
	bool has_setup; /* a control submission: setup holds its 8 bytes */
	uint8_t setup[8];
	char data_flag; /* 0: data follows; '<' / '>': none by direction */
	int64_t ts_sec;
	int32_t ts_usec;
	int32_t status; /* -EINPROGRESS on a submission */
	uint32_t length; /* submission: transfer length; completion: actual */
	uint32_t len_cap; /* bytes of data that follow the header */
	int32_t interval;
	int32_t start_frame;
	uint32_t xfer_flags;
	uint32_t ndesc; /* ISO descriptors that follow (none from vusb) */
	int32_t iso_error_count, iso_numdesc; /* in place of setup, for ISO */
};

/* The 64-byte header of `r` into out. */
void usbmon_hdr_encode(uint8_t out[USBMON_HDR_SIZE], const struct usbmon_rec *r);

/*
 * Section header: `comment` (opt_comment, may be NULL) and `appl`
 * (shb_userappl, may be NULL), section length unknown.
 */
size_t pcapng_shb(uint8_t *buf, size_t cap, const char *comment, const char *appl);

/*
 * Interface description for link type `linktype`: `name` (if_name) and
 * `desc` (if_description), either may be NULL; snaplen 0 is unlimited.
 * Timestamps are in microseconds (the default if_tsresol).
 */
size_t pcapng_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen, const char *name,
		  const char *desc);

/*
 * Enhanced packet on interface `ifid` at `ts_us` microseconds since the
 * epoch: `hlen` bytes of hdr then `dlen` bytes of data (either may be
 * 0/NULL), of a packet that was `orig_len` bytes long; `comment`
 * (opt_comment, NULL: none), e.g. the fault that hit it.
 */
size_t pcapng_epb(uint8_t *buf, size_t cap, uint32_t ifid, uint64_t ts_us, const void *hdr,
		  size_t hlen, const void *data, size_t dlen, uint32_t orig_len,
		  const char *comment);

/*
 * Interface statistics of `ifid` at `ts_us`: packets received and
 * dropped (isb_ifrecv, isb_ifdrop).
 */
size_t pcapng_isb(uint8_t *buf, size_t cap, uint32_t ifid, uint64_t ts_us, uint64_t recv,
		  uint64_t drop);

#endif
