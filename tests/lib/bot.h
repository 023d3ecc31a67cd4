/* SPDX-License-Identifier: MIT */
/*
 * The host side of mass storage's bulk-only transport, over the fake host
 * (tests/lib/fakehost.h): a transaction driven the way Linux's
 * usb-storage drives it (CBW; one data URB; CSW, read again after a STALL
 * is cleared), and the requests around it. For the tests of src/storage
 * (test_msc.c, test_storage.c), on a device whose bulk endpoints are
 * EP_BULK_IN and EP_BULK_OUT.
 */
#ifndef VUSB_TEST_BOT_H
#define VUSB_TEST_BOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/storage/msc.h"
#include "tests/lib/fakehost.h"

#define EP_BULK_IN 0x81
#define EP_BULK_OUT 0x02

/* CLEAR_FEATURE(ENDPOINT_HALT) on `ep` (0x81 style); its status. */
int bot_clear_halt(struct fakehost *h, uint8_t ep);

/* Whether GET_STATUS says `ep` is halted. */
int bot_ep_halted(struct fakehost *h, uint8_t ep);

/* Bulk-Only Mass Storage Reset; its status. */
int bot_reset(struct fakehost *h);

/*
 * A CBW whose command block is the `n` bytes of cdb, zero padded, said
 * to be cb_len long.
 */
void bot_cbw_build(uint8_t out[MSC_CBW_SIZE], uint32_t tag, uint32_t length, bool in,
		   const uint8_t *cdb, size_t n, uint8_t cb_len);

/* Send `len` bytes (a CBW, or data) in one URB on bulk OUT; its status. */
int bot_send_out(struct fakehost *h, const void *data, uint32_t len);

/* The 32-bit little-endian number at p (CSW fields). */
uint32_t bot_le32(const uint8_t *p);

/* What one bulk-only command came to. */
struct bot_result {
	int data_status; /* of the data URB; 1 when there was none */
	uint32_t data_actual;
	uint8_t data[65536];
	unsigned int csw_stalls; /* CSW reads that met a STALL first */
	uint32_t tag, residue;
	uint8_t status; /* bCSWStatus */
	int csw_status; /* 0, or the URB status of the second read */
};

/* Read the CSW as usb-storage does: once more after clearing a STALL. */
void bot_read_csw(struct fakehost *h, struct bot_result *r);

/*
 * CBW with `length` and direction `in`, one data URB of `length` bytes
 * (OUT: from `out`), then the CSW. A stalled data URB is cleared as the
 * host would.
 */
void bot_command(struct fakehost *h, uint32_t tag, uint32_t length, bool in, const uint8_t *cdb,
		 uint8_t cdb_len, const void *out, struct bot_result *r);

#endif
