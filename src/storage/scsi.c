// SPDX-License-Identifier: MIT
/*
 * SCSI commands for one logical unit: the unit and its medium, a CDB
 * checked and dispatched, the commands that move or flush data and load
 * or eject the medium, and the data phase. The commands that describe the
 * unit are in scsi-info.c, the MMC ones a CD-ROM drive adds in mmc.c.
 * Every field of a CDB is checked before it is used; every LBA range is
 * checked against the medium before the backend sees it, so no command
 * reaches outside the image.
 *
 * References: SPC-4 (REPORT LUNS, sense data), SBC-3 (READ/WRITE,
 * SYNCHRONIZE CACHE, VERIFY, START STOP UNIT), and what Linux's sd, sr
 * and usb-storage ask.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "src/base/bytes.h"
#include "src/storage/scsi-private.h"

static void set_field(char *dst, size_t width, const char *src)
{
	size_t i;

	for (i = 0; i < width; i++) {
		char c = src && *src ? *src++ : ' ';

		dst[i] = c >= 0x20 && c < 0x7f ? c : '_';
	}
	dst[width] = '\0';
}

void scsi_lun_init(struct scsi_lun *lun, enum scsi_type type)
{
	memset(lun, 0, sizeof(*lun));
	lun->type = type;
	lun->block_size = type == SCSI_TYPE_CDROM ? CD_BLOCK_SIZE : DISK_BLOCK_SIZE;
	set_field(lun->vendor, 8, "vusb");
	set_field(lun->product, 16, type == SCSI_TYPE_CDROM ? "Virtual CD-ROM" : "Virtual Disk");
	set_field(lun->revision, 4, "1.00");
	lun->state = SCSI_MEDIUM_NONE;
}

void scsi_lun_set_ident(struct scsi_lun *lun, const char *vendor, const char *product,
			const char *revision, const char *serial)
{
	size_t i;

	if (vendor)
		set_field(lun->vendor, 8, vendor);
	if (product)
		set_field(lun->product, 16, product);
	if (revision)
		set_field(lun->revision, 4, revision);
	if (serial) {
		for (i = 0; i < SCSI_SERIAL_MAX && serial[i]; i++)
			lun->serial[i] = serial[i] > 0x20 && serial[i] < 0x7f ? serial[i] : '_';
		lun->serial[i] = '\0';
	}
}

void scsi_medium_insert(struct scsi_lun *lun, const struct scsi_medium *medium)
{
	assert(medium->nblocks > 0 && medium->ops);
	lun->medium = *medium;
	lun->state = SCSI_MEDIUM_PRESENT;
	lun->unit_attention = true;
	lun->media_event = SCSI_MEDIA_EVENT_NEW_MEDIA;
	lun->flush_error = 0;
}

int scsi_medium_remove(struct scsi_lun *lun, bool force)
{
	if (lun->state == SCSI_MEDIUM_PRESENT && lun->prevent && !force)
		return -EBUSY;
	if (lun->state != SCSI_MEDIUM_NONE)
		lun->media_event = SCSI_MEDIA_EVENT_REMOVAL;
	memset(&lun->medium, 0, sizeof(lun->medium));
	lun->state = SCSI_MEDIUM_NONE;
	lun->unit_attention = false;
	lun->prevent = false;
	lun->flush_error = 0;
	return 0;
}

void scsi_sense_bytes(const struct scsi_lun *lun, uint8_t out[SCSI_SENSE_SIZE])
{
	memset(out, 0, SCSI_SENSE_SIZE);
	out[0] = 0x70; /* current error, fixed format */
	out[2] = lun->sense_key;
	out[7] = SCSI_SENSE_SIZE - 8; /* additional sense length */
	out[12] = (uint8_t)(lun->asc >> 8);
	out[13] = (uint8_t)lun->asc;
	if (lun->info_valid) {
		out[0] |= 0x80; /* VALID: the information field means something */
		put_be32(out + 3, lun->info);
	}
}

void scsi_fail(struct scsi_lun *lun, struct scsi_cmd *cmd, uint8_t key, uint16_t asc)
{
	lun->sense_key = key;
	lun->asc = asc;
	cmd->status = SCSI_STATUS_CHECK_CONDITION;
	cmd->dir = SCSI_DIR_NONE;
	cmd->length = 0;
	cmd->media = false;
}

void scsi_invalid_field(struct scsi_lun *lun, struct scsi_cmd *cmd)
{
	scsi_fail(lun, cmd, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
}

/* An IN reply of `len` bytes prepared in cmd->reply, cut to what the
 * host allocated. */
void scsi_reply(struct scsi_cmd *cmd, size_t len, uint32_t alloc)
{
	assert(len <= SCSI_REPLY_MAX);
	cmd->dir = SCSI_DIR_IN;
	cmd->length = len < alloc ? len : alloc;
	if (cmd->length == 0)
		cmd->dir = SCSI_DIR_NONE;
}

/* Commands that need a medium fail without one. */
bool scsi_need_medium(struct scsi_lun *lun, struct scsi_cmd *cmd)
{
	if (lun->state == SCSI_MEDIUM_PRESENT && lun->not_ready) {
		scsi_fail(lun, cmd, SCSI_SENSE_NOT_READY, SCSI_ASC_NOT_READY);
		return false;
	}
	if (lun->state == SCSI_MEDIUM_PRESENT)
		return true;
	scsi_fail(lun, cmd, SCSI_SENSE_NOT_READY,
		  lun->state == SCSI_MEDIUM_EJECTED ? SCSI_ASC_MEDIUM_NOT_PRESENT_TRAY_OPEN :
						      SCSI_ASC_MEDIUM_NOT_PRESENT);
	return false;
}

/* Is [lba, lba + n) on the medium? Fails the command if not. */
static bool check_range(struct scsi_lun *lun, struct scsi_cmd *cmd, uint64_t lba, uint64_t n)
{
	if (lba > lun->medium.nblocks || n > lun->medium.nblocks - lba) {
		scsi_fail(lun, cmd, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
		return false;
	}
	return true;
}

static void flush_medium(struct scsi_lun *lun, struct scsi_cmd *cmd)
{
	int r;

	if (lun->flush_error) {
		scsi_fail(lun, cmd, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
		return;
	}
	r = lun->medium.ops->flush ? lun->medium.ops->flush(lun->medium.ctx) : 0;
	if (r < 0) {
		lun->flush_error = r;
		scsi_fail(lun, cmd, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	}
}

/* ---- READ / WRITE / VERIFY / SYNCHRONIZE CACHE ---- */

static void rw(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	bool write = false;
	uint64_t lba, n;
	uint8_t protect = 0;

	switch (cdb[0]) {
	case SCSI_WRITE_6:
		write = true;
		/* fall through */
	case SCSI_READ_6:
		lba = (uint64_t)(cdb[1] & 0x1f) << 16 | get_be16(cdb + 2);
		n = cdb[4] ? cdb[4] : 256; /* SBC-3 5.7: 0 means 256 */
		break;
	case SCSI_WRITE_10:
		write = true;
		/* fall through */
	case SCSI_READ_10:
		lba = get_be32(cdb + 2);
		n = get_be16(cdb + 7);
		protect = cdb[1] >> 5;
		cmd->fua = cdb[1] & 0x08;
		break;
	case SCSI_WRITE_12:
		write = true;
		/* fall through */
	case SCSI_READ_12:
		lba = get_be32(cdb + 2);
		n = get_be32(cdb + 6);
		protect = cdb[1] >> 5;
		cmd->fua = cdb[1] & 0x08;
		break;
	case SCSI_WRITE_16:
		write = true;
		/* fall through */
	default: /* SCSI_READ_16 */
		lba = get_be64(cdb + 2);
		n = get_be32(cdb + 10);
		protect = cdb[1] >> 5;
		cmd->fua = cdb[1] & 0x08;
		break;
	}
	/* No protection information on this medium (SBC-3 4.18). */
	if (protect) {
		scsi_invalid_field(lun, cmd);
		return;
	}
	if (!scsi_need_medium(lun, cmd) || !check_range(lun, cmd, lba, n))
		return;
	if (write && lun->medium.readonly) {
		scsi_fail(lun, cmd, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
		return;
	}
	if (n == 0)
		return; /* no transfer, not an error */
	if ((lun->bad_dirs & (write ? SCSI_BAD_WRITE : SCSI_BAD_READ)) && lba <= lun->bad_last &&
	    lba + n - 1 >= lun->bad_first) {
		uint64_t bad = lba > lun->bad_first ? lba : lun->bad_first;

		/* Before any data moves: an injected write error writes
		 * nothing; the host learns which block failed from the
		 * information field (SPC-4 4.5.3), as from a real disk. */
		scsi_fail(lun, cmd, SCSI_SENSE_MEDIUM_ERROR,
			  write ? SCSI_ASC_WRITE_ERROR : SCSI_ASC_UNRECOVERED_READ_ERROR);
		if (bad <= UINT32_MAX) {
			lun->info_valid = true;
			lun->info = (uint32_t)bad;
		}
		return;
	}
	cmd->media = true;
	cmd->dir = write ? SCSI_DIR_OUT : SCSI_DIR_IN;
	cmd->offset = lba * lun->block_size;
	cmd->length = n * lun->block_size;
}

static void verify(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	bool v16 = cdb[0] == SCSI_VERIFY_16;
	uint64_t lba = v16 ? get_be64(cdb + 2) : get_be32(cdb + 2);
	uint64_t n = v16 ? get_be32(cdb + 10) : get_be16(cdb + 7);

	/* VRPROTECT, and BYTCHK: comparing data the host sends is not supported. */
	if ((cdb[1] >> 5) || (cdb[1] & 0x06)) {
		scsi_invalid_field(lun, cmd);
		return;
	}
	if (scsi_need_medium(lun, cmd))
		check_range(lun, cmd, lba, n);
}

static void synchronize_cache(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	bool s16 = cdb[0] == SCSI_SYNCHRONIZE_CACHE_16;
	uint64_t lba = s16 ? get_be64(cdb + 2) : get_be32(cdb + 2);
	uint64_t n = s16 ? get_be32(cdb + 10) : get_be16(cdb + 7);

	if (!scsi_need_medium(lun, cmd) || !check_range(lun, cmd, lba, n))
		return;
	/* Whole-file fdatasync whatever the range; answered only after
	 * it returned, IMMED or not. */
	flush_medium(lun, cmd);
}

/* ---- START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL ---- */

static void start_stop_unit(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	bool loej = cdb[4] & 0x02, start = cdb[4] & 0x01;

	/* A power condition makes LOEJ and START be ignored (SBC-3 5.25);
	 * without LOEJ there is no motor to start or stop. */
	if ((cdb[4] >> 4) || !loej)
		return;
	if (start) {
		/* Load: the medium the host ejected comes back. */
		if (lun->state == SCSI_MEDIUM_EJECTED) {
			lun->state = SCSI_MEDIUM_PRESENT;
			lun->unit_attention = true;
			lun->media_event = SCSI_MEDIA_EVENT_NEW_MEDIA;
		}
		return;
	}
	if (lun->state != SCSI_MEDIUM_PRESENT)
		return;
	if (lun->prevent) {
		scsi_fail(lun, cmd, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_MEDIUM_REMOVAL_PREVENTED);
		return;
	}
	/* Whatever the host wrote is on the medium before it goes. */
	flush_medium(lun, cmd);
	if (cmd->status != SCSI_STATUS_GOOD)
		return;
	lun->state = SCSI_MEDIUM_EJECTED;
	lun->media_event = SCSI_MEDIA_EVENT_REMOVAL;
}

/* ---- dispatch ---- */

static size_t cdb_length(uint8_t opcode)
{
	switch (opcode >> 5) {
	case 0:
		return 6;
	case 1:
	case 2:
		return 10;
	case 4:
		return 16;
	case 5:
		return 12;
	default:
		return 0; /* reserved and vendor groups: none of ours */
	}
}

/* Commands the host may send while a UNIT ATTENTION is pending
 * (SPC-4 5.14; MMC-5 for the event and configuration ones). */
static bool ignores_unit_attention(uint8_t opcode)
{
	switch (opcode) {
	case SCSI_INQUIRY:
	case SCSI_REQUEST_SENSE:
	case SCSI_REPORT_LUNS:
	case SCSI_GET_CONFIGURATION:
	case SCSI_GET_EVENT_STATUS_NOTIFICATION:
		return true;
	default:
		return false;
	}
}

static bool cdrom_only(uint8_t opcode)
{
	return opcode == SCSI_READ_TOC || opcode == SCSI_GET_CONFIGURATION ||
	       opcode == SCSI_GET_EVENT_STATUS_NOTIFICATION;
}

void scsi_cmd_start(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb,
		    size_t cdb_len)
{
	uint8_t op;
	size_t need;

	memset(cmd, 0, offsetof(struct scsi_cmd, reply));
	cmd->dir = SCSI_DIR_NONE;
	cmd->status = SCSI_STATUS_GOOD;
	if (!cdb_len) {
		scsi_fail(lun, cmd, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);
		return;
	}
	op = cmd->opcode = cdb[0];
	/* REQUEST SENSE reports the previous command's sense; every other
	 * command starts afresh. */
	if (op != SCSI_REQUEST_SENSE) {
		lun->sense_key = SCSI_SENSE_NO_SENSE;
		lun->asc = SCSI_ASC_NONE;
		lun->info_valid = false;
	}
	need = cdb_length(op);
	if (!need || (lun->type != SCSI_TYPE_CDROM && cdrom_only(op))) {
		scsi_fail(lun, cmd, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);
		return;
	}
	if (cdb_len < need) {
		scsi_invalid_field(lun, cmd);
		return;
	}
	if (lun->unit_attention && !ignores_unit_attention(op)) {
		lun->unit_attention = false;
		scsi_fail(lun, cmd, SCSI_SENSE_UNIT_ATTENTION, SCSI_ASC_MEDIUM_CHANGED);
		return;
	}

	switch (op) {
	case SCSI_TEST_UNIT_READY:
		scsi_need_medium(lun, cmd);
		break;
	case SCSI_REQUEST_SENSE:
		scsi_request_sense(lun, cmd, cdb);
		break;
	case SCSI_INQUIRY:
		scsi_inquiry(lun, cmd, cdb);
		break;
	case SCSI_MODE_SENSE_6:
	case SCSI_MODE_SENSE_10:
		scsi_mode_sense(lun, cmd, cdb);
		break;
	case SCSI_START_STOP_UNIT:
		start_stop_unit(lun, cmd, cdb);
		break;
	case SCSI_PREVENT_ALLOW_MEDIUM_REMOVAL:
		lun->prevent = cdb[4] & 0x01;
		break;
	case SCSI_READ_FORMAT_CAPACITIES:
		scsi_read_format_capacities(lun, cmd, cdb);
		break;
	case SCSI_READ_CAPACITY_10:
		scsi_read_capacity_10(lun, cmd, cdb);
		break;
	case SCSI_SERVICE_ACTION_IN_16:
		scsi_service_action_in(lun, cmd, cdb);
		break;
	case SCSI_READ_6:
	case SCSI_READ_10:
	case SCSI_READ_12:
	case SCSI_READ_16:
	case SCSI_WRITE_6:
	case SCSI_WRITE_10:
	case SCSI_WRITE_12:
	case SCSI_WRITE_16:
		rw(lun, cmd, cdb);
		break;
	case SCSI_VERIFY_10:
	case SCSI_VERIFY_16:
		verify(lun, cmd, cdb);
		break;
	case SCSI_SYNCHRONIZE_CACHE_10:
	case SCSI_SYNCHRONIZE_CACHE_16:
		synchronize_cache(lun, cmd, cdb);
		break;
	case SCSI_REPORT_LUNS:
		if (get_be32(cdb + 6) < 16 || cdb[2] > 2) {
			scsi_invalid_field(lun, cmd);
			break;
		}
		memset(cmd->reply, 0, 16);
		put_be32(cmd->reply, 8); /* one LUN: 0 */
		scsi_reply(cmd, 16, get_be32(cdb + 6));
		break;
	case SCSI_READ_TOC:
		scsi_read_toc(lun, cmd, cdb);
		break;
	case SCSI_GET_CONFIGURATION:
		scsi_get_configuration(lun, cmd, cdb);
		break;
	case SCSI_GET_EVENT_STATUS_NOTIFICATION:
		scsi_get_event_status(lun, cmd, cdb);
		break;
	default:
		scsi_fail(lun, cmd, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);
		break;
	}
}

/* The medium went away (ejected by the user) in the middle of a transfer. */
static bool still_present(struct scsi_lun *lun, struct scsi_cmd *cmd)
{
	if (lun->state == SCSI_MEDIUM_PRESENT)
		return true;
	lun->sense_key = SCSI_SENSE_NOT_READY;
	lun->asc = SCSI_ASC_MEDIUM_NOT_PRESENT;
	cmd->status = SCSI_STATUS_CHECK_CONDITION;
	return false;
}

int scsi_cmd_read(struct scsi_lun *lun, struct scsi_cmd *cmd, uint8_t *buf, size_t len)
{
	int r;

	assert(cmd->dir == SCSI_DIR_IN && len <= cmd->length - cmd->done);
	if (!cmd->media) {
		memcpy(buf, cmd->reply + cmd->done, len);
		cmd->done += len;
		return 0;
	}
	if (!still_present(lun, cmd))
		return -ENOMEDIUM;
	r = lun->medium.ops->read(lun->medium.ctx, buf, len, cmd->offset + cmd->done);
	if (r < 0) {
		lun->sense_key = SCSI_SENSE_MEDIUM_ERROR;
		lun->asc = SCSI_ASC_UNRECOVERED_READ_ERROR;
		cmd->status = SCSI_STATUS_CHECK_CONDITION;
		return r;
	}
	cmd->done += len;
	return 0;
}

/* For scsi_cmd_read_file() and scsi_cmd_write_file(). */
static int move_file(struct scsi_lun *lun, struct scsi_cmd *cmd, size_t len, bool write,
		     int (*move)(void *arg, int fd, uint64_t off, size_t len), void *arg)
{
	uint64_t off = cmd->offset + cmd->done;
	int fd, r;

	if (!cmd->media)
		return -EOPNOTSUPP;
	if (!still_present(lun, cmd))
		return -ENOMEDIUM;
	if (!lun->medium.ops->file)
		return -EOPNOTSUPP;
	fd = lun->medium.ops->file(lun->medium.ctx, off, len, write);
	if (fd < 0)
		return -EOPNOTSUPP;
	r = move(arg, fd, off, len);
	if (r == -EOPNOTSUPP)
		return r;
	if (r < 0) {
		/* As a backend error in scsi_cmd_read() or scsi_cmd_write(). */
		lun->sense_key = SCSI_SENSE_MEDIUM_ERROR;
		lun->asc = write ? SCSI_ASC_WRITE_ERROR : SCSI_ASC_UNRECOVERED_READ_ERROR;
		cmd->status = SCSI_STATUS_CHECK_CONDITION;
		return r;
	}
	cmd->done += len;
	return 0;
}

int scsi_cmd_read_file(struct scsi_lun *lun, struct scsi_cmd *cmd, size_t len,
		       int (*move)(void *arg, int fd, uint64_t off, size_t len), void *arg)
{
	assert(cmd->dir == SCSI_DIR_IN && len <= cmd->length - cmd->done);
	return move_file(lun, cmd, len, false, move, arg);
}

int scsi_cmd_write_file(struct scsi_lun *lun, struct scsi_cmd *cmd, size_t len,
			int (*move)(void *arg, int fd, uint64_t off, size_t len), void *arg)
{
	assert(cmd->dir == SCSI_DIR_OUT && cmd->media && len <= cmd->length - cmd->done);
	return move_file(lun, cmd, len, true, move, arg);
}

int scsi_cmd_write(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *buf, size_t len)
{
	int r;

	assert(cmd->dir == SCSI_DIR_OUT && cmd->media && len <= cmd->length - cmd->done);
	if (!still_present(lun, cmd))
		return -ENOMEDIUM;
	r = lun->medium.ops->write(lun->medium.ctx, buf, len, cmd->offset + cmd->done);
	if (r < 0) {
		/* EIO, ENOSPC: the host must hear of it, never a silent success. */
		lun->sense_key = SCSI_SENSE_MEDIUM_ERROR;
		lun->asc = SCSI_ASC_WRITE_ERROR;
		cmd->status = SCSI_STATUS_CHECK_CONDITION;
		return r;
	}
	cmd->done += len;
	return 0;
}

uint8_t scsi_cmd_finish(struct scsi_lun *lun, struct scsi_cmd *cmd)
{
	if (cmd->status == SCSI_STATUS_GOOD && cmd->media && cmd->dir == SCSI_DIR_OUT &&
	    cmd->fua && cmd->done && still_present(lun, cmd))
		flush_medium(lun, cmd);
	return cmd->status;
}
