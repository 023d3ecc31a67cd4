// SPDX-License-Identifier: MIT
/*
 * The DFU class: the pure state machine, every state against every
 * request (the table below is foboot's behaviour, see dfu/dfu.h), then
 * the class on a device through the real usbdev core and a fake host.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfu.h"
#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

#define OUT 0x21
#define IN 0xa1
#define XFER 64

static const struct dfu_params params = {
	.transfer_size = XFER,
	.poll_idle_ms = 5,
	.poll_busy_ms = 7,
	.poll_manifest_ms = 1,
	.poll_wait_reset_ms = 1000,
};

/* --- the machine --------------------------------------------------------- */

static int req(struct dfu_machine *m, uint8_t type, uint8_t request, uint16_t value,
	       uint16_t index, uint16_t length, uint8_t *data, struct dfu_effect *eff)
{
	struct usb_setup s = { type, request, value, index, length };
	struct dfu_effect dummy;

	return dfu_machine_request(m, &s, data, length, eff ? eff : &dummy);
}

static int dnload(struct dfu_machine *m, uint16_t block, uint16_t len, struct dfu_effect *eff)
{
	uint8_t buf[DFU_MAX_TRANSFER + 64] = { 0 };

	return req(m, OUT, DFU_REQ_DNLOAD, block, 0, len, buf, eff);
}

/* GETSTATUS; checks the reply is consistent with the machine. */
static void getstatus(struct dfu_machine *m, uint8_t *ret_status, uint32_t *ret_poll,
		      uint8_t *ret_state)
{
	uint8_t st[DFU_STATUS_SIZE];

	assert_int_equal(req(m, IN, DFU_REQ_GETSTATUS, 0, 0, sizeof(st), st, NULL),
			 DFU_STATUS_SIZE);
	assert_int_equal(st[0], m->status);
	assert_int_equal(st[4], m->state);
	assert_int_equal(st[5], 0);
	if (ret_status)
		*ret_status = st[0];
	if (ret_poll)
		*ret_poll = (uint32_t)st[1] | (uint32_t)st[2] << 8 | (uint32_t)st[3] << 16;
	if (ret_state)
		*ret_state = st[4];
}

/* Drive a fresh machine into `state` with requests a host would send. */
static void reach(struct dfu_machine *m, enum dfu_state state)
{
	struct dfu_effect eff;

	dfu_machine_init(m, &params);
	switch (state) {
	case DFU_STATE_IDLE:
		break;
	case DFU_STATE_DNLOAD_SYNC:
		assert_int_equal(dnload(m, 0, XFER, &eff), 0);
		assert_int_equal(eff.action, DFU_ACTION_DOWNLOAD);
		dfu_machine_download_done(m, 0);
		break;
	case DFU_STATE_DNBUSY:
		dnload(m, 0, XFER, NULL);
		dfu_machine_download_done(m, -EAGAIN);
		getstatus(m, NULL, NULL, NULL);
		break;
	case DFU_STATE_DNLOAD_IDLE:
		dnload(m, 0, XFER, NULL);
		dfu_machine_download_done(m, 0);
		getstatus(m, NULL, NULL, NULL);
		break;
	case DFU_STATE_MANIFEST_SYNC:
		reach(m, DFU_STATE_DNLOAD_IDLE);
		assert_int_equal(dnload(m, 1, 0, NULL), 0);
		break;
	case DFU_STATE_MANIFEST:
		reach(m, DFU_STATE_MANIFEST_SYNC);
		getstatus(m, NULL, NULL, NULL);
		break;
	case DFU_STATE_MANIFEST_WAIT_RESET:
		reach(m, DFU_STATE_MANIFEST);
		getstatus(m, NULL, NULL, NULL);
		break;
	case DFU_STATE_ERROR:
		assert_int_equal(req(m, OUT, DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), 0);
		reach(m, DFU_STATE_DNLOAD_IDLE);
		assert_int_equal(req(m, OUT, DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), -EPIPE);
		break;
	default:
		fail_msg("cannot reach state %d", state);
	}
	assert_int_equal(m->state, state);
}

enum op { DNLOAD, DNLOAD0, GETSTATUS, CLRSTATUS, GETSTATE, ABORT, UPLOAD, DETACH, NOPS };

static const char *const op_names[NOPS] = {
	"DNLOAD", "DNLOAD(0)", "GETSTATUS", "CLRSTATUS", "GETSTATE", "ABORT", "UPLOAD", "DETACH",
};

/* What each request does in each state: new state, status, stalled? */
struct outcome {
	enum dfu_state state;
	enum dfu_status status;
	bool stall;
};

#define S(st) { DFU_STATE_##st, DFU_STATUS_OK, false }
#define STALL_AS(st) { DFU_STATE_##st, DFU_STATUS_OK, true }
#define BADPKT_ACK { DFU_STATE_ERROR, DFU_STATUS_ERR_STALLEDPKT, false }
#define BADPKT_STALL { DFU_STATE_ERROR, DFU_STATUS_ERR_STALLEDPKT, true }

struct row {
	enum dfu_state from;
	struct outcome to[NOPS];
};

static const struct row table[] = {
	{ DFU_STATE_IDLE,
	  { S(DNLOAD_SYNC), S(MANIFEST_SYNC), S(IDLE), S(IDLE), S(IDLE), S(IDLE), STALL_AS(IDLE),
	    S(IDLE) } },
	{ DFU_STATE_DNLOAD_SYNC,
	  { BADPKT_ACK, BADPKT_STALL, S(DNLOAD_IDLE), BADPKT_STALL, S(DNLOAD_SYNC), S(IDLE),
	    STALL_AS(DNLOAD_SYNC), S(DNLOAD_SYNC) } },
	{ DFU_STATE_DNBUSY,
	  { BADPKT_ACK, BADPKT_STALL, S(DNBUSY), BADPKT_STALL, S(DNBUSY), S(IDLE),
	    STALL_AS(DNBUSY), S(DNBUSY) } },
	{ DFU_STATE_DNLOAD_IDLE,
	  { S(DNLOAD_SYNC), S(MANIFEST_SYNC), S(DNLOAD_IDLE), BADPKT_STALL, S(DNLOAD_IDLE),
	    S(IDLE), STALL_AS(DNLOAD_IDLE), S(DNLOAD_IDLE) } },
	{ DFU_STATE_MANIFEST_SYNC,
	  { BADPKT_ACK, BADPKT_STALL, S(MANIFEST), BADPKT_STALL, S(MANIFEST_SYNC), S(IDLE),
	    STALL_AS(MANIFEST_SYNC), S(MANIFEST_SYNC) } },
	{ DFU_STATE_MANIFEST,
	  { BADPKT_ACK, BADPKT_STALL, S(MANIFEST_WAIT_RESET), BADPKT_STALL, S(MANIFEST), S(IDLE),
	    STALL_AS(MANIFEST), S(MANIFEST) } },
	{ DFU_STATE_MANIFEST_WAIT_RESET,
	  { BADPKT_ACK, BADPKT_STALL, S(MANIFEST_WAIT_RESET), S(IDLE), S(MANIFEST_WAIT_RESET),
	    S(IDLE), STALL_AS(MANIFEST_WAIT_RESET), S(MANIFEST_WAIT_RESET) } },
	{ DFU_STATE_ERROR,
	  { BADPKT_ACK, BADPKT_STALL,
	    { DFU_STATE_ERROR, DFU_STATUS_ERR_STALLEDPKT, false }, S(IDLE),
	    { DFU_STATE_ERROR, DFU_STATUS_ERR_STALLEDPKT, false }, S(IDLE),
	    { DFU_STATE_ERROR, DFU_STATUS_ERR_STALLEDPKT, true },
	    { DFU_STATE_ERROR, DFU_STATUS_ERR_STALLEDPKT, false } } },
};

static int apply(struct dfu_machine *m, enum op op, struct dfu_effect *eff)
{
	uint8_t buf[DFU_STATUS_SIZE];

	switch (op) {
	case DNLOAD:
		return dnload(m, 2, XFER, eff);
	case DNLOAD0:
		return dnload(m, 2, 0, eff);
	case GETSTATUS:
		return req(m, IN, DFU_REQ_GETSTATUS, 0, 0, sizeof(buf), buf, eff);
	case CLRSTATUS:
		return req(m, OUT, DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, eff);
	case GETSTATE:
		return req(m, IN, DFU_REQ_GETSTATE, 0, 0, 1, buf, eff);
	case ABORT:
		return req(m, OUT, DFU_REQ_ABORT, 0, 0, 0, NULL, eff);
	case UPLOAD:
		return req(m, IN, DFU_REQ_UPLOAD, 0, 0, XFER, buf, eff);
	default:
		return req(m, OUT, DFU_REQ_DETACH, 1000, 0, 0, NULL, eff);
	}
}

static void test_every_transition(void **state)
{
	size_t i;
	int op;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		for (op = 0; op < NOPS; op++) {
			const struct outcome *want = &table[i].to[op];
			struct dfu_machine m;
			struct dfu_effect eff;
			int r;

			reach(&m, table[i].from);
			r = apply(&m, (enum op)op, &eff);
			if (r == 0 && eff.action == DFU_ACTION_DOWNLOAD)
				dfu_machine_download_done(&m, 0);
			if (m.state != want->state || m.status != want->status ||
			    (r == -EPIPE) != want->stall)
				fail_msg("%s in %s: got %s/%s%s, want %s/%s%s", op_names[op],
					 dfu_state_name(table[i].from), dfu_state_name(m.state),
					 dfu_status_name(m.status), r == -EPIPE ? " (stall)" : "",
					 dfu_state_name(want->state), dfu_status_name(want->status),
					 want->stall ? " (stall)" : "");
			/* what the class is asked to do */
			if (op == DETACH)
				assert_int_equal(eff.action, DFU_ACTION_DETACH);
			else if (op == DNLOAD && want->state == DFU_STATE_DNLOAD_SYNC)
				assert_int_equal(eff.action, DFU_ACTION_DOWNLOAD);
			else if (op == GETSTATUS && want->state == DFU_STATE_MANIFEST &&
				 table[i].from == DFU_STATE_MANIFEST_SYNC)
				assert_int_equal(eff.action, DFU_ACTION_MANIFEST);
			else
				assert_int_equal(eff.action, DFU_ACTION_NONE);
		}
	}
}

static void test_download_sequence(void **state)
{
	struct dfu_machine m;
	struct dfu_effect eff;
	uint8_t st, status, buf[8];
	uint32_t poll;

	dfu_machine_init(&m, &params);
	getstatus(&m, &status, &poll, &st);
	assert_int_equal(st, DFU_STATE_IDLE);
	assert_int_equal(status, DFU_STATUS_OK);
	assert_int_equal(poll, 5);

	assert_int_equal(dnload(&m, 0, XFER, &eff), 0);
	assert_int_equal(eff.action, DFU_ACTION_DOWNLOAD);
	assert_int_equal(eff.block, 0);
	assert_int_equal(eff.len, XFER);
	dfu_machine_download_done(&m, 0);
	/* GETSTATE does not move the machine; GETSTATUS does */
	assert_int_equal(req(&m, IN, DFU_REQ_GETSTATE, 0, 0, 1, buf, NULL), 1);
	assert_int_equal(buf[0], DFU_STATE_DNLOAD_SYNC);
	getstatus(&m, NULL, &poll, &st);
	assert_int_equal(st, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(poll, 7);

	/* a short last block */
	assert_int_equal(dnload(&m, 1, 10, &eff), 0);
	assert_int_equal(eff.block, 1);
	assert_int_equal(eff.len, 10);
	dfu_machine_download_done(&m, 0);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNLOAD_IDLE);

	/* end: MANIFEST_SYNC -> MANIFEST (1 ms) -> WAIT_RESET (1000 ms) */
	assert_int_equal(dnload(&m, 2, 0, &eff), 0);
	assert_int_equal(eff.action, DFU_ACTION_NONE);
	assert_int_equal(m.state, DFU_STATE_MANIFEST_SYNC);
	assert_int_equal(req(&m, IN, DFU_REQ_GETSTATUS, 0, 0, 6, buf, &eff), 6);
	assert_int_equal(eff.action, DFU_ACTION_MANIFEST);
	assert_int_equal(buf[4], DFU_STATE_MANIFEST);
	assert_int_equal(buf[1], 1);
	getstatus(&m, NULL, &poll, &st);
	assert_int_equal(st, DFU_STATE_MANIFEST_WAIT_RESET);
	assert_int_equal(poll, 1000);
	/* it stays there: foboot waits for a reset or a DETACH */
	getstatus(&m, NULL, &poll, &st);
	assert_int_equal(st, DFU_STATE_MANIFEST_WAIT_RESET);
	assert_int_equal(poll, 1000);
	/* SET_INTERFACE clears it (what lets a second dfu-util run) */
	dfu_machine_set_interface(&m);
	getstatus(&m, &status, &poll, &st);
	assert_int_equal(st, DFU_STATE_IDLE);
	assert_int_equal(poll, 5);
}

static void test_busy_backend(void **state)
{
	struct dfu_machine m;
	uint8_t st;
	uint32_t poll;

	dfu_machine_init(&m, &params);
	dnload(&m, 0, XFER, NULL);
	dfu_machine_download_done(&m, -EAGAIN);
	getstatus(&m, NULL, &poll, &st);
	assert_int_equal(st, DFU_STATE_DNBUSY);
	assert_int_equal(poll, 7);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNBUSY);
	dfu_machine_busy_done(&m);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNLOAD_IDLE);
}

/* A device that says busy a set number of times after each block, as
 * foboot writes the block after answering (params.busy_polls); a busy
 * backend's time comes first, the polls after it. */
static void test_busy_polls(void **state)
{
	struct dfu_params p = params;
	struct dfu_machine m;
	uint8_t st;
	uint32_t poll;
	unsigned int block;

	p.busy_polls = 2;
	dfu_machine_init(&m, &p);
	for (block = 0; block < 2; block++) {
		dnload(&m, (uint16_t)block, XFER, NULL);
		dfu_machine_download_done(&m, 0);
		getstatus(&m, NULL, &poll, &st);
		assert_int_equal(st, DFU_STATE_DNBUSY);
		assert_int_equal(poll, 7);
		getstatus(&m, NULL, NULL, &st);
		assert_int_equal(st, DFU_STATE_DNBUSY);
		getstatus(&m, NULL, &poll, &st);
		assert_int_equal(st, DFU_STATE_DNLOAD_IDLE);
		assert_int_equal(poll, 7);
	}
	dnload(&m, 2, XFER, NULL);
	dfu_machine_download_done(&m, -EAGAIN);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNBUSY);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNBUSY);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNBUSY);
	dfu_machine_busy_done(&m);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNBUSY);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNBUSY);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_DNLOAD_IDLE);
	/* an error is not busy */
	dnload(&m, 3, XFER, NULL);
	dfu_machine_download_done(&m, -EIO);
	getstatus(&m, NULL, NULL, &st);
	assert_int_equal(st, DFU_STATE_ERROR);
}

static void test_backend_errors(void **state)
{
	static const struct {
		int err;
		enum dfu_status status;
	} cases[] = {
		{ -EFAULT, DFU_STATUS_ERR_ADDRESS },
		{ -EIO, DFU_STATUS_ERR_WRITE },
		{ -EINVAL, DFU_STATUS_ERR_UNKNOWN },
		{ -ENOMEM, DFU_STATUS_ERR_UNKNOWN },
	};
	struct dfu_machine m;
	uint8_t st, status;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dfu_machine_init(&m, &params);
		dnload(&m, 5, XFER, NULL);
		dfu_machine_download_done(&m, cases[i].err);
		getstatus(&m, &status, NULL, &st);
		assert_int_equal(st, DFU_STATE_ERROR);
		assert_int_equal(status, cases[i].status);
		/* and CLRSTATUS recovers */
		assert_int_equal(req(&m, OUT, DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), 0);
		assert_int_equal(m.state, DFU_STATE_IDLE);
		assert_int_equal(m.status, DFU_STATUS_OK);
	}
	/* a late result for a state that moved on is ignored */
	dfu_machine_init(&m, &params);
	dfu_machine_download_done(&m, -EIO);
	assert_int_equal(m.state, DFU_STATE_IDLE);
}

static void test_oversized_block(void **state)
{
	struct dfu_machine m;
	struct dfu_effect eff;
	uint8_t st, status;

	/* Acknowledged (foboot checks after receiving), then dfuERROR. */
	dfu_machine_init(&m, &params);
	assert_int_equal(dnload(&m, 0, XFER + 1, &eff), 0);
	assert_int_equal(eff.action, DFU_ACTION_NONE);
	getstatus(&m, &status, NULL, &st);
	assert_int_equal(st, DFU_STATE_ERROR);
	assert_int_equal(status, DFU_STATUS_ERR_ADDRESS);
	/* from dfuDNLOAD_IDLE too */
	reach(&m, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(dnload(&m, 1, DFU_MAX_TRANSFER, &eff), 0);
	assert_int_equal(m.status, DFU_STATUS_ERR_ADDRESS);
	/* exactly wTransferSize is fine */
	dfu_machine_init(&m, &params);
	assert_int_equal(dnload(&m, 0, XFER, &eff), 0);
	assert_int_equal(eff.action, DFU_ACTION_DOWNLOAD);
}

static void test_bad_requests(void **state)
{
	struct dfu_machine m;
	uint8_t buf[8] = { 0 };
	int r;

	reach(&m, DFU_STATE_DNLOAD_IDLE);
	/* wIndex other than 0 stalls everything, state untouched */
	assert_int_equal(req(&m, IN, DFU_REQ_GETSTATUS, 0, 1, 6, buf, NULL), -EPIPE);
	assert_int_equal(req(&m, OUT, DFU_REQ_DNLOAD, 0, 0x100, 4, buf, NULL), -EPIPE);
	assert_int_equal(req(&m, OUT, DFU_REQ_ABORT, 0, 2, 0, NULL, NULL), -EPIPE);
	assert_int_equal(req(&m, OUT, DFU_REQ_CLRSTATUS, 0, 1, 0, NULL, NULL), -EPIPE);
	assert_int_equal(req(&m, OUT, DFU_REQ_DETACH, 0, 1, 0, NULL, NULL), -EPIPE);
	assert_int_equal(req(&m, IN, DFU_REQ_GETSTATE, 0, 1, 1, buf, NULL), -EPIPE);
	assert_int_equal(m.state, DFU_STATE_DNLOAD_IDLE);
	/* wrong direction or type, unknown requests */
	assert_int_equal(req(&m, IN, DFU_REQ_DNLOAD, 0, 0, 4, buf, NULL), -EPIPE);
	assert_int_equal(req(&m, OUT, DFU_REQ_GETSTATUS, 0, 0, 6, buf, NULL), -EPIPE);
	assert_int_equal(req(&m, 0x20, DFU_REQ_ABORT, 0, 0, 0, NULL, NULL), -EPIPE);
	assert_int_equal(req(&m, 0x41, DFU_REQ_ABORT, 0, 0, 0, NULL, NULL), -EPIPE);
	assert_int_equal(req(&m, OUT, 7, 0, 0, 0, NULL, NULL), -EPIPE);
	assert_int_equal(req(&m, IN, 0xff, 0, 0, 1, buf, NULL), -EPIPE);
	assert_int_equal(m.state, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(m.status, DFU_STATUS_OK);
	/* a short GETSTATUS gets what it asked for */
	r = req(&m, IN, DFU_REQ_GETSTATUS, 0, 0, 2, buf, NULL);
	assert_int_equal(r, 2);
	r = req(&m, IN, DFU_REQ_GETSTATE, 0, 0, 0, buf, NULL);
	assert_int_equal(r, 0);
}

static void test_set_interface(void **state)
{
	struct dfu_machine m;

	reach(&m, DFU_STATE_ERROR);
	dfu_machine_set_interface(&m);
	assert_int_equal(m.state, DFU_STATE_IDLE);
	reach(&m, DFU_STATE_MANIFEST_WAIT_RESET);
	dfu_machine_set_interface(&m);
	assert_int_equal(m.state, DFU_STATE_IDLE);
	/* in the middle of a download it errors, as CLRSTATUS would */
	reach(&m, DFU_STATE_DNLOAD_IDLE);
	dfu_machine_set_interface(&m);
	assert_int_equal(m.state, DFU_STATE_ERROR);
	assert_int_equal(m.status, DFU_STATUS_ERR_STALLEDPKT);
}

static void test_names(void **state)
{
	assert_string_equal(dfu_state_name(DFU_STATE_MANIFEST), "dfuMANIFEST");
	assert_string_equal(dfu_state_name(DFU_STATE_MANIFEST_WAIT_RESET), "dfuMANIFEST-WAIT-RESET");
	assert_string_equal(dfu_state_name((enum dfu_state)11), "?");
	assert_string_equal(dfu_status_name(DFU_STATUS_ERR_ADDRESS), "errADDRESS");
	assert_string_equal(dfu_status_name(DFU_STATUS_ERR_STALLEDPKT), "errSTALLEDPKT");
	assert_string_equal(dfu_status_name((enum dfu_status)16), "?");
}

/* --- the class on a device ------------------------------------------------ */

struct t {
	struct usb_device dev;
	struct dfu dfu;
	struct fakehost host;
	/* what the backend saw */
	unsigned int downloads, manifests, detaches, resets, timers;
	unsigned int last_block;
	size_t last_len;
	uint8_t last_data[XFER];
	int download_result;
};

static const uint8_t device_desc[] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0200), 0, 0, 0, 64,
	U16_LE(0x1209), U16_LE(0x0002), U16_LE(0x0100), 1, 0, 0, 1,
};

static const uint8_t config_desc[] = {
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(27), 1, 1, 0, USB_CONFIG_ATT_ONE, 50,
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 0, USB_CLASS_APP_SPEC, DFU_SUBCLASS,
	DFU_PROTOCOL_DFU, 0,
	DFU_DT_FUNCTIONAL_SIZE, DFU_DT_FUNCTIONAL, DFU_ATTR_CAN_DNLOAD | DFU_ATTR_WILL_DETACH,
	U16_LE(1000), U16_LE(XFER), U16_LE(0x0101),
};

static int be_download(struct dfu *d, unsigned int block, const uint8_t *data, size_t len)
{
	struct t *t = d->data;

	t->downloads++;
	t->last_block = block;
	t->last_len = len;
	memcpy(t->last_data, data, len < XFER ? len : XFER);
	return t->download_result;
}

static void be_manifest(struct dfu *d)
{
	((struct t *)d->data)->manifests++;
}

static void be_detach(struct dfu *d)
{
	((struct t *)d->data)->detaches++;
}

static int be_control(struct dfu *d, const struct usb_setup *s, uint8_t *data, size_t len)
{
	static const uint8_t answer[] = { 1, 2, 3, 4 };

	if (s->bmRequestType == 0xc0 && s->bRequest == 0x42) {
		memcpy(data, answer, len < 4 ? len : 4);
		return len < 4 ? (int)len : 4;
	}
	return -EOPNOTSUPP;
}

static int be_get_descriptor(struct dfu *d, const struct usb_setup *s, uint8_t *data, size_t len)
{
	static const uint8_t str[] = { 6, USB_DT_STRING, 'h', 0, 0, 0 };

	if (s->wValue != (USB_DT_STRING << 8 | 0xee))
		return -EPIPE;
	memcpy(data, str, len < sizeof(str) ? len : sizeof(str));
	return len < sizeof(str) ? (int)len : (int)sizeof(str);
}

static void be_reset(struct dfu *d)
{
	((struct t *)d->data)->resets++;
}

static void be_timer(struct dfu *d)
{
	((struct t *)d->data)->timers++;
}

static const struct dfu_backend backend = {
	.download = be_download,
	.manifest = be_manifest,
	.detach = be_detach,
	.control = be_control,
	.get_descriptor = be_get_descriptor,
	.reset = be_reset,
	.timer = be_timer,
};

static int dev_setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	usb_device_init(&t->dev);
	memcpy(t->dev.desc, device_desc, sizeof(device_desc));
	t->dev.config = config_desc;
	t->dev.strings[1] = "vusb";
	t->dev.speed = USB_SPEED_FULL;
	assert_int_equal(dfu_attach(&t->dfu, &t->dev, 0, &params, &backend, t), 0);
	assert_int_equal(usb_device_validate(&t->dev), 0);
	fakehost_init(&t->host);
	fakehost_bind(&t->host, &t->dev);
	*state = t;
	return 0;
}

static int dev_teardown(void **state)
{
	struct t *t = *state;

	fakehost_disconnect(&t->host);
	fakehost_release(&t->host);
	free(t);
	return 0;
}

/* A control transfer that completes at once: fakehost_control() on t's host. */
#define xfer(t, ...) fakehost_control(&(t)->host, __VA_ARGS__)

static uint8_t dev_state(struct t *t)
{
	uint8_t st[6];
	uint32_t n;

	assert_int_equal(xfer(t, IN, DFU_REQ_GETSTATUS, 0, 0, 6, NULL, st, &n), 0);
	assert_int_equal(n, 6);
	return st[4];
}

static void test_class_download(void **state)
{
	struct t *t = *state;
	uint8_t block[XFER];
	unsigned int i;

	for (i = 0; i < XFER; i++)
		block[i] = (uint8_t)i;
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dev_state(t), DFU_STATE_IDLE);

	assert_int_equal(xfer(t, OUT, DFU_REQ_DNLOAD, 3, 0, XFER, block, NULL, NULL), 0);
	assert_int_equal(t->downloads, 1);
	assert_int_equal(t->last_block, 3);
	assert_int_equal(t->last_len, XFER);
	assert_memory_equal(t->last_data, block, XFER);
	assert_int_equal(dev_state(t), DFU_STATE_DNLOAD_IDLE);

	assert_int_equal(xfer(t, OUT, DFU_REQ_DNLOAD, 4, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dev_state(t), DFU_STATE_MANIFEST);
	assert_int_equal(t->manifests, 1);
	assert_int_equal(dev_state(t), DFU_STATE_MANIFEST_WAIT_RESET);

	/* a bus reset (dfu-util 0.11; SET_CONFIGURATION again under vhci)
	 * leaves the DFU state alone, as on foboot */
	t->resets = 0;
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(t->resets, 1);
	assert_int_equal(dev_state(t), DFU_STATE_MANIFEST_WAIT_RESET);
	assert_int_equal(t->detaches, 0);
	/* the next dfu-util's SET_INTERFACE clears it */
	assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dev_state(t), DFU_STATE_IDLE);
	/* in the middle of a download a reset changes nothing either */
	assert_int_equal(xfer(t, OUT, DFU_REQ_DNLOAD, 0, 0, XFER, block, NULL, NULL), 0);
	assert_int_equal(dev_state(t), DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dev_state(t), DFU_STATE_DNLOAD_IDLE);
}

static void test_class_errors(void **state)
{
	struct t *t = *state;
	uint8_t block[XFER + 1] = { 0 };
	uint8_t st[6];

	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	/* a failing backend: errADDRESS, as beyond the end of flash */
	t->download_result = -EFAULT;
	assert_int_equal(xfer(t, OUT, DFU_REQ_DNLOAD, 2000, 0, XFER, block, NULL, NULL), 0);
	assert_int_equal(xfer(t, IN, DFU_REQ_GETSTATUS, 0, 0, 6, NULL, st, NULL), 0);
	assert_int_equal(st[0], DFU_STATUS_ERR_ADDRESS);
	assert_int_equal(st[4], DFU_STATE_ERROR);
	assert_int_equal(xfer(t, OUT, DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL, NULL), 0);
	t->download_result = 0;
	/* an oversized block never reaches the backend */
	t->downloads = 0;
	assert_int_equal(xfer(t, OUT, DFU_REQ_DNLOAD, 0, 0, XFER + 1, block, NULL, NULL), 0);
	assert_int_equal(t->downloads, 0);
	assert_int_equal(dev_state(t), DFU_STATE_ERROR);
	assert_int_equal(xfer(t, OUT, DFU_REQ_ABORT, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dev_state(t), DFU_STATE_IDLE);
	/* UPLOAD stalls; interface 1 does not exist: the core stalls */
	assert_int_equal(xfer(t, IN, DFU_REQ_UPLOAD, 0, 0, XFER, NULL, block, NULL), -EPIPE);
	assert_int_equal(xfer(t, IN, DFU_REQ_GETSTATUS, 0, 1, 6, NULL, st, NULL), -EPIPE);
	/* wIndex 0x100 reaches the class (interface 0) and stalls there */
	assert_int_equal(xfer(t, IN, DFU_REQ_GETSTATUS, 0, 0x100, 6, NULL, st, NULL), -EPIPE);
	/* class requests to the device are not DFU's: stall */
	assert_int_equal(xfer(t, 0xa0, DFU_REQ_GETSTATUS, 0, 0, 6, NULL, st, NULL), -EPIPE);
	assert_int_equal(dev_state(t), DFU_STATE_IDLE);
}

static void test_class_detach_and_vendor(void **state)
{
	struct t *t = *state;
	uint8_t buf[16];
	uint32_t n;

	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(t, OUT, DFU_REQ_DETACH, 1000, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(t->detaches, 1);
	/* vendor requests to the device go to the backend */
	assert_int_equal(xfer(t, 0xc0, 0x42, 0, 0, 16, NULL, buf, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(xfer(t, 0xc0, 0x43, 0, 0, 16, NULL, buf, &n), -EPIPE);
	/* a string the table lacks is asked of the function (core hook) */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x03ee, 0, 255, NULL, buf, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(buf[2], 'h');
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x03ee, 0, 2, NULL, buf, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0305, 0, 255, NULL, buf, &n),
			 -EPIPE);
	/* the table still wins where it has the string */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0301, 0, 255, NULL, buf, &n), 0);
	assert_int_equal(n, 10);
}

static void test_class_timer_survives_disconnect(void **state)
{
	struct t *t = *state;

	/* The core hook: a function arming its timer from reset, as the
	 * board does when it leaves the bus, keeps it. */
	usb_function_arm_timer(t->dfu.func, 50);
	assert_int_equal(t->host.armed_ms > 0, 1);
	fakehost_disconnect(&t->host);
	assert_int_equal(t->host.armed_ms, 0); /* nothing re-armed it */
	assert_int_equal(t->dev.deadline_ms[0], 0);
}

static void be_reset_arms(struct dfu *d)
{
	usb_function_arm_timer(d->func, 30);
}

static void test_class_timer_armed_from_reset(void **state)
{
	struct t *t = *state;
	struct dfu_backend b = backend;

	b.reset = be_reset_arms;
	t->dfu.backend = &b;
	fakehost_disconnect(&t->host);
	assert_true(t->host.armed_ms > 0 && t->host.armed_ms <= 30);
	assert_true(t->dev.deadline_ms[0] != 0);
	/* and it reaches the backend's timer */
	t->dev.deadline_ms[0] = 1;
	usb_device_timer(&t->dev);
	assert_int_equal(t->timers, 1);
	t->dfu.backend = &backend;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_transition),
		cmocka_unit_test(test_download_sequence),
		cmocka_unit_test(test_busy_backend),
		cmocka_unit_test(test_busy_polls),
		cmocka_unit_test(test_backend_errors),
		cmocka_unit_test(test_oversized_block),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_set_interface),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_class_download, dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_class_errors, dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_class_detach_and_vendor, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_class_timer_survives_disconnect, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_class_timer_armed_from_reset, dev_setup,
						dev_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
