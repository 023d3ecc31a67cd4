/* SPDX-License-Identifier: MIT */
/*
 * The USB/IP server behind `vusb-attach --listen`: a TCP listener that
 * offers exported devices to the standard client (usbip list -r HOST,
 * usbip attach -r HOST -b BUSID). It speaks the connection set-up
 * (src/usbip/op.h) itself; once a client has imported a device, the
 * socket goes to the owner, which serves the URB stream with the same
 * struct usbip_conn as a local vhci attach: only the transport differs.
 *
 * Every socket is non-blocking and every client has its own buffers, so
 * a slow or silent peer holds up nobody else. Hard limits: clients still
 * in the set-up (max_clients: when all are taken, the oldest gives way;
 * max_per_addr from one address, more are closed on accept), time to send
 * the request and read the reply (handshake_ms), one request per
 * connection, one importer per device. Peers outside the allow list are
 * closed before a byte is read, and so are those ops->admit refuses
 * (src/app: loopback peers whose user is not in --allow-user). Accepted sockets get TCP_NODELAY and
 * keepalive (a half-open importer is found within about a minute).
 *
 * The server never logs: what a log would want to hear (a peer refused,
 * dropped or served) goes to ops->event, one call per connection.
 */
#ifndef VUSB_SERVER_H
#define VUSB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "src/base/loop.h"
#include "src/usbip/addr.h"
#include "src/usbip/op.h"

#define SERVER_MAX_ALLOW 64
/* Listening sockets, at most: the addresses of one --listen host name. */
#define SERVER_MAX_LISTEN 16
#define SERVER_DEFAULT_MAX_CLIENTS 64
/* Connections in the set-up from one address (IPv4 host, IPv6 /64). */
#define SERVER_DEFAULT_MAX_PER_ADDR 8
#define SERVER_DEFAULT_HANDSHAKE_MS 10000

struct server_config {
	struct server_addr listen;
	struct server_cidr allow[SERVER_MAX_ALLOW];
	unsigned int nallow; /* 0: any peer */
	unsigned int max_clients; /* connections in the set-up at once; 0: default */
	unsigned int max_per_addr; /* of them from one address; 0: default */
	unsigned int handshake_ms; /* 0: default */
};

struct server;
struct server_export;

struct server_ops {
	/*
	 * A client imported e: serve the URB stream on fd, which belongs to
	 * the callee from now on, even when it fails. Return 0, or -errno:
	 * e is then offered again. Call server_export_release() when the
	 * importer has gone.
	 */
	int (*import)(struct server_export *e, int fd, const char *peer, void *data);
	/*
	 * What happened to one connection, for one log line: err 0 when it
	 * was served (a list, an import), -errno when it was refused or
	 * dropped (-EACCES not allowed, -EUSERS too many clients, -ETIMEDOUT,
	 * -EBADMSG a broken request, -EPROTONOSUPPORT another version,
	 * -ENODEV/-EBUSY an import refused, -EPIPE gone mid-way, ...).
	 */
	void (*event)(const char *peer, int err, const char *what, void *data);
	/*
	 * Optional: may this peer, inside the allow list, go on? Called once
	 * per accepted socket fd (still the server's), before a byte is read.
	 * 0 admits; -errno refuses, with the reason in why (one line), and the
	 * connection is closed with that event.
	 */
	int (*admit)(int fd, const struct sockaddr *sa, socklen_t len, char *why, size_t size,
		     void *data);
};

/* Listen on cfg->listen. 0, or -errno (-EADDRINUSE, -EACCES, ...). */
int server_new(struct loop *loop, const struct server_config *cfg, const struct server_ops *ops,
	       void *data, struct server **ret);

/*
 * Listen on another address too (every address of a host name); an IPv6
 * one other than "::" takes IPv6 only, and port 0 means the port the first
 * address got. 0, -ENOSPC past SERVER_MAX_LISTEN, or -errno.
 */
int server_listen(struct server *s, const struct server_addr *a);

/* Close the listener and every client still in the set-up. NULL-safe. */
void server_free(struct server *s);

/* How many addresses it listens on (1 + server_listen()'s). */
unsigned int server_nlisteners(const struct server *s);

/* Listening address i, as bound (with the port picked for port 0); "?" past the end. */
void server_local_addr(const struct server *s, unsigned int i, char *buf, size_t size);

/*
 * Serve a connected stream socket as if it had been accepted from `sa`
 * (the allow list and limits apply). For tests and fuzzers; fd is the
 * server's from now on. 0, or -errno when it was refused (and closed).
 */
int server_add_peer(struct server *s, int fd, const struct sockaddr *sa, socklen_t len);

/*
 * Offer a device. info describes it (usbip_op_device_from_descriptors,
 * and a path); the server numbers exports 1-1, 1-2, ... in the order they
 * are added and fills busid, busnum and devnum. `data` is the owner's.
 * 0, or -ENOMEM, or -ENOSPC past 255 x 255 exports.
 */
int server_export_add(struct server *s, const struct usbip_op_device *info, void *data,
		      struct server_export **ret);

/* Stop offering e and free it; a client importing it right now is closed. NULL-safe. */
void server_export_remove(struct server_export *e);

/* The importer has gone: offer e again. */
void server_export_release(struct server_export *e);

/*
 * Hide e from lists and imports (false), as a device that left the bus,
 * or show it again (true). A client importing it right now is closed.
 */
void server_export_set_offered(struct server_export *e, bool offered);

const char *server_export_busid(const struct server_export *e);
void *server_export_data(const struct server_export *e);

#endif
