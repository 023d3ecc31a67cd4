/* SPDX-License-Identifier: MIT */
/*
 * Shared by the SCSI command set (scsi.c), the commands that describe the
 * unit (scsi-info.c) and the MMC part for CD-ROM drives (mmc.c): constants
 * and the helpers that answer a command.
 */
#ifndef VUSB_STORAGE_SCSI_PRIVATE_H
#define VUSB_STORAGE_SCSI_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/storage/scsi.h"

#define CD_BLOCK_SIZE 2048
#define DISK_BLOCK_SIZE 512

/* Mode pages */
#define MODE_PAGE_CACHING 0x08
#define MODE_PAGE_CAPABILITIES 0x2a /* MMC: CD/DVD capabilities */
#define MODE_PAGE_ALL 0x3f
#define MODE_PC_SAVED 3

/* MMC profile and features */
#define MMC_PROFILE_NONE 0x0000
#define MMC_PROFILE_CDROM 0x0008
#define MMC_FEATURE_PROFILE_LIST 0x0000
#define MMC_FEATURE_CORE 0x0001
#define MMC_FEATURE_REMOVABLE 0x0003
#define MMC_FEATURE_RANDOM_READ 0x0010
#define MMC_FEATURE_CD_READ 0x001e
#define MMC_INTERFACE_USB 8
/* Removable medium feature / capabilities page: a tray that ejects and locks */
#define MMC_MECH_TRAY_EJECT_LOCK 0x29

#define TOC_CONTROL_DATA 0x14 /* ADR 1 (Q sub-channel position), data track */
#define TOC_LEADOUT 0xaa

/* End the command with CHECK CONDITION; no data phase follows. */
void scsi_fail(struct scsi_lun *lun, struct scsi_cmd *cmd, uint8_t key, uint16_t asc);
/* CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB. */
void scsi_invalid_field(struct scsi_lun *lun, struct scsi_cmd *cmd);
/* The reply is `len` bytes of cmd's buffer, cut to the allocation length. */
void scsi_reply(struct scsi_cmd *cmd, size_t len, uint32_t alloc);
/* False, with NOT READY sense, when there is no medium. */
bool scsi_need_medium(struct scsi_lun *lun, struct scsi_cmd *cmd);

/* scsi-info.c: capacity, INQUIRY, REQUEST SENSE, MODE SENSE. */
void scsi_read_capacity_10(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);
void scsi_service_action_in(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);
void scsi_read_format_capacities(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);
void scsi_inquiry(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);
void scsi_request_sense(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);
void scsi_mode_sense(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);

/* mmc.c: the MMC commands a CD-ROM drive answers. */
void scsi_read_toc(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);
void scsi_get_configuration(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);
void scsi_get_event_status(struct scsi_lun *lun, struct scsi_cmd *cmd, const uint8_t *cdb);

#endif
