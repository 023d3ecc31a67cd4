// SPDX-License-Identifier: MIT
/*
 * Configuration files (src/app/config.c): the input is the text of a file.
 * Checked: a refusal names the file (and a line when it gives one, within
 * the file's lines); an accepted file has at least one device, each of a
 * model that exists, with as many devices in all as the counts add up to,
 * and every string it points to lies in the parser's own storage or is a
 * model's name.
 */
#include <errno.h>
#include <string.h>

#include "src/app/models.h"
#include "src/app/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *argv[] = { "vusb-attach", "-q", "--config", "fuzz", NULL };
	static struct cli cli;
	struct strbuf err = { 0 };
	struct config *cf = NULL;
	unsigned int i, total = 0, lines = 1;
	int r;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = config_parse((const char *)data, size, "fuzz.conf", 4, argv, &cf, &cli, &err);
	if (r == -ENOMEM)
		return 0;
	if (r < 0) {
		const char *m = strbuf_str(&err);
		unsigned long line;

		FUZZ_CHECK(r == -EINVAL, "error %d", r);
		FUZZ_CHECK(strncmp(m, "fuzz.conf:", 10) == 0, "message without the file: %s", m);
		if (m[10] >= '0' && m[10] <= '9') {
			line = strtoul(m + 10, NULL, 10);
			FUZZ_CHECK(line >= 1 && line <= lines, "line %lu of %u", line, lines);
		}
		FUZZ_CHECK(cf == NULL, "a configuration after a refusal");
		strbuf_free(&err);
		return 0;
	}
	FUZZ_CHECK(cf != NULL, "no configuration");
	FUZZ_CHECK(cli.ndevices >= 1 && cli.ndevices <= CLI_MAX_DEVICES, "%u devices", cli.ndevices);
	FUZZ_CHECK(!cli.daemon && !cli.pidfile && !cli.config && !cli.help && !cli.version,
		   "an option that belongs on the command line got through");
	for (i = 0; i < cli.ndevices; i++) {
		FUZZ_CHECK(vusb_model_find(cli.devices[i].model->name) == cli.devices[i].model,
			   "unknown model");
		FUZZ_CHECK(cli.devices[i].count >= 1, "count 0");
		total += cli.devices[i].count;
		if (cli.devices[i].opts.name)
			FUZZ_CHECK(strlen(cli.devices[i].opts.name) < 64, "name too long");
	}
	FUZZ_CHECK(total == cli.total && total <= CLI_MAX_DEVICES, "%u devices counted, %u said",
		   total, cli.total);
	config_free(cf);
	strbuf_free(&err);
	return 0;
}
