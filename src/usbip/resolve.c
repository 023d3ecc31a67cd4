// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "src/base/num.h"
#include "src/usbip/resolve.h"

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

bool server_is_hostname(const char *s)
{
	size_t n = strlen(s), label = 0, i;
	bool letter = false;

	if (n == 0 || n > SERVER_HOST_MAX - 1)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			/* An empty label, or one ending in a hyphen. */
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!label_char(c) || (label == 0 && c == '-') || ++label > 63)
			return false;
		if (!(c >= '0' && c <= '9'))
			letter = true;
	}
	if (label > 0 && s[n - 1] == '-')
		return false;
	/* "1.2.3" or "300.1.1.1" is an address typed wrong, not a name. */
	return letter;
}

int server_split_host(const char *spec, char *ret_host, uint16_t *ret_port)
{
	char host[SERVER_HOST_MAX];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	long long port = SERVER_DEFAULT_PORT;

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (!server_is_hostname(host))
		return -EINVAL;
	/* Five digits at most, no sign: as --listen's numeric form. */
	if (colon && (colon[1] < '0' || colon[1] > '9' || strlen(colon + 1) > 5 ||
		      num_parse(colon + 1, 10, 0, 65535, &port) < 0))
		return -EINVAL;
	memcpy(ret_host, host, n + 1);
	*ret_port = (uint16_t)port;
	return 0;
}

static bool same_addr(const struct server_addr *a, const struct server_addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

int server_resolve(const char *host, uint16_t port, struct server_addr *ret, unsigned int max,
		   struct strbuf *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	unsigned int n = 0, i;
	int r;

	/* AI_ADDRCONFIG left out: "localhost" keeps ::1 on a host whose
	 * only IPv6 address is loopback. */
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r == EAI_MEMORY)
		return -ENOMEM;
	if (r != 0) {
		strbuf_printf(err, "%s", r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -EADDRNOTAVAIL;
	}
	for (ai = res; ai && n < max; ai = ai->ai_next) {
		struct server_addr a = { 0 };

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(a.ss))
			continue;
		memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
		a.len = ai->ai_addrlen;
		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)&a.ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&a.ss)->sin6_port = htons(port);
		for (i = 0; i < n && !same_addr(&ret[i], &a); i++)
			;
		if (i == n)
			ret[n++] = a;
	}
	freeaddrinfo(res);
	if (n == 0) {
		strbuf_printf(err, "no IPv4 or IPv6 address");
		return -EADDRNOTAVAIL;
	}
	return (int)n;
}

void server_cidr_from_addr(const struct server_addr *a, struct server_cidr *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (a->ss.ss_family == AF_INET) {
		ret->family = AF_INET;
		memcpy(ret->addr, &((const struct sockaddr_in *)&a->ss)->sin_addr, 4);
		ret->prefix = 32;
	} else {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;

		/* As server_parse_cidr: an IPv4-mapped address is IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(in6)) {
			ret->family = AF_INET;
			memcpy(ret->addr, in6->s6_addr + 12, 4);
			ret->prefix = 32;
		} else {
			ret->family = AF_INET6;
			memcpy(ret->addr, in6->s6_addr, 16);
			ret->prefix = 128;
		}
	}
}
