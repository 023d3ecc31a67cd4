// SPDX-License-Identifier: MIT
/*
 * USB mass storage (src/storage/storage.c, src/storage/msc.c, src/storage/scsi.c) through the real
 * device core: command block wrappers with any CDB on the bulk OUT
 * endpoint, data and status phases of any length, class requests (Bulk-Only
 * Mass Storage Reset, Get Max LUN), CLEAR_FEATURE(HALT), unlinks and
 * disconnects in the middle of a command, eject and insert from vusbctl
 * (tests/fuzz/devscript.h). The input's bytes also go through the image
 * format and CD descriptor checks (src/storage/image.c).
 *
 * The medium is a small image in a memfd, opened --snapshot so that what
 * one input writes never reaches the next. The first byte picks the
 * drive: disk or CD-ROM, read-only, empty, SuperSpeed.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "src/storage/image.h"
#include "src/storage/storage.h"
#include "tests/fuzz/devscript.h"

#define IMAGE_SIZE (256u << 10)

static char image_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static uint8_t block[2048];
	unsigned int i;
	int fd;

	fd = memfd_create("fuzz-storage", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	/* Not all zeros: a partition-table-looking first block, then a
	 * pattern, so that reads return something to mutate against. */
	for (i = 0; i < IMAGE_SIZE / sizeof(block); i++) {
		memset(block, (int)(i * 37), sizeof(block));
		if (i == 0) {
			block[510] = 0x55;
			block[511] = 0xaa;
		}
		/* An ISO 9660 volume descriptor, so that --cdrom takes it. */
		if (i == 16)
			memcpy(block, "\001CD001\001", 7);
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			abort();
	}
	snprintf(image_path, sizeof(image_path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vusb_dev_opts o = { .name = "fuzz0", .vid = -1, .pid = -1 };
	uint8_t sel = fuzz_u8(&in);

	if (!image_path[0])
		LLVMFuzzerInitialize(NULL, NULL);
	/* The same bytes as an image's first sector and its CD descriptors. */
	FUZZ_CHECK(image_format_detect(data, size) <= IMAGE_QCOW2, "format out of range");
	(void)image_is_cd(data, size);
	if (!(sel & 4))
		o.positional = image_path;
	o.extra[o.nextra].name = "--snapshot";
	o.extra[o.nextra++].value = "";
	if (sel & 1) {
		o.extra[o.nextra].name = "--cdrom";
		o.extra[o.nextra++].value = "";
	}
	if (sel & 2) {
		o.extra[o.nextra].name = "--ro";
		o.extra[o.nextra++].value = "";
	}
	if (sel & 8) {
		o.extra[o.nextra].name = "--superspeed";
		o.extra[o.nextra++].value = "";
	}
	ds.file_arg = image_path;
	ds_run(&storage_model, &o, &in);
	return 0;
}
