// SPDX-License-Identifier: MIT
/*
 * sysfs/affinity: /proc/PID/stat lines as the kernel writes them (taken
 * from Debian's 6.1 kernel in the VM: vhci's threads, usb-storage's, a
 * user process) and as a process may make its name look; the kernel
 * threads found in a fake /proc made in a temporary directory, through
 * kthreadd's children and without them; which thread is new across an
 * attach; the CPU picked for --cpu; and what affinity_pin_kthread()
 * refuses to move.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysfs/affinity.h"

static char root[64];

/* The fields after comm, as 6.1 wrote them for these. */
#define KTHREAD_TAIL " S 2 0 0 0 -1 2129984 0 0 0 0 0 5 0 0 20 0 1 0 380 0 0 18446744073709551615"
#define USER_TAIL " S 115 0 0 0 -1 4194560 120 0 0 0 3 9 0 0 20 0 1 0 300 8192000 300"

static void put_stat(int pid, const char *comm, const char *tail)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d (%s)%s\n", pid, comm, tail);
	fclose(f);
}

static void put_children(const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/2", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/2/task", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/2/task/2", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/2/task/2/children", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/vusb-affinity-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int parse(const char *s, struct affinity_stat *st)
{
	return affinity_stat_parse(s, strlen(s), st);
}

static void stat_lines(void **state)
{
	struct affinity_stat st;

	assert_int_equal(parse("134 (vhci_rx)" KTHREAD_TAIL "\n", &st), 0);
	assert_int_equal(st.pid, 134);
	assert_int_equal(st.ppid, 2);
	assert_int_equal(st.flags, 2129984);
	assert_string_equal(st.comm, "vhci_rx");
	assert_true(affinity_is_kthread(&st));

	assert_int_equal(parse("119 (vusb-attach)" USER_TAIL "\n", &st), 0);
	assert_string_equal(st.comm, "vusb-attach");
	assert_int_equal(st.ppid, 115);
	assert_false(affinity_is_kthread(&st));

	/* A name with blanks and parentheses ends at the last ')'. */
	assert_int_equal(parse("77 (a) S (b)" USER_TAIL, &st), 0);
	assert_string_equal(st.comm, "a) S (b");
	/* The longest name the kernel keeps, and an empty one. */
	assert_int_equal(parse("78 (123456789012345)" USER_TAIL, &st), 0);
	assert_string_equal(st.comm, "123456789012345");
	assert_int_equal(parse("79 ()" USER_TAIL, &st), 0);
	assert_string_equal(st.comm, "");
	/* PF_KTHREAD without kthreadd as parent, and kthreadd's child without it. */
	assert_int_equal(parse("80 (vhci_rx) S 1 0 0 0 -1 2129984 0", &st), 0);
	assert_false(affinity_is_kthread(&st));
	assert_int_equal(parse("81 (vhci_rx) S 2 0 0 0 -1 4194560 0", &st), 0);
	assert_false(affinity_is_kthread(&st));
}

static void stat_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"134",
		"134 (vhci_rx",
		"(vhci_rx)" KTHREAD_TAIL,
		"x34 (vhci_rx)" KTHREAD_TAIL,
		"134(vhci_rx)" KTHREAD_TAIL,
		"-134 (vhci_rx)" KTHREAD_TAIL,
		"134 (1234567890123456)" KTHREAD_TAIL, /* longer than the kernel keeps */
		"134 (vhci_rx)",
		"134 (vhci_rx) S",
		"134 (vhci_rx) S 2 0 0 0 -1",	     /* no flags */
		"134 (vhci_rx) S 2 0 0 0 -1 ",	     /* an empty field */
		"134 (vhci_rx) S 2 0 0 0 -1 0x200000", /* not decimal */
		"134 (vhci_rx) S 2  0 0 0 -1 2129984", /* two blanks */
		"134 (vhci_rx) S -2 0 0 0 -1 2129984",
		"134 (vhci_rx) S 2 0 0 0 -1 99999999999",
		"134 (vhci_rx) 7 2 0 0 0 -1 2129984",
		"134 (vhci_rx)S 2 0 0 0 -1 2129984",
	};
	struct affinity_stat st = { .pid = 42 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &st) != -EBADMSG)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_int_equal(st.pid, 42);
	}
	/* A NUL inside the name; too long a buffer. */
	assert_int_equal(affinity_stat_parse("134 (vhci\0rx) S 2 0 0 0 -1 2129984", 33, &st),
			 -EBADMSG);
	{
		char big[AFFINITY_STAT_MAX + 1];

		memset(big, ' ', sizeof(big));
		memcpy(big, "134 (vhci_rx)" KTHREAD_TAIL, sizeof("134 (vhci_rx)" KTHREAD_TAIL) - 1);
		assert_int_equal(affinity_stat_parse(big, sizeof(big), &st), -EBADMSG);
	}
	assert_int_equal(affinity_stat_parse(NULL, 0, &st), -EBADMSG);
}

static void assert_list(const struct affinity_list *l, size_t n, const pid_t *want)
{
	size_t i;

	assert_int_equal(l->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(l->pid[i], want[i]);
}

static void list(void **state)
{
	struct affinity_list l = { 0 }, kept = { .n = 7 };
	char path[PATH_MAX];

	put_stat(2, "kthreadd", " S 0 0 0 0 -1 2129984 0 0");
	put_stat(40, "vhci_rx", KTHREAD_TAIL);
	put_stat(41, "vhci_tx", KTHREAD_TAIL);
	put_stat(300, "vhci_rx", USER_TAIL);
	/* kthreadd's children, in the kernel's order, one gone meanwhile. */
	put_children("41 40 999 60\n");
	assert_int_equal(affinity_list(root, &l), 0);
	assert_list(&l, 4, (const pid_t[]){ 40, 41, 60, 999 });
	affinity_list_free(&l);
	assert_null(l.pid);

	/* No children file: every process, the directory's numeric names. */
	snprintf(path, sizeof(path), "%s/2/task/2/children", root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(affinity_list(root, &l), 0);
	assert_list(&l, 4, (const pid_t[]){ 2, 40, 41, 300 });
	affinity_list_free(&l);

	/* A garbled list: every process instead. */
	put_children("40 x41");
	assert_int_equal(affinity_list(root, &l), 0);
	assert_int_equal(l.n, 4);
	affinity_list_free(&l);
	put_children("40 123456789012345678901");
	assert_int_equal(affinity_list(root, &l), 0);
	assert_int_equal(l.n, 4);
	affinity_list_free(&l);
	put_children("");
	assert_int_equal(affinity_list(root, &l), 0);
	assert_int_equal(l.n, 0);
	affinity_list_free(&l);

	/* No /proc at all. */
	assert_int_equal(affinity_list("/nonexistent-proc", &kept), -ENOENT);
	assert_int_equal(kept.n, 7);
	assert_null(kept.pid);
}

static void list_limit(void **state)
{
	struct affinity_list l = { .n = 3 };
	char *text = malloc(8 * (AFFINITY_MAX_TASKS + 2));
	size_t len = 0;
	int i;

	assert_non_null(text);
	for (i = 0; i < AFFINITY_MAX_TASKS; i++)
		len += (size_t)sprintf(text + len, "%d ", 1000 + i);
	put_children(text);
	assert_int_equal(affinity_list(root, &l), 0);
	assert_int_equal(l.n, AFFINITY_MAX_TASKS);
	assert_int_equal(l.pid[AFFINITY_MAX_TASKS - 1], 1000 + AFFINITY_MAX_TASKS - 1);
	affinity_list_free(&l);
	sprintf(text + len, "%d\n", 1000 + i);
	put_children(text);
	l.n = 3;
	assert_int_equal(affinity_list(root, &l), -ENOBUFS);
	assert_int_equal(l.n, 3);
	put_children("");
	free(text);
}

static void new_kthread(void **state)
{
	pid_t before_pids[] = { 10, 20, 30 };
	pid_t after_pids[] = { 10, 20, 25, 26, 30, 31, 32, 33 };
	struct affinity_list before = { 3, before_pids }, after = { 8, after_pids };
	struct affinity_list one = { 4, (pid_t[]){ 10, 20, 25, 30 } };

	put_stat(10, "vhci_rx", KTHREAD_TAIL); /* there before: not new */
	put_stat(25, "vhci_rx", KTHREAD_TAIL);
	put_stat(26, "vhci_tx", KTHREAD_TAIL);
	put_stat(31, "usb-storage", USER_TAIL); /* a process under that name */
	put_stat(32, "scsi_eh_0", KTHREAD_TAIL);
	/* 33: listed, gone before its stat was read */

	assert_int_equal(affinity_new_kthread(root, &before, &after, "vhci_rx"), 25);
	assert_int_equal(affinity_new_kthread(root, &before, &after, "vhci_tx"), 26);
	assert_int_equal(affinity_new_kthread(root, &before, &after, "usb-storage"), -ENOENT);
	assert_int_equal(affinity_new_kthread(root, &before, &before, "vhci_rx"), -ENOENT);
	/* Two new ones: another attach at the same time. No guess. */
	put_stat(30, "vhci_rx", KTHREAD_TAIL);
	before.n = 2;
	assert_int_equal(affinity_new_kthread(root, &before, &after, "vhci_rx"), -EEXIST);
	assert_int_equal(affinity_new_kthread(root, &before, &one, "vhci_rx"), -EEXIST);
	/* Some gone (detached meanwhile), one new. */
	before.n = 3;
	assert_int_equal(affinity_new_kthread(root, &one, &after, "vhci_tx"), 26);
}

static void pick(void **state)
{
	cpu_set_t set;
	int cpu = -7;

	CPU_ZERO(&set);
	CPU_SET(2, &set);
	CPU_SET(3, &set);
	CPU_SET(6, &set);
	assert_int_equal(affinity_pick(AFFINITY_OFF, &set, 3, &cpu), 0);
	assert_int_equal(cpu, -7);
	assert_int_equal(affinity_pick(6, &set, 3, &cpu), 1);
	assert_int_equal(cpu, 6);
	/* Never outside what the process may use. */
	assert_int_equal(affinity_pick(0, &set, 3, &cpu), -EINVAL);
	assert_int_equal(affinity_pick(CPU_SETSIZE, &set, 3, &cpu), -EINVAL);
	assert_int_equal(cpu, 6);
	/* auto: where we run, else the first allowed. */
	assert_int_equal(affinity_pick(AFFINITY_AUTO, &set, 3, &cpu), 1);
	assert_int_equal(cpu, 3);
	assert_int_equal(affinity_pick(AFFINITY_AUTO, &set, 0, &cpu), 1);
	assert_int_equal(cpu, 2);
	assert_int_equal(affinity_pick(AFFINITY_AUTO, &set, -1, &cpu), 1);
	assert_int_equal(cpu, 2);
	assert_int_equal(affinity_pick(-5, &set, 3, &cpu), -EINVAL);
	/* One CPU: every wake-up is local already. */
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	cpu = -7;
	assert_int_equal(affinity_pick(AFFINITY_AUTO, &set, 1, &cpu), 0);
	assert_int_equal(cpu, -7);
	assert_int_equal(affinity_pick(1, &set, 1, &cpu), 1);
	assert_int_equal(cpu, 1);
}

static void pin_refused(void **state)
{
	put_stat(500, "vhci_rx", USER_TAIL);
	put_stat(501, "kworker/0:1", KTHREAD_TAIL);
	/* Not a kernel thread; not one of those names; not there. */
	assert_int_equal(affinity_pin_kthread(root, 500, affinity_all_names, 0), -ESRCH);
	assert_int_equal(affinity_pin_kthread(root, 501, affinity_all_names, 0), -ESRCH);
	assert_int_equal(affinity_pin_kthread(root, 502, affinity_all_names, 0), -ESRCH);
	assert_int_equal(affinity_pin_kthread(root, 0, affinity_all_names, 0), -EINVAL);
	assert_int_equal(affinity_pin_kthread(root, 500, affinity_all_names, -1), -EINVAL);
	assert_int_equal(affinity_pin_kthread(root, 500, affinity_all_names, CPU_SETSIZE), -EINVAL);
}

/* The one move a test may make: this process, dressed up as vhci_tx in the fake /proc. */
static void pin_moves(void **state)
{
	cpu_set_t was, now;
	int cpu = sched_getcpu();

	assert_true(cpu >= 0);
	assert_int_equal(sched_getaffinity(0, sizeof(was), &was), 0);
	put_stat((int)getpid(), "vhci_tx", KTHREAD_TAIL);
	assert_int_equal(affinity_pin_kthread(root, getpid(), affinity_vhci_names, cpu), 0);
	assert_int_equal(sched_getaffinity(0, sizeof(now), &now), 0);
	assert_int_equal(CPU_COUNT(&now), 1);
	assert_true(CPU_ISSET(cpu, &now));
	assert_int_equal(sched_setaffinity(0, sizeof(was), &was), 0);
	/* usb-storage's names do not include vhci's. */
	assert_int_equal(affinity_pin_kthread(root, getpid(), affinity_storage_names, cpu), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_lines), cmocka_unit_test(stat_malformed),
		cmocka_unit_test(list),	      cmocka_unit_test(list_limit),
		cmocka_unit_test(new_kthread), cmocka_unit_test(pick),
		cmocka_unit_test(pin_refused), cmocka_unit_test(pin_moves),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
