/* SPDX-License-Identifier: MIT */
/*
 * A SPI NOR flash as the CPU and a bootloader see it: a byte array that
 * an erase sets to 0xFF, one 64 KiB block at a time, and that a page
 * program can only clear bits of (new = old & data), 256 bytes at most,
 * wrapping at the end of the 256-byte page as the chips do.
 *
 * The bytes live in memory and are written through to a file, so a
 * flashed image survives a restart when the file is the user's. The
 * default is a private temporary file, unlinked at once.
 */
#ifndef VUSB_DFU_FLASH_H
#define VUSB_DFU_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/base/strbuf.h"

#define NOR_PAGE_SIZE 256u
#define NOR_SECTOR_SIZE 4096u
#define NOR_HALF_BLOCK_SIZE 32768u
#define NOR_BLOCK_SIZE 65536u

struct nor_flash {
	uint8_t *mem; /* size bytes, what a read returns */
	uint32_t size;
	int fd;
};

/*
 * Open `path` (created, erased, if missing; an existing file must be
 * exactly size bytes and is never padded or rewritten; locked against a
 * second user) or, with path NULL, a private temporary file. size is a
 * multiple of NOR_BLOCK_SIZE. 0, or -errno with the reason in err
 * (-EFBIG: the file is larger than the flash; -EINVAL: smaller, or not a
 * regular file).
 */
int nor_flash_open(struct nor_flash *f, const char *path, uint32_t size, struct strbuf *err);

/*
 * The file part of nor_flash_open(), for whoever opens the file for
 * another (vusbctl add, with its caller's rights): `path` created
 * (*ret_created true, empty) if missing, else opened read-write when it
 * is a regular file of exactly size bytes. The fd, or -errno with the
 * reason in err (nothing is created then).
 */
int nor_flash_file_open(const char *path, uint32_t size, bool *ret_created, struct strbuf *err);

/*
 * The flash in `fd` (taken, closed on failure), named `path` in messages:
 * a regular file open read-write, empty (filled erased) or exactly size
 * bytes, which nothing else has locked. 0 or -errno with the reason.
 */
int nor_flash_open_fd(struct nor_flash *f, int fd, const char *path, uint32_t size,
		      struct strbuf *err);

/* Close the file, free the memory. Safe on a zeroed or closed flash. */
void nor_flash_close(struct nor_flash *f);

/*
 * Erase the 64 KiB block at addr (a multiple of NOR_BLOCK_SIZE) to 0xFF.
 * 0, -EINVAL (not aligned), -EFAULT (beyond the flash), -EIO (the file).
 */
int nor_flash_erase_block(struct nor_flash *f, uint32_t addr);

/*
 * Erase `size` bytes at addr, a multiple of size: a 4 KiB sector, a
 * 32 KiB or a 64 KiB block (the SPI commands 20, 52, D8). 0, -EINVAL
 * (another size, not aligned), -EFAULT (beyond the flash), -EIO.
 */
int nor_flash_erase(struct nor_flash *f, uint32_t addr, uint32_t size);

/*
 * Page program: len bytes (at most NOR_PAGE_SIZE) ANDed in at addr,
 * wrapping within addr's page. 0, -EINVAL (too long), -EFAULT (beyond
 * the flash), -EIO (the file).
 */
int nor_flash_program(struct nor_flash *f, uint32_t addr, const uint8_t *data, size_t len);

/* Flush the file to disk. 0 or -errno. */
int nor_flash_sync(struct nor_flash *f);

#endif
