/* SPDX-License-Identifier: MIT */
/*
 * Shared by the image backend (image.c) and what tells its bytes apart
 * (image-format.c).
 */
#ifndef VUSB_STORAGE_IMAGE_PRIVATE_H
#define VUSB_STORAGE_IMAGE_PRIVATE_H

#include <stdint.h>

#include "src/storage/image.h"

/* Where private copies and overlays go: $TMPDIR, else /var/tmp. */
const char *image_tmp_dir(void);

/*
 * What the bytes of *fd say, before the size is judged: a qcow2 image or
 * a compressed one for writing is refused with the command that converts
 * it; a compressed one read only (--ro, --snapshot, --cdrom) is replaced
 * (*fd, *size) by a private decompressed copy: 1. 0 or 1, or -errno with
 * err (*fd closed).
 */
int image_check_format(int *fd, uint64_t *size, const char *path, const struct image_opts *o,
		       struct strbuf *err);

/* A CD image (2048-byte blocks) carries an ISO 9660 or UDF volume descriptor. 0 or -EMEDIUMTYPE. */
int image_check_cd(int fd, uint64_t size, const char *path, struct strbuf *err);

#endif
