// SPDX-License-Identifier: MIT
/*
 * The run directory and its dev/ of name links (src/ctl/rundir.h): opened
 * without following symlinks, refused when others may write it, and swept
 * of what instances that died left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/ctl/ctl.h"
#include "src/ctl/rundir.h"

/* Is anybody listening on the socket `path` points at? */
bool ctl_socket_alive(const char *path)
{
	int fd = ctl_connect(path);

	if (fd < 0)
		return fd != -ECONNREFUSED && fd != -ENOENT && fd != -ENOTSOCK;
	close(fd);
	return true;
}

/* "../1234.sock", what a name link of ours points at. */
static bool our_link_target(const char *t)
{
	size_t i, n = strlen(t);

	if (n < 9 || strncmp(t, "../", 3) != 0 || strcmp(t + n - 5, ".sock") != 0)
		return false;
	for (i = 3; i < n - 5; i++)
		if (t[i] < '0' || t[i] > '9')
			return false;
	return true;
}

/* Is dir/name a link to one of our sockets (an instance's name)? */
bool ctl_is_our_link(int dir, const char *name)
{
	char target[64];
	ssize_t n = readlinkat(dir, name, target, sizeof(target) - 1);

	if (n < 0)
		return false;
	target[n] = '\0';
	return our_link_target(target);
}

/*
 * Open (making it first if needed) the directory `name` in `at`, without
 * following a symlink, and only if it is ours with no write bit for
 * others: root removes entries in it at start-up. The fd, or -errno with
 * the reason in err.
 */
static int open_own_dir(int at, const char *name, const char *shown, struct strbuf *err)
{
	struct stat st;
	int fd;

	if (mkdirat(at, name, 0755) < 0 && errno != EEXIST) {
		int r = -errno;

		strbuf_printf(err, "cannot create %s: %s", shown, strerror(-r));
		return r;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		/* O_DIRECTORY says ENOTDIR for a symlink too. */
		if (r == -ENOTDIR && fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			r = -ELOOP;
		if (r == -ELOOP || r == -ENOTDIR)
			strbuf_printf(err, "%s is %s, not a directory: refused", shown,
				      r == -ELOOP ? "a symbolic link" : "a file");
		else
			strbuf_printf(err, "cannot open %s: %s", shown, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		strbuf_printf(err, "cannot stat %s: %s", shown, strerror(-r));
		return r;
	}
	if (st.st_uid != geteuid() || (st.st_mode & S_IWOTH)) {
		close(fd);
		strbuf_printf(err, "%s is %s: refused (it must be ours, mode 0755)", shown,
			      st.st_uid != geteuid() ? "owned by another user" :
						       "writable by others");
		return -EPERM;
	}
	return fd;
}

/* Is dev/name a name link of ours whose instance answers? */
static bool name_alive(int devdir, const char *devpath, const char *name)
{
	char path[PATH_MAX];

	if (!ctl_is_our_link(devdir, name) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", devpath, name) >= sizeof(path))
		return false;
	return ctl_socket_alive(path);
}

/*
 * dev/NAME.tty, a serial device's link to its pty ("/dev/pts/N"), whose
 * NAME no live instance holds: that pty is gone, and its number may be
 * another user's terminal by now.
 */
static bool stale_tty_link(int devdir, const char *devpath, const char *name)
{
	char target[64], base[NAME_MAX + 1];
	size_t n = strlen(name);
	ssize_t t;

	if (n < 5 || n > NAME_MAX || strcmp(name + n - 4, ".tty") != 0)
		return false;
	t = readlinkat(devdir, name, target, sizeof(target) - 1);
	if (t < 0)
		return false;
	target[t] = '\0';
	if (strncmp(target, "/dev/pts/", 9) != 0)
		return false;
	memcpy(base, name, n - 4);
	base[n - 4] = '\0';
	return !name_alive(devdir, devpath, base);
}

/*
 * Remove sockets and name links left by instances that died: in dev/
 * only links to a socket of ours that nobody answers, and the pty links
 * of those names; in the run directory only dead sockets named *.sock.
 * Anything else stays.
 */
static void sweep_stale(int rundir, int devdir, const char *devpath, const char *runpath)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	fd = dup(devdir);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (stale_tty_link(devdir, devpath, de->d_name) ||
		    (ctl_is_our_link(devdir, de->d_name) &&
		     !name_alive(devdir, devpath, de->d_name)))
			unlinkat(devdir, de->d_name, 0);
	}
	if (d)
		closedir(d);
	fd = dup(rundir);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n < 6 || strcmp(de->d_name + n - 5, ".sock") != 0)
			continue;
		if (fstatat(rundir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISSOCK(st.st_mode))
			continue;
		snprintf(path, sizeof(path), "%s/%s", runpath, de->d_name);
		if (!ctl_socket_alive(path))
			unlinkat(rundir, de->d_name, 0);
	}
	if (d)
		closedir(d);
}

int ctl_rundir_prepare(const char *rundir, const char *devdir, struct strbuf *err)
{
	int rfd, dfd;

	rfd = open_own_dir(AT_FDCWD, rundir, rundir, err);
	dfd = rfd < 0 ? rfd : open_own_dir(rfd, "dev", devdir, err);
	if (dfd < 0) {
		if (rfd >= 0)
			close(rfd);
		return dfd;
	}
	sweep_stale(rfd, dfd, devdir, rundir);
	close(dfd);
	close(rfd);
	return 0;
}
