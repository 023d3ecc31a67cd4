// SPDX-License-Identifier: MIT
/*
 * The files of an add request, opened by whoever asks (src/app/add.h):
 * vusbctl with its caller's rights, or vusb-attach for its own terminal.
 * Each is made or opened the way vusb-attach makes or opens it at start.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/*
 * --exec CMD: a socketpair, and a process of the caller's in a session of
 * its own that waits for a byte on a socket, then runs `sh -c CMD` on the
 * pair's other end (standard input and output; error to /dev/null, so
 * that nobody waiting for vusbctl's output waits for CMD's). It runs
 * only once the instance has taken the device. The end to send, or a
 * negated exit code.
 */
static int start_exec(const char *cmd, struct add_opened *o, struct strbuf *err)
{
	int sv[2], go[2];
	pid_t pid;

	if (!*cmd) {
		strbuf_printf(err, "--exec needs a command");
		return -EXIT_USAGE;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		strbuf_printf(err, "--exec: socketpair: %s", strerror(errno));
		return -EXIT_FAILURE_;
	}
	/* A socket, not a pipe: a go that finds it gone must not SIGPIPE us. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0) {
		strbuf_printf(err, "--exec: socketpair: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -EXIT_FAILURE_;
	}
	pid = fork();
	if (pid < 0) {
		strbuf_printf(err, "--exec: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		close(go[0]);
		close(go[1]);
		return -EXIT_FAILURE_;
	}
	if (pid == 0) {
		sigset_t none;
		char c;
		int null;

		close(go[1]);
		close(sv[0]);
		setsid();
		if (read(go[0], &c, 1) != 1)
			_exit(0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0 || (null >= 0 && dup2(null, 2) < 0))
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	close(sv[1]);
	o->exec_pid = pid;
	o->exec_go = go[1];
	return sv[0];
}

static int open_one(const struct cli_device *d, const struct add_file *f, bool may_exec,
		    struct add_opened *o, bool *ret_created, struct strbuf *err)
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
		 * made; a refused request leaves an old capture as it was. An
		 * existing one is not followed if it is a symbolic link: one
		 * left in a shared directory (/tmp) by another user would
		 * have us, perhaps as root, hand over whatever file it names
		 * to be truncated. */
		fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | flags, 0644);
		if (fd >= 0)
			*ret_created = true;
		else if (errno == EEXIST)
			fd = open(f->path, O_WRONLY | O_NOFOLLOW | flags);
		if (fd < 0 && errno == ELOOP) {
			strbuf_printf(err,
				      "cannot write the capture %s: it is a symbolic link (vusbctl "
				      "writes a capture through none: name the file itself)",
				      f->path);
			return -EXIT_USAGE;
		}
		if (fd < 0) {
			int e = errno;

			strbuf_printf(err, "cannot write the capture %s: %s", f->path, strerror(e));
			return -open_code(e);
		}
		return fd;
	case ADD_FILE_EXEC:
		if (!may_exec) {
			strbuf_printf(err,
				      "--exec here would run the command as vusb-attach's user: "
				      "vusbctl add starts it as you");
			return -EXIT_USAGE;
		}
		return start_exec(f->path, o, err);
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

/* The last component of path: what a directory holds. */
static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * The directory that holds the file fd, just made at path, opened so
 * that the undo removes the name there and nowhere else; -1 if path no
 * longer names fd (then nothing is removed).
 */
static int dir_of(const char *path, int fd)
{
	const char *base = base_of(path);
	char dir[PATH_MAX];
	struct stat a, b;
	int dfd;

	if (base == path)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(base - path) >= sizeof(dir))
		return -1;
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	if (!*base || fstat(fd, &a) < 0 || fstatat(dfd, base, &b, AT_SYMLINK_NOFOLLOW) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(dfd);
		return -1;
	}
	return dfd;
}

int add_files_open(const struct cli_device *d, const struct add_file *files, unsigned int n,
		   bool may_exec, struct add_opened *ret, struct strbuf *err)
{
	unsigned int i;

	ret->exec_pid = 0;
	ret->exec_go = -1;
	for (i = 0; i < ADD_MAX_FILES; i++) {
		ret->fds[i] = -1;
		ret->created[i] = false;
		ret->dirs[i] = -1;
	}
	for (i = 0; i < n; i++) {
		int fd = open_one(d, &files[i], may_exec, ret, &ret->created[i], err);

		if (fd < 0) {
			add_files_close(files, i, ret, true);
			return -fd;
		}
		ret->fds[i] = fd;
		if (ret->created[i])
			ret->dirs[i] = dir_of(files[i].path, fd);
	}
	return 0;
}

void add_files_close(const struct add_file *files, unsigned int n, struct add_opened *o, bool undo)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const char *base = base_of(files[i].path);
		struct stat a, b;

		if (o->fds[i] < 0)
			continue;
		/* Only what we made, only in the directory we made it in, and
		 * only if the name there is still it. */
		if (o->created[i] && o->dirs[i] >= 0) {
			if (undo && fstat(o->fds[i], &a) == 0 &&
			    fstatat(o->dirs[i], base, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				unlinkat(o->dirs[i], base, 0);
			close(o->dirs[i]);
			o->dirs[i] = -1;
		}
		close(o->fds[i]);
		o->fds[i] = -1;
	}
	if (o->exec_go >= 0) {
		/* Go, or (EOF) end without having run anything. */
		if (!undo && send(o->exec_go, "", 1, MSG_NOSIGNAL) != 1)
			undo = true;
		close(o->exec_go);
		o->exec_go = -1;
	}
	/* A process that ran nothing ends at once: reap it. One that runs CMD
	 * is the caller's, in its own session, and outlives us. */
	if (undo && o->exec_pid > 0)
		while (waitpid(o->exec_pid, NULL, 0) < 0 && errno == EINTR)
			;
	o->exec_pid = 0;
}
