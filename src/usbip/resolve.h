/* SPDX-License-Identifier: MIT */
/*
 * Host names for --listen and --allow: the syntax (pure) and the lookup
 * (getaddrinfo, done once at start, before anything binds).
 */
#ifndef VUSB_USBIP_RESOLVE_H
#define VUSB_USBIP_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include "src/base/strbuf.h"
#include "src/usbip/addr.h"

/* Longest host name (RFC 1035: 253 characters), and its NUL. */
#define SERVER_HOST_MAX 254

/*
 * Is s a host name: labels of letters, digits and hyphens, 1 to 63 long,
 * not starting or ending with a hyphen, joined by single dots (one final
 * dot allowed), at most 253 characters, not all digits and dots (that
 * would be a mistyped address)? Pure.
 */
bool server_is_hostname(const char *s);

/*
 * Split --listen's "NAME[:PORT]" (default port SERVER_DEFAULT_PORT) into
 * ret_host (SERVER_HOST_MAX bytes) and *ret_port. 0, or -EINVAL when NAME
 * is not a host name or PORT not a port. Pure.
 */
int server_split_host(const char *spec, char *ret_host, uint16_t *ret_port);

/*
 * Every address of host for TCP (IPv4 and IPv6, duplicates dropped), with
 * port, in the resolver's order, at most max. The count (>= 1), or
 * -EADDRNOTAVAIL with the resolver's message in err ("Name or service not
 * known"), or -ENOMEM.
 */
int server_resolve(const char *host, uint16_t port, struct server_addr *ret, unsigned int max,
		   struct strbuf *err);

/* The one-host entry (/32, /128) for an address. */
void server_cidr_from_addr(const struct server_addr *a, struct server_cidr *ret);

#endif
