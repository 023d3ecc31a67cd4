// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfu/fomu/nor.h"

static int write_all(int fd, const uint8_t *p, size_t len, off_t off)
{
	while (len) {
		ssize_t w = pwrite(fd, p, len, off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t len)
{
	off_t off = 0;

	while (len) {
		ssize_t r = pread(fd, p, len, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		p += r;
		len -= (size_t)r;
		off += r;
	}
	return 0;
}

static int open_private(struct strbuf *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* No O_TMPFILE on this file system: the old way. */
	if ((size_t)snprintf(path, sizeof(path), "%s/vusb-flash-XXXXXX", dir) >= sizeof(path)) {
		strbuf_printf(err, "TMPDIR is too long");
		return -ENAMETOOLONG;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		strbuf_printf(err, "cannot create a temporary flash file in %s: %s", dir,
			      strerror(e));
		return -e;
	}
	unlink(path);
	return fd;
}

int nor_flash_file_open(const char *path, uint32_t size, bool *ret_created, struct strbuf *err)
{
	struct stat st;
	int fd, r;

	/* A new file is ours to fill; an existing one is only used as it is. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		*ret_created = true;
		return fd;
	}
	if (errno == EEXIST)
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		strbuf_printf(err, "cannot open the flash file %s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		strbuf_printf(err, "%s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	r = 0;
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		strbuf_printf(err, "the flash file %s is not a regular file", path);
	} else if (st.st_size > (off_t)size) {
		r = -EFBIG;
		strbuf_printf(err, "the flash file %s has %lld bytes, more than the %u of the flash",
			      path, (long long)st.st_size, size);
	} else if (st.st_size != (off_t)size) {
		/* Anything but a whole flash image is someone's other file: never padded. */
		r = -EINVAL;
		strbuf_printf(err,
			      "the flash file %s has %lld bytes, not the %u of a flash image: "
			      "vusb never rewrites it (name a new file, and it is created)",
			      path, (long long)st.st_size, size);
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_created = false;
	return fd;
}

int nor_flash_open_fd(struct nor_flash *f, int fd, const char *path, uint32_t size,
		      struct strbuf *err)
{
	struct stat st;
	uint8_t *mem;
	int r;

	if (size == 0 || size % NOR_BLOCK_SIZE) {
		close(fd);
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		strbuf_printf(err, "%s: %s", path, strerror(-r));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		strbuf_printf(err, "the flash file %s is not a regular file", path);
		goto fail;
	}
	/* Fresh (empty: ours to fill) or a whole image: nothing else is padded. */
	if (st.st_size != 0 && st.st_size != (off_t)size) {
		r = st.st_size > (off_t)size ? -EFBIG : -EINVAL;
		strbuf_printf(err, "the flash file %s has %lld bytes, not the %u of a flash image",
			      path, (long long)st.st_size, size);
		goto fail;
	}
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR) {
		r = -EBADF;
		strbuf_printf(err, "the flash file %s is not open for reading and writing", path);
		goto fail;
	}
	/* Two boards writing one file would corrupt each other's images. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		strbuf_printf(err, "the flash file %s is in use by another device", path);
		goto fail;
	}
	mem = malloc(size);
	if (!mem) {
		r = -ENOMEM;
		strbuf_printf(err, "out of memory");
		goto fail;
	}
	/* What was never written reads as erased flash. */
	memset(mem, 0xff, size);
	r = read_all(fd, mem, (size_t)st.st_size);
	if (r == 0 && st.st_size < (off_t)size)
		r = write_all(fd, mem + st.st_size, size - (size_t)st.st_size, st.st_size);
	if (r < 0) {
		free(mem);
		strbuf_printf(err, "the flash file %s: %s", path, strerror(-r));
		goto fail;
	}
	f->mem = mem;
	f->size = size;
	f->fd = fd;
	return 0;
fail:
	close(fd);
	return r;
}

int nor_flash_open(struct nor_flash *f, const char *path, uint32_t size, struct strbuf *err)
{
	bool created = false; /* the file we made, to remove on failure */
	int fd, r;

	if (size == 0 || size % NOR_BLOCK_SIZE)
		return -EINVAL;
	if (path) {
		fd = nor_flash_file_open(path, size, &created, err);
	} else {
		fd = open_private(err);
		path = "(temporary file)";
	}
	if (fd < 0)
		return fd;
	r = nor_flash_open_fd(f, fd, path, size, err);
	if (r < 0 && created)
		unlink(path);
	return r;
}

void nor_flash_close(struct nor_flash *f)
{
	if (f->mem && f->fd >= 0)
		close(f->fd);
	free(f->mem);
	f->mem = NULL;
	f->fd = -1;
	f->size = 0;
}

int nor_flash_erase(struct nor_flash *f, uint32_t addr, uint32_t size)
{
	if (size != NOR_SECTOR_SIZE && size != NOR_HALF_BLOCK_SIZE && size != NOR_BLOCK_SIZE)
		return -EINVAL;
	if (addr % size)
		return -EINVAL;
	if (addr >= f->size)
		return -EFAULT;
	memset(f->mem + addr, 0xff, size);
	return write_all(f->fd, f->mem + addr, size, addr) < 0 ? -EIO : 0;
}

int nor_flash_erase_block(struct nor_flash *f, uint32_t addr)
{
	return nor_flash_erase(f, addr, NOR_BLOCK_SIZE);
}

int nor_flash_program(struct nor_flash *f, uint32_t addr, const uint8_t *data, size_t len)
{
	uint32_t page, off;
	size_t i;

	if (len > NOR_PAGE_SIZE)
		return -EINVAL;
	if (addr >= f->size)
		return -EFAULT;
	page = addr & ~(NOR_PAGE_SIZE - 1);
	off = addr - page;
	for (i = 0; i < len; i++)
		f->mem[page + (off + i) % NOR_PAGE_SIZE] &= data[i];
	/* The whole page: simpler than the two pieces of a wrapped write. */
	return write_all(f->fd, f->mem + page, NOR_PAGE_SIZE, page) < 0 ? -EIO : 0;
}

int nor_flash_sync(struct nor_flash *f)
{
	return fdatasync(f->fd) < 0 ? -errno : 0;
}
