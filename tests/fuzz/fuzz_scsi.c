// SPDX-License-Identifier: MIT
/*
 * SCSI (src/storage/scsi.c) by itself: any sequence of CDBs, each with its data
 * phase moved in chunks of any size and perhaps cut short, as the
 * bulk-only transport may do, over a backend that fails reads, writes or
 * flushes when the input says so (EIO, ENOSPC). Media come and go in
 * between. Checked: the backend is never asked for bytes outside the
 * medium, the data phase stays within the length the command announced,
 * the status is GOOD or CHECK CONDITION, and the sense data is well
 * formed.
 *
 * Input: type and medium (flags u8, size u8 or u64), then operations:
 *	0..5   a command: cdb_len u8, CDB, fault u8, chunk u16, cut u8,
 *	       OUT data as needed
 *	6      remove the medium (force: next byte odd)
 *	7      insert the medium again
 */
#include <errno.h>
#include <string.h>

#include "src/storage/scsi.h"
#include "tests/fuzz/fuzz.h"

#define MEM_SIZE (1u << 20)

struct backend {
	uint64_t size; /* bytes of the medium */
	uint8_t fault; /* 1: reads fail, 2: writes fail (ENOSPC), 4: flushes fail */
	uint8_t mem[MEM_SIZE];
};

static struct backend be;

static void check_range(size_t len, uint64_t off)
{
	FUZZ_CHECK(off <= be.size && len <= be.size - off,
		   "backend access of %zu bytes at %llu beyond the medium's %llu", len,
		   (unsigned long long)off, (unsigned long long)be.size);
}

static int be_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	check_range(len, off);
	if (be.fault & 1)
		return -EIO;
	/* Past our memory the medium reads as zeros (a sparse image). */
	memset(buf, 0, len);
	if (off < MEM_SIZE)
		memcpy(buf, be.mem + off, len < MEM_SIZE - off ? len : MEM_SIZE - off);
	return 0;
}

static int be_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
	check_range(len, off);
	if (be.fault & 2)
		return -ENOSPC;
	if (off < MEM_SIZE)
		memcpy(be.mem + off, buf, len < MEM_SIZE - off ? len : MEM_SIZE - off);
	return 0;
}

static int be_flush(void *ctx)
{
	return be.fault & 4 ? -EIO : 0;
}

static const struct scsi_backend_ops be_ops = {
	.read = be_read,
	.write = be_write,
	.flush = be_flush,
};

static void command(struct scsi_lun *lun, struct fuzz_in *in)
{
	static uint8_t buf[65536];
	uint8_t cdb[SCSI_CDB_MAX], sense[SCSI_SENSE_SIZE], status;
	struct scsi_cmd cmd;
	size_t cdb_len = fuzz_u8(in) % (SCSI_CDB_MAX + 1), i, chunk, n;
	unsigned int cut, chunks = 0;
	int r = 0;

	for (i = 0; i < cdb_len; i++)
		cdb[i] = fuzz_u8(in);
	be.fault = fuzz_u8(in);
	chunk = fuzz_u16(in) % sizeof(buf) + 1;
	cut = fuzz_u8(in);
	memset(&cmd, 0, sizeof(cmd));
	scsi_cmd_start(lun, &cmd, cdb, cdb_len);
	FUZZ_CHECK(cmd.dir == SCSI_DIR_NONE || cmd.dir == SCSI_DIR_IN || cmd.dir == SCSI_DIR_OUT,
		   "direction %d", cmd.dir);
	FUZZ_CHECK(cmd.dir != SCSI_DIR_NONE || cmd.length == 0, "length %llu without data",
		   (unsigned long long)cmd.length);
	/* The transport moves the data phase in chunks, and may stop early
	 * (a short transfer from the host): cut says after how many. */
	while (cmd.dir != SCSI_DIR_NONE && cmd.done < cmd.length && r == 0 &&
	       (cut == 0 || chunks < cut)) {
		uint64_t before = cmd.done;

		n = chunk;
		if (n > cmd.length - cmd.done)
			n = (size_t)(cmd.length - cmd.done);
		if (cmd.dir == SCSI_DIR_IN) {
			r = scsi_cmd_read(lun, &cmd, buf, n);
		} else {
			const uint8_t *d = fuzz_bytes(in, n, &i);

			memcpy(buf, d, i);
			memset(buf + i, 0, n - i);
			r = scsi_cmd_write(lun, &cmd, buf, n);
		}
		FUZZ_CHECK(r <= 0, "data phase returned %d", r);
		FUZZ_CHECK(cmd.done <= cmd.length, "moved %llu of %llu", (unsigned long long)cmd.done,
			   (unsigned long long)cmd.length);
		if (r == 0)
			FUZZ_CHECK(cmd.done == before + n, "a chunk of %zu moved %llu", n,
				   (unsigned long long)(cmd.done - before));
		chunks++;
		/* A long READ of zeros teaches the fuzzer nothing more. */
		if (chunks > 64)
			break;
	}
	status = scsi_cmd_finish(lun, &cmd);
	FUZZ_CHECK(status == SCSI_STATUS_GOOD || status == SCSI_STATUS_CHECK_CONDITION, "status %#x",
		   status);
	scsi_sense_bytes(lun, sense);
	FUZZ_CHECK(sense[0] == 0x70 || sense[0] == 0x71, "sense response code %#x", sense[0]);
	FUZZ_CHECK((sense[2] & 0x0f) == lun->sense_key, "sense key");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct scsi_medium medium = { .ops = &be_ops, .ctx = &be };
	struct scsi_lun lun;
	uint8_t flags = fuzz_u8(&in);
	uint64_t nblocks;

	scsi_lun_init(&lun, flags & 1 ? SCSI_TYPE_CDROM : SCSI_TYPE_DISK);
	scsi_lun_set_ident(&lun, "fuzz", "Fuzz Disk", "0.1", "0123456789abcdef");
	/* A small medium mostly; sometimes one as large as a disk can be. */
	if (flags & 2)
		nblocks = (fuzz_u32(&in) | (uint64_t)fuzz_u32(&in) << 32) % (1ull << 52) + 1;
	else
		nblocks = fuzz_u8(&in) + 1u;
	medium.nblocks = nblocks;
	medium.readonly = flags & 4;
	be.size = nblocks * lun.block_size;
	if (!(flags & 8))
		scsi_medium_insert(&lun, &medium);

	while (!fuzz_empty(&in)) {
		uint8_t op = fuzz_u8(&in) % 8;

		if (op < 6)
			command(&lun, &in);
		else if (op == 6)
			scsi_medium_remove(&lun, fuzz_u8(&in) & 1);
		else if (lun.state != SCSI_MEDIUM_PRESENT)
			scsi_medium_insert(&lun, &medium);
	}
	return 0;
}
