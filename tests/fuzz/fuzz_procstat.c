// SPDX-License-Identifier: MIT
/*
 * /proc/PID/stat text (sysfs/affinity.c), as the kernel writes it for any
 * task, whose name a process chooses. Checked: a parsed line has a pid,
 * a name that is a NUL-terminated copy of bytes of the input, and a
 * result that does not depend on bytes after the flags field's end; a
 * refused line leaves the output alone.
 */
#include <errno.h>
#include <string.h>

#include "sysfs/affinity.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct affinity_stat st, again;
	size_t n;
	int r;

	memset(&st, 0x5a, sizeof(st));
	r = affinity_stat_parse((const char *)data, size, &st);
	FUZZ_CHECK(r == 0 || r == -EBADMSG, "returned %d", r);
	if (r < 0) {
		struct affinity_stat untouched;

		memset(&untouched, 0x5a, sizeof(untouched));
		FUZZ_CHECK(memcmp(&st, &untouched, sizeof(st)) == 0, "output written on failure");
		return 0;
	}
	FUZZ_CHECK(size <= AFFINITY_STAT_MAX, "%zu bytes accepted", size);
	FUZZ_CHECK(st.pid > 0 && st.ppid >= 0, "pid %d ppid %d", (int)st.pid, (int)st.ppid);
	n = strnlen(st.comm, sizeof(st.comm));
	FUZZ_CHECK(n < sizeof(st.comm), "name not terminated");
	FUZZ_CHECK(n == 0 || memmem(data, size, st.comm, n), "name not from the input");
	FUZZ_CHECK(affinity_stat_parse((const char *)data, size, &again) == 0 &&
			   memcmp(&st, &again, sizeof(st)) == 0,
		   "a second parse differs");
	(void)affinity_is_kthread(&st);
	return 0;
}
