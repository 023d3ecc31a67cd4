// SPDX-License-Identifier: MIT
/*
 * The DFU 1.1 state machine (dfu/dfu.c, dfu_machine_*) by itself: any
 * class request in any state, with any wLength and data, and the
 * backend's answers to downloads (done, busy, out of range, write error)
 * in between. Checked: the state and status stay within DFU 1.1's
 * values, an IN answer fits the room given, GETSTATUS and GETSTATE report
 * the state the machine is in, and a download effect carries the request's
 * own data length, never more than wTransferSize.
 *
 * Input: wTransferSize u16, then operations:
 *	0..4   a request: SETUP[8] (bmRequestType forced to class/interface),
 *	       then wLength bytes of OUT data
 *	5      the backend's answer to the last download: err selector u8
 *	6      the busy backend finished
 *	7      SET_INTERFACE
 */
#include <errno.h>
#include <string.h>

#include "dfu/dfu.h"
#include "tests/fuzz/fuzz.h"

static void check_machine(const struct dfu_machine *m)
{
	FUZZ_CHECK(m->state <= DFU_STATE_ERROR, "state %d", m->state);
	FUZZ_CHECK(m->status <= DFU_STATUS_ERR_STALLEDPKT, "status %d", m->status);
	FUZZ_CHECK(m->poll_ms < (1u << 24), "bwPollTimeout %u does not fit 3 bytes", m->poll_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int errs[] = { 0, -EAGAIN, -EFAULT, -EIO, -ENOSPC };
	static uint8_t buf[65536];
	struct fuzz_in in = { data, size };
	struct dfu_params params = { 0 };
	struct dfu_machine m;
	bool download_pending = false;

	params.transfer_size = (uint16_t)(fuzz_u16(&in) % DFU_MAX_TRANSFER + 1);
	params.poll_idle_ms = fuzz_u8(&in);
	params.poll_busy_ms = fuzz_u8(&in);
	params.poll_manifest_ms = fuzz_u8(&in);
	params.poll_wait_reset_ms = fuzz_u8(&in);
	dfu_machine_init(&m, &params);
	check_machine(&m);

	while (!fuzz_empty(&in)) {
		uint8_t op = fuzz_u8(&in) % 8;
		struct dfu_effect eff;
		struct usb_setup s;
		uint8_t raw[8];
		size_t len, i, n;
		int r;

		if (op == 5) {
			uint8_t e = fuzz_u8(&in);

			if (download_pending) {
				dfu_machine_download_done(&m, errs[e % 5]);
				download_pending = false;
			}
		} else if (op == 6) {
			dfu_machine_busy_done(&m);
		} else if (op == 7) {
			dfu_machine_set_interface(&m);
			download_pending = false;
		} else {
			for (i = 0; i < 8; i++)
				raw[i] = fuzz_u8(&in);
			/* Only class requests to the interface reach the machine. */
			raw[0] = (uint8_t)((raw[0] & USB_DIR_IN) | USB_TYPE_CLASS | USB_RECIP_INTERFACE);
			usb_setup_decode(&s, raw);
			len = s.wLength;
			if (!(s.bmRequestType & USB_DIR_IN)) {
				const uint8_t *d = fuzz_bytes(&in, len, &n);

				memcpy(buf, d, n);
				memset(buf + n, 0, len - n);
			}
			r = dfu_machine_request(&m, &s, buf, len, &eff);
			FUZZ_CHECK(r == -EPIPE || (r >= 0 && (size_t)r <= len), "request %u: %d of %zu",
				   s.bRequest, r, len);
			if (!(s.bmRequestType & USB_DIR_IN))
				FUZZ_CHECK(r <= 0, "OUT request answered %d bytes", r);
			if (r >= 0 && (s.bmRequestType & USB_DIR_IN) && s.bRequest == DFU_REQ_GETSTATUS &&
			    r >= 5)
				FUZZ_CHECK(buf[4] == m.state, "GETSTATUS says state %u, machine is in %u",
					   buf[4], m.state);
			if (r >= 1 && (s.bmRequestType & USB_DIR_IN) && s.bRequest == DFU_REQ_GETSTATE)
				FUZZ_CHECK(buf[0] == m.state, "GETSTATE says %u, machine is in %u", buf[0],
					   m.state);
			if (eff.action == DFU_ACTION_DOWNLOAD) {
				FUZZ_CHECK(s.bRequest == DFU_REQ_DNLOAD && eff.len == len &&
						   eff.len >= 1 && eff.len <= params.transfer_size,
					   "download of %zu bytes from request %u (wLength %zu)",
					   eff.len, s.bRequest, len);
				FUZZ_CHECK(eff.block == s.wValue, "block %u, wValue %u", eff.block,
					   s.wValue);
				download_pending = true;
			}
		}
		check_machine(&m);
	}
	return 0;
}
