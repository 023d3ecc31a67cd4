/* SPDX-License-Identifier: MIT */
/*
 * A device model driven by a script of host actions read from the fuzzer's
 * input: control transfers (any SETUP packet, any data stage), bulk and
 * interrupt transfers on any endpoint, unlinks of pending URBs, the
 * device's timer firing, a disconnect, and the model's own commands (what
 * vusbctl would run) in between. No socket and no loop: URBs go straight
 * into the real device core (src/usb/usbdev.c) and its class.
 *
 * The host side checks what the kernel relies on (tests/lib/usbip-check.h
 * checks the same on the wire): every URB is given back exactly once,
 * never after it was unlinked; a status is 0 or a negative errno; IN data
 * fits the buffer the host gave; nothing is left pending once the device
 * has been disconnected. Header-only: each target is one .c file.
 *
 * It is the fuzzers' own host, not tests/lib/fakehost.h: that one fails
 * through cmocka and keeps up to 64 completed URBs for the test to look
 * at, where a fuzzer aborts with a message (FUZZ_CHECK) and frees every
 * URB as it comes back, however many an input sends.
 *
 * Script: a sequence of operations, each an opcode byte and its operands.
 *
 *	0, 1   control: SETUP[8], flags; OUT data wLength bytes
 *	       (flags & 1: transfer_buffer_length u16 instead of wLength)
 *	2      IN: ep u8, length u16
 *	3      OUT: ep u8, length u16, data (zeros past the input's end)
 *	4      unlink: index u8 (of the pending URBs)
 *	5      the device's timer fires (a few times per input at most)
 *	6      disconnect: pending URBs dropped, configuration gone
 *	7      command: index u8, argc u8, then each argument NUL-ended
 */
#ifndef VUSB_TESTS_FUZZ_DEVSCRIPT_H
#define VUSB_TESTS_FUZZ_DEVSCRIPT_H

#include <string.h>

#include "src/base/log.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/fuzz/fuzz.h"

#define DS_MAX_PENDING 64
#define DS_MAX_TIMERS 4
#define DS_MAX_ARG 64

struct ds_state {
	struct usb_device *dev;
	struct usb_urb *pending[DS_MAX_PENDING];
	unsigned int npending;
	uint32_t seqnum;
	bool unplug; /* the device asked to leave the bus */
	/* An argument that names a file is replaced by this, if set. */
	const char *file_arg;
};

static struct ds_state ds;

static int ds_find(const struct usb_urb *urb)
{
	unsigned int i;

	for (i = 0; i < ds.npending; i++)
		if (ds.pending[i] == urb)
			return (int)i;
	return -1;
}

static void ds_forget(unsigned int i)
{
	ds.pending[i] = ds.pending[--ds.npending];
}

static void ds_complete(void *transport, struct usb_urb *urb)
{
	int i = ds_find(urb);

	FUZZ_CHECK(i >= 0, "URB %u given back twice, or after its unlink", urb->seqnum);
	FUZZ_CHECK(urb->status <= 0 && urb->status > -4096, "URB %u status %d", urb->seqnum,
		   urb->status);
	if (urb->in)
		FUZZ_CHECK(urb->actual <= urb->length && urb->actual <= urb->cap,
			   "URB %u: %u bytes of IN data, asked for %u (buffer %u)", urb->seqnum,
			   urb->actual, urb->length, urb->cap);
	ds_forget((unsigned int)i);
	free(urb);
}

static void ds_arm_timer(struct usb_device *dev, unsigned int ms)
{
}

static void ds_event(struct usb_device *dev, const char *what)
{
	FUZZ_CHECK(what && strlen(what) < 4096, "event text");
}

static void ds_plug(struct usb_device *dev, bool connected)
{
	/* As vusb does: unplug after the current call returns; a replug
	 * attaches afresh, which the device sees as a new host. */
	if (!connected)
		ds.unplug = true;
}

static const struct usb_transport_ops ds_transport = {
	.complete = ds_complete,
};

static const struct usb_host_ops ds_host_ops = {
	.arm_timer = ds_arm_timer,
	.event = ds_event,
	.plug = ds_plug,
};

static void ds_drop(struct usb_urb *urb, void *data)
{
	int i = ds_find(urb);

	FUZZ_CHECK(i >= 0, "disconnect dropped an URB that is not pending");
	ds_forget((unsigned int)i);
	free(urb);
}

static struct usb_urb *ds_urb(uint8_t ep, bool in, uint32_t length, uint32_t cap)
{
	struct usb_urb *urb;

	if (ds.npending == DS_MAX_PENDING)
		return NULL;
	urb = calloc(1, sizeof(*urb) + cap);
	if (!urb)
		abort();
	urb->seqnum = ++ds.seqnum;
	urb->ep = ep;
	urb->in = in;
	urb->length = length;
	urb->cap = cap;
	urb->buf = (uint8_t *)(urb + 1);
	urb->number_of_packets = -1;
	ds.pending[ds.npending++] = urb;
	return urb;
}

static void ds_submit(struct usb_urb *urb)
{
	usb_device_submit(ds.dev, urb);
}

static void ds_control(struct fuzz_in *in)
{
	uint8_t setup[8];
	struct usb_urb *urb;
	const uint8_t *data;
	uint32_t length;
	uint16_t wlength;
	size_t n, i;
	uint8_t flags;
	bool dir_in;

	for (i = 0; i < 8; i++)
		setup[i] = fuzz_u8(in);
	flags = fuzz_u8(in);
	wlength = (uint16_t)(setup[6] | setup[7] << 8);
	dir_in = setup[0] & 0x80;
	length = flags & 1 ? fuzz_u16(in) : wlength;
	/* The connection gives an URB the buffer its header asked for. */
	urb = ds_urb(0, dir_in, length, length);
	if (!urb)
		return;
	memcpy(urb->setup_raw, setup, 8);
	if (!dir_in) {
		data = fuzz_bytes(in, length, &n);
		memcpy(urb->buf, data, n);
		urb->actual = length;
	}
	ds_submit(urb);
}

static void ds_transfer(struct fuzz_in *in, bool dir_in)
{
	uint8_t ep = fuzz_u8(in) & 0x0f;
	struct usb_urb *urb;
	const uint8_t *data;
	uint32_t length;
	size_t n;

	length = fuzz_u16(in);
	urb = ds_urb(ep, dir_in, length, length);
	if (!urb)
		return;
	if (!dir_in) {
		data = fuzz_bytes(in, length, &n);
		memcpy(urb->buf, data, n);
		urb->actual = length;
	}
	ds_submit(urb);
}

static void ds_unlink(struct fuzz_in *in)
{
	uint8_t k = fuzz_u8(in);
	struct usb_urb *urb;
	uint32_t seqnum;
	int i;

	if (!ds.npending)
		return;
	seqnum = ds.pending[k % ds.npending]->seqnum;
	urb = usb_device_unlink(ds.dev, seqnum);
	if (!urb)
		return;
	FUZZ_CHECK(urb->seqnum == seqnum, "unlink %u gave back URB %u", seqnum, urb->seqnum);
	i = ds_find(urb);
	FUZZ_CHECK(i >= 0, "unlink gave back an URB that is not pending");
	ds_forget((unsigned int)i);
	free(urb);
}

static void ds_timer(void)
{
	unsigned int i;

	/* Every armed deadline is due now. */
	for (i = 0; i < ds.dev->nfuncs; i++)
		if (ds.dev->deadline_ms[i])
			ds.dev->deadline_ms[i] = 1;
	usb_device_timer(ds.dev);
}

static void ds_disconnect(void)
{
	usb_device_disconnect(ds.dev, ds_drop, NULL);
	FUZZ_CHECK(ds.npending == 0, "%u URBs still pending after a disconnect", ds.npending);
	ds.unplug = false;
}

static void ds_command(const struct vusb_model *model, struct fuzz_in *in)
{
	char args[8][DS_MAX_ARG];
	char *argv[9];
	const struct vusb_command *c;
	struct strbuf out = { 0 };
	unsigned int ncmd = 0, k, argc, i;

	for (c = model->commands; c && c->name; c++)
		ncmd++;
	k = fuzz_u8(in);
	argc = fuzz_u8(in) % 4;
	if (!ncmd)
		return;
	c = &model->commands[k % ncmd];
	argv[0] = (char *)c->name;
	for (i = 0; i < argc; i++) {
		size_t n = 0;
		uint8_t ch;

		while (!fuzz_empty(in) && (ch = fuzz_u8(in)) != 0)
			if (n < DS_MAX_ARG - 1)
				args[i][n++] = (char)ch;
		args[i][n] = '\0';
		/* Commands take files (storage's insert): only ours. */
		if (strchr(args[i], '/') && ds.file_arg)
			snprintf(args[i], sizeof(args[i]), "%s", ds.file_arg);
		else if (strchr(args[i], '/'))
			args[i][0] = '\0';
		argv[i + 1] = args[i];
	}
	argv[argc + 1] = NULL;
	if ((int)argc < c->min_args || (c->max_args >= 0 && (int)argc > c->max_args))
		return;
	if (c->run_fd)
		c->run_fd(ds.dev, (int)argc + 1, argv, -1, &out);
	else
		c->run(ds.dev, (int)argc + 1, argv, &out);
	strbuf_free(&out);
}

/*
 * Create a device of `model` with `opts` (abort if the model refuses:
 * the target's set-up is wrong), run the script, disconnect, destroy.
 */
static void ds_run(const struct vusb_model *model, const struct vusb_dev_opts *opts,
		   struct fuzz_in *in)
{
	struct strbuf err = { 0 };
	unsigned int timers = 0;
	int r;

	vusb_log_level = -1;
	memset(&ds.pending, 0, sizeof(ds.pending));
	ds.npending = 0;
	ds.unplug = false;
	r = model->create(&ds.dev, opts, &err);
	FUZZ_CHECK(r == 0, "%s: create: %d %s", model->name, r, strbuf_str(&err));
	strbuf_free(&err);
	ds.dev->host = &ds_host_ops;
	ds.dev->host_data = &ds;
	usb_device_set_transport(ds.dev, &ds_transport, &ds);

	while (!fuzz_empty(in)) {
		switch (fuzz_u8(in) % 8) {
		case 0:
		case 1:
			ds_control(in);
			break;
		case 2:
			ds_transfer(in, true);
			break;
		case 3:
			ds_transfer(in, false);
			break;
		case 4:
			ds_unlink(in);
			break;
		case 5:
			if (timers++ < DS_MAX_TIMERS)
				ds_timer();
			break;
		case 6:
			ds_disconnect();
			break;
		case 7:
			ds_command(model, in);
			break;
		}
		if (ds.unplug)
			ds_disconnect();
	}
	ds_disconnect();
	model->destroy(ds.dev);
	ds.dev = NULL;
}

#endif
