// SPDX-License-Identifier: MIT
/*
 * The SCSI commands that describe the unit rather than move its data:
 * the capacity (READ CAPACITY, READ FORMAT CAPACITIES), INQUIRY and its
 * VPD pages, REQUEST SENSE, MODE SENSE and its pages. scsi.c checks the
 * CDB's length and the pending UNIT ATTENTION before they run.
 *
 * References: SPC-4 (INQUIRY, REQUEST SENSE, MODE SENSE), SBC-3 (READ
 * CAPACITY), MMC-5 (the capabilities mode page).
 */
#include <string.h>

#include "src/base/bytes.h"
#include "src/storage/scsi-private.h"

/* ---- capacity ---- */

void scsi_read_capacity_10(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	uint64_t last;

	/* PMI is obsolete; with it clear the LBA must be zero (SBC-3 5.15). */
	if (!(cdb[8] & 0x01) && get_be32(cdb + 2)) {
		scsi_invalid_field(lun, cmd);
		return;
	}
	if (!scsi_need_medium(lun, cmd))
		return;
	last = lun->medium.nblocks - 1;
	/* Larger: the host must ask READ CAPACITY(16). */
	put_be32(cmd->reply, last > 0xfffffffe ? 0xffffffff : (uint32_t)last);
	put_be32(cmd->reply + 4, lun->block_size);
	scsi_reply(cmd, 8, 8);
}

void scsi_service_action_in(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	if ((cdb[1] & 0x1f) != SCSI_SAI_READ_CAPACITY_16) {
		scsi_invalid_field(lun, cmd);
		return;
	}
	if (!scsi_need_medium(lun, cmd))
		return;
	memset(cmd->reply, 0, 32);
	put_be64(cmd->reply, lun->medium.nblocks - 1);
	put_be32(cmd->reply + 8, lun->block_size);
	scsi_reply(cmd, 32, get_be32(cdb + 10));
}

void scsi_read_format_capacities(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	uint8_t *r = cmd->reply;
	uint64_t n = lun->state == SCSI_MEDIUM_PRESENT ? lun->medium.nblocks : 0;

	memset(r, 0, 12);
	r[3] = 8; /* capacity list length: one descriptor */
	put_be32(r + 4, n > 0xffffffff ? 0xffffffff : (uint32_t)n);
	r[8] = lun->state == SCSI_MEDIUM_PRESENT ? 0x02 /* formatted */ : 0x03 /* no medium */;
	r[9] = (uint8_t)(lun->block_size >> 16);
	r[10] = (uint8_t)(lun->block_size >> 8);
	r[11] = (uint8_t)lun->block_size;
	scsi_reply(cmd, 12, get_be16(cdb + 7));
}

/* ---- INQUIRY ---- */

static size_t vpd_page(struct scsi_lun *lun, uint8_t page, uint8_t *r)
{
	size_t slen = strlen(lun->serial), n;

	r[0] = (uint8_t)lun->type;
	r[1] = page;
	r[2] = 0;
	switch (page) {
	case 0x00: /* supported pages */
		r[3] = 3;
		r[4] = 0x00;
		r[5] = 0x80;
		r[6] = 0x83;
		return 7;
	case 0x80: /* unit serial number */
		r[3] = (uint8_t)slen;
		memcpy(r + 4, lun->serial, slen);
		return 4 + slen;
	case 0x83: /* device identification: one T10 vendor ID designator */
		n = 8 + slen;
		r[4] = 0x02; /* code set: ASCII */
		r[5] = 0x01; /* associated with the LU, type T10 vendor ID */
		r[6] = 0;
		r[7] = (uint8_t)n;
		memcpy(r + 8, lun->vendor, 8);
		memcpy(r + 16, lun->serial, slen);
		put_be16(r + 2, (uint16_t)(4 + n));
		return 8 + n;
	default:
		return 0;
	}
}

void scsi_inquiry(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	uint32_t alloc = get_be16(cdb + 3);
	uint8_t *r = cmd->reply;
	size_t n;

	if (cdb[1] & 0x02) { /* CMDDT, obsolete */
		scsi_invalid_field(lun, cmd);
		return;
	}
	if (cdb[1] & 0x01) {
		n = vpd_page(lun, cdb[2], r);
		if (!n)
			scsi_invalid_field(lun, cmd);
		else
			scsi_reply(cmd, n, alloc);
		return;
	}
	if (cdb[2]) {
		scsi_invalid_field(lun, cmd);
		return;
	}
	memset(r, 0, 36);
	r[0] = (uint8_t)lun->type;
	r[1] = 0x80; /* RMB: removable medium */
	r[2] = 0x06; /* SPC-4 */
	r[3] = 0x02; /* response data format 2 */
	r[4] = 36 - 5; /* additional length */
	memcpy(r + 8, lun->vendor, 8);
	memcpy(r + 16, lun->product, 16);
	memcpy(r + 32, lun->revision, 4);
	scsi_reply(cmd, 36, alloc);
}

/* ---- REQUEST SENSE ---- */

void scsi_request_sense(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	if (cdb[1] & 0x01) { /* DESC: descriptor format is not supported */
		scsi_invalid_field(lun, cmd);
		return;
	}
	if (lun->sense_key == SCSI_SENSE_NO_SENSE && lun->unit_attention) {
		lun->sense_key = SCSI_SENSE_UNIT_ATTENTION;
		lun->asc = SCSI_ASC_MEDIUM_CHANGED;
		lun->unit_attention = false;
	}
	scsi_sense_bytes(lun, cmd->reply);
	/* Reported: gone (SPC-4 5.10). */
	lun->sense_key = SCSI_SENSE_NO_SENSE;
	lun->asc = SCSI_ASC_NONE;
	lun->info_valid = false;
	scsi_reply(cmd, SCSI_SENSE_SIZE, cdb[4]);
}

/* ---- MODE SENSE ---- */

static size_t mode_page(struct scsi_lun *lun, uint8_t page, bool changeable, uint8_t *p)
{
	if (page == MODE_PAGE_CACHING && lun->type == SCSI_TYPE_DISK) {
		memset(p, 0, 20);
		p[0] = MODE_PAGE_CACHING;
		p[1] = 18;
		/* WCE: writes land in the page cache, so Linux sends
		 * SYNCHRONIZE CACHE when it needs them durable. Nothing
		 * here is changeable. */
		if (!changeable)
			p[2] = 0x04;
		return 20;
	}
	if (page == MODE_PAGE_CAPABILITIES && lun->type == SCSI_TYPE_CDROM) {
		memset(p, 0, 22);
		p[0] = MODE_PAGE_CAPABILITIES;
		p[1] = 20;
		if (changeable)
			return 22;
		/* Reads CD-ROM only; no audio, no writing. */
		p[6] = MMC_MECH_TRAY_EJECT_LOCK | (lun->prevent ? 0x02 : 0);
		put_be16(p + 8, 7056); /* maximum read speed, kB/s (40x) */
		put_be16(p + 14, 7056); /* current read speed */
		return 22;
	}
	return 0;
}

void scsi_mode_sense(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	bool ten = cdb[0] == SCSI_MODE_SENSE_10;
	uint8_t pc = cdb[2] >> 6, page = cdb[2] & 0x3f, subpage = cdb[3];
	size_t hlen = ten ? 8 : 4, len = hlen;
	uint8_t *r = cmd->reply;
	uint8_t dev_specific = 0;
	uint32_t alloc = ten ? get_be16(cdb + 7) : cdb[4];

	if (pc == MODE_PC_SAVED) {
		scsi_fail(lun, cmd, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_SAVING_NOT_SUPPORTED);
		return;
	}
	memset(r, 0, hlen);
	if (page == MODE_PAGE_ALL) {
		if (subpage != 0x00 && subpage != 0xff) {
			scsi_invalid_field(lun, cmd);
			return;
		}
		len += mode_page(lun, MODE_PAGE_CACHING, pc == 1, r + len);
		len += mode_page(lun, MODE_PAGE_CAPABILITIES, pc == 1, r + len);
	} else {
		size_t n = subpage ? 0 : mode_page(lun, page, pc == 1, r + len);

		if (!n) {
			scsi_invalid_field(lun, cmd);
			return;
		}
		len += n;
	}
	/* Disks say write-protected here (SBC-3 6.4.1); for MMC it is reserved. */
	if (lun->type == SCSI_TYPE_DISK && lun->state == SCSI_MEDIUM_PRESENT &&
	    lun->medium.readonly)
		dev_specific = 0x80;
	/* No block descriptors, DBD or not: allowed, and Linux needs none. */
	if (ten) {
		put_be16(r, (uint16_t)(len - 2));
		r[3] = dev_specific;
	} else {
		r[0] = (uint8_t)(len - 1);
		r[2] = dev_specific;
	}
	scsi_reply(cmd, len, alloc);
}
