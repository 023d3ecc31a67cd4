/* SPDX-License-Identifier: MIT */
/*
 * One control transfer on the wire, as a USB host controller runs it
 * against a device's endpoint 0: SETUP, then the data stage in packets of
 * wMaxPacketSize0 (IN until a short packet or wLength, OUT in full
 * packets and a short last one), then the status stage the other way
 * (a zero-length packet, DATA1). What the device can say:
 *
 *	NAK        the stage waits: ctlxfer_step() returns, the caller runs
 *	           the firmware and steps again
 *	STALL      the transfer ends with -EPIPE, in any stage
 *	no answer  three times in a row: -EPROTO (a real host's three
 *	           strikes; the address is wrong or the device is gone)
 *	babble     an IN packet longer than wMaxPacketSize0 or than what is
 *	           left of wLength, data in the status stage: -EOVERFLOW
 *
 * An IN data packet with the wrong data toggle is taken as a repeat of
 * the last one and dropped, as the spec says a host must (counted in
 * toggle_errors). A pure state machine over a device core's host side:
 * ValentyUSB's epfifo (dfu/fomu/epfifo.h) or eptri (dfu/fomu/eptri.h).
 */
#ifndef VUSB_DFU_CTLXFER_H
#define VUSB_DFU_CTLXFER_H

#include <stdbool.h>
#include <stdint.h>

#include "dfu/fomu/epfifo.h"
#include "dfu/fomu/eptri.h"

#define CTLXFER_STRIKES 3

enum ctlxfer_stage {
	CTLXFER_SETUP,
	CTLXFER_DATA_IN,
	CTLXFER_DATA_OUT,
	CTLXFER_STATUS_IN, /* after OUT data or no data */
	CTLXFER_STATUS_OUT, /* after IN data */
	CTLXFER_DONE,
};

struct ctlxfer {
	uint8_t setup[8];
	uint8_t *buf; /* IN: room for wLength bytes; OUT: wLength bytes */
	uint16_t length; /* wLength */
	bool in;
	unsigned int maxpacket;
	enum ctlxfer_stage stage;
	uint16_t done; /* data stage bytes moved */
	bool data1; /* the toggle of the next data packet */
	unsigned int strikes;
	int status; /* CTLXFER_DONE: 0 or -errno */
	enum ctlxfer_stage ended_in; /* CTLXFER_DONE: the stage it ended in */
	unsigned int toggle_errors;
	unsigned int naks; /* tokens NAKed so far */
	unsigned int last_packet; /* bytes in the last packet that went */
};

/* Set up a transfer for setup[8] (wLength bytes at buf). */
void ctlxfer_start(struct ctlxfer *x, const uint8_t setup[8], uint8_t *buf,
		   unsigned int maxpacket);

/*
 * Send tokens to device `addr` until the transfer is done, the device
 * NAKs, or max_packets packets (0: no limit) went through: a caller that
 * models the time a packet takes on the bus steps one at a time, so the
 * firmware runs between them as it would. Returns the stage:
 * CTLXFER_DONE (see x->status, x->done), or the one to go on with.
 * *ret_progress (may be NULL) is set when the device took or gave a
 * packet: its state changed, and firmware that sleeps must be woken.
 */
enum ctlxfer_stage ctlxfer_step(struct ctlxfer *x, struct epfifo *u, uint8_t addr,
				unsigned int max_packets, bool *ret_progress);

/* A USB device core's host side: the tokens, as epfifo_setup() etc. */
struct ctlxfer_dev_ops {
	enum epfifo_hs (*setup)(void *core, uint8_t addr, const uint8_t setup[8]);
	enum epfifo_hs (*out)(void *core, uint8_t addr, unsigned int ep, const uint8_t *data,
			      size_t len);
	enum epfifo_hs (*in)(void *core, uint8_t addr, unsigned int ep, uint8_t *data, size_t cap,
			     size_t *ret_len, bool *ret_data1);
};

extern const struct ctlxfer_dev_ops ctlxfer_epfifo;
extern const struct ctlxfer_dev_ops ctlxfer_eptri;

/* ctlxfer_step() against any core: ops is one of the above, core its state. */
enum ctlxfer_stage ctlxfer_step_dev(struct ctlxfer *x, const struct ctlxfer_dev_ops *ops,
				    void *core, uint8_t addr, unsigned int max_packets,
				    bool *ret_progress);

const char *ctlxfer_stage_name(enum ctlxfer_stage s);

#endif
