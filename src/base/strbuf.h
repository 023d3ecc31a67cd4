/* SPDX-License-Identifier: MIT */
/* A growable text buffer for command output and replies. */
#ifndef VUSB_STRBUF_H
#define VUSB_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf; /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	int err; /* sticky -ENOMEM: later calls are no-ops */
};

/* Append; 0 or -ENOMEM (also remembered in sb->err). */
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* The text so far ("" when empty). */
const char *strbuf_str(const struct strbuf *sb);

#endif
