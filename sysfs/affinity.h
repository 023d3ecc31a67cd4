/* SPDX-License-Identifier: MIT */
/*
 * One device's round trip on one CPU. A transfer through vhci wakes, in
 * turn, vhci's tx thread (the URB to send), the process serving the
 * device (the command on its socket), vhci's rx thread (the reply) and
 * the driver waiting for the URB; on an idle CPU each wake-up costs an
 * interrupt to that CPU and its way out of an idle state. With all of
 * them on one CPU each is a context switch (tests/bench/README.md).
 *
 * vhci's threads are ordinary kernel threads, "vhci_rx" and "vhci_tx",
 * made by the write to vhci's attach file, before that write returns.
 * The kernel says nowhere which port they serve, so they are found as
 * the kernel threads of those names that appeared across the write: with
 * exactly one new one of each they are ours; with more (another program
 * attached at the same moment) or none, nothing is moved. usb-storage's
 * thread ("usb-storage", one per device) is found the same way, across
 * the device's probe.
 *
 * /proc is read from a root passed in (tests use a directory of files);
 * parsing is pure.
 */
#ifndef VUSB_AFFINITY_H
#define VUSB_AFFINITY_H

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

/* --cpu: pick one (the one we run on); leave every thread alone. */
#define AFFINITY_AUTO (-1)
#define AFFINITY_OFF (-2)

/* Tasks listed at most (kthreadd's children, or every process). */
#define AFFINITY_MAX_TASKS 65536
/* Bytes of /proc/PID/stat read: the fields used come first. */
#define AFFINITY_STAT_MAX 1024

#define AFFINITY_COMM_MAX 16 /* TASK_COMM_LEN, with the NUL */

struct affinity_stat {
	pid_t pid;
	pid_t ppid;
	unsigned long flags; /* PF_* */
	char comm[AFFINITY_COMM_MAX];
};

/*
 * Parse the text of /proc/PID/stat ("PID (COMM) STATE PPID ... FLAGS
 * ..."); COMM may hold blanks and parentheses: it ends at the last ')'.
 * 0, or -EBADMSG when the text is not that. Pure.
 */
int affinity_stat_parse(const char *buf, size_t len, struct affinity_stat *ret);

/* Is this a kernel thread (PF_KTHREAD, a child of kthreadd)? */
int affinity_is_kthread(const struct affinity_stat *st);

/* Task ids, ascending; pid is malloc()ed (affinity_list_free). */
struct affinity_list {
	size_t n;
	pid_t *pid;
};

/*
 * The tasks that may be kernel threads, from proc_root ("/proc"):
 * kthreadd's children (2/task/2/children) when the kernel lists them,
 * else every process. Only ids: cheap enough around every attach. 0,
 * -ENOBUFS with more than AFFINITY_MAX_TASKS, -ENOMEM, -errno when
 * proc_root cannot be read. ret is untouched on failure.
 */
int affinity_list(const char *proc_root, struct affinity_list *ret);

void affinity_list_free(struct affinity_list *l);

/*
 * Of the tasks in after that are not in before, the one kernel thread
 * named `name` (only those tasks' stat files are read): its pid, -ENOENT
 * when there is none, -EEXIST when there are several (a guess would be
 * wrong half of the time: do not make one).
 */
pid_t affinity_new_kthread(const char *proc_root, const struct affinity_list *before,
			   const struct affinity_list *after, const char *name);

/*
 * The CPU to keep devices on: want (a CPU number, AFFINITY_AUTO or
 * AFFINITY_OFF), the CPUs this process may run on, and the one it runs on
 * now (or -1). 1 with *ret_cpu set; 0 when there is nothing to do (off,
 * or auto with a single CPU allowed: every wake-up is local already);
 * -EINVAL when want is a CPU not in allowed. Pure.
 */
int affinity_pick(int want, const cpu_set_t *allowed, int current, int *ret_cpu);

/*
 * Keep the kernel thread pid, named one of names (NULL-terminated), on
 * cpu: checked first from proc_root, so that a pid reused by anything
 * else is never moved. 0, -ESRCH when pid is not such a thread (any
 * more), -errno from sched_setaffinity (-EPERM without the right).
 */
int affinity_pin_kthread(const char *proc_root, pid_t pid, const char *const *names, int cpu);

/* Names of vhci's threads, and of usb-storage's, NULL-terminated. */
extern const char *const affinity_vhci_names[];
extern const char *const affinity_storage_names[];
/* Every name affinity_pin_kthread() is asked to move (the cleaner's check). */
extern const char *const affinity_all_names[];

#endif
