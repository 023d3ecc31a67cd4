// SPDX-License-Identifier: MIT
/*
 * vusbctl: control the devices of running vusb-attach instances.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/ctl.h"
#include "src/strbuf.h"
#include "src/vusb.h"

#define TIMEOUT_MS 10000

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vusbctl list [--json]\n"
		"       vusbctl NAME COMMAND [ARGS...]\n"
		"       vusbctl detach NAME\n"
		"       vusbctl suspend | resume\n"
		"\n"
		"Control the virtual USB devices of running vusb-attach instances.\n"
		"\n"
		"Commands of a mouse:    move DX DY, click [BUTTON], press BUTTON,\n"
		"                        release BUTTON, scroll N, hscroll N\n"
		"                        (BUTTON: left, right, middle, side, extra)\n"
		"Commands of a keyboard: type TEXT, key COMBO... (e.g. ctrl+alt+t),\n"
		"                        press KEY, release KEY, leds\n"
		"Commands of a tablet:   move X Y (0..32767), click, press, release, scroll\n"
		"Commands of a storage:  eject [--force], insert FILE (opened with your rights), info\n"
		"Commands of a fomu:     reset, log\n"
		"Any device:             detach\n"
		"\n"
		"suspend detaches every attached device of every instance from vhci_hcd\n"
		"(before system sleep), resume attaches them again.\n"
		"\n"
		"Options:\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Sockets live in %s ($VUSB_RUNDIR overrides).\n"
		"Exit status: 0 done, 1 the command failed, 2 usage, 4 no such device,\n"
		"5 permission denied.\n",
		ctl_rundir());
}

static int explain_connect(int r, const char *what)
{
	if (r == -EACCES || r == -EPERM) {
		fprintf(stderr, "vusbctl: %s: permission denied (run as root)\n", what);
		return EXIT_PERMISSION;
	}
	if (r == -ENOENT || r == -ECONNREFUSED) {
		fprintf(stderr, "vusbctl: no device named '%s' (see 'vusbctl list')\n", what);
		return EXIT_NO_DEVICE;
	}
	fprintf(stderr, "vusbctl: %s: %s\n", what, strerror(-r));
	return EXIT_FAILURE_;
}

/* Send argv (and fd, if >= 0) to the instance behind `path`, print its answer. */
static int call(const char *path, const char *what, int argc, char **argv, int fd)
{
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int r, code;

	r = ctl_call_fd(path, argc, argv, fd, TIMEOUT_MS, &reply);
	if (r < 0) {
		strbuf_free(&reply);
		return explain_connect(r, what);
	}
	if (ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0) {
		fprintf(stderr, "vusbctl: malformed reply from %s\n", path);
		strbuf_free(&reply);
		return EXIT_FAILURE_;
	}
	fputs(body, stdout);
	if (code)
		fprintf(stderr, "vusbctl: %s\n", msg);
	strbuf_free(&reply);
	return code;
}

/*
 * NAME insert FILE: FILE is opened here, with the rights of whoever runs
 * vusbctl, and the descriptor goes along: vusb-attach may run as an
 * unprivileged user, and may open nothing of yours by itself. Read-write
 * where you may write it (the drive decides what it needs), else
 * read-only. The path it shows is the absolute one.
 */
static int insert(const char *path, char **argv)
{
	char abs[PATH_MAX], *args[3] = { argv[1], argv[2], abs };
	const int flags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd, code;

	fd = open(argv[3], O_RDWR | flags);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(argv[3], O_RDONLY | flags);
	if (fd < 0 && errno == ENOENT) {
		fprintf(stderr, "vusbctl: %s: no such file\n", argv[3]);
		return EXIT_FAILURE_;
	}
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		fprintf(stderr, "vusbctl: %s: permission denied (it is opened with your rights)\n",
			argv[3]);
		return EXIT_PERMISSION;
	}
	if (fd < 0) {
		fprintf(stderr, "vusbctl: %s: %s\n", argv[3], strerror(errno));
		return EXIT_FAILURE_;
	}
	if (!realpath(argv[3], abs))
		snprintf(abs, sizeof(abs), "%s", argv[3]);
	code = call(path, argv[1], 3, args, fd);
	close(fd);
	return code;
}

static int list(bool json)
{
	struct strbuf rows = { 0 }, out = { 0 };
	char path[PATH_MAX];
	char *argv[] = { "list" };
	struct dirent *de;
	int code = EXIT_OK;
	DIR *d;

	d = opendir(ctl_rundir());
	if (!d && errno != ENOENT) {
		fprintf(stderr, "vusbctl: %s: %s\n", ctl_rundir(), strerror(errno));
		return errno == EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	while (d && (de = readdir(d))) {
		struct strbuf reply = { 0 };
		const char *msg, *body;
		size_t n = strlen(de->d_name);
		int r, rc;

		if (n < 6 || strcmp(de->d_name + n - 5, ".sock") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", ctl_rundir(), de->d_name);
		r = ctl_call(path, 1, argv, TIMEOUT_MS, &reply);
		if (r == -EACCES || r == -EPERM) {
			code = explain_connect(r, path);
		} else if (r == 0 && ctl_reply_parse(reply.buf, reply.len, &rc, &msg, &body) == 0 &&
			   rc == 0) {
			strbuf_printf(&rows, "%s", body);
		}
		/* Anything else is an instance that has just gone: skip it. */
		strbuf_free(&reply);
	}
	if (d)
		closedir(d);
	vusb_format_list(strbuf_str(&rows), json, &out);
	fputs(strbuf_str(&out), stdout);
	strbuf_free(&rows);
	strbuf_free(&out);
	return code;
}

/*
 * suspend, resume: every instance, foreground or daemon, in turn. Exit
 * status: the first failure's, 0 when all (or none) succeeded.
 */
static int all_instances(char *cmd)
{
	char path[PATH_MAX];
	char *argv[] = { cmd };
	struct dirent *de;
	int code = EXIT_OK;
	DIR *d;

	d = opendir(ctl_rundir());
	if (!d && errno != ENOENT) {
		fprintf(stderr, "vusbctl: %s: %s\n", ctl_rundir(), strerror(errno));
		return errno == EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int r;

		if (n < 6 || strcmp(de->d_name + n - 5, ".sock") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", ctl_rundir(), de->d_name);
		r = call(path, path, 1, argv, -1);
		/* An instance that has just ended is no failure. */
		if (r && r != EXIT_NO_DEVICE && !code)
			code = r;
	}
	if (d)
		closedir(d);
	return code;
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("vusbctl %s\n", VUSB_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "--json") == 0) {
		bool json = false;
		int i;

		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0) {
				json = true;
			} else if (strcmp(argv[i], "list") != 0) {
				fprintf(stderr, "vusbctl: usage: vusbctl list [--json]\n");
				return EXIT_USAGE;
			}
		}
		return list(json);
	}
	if ((strcmp(argv[1], "suspend") == 0 || strcmp(argv[1], "resume") == 0) && argc == 2)
		return all_instances(argv[1]);
	if (strcmp(argv[1], "detach") == 0) {
		if (argc != 3) {
			fprintf(stderr, "vusbctl: usage: vusbctl detach NAME\n");
			return EXIT_USAGE;
		}
		if (!ctl_name_valid(argv[2]))
			return explain_connect(-ENOENT, argv[2]);
		snprintf(path, sizeof(path), "%s/dev/%s", ctl_rundir(), argv[2]);
		return call(path, argv[2], 2, argv + 1, -1);
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "vusbctl: unknown option '%s' (see --help)\n", argv[1]);
		return EXIT_USAGE;
	}
	if (!ctl_name_valid(argv[1]))
		return explain_connect(-ENOENT, argv[1]);
	if (argc < 3) {
		fprintf(stderr, "vusbctl: usage: vusbctl %s COMMAND [ARGS...]\n", argv[1]);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/dev/%s", ctl_rundir(), argv[1]);
	if (strcmp(argv[2], "insert") == 0 && argc == 4)
		return insert(path, argv);
	return call(path, argv[1], argc - 1, argv + 1, -1);
}
