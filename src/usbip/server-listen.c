// SPDX-License-Identifier: MIT
/* The listening sockets of the --listen server: one per address. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/usbip/server-private.h"

/* accept() out of file descriptors: try again after this long. */
#define ACCEPT_RETRY_MS 100
#define LISTEN_BACKLOG 64

/* Stop (0) or go on (EPOLLIN) accepting on every listener. */
static void listeners_pause(struct server *s, uint32_t ev)
{
	unsigned int i;

	for (i = 0; i < s->nlisteners; i++)
		loop_io_modify(s->listeners[i].io, ev);
}

static void listen_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct listener *l = data;
	struct server *s = l->srv;

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* The connection stays queued and the socket
				 * readable: pause rather than spin. */
				server_event(s, "-", -errno, "cannot accept: %s", strerror(errno));
				listeners_pause(s, 0);
				if (loop_timer_arm(s->retry, ACCEPT_RETRY_MS) < 0)
					listeners_pause(s, EPOLLIN);
				return;
			}
			server_event(s, "-", -errno, "accept: %s", strerror(errno));
			return;
		}
		server_add_peer(s, fd, (struct sockaddr *)&ss, len);
	}
}

static void retry_accept(struct loop_timer *t, void *data)
{
	listeners_pause(data, EPOLLIN);
}

/* The port of listener 0 (for port 0: the one picked), or 0. */
static uint16_t first_port(const struct server *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (s->nlisteners == 0 || getsockname(s->listeners[0].fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ((struct sockaddr_in *)&ss)->sin_port;
	if (ss.ss_family == AF_INET6)
		return ((struct sockaddr_in6 *)&ss)->sin6_port;
	return 0;
}

int server_listen(struct server *s, const struct server_addr *addr)
{
	struct server_addr copy = *addr, *a = &copy;
	struct sockaddr *sa = (struct sockaddr *)&a->ss;
	struct listener *l;
	const int one = 1, zero = 0;
	int fd, r;

	/* Port 0 for a name's every address: the one picked for the first. */
	if (sa->sa_family == AF_INET && ((struct sockaddr_in *)sa)->sin_port == 0)
		((struct sockaddr_in *)sa)->sin_port = first_port(s);
	else if (sa->sa_family == AF_INET6 && ((struct sockaddr_in6 *)sa)->sin6_port == 0)
		((struct sockaddr_in6 *)sa)->sin6_port = first_port(s);

	if (s->nlisteners >= SERVER_MAX_LISTEN)
		return -ENOSPC;
	if (!s->retry) {
		r = loop_timer_add(s->loop, retry_accept, s, NULL, &s->retry);
		if (r < 0)
			return r;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "::" means every address, IPv4 ones too, whatever bindv6only says;
	 * any other IPv6 address is that one only, so that a name's IPv4
	 * address can be bound beside it. */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
			   IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr) ?
				   &zero :
				   &one,
			   sizeof(int));
	if (bind(fd, sa, a->len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	l = &s->listeners[s->nlisteners];
	l->srv = s;
	l->fd = fd;
	r = loop_io_add(s->loop, fd, EPOLLIN, listen_ready, l, NULL, &l->io);
	if (r < 0) {
		close(fd);
		return r;
	}
	s->nlisteners++;
	return 0;
}

unsigned int server_nlisteners(const struct server *s)
{
	return s->nlisteners;
}

void server_local_addr(const struct server *s, unsigned int i, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (i >= s->nlisteners ||
	    getsockname(s->listeners[i].fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(buf, size, "?");
		return;
	}
	server_addr_format((struct sockaddr *)&ss, len, buf, size);
}

void server_listeners_close(struct server *s)
{
	unsigned int i;

	for (i = 0; i < s->nlisteners; i++) {
		loop_io_remove(s->listeners[i].io);
		close(s->listeners[i].fd);
	}
	s->nlisteners = 0;
	loop_timer_remove(s->retry);
	s->retry = NULL;
}
