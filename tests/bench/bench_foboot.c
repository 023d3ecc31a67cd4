// SPDX-License-Identifier: MIT
/*
 * How fast the emulated Fomu runs the real foboot: a dfu-util style
 * download of KIB KiB through a release ELF (../shared/firmware) on the
 * real device core, with the host's side played by the fake host of the
 * unit tests, as fast as the core goes (--ips max: no pacing; the
 * host polls GETSTATUS at once instead of waiting bwPollTimeout).
 *
 *	make build/tests/bench/bench_foboot
 *	build/tests/bench/bench_foboot ELF [KIB [IPS]]
 *
 * IPS paces the core as --ips does (default max: unpaced).
 *
 * Prints the download's wall time, the instructions the core executed
 * from power-on to the last block's dfuDNLOAD-IDLE, and their rate:
 * "foboot: N instructions/s" for scripts. Exit status 1 when the
 * download did not go through (the flash is compared with the image).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/dfu.h"
#include "dfu/fomu/fomu.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

static struct fakehost host;
static struct usb_device *dev;
static char flash[128];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	unsigned int i;

	fprintf(stderr, "bench_foboot: %s\n", what);
	for (i = host.nevents > 20 ? host.nevents - 20 : 0; i < host.nevents; i++)
		fprintf(stderr, "  %s\n", host.events[i]);
	unlink(flash);
	exit(1);
}

/* Submit, then run the board from its timer until the URB is back. */
static int xfer(uint8_t type, uint8_t req, uint16_t value, uint16_t length, const void *out,
		void *in, uint32_t *ret_actual)
{
	struct usb_urb *u = fakehost_control_urb(&host, type, req, value, 0, length, out);
	uint32_t seq = fakehost_submit(&host, u);
	double t0 = now();

	while (!fakehost_done(&host, seq)) {
		if (now() - t0 > 30)
			die("a request never completed");
		if (dev->deadline_ms[0]) {
			dev->deadline_ms[0] = 1;
			usb_device_timer(dev);
		}
	}
	return fakehost_control_end(&host, u, in, ret_actual);
}

static uint8_t dfu_state(void)
{
	uint8_t st[6];
	uint32_t n;

	if (xfer(0xa1, DFU_REQ_GETSTATUS, 0, 6, NULL, st, &n) < 0 || n != 6)
		die("GETSTATUS failed");
	if (st[0] != DFU_STATUS_OK)
		die("GETSTATUS: an error status");
	return st[4];
}

static unsigned long long executed(void)
{
	struct strbuf d = { 0 };
	unsigned long long n = 0;
	const char *p;

	fomu_model.describe(dev, &d);
	p = strstr(strbuf_str(&d), "insns=");
	if (p)
		n = strtoull(p + 6, NULL, 10);
	strbuf_free(&d);
	return n;
}

int main(int argc, char **argv)
{
	size_t size = (argc > 2 ? (size_t)atoi(argv[2]) : 100) * 1024, off;
	char elf[4096], num[16], ips[24];
	uint8_t buf[64], *img, *back;
	uint16_t block = 0, xsize;
	struct vusb_dev_opts o;
	struct strbuf err = { 0 };
	unsigned long long n;
	uint32_t len;
	double t0, t;
	int fd;

	if (argc < 2 || size == 0 || size > 1024 * 1024) {
		fprintf(stderr, "usage: bench_foboot ELF [KIB [IPS]]\n");
		return 2;
	}
	snprintf(elf, sizeof(elf), "%s", argv[1]);
	snprintf(ips, sizeof(ips), "%s", argc > 3 ? argv[3] : "max");
	snprintf(flash, sizeof(flash), "/tmp/vusb-bench-foboot-%d.bin", (int)getpid());
	unlink(flash);
	{
		const char *const opts[] = { "--firmware", elf,		 "--flash", flash,
					     "--ips",	   ips, NULL };

		fakehost_init(&host);
		fakehost_opts(&o, "fomu0", opts);
	}
	if (fakehost_create(&host, &fomu_model, &o, &dev, &err) < 0) {
		fprintf(stderr, "bench_foboot: %s\n", strbuf_str(&err));
		return 1;
	}
	img = malloc(size);
	back = malloc(size);
	if (!img || !back)
		return 1;
	for (off = 0; off < size; off++)
		img[off] = (uint8_t)(off * 7 + 3);

	t0 = now();
	if (xfer(0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 64, NULL, buf, &len) < 0 || len < 27)
		die("no configuration descriptor");
	xsize = (uint16_t)(buf[23] | buf[24] << 8);
	if (xfer(0, USB_REQ_SET_CONFIGURATION, 1, 0, NULL, NULL, NULL) < 0 ||
	    xfer(1, USB_REQ_SET_INTERFACE, 0, 0, NULL, NULL, NULL) < 0)
		die("could not configure");
	if (dfu_state() != DFU_STATE_IDLE)
		die("not dfuIDLE");
	t = now();
	for (off = 0; off < size; off += xsize, block++) {
		uint16_t k = (uint16_t)(size - off < xsize ? size - off : xsize);
		uint8_t st;

		if (xfer(0x21, DFU_REQ_DNLOAD, block, k, img + off, NULL, NULL) < 0)
			die("DNLOAD failed");
		do
			st = dfu_state();
		while (st == DFU_STATE_DNBUSY || st == DFU_STATE_DNLOAD_SYNC);
		if (st != DFU_STATE_DNLOAD_IDLE)
			die("not dfuDNLOAD-IDLE after a block");
	}
	t = now() - t;
	n = executed();
	fd = open(flash, O_RDONLY);
	if (fd < 0 || pread(fd, back, size, 0x40000) != (ssize_t)size || memcmp(back, img, size))
		die("the flash does not hold the image");
	close(fd);
	snprintf(num, sizeof(num), "%zu", size / 1024);
	printf("download %s KiB: %.3f s, %llu instructions since power-on (%.1f s)\n", num, t, n,
	       now() - t0);
	printf("foboot: %.0f instructions/s\n", (double)n / (now() - t0));
	fakehost_disconnect(&host);
	fomu_model.destroy(dev);
	fakehost_release(&host);
	unlink(flash);
	free(img);
	free(back);
	return 0;
}
