// SPDX-License-Identifier: MIT
/* A JSON writer (src/base/json.h). */
#include <assert.h>
#include <string.h>

#include "src/base/json.h"

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and past U+10FFFF are not UTF-8. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

int json_escape(struct strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	strbuf_add(out, "\"", 1);
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			strbuf_printf(out, "\\%c", p[i]);
			i++;
		} else if (p[i] == '\n') {
			strbuf_add(out, "\\n", 2);
			i++;
		} else if (p[i] == '\t') {
			strbuf_add(out, "\\t", 2);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			strbuf_printf(out, "\\u%04x", p[i]);
			i++;
		} else if ((n = utf8_len(p + i, len - i)) == 0) {
			strbuf_add(out, "\\ufffd", 6);
			i++;
		} else {
			strbuf_add(out, p + i, n);
			i += n;
		}
	}
	return strbuf_add(out, "\"", 1);
}

void json_init(struct json *j, struct strbuf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Before a value or a key: the comma that separates it from the last. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		strbuf_add(j->out, ",", 1);
	j->need_comma[j->depth] = true;
}

static void open_(struct json *j, const char *c)
{
	sep(j);
	assert(j->depth < JSON_DEPTH_MAX);
	strbuf_add(j->out, c, 1);
	j->need_comma[++j->depth] = false;
}

static void close_(struct json *j, const char *c)
{
	assert(j->depth > 0 && !j->after_key);
	j->depth--;
	strbuf_add(j->out, c, 1);
}

void json_object_begin(struct json *j)
{
	open_(j, "{");
}

void json_object_end(struct json *j)
{
	close_(j, "}");
}

void json_array_begin(struct json *j)
{
	open_(j, "[");
}

void json_array_end(struct json *j)
{
	close_(j, "]");
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	json_escape(j->out, key, strlen(key));
	strbuf_add(j->out, ":", 1);
	j->after_key = true;
}

void json_strn(struct json *j, const char *s, size_t len)
{
	sep(j);
	json_escape(j->out, s, len);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_int(struct json *j, long long v)
{
	sep(j);
	strbuf_printf(j->out, "%lld", v);
}

void json_uint(struct json *j, unsigned long long v)
{
	sep(j);
	strbuf_printf(j->out, "%llu", v);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	strbuf_printf(j->out, "%s", v ? "true" : "false");
}

void json_null(struct json *j)
{
	sep(j);
	strbuf_add(j->out, "null", 4);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
