/* SPDX-License-Identifier: MIT */
/*
 * Shared by the storage model (storage.c: the device, the image's life)
 * and its commands (storage-commands.c).
 */
#ifndef VUSB_STORAGE_STORAGE_PRIVATE_H
#define VUSB_STORAGE_STORAGE_PRIVATE_H

#include <stdbool.h>

#include "src/storage/image.h"
#include "src/storage/msc.h"
#include "src/storage/scsi.h"
#include "src/storage/storage.h"

/* Room for a string of 126 UTF-16 units given as UTF-8, and the NUL. */
#define STRING_MAX VUSB_STRING_MAX

struct storage {
	struct usb_device usb;
	struct msc msc;
	struct scsi_lun lun;
	struct image img;
	struct image_opts io;
	bool cdrom;
	char manufacturer[STRING_MAX];
	char product[STRING_MAX];
	char serial[STRING_MAX];
	bool wp_fault; /* write-protect on (vusbctl NAME fault write-protect) */
};

static inline struct storage *storage_of(struct usb_device *dev)
{
	return container_of(dev, struct storage, usb);
}

/* Put the open image into the drive; with unit_attention, tell the host
 * the medium changed. */
void storage_load(struct storage *s, bool unit_attention);

/* storage-commands.c: the commands, faults and descriptions of the model. */
extern const struct vusb_command storage_commands[];
extern const char *const storage_faults[];
void storage_describe(struct usb_device *dev, struct strbuf *out);
void storage_describe_json(struct usb_device *dev, struct json *j);
int storage_busy(struct usb_device *dev, struct strbuf *why);

#endif
