// SPDX-License-Identifier: MIT
/*
 * Bulk-Only Transport. One command at a time: CBW on bulk OUT, then the
 * data phase the host and the device agree on as far as they agree, then
 * the CSW on bulk IN. URBs that arrive for a later phase (a CSW read
 * queued early) wait on their endpoint until their phase comes.
 *
 * The thirteen cases (BOT 6.7), with H the host's dCBWDataTransferLength
 * and direction and D what the SCSI command intends:
 *
 *   case  host  device        data phase                    CSW
 *   1     Hn    Dn            none                          status, 0
 *   2,3   Hn    Di,Do         none                          phase error
 *   4     Hi    Dn            STALL bulk IN                 status, H
 *   5     Hi    Di < H        Di bytes, then STALL bulk IN  status, H - Di
 *   6     Hi    Di = H        H bytes                       status, 0
 *   7     Hi    Di > H        H bytes                       phase error
 *   8     Hi    Do            STALL bulk IN                 phase error
 *   9     Ho    Dn            H bytes accepted, dropped     status, H
 *   10    Ho    Di            STALL bulk OUT                phase error
 *   11    Ho    Do < H        Do bytes, the rest dropped    status, H - Do
 *   12    Ho    Do = H        H bytes                       status, 0
 *   13    Ho    Do > H        H bytes                       phase error
 *
 * For 9 and 11 the spec lets the device either accept the extra data or
 * stall; accepting is what it recommends and costs the host no recovery.
 * A backend error in the data phase ends it with a STALL of the endpoint
 * in use, and the CSW says "failed" with the residue of what was not
 * processed (BOT 6.6.2, first option).
 */
#include <errno.h>
#include <string.h>

#include "src/base/bytes.h"
#include "src/storage/msc.h"
#include "src/usb/fault.h"

int msc_cbw_parse(const uint8_t *buf, size_t len, struct msc_cbw *ret)
{
	struct msc_cbw c;

	if (len != MSC_CBW_SIZE || get_le32(buf) != MSC_CBW_SIGNATURE)
		return -EINVAL;
	/* Reserved bits: bmCBWFlags 6..0, bCBWLUN 7..4, bCBWCBLength 7..5. */
	if ((buf[12] & 0x7f) || (buf[13] & 0xf0) || (buf[14] & 0xe0))
		return -EINVAL;
	c.tag = get_le32(buf + 4);
	c.length = get_le32(buf + 8);
	c.in = buf[12] & 0x80;
	c.lun = buf[13];
	c.cb_len = buf[14];
	/* One logical unit (GET_MAX_LUN says 0). */
	if (c.lun != 0 || c.cb_len < 1 || c.cb_len > 16)
		return -EINVAL;
	memcpy(c.cb, buf + 15, 16);
	*ret = c;
	return 0;
}

void msc_csw_encode(uint8_t out[MSC_CSW_SIZE], uint32_t tag, uint32_t residue, uint8_t status)
{
	put_le32(out, MSC_CSW_SIGNATURE);
	put_le32(out + 4, tag);
	put_le32(out + 8, residue);
	out[12] = status;
}

static uint32_t min32(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

static void halt(struct msc *m, uint8_t epaddr)
{
	usb_ep_set_halt(m->func->dev, epaddr);
}

/* The data phase is over: the SCSI command's status is final. */
static void end_data(struct msc *m)
{
	uint8_t st = scsi_cmd_finish(m->lun, &m->cmd);

	m->state = MSC_STATUS;
	if (m->csw_status != MSC_CSW_PHASE_ERROR)
		m->csw_status = st == SCSI_STATUS_GOOD ? MSC_CSW_PASSED : MSC_CSW_FAILED;
}

static void phase_error(struct msc *m)
{
	m->csw_status = MSC_CSW_PHASE_ERROR;
	m->phase_errors++;
}

/*
 * reset-storm: the command is refused before it does anything (nothing is
 * read or written). Whatever data phase the host planned is refused with
 * a STALL as in cases 8 and 10, and the CSW says phase error, which BOT
 * 6.7 and 5.3.4 answer with a reset recovery.
 */
static void refuse_command(struct msc *m)
{
	memset(&m->cmd, 0, offsetof(struct scsi_cmd, reply));
	phase_error(m);
	m->state = MSC_STATUS;
	if (m->cbw.length)
		halt(m, m->cbw.in ? m->ep_in : m->ep_out);
	if (!m->cbw.length || !m->cbw.in)
		usb_ep_wake(m->func->dev, m->ep_in); /* the CSW */
}

/* Whether a per-command fault took the command (src/usb/fault.h). */
static bool command_fault(struct msc *m, struct usb_urb *cbw_urb)
{
	uint32_t ms = 0;

	switch (usb_fault_command(m->func->dev, cbw_urb, &ms)) {
	case USB_FAULT_RESET_STORM:
		refuse_command(m);
		return true;
	case USB_FAULT_SLOW:
		/* The data and status URBs wait on their endpoints (where
		 * an unlink still finds them) until msc_timer(). */
		m->slow = true;
		usb_function_arm_timer(m->func, ms);
		return false;
	default:
		return false;
	}
}

/* A valid CBW arrived: run the command and settle on a data phase. */
static void start_command(struct msc *m, struct usb_urb *cbw_urb)
{
	const struct msc_cbw *c = &m->cbw;
	struct scsi_cmd *cmd = &m->cmd;

	m->commands++;
	m->moved = 0;
	m->xfer = 0;
	m->failed = false;
	m->csw_status = MSC_CSW_PASSED;
	if (m->func->dev->faults && command_fault(m, cbw_urb))
		return;
	scsi_cmd_start(m->lun, cmd, c->cb, c->cb_len);

	if (c->length == 0) {
		/* Cases 1, 2, 3: no data phase whatever the device wanted. */
		if (cmd->dir != SCSI_DIR_NONE)
			phase_error(m);
		end_data(m);
		usb_ep_wake(m->func->dev, m->ep_in);
		return;
	}
	if (c->in ? cmd->dir == SCSI_DIR_OUT : cmd->dir == SCSI_DIR_IN) {
		/* Cases 8, 10: opposite directions. */
		phase_error(m);
		end_data(m);
		halt(m, c->in ? m->ep_in : m->ep_out);
		if (!c->in)
			usb_ep_wake(m->func->dev, m->ep_in); /* the CSW */
		return;
	}
	m->xfer = min32(c->length, cmd->length);
	if (cmd->length > c->length)
		phase_error(m); /* cases 7, 13: H bytes move, no more */
	if (c->in) {
		m->state = MSC_DATA_IN;
		if (m->xfer == 0) {
			/* Case 4: nothing to send. */
			end_data(m);
			halt(m, m->ep_in);
			return;
		}
		usb_ep_wake(m->func->dev, m->ep_in);
		return;
	}
	/* Cases 9, 11, 12, 13: the OUT URBs that follow carry the data. */
	m->state = MSC_DATA_OUT;
}

static int take_cbw(struct msc *m, struct usb_urb *urb)
{
	if (msc_cbw_parse(urb->buf, urb->actual, &m->cbw) < 0) {
		/* BOT 6.6.1: the CBW was received, but both pipes stall
		 * until a Reset Recovery. */
		m->state = MSC_NEED_RESET;
		halt(m, m->ep_in);
		halt(m, m->ep_out);
		return 0;
	}
	start_command(m, urb);
	return 0;
}

struct splice_to {
	struct usb_device *dev;
	struct usb_urb *urb;
};

static int splice_to_urb(void *arg, int fd, uint64_t off, size_t len)
{
	struct splice_to *t = arg;

	return usb_urb_splice_in(t->dev, t->urb, fd, off, len);
}

static int splice_from_urb(void *arg, int fd, uint64_t off, size_t len)
{
	struct splice_to *t = arg;

	return usb_urb_splice_out(t->dev, t->urb, fd, off, len);
}

static int data_in(struct msc *m, struct usb_urb *urb)
{
	uint32_t room = urb->length < urb->cap ? urb->length : urb->cap;
	uint32_t n = min32(room, m->xfer - m->moved);
	struct splice_to t = { m->func->dev, urb };
	int r;

	/* READ data goes from the image to the host without passing
	 * through urb->buf where the transport can; else it is read in. */
	r = scsi_cmd_read_file(m->lun, &m->cmd, n, splice_to_urb, &t);
	if (r == -EOPNOTSUPP)
		r = scsi_cmd_read(m->lun, &m->cmd, urb->buf, n);
	if (r < 0) {
		/* Cut the data phase short: a STALL, then a failed CSW. */
		m->failed = true;
		end_data(m);
		return -EPIPE;
	}
	urb->actual = n;
	m->moved += n;
	if (m->moved == m->xfer) {
		end_data(m);
		/* Case 5 (and 4): less than the host expects; a STALL
		 * after the short packet tells it so. */
		if (m->moved < m->cbw.length)
			halt(m, m->ep_in);
	}
	return 0;
}

static int data_out(struct msc *m, struct usb_urb *urb)
{
	uint32_t take = min32(urb->actual, m->cbw.length - m->moved);
	uint32_t use = m->moved < m->xfer ? min32(take, m->xfer - m->moved) : 0;
	struct splice_to t = { m->func->dev, urb };
	int r = 0;

	/* WRITE data goes from the transport to the image without passing
	 * through urb->buf where it can; what is not used is dropped. */
	if (use) {
		r = scsi_cmd_write_file(m->lun, &m->cmd, use, splice_from_urb, &t);
		if (r == -EOPNOTSUPP) /* the payload is in urb->buf */
			r = scsi_cmd_write(m->lun, &m->cmd, urb->buf, use);
	}
	if (r < 0) {
		m->failed = true;
		end_data(m);
		usb_ep_wake(m->func->dev, m->ep_in);
		return -EPIPE;
	}
	/* Beyond xfer: accepted and dropped (cases 9, 11). */
	m->moved += take;
	if (m->moved == m->cbw.length) {
		end_data(m);
		usb_ep_wake(m->func->dev, m->ep_in);
	}
	return 0;
}

static int send_csw(struct msc *m, struct usb_urb *urb)
{
	uint8_t csw[MSC_CSW_SIZE];
	uint32_t room = urb->length < urb->cap ? urb->length : urb->cap;
	uint32_t n = room < MSC_CSW_SIZE ? room : MSC_CSW_SIZE;

	msc_csw_encode(csw, m->cbw.tag, m->cbw.length - (uint32_t)m->cmd.done, m->csw_status);
	memcpy(urb->buf, csw, n);
	urb->actual = n;
	m->state = MSC_IDLE;
	/* A CBW may be waiting already. */
	usb_ep_wake(m->func->dev, m->ep_out);
	return 0;
}

static int msc_xfer(struct usb_function *f, struct usb_urb *urb)
{
	struct msc *m = f->data;

	if (m->state == MSC_NEED_RESET)
		return -EPIPE;
	if (m->slow)
		return -EAGAIN; /* answered when msc_timer() wakes it */
	if (!urb->in) {
		if (urb->ep != (m->ep_out & 0x0f))
			return -EPIPE;
		switch (m->state) {
		case MSC_IDLE:
			return take_cbw(m, urb);
		case MSC_DATA_OUT:
			return data_out(m, urb);
		default:
			return -EAGAIN; /* the next CBW, after the CSW */
		}
	}
	if (urb->ep != (m->ep_in & 0x0f))
		return -EPIPE;
	switch (m->state) {
	case MSC_DATA_IN:
		return data_in(m, urb);
	case MSC_STATUS:
		return send_csw(m, urb);
	default:
		return -EAGAIN; /* early: its phase has not come */
	}
}

static void msc_clear_halt(struct usb_function *f, uint8_t epaddr)
{
	struct msc *m = f->data;

	/* After an invalid CBW only a Reset Recovery helps (BOT 6.6.1):
	 * the endpoints stay halted whatever CLEAR_FEATURE says. */
	if (m->state == MSC_NEED_RESET)
		usb_ep_set_halt(f->dev, epaddr);
}

/* A slow command's time is up: its data and status move now. */
static void msc_timer(struct usb_function *f)
{
	struct msc *m = f->data;

	m->slow = false;
	usb_ep_wake(f->dev, m->ep_in);
	usb_ep_wake(f->dev, m->ep_out);
}

/* fault clear: a command held by slow goes on at once. */
static void msc_faults_cleared(struct usb_function *f)
{
	struct msc *m = f->data;

	if (!m->slow)
		return;
	usb_function_arm_timer(f, 0);
	msc_timer(f);
}

static void reset_state(struct msc *m)
{
	if (m->slow)
		usb_function_arm_timer(m->func, 0);
	m->slow = false;
	m->state = MSC_IDLE;
	m->moved = 0;
	m->xfer = 0;
	m->failed = false;
	memset(&m->cbw, 0, sizeof(m->cbw));
	memset(&m->cmd, 0, offsetof(struct scsi_cmd, reply));
}

static void msc_reset(struct usb_function *f)
{
	struct msc *m = f->data;

	reset_state(m);
	/* Unconfigured (the host went away, or let go of the device): its
	 * PREVENT MEDIUM REMOVAL went with it. A port reset configures the
	 * device again and keeps it: the host's mount is still there. */
	if (!f->dev->configuration)
		m->lun->prevent = false;
}

static int msc_control(struct usb_function *f, const struct usb_setup *s, uint8_t *data,
		       size_t len)
{
	struct msc *m = f->data;

	if ((s->bmRequestType & USB_TYPE_MASK) != USB_TYPE_CLASS ||
	    (s->bmRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE)
		return -EOPNOTSUPP;
	switch (s->bRequest) {
	case MSC_REQ_RESET:
		/* BOT 3.1: ready for a CBW; halts and toggles stay as they
		 * are, the host clears them next. */
		if ((s->bmRequestType & USB_DIR_IN) || s->wValue || s->wLength)
			return -EPIPE;
		reset_state(m);
		m->resets++;
		usb_ep_wake(f->dev, m->ep_out);
		return 0;
	case MSC_REQ_GET_MAX_LUN:
		if (!(s->bmRequestType & USB_DIR_IN) || s->wValue || s->wLength != 1 || !len)
			return -EPIPE;
		data[0] = 0; /* one LUN */
		return 1;
	default:
		return -EOPNOTSUPP;
	}
}

/* WRITE data may go from the transport to the image; a CBW comes in urb->buf. */
static bool msc_splice_out(struct usb_function *f, const struct usb_urb *urb)
{
	const struct msc *m = f->data;

	return m->state == MSC_DATA_OUT;
}

const struct usb_class_ops msc_class_ops = {
	.name = "msc",
	.control = msc_control,
	.xfer = msc_xfer,
	.clear_halt = msc_clear_halt,
	.reset = msc_reset,
	.splice_out = msc_splice_out,
	.timer = msc_timer,
	.faults = (1u << USB_FAULT_SLOW) | (1u << USB_FAULT_RESET_STORM),
	.faults_cleared = msc_faults_cleared,
};

int msc_attach(struct msc *m, struct scsi_lun *lun, struct usb_device *dev, unsigned int intf)
{
	struct usb_function *f;
	struct usb_intf_eps e;

	if (!dev->config ||
	    usb_interface_eps(dev->config, intf, USB_ENDPOINT_XFER_BULK, 0, &e) < 0 || !e.in ||
	    !e.out)
		return -EINVAL;
	f = usb_device_add_function(dev, &msc_class_ops, intf, 1, m);
	if (!f)
		return -ENOSPC;
	memset(m, 0, sizeof(*m));
	m->func = f;
	m->lun = lun;
	m->ep_in = e.in;
	m->ep_out = e.out;
	reset_state(m);
	return 0;
}
