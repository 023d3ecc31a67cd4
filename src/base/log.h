/* SPDX-License-Identifier: MIT */
#ifndef VUSB_LOG_H
#define VUSB_LOG_H

#include <syslog.h>

/*
 * The one global of the program: how much to log. Library code (protocol,
 * classes, sysfs helpers) never logs; it returns -errno and lets its caller
 * say what went wrong, once.
 */
extern int vusb_log_level;

void vusb_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Where vusb_log() writes, any combination of: standard error (the
 * default), syslog (the program calls openlog() first; a daemon), and a
 * "<PRIORITY>" prefix instead of the program's name on standard error
 * (when standard error is the journal, as under systemd).
 */
#define VUSB_LOG_STDERR 0x1u
#define VUSB_LOG_SYSLOG 0x2u
#define VUSB_LOG_PRIORITY 0x4u
void vusb_log_set_sink(unsigned int sink);

#define log_err(...) vusb_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) vusb_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) vusb_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) vusb_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                  \
	do {                                            \
		if (vusb_log_level >= LOG_DEBUG)        \
			vusb_log(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
