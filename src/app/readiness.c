// SPDX-License-Identifier: MIT
/*
 * Readiness of an instance's devices: each attached device's watch for
 * the kernel's drivers and nodes (sysfs/ready.h), the nodes line it
 * prints, and the one call to the ready callback once every device is
 * ready (vusb_set_ready_cb()) or one is late.
 */
#include <stdio.h>
#include <string.h>

#include "src/app/instance.h"
#include "src/base/log.h"
#include "sysfs/ready.h"
#include "sysfs/vhci.h"

static void check_all_ready(void *data)
{
	struct vusb *v = data;
	struct list_head *pos;

	v->ready_check = NULL;
	if (v->all_ready || (v->ndevs == 0 && !v->stay))
		return;
	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);

		/* Exported devices are ready once offered; without vhci
		 * (tests of the command layer) nothing is attached. */
		if (vd->export || !v->vhci)
			continue;
		if (!vd->attached || !vd->nodes_ready)
			return;
	}
	v->all_ready = true;
	if (v->ready_cb)
		v->ready_cb(v, 0, NULL, v->ready_data);
}

void vusb_schedule_ready_check(struct vusb *v)
{
	if (v->all_ready || v->ready_check)
		return;
	if (loop_defer(v->loop, check_all_ready, v, &v->ready_check) < 0)
		log_err("cannot check readiness: out of memory");
}

void vusb_set_ready_cb(struct vusb *v, unsigned int timeout_ms, vusb_ready_cb cb, void *data)
{
	v->ready_timeout_ms = timeout_ms;
	v->ready_cb = cb;
	v->ready_data = data;
	vusb_schedule_ready_check(v);
}

/*
 * Asked for every unlocated watch on every USB device uevent: from the
 * root hubs' bus numbers when they are known, with no sysfs read (reading
 * vhci's status files each time made bringing up 60 mice cost 8 s of
 * CPU under qemu, growing with the square of the count).
 */
static int watch_busid(void *data, char *buf, size_t size)
{
	struct vdev *vd = data;

	if (vhci_port_busid_predict(vd->vusb->vhci, vd->port, buf, size) == 0)
		return 0;
	return vhci_port_busid(vd->vusb->vhci, vd->port, buf, size);
}

static void watch_done(void *data, int err, const char *text)
{
	struct vdev *vd = data;
	struct vusb *v = vd->vusb;
	struct strbuf why = { 0 };

	if (err == 0) {
		vd->nodes_ready = true;
		if (snprintf(vd->nodes, sizeof(vd->nodes), "%s", text) >= (int)sizeof(vd->nodes)) {
			/* Whole names only: the one cut in half goes. */
			char *sp = strrchr(vd->nodes, ' ');

			if (sp)
				*sp = '\0';
			else
				vd->nodes[0] = '\0';
		}
		/* The second line scripts wait for: what the drivers made. */
		printf("%s: nodes%s%s\n", vd->name, *text ? " " : "", text);
		fflush(stdout);
		if (vusb_log_level >= LOG_INFO) {
			struct strbuf d = { 0 };
			const char *line = NULL, *nl;

			ready_watch_describe(vd->watch, &d);
			for (line = strbuf_str(&d); *line; line = nl + 1) {
				nl = strchr(line, '\n');
				if (!nl)
					break;
				log_info("%s: %.*s", vd->name, (int)(nl - line), line);
			}
			strbuf_free(&d);
		}
		pin_ready(v, vd);
		vusb_schedule_ready_check(v);
		return;
	}
	strbuf_printf(&why, "%s: the kernel is not done with it after %u s: %s", vd->name,
		      (v->ready_timeout_ms + 999) / 1000, text);
	if (v->ready_cb)
		v->ready_cb(v, err, strbuf_str(&why), v->ready_data);
	else
		log_warn("%s (still waiting)", strbuf_str(&why));
	strbuf_free(&why);
}

void vdev_watch_start(struct vusb *v, struct vdev *vd)
{
	int r = 0;

	if (!v->ready) {
		r = ready_new(v->loop, &v->ready);
		if (r == 0)
			log_debug("readiness from %s", ready_mode(v->ready));
	}
	if (r == 0)
		r = ready_watch_add(v->ready, v->ready_timeout_ms, watch_busid, watch_done, vd,
				    &vd->watch);
	if (r < 0) {
		/* The device works; only its nodes go unreported. */
		log_err("%s: cannot watch for the kernel's drivers: %s", vd->name, strerror(-r));
		vd->nodes_ready = true;
		vusb_schedule_ready_check(v);
	}
}
