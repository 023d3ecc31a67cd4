// SPDX-License-Identifier: MIT
/*
 * --cpu: a device's kernel threads on the CPU this process is kept on
 * (sysfs/affinity.h says why and how they are found). Everything here is
 * best effort: a device whose threads cannot be found or moved works as
 * well, it only keeps the wake-ups across CPUs; so failures are logged
 * at info level, once per device, and never fail an attach.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/app/instance.h"
#include "src/base/log.h"

#define PROC_ROOT "/proc"

void vusb_set_cpu(struct vusb *v, int cpu)
{
	v->cpu = cpu;
}

void vusb_set_pin_hook(struct vusb *v, int (*pin)(pid_t pid, int cpu, void *data), void *data)
{
	v->pin = pin;
	v->pin_data = data;
}

/* Move one thread: ourselves while we may, else through the hook. */
static int pin_one(struct vusb *v, pid_t pid)
{
	int r = affinity_pin_kthread(PROC_ROOT, pid, affinity_all_names, v->cpu);

	if ((r == -EPERM || r == -EACCES) && v->pin)
		r = v->pin(pid, v->cpu, v->pin_data);
	return r;
}

/* The kernel's threads now, or NULL (logged). */
static struct affinity_list *list_now(const char *name)
{
	struct affinity_list *l = malloc(sizeof(*l));
	int r = l ? affinity_list(PROC_ROOT, l) : -ENOMEM;

	if (r < 0) {
		log_info("%s%s--cpu: cannot list the kernel's threads: %s", name ? name : "",
			 name ? ": " : "", strerror(-r));
		free(l);
		return NULL;
	}
	return l;
}

static void list_free(struct affinity_list *l)
{
	affinity_list_free(l);
	free(l);
}

void pin_discard(struct affinity_list *before)
{
	if (before)
		list_free(before);
}

struct affinity_list *pin_before(struct vusb *v)
{
	return v->cpu < 0 ? NULL : list_now(NULL);
}

void pin_attached(struct vusb *v, struct vdev *vd, struct affinity_list *before)
{
	struct affinity_list *after;
	pid_t rx, tx;
	int r;

	if (!before)
		return;
	after = list_now(vd->name);
	if (!after)
		goto out;
	rx = affinity_new_kthread(PROC_ROOT, before, after, "vhci_rx");
	tx = affinity_new_kthread(PROC_ROOT, before, after, "vhci_tx");
	if (rx < 0 || tx < 0) {
		/* Another attach at the same moment: which pair is ours is a guess. */
		log_info("%s: --cpu: vhci's threads for port %u not found (%s): left where they are",
			 vd->name, vd->port,
			 rx == -EEXIST || tx == -EEXIST ? "another attach at the same time" :
							  "none appeared");
	} else {
		r = pin_one(v, rx);
		if (r == 0)
			r = pin_one(v, tx);
		if (r < 0)
			log_info("%s: --cpu: cannot move vhci's threads to CPU %d: %s", vd->name,
				 v->cpu, strerror(-r));
		else
			log_debug("%s: vhci's threads %d and %d on CPU %d", vd->name, (int)rx,
				  (int)tx, v->cpu);
	}
	/* usb-storage's thread comes with the driver's probe: looked for once ready. */
	pin_forget(vd);
	vd->pin_before = after;
out:
	list_free(before);
}

void pin_ready(struct vusb *v, struct vdev *vd)
{
	struct affinity_list *now;
	pid_t pid;
	int r;

	if (!vd->pin_before || v->cpu < 0)
		return;
	now = list_now(vd->name);
	/* None: not a mass storage device. Several: not sure which. */
	pid = now ? affinity_new_kthread(PROC_ROOT, vd->pin_before, now, "usb-storage") : -ENOENT;
	if (pid > 0) {
		r = pin_one(v, pid);
		if (r < 0)
			log_info("%s: --cpu: cannot move usb-storage's thread to CPU %d: %s",
				 vd->name, v->cpu, strerror(-r));
		else
			log_debug("%s: usb-storage's thread %d on CPU %d", vd->name, (int)pid,
				  v->cpu);
	}
	if (now)
		list_free(now);
	pin_forget(vd);
}

void pin_forget(struct vdev *vd)
{
	if (vd->pin_before)
		list_free(vd->pin_before);
	vd->pin_before = NULL;
}
