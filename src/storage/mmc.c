// SPDX-License-Identifier: MIT
#include <string.h>

#include "src/base/bytes.h"
#include "src/storage/scsi-private.h"

/* ---- MMC: READ TOC, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION ---- */

/* LBA as MSF, 2 seconds of pre-gap included (MMC-5 6.26.3.2.3). */
static void put_address(uint8_t *p, uint64_t lba, bool msf)
{
	uint64_t f = lba + 150;
	uint64_t m = f / (60 * 75);

	if (!msf) {
		put_be32(p, (uint32_t)lba);
		return;
	}
	p[0] = 0;
	p[1] = m > 0xff ? 0xff : (uint8_t)m;
	p[2] = (uint8_t)(f / 75 % 60);
	p[3] = (uint8_t)(f % 75);
}

static size_t toc_descriptor(uint8_t *p, uint8_t track, uint64_t lba, bool msf)
{
	p[0] = 0;
	p[1] = TOC_CONTROL_DATA;
	p[2] = track;
	p[3] = 0;
	put_address(p + 4, lba, msf);
	return 8;
}

void scsi_read_toc(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	bool msf = cdb[1] & 0x02;
	uint8_t format = cdb[2] & 0x0f, track = cdb[6];
	uint8_t *r = cmd->reply;
	size_t len = 4;

	/* SFF-8020 hosts (Linux's sr for the session info) put the format
	 * in the top bits of the control byte. */
	if (!format)
		format = cdb[9] >> 6;
	if (!scsi_need_medium(lun, cmd))
		return;
	switch (format) {
	case 0: /* TOC: one data track, then the lead-out */
		if (track > 1 && track != TOC_LEADOUT) {
			scsi_invalid_field(lun, cmd);
			return;
		}
		if (track <= 1)
			len += toc_descriptor(r + len, 1, 0, msf);
		len += toc_descriptor(r + len, TOC_LEADOUT, lun->medium.nblocks, msf);
		break;
	case 1: /* session information: one session starting at track 1 */
		len += toc_descriptor(r + len, 1, 0, msf);
		break;
	default:
		scsi_invalid_field(lun, cmd);
		return;
	}
	put_be16(r, (uint16_t)(len - 2));
	r[2] = 1; /* first track or session */
	r[3] = 1; /* last */
	scsi_reply(cmd, len, get_be16(cdb + 7));
}

struct feature {
	uint16_t code;
	bool current;
};

static size_t put_feature(struct scsi_lun *lun, uint16_t code, bool current, uint8_t *p)
{
	size_t n = 4;

	put_be16(p, code);
	p[2] = current ? 0x01 : 0;
	switch (code) {
	case MMC_FEATURE_PROFILE_LIST:
		p[2] |= 0x02; /* persistent */
		put_be16(p + 4, MMC_PROFILE_CDROM);
		p[6] = lun->state == SCSI_MEDIUM_PRESENT;
		p[7] = 0;
		n += 4;
		break;
	case MMC_FEATURE_CORE:
		p[2] |= 0x08 | 0x02; /* version 2, persistent */
		put_be32(p + 4, MMC_INTERFACE_USB);
		p[8] = 0x01; /* DBE: device busy events */
		p[9] = p[10] = p[11] = 0;
		n += 8;
		break;
	case MMC_FEATURE_REMOVABLE:
		p[2] |= 0x02;
		p[4] = MMC_MECH_TRAY_EJECT_LOCK | (lun->prevent ? 0x02 : 0);
		p[5] = p[6] = p[7] = 0;
		n += 4;
		break;
	case MMC_FEATURE_RANDOM_READ:
		put_be32(p + 4, lun->block_size);
		put_be16(p + 8, 1); /* blocking */
		p[10] = p[11] = 0;
		n += 8;
		break;
	default: /* MMC_FEATURE_CD_READ */
		p[2] |= 0x08; /* version 2 */
		p[4] = p[5] = p[6] = p[7] = 0;
		n += 4;
		break;
	}
	p[3] = (uint8_t)(n - 4);
	return n;
}

void scsi_get_configuration(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	bool present = lun->state == SCSI_MEDIUM_PRESENT;
	const struct feature features[] = {
		{ MMC_FEATURE_PROFILE_LIST, true },
		{ MMC_FEATURE_CORE, true },
		{ MMC_FEATURE_REMOVABLE, true },
		{ MMC_FEATURE_RANDOM_READ, present },
		{ MMC_FEATURE_CD_READ, present },
	};
	uint8_t rt = cdb[1] & 0x03, *r = cmd->reply;
	uint16_t first = get_be16(cdb + 2);
	size_t len = 8, i;

	if (rt == 3) {
		scsi_invalid_field(lun, cmd);
		return;
	}
	memset(r, 0, 8);
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];

		/* RT 0: all from `first` on; 1: the current ones; 2: just `first`. */
		if (f->code < first || (rt == 1 && !f->current) || (rt == 2 && f->code != first))
			continue;
		len += put_feature(lun, f->code, f->current, r + len);
	}
	put_be32(r, (uint32_t)(len - 4));
	put_be16(r + 6, present ? MMC_PROFILE_CDROM : MMC_PROFILE_NONE);
	scsi_reply(cmd, len, get_be16(cdb + 7));
}

void scsi_get_event_status(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb)
{
	uint8_t *r = cmd->reply;

	/* Only polled operation (MMC-5 6.6.1). */
	if (!(cdb[1] & 0x01)) {
		scsi_invalid_field(lun, cmd);
		return;
	}
	r[3] = 0x10; /* supported event classes: media */
	if (!(cdb[4] & 0x10)) {
		put_be16(r, 2);
		r[2] = 0x80; /* NEA: no event of a requested class is available */
		scsi_reply(cmd, 4, get_be16(cdb + 7));
		return;
	}
	put_be16(r, 6);
	r[2] = 0x04; /* media class */
	r[4] = lun->media_event;
	r[5] = (lun->state == SCSI_MEDIUM_PRESENT ? 0x02 : 0) |
	       (lun->state == SCSI_MEDIUM_EJECTED ? 0x01 : 0); /* present, tray open */
	r[6] = r[7] = 0;
	lun->media_event = SCSI_MEDIA_EVENT_NONE;
	scsi_reply(cmd, 8, get_be16(cdb + 7));
}
