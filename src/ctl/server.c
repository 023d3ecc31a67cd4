// SPDX-License-Identifier: MIT
/* The control socket's server side, in vusb-attach (src/ctl/server.h). */
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

#include "src/base/bytes.h"
#include "src/base/list.h"
#include "src/ctl/rundir.h"
#include "src/ctl/server.h"

#define MAX_CLIENTS 16
/* A client that has done nothing for this long gives its place to a new
 * one when all are taken. */
#define IDLE_MS 2000
/* ...and is hung up on after this long, whether or not anyone waits. */
#define IDLE_TIMEOUT_MS 10000


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
	uint64_t active_ms; /* when it last had an event */
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
	struct loop_timer *idle_timer; /* armed while there are clients */
	unsigned int idle_timeout_ms;
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
		char buf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
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
 * `reply`. fds: the nfds descriptors sent with it; the handler owns them.
 */
static void answer(struct ctl_client *c, char *req, size_t len, int *fds, unsigned int nfds,
		   struct strbuf *reply)
{
	struct strbuf out = { 0 }, err = { 0 };
	char *argv[CTL_MAX_ARGS];
	int argc, code;

	argc = ctl_request_parse(req, len, argv, CTL_MAX_ARGS);
	if (argc <= 0) {
		while (nfds)
			close(fds[--nfds]);
		code = EXIT_USAGE;
		strbuf_printf(&err, "malformed request");
	} else {
		code = c->server->handler(argc, argv, fds, nfds, &out, &err, c->server->data);
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
again:
	off = 0;
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
		answer(c, c->req + off + 4, len, &fd, fd >= 0, &c->reply);
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
	/* The replies drained: frames that waited for room go now, not when
	 * the client happens to send more (it may be waiting for these). */
	if (c->reply.len < CTL_MAX_REPLY && c->req_len >= 4 &&
	    c->req_len - 4 >= (get_le32(c->req) & ~CTL_FRAME_FLAGS))
		goto again;
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

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void client_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct ctl_client *c = data;
	ssize_t n;

	c->active_ms = now_ms();

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
		/* One request: every descriptor that came is its. */
		answer(c, c->req, c->req_len, c->fds, c->nfds, &c->reply);
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

/* Has the client sent bytes that its io callback has not read yet? */
static bool client_has_input(const struct ctl_client *c)
{
	char b;

	return recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/*
 * Hang up on every client that has done nothing for idle_timeout_ms (one
 * whose bytes wait unread is not idle: its turn comes in this round), and
 * wake up again when the next one would be due.
 */
static void idle_timer_fired(struct loop_timer *t, void *data)
{
	struct ctl_server *s = data;
	struct list_head *pos, *n;
	uint64_t now = now_ms(), next = 0;

	list_for_each_safe(pos, n, &s->clients) {
		struct ctl_client *c = list_entry(pos, struct ctl_client, link);
		uint64_t due = c->active_ms + s->idle_timeout_ms;

		if (due <= now && client_has_input(c))
			due = now + 1;
		if (due <= now) {
			client_free(c);
			continue;
		}
		if (!next || due < next)
			next = due;
	}
	if (next)
		loop_timer_arm(t, next - now);
}

static void idle_timer_start(struct ctl_server *s)
{
	/* Armed already for an earlier client: that deadline comes first. */
	if (s->nclients == 1)
		loop_timer_arm(s->idle_timer, s->idle_timeout_ms);
}

void ctl_server_set_idle_timeout(struct ctl_server *s, unsigned int ms)
{
	s->idle_timeout_ms = ms ? ms : 1;
	if (s->nclients)
		idle_timer_fired(s->idle_timer, s);
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
		struct ctl_client *idle = NULL;
		struct list_head *pos;

		list_for_each(pos, &s->clients) {
			struct ctl_client *o = list_entry(pos, struct ctl_client, link);

			if (!idle || o->active_ms < idle->active_ms)
				idle = o;
		}
		if (idle && now_ms() - idle->active_ms >= IDLE_MS) {
			client_free(idle);
		} else {
			/* Say so rather than reset: one short write, never blocking;
			 * the client reads it even after its request failed. */
			static const char busy[] = "ERR 1 busy: every control connection is taken "
						   "(16), try again\n";
			ssize_t w = send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);

			(void)w;
			close(fd);
			return;
		}
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
	c->active_ms = now_ms();
	idle_timer_start(s);
	/* vusbctl has written its request by now, as a rule: take it at
	 * once instead of after another round of the loop. */
	client_ready(c->io, EPOLLIN, c);
}

int ctl_listen_socket(const char *path, int type, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, path);
	unlink(path);
	/* Only the owner (root) may connect. */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, backlog) < 0) {
		r = -errno;
		close(fd);
		unlink(path);
		return r;
	}
	return fd;
}

int ctl_server_new(struct loop *loop, ctl_handler handler, void *data, struct strbuf *err,
		   struct ctl_server **ret)
{
	const char *rundir = ctl_rundir();
	struct strbuf ignored = { 0 };
	struct ctl_server *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->handler = handler;
	s->data = data;
	s->fd = -1;
	s->idle_timeout_ms = IDLE_TIMEOUT_MS;
	list_init(&s->clients);
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%d.sock", rundir, (int)getpid()) >=
		    sizeof(s->path) ||
	    (size_t)snprintf(s->devdir, sizeof(s->devdir), "%s/dev", rundir) >= sizeof(s->devdir)) {
		free(s);
		return -ENAMETOOLONG;
	}
	if (!err)
		err = &ignored;
	r = ctl_rundir_prepare(rundir, s->devdir, err);
	strbuf_free(&ignored);
	if (r < 0) {
		free(s);
		return r;
	}

	s->fd = ctl_listen_socket(s->path, SOCK_STREAM, MAX_CLIENTS);
	if (s->fd < 0) {
		r = s->fd;
		free(s);
		return r;
	}
	r = loop_timer_add(loop, idle_timer_fired, s, NULL, &s->idle_timer);
	if (r < 0)
		goto fail;
	r = loop_io_add(loop, s->fd, EPOLLIN, server_ready, s, NULL, &s->io);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	loop_timer_remove(s->idle_timer);
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
		/* Taken: by a live instance, or left by a dead one; what is not
		 * a link of ours is not ours to remove. */
		if (ctl_socket_alive(link) || !ctl_is_our_link(AT_FDCWD, link))
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
	loop_timer_remove(s->idle_timer);
	loop_io_remove(s->io);
	close(s->fd);
	unlink(s->path);
	free(s);
}
