// SPDX-License-Identifier: MIT
/*
 * Control-socket requests (src/ctl/ctl.c's ctl_request_parse, then
 * vusb_command in src/app/vusb.c) against an offline instance holding one
 * device of every model (tests/fuzz/offline.h). The input is a sequence
 * of requests, each a u16 length and that many bytes (arguments ended by
 * NULs, as vusbctl sends them), so that state carries from one to the
 * next: press then release, eject then insert, detach then list.
 */
#include "tests/fuzz/offline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vusb *v = off_new();

	while (!fuzz_empty(&in)) {
		size_t want = fuzz_u16(&in) % (CTL_MAX_REQUEST + 1), n;
		const uint8_t *req = fuzz_bytes(&in, want, &n);
		char *argv[CTL_MAX_ARGS];
		char *buf = malloc(n ? n : 1);
		int argc;

		if (!buf)
			abort();
		memcpy(buf, req, n);
		argc = ctl_request_parse(buf, n, argv, CTL_MAX_ARGS);
		FUZZ_CHECK(argc == -EINVAL || (argc >= 0 && argc <= CTL_MAX_ARGS), "argc %d", argc);
		if (argc > 0)
			off_command(v, argc, argv, false);
		free(buf);
	}
	vusb_free(v);
	return 0;
}
