// SPDX-License-Identifier: MIT
/* vusbctl add and remove, in the instance (src/app/add.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/app/add.h"
#include "src/app/instance.h"
#include "src/base/log.h"
#include "src/storage/image.h"

int vusb_add_command(struct vusb *v, int argc, char **argv, int fd, bool terminal,
		     struct strbuf *out, struct strbuf *err)
{
	struct cli *c = calloc(1, sizeof(*c));
	struct vdev *made[CLI_MAX_DEVICES];
	struct strbuf why = { 0 };
	const char *file, *opt;
	struct cli_device *d;
	unsigned int i, n = 0;
	bool export;
	int code = EXIT_USAGE;

	if (!c) {
		if (fd >= 0)
			close(fd);
		strbuf_printf(err, "out of memory");
		return EXIT_FAILURE_;
	}
	if (add_parse(argc, argv, c, &why) < 0) {
		strbuf_printf(err, "%s", strbuf_str(&why));
		goto out;
	}
	d = &c->devices[0];
	if (c->help || c->ndevices != 1) {
		strbuf_printf(err, "%s --help is vusbctl's to answer", argv[1]);
		goto out;
	}
	file = add_file(d, &opt);
	if (file) {
		bool rw = add_wants_write(d);

		if (fd < 0 && terminal) {
			fd = open(file, (rw ? O_RDWR | O_EXCL : O_RDONLY) | O_CLOEXEC | O_NOCTTY |
						O_NONBLOCK);
			if (fd < 0) {
				int e = errno;

				if (opt)
					strbuf_printf(&why, "%s %s: %s", opt, file, strerror(e));
				else
					image_explain_open(file, -e, rw, &why);
				strbuf_printf(err, "%s: %s", d->model->name, strbuf_str(&why));
				goto out;
			}
		}
		/* The path is only a name to show: we open nothing a client names. */
		if (fd < 0) {
			strbuf_printf(err, "%s: %s needs the file sent with the request (vusbctl "
					   "opens it): a path alone is refused",
				      d->model->name, file);
			goto out;
		}
		d->opts.has_file_fd = true;
		d->opts.file_opt = opt;
		d->opts.file_fd = fd;
	}
	export = v->server && !d->local;
	if (d->local && !v->server) {
		strbuf_printf(err, "--local only makes sense with --listen");
		goto out;
	}
	if (!export && !v->vhci) {
		strbuf_printf(err, "this vusb-attach has no vhci_hcd to attach to (it serves "
				   "--listen only)");
		goto out;
	}

	/* Validation first: every device made, its file checked and locked,
	 * before a port is taken or anything is offered. */
	for (n = 0; n < d->count; n++) {
		strbuf_reset(&why);
		code = vdev_create(v, d->model, &d->opts, &why, &made[n]);
		if (code) {
			strbuf_printf(err, "%s: %s", d->model->name, strbuf_str(&why));
			goto undo;
		}
	}
	for (i = 0; i < n; i++) {
		struct vdev *vd = made[i];

		strbuf_reset(&why);
		code = export ? vdev_export(v, vd, &why) : vdev_attach(v, vd, &why);
		if (code) {
			strbuf_printf(err, "%s: %s", vd->name, strbuf_str(&why));
			goto undo;
		}
	}
	for (i = 0; i < n; i++) {
		struct vdev *vd = made[i];

		if (export) {
			strbuf_printf(out, "%s: exported, busid %s\n", vd->name, vd->busid);
		} else {
			log_info("%s: attached to vhci port %u as a %s %s", vd->name, vd->port,
				 usb_speed_name(vd->dev->speed), vd->model->name);
			strbuf_printf(out, "%s: attached, port %u\n", vd->name, vd->port);
		}
		log_notice("%s: added", vd->name);
	}
	code = 0;
	goto out;
undo:
	/* None of this request stays: its ports and names are given back. */
	while (n)
		vdev_free(made[--n]);
out:
	if (fd >= 0)
		close(fd);
	strbuf_free(&why);
	free(c);
	return code;
}

int vusb_remove_command(struct vusb *v, int argc, char **argv, struct strbuf *out,
			struct strbuf *err)
{
	struct vdev *vd;
	char name[CTL_NAME_MAX];

	if (argc != 2) {
		strbuf_printf(err, "usage: remove NAME");
		return EXIT_USAGE;
	}
	vd = vdev_find(v, argv[1]);
	if (!vd) {
		strbuf_printf(err, "no device named '%s' (see 'vusbctl list')", argv[1]);
		return EXIT_NO_DEVICE;
	}
	snprintf(name, sizeof(name), "%s", vd->name);
	/* The host sees an unplug, an importer loses its session; the port,
	 * the name, the image's lock and the report socket are given back. */
	vdev_remove(vd);
	log_notice("%s: removed", name);
	strbuf_printf(out, "%s: removed\n", name);
	return 0;
}
