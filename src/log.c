// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "src/log.h"

int vusb_log_level = LOG_NOTICE;

void vusb_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > vusb_log_level)
		return;
	/* One line, prefixed like any command-line tool's messages. */
	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
