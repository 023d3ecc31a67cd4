/* SPDX-License-Identifier: MIT */
/*
 * Addresses for --listen and --allow: parsing what the user typed,
 * matching a peer against the allow list, printing a peer. Pure.
 */
#ifndef VUSB_USBIP_ADDR_H
#define VUSB_USBIP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SERVER_DEFAULT_PORT 3240
/* "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535" and a NUL */
#define SERVER_ADDR_STRLEN 64

struct server_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* An --allow entry: address family, network bytes, prefix length. */
struct server_cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned int prefix;
};

/*
 * Parse --listen's value: "[ADDR][:PORT]", or a bare "PORT" (on
 * 127.0.0.1). ADDR is a numeric IPv4 address, or an IPv6 one, in brackets
 * when a port follows ("[::1]:3240"; "::" alone is fine). Defaults
 * 127.0.0.1 and SERVER_DEFAULT_PORT; NULL or "" means both. Port 0 picks
 * a free one. 0, or -EINVAL.
 */
int server_parse_listen(const char *spec, struct server_addr *ret);

/* Parse "ADDR[/PREFIX]" (IPv4 or IPv6; no prefix: one host). 0 or -EINVAL. */
int server_parse_cidr(const char *spec, struct server_cidr *ret);

/* Does the peer address fall in c? IPv4-mapped IPv6 peers match IPv4 entries. */
bool server_cidr_match(const struct server_cidr *c, const struct sockaddr *sa, socklen_t len);

/* 127.0.0.0/8 or ::1 (or IPv4-mapped 127/8). */
bool server_addr_is_loopback(const struct server_addr *a);

/* "1.2.3.4:5", "[::1]:5" ("unix" for anything else), always NUL-terminated. */
void server_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

#endif
