// SPDX-License-Identifier: MIT
/*
 * What vhci_hcd writes in its sysfs files, read without touching sysfs:
 * the status rows, the port layout, the number of ports. Pure functions
 * over text, so that unit tests and fuzzers can drive them.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/vhci.h"
#include "src/base/num.h"

#define STATUS_LINE_MAX 128

struct token {
	const char *s;
	size_t len;
};

/*
 * Split s[0..len) at runs of spaces into at most max tokens. Anything but
 * printable ASCII, a leading or trailing space, or too many tokens is
 * malformed. Returns the token count or -EBADMSG.
 */
static int split(const char *s, size_t len, struct token *tok, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len) {
		size_t start = i;

		if (s[i] == ' ')
			return -EBADMSG;
		while (i < len && s[i] != ' ') {
			if (s[i] < 0x21 || s[i] > 0x7e)
				return -EBADMSG;
			i++;
		}
		if (n == max)
			return -EBADMSG;
		tok[n].s = s + start;
		tok[n].len = i - start;
		n++;
		if (i == len)
			break;
		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			return -EBADMSG;
	}
	return (int)n;
}

/*
 * A whole token as an unsigned number in base 10 or 16, of at most
 * max_digits digits and at most max. No signs, no prefixes, no spaces.
 */
static int parse_num(const struct token *t, unsigned int base,
		     size_t max_digits, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (t->len == 0 || t->len > max_digits)
		return -EBADMSG;
	for (i = 0; i < t->len; i++) {
		int d = num_hexdigit(t->s[i]);

		if (d < 0 || (unsigned int)d >= base)
			return -EBADMSG;
		v = v * base + (unsigned int)d;
	}
	if (v > max)
		return -EBADMSG;
	*ret = v;
	return 0;
}

static bool is_busid_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == ':' ||
	       c == '_';
}

enum header {
	HEADER_NONE,
	HEADER_HUB, /* "hub port sta spd dev      sockfd local_busid" */
	HEADER_OLD, /* "port sta spd dev      socket           local_busid" */
};

static enum header header_kind(const char *s, size_t len)
{
	if (len >= 4 && !memcmp(s, "hub ", 4))
		return HEADER_HUB;
	if (len >= 5 && !memcmp(s, "port ", 5))
		return HEADER_OLD;
	return HEADER_NONE;
}

/* One line without its newline: s[0..len). */
static int parse_row(const char *s, size_t len, struct vhci_port *ret)
{
	struct vhci_port p = { 0 };
	struct token t[7];
	uint64_t v;
	size_t i;
	int r;

	if (len == 0 || len >= STATUS_LINE_MAX)
		return -EBADMSG;
	if (header_kind(s, len) != HEADER_NONE)
		return -ENODATA;

	r = split(s, len, t, 7);
	if (r != 7)
		return -EBADMSG;

	if (t[0].len != 2 || t[0].s[1] != 's')
		return -EBADMSG;
	if (t[0].s[0] == 'h')
		p.hub = VHCI_HUB_HS;
	else if (t[0].s[0] == 's')
		p.hub = VHCI_HUB_SS;
	else
		return -EBADMSG;

	if (parse_num(&t[1], 10, 5, VHCI_MAX_PORTS - 1, &v) < 0)
		return -EBADMSG;
	p.port = (unsigned int)v;
	if (parse_num(&t[2], 10, 3, 999, &v) < 0)
		return -EBADMSG;
	p.state = (unsigned int)v;
	if (parse_num(&t[3], 10, 3, 999, &v) < 0)
		return -EBADMSG;
	p.speed = (unsigned int)v;
	if (parse_num(&t[4], 16, 8, UINT32_MAX, &v) < 0)
		return -EBADMSG;
	p.devid = (uint32_t)v;
	/* 16 digits: a controller that is not ready prints 16 zeros here. */
	if (parse_num(&t[5], 10, 16, INT_MAX, &v) < 0)
		return -EBADMSG;
	p.sockfd = (int)v;

	if (t[6].len >= sizeof(p.busid))
		return -EBADMSG;
	for (i = 0; i < t[6].len; i++)
		if (!is_busid_char(t[6].s[i]))
			return -EBADMSG;
	memcpy(p.busid, t[6].s, t[6].len);
	p.busid[t[6].len] = '\0';

	*ret = p;
	return 0;
}

int vhci_status_parse_line(const char *line, struct vhci_port *ret)
{
	size_t len;

	if (!line || !ret)
		return -EINVAL;
	len = strnlen(line, STATUS_LINE_MAX + 1);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (memchr(line, '\n', len))
		return -EBADMSG;
	return parse_row(line, len, ret);
}

/*
 * Walk the rows of a status text; with ports NULL only validate and count.
 * Returns the row count or -errno.
 */
static int status_walk(const char *text, struct vhci_port *ports)
{
	const char *line = text, *eol;
	struct vhci_port row;
	size_t len, count = 0;
	bool first = true;
	int r;

	while (*line) {
		eol = strchr(line, '\n');
		len = eol ? (size_t)(eol - line) : strlen(line);

		if (first) {
			enum header h = header_kind(line, len);

			if (h == HEADER_OLD)
				return -EPROTONOSUPPORT;
			if (h != HEADER_HUB || len >= STATUS_LINE_MAX)
				return -EBADMSG;
			first = false;
		} else {
			r = parse_row(line, len, &row);
			if (r < 0)
				return -EBADMSG; /* includes a second header */
			if (count >= VHCI_MAX_PORTS)
				return -EBADMSG;
			if (ports)
				ports[count] = row;
			count++;
		}

		if (!eol)
			break;
		line = eol + 1;
	}
	if (first)
		return -EBADMSG;
	return (int)count;
}

int vhci_status_parse(const char *text, struct vhci_port *ports, size_t n)
{
	int count;

	if (!text || (!ports && n))
		return -EINVAL;

	count = status_walk(text, NULL);
	if (count < 0)
		return count;
	if (!ports)
		return count;
	if ((size_t)count > n)
		return -ENOBUFS;
	return status_walk(text, ports);
}

int vhci_hub_for_speed(enum usb_speed speed)
{
	switch (speed) {
	case USB_SPEED_LOW:
	case USB_SPEED_FULL:
	case USB_SPEED_HIGH:
		return VHCI_HUB_HS;
	case USB_SPEED_SUPER:
	case USB_SPEED_SUPER_PLUS:
		return VHCI_HUB_SS;
	default:
		return -EINVAL;
	}
}

static bool in_list(unsigned int x, const unsigned int *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == x)
			return true;
	return false;
}

int vhci_pick_port(const struct vhci_port *ports, size_t n,
		   enum usb_speed speed, const unsigned int *avoid,
		   size_t navoid)
{
	const struct vhci_port *best = NULL;
	int hub;
	size_t i;

	if ((!ports && n) || (!avoid && navoid))
		return -EINVAL;
	hub = vhci_hub_for_speed(speed);
	if (hub < 0)
		return hub;

	for (i = 0; i < n; i++) {
		const struct vhci_port *p = &ports[i];

		if ((int)p->hub != hub || p->state != VHCI_PORT_FREE)
			continue;
		if (p->port >= VHCI_MAX_PORTS || in_list(p->port, avoid, navoid))
			continue;
		if (!best || p->port < best->port)
			best = p;
	}
	if (!best)
		return -EBUSY;
	return (int)best->port;
}

int vhci_parse_nports(const char *s, unsigned int *ret)
{
	struct token t;
	uint64_t v;

	t.s = s;
	t.len = strcspn(s, "\n");
	if (s[t.len] == '\n' && s[t.len + 1] != '\0')
		return -EBADMSG;
	if (parse_num(&t, 10, 5, VHCI_MAX_PORTS, &v) < 0)
		return -EBADMSG;
	if (v == 0 || v % 2)
		return -EBADMSG;
	*ret = (unsigned int)v;
	return 0;
}
