// SPDX-License-Identifier: MIT
/*
 * The JSON writer's strings (src/base/json.h): device names, serials and
 * paths as users choose them, any bytes. What json_escape() writes must
 * be one JSON string literal of valid UTF-8 with no raw control
 * character, which decodes to the input with each byte that is not UTF-8
 * replaced by U+FFFD: decoded here, checked byte by byte.
 */
#include <string.h>

#include "src/base/json.h"
#include "tests/fuzz/fuzz.h"

static unsigned int hexval(char c)
{
	return c <= '9' ? (unsigned int)(c - '0') : (unsigned int)(c - 'a' + 10);
}

/*
 * The length of the well-formed UTF-8 sequence at p (left bytes), 0 if
 * none: by the code point it decodes to, which must need exactly that
 * many bytes and be a scalar value (no surrogate, at most U+10FFFF).
 */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
	uint32_t cp = p[0] & (0x7f >> len);
	size_t k;

	if (!len || p[0] >= 0xf8 || len > left)
		return 0;
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < (len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp < 0xe000))
		return 0;
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = { 0 };
	const char *s;
	size_t i, n, len, in = 0;

	FUZZ_CHECK(json_escape(&out, (const char *)data, size) == 0, "out of memory");
	s = strbuf_str(&out);
	n = out.len;
	FUZZ_CHECK(n >= 2 && s[0] == '"' && s[n - 1] == '"', "not a string literal");
	for (i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_CHECK(c >= 0x20 && c != '"', "raw 0x%02x at %zu", c, i);
		if (c == '\\') {
			unsigned int u;

			i++;
			FUZZ_CHECK(i < n - 1, "a backslash ends the string");
			if (s[i] == '"' || s[i] == '\\' || s[i] == 'n' || s[i] == 't') {
				char want = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i];

				FUZZ_CHECK(in < size && data[in] == (uint8_t)want, "\\%c at %zu", s[i], i);
				in++;
				continue;
			}
			FUZZ_CHECK(s[i] == 'u' && i + 4 < n - 1, "escape \\%c", s[i]);
			u = hexval(s[i + 1]) << 12 | hexval(s[i + 2]) << 8 | hexval(s[i + 3]) << 4 |
			    hexval(s[i + 4]);
			i += 4;
			if (u == 0xfffd) {
				/* A byte that is not UTF-8 (never ASCII). */
				FUZZ_CHECK(in < size && data[in] >= 0x80, "U+FFFD for 0x%02x",
					   in < size ? data[in] : 0);
			} else {
				FUZZ_CHECK(u < 0x20 || u == 0x7f, "\\u%04x needs no escape", u);
				FUZZ_CHECK(in < size && data[in] == u, "\\u%04x is not the input", u);
			}
			in++;
			continue;
		}
		if (c < 0x80) {
			FUZZ_CHECK(c != 0x7f && in < size && data[in] == c, "0x%02x at %zu", c, i);
			in++;
			continue;
		}
		/* A UTF-8 sequence copied as it was: valid, and the input's. */
		len = utf8_seq((const unsigned char *)s + i, n - 1 - i);
		FUZZ_CHECK(len > 0, "0x%02x at %zu starts no valid UTF-8", c, i);
		FUZZ_CHECK(in + len <= size && memcmp(data + in, s + i, len) == 0,
			   "a sequence at %zu is not the input", i);
		in += len;
		i += len - 1;
	}
	FUZZ_CHECK(in == size, "%zu of %zu input bytes in the output", in, size);
	strbuf_free(&out);
	return 0;
}
