// SPDX-License-Identifier: MIT
/*
 * The image behind a drive: a file or block device, opened, locked and
 * checked, with --snapshot's overlay (src/storage/image.h).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/base/bytes.h"
#include "src/storage/image.h"
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

/* Less room than this left after a decompressor failed: the copy did not fit. */
#define COPY_ROOM_MIN (1024 * 1024)

static const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/var/tmp";
}

static int overlay_open(struct image *img, struct strbuf *err)
{
	const char *dirs[] = { tmp_dir(), "/tmp" };
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
			      tmp_dir(), strerror(-r));
		return r;
	}
	/* Sparse: it grows with what the host writes. */
	if (ftruncate(fd, (off_t)img->size) < 0) {
		r = -errno;
		close(fd);
		strbuf_printf(err, "--snapshot: cannot size the overlay in %s: %s", tmp_dir(),
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

/* ---- What the file is: raw, compressed, qcow2, a CD ---- */

enum image_format image_format_detect(const uint8_t *head, size_t len)
{
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	static const uint8_t zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const uint8_t qcow[] = { 'Q', 'F', 'I', 0xfb };

	/* gzip's magic and its one compression method, deflate (RFC 1952). */
	if (len >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8)
		return IMAGE_GZIP;
	if (len >= sizeof(xz) && !memcmp(head, xz, sizeof(xz)))
		return IMAGE_XZ;
	if (len >= sizeof(zstd) && !memcmp(head, zstd, sizeof(zstd)))
		return IMAGE_ZSTD;
	if (len >= sizeof(qcow) && !memcmp(head, qcow, sizeof(qcow)))
		return IMAGE_QCOW2;
	return IMAGE_RAW;
}

const char *image_format_name(enum image_format f)
{
	switch (f) {
	case IMAGE_GZIP:
		return "gzip";
	case IMAGE_XZ:
		return "xz";
	case IMAGE_ZSTD:
		return "zstd";
	case IMAGE_QCOW2:
		return "qcow2";
	default:
		return "raw";
	}
}

bool image_is_cd(const uint8_t *area, size_t len)
{
	static const char *const ids[] = { "CD001", "BEA01", "NSR02", "NSR03" };
	size_t off, i;

	/* Volume descriptors (ISO 9660) or the volume recognition sequence
	 * (UDF, ECMA-167) start at sector 16: type byte, five-byte id. */
	for (off = 0; off + 6 <= len; off += 2048)
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			if (!memcmp(area + off + 1, ids[i], 5))
				return true;
	return false;
}

/* How to make a raw image of a compressed one without us. */
static const char *decompress_hint(enum image_format f)
{
	switch (f) {
	case IMAGE_GZIP:
		return "gunzip -k";
	case IMAGE_XZ:
		return "unxz -k";
	default:
		return "unzstd";
	}
}

/*
 * A private, decompressed copy of the image open as fd (which stays the
 * caller's), made by the system's own tool (gzip, xz, zstd) in a child:
 * vusb links no decompression library, and a damaged or hostile file is
 * that child's problem, not ours. The copy is an unlinked file in TMPDIR
 * (or /var/tmp, /tmp), gone with its descriptor. The descriptor, or -errno
 * with err.
 */
static int decompress(int fd, enum image_format f, const char *path, struct strbuf *err)
{
	static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/local/bin" };
	static char *const envp[] = { "LC_ALL=C", NULL };
	const char *tool = image_format_name(f), *tdirs[] = { tmp_dir(), "/tmp" };
	char exe[64];
	char *argv[] = { exe, "-dc", NULL };
	posix_spawn_file_actions_t fa;
	int out = -1, r = -ENOENT, status;
	unsigned int i;
	pid_t pid;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(exe, sizeof(exe), "%s/%s", dirs[i], tool);
		if (access(exe, X_OK) == 0)
			break;
	}
	if (i == sizeof(dirs) / sizeof(dirs[0])) {
		strbuf_printf(err,
			      "%s is %s-compressed, and %s is not installed to decompress it: "
			      "install it, or decompress the image yourself (%s %s)",
			      path, tool, tool, decompress_hint(f), path);
		return -ENOENT;
	}
	for (i = 0; i < 2 && out < 0; i++) {
		out = open(tdirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (out < 0)
			r = -errno;
	}
	if (out < 0) {
		strbuf_printf(err, "%s is %s-compressed: cannot make a private copy in %s: %s",
			      path, tool, tmp_dir(), strerror(-r));
		return r;
	}
	r = posix_spawn_file_actions_init(&fa);
	if (r == 0) {
		posix_spawn_file_actions_adddup2(&fa, fd, 0);
		posix_spawn_file_actions_adddup2(&fa, out, 1);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
		r = posix_spawn(&pid, exe, &fa, NULL, argv, envp);
		posix_spawn_file_actions_destroy(&fa);
	}
	if (r != 0) {
		close(out);
		strbuf_printf(err,
			      "%s is %s-compressed: cannot run %s: %s (decompress it yourself: "
			      "%s %s)",
			      path, tool, exe, strerror(r), decompress_hint(f), path);
		return -r;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			close(out);
			strbuf_printf(err, "%s: waiting for %s: %s", path, tool, strerror(-r));
			return r;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		struct statvfs vfs;

		/* The copy is unlinked: closing it leaves no half copy behind. */
		if (fstatvfs(out, &vfs) == 0 &&
		    (uint64_t)vfs.f_bavail * vfs.f_frsize < COPY_ROOM_MIN) {
			close(out);
			strbuf_printf(err,
				      "%s is %s-compressed, and its decompressed copy does not fit "
				      "in %s (%llu KiB left): set TMPDIR to a directory with room, "
				      "or decompress it yourself (%s %s)",
				      path, tool, tmp_dir(),
				      (unsigned long long)vfs.f_bavail * vfs.f_frsize / 1024,
				      decompress_hint(f), path);
			return -ENOSPC;
		}
		close(out);
		strbuf_printf(err,
			      "%s: %s could not decompress it (a damaged or truncated file, or "
			      "no room in %s)",
			      path, tool, tmp_dir());
		return -EBADMSG;
	}
	return out;
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
 * What the bytes say, before the size is judged: a qcow2 image or a
 * compressed one for writing is refused with the command that converts
 * it; a compressed one read only (--ro, --snapshot, --cdrom) is replaced
 * (*fd, *size) by a private decompressed copy: 1. 0 or 1, or -errno with
 * err (*fd closed).
 */
static int check_format(int *fd, uint64_t *size, const char *path, const struct image_opts *o,
			struct strbuf *err)
{
	bool want_write = !o->readonly && !o->snapshot;
	uint8_t buf[512];
	enum image_format f;
	struct stat st;
	ssize_t n;
	int r = 0, copy;

	n = pread(*fd, buf, 512, 0);
	f = image_format_detect(buf, n > 0 ? (size_t)n : 0);
	if (f == IMAGE_QCOW2) {
		strbuf_printf(err,
			      "%s is a qcow2 image; vusb serves raw images: qemu-img convert "
			      "-O raw %s %s.raw",
			      path, path, path);
		r = -EMEDIUMTYPE;
		goto fail;
	}
	if (f != IMAGE_RAW && want_write) {
		strbuf_printf(err,
			      "%s is %s-compressed: serve it with --ro or --snapshot (from a "
			      "private decompressed copy), or decompress it to write to it "
			      "(%s %s)",
			      path, image_format_name(f), decompress_hint(f), path);
		r = -EMEDIUMTYPE;
		goto fail;
	}
	if (f != IMAGE_RAW) {
		copy = decompress(*fd, f, path, err);
		if (copy < 0) {
			r = copy;
			goto fail;
		}
		close(*fd);
		*fd = copy;
		if (fstat(copy, &st) < 0) {
			r = -errno;
			strbuf_printf(err, "%s: the decompressed copy: %s", path, strerror(-r));
			goto fail;
		}
		*size = (uint64_t)st.st_size;
		r = 1;
	}
	return r;
fail:
	close(*fd);
	return r;
}

int image_unpack(int fd, const char *path, const struct image_opts *o, int *ret_fd,
		 struct strbuf *err)
{
	char proc[64];
	uint64_t size = 0;
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3), ro, r;

	if (copy < 0)
		return -errno;
	r = check_format(&copy, &size, path, o, err);
	if (r <= 0) {
		if (r == 0)
			close(copy);
		return r;
	}
	/* Whoever we give it to reads it only. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", copy);
	ro = open(proc, O_RDONLY | O_CLOEXEC);
	r = -errno;
	close(copy);
	if (ro < 0) {
		strbuf_printf(err, "%s: the decompressed copy: %s", path, strerror(-r));
		return r;
	}
	*ret_fd = ro;
	return 1;
}

/* A CD image (2048-byte blocks) carries an ISO 9660 or UDF volume descriptor. 0 or -EMEDIUMTYPE. */
static int check_cd(int fd, uint64_t size, const char *path, struct strbuf *err)
{
	uint8_t buf[8 * 2048];
	ssize_t n = -1;

	if (size > 16 * 2048)
		n = pread(fd, buf, sizeof(buf), 16 * 2048);
	if (n > 0 && image_is_cd(buf, (size_t)n))
		return 0;
	strbuf_printf(err,
		      "%s is not a CD image: there is no ISO 9660 or UDF volume descriptor at "
		      "byte 32768 (leave --cdrom out for a disk image)",
		      path);
	return -EMEDIUMTYPE;
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
	r = check_format(&fd, &size, path, o, err);
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
		r = check_cd(fd, size, path, err);
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
