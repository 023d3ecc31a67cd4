// SPDX-License-Identifier: MIT
/*
 * vusb-attach's command line (src/app/cli.c): the input is argv, arguments
 * ended by NULs (argv[0] is added). Checked: a refusal comes with a
 * reason; an accepted line names models that exist, counts that add up
 * and options that fit their tables.
 */
#include <errno.h>
#include <string.h>

#include "src/app/models.h"
#include "src/app/cli.h"
#include "tests/fuzz/fuzz.h"

#define MAX_ARGS 128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cli cli;
	struct strbuf err = { 0 };
	char *argv[MAX_ARGS + 2];
	char *buf = malloc(size + 1);
	size_t start = 0, i;
	unsigned int k, total = 0;
	int argc = 1, r;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "vusb-attach";
	for (i = 0; i <= size && argc <= MAX_ARGS; i++) {
		if (i < size && buf[i])
			continue;
		buf[i] = '\0';
		/* A trailing NUL ends the last argument; it does not start one. */
		if (i < size || start < size)
			argv[argc++] = buf + start;
		start = i + 1;
	}
	argv[argc] = NULL;
	memset(&cli, 0xa5, sizeof(cli));
	r = cli_parse(argc, argv, &cli, &err);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "cli_parse returned %d", r);
	if (r < 0) {
		FUZZ_CHECK(err.len > 0, "refused without a reason");
	} else {
		FUZZ_CHECK(cli.ndevices <= CLI_MAX_DEVICES, "%u devices", cli.ndevices);
		for (k = 0; k < cli.ndevices; k++) {
			const struct cli_device *d = &cli.devices[k];

			FUZZ_CHECK(d->model && vusb_model_find(d->model->name) == d->model,
				   "device %u: unknown model", k);
			FUZZ_CHECK(d->opts.nextra <= VUSB_MAX_MODEL_OPTS, "device %u: %u options", k,
				   d->opts.nextra);
			total += d->count;
		}
		FUZZ_CHECK(total == cli.total, "counts add up to %u, total says %u", total, cli.total);
	}
	strbuf_free(&err);
	free(buf);
	return 0;
}
