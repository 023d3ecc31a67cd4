/* SPDX-License-Identifier: MIT */
/*
 * What the mass storage tests (test_msc.c, test_storage.c) share: a fake
 * host behind struct usb_host_ops, URBs, control transfers, and a
 * bulk-only transaction driven the way Linux's usb-storage drives it
 * (CBW; one data URB; CSW, read again after a STALL is cleared).
 */
#ifndef VUSB_TEST_MSC_HOST_H
#define VUSB_TEST_MSC_HOST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/storage/msc.h"
#include "src/usb/usbdev.h"

#define HOST_MAX_DONE 64
#define EP_BULK_IN 0x81
#define EP_BULK_OUT 0x02

struct fake_host {
	struct usb_urb *done[HOST_MAX_DONE];
	unsigned int ndone;
	unsigned int nevents;
	char last_event[128];
};

static inline void fake_complete(void *transport, struct usb_urb *urb)
{
	struct fake_host *h = transport;

	assert_true(h->ndone < HOST_MAX_DONE);
	h->done[h->ndone++] = urb;
}

static inline void fake_event(struct usb_device *dev, const char *what)
{
	struct fake_host *h = dev->host_data;

	h->nevents++;
	strncpy(h->last_event, what, sizeof(h->last_event) - 1);
}

static const struct usb_transport_ops fake_transport = {
	.complete = fake_complete,
};

static const struct usb_host_ops fake_host_ops = {
	.event = fake_event,
};

static inline void host_bind(struct usb_device *dev, struct fake_host *h)
{
	memset(h, 0, sizeof(*h));
	dev->host = &fake_host_ops;
	dev->host_data = h;
	usb_device_set_transport(dev, &fake_transport, h);
}

static inline struct usb_urb *urb_new(uint8_t ep, bool in, uint32_t length)
{
	struct usb_urb *u = calloc(1, sizeof(*u) + (length ? length : 1));

	assert_non_null(u);
	u->ep = ep;
	u->in = in;
	u->length = length;
	u->buf = (uint8_t *)(u + 1);
	u->cap = length;
	if (!in)
		u->actual = length;
	return u;
}

/* Was `u` completed? Then it is forgotten by the host (not freed). */
static inline bool urb_take(struct fake_host *h, struct usb_urb *u)
{
	unsigned int i;

	for (i = 0; i < h->ndone; i++) {
		if (h->done[i] != u)
			continue;
		memmove(h->done + i, h->done + i + 1, (h->ndone - i - 1) * sizeof(h->done[0]));
		h->ndone--;
		return true;
	}
	return false;
}

static inline void drop_urb(struct usb_urb *urb, void *data)
{
	free(urb);
}

/*
 * One control transfer; it must complete at once. Returns its status;
 * IN data lands in `in` (*ret_actual bytes).
 */
static inline int control(struct usb_device *dev, struct fake_host *h, uint8_t type,
			  uint8_t req, uint16_t value, uint16_t index, uint16_t length,
			  const void *out, void *in, uint32_t *ret_actual)
{
	struct usb_setup s = { type, req, value, index, length };
	struct usb_urb *u = urb_new(0, type & USB_DIR_IN, length);
	int st;

	usb_setup_encode(&s, u->setup_raw);
	if (!(type & USB_DIR_IN) && length)
		memcpy(u->buf, out, length);
	usb_device_submit(dev, u);
	assert_true(urb_take(h, u));
	st = u->status;
	if (in && u->actual)
		memcpy(in, u->buf, u->actual);
	if (ret_actual)
		*ret_actual = u->actual;
	free(u);
	return st;
}

static inline int clear_halt(struct usb_device *dev, struct fake_host *h, uint8_t ep)
{
	return control(dev, h, USB_DIR_OUT | USB_RECIP_ENDPOINT, USB_REQ_CLEAR_FEATURE,
		       USB_ENDPOINT_HALT, ep, 0, NULL, NULL, NULL);
}

static inline int ep_halted(struct usb_device *dev, struct fake_host *h, uint8_t ep)
{
	uint8_t b[2] = { 0xff, 0xff };

	assert_int_equal(control(dev, h, USB_DIR_IN | USB_RECIP_ENDPOINT, USB_REQ_GET_STATUS, 0,
				 ep, 2, NULL, b, NULL),
			 0);
	return b[0] & 1;
}

static inline int bot_reset(struct usb_device *dev, struct fake_host *h)
{
	return control(dev, h, USB_DIR_OUT | USB_TYPE_CLASS | USB_RECIP_INTERFACE, MSC_REQ_RESET,
		       0, 0, 0, NULL, NULL, NULL);
}

/* A CBW whose command block is the `n` bytes of cdb, zero padded, said
 * to be cb_len long. */
static inline void cbw_build(uint8_t out[MSC_CBW_SIZE], uint32_t tag, uint32_t length, bool in,
			     const uint8_t *cdb, size_t n, uint8_t cb_len)
{
	memset(out, 0, MSC_CBW_SIZE);
	memcpy(out, "USBC", 4);
	out[4] = (uint8_t)tag;
	out[5] = (uint8_t)(tag >> 8);
	out[6] = (uint8_t)(tag >> 16);
	out[7] = (uint8_t)(tag >> 24);
	out[8] = (uint8_t)length;
	out[9] = (uint8_t)(length >> 8);
	out[10] = (uint8_t)(length >> 16);
	out[11] = (uint8_t)(length >> 24);
	out[12] = in ? 0x80 : 0;
	out[14] = cb_len;
	memcpy(out + 15, cdb, n < 16 ? n : 16);
}

/* Send 31 bytes (or `len`) as a CBW on bulk OUT; its URB status. */
static inline int send_out(struct usb_device *dev, struct fake_host *h, const void *data,
			   uint32_t len)
{
	struct usb_urb *u = urb_new(EP_BULK_OUT & 0x0f, false, len);
	int st;

	memcpy(u->buf, data, len);
	usb_device_submit(dev, u);
	assert_true(urb_take(h, u));
	st = u->status;
	free(u);
	return st;
}

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

static inline uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Read the CSW as usb-storage does: once more after clearing a STALL. */
static inline void read_csw(struct usb_device *dev, struct fake_host *h, struct bot_result *r)
{
	unsigned int tries;

	r->csw_status = -EPIPE;
	for (tries = 0; tries < 2; tries++) {
		struct usb_urb *u = urb_new(EP_BULK_IN & 0x0f, true, MSC_CSW_SIZE);

		usb_device_submit(dev, u);
		assert_true(urb_take(h, u));
		if (u->status == -EPIPE) {
			free(u);
			r->csw_stalls++;
			assert_int_equal(clear_halt(dev, h, EP_BULK_IN), 0);
			continue;
		}
		assert_int_equal(u->status, 0);
		assert_int_equal(u->actual, MSC_CSW_SIZE);
		assert_memory_equal(u->buf, "USBS", 4);
		r->tag = le32_at(u->buf + 4);
		r->residue = le32_at(u->buf + 8);
		r->status = u->buf[12];
		r->csw_status = 0;
		free(u);
		return;
	}
}

/*
 * CBW with `length` and direction `in`, one data URB of `length` bytes
 * (OUT: from `out`), then the CSW. A stalled data URB is cleared as the
 * host would.
 */
static inline void bot_command(struct usb_device *dev, struct fake_host *h, uint32_t tag,
			       uint32_t length, bool in, const uint8_t *cdb, uint8_t cdb_len,
			       const void *out, struct bot_result *r)
{
	uint8_t cbw[MSC_CBW_SIZE];

	memset(r, 0, offsetof(struct bot_result, data));
	r->csw_stalls = 0;
	r->data_status = 1;
	cbw_build(cbw, tag, length, in, cdb, cdb_len, cdb_len);
	assert_int_equal(send_out(dev, h, cbw, sizeof(cbw)), 0);
	if (length) {
		struct usb_urb *u = urb_new(in ? EP_BULK_IN & 0x0f : EP_BULK_OUT & 0x0f, in, length);

		if (!in)
			memcpy(u->buf, out, length);
		usb_device_submit(dev, u);
		assert_true(urb_take(h, u));
		r->data_status = u->status;
		r->data_actual = u->actual;
		if (in && u->actual)
			memcpy(r->data, u->buf, u->actual < sizeof(r->data) ? u->actual : sizeof(r->data));
		free(u);
		if (r->data_status == -EPIPE)
			assert_int_equal(clear_halt(dev, h, in ? EP_BULK_IN : EP_BULK_OUT), 0);
	}
	read_csw(dev, h, r);
	assert_int_equal(r->csw_status, 0);
	assert_int_equal(r->tag, tag);
}

#endif
