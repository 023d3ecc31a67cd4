/* SPDX-License-Identifier: MIT */
/*
 * The image behind a drive (storage.c): a file or block device, opened,
 * locked and size-checked with a message a person can act on, read and
 * written for SCSI through scsi_backend_ops, and the --snapshot overlay
 * that keeps the host's writes out of the file.
 */
#ifndef VUSB_STORAGE_IMAGE_H
#define VUSB_STORAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/base/strbuf.h"
#include "src/storage/scsi.h"

/*
 * --snapshot keeps the host's writes in an unlinked temporary file the
 * size of the image, one bit per chunk saying which file holds it. A
 * write to a chunk not yet in the overlay copies the chunk up first,
 * unless it covers all of it.
 */
#define OVERLAY_CHUNK (64 * 1024)

struct image {
	int fd; /* -1: no image */
	char *path;
	uint64_t size;
	bool writable; /* opened for writing, and write-locked */
	bool locked;

	int ovl_fd; /* -1 unless --snapshot */
	uint8_t *ovl_map;
	uint8_t *cow; /* OVERLAY_CHUNK bytes for copying up */
};

struct image_opts {
	bool readonly; /* --ro, --cdrom */
	bool snapshot;
	uint32_t block_size;
};

/* What an image file's first bytes say it is. */
enum image_format {
	IMAGE_RAW,
	IMAGE_GZIP,
	IMAGE_XZ,
	IMAGE_ZSTD,
	IMAGE_QCOW2,
};

/* Pure: the format of an image that starts with head[0..len). */
enum image_format image_format_detect(const uint8_t *head, size_t len);

/* "gzip", "xz", "zstd", "qcow2", "raw". */
const char *image_format_name(enum image_format f);

/*
 * Pure: does area (the image from byte 32768, sector 16 of 2048 bytes on)
 * hold an ISO 9660 volume descriptor or a UDF volume recognition
 * sequence in one of its 2048-byte sectors?
 */
bool image_is_cd(const uint8_t *area, size_t len);

/* The SCSI backend over a struct image (ctx). */
extern const struct scsi_backend_ops image_ops;

/* No image: fd -1. */
void image_init(struct image *img);

/* Flush and let go. 0, or the flush's -errno (the image is closed anyway). */
int image_close(struct image *img);

/*
 * Open the image at `path` with the options `o` (or take `fd`, a
 * descriptor of it a client opened; -1: open `path` here): checked,
 * locked, and with an overlay for --snapshot. A gzip, xz or zstd image
 * read only (--ro, --snapshot, --cdrom) is served from a private copy
 * that the system's tool decompresses; one for writing, and qcow2, are
 * refused (-EMEDIUMTYPE) with the command that converts them, and so is
 * a CD image (block size 2048) without an ISO 9660 or UDF descriptor.
 * 0, or -errno with the reason in err; fd is closed on failure.
 */
int image_open_fd(struct image *img, int fd, const char *path, const struct image_opts *o,
		  struct strbuf *err);

/* As image_open_fd(), opening `path` first. */
int image_open(struct image *img, const char *path, const struct image_opts *o,
	       struct strbuf *err);

/*
 * Why opening the image `path` failed with r (-errno), as vusb-attach
 * says it, into err; want_write: it was opened for writing. Returns r.
 */
int image_explain_open(const char *path, int r, bool want_write, struct strbuf *err);

/*
 * For whoever opens an image for another (vusbctl add, as its caller):
 * what image_open_fd() would make of the bytes of fd (left open), done
 * here. A gzip, xz or zstd image read only (o: --ro, --snapshot) is
 * decompressed into a private unlinked copy (TMPDIR, else /var/tmp, by
 * the system's tool, as image_open_fd() does it), *ret_fd opened
 * read-only on it: 1. A raw image: 0, nothing done. -errno with the
 * reason in err: a qcow2 image, a compressed one for writing, a copy that
 * failed or did not fit (-ENOSPC); nothing is left on disk then.
 */
int image_unpack(int fd, const char *path, const struct image_opts *o, int *ret_fd,
		 struct strbuf *err);

/* Create `path`, a sparse file of `size` bytes (--create). 0 or -errno, with err. */
int image_create(const char *path, uint64_t size, struct strbuf *err);

/* As image_create(), the new file left open read-write: the fd, or -errno with err. */
int image_create_fd(const char *path, uint64_t size, struct strbuf *err);

#endif
