// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "src/base/num.h"
#include "src/usbip/addr.h"

static int parse_port(const char *s, uint16_t *ret)
{
	long long v;

	/* Five digits at most, and no sign: a port is written as it is. */
	if (*s < '0' || *s > '9' || strlen(s) > 5 || num_parse(s, 10, 0, 65535, &v) < 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

static void set_v4(struct server_addr *a, const struct in_addr *in, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	sin->sin_family = AF_INET;
	sin->sin_addr = *in;
	sin->sin_port = htons(port);
	a->len = sizeof(*sin);
}

static void set_v6(struct server_addr *a, const struct in6_addr *in6, uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = *in6;
	sin6->sin6_port = htons(port);
	a->len = sizeof(*sin6);
}

int server_parse_listen(const char *spec, struct server_addr *ret)
{
	char host[INET6_ADDRSTRLEN];
	uint16_t port = SERVER_DEFAULT_PORT;
	struct in_addr in;
	struct in6_addr in6;
	const char *colon, *end;
	size_t n;

	if (!spec)
		spec = "";
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (!end)
			return -EINVAL;
		n = (size_t)(end - spec - 1);
		if (n == 0 || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		if (end[1] == ':') {
			if (parse_port(end + 2, &port) < 0)
				return -EINVAL;
		} else if (end[1] != '\0') {
			return -EINVAL;
		}
		if (inet_pton(AF_INET6, host, &in6) != 1)
			return -EINVAL;
		set_v6(ret, &in6, port);
		return 0;
	}
	/* A bare port, "3240": on loopback, as ":3240". */
	if (spec[0] && strspn(spec, "0123456789") == strlen(spec)) {
		if (parse_port(spec, &port) < 0 || inet_pton(AF_INET, "127.0.0.1", &in) != 1)
			return -EINVAL;
		set_v4(ret, &in, port);
		return 0;
	}
	colon = strchr(spec, ':');
	if (colon && strchr(colon + 1, ':')) {
		/* Two colons or more: an IPv6 address without a port. */
		if (inet_pton(AF_INET6, spec, &in6) != 1)
			return -EINVAL;
		set_v6(ret, &in6, port);
		return 0;
	}
	n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (colon && parse_port(colon + 1, &port) < 0)
		return -EINVAL;
	if (n == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &in) != 1)
		return -EINVAL;
	set_v4(ret, &in, port);
	return 0;
}

int server_parse_cidr(const char *spec, struct server_cidr *ret)
{
	char host[INET6_ADDRSTRLEN];
	struct server_cidr c;
	const char *slash = strchr(spec, '/');
	size_t n = slash ? (size_t)(slash - spec) : strlen(spec);
	unsigned int max;

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, n);
	host[n] = '\0';
	memset(&c, 0, sizeof(c));
	if (inet_pton(AF_INET, host, c.addr) == 1) {
		c.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, c.addr) == 1) {
		c.family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	c.prefix = max;
	if (slash) {
		uint16_t v;

		if (parse_port(slash + 1, &v) < 0 || v > max)
			return -EINVAL;
		c.prefix = v;
	}
	/* ::ffff:10.0.0.0/104 is 10.0.0.0/8: peers are compared as IPv4. */
	if (c.family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)c.addr) &&
	    c.prefix >= 96) {
		memmove(c.addr, c.addr + 12, 4);
		memset(c.addr + 4, 0, 12);
		c.family = AF_INET;
		c.prefix -= 96;
	}
	*ret = c;
	return 0;
}

/* The peer's family and address bytes, IPv4-mapped IPv6 as IPv4. */
static int peer_bytes(const struct sockaddr *sa, socklen_t len, const uint8_t **ret)
{
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		*ret = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			*ret = a->s6_addr + 12;
			return AF_INET;
		}
		*ret = a->s6_addr;
		return AF_INET6;
	}
	return AF_UNSPEC;
}

bool server_cidr_match(const struct server_cidr *c, const struct sockaddr *sa, socklen_t len)
{
	const uint8_t *p = NULL;
	unsigned int bits = c->prefix, i;

	if (peer_bytes(sa, len, &p) != c->family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (p[i] != c->addr[i])
			return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		if ((p[i] & mask) != (c->addr[i] & mask))
			return false;
	}
	return true;
}

bool server_addr_is_loopback(const struct server_addr *a)
{
	const uint8_t *p = NULL;

	switch (peer_bytes((const struct sockaddr *)&a->ss, a->len, &p)) {
	case AF_INET:
		return p[0] == 127;
	case AF_INET6:
		return IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)p);
	default:
		return false;
	}
}

void server_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	const uint8_t *p = NULL;
	uint16_t port = 0;
	int family = peer_bytes(sa, len, &p);

	if (family == AF_UNSPEC || !inet_ntop(family, p, host, sizeof(host))) {
		snprintf(buf, size, "unix");
		return;
	}
	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	snprintf(buf, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}
