// SPDX-License-Identifier: MIT
/*
 * The URB stream: bytes a hostile peer sends after an import (or vhci
 * would send), through src/usbip/conn.c into a real device model over a
 * socketpair. The first byte picks the device (mouse, keyboard, tablet).
 * Whatever comes in, the connection must answer or close, never crash,
 * leak or hang.
 */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct fuzz_dev *d;
	int fd;

	if (!ready) {
		fz_init();
		ready = true;
	}
	if (size < 1)
		return 0;
	d = &fz_devs[data[0] % FUZZ_NDEVS];
	fd = fz_open(data + 1, size - 1);
	if (usbip_conn_new(fz_loop, fd, d->dev, &fz_conn_ops, d, &d->conn) < 0)
		abort();
	fz_run();
	/* The stream ended, so the connection has closed itself. */
	if (d->conn)
		abort();
	return 0;
}
