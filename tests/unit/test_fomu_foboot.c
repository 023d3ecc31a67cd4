// SPDX-License-Identifier: MIT
/*
 * The real Fomu bootloader, foboot v1.9's release ELF (../shared/firmware
 * beside the clone, never copied into it), on the emulated SoC through
 * the real device core: its own descriptors, and dfu-util's download of
 * whole 1024-byte blocks (sixteen full packets each, which overran its
 * 8-packet ring at wire speed) into the flash file, through manifestation
 * into the image, which foboot boots by itself. The file missing is a
 * failure.
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
#include <unistd.h>

#include <cmocka.h>

#include "dfu/dfu.h"
#include "dfu/fomu/fomu.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

struct t {
	struct usb_device *dev;
	struct fakehost host;
	char flash[256];
	char elf[600];
	const uint8_t *dev_desc; /* the firmware's device descriptor */
	/* v1.9 answers dfuMANIFEST-WAIT-RESET (poll 1000 ms) next, then
	 * boots the image; v2.0.4 boots it while it answers (see below) */
	bool waits_for_reset;
	/* wTransferSize: 1024 (v1.9), 4096 (v2.0.4); a block N lands at
	 * 0x40000 + N * this */
	uint16_t xfer_size;
	/* the version CSRs, from the firmware's product string */
	const char *version;
};

/* ../shared/firmware/NAME from the repository's root, whose parent holds it */
static void firmware_path(char *buf, size_t len, const char *name)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s", __FILE__);
	slash = strrchr(path, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/../../../shared/firmware/%s", slash ? path : ".", name);
}

static int setup_elf(void **state, const char *name, const uint8_t *desc, bool waits,
		     uint16_t xfer_size, const char *version)
{
	struct t *t = calloc(1, sizeof(*t));
	const char *dir = getenv("TMPDIR");
	struct vusb_dev_opts o;
	struct strbuf err = { 0 };

	assert_non_null(t);
	fakehost_init(&t->host);
	t->dev_desc = desc;
	t->waits_for_reset = waits;
	t->xfer_size = xfer_size;
	t->version = version;
	snprintf(t->flash, sizeof(t->flash), "%s/vusb-test-%d-foboot.bin",
		 dir && *dir ? dir : "/tmp", (int)getpid());
	unlink(t->flash);
	firmware_path(t->elf, sizeof(t->elf), name);
	if (access(t->elf, R_OK) < 0)
		fail_msg("%s: %s (the release ELFs live in ../shared/firmware beside the clone)",
			 t->elf, strerror(errno));
	{
		const char *const opts[] = { "--firmware", t->elf, "--flash", t->flash,
					     "--ips", "1000000000", "--trace-usb", "", NULL };

		fakehost_opts(&o, "fomu0", opts);
	}
	if (fakehost_create(&t->host, &fomu_model, &o, &t->dev, &err) < 0)
		fail_msg("create: %s", strbuf_str(&err));
	strbuf_free(&err);
	*state = t;
	return 0;
}

/* foboot v1.9's device descriptor (shared/reference/fomu-foboot.md) */
static const uint8_t v1_desc[18] = { 0x12, 0x01, 0x01, 0x02, 0,	   0, 0, 0x40, 0x09,
				     0x12, 0xf0, 0x5b, 0x01, 0x01, 1, 2, 0,    1 };
/* v2.0.4's: the same but for the class, EF/02/01 (interface association) */
static const uint8_t v2_desc[18] = { 0x12, 0x01, 0x01, 0x02, 0xef, 0x02, 0x01, 0x40, 0x09,
				     0x12, 0xf0, 0x5b, 0x01, 0x01, 1,	 2,    0,    1 };

static int setup_v1(void **state)
{
	return setup_elf(state, "foboot-v1.9.elf", v1_desc, true, 1024,
			 "version CSRs 1.9.0-0-g0000000");
}

/* v2.0.4 through the eptri core and LiteX SPI, chosen from its code */
static int setup_v2(void **state)
{
	return setup_elf(state, "foboot-v2.0.4-pvt.elf", v2_desc, false, 4096,
			 "version CSRs 2.0.4-0-g0000000");
}

static int teardown(void **state)
{
	struct t *t = *state;

	fakehost_disconnect(&t->host);
	fomu_model.destroy(t->dev);
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

static void dump(struct t *t)
{
	unsigned int i;

	struct strbuf d = { 0 };

	for (i = 0; i < t->host.nevents; i++)
		print_message("  %s\n", t->host.events[i]);
	fomu_model.describe(t->dev, &d);
	print_message("  %s\n", strbuf_str(&d));
	strbuf_free(&d);
}

/* Submit, then let the board run from its timer until the URB is back. */
static int xfer(struct t *t, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		uint16_t length, const void *out, void *in, uint32_t *ret_actual)
{
	struct usb_urb *u = fakehost_control_urb(&t->host, type, req, value, index, length, out);
	uint32_t seq = fakehost_submit(&t->host, u);
	unsigned int i;

	for (i = 0; i < 3000 && !fakehost_done(&t->host, seq); i++) {
		fire(t);
		if (!fakehost_done(&t->host, seq))
			usleep(1000);
	}
	if (!fakehost_done(&t->host, seq)) {
		dump(t);
		fail_msg("request %02x %02x %04x never completed", type, req, value);
	}
	{
		int r = fakehost_control_end(&t->host, u, in, ret_actual);

		if (r < 0)
			dump(t);
		return r;
	}
}

static uint8_t dfu_status(struct t *t, uint8_t *ret_status, uint32_t *ret_poll)
{
	uint8_t st[6];
	uint32_t n;

	assert_int_equal(xfer(t, 0xa1, DFU_REQ_GETSTATUS, 0, 0, 6, NULL, st, &n), 0);
	assert_int_equal(n, 6);
	if (ret_status)
		*ret_status = st[0];
	if (ret_poll)
		*ret_poll = st[1] | st[2] << 8 | st[3] << 16;
	return st[4];
}

static void enumerate(struct t *t)
{
	uint8_t buf[64];
	uint32_t n;

	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 64, NULL, buf, &n), 0);
	assert_int_equal(n, 18);
	assert_memory_equal(buf, t->dev_desc, 18);
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, 64, NULL, buf, &n), 0);
	assert_int_equal(n, 27);
	assert_int_equal(buf[23] | buf[24] << 8, t->xfer_size);
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
}

/* dfu-util -D of three blocks, two of them whole: into the flash file,
 * then manifestation, after which foboot boots the image itself. */
static void test_download(void **state)
{
	struct t *t = *state;
	static uint8_t img[9000];
	uint8_t back[sizeof(img)], status;
	uint32_t poll;
	uint16_t block = 0;
	size_t off, i;
	int fd;

	/* tests/fomu/demo.S first: counts into 0x40000000 */
	static const uint8_t demo[40] = {
		0x37, 0x01, 0x02, 0x10, 0x37, 0x05, 0x00, 0x40, 0x93, 0x05, 0x10, 0x00, 0x23, 0x20,
		0xb5, 0x00, 0x93, 0x85, 0x15, 0x00, 0xb7, 0x22, 0x09, 0x00, 0x93, 0x82, 0x02, 0x7c,
		0x93, 0x82, 0xf2, 0xff, 0xe3, 0x9e, 0x02, 0xfe, 0x6f, 0xf0, 0x9f, 0xfe,
	};

	for (i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7 + 3);
	memcpy(img, demo, sizeof(demo));
	{
		/* logged before the host bound the device: vusbctl's log */
		const struct vusb_command *c = fomu_model.commands;
		struct strbuf out = { 0 };
		char *argv[] = { "log", NULL };

		while (c->name && strcmp(c->name, "log"))
			c++;
		assert_non_null(c->name);
		assert_int_equal(c->run(t->dev, 1, argv, &out), 0);
		if (!strstr(strbuf_str(&out), t->version))
			fail_msg("no '%s' in the log:\n%s", t->version, strbuf_str(&out));
		strbuf_free(&out);
	}
	enumerate(t);
	assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_status(t, &status, NULL), DFU_STATE_IDLE);
	assert_int_equal(status, DFU_STATUS_OK);
	for (off = 0; off < sizeof(img); off += t->xfer_size, block++) {
		uint16_t n = (uint16_t)(sizeof(img) - off < t->xfer_size ? sizeof(img) - off :
									   t->xfer_size);
		uint8_t st;

		assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, block, 0, n, img + off, NULL, NULL),
				 0);
		/* busy while the flash is erased and programmed: poll */
		for (i = 0; i < 1000; i++) {
			st = dfu_status(t, &status, &poll);
			if (st != DFU_STATE_DNBUSY && st != DFU_STATE_DNLOAD_SYNC)
				break;
		}
		assert_int_equal(st, DFU_STATE_DNLOAD_IDLE);
		assert_int_equal(status, DFU_STATUS_OK);
	}
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, block, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_status(t, NULL, &poll), DFU_STATE_MANIFEST);
	if (t->waits_for_reset) {
		assert_int_equal(dfu_status(t, NULL, &poll), DFU_STATE_MANIFEST_WAIT_RESET);
		assert_int_equal(poll, 1000);
	} else {
		/* v2.0.4 queues dfuMANIFEST-WAIT-RESET and waits for the status
		 * stage's OUT, but finds the flag of the last transfer's still
		 * set and boots the image at once: the URB never completes,
		 * the host unlinks it as the device leaves */
		struct usb_urb *u =
			fakehost_control_urb(&t->host, 0xa1, DFU_REQ_GETSTATUS, 0, 0, 6, NULL);
		uint32_t seq = fakehost_submit(&t->host, u);

		for (i = 0; i < 3000 && t->host.plugged != 0; i++) {
			fire(t);
			usleep(1000);
		}
		assert_int_equal(t->host.plugged, 0);
		if (!fakehost_done(&t->host, seq))
			u = fakehost_unlink(&t->host, seq);
		else
			fakehost_take(&t->host, u);
		fakehost_urb_free(&t->host, u);
	}
	fd = open(t->flash, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, back, sizeof(back), 0x40000), sizeof(back));
	close(fd);
	assert_memory_equal(back, img, sizeof(img));
	/* foboot reboots into the image by itself, which runs */
	for (i = 0; i < 5000 && fakehost_find_event(&t->host, "0x40000000 <- 0x00000002") < 0;
	     i++) {
		fire(t);
		usleep(1000);
	}
	assert_int_equal(t->host.plugged, 0);
	fakehost_expect_event(&t->host, "usb: the firmware disconnected (pull-up off)");
	fakehost_expect_event(&t->host,
			      "unmapped write32 0x40000000 <- 0x00000001 (pc 0x2004000c)");
	fakehost_expect_event(&t->host, "unmapped write32 0x40000000 <- 0x00000002");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_download, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_download, setup_v2, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
