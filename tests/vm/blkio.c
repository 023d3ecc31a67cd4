// SPDX-License-Identifier: MIT
/*
 * blkio: read or write whole blocks of a block device with O_DIRECT, so
 * that exactly those blocks go to the device (busybox dd falls back to
 * the page cache, which reads and writes 4 KiB pages, when its buffer is
 * not aligned for O_DIRECT).
 *
 * Usage: blkio read|write DEVICE LBA [COUNT]
 *
 * 512-byte blocks; write writes zeros. Exit status 0 when every block
 * moved, 1 when the device failed them (the error on stderr: EIO is
 * "Input/output error"), 2 on a usage or set-up error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 512

int main(int argc, char **argv)
{
	unsigned long long lba, count = 1;
	int write = 0, fd;
	void *buf;
	ssize_t n;
	char *end;

	if (argc < 4 || argc > 5 || (strcmp(argv[1], "read") && strcmp(argv[1], "write"))) {
		fprintf(stderr, "usage: blkio read|write DEVICE LBA [COUNT]\n");
		return 2;
	}
	write = strcmp(argv[1], "write") == 0;
	errno = 0;
	lba = strtoull(argv[3], &end, 10);
	if (errno || *end || !*argv[3]) {
		fprintf(stderr, "blkio: bad LBA '%s'\n", argv[3]);
		return 2;
	}
	if (argc == 5) {
		count = strtoull(argv[4], &end, 10);
		if (errno || *end || !count || count > 2048) {
			fprintf(stderr, "blkio: bad COUNT '%s'\n", argv[4]);
			return 2;
		}
	}
	if (posix_memalign(&buf, 4096, count * BLOCK)) {
		fprintf(stderr, "blkio: out of memory\n");
		return 2;
	}
	memset(buf, 0, count * BLOCK);
	fd = open(argv[2], (write ? O_WRONLY : O_RDONLY) | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "blkio: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	if (write)
		n = pwrite(fd, buf, count * BLOCK, (off_t)(lba * BLOCK));
	else
		n = pread(fd, buf, count * BLOCK, (off_t)(lba * BLOCK));
	if (n < 0) {
		fprintf(stderr, "blkio: %s %s at block %llu: %s\n", argv[1], argv[2], lba,
			strerror(errno));
		return 1;
	}
	if ((size_t)n != count * BLOCK) {
		fprintf(stderr, "blkio: %s %s at block %llu: %zd bytes of %llu\n", argv[1], argv[2],
			lba, n, count * BLOCK);
		return 1;
	}
	close(fd);
	free(buf);
	return 0;
}
