// SPDX-License-Identifier: MIT
/*
 * /proc/self/mounts text (sysfs/mounts.c), as the kernel may write it:
 * the first line names the block device, the rest is the table. Checked:
 * no more mounts than lines, and the output holds only what came in.
 */
#include <stdlib.h>
#include <string.h>

#include "sysfs/mounts.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = { 0 };
	char *buf, *nl, *text;
	size_t i, lines = 1;
	int n;

	buf = malloc(size + 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = strchr(buf, '\n');
	text = nl ? nl + 1 : buf + size;
	if (nl)
		*nl = '\0';
	for (i = 0; text[i]; i++)
		lines += text[i] == '\n';
	n = mounts_of_block(text, buf, &out);
	FUZZ_CHECK(n >= 0 && (size_t)n <= lines, "%d mounts in %zu lines", n, lines);
	FUZZ_CHECK(n > 0 || out.len == 0, "output without a mount");
	FUZZ_CHECK(out.len <= 2 * size + 8 * (size_t)n, "%zu bytes out of %zu", out.len, size);
	strbuf_free(&out);
	free(buf);
	return 0;
}
