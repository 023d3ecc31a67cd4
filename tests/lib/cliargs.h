/* SPDX-License-Identifier: MIT */
/*
 * vusb-attach's command line for tests of src/app/cli.c: the words as a
 * test writes them, handed to cli_parse() as main() would.
 */
#ifndef VUSB_TEST_CLIARGS_H
#define VUSB_TEST_CLIARGS_H

#include "src/app/cli.h"
#include "src/base/strbuf.h"

/*
 * cli_parse() over "vusb-attach" and the words from `first` up to a
 * NULL; err is emptied first. Returns what cli_parse() returns.
 */
int cliargs_parse(struct cli *c, struct strbuf *err, const char *first, ...);

#endif
