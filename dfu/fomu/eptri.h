/* SPDX-License-Identifier: MIT */
/*
 * ValentyUSB's "eptri" device interface, the USB core of the gateware
 * foboot v2.0.x runs on, at 0xe0004800 on IRQ 3: three FIFOs shared by
 * every endpoint, one for SETUP data, one for IN and one for OUT, each
 * with its own event (SharedIRQ: the line is the OR of the three).
 * Register map (8-bit registers at word offsets):
 *
 *	0x00 pullup_out
 *	0x04 address        7 bits; 0 again at a bus reset
 *	0x08 next_ev        which event to serve first: bit 0 in, 1 out,
 *	                    2 setup, 3 reset (one bit at most)
 *	0x0c setup_data     read: the head of the SETUP FIFO, and pop
 *	0x10 setup_ctrl     bit 5: reset the SETUP FIFO
 *	0x14 setup_status   bits 3..0 epno, 4 have, 5 pend, 6 is_in, 7 data
 *	0x18 setup_ev_status, 0x1c setup_ev_pending, 0x20 setup_ev_enable
 *	                    bit 0 ready (a SETUP), bit 1 reset (a bus reset)
 *	0x24 in_data        write: push a byte (64 deep)
 *	0x28 in_ctrl        bits 3..0 epno, 5 reset, 6 stall
 *	0x2c in_status      bit 0 idle, 4 have, 5 pend
 *	0x30 in_ev_status, 0x34 in_ev_pending, 0x38 in_ev_enable (bit 0 done)
 *	0x3c out_data       read: the head of the OUT FIFO, and pop
 *	0x40 out_ctrl       bits 3..0 epno, 4 enable, 5 reset, 6 stall
 *	0x44 out_status     bits 3..0 epno, 4 have, 5 pend
 *	0x48 out_ev_status, 0x4c out_ev_pending, 0x50 out_ev_enable (bit 0 done)
 *
 * What the hardware does, from valentyusb's usbcore/cpu/eptri.py, and
 * what this model does the same way:
 * - A token for another address, or any while the pull-up is off, gets
 *   no answer.
 * - SETUP is always ACKed: the SETUP FIFO is emptied and gets the 8
 *   bytes and their CRC16; setup_status records the endpoint, is_in
 *   (bit 7 of bmRequestType) and data (wLength != 0); the endpoint's IN
 *   data toggle goes to DATA1 and its IN and OUT stalls are cleared; the
 *   ready event is set.
 * - IN: STALL if the endpoint is stalled; the FIFO's bytes as one packet
 *   (the endpoint's toggle) if a packet is queued for it (in_ctrl written
 *   with its number, no stall); NAK otherwise. When the host takes it the
 *   FIFO empties, the toggle flips, idle comes back and the done event
 *   is set.
 * - OUT: STALL if stalled; ACK if the endpoint is enabled and the OUT
 *   done event is not pending: the data and CRC16 go into the FIFO
 *   (128 deep), out_status takes the endpoint, the endpoint is disabled
 *   again and the done event set; NAK otherwise. The toggle is not
 *   checked.
 * - in_ctrl: reset empties the FIFO, unqueues, clears every stall and
 *   sets every toggle to DATA0 but endpoint 0's (DATA1); stall stalls the
 *   endpoint; anything else unstalls it and queues the FIFO for it.
 * - out_ctrl: reset empties the FIFO and disables and unstalls every
 *   endpoint; otherwise enable and stall are set or cleared for epno.
 * - A bus reset sets the address to 0, clears the OUT stalls and sets
 *   setup's reset event.
 *
 * A pure state machine like dfu/fomu/epfifo.h, with the same host side
 * (the same handshakes), so that dfu/fomu/ctlxfer.h drives either.
 */
#ifndef VUSB_DFU_EPTRI_H
#define VUSB_DFU_EPTRI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/fomu/epfifo.h"

#define EPTRI_SIZE 0x800u /* the CSR window */
#define EPTRI_SETUP_DEPTH 16u
#define EPTRI_IN_DEPTH 64u
#define EPTRI_OUT_DEPTH 128u

#define EPTRI_PULLUP 0x00u
#define EPTRI_ADDRESS 0x04u
#define EPTRI_NEXT_EV 0x08u
#define EPTRI_SETUP_DATA 0x0cu
#define EPTRI_SETUP_CTRL 0x10u
#define EPTRI_SETUP_STATUS 0x14u
#define EPTRI_SETUP_EV_STATUS 0x18u
#define EPTRI_SETUP_EV_PENDING 0x1cu
#define EPTRI_SETUP_EV_ENABLE 0x20u
#define EPTRI_IN_DATA 0x24u
#define EPTRI_IN_CTRL 0x28u
#define EPTRI_IN_STATUS 0x2cu
#define EPTRI_IN_EV_STATUS 0x30u
#define EPTRI_IN_EV_PENDING 0x34u
#define EPTRI_IN_EV_ENABLE 0x38u
#define EPTRI_OUT_DATA 0x3cu
#define EPTRI_OUT_CTRL 0x40u
#define EPTRI_OUT_STATUS 0x44u
#define EPTRI_OUT_EV_STATUS 0x48u
#define EPTRI_OUT_EV_PENDING 0x4cu
#define EPTRI_OUT_EV_ENABLE 0x50u

/* next_ev */
#define EPTRI_NEXT_IN 0x1u
#define EPTRI_NEXT_OUT 0x2u
#define EPTRI_NEXT_SETUP 0x4u
#define EPTRI_NEXT_RESET 0x8u
/* setup events */
#define EPTRI_EV_READY 0x1u
#define EPTRI_EV_RESET 0x2u
/* in and out events */
#define EPTRI_EV_DONE 0x1u
/* *_ctrl and *_status bits */
#define EPTRI_EPNO 0x0fu
#define EPTRI_OUT_ENABLE 0x10u
#define EPTRI_CTRL_RESET 0x20u
#define EPTRI_CTRL_STALL 0x40u
#define EPTRI_IN_IDLE 0x01u
#define EPTRI_HAVE 0x10u
#define EPTRI_PEND 0x20u
#define EPTRI_SETUP_IS_IN 0x40u
#define EPTRI_SETUP_HAS_DATA 0x80u

struct eptri_ops {
	void (*irq)(void *ctx, bool level);
};

struct eptri_fifo {
	uint8_t *bytes;
	unsigned int depth;
	unsigned int head;
	unsigned int count;
};

struct eptri {
	bool pullup;
	uint8_t address;
	/* SETUP */
	uint8_t setup_fifo[EPTRI_SETUP_DEPTH];
	struct eptri_fifo setup;
	uint8_t setup_epno;
	bool setup_is_in;
	bool setup_has_data;
	uint8_t setup_pending, setup_enable;
	/* IN */
	uint8_t in_fifo[EPTRI_IN_DEPTH];
	struct eptri_fifo in;
	uint8_t in_epno;
	bool in_queued;
	uint16_t in_stall, in_dtb; /* a bit per endpoint */
	uint8_t in_pending, in_enable;
	/* OUT */
	uint8_t out_fifo[EPTRI_OUT_DEPTH];
	struct eptri_fifo out;
	uint8_t out_epno; /* last packet's */
	uint8_t out_ctrl_epno;
	uint16_t out_stall, out_enabled;
	uint8_t out_pending, out_enable;
	/* next_ev's memory of which of in and out came first */
	bool in_next, out_next;

	const struct eptri_ops *ops;
	void *ctx;
	bool irq;
	/* counters, for the log */
	uint64_t setups;
	uint64_t packets;
	uint64_t lost;
};

void eptri_init(struct eptri *u, const struct eptri_ops *ops, void *ctx);

/* The CPU's side. Reading setup_data or out_data pops the FIFO. */
uint32_t eptri_read(struct eptri *u, uint32_t off);
void eptri_write(struct eptri *u, uint32_t off, uint32_t val);

/* The host's side, as dfu/fomu/epfifo.h's. */
void eptri_bus_reset(struct eptri *u);
enum epfifo_hs eptri_setup(struct eptri *u, uint8_t addr, const uint8_t setup[8]);
enum epfifo_hs eptri_out(struct eptri *u, uint8_t addr, unsigned int ep, const uint8_t *data,
			 size_t len);
enum epfifo_hs eptri_in(struct eptri *u, uint8_t addr, unsigned int ep, uint8_t *data, size_t cap,
			size_t *ret_len, bool *ret_data1);

#endif
