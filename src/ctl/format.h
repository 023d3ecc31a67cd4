/* SPDX-License-Identifier: MIT */
/*
 * `list` as vusbctl and the terminal show it. An instance answers "list"
 * with a row a device (tab-separated: name kind port busid state
 * details), and "list --json" with a JSON object a device, a line each;
 * vusbctl gathers every instance's and formats them once.
 */
#ifndef VUSB_CTL_FORMAT_H
#define VUSB_CTL_FORMAT_H

#include <stdbool.h>

#include "src/base/strbuf.h"

/*
 * The schema of `list --json`: {"version": CTL_LIST_VERSION, "devices":
 * [...]}. It goes up when a member changes meaning or goes away; new
 * members may appear without it.
 */
#define CTL_LIST_VERSION 1

/*
 * Format `rows` as a table, or, when `json`, the JSON lines of "list
 * --json" as one document (lines that are not objects are left out).
 */
void ctl_format_list(const char *rows, bool json, struct strbuf *out);

#endif
