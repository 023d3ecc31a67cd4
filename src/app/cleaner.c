// SPDX-License-Identifier: MIT
/*
 * The cleaner (src/app/privs.h): a helper forked before the privilege
 * drop that keeps root for one job, in the run directory's dev/ only:
 * removing what the served process cannot once it has given up root, and
 * making a name link, report socket or pty link for a device added later,
 * each checked here as if the server were hostile.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "src/app/privs.h"
#include "src/base/num.h"
#include "src/ctl/server.h"
#include "sysfs/affinity.h"

/* Does a server answer on the socket `path` of `type` (SOCK_STREAM: a
 * control socket; SOCK_SEQPACKET: a report socket, src/app/hidsock.h)? */
static bool answers(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

/* Remove devdir/name if it is a link to the server's socket, its pty
 * link, and its report socket (NAME.hid) once nobody listens there. */
static void unlink_ours(const char *devdir, const char *name, const char *sock)
{
	char hid[PATH_MAX];
	struct stat st;
	char target[PATH_MAX], link[PATH_MAX], buf[PATH_MAX];
	const char *base = strrchr(sock, '/');
	ssize_t n;

	base = base ? base + 1 : sock;
	if ((size_t)snprintf(target, sizeof(target), "../%s", base) >= sizeof(target) ||
	    (size_t)snprintf(link, sizeof(link), "%s/%s", devdir, name) >= sizeof(link))
		return;
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return;
	buf[n] = '\0';
	if (strcmp(buf, target) != 0)
		return;
	/* A serial device's pty link (src/app/serial.c) goes with its name. */
	if ((size_t)snprintf(target, sizeof(target), "%s.tty", link) < sizeof(target) &&
	    (n = readlink(target, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (strncmp(buf, "/dev/pts/", 9) == 0)
			unlink(target);
	}
	unlink(link);
	if ((size_t)snprintf(hid, sizeof(hid), "%s.hid", link) < sizeof(hid) &&
	    lstat(hid, &st) == 0 && S_ISSOCK(st.st_mode) && !answers(hid, SOCK_SEQPACKET))
		unlink(hid);
}

/* A name as ctl.c accepts them: no '/', no "..", nothing to escape devdir. */
static bool name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= 64 || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/*
 * Link devdir/name to the server's socket (vusbctl add, after the drop):
 * 0 or -errno, -EEXIST when a live instance has the name. A link left by
 * an instance that is gone is replaced; nothing else is removed.
 */
static int link_ours(const char *devdir, const char *name, const char *sock)
{
	char target[PATH_MAX], link[PATH_MAX], buf[PATH_MAX], peer[PATH_MAX];
	const char *base = strrchr(sock, '/');
	ssize_t n;
	int tries;

	base = base ? base + 1 : sock;
	if ((size_t)snprintf(target, sizeof(target), "../%s", base) >= sizeof(target) ||
	    (size_t)snprintf(link, sizeof(link), "%s/%s", devdir, name) >= sizeof(link))
		return -ENAMETOOLONG;
	for (tries = 0; tries < 2; tries++) {
		if (symlink(target, link) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
		n = readlink(link, buf, sizeof(buf) - 1);
		if (n < 0)
			return -EEXIST;
		buf[n] = '\0';
		/* Only a link to a socket of the run directory, dead, gives way. */
		if (strncmp(buf, "../", 3) != 0 || strchr(buf + 3, '/') || strlen(buf + 3) < 6 ||
		    strcmp(buf + strlen(buf) - 5, ".sock") != 0 ||
		    (size_t)snprintf(peer, sizeof(peer), "%s/%s", devdir, buf) >= sizeof(peer) ||
		    answers(peer, SOCK_STREAM))
			return -EEXIST;
		unlink(link);
	}
	return -EEXIST;
}

/*
 * Is devdir/name a link to our server's socket `sock`, as the names of an
 * instance's devices are? 0, -ENOENT (no link), -EPERM (another's), or
 * -ENAMETOOLONG.
 */
static int name_is_ours(const char *devdir, const char *name, const char *sock)
{
	char link[PATH_MAX], target[PATH_MAX], buf[PATH_MAX];
	const char *base = strrchr(sock, '/');
	ssize_t n;

	base = base ? base + 1 : sock;
	if ((size_t)snprintf(link, sizeof(link), "%s/%s", devdir, name) >= sizeof(link) ||
	    (size_t)snprintf(target, sizeof(target), "../%s", base) >= sizeof(target))
		return -ENAMETOOLONG;
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return -ENOENT;
	buf[n] = '\0';
	return strcmp(buf, target) == 0 ? 0 : -EPERM;
}

/*
 * Listen at devdir/name.hid for a device added after the drop (its report
 * socket, src/app/hidsock.h), shared with the vusb group as the server's
 * own sockets are: the listening socket, or -errno. Only nothing, or a
 * report socket nobody answers, is replaced; and only for a name linked
 * to our server.
 */
static int listen_report(const char *devdir, const char *name, const char *sock)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.hid", devdir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	r = name_is_ours(devdir, name, sock);
	if (r < 0)
		return r;
	if (lstat(path, &st) == 0 && (!S_ISSOCK(st.st_mode) || answers(path, SOCK_SEQPACKET)))
		return -EEXIST;
	fd = ctl_listen_socket(path, SOCK_SEQPACKET, PRIVS_REPORT_BACKLOG);
	if (fd < 0)
		return fd;
	r = privs_share_socket(path);
	if (r < 0) {
		close(fd);
		unlink(path);
		return r;
	}
	return fd;
}

/* The real uid of process pid (from /proc/PID/status), or -1. */
static long uid_of(pid_t pid)
{
	char path[64], buf[2048], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nUid:");
	return p ? strtol(p + 5, NULL, 10) : -1;
}

/*
 * Link devdir/NAME.tty to the terminal `pts` ("/dev/pts/N", a character
 * device) for a serial device added after the drop, its name linked to
 * our server first. The terminal must be the server's own: a pty's
 * terminal belongs to whoever opened /dev/ptmx, and one of another
 * user's (their ssh session) is refused. Only nothing, or a link to
 * another pts (an instance that is gone had the name), is replaced.
 * 0 or -errno.
 */
static int link_tty(const char *devdir, const char *name, const char *pts, const char *sock,
		    pid_t server)
{
	char path[PATH_MAX], buf[PATH_MAX];
	const char *p;
	struct stat st;
	ssize_t n;
	int r;

	if (strncmp(pts, "/dev/pts/", 9) != 0 || !pts[9] || strlen(pts) > 20)
		return -EINVAL;
	for (p = pts + 9; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	if (stat(pts, &st) < 0 || !S_ISCHR(st.st_mode))
		return -EINVAL;
	if ((long)st.st_uid != uid_of(server))
		return -EPERM;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.tty", devdir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	r = name_is_ours(devdir, name, sock);
	if (r < 0)
		return r;
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = '\0';
		if (strncmp(buf, "/dev/pts/", 9) != 0)
			return -EEXIST;
		unlink(path);
	} else if (errno != ENOENT) {
		return -EEXIST;
	}
	return symlink(pts, path) < 0 ? -errno : 0;
}

/* Answer "ERRNO\n" on fd 3, with the descriptor `pass` when >= 0. */
static void answer(int err, int pass)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { 0 };
	struct iovec iov;
	char ans[16];
	int n = snprintf(ans, sizeof(ans), "%d\n", err);

	iov.iov_base = ans;
	iov.iov_len = (size_t)n;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (pass >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		u.h.cmsg_level = SOL_SOCKET;
		u.h.cmsg_type = SCM_RIGHTS;
		u.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&u.h), &pass, sizeof(int));
	}
	if (sendmsg(3, &msg, MSG_NOSIGNAL) < 0)
		return;
}

static void clean(const char *sock, const char *devdir, const char *pidfile, pid_t server)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct dirent *de;
	char buf[32];
	int fd, i;
	DIR *d;

	/*
	 * A killed server's pipe may close before its listening socket
	 * does (the kernel releases an exiting task's files in reverse
	 * order): give the socket a second to go. One that still answers
	 * is not ours (another process got our pid): leave it all alone.
	 */
	for (i = 0; answers(sock, SOCK_STREAM); i++) {
		if (i == 100)
			return;
		nanosleep(&tick, NULL);
	}
	d = opendir(devdir);
	while (d && (de = readdir(d)))
		if (name_ok(de->d_name))
			unlink_ours(devdir, de->d_name, sock);
	if (d)
		closedir(d);
	unlink(sock);
	if (!pidfile)
		return;
	fd = open(pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (strtol(buf, NULL, 10) == (long)server)
				unlink(pidfile);
		}
	}
}

/*
 * "@PID CPU": move a kernel thread of a device of the server's to cpu.
 * The server is not trusted with it: the thread must be one of the names
 * vusb moves (vhci's, usb-storage's), and cpu one we may run on (the
 * server's CPU, which we inherited). 0 or -errno.
 */
static int pin_request(const char *req)
{
	char pid_s[16], cpu_s[8];
	long long pid, cpu;
	cpu_set_t mine;

	if (sscanf(req, "%15[0-9] %7[0-9]", pid_s, cpu_s) != 2 ||
	    num_parse(pid_s, 10, 1, INT_MAX, &pid) < 0 ||
	    num_parse(cpu_s, 10, 0, CPU_SETSIZE - 1, &cpu) < 0)
		return -EINVAL;
	if (sched_getaffinity(0, sizeof(mine), &mine) < 0)
		return -errno;
	if (!CPU_ISSET((int)cpu, &mine))
		return -EINVAL;
	return affinity_pin_kthread("/proc", (pid_t)pid, affinity_all_names, (int)cpu);
}

static void close_from(int first)
{
	int fd, max = (int)sysconf(_SC_OPEN_MAX);

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)first, ~0u, 0u) == 0)
		return;
#endif
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = first; fd < max; fd++)
		close(fd);
}

static void cleaner_main(int rfd, const char *sock, const char *devdir, const char *pidfile,
			 pid_t server)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP };
	char line[256];
	size_t len = 0;
	sigset_t none;
	unsigned int i;
	int null;

	/* The same stop (Ctrl-C, systemd's SIGTERM to the group) reaches
	 * us too: we end when the server does, not before. */
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "vusb-cleaner", 0, 0, 0);
	/* Hold nothing of the server's: no socket, no terminal, no pipe a
	 * caller waits on for EOF. */
	if (dup2(rfd, 3) < 0)
		_exit(1);
	close_from(4);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 3)
			close(null);
	}
	/*
	 * Lines of names to release, until the server's end goes; a line
	 * "+NAME" claims NAME instead, answered with "ERRNO\n" (0: done);
	 * "=NAME" makes NAME's report socket, answered so with it attached;
	 * "~NAME PTS" links NAME.tty to the terminal PTS, answered so;
	 * "@PID CPU" moves a device's kernel thread, answered with ERRNO.
	 */
	for (;;) {
		ssize_t n = read(3, line + len, sizeof(line) - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		line[len] = '\0';
		while ((nl = memchr(line, '\n', len))) {
			*nl = '\0';
			if (line[0] == '+') {
				int r = name_ok(line + 1) ? link_ours(devdir, line + 1, sock) :
							    -EINVAL;

				answer(-r, -1);
			} else if (line[0] == '@') {
				answer(-pin_request(line + 1), -1);
			} else if (line[0] == '=') {
				int fd = name_ok(line + 1) ? listen_report(devdir, line + 1, sock) :
							     -EINVAL;

				answer(fd < 0 ? -fd : 0, fd);
				if (fd >= 0)
					close(fd);
			} else if (line[0] == '~') {
				char *pts = strchr(line + 1, ' ');
				int r = -EINVAL;

				if (pts) {
					*pts++ = '\0';
					if (name_ok(line + 1))
						r = link_tty(devdir, line + 1, pts, sock, server);
				}
				answer(-r, -1);
			} else if (name_ok(line)) {
				unlink_ours(devdir, line, sock);
			}
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len);
		}
		if (len == sizeof(line) - 1)
			len = 0; /* not a name: drop it */
	}
	clean(sock, devdir, pidfile, server);
	_exit(0);
}

int privs_cleaner_start(struct privs_cleaner *c, const char *sock, const char *devdir,
			const char *pidfile)
{
	pid_t server = getpid(), pid;
	int p[2];

	c->pid = 0;
	c->fd = -1;
	/* Both ways: names claimed are answered (privs_cleaner_claim). */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -errno;
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		close(p[1]);
		cleaner_main(p[0], sock, devdir, pidfile, server);
	}
	close(p[0]);
	c->pid = pid;
	c->fd = p[1];
	return 0;
}

/* Ask the cleaner `op` NAME; its answer, and a descriptor it sent (or -1) in *ret_fd. */
static int cleaner_ask(struct privs_cleaner *c, char op, const char *name, int *ret_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct pollfd pfd;
	char line[128];
	size_t len = 0;
	int n, t, got = -1;

	if (!c || !c->pid || c->fd < 0)
		return -EACCES;
	n = snprintf(line, sizeof(line), "%c%s\n", op, name);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	if (write(c->fd, line, (size_t)n) != n)
		return -EIO;
	/* One short answer; a second is plenty for a symlink() or a bind(). */
	for (t = 0; t < 10 && len < sizeof(line) - 1; t++) {
		struct msghdr msg = { 0 };
		struct iovec iov = { line + len, sizeof(line) - 1 - len };
		struct cmsghdr *cm;
		ssize_t r;

		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			break;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		r = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && got < 0)
				memcpy(&got, CMSG_DATA(cm), sizeof(int));
		len += (size_t)r;
		line[len] = '\0';
		if (memchr(line, '\n', len)) {
			long e = strtol(line, NULL, 10);

			if (e > 0 && e < 4096) {
				if (got >= 0)
					close(got);
				return -(int)e;
			}
			if (ret_fd)
				*ret_fd = got;
			else if (got >= 0)
				close(got);
			return 0;
		}
	}
	if (got >= 0)
		close(got);
	return len ? -EBADMSG : -ETIMEDOUT;
}

int privs_cleaner_claim(struct privs_cleaner *c, const char *name)
{
	return cleaner_ask(c, '+', name, NULL);
}

int privs_cleaner_pin(struct privs_cleaner *c, pid_t pid, int cpu)
{
	char req[32];

	snprintf(req, sizeof(req), "%d %d", (int)pid, cpu);
	return cleaner_ask(c, '@', req, NULL);
}

int privs_cleaner_report_socket(struct privs_cleaner *c, const char *name)
{
	int fd = -1, r = cleaner_ask(c, '=', name, &fd);

	if (r == 0 && fd < 0)
		return -EBADMSG;
	return r < 0 ? r : fd;
}

int privs_cleaner_tty_link(struct privs_cleaner *c, const char *name, const char *pts)
{
	char arg[128];

	if ((size_t)snprintf(arg, sizeof(arg), "%s %s", name, pts) >= sizeof(arg))
		return -ENAMETOOLONG;
	return cleaner_ask(c, '~', arg, NULL);
}

void privs_cleaner_release(struct privs_cleaner *c, const char *name)
{
	char line[128];
	ssize_t w;
	int n;

	if (!c || !c->pid || c->fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s\n", name);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	/* One short write to a pipe is atomic, and never blocks (O_NONBLOCK):
	 * a full pipe only leaves the link to the final clean-up. */
	w = write(c->fd, line, (size_t)n);
	(void)w;
}

void privs_cleaner_finish(struct privs_cleaner *c)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int i, status;

	if (!c || !c->pid)
		return;
	close(c->fd);
	c->fd = -1;
	for (i = 0; i < 100; i++) {
		pid_t r = waitpid(c->pid, &status, WNOHANG);

		if (r == c->pid || (r < 0 && errno != EINTR))
			break;
		nanosleep(&tick, NULL);
	}
	c->pid = 0;
}
