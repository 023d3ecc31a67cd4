// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/lib/cliargs.h"

#define CLIARGS_MAX 32

int cliargs_parse(struct cli *c, struct strbuf *err, const char *first, ...)
{
	char *argv[CLIARGS_MAX] = { "vusb-attach" };
	int argc = 1;
	va_list ap;
	const char *a;

	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *)) {
		assert_true(argc < CLIARGS_MAX);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	strbuf_reset(err);
	return cli_parse(argc, argv, c, err);
}
