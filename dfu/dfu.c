// SPDX-License-Identifier: MIT
/*
 * The DFU state machine and class. dfu.h lists where this follows foboot
 * rather than the letter of DFU 1.1.
 */
#include <errno.h>
#include <string.h>

#include "dfu/dfu.h"

#define REQ_OUT (USB_DIR_OUT | USB_TYPE_CLASS | USB_RECIP_INTERFACE)
#define REQ_IN (USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE)

void dfu_machine_init(struct dfu_machine *m, const struct dfu_params *params)
{
	memset(m, 0, sizeof(*m));
	m->params = params;
	m->state = DFU_STATE_IDLE;
	m->status = DFU_STATUS_OK;
	m->poll_ms = params->poll_idle_ms;
}

static void set_state(struct dfu_machine *m, enum dfu_state state, enum dfu_status status)
{
	m->state = state;
	m->status = status;
	if (state != DFU_STATE_DNLOAD_SYNC && state != DFU_STATE_DNBUSY)
		m->busy = false;
}

static int fail(struct dfu_machine *m, enum dfu_status status)
{
	set_state(m, DFU_STATE_ERROR, status);
	return -EPIPE;
}

static bool can_download(const struct dfu_machine *m)
{
	return m->state == DFU_STATE_IDLE || m->state == DFU_STATE_DNLOAD_IDLE;
}

static int dnload(struct dfu_machine *m, const struct usb_setup *s, size_t len,
		  struct dfu_effect *ret)
{
	if (s->wLength == 0) {
		/* The end of the download, or a stray one: stalls. */
		if (!can_download(m))
			return fail(m, DFU_STATUS_ERR_STALLEDPKT);
		set_state(m, DFU_STATE_MANIFEST_SYNC, DFU_STATUS_OK);
		return 0;
	}
	/* A data stage always completes: the host sees the error in
	 * GETSTATUS, as with foboot, which checks after receiving. */
	if (len > m->params->transfer_size || s->wLength > m->params->transfer_size) {
		set_state(m, DFU_STATE_ERROR, DFU_STATUS_ERR_ADDRESS);
		return 0;
	}
	if (!can_download(m)) {
		set_state(m, DFU_STATE_ERROR, DFU_STATUS_ERR_STALLEDPKT);
		return 0;
	}
	set_state(m, DFU_STATE_DNLOAD_SYNC, DFU_STATUS_OK);
	ret->action = DFU_ACTION_DOWNLOAD;
	ret->block = s->wValue;
	ret->len = len;
	return 0;
}

static int getstatus(struct dfu_machine *m, uint8_t *data, size_t len, struct dfu_effect *ret)
{
	uint8_t st[DFU_STATUS_SIZE];
	size_t n = len < sizeof(st) ? len : sizeof(st);

	switch (m->state) {
	case DFU_STATE_DNLOAD_SYNC:
	case DFU_STATE_DNBUSY:
		if (m->busy) {
			set_state(m, DFU_STATE_DNBUSY, DFU_STATUS_OK);
		} else if (m->busy_polls) {
			m->busy_polls--;
			set_state(m, DFU_STATE_DNBUSY, DFU_STATUS_OK);
		} else {
			set_state(m, DFU_STATE_DNLOAD_IDLE, DFU_STATUS_OK);
		}
		m->poll_ms = m->params->poll_busy_ms;
		break;
	case DFU_STATE_MANIFEST_SYNC:
		set_state(m, DFU_STATE_MANIFEST, DFU_STATUS_OK);
		m->poll_ms = m->params->poll_manifest_ms;
		ret->action = DFU_ACTION_MANIFEST;
		break;
	case DFU_STATE_MANIFEST:
		set_state(m, DFU_STATE_MANIFEST_WAIT_RESET, DFU_STATUS_OK);
		m->poll_ms = m->params->poll_wait_reset_ms;
		break;
	case DFU_STATE_IDLE:
		m->poll_ms = m->params->poll_idle_ms;
		break;
	default:
		break;
	}
	st[0] = (uint8_t)m->status;
	st[1] = (uint8_t)(m->poll_ms & 0xff);
	st[2] = (uint8_t)((m->poll_ms >> 8) & 0xff);
	st[3] = (uint8_t)((m->poll_ms >> 16) & 0xff);
	st[4] = (uint8_t)m->state;
	st[5] = 0; /* iString */
	memcpy(data, st, n);
	return (int)n;
}

static bool clear_status(struct dfu_machine *m)
{
	switch (m->state) {
	case DFU_STATE_ERROR:
	case DFU_STATE_IDLE:
	case DFU_STATE_MANIFEST_WAIT_RESET:
		set_state(m, DFU_STATE_IDLE, DFU_STATUS_OK);
		return true;
	default:
		set_state(m, DFU_STATE_ERROR, DFU_STATUS_ERR_STALLEDPKT);
		return false;
	}
}

int dfu_machine_request(struct dfu_machine *m, const struct usb_setup *s, uint8_t *data,
			size_t len, struct dfu_effect *ret)
{
	memset(ret, 0, sizeof(*ret));

	/* foboot matches type and request together and has one interface. */
	if (s->wIndex != 0)
		return -EPIPE;
	if (s->bmRequestType == REQ_OUT) {
		switch (s->bRequest) {
		case DFU_REQ_DETACH:
			ret->action = DFU_ACTION_DETACH;
			return 0;
		case DFU_REQ_DNLOAD:
			return dnload(m, s, len, ret);
		case DFU_REQ_CLRSTATUS:
			return clear_status(m) ? 0 : -EPIPE;
		case DFU_REQ_ABORT:
			set_state(m, DFU_STATE_IDLE, DFU_STATUS_OK);
			return 0;
		default:
			return -EPIPE;
		}
	}
	if (s->bmRequestType == REQ_IN) {
		switch (s->bRequest) {
		case DFU_REQ_GETSTATUS:
			return getstatus(m, data, len, ret);
		case DFU_REQ_GETSTATE:
			if (len == 0)
				return 0;
			data[0] = (uint8_t)m->state;
			return 1;
		default:
			/* UPLOAD included: foboot cannot read flash back. */
			return -EPIPE;
		}
	}
	return -EPIPE;
}

void dfu_machine_download_done(struct dfu_machine *m, int err)
{
	if (m->state != DFU_STATE_DNLOAD_SYNC)
		return;
	m->busy_polls = m->params->busy_polls;
	switch (err) {
	case 0:
		m->busy = false;
		break;
	case -EAGAIN:
		m->busy = true;
		break;
	case -EFAULT:
		set_state(m, DFU_STATE_ERROR, DFU_STATUS_ERR_ADDRESS);
		break;
	case -EIO:
		set_state(m, DFU_STATE_ERROR, DFU_STATUS_ERR_WRITE);
		break;
	default:
		set_state(m, DFU_STATE_ERROR, DFU_STATUS_ERR_UNKNOWN);
		break;
	}
}

void dfu_machine_busy_done(struct dfu_machine *m)
{
	m->busy = false;
}

void dfu_machine_set_interface(struct dfu_machine *m)
{
	clear_status(m);
}

const char *dfu_state_name(enum dfu_state state)
{
	static const char *const names[] = {
		[DFU_STATE_APP_IDLE] = "appIDLE",
		[DFU_STATE_APP_DETACH] = "appDETACH",
		[DFU_STATE_IDLE] = "dfuIDLE",
		[DFU_STATE_DNLOAD_SYNC] = "dfuDNLOAD-SYNC",
		[DFU_STATE_DNBUSY] = "dfuDNBUSY",
		[DFU_STATE_DNLOAD_IDLE] = "dfuDNLOAD-IDLE",
		[DFU_STATE_MANIFEST_SYNC] = "dfuMANIFEST-SYNC",
		[DFU_STATE_MANIFEST] = "dfuMANIFEST",
		[DFU_STATE_MANIFEST_WAIT_RESET] = "dfuMANIFEST-WAIT-RESET",
		[DFU_STATE_UPLOAD_IDLE] = "dfuUPLOAD-IDLE",
		[DFU_STATE_ERROR] = "dfuERROR",
	};

	if ((unsigned int)state >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[state];
}

const char *dfu_status_name(enum dfu_status status)
{
	static const char *const names[] = {
		"OK",	     "errTARGET",   "errFILE",	"errWRITE",	 "errERASE",
		"errCHECK_ERASED", "errPROG", "errVERIFY", "errADDRESS", "errNOTDONE",
		"errFIRMWARE", "errVENDOR", "errUSBR",	"errPOR",	 "errUNKNOWN",
		"errSTALLEDPKT",
	};

	if ((unsigned int)status >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[status];
}

/* The class: the machine on an interface, effects to the backend. */

static int dfu_control(struct usb_function *f, const struct usb_setup *s, uint8_t *data,
		       size_t len)
{
	struct dfu *d = f->data;
	struct dfu_effect eff;
	int r, err;

	if ((s->bmRequestType & (USB_TYPE_MASK | USB_RECIP_MASK)) !=
	    (USB_TYPE_CLASS | USB_RECIP_INTERFACE)) {
		if (d->backend->control)
			return d->backend->control(d, s, data, len);
		return -EOPNOTSUPP;
	}

	r = dfu_machine_request(&d->machine, s, data, len, &eff);
	switch (eff.action) {
	case DFU_ACTION_DOWNLOAD:
		err = d->backend->download ? d->backend->download(d, eff.block, data, eff.len) :
					     -EIO;
		dfu_machine_download_done(&d->machine, err);
		break;
	case DFU_ACTION_MANIFEST:
		if (d->backend->manifest)
			d->backend->manifest(d);
		break;
	case DFU_ACTION_DETACH:
		if (d->backend->detach)
			d->backend->detach(d);
		break;
	case DFU_ACTION_NONE:
		break;
	}
	return r;
}

static int dfu_get_descriptor(struct usb_function *f, const struct usb_setup *s, uint8_t *data,
			      size_t len)
{
	struct dfu *d = f->data;

	if (!d->backend->get_descriptor)
		return -EOPNOTSUPP;
	return d->backend->get_descriptor(d, s, data, len);
}

static int dfu_set_alt(struct usb_function *f, unsigned int intf, unsigned int alt)
{
	struct dfu *d = f->data;

	dfu_machine_set_interface(&d->machine);
	return 0;
}

static void dfu_reset(struct usb_function *f)
{
	struct dfu *d = f->data;

	if (d->backend->reset)
		d->backend->reset(d);
}

static void dfu_timer(struct usb_function *f)
{
	struct dfu *d = f->data;

	if (d->backend->timer)
		d->backend->timer(d);
}

const struct usb_class_ops dfu_class_ops = {
	.name = "dfu",
	.control = dfu_control,
	.get_descriptor = dfu_get_descriptor,
	.set_alt = dfu_set_alt,
	.reset = dfu_reset,
	.timer = dfu_timer,
};

int dfu_attach(struct dfu *d, struct usb_device *dev, unsigned int intf,
	       const struct dfu_params *params, const struct dfu_backend *backend, void *data)
{
	if (params->transfer_size == 0 || params->transfer_size > DFU_MAX_TRANSFER)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	dfu_machine_init(&d->machine, params);
	d->backend = backend;
	d->data = data;
	d->func = usb_device_add_function(dev, &dfu_class_ops, intf, 1, d);
	if (!d->func)
		return -ENOSPC;
	return 0;
}
