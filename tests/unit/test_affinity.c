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

static const char *const vhci[] = { "vhci_rx", "vhci_tx", NULL };

static void find(void **state)
{
	struct affinity_threads *t = calloc(2, sizeof(*t));

	assert_non_null(t);
	put_stat(2, "kthreadd", " S 0 0 0 0 -1 2129984 0 0");
	put_stat(150, "vhci_rx", KTHREAD_TAIL);
	put_stat(151, "vhci_tx", KTHREAD_TAIL);
	put_stat(40, "vhci_rx", KTHREAD_TAIL);
	put_stat(41, "vhci_tx", KTHREAD_TAIL);
	put_stat(60, "kworker/0:1", KTHREAD_TAIL);
	/* A user process that named itself as vhci's thread. */
	put_stat(300, "vhci_rx", USER_TAIL);
	/* A malformed one among them is skipped, not fatal. */
	put_stat(301, "vhci_tx", " S");
	/* Listed but gone (ended meanwhile). */
	put_children("150 151 60 40 41 999 301\n");

	assert_int_equal(affinity_find(root, vhci, t, 2), 0);
	assert_int_equal(t[0].n, 2);
	assert_int_equal(t[0].pid[0], 40);
	assert_int_equal(t[0].pid[1], 150);
	assert_int_equal(t[1].n, 2);
	assert_int_equal(t[1].pid[0], 41);
	assert_int_equal(t[1].pid[1], 151);

	/* kthreadd's children left out: only 40 and 41 are its children. */
	put_children("40 41");
	assert_int_equal(affinity_find(root, vhci, t, 2), 0);
	assert_int_equal(t[0].n, 1);
	assert_int_equal(t[1].n, 1);

	/* No children file: every process, the user's vhci_rx still not. */
	put_children("");
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/2/task/2/children", root);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(affinity_find(root, vhci, t, 2), 0);
	assert_int_equal(t[0].n, 2);
	assert_int_equal(t[0].pid[0], 40);
	assert_int_equal(t[0].pid[1], 150);
	assert_int_equal(t[1].n, 2);

	/* A garbled children list: every process instead. */
	put_children("40 x41");
	assert_int_equal(affinity_find(root, vhci, t, 2), 0);
	assert_int_equal(t[0].n, 2);

	/* No /proc at all. */
	t[0].n = 7;
	assert_int_equal(affinity_find("/nonexistent-proc", vhci, t, 2), -ENOENT);
	assert_int_equal(t[0].n, 7);
	free(t);
}

static void find_limit(void **state)
{
	struct affinity_threads *t = calloc(1, sizeof(*t));
	char *list = malloc(16 * (AFFINITY_MAX_THREADS + 1));
	size_t len = 0;
	int i;

	assert_non_null(t);
	assert_non_null(list);
	for (i = 0; i <= AFFINITY_MAX_THREADS; i++) {
		put_stat(10000 + i, "vhci_rx", KTHREAD_TAIL);
		len += (size_t)sprintf(list + len, "%d ", 10000 + i);
	}
	put_children(list);
	t->n = 3;
	assert_int_equal(affinity_find(root, vhci, t, 1), -ENOBUFS);
	assert_int_equal(t->n, 3);
	free(list);
	free(t);
}

static void new_one(void **state)
{
	struct affinity_threads a = { .n = 3, .pid = { 10, 20, 30 } };
	struct affinity_threads b = { .n = 4, .pid = { 10, 20, 25, 30 } };
	struct affinity_threads c = { .n = 4, .pid = { 5, 10, 20, 30 } };
	struct affinity_threads d = { .n = 5, .pid = { 10, 20, 30, 40, 50 } };
	struct affinity_threads e = { .n = 2, .pid = { 20, 40 } };

	assert_int_equal(affinity_new_one(&a, &a), -ENOENT);
	assert_int_equal(affinity_new_one(&a, &b), 25);
	assert_int_equal(affinity_new_one(&a, &c), 5);
	/* Two new ones: another attach at the same time. No guess. */
	assert_int_equal(affinity_new_one(&a, &d), -EEXIST);
	/* Some gone (detached meanwhile), one new. */
	assert_int_equal(affinity_new_one(&a, &e), 40);
	assert_int_equal(affinity_new_one(&e, &a), -EEXIST);
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
		cmocka_unit_test(find),	      cmocka_unit_test(find_limit),
		cmocka_unit_test(new_one),    cmocka_unit_test(pick),
		cmocka_unit_test(pin_refused), cmocka_unit_test(pin_moves),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
