// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/base/list.h"
#include "src/usbip/server-private.h"

/* A half-open importer is noticed after 30 s idle + 3 probes 10 s apart. */
#define KEEPALIVE_IDLE_S 30
#define KEEPALIVE_INTVL_S 10
#define KEEPALIVE_CNT 3
/* Data the peer does not acknowledge for this long ends the connection. */
#define USER_TIMEOUT_MS 60000
#define MAX_EXPORTS (255 * 255)

enum export_state {
	EXPORT_OFFERED,
	EXPORT_RESERVED, /* a client's import reply is being written */
	EXPORT_IMPORTED,
};

struct server_export {
	struct list_head link;
	struct server *srv;
	struct usbip_op_device info;
	enum export_state state;
	bool offered; /* false: hidden (off the bus) */
	struct client *client; /* EXPORT_RESERVED: whose */
	void *data;
};

/* A connection in the set-up: one request, one reply. */
struct client {
	struct list_head link;
	struct server *srv;
	int fd;
	struct loop_io *io;
	struct loop_timer *timer;
	char peer[SERVER_ADDR_STRLEN];
	uint8_t host[8]; /* the address it came from, for the per-address limit */
	uint8_t rx[USBIP_OP_IMPORT_REQ_SIZE];
	size_t rx_len, rx_need;
	uint8_t *tx;
	size_t tx_len, tx_off;
	bool replied; /* the request was read; nothing more is */
	struct server_export *importing; /* handed over once tx is written */
	/* reported when the connection ends */
	int err;
	char what[128];
};

/* ---- clients in the set-up ---- */

void server_event(struct server *s, const char *peer, int err, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	if (!s->ops->event)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	s->ops->event(peer, err, what, s->data);
}

/* Say what happened when the connection ends: the last word counts. */
static void client_note(struct client *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void client_note(struct client *c, int err, const char *fmt, ...)
{
	va_list ap;

	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
}

static void client_free(struct client *c)
{
	struct server *s = c->srv;

	if (c->importing) {
		c->importing->state = EXPORT_OFFERED;
		c->importing->client = NULL;
	}
	loop_io_remove(c->io);
	loop_timer_remove(c->timer);
	if (c->fd >= 0)
		close(c->fd);
	list_del(&c->link);
	s->nclients--;
	free(c->tx);
	free(c);
}

/* End the connection, with its one event. */
static void client_close(struct client *c)
{
	struct server *s = c->srv;
	char peer[SERVER_ADDR_STRLEN], what[sizeof(c->what)];
	int err = c->err;

	memcpy(peer, c->peer, sizeof(peer));
	memcpy(what, c->what, sizeof(what));
	client_free(c);
	server_event(s, peer, err, "%s", what);
}

/* The import reply is out: the socket becomes the device's. */
static void hand_over(struct client *c)
{
	struct server *s = c->srv;
	struct server_export *e = c->importing;
	char peer[SERVER_ADDR_STRLEN];
	int fd = c->fd, r;

	memcpy(peer, c->peer, sizeof(peer));
	e->state = EXPORT_IMPORTED;
	e->client = NULL;
	c->importing = NULL;
	c->fd = -1;
	client_free(c);
	r = s->ops->import(e, fd, peer, s->data);
	if (r < 0) {
		e->state = EXPORT_OFFERED;
		server_event(s, peer, r, "import of %s failed: %s", e->info.busid, strerror(-r));
	}
	/* A successful import is the owner's to announce. */
}

static void client_update(struct client *c)
{
	uint32_t ev = 0;

	if (!c->replied)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (c->tx_off < c->tx_len)
		ev |= EPOLLOUT;
	if (loop_io_modify(c->io, ev) < 0) {
		client_note(c, -errno, "epoll: %s", strerror(errno));
		client_close(c);
	}
}

/* Write what the socket takes; when all is out, hand over or close. */
static void client_flush(struct client *c)
{
	while (c->tx_off < c->tx_len) {
		ssize_t w = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			client_update(c);
			return;
		}
		if (w < 0) {
			client_note(c, -errno, "gone before reading the reply (%s)", strerror(errno));
			client_close(c);
			return;
		}
		c->tx_off += (size_t)w;
	}
	if (c->importing) {
		hand_over(c);
		return;
	}
	client_close(c);
}

static int reply(struct client *c, size_t len)
{
	c->tx = malloc(len);
	if (!c->tx)
		return -ENOMEM;
	c->tx_len = len;
	c->tx_off = 0;
	c->replied = true;
	return 0;
}

static bool visible(const struct server_export *e)
{
	return e->offered;
}

static int answer_devlist(struct client *c)
{
	struct server *s = c->srv;
	struct usbip_op_device *devs;
	struct list_head *pos;
	size_t n = 0;
	int r;

	devs = calloc(s->nexports ? s->nexports : 1, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	list_for_each(pos, &s->exports) {
		struct server_export *e = list_entry(pos, struct server_export, link);

		if (visible(e))
			devs[n++] = e->info;
	}
	r = reply(c, usbip_op_devlist_size(devs, n));
	if (r == 0)
		usbip_op_devlist_encode(devs, n, c->tx);
	free(devs);
	if (r == 0)
		client_note(c, 0, "listed %zu device%s", n, n == 1 ? "" : "s");
	return r;
}

static struct server_export *find_export(struct server *s, const char *busid)
{
	struct list_head *pos;

	list_for_each(pos, &s->exports) {
		struct server_export *e = list_entry(pos, struct server_export, link);

		if (visible(e) && strcmp(e->info.busid, busid) == 0)
			return e;
	}
	return NULL;
}

/* For logs: the busid as sent, printable. */
static void printable(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

static int answer_import(struct client *c, const char *busid)
{
	struct server_export *e = find_export(c->srv, busid);
	char shown[USBIP_BUSID_SIZE + 1];
	uint32_t status = USBIP_ST_OK;
	int r;

	printable(busid, shown, sizeof(shown));
	if (!e) {
		status = USBIP_ST_NODEV;
		client_note(c, -ENODEV, "import of unknown bus id '%s' refused", shown);
	} else if (e->state != EXPORT_OFFERED) {
		status = USBIP_ST_DEV_BUSY;
		client_note(c, -EBUSY, "import of %s refused: already imported", shown);
	}
	r = reply(c, USBIP_OP_IMPORT_REP_SIZE);
	if (r < 0)
		return r;
	c->tx_len = usbip_op_import_reply(c->tx, status, e ? &e->info : NULL);
	if (status == USBIP_ST_OK) {
		e->state = EXPORT_RESERVED;
		e->client = c;
		c->importing = e;
	}
	return 0;
}

static void handle_request(struct client *c)
{
	struct usbip_op_request req;
	size_t need = 0;
	int r = usbip_op_request_parse(c->rx, c->rx_len, &req, &need);

	if (r == -EAGAIN) {
		c->rx_need = need;
		return;
	}
	if (r == -EPROTONOSUPPORT && req.code != USBIP_OP_REQ_DEVLIST &&
	    req.code != USBIP_OP_REQ_IMPORT) {
		client_note(c, -EBADMSG, "not a USB/IP request (starts %02x %02x %02x %02x)",
			    c->rx[0], c->rx[1], c->rx[2], c->rx[3]);
		client_close(c);
		return;
	}
	if (r == -EPROTONOSUPPORT) {
		/* Refused with an answer its own version can make sense of:
		 * ours, and an error status. */
		client_note(c, r, "USB/IP version %x.%02x refused (want %x.%02x)", req.version >> 8,
			    req.version & 0xff, USBIP_VERSION >> 8, USBIP_VERSION & 0xff);
		r = reply(c, USBIP_OP_COMMON_SIZE);
		if (r == 0)
			usbip_op_common_encode(c->tx, USBIP_VERSION, req.code & 0x7fff,
					       USBIP_ST_ERROR);
	} else if (r < 0) {
		client_note(c, r, "unknown request code 0x%04x", req.code);
		client_close(c);
		return;
	} else if (req.code == USBIP_OP_REQ_DEVLIST) {
		r = answer_devlist(c);
	} else {
		r = answer_import(c, req.busid);
	}
	if (r < 0) {
		client_note(c, r, "cannot answer: %s", strerror(-r));
		client_close(c);
		return;
	}
	client_flush(c);
}

static void client_read(struct client *c)
{
	while (!c->replied) {
		ssize_t n = recv(c->fd, c->rx + c->rx_len, c->rx_need - c->rx_len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (n == 0)
				client_note(c, -EPIPE,
					    c->rx_len ? "closed the connection inside a request" :
							"closed the connection without a request");
			else
				client_note(c, -errno, "read: %s", strerror(errno));
			client_close(c);
			return;
		}
		c->rx_len += (size_t)n;
		if (c->rx_len < c->rx_need)
			continue;
		/* Exactly what the request takes is read, so bytes a client
		 * sends after OP_REQ_IMPORT stay for the URB stream. */
		handle_request(c);
		return;
	}
}

static void client_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct client *c = data;

	if (events & EPOLLIN) {
		client_read(c);
		return; /* c may be gone */
	}
	if (events & EPOLLOUT) {
		client_flush(c);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
		client_note(c, -EPIPE, "connection lost during the set-up");
		client_close(c);
	}
}

static void client_timeout(struct loop_timer *t, void *data)
{
	struct client *c = data;

	if (c->replied)
		client_note(c, -ETIMEDOUT, "did not read the reply within %u ms",
			    c->srv->cfg.handshake_ms);
	else
		client_note(c, -ETIMEDOUT, "sent no complete request within %u ms",
			    c->srv->cfg.handshake_ms);
	client_close(c);
}

static void tune_socket(int fd, int family)
{
	const int one = 1, idle = KEEPALIVE_IDLE_S, intvl = KEEPALIVE_INTVL_S,
		  cnt = KEEPALIVE_CNT, uto = USER_TIMEOUT_MS;

	if (family != AF_INET && family != AF_INET6)
		return;
	/* Failures only cost latency or a late hang-up notice: go on. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &uto, sizeof(uto));
}

static bool allowed(const struct server *s, const struct sockaddr *sa, socklen_t len)
{
	unsigned int i;

	if (s->cfg.nallow == 0)
		return true;
	for (i = 0; i < s->cfg.nallow; i++)
		if (server_cidr_match(&s->cfg.allow[i], sa, len))
			return true;
	return false;
}

/*
 * Who a peer is, for the per-address limit: an IPv4 address, or an IPv6
 * /64 (one host can have a whole /64 to itself). Zeros when unknown.
 */
static void host_key(const struct sockaddr *sa, socklen_t len, uint8_t key[8])
{
	memset(key, 0, 8);
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		key[7] = 4;
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		if (memcmp(a, mapped, 12) == 0) {
			memcpy(key, a + 12, 4);
			key[7] = 4;
		} else {
			memcpy(key, a, 8);
		}
	}
}

int server_add_peer(struct server *s, int fd, const struct sockaddr *sa, socklen_t len)
{
	char peer[SERVER_ADDR_STRLEN];
	struct list_head *pos;
	struct client *c;
	unsigned int same = 0;
	uint8_t host[8];
	int flags, r;

	server_addr_format(sa, len, peer, sizeof(peer));
	if (!allowed(s, sa, len)) {
		close(fd);
		server_event(s, peer, -EACCES, "refused: not in --allow");
		return -EACCES;
	}
	if (s->ops->admit) {
		char why[128] = "";

		r = s->ops->admit(fd, sa, len, why, sizeof(why), s->data);
		if (r < 0) {
			close(fd);
			server_event(s, peer, r, "refused: %s", why);
			return r;
		}
	}
	host_key(sa, len, host);
	list_for_each(pos, &s->clients)
		same += memcmp(list_entry(pos, struct client, link)->host, host, 8) == 0;
	if (same >= s->cfg.max_per_addr) {
		close(fd);
		server_event(s, peer, -EUSERS, "refused: %u connections in the set-up from this address",
		      same);
		return -EUSERS;
	}
	if (s->nclients >= s->cfg.max_clients) {
		/* Full: the oldest gives way, so that a peer reconnecting
		 * faster than the handshake time cannot keep every slot. */
		c = list_first_entry(&s->clients, struct client, link);
		client_note(c, -EUSERS, "dropped: the set-up slots are full, the oldest goes");
		client_close(c);
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	tune_socket(fd, sa->sa_family);
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->srv = s;
	c->fd = fd;
	c->rx_need = USBIP_OP_COMMON_SIZE;
	memcpy(c->peer, peer, sizeof(peer));
	memcpy(c->host, host, sizeof(host));
	list_add_tail(&c->link, &s->clients);
	s->nclients++;
	r = loop_io_add(s->loop, fd, EPOLLIN | EPOLLRDHUP, client_ready, c, NULL, &c->io);
	if (r == 0)
		r = loop_timer_add(s->loop, client_timeout, c, NULL, &c->timer);
	if (r == 0)
		r = loop_timer_arm(c->timer, s->cfg.handshake_ms);
	if (r < 0) {
		client_free(c);
		return r;
	}
	return 0;
}

/* ---- the listener ---- */

int server_new(struct loop *loop, const struct server_config *cfg, const struct server_ops *ops,
	       void *data, struct server **ret)
{
	struct server *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->cfg = *cfg;
	if (!s->cfg.max_clients)
		s->cfg.max_clients = SERVER_DEFAULT_MAX_CLIENTS;
	if (!s->cfg.handshake_ms)
		s->cfg.handshake_ms = SERVER_DEFAULT_HANDSHAKE_MS;
	if (!s->cfg.max_per_addr)
		s->cfg.max_per_addr = SERVER_DEFAULT_MAX_PER_ADDR;
	if (s->cfg.nallow > SERVER_MAX_ALLOW)
		s->cfg.nallow = SERVER_MAX_ALLOW;
	s->ops = ops;
	s->data = data;
	list_init(&s->clients);
	list_init(&s->exports);
	r = server_listen(s, &cfg->listen);
	if (r < 0) {
		server_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void server_free(struct server *s)
{
	if (!s)
		return;
	while (!list_empty(&s->clients))
		client_free(list_first_entry(&s->clients, struct client, link));
	while (!list_empty(&s->exports)) {
		struct server_export *e = list_first_entry(&s->exports, struct server_export, link);

		list_del(&e->link);
		free(e);
	}
	server_listeners_close(s);
	free(s);
}

/* ---- exports ---- */

int server_export_add(struct server *s, const struct usbip_op_device *info, void *data,
		      struct server_export **ret)
{
	struct server_export *e;
	unsigned int k = s->nexports;

	if (k >= MAX_EXPORTS)
		return -ENOSPC;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->srv = s;
	e->info = *info;
	/* devid = busnum << 16 | devnum goes to vhci: keep both below 256. */
	e->info.busnum = k / 255 + 1;
	e->info.devnum = k % 255 + 1;
	snprintf(e->info.busid, sizeof(e->info.busid), "%u-%u", e->info.busnum, e->info.devnum);
	e->offered = true;
	e->data = data;
	list_add_tail(&e->link, &s->exports);
	s->nexports++;
	*ret = e;
	return 0;
}

/* A client about to receive e is told nothing more: it is closed. */
static void drop_importer(struct server_export *e)
{
	struct client *c = e->client;

	if (!c)
		return;
	c->importing = NULL;
	e->client = NULL;
	e->state = EXPORT_OFFERED;
	client_note(c, -ENODEV, "%s went away during the import", e->info.busid);
	client_close(c);
}

void server_export_remove(struct server_export *e)
{
	if (!e)
		return;
	drop_importer(e);
	list_del(&e->link);
	free(e);
}

void server_export_release(struct server_export *e)
{
	if (e->state == EXPORT_IMPORTED)
		e->state = EXPORT_OFFERED;
}

void server_export_set_offered(struct server_export *e, bool offered)
{
	if (!offered)
		drop_importer(e);
	e->offered = offered;
}

const char *server_export_busid(const struct server_export *e)
{
	return e->info.busid;
}

void *server_export_data(const struct server_export *e)
{
	return e->data;
}
