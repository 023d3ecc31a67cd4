// SPDX-License-Identifier: MIT
/*
 * What an image's bytes are (src/storage/image.h): raw, gzip, xz, zstd,
 * qcow2, a CD; a compressed one made into a private raw copy by the
 * system's own tool.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/storage/image-private.h"

/* Less room than this left after a decompressor failed: the copy did not fit. */
#define COPY_ROOM_MIN (1024 * 1024)

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
	const char *tool = image_format_name(f), *tdirs[] = { image_tmp_dir(), "/tmp" };
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
			      path, tool, image_tmp_dir(), strerror(-r));
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
				      path, tool, image_tmp_dir(),
				      (unsigned long long)vfs.f_bavail * vfs.f_frsize / 1024,
				      decompress_hint(f), path);
			return -ENOSPC;
		}
		close(out);
		strbuf_printf(err,
			      "%s: %s could not decompress it (a damaged or truncated file, or "
			      "no room in %s)",
			      path, tool, image_tmp_dir());
		return -EBADMSG;
	}
	return out;
}

/*
 * What the bytes say, before the size is judged: a qcow2 image or a
 * compressed one for writing is refused with the command that converts
 * it; a compressed one read only (--ro, --snapshot, --cdrom) is replaced
 * (*fd, *size) by a private decompressed copy: 1. 0 or 1, or -errno with
 * err (*fd closed).
 */
int image_check_format(int *fd, uint64_t *size, const char *path, const struct image_opts *o,
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
	r = image_check_format(&copy, &size, path, o, err);
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
int image_check_cd(int fd, uint64_t size, const char *path, struct strbuf *err)
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
