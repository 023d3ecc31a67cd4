// SPDX-License-Identifier: MIT
/*
 * The SCSI layer alone, over a memory backend whose reads, writes and
 * flushes can be made to fail: every command, every sense path, and that
 * no LBA range outside the medium ever reaches the backend.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/storage/scsi.h"

#define MEM_BLOCKS 64

struct mem {
	uint8_t *data;
	size_t size;
	int read_err, write_err, flush_err; /* returned while non-zero */
	unsigned int reads, writes, flushes;
	uint64_t max_end; /* highest byte touched + 1 */
};

static void touch(struct mem *m, size_t len, uint64_t off)
{
	assert_true(off + len <= m->size); /* never outside the medium */
	if (off + len > m->max_end)
		m->max_end = off + len;
}

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mem *m = ctx;

	m->reads++;
	touch(m, len, off);
	if (m->read_err)
		return m->read_err;
	memcpy(buf, m->data + off, len);
	return 0;
}

static int mem_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
	struct mem *m = ctx;

	m->writes++;
	touch(m, len, off);
	if (m->write_err)
		return m->write_err;
	memcpy(m->data + off, buf, len);
	return 0;
}

static int mem_flush(void *ctx)
{
	struct mem *m = ctx;

	m->flushes++;
	return m->flush_err;
}

static const struct scsi_backend_ops mem_ops = {
	.read = mem_read,
	.write = mem_write,
	.flush = mem_flush,
};

struct t {
	struct scsi_lun lun;
	struct mem mem;
	struct scsi_cmd cmd;
	uint8_t data[8192];
	size_t dlen;
};

static struct t *t_new(enum scsi_type type, uint64_t nblocks, bool readonly)
{
	struct t *t = calloc(1, sizeof(*t));
	struct scsi_medium m = { &mem_ops, NULL, nblocks, readonly };
	size_t i;

	assert_non_null(t);
	scsi_lun_init(&t->lun, type);
	scsi_lun_set_ident(&t->lun, "ACME", "Widget", "0042", "0123456789AB");
	if (nblocks) {
		/* Small media are real memory; huge ones are never read. */
		t->mem.size = nblocks <= MEM_BLOCKS ? nblocks * t->lun.block_size : SIZE_MAX;
		if (nblocks <= MEM_BLOCKS) {
			t->mem.data = malloc(t->mem.size);
			assert_non_null(t->mem.data);
			for (i = 0; i < t->mem.size; i++)
				t->mem.data[i] = (uint8_t)(i * 7 + i / 512);
		}
		m.ctx = &t->mem;
		scsi_medium_insert(&t->lun, &m);
		t->lun.unit_attention = false; /* as a medium present at power-on */
		t->lun.media_event = 0;
	}
	return t;
}

static void t_free(struct t *t)
{
	free(t->mem.data);
	free(t);
}

/*
 * Run one command to the end: IN data lands in t->data (t->dlen bytes),
 * OUT data comes from `out` (the device's intended length of it).
 */
static uint8_t run(struct t *t, const uint8_t *cdb, size_t len, const void *out)
{
	t->dlen = 0;
	scsi_cmd_start(&t->lun, &t->cmd, cdb, len);
	if (t->cmd.dir == SCSI_DIR_IN) {
		assert_true(t->cmd.length <= sizeof(t->data));
		if (scsi_cmd_read(&t->lun, &t->cmd, t->data, (size_t)t->cmd.length) == 0)
			t->dlen = (size_t)t->cmd.length;
	} else if (t->cmd.dir == SCSI_DIR_OUT) {
		assert_non_null(out);
		scsi_cmd_write(&t->lun, &t->cmd, out, (size_t)t->cmd.length);
	}
	return scsi_cmd_finish(&t->lun, &t->cmd);
}

#define RUN(t, out, ...)                                                   \
	({                                                                 \
		const uint8_t _cdb[] = { __VA_ARGS__ };                    \
		run((t), _cdb, sizeof(_cdb), (out));                       \
	})

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* The last command failed with this sense; REQUEST SENSE says so once. */
static void expect_sense(struct t *t, uint8_t key, uint16_t asc)
{
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 18);
	assert_int_equal(t->data[0], 0x70);
	assert_int_equal(t->data[7], 10);
	assert_int_equal(t->data[2], key);
	assert_int_equal(t->data[12] << 8 | t->data[13], asc);
	/* Reported, so gone. */
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[2], SCSI_SENSE_NO_SENSE);
}

/* Failed in the data phase: CHECK CONDITION with this sense. */
static void expect_failed(struct t *t, uint8_t status, uint8_t key, uint16_t asc)
{
	assert_int_equal(status, SCSI_STATUS_CHECK_CONDITION);
	expect_sense(t, key, asc);
}

/* Failed before any data phase. */
static void expect_fail(struct t *t, uint8_t status, uint8_t key, uint16_t asc)
{
	assert_int_equal(t->cmd.dir, SCSI_DIR_NONE);
	expect_failed(t, status, key, asc);
}

static void test_inquiry(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 8, false);

	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 0, 0, 0, 36, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 36);
	assert_int_equal(t->data[0], 0x00); /* direct access */
	assert_int_equal(t->data[1], 0x80); /* removable */
	assert_int_equal(t->data[3] & 0x0f, 2);
	assert_int_equal(t->data[4], 31);
	assert_memory_equal(t->data + 8, "ACME    Widget          0042", 28);
	/* Allocation length cuts the reply; 0 means no data at all. */
	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 0, 0, 0, 5, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 5);
	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 0, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->cmd.dir, SCSI_DIR_NONE);
	/* 16-bit allocation length: more than 36 gives 36. */
	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 0, 0, 1, 0, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 36);
	/* Page code without EVPD, and CMDDT: invalid. */
	expect_fail(t, RUN(t, NULL, SCSI_INQUIRY, 0, 0x80, 0, 36, 0), SCSI_SENSE_ILLEGAL_REQUEST,
		    SCSI_ASC_INVALID_FIELD_IN_CDB);
	expect_fail(t, RUN(t, NULL, SCSI_INQUIRY, 2, 0, 0, 36, 0), SCSI_SENSE_ILLEGAL_REQUEST,
		    SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);

	t = t_new(SCSI_TYPE_CDROM, 8, true);
	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 0, 0, 0, 36, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[0], 0x05);
	t_free(t);
}

static void test_inquiry_vpd(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 8, false);

	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 1, 0x00, 0, 255, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 7);
	assert_memory_equal(t->data, "\x00\x00\x00\x03\x00\x80\x83", 7);

	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 1, 0x80, 0, 255, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[1], 0x80);
	assert_int_equal(t->data[3], 12);
	assert_memory_equal(t->data + 4, "0123456789AB", 12);

	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 1, 0x83, 0, 255, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[1], 0x83);
	assert_int_equal(t->data[2] << 8 | t->data[3], t->dlen - 4);
	assert_int_equal(t->data[4], 0x02); /* ASCII */
	assert_int_equal(t->data[5], 0x01); /* T10 vendor ID */
	assert_int_equal(t->data[7], 8 + 12);
	assert_memory_equal(t->data + 8, "ACME    0123456789AB", 20);

	expect_fail(t, RUN(t, NULL, SCSI_INQUIRY, 1, 0xb0, 0, 255, 0), SCSI_SENSE_ILLEGAL_REQUEST,
		    SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);
}

static void test_ident_sanitized(void **state)
{
	struct scsi_lun lun;

	scsi_lun_init(&lun, SCSI_TYPE_DISK);
	assert_string_equal(lun.vendor, "vusb    ");
	assert_string_equal(lun.product, "Virtual Disk    ");
	scsi_lun_set_ident(&lun, "a\tb\xc3\xa9", "0123456789abcdefXYZ", NULL, "AB CD\x01");
	assert_string_equal(lun.vendor, "a_b__   ");
	assert_string_equal(lun.product, "0123456789abcdef");
	assert_string_equal(lun.revision, "1.00");
	assert_string_equal(lun.serial, "AB_CD_");
}

static void test_test_unit_ready_and_attention(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 8, false);
	struct scsi_medium m = { &mem_ops, &t->mem, 4, false };

	assert_int_equal(RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	assert_int_equal(scsi_medium_remove(&t->lun, false), 0);
	expect_fail(t, RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_SENSE_NOT_READY,
		    SCSI_ASC_MEDIUM_NOT_PRESENT);
	expect_fail(t, RUN(t, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		    SCSI_SENSE_NOT_READY, SCSI_ASC_MEDIUM_NOT_PRESENT);
	/* A new medium: one UNIT ATTENTION, then ready. INQUIRY and
	 * REQUEST SENSE neither report nor clear it. */
	scsi_medium_insert(&t->lun, &m);
	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 0, 0, 0, 36, 0), SCSI_STATUS_GOOD);
	expect_fail(t, RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0),
		    SCSI_SENSE_UNIT_ATTENTION, SCSI_ASC_MEDIUM_CHANGED);
	assert_int_equal(RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	/* Without a command in between, REQUEST SENSE reports a pending one. */
	scsi_medium_insert(&t->lun, &m);
	expect_sense(t, SCSI_SENSE_UNIT_ATTENTION, SCSI_ASC_MEDIUM_CHANGED);
	assert_int_equal(RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	/* The new capacity. */
	assert_int_equal(RUN(t, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(be32(t->data), 3);
	t_free(t);
}

static void test_request_sense(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 8, false);

	/* Nothing to report. */
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 252, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 18); /* never more than there is */
	assert_int_equal(t->data[2], 0);
	/* Descriptor format is refused; the short allocation is honoured. */
	expect_fail(t, RUN(t, NULL, SCSI_REQUEST_SENSE, 1, 0, 0, 18, 0), SCSI_SENSE_ILLEGAL_REQUEST,
		    SCSI_ASC_INVALID_FIELD_IN_CDB);
	RUN(t, NULL, 0xff);
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 8, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 8);
	assert_int_equal(t->data[2], SCSI_SENSE_ILLEGAL_REQUEST);
	/* A good command clears the sense of the one before. */
	RUN(t, NULL, 0xff);
	assert_int_equal(RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	expect_sense(t, SCSI_SENSE_NO_SENSE, SCSI_ASC_NONE);
	t_free(t);
}

static void test_invalid_opcodes(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 8, false);
	static const uint8_t ops[] = { 0x85, 0xa1, 0x4d, 0x1d, SCSI_MODE_SELECT_6, 0xc0, 0xe0,
				       0x7f, SCSI_READ_TOC, SCSI_GET_CONFIGURATION,
				       SCSI_GET_EVENT_STATUS_NOTIFICATION };
	uint8_t cdb[16] = { 0 };
	size_t i;

	for (i = 0; i < sizeof(ops); i++) {
		cdb[0] = ops[i];
		expect_fail(t, run(t, cdb, 16, NULL), SCSI_SENSE_ILLEGAL_REQUEST,
			    SCSI_ASC_INVALID_OPCODE);
	}
	/* An empty CDB, and one shorter than its group. */
	expect_fail(t, run(t, cdb, 0, NULL), SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);
	cdb[0] = SCSI_READ_10;
	expect_fail(t, run(t, cdb, 6, NULL), SCSI_SENSE_ILLEGAL_REQUEST,
		    SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);
}

static void test_read_capacity(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 8, false);

	assert_int_equal(RUN(t, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 8);
	assert_int_equal(be32(t->data), 7);
	assert_int_equal(be32(t->data + 4), 512);
	/* PMI clear with an LBA: invalid (SBC-3). */
	expect_fail(t, RUN(t, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 1, 0, 0, 0, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);

	assert_int_equal(RUN(t, NULL, SCSI_SERVICE_ACTION_IN_16, SCSI_SAI_READ_CAPACITY_16, 0, 0,
			     0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 32);
	assert_int_equal(be64(t->data), 7);
	assert_int_equal(be32(t->data + 8), 512);
	assert_int_equal(RUN(t, NULL, SCSI_SERVICE_ACTION_IN_16, SCSI_SAI_READ_CAPACITY_16, 0, 0,
			     0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 12);
	expect_fail(t, RUN(t, NULL, SCSI_SERVICE_ACTION_IN_16, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			   0, 32, 0, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);
}

static void test_read_capacity_over_2tib(void **state)
{
	/* 3 TiB of 512-byte blocks: READ CAPACITY(10) says "ask (16)". */
	uint64_t n = 3ull << 31;
	struct t *t = t_new(SCSI_TYPE_DISK, n, false);

	assert_int_equal(RUN(t, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(be32(t->data), 0xffffffff);
	assert_int_equal(RUN(t, NULL, SCSI_SERVICE_ACTION_IN_16, SCSI_SAI_READ_CAPACITY_16, 0, 0,
			     0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_true(be64(t->data) == n - 1);
	/* Exactly 2^32 blocks: last LBA 0xffffffff does not fit either. */
	t->lun.medium.nblocks = 1ull << 32;
	RUN(t, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(be32(t->data), 0xffffffff);
	t->lun.medium.nblocks = 0xffffffffull;
	RUN(t, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(be32(t->data), 0xfffffffe);
	/* READ(16) past LBA 2^32 reaches the right offset. */
	t->lun.medium.nblocks = n;
	scsi_cmd_start(&t->lun, &t->cmd,
		       (const uint8_t[]){ SCSI_READ_16, 0, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0 },
		       16);
	assert_int_equal(t->cmd.dir, SCSI_DIR_IN);
	assert_true(t->cmd.offset == ((1ull << 32) + 5) * 512);
	assert_int_equal(t->cmd.length, 1024);
	t_free(t);
}

static void test_read_write(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);
	uint8_t buf[4096];

	memset(buf, 0xab, sizeof(buf));
	/* WRITE(10) two blocks at LBA 3, READ(10) them back. */
	assert_int_equal(RUN(t, buf, SCSI_WRITE_10, 0, 0, 0, 0, 3, 0, 0, 2, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->cmd.length, 1024);
	assert_memory_equal(t->mem.data + 3 * 512, buf, 1024);
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 3, 0, 0, 2, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 1024);
	assert_memory_equal(t->data, buf, 1024);
	/* The 6-, 12- and 16-byte forms. */
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(RUN(t, buf, SCSI_WRITE_6, 0, 0, 5, 1, 0), SCSI_STATUS_GOOD);
	assert_memory_equal(t->mem.data + 5 * 512, buf, 512);
	assert_int_equal(RUN(t, NULL, SCSI_READ_6, 0, 0, 5, 1, 0), SCSI_STATUS_GOOD);
	assert_memory_equal(t->data, buf, 512);
	memset(buf, 0x22, sizeof(buf));
	assert_int_equal(RUN(t, buf, SCSI_WRITE_12, 0, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_memory_equal(t->mem.data + 6 * 512, buf, 512);
	assert_int_equal(RUN(t, NULL, SCSI_READ_12, 0, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_memory_equal(t->data, buf, 512);
	memset(buf, 0x33, sizeof(buf));
	assert_int_equal(RUN(t, buf, SCSI_WRITE_16, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0, 1, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_memory_equal(t->mem.data + 15 * 512, buf, 512);
	assert_int_equal(RUN(t, NULL, SCSI_READ_16, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0, 1, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_memory_equal(t->data, buf, 512);
	/* READ(6) with length 0 is 256 blocks: past this medium. */
	expect_fail(t, RUN(t, NULL, SCSI_READ_6, 0, 0, 0, 0, 0), SCSI_SENSE_ILLEGAL_REQUEST,
		    SCSI_ASC_LBA_OUT_OF_RANGE);
	/* Length 0 in the others: no data, no error. */
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 3, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->cmd.dir, SCSI_DIR_NONE);
	/* Protection information: none here. */
	expect_fail(t, RUN(t, NULL, SCSI_READ_10, 0x20, 0, 0, 0, 3, 0, 0, 1, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	expect_fail(t, RUN(t, buf, SCSI_WRITE_16, 0x20, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);
}

static void test_lba_out_of_range(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);
	uint8_t buf[1024] = { 0 };

	/* Last block fine, one more not. */
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 15, 0, 0, 1, 0), SCSI_STATUS_GOOD);
	expect_fail(t, RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 15, 0, 0, 2, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	expect_fail(t, RUN(t, buf, SCSI_WRITE_10, 0, 0, 0, 0, 16, 0, 0, 1, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	expect_fail(t, RUN(t, NULL, SCSI_READ_10, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	/* LBA + length wrapping around 2^64 does not slip through. */
	expect_fail(t, RUN(t, NULL, SCSI_READ_16, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0, 0, 0, 2, 0, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	expect_fail(t, RUN(t, NULL, SCSI_READ_12, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	/* The backend never saw more than the medium. */
	assert_true(t->mem.max_end <= 16 * 512);
	t_free(t);
}

static void test_write_protect(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, true);
	uint8_t buf[512] = { 0 };

	expect_fail(t, RUN(t, buf, SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0),
		    SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	expect_fail(t, RUN(t, buf, SCSI_WRITE_6, 0, 0, 0, 1, 0), SCSI_SENSE_DATA_PROTECT,
		    SCSI_ASC_WRITE_PROTECTED);
	assert_int_equal(t->mem.writes, 0);
	/* Reads still work. */
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0), SCSI_STATUS_GOOD);
	t_free(t);
}

static void test_backend_errors(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);
	uint8_t buf[1024] = { 0 };

	t->mem.read_err = -EIO;
	expect_failed(t, RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 1, 0),
		    SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
	t->mem.read_err = 0;
	t->mem.write_err = -ENOSPC;
	expect_failed(t, RUN(t, buf, SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 2, 0),
		    SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	t->mem.write_err = -EIO;
	expect_failed(t, RUN(t, buf, SCSI_WRITE_16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0),
		    SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	t->mem.write_err = 0;
	assert_int_equal(RUN(t, buf, SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 2, 0), SCSI_STATUS_GOOD);
	t_free(t);
}

/* ---- data moved by the caller (splice): scsi_cmd_read_file/write_file ---- */

struct moved {
	int fd;
	uint64_t off;
	size_t len;
	unsigned int calls;
	int ret;
};

static int mem_file(void *ctx, uint64_t off, size_t len, bool write)
{
	touch(ctx, len, off);
	return write ? 41 : 42;
}

static const struct scsi_backend_ops file_ops = {
	.read = mem_read,
	.write = mem_write,
	.flush = mem_flush,
	.file = mem_file,
};

static int record_move(void *arg, int fd, uint64_t off, size_t len)
{
	struct moved *m = arg;

	m->fd = fd;
	m->off = off;
	m->len = len;
	m->calls++;
	return m->ret;
}

static void test_file_moves(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);
	const uint8_t rd[] = { SCSI_READ_10, 0, 0, 0, 0, 3, 0, 0, 2, 0 };
	const uint8_t wr[] = { SCSI_WRITE_10, 0, 0, 0, 0, 5, 0, 0, 4, 0 };
	const uint8_t inq[] = { SCSI_INQUIRY, 0, 0, 0, 36, 0 };
	struct moved m = { 0 };

	/* Without a file op: the caller copies. */
	scsi_cmd_start(&t->lun, &t->cmd, rd, sizeof(rd));
	assert_int_equal(scsi_cmd_read_file(&t->lun, &t->cmd, 1024, record_move, &m), -EOPNOTSUPP);
	assert_int_equal(scsi_cmd_read(&t->lun, &t->cmd, t->data, 1024), 0);
	assert_int_equal(scsi_cmd_finish(&t->lun, &t->cmd), SCSI_STATUS_GOOD);
	assert_int_equal(m.calls, 0);

	t->lun.medium.ops = &file_ops;
	/* READ: the range at its byte offset, in two steps. */
	scsi_cmd_start(&t->lun, &t->cmd, rd, sizeof(rd));
	assert_int_equal(scsi_cmd_read_file(&t->lun, &t->cmd, 512, record_move, &m), 0);
	assert_int_equal(m.fd, 42);
	assert_int_equal(m.off, 3 * 512);
	assert_int_equal(m.len, 512);
	assert_int_equal(scsi_cmd_read_file(&t->lun, &t->cmd, 512, record_move, &m), 0);
	assert_int_equal(m.off, 4 * 512);
	assert_int_equal(scsi_cmd_finish(&t->lun, &t->cmd), SCSI_STATUS_GOOD);
	assert_int_equal(t->mem.reads, 1); /* only the first, copied, READ */

	/* The mover declines: nothing advanced, the copy path goes on. */
	m.ret = -EOPNOTSUPP;
	scsi_cmd_start(&t->lun, &t->cmd, rd, sizeof(rd));
	assert_int_equal(scsi_cmd_read_file(&t->lun, &t->cmd, 1024, record_move, &m), -EOPNOTSUPP);
	assert_int_equal(t->cmd.done, 0);
	assert_int_equal(scsi_cmd_read(&t->lun, &t->cmd, t->data, 1024), 0);
	assert_int_equal(scsi_cmd_finish(&t->lun, &t->cmd), SCSI_STATUS_GOOD);

	/* A read error is a MEDIUM ERROR, as from the backend. */
	m.ret = -EIO;
	scsi_cmd_start(&t->lun, &t->cmd, rd, sizeof(rd));
	assert_int_equal(scsi_cmd_read_file(&t->lun, &t->cmd, 1024, record_move, &m), -EIO);
	expect_failed(t, scsi_cmd_finish(&t->lun, &t->cmd), SCSI_SENSE_MEDIUM_ERROR,
		      SCSI_ASC_UNRECOVERED_READ_ERROR);

	/* WRITE: its file and offset; ENOSPC a WRITE ERROR, never success. */
	m.ret = 0;
	scsi_cmd_start(&t->lun, &t->cmd, wr, sizeof(wr));
	assert_int_equal(scsi_cmd_write_file(&t->lun, &t->cmd, 2048, record_move, &m), 0);
	assert_int_equal(m.fd, 41);
	assert_int_equal(m.off, 5 * 512);
	assert_int_equal(scsi_cmd_finish(&t->lun, &t->cmd), SCSI_STATUS_GOOD);
	m.ret = -ENOSPC;
	scsi_cmd_start(&t->lun, &t->cmd, wr, sizeof(wr));
	assert_int_equal(scsi_cmd_write_file(&t->lun, &t->cmd, 2048, record_move, &m), -ENOSPC);
	expect_failed(t, scsi_cmd_finish(&t->lun, &t->cmd), SCSI_SENSE_MEDIUM_ERROR,
		      SCSI_ASC_WRITE_ERROR);

	/* A reply of the command's own is no file's. */
	m.calls = 0;
	scsi_cmd_start(&t->lun, &t->cmd, inq, sizeof(inq));
	assert_int_equal(scsi_cmd_read_file(&t->lun, &t->cmd, 36, record_move, &m), -EOPNOTSUPP);
	assert_int_equal(m.calls, 0);

	/* The medium taken out in the middle: NOT READY, nothing moved. */
	m.ret = 0;
	scsi_cmd_start(&t->lun, &t->cmd, rd, sizeof(rd));
	assert_int_equal(scsi_medium_remove(&t->lun, true), 0);
	assert_int_equal(scsi_cmd_read_file(&t->lun, &t->cmd, 1024, record_move, &m), -ENOMEDIUM);
	assert_int_equal(m.calls, 0);
	expect_failed(t, scsi_cmd_finish(&t->lun, &t->cmd), SCSI_SENSE_NOT_READY,
		      SCSI_ASC_MEDIUM_NOT_PRESENT);
	assert_true(t->mem.max_end <= 16 * 512);
	t_free(t);
}

static void test_synchronize_cache(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);
	uint8_t buf[512] = { 0 };

	assert_int_equal(RUN(t, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->mem.flushes, 1);
	assert_int_equal(RUN(t, NULL, SCSI_SYNCHRONIZE_CACHE_16, 2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0,
			     0, 12, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->mem.flushes, 2);
	expect_fail(t, RUN(t, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 10, 0, 0, 7, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	assert_int_equal(t->mem.flushes, 2);
	/* WRITE with FUA flushes before it is done. */
	assert_int_equal(RUN(t, buf, SCSI_WRITE_10, 0x08, 0, 0, 0, 1, 0, 0, 1, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->mem.flushes, 3);
	/* A failed fdatasync is a write error, never a success ... */
	t->mem.flush_err = -EIO;
	expect_fail(t, RUN(t, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		    SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	/* ... and stays one: the kernel reports a writeback error once. */
	t->mem.flush_err = 0;
	expect_fail(t, RUN(t, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		    SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	expect_fail(t, RUN(t, buf, SCSI_WRITE_10, 0x08, 0, 0, 0, 1, 0, 0, 1, 0),
		    SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	/* Until another medium goes in. */
	struct scsi_medium m = { &mem_ops, &t->mem, 16, false };

	scsi_medium_insert(&t->lun, &m);
	RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	assert_int_equal(RUN(t, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 SCSI_STATUS_GOOD);
	t_free(t);
}

static void test_verify(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);

	assert_int_equal(RUN(t, NULL, SCSI_VERIFY_10, 0, 0, 0, 0, 0, 0, 0, 16, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->cmd.dir, SCSI_DIR_NONE);
	assert_int_equal(RUN(t, NULL, SCSI_VERIFY_16, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0),
			 SCSI_STATUS_GOOD);
	expect_fail(t, RUN(t, NULL, SCSI_VERIFY_10, 0, 0, 0, 0, 1, 0, 0, 16, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	expect_fail(t, RUN(t, NULL, SCSI_VERIFY_10, 0x02, 0, 0, 0, 0, 0, 0, 1, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	assert_int_equal(t->mem.reads, 0);
	t_free(t);
}

static void test_mode_sense(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);

	/* (6), all pages: the caching page with WCE, not write-protected. */
	assert_int_equal(RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x3f, 0, 192, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 4 + 20);
	assert_int_equal(t->data[0], 23);
	assert_int_equal(t->data[2], 0x00);
	assert_int_equal(t->data[3], 0); /* no block descriptors */
	assert_int_equal(t->data[4], 0x08);
	assert_int_equal(t->data[5], 18);
	assert_int_equal(t->data[6] & 0x04, 0x04);
	/* (10), the caching page alone, and all subpages. */
	assert_int_equal(RUN(t, NULL, SCSI_MODE_SENSE_10, 0, 0x08, 0, 0, 0, 0, 0, 255, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 8 + 20);
	assert_int_equal(t->data[0] << 8 | t->data[1], 26);
	assert_int_equal(t->data[8], 0x08);
	assert_int_equal(t->data[10] & 0x04, 0x04);
	assert_int_equal(RUN(t, NULL, SCSI_MODE_SENSE_10, 0x08, 0x3f, 0xff, 0, 0, 0, 0, 255, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 28);
	/* Changeable values: nothing. */
	assert_int_equal(RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x48, 0, 192, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[6], 0);
	/* Allocation length 4: just the header, whose length says more. */
	assert_int_equal(RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x3f, 0, 4, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 4);
	assert_int_equal(t->data[0], 23);
	/* Saved values, unknown pages and subpages: refused. */
	expect_fail(t, RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0xff, 0, 192, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_SAVING_NOT_SUPPORTED);
	expect_fail(t, RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x1c, 0, 192, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	expect_fail(t, RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x08, 1, 192, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	expect_fail(t, RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x2a, 0, 192, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);

	/* Write-protected: the WP bit, in both forms. */
	t = t_new(SCSI_TYPE_DISK, 16, true);
	RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x3f, 0, 192, 0);
	assert_int_equal(t->data[2], 0x80);
	RUN(t, NULL, SCSI_MODE_SENSE_10, 0, 0x3f, 0, 0, 0, 0, 0, 255, 0);
	assert_int_equal(t->data[3], 0x80);
	t_free(t);
}

static void test_start_stop_and_prevent(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);

	/* Power conditions and START without LOEJ: accepted, nothing moves. */
	assert_int_equal(RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x01, 0), SCSI_STATUS_GOOD);
	assert_int_equal(RUN(t, NULL, SCSI_START_STOP_UNIT, 1, 0, 0, 0x00, 0), SCSI_STATUS_GOOD);
	assert_int_equal(RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x32, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->lun.state, SCSI_MEDIUM_PRESENT);
	/* Prevented: the host cannot eject it, nor can the user. */
	assert_int_equal(RUN(t, NULL, SCSI_PREVENT_ALLOW_MEDIUM_REMOVAL, 0, 0, 0, 1, 0),
			 SCSI_STATUS_GOOD);
	assert_true(t->lun.prevent);
	expect_fail(t, RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x02, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_MEDIUM_REMOVAL_PREVENTED);
	assert_int_equal(scsi_medium_remove(&t->lun, false), -EBUSY);
	assert_int_equal(t->lun.state, SCSI_MEDIUM_PRESENT);
	/* Allowed: the host ejects; what it wrote is flushed first. */
	assert_int_equal(RUN(t, NULL, SCSI_PREVENT_ALLOW_MEDIUM_REMOVAL, 0, 0, 0, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x02, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->lun.state, SCSI_MEDIUM_EJECTED);
	assert_int_equal(t->mem.flushes, 1);
	expect_fail(t, RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_SENSE_NOT_READY,
		    SCSI_ASC_MEDIUM_NOT_PRESENT_TRAY_OPEN);
	/* Ejecting again is harmless; loading brings it back with news. */
	assert_int_equal(RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x02, 0), SCSI_STATUS_GOOD);
	assert_int_equal(RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x03, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->lun.state, SCSI_MEDIUM_PRESENT);
	expect_fail(t, RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0),
		    SCSI_SENSE_UNIT_ATTENTION, SCSI_ASC_MEDIUM_CHANGED);
	assert_int_equal(RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	/* A flush that fails keeps the medium in, and says why. */
	t->mem.flush_err = -EIO;
	expect_fail(t, RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x02, 0),
		    SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	assert_int_equal(t->lun.state, SCSI_MEDIUM_PRESENT);
	/* The user's eject with force. */
	assert_int_equal(RUN(t, NULL, SCSI_PREVENT_ALLOW_MEDIUM_REMOVAL, 0, 0, 0, 1, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(scsi_medium_remove(&t->lun, true), 0);
	assert_int_equal(t->lun.state, SCSI_MEDIUM_NONE);
	assert_false(t->lun.prevent);
	/* Loading an empty drive: fine, still empty. */
	assert_int_equal(RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x03, 0), SCSI_STATUS_GOOD);
	expect_fail(t, RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_SENSE_NOT_READY,
		    SCSI_ASC_MEDIUM_NOT_PRESENT);
	t_free(t);
}

static void test_read_format_capacities(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);

	assert_int_equal(RUN(t, NULL, SCSI_READ_FORMAT_CAPACITIES, 0, 0, 0, 0, 0, 0, 0, 252, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 12);
	assert_int_equal(t->data[3], 8);
	assert_int_equal(be32(t->data + 4), 16);
	assert_int_equal(t->data[8], 0x02);
	assert_int_equal(be32(t->data + 8) & 0xffffff, 512);
	scsi_medium_remove(&t->lun, false);
	assert_int_equal(RUN(t, NULL, SCSI_READ_FORMAT_CAPACITIES, 0, 0, 0, 0, 0, 0, 0, 252, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->data[8], 0x03);
	t_free(t);
}

static void test_report_luns(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);

	assert_int_equal(RUN(t, NULL, SCSI_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 16);
	assert_int_equal(be32(t->data), 8);
	expect_fail(t, RUN(t, NULL, SCSI_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);
}

static void test_medium_gone_mid_transfer(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);
	uint8_t buf[512];

	scsi_cmd_start(&t->lun, &t->cmd,
		       (const uint8_t[]){ SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 2, 0 }, 10);
	assert_int_equal(scsi_cmd_read(&t->lun, &t->cmd, buf, 512), 0);
	scsi_medium_remove(&t->lun, true);
	assert_int_equal(scsi_cmd_read(&t->lun, &t->cmd, buf, 512), -ENOMEDIUM);
	assert_int_equal(scsi_cmd_finish(&t->lun, &t->cmd), SCSI_STATUS_CHECK_CONDITION);
	expect_sense(t, SCSI_SENSE_NOT_READY, SCSI_ASC_MEDIUM_NOT_PRESENT);
	assert_int_equal(t->mem.reads, 1);
	t_free(t);
}

/* ---- CD-ROM ---- */

static void test_cdrom_basics(void **state)
{
	struct t *t = t_new(SCSI_TYPE_CDROM, 8, true);
	uint8_t buf[2048] = { 0 };

	RUN(t, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(be32(t->data), 7);
	assert_int_equal(be32(t->data + 4), 2048);
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 1, 0, 0, 1, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 2048);
	assert_memory_equal(t->data, t->mem.data + 2048, 2048);
	expect_fail(t, RUN(t, buf, SCSI_WRITE_10, 0, 0, 0, 0, 1, 0, 0, 1, 0),
		    SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	/* Capabilities page, no caching page, no WP bit (MMC). */
	assert_int_equal(RUN(t, NULL, SCSI_MODE_SENSE_10, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 8 + 22);
	assert_int_equal(t->data[3], 0);
	assert_int_equal(t->data[8], 0x2a);
	assert_int_equal(t->data[9], 20);
	assert_int_equal(t->data[8 + 6] >> 5, 1); /* tray */
	assert_int_equal(t->data[8 + 6] & 0x08, 0x08); /* eject */
	expect_fail(t, RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x08, 0, 192, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	assert_int_equal(RUN(t, NULL, SCSI_MODE_SENSE_6, 0, 0x3f, 0, 192, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 4 + 22);
	t_free(t);
}

static void test_cdrom_read_toc(void **state)
{
	/* 1000 blocks: lead-out at LBA 1000 = 00:15:25 with the 150-frame gap. */
	struct t *t = t_new(SCSI_TYPE_CDROM, 1000, true);

	assert_int_equal(RUN(t, NULL, SCSI_READ_TOC, 0, 0, 0, 0, 0, 0, 0, 12, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 12); /* header and track 1, cut by allocation */
	assert_int_equal(RUN(t, NULL, SCSI_READ_TOC, 0, 0, 0, 0, 0, 0, 0, 255, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 20);
	assert_memory_equal(t->data, "\x00\x12\x01\x01", 4);
	assert_memory_equal(t->data + 4, "\x00\x14\x01\x00\x00\x00\x00\x00", 8);
	assert_memory_equal(t->data + 12, "\x00\x14\xaa\x00\x00\x00\x03\xe8", 8);
	/* MSF. */
	assert_int_equal(RUN(t, NULL, SCSI_READ_TOC, 0x02, 0, 0, 0, 0, 0, 0, 255, 0),
			 SCSI_STATUS_GOOD);
	assert_memory_equal(t->data + 8, "\x00\x00\x02\x00", 4);
	assert_memory_equal(t->data + 16, "\x00\x00\x0f\x19", 4);
	/* From the lead-out only; a track that does not exist. */
	assert_int_equal(RUN(t, NULL, SCSI_READ_TOC, 0, 0, 0, 0, 0, 0xaa, 0, 255, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 12);
	assert_int_equal(t->data[6], 0xaa);
	expect_fail(t, RUN(t, NULL, SCSI_READ_TOC, 0, 0, 0, 0, 0, 2, 0, 255, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	/* Session info, in the MMC field and the SFF-8020 one Linux uses. */
	assert_int_equal(RUN(t, NULL, SCSI_READ_TOC, 0, 1, 0, 0, 0, 0, 0, 12, 0),
			 SCSI_STATUS_GOOD);
	assert_memory_equal(t->data, "\x00\x0a\x01\x01\x00\x14\x01\x00\x00\x00\x00\x00", 12);
	assert_int_equal(RUN(t, NULL, SCSI_READ_TOC, 0, 0, 0, 0, 0, 0, 0, 12, 0x40),
			 SCSI_STATUS_GOOD);
	assert_memory_equal(t->data, "\x00\x0a\x01\x01", 4);
	expect_fail(t, RUN(t, NULL, SCSI_READ_TOC, 0, 2, 0, 0, 0, 0, 0, 255, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	scsi_medium_remove(&t->lun, false);
	expect_fail(t, RUN(t, NULL, SCSI_READ_TOC, 0, 0, 0, 0, 0, 0, 0, 255, 0),
		    SCSI_SENSE_NOT_READY, SCSI_ASC_MEDIUM_NOT_PRESENT);
	t_free(t);
}

static void test_cdrom_get_configuration(void **state)
{
	struct t *t = t_new(SCSI_TYPE_CDROM, 100, true);

	/* Header only, as Linux asks for the current profile. */
	assert_int_equal(RUN(t, NULL, SCSI_GET_CONFIGURATION, 0, 0, 0, 0, 0, 0, 0, 8, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 8);
	assert_int_equal(t->data[6] << 8 | t->data[7], 0x0008);
	/* Everything: profile list, core, removable, random read, CD read. */
	assert_int_equal(RUN(t, NULL, SCSI_GET_CONFIGURATION, 0, 0, 0, 0, 0, 0, 1, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(be32(t->data), t->dlen - 4);
	assert_int_equal(t->dlen, 8 + 8 + 12 + 8 + 12 + 8);
	assert_memory_equal(t->data + 8, "\x00\x00\x03\x04\x00\x08\x01\x00", 8);
	assert_int_equal(t->data[16 + 1], 0x01);
	assert_int_equal(be32(t->data + 16 + 4), 8); /* USB */
	assert_int_equal(t->data[28 + 1], 0x03);
	assert_int_equal(t->data[28 + 4], 0x29);
	assert_int_equal(t->data[36 + 1], 0x10);
	assert_int_equal(be32(t->data + 36 + 4), 2048);
	assert_int_equal(t->data[48 + 1], 0x1e);
	/* RT 2: one feature; RT 1 from 0x0010: the current ones. */
	assert_int_equal(RUN(t, NULL, SCSI_GET_CONFIGURATION, 2, 0, 0x03, 0, 0, 0, 1, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 16);
	assert_int_equal(t->data[9], 0x03);
	scsi_medium_remove(&t->lun, false);
	assert_int_equal(RUN(t, NULL, SCSI_GET_CONFIGURATION, 1, 0, 0x10, 0, 0, 0, 1, 0, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 8); /* no medium: nothing current from there on */
	assert_int_equal(t->data[6] << 8 | t->data[7], 0);
	expect_fail(t, RUN(t, NULL, SCSI_GET_CONFIGURATION, 3, 0, 0, 0, 0, 0, 1, 0, 0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);
}

static void test_cdrom_events(void **state)
{
	struct t *t = t_new(SCSI_TYPE_CDROM, 100, true);
	struct scsi_medium m = { &mem_ops, &t->mem, 100, true };

	/* Nothing happened: media class, no event, present. */
	assert_int_equal(RUN(t, NULL, SCSI_GET_EVENT_STATUS_NOTIFICATION, 1, 0, 0, 0x10, 0, 0, 0,
			     8, 0),
			 SCSI_STATUS_GOOD);
	assert_memory_equal(t->data, "\x00\x06\x04\x10\x00\x02\x00\x00", 8);
	/* Removed, then inserted: each reported once, even with a UNIT
	 * ATTENTION pending. */
	scsi_medium_remove(&t->lun, false);
	RUN(t, NULL, SCSI_GET_EVENT_STATUS_NOTIFICATION, 1, 0, 0, 0x10, 0, 0, 0, 8, 0);
	assert_int_equal(t->data[4], SCSI_MEDIA_EVENT_REMOVAL);
	assert_int_equal(t->data[5], 0);
	scsi_medium_insert(&t->lun, &m);
	assert_int_equal(RUN(t, NULL, SCSI_GET_EVENT_STATUS_NOTIFICATION, 1, 0, 0, 0x10, 0, 0, 0,
			     8, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->data[4], SCSI_MEDIA_EVENT_NEW_MEDIA);
	assert_int_equal(t->data[5], 0x02);
	RUN(t, NULL, SCSI_GET_EVENT_STATUS_NOTIFICATION, 1, 0, 0, 0x10, 0, 0, 0, 8, 0);
	assert_int_equal(t->data[4], SCSI_MEDIA_EVENT_NONE);
	assert_true(t->lun.unit_attention);
	/* The host's eject: tray open. */
	RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	RUN(t, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x02, 0);
	RUN(t, NULL, SCSI_GET_EVENT_STATUS_NOTIFICATION, 1, 0, 0, 0x10, 0, 0, 0, 8, 0);
	assert_int_equal(t->data[4], SCSI_MEDIA_EVENT_REMOVAL);
	assert_int_equal(t->data[5], 0x01);
	/* Classes we do not have: NEA. Asynchronous: refused. */
	assert_int_equal(RUN(t, NULL, SCSI_GET_EVENT_STATUS_NOTIFICATION, 1, 0, 0, 0x40, 0, 0, 0,
			     8, 0),
			 SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 4);
	assert_memory_equal(t->data, "\x00\x02\x80\x10", 4);
	expect_fail(t, RUN(t, NULL, SCSI_GET_EVENT_STATUS_NOTIFICATION, 0, 0, 0, 0x10, 0, 0, 0, 8,
			   0),
		    SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	t_free(t);
}

/*
 * Random CDBs of random lengths against a small medium: whatever they
 * say, nothing outside the medium reaches the backend, replies fit their
 * buffer, and the status is one of the two. Valgrind checks the rest.
 */
static void test_random_cdbs(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 16, false);
	struct t *cd = t_new(SCSI_TYPE_CDROM, 8, true);
	uint32_t x = 0x12345678;
	uint8_t cdb[16], out[8192] = { 0 };
	unsigned int i, j;

	for (i = 0; i < 200000; i++) {
		struct t *u = i & 1 ? cd : t;
		size_t len;

		for (j = 0; j < 16; j++) {
			x = x * 1103515245 + 12345;
			cdb[j] = (uint8_t)(x >> 16);
		}
		/* Mostly known opcodes, small lengths, so that the checks run. */
		if (i % 3 == 0)
			cdb[0] = (uint8_t[]){ 0x00, 0x03, 0x08, 0x0a, 0x12, 0x1a, 0x1b, 0x1e, 0x23,
					      0x25, 0x28, 0x2a, 0x2f, 0x35, 0x43, 0x46, 0x4a, 0x5a,
					      0x88, 0x8a, 0x8f, 0x91, 0x9e, 0xa0, 0xa8, 0xaa }[i % 26];
		if (i % 5 == 0)
			cdb[7] = cdb[8] = cdb[12] = cdb[13] = 0;
		len = (x >> 8) % 17;
		scsi_cmd_start(&u->lun, &u->cmd, cdb, len);
		assert_true(u->cmd.status == SCSI_STATUS_GOOD ||
			    u->cmd.status == SCSI_STATUS_CHECK_CONDITION);
		if (u->cmd.dir == SCSI_DIR_NONE)
			assert_int_equal(u->cmd.length, 0);
		if (u->cmd.length && u->cmd.length <= sizeof(out)) {
			if (u->cmd.dir == SCSI_DIR_IN)
				scsi_cmd_read(&u->lun, &u->cmd, out, (size_t)u->cmd.length);
			else
				scsi_cmd_write(&u->lun, &u->cmd, out, (size_t)u->cmd.length);
		}
		scsi_cmd_finish(&u->lun, &u->cmd);
		if (u->lun.state != SCSI_MEDIUM_PRESENT) {
			struct scsi_medium m = { &mem_ops, &u->mem, u == t ? 16 : 8, u == cd };

			scsi_medium_remove(&u->lun, true);
			scsi_medium_insert(&u->lun, &m);
		}
	}
	t_free(t);
	t_free(cd);
}

/* medium-error: the blocks fail before any data moves, the LBA in the sense. */
static void test_fault_medium_error(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 64, false);
	uint8_t out[4 * 512], before[64 * 512];
	unsigned int writes;

	memcpy(before, t->mem.data, sizeof(before));
	memset(out, 0xee, sizeof(out));
	t->lun.bad_dirs = SCSI_BAD_READ;
	t->lun.bad_first = 10;
	t->lun.bad_last = 12;
	/* around the range: fine */
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 9, 0, 0, 1, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->dlen, 512);
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 13, 0, 0, 1, 0), SCSI_STATUS_GOOD);
	/* one block of it, and a read that runs into it: the first bad LBA */
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 11, 0, 0, 1, 0),
			 SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(t->cmd.dir, SCSI_DIR_NONE);
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[0], 0xf0); /* VALID, current, fixed */
	assert_int_equal(t->data[2], SCSI_SENSE_MEDIUM_ERROR);
	assert_int_equal(be32(t->data + 3), 11);
	assert_int_equal(t->data[12] << 8 | t->data[13], SCSI_ASC_UNRECOVERED_READ_ERROR);
	assert_int_equal(RUN(t, NULL, SCSI_READ_16, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0),
			 SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0), SCSI_STATUS_GOOD);
	assert_int_equal(be32(t->data + 3), 10);
	/* reported: the next sense has no information */
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[0], 0x70);
	assert_int_equal(be32(t->data + 3), 0);
	/* read only: writes there go through */
	assert_int_equal(RUN(t, out, SCSI_WRITE_10, 0, 0, 0, 0, 10, 0, 0, 1, 0), SCSI_STATUS_GOOD);
	memcpy(before + 10 * 512, out, 512);

	/* write (and both): nothing reaches the medium */
	t->lun.bad_dirs = SCSI_BAD_WRITE;
	writes = t->mem.writes;
	assert_int_equal(RUN(t, out, SCSI_WRITE_10, 0, 0, 0, 0, 9, 0, 0, 4, 0),
			 SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(t->cmd.dir, SCSI_DIR_NONE);
	assert_int_equal(t->mem.writes, writes);
	assert_memory_equal(t->mem.data, before, sizeof(before));
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[2], SCSI_SENSE_MEDIUM_ERROR);
	assert_int_equal(be32(t->data + 3), 10);
	assert_int_equal(t->data[12] << 8 | t->data[13], SCSI_ASC_WRITE_ERROR);
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 11, 0, 0, 1, 0), SCSI_STATUS_GOOD);
	t->lun.bad_dirs = SCSI_BAD_READ | SCSI_BAD_WRITE;
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 12, 0, 0, 1, 0),
			 SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(RUN(t, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0), SCSI_STATUS_GOOD);
	assert_int_equal(t->data[2], SCSI_SENSE_MEDIUM_ERROR);
	assert_int_equal(be32(t->data + 3), 12);
	t->lun.bad_dirs = 0;
	assert_int_equal(RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 12, 0, 0, 1, 0), SCSI_STATUS_GOOD);
	t_free(t);
}

static void test_fault_not_ready(void **state)
{
	struct t *t = t_new(SCSI_TYPE_DISK, 64, false);

	t->lun.not_ready = true;
	expect_fail(t, RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_SENSE_NOT_READY,
		    SCSI_ASC_NOT_READY);
	expect_fail(t, RUN(t, NULL, SCSI_READ_10, 0, 0, 0, 0, 1, 0, 0, 1, 0), SCSI_SENSE_NOT_READY,
		    SCSI_ASC_NOT_READY);
	assert_int_equal(RUN(t, NULL, SCSI_INQUIRY, 0, 0, 0, 36, 0), SCSI_STATUS_GOOD);
	t->lun.not_ready = false;
	assert_int_equal(RUN(t, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	t_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inquiry),
		cmocka_unit_test(test_inquiry_vpd),
		cmocka_unit_test(test_ident_sanitized),
		cmocka_unit_test(test_test_unit_ready_and_attention),
		cmocka_unit_test(test_request_sense),
		cmocka_unit_test(test_invalid_opcodes),
		cmocka_unit_test(test_read_capacity),
		cmocka_unit_test(test_read_capacity_over_2tib),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_lba_out_of_range),
		cmocka_unit_test(test_write_protect),
		cmocka_unit_test(test_backend_errors),
		cmocka_unit_test(test_file_moves),
		cmocka_unit_test(test_synchronize_cache),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_mode_sense),
		cmocka_unit_test(test_start_stop_and_prevent),
		cmocka_unit_test(test_read_format_capacities),
		cmocka_unit_test(test_report_luns),
		cmocka_unit_test(test_medium_gone_mid_transfer),
		cmocka_unit_test(test_cdrom_basics),
		cmocka_unit_test(test_cdrom_read_toc),
		cmocka_unit_test(test_cdrom_get_configuration),
		cmocka_unit_test(test_cdrom_events),
		cmocka_unit_test(test_random_cdbs),
		cmocka_unit_test(test_fault_medium_error),
		cmocka_unit_test(test_fault_not_ready),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
