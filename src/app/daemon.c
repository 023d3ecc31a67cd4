// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/app/daemon.h"

int notify_addr_parse(const char *s, struct sockaddr_un *ret, socklen_t *ret_len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n;

	if (!s || !ret || !ret_len)
		return -EINVAL;
	n = strlen(s);
	if (strncmp(s, "vsock:", 6) == 0)
		return -EAFNOSUPPORT;
	if (n < 2 || (s[0] != '/' && s[0] != '@'))
		return -EINVAL;
	if (n > sizeof(a.sun_path) - (s[0] == '/' ? 1 : 0))
		return -EINVAL;
	memcpy(a.sun_path, s, n);
	/* An abstract socket: a NUL first, and the length says where it ends. */
	if (s[0] == '@')
		a.sun_path[0] = '\0';
	*ret = a;
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (s[0] == '/' ? 1 : 0));
	return 0;
}

/* A whole decimal number below max; -1 when not. */
static long long parse_dec(const char *s, size_t len, unsigned long long max)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (unsigned long long)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	return (long long)v;
}

bool journal_stream_matches(const char *env, dev_t dev, ino_t ino)
{
	const char *colon;
	long long d, i;

	if (!env)
		return false;
	colon = strchr(env, ':');
	if (!colon)
		return false;
	d = parse_dec(env, (size_t)(colon - env), INT64_MAX);
	i = parse_dec(colon + 1, strlen(colon + 1), INT64_MAX);
	return d >= 0 && i >= 0 && (dev_t)d == dev && (ino_t)i == ino;
}

int pidfile_parse(const char *text, size_t len, pid_t *ret)
{
	long long v;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	v = parse_dec(text, len, INT32_MAX);
	if (v <= 0)
		return -EBADMSG;
	*ret = (pid_t)v;
	return 0;
}

int notify_send(const char *state)
{
	const char *env = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr;
	socklen_t len;
	ssize_t n;
	int fd, r;

	if (!env)
		return 0;
	r = notify_addr_parse(env, &addr, &len);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
	r = n < 0 ? -errno : 1;
	close(fd);
	return r;
}

bool journal_stream_is_stderr(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return journal_stream_matches(getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
}

int daemon_start(struct daemon_pipe *ret, int *ret_status)
{
	int p[2], status, null;
	pid_t pid;
	unsigned char c;
	ssize_t n;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC) < 0) {
		int r = -errno;

		close(null);
		return r;
	}
	/* What the caller has not written yet must not be written twice. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		close(null);
		return r;
	}
	if (pid == 0) {
		close(p[0]);
		if (setsid() < 0)
			_exit(EXIT_FAILURE);
		pid = fork();
		if (pid < 0)
			_exit(EXIT_FAILURE);
		if (pid > 0)
			_exit(EXIT_SUCCESS);
		/* The daemon: not a session leader, so no controlling
		 * terminal can come back; SIGHUP from the old one is moot. */
		ret->fd = p[1];
		ret->null_fd = null;
		return 0;
	}
	close(p[1]);
	close(null);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	do
		n = read(p[0], &c, 1);
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n != 1)
		return -EPIPE;
	*ret_status = c;
	return 1;
}

void daemon_report(struct daemon_pipe *p, int status)
{
	unsigned char c = (unsigned char)(status & 0xff);
	ssize_t n;

	if (p->fd < 0)
		return;
	if (status == 0 && p->null_fd >= 0) {
		fflush(stdout);
		fflush(stderr);
		dup2(p->null_fd, STDIN_FILENO);
		dup2(p->null_fd, STDOUT_FILENO);
		dup2(p->null_fd, STDERR_FILENO);
	}
	do
		n = write(p->fd, &c, 1);
	while (n < 0 && errno == EINTR);
	close(p->fd);
	if (p->null_fd > STDERR_FILENO)
		close(p->null_fd);
	p->fd = -1;
	p->null_fd = -1;
}

int pidfile_create(const char *path, int *ret_fd, pid_t *ret_owner)
{
	char buf[32];
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pid_t owner = 0;

		r = errno == EWOULDBLOCK ? -EEXIST : -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0 || pidfile_parse(buf, (size_t)n, &owner) < 0)
			owner = 0;
		close(fd);
		*ret_owner = owner;
		return r;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		r = -errno;
		close(fd);
		unlink(path);
		return r ? r : -EIO;
	}
	*ret_fd = fd;
	return 0;
}

void pidfile_remove(const char *path, int fd)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}
