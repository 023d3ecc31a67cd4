// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "src/app/hidsock.h"
#include "src/base/log.h"
#include "src/ctl/server.h"

struct hidsock_client {
	struct hidsock *s;
	int fd;
	struct loop_io *io;
	/* A report the device had no room for: sent before reading more. */
	bool held;
	size_t held_len;
	uint8_t report[HIDSOCK_IN_MAX];
	unsigned long dropped; /* output reports it did not read in time */
};

struct hidsock {
	struct loop *loop;
	struct usb_device *dev;
	hidsock_send_fn send;
	char name[64];
	char path[PATH_MAX];
	int fd;
	struct loop_io *io;
	struct hidsock_client *clients[HIDSOCK_CLIENTS];
	unsigned int nclients;
	struct loop_defer *room;
};

/* Reads from one client in one go, so that others get their turn. */
#define READ_BATCH 64

static void client_free(struct hidsock_client *c)
{
	struct hidsock *s = c->s;
	unsigned int i;

	for (i = 0; i < HIDSOCK_CLIENTS; i++)
		if (s->clients[i] == c)
			s->clients[i] = NULL;
	s->nclients--;
	if (c->dropped)
		log_warn(
			"%s: a report socket client left without reading %lu of the host's reports",
			s->name, c->dropped);
	loop_io_remove(c->io);
	close(c->fd);
	free(c);
}

/* Tell the client why it is let go (a message of type 0), then let it go. */
static void client_refuse(struct hidsock_client *c, const char *what, size_t len)
{
	char msg[160];
	int n;

	msg[0] = HIDSOCK_ERROR;
	n = snprintf(msg + 1, sizeof(msg) - 1, "a %zu-byte message is %s", len, what);
	if (n > 0 && (size_t)n < sizeof(msg) - 1)
		send(c->fd, msg, (size_t)n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	log_warn("%s: report socket: %s; client closed", c->s->name, msg + 1);
	client_free(c);
}

/*
 * Queue the client's report: true when taken, false when it is held
 * (no room) or the client was let go.
 */
static bool client_take(struct hidsock_client *c, bool *ret_gone)
{
	struct hidsock *s = c->s;
	int r = s->send(s->dev, c->report, c->held_len);

	*ret_gone = false;
	if (r == 0) {
		c->held = false;
		return true;
	}
	if (r == -EAGAIN || r == -ENOTCONN) {
		/* Stop reading: the client's writes block until there is room. */
		c->held = true;
		loop_io_modify(c->io, 0);
		return false;
	}
	*ret_gone = true;
	if (r == -EMSGSIZE)
		client_refuse(c, "no input report of this device", c->held_len);
	else
		client_refuse(c, "a report the device refused", c->held_len);
	return false;
}

static void client_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct hidsock_client *c = data;
	unsigned int i;
	bool gone;

	(void)io;
	for (i = 0; i < READ_BATCH; i++) {
		ssize_t n;

		if (c->held)
			return;
		n = recv(c->fd, c->report, sizeof(c->report), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (events & (EPOLLHUP | EPOLLERR))
				client_free(c);
			return;
		}
		if (n <= 0) {
			/* The end, an error, or an empty message. */
			client_free(c);
			return;
		}
		c->held_len = (size_t)n;
		if (c->held_len > sizeof(c->report)) {
			client_refuse(c, "longer than any input report", c->held_len);
			return;
		}
		if (!client_take(c, &gone))
			return;
	}
}

static void room_now(void *data)
{
	struct hidsock *s = data;
	unsigned int i;
	bool gone;

	s->room = NULL;
	for (i = 0; i < HIDSOCK_CLIENTS; i++) {
		struct hidsock_client *c = s->clients[i];

		if (!c || !c->held)
			continue;
		if (!client_take(c, &gone)) {
			if (gone)
				continue;
			return; /* still full: the next room retries */
		}
		loop_io_modify(c->io, EPOLLIN);
	}
}

void hidsock_room(struct hidsock *s)
{
	unsigned int i;

	if (!s || s->room)
		return;
	for (i = 0; i < HIDSOCK_CLIENTS; i++)
		if (s->clients[i] && s->clients[i]->held)
			break;
	if (i == HIDSOCK_CLIENTS)
		return;
	/* Not from inside the device's transfer: from the loop. */
	if (loop_defer(s->loop, room_now, s, &s->room) < 0)
		log_err("%s: report socket: out of memory", s->name);
}

void hidsock_report(struct hidsock *s, unsigned int type, const uint8_t *data, size_t len)
{
	uint8_t msg[1 + HIDSOCK_OUT_MAX];
	unsigned int i;

	if (!s || !s->nclients)
		return;
	if (len > HIDSOCK_OUT_MAX) {
		log_warn("%s: report socket: a %zu-byte report is too long to pass on", s->name,
			 len);
		return;
	}
	msg[0] = (uint8_t)type;
	memcpy(msg + 1, data, len);
	for (i = 0; i < HIDSOCK_CLIENTS; i++) {
		struct hidsock_client *c = s->clients[i];
		ssize_t n;

		if (!c)
			continue;
		do
			n = send(c->fd, msg, len + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n >= 0)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			client_free(c);
			continue;
		}
		/* Never block the device for a client that only writes: it
		 * misses the report, and the log says so. */
		if (!c->dropped++)
			log_warn("%s: a report socket client does not read the host's reports: "
				 "they are not kept for it",
				 s->name);
	}
}

static void server_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct hidsock *s = data;
	struct hidsock_client *c;
	unsigned int i;
	int fd;

	(void)io;
	(void)events;
	fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < HIDSOCK_CLIENTS && s->clients[i]; i++)
		;
	c = i < HIDSOCK_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		log_warn("%s: report socket: %s", s->name,
			 i < HIDSOCK_CLIENTS ? "out of memory" : "too many clients");
		close(fd);
		return;
	}
	c->s = s;
	c->fd = fd;
	if (loop_io_add(s->loop, fd, EPOLLIN, client_ready, c, NULL, &c->io) < 0) {
		close(fd);
		free(c);
		return;
	}
	s->clients[i] = c;
	s->nclients++;
}

int hidsock_new(struct loop *loop, struct usb_device *dev, const char *name, hidsock_send_fn send,
		const char *path, struct hidsock **ret)
{
	return hidsock_new_fd(loop, dev, name, send, path, -1, ret);
}

int hidsock_new_fd(struct loop *loop, struct usb_device *dev, const char *name,
		   hidsock_send_fn send, const char *path, int fd, struct hidsock **ret)
{
	struct hidsock *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s", path) >= sizeof(s->path)) {
		if (fd >= 0)
			close(fd);
		free(s);
		return -ENAMETOOLONG;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->loop = loop;
	s->dev = dev;
	s->send = send;
	s->fd = fd >= 0 ? fd : ctl_listen_socket(path, SOCK_SEQPACKET, HIDSOCK_CLIENTS);
	if (s->fd < 0) {
		r = s->fd;
		free(s);
		return r;
	}
	r = loop_io_add(loop, s->fd, EPOLLIN, server_ready, s, NULL, &s->io);
	if (r < 0) {
		close(s->fd);
		unlink(s->path);
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void hidsock_free(struct hidsock *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < HIDSOCK_CLIENTS; i++)
		if (s->clients[i])
			client_free(s->clients[i]);
	loop_defer_cancel(s->room);
	loop_io_remove(s->io);
	close(s->fd);
	unlink(s->path);
	free(s);
}

const char *hidsock_path(const struct hidsock *s)
{
	return s->path;
}

unsigned int hidsock_clients(const struct hidsock *s)
{
	return s->nclients;
}
