// SPDX-License-Identifier: MIT
/* The commands of an instance: from the control socket and from the terminal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/app/instance.h"
#include "src/base/log.h"
#include "src/ctl/format.h"
#include "sysfs/mounts.h"

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
			   "detach NAME                detach a device\n"
			   "suspend [--force], resume  detach every attached device from\n"
			   "                           vhci_hcd and attach it again (system sleep);\n"
			   "                           a mounted disk refuses, unless --force\n"
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
 */
static int suspend_all(struct vusb *v, bool force, struct strbuf *out, struct strbuf *err)
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
	if (c && c->run_fd && fd < 0 && !terminal) {
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
		strbuf_printf(err, "%s: unknown command '%s' for a %s", vd->name, argv[0],
			      vd->model->name);
		return EXIT_USAGE;
	}
	if (argc - 1 < c->min_args || (c->max_args >= 0 && argc - 1 > c->max_args)) {
		if (fd >= 0)
			close(fd);
		strbuf_printf(err, "usage: %s %s %s", vd->name, c->name, c->args ? c->args : "");
		return EXIT_USAGE;
	}
	r = c->run_fd ? c->run_fd(vd->dev, argc, argv, fd, out) : c->run(vd->dev, argc, argv, out);
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
		return suspend_all(v, argc == 2, out, err);
	if (argc == 1 && strcmp(argv[0], "resume") == 0)
		return resume_all(v, out, err);
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

int vusb_ctl_handle(int argc, char **argv, int fd, struct strbuf *out, struct strbuf *err,
		    void *data)
{
	return command(data, argc, argv, fd, false, out, err);
}
