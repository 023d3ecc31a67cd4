// SPDX-License-Identifier: MIT
/*
 * The image behind a drive: a file or block device, opened, locked and
 * checked, with --snapshot's overlay (src/storage/image.h).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/base/bytes.h"
#include "src/storage/image-private.h"
#include "src/storage/storage.h"

static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = pread(fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the image shrank under us */
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t r = pwrite(fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static bool ovl_has(const struct image *img, uint64_t chunk)
{
	return img->ovl_map[chunk / 8] & (1u << (chunk % 8));
}

static int ovl_read(struct image *img, uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		uint64_t chunk = off / OVERLAY_CHUNK, end = (chunk + 1) * OVERLAY_CHUNK;
		bool in_ovl = ovl_has(img, chunk);
		size_t n;
		int r;

		/* A run of chunks that live in the same file: one pread. */
		while (end < off + len && ovl_has(img, end / OVERLAY_CHUNK) == in_ovl)
			end += OVERLAY_CHUNK;
		n = end - off < len ? (size_t)(end - off) : len;
		r = pread_full(in_ovl ? img->ovl_fd : img->fd, buf, n, off);
		if (r < 0)
			return r;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int ovl_write(struct image *img, const uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t chunk, last = (off + len - 1) / OVERLAY_CHUNK;
	int r;

	for (chunk = off / OVERLAY_CHUNK; chunk <= last; chunk++) {
		uint64_t start = chunk * OVERLAY_CHUNK;
		uint64_t clen = img->size - start < OVERLAY_CHUNK ? img->size - start : OVERLAY_CHUNK;

		if (ovl_has(img, chunk))
			continue;
		if (off > start || off + len < start + clen) {
			r = pread_full(img->fd, img->cow, (size_t)clen, start);
			if (r == 0)
				r = pwrite_full(img->ovl_fd, img->cow, (size_t)clen, start);
			if (r < 0)
				return r;
		}
		img->ovl_map[chunk / 8] |= (uint8_t)(1u << (chunk % 8));
	}
	return pwrite_full(img->ovl_fd, buf, len, off);
}

static int image_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct image *img = ctx;

	if (img->ovl_fd >= 0)
		return ovl_read(img, buf, len, off);
	return pread_full(img->fd, buf, len, off);
}

static int image_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
	struct image *img = ctx;

	if (img->ovl_fd >= 0)
		return ovl_write(img, buf, len, off);
	if (!img->writable)
		return -EROFS; /* the SCSI layer stops writes first */
	return pwrite_full(img->fd, buf, len, off);
}

static int image_flush(void *ctx)
{
	struct image *img = ctx;

	/* The overlay is thrown away at the end: nothing to make durable. */
	if (img->ovl_fd >= 0 || !img->writable)
		return 0;
	return fdatasync(img->fd) < 0 ? -errno : 0;
}

static int image_file(void *ctx, uint64_t off, size_t len, bool write)
{
	struct image *img = ctx;
	uint64_t chunk, last = (off + len - 1) / OVERLAY_CHUNK;
	bool in_ovl;

	if (img->ovl_fd < 0 || !len)
		return !write || img->writable ? img->fd : -EOPNOTSUPP;
	if (write)
		return -EOPNOTSUPP; /* the overlay's copy-on-write: image_write() */
	/* A snapshot: a range that lies wholly in one of the two files. */
	in_ovl = ovl_has(img, off / OVERLAY_CHUNK);
	for (chunk = off / OVERLAY_CHUNK + 1; chunk <= last; chunk++)
		if (ovl_has(img, chunk) != in_ovl)
			return -EOPNOTSUPP;
	return in_ovl ? img->ovl_fd : img->fd;
}

const struct scsi_backend_ops image_ops = {
	.read = image_read,
	.write = image_write,
	.flush = image_flush,
	.file = image_file,
};

void image_init(struct image *img)
{
	memset(img, 0, sizeof(*img));
	img->fd = -1;
	img->ovl_fd = -1;
}

/* Flush and let go. 0, or the flush's -errno (the image is closed anyway). */
int image_close(struct image *img)
{
	int r = 0;

	if (img->fd >= 0) {
		r = image_flush(img);
		/* The OFD lock goes with the last descriptor. */
		close(img->fd);
	}
	if (img->ovl_fd >= 0)
		close(img->ovl_fd);
	free(img->ovl_map);
	free(img->cow);
	free(img->path);
	image_init(img);
	return r;
}

const char *image_tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/var/tmp";
}

static int overlay_open(struct image *img, struct strbuf *err)
{
	const char *dirs[] = { image_tmp_dir(), "/tmp" };
	uint64_t chunks = (img->size + OVERLAY_CHUNK - 1) / OVERLAY_CHUNK;
	unsigned int i;
	int fd = -1, r = -ENOENT;

	for (i = 0; i < 2 && fd < 0; i++) {
		fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0)
			r = -errno;
	}
	if (fd < 0) {
		strbuf_printf(err, "--snapshot: cannot create a temporary overlay in %s: %s",
			      image_tmp_dir(), strerror(-r));
		return r;
	}
	/* Sparse: it grows with what the host writes. */
	if (ftruncate(fd, (off_t)img->size) < 0) {
		r = -errno;
		close(fd);
		strbuf_printf(err, "--snapshot: cannot size the overlay in %s: %s", image_tmp_dir(),
			      strerror(-r));
		return r;
	}
	img->ovl_map = calloc(1, (size_t)(chunks + 7) / 8);
	img->cow = malloc(OVERLAY_CHUNK);
	if (!img->ovl_map || !img->cow) {
		close(fd);
		strbuf_printf(err, "out of memory");
		return -ENOMEM;
	}
	img->ovl_fd = fd;
	return 0;
}

int image_explain_open(const char *path, int r, bool want_write, struct strbuf *err)
{
	switch (r) {
	case -ENOENT:
		strbuf_printf(err, "%s: no such file (--create SIZE makes a new image)", path);
		break;
	case -EISDIR:
		strbuf_printf(err, "%s is a directory, not an image", path);
		break;
	case -EACCES:
	case -EPERM:
		strbuf_printf(err, "%s: permission denied%s", path,
			      want_write ? " (opening it for writing; --ro and --snapshot only read)" :
					   "");
		break;
	case -EROFS:
		strbuf_printf(err, "%s is on a read-only file system: use --ro or --snapshot", path);
		break;
	case -EBUSY:
		/* O_EXCL on a block device: mounted, or held by another program. */
		strbuf_printf(err, "%s is in use (mounted?): not served read-write beside it "
				   "(--ro or --snapshot only read)", path);
		break;
	default:
		strbuf_printf(err, "%s: %s", path, strerror(-r));
		break;
	}
	return r;
}

/*
 * Check an image opened as `fd` (which it owns from now on; -1: open
 * `path` here). Nothing about it is changed: a size that does not fit the
 * block size is refused, never rounded by growing or truncating the
 * user's file.
 */
int image_open_fd(struct image *img, int fd, const char *path, const struct image_opts *o,
		  struct strbuf *err)
{
	bool want_write = !o->readonly && !o->snapshot;
	struct flock lk = { .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	bool unpacked = false;
	struct stat st;
	uint64_t size;
	int r;

	image_init(img);
	/* O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
	/* O_EXCL: a block device that is mounted (or another program holds
	 * that way) is refused with EBUSY; Linux ignores it for other files. */
	if (fd < 0)
		fd = open(path,
			  (want_write ? O_RDWR | O_EXCL : O_RDONLY) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return image_explain_open(path, -errno, want_write, err);
	if (want_write && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY) {
		/* Sent by a client that may only read it. */
		close(fd);
		return image_explain_open(path, -EACCES, want_write, err);
	}
	if (fcntl(fd, F_GETFL) & O_APPEND) {
		/* Sent by a custom client: every write would land at the end of
		 * the file, not at the block the host acknowledged it for. */
		close(fd);
		strbuf_printf(err, "%s: the descriptor was opened for appending (O_APPEND): refused, "
				   "writes would not land where the host put them", path);
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return image_explain_open(path, r, want_write, err);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return image_explain_open(path, -EISDIR, want_write, err);
	}
	if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
			r = -errno;
			close(fd);
			strbuf_printf(err, "%s: cannot get the size of the block device: %s", path,
				      strerror(-r));
			return r;
		}
	} else {
		close(fd);
		strbuf_printf(err, "%s is not a regular file or a block device", path);
		return -EINVAL;
	}
	r = image_check_format(&fd, &size, path, o, err);
	if (r < 0)
		return r;
	if (r == 1)
		unpacked = true;
	if (size == 0 || size % o->block_size) {
		close(fd);
		if (unpacked)
			strbuf_printf(err,
				      "%s: decompressed, it has %llu bytes, not a multiple of the "
				      "%u-byte block: not a disk image",
				      path, (unsigned long long)size, o->block_size);
		else if (size == 0)
			strbuf_printf(err, "%s is empty (--create SIZE makes a new image)", path);
		else
			strbuf_printf(err,
				      "%s: its size, %llu bytes, is not a multiple of the %u-byte block; "
				      "vusb does not resize images (truncate -s %llu %s pads it)",
				      path, (unsigned long long)size, o->block_size,
				      (unsigned long long)(size / o->block_size + 1) * o->block_size,
				      path);
		return -EINVAL;
	}
	if (o->block_size == 2048) {
		r = image_check_cd(fd, size, path, err);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	/* Open file description locks: whole file, shared for readers,
	 * exclusive for a writer. They conflict with QEMU's, which are the
	 * same kind, and go away with the descriptor. */
	lk.l_type = want_write ? F_WRLCK : F_RDLCK;
	if (unpacked) {
		/* Our private copy: nobody else can have it. */
	} else if (fcntl(fd, F_OFD_SETLK, &lk) == 0) {
		img->locked = true;
	} else if (errno == EAGAIN || errno == EACCES) {
		close(fd);
		strbuf_printf(err, "%s is in use by another program (another vusb-attach, qemu, ...): "
				   "it holds a lock on it", path);
		return -EBUSY;
	}
	/* Other failures (a file system without locks): serve it unlocked. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		r = -errno;
		close(fd);
		return image_explain_open(path, r, want_write, err);
	}

	img->fd = fd;
	img->size = size;
	img->writable = want_write;
	img->path = strdup(path);
	if (!img->path) {
		image_close(img);
		strbuf_printf(err, "out of memory");
		return -ENOMEM;
	}
	if (o->snapshot) {
		r = overlay_open(img, err);
		if (r < 0) {
			image_close(img);
			return r;
		}
	}
	return 0;
}

int image_open(struct image *img, const char *path, const struct image_opts *o,
	       struct strbuf *err)
{
	return image_open_fd(img, -1, path, o, err);
}

/* --create: a new sparse file; an existing one is never touched. */
int image_create_fd(const char *path, uint64_t size, struct strbuf *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
	int r;

	if (fd < 0) {
		r = -errno;
		if (r == -EEXIST)
			strbuf_printf(err, "%s exists already: --create makes a new image and never "
					   "overwrites one (leave --create out to use it)", path);
		else
			image_explain_open(path, r, true, err);
		return r;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		r = -errno;
		close(fd);
		unlink(path);
		strbuf_printf(err, "%s: cannot make it %llu bytes: %s", path,
			      (unsigned long long)size, strerror(-r));
		return r;
	}
	return fd;
}

int image_create(const char *path, uint64_t size, struct strbuf *err)
{
	int fd = image_create_fd(path, size, err);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int storage_parse_size(const char *s, uint64_t *ret)
{
	static const char units[] = "KMGTP";
	uint64_t v = 0, mult = 1;
	const char *p = s, *u;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p) {
		u = strchr(units, *p >= 'a' ? *p - 'a' + 'A' : *p);
		if (!u)
			return -EINVAL;
		mult = 1ull << (10 * (u - units + 1));
		p++;
		/* "M", "MB", "MiB": all powers of 1024. */
		if (*p == 'i')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
		if (*p)
			return -EINVAL;
	}
	if (v == 0 || v > (1ull << 62) / mult)
		return -EINVAL;
	*ret = v * mult;
	return 0;
}
