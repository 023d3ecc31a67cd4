// SPDX-License-Identifier: MIT
/* The control socket's client side, in vusbctl (src/ctl/client.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "src/ctl/client.h"


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send the first bytes of a request with `pass` (n of them) attached (SCM_RIGHTS). */
static ssize_t send_with_fds(int fd, const char *buf, size_t len, const int *pass, unsigned int n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
	} u;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	msg.msg_control = u.buf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), pass, n * sizeof(int));
	return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

/* Write all of buf, the first bytes with the n descriptors of `pass` attached. */
static int send_all(int fd, const char *buf, size_t len, const int *pass, unsigned int n)
{
	size_t off = 0;

	if (n > CTL_MAX_FDS)
		return -E2BIG;
	while (off < len) {
		ssize_t w = off == 0 && n ? send_with_fds(fd, buf, len, pass, n) :
					    send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

/* Read exactly len bytes by the deadline. */
static int recv_all(int fd, void *buf, size_t len, int64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pf, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_call(const char *path, int argc, char *const *argv, int timeout_ms,
	     struct strbuf *reply)
{
	return ctl_call_fd(path, argc, argv, -1, timeout_ms, reply);
}

int ctl_call_fd(const char *path, int argc, char *const *argv, int pass_fd, int timeout_ms,
		struct strbuf *reply)
{
	return ctl_call_fds(path, argc, argv, &pass_fd, pass_fd >= 0, timeout_ms, reply);
}

int ctl_call_fds(const char *path, int argc, char *const *argv, const int *fds, unsigned int nfds,
		 int timeout_ms, struct strbuf *reply)
{
	struct strbuf req = { 0 };
	int64_t deadline = now_ms() + timeout_ms;
	int fd, r;

	r = ctl_request_encode(argc, argv, &req);
	if (r < 0)
		goto out_free;
	fd = ctl_connect(path);
	if (fd < 0) {
		r = fd;
		goto out_free;
	}
	r = send_all(fd, req.buf, req.len, fds, nfds);
	/* A server with every connection taken says "busy" and hangs up,
	 * maybe before the request went: its answer is still there to read. */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		goto out_close;
	if (r == 0)
		shutdown(fd, SHUT_WR);

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[4096];
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			r = -ETIMEDOUT;
			goto out_close;
		}
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			goto out_close;
		}
		if (r == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		/* A busy server hung up on a request it did not read: what it
		 * said before is the answer. */
		if (n < 0 && errno == ECONNRESET && reply->len)
			break;
		if (n < 0) {
			r = -errno;
			goto out_close;
		}
		if (n == 0)
			break;
		if (reply->len + (size_t)n > CTL_MAX_REPLY) {
			r = -EMSGSIZE;
			goto out_close;
		}
		strbuf_add(reply, buf, (size_t)n);
	}
	r = reply->err;
out_close:
	close(fd);
out_free:
	strbuf_free(&req);
	return r;
}

int ctl_session_open(const char *path)
{
	int fd = ctl_connect(path), r;

	if (fd < 0)
		return fd;
	r = send_all(fd, CTL_SESSION_MAGIC, sizeof(CTL_SESSION_MAGIC), NULL, 0);
	/* Hung up on by a busy server: the first call reads why. */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET) {
		close(fd);
		return r;
	}
	return fd;
}

bool ctl_session_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	/* With no request outstanding, anything to read is the end. */
	return poll(&p, 1, 0) != 0;
}

int ctl_session_call(int fd, int argc, char *const *argv, int pass_fd, int timeout_ms,
		     struct strbuf *reply)
{
	struct strbuf req = { 0 };
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t len[4];
	uint32_t n;
	int r;

	strbuf_add(&req, "\0\0\0\0", 4);
	r = ctl_request_encode(argc, argv, &req);
	if (r == 0 && req.len - 4 > CTL_MAX_REQUEST - 4)
		r = -E2BIG;
	if (r < 0)
		goto out;
	n = (uint32_t)(req.len - 4) | (pass_fd >= 0 ? CTL_FRAME_FD : 0);
	req.buf[0] = (char)n;
	req.buf[1] = (char)(n >> 8);
	req.buf[2] = (char)(n >> 16);
	req.buf[3] = (char)(n >> 24);
	r = send_all(fd, req.buf, req.len, &pass_fd, pass_fd >= 0);
	if (r == 0 || r == -EPIPE || r == -ECONNRESET) {
		int got = recv_all(fd, len, 4, deadline);

		if (r == 0 || got == 0)
			r = got;
	}
	if (r < 0)
		goto out;
	/* A busy server's one-shot answer ("ERR 1 busy: ..."), never a
	 * length a frame can have. */
	if (memcmp(len, "ERR ", 4) == 0) {
		r = -EBUSY;
		goto out;
	}
	n = (uint32_t)len[0] | (uint32_t)len[1] << 8 | (uint32_t)len[2] << 16 |
	    (uint32_t)len[3] << 24;
	if (n > CTL_MAX_REPLY) {
		r = -EBADMSG;
		goto out;
	}
	while (n) {
		char buf[4096];
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		r = recv_all(fd, buf, k, deadline);
		if (r < 0)
			goto out;
		strbuf_add(reply, buf, k);
		n -= (uint32_t)k;
	}
	r = reply->err;
out:
	strbuf_free(&req);
	return r;
}
