// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "src/log.h"

int vusb_log_level = LOG_NOTICE;

void vusb_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > vusb_log_level)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
