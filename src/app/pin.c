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

/* The snapshot's slots: vhci_rx, vhci_tx, usb-storage (affinity_all_names). */
enum {
	SNAP_RX,
	SNAP_TX,
	SNAP_STORAGE,
	SNAP_N
};

struct affinity_threads *pin_before(struct vusb *v)
{
	struct affinity_threads *t;
	int r;

	if (v->cpu < 0)
		return NULL;
	t = calloc(SNAP_N, sizeof(*t));
	if (!t)
		return NULL;
	r = affinity_find(PROC_ROOT, affinity_all_names, t, SNAP_N);
	if (r < 0) {
		log_info("--cpu: cannot list the kernel's threads: %s", strerror(-r));
		free(t);
		return NULL;
	}
	return t;
}

void pin_attached(struct vusb *v, struct vdev *vd, struct affinity_threads *before)
{
	struct affinity_threads *after;
	pid_t rx, tx;
	int r;

	if (!before)
		return;
	after = calloc(SNAP_N, sizeof(*after));
	r = after ? affinity_find(PROC_ROOT, affinity_all_names, after, SNAP_N) : -ENOMEM;
	if (r < 0) {
		log_info("%s: --cpu: cannot list the kernel's threads: %s", vd->name, strerror(-r));
		goto out;
	}
	rx = affinity_new_one(&before[SNAP_RX], &after[SNAP_RX]);
	tx = affinity_new_one(&before[SNAP_TX], &after[SNAP_TX]);
	if (rx < 0 || tx < 0) {
		/* Another attach at the same moment: which pair is ours is a guess. */
		log_info(
			"%s: --cpu: vhci's threads for port %u not found (%s): left where they are",
			vd->name, vd->port,
			rx == -EEXIST || tx == -EEXIST ? "another attach at the same time" :
							 "none appeared");
		goto out;
	}
	r = pin_one(v, rx);
	if (r == 0)
		r = pin_one(v, tx);
	if (r < 0)
		log_info("%s: --cpu: cannot move vhci's threads to CPU %d: %s", vd->name, v->cpu,
			 strerror(-r));
	else
		log_debug("%s: vhci's threads %d and %d on CPU %d", vd->name, (int)rx, (int)tx,
			  v->cpu);
	/* usb-storage's thread comes with the driver's probe: looked for once ready. */
	free(vd->pin_before);
	vd->pin_before = malloc(sizeof(*vd->pin_before));
	if (vd->pin_before)
		*vd->pin_before = after[SNAP_STORAGE];
out:
	free(after);
	free(before);
}

void pin_ready(struct vusb *v, struct vdev *vd)
{
	const char *const *names = affinity_storage_names;
	struct affinity_threads *now;
	pid_t pid;
	int r;

	if (!vd->pin_before || v->cpu < 0)
		return;
	now = malloc(sizeof(*now));
	r = now ? affinity_find(PROC_ROOT, names, now, 1) : -ENOMEM;
	pid = r < 0 ? r : affinity_new_one(vd->pin_before, now);
	/* None: not a mass storage device. Several: not sure which. */
	if (pid > 0) {
		r = pin_one(v, pid);
		if (r < 0)
			log_info("%s: --cpu: cannot move usb-storage's thread to CPU %d: %s",
				 vd->name, v->cpu, strerror(-r));
		else
			log_debug("%s: usb-storage's thread %d on CPU %d", vd->name, (int)pid,
				  v->cpu);
	}
	free(now);
	pin_forget(vd);
}

void pin_forget(struct vdev *vd)
{
	free(vd->pin_before);
	vd->pin_before = NULL;
}
