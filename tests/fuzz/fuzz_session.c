// SPDX-License-Identifier: MIT
/*
 * A control client from its first byte (src/ctl/ctl.c's server): a one-shot
 * request, or "-session" and then length-framed requests, whatever the
 * frames say about their lengths. The handler only echoes (commands are
 * fuzz_ctl's); what is under test is the framing, the reply queue and
 * the connection's end, which must always come: the run ends when the
 * server has closed the connection.
 */
#include <sys/stat.h>

#include "src/ctl/server.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/harness.h"

static struct ctl_server *srv;

static int echo(int argc, char **argv, int *fds, unsigned int nfds, struct strbuf *out,
		struct strbuf *err, void *data)
{
	int i;

	while (nfds)
		close(fds[--nfds]);
	if (argc > 0 && strcmp(argv[0], "fail") == 0) {
		strbuf_printf(err, "failed\nsecond line");
		return EXIT_FAILURE_;
	}
	for (i = 0; i < argc; i++)
		strbuf_printf(out, "[%s]", argv[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		char dir[] = "/tmp/vusb-fuzz-ctl-XXXXXX";

		fz_init();
		if (!mkdtemp(dir) || setenv("VUSB_RUNDIR", dir, 1) < 0 ||
		    ctl_server_new(fz_loop, echo, NULL, NULL, &srv) < 0)
			abort();
		ready = true;
	}
	ctl_server_add_client(srv, fz_open(data, size));
	fz_run();
	return 0;
}
