// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/bot.h"

int bot_clear_halt(struct fakehost *h, uint8_t ep)
{
	return fakehost_control(h, USB_DIR_OUT | USB_RECIP_ENDPOINT, USB_REQ_CLEAR_FEATURE,
				USB_ENDPOINT_HALT, ep, 0, NULL, NULL, NULL);
}

int bot_ep_halted(struct fakehost *h, uint8_t ep)
{
	uint8_t b[2] = { 0xff, 0xff };

	assert_int_equal(fakehost_control(h, USB_DIR_IN | USB_RECIP_ENDPOINT, USB_REQ_GET_STATUS, 0,
					  ep, 2, NULL, b, NULL),
			 0);
	return b[0] & 1;
}

int bot_reset(struct fakehost *h)
{
	return fakehost_control(h, USB_DIR_OUT | USB_TYPE_CLASS | USB_RECIP_INTERFACE,
				MSC_REQ_RESET, 0, 0, 0, NULL, NULL, NULL);
}

void bot_cbw_build(uint8_t out[MSC_CBW_SIZE], uint32_t tag, uint32_t length, bool in,
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

int bot_send_out(struct fakehost *h, const void *data, uint32_t len)
{
	struct usb_urb *u = fakehost_urb(h, EP_BULK_OUT & 0x0f, false, len);
	int st;

	memcpy(u->buf, data, len);
	fakehost_submit(h, u);
	assert_true(fakehost_take(h, u));
	st = u->status;
	fakehost_urb_free(h, u);
	return st;
}

uint32_t bot_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void bot_read_csw(struct fakehost *h, struct bot_result *r)
{
	unsigned int tries;

	r->csw_status = -EPIPE;
	for (tries = 0; tries < 2; tries++) {
		struct usb_urb *u = fakehost_urb(h, EP_BULK_IN & 0x0f, true, MSC_CSW_SIZE);

		fakehost_submit(h, u);
		assert_true(fakehost_take(h, u));
		if (u->status == -EPIPE) {
			fakehost_urb_free(h, u);
			r->csw_stalls++;
			assert_int_equal(bot_clear_halt(h, EP_BULK_IN), 0);
			continue;
		}
		assert_int_equal(u->status, 0);
		assert_int_equal(u->actual, MSC_CSW_SIZE);
		assert_memory_equal(u->buf, "USBS", 4);
		r->tag = bot_le32(u->buf + 4);
		r->residue = bot_le32(u->buf + 8);
		r->status = u->buf[12];
		r->csw_status = 0;
		fakehost_urb_free(h, u);
		return;
	}
}

void bot_command(struct fakehost *h, uint32_t tag, uint32_t length, bool in, const uint8_t *cdb,
		 uint8_t cdb_len, const void *out, struct bot_result *r)
{
	uint8_t cbw[MSC_CBW_SIZE];

	memset(r, 0, offsetof(struct bot_result, data));
	r->csw_stalls = 0;
	r->data_status = 1;
	bot_cbw_build(cbw, tag, length, in, cdb, cdb_len, cdb_len);
	assert_int_equal(bot_send_out(h, cbw, sizeof(cbw)), 0);
	if (length) {
		uint8_t ep = in ? EP_BULK_IN & 0x0f : EP_BULK_OUT & 0x0f;
		struct usb_urb *u = fakehost_urb(h, ep, in, length);

		if (!in)
			memcpy(u->buf, out, length);
		fakehost_submit(h, u);
		assert_true(fakehost_take(h, u));
		r->data_status = u->status;
		r->data_actual = u->actual;
		if (in && u->actual)
			memcpy(r->data, u->buf,
			       u->actual < sizeof(r->data) ? u->actual : sizeof(r->data));
		fakehost_urb_free(h, u);
		if (r->data_status == -EPIPE)
			assert_int_equal(bot_clear_halt(h, in ? EP_BULK_IN : EP_BULK_OUT), 0);
	}
	bot_read_csw(h, r);
	assert_int_equal(r->csw_status, 0);
	assert_int_equal(r->tag, tag);
}
