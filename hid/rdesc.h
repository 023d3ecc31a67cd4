/* SPDX-License-Identifier: MIT */
/*
 * HID report descriptors (HID 1.11 chapter 6.2.2), from bytes a user
 * gave: the items are checked and the reports they describe measured, so
 * that a descriptor the host would refuse or misread is refused here,
 * with the byte offset and the reason, before any device is attached.
 *
 * Pure functions over byte buffers: no allocation, no I/O.
 */
#ifndef VUSB_HID_RDESC_H
#define VUSB_HID_RDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest report descriptor taken. */
#define HID_RDESC_MAX 4096
/* Largest hex text file read for one (comments included). */
#define HID_RDESC_TEXT_MAX (256 * 1024)
/* Limits Linux (hid-core.c) enforces too: report size in bits, report
 * count, usages per main item, Push depth. */
#define HID_RDESC_SIZE_MAX 256
#define HID_RDESC_COUNT_MAX 12288
#define HID_RDESC_USAGES_MAX 12288
#define HID_RDESC_PUSH_MAX 4
/* Collections nested deeper are refused. */
#define HID_RDESC_DEPTH_MAX 32
/* Report IDs are 1..255; index 0 is "no ID". */
#define HID_RDESC_IDS 256

/* Report types, as in GET/SET_REPORT's wValue: HID_REPORT_INPUT .. FEATURE. */
#define HID_RDESC_INPUT 1
#define HID_RDESC_OUTPUT 2
#define HID_RDESC_FEATURE 3

/* What a descriptor says about its reports. */
struct hid_rdesc {
	bool ids; /* it has Report ID items: every report starts with its ID */
	/* Bits of each report by type (index type - 1) and ID (0 when no
	 * IDs), without the ID byte; 0: no such report. */
	uint32_t bits[3][HID_RDESC_IDS];
	unsigned int nreports[3];
	/* Usage of the first application collection: page << 16 | usage. */
	uint32_t application;
};

/* Largest report in bytes, with the ID byte, per type; 0 for no limit. */
struct hid_rdesc_limits {
	size_t max[3];
};

/* Why a descriptor was refused: the item's offset and a sentence. */
struct hid_rdesc_error {
	size_t offset;
	bool text; /* hid_rdesc_load: offset is in hex text */
	char reason[128];
};

/*
 * Parse a report descriptor of len bytes. 0 with the reports in *ret, or
 * -EINVAL with *err filled (ret is then undefined): truncated or reserved
 * items, long items (Linux refuses them), unknown global tags, unbalanced
 * collections, Push/Pop and delimiters, Report ID 0 or > 255, report
 * sizes and counts over Linux's limits, reports without an ID in a
 * descriptor that uses IDs, a report over its limit (lim may be NULL), no
 * report at all, more than HID_RDESC_MAX bytes.
 */
int hid_rdesc_parse(const uint8_t *d, size_t len, const struct hid_rdesc_limits *lim,
		    struct hid_rdesc *ret, struct hid_rdesc_error *err);

/*
 * Bytes of a report as it travels (its ID byte first when the descriptor
 * uses IDs), or 0 when the descriptor has no such report. type is
 * HID_RDESC_INPUT..FEATURE; id 0 when the descriptor has no IDs.
 */
size_t hid_rdesc_report_len(const struct hid_rdesc *r, unsigned int type, unsigned int id);

/*
 * A descriptor file's contents: binary as the kernel's report_descriptor
 * file gives it, or hex text (one or two hex digits a byte, optional 0x
 * and trailing comma, blanks or newlines between; comments from '#' or
 * '//' to the end of the line and between slash-star and star-slash), told apart
 * by text holding only printable ASCII and blanks. The bytes go to out
 * (room for HID_RDESC_MAX). Returns their count, or -EINVAL with the
 * offset (in the file) and reason in *err.
 */
int hid_rdesc_load(const uint8_t *file, size_t len, uint8_t out[HID_RDESC_MAX],
		   struct hid_rdesc_error *err);

#endif
