// SPDX-License-Identifier: MIT
/*
 * `vusb-attach fomu --firmware`: our own firmware (tests/fomu/fw.S, built
 * into fw.elf beside it) running on the emulated SoC, driven through the
 * real device core with URBs as the kernel sends them: enumeration with
 * the firmware's descriptors (the model's own SET_ADDRESS in between), a
 * string two full packets long (and its zero-length packet), STALLs, the
 * vendor requests, flash written and read back over SPI bit-bang, a DFU
 * download into the same flash file the built-in model uses, DETACH into
 * the image, which runs on the same core; the core sleeping when the
 * firmware waits; a firmware that never connects holding its URB, which
 * can be unlinked; a polling loop taken for idle; bad --firmware
 * arguments.
 *
 * The core's speed on a 100 KiB download is make bench's
 * (tests/bench/bench_foboot.c), not a test's.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/dfu.h"
#include "dfu/fomu/firmware.h"
#include "dfu/fomu/fomu.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

#define FLASH_SIZE (2u * 1024 * 1024)

struct t {
	struct usb_device *dev;
	struct fakehost host;
	char flash[256];
	char elf[600];
};

static void src_path(char *buf, size_t len, const char *rel)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s", __FILE__);
	slash = strrchr(path, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/%s", slash ? path : ".", rel);
}

static int create(struct t *t, const char *elf, const char *ips, struct strbuf *err)
{
	const char *const opts[] = { "--firmware", elf, "--flash", t->flash, "--ips", ips, NULL };
	struct vusb_dev_opts o;

	fakehost_opts(&o, "fomu0", opts);
	return fakehost_create(&t->host, &fomu_model, &o, &t->dev, err);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	const char *dir = getenv("TMPDIR");
	struct strbuf err = { 0 };

	assert_non_null(t);
	fakehost_init(&t->host);
	snprintf(t->flash, sizeof(t->flash), "%s/vusb-test-%d-fwflash.bin",
		 dir && *dir ? dir : "/tmp", (int)getpid());
	unlink(t->flash);
	src_path(t->elf, sizeof(t->elf), "../fomu/fw.elf");
	/* fast: the tests do not wait for the Fomu's 12 MHz */
	if (create(t, t->elf, "1000000000", &err) < 0)
		fail_msg("create: %s", strbuf_str(&err));
	strbuf_free(&err);
	*state = t;
	return 0;
}

static void destroy(struct t *t)
{
	if (!t->dev)
		return;
	fakehost_disconnect(&t->host);
	fomu_model.destroy(t->dev);
	t->dev = NULL;
}

static int teardown(void **state)
{
	struct t *t = *state;

	destroy(t);
	fakehost_release(&t->host);
	unlink(t->flash);
	free(t);
	return 0;
}

static void fire(struct t *t)
{
	if (!t->dev->deadline_ms[0])
		return;
	t->dev->deadline_ms[0] = 1;
	usb_device_timer(t->dev);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Submit, then let the board run from its timer until the URB is back. */
static int xfer(struct t *t, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		uint16_t length, const void *out, void *in, uint32_t *ret_actual)
{
	struct usb_urb *u = fakehost_control_urb(&t->host, type, req, value, index, length, out);
	uint32_t seq = fakehost_submit(&t->host, u);
	unsigned int i;

	for (i = 0; i < 2000 && !fakehost_done(&t->host, seq); i++) {
		fire(t);
		if (!fakehost_done(&t->host, seq))
			usleep(1000);
	}
	if (!fakehost_done(&t->host, seq))
		fail_msg("request %02x %02x %04x never completed", type, req, value);
	return fakehost_control_end(&t->host, u, in, ret_actual);
}

static void expect_in(struct t *t, uint16_t value, uint16_t length, const uint8_t *want,
		      uint32_t len)
{
	uint8_t buf[512];
	uint32_t n = 0;

	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, value, 0, length, NULL, buf, &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(buf, want, len);
}

static const uint8_t dev_desc[18] = { 18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x09, 0x12,
				      0x01, 0x00, 0x00, 0x01, 1, 2, 3, 1 };
static const uint8_t cfg_desc[27] = { 9, 2, 27, 0, 1, 1, 0, 0x80, 50,
				      9, 4, 0, 0, 0, 0xfe, 0x01, 0x02, 4,
				      9, 0x21, 0x0d, 0xe8, 0x03, 0x00, 0x04, 0x01, 0x01 };

/* What the kernel's hub driver does, as far as it reaches us. */
static void enumerate(struct t *t)
{
	uint8_t buf[4];

	expect_in(t, 0x0100, 64, dev_desc, 18);
	expect_in(t, 0x0100, 18, dev_desc, 18);
	expect_in(t, 0x0200, 9, cfg_desc, 9);
	expect_in(t, 0x0200, 27, cfg_desc, 27);
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_CONFIGURATION, 0, 0, 1, NULL, buf, NULL), 0);
	assert_int_equal(buf[0], 1);
}

static void test_enumerate(void **state)
{
	struct t *t = *state;
	static const uint8_t lang[] = { 4, 3, 0x09, 0x04 };
	static const uint8_t mfr[] = { 10, 3, 'v', 0, 'u', 0, 's', 0, 'b', 0 };
	const char *product = "vusb epfifo test firmware (rv32i, ValentyUSB epfifo, SPI flash)";
	uint8_t buf[256];
	uint32_t n;
	size_t i;

	/* the first URB powers the board: it boots, tests its flash,
	 * connects, and the held URB goes through */
	enumerate(t);
	fakehost_expect_event(&t->host, "power on: fw.elf from 0x00000000");
	fakehost_expect_event(&t->host, "usb: the firmware connected (pull-up on)");
	/* the SET_ADDRESS the kernel sent went to vhci: the model sent its own */
	fakehost_expect_event(&t->host, "usb: address 2 (SET_ADDRESS");
	assert_true(fakehost_find_event(&t->host, "usb: address 2") >
		    fakehost_find_event(&t->host, "pull-up on"));
	fakehost_expect_event(&t->host, "configured");
	assert_int_equal(t->dev->configuration, 1);
	/* already on the bus (vusb attached it): no plug request */
	assert_int_equal(t->host.nplugs, 0);

	expect_in(t, 0x0300, 255, lang, sizeof(lang));
	expect_in(t, 0x0301, 255, mfr, sizeof(mfr));
	/* 128 bytes: two full packets, then a zero-length one ends it */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0x0409, 255, NULL, buf, &n),
			 0);
	assert_int_equal(n, 2 + 2 * strlen(product));
	for (i = 0; i < strlen(product); i++)
		assert_int_equal(buf[2 + 2 * i], product[i]);
	/* ... and asked for exactly 128, no zero-length packet */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0x0409, 128, NULL, buf, &n),
			 0);
	assert_int_equal(n, 128);
	/* what the firmware does not have stalls, and the next request works */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0600, 0, 10, NULL, buf, &n),
			 -EPIPE);
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0f00, 0, 5, NULL, buf, &n),
			 -EPIPE);
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_STATUS, 0, 0, 2, NULL, buf, &n), 0);
	assert_int_equal(n, 2);
	/* the vendor and product the firmware gave are in vusbctl list */
	{
		struct strbuf d = { 0 };

		fomu_model.describe(t->dev, &d);
		assert_non_null(strstr(strbuf_str(&d), "usb=on addr=2 id=1209:0001"));
		strbuf_free(&d);
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_vendor_and_flash(void **state)
{
	struct t *t = *state;
	uint8_t info[24], data[200], back[200];
	uint32_t n, i;
	int fd;

	enumerate(t);
	assert_int_equal(xfer(t, 0xc0, 0x01, 0x1234, 0, 24, NULL, info, &n), 0);
	assert_int_equal(n, 24);
	assert_memory_equal(info, "vusb", 4);
	assert_int_equal(info[4], 1); /* version */
	assert_int_equal(info[5], 1); /* the boot's flash self-test passed */
	assert_int_equal(info[6], 0x1f); /* JEDEC ID over SPI */
	assert_int_equal(info[7], 0x86);
	assert_int_equal(info[8], 0x01);
	assert_int_equal(info[10] | info[11] << 8, 0x1234);
	assert_int_equal(le32(info + 12), 1); /* vendor requests */
	assert_true(le32(info + 16) >= 8); /* USB interrupts */
	assert_int_equal(info[20], 2); /* the address it took */
	assert_int_equal(info[21], 1); /* configured */
	assert_int_equal(info[22], 2); /* dfuIDLE */

	/* write a page of the test area over SPI, read it back over SPI */
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(xfer(t, 0x40, 0x02, 16, 0, sizeof(data), data, NULL, NULL), 0);
	assert_int_equal(xfer(t, 0xc0, 0x03, 16, 0, sizeof(back), NULL, back, &n), 0);
	assert_int_equal(n, sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	/* out of range, unknown: stalled, and the next request works */
	assert_int_equal(xfer(t, 0x40, 0x02, 300, 0, 4, data, NULL, NULL), -EPIPE);
	assert_int_equal(xfer(t, 0xc0, 0x7f, 0, 0, 4, NULL, back, &n), -EPIPE);
	assert_int_equal(xfer(t, 0xc0, 0x01, 0, 0, 24, NULL, info, &n), 0);
	assert_int_equal(le32(info + 12), 6); /* the stalled ones counted */
	/* the timer's interrupt came: 50 ms of the board's time have passed */
	for (i = 0; i < 100 && info[9] == 0; i++) {
		fire(t);
		usleep(1000);
		assert_int_equal(xfer(t, 0xc0, 0x01, 0, 0, 24, NULL, info, &n), 0);
	}
	assert_int_equal(info[9], 1);

	/* the bytes are in the flash file, where the built-in model keeps
	 * its images: the self-test's page and ours */
	destroy(t);
	fd = open(t->flash, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, back, sizeof(back), 0x1f0000 + 16 * 256), sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(pread(fd, back, 4, 0x1ff000), 4);
	assert_int_equal(back[1], 1 ^ 0x5a);
	close(fd);
}

static uint8_t dfu_status(struct t *t, uint8_t *ret_status)
{
	uint8_t st[6];
	uint32_t n;

	assert_int_equal(xfer(t, 0xa1, DFU_REQ_GETSTATUS, 0, 0, 6, NULL, st, &n), 0);
	assert_int_equal(n, 6);
	if (ret_status)
		*ret_status = st[0];
	return st[4];
}

/* dfu-util -D, then -e: the firmware writes the image into the flash and
 * jumps into it; it runs on the same core. */
static void test_dfu_download_and_detach(void **state)
{
	struct t *t = *state;
	uint8_t img[3000], buf[64], status;
	size_t off;
	uint16_t block = 0;
	unsigned int i;
	int fd;

	/* tests/fomu/demo.S: counts into 0x40000000 */
	static const uint8_t demo[40] = {
		0x37, 0x01, 0x02, 0x10, 0x37, 0x05, 0x00, 0x40, 0x93, 0x05, 0x10, 0x00, 0x23, 0x20,
		0xb5, 0x00, 0x93, 0x85, 0x15, 0x00, 0xb7, 0x22, 0x09, 0x00, 0x93, 0x82, 0x02, 0x7c,
		0x93, 0x82, 0xf2, 0xff, 0xe3, 0x9e, 0x02, 0xfe, 0x6f, 0xf0, 0x9f, 0xfe,
	};

	memset(img, 0x13, sizeof(img)); /* nops after the demo: never reached */
	memcpy(img, demo, sizeof(demo));
	for (i = sizeof(demo); i < sizeof(img); i++)
		img[i] = (uint8_t)i;
	enumerate(t);
	assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_status(t, &status), DFU_STATE_IDLE);
	for (off = 0; off < sizeof(img); off += 1024, block++) {
		uint16_t n = (uint16_t)(sizeof(img) - off < 1024 ? sizeof(img) - off : 1024);

		assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, block, 0, n, img + off, NULL, NULL),
				 0);
		assert_int_equal(dfu_status(t, &status), DFU_STATE_DNLOAD_IDLE);
		assert_int_equal(status, DFU_STATUS_OK);
	}
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, block, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_status(t, NULL), DFU_STATE_MANIFEST);
	assert_int_equal(dfu_status(t, NULL), DFU_STATE_MANIFEST_WAIT_RESET);
	/* a block too large is the firmware's errADDRESS, a STALL */
	assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	{
		static uint8_t big[1100];

		assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, 0, 0, sizeof(big), big, NULL, NULL),
				 -EPIPE);
		assert_int_equal(dfu_status(t, &status), DFU_STATE_ERROR);
		assert_int_equal(status, DFU_STATUS_ERR_ADDRESS);
		assert_int_equal(xfer(t, 0x21, DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL, NULL), 0);
	}
	/* UPLOAD is not there */
	assert_int_equal(xfer(t, 0xa1, DFU_REQ_UPLOAD, 0, 0, 64, NULL, buf, NULL), -EPIPE);

	/* the image is in the flash file at 0x40000 */
	fd = open(t->flash, O_RDONLY);
	assert_true(fd >= 0);
	{
		uint8_t back[sizeof(img)];

		assert_int_equal(pread(fd, back, sizeof(back), 0x40000), sizeof(back));
		assert_memory_equal(back, img, sizeof(img));
	}
	close(fd);

	/* DETACH: the status stage completes, then the firmware leaves */
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DETACH, 1000, 0, 0, NULL, NULL, NULL), 0);
	for (i = 0; i < 200 && fakehost_find_event(&t->host, "0x40000000 <- 0x00000002") < 0; i++) {
		fire(t);
		usleep(1000);
	}
	fakehost_expect_event(&t->host,
			      "usb: the firmware disconnected (pull-up off): off the bus");
	assert_int_equal(t->host.plugged, 0);
	fakehost_expect_event(&t->host, "the core runs from the flash now (pc 0x2004");
	fakehost_expect_event(&t->host,
			      "unmapped write32 0x40000000 <- 0x00000001 (pc 0x2004000c)");
	fakehost_expect_event(&t->host, "unmapped write32 0x40000000 <- 0x00000002");
	{
		struct strbuf d = { 0 };

		fomu_model.describe(t->dev, &d);
		assert_non_null(strstr(strbuf_str(&d), "firmware running pc=0x2004"));
		assert_non_null(strstr(strbuf_str(&d), "usb=off"));
		strbuf_free(&d);
	}
	/* vusbctl fomu0 reset: power cycle, the firmware boots and connects */
	fakehost_disconnect(&t->host);
	assert_int_equal(vusb_model_command(&fomu_model, "reset")->run(t->dev, 1, NULL, NULL), 0);
	for (i = 0; i < 200 && t->host.plugged != 1; i++) {
		fire(t);
		usleep(1000);
	}
	assert_int_equal(t->host.plugged, 1);
	enumerate(t);
}

/*
 * No answer is an error, never a hang: a device that stops answering
 * (its address register back to 0) fails the next request with -EPROTO
 * at once; one that NAKs for ever keeps its URB until the kernel unlinks
 * it, and the next request, a new SETUP, goes through.
 */
static void test_no_answer(void **state)
{
	struct t *t = *state;
	uint8_t info[24];
	struct usb_urb *u;
	unsigned int i;

	enumerate(t);
	/* HANG: accepted, never finished */
	u = fakehost_control_urb(&t->host, 0x40, 0x06, 0, 0, 0, NULL);
	fakehost_submit(&t->host, u);
	for (i = 0; i < 20; i++) {
		fire(t);
		usleep(1000);
	}
	assert_int_equal(t->host.ndone, 0);
	assert_ptr_equal(fakehost_unlink(&t->host, u->seqnum), u);
	fakehost_urb_free(&t->host, u);
	assert_int_equal(xfer(t, 0xc0, 0x01, 0, 0, 24, NULL, info, NULL), 0);
	assert_memory_equal(info, "vusb", 4);
	/* FORGET: its status stage is the last thing it answers */
	assert_int_equal(xfer(t, 0x40, 0x05, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(t, 0xc0, 0x01, 0, 0, 24, NULL, info, NULL), -EPROTO);
	fakehost_expect_event(&t->host,
			      "usb: request c0 01 0000 failed in the setup stage: no answer");
	/* the same again: nothing waits, nothing hangs */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_STATUS, 0, 0, 2, NULL, info, NULL), -EPROTO);
}

/* A firmware that waits does not run: wfi puts the board to sleep. */
static void test_sleeps(void **state)
{
	struct t *t = *state;
	struct strbuf d = { 0 };
	unsigned int i;
	const char *p;
	unsigned long long a, b;

	enumerate(t);
	for (i = 0; i < 20; i++) {
		fire(t);
		usleep(2000);
	}
	fomu_model.describe(t->dev, &d);
	assert_non_null(strstr(strbuf_str(&d), "firmware sleeping"));
	p = strstr(strbuf_str(&d), "insns=");
	assert_non_null(p);
	a = strtoull(p + 6, NULL, 10);
	for (i = 0; i < 20; i++) {
		fire(t);
		usleep(2000);
	}
	strbuf_reset(&d);
	fomu_model.describe(t->dev, &d);
	b = strtoull(strstr(strbuf_str(&d), "insns=") + 6, NULL, 10);
	assert_int_equal(a, b);
	/* no timer is armed while it sleeps with nothing to wait for */
	assert_int_equal(t->dev->deadline_ms[0], 0);
	strbuf_free(&d);
}

/* --- hand-made firmware -------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* An ELF with `code` at paddr `at`. */
static void write_elf(const char *path, uint32_t at, const uint32_t *code, size_t n)
{
	uint8_t f[52 + 32 + 256] = { 0 };
	size_t i;
	FILE *fp;

	assert_true(n <= 64);
	memcpy(f, "\x7f" "ELF\x01\x01\x01", 7);
	f[16] = 2; /* ET_EXEC */
	f[18] = 243; /* EM_RISCV */
	f[20] = 1;
	put32(f + 24, at);
	put32(f + 28, 52);
	f[40] = 52;
	f[42] = 32;
	f[44] = 1;
	put32(f + 52, 1); /* PT_LOAD */
	put32(f + 56, 84); /* offset */
	put32(f + 64, at);
	put32(f + 68, (uint32_t)(4 * n));
	put32(f + 72, (uint32_t)(4 * n));
	put32(f + 76, 5);
	for (i = 0; i < n; i++)
		put32(f + 84 + 4 * i, code[i]);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(f, 1, 84 + 4 * n, fp), 84 + 4 * n);
	fclose(fp);
}

static void recreate(struct t *t, const uint32_t *code, size_t n, uint32_t at)
{
	struct strbuf err = { 0 };
	char path[300];

	destroy(t);
	snprintf(path, sizeof(path), "%s.elf", t->flash);
	write_elf(path, at, code, n);
	if (create(t, path, "1000000", &err) < 0)
		fail_msg("create: %s", strbuf_str(&err));
	unlink(path);
	strbuf_free(&err);
}

/*
 * A firmware that never connects: the URB waits for its pull-up, and can
 * be unlinked; the core that polls a USB register in a loop (calling a
 * function each time, which stores ra on the stack) is taken for idle.
 */
static void test_polling_firmware(void **state)
{
	struct t *t = *state;
	/* poll the address register, calling f each time, until it is set */
	static const uint32_t loop[] = {
		0x10020137, /* lui sp, 0x10020 */
		0xe00054b7, /* lui s1, 0xe0005 */
		0x80048493, /* addi s1, s1, -2048 -> 0xe0004800 */
		0x0a44a283, /* 1: lw t0, 0xa4(s1) */
		0x00c000ef, /* jal ra, f (+12) */
		0xfe028ce3, /* beqz t0, 1b (-8) */
		0x0000006f, /* j . */
		0xff010113, /* f: addi sp, sp, -16 */
		0x00112623, /* sw ra, 12(sp) */
		0x00c12083, /* lw ra, 12(sp) */
		0x01010113, /* addi sp, sp, 16 */
		0x00008067, /* ret */
	};
	struct usb_urb *u;
	struct strbuf d = { 0 };
	unsigned int i;

	recreate(t, loop, sizeof(loop) / sizeof(loop[0]), 0);
	u = fakehost_control_urb(&t->host, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 64, NULL);
	fakehost_submit(&t->host, u);
	for (i = 0; i < 50; i++) {
		fire(t);
		usleep(1000);
	}
	/* held: the firmware never pulled up */
	assert_int_equal(t->host.ndone, 0);
	assert_int_equal(usb_ep_pending(t->dev, 0), 1);
	fomu_model.describe(t->dev, &d);
	assert_non_null(strstr(strbuf_str(&d), "firmware sleeping pc=0x000000"));
	assert_non_null(strstr(strbuf_str(&d), "usb=off"));
	strbuf_free(&d);
	/* the kernel gives up on it: unlinked, given back, not completed */
	assert_ptr_equal(fakehost_unlink(&t->host, u->seqnum), u);
	fakehost_urb_free(&t->host, u);
	assert_int_equal(t->host.ndone, 0);
	fire(t);
	assert_int_equal(t->host.ndone, 0);
}

static void test_bad_firmware(void **state)
{
	struct t *t = *state;
	struct strbuf err = { 0 };
	struct vusb_dev_opts o = { .name = "fomu1", .vid = 0x1234, .pid = -1 };
	struct usb_device *dev = NULL;
	static const uint32_t code[] = { 0x0000006f };
	char path[300];

	destroy(t);
	assert_int_equal(create(t, "/nonexistent/fw.elf", "1000000", &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "/nonexistent/fw.elf"));
	strbuf_reset(&err);
	assert_int_equal(create(t, t->flash, "1000000", &err), -EINVAL); /* not an ELF */
	assert_non_null(strstr(strbuf_str(&err), "not an ELF file"));
	/* a segment in the flash window */
	snprintf(path, sizeof(path), "%s.elf", t->flash);
	write_elf(path, 0x20040000, code, 1);
	strbuf_reset(&err);
	assert_int_equal(create(t, path, "1000000", &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "is outside the Fomu's ROM"));
	/* the USB IDs are the firmware's */
	o.extra[o.nextra].name = "--firmware";
	o.extra[o.nextra++].value = t->elf;
	strbuf_reset(&err);
	assert_int_equal(fomu_model.create(&dev, &o, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "--vid and --pid do not apply"));
	/* --soc: v1 or v2, and only with --firmware */
	o.vid = -1;
	o.extra[o.nextra].name = "--soc";
	o.extra[o.nextra++].value = "v3";
	strbuf_reset(&err);
	assert_int_equal(fomu_model.create(&dev, &o, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "invalid --soc 'v3': v1"));
	o.extra[0].name = "--flash";
	o.extra[0].value = t->flash;
	o.extra[1].value = "v1";
	strbuf_reset(&err);
	assert_int_equal(fomu_model.create(&dev, &o, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "--soc chooses the gateware for --firmware"));
	unlink(path);
	strbuf_free(&err);
}

static unsigned long long insns(struct t *t)
{
	struct strbuf d = { 0 };
	unsigned long long n;

	fomu_model.describe(t->dev, &d);
	n = strtoull(strstr(strbuf_str(&d), "insns=") + 6, NULL, 10);
	strbuf_free(&d);
	return n;
}

/*
 * Paced, the board keeps to --ips: a firmware that never idles, run from
 * the timer as the loop runs it (each deadline waited for), executes
 * ips instructions per second of wall time, give or take the timer's
 * granularity: not fewer because a late timer's credit is lost, not
 * more because it is counted twice.
 */
static void test_pacing(void **state)
{
	struct t *t = *state;
	static const uint32_t spin[] = {
		0x00128293, /* 1: addi t0, t0, 1 */
		0xffdff06f, /* j 1b */
	};
	unsigned long long i0, i1;
	unsigned int restarts = 0;
	struct usb_urb *u;
	uint64_t t0, t1, start;
	double rate;

	recreate(t, spin, sizeof(spin) / sizeof(spin[0]), 0);
	/* plugged in: the first request powers it on (it never answers) */
	u = fakehost_control_urb(&t->host, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 64, NULL);
	fakehost_submit(&t->host, u);
	fire(t);
	assert_ptr_equal(fakehost_unlink(&t->host, u->seqnum), u);
	fakehost_urb_free(&t->host, u);
	i0 = insns(t);
	t0 = now_ms();
	start = t0;
	do {
		uint64_t d = t->dev->deadline_ms[0], now = now_ms();
		bool stalled;

		assert_true(d != 0); /* it runs: a timer is always armed */
		if (d > now)
			usleep((useconds_t)(d - now) * 1000);
		/*
		 * Woken more than a burst late, this process was not run (a
		 * loaded machine): the board rightly gives up what it would
		 * have earned past two bursts, so the measure starts again
		 * after this turn. Lateness below that is what the pacing
		 * must absorb, and what this test is about.
		 */
		stalled = now_ms() > d + FOMU_FW_SLICE_MS;
		t->dev->deadline_ms[0] = 1;
		usb_device_timer(t->dev);
		if (stalled) {
			i0 = insns(t);
			t0 = now_ms();
			restarts++;
		}
		assert_true(now_ms() - start < 20000); /* 600 ms unstalled within 20 s */
	} while (now_ms() - t0 < 600);
	i1 = insns(t);
	t1 = now_ms();
	rate = (double)(i1 - i0) * 1000.0 / (double)(t1 - t0);
	print_message("paced at --ips 1000000: %.0f instructions/s over %llu ms (%u restarts)\n",
		      rate, (unsigned long long)(t1 - t0), restarts);
	assert_true(rate > 0.99e6);
	assert_true(rate < 1.01e6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enumerate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vendor_and_flash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dfu_download_and_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_polling_firmware, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_firmware, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pacing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
