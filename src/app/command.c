// SPDX-License-Identifier: MIT
/* The commands of an instance: from the control socket and from the terminal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/app/add.h"
#include "src/app/instance.h"
#include "src/base/log.h"
#include "src/base/num.h"
#include "src/base/suggest.h"
#include "src/ctl/format.h"
#include "sysfs/mounts.h"
#include "src/usb/fault.h"

static int command(struct vusb *v, int argc, char **argv, int fd, bool terminal,
		   struct strbuf *out, struct strbuf *err);

static void ctl_send_rows(struct vusb *v, struct strbuf *out)
{
	struct list_head *pos;

	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);
		struct strbuf details = { 0 };

		if (vd->model->describe)
			vd->model->describe(vd->dev, &details);
		if (vd->export && vd->state != VDEV_OFFLINE)
			strbuf_printf(out, "%s\t%s\t-\t%s\t%s\t%s%s%s%s\n", vd->name,
				      vd->model->name, server_export_busid(vd->export),
				      vdev_state_name(vd->state), vd->conn ? "from " : "",
				      vd->conn ? vd->peer : "", vd->conn && details.len ? " " : "",
				      strbuf_str(&details));
		else if (vd->attached)
			strbuf_printf(out, "%s\t%s\t%u\t%s\t%s\t%s\n", vd->name, vd->model->name,
				      vd->port, vd->busid, vdev_state_name(vd->state),
				      strbuf_str(&details));
		else
			strbuf_printf(out, "%s\t%s\t-\t-\t%s\t%s\n", vd->name, vd->model->name,
				      vdev_state_name(vd->state), strbuf_str(&details));
		strbuf_free(&details);
	}
}

static void help(struct vusb *v, struct strbuf *out)
{
	const struct vusb_model *seen[16];
	struct list_head *pos;
	unsigned int nseen = 0, i;

	strbuf_printf(out, "list [--json]              the devices and their state\n"
			   "add DEVICE [OPTIONS]       add a device, as vusb-attach takes it\n"
			   "remove NAME                remove a device (as an unplug)\n"
			   "detach NAME                detach a device\n"
			   "suspend [--force], resume  detach every attached device from\n"
			   "                           vhci_hcd and attach it again (system sleep);\n"
			   "                           a mounted disk refuses, unless --force\n"
			   "NAME fault SPEC            make the device misbehave (README: faults):\n"
			   "                           stall, nak MS, timeout, error ERRNO,\n"
			   "                           short BYTES, corrupt, descriptor MODE TYPE;\n"
			   "                           storage: slow MS, reset-storm, medium-error,\n"
			   "                           not-ready, write-protect; --ep EP, --count N,\n"
			   "                           --every N, --forever, --after N,\n"
			   "                           --at-request TYPE, --seed N\n"
			   "NAME faults [--json]       the faults set and how often each fired\n"
			   "NAME fault clear [ID]      clear one fault, or all\n"
			   "NAME disconnect [--for MS] leave the bus (and come back after MS)\n"
			   "NAME reconnect             come back on the bus\n"
			   "NAME replug                leave the bus and come back: enumerated again\n"
			   "NAME COMMAND [ARGS...]     run a device's command:\n");
	list_for_each(pos, &v->devs) {
		const struct vusb_model *m = list_entry(pos, struct vdev, link)->model;
		const struct vusb_command *c;

		for (i = 0; i < nseen && seen[i] != m; i++)
			;
		if (i < nseen || nseen == 16)
			continue;
		seen[nseen++] = m;
		strbuf_printf(out, "  %s:\n", m->name);
		for (c = m->commands; c && c->name; c++)
			strbuf_printf(out, "    %-10s %-16s %s\n", c->name, c->args ? c->args : "",
				      c->help ? c->help : "");
	}
}

/*
 * System sleep: a vhci port with a device on it can hang the suspend, so
 * every attached device leaves the bus first and comes back after.
 * Exported devices stay as they are: their importer's kernel decides.
 * `check`: only say whether it would (vusbctl asks every instance so
 * before it suspends any, so that one refusing stops them all).
 */
static int suspend_all(struct vusb *v, bool force, bool check, struct strbuf *out,
		       struct strbuf *err)
{
	struct list_head *pos;
	bool busy = false;

	/*
	 * A disk the host has mounted (it locked the medium) would lose what
	 * the host has not written yet, and its mount would break: vhci
	 * cannot suspend with it attached either, so the suspend fails,
	 * naming the device and the mount, unless forced.
	 */
	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);
		struct strbuf why = { 0 }, mounts = { 0 };

		if (!vd->attached || vd->export || !vd->model->busy ||
		    vd->model->busy(vd->dev, &why) != -EBUSY) {
			strbuf_free(&why);
			continue;
		}
		if (force) {
			log_warn("%s: %s, detached anyway (--force)", vd->name, strbuf_str(&why));
		} else {
			if (usb_busid_mounts(vd->busid, &mounts) <= 0)
				strbuf_printf(&mounts, "mounted?");
			strbuf_printf(err, "%s%s: %s (%s): unmount it first, or 'vusbctl suspend --force'",
				      busy ? "; " : "", vd->name, strbuf_str(&why),
				      strbuf_str(&mounts));
			busy = true;
		}
		strbuf_free(&why);
		strbuf_free(&mounts);
	}
	if (busy)
		return EXIT_FAILURE_;
	if (check)
		return 0;

	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);

		if (!vd->attached || vd->export)
			continue;
		vd->want_connected = false;
		loop_defer_cancel(vd->replug);
		vd->replug = NULL;
		vdev_unplug(vd);
		vd->state = VDEV_SUSPENDED;
		log_notice("%s: detached for suspend", vd->name);
		strbuf_printf(out, "%s: suspended\n", vd->name);
	}
	return 0;
}

static int resume_all(struct vusb *v, struct strbuf *out, struct strbuf *err)
{
	struct list_head *pos;
	int code = 0;

	list_for_each(pos, &v->devs) {
		struct vdev *vd = list_entry(pos, struct vdev, link);
		struct strbuf e = { 0 };
		int r;

		if (vd->state != VDEV_SUSPENDED)
			continue;
		r = vdev_attach(v, vd, &e);
		if (r) {
			log_err("%s: cannot attach again after suspend: %s", vd->name, strbuf_str(&e));
			strbuf_printf(err, "%s%s: %s", code ? "; " : "", vd->name, strbuf_str(&e));
			code = r;
		} else {
			log_notice("%s: attached again on vhci port %u", vd->name, vd->port);
			strbuf_printf(out, "%s: resumed on port %u\n", vd->name, vd->port);
		}
		strbuf_free(&e);
	}
	return code;
}

static int run_device_command(struct vdev *vd, int argc, char **argv, int fd, bool terminal,
			      struct strbuf *out, struct strbuf *err);

/* Is `name` one of the model's own faults (storage's medium-error)? */
static bool model_fault(const struct vusb_model *m, const char *name)
{
	const char *const *f;

	for (f = m->faults; f && *f; f++)
		if (strcmp(*f, name) == 0)
			return true;
	return false;
}

/* Run every model fault with `arg` ("clear", "status"). */
static void model_faults_all(struct vdev *vd, const char *arg, struct strbuf *out)
{
	const char *const *f;

	for (f = vd->model->faults; f && *f; f++) {
		const struct vusb_command *c = vusb_model_command(vd->model, *f);
		char a0[32], a1[8];
		char *args[] = { a0, a1 };

		if (!c || !c->run)
			continue;
		snprintf(a0, sizeof(a0), "%s", *f);
		snprintf(a1, sizeof(a1), "%s", arg);
		c->run(vd->dev, 2, args, out);
	}
}

static int fault_command(struct vdev *vd, int argc, char **argv, struct strbuf *out,
			 struct strbuf *err)
{
	struct usb_fault_spec spec;
	struct strbuf why = { 0 }, text = { 0 };
	unsigned int id;
	long long n;
	int r;

	if (argc >= 2 && strcmp(argv[1], "clear") == 0) {
		if (argc > 3 || (argc == 3 && num_parse(argv[2], 10, 1, UINT32_MAX, &n) < 0)) {
			strbuf_printf(err, "usage: %s fault clear [ID]", vd->name);
			return EXIT_USAGE;
		}
		id = argc == 3 ? (unsigned int)n : 0;
		if (usb_fault_clear(vd->dev, id) < 0) {
			strbuf_printf(err, "%s: no fault %u (see: vusbctl %s faults)", vd->name, id,
				      vd->name);
			return EXIT_FAILURE_;
		}
		if (id) {
			log_notice("%s: fault %u cleared", vd->name, id);
			return 0;
		}
		model_faults_all(vd, "clear", out);
		strbuf_reset(out);
		log_notice("%s: faults cleared", vd->name);
		return 0;
	}
	if (argc >= 2 && model_fault(vd->model, argv[1])) {
		int i;

		r = run_device_command(vd, argc - 1, argv + 1, -1, false, out, err);
		if (r == 0) {
			strbuf_reset(&text);
			for (i = 1; i < argc; i++)
				strbuf_printf(&text, "%s%s", i > 1 ? " " : "", argv[i]);
			log_notice("%s: fault set: %s", vd->name, strbuf_str(&text));
			strbuf_free(&text);
		}
		return r;
	}
	if (usb_fault_parse(argc - 1, argv + 1, &spec, &why) < 0) {
		strbuf_printf(err, "%s: %s", vd->name, strbuf_str(&why));
		strbuf_free(&why);
		return EXIT_USAGE;
	}
	r = usb_fault_add(vd->dev, &spec, &id);
	if (r < 0) {
		if (r == -EOPNOTSUPP)
			strbuf_printf(err,
				      "%s: %s counts commands, which this device has none of "
				      "(mass storage has)",
				      vd->name, usb_fault_kind_name(spec.kind));
		else
			strbuf_printf(err, "%s: %s", vd->name,
				      r == -ENOSPC ? "too many faults set (fault clear ID first)" :
						     strerror(-r));
		return EXIT_FAILURE_;
	}
	usb_fault_format(&spec, &text);
	log_notice("%s: fault %u set: %s", vd->name, id, strbuf_str(&text));
	strbuf_printf(out, "fault %u: %s\n", id, strbuf_str(&text));
	strbuf_free(&text);
	return 0;
}

/*
 * faults --json: {"faults":[...],"model":[...]}: the faults set with
 * `fault SPEC` (usb_fault_list_json), and the status lines of the
 * model's own (storage's medium-error), as text.
 */
static int faults_json(struct vdev *vd, struct strbuf *out)
{
	struct strbuf lines = { 0 };
	const char *p, *nl;
	struct json j;

	model_faults_all(vd, "status", &lines);
	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "faults");
	json_array_begin(&j);
	usb_fault_list_json(vd->dev, &j);
	json_array_end(&j);
	json_key(&j, "model");
	json_array_begin(&j);
	for (p = strbuf_str(&lines); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		json_strn(&j, p, (size_t)(nl - p) + (*nl != '\n'));
	}
	json_array_end(&j);
	json_object_end(&j);
	strbuf_printf(out, "\n");
	strbuf_free(&lines);
	return 0;
}

#define REPLUG_MS 100

static void reconnect_fired(struct loop_timer *t, void *data)
{
	struct vdev *vd = data;

	usb_device_plug(vd->dev, true);
}

/* The device-wide commands every model has; -1 when argv is none of them. */
static int device_command(struct vdev *vd, int argc, char **argv, struct strbuf *out,
			  struct strbuf *err)
{
	long long ms = 0;

	if (strcmp(argv[0], "fault") == 0)
		return fault_command(vd, argc, argv, out, err);
	if (strcmp(argv[0], "faults") == 0) {
		if (argc == 2 && strcmp(argv[1], "--json") == 0)
			return faults_json(vd, out);
		if (argc != 1) {
			strbuf_printf(err, "usage: %s faults [--json]", vd->name);
			return EXIT_USAGE;
		}
		usb_fault_list(vd->dev, out);
		model_faults_all(vd, "status", out);
		return 0;
	}
	if (strcmp(argv[0], "reconnect") == 0) {
		if (argc != 1) {
			strbuf_printf(err, "usage: %s reconnect", vd->name);
			return EXIT_USAGE;
		}
		if (vd->reconnect)
			loop_timer_arm(vd->reconnect, 0);
		usb_device_plug(vd->dev, true);
		return 0;
	}
	if (strcmp(argv[0], "replug") == 0) {
		if (argc != 1) {
			strbuf_printf(err, "usage: %s replug", vd->name);
			return EXIT_USAGE;
		}
		/* Off the bus long enough for the kernel to see it go. */
		ms = REPLUG_MS;
	} else if (strcmp(argv[0], "disconnect") != 0) {
		return -1;
	} else if (!(argc == 1 || (argc == 3 && strcmp(argv[1], "--for") == 0 &&
				   num_parse(argv[2], 10, 1, USB_FAULT_MAX_MS, &ms) == 0))) {
		strbuf_printf(err, "usage: %s disconnect [--for MS] (MS: 1 to %u)", vd->name,
			      USB_FAULT_MAX_MS);
		return EXIT_USAGE;
	}
	if (ms && !vd->reconnect &&
	    loop_timer_add(vd->vusb->loop, reconnect_fired, vd, NULL, &vd->reconnect) < 0) {
		strbuf_printf(err, "%s: cannot create a timer: out of resources", vd->name);
		return EXIT_FAILURE_;
	}
	if (vd->reconnect)
		loop_timer_arm(vd->reconnect, (uint64_t)ms);
	log_notice("%s: leaving the bus%s", vd->name, ms ? " for a while" : "");
	usb_device_plug(vd->dev, false);
	return 0;
}

static int run_device_command(struct vdev *vd, int argc, char **argv, int fd, bool terminal,
			      struct strbuf *out, struct strbuf *err)
{
	const struct vusb_command *c = vusb_model_command(vd->model, argv[0]);
	int r;

	/*
	 * A command that names a file opens it with the rights of whoever
	 * asks: over the control socket the client opens it and sends the
	 * descriptor. Opening the path here would lend vusb-attach's rights
	 * (root, before the drop) to any member of the socket's group. Only
	 * vusb-attach's own terminal, whose user already has those rights,
	 * may name a path.
	 */
	if (c && c->run_fd && !c->run && fd < 0 && !terminal) {
		strbuf_printf(err,
			      "%s: %s needs the file sent with the request (vusbctl opens it): "
			      "a path alone is refused",
			      vd->name, c->name);
		return EXIT_USAGE;
	}

	if (!c || !c->run_fd) {
		/* A descriptor sent with a command that takes none: dropped. */
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (!c) {
		const char *names[64] = { 0 }, *near;
		size_t n = 0;

		for (c = vd->model->commands; c && c->name && n < 64; c++)
			names[n++] = c->name;
		near = suggest(argv[0], names, n);
		strbuf_printf(err, "%s: unknown command '%s' for a %s", vd->name, argv[0],
			      vd->model->name);
		if (near)
			strbuf_printf(err, ": did you mean '%s'?", near);
		return EXIT_USAGE;
	}
	if (argc - 1 < c->min_args || (c->max_args >= 0 && argc - 1 > c->max_args)) {
		if (fd >= 0)
			close(fd);
		strbuf_printf(err, "usage: %s %s %s", vd->name, c->name, c->args ? c->args : "");
		return EXIT_USAGE;
	}
	r = c->run_fd && (fd >= 0 || !c->run) ? c->run_fd(vd->dev, argc, argv, fd, out) :
						c->run(vd->dev, argc, argv, out);
	switch (r) {
	case 0:
		return 0;
	case -EINVAL:
		strbuf_printf(err, "%s: %s", vd->name, out->len ? strbuf_str(out) : "invalid arguments");
		strbuf_reset(out);
		return EXIT_USAGE;
	case -EAGAIN:
		strbuf_printf(err, "%s: too many reports queued: the host is not reading them",
			      vd->name);
		return EXIT_FAILURE_;
	case -ENOTCONN:
		strbuf_printf(err, "%s: the host has not configured the device yet", vd->name);
		return EXIT_FAILURE_;
	default:
		strbuf_printf(err, "%s: %s", vd->name, strerror(-r));
		return EXIT_FAILURE_;
	}
}

int vusb_command(struct vusb *v, int argc, char **argv, bool terminal, struct strbuf *out,
		 struct strbuf *err)
{
	return command(v, argc, argv, -1, terminal, out, err);
}

/* As vusb_command(), with a descriptor the client sent along (or -1), owned. */
static int command(struct vusb *v, int argc, char **argv, int fd, bool terminal,
		   struct strbuf *out, struct strbuf *err)
{
	struct vdev *vd;
	struct list_head *pos;

	/* vusbctl add sends the file its device names (src/app/add.h). */
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return vusb_add_command(v, argc, argv, &fd, fd >= 0, terminal, out, err);
	/* Only a device's own command may take it. */
	if (fd >= 0 && (argc < 2 || !vdev_find(v, argv[0]))) {
		close(fd);
		fd = -1;
	}
	if (argc < 1) {
		strbuf_printf(err, "no command");
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "list") == 0) {
		struct strbuf rows = { 0 };
		bool json = argc > 1 && strcmp(argv[1], "--json") == 0;

		if (argc > 2 || (argc == 2 && !json)) {
			strbuf_printf(err, "usage: list [--json]");
			return EXIT_USAGE;
		}
		if (json)
			vusb_list_json(v, &rows);
		else
			ctl_send_rows(v, &rows);
		/* vusbctl merges the rows of every instance and formats them. */
		if (terminal)
			ctl_format_list(strbuf_str(&rows), json, out);
		else
			strbuf_add(out, strbuf_str(&rows), rows.len);
		strbuf_free(&rows);
		return 0;
	}
	if (strcmp(argv[0], "help") == 0) {
		help(v, out);
		return 0;
	}
	if (strcmp(argv[0], "suspend") == 0 &&
	    (argc == 1 || (argc == 2 && strcmp(argv[1], "--force") == 0)))
		return suspend_all(v, argc == 2, false, out, err);
	if (argc == 2 && strcmp(argv[0], "suspend") == 0 && strcmp(argv[1], "--check") == 0)
		return suspend_all(v, false, true, out, err);
	if (argc == 1 && strcmp(argv[0], "resume") == 0)
		return resume_all(v, out, err);
	if (strcmp(argv[0], "remove") == 0)
		return vusb_remove_command(v, argc, argv, out, err);
	if (strcmp(argv[0], "detach") == 0) {
		if (argc != 2) {
			strbuf_printf(err, "usage: detach NAME");
			return EXIT_USAGE;
		}
		vd = vdev_find(v, argv[1]);
		if (!vd) {
			strbuf_printf(err, "no device named '%s'", argv[1]);
			return EXIT_NO_DEVICE;
		}
		vdev_remove(vd);
		return 0;
	}

	vd = vdev_find(v, argv[0]);
	if (vd) {
		if (argc < 2) {
			strbuf_printf(err, "usage: %s COMMAND [ARGS...] (try 'help')", argv[0]);
			return EXIT_USAGE;
		}
		if (strcmp(argv[1], "capture") == 0)
			return vdev_capture_command(vd, argc - 1, argv + 1, fd, out, err);
		if (strcmp(argv[1], "detach") == 0 && argc == 2) {
			if (fd >= 0)
				close(fd);
			vdev_remove(vd);
			return 0;
		}
		if (!vusb_model_command(vd->model, argv[1])) {
			int r = device_command(vd, argc - 1, argv + 1, out, err);

			if (r >= 0) {
				if (fd >= 0)
					close(fd);
				return r;
			}
		}
		return run_device_command(vd, argc - 1, argv + 1, fd, terminal, out, err);
	}
	if (terminal) {
		/* "move 10 10": the first device that knows the command. */
		list_for_each(pos, &v->devs) {
			vd = list_entry(pos, struct vdev, link);
			if (vusb_model_command(vd->model, argv[0]))
				return run_device_command(vd, argc, argv, -1, true, out, err);
		}
	}
	strbuf_printf(err, "no device or command '%s' (try 'help')", argv[0]);
	return EXIT_NO_DEVICE;
}

int vusb_ctl_handle(int argc, char **argv, int *fds, unsigned int nfds, struct strbuf *out,
		    struct strbuf *err, void *data)
{
	/* vusbctl add sends a descriptor per file its device names. */
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return vusb_add_command(data, argc, argv, fds, nfds, false, out, err);
	/* Any other request takes one at most. */
	while (nfds > 1)
		close(fds[--nfds]);
	return command(data, argc, argv, nfds ? fds[0] : -1, false, out, err);
}
