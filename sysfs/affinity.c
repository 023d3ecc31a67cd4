// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/base/num.h"
#include "sysfs/affinity.h"

/* include/linux/sched.h; kthreadd's pid is 2 in the initial namespace. */
#define PF_KTHREAD 0x00200000ul
#define KTHREADD_PID 2

const char *const affinity_vhci_names[] = { "vhci_rx", "vhci_tx", NULL };
const char *const affinity_storage_names[] = { "usb-storage", NULL };
const char *const affinity_all_names[] = { "vhci_rx", "vhci_tx", "usb-storage", NULL };

/* The next blank-separated field of s[*pos..len) as a number, base 10. */
static int next_num(const char *s, size_t len, size_t *pos, long long min, long long max,
		    long long *ret)
{
	char tok[24];
	size_t i = *pos, start;

	if (i >= len || s[i] != ' ')
		return -EBADMSG;
	start = ++i;
	while (i < len && s[i] != ' ' && s[i] != '\n')
		i++;
	if (i == start || i - start >= sizeof(tok))
		return -EBADMSG;
	memcpy(tok, s + start, i - start);
	tok[i - start] = '\0';
	if (num_parse(tok, 10, min, max, ret) < 0)
		return -EBADMSG;
	*pos = i;
	return 0;
}

int affinity_stat_parse(const char *buf, size_t len, struct affinity_stat *ret)
{
	struct affinity_stat st = { 0 };
	const char *open, *close = NULL;
	long long v;
	size_t i, pos;
	int f;

	if (!buf || !ret || len == 0 || len > AFFINITY_STAT_MAX)
		return -EBADMSG;
	open = memchr(buf, '(', len);
	for (i = len; i > 0; i--)
		if (buf[i - 1] == ')') {
			close = buf + i - 1;
			break;
		}
	if (!open || !close || close < open || open == buf || open[-1] != ' ')
		return -EBADMSG;
	/* The pid: digits only, before " (". */
	{
		char tok[16];
		size_t n = (size_t)(open - 1 - buf);

		if (n == 0 || n >= sizeof(tok))
			return -EBADMSG;
		memcpy(tok, buf, n);
		tok[n] = '\0';
		if (num_parse(tok, 10, 1, INT_MAX, &v) < 0)
			return -EBADMSG;
		st.pid = (pid_t)v;
	}
	if ((size_t)(close - open - 1) >= sizeof(st.comm))
		return -EBADMSG;
	memcpy(st.comm, open + 1, (size_t)(close - open - 1));
	if (memchr(st.comm, '\0', (size_t)(close - open - 1)))
		return -EBADMSG;
	/* ") S PPID PGRP SESSION TTY TPGID FLAGS" */
	pos = (size_t)(close - buf) + 1;
	if (pos + 2 > len || buf[pos] != ' ' || buf[pos + 1] < 'A' || buf[pos + 1] > 'z')
		return -EBADMSG;
	pos += 2;
	if (next_num(buf, len, &pos, 0, INT_MAX, &v) < 0)
		return -EBADMSG;
	st.ppid = (pid_t)v;
	for (f = 0; f < 4; f++) /* pgrp, session, tty_nr, tpgid */
		if (next_num(buf, len, &pos, INT_MIN, INT_MAX, &v) < 0)
			return -EBADMSG;
	if (next_num(buf, len, &pos, 0, UINT_MAX, &v) < 0)
		return -EBADMSG;
	st.flags = (unsigned long)v;
	*ret = st;
	return 0;
}

int affinity_is_kthread(const struct affinity_stat *st)
{
	return (st->flags & PF_KTHREAD) && st->ppid == KTHREADD_PID;
}

/* Read proc_root/PID/stat and parse it. 0, -ESRCH gone or unreadable, -EBADMSG. */
static int read_stat(const char *proc_root, pid_t pid, struct affinity_stat *ret)
{
	char path[PATH_MAX], buf[AFFINITY_STAT_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return -ESRCH;
	return affinity_stat_parse(buf, (size_t)n, ret);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Add pid to l (capacity *cap), growing it. 0, -ENOBUFS, -ENOMEM. */
static int add(struct affinity_list *l, size_t *cap, long long pid)
{
	if (l->n >= AFFINITY_MAX_TASKS)
		return -ENOBUFS;
	if (l->n == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		pid_t *p = realloc(l->pid, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->pid = p;
		*cap = c;
	}
	l->pid[l->n++] = (pid_t)pid;
	return 0;
}

/* kthreadd's children: "PID PID ... " in one file, when the kernel has it. */
static int from_children(const char *proc_root, struct affinity_list *l, size_t *cap)
{
	char path[PATH_MAX], *buf;
	size_t len = 0, size = 65536, i;
	ssize_t r;
	int fd, e = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%d/task/%d/children", proc_root,
			     KTHREADD_PID, KTHREADD_PID) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(size);
	while (buf && (r = read(fd, buf + len, size - 1 - len)) > 0) {
		len += (size_t)r;
		if (len == size - 1) {
			/* 12 bytes an id at most: a list this long is over the limit. */
			char *b = size < 12u * AFFINITY_MAX_TASKS ? realloc(buf, 2 * size) : NULL;

			if (!b) {
				e = size < 12u * AFFINITY_MAX_TASKS ? -ENOMEM : -ENOBUFS;
				break;
			}
			buf = b;
			size *= 2;
		}
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len && e == 0;) {
		long long v;
		char tok[16];
		size_t start;

		while (i < len && (buf[i] == ' ' || buf[i] == '\n'))
			i++;
		start = i;
		while (i < len && buf[i] != ' ' && buf[i] != '\n')
			i++;
		if (i == start)
			break;
		if (i - start >= sizeof(tok)) {
			e = -EBADMSG;
			break;
		}
		memcpy(tok, buf + start, i - start);
		tok[i - start] = '\0';
		e = num_parse(tok, 10, 1, INT_MAX, &v) < 0 ? -EBADMSG : add(l, cap, v);
	}
	free(buf);
	return e;
}

static int from_all(const char *proc_root, struct affinity_list *l, size_t *cap)
{
	struct dirent *de;
	DIR *d = opendir(proc_root);
	int e = 0;

	if (!d)
		return -errno;
	while (e == 0 && (de = readdir(d))) {
		long long v;

		if (num_parse(de->d_name, 10, 1, INT_MAX, &v) == 0)
			e = add(l, cap, v);
	}
	closedir(d);
	return e;
}

int affinity_list(const char *proc_root, struct affinity_list *ret)
{
	struct affinity_list l = { 0 };
	size_t cap = 0;
	int r;

	if (!proc_root || !ret)
		return -EINVAL;
	r = from_children(proc_root, &l, &cap);
	if (r < 0 && r != -ENOBUFS && r != -ENOMEM) {
		l.n = 0;
		r = from_all(proc_root, &l, &cap);
	}
	if (r < 0) {
		free(l.pid);
		return r;
	}
	if (l.n)
		qsort(l.pid, l.n, sizeof(pid_t), cmp_pid);
	*ret = l;
	return 0;
}

void affinity_list_free(struct affinity_list *l)
{
	if (!l)
		return;
	free(l->pid);
	l->pid = NULL;
	l->n = 0;
}

pid_t affinity_new_kthread(const char *proc_root, const struct affinity_list *before,
			   const struct affinity_list *after, const char *name)
{
	size_t i = 0, j;
	pid_t got = -ENOENT;

	for (j = 0; j < after->n; j++) {
		struct affinity_stat st;
		pid_t p = after->pid[j];

		while (i < before->n && before->pid[i] < p)
			i++;
		if (i < before->n && before->pid[i] == p)
			continue;
		if (j > 0 && after->pid[j - 1] == p)
			continue;
		if (read_stat(proc_root, p, &st) < 0 || st.pid != p || !affinity_is_kthread(&st) ||
		    strcmp(st.comm, name) != 0)
			continue;
		if (got > 0)
			return -EEXIST;
		got = p;
	}
	return got;
}

int affinity_pick(int want, const cpu_set_t *allowed, int current, int *ret_cpu)
{
	int cpu;

	if (want == AFFINITY_OFF)
		return 0;
	if (want >= 0) {
		if (want >= CPU_SETSIZE || !CPU_ISSET(want, allowed))
			return -EINVAL;
		*ret_cpu = want;
		return 1;
	}
	if (want != AFFINITY_AUTO)
		return -EINVAL;
	if (CPU_COUNT(allowed) < 2)
		return 0;
	if (current >= 0 && current < CPU_SETSIZE && CPU_ISSET(current, allowed)) {
		*ret_cpu = current;
		return 1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, allowed)) {
			*ret_cpu = cpu;
			return 1;
		}
	return 0;
}

int affinity_pin_kthread(const char *proc_root, pid_t pid, const char *const *names, int cpu)
{
	struct affinity_stat st;
	cpu_set_t set;
	size_t i;

	if (pid <= 0 || cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	if (read_stat(proc_root, pid, &st) < 0 || !affinity_is_kthread(&st) || st.pid != pid)
		return -ESRCH;
	for (i = 0; names[i]; i++)
		if (strcmp(st.comm, names[i]) == 0)
			break;
	if (!names[i])
		return -ESRCH;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(pid, sizeof(set), &set) < 0)
		return -errno;
	return 0;
}
