/* SPDX-License-Identifier: MIT */
/*
 * The rows of a `list` request (one device a line, tab-separated: name
 * kind port busid state details) as vusbctl and the terminal show them.
 */
#ifndef VUSB_CTL_FORMAT_H
#define VUSB_CTL_FORMAT_H

#include <stdbool.h>

#include "src/base/strbuf.h"

/* Format `rows` as a table, or as a JSON array when `json`. */
void ctl_format_list(const char *rows, bool json, struct strbuf *out);

#endif
