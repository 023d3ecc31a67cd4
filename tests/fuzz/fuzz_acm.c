// SPDX-License-Identifier: MIT
/*
 * The CDC-ACM class on the serial device, through the real device core:
 * any SETUP packet (SET_LINE_CODING's 7 bytes are parsed from the host),
 * bulk and interrupt transfers, unlinks, resets, and the port end's moves
 * in between as commands (tests/fuzz/devscript.h): "drain N" takes up to
 * N bytes from the host's queue, "fill N" offers up to N towards it, and
 * the model's own "set" and "info". The first byte picks the speed.
 *
 * Besides devscript's checks: the queues never hold more than their size.
 */
#include <errno.h>
#include <stdlib.h>

#include "src/serial/serial.h"
#include "tests/fuzz/devscript.h"

static long arg_n(const char *s)
{
	long n = strtol(s, NULL, 10);

	return n < 0 ? 0 : n > 2 * ACM_QUEUE_SIZE ? 2 * ACM_QUEUE_SIZE : n;
}

static int cmd_drain(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct acm *a = &serial_dev_of(dev)->acm;
	long want = arg_n(argv[1]);

	while (want > 0) {
		const uint8_t *p;
		size_t n = acm_rx_peek(a, &p);

		if (!n)
			break;
		if ((long)n > want)
			n = (size_t)want;
		acm_rx_consume(a, n);
		want -= (long)n;
	}
	FUZZ_CHECK(acm_rx_pending(a) <= ACM_QUEUE_SIZE, "rx queue holds %zu", acm_rx_pending(a));
	return 0;
}

static int cmd_fill(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct acm *a = &serial_dev_of(dev)->acm;
	long want = arg_n(argv[1]);

	while (want > 0) {
		uint8_t *p;
		size_t n = acm_tx_room(a, &p);

		if (!n)
			break;
		if ((long)n > want)
			n = (size_t)want;
		memset(p, 0x5a, n);
		acm_tx_commit(a, n);
		want -= (long)n;
	}
	FUZZ_CHECK(acm_tx_pending(a) <= ACM_QUEUE_SIZE, "tx queue holds %zu", acm_tx_pending(a));
	return 0;
}

static int cmd_set(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	return serial_dev_set(serial_dev_of(dev), argv[1], argv[2], out);
}

static int cmd_info(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	serial_dev_info(serial_dev_of(dev), out);
	return 0;
}

static int create(struct usb_device **ret, const struct vusb_dev_opts *opts, struct strbuf *err)
{
	struct serial_dev *sd;
	int r = serial_dev_create(&sd, opts, err);

	if (r == 0)
		*ret = &sd->usb;
	return r;
}

static void destroy(struct usb_device *dev)
{
	serial_dev_destroy(serial_dev_of(dev));
}

static const struct vusb_command commands[] = {
	{ "drain", "N", "", 1, 1, cmd_drain, NULL },
	{ "fill", "N", "", 1, 1, cmd_fill, NULL },
	{ "set", "LINE ON", "", 2, 2, cmd_set, NULL },
	{ "info", NULL, "", 0, 0, cmd_info, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static const struct vusb_model model = {
	.name = "serial",
	.create = create,
	.destroy = destroy,
	.commands = commands,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vusb_dev_opts o = { .name = "fuzz0", .vid = -1, .pid = -1 };

	o.speed = fuzz_u8(&in) & 1 ? USB_SPEED_HIGH : USB_SPEED_FULL;
	ds_run(&model, &o, &in);
	return 0;
}
