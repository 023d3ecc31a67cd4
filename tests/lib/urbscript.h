/* SPDX-License-Identifier: MIT */
/*
 * What the loop tests share when they play the host of a USB/IP stream:
 * running the real event loop until a condition holds or time is up,
 * URB commands written byte by byte as vhci_tx.c writes them, and a log
 * of the replies the protocol checker passed.
 *
 * Failures are the test's: a timer or an allocation that fails ends the
 * test through cmocka.
 */
#ifndef VUSB_TESTS_URBSCRIPT_H
#define VUSB_TESTS_URBSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/base/loop.h"
#include "tests/lib/usbip-check.h"

/* ---- running the loop ---- */

struct runner {
	struct loop *loop;
	struct loop_timer *timeout;
	struct loop_timer *tick; /* NULL: look at the condition after events only */
	unsigned int tick_ms;
	bool (*until)(void *data);
	void *data;
};

/*
 * Run on `loop`. With tick_ms, run_until() also looks every tick_ms, for
 * conditions that change outside the loop's callbacks (a device's state).
 * Its timers go with the loop.
 */
void runner_init(struct runner *r, struct loop *loop, unsigned int tick_ms);

/* From a callback that changed something: ends run_until() if its condition holds. */
void runner_check(struct runner *r);

/* Run until until(data) holds or `ms` pass; whether it holds. */
bool run_until(struct runner *r, bool (*until)(void *data), void *data, unsigned int ms);
/* Run for `ms`. */
void run_for(struct runner *r, unsigned int ms);

/*
 * Send all `len` bytes of buf on the non-blocking socket `fd`, running
 * the loop while the socket is full (its reader runs in the loop).
 */
void runner_send(struct runner *r, int fd, const void *buf, size_t len);

/* ---- commands, as the kernel writes them ---- */

/*
 * A command stream is built here, then written in one go or in pieces;
 * or any bytes that grow at the end (what a peer received).
 */
struct cmdbuf {
	uint8_t *p;
	size_t len, cap;
};

/* `n` more bytes at the end, to be filled by the caller. */
uint8_t *cmd_grow(struct cmdbuf *b, size_t n);
void cmd_free(struct cmdbuf *b);

void put32(uint8_t *p, uint32_t v);

/* CMD_SUBMIT, not ISO; setup may be NULL. */
void put_submit(struct cmdbuf *b, uint32_t seq, bool in, uint32_t ep, uint32_t length,
		const uint8_t setup[8]);
/* CMD_SUBMIT with number_of_packets (ISO descriptors not included). */
void put_submit_iso(struct cmdbuf *b, uint32_t seq, bool in, uint32_t ep, uint32_t length,
		    const uint8_t setup[8], int32_t npackets);
void put_unlink(struct cmdbuf *b, uint32_t seq, uint32_t target);
/* A control transfer on endpoint 0: IN with room for wlength, or OUT with wlength bytes of data. */
void put_control(struct cmdbuf *b, uint32_t seq, uint8_t bm, uint8_t req, uint16_t value,
		 uint16_t index, uint16_t wlength, const void *data);

/* ---- the replies ---- */

struct reply {
	uint32_t command;
	uint32_t seqnum;
	int32_t status;
	uint32_t actual;
	uint32_t unlink_target; /* RET_UNLINK */
	uint8_t *data; /* RET_SUBMIT IN: len bytes */
	size_t len;
};

struct reply_log {
	struct reply *v;
	size_t n, cap;
};

/* A usbip_check_reply_cb: appends the reply to the struct reply_log at `data`. */
void reply_log_add(const struct usbip_check_reply *r, void *data);
/* Forget the replies; the log stays usable. */
void reply_log_clear(struct reply_log *l);
void reply_log_free(struct reply_log *l);

#endif
