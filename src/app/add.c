// SPDX-License-Identifier: MIT
/* vusbctl add and remove, in the instance (src/app/add.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/app/add.h"
#include "src/app/instance.h"
#include "src/base/log.h"
#include "src/storage/image.h"

/* Split ADD_FDS_ARG's tags into tags[] (pointing into buf). The count, or -1 for too many. */
static int split_tags(char *buf, const char **tags)
{
	int n = 0;
	char *p = buf, *comma;

	if (!*p)
		return 0;
	for (;;) {
		if (n == ADD_MAX_FILES)
			return -1;
		tags[n++] = p;
		comma = strchr(p, ',');
		if (!comma)
			return n;
		*comma = '\0';
		p = comma + 1;
	}
}

/*
 * The command's end, as vusbctl makes it: one end of a stream socket pair,
 * not a listening, unconnected or datagram socket, which would take the
 * device and then end its line at the first byte (EINVAL, ENOTCONN).
 */
static bool exec_socket_ok(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int), alen = sizeof(ss);
	int type = 0, listening = 1;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return false;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || listening)
		return false;
	return getpeername(fd, (struct sockaddr *)&ss, &alen) == 0;
}

/* Is fd what file f needs (a client says so; we look)? 0, or EXIT_USAGE with err. */
static int check_fd(const struct add_file *f, int fd, struct strbuf *err)
{
	int fl = fcntl(fd, F_GETFL), acc = fl & O_ACCMODE;
	bool ok, want_write = f->how != ADD_FILE_READ;
	struct stat st;

	if (fl < 0 || fstat(fd, &st) < 0) {
		strbuf_printf(err, "%s %s: %s", f->tag, f->path, strerror(errno));
		return EXIT_USAGE;
	}
	/* fstat() answers for an O_PATH descriptor, and its access mode
	 * reads as O_RDONLY; every read or write on it fails (EBADF). */
	if (fl & O_PATH) {
		strbuf_printf(err,
			      "%s %s: what came with the request is a path (O_PATH), not an "
			      "open file",
			      f->tag, f->path);
		return EXIT_USAGE;
	}
	switch (f->how) {
	case ADD_FILE_CAPTURE:
		ok = S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode);
		break;
	case ADD_FILE_EXEC:
		/* The command's end of it runs as the caller, not here. */
		ok = S_ISSOCK(st.st_mode) && acc == O_RDWR;
		if (!ok) {
			strbuf_printf(err, "--exec %s: what came with the request is not a socket",
				      f->path);
			return EXIT_USAGE;
		}
		if (!exec_socket_ok(fd)) {
			strbuf_printf(err,
				      "--exec %s: what came with the request is not a connected "
				      "stream socket",
				      f->path);
			return EXIT_USAGE;
		}
		break;
	case ADD_FILE_READ:
	case ADD_FILE_IMAGE_RW:
		/* An IMAGE may be a block device; the others are files. */
		ok = S_ISREG(st.st_mode) || (!f->opt && S_ISBLK(st.st_mode));
		break;
	default:
		ok = S_ISREG(st.st_mode);
		break;
	}
	if (!ok) {
		strbuf_printf(err, "%s %s: what came with the request is not a %s", f->tag, f->path,
			      f->how == ADD_FILE_CAPTURE ? "file or a pipe" :
			      f->opt			 ? "regular file" :
							   "regular file or a block device");
		return EXIT_USAGE;
	}
	if (want_write && acc == O_RDONLY) {
		strbuf_printf(err, "%s %s: what came with the request is not open for writing",
			      f->tag, f->path);
		return EXIT_USAGE;
	}
	if (f->how != ADD_FILE_CAPTURE && acc == O_WRONLY) {
		strbuf_printf(err, "%s %s: what came with the request is not open for reading",
			      f->tag, f->path);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The descriptors of the request: exactly the files the device names, in
 * add_files()'s order, each tagged so and what its option needs. Typed on
 * the terminal, with none: opened here. 0, or an exit code with err.
 */
static int take_files(const struct cli_device *d, const char *tagarg, const int *fds,
		      unsigned int nfds, bool terminal, struct add_file *files, unsigned int *ret_n,
		      struct add_opened *ret, struct strbuf *err)
{
	const char *tags[ADD_MAX_FILES];
	char buf[CTL_MAX_REQUEST];
	unsigned int i, n = add_files(d, files);
	int ntags, code;

	*ret_n = 0;
	if (terminal && nfds == 0 && !tagarg) {
		/* The terminal's user names paths: opened with our rights now;
		 * a command is not ours to start for anyone. */
		code = add_files_open(d, files, n, false, ret, err);
		if (code)
			return code;
		*ret_n = n;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", tagarg ? tagarg : "");
	ntags = split_tags(buf, tags);
	if (ntags < 0) {
		strbuf_printf(err, "the request tags more than %d files", ADD_MAX_FILES);
		return EXIT_USAGE;
	}
	if ((unsigned int)ntags != nfds) {
		strbuf_printf(err, "the request says %d files but carries %u descriptors", ntags,
			      nfds);
		return EXIT_USAGE;
	}
	if (nfds > n) {
		strbuf_printf(err, "%s names %u file%s, but the request carries %u descriptors",
			      d->model->name, n, n == 1 ? "" : "s", nfds);
		return EXIT_USAGE;
	}
	if (nfds < n && files[nfds].how == ADD_FILE_EXEC) {
		strbuf_printf(err,
			      "--exec %s: the command's end must come with the request (vusbctl "
			      "add starts the command as you): a command alone is refused",
			      files[nfds].path);
		return EXIT_USAGE;
	}
	if (nfds < n) {
		/* The path is only a name to show: we open nothing a client names. */
		strbuf_printf(err,
			      "%s: %s needs the file sent with the request (vusbctl opens it): a "
			      "path alone is refused",
			      d->model->name, files[nfds].path);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(tags[i], files[i].tag) != 0) {
			strbuf_printf(err,
				      "descriptor %u is tagged '%s', but the file there is %s's",
				      i + 1, tags[i], files[i].tag);
			return EXIT_USAGE;
		}
		code = check_fd(&files[i], fds[i], err);
		if (code)
			return code;
	}
	for (i = 0; i < n; i++)
		ret->fds[i] = fds[i];
	*ret_n = n;
	return 0;
}

/* --capture: the added device's own, from its first packet. 0 or an exit code. */
static int start_capture(struct vdev *vd, const struct cli_device *d, int fd, struct strbuf *err)
{
	struct strbuf comment = { 0 };
	int r;

	fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || (ftruncate(fd, 0) < 0 && errno != EINVAL)) {
		strbuf_printf(err, "%s: --capture %s: %s", vd->name, d->capture, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_FAILURE_;
	}
	strbuf_printf(&comment, "vusb %s: vusbctl add --capture %s %s", VUSB_VERSION, d->capture,
		      d->model->name);
	r = vdev_capture_start(vd, fd, d->capture, d->capture_snaplen, strbuf_str(&comment), err);
	strbuf_free(&comment);
	return r < 0 ? EXIT_FAILURE_ : 0;
}

int vusb_add_command(struct vusb *v, int argc, char **argv, int *fds, unsigned int nfds,
		     bool terminal, struct strbuf *out, struct strbuf *err)
{
	struct cli *c = calloc(1, sizeof(*c));
	struct vdev *made[CLI_MAX_DEVICES];
	struct add_file files[ADD_MAX_FILES];
	struct add_opened mine = { .exec_go = -1 };
	int capture_fd = -1;
	struct strbuf why = { 0 };
	const char *tagarg = NULL;
	unsigned int i, n = 0, nfiles = 0;
	struct cli_device *d;
	bool export;
	int code = EXIT_USAGE;

	for (i = 0; i < ADD_MAX_FILES; i++)
		mine.fds[i] = -1;
	if (!c) {
		strbuf_printf(err, "out of memory");
		code = EXIT_FAILURE_;
		goto out;
	}
	/* "add --fds=TAGS DEVICE ...": what the descriptors are. */
	if (argc >= 2 && strncmp(argv[1], ADD_FDS_ARG, strlen(ADD_FDS_ARG)) == 0) {
		tagarg = argv[1] + strlen(ADD_FDS_ARG);
		argv[1] = argv[0];
		argv++;
		argc--;
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
	code = take_files(d, tagarg, fds, nfds, terminal, files, &nfiles, &mine, &why);
	if (code) {
		strbuf_printf(err, "%s", strbuf_str(&why));
		goto out;
	}
	/* Ours now (in mine[]), closed below. */
	nfds = 0;
	d->opts.has_file_fd = true;
	for (i = 0; i < nfiles; i++) {
		if (files[i].how == ADD_FILE_CAPTURE) {
			capture_fd = mine.fds[i];
			continue;
		}
		d->opts.files[d->opts.nfiles].opt = files[i].opt;
		d->opts.files[d->opts.nfiles].fd = mine.fds[i];
		d->opts.nfiles++;
	}
	code = EXIT_USAGE;
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
	/* A device's own capture, before the loop runs again: it sees the
	 * enumeration (--capture and --count do not go together). */
	if (capture_fd >= 0) {
		strbuf_reset(&why);
		code = start_capture(made[0], d, capture_fd, &why);
		if (code) {
			strbuf_printf(err, "%s", strbuf_str(&why));
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
		if (capture_fd >= 0)
			strbuf_printf(out, "%s: capturing to %s\n", vd->name, d->capture);
		log_notice("%s: added", vd->name);
	}
	code = 0;
	goto out;
undo:
	/* None of this request stays: its ports and names are given back. */
	while (n)
		vdev_free(made[--n]);
out:
	while (nfds)
		close(fds[--nfds]);
	/* What the terminal's add made here goes again if it failed. */
	add_files_close(files, nfiles, &mine, code != 0);
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
