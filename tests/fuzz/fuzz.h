/* SPDX-License-Identifier: MIT */
/*
 * What every fuzz target (tests/fuzz/fuzz_NAME.c) defines, and a reader
 * that turns the fuzzer's bytes into structured calls. A target is built
 * twice: with libFuzzer (make fuzz, clang) and with tests/fuzz/replay.c,
 * a plain main() that runs it over its corpus and crash reproducers
 * (make fuzz-replay, part of make check-asan).
 *
 * A target calls abort() (through FUZZ_CHECK) when the code under test
 * breaks a rule the rest of vusb relies on: that is a crash the fuzzer
 * reports like any other.
 */
#ifndef VUSB_TESTS_FUZZ_H
#define VUSB_TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: once, before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                                   \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                            \
			fputc('\n', stderr);                                                     \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/* The input, consumed from the front; reads past the end give zeros. */
struct fuzz_in {
	const uint8_t *p;
	size_t len;
};

static inline bool fuzz_empty(const struct fuzz_in *in)
{
	return in->len == 0;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;

	if (!in->len)
		return 0;
	v = *in->p++;
	in->len--;
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t lo = fuzz_u16(in);

	return lo | (uint32_t)fuzz_u16(in) << 16;
}

/* Up to n bytes: *ret_len says how many there were. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *ret_len)
{
	const uint8_t *p = in->p;

	if (n > in->len)
		n = in->len;
	in->p += n;
	in->len -= n;
	*ret_len = n;
	return p;
}

#endif
