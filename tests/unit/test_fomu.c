// SPDX-License-Identifier: MIT
/*
 * The emulated Fomu: flash programming semantics, the model's USB face
 * (foboot's descriptors byte for byte), a whole dfu-util session through
 * the real device core, the reboot into the image and what the image's
 * run looks like in the log, reset, options, a persistent flash file.
 *
 * The images are tests/fomu/demo*.bin, built from the .S files beside
 * them.
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
#include <unistd.h>

#include <cmocka.h>

#include "src/app/models.h"
#include "dfu/dfu.h"
#include "dfu/fomu/nor.h"
#include "dfu/fomu/soc.h"
#include "dfu/fomu/fomu.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

#define FLASH_SIZE (2u * 1024 * 1024)

/* --- flash --------------------------------------------------------------- */

static void test_flash_program_erase(void **state)
{
	struct nor_flash f = { 0 };
	struct strbuf err = { 0 };
	uint8_t data[300];
	uint32_t i;

	assert_int_equal(nor_flash_open(&f, NULL, FLASH_SIZE, &err), 0);
	for (i = 0; i < FLASH_SIZE; i++)
		if (f.mem[i] != 0xff)
			fail_msg("new flash byte %u is 0x%02x, not erased", i, f.mem[i]);

	/* programming only clears bits */
	data[0] = 0xf0;
	assert_int_equal(nor_flash_program(&f, 0x1000, data, 1), 0);
	assert_int_equal(f.mem[0x1000], 0xf0);
	data[0] = 0x3c;
	assert_int_equal(nor_flash_program(&f, 0x1000, data, 1), 0);
	assert_int_equal(f.mem[0x1000], 0x30);
	data[0] = 0xff;
	assert_int_equal(nor_flash_program(&f, 0x1000, data, 1), 0);
	assert_int_equal(f.mem[0x1000], 0x30);

	/* a page is 256 bytes: a longer program is refused, and one that
	 * crosses the end of its page wraps to the page's start */
	assert_int_equal(nor_flash_program(&f, 0x2000, data, NOR_PAGE_SIZE + 1), -EINVAL);
	for (i = 0; i < 8; i++)
		data[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(nor_flash_program(&f, 0x20fc, data, 8), 0);
	assert_int_equal(f.mem[0x20fc], 0xa0);
	assert_int_equal(f.mem[0x20ff], 0xa3);
	assert_int_equal(f.mem[0x2100], 0xff); /* the next page is untouched */
	assert_int_equal(f.mem[0x2000], 0xa4);
	assert_int_equal(f.mem[0x2003], 0xa7);

	/* erase: 64 KiB blocks, aligned, back to 0xff */
	assert_int_equal(nor_flash_erase_block(&f, 0x1000), -EINVAL);
	assert_int_equal(nor_flash_erase_block(&f, FLASH_SIZE), -EFAULT);
	f.mem[0x10000] = 0;
	assert_int_equal(nor_flash_erase_block(&f, 0), 0);
	assert_int_equal(f.mem[0x1000], 0xff);
	assert_int_equal(f.mem[0x2000], 0xff);
	assert_int_equal(f.mem[0xffff], 0xff);
	assert_int_equal(f.mem[0x10000], 0); /* the next block keeps its bytes */
	assert_int_equal(nor_flash_program(&f, FLASH_SIZE, data, 1), -EFAULT);
	assert_int_equal(nor_flash_sync(&f), 0);
	nor_flash_close(&f);
	nor_flash_close(&f); /* twice is fine */
	strbuf_free(&err);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("TMPDIR");

	snprintf(buf, len, "%s/vusb-test-%d-%s", dir && *dir ? dir : "/tmp", (int)getpid(), name);
	unlink(buf);
}

static void test_flash_file(void **state)
{
	struct nor_flash f = { 0 }, g = { 0 };
	struct strbuf err = { 0 };
	uint8_t data[4] = { 1, 2, 3, 4 };
	char path[256];
	struct stat st;

	/* a new file is created, erased, the full size */
	tmp_path(path, sizeof(path), "flash.bin");
	assert_int_equal(nor_flash_open(&f, path, FLASH_SIZE, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, FLASH_SIZE);
	assert_int_equal(nor_flash_program(&f, 0x40000, data, 4), 0);
	/* a second user of the same file is refused */
	assert_int_equal(nor_flash_open(&g, path, FLASH_SIZE, &err), -EBUSY);
	assert_non_null(strstr(strbuf_str(&err), "in use"));
	nor_flash_close(&f);
	/* what was written is there after a restart */
	assert_int_equal(nor_flash_open(&f, path, FLASH_SIZE, &err), 0);
	assert_memory_equal(f.mem + 0x40000, data, 4);
	assert_int_equal(f.mem[0x40004], 0xff);
	nor_flash_close(&f);

	/* a short file is someone else's: refused, never padded */
	assert_int_equal(truncate(path, 0x40002), 0);
	strbuf_reset(&err);
	assert_int_equal(nor_flash_open(&f, path, FLASH_SIZE, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "not the 2097152 of a flash image"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0x40002);
	/* an empty one too (a new file is one that does not exist yet) */
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(nor_flash_open(&f, path, FLASH_SIZE, &err), -EINVAL);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* a six-byte text file stays six bytes of text */
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fputs("hello\n", fp);
		fclose(fp);
	}
	assert_int_equal(nor_flash_open(&f, path, FLASH_SIZE, &err), -EINVAL);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 6);

	/* a file larger than the flash is refused, and not touched */
	assert_int_equal(truncate(path, FLASH_SIZE + 1), 0);
	strbuf_reset(&err);
	assert_int_equal(nor_flash_open(&f, path, FLASH_SIZE, &err), -EFBIG);
	assert_non_null(strstr(strbuf_str(&err), "more than"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, FLASH_SIZE + 1);
	unlink(path);

	/* not a regular file */
	strbuf_reset(&err);
	assert_int_equal(nor_flash_open(&f, "/dev/null", FLASH_SIZE, &err), -EINVAL);
	/* a file we created and then could not use is not left behind */
	tmp_path(path, sizeof(path), "flash-new.bin");
	assert_int_equal(nor_flash_open(&f, path, FLASH_SIZE + 1, &err), -EINVAL);
	assert_int_equal(stat(path, &st), -1);
	/* a directory that does not exist */
	strbuf_reset(&err);
	assert_true(nor_flash_open(&f, "/nonexistent/dir/flash", FLASH_SIZE, &err) < 0);
	assert_non_null(strstr(strbuf_str(&err), "/nonexistent/dir/flash"));
	strbuf_free(&err);
}

/* --- the model: fixture --------------------------------------------------- */

struct t {
	struct usb_device *dev;
	struct fakehost host;
	char flash_path[256];
};

static int create(struct t *t, const char *const *opts)
{
	struct vusb_dev_opts o;
	struct strbuf err = { 0 };
	int r;

	fakehost_opts(&o, "fomu0", opts);
	r = fakehost_create(&t->host, &fomu_model, &o, &t->dev, &err);
	strbuf_free(&err);
	return r;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	fakehost_init(&t->host);
	assert_int_equal(create(t, NULL), 0);
	*state = t;
	return 0;
}

static void destroy(struct t *t)
{
	fakehost_disconnect(&t->host);
	fomu_model.destroy(t->dev);
	t->dev = NULL;
}

static int teardown(void **state)
{
	struct t *t = *state;

	if (t->dev)
		destroy(t);
	fakehost_release(&t->host);
	if (t->flash_path[0])
		unlink(t->flash_path);
	free(t);
	return 0;
}

/* A control transfer that completes at once: fakehost_control() on t's host. */
#define xfer(t, ...) fakehost_control(&(t)->host, __VA_ARGS__)

/* IN request that must succeed with exactly `len` bytes equal to `want`. */
static void expect_in(struct t *t, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
		      const uint8_t *want, uint32_t len)
{
	uint8_t buf[512];
	uint32_t n = 0;

	assert_int_equal(xfer(t, type, request, value, index, 255, NULL, buf, &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(buf, want, len);
}

static void status(struct t *t, uint8_t *ret_status, uint8_t *ret_state, uint32_t *ret_poll)
{
	uint8_t st[6];
	uint32_t n;

	assert_int_equal(xfer(t, 0xa1, DFU_REQ_GETSTATUS, 0, 0, 6, NULL, st, &n), 0);
	assert_int_equal(n, 6);
	if (ret_status)
		*ret_status = st[0];
	if (ret_state)
		*ret_state = st[4];
	if (ret_poll)
		*ret_poll = st[1] | st[2] << 8 | st[3] << 16;
}

static uint8_t dfu_state(struct t *t)
{
	uint8_t st;

	status(t, NULL, &st, NULL);
	return st;
}

/* The timer the model armed fires (now, whatever the deadline said). */
static void fire(struct t *t)
{
	assert_true(t->dev->deadline_ms[0] != 0);
	t->dev->deadline_ms[0] = 1;
	usb_device_timer(t->dev);
}

static bool timer_armed(const struct t *t)
{
	return t->dev->deadline_ms[0] != 0;
}

/* The transport's side of leaving the bus (vusb does it after plug). */
static void leave_bus(struct t *t)
{
	assert_int_equal(t->host.plugged, 0);
	fakehost_disconnect(&t->host);
}

static uint8_t *read_image(const char *name, size_t *ret_len)
{
	char path[512], *slash;
	uint8_t *buf = malloc(65536);
	FILE *f;

	snprintf(path, sizeof(path), "%s", __FILE__);
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, sizeof(path) - (size_t)(slash ? slash + 1 - path : 0),
		 "../fomu/%s", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_non_null(buf);
	*ret_len = fread(buf, 1, 65536, f);
	fclose(f);
	assert_true(*ret_len > 0);
	return buf;
}

/*
 * What dfu-util -D does, up to dfuMANIFEST-WAIT-RESET. Both 0.9 and 0.11
 * set the alternate setting first (0.11 means to do it only for several
 * alternate settings, but tests num_altsetting > 0); set_alt false is a
 * client that does not.
 */
static void download_as(struct t *t, const uint8_t *img, size_t len, bool set_alt)
{
	uint8_t st, stat;
	uint32_t poll;
	size_t off;
	uint16_t block = 0;

	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	if (set_alt)
		assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	status(t, &stat, &st, NULL);
	assert_int_equal(st, DFU_STATE_IDLE);
	for (off = 0; off < len; off += FOMU_TRANSFER_SIZE, block++) {
		size_t n = len - off < FOMU_TRANSFER_SIZE ? len - off : FOMU_TRANSFER_SIZE;

		assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, block, 0, (uint16_t)n, img + off,
				      NULL, NULL),
				 0);
		/* as foboot: busy once (poll 5 ms), then done */
		status(t, &stat, &st, &poll);
		assert_int_equal(stat, DFU_STATUS_OK);
		assert_int_equal(st, DFU_STATE_DNBUSY);
		assert_int_equal(poll, 5);
		status(t, &stat, &st, &poll);
		assert_int_equal(stat, DFU_STATUS_OK);
		assert_int_equal(st, DFU_STATE_DNLOAD_IDLE);
		assert_int_equal(poll, 5);
	}
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, block, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_state(t), DFU_STATE_MANIFEST);
	assert_int_equal(dfu_state(t), DFU_STATE_MANIFEST_WAIT_RESET);
}

static void download(struct t *t, const uint8_t *img, size_t len)
{
	download_as(t, img, len, true);
}

/* dfu-util -e: DETACH, the board leaves the bus and boots the image. */
static void detach_and_boot(struct t *t)
{
	unsigned int plugs = t->host.nplugs;

	assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_state(t), DFU_STATE_IDLE);
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DETACH, 1000, 0, 0, NULL, NULL, NULL), 0);
	/* the answer goes out first: still on the bus, a timer pending */
	assert_int_equal(t->host.nplugs, plugs);
	assert_true(timer_armed(t));
	fire(t);
	leave_bus(t);
	/* leaving the bus kept the core's timer */
	assert_true(timer_armed(t));
}

/* --- the model: tests ----------------------------------------------------- */

static void test_descriptors(void **state)
{
	static const uint8_t device[] = { 0x12, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x40, 0x09,
					  0x12, 0xf0, 0x5b, 0x01, 0x01, 0x01, 0x02, 0x00, 0x01 };
	static const uint8_t config[] = { 0x09, 0x02, 0x1b, 0x00, 0x01, 0x01, 0x01, 0x80, 0x32,
					  0x09, 0x04, 0x00, 0x00, 0x00, 0xfe, 0x01, 0x02, 0x02,
					  0x09, 0x21, 0x0d, 0x10, 0x27, 0x00, 0x04, 0x01, 0x01 };
	static const uint8_t bos[] = { 0x05, 0x0f, 0x1d, 0x00, 0x01, 0x18, 0x10, 0x05, 0x00, 0x38,
				       0xb6, 0x08, 0x34, 0xa9, 0x09, 0xa0, 0x47, 0x8b, 0xfd, 0xa0,
				       0x76, 0x88, 0x15, 0xb6, 0x65, 0x00, 0x01, 0x02, 0x01 };
	static const uint8_t lang[] = { 4, 3, 0x09, 0x04 };
	static const uint8_t manufacturer[] = { 14, 3, 'F', 0, 'o', 0, 'o', 0, 's', 0, 'n', 0, 0, 0 };
	static const uint8_t ms_os[] = { 0x12, 0x03, 'M', 0, 'S', 0, 'F', 0, 'T', 0,
					 '1',  0,    '0', 0, '0', 0, '~', 0 };
	static const uint8_t compat[] = { 0x28, 0, 0, 0, 0, 1, 4, 0, 1, 0, 0, 0, 0, 0, 0, 0,
					  0, 1, 'W', 'I', 'N', 'U', 'S', 'B', 0, 0, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t url[] = { 14, 3, 1, 'd', 'f', 'u', '.', 'f', 'o', 'm', 'u', '.', 'i', 'm' };
	const char *product = "Fomu PVT running DFU Bootloader v1.9-11-gc7ee25b";
	struct t *t = *state;
	uint8_t buf[256];
	uint32_t n;
	size_t i;

	expect_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, device, sizeof(device));
	expect_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, config, sizeof(config));
	expect_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0f00, 0, bos, sizeof(bos));
	expect_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0300, 0, lang, sizeof(lang));
	expect_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0301, 0x0409, manufacturer,
		  sizeof(manufacturer));
	expect_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x03ee, 0, ms_os, sizeof(ms_os));
	/* the product string, with its NUL inside bLength */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0x0409, 255, NULL, buf, &n),
			 0);
	assert_int_equal(n, 2 + 2 * (strlen(product) + 1));
	assert_int_equal(buf[0], n);
	for (i = 0; i < strlen(product); i++)
		assert_int_equal(buf[2 + 2 * i], product[i]);
	assert_int_equal(buf[n - 2], 0);
	/* short reads, as the kernel does them */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0f00, 0, 5, NULL, buf, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0, 2, NULL, buf, &n), 0);
	assert_int_equal(n, 2);
	/* no qualifier, no serial, no string 3 */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0600, 0, 10, NULL, buf, &n), -EPIPE);
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0303, 0, 255, NULL, buf, &n),
			 -EPIPE);
	/* vendor requests: Microsoft compat ID ('~', wIndex 4), WebUSB URL */
	expect_in(t, 0xc0, '~', 0, 4, compat, sizeof(compat));
	expect_in(t, 0xc0, 2, 1, 2, url, sizeof(url));
	assert_int_equal(xfer(t, 0xc0, '~', 0, 5, 255, NULL, buf, &n), -EPIPE);
	assert_int_equal(xfer(t, 0xc0, 2, 2, 2, 255, NULL, buf, &n), -EPIPE);
	assert_int_equal(xfer(t, 0xc0, 3, 0, 0, 255, NULL, buf, &n), -EPIPE);
	/* GET_STATUS of the device: bus powered, no remote wakeup */
	assert_int_equal(xfer(t, 0x80, USB_REQ_GET_STATUS, 0, 0, 2, NULL, buf, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(buf[0], 0);
}

static void test_flash_and_run(void **state)
{
	struct t *t = *state;
	char line[128];
	size_t len;
	uint8_t *img = read_image("demo.bin", &len);
	unsigned int i, slices;
	int prev;

	download(t, img, len);
	fakehost_expect_event(&t->host, "download complete: 40 bytes at flash offset 0x40000");
	/* a second dfu-util after 0.9 (no reset) or 0.11 (reset): SET_INTERFACE
	 * from dfuMANIFEST-WAIT-RESET gives dfuIDLE, then DETACH */
	fakehost_clear_events(&t->host);
	detach_and_boot(t);
	fakehost_expect_event(&t->host, "DFU detach");
	fakehost_expect_event(&t->host, "rebooting into the image at 0x20040000");

	/* 0.1 s per value at the default 12 MHz: 10 slices each */
	for (slices = 0; slices < 45; slices++)
		fire(t);
	prev = -1;
	for (i = 1; i <= 4; i++) {
		int at;

		snprintf(line, sizeof(line), "unmapped write32 0x40000000 <- 0x%08x (pc 0x2004000c)",
			 i);
		at = fakehost_find_event(&t->host, line);
		if (at < 0)
			fakehost_expect_event(&t->host, line);
		assert_true(at > prev); /* in order */
		prev = at;
	}
	snprintf(line, sizeof(line), "<- 0x%08x", 6);
	assert_int_equal(fakehost_count_events(&t->host, line), 0);
	/* it runs on while nothing is done, paced, never idle */
	assert_true(timer_armed(t));
	free(img);
}

static void test_dfu_util_011_flow(void **state)
{
	struct t *t = *state;
	size_t len;
	uint8_t *img = read_image("demo.bin", &len);
	unsigned int plugs;

	/* -D; at dfuMANIFEST-WAIT-RESET it resets the device, which vhci
	 * shows as descriptors and SET_CONFIGURATION: nothing changes */
	download_as(t, img, len, true);
	expect_in(t, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, t->dev->desc, 18);
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(t->host.nplugs, 0); /* no reboot: still the bootloader */
	assert_int_equal(dfu_state(t), DFU_STATE_MANIFEST_WAIT_RESET);
	/* -D again works (SET_INTERFACE first), then -e */
	download_as(t, img, len, true);
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_state(t), DFU_STATE_IDLE);
	plugs = t->host.nplugs;
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DETACH, 1000, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(t->host.nplugs, plugs);
	fire(t);
	leave_bus(t);
	fire(t);
	fakehost_expect_event(&t->host, "<- 0x00000001");
	free(img);
}

static void test_detach_from_wait_reset(void **state)
{
	struct t *t = *state;
	size_t len;
	uint8_t *img = read_image("demo.bin", &len);

	/* a client without SET_INTERFACE: DETACH works in WAIT_RESET too */
	download_as(t, img, len, false);
	assert_int_equal(dfu_state(t), DFU_STATE_MANIFEST_WAIT_RESET);
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DETACH, 1000, 0, 0, NULL, NULL, NULL), 0);
	fire(t);
	leave_bus(t);
	fire(t);
	fakehost_expect_event(&t->host, "<- 0x00000001");
	free(img);
}

static void test_dfu_util_09_flow(void **state)
{
	struct t *t = *state;
	size_t len;
	uint8_t *img = read_image("demo.bin", &len);

	/* -D: SET_INTERFACE first, no reset at the end */
	download_as(t, img, len, true);
	assert_int_equal(dfu_state(t), DFU_STATE_MANIFEST_WAIT_RESET);
	/* -D again: its SET_INTERFACE clears dfuMANIFEST-WAIT-RESET */
	download_as(t, img, len, true);
	/* -e */
	detach_and_boot(t);
	fire(t);
	fakehost_expect_event(&t->host, "<- 0x00000001");
	free(img);
}

static void test_second_image_and_trap(void **state)
{
	struct t *t = *state;
	size_t len, len2;
	uint8_t *img = read_image("demo.bin", &len);
	uint8_t *img2 = read_image("demo2.bin", &len2);
	struct strbuf out = { 0 };

	download(t, img, len);
	detach_and_boot(t);
	fire(t);
	fakehost_expect_event(&t->host, "<- 0x00000001");

	/* reset: the board comes back in the bootloader, dfuIDLE */
	assert_int_equal(vusb_model_command(&fomu_model, "reset")->run(t->dev, 1, NULL, &out), 0);
	assert_int_equal(t->host.plugged, 1);
	assert_false(timer_armed(t));
	assert_int_equal(dfu_state(t), DFU_STATE_IDLE);
	download(t, img2, len2);
	fakehost_expect_event(&t->host, "download complete: 84 bytes");
	fakehost_clear_events(&t->host);
	detach_and_boot(t);
	fire(t);
	/* its values, not the first image's */
	fakehost_expect_event(&t->host, "unmapped write32 0x40000000 <- 0x00000064");
	fakehost_expect_event(&t->host, "unmapped write32 0x40000000 <- 0x000000c8");
	fakehost_expect_event(&t->host, "unmapped write32 0x40000000 <- 0x0000012c");
	fakehost_expect_event(&t->host, "unmapped read32 0x40000020 -> 0x00000000");
	assert_int_equal(fakehost_count_events(&t->host, "<- 0x00000001"), 0);
	assert_int_equal(fakehost_count_events(&t->host, "0xe000"), 0); /* the CSR block is quiet */
	/* the ebreak: reported with pc and registers, then the core stops */
	fakehost_expect_event(&t->host,
			      "trap with no handler (mtvec 0): breakpoint (mcause 3) at pc 0x20040050");
	fakehost_expect_event(&t->host, "ebreak");
	fakehost_expect_event(&t->host,
			      "  s0   12345678  s1   00000000  a0   40000000  a1   0000012c");
	fakehost_expect_event(&t->host, "  a2   00c0ffee");
	fakehost_expect_event(&t->host, "core halted after 21 instructions");
	assert_false(timer_armed(t));
	/* the log holds it all */
	assert_int_equal(vusb_model_command(&fomu_model, "log")->run(t->dev, 1, NULL, &out), 0);
	assert_non_null(strstr(strbuf_str(&out), "<- 0x0000012c"));
	assert_non_null(strstr(strbuf_str(&out), "mcause 3"));
	strbuf_reset(&out);
	fomu_model.describe(t->dev, &out);
	assert_string_equal(strbuf_str(&out), "halted: breakpoint at pc=0x20040050");
	strbuf_free(&out);
	free(img);
	free(img2);
}

static void test_reset_in_bootloader_replugs(void **state)
{
	struct t *t = *state;
	struct strbuf out = { 0 };
	uint8_t block[16] = { 0 };

	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, 0, 0, 16, block, NULL, NULL), 0);
	assert_int_equal(dfu_state(t), DFU_STATE_DNBUSY);
	assert_int_equal(dfu_state(t), DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(vusb_model_command(&fomu_model, "reset")->run(t->dev, 1, NULL, &out), 0);
	/* off the bus, then back after a moment */
	leave_bus(t);
	assert_true(timer_armed(t));
	fomu_model.describe(t->dev, &out);
	assert_string_equal(strbuf_str(&out), "rebooting");
	fire(t);
	assert_int_equal(t->host.plugged, 1);
	assert_int_equal(t->host.nplugs, 2);
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_state(t), DFU_STATE_IDLE);
	strbuf_reset(&out);
	fomu_model.describe(t->dev, &out);
	assert_string_equal(strbuf_str(&out), "bootloader dfuIDLE");
	strbuf_free(&out);
}

static void test_block_beyond_flash(void **state)
{
	struct t *t = *state;
	uint8_t block[FOMU_TRANSFER_SIZE];
	uint8_t stat, st;
	/* 2 MiB - 0x40000 = 1792 blocks of 1024: block 1792 is past the end */
	const uint16_t last = (FLASH_SIZE - FOMU_IMAGE_OFFSET) / FOMU_TRANSFER_SIZE - 1;

	memset(block, 0x5a, sizeof(block));
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, last, 0, sizeof(block), block, NULL, NULL), 0);
	status(t, &stat, &st, NULL);
	assert_int_equal(st, DFU_STATE_DNBUSY);
	status(t, &stat, &st, NULL);
	assert_int_equal(st, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, last + 1, 0, sizeof(block), block, NULL,
			      NULL),
			 0);
	status(t, &stat, &st, NULL);
	assert_int_equal(st, DFU_STATE_ERROR);
	assert_int_equal(stat, DFU_STATUS_ERR_ADDRESS);
	/* an oversized block too */
	assert_int_equal(xfer(t, 0x21, DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL, NULL), 0);
	{
		uint8_t big[FOMU_TRANSFER_SIZE + 1] = { 0 };

		assert_int_equal(xfer(t, 0x21, DFU_REQ_DNLOAD, 0, 0, sizeof(big), big, NULL, NULL),
				 0);
		status(t, &stat, &st, NULL);
		assert_int_equal(stat, DFU_STATUS_ERR_ADDRESS);
	}
	/* the board stays usable: what dfu-util does next time */
	assert_int_equal(xfer(t, 1, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(dfu_state(t), DFU_STATE_IDLE);
	download(t, block, 100);
}

static void test_erase_granularity(void **state)
{
	struct t *t = *state;
	const char *opts[] = { "--flash", t->flash_path, NULL };
	static uint8_t img[70 * 1024], flash[0x20000];
	uint8_t *img2;
	size_t len2, i;
	int fd;

	tmp_path(t->flash_path, sizeof(t->flash_path), "fomu-erase.bin");
	destroy(t);
	assert_int_equal(create(t, opts), 0);
	/* zeros over two 64 KiB blocks (0x40000 and 0x50000) */
	memset(img, 0, sizeof(img));
	download(t, img, sizeof(img));
	/* a short image over it: its block 0 erases the first 64 KiB only */
	img2 = read_image("demo2.bin", &len2);
	download(t, img2, len2);
	destroy(t);

	fd = open(t->flash_path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, flash, sizeof(flash), FOMU_IMAGE_OFFSET), sizeof(flash));
	close(fd);
	assert_memory_equal(flash, img2, len2);
	for (i = len2; i < 0x10000; i++)
		if (flash[i] != 0xff)
			fail_msg("0x%zx: 0x%02x, want erased", FOMU_IMAGE_OFFSET + i, flash[i]);
	for (i = 0x10000; i < sizeof(img); i++)
		if (flash[i] != 0)
			fail_msg("0x%zx: 0x%02x, want the old image", FOMU_IMAGE_OFFSET + i, flash[i]);
	for (i = sizeof(img); i < sizeof(flash); i++)
		if (flash[i] != 0xff)
			fail_msg("0x%zx: 0x%02x, want erased", FOMU_IMAGE_OFFSET + i, flash[i]);
	free(img2);
}

static void test_persistent_flash(void **state)
{
	struct t *t = *state;
	const char *opts[] = { "--flash", t->flash_path, NULL };
	size_t len;
	uint8_t *img = read_image("demo2.bin", &len);
	int fd;
	uint8_t head[8];

	tmp_path(t->flash_path, sizeof(t->flash_path), "fomu-flash.bin");
	destroy(t);
	assert_int_equal(create(t, opts), 0);
	download(t, img, len);
	destroy(t);
	/* the image is in the file at 0x40000 */
	fd = open(t->flash_path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, head, sizeof(head), FOMU_IMAGE_OFFSET), sizeof(head));
	close(fd);
	assert_memory_equal(head, img, sizeof(head));
	/* a new vusb-attach with the same file boots it without a download */
	assert_int_equal(create(t, opts), 0);
	fakehost_clear_events(&t->host);
	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	detach_and_boot(t);
	fire(t);
	fakehost_expect_event(&t->host, "<- 0x0000012c");
	free(img);
}

static void test_erased_flash(void **state)
{
	struct t *t = *state;

	assert_int_equal(xfer(t, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL), 0);
	detach_and_boot(t);
	fakehost_expect_event(&t->host, "the flash there is erased");
	fire(t);
	fakehost_expect_event(&t->host, "illegal instruction (mcause 2) at pc 0x20040000");
	fakehost_expect_event(&t->host, "illegal 0xffffffff");
}

static void test_bitstream(void **state)
{
	struct t *t = *state;
	uint8_t img[64];
	struct strbuf out = { 0 };

	memset(img, 0xff, sizeof(img));
	img[8] = 0x7e;
	img[9] = 0xaa;
	img[10] = 0x99;
	img[11] = 0x7e;
	download(t, img, sizeof(img));
	assert_int_equal(xfer(t, 0x21, DFU_REQ_DETACH, 1000, 0, 0, NULL, NULL, NULL), 0);
	fire(t);
	leave_bus(t);
	fakehost_expect_event(&t->host, "FPGA bitstream");
	assert_false(timer_armed(t));
	fomu_model.describe(t->dev, &out);
	assert_string_equal(strbuf_str(&out), "stopped: FPGA bitstream");
	strbuf_free(&out);
}

/* Images written here as words: an encoder would be overkill. */
static void download_words(struct t *t, const uint32_t *w, size_t n)
{
	uint8_t img[256];
	size_t i;

	assert_true(n * 4 <= sizeof(img));
	for (i = 0; i < n; i++) {
		img[4 * i] = (uint8_t)w[i];
		img[4 * i + 1] = (uint8_t)(w[i] >> 8);
		img[4 * i + 2] = (uint8_t)(w[i] >> 16);
		img[4 * i + 3] = (uint8_t)(w[i] >> 24);
	}
	download(t, img, n * 4);
}

static void test_wfi_and_idle_sleep(void **state)
{
	static const uint32_t wfi_img[] = { 0x00100513 /* li a0, 1 */, 0x10500073 /* wfi */,
					    0xffdff06f /* j -4 */ };
	static const uint32_t idle_img[] = { 0x00100513, 0x0000006f /* j . */ };
	struct t *t = *state;
	struct strbuf out = { 0 };

	download_words(t, wfi_img, 3);
	detach_and_boot(t);
	fire(t);
	fakehost_expect_event(&t->host, "wfi at pc 0x20040004 after 2 instructions: sleeping");
	assert_false(timer_armed(t)); /* no slice armed: no CPU burnt */
	fomu_model.describe(t->dev, &out);
	assert_string_equal(strbuf_str(&out), "sleeping pc=0x20040008 insns=2");
	strbuf_reset(&out);

	assert_int_equal(vusb_model_command(&fomu_model, "reset")->run(t->dev, 1, NULL, &out), 0);
	download_words(t, idle_img, 2);
	detach_and_boot(t);
	fire(t);
	fakehost_expect_event(&t->host,
			      "idle loop at pc 0x20040004 after 2 instructions: sleeping");
	assert_false(timer_armed(t));
	strbuf_free(&out);
}

static void test_rate_limit(void **state)
{
	/* sw a1, 0(a0) in a tight loop with a0 = 0x40000000 */
	static const uint32_t flood[] = { 0x40000537, 0x00158593 /* addi a1, a1, 1 */,
					  0x00b52023, 0xff9ff06f /* j -8 */ };
	struct t *t = *state;
	unsigned int logged, i;

	download_words(t, flood, 4);
	detach_and_boot(t);
	fakehost_clear_events(&t->host);
	fire(t); /* one slice: 120000 instructions, 40000 writes */
	logged = fakehost_count_events(&t->host, "unmapped write32");
	assert_int_equal(logged, FOMU_LOG_BURST);
	for (i = 0; i < 99; i++)
		fire(t);
	/* then one per slice, and a summary of the rest every 100 slices */
	logged = fakehost_count_events(&t->host, "unmapped write32");
	assert_int_equal(logged, FOMU_LOG_BURST + 99);
	fakehost_expect_event(&t->host, "more bad accesses not logged (rate limit)");
	assert_true(t->host.nevents < 200);
}

static void test_trace(void **state)
{
	static const uint32_t img[] = { 0x00100513, 0x00150513, 0x00100073 };
	const char *opts[] = { "--trace", "", NULL };
	struct t *t = *state;

	destroy(t);
	assert_int_equal(create(t, opts), 0);
	download_words(t, img, 3);
	detach_and_boot(t);
	fakehost_clear_events(&t->host);
	fire(t);
	fakehost_expect_event(&t->host, "trace 0x20040000: 00100513  addi a0, zero, 1");
	fakehost_expect_event(&t->host, "trace 0x20040004: 00150513  addi a0, a0, 1");
	fakehost_expect_event(&t->host, "trace 0x20040008: 00100073  ebreak");
	fakehost_expect_event(&t->host, "  a0   00000002");
}

static void test_ips_pacing(void **state)
{
	static const uint32_t loop[] = { 0x00150513 /* addi a0, a0, 1 */, 0xffdff06f };
	const char *opts[] = { "--ips", "100000", NULL };
	struct t *t = *state;
	struct strbuf out = { 0 };

	destroy(t);
	assert_int_equal(create(t, opts), 0);
	download_words(t, loop, 2);
	detach_and_boot(t);
	fire(t);
	fire(t);
	/* 100000 per second: 1000 per 10 ms slice */
	fomu_model.describe(t->dev, &out);
	assert_string_equal(strbuf_str(&out), "running pc=0x20040000 insns=2000");
	strbuf_free(&out);
}

/* --ips max: no pacing to speak of. A loop of 2 M instructions that
 * ends in ebreak is done within one slice, which at the default 12 MHz
 * runs 120000 of them. */
static void test_ips_max(void **state)
{
	static const uint32_t loop[] = { 0x001e85b7 /* lui a1, 0x1e8 */,
					 0x00150513 /* addi a0, a0, 1 */,
					 0xfeb51ee3 /* bne a0, a1, -4 */, 0x00100073 /* ebreak */ };
	const char *opts[] = { "--ips", "max", NULL };
	struct t *t = *state;
	struct strbuf out = { 0 };

	download_words(t, loop, 4);
	detach_and_boot(t);
	fire(t);
	fomu_model.describe(t->dev, &out);
	assert_string_equal(strbuf_str(&out), "running pc=0x20040008 insns=120000");

	destroy(t);
	assert_int_equal(create(t, opts), 0);
	download_words(t, loop, 4);
	detach_and_boot(t);
	fire(t);
	strbuf_reset(&out);
	fomu_model.describe(t->dev, &out);
	assert_string_equal(strbuf_str(&out), "halted: breakpoint at pc=0x2004000c");
	strbuf_free(&out);
}

static void test_options(void **state)
{
	struct t *t = *state;
	struct vusb_dev_opts o = { .name = "fomu0", .vid = -1, .pid = -1 };
	struct usb_device *dev = NULL;
	struct strbuf err = { 0 };
	const char *bad_ips[] = { "--ips", "12x", NULL };
	const char *zero_ips[] = { "--ips", "10", NULL };
	const char *high_ips[] = { "--ips", "4000000001", NULL };
	const char *max_ips[] = { "--ips", "MAX", NULL };
	const char *maxx_ips[] = { "--ips", "max1", NULL };
	const char *top_ips[] = { "--ips", "4000000000", NULL };

	destroy(t);
	assert_int_equal(create(t, bad_ips), -EINVAL);
	assert_int_equal(create(t, zero_ips), -EINVAL);
	assert_int_equal(create(t, high_ips), -EINVAL);
	assert_int_equal(create(t, max_ips), -EINVAL);
	assert_int_equal(create(t, maxx_ips), -EINVAL);
	assert_int_equal(create(t, top_ips), 0);
	destroy(t);
	o.speed = USB_SPEED_HIGH;
	assert_int_equal(fomu_model.create(&dev, &o, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "full-speed"));
	o.speed = USB_SPEED_UNKNOWN;
	o.product = "x";
	strbuf_reset(&err);
	assert_int_equal(fomu_model.create(&dev, &o, &err), -EINVAL);
	o.product = NULL;
	o.vid = 0x1234;
	o.pid = 0x5678;
	assert_int_equal(fomu_model.create(&dev, &o, &err), 0);
	assert_int_equal(dev->desc[8] | dev->desc[9] << 8, 0x1234);
	assert_int_equal(dev->desc[10] | dev->desc[11] << 8, 0x5678);
	fomu_model.destroy(dev);
	/* a flash file that cannot be: not a usage error */
	o.extra[0].name = "--flash";
	o.extra[0].value = "/nonexistent/dir/flash";
	o.nextra = 1;
	strbuf_reset(&err);
	assert_true(fomu_model.create(&dev, &o, &err) < 0);
	assert_non_null(strstr(strbuf_str(&err), "/nonexistent/dir/flash"));
	strbuf_free(&err);
	assert_int_equal(create(t, NULL), 0);
	/* the registry knows it; the default name comes from "fomu" */
	assert_ptr_equal(vusb_model_find("fomu"), &fomu_model);
	assert_non_null(vusb_model_option(&fomu_model, "--flash"));
	assert_non_null(vusb_model_option(&fomu_model, "--trace"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flash_program_erase),
		cmocka_unit_test(test_flash_file),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_descriptors),
		T(test_flash_and_run),
		T(test_dfu_util_011_flow),
		T(test_dfu_util_09_flow),
		T(test_detach_from_wait_reset),
		T(test_second_image_and_trap),
		T(test_reset_in_bootloader_replugs),
		T(test_block_beyond_flash),
		T(test_erase_granularity),
		T(test_persistent_flash),
		T(test_erased_flash),
		T(test_bitstream),
		T(test_wfi_and_idle_sleep),
		T(test_rate_limit),
		T(test_trace),
		T(test_ips_pacing),
		T(test_ips_max),
		T(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
