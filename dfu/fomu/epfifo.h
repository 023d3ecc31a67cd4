/* SPDX-License-Identifier: MIT */
/*
 * ValentyUSB's "epfifo" device interface, the USB core of the gateware
 * foboot v1.9 runs on, at 0xe0004800 on IRQ 3: one FIFO per endpoint
 * (0 OUT and IN, 1 IN, 2 OUT and IN), each with an event manager
 * (ev_status, ev_pending, ev_enable: bit 0 error, bit 1 packet), the
 * token that last completed (last_tok: 0 OUT, 2 IN, 3 SETUP), what to
 * answer the next token with (respond: 0 ACK, 1 NAK, 3 STALL), a data
 * toggle (dtb), and the device address. Register map (words):
 *
 *	0x00 pullup_out
 *	0x04 ep0 OUT: ev_status ev_pending ev_enable last_tok respond dtb
 *	              obuf_head obuf_empty
 *	0x24 ep0 IN:  ev_status ev_pending ev_enable last_tok respond dtb
 *	              ibuf_head ibuf_empty
 *	0x44 ep1 IN, 0x64 ep2 OUT, 0x84 ep2 IN (the same layouts)
 *	0xa4 address
 *
 * What the hardware does, from valentyusb's usbcore/cpu/epfifo.py and
 * usbcore/sm/transfer.py, and what this model does the same way:
 * - A token for another address gets no answer at all; so does every
 *   token while the pull-up is off.
 * - SETUP is always ACKed. It drains ep0 OUT's FIFO first, puts the 8
 *   bytes and their CRC16 (2 more bytes, which firmware strips) in it,
 *   resets ep0 OUT and IN (respond NAK, dtb 1), sets last_tok SETUP and
 *   ep0 OUT's packet event.
 * - While an endpoint's packet event is pending it NAKs whatever respond
 *   says (respond | 1: ACK becomes NAK, STALL stays STALL).
 * - OUT: STALL, NAK, or ACK: the data and CRC16 go into the FIFO, the
 *   packet event is set, dtb flips. The data toggle is not checked.
 * - IN: STALL, NAK, or the whole IN FIFO as one packet (DATA1 if dtb):
 *   when the host ACKs it, the packet event is set, dtb flips.
 * - With the pull-up off every packet event is held set and the FIFOs
 *   are drained.
 * - A head register pops (OUT) or pushes (IN) on write; reading obuf_head
 *   gives the byte at the head. The FIFOs hold 128 bytes; a push to a
 *   full one is lost.
 * - The interrupt line is the OR of pending & enable over endpoints.
 *
 * A pure state machine: the CPU side is epfifo_read()/epfifo_write(), the
 * host side the token functions; ops->irq follows the interrupt line.
 */
#ifndef VUSB_DFU_EPFIFO_H
#define VUSB_DFU_EPFIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EPFIFO_SIZE 0x800u /* the CSR window */
#define EPFIFO_DEPTH 128u
#define EPFIFO_NEP 5 /* 0 OUT, 0 IN, 1 IN, 2 OUT, 2 IN */

/* ev_pending / ev_enable bits */
#define EPFIFO_EV_ERROR 0x1u
#define EPFIFO_EV_PACKET 0x2u

/* respond */
#define EPFIFO_ACK 0u
#define EPFIFO_NAK 1u
#define EPFIFO_NONE 2u
#define EPFIFO_STALL 3u

/* last_tok: bits 3..2 of the token's PID */
#define EPFIFO_TOK_OUT 0u
#define EPFIFO_TOK_IN 2u
#define EPFIFO_TOK_SETUP 3u

/* register offsets */
#define EPFIFO_PULLUP 0x00u
#define EPFIFO_EP0_OUT 0x04u
#define EPFIFO_EP0_IN 0x24u
#define EPFIFO_EP1_IN 0x44u
#define EPFIFO_EP2_OUT 0x64u
#define EPFIFO_EP2_IN 0x84u
#define EPFIFO_ADDRESS 0xa4u
/* within an endpoint's block */
#define EPFIFO_EV_STATUS 0x00u
#define EPFIFO_EV_PENDING 0x04u
#define EPFIFO_EV_ENABLE 0x08u
#define EPFIFO_LAST_TOK 0x0cu
#define EPFIFO_RESPOND 0x10u
#define EPFIFO_DTB 0x14u
#define EPFIFO_HEAD 0x18u
#define EPFIFO_EMPTY 0x1cu

/* What the device answered a token with. */
enum epfifo_hs {
	EPFIFO_HS_ACK, /* accepted (OUT, SETUP) or data sent (IN) */
	EPFIFO_HS_NAK,
	EPFIFO_HS_STALL,
	EPFIFO_HS_NO_ANSWER, /* another address, no such endpoint, no pull-up */
};

struct epfifo_ops {
	void (*irq)(void *ctx, bool level);
};

struct epfifo_ep {
	bool in;
	uint8_t pending;
	uint8_t enable;
	uint8_t last_tok;
	uint8_t respond;
	uint8_t dtb;
	uint8_t fifo[EPFIFO_DEPTH];
	unsigned int head; /* index of the oldest byte */
	unsigned int count;
};

struct epfifo {
	bool pullup;
	uint8_t address;
	struct epfifo_ep ep[EPFIFO_NEP];
	const struct epfifo_ops *ops;
	void *ctx;
	bool irq; /* the line as last reported */
	/* counters, for the log */
	uint64_t setups;
	uint64_t packets; /* OUT and IN data packets accepted */
	uint64_t lost; /* bytes pushed to a full FIFO */
};

void epfifo_init(struct epfifo *u, const struct epfifo_ops *ops, void *ctx);

/* The CPU's side: 8-bit registers at word offsets; other bytes read 0. */
uint32_t epfifo_read(struct epfifo *u, uint32_t off);
void epfifo_write(struct epfifo *u, uint32_t off, uint32_t val);

/* The host's side: one token each, to device address `addr`. */
enum epfifo_hs epfifo_setup(struct epfifo *u, uint8_t addr, const uint8_t setup[8]);
enum epfifo_hs epfifo_out(struct epfifo *u, uint8_t addr, unsigned int ep, const uint8_t *data,
			  size_t len);
/*
 * IN: on ACK the packet (the whole IN FIFO) goes to data, at most `cap`
 * bytes; *ret_len is its full length (more than cap: babble), *ret_data1
 * its PID. The host's ACK is implied: a packet sent is a packet taken.
 */
enum epfifo_hs epfifo_in(struct epfifo *u, uint8_t addr, unsigned int ep, uint8_t *data,
			 size_t cap, size_t *ret_len, bool *ret_data1);

/* USB's CRC16 of a data packet, as it follows the bytes on the wire. */
uint16_t epfifo_crc16(const uint8_t *data, size_t len);

#endif
