/* SPDX-License-Identifier: MIT */
/*
 * A JSON writer into a strbuf, for the --json output of vusbctl and
 * the watch streams: objects and arrays nest, commas are placed for the
 * caller, strings are escaped. Names, serials and paths come from users,
 * so every string is made valid: quotes, backslashes and control
 * characters are escaped, and each byte that is not part of valid UTF-8
 * becomes U+FFFD (JSON cannot carry raw bytes).
 */
#ifndef VUSB_BASE_JSON_H
#define VUSB_BASE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/base/strbuf.h"

/* Objects and arrays nested at most this deep; deeper is our bug. */
#define JSON_DEPTH_MAX 8

struct json {
	struct strbuf *out;
	unsigned int depth;
	bool need_comma[JSON_DEPTH_MAX + 1];
	bool after_key; /* json_key() was the last call */
};

/* Write into out (appended to). */
void json_init(struct json *j, struct strbuf *out);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

/* A member's name in an object; its value is the next call. */
void json_key(struct json *j, const char *key);

/* Values: a string (NULL writes null), len bytes of one, numbers, ... */
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t len);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key and value at once. */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, long long v);
void json_kv_uint(struct json *j, const char *key, unsigned long long v);
void json_kv_bool(struct json *j, const char *key, bool v);

/*
 * Append len bytes of s as a JSON string literal, quotes included, with
 * the escaping described above. 0, or -ENOMEM (sticky in out).
 */
int json_escape(struct strbuf *out, const char *s, size_t len);

#endif
