/* SPDX-License-Identifier: MIT */
/*
 * Inside the --listen server (src/usbip/server.h), shared by its files:
 * server.c (connections in the set-up, exports) and server-listen.c (the
 * listening sockets, one per address).
 */
#ifndef VUSB_USBIP_SERVER_PRIVATE_H
#define VUSB_USBIP_SERVER_PRIVATE_H

#include "src/base/list.h"
#include "src/base/loop.h"
#include "src/usbip/server.h"

/* One listening socket: a host name can stand for several addresses. */
struct listener {
	struct server *srv;
	int fd;
	struct loop_io *io;
};

struct server {
	struct loop *loop;
	struct server_config cfg;
	const struct server_ops *ops;
	void *data;
	struct listener listeners[SERVER_MAX_LISTEN];
	unsigned int nlisteners;
	struct loop_timer *retry; /* accept() again after running out of descriptors */
	struct list_head clients;
	unsigned int nclients;
	struct list_head exports;
	unsigned int nexports; /* ever added: numbers are not reused */
};

/* One line for the owner's log (ops->event), printf-style. */
void server_event(struct server *s, const char *peer, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Close every listening socket and the retry timer (server_free). */
void server_listeners_close(struct server *s);

#endif
