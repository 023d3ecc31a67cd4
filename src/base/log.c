// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "src/base/log.h"

int vusb_log_level = LOG_NOTICE;

/*
 * Where messages go: process-wide like the level, but private to this
 * file and changed only through vusb_log_set_sink().
 */
static unsigned int log_sink = VUSB_LOG_STDERR;

void vusb_log_set_sink(unsigned int sink)
{
	log_sink = sink;
}

void vusb_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > vusb_log_level)
		return;
	if (log_sink & VUSB_LOG_SYSLOG) {
		va_start(ap, fmt);
		vsyslog(prio, fmt, ap);
		va_end(ap);
	}
	if (!(log_sink & VUSB_LOG_STDERR))
		return;
	/* The journal takes the priority from a "<N>" prefix and knows the
	 * program; elsewhere one line prefixed like any tool's messages. */
	if (log_sink & VUSB_LOG_PRIORITY)
		fprintf(stderr, "<%d>", prio);
	else
		fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
