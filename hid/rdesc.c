// SPDX-License-Identifier: MIT
/*
 * Report descriptors. The checks follow HID 1.11 6.2.2 and, where the
 * spec leaves room, what Linux's hid-core refuses: a descriptor passes
 * here only if the host's parser takes it and reads the same report
 * sizes from it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hid/rdesc.h"
#include "src/base/num.h"

/* Item types and tags (HID 1.11 6.2.2.4 .. 6.2.2.8) */
#define TYPE_MAIN 0
#define TYPE_GLOBAL 1
#define TYPE_LOCAL 2
#define TYPE_RESERVED 3

#define MAIN_INPUT 0x8
#define MAIN_OUTPUT 0x9
#define MAIN_COLLECTION 0xa
#define MAIN_FEATURE 0xb
#define MAIN_END_COLLECTION 0xc

#define GLOBAL_USAGE_PAGE 0x0
#define GLOBAL_REPORT_SIZE 0x7
#define GLOBAL_REPORT_ID 0x8
#define GLOBAL_REPORT_COUNT 0x9
#define GLOBAL_PUSH 0xa
#define GLOBAL_POP 0xb

#define LOCAL_USAGE 0x0
#define LOCAL_USAGE_MIN 0x1
#define LOCAL_USAGE_MAX 0x2
#define LOCAL_DELIMITER 0xa

#define LONG_ITEM 0xfe
#define COLLECTION_APPLICATION 0x01

struct globals {
	uint32_t usage_page;
	uint32_t report_size;
	uint32_t report_id;
	uint32_t report_count;
};

struct parser {
	struct globals g;
	struct globals stack[HID_RDESC_PUSH_MAX];
	unsigned int pushed;
	unsigned int depth;
	size_t first_open; /* offset of the outermost open collection */
	uint32_t usages; /* local usages since the last main item */
	uint32_t usage_min; /* pending Usage Minimum */
	bool have_min;
	uint32_t usage; /* the last Usage, for the application */
	bool in_delimiter;
	bool id_seen; /* a Report ID item came */
	size_t id_less; /* offset of a main item before any Report ID, or SIZE_MAX */
};

static int fail(struct hid_rdesc_error *err, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct hid_rdesc_error *err, size_t off, const char *fmt, ...)
{
	va_list ap;

	err->offset = off;
	err->text = false;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *const type_names[] = { "input", "output", "feature" };

static int main_item(struct parser *p, struct hid_rdesc *r, const struct hid_rdesc_limits *lim,
		     unsigned int tag, uint32_t data, size_t off, struct hid_rdesc_error *err)
{
	unsigned int type;
	uint64_t bits;
	size_t bytes;

	switch (tag) {
	case MAIN_INPUT:
		type = HID_RDESC_INPUT;
		break;
	case MAIN_OUTPUT:
		type = HID_RDESC_OUTPUT;
		break;
	case MAIN_FEATURE:
		type = HID_RDESC_FEATURE;
		break;
	case MAIN_COLLECTION:
		if (p->depth == HID_RDESC_DEPTH_MAX)
			return fail(err, off, "Collection nested more than %d deep",
				    HID_RDESC_DEPTH_MAX);
		if (!p->depth)
			p->first_open = off;
		p->depth++;
		if (data == COLLECTION_APPLICATION && !r->application)
			r->application =
				p->usage > 0xffff ? p->usage : p->g.usage_page << 16 | p->usage;
		return 0;
	case MAIN_END_COLLECTION:
		if (!p->depth)
			return fail(err, off, "End Collection with no open Collection");
		p->depth--;
		return 0;
	default:
		return fail(err, off, "main item tag 0x%x is reserved", tag);
	}

	if (p->id_seen && !p->g.report_id)
		return fail(err, off, "%s item with no Report ID in a descriptor that uses IDs",
			    type_names[type - 1]);
	if (!p->id_seen && p->id_less == SIZE_MAX)
		p->id_less = off;
	bits = r->bits[type - 1][p->g.report_id] + (uint64_t)p->g.report_size * p->g.report_count;
	bytes = (size_t)((bits + 7) / 8) + (p->g.report_id ? 1 : 0);
	if (lim && lim->max[type - 1] && bytes > lim->max[type - 1]) {
		if (p->g.report_id)
			return fail(
				err, off, "%s report %u grows to %zu bytes with its ID: over %zu",
				type_names[type - 1], p->g.report_id, bytes, lim->max[type - 1]);
		return fail(err, off, "%s report grows to %zu bytes: over %zu",
			    type_names[type - 1], bytes, lim->max[type - 1]);
	}
	if (!r->bits[type - 1][p->g.report_id] && bits)
		r->nreports[type - 1]++;
	r->bits[type - 1][p->g.report_id] = (uint32_t)bits;
	return 0;
}

static int global_item(struct parser *p, unsigned int tag, uint32_t data, unsigned int size,
		       size_t off, struct hid_rdesc_error *err)
{
	switch (tag) {
	case GLOBAL_USAGE_PAGE:
		p->g.usage_page = data & 0xffff;
		return 0;
	case 0x1: /* Logical Minimum */
	case 0x2: /* Logical Maximum */
	case 0x3: /* Physical Minimum */
	case 0x4: /* Physical Maximum */
	case 0x5: /* Unit Exponent */
	case 0x6: /* Unit */
		return 0;
	case GLOBAL_REPORT_SIZE:
		if (data > HID_RDESC_SIZE_MAX)
			return fail(err, off, "Report Size %u: over %d bits", data,
				    HID_RDESC_SIZE_MAX);
		p->g.report_size = data;
		return 0;
	case GLOBAL_REPORT_ID:
		if (!data || data > 255)
			return fail(err, off, "Report ID %u: IDs are 1 to 255", data);
		if (p->id_less != SIZE_MAX)
			return fail(err, off,
				    "Report ID after a report with no ID (the item at byte %zu)",
				    p->id_less);
		p->g.report_id = data;
		p->id_seen = true;
		return 0;
	case GLOBAL_REPORT_COUNT:
		if (data > HID_RDESC_COUNT_MAX)
			return fail(err, off, "Report Count %u: over %d", data,
				    HID_RDESC_COUNT_MAX);
		p->g.report_count = data;
		return 0;
	case GLOBAL_PUSH:
		if (p->pushed == HID_RDESC_PUSH_MAX)
			return fail(err, off, "Push more than %d deep", HID_RDESC_PUSH_MAX);
		p->stack[p->pushed++] = p->g;
		return 0;
	case GLOBAL_POP:
		if (!p->pushed)
			return fail(err, off, "Pop with nothing pushed");
		p->g = p->stack[--p->pushed];
		return 0;
	default:
		return fail(err, off, "global item tag 0x%x is reserved", tag);
	}
}

static int add_usages(struct parser *p, uint64_t n, size_t off, struct hid_rdesc_error *err)
{
	if (p->usages + n > HID_RDESC_USAGES_MAX)
		return fail(err, off, "over %d usages before one main item", HID_RDESC_USAGES_MAX);
	p->usages += (uint32_t)n;
	return 0;
}

static int local_item(struct parser *p, unsigned int tag, uint32_t data, unsigned int size,
		      size_t off, struct hid_rdesc_error *err)
{
	/* A 4-byte usage carries its page; shorter ones take the global's. */
	uint32_t usage = size == 4 ? data : data & 0xffff;

	switch (tag) {
	case LOCAL_USAGE:
		p->usage = usage;
		return add_usages(p, 1, off, err);
	case LOCAL_USAGE_MIN:
		p->usage_min = usage;
		p->have_min = true;
		return 0;
	case LOCAL_USAGE_MAX:
		if (!p->have_min)
			return 0;
		p->have_min = false;
		if (usage < p->usage_min)
			return fail(err, off, "Usage Maximum 0x%x below Usage Minimum 0x%x", usage,
				    p->usage_min);
		return add_usages(p, (uint64_t)usage - p->usage_min + 1, off, err);
	case LOCAL_DELIMITER:
		if (data > 1)
			return fail(err, off, "Delimiter %u: 1 opens a set, 0 closes it", data);
		if (data == 1 && p->in_delimiter)
			return fail(err, off, "Delimiter opens a set inside a set");
		if (data == 0 && !p->in_delimiter)
			return fail(err, off, "Delimiter closes no set");
		p->in_delimiter = data == 1;
		return 0;
	default:
		/* Designators, strings: nothing to check. */
		return 0;
	}
}

int hid_rdesc_parse(const uint8_t *d, size_t len, const struct hid_rdesc_limits *lim,
		    struct hid_rdesc *ret, struct hid_rdesc_error *err)
{
	struct parser p = { .id_less = SIZE_MAX };
	size_t off = 0;
	unsigned int i;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!len)
		return fail(err, 0, "the descriptor is empty");
	if (len > HID_RDESC_MAX)
		return fail(err, HID_RDESC_MAX, "over %d bytes", HID_RDESC_MAX);

	while (off < len) {
		uint8_t prefix = d[off];
		unsigned int size = prefix & 3, type = prefix >> 2 & 3, tag = prefix >> 4;
		uint32_t data = 0;

		if (size == 3)
			size = 4;
		if (prefix == LONG_ITEM)
			return fail(err, off,
				    "a long item: none is defined, and Linux refuses them");
		if (len - off - 1 < size)
			return fail(err, off, "item 0x%02x needs %u data bytes, %zu left", prefix,
				    size, len - off - 1);
		for (i = 0; i < size; i++)
			data |= (uint32_t)d[off + 1 + i] << (8 * i);

		switch (type) {
		case TYPE_MAIN:
			if (p.in_delimiter)
				return fail(err, off, "main item inside a Delimiter set");
			r = main_item(&p, ret, lim, tag, data, off, err);
			p.usages = 0;
			p.have_min = false;
			p.usage = 0;
			break;
		case TYPE_GLOBAL:
			r = global_item(&p, tag, data, size, off, err);
			break;
		case TYPE_LOCAL:
			r = local_item(&p, tag, data, size, off, err);
			break;
		default:
			r = fail(err, off, "item 0x%02x has the reserved type 3", prefix);
			break;
		}
		if (r < 0)
			return r;
		off += 1 + size;
	}

	if (p.depth)
		return fail(err, len,
			    "%u Collection(s) not closed (the outermost opened at byte %zu)",
			    p.depth, p.first_open);
	if (p.in_delimiter)
		return fail(err, len, "a Delimiter set not closed");
	if (!ret->nreports[0] && !ret->nreports[1] && !ret->nreports[2])
		return fail(err, len, "no Input, Output or Feature report with data");
	ret->ids = p.id_seen;
	return 0;
}

size_t hid_rdesc_report_len(const struct hid_rdesc *r, unsigned int type, unsigned int id)
{
	uint32_t bits;

	if (type < HID_RDESC_INPUT || type > HID_RDESC_FEATURE || id >= HID_RDESC_IDS)
		return 0;
	if (!r->ids != !id)
		return 0;
	bits = r->bits[type - 1][id];
	if (!bits)
		return 0;
	return (bits + 7) / 8 + (id ? 1 : 0);
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_text(const uint8_t *f, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_blank(f[i]) && (f[i] < 0x20 || f[i] > 0x7e))
			return false;
	return true;
}

static int load_text(const uint8_t *f, size_t len, uint8_t out[HID_RDESC_MAX],
		     struct hid_rdesc_error *err)
{
	size_t i = 0, n = 0;

	if (len > HID_RDESC_TEXT_MAX)
		return fail(err, HID_RDESC_TEXT_MAX, "hex text over %d bytes", HID_RDESC_TEXT_MAX);

	while (i < len) {
		size_t start = i;
		int hi, lo;

		if (is_blank(f[i])) {
			i++;
			continue;
		}
		if (f[i] == '#' || (f[i] == '/' && i + 1 < len && f[i + 1] == '/')) {
			while (i < len && f[i] != '\n')
				i++;
			continue;
		}
		if (f[i] == '/' && i + 1 < len && f[i + 1] == '*') {
			for (i += 2; i + 1 < len && !(f[i] == '*' && f[i + 1] == '/'); i++)
				;
			if (i + 1 >= len)
				return fail(err, start, "a comment that is not closed");
			i += 2;
			continue;
		}
		if (f[i] == '0' && i + 2 < len && (f[i + 1] == 'x' || f[i + 1] == 'X') &&
		    num_hexdigit(f[i + 2]) >= 0)
			i += 2;
		hi = num_hexdigit(f[i]);
		lo = i + 1 < len ? num_hexdigit(f[i + 1]) : -1;
		if (hi < 0)
			return fail(err, start, "'%c' where a hex byte should be", f[i]);
		i += lo < 0 ? 1 : 2;
		if (i < len && f[i] == ',')
			i++;
		else if (i < len && !is_blank(f[i]) && f[i] != '#' && f[i] != '/')
			return fail(err, start, "a hex byte is one or two digits, then a blank");
		if (n == HID_RDESC_MAX)
			return fail(err, start, "over %d bytes", HID_RDESC_MAX);
		out[n++] = (uint8_t)(lo < 0 ? hi : hi << 4 | lo);
	}
	if (!n)
		return fail(err, 0, "no hex bytes in the text");
	return (int)n;
}

int hid_rdesc_load(const uint8_t *f, size_t len, uint8_t out[HID_RDESC_MAX],
		   struct hid_rdesc_error *err)
{
	int r;

	if (!is_text(f, len)) {
		if (len > HID_RDESC_MAX)
			return fail(err, HID_RDESC_MAX, "over %d bytes", HID_RDESC_MAX);
		memcpy(out, f, len);
		return (int)len;
	}
	r = load_text(f, len, out, err);
	err->text = true;
	return r;
}
