/* SPDX-License-Identifier: MIT */
/*
 * Between vusbctl's two files: vusbctl.c (usage, one device's commands,
 * batch, main) and vusbctl-instances.c (list, suspend, resume, add,
 * remove: every instance in the run directory, or the one picked).
 * Each returns an exit code (src/base/exitcodes) and prints its errors.
 */
#ifndef VUSB_APP_VUSBCTL_H
#define VUSB_APP_VUSBCTL_H

#include <stdbool.h>

#define VUSBCTL_TIMEOUT_MS 10000

/* Say why connecting to the socket for `what` failed; the exit code. */
int vusbctl_explain_connect(int r, const char *what);
/* Send argv (and fd, if >= 0) to the instance at path; print its answer. */
int vusbctl_call(const char *path, const char *what, int argc, char **argv, int fd);
/* As vusbctl_call(), with nfds descriptors (at most CTL_MAX_FDS). */
int vusbctl_call_fds(const char *path, const char *what, int argc, char **argv, const int *fds,
		     unsigned int nfds);

int vusbctl_list(bool json);
int vusbctl_all_instances(int argc, char **argv);
int vusbctl_suspend(void);
int vusbctl_add(int argc, char **argv);
int vusbctl_remove(int argc, char **argv);

#endif
