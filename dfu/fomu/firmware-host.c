// SPDX-License-Identifier: MIT
/* The host controller's side of each control transfer to the firmware. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu/fomu/firmware-private.h"

void fw_abort_xfer(struct fomu_fw *fw)
{
	fw->xfer_busy = false;
	fw->xfer_synth = false;
	/* a transfer given up while NAKed: the next SETUP need not wait */
	if (fw->bus_free == NAKED)
		fw->bus_free = 0;
}

/* A new enumeration: the pull-up came on; the kernel starts at address 0. */
void fw_bus_reset(struct fomu_fw *fw)
{
	fw_abort_xfer(fw);
	fw->host_addr = 0;
	fw->want_address = false;
	fw->address_tried = false;
	fw->bus_free = 0;
	fw->maxpacket0 = 64;
	fw->enumerations++;
}


/* Send the current transfer's next tokens. Returns true when it is done. */
bool fw_host_step(struct fomu_fw *fw)
{
	bool progress = false;

	if (!fw->xfer_busy)
		return false;
	/* The bus is busy with the last packet (or, after SET_ADDRESS, the
	 * kernel waits 10 ms before it uses the address): the firmware runs
	 * meanwhile. A firmware asleep has done all it had to. */
	if (fw->soc.cpu.cycle < fw->bus_free && fw->state == FW_RUN)
		return false;
	if (fw->xfer.stage != CTLXFER_DONE && fw_usb_pullup(fw)) {
		ctlxfer_step_dev(&fw->xfer, fw->core_ops, fw->core, fw->host_addr, 1, &progress);
		if (progress) {
			/* the firmware can see it: not idle any more (and its
			 * clock catches up first: the bus time below is the
			 * firmware's to run in) */
			fw->soc.cpu.effects++;
			fw_wake(fw);
		}
		/* a handshake alone (a STALL) takes the bus too */
		fw->bus_free = fw->soc.cpu.cycle + PACKET_CYCLES(progress ? fw->xfer.last_packet : 0);
		if (fw->xfer.stage == CTLXFER_DONE)
			fw->bus_free += URB_GAP_CYCLES;
		else if (!progress)
			fw->bus_free = NAKED;
	}
	return fw->xfer.stage == CTLXFER_DONE;
}

void fw_start_synth(struct fomu_fw *fw)
{
	uint8_t s[8] = { 0x00, USB_REQ_SET_ADDRESS, 0, 0, 0, 0, 0, 0 };

	fw->synth_addr = (uint8_t)((FOMU_FW_FIRST_ADDRESS + fw->enumerations - 2) % 127 + 1);
	s[2] = fw->synth_addr;
	ctlxfer_start(&fw->xfer, s, fw->xfer_buf, fw->maxpacket0);
	fw->xfer_busy = true;
	fw->xfer_synth = true;
	fw->xfer_ns = fw_now_ns();
	fw->want_address = false;
	fw->address_tried = true;
}

static void new_address(struct fomu_fw *fw, uint8_t addr)
{
	fw->host_addr = addr;
	fw->address_tried = true;
	fw->bus_free = fw->soc.cpu.cycle + fw->ips / 100;
}

void fw_finish_synth(struct fomu_fw *fw)
{
	int st = fw->xfer.status;

	fw_abort_xfer(fw);
	if (st == 0) {
		new_address(fw, fw->synth_addr);
		fw_log(fw, "usb: address %u (SET_ADDRESS, which vhci answers itself, sent to "
			   "the firmware by the model)",
		       fw->host_addr);
	} else {
		fw_log(fw, "usb: the firmware refused SET_ADDRESS %u (%s): staying at address 0",
		       fw->synth_addr, strerror(-st));
	}
}

/* Start the transfer of `urb`: 0, or the -errno to complete it with. */
int fw_start_urb(struct fomu_fw *fw, struct usb_urb *urb)
{
	uint16_t wlength = urb->setup.wLength;

	if (!urb->in && urb->actual != wlength)
		return -EINVAL; /* the OUT data is not what the SETUP announces */
	if (!urb->in)
		memcpy(fw->xfer_buf, urb->buf, wlength);
	ctlxfer_start(&fw->xfer, urb->setup_raw, fw->xfer_buf, fw->maxpacket0);
	if (fw->bus_free == NAKED)
		fw->bus_free = 0; /* the last one was unlinked while NAKed */
	fw->xfer_busy = true;
	fw->xfer_synth = false;
	fw->xfer_seq = urb->seqnum;
	fw->xfer_ns = fw_now_ns();
	return 0;
}

/* What the host learns from an answer: the device's wMaxPacketSize0. */
static void learn(struct fomu_fw *fw, const struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;
	const uint8_t *d = fw->xfer_buf;

	if (s->bmRequestType != 0x80 || s->bRequest != USB_REQ_GET_DESCRIPTOR ||
	    s->wValue != USB_DT_DEVICE << 8 || fw->xfer.done < 8 || d[1] != USB_DT_DEVICE)
		return;
	if (d[7] == 8 || d[7] == 16 || d[7] == 32 || d[7] == 64)
		fw->maxpacket0 = d[7];
	if (fw->xfer.done >= 12) {
		fw->vid = (uint16_t)(d[8] | d[9] << 8);
		fw->pid = (uint16_t)(d[10] | d[11] << 8);
		fw->have_ids = true;
	}
}

int fw_finish_urb(struct fomu_fw *fw, struct usb_urb *urb)
{
	struct ctlxfer *x = &fw->xfer;
	int st = x->status;

	fw_abort_xfer(fw);
	if (fw->trace & FOMU_FW_TRACE_USB) {
		const char *how = st == -EPIPE ? "stall" : st ? strerror(-st) : "ok";

		fw_log(fw, "usb: %02x %02x %04x %04x %04x: %s, %u bytes (%llu us)", x->setup[0],
		       x->setup[1], urb->setup.wValue, urb->setup.wIndex, urb->setup.wLength, how,
		       x->done, (unsigned long long)((fw_now_ns() - fw->xfer_ns) / 1000));
	}
	if (x->toggle_errors)
		fw_log(fw, "usb: %u IN packets with the wrong data toggle dropped (request %02x %02x)",
		       x->toggle_errors, x->setup[0], x->setup[1]);
	if (st == -EPROTO || st == -EOVERFLOW || st == -ETIMEDOUT)
		fw_log(fw, "usb: request %02x %02x %04x failed in the %s stage: %s", x->setup[0],
		       x->setup[1], urb->setup.wValue, ctlxfer_stage_name(x->ended_in),
		       st == -EPROTO ? "no answer (address, or the firmware stopped)" :
		       st == -EOVERFLOW ? "babble (more data than asked for)" :
					  "the firmware did not finish it");
	if (urb->in) {
		uint32_t n = x->done;

		if (n > urb->length)
			n = urb->length;
		if (n > urb->cap)
			n = urb->cap;
		memcpy(urb->buf, fw->xfer_buf, n);
		urb->actual = st ? 0 : n;
	}
	if (st == 0)
		learn(fw, urb);
	/* A peer other than vhci may send SET_ADDRESS itself. */
	if (st == 0 && urb->setup.bmRequestType == 0 && urb->setup.bRequest == USB_REQ_SET_ADDRESS)
		new_address(fw, urb->setup.wValue & 0x7f);
	/* The kernel's first request of an enumeration goes to address 0;
	 * the next one follows its SET_ADDRESS, which we never see. */
	if (fw->host_addr == 0 && fw->enumerations && !fw->address_tried)
		fw->want_address = true;
	return st;
}
