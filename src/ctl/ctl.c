// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "src/ctl/ctl.h"
#include "src/base/list.h"

#define MAX_CLIENTS 16

const char *ctl_rundir(void)
{
	const char *d = getenv("VUSB_RUNDIR");

	return d && *d ? d : "/run/vusb";
}

int ctl_request_parse(char *buf, size_t len, char **argv, int max)
{
	size_t i, start = 0;
	int argc = 0;

	if (len == 0 || buf[len - 1] != '\0')
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (buf[i] != '\0')
			continue;
		if (argc >= max)
			return -EINVAL;
		argv[argc++] = buf + start;
		start = i + 1;
	}
	return argc;
}

int ctl_request_encode(int argc, char *const *argv, struct strbuf *out)
{
	int i;

	for (i = 0; i < argc; i++)
		strbuf_add(out, argv[i], strlen(argv[i]) + 1);
	if (out->err)
		return out->err;
	return out->len > CTL_MAX_REQUEST ? -E2BIG : 0;
}

int ctl_reply_parse(char *buf, size_t len, int *ret_code, const char **ret_msg,
		    const char **ret_body)
{
	char *nl, *end;
	long code;

	/* buf[len] is a NUL (a strbuf); a NUL inside is not text. */
	if (len == 0 || memchr(buf, '\0', len))
		return -EBADMSG;
	nl = memchr(buf, '\n', len);
	if (!nl)
		return -EBADMSG;
	*nl = '\0';
	if (strcmp(buf, "OK") == 0) {
		*ret_code = 0;
		*ret_msg = "";
		*ret_body = nl + 1;
		return 0;
	}
	if (strncmp(buf, "ERR ", 4) != 0)
		return -EBADMSG;
	errno = 0;
	code = strtol(buf + 4, &end, 10);
	if (errno || end == buf + 4 || code <= 0 || code > 125 || (*end != ' ' && *end))
		return -EBADMSG;
	*ret_code = (int)code;
	*ret_msg = *end ? end + 1 : "";
	*ret_body = nl + 1;
	return 0;
}

int ctl_split_line(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r)
			return argc;
		if (argc >= max)
			return -EINVAL;
		argv[argc++] = w;
		while (*r && (quote || (*r != ' ' && *r != '\t' && *r != '\n' && *r != '\r'))) {
			if (quote && *r == quote) {
				quote = 0;
				r++;
			} else if (!quote && (*r == '"' || *r == '\'')) {
				quote = *r++;
			} else if (*r == '\\' && quote != '\'' && r[1]) {
				r++;
				*w++ = *r++;
			} else {
				*w++ = *r++;
			}
		}
		if (quote)
			return -EINVAL;
		if (*r)
			r++;
		*w++ = '\0';
	}
}

bool ctl_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= CTL_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* ---- client ---- */

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send the first bytes of a request with `pass` attached (SCM_RIGHTS). */
static ssize_t send_with_fd(int fd, const char *buf, size_t len, int pass)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pass, sizeof(int));
	return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

/* Write all of buf, the first bytes with `pass` attached when >= 0. */
static int send_all(int fd, const char *buf, size_t len, int pass)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = off == 0 && pass >= 0 ? send_with_fd(fd, buf, len, pass) :
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
	struct strbuf req = { 0 };
	int64_t deadline = now_ms() + timeout_ms;
	int fd, r;

	r = ctl_request_encode(argc, argv, &req);
	if (r < 0)
		goto out_free;
	fd = connect_unix(path);
	if (fd < 0) {
		r = fd;
		goto out_free;
	}
	r = send_all(fd, req.buf, req.len, pass_fd);
	if (r < 0)
		goto out_close;
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
	int fd = connect_unix(path), r;

	if (fd < 0)
		return fd;
	r = send_all(fd, CTL_SESSION_MAGIC, sizeof(CTL_SESSION_MAGIC), -1);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
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
	r = send_all(fd, req.buf, req.len, pass_fd);
	if (r == 0)
		r = recv_all(fd, len, 4, deadline);
	if (r < 0)
		goto out;
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

/* ---- server ---- */

struct ctl_client {
	struct list_head link;
	struct ctl_server *server;
	struct loop_io *io;
	int fd;
	int fds[CTL_MAX_FDS]; /* descriptors received, oldest first */
	unsigned int nfds;
	bool session; /* many framed requests (CTL_SESSION_MAGIC) */
	bool eof; /* of a session: answer what came, then close */
	uint32_t events; /* what epoll watches for now */
	char req[CTL_MAX_REQUEST];
	size_t req_len;
	struct strbuf reply;
	size_t sent;
};

struct ctl_server {
	struct loop *loop;
	struct loop_io *io;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char devdir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ctl_handler handler;
	void *data;
	struct list_head clients;
	unsigned int nclients;
	/* names this server holds, for cleanup */
	char (*names)[CTL_NAME_MAX];
	unsigned int nnames, names_cap;
};

const char *ctl_server_path(const struct ctl_server *s)
{
	return s->path;
}

static void client_free(struct ctl_client *c)
{
	list_del(&c->link);
	c->server->nclients--;
	loop_io_remove(c->io);
	close(c->fd);
	while (c->nfds)
		close(c->fds[--c->nfds]);
	strbuf_free(&c->reply);
	free(c);
}

/*
 * Read more of the request, keeping the descriptors that come with it
 * (up to CTL_MAX_FDS waiting; any more are closed).
 */
static ssize_t client_read(struct ctl_client *c)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct iovec iov = { c->req + c->req_len, sizeof(c->req) - c->req_len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t i, nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (c->nfds < CTL_MAX_FDS)
				c->fds[c->nfds++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

static void client_ready(struct loop_io *io, uint32_t events, void *data);

/*
 * Run one request, and append its reply (status line, output) to
 * `reply`. fd: a descriptor sent with it, or -1; the handler owns it.
 */
static void answer(struct ctl_client *c, char *req, size_t len, int fd, struct strbuf *reply)
{
	struct strbuf out = { 0 }, err = { 0 };
	char *argv[CTL_MAX_ARGS];
	int argc, code;

	argc = ctl_request_parse(req, len, argv, CTL_MAX_ARGS);
	if (argc <= 0) {
		if (fd >= 0)
			close(fd);
		code = EXIT_USAGE;
		strbuf_printf(&err, "malformed request");
	} else {
		code = c->server->handler(argc, argv, fd, &out, &err, c->server->data);
		fd = -1;
	}
	if (code == 0) {
		strbuf_printf(reply, "OK\n");
	} else {
		/* The message is one line. */
		char *nl = strchr(strbuf_str(&err), '\n');

		if (nl)
			*nl = '\0';
		strbuf_printf(reply, "ERR %d %s\n", code, strbuf_str(&err));
	}
	strbuf_add(reply, strbuf_str(&out), out.len);
	strbuf_free(&out);
	strbuf_free(&err);
}

/* Write what the socket takes of the replies. -1 when the client was freed. */
static int client_send(struct ctl_client *c)
{
	while (c->sent < c->reply.len) {
		ssize_t n = send(c->fd, c->reply.buf + c->sent, c->reply.len - c->sent,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			client_free(c);
			return -1;
		}
		c->sent += (size_t)n;
	}
	strbuf_reset(&c->reply);
	c->sent = 0;
	return 0;
}

static uint32_t get_le32(const char *p)
{
	const uint8_t *u = (const uint8_t *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

/*
 * A session: answer every whole frame read so far, each reply framed the
 * same way, write what the socket takes, and read on only while the
 * replies not taken yet are below CTL_MAX_REPLY.
 */
static void session_ready(struct ctl_client *c, uint32_t events)
{
	size_t off = 0;
	int fd;
	ssize_t n;

	if (!c->eof && events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP) && c->reply.len < CTL_MAX_REPLY) {
		n = client_read(c);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			client_free(c);
			return;
		}
		if (n == 0)
			c->eof = true;
		if (n > 0)
			c->req_len += (size_t)n;
	}
	while (c->req_len - off >= 4 && c->reply.len < CTL_MAX_REPLY) {
		uint32_t len = get_le32(c->req + off), flags = len & CTL_FRAME_FLAGS;
		size_t at;

		len &= ~CTL_FRAME_FLAGS;
		if (len > sizeof(c->req) - 4) {
			client_free(c); /* not our protocol: hang up */
			return;
		}
		if (c->req_len - off - 4 < len)
			break;
		at = c->reply.len;
		strbuf_add(&c->reply, "\0\0\0\0", 4);
		/* A frame that says it carries a descriptor takes the oldest
		 * one received: it came with the frame's bytes, or before. */
		fd = -1;
		if ((flags & CTL_FRAME_FD) && c->nfds) {
			fd = c->fds[0];
			memmove(c->fds, c->fds + 1, --c->nfds * sizeof(c->fds[0]));
		}
		answer(c, c->req + off + 4, len, fd, &c->reply);
		if (c->reply.err) {
			client_free(c);
			return;
		}
		n = (ssize_t)(c->reply.len - at - 4);
		c->reply.buf[at] = (char)n;
		c->reply.buf[at + 1] = (char)(n >> 8);
		c->reply.buf[at + 2] = (char)(n >> 16);
		c->reply.buf[at + 3] = (char)(n >> 24);
		off += 4 + len;
	}
	memmove(c->req, c->req + off, c->req_len - off);
	c->req_len -= off;
	if (client_send(c) < 0)
		return;
	if (c->eof && !c->reply.len) {
		client_free(c);
		return;
	}
	/* Usually unchanged (reading, all sent): no system call then. */
	events = (!c->eof && c->reply.len < CTL_MAX_REPLY ? EPOLLIN | EPOLLRDHUP : 0) |
		 (c->reply.len ? EPOLLOUT : 0);
	if (events != c->events) {
		if (loop_io_modify(c->io, events) < 0) {
			client_free(c);
			return;
		}
		c->events = events;
	}
}

static void client_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct ctl_client *c = data;
	ssize_t n;

	if (c->session) {
		session_ready(c, events);
		return;
	}
	if (c->reply.len == 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))) {
		n = client_read(c);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			client_free(c);
			return;
		}
		c->req_len += (size_t)n;
		if (c->req_len >= sizeof(CTL_SESSION_MAGIC) &&
		    memcmp(c->req, CTL_SESSION_MAGIC, sizeof(CTL_SESSION_MAGIC)) == 0) {
			c->session = true;
			c->eof = n == 0;
			c->req_len -= sizeof(CTL_SESSION_MAGIC);
			memmove(c->req, c->req + sizeof(CTL_SESSION_MAGIC), c->req_len);
			session_ready(c, 0);
			return;
		}
		if (n > 0 && c->req_len < sizeof(c->req))
			return;
		if (n > 0) {
			/* Too long: refuse rather than act on half a request. */
			c->req_len = 0;
		}
		/* One request: the first descriptor is its, the others none's. */
		answer(c, c->req, c->req_len, c->nfds ? c->fds[0] : -1, &c->reply);
		while (c->nfds > 1)
			close(c->fds[--c->nfds]);
		c->nfds = 0;
		c->events = EPOLLOUT;
		if (c->reply.err || loop_io_modify(c->io, c->events) < 0) {
			client_free(c);
			return;
		}
		/* Answer now: the command may have ended the process (the
		 * last device detached), and the reply must still go out. */
		client_ready(io, EPOLLOUT, c);
		return;
	}
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
		if (client_send(c) == 0 && c->reply.len == 0)
			client_free(c);
	}
}

static void server_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct ctl_server *s = data;
	int fd;

	fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0)
		ctl_server_add_client(s, fd);
}

void ctl_server_add_client(struct ctl_server *s, int fd)
{
	struct ctl_client *c;

	if (s->nclients >= MAX_CLIENTS) {
		close(fd);
		return;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->server = s;
	c->events = EPOLLIN | EPOLLRDHUP;
	if (loop_io_add(s->loop, fd, c->events, client_ready, c, NULL, &c->io) < 0) {
		close(fd);
		free(c);
		return;
	}
	list_add_tail(&c->link, &s->clients);
	s->nclients++;
	/* vusbctl has written its request by now, as a rule: take it at
	 * once instead of after another round of the loop. */
	client_ready(c->io, EPOLLIN, c);
}

static int mkdir_p(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

/* Is anybody listening on the socket `path` points at? */
static bool socket_alive(const char *path)
{
	int fd = connect_unix(path);

	if (fd < 0)
		return fd != -ECONNREFUSED && fd != -ENOENT && fd != -ENOTSOCK;
	close(fd);
	return true;
}

/* Remove sockets and name links left by instances that died. */
static void sweep_stale(const char *rundir, const char *devdir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	d = opendir(devdir);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", devdir, de->d_name);
			if (!socket_alive(path))
				unlink(path);
		}
		closedir(d);
	}
	d = opendir(rundir);
	if (d) {
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);

			if (n < 6 || strcmp(de->d_name + n - 5, ".sock") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", rundir, de->d_name);
			if (!socket_alive(path))
				unlink(path);
		}
		closedir(d);
	}
}

int ctl_server_new(struct loop *loop, ctl_handler handler, void *data, struct ctl_server **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *rundir = ctl_rundir();
	struct ctl_server *s;
	mode_t old;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->handler = handler;
	s->data = data;
	s->fd = -1;
	list_init(&s->clients);
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%d.sock", rundir, (int)getpid()) >=
		    sizeof(s->path) ||
	    (size_t)snprintf(s->devdir, sizeof(s->devdir), "%s/dev", rundir) >= sizeof(s->devdir)) {
		free(s);
		return -ENAMETOOLONG;
	}
	r = mkdir_p(rundir, 0755);
	if (r == 0)
		r = mkdir_p(s->devdir, 0755);
	if (r < 0) {
		free(s);
		return r;
	}
	sweep_stale(rundir, s->devdir);

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		r = -errno;
		free(s);
		return r;
	}
	strcpy(sa.sun_path, s->path);
	unlink(s->path);
	/* Only the owner (root) may connect. */
	old = umask(0177);
	r = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(s->fd, MAX_CLIENTS) < 0) {
		r = -errno;
		goto fail;
	}
	r = loop_io_add(loop, s->fd, EPOLLIN, server_ready, s, NULL, &s->io);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	close(s->fd);
	unlink(s->path);
	free(s);
	return r;
}

int ctl_server_claim(struct ctl_server *s, const char *name)
{
	char link[PATH_MAX], target[PATH_MAX];
	int tries;

	if (!ctl_name_valid(name))
		return -EINVAL;
	if (s->nnames == s->names_cap) {
		unsigned int cap = s->names_cap ? s->names_cap * 2 : 8;
		void *p = realloc(s->names, cap * sizeof(*s->names));

		if (!p)
			return -ENOMEM;
		s->names = p;
		s->names_cap = cap;
	}
	snprintf(link, sizeof(link), "%s/%s", s->devdir, name);
	snprintf(target, sizeof(target), "../%d.sock", (int)getpid());
	for (tries = 0; tries < 2; tries++) {
		if (symlink(target, link) == 0) {
			snprintf(s->names[s->nnames++], CTL_NAME_MAX, "%s", name);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
		/* Taken: by a live instance, or left by a dead one. */
		if (socket_alive(link))
			return -EEXIST;
		unlink(link);
	}
	return -EEXIST;
}

void ctl_server_release(struct ctl_server *s, const char *name)
{
	char link[PATH_MAX];
	unsigned int i;

	for (i = 0; i < s->nnames; i++) {
		if (strcmp(s->names[i], name) != 0)
			continue;
		snprintf(link, sizeof(link), "%s/%s", s->devdir, name);
		unlink(link);
		memmove(&s->names[i], &s->names[i + 1], (s->nnames - i - 1) * sizeof(*s->names));
		s->nnames--;
		return;
	}
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	while (s->nnames)
		ctl_server_release(s, s->names[s->nnames - 1]);
	free(s->names);
	while (!list_empty(&s->clients))
		client_free(list_first_entry(&s->clients, struct ctl_client, link));
	loop_io_remove(s->io);
	close(s->fd);
	unlink(s->path);
	free(s);
}
