// SPDX-License-Identifier: MIT
/*
 * Bulk-Only Transport through the real device core: CBW parsing, the
 * thirteen host/device cases of BOT 6.7 with their STALLs, residues and
 * CSW status, invalid CBWs and Reset Recovery, class requests, URBs that
 * arrive early, and backend errors in the middle of a data phase.
 */
#include <assert.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "src/storage/msc.h"
#include "src/storage/scsi.h"
#include "src/usb/fault.h"
#include "src/usb/usbdev.h"
#include "tests/lib/bot.h"
#include "tests/lib/fakehost.h"

#define BLOCKS 32

static const uint8_t device_desc[] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0200), 0, 0, 0, 64, U16_LE(0x1209),
	U16_LE(0x0004), U16_LE(0x0100), 0, 0, 0, 1,
};

static const uint8_t config[] = {
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(32), 1, 1, 0, USB_CONFIG_ATT_ONE, 50,
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 2, USB_CLASS_MASS_STORAGE,
	MSC_SUBCLASS_SCSI, MSC_PROTOCOL_BOT, 0,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, EP_BULK_IN, USB_ENDPOINT_XFER_BULK, U16_LE(512), 0,
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, EP_BULK_OUT, USB_ENDPOINT_XFER_BULK, U16_LE(512), 0,
};
static_assert(sizeof(config) == 32, "configuration");

struct t {
	struct usb_device dev;
	struct msc msc;
	struct scsi_lun lun;
	struct fakehost host;
	uint8_t disk[BLOCKS * 512];
	int read_err, write_err; /* from the nth call on (1-based), 0: never */
	unsigned int reads, writes;
	struct bot_result r;
};

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct t *t = ctx;

	assert_true(off + len <= sizeof(t->disk));
	if (t->read_err && ++t->reads >= (unsigned int)t->read_err)
		return -EIO;
	memcpy(buf, t->disk + off, len);
	return 0;
}

static int mem_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
	struct t *t = ctx;

	assert_true(off + len <= sizeof(t->disk));
	if (t->write_err && ++t->writes >= (unsigned int)t->write_err)
		return -ENOSPC;
	memcpy(t->disk + off, buf, len);
	return 0;
}

static const struct scsi_backend_ops mem_ops = {
	.read = mem_read,
	.write = mem_write,
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct scsi_medium m = { &mem_ops, NULL, BLOCKS, false };
	size_t i;

	assert_non_null(t);
	for (i = 0; i < sizeof(t->disk); i++)
		t->disk[i] = (uint8_t)(i ^ i >> 9);
	usb_device_init(&t->dev);
	memcpy(t->dev.desc, device_desc, sizeof(device_desc));
	t->dev.config = config;
	t->dev.speed = USB_SPEED_HIGH;
	scsi_lun_init(&t->lun, SCSI_TYPE_DISK);
	m.ctx = t;
	scsi_medium_insert(&t->lun, &m);
	t->lun.unit_attention = false;
	assert_int_equal(msc_attach(&t->msc, &t->lun, &t->dev, 0), 0);
	assert_int_equal(usb_device_validate(&t->dev), 0);
	fakehost_init(&t->host);
	fakehost_bind(&t->host, &t->dev);
	assert_int_equal(
		fakehost_control(&t->host, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL),
		0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	fakehost_disconnect(&t->host);
	fakehost_release(&t->host);
	usb_faults_free(&t->dev);
	free(t);
	return 0;
}

#define CDB(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* usb-storage's transaction, and the CSW it ends with. */
#define CMD(t, tag, len, in, out, ...) \
	bot_command(&(t)->host, (tag), (len), (in), CDB(__VA_ARGS__), (out), &(t)->r)

static void expect_csw(struct t *t, uint8_t status, uint32_t residue)
{
	assert_int_equal(t->r.status, status);
	if (status != MSC_CSW_PHASE_ERROR) /* the host ignores it then */
		assert_int_equal(t->r.residue, residue);
}

static void expect_sense(struct t *t, uint8_t key, uint16_t asc)
{
	CMD(t, 99, 18, true, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
	assert_int_equal(t->r.data[2], key);
	assert_int_equal(t->r.data[12] << 8 | t->r.data[13], asc);
}

static void test_cbw_parse(void **state)
{
	uint8_t cbw[MSC_CBW_SIZE];
	struct msc_cbw c;

	bot_cbw_build(cbw, 0x11223344, 0x1000, true, CDB(0x28, 1, 2), 10);
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), 0);
	assert_int_equal(c.tag, 0x11223344);
	assert_int_equal(c.length, 0x1000);
	assert_true(c.in);
	assert_int_equal(c.cb_len, 10);
	assert_int_equal(c.cb[0], 0x28);

	/* Length, signature, reserved bits, LUN, command block length. */
	assert_int_equal(msc_cbw_parse(cbw, 30, &c), -EINVAL);
	assert_int_equal(msc_cbw_parse(cbw, 32, &c), -EINVAL);
	cbw[0] = 'u';
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), -EINVAL);
	cbw[0] = 'U';
	cbw[12] = 0x81;
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), -EINVAL);
	cbw[12] = 0x80;
	cbw[13] = 1;
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), -EINVAL);
	cbw[13] = 0x10;
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), -EINVAL);
	cbw[13] = 0;
	cbw[14] = 0;
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), -EINVAL);
	cbw[14] = 17;
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), -EINVAL);
	cbw[14] = 0x20 | 6;
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), -EINVAL);
	cbw[14] = 16;
	assert_int_equal(msc_cbw_parse(cbw, sizeof(cbw), &c), 0);
}

static void test_csw_encode(void **state)
{
	uint8_t csw[MSC_CSW_SIZE];

	msc_csw_encode(csw, 0xa1b2c3d4, 0x200, MSC_CSW_FAILED);
	assert_memory_equal(csw, "USBS\xd4\xc3\xb2\xa1\x00\x02\x00\x00\x01", MSC_CSW_SIZE);
}

static void test_class_requests(void **state)
{
	struct t *t = *state;
	uint8_t b[4] = { 0xff };
	uint32_t n = 9;
	const uint8_t in = USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE;
	const uint8_t out = USB_DIR_OUT | USB_TYPE_CLASS | USB_RECIP_INTERFACE;

	assert_int_equal(fakehost_control(&t->host, in, MSC_REQ_GET_MAX_LUN, 0, 0, 1, NULL, b, &n),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0], 0);
	/* Malformed ones stall: wrong length, value, direction. */
	assert_int_equal(
		fakehost_control(&t->host, in, MSC_REQ_GET_MAX_LUN, 0, 0, 2, NULL, b, NULL),
		-EPIPE);
	assert_int_equal(
		fakehost_control(&t->host, in, MSC_REQ_GET_MAX_LUN, 1, 0, 1, NULL, b, NULL),
		-EPIPE);
	assert_int_equal(
		fakehost_control(&t->host, out, MSC_REQ_GET_MAX_LUN, 0, 0, 0, NULL, NULL, NULL),
		-EPIPE);
	assert_int_equal(fakehost_control(&t->host, out, MSC_REQ_RESET, 1, 0, 0, NULL, NULL, NULL),
			 -EPIPE);
	assert_int_equal(fakehost_control(&t->host, in, MSC_REQ_RESET, 0, 0, 1, NULL, b, NULL),
			 -EPIPE);
	assert_int_equal(fakehost_control(&t->host, out, 0x42, 0, 0, 0, NULL, NULL, NULL), -EPIPE);
	assert_int_equal(bot_reset(&t->host), 0);
	assert_int_equal(t->msc.resets, 1);
}

/* Case 1, Hn = Dn: TEST UNIT READY. */
static void test_case1(void **state)
{
	struct t *t = *state;

	CMD(t, 1, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
	assert_int_equal(t->r.csw_stalls, 0);
	/* A failing command: status 1, sense for REQUEST SENSE. */
	CMD(t, 2, 0, false, NULL, 0xff, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_FAILED, 0);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);
}

/* Cases 2 and 3: the host expects no data, the device would move some. */
static void test_case2_case3(void **state)
{
	struct t *t = *state;
	uint8_t before[sizeof(t->disk)];

	CMD(t, 1, 0, false, NULL, SCSI_INQUIRY, 0, 0, 0, 36, 0);
	expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
	memcpy(before, t->disk, sizeof(before));
	CMD(t, 2, 0, false, NULL, SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
	assert_memory_equal(before, t->disk, sizeof(before));
	assert_int_equal(t->msc.phase_errors, 2);
	/* And the next command goes through. */
	CMD(t, 3, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
}

/* Case 4, Hi > Dn: STALL at once, residue everything. */
static void test_case4(void **state)
{
	struct t *t = *state;

	CMD(t, 4, 512, true, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	assert_int_equal(t->r.data_status, -EPIPE);
	expect_csw(t, MSC_CSW_PASSED, 512);
	/* A READ that fails before its data: the same, status failed. */
	CMD(t, 5, 1024, true, NULL, SCSI_READ_10, 0, 0, 0, 0, BLOCKS, 0, 0, 2, 0);
	assert_int_equal(t->r.data_status, -EPIPE);
	expect_csw(t, MSC_CSW_FAILED, 1024);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
}

/* Case 5, Hi > Di: the data, short, then a STALL before the CSW. */
static void test_case5(void **state)
{
	struct t *t = *state;

	CMD(t, 5, 96, true, NULL, SCSI_INQUIRY, 0, 0, 0, 96, 0);
	assert_int_equal(t->r.data_status, 0);
	assert_int_equal(t->r.data_actual, 36);
	assert_int_equal(t->r.csw_stalls, 1);
	expect_csw(t, MSC_CSW_PASSED, 60);
	/* 512 bytes of a 1024-byte URB: a full packet multiple, then STALL. */
	CMD(t, 6, 1024, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	assert_int_equal(t->r.data_actual, 512);
	assert_memory_equal(t->r.data, t->disk, 512);
	assert_int_equal(t->r.csw_stalls, 1);
	expect_csw(t, MSC_CSW_PASSED, 512);
}

/* Case 6, Hi = Di. */
static void test_case6(void **state)
{
	struct t *t = *state;

	CMD(t, 6, 2048, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 4, 0, 0, 4, 0);
	assert_int_equal(t->r.data_status, 0);
	assert_int_equal(t->r.data_actual, 2048);
	assert_memory_equal(t->r.data, t->disk + 4 * 512, 2048);
	assert_int_equal(t->r.csw_stalls, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
	assert_int_equal(t->msc.phase_errors, 0);
}

/* Case 7, Hi < Di: H bytes, then a phase error. */
static void test_case7(void **state)
{
	struct t *t = *state;

	CMD(t, 7, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 2, 0);
	assert_int_equal(t->r.data_actual, 512);
	assert_memory_equal(t->r.data, t->disk, 512);
	expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
	assert_int_equal(t->msc.phase_errors, 1);
}

/* Case 8, Hi <> Do: STALL bulk IN, phase error; nothing written. */
static void test_case8(void **state)
{
	struct t *t = *state;
	uint8_t before[sizeof(t->disk)];

	memcpy(before, t->disk, sizeof(before));
	CMD(t, 8, 512, true, NULL, SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	assert_int_equal(t->r.data_status, -EPIPE);
	expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
	assert_memory_equal(before, t->disk, sizeof(before));
}

/* Case 9, Ho > Dn: the data is accepted and dropped, residue everything. */
static void test_case9(void **state)
{
	struct t *t = *state;
	uint8_t junk[512];
	uint8_t before[sizeof(t->disk)];

	memset(junk, 0x5a, sizeof(junk));
	memcpy(before, t->disk, sizeof(before));
	CMD(t, 9, 512, false, junk, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	assert_int_equal(t->r.data_status, 0);
	expect_csw(t, MSC_CSW_PASSED, 512);
	/* A WRITE refused before its data: the same, status failed. */
	CMD(t, 10, 512, false, junk, SCSI_WRITE_10, 0x20, 0, 0, 0, 0, 0, 0, 1, 0);
	assert_int_equal(t->r.data_status, 0);
	expect_csw(t, MSC_CSW_FAILED, 512);
	assert_memory_equal(before, t->disk, sizeof(before));
}

/* Case 10, Ho <> Di: STALL bulk OUT, phase error. */
static void test_case10(void **state)
{
	struct t *t = *state;
	uint8_t junk[36] = { 0 };

	CMD(t, 10, 36, false, junk, SCSI_INQUIRY, 0, 0, 0, 36, 0);
	assert_int_equal(t->r.data_status, -EPIPE);
	expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
	CMD(t, 11, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
}

/* Case 11, Ho > Do: Do bytes written, the rest dropped, residue the rest. */
static void test_case11(void **state)
{
	struct t *t = *state;
	uint8_t data[1024];

	memset(data, 0x11, 512);
	memset(data + 512, 0x22, 512);
	CMD(t, 11, 1024, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 3, 0, 0, 1, 0);
	assert_int_equal(t->r.data_status, 0);
	expect_csw(t, MSC_CSW_PASSED, 512);
	assert_memory_equal(t->disk + 3 * 512, data, 512);
	assert_int_not_equal(t->disk[4 * 512], 0x22);
}

/* Case 12, Ho = Do. */
static void test_case12(void **state)
{
	struct t *t = *state;
	uint8_t data[2048];

	memset(data, 0x77, sizeof(data));
	CMD(t, 12, 2048, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 8, 0, 0, 4, 0);
	assert_int_equal(t->r.data_status, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
	assert_memory_equal(t->disk + 8 * 512, data, 2048);
}

/* Case 13, Ho < Do: H bytes taken, phase error. */
static void test_case13(void **state)
{
	struct t *t = *state;
	uint8_t data[512];

	memset(data, 0x13, sizeof(data));
	CMD(t, 13, 512, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 2, 0, 0, 2, 0);
	assert_int_equal(t->r.data_status, 0);
	expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
	assert_memory_equal(t->disk + 2 * 512, data, 512);
}

/* Data split over several URBs of the host's choosing, both ways. */
static void test_data_in_pieces(void **state)
{
	struct t *t = *state;
	uint8_t cbw[MSC_CBW_SIZE], buf[4096];
	struct usb_urb *u[4];
	unsigned int i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13);
	bot_cbw_build(cbw, 20, 4096, false, CDB(SCSI_WRITE_10, 0, 0, 0, 0, 16, 0, 0, 8), 10);
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	/* 1000 + 1000 + 2096: not block-aligned pieces. */
	assert_int_equal(bot_send_out(&t->host, buf, 1000), 0);
	assert_int_equal(bot_send_out(&t->host, buf + 1000, 1000), 0);
	assert_int_equal(bot_send_out(&t->host, buf + 2000, 2096), 0);
	bot_read_csw(&t->host, &t->r);
	expect_csw(t, MSC_CSW_PASSED, 0);
	assert_memory_equal(t->disk + 16 * 512, buf, 4096);

	/* Read it back through four IN URBs queued at once. */
	bot_cbw_build(cbw, 21, 4096, true, CDB(SCSI_READ_10, 0, 0, 0, 0, 16, 0, 0, 8), 10);
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	for (i = 0; i < 4; i++) {
		u[i] = fakehost_urb(&t->host, 1, true, 1024);
		fakehost_submit(&t->host, u[i]);
	}
	for (i = 0; i < 4; i++) {
		assert_true(fakehost_take(&t->host, u[i]));
		assert_int_equal(u[i]->status, 0);
		assert_int_equal(u[i]->actual, 1024);
		assert_memory_equal(u[i]->buf, buf + i * 1024, 1024);
		fakehost_urb_free(&t->host, u[i]);
	}
	bot_read_csw(&t->host, &t->r);
	expect_csw(t, MSC_CSW_PASSED, 0);
}

/* URBs for a later phase wait for it: a CSW read queued before the CBW,
 * a CBW queued before the CSW was taken. */
static void test_early_urbs(void **state)
{
	struct t *t = *state;
	uint8_t cbw[MSC_CBW_SIZE];
	struct usb_urb *csw = fakehost_urb(&t->host, 1, true, MSC_CSW_SIZE), *next;

	fakehost_submit(&t->host, csw);
	assert_int_equal(t->host.ndone, 0);
	assert_int_equal(usb_ep_pending(&t->dev, EP_BULK_IN), 1);
	bot_cbw_build(cbw, 30, 0, false, CDB(SCSI_TEST_UNIT_READY), 6);
	next = fakehost_urb(&t->host, 2, false, MSC_CBW_SIZE);
	memcpy(next->buf, cbw, sizeof(cbw));
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	assert_true(fakehost_take(&t->host, csw));
	assert_int_equal(csw->status, 0);
	assert_int_equal(bot_le32(csw->buf + 4), 30);
	fakehost_urb_free(&t->host, csw);

	/* A second CBW before the first CSW is read waits for it. */
	bot_cbw_build(cbw, 31, 0, false, CDB(SCSI_TEST_UNIT_READY), 6);
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	bot_cbw_build(next->buf, 32, 0, false, CDB(SCSI_TEST_UNIT_READY), 6);
	fakehost_submit(&t->host, next);
	assert_false(fakehost_take(&t->host, next));
	bot_read_csw(&t->host, &t->r);
	assert_int_equal(t->r.tag, 31);
	assert_true(fakehost_take(&t->host, next)); /* taken once the CSW went */
	assert_int_equal(next->status, 0);
	fakehost_urb_free(&t->host, next);
	bot_read_csw(&t->host, &t->r);
	assert_int_equal(t->r.tag, 32);
}

/* BOT 6.6.1: an invalid CBW stalls both pipes until a Reset Recovery. */
static void test_invalid_cbw_needs_reset(void **state)
{
	struct t *t = *state;
	uint8_t cbw[MSC_CBW_SIZE];
	struct usb_urb *u;

	bot_cbw_build(cbw, 40, 0, false, CDB(SCSI_TEST_UNIT_READY), 6);
	cbw[3] = 'X';
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	assert_true(bot_ep_halted(&t->host, EP_BULK_IN));
	assert_true(bot_ep_halted(&t->host, EP_BULK_OUT));
	/* CLEAR_FEATURE alone does not help. */
	assert_int_equal(bot_clear_halt(&t->host, EP_BULK_IN), 0);
	assert_int_equal(bot_clear_halt(&t->host, EP_BULK_OUT), 0);
	assert_true(bot_ep_halted(&t->host, EP_BULK_IN));
	cbw[3] = 'C';
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), -EPIPE);
	u = fakehost_urb(&t->host, 1, true, MSC_CSW_SIZE);
	fakehost_submit(&t->host, u);
	assert_true(fakehost_take(&t->host, u));
	assert_int_equal(u->status, -EPIPE);
	fakehost_urb_free(&t->host, u);
	/* Reset Recovery: class reset, then clear both halts. */
	assert_int_equal(bot_reset(&t->host), 0);
	assert_true(bot_ep_halted(&t->host, EP_BULK_IN)); /* the host clears them */
	assert_int_equal(bot_clear_halt(&t->host, EP_BULK_IN), 0);
	assert_int_equal(bot_clear_halt(&t->host, EP_BULK_OUT), 0);
	assert_false(bot_ep_halted(&t->host, EP_BULK_IN));
	assert_false(bot_ep_halted(&t->host, EP_BULK_OUT));
	CMD(t, 41, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);

	/* A short CBW, and one for LUN 1, are invalid too. */
	assert_int_equal(bot_send_out(&t->host, cbw, 30), 0);
	assert_true(bot_ep_halted(&t->host, EP_BULK_IN));
	assert_int_equal(bot_reset(&t->host), 0);
	bot_clear_halt(&t->host, EP_BULK_IN);
	bot_clear_halt(&t->host, EP_BULK_OUT);
	cbw[13] = 1;
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	assert_true(bot_ep_halted(&t->host, EP_BULK_OUT));
}

/* A reset in the middle of a command: the next CBW is a fresh start. */
static void test_reset_mid_command(void **state)
{
	struct t *t = *state;
	uint8_t cbw[MSC_CBW_SIZE];

	bot_cbw_build(cbw, 50, 4096, true, CDB(SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 8), 10);
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	assert_int_equal(t->msc.state, MSC_DATA_IN);
	assert_int_equal(bot_reset(&t->host), 0);
	assert_int_equal(t->msc.state, MSC_IDLE);
	CMD(t, 51, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
	/* SET_CONFIGURATION (a port reset) does the same. */
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	assert_int_equal(
		fakehost_control(&t->host, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL),
		0);
	assert_int_equal(t->msc.state, MSC_IDLE);
	CMD(t, 52, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
}

/* The backend fails in the middle of a READ: what was read arrives, then
 * a STALL, a failed CSW with the residue, MEDIUM ERROR. */
static void test_read_error_mid_transfer(void **state)
{
	struct t *t = *state;
	uint8_t cbw[MSC_CBW_SIZE];
	struct usb_urb *u1, *u2;

	t->read_err = 2;
	bot_cbw_build(cbw, 60, 2048, true, CDB(SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 4), 10);
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	u1 = fakehost_urb(&t->host, 1, true, 1024);
	u2 = fakehost_urb(&t->host, 1, true, 1024);
	fakehost_submit(&t->host, u1);
	fakehost_submit(&t->host, u2);
	assert_true(fakehost_take(&t->host, u1));
	assert_true(fakehost_take(&t->host, u2));
	assert_int_equal(u1->status, 0);
	assert_int_equal(u1->actual, 1024);
	assert_int_equal(u2->status, -EPIPE);
	fakehost_urb_free(&t->host, u1);
	fakehost_urb_free(&t->host, u2);
	bot_clear_halt(&t->host, EP_BULK_IN);
	bot_read_csw(&t->host, &t->r);
	expect_csw(t, MSC_CSW_FAILED, 1024);
	t->read_err = 0;
	expect_sense(t, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
}

/* ... and a WRITE (ENOSPC): the OUT pipe stalls, the CSW says failed. */
static void test_write_error_mid_transfer(void **state)
{
	struct t *t = *state;
	uint8_t cbw[MSC_CBW_SIZE], data[1024];

	memset(data, 0xee, sizeof(data));
	t->write_err = 2;
	bot_cbw_build(cbw, 70, 2048, false, CDB(SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 4), 10);
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	assert_int_equal(bot_send_out(&t->host, data, 1024), 0);
	assert_int_equal(bot_send_out(&t->host, data, 1024), -EPIPE);
	assert_true(bot_ep_halted(&t->host, EP_BULK_OUT));
	bot_clear_halt(&t->host, EP_BULK_OUT);
	bot_read_csw(&t->host, &t->r);
	expect_csw(t, MSC_CSW_FAILED, 1024);
	assert_int_equal(t->r.csw_stalls, 0);
	t->write_err = 0;
	expect_sense(t, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	/* Fine again afterwards. */
	CMD(t, 71, 1024, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 2, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
}

/* URBs on an endpoint that is not ours stall; a disconnect gives back
 * what is pending. */
static void test_unconfigured_and_disconnect(void **state)
{
	struct t *t = *state;
	struct usb_urb *u = fakehost_urb(&t->host, 3, true, 512);

	fakehost_submit(&t->host, u);
	assert_true(fakehost_take(&t->host, u));
	assert_int_equal(u->status, -EPIPE);
	fakehost_urb_free(&t->host, u);
	u = fakehost_urb(&t->host, 1, true, MSC_CSW_SIZE);
	fakehost_submit(&t->host, u);
	assert_int_equal(usb_ep_pending(&t->dev, EP_BULK_IN), 1);
	fakehost_disconnect(&t->host);
	assert_int_equal(usb_ep_pending(&t->dev, EP_BULK_IN), 0);
	assert_int_equal(t->msc.state, MSC_IDLE);
}

/* Random CBWs, lengths and directions: the transport never hangs (a CSW
 * always comes, after clearing halts or a Reset Recovery) and never
 * moves more than the host asked for. */
static void test_random_cbws(void **state)
{
	struct t *t = *state;
	uint32_t x = 42;
	uint8_t cbw[MSC_CBW_SIZE];
	unsigned int i, j;

	for (i = 0; i < 20000; i++) {
		struct usb_urb *u;
		uint32_t len;
		bool in;
		int st;

		for (j = 0; j < MSC_CBW_SIZE; j++) {
			x = x * 1103515245 + 12345;
			cbw[j] = (uint8_t)(x >> 16);
		}
		len = (x >> 4) % 3000;
		in = x & 0x100;
		if (i % 4) {
			/* Mostly valid wrappers around random commands. */
			uint8_t cb[16];

			memcpy(cb, cbw + 15, sizeof(cb));
			bot_cbw_build(cbw, i, len, in, cb, sizeof(cb), 16);
			cbw[14] = (uint8_t)(1 + (x >> 20) % 16);
			if (i % 3 == 0)
				cbw[15] = (uint8_t[]){ 0x00, 0x03, 0x12, 0x1a, 0x25, 0x28, 0x2a,
						       0x35, 0x5a, 0x9e, 0xa0 }[i % 11];
		}
		st = bot_send_out(&t->host, cbw, sizeof(cbw));
		if (st == 0 && t->msc.state != MSC_NEED_RESET && len) {
			u = fakehost_urb(&t->host, in ? 1 : 2, in, len);
			memset(u->buf, 0, len);
			fakehost_submit(&t->host, u);
			assert_true(fakehost_take(&t->host, u));
			assert_true(u->actual <= len);
			if (u->status == -EPIPE)
				bot_clear_halt(&t->host, in ? EP_BULK_IN : EP_BULK_OUT);
			fakehost_urb_free(&t->host, u);
		}
		if (t->msc.state == MSC_NEED_RESET) {
			assert_int_equal(bot_reset(&t->host), 0);
			bot_clear_halt(&t->host, EP_BULK_IN);
			bot_clear_halt(&t->host, EP_BULK_OUT);
			continue;
		}
		bot_read_csw(&t->host, &t->r);
		assert_int_equal(t->r.csw_status, 0);
		assert_true(t->r.status <= MSC_CSW_PHASE_ERROR);
		assert_true(t->r.residue <= len);
	}
}

static unsigned int set_fault(struct t *t, const char *text)
{
	struct usb_fault_spec spec;
	struct strbuf err = { 0 };
	unsigned int id;

	if (usb_fault_parse_text(text, strlen(text), &spec, &err) < 0)
		fail_msg("%s: %s", text, strbuf_str(&err));
	assert_int_equal(usb_fault_add(&t->dev, &spec, &id), 0);
	return id;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* slow MS: the command's data and CSW wait MS on their endpoints, where
 * an unlink finds them; the next command is on time again. */
static void test_fault_slow(void **state)
{
	struct t *t = *state;
	uint8_t cbw[MSC_CBW_SIZE];
	struct usb_urb *u, *csw;
	unsigned int id;

	set_fault(t, "slow 30");
	bot_cbw_build(cbw, 60, 1024, true, CDB(SCSI_READ_10, 0, 0, 0, 0, 4, 0, 0, 2), 10);
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	fakehost_expect_event(&t->host, "fault 1 slow fired on seqnum");
	assert_int_equal(t->host.armed_ms, 30);
	u = fakehost_urb(&t->host, 1, true, 1024);
	fakehost_submit(&t->host, u);
	csw = fakehost_urb(&t->host, 1, true, MSC_CSW_SIZE);
	fakehost_submit(&t->host, csw);
	/* Early: the timer is not due, nothing moves. */
	usb_device_timer(&t->dev);
	assert_int_equal(usb_ep_pending(&t->dev, EP_BULK_IN), 2);
	sleep_ms(35);
	usb_device_timer(&t->dev);
	assert_true(fakehost_take(&t->host, u));
	assert_int_equal(u->status, 0);
	assert_int_equal(u->actual, 1024);
	assert_memory_equal(u->buf, t->disk + 4 * 512, 1024);
	fakehost_urb_free(&t->host, u);
	assert_true(fakehost_take(&t->host, csw));
	assert_int_equal(csw->status, 0);
	assert_int_equal(csw->buf[12], MSC_CSW_PASSED);
	fakehost_urb_free(&t->host, csw);
	/* Spent (--count 1): the next command is answered at once. */
	CMD(t, 61, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);

	/* --forever, and the host gives up on a held CSW: the unlink takes
	 * it, the CSW goes to the host's next read. */
	set_fault(t, "slow 20 --forever");
	bot_cbw_build(cbw, 62, 0, false, CDB(SCSI_TEST_UNIT_READY), 6);
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	csw = fakehost_urb(&t->host, 1, true, MSC_CSW_SIZE);
	fakehost_submit(&t->host, csw);
	assert_ptr_equal(fakehost_unlink(&t->host, csw->seqnum), csw);
	fakehost_urb_free(&t->host, csw);
	sleep_ms(25);
	usb_device_timer(&t->dev);
	assert_int_equal(t->host.armed_ms, 0);
	csw = fakehost_urb(&t->host, 1, true, MSC_CSW_SIZE);
	fakehost_submit(&t->host, csw);
	assert_true(fakehost_take(&t->host, csw));
	assert_int_equal(bot_le32(csw->buf + 4), 62);
	fakehost_urb_free(&t->host, csw);
	/* fault clear while a command is held: it goes on at once. */
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	csw = fakehost_urb(&t->host, 1, true, MSC_CSW_SIZE);
	fakehost_submit(&t->host, csw);
	assert_int_equal(usb_ep_pending(&t->dev, EP_BULK_IN), 1);
	id = set_fault(t, "stall --ep 0x83"); /* another fault stays */
	assert_int_equal(usb_fault_clear(&t->dev, id), 0);
	assert_int_equal(usb_ep_pending(&t->dev, EP_BULK_IN), 1); /* not that one */
	assert_int_equal(usb_fault_clear(&t->dev, 2), 0);
	assert_true(fakehost_take(&t->host, csw));
	assert_int_equal(csw->buf[12], MSC_CSW_PASSED);
	assert_int_equal(t->host.armed_ms, 0);
	fakehost_urb_free(&t->host, csw);
	set_fault(t, "slow 20 --forever");

	/* A reset while a command is held: no timer left, nothing held. */
	assert_int_equal(bot_send_out(&t->host, cbw, sizeof(cbw)), 0);
	assert_true(t->host.armed_ms > 0);
	assert_int_equal(bot_reset(&t->host), 0);
	assert_false(t->msc.slow);
	assert_int_equal(t->host.armed_ms, 0);
	assert_int_equal(usb_fault_clear(&t->dev, 0), 0);
	CMD(t, 63, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
}

/* reset-storm --count 2: two commands refused with a phase error and no
 * data moved (a WRITE writes nothing), each recovered by a port reset;
 * the third passes. */
static void test_fault_reset_storm(void **state)
{
	struct t *t = *state;
	uint8_t before[sizeof(t->disk)], data[1024];
	struct strbuf out = { 0 };
	unsigned int i;

	memcpy(before, t->disk, sizeof(before));
	memset(data, 0xa5, sizeof(data));
	set_fault(t, "reset-storm --count 2");
	for (i = 0; i < 2; i++) {
		CMD(t, 70 + i, 1024, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 8, 0, 0, 2, 0);
		assert_int_equal(t->r.data_status, -EPIPE); /* the data phase is refused */
		expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
		assert_memory_equal(t->disk, before, sizeof(before));
		/* usb-storage's recovery: a port reset, which configures again */
		assert_int_equal(fakehost_control(&t->host, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0,
						  NULL, NULL, NULL),
				 0);
	}
	CMD(t, 72, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
	CMD(t, 73, 1024, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 8, 0, 0, 2, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
	assert_memory_equal(t->disk + 8 * 512, data, sizeof(data));
	usb_fault_list(&t->dev, &out);
	assert_string_equal(strbuf_str(&out), "1\treset-storm --count 2\tfired 2 (spent)\n");
	strbuf_free(&out);
	assert_int_equal(fakehost_count_events(&t->host, "reset-storm fired"), 2);

	/* A READ is refused too (its data IN stalls), and so is a command
	 * with no data phase; the BOT class reset recovers as well. */
	usb_fault_clear(&t->dev, 0);
	set_fault(t, "reset-storm --count 2");
	CMD(t, 74, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	assert_int_equal(t->r.data_status, -EPIPE);
	expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
	assert_int_equal(bot_reset(&t->host), 0);
	CMD(t, 75, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_csw(t, MSC_CSW_PHASE_ERROR, 0);
	assert_int_equal(bot_reset(&t->host), 0);
	CMD(t, 76, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	expect_csw(t, MSC_CSW_PASSED, 0);
	assert_memory_equal(t->r.data, t->disk, 512);
}

/* Per-command faults need a class with commands: not a mouse's. */
static void test_fault_per_command_refused(void **state)
{
	struct usb_device dev;
	struct usb_fault_spec spec;
	struct strbuf err = { 0 };
	unsigned int id;

	usb_device_init(&dev);
	assert_int_equal(usb_fault_parse_text("slow 5", 6, &spec, &err), 0);
	assert_int_equal(usb_fault_add(&dev, &spec, &id), -EOPNOTSUPP);
	assert_null(dev.faults);
	assert_int_equal(usb_fault_parse_text("reset-storm", 11, &spec, &err), 0);
	assert_int_equal(usb_fault_add(&dev, &spec, &id), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cbw_parse),
		cmocka_unit_test(test_csw_encode),
		cmocka_unit_test_setup_teardown(test_class_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case2_case3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case7, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case9, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case10, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case11, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case13, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_urbs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_cbw_needs_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_mid_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_error_mid_transfer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_mid_transfer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unconfigured_and_disconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_cbws, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_slow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_reset_storm, setup, teardown),
		cmocka_unit_test(test_fault_per_command_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
