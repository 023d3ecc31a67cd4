// SPDX-License-Identifier: MIT
/*
 * The files of an add request, opened by whoever asks (src/app/add.h):
 * vusbctl with its caller's rights, or vusb-attach for its own terminal.
 * Each is made or opened the way vusb-attach makes or opens it at start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfu/fomu/nor.h"
#include "dfu/fomu/soc.h"
#include "src/app/add.h"
#include "src/storage/image.h"
#include "src/storage/storage.h"

/* The exit code for an open that failed with e, as insert has it. */
static int open_code(int e)
{
	if (e == EACCES || e == EPERM)
		return EXIT_PERMISSION;
	if (e == EBUSY || e == ENOMEM || e == ENOSPC || e == EIO)
		return EXIT_FAILURE_;
	return EXIT_USAGE;
}

/*
 * A compressed IMAGE: decompressed here, as the caller (the instance, once
 * it has given up root, may not start the decompressor), and the private
 * copy sent instead. The descriptor to send, or a negated exit code.
 */
static int unpack(int fd, const struct add_file *f, struct strbuf *err)
{
	struct image_opts o = { .readonly = f->how != ADD_FILE_IMAGE_RW };
	int copy = -1, r = image_unpack(fd, f->path, &o, &copy, err);

	if (r <= 0) {
		if (r == 0)
			return fd;
		close(fd);
		return -(r == -EMEDIUMTYPE || r == -EBADMSG || r == -ENOENT ? EXIT_USAGE :
									      EXIT_FAILURE_);
	}
	close(fd);
	return copy;
}

static int open_one(const struct cli_device *d, const struct add_file *f, bool *ret_created,
		    struct strbuf *err)
{
	const int flags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	const char *size_arg;
	uint64_t size;
	int fd;

	*ret_created = false;
	switch (f->how) {
	case ADD_FILE_FLASH:
		fd = nor_flash_file_open(f->path, FOMU_FLASH_SIZE, ret_created, err);
		return fd < 0 ? -open_code(-fd) : fd;
	case ADD_FILE_CREATE:
		size_arg = vusb_dev_opt(&d->opts, "--create");
		if (!size_arg || storage_parse_size(size_arg, &size) < 0 || size % 512) {
			strbuf_printf(err,
				      "invalid --create size '%s': a multiple of 512 bytes such "
				      "as 64M, 4G or 1T",
				      size_arg ? size_arg : "");
			return -EXIT_USAGE;
		}
		fd = image_create_fd(f->path, size, err);
		if (fd < 0)
			return -open_code(-fd);
		*ret_created = true;
		return fd;
	case ADD_FILE_CAPTURE:
		/* Not truncated here: the instance does, once the device is
		 * made; a refused request leaves an old capture as it was. */
		fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | flags, 0644);
		if (fd >= 0)
			*ret_created = true;
		else if (errno == EEXIST)
			fd = open(f->path, O_WRONLY | flags);
		if (fd < 0) {
			int e = errno;

			strbuf_printf(err, "cannot write the capture %s: %s", f->path, strerror(e));
			return -open_code(e);
		}
		return fd;
	case ADD_FILE_IMAGE_RW:
	case ADD_FILE_READ:
		break;
	}
	/* O_EXCL: a mounted block device is not served read-write. */
	fd = open(f->path, (f->how == ADD_FILE_IMAGE_RW ? O_RDWR | O_EXCL : O_RDONLY) | flags);
	if (fd < 0) {
		int e = errno;

		if (f->opt)
			strbuf_printf(err, "%s %s: %s", f->opt, f->path, strerror(e));
		else
			image_explain_open(f->path, -e, f->how == ADD_FILE_IMAGE_RW, err);
		return -open_code(e);
	}
	if (!f->opt && d->model->positional && strcmp(d->model->positional, "IMAGE") == 0)
		return unpack(fd, f, err);
	return fd;
}

int add_files_open(const struct cli_device *d, const struct add_file *files, unsigned int n,
		   int *fds, bool *created, struct strbuf *err)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int fd = open_one(d, &files[i], &created[i], err);

		if (fd < 0) {
			add_files_close(files, i, fds, created, true);
			return -fd;
		}
		fds[i] = fd;
	}
	return 0;
}

void add_files_close(const struct add_file *files, unsigned int n, int *fds, const bool *created,
		     bool undo)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct stat a, b;

		if (fds[i] < 0)
			continue;
		/* Only what we made, and only if the name is still it. */
		if (undo && created[i] && fstat(fds[i], &a) == 0 && stat(files[i].path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			unlink(files[i].path);
		close(fds[i]);
		fds[i] = -1;
	}
}
