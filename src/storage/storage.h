/* SPDX-License-Identifier: MIT */
/*
 * "storage": a USB stick (or CD-ROM drive) backed by an image file or a
 * block device. Bulk-only transport (src/storage/msc.h) over SCSI (src/storage/scsi.h);
 * this file owns the image: opening and checking it, the advisory lock
 * against a second user, the copy-on-write overlay of --snapshot, flushes,
 * and the removable-media commands.
 *
 *   vusb-attach storage disk.img [--ro] [--snapshot] [--cdrom]
 *               [--create SIZE] [--vendor TEXT] [--superspeed]
 *   vusbctl storage0 eject [--force]
 *   vusbctl storage0 insert /abs/path/other.img
 *   vusbctl storage0 info
 *
 * Without IMAGE the drive starts empty.
 */
#ifndef VUSB_STORAGE_H
#define VUSB_STORAGE_H

#include <stdint.h>

#include "src/usb/model.h"

/* pid.codes test VID, PID 0x0004 of its test range. */
#define STORAGE_VID 0x1209
#define STORAGE_PID 0x0004

extern const struct vusb_model storage_model;

/*
 * Parse a size for --create: bytes, or a number with K, M, G, T or P
 * (powers of 1024; "KiB", "MB" and the like are taken the same way).
 * 0 and *ret set, or -EINVAL for anything else, zero, or more than
 * 2^62 bytes.
 */
int storage_parse_size(const char *s, uint64_t *ret);

#endif
