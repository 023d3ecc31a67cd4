/* SPDX-License-Identifier: MIT */
/*
 * The CDC-ACM class (USB CDC 1.2 with the PSTN subclass 1.2): a serial
 * port as the host's cdc_acm driver sees it. It owns two byte queues, one
 * per direction, and the line state; whoever carries the bytes on (a pty,
 * a command, a socket: src/app/serial.c) drains one and fills the other.
 * It never touches a file descriptor.
 *
 * Flow: a bulk OUT URB is taken only when its bytes fit in the queue
 * towards the port (else it stays queued: the host waits); a bulk IN URB
 * stays pending until the queue towards the host has bytes. So both
 * directions apply back-pressure and neither queue grows past its size.
 */
#ifndef VUSB_ACM_H
#define VUSB_ACM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/usb/usbdev.h"

/* Class-specific requests (CDC PSTN 1.2, 6.3). */
#define ACM_REQ_SEND_ENCAPSULATED_COMMAND 0x00
#define ACM_REQ_GET_ENCAPSULATED_RESPONSE 0x01
#define ACM_REQ_SET_LINE_CODING 0x20
#define ACM_REQ_GET_LINE_CODING 0x21
#define ACM_REQ_SET_CONTROL_LINE_STATE 0x22
#define ACM_REQ_SEND_BREAK 0x23

/* Notification (PSTN 6.5.4). */
#define ACM_NOTIFY_SERIAL_STATE 0x20
#define ACM_SERIAL_STATE_SIZE 10

/* SET_CONTROL_LINE_STATE wValue bits. */
#define ACM_CTRL_DTR 0x01
#define ACM_CTRL_RTS 0x02

/* SERIAL_STATE bits (UART state bitmap). */
#define ACM_STATE_DCD 0x01 /* bRxCarrier */
#define ACM_STATE_DSR 0x02 /* bTxCarrier */
#define ACM_STATE_BREAK 0x04
#define ACM_STATE_RI 0x08
#define ACM_STATE_FRAMING 0x10
#define ACM_STATE_PARITY 0x20
#define ACM_STATE_OVERRUN 0x40

#define ACM_LINE_CODING_SIZE 7

/* Each queue's size: a power of two, above any bulk OUT URB cdc_acm sends. */
#define ACM_QUEUE_SIZE 65536

/* The line coding, decoded. */
struct acm_line_coding {
	uint32_t rate; /* dwDTERate, bits per second */
	uint8_t stop; /* bCharFormat: 0 one, 1 one and a half, 2 two stop bits */
	uint8_t parity; /* bParityType: 0 none, 1 odd, 2 even, 3 mark, 4 space */
	uint8_t bits; /* bDataBits: 5, 6, 7, 8 or 16 */
};

/*
 * Decode the 7 bytes of SET_LINE_CODING. 0, or -EINVAL when len is short
 * or a field is out of range (nothing stored).
 */
int acm_line_coding_decode(const uint8_t *buf, size_t len, struct acm_line_coding *ret);
void acm_line_coding_encode(const struct acm_line_coding *lc, uint8_t out[ACM_LINE_CODING_SIZE]);

/* "115200 8N1" style; parity letters N O E M S, stop bits 1, 1.5, 2. */
void acm_line_coding_format(const struct acm_line_coding *lc, char *buf, size_t size);

/* A SERIAL_STATE notification for interface `intf`, into out. */
void acm_serial_state_encode(uint8_t intf, uint16_t state, uint8_t out[ACM_SERIAL_STATE_SIZE]);

/* What changed, for acm_port_ops.changed(). */
enum {
	ACM_CHANGED_RX = 1 << 0, /* bytes arrived from the host */
	ACM_CHANGED_TX = 1 << 1, /* room appeared towards the host */
	ACM_CHANGED_LINE = 1 << 2, /* line coding */
	ACM_CHANGED_CONTROL = 1 << 3, /* DTR / RTS */
	ACM_CHANGED_BREAK = 1 << 4, /* a break began or ended */
};

struct acm_queue {
	uint8_t *buf; /* ACM_QUEUE_SIZE bytes */
	uint32_t head; /* bytes put in, ever (mod 2^32) */
	uint32_t tail; /* bytes taken out */
};

struct acm {
	struct usb_function *func;
	uint8_t comm_intf;
	uint8_t ep_notify, ep_in, ep_out; /* 0x83, 0x81, 0x02 style */
	struct acm_queue rx; /* host -> port */
	struct acm_queue tx; /* port -> host */
	/* the OUT URB partly taken: its seqnum and bytes taken so far */
	bool out_partial;
	uint32_t out_seqnum;
	uint32_t out_taken;
	struct acm_line_coding line;
	uint16_t control; /* ACM_CTRL_* the host set */
	bool brk; /* a break is on */
	unsigned int breaks; /* breaks begun since creation */
	uint16_t state; /* ACM_STATE_* the device reports */
	bool state_dirty; /* a SERIAL_STATE notification is due */
	/* the port end */
	void (*changed)(void *data, unsigned int what);
	void *data;
};

/*
 * Set up `a` and bind it to interfaces `first_intf` (communications) and
 * first_intf + 1 (data) of `dev`, with the given endpoint addresses.
 * 0, -ENOMEM, or -ENOSPC when the device has no function slot left.
 */
int acm_init(struct acm *a, struct usb_device *dev, uint8_t first_intf, uint8_t ep_notify,
	     uint8_t ep_in, uint8_t ep_out);
void acm_release(struct acm *a);

/* Who hears of changes (ACM_CHANGED_* bits); may be called from any URB. */
void acm_set_port(struct acm *a, void (*changed)(void *data, unsigned int what), void *data);

/*
 * Bytes from the host, waiting for the port: a pointer to the oldest and
 * how many follow it contiguously (0: none). acm_rx_consume() takes n of
 * them (n <= what peek said), which may let a waiting OUT URB in.
 */
size_t acm_rx_peek(const struct acm *a, const uint8_t **ret);
void acm_rx_consume(struct acm *a, size_t n);
size_t acm_rx_pending(const struct acm *a);

/*
 * Room towards the host: where to write and how much fits contiguously
 * (0: full). acm_tx_commit() hands over n bytes written there, which
 * completes a pending IN URB.
 */
size_t acm_tx_room(struct acm *a, uint8_t **ret);
void acm_tx_commit(struct acm *a, size_t n);
size_t acm_tx_pending(const struct acm *a);

/*
 * Raise or lower ACM_STATE_DCD, _DSR or _RI; the host hears of it with a
 * SERIAL_STATE notification. -EINVAL for other bits.
 */
int acm_set_state(struct acm *a, uint16_t bits, bool on);

extern const struct usb_class_ops acm_class_ops;

#endif
