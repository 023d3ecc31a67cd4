// SPDX-License-Identifier: MIT
/*
 * vusbctl's commands that go to every instance (list, suspend, resume) or
 * pick one (add, remove): the run directory's sockets, one by one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/app/add.h"
#include "src/app/vusbctl.h"
#include "src/base/num.h"
#include "src/base/strbuf.h"
#include "src/ctl/client.h"
#include "src/ctl/format.h"
#include "src/storage/image.h"

/*
 * Call fn(socket path, data) for every instance's control socket in the
 * run directory, until it returns non-zero. 0, or that value, or an exit
 * code when the directory cannot be read.
 */
static int each_instance(int (*fn)(const char *path, void *data), void *data)
{
	char path[PATH_MAX];
	struct dirent *de;
	int r = 0;
	DIR *d;

	d = opendir(ctl_rundir());
	if (!d && errno == ENOENT)
		return 0;
	if (!d) {
		fprintf(stderr, "vusbctl: %s: %s\n", ctl_rundir(), strerror(errno));
		return errno == EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	while (r == 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n < 6 || strcmp(de->d_name + n - 5, ".sock") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", ctl_rundir(), de->d_name);
		r = fn(path, data);
	}
	closedir(d);
	return r;
}

struct listing {
	struct strbuf rows;
	int code;
	bool json;
};

static int list_one(const char *path, void *data)
{
	struct listing *l = data;
	struct strbuf reply = { 0 };
	char *argv[] = { "list", "--json" };
	const char *msg, *body;
	int r, rc;

	r = ctl_call(path, l->json ? 2 : 1, argv, VUSBCTL_TIMEOUT_MS, &reply);
	if (r == -EACCES || r == -EPERM) {
		l->code = vusbctl_explain_connect(r, path);
	} else if (r == 0 && ctl_reply_parse(reply.buf, reply.len, &rc, &msg, &body) == 0) {
		if (rc == 0) {
			strbuf_printf(&l->rows, "%s", body);
		} else {
			/* Busy, or failing: never a table that looks complete. */
			fprintf(stderr, "vusbctl: %s: %s\n", path, msg);
			l->code = EXIT_FAILURE_;
		}
	} else if (r < 0 && r != -ENOENT && r != -ECONNREFUSED) {
		fprintf(stderr, "vusbctl: %s: %s\n", path,
			r == -ETIMEDOUT ? "no answer" : strerror(-r));
		l->code = EXIT_FAILURE_;
	}
	/* No socket, or nobody behind it: an instance that has just gone. */
	strbuf_free(&reply);
	return 0;
}

int vusbctl_list(bool json)
{
	struct listing l = { { 0 }, EXIT_OK, json };
	struct strbuf out = { 0 };
	int r;

	r = each_instance(list_one, &l);
	ctl_format_list(strbuf_str(&l.rows), json, &out);
	fputs(strbuf_str(&out), stdout);
	strbuf_free(&l.rows);
	strbuf_free(&out);
	return r ? r : l.code;
}

struct broadcast {
	int argc;
	char **argv;
	int code;
};

static int broadcast_one(const char *path, void *data)
{
	struct broadcast *b = data;
	int r = vusbctl_call(path, path, b->argc, b->argv, -1);

	/* An instance that has just ended is no failure. */
	if (r && r != EXIT_NO_DEVICE && !b->code)
		b->code = r;
	return 0;
}

/*
 * suspend, resume: every instance, foreground or daemon, in turn. Exit
 * status: the first failure's, 0 when all (or none) succeeded.
 */
int vusbctl_all_instances(int argc, char **argv)
{
	struct broadcast b = { argc, argv, EXIT_OK };
	int r = each_instance(broadcast_one, &b);

	return r ? r : b.code;
}

/*
 * vusbctl suspend (the sleep hook) refuses as a whole: every instance is
 * asked first whether it would suspend (a mounted disk says no, naming
 * it), and one that refuses or cannot be asked stops the suspend before
 * any device leaves the bus. Should one refuse after all (a disk mounted
 * in between), those already suspended are resumed.
 */
struct suspending {
	char (*done)[PATH_MAX]; /* instances suspended by this run */
	unsigned int n, cap;
	int code;
};

static int suspend_check_one(const char *path, void *data)
{
	struct suspending *s = data;
	char *argv[] = { "suspend", "--check" };
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int r, rc;

	r = ctl_call(path, 2, argv, VUSBCTL_TIMEOUT_MS, &reply);
	if (r == -EACCES || r == -EPERM) {
		rc = vusbctl_explain_connect(r, path);
	} else if (r == -ENOENT || r == -ECONNREFUSED) {
		rc = EXIT_OK; /* an instance that has just gone */
	} else if (r < 0) {
		fprintf(stderr, "vusbctl: %s: %s: cannot tell whether it may suspend\n", path,
			r == -ETIMEDOUT ? "no answer" : strerror(-r));
		rc = EXIT_FAILURE_;
	} else if (ctl_reply_parse(reply.buf, reply.len, &rc, &msg, &body) < 0) {
		fprintf(stderr, "vusbctl: malformed reply from %s\n", path);
		rc = EXIT_FAILURE_;
	} else if (rc) {
		fprintf(stderr, "vusbctl: %s\n", msg);
	}
	strbuf_free(&reply);
	if (rc && !s->code)
		s->code = rc;
	/* Go on: every instance that refuses says why. */
	return 0;
}

static int suspend_one(const char *path, void *data)
{
	struct suspending *s = data;
	char *argv[] = { "suspend" };
	int r = vusbctl_call(path, path, 1, argv, -1);

	if (r == EXIT_NO_DEVICE)
		return 0; /* gone since */
	if (r) {
		s->code = r;
		return r;
	}
	if (s->n == s->cap) {
		unsigned int cap = s->cap ? s->cap * 2 : 8;
		void *p = realloc(s->done, cap * sizeof(*s->done));

		if (!p) {
			s->code = EXIT_FAILURE_;
			return s->code;
		}
		s->done = p;
		s->cap = cap;
	}
	snprintf(s->done[s->n++], PATH_MAX, "%s", path);
	return 0;
}

int vusbctl_suspend(void)
{
	struct suspending s = { NULL, 0, 0, EXIT_OK };
	char *argv[] = { "resume" };
	unsigned int i;
	int r;

	r = each_instance(suspend_check_one, &s);
	if (r || s.code) {
		fprintf(stderr, "vusbctl: nothing suspended\n");
		return r ? r : s.code;
	}
	r = each_instance(suspend_one, &s);
	if (r && !s.code)
		s.code = r;
	if (s.code) {
		for (i = 0; i < s.n; i++)
			vusbctl_call(s.done[i], s.done[i], 1, argv, -1);
		fprintf(stderr, "vusbctl: nothing suspended%s\n",
			s.n ? " (the instances suspended already were resumed)" : "");
	}
	free(s.done);
	return s.code;
}

/* ---- add, remove: devices made and dropped at run time (src/app/add.h) ---- */

struct instances {
	unsigned int n;
	char first[PATH_MAX];
	struct strbuf pids;
};

static int count_instance(const char *path, void *data)
{
	struct instances *in = data;
	const char *base = strrchr(path, '/');
	int fd = ctl_connect(path);

	/* A socket nobody answers is an instance that has gone. */
	if (fd == -ECONNREFUSED || fd == -ENOENT)
		return 0;
	if (fd >= 0)
		close(fd);
	if (in->n++ == 0)
		snprintf(in->first, sizeof(in->first), "%s", path);
	base = base ? base + 1 : path;
	strbuf_printf(&in->pids, "%s%.*s", in->n > 1 ? ", " : "", (int)(strlen(base) - 5), base);
	return 0;
}

/* The instance to add to: --instance PID's, or the only one. An exit code on failure. */
static int pick_instance(const char *pid, char path[PATH_MAX])
{
	struct instances in = { 0 };
	long long n;
	int r;

	if (pid) {
		if (num_parse(pid, 10, 1, INT32_MAX, &n) < 0) {
			fprintf(stderr,
				"vusbctl: invalid --instance '%s': the process id of a "
				"vusb-attach\n",
				pid);
			return EXIT_USAGE;
		}
		snprintf(path, PATH_MAX, "%s/%lld.sock", ctl_rundir(), n);
		if (access(path, F_OK) < 0) {
			fprintf(stderr,
				"vusbctl: no vusb-attach with process id %lld (see "
				"'vusbctl list')\n",
				n);
			return EXIT_NO_DEVICE;
		}
		return 0;
	}
	r = each_instance(count_instance, &in);
	if (r == 0 && in.n == 0) {
		fprintf(stderr, "vusbctl: no vusb-attach is running to add to (start one: "
				"vusb-attach --daemon, or vusb-attach --listen)\n");
		r = EXIT_NO_DEVICE;
	} else if (r == 0 && in.n > 1) {
		fprintf(stderr,
			"vusbctl: %u vusb-attach instances run (process ids %s): pick one "
			"with --instance PID\n",
			in.n, strbuf_str(&in.pids));
		r = EXIT_USAGE;
	} else if (r == 0) {
		snprintf(path, PATH_MAX, "%s", in.first);
	}
	strbuf_free(&in.pids);
	return r;
}

/*
 * add [--instance PID] DEVICE [DEVICE-OPTIONS]: parsed here as the
 * instance will parse it, so a bad one fails with vusb-attach's message
 * (exit 2) before anyone is asked; every file it names opened (or made:
 * --create, a new --flash or --capture) with the rights of whoever runs
 * vusbctl and sent along, tagged, shown by its absolute path. What was
 * made here is removed again when the instance refuses the device.
 */
int vusbctl_add(int argc, char **argv)
{
	char path[PATH_MAX], abs[ADD_MAX_FILES][PATH_MAX], *args[CTL_MAX_ARGS + 2];
	struct strbuf err = { 0 }, help = { 0 }, tags = { 0 };
	struct add_file files[ADD_MAX_FILES];
	struct add_opened opened;
	int i = 2, n, k, code;
	unsigned int f, nfiles = 0;
	const char *pid = NULL;
	struct cli *c;

	if (i < argc && strncmp(argv[i], "--instance=", 11) == 0) {
		pid = argv[i++] + 11;
	} else if (i + 1 < argc && strcmp(argv[i], "--instance") == 0) {
		pid = argv[i + 1];
		i += 2;
	}
	n = argc - i + 1;
	if (n < 2 || n > CTL_MAX_ARGS - 1) {
		fprintf(stderr, "vusbctl: usage: vusbctl add [--instance PID] DEVICE "
				"[DEVICE-OPTIONS]\n");
		return EXIT_USAGE;
	}
	args[0] = argv[1];
	memcpy(args + 1, argv + i, (size_t)(n - 1) * sizeof(*args));
	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "vusbctl: out of memory\n");
		return EXIT_FAILURE_;
	}
	code = EXIT_USAGE;
	if (add_parse(n, args, c, &err) < 0) {
		fprintf(stderr, "vusbctl: %s\n", strbuf_str(&err));
		goto out;
	}
	if (c->help) {
		cli_model_usage(c->help_model, &help);
		fputs(strbuf_str(&help), stdout);
		code = EXIT_OK;
		goto out;
	}
	code = pick_instance(pid, path);
	if (code)
		goto out;
	nfiles = add_files(&c->devices[0], files);
	code = add_files_open(&c->devices[0], files, nfiles, true, &opened, &err);
	if (code) {
		nfiles = 0;
		fprintf(stderr, "vusbctl: %s: %s\n", c->devices[0].model->name, strbuf_str(&err));
		goto out;
	}
	strbuf_printf(&tags, "%s", ADD_FDS_ARG);
	for (f = 0; f < nfiles; f++) {
		strbuf_printf(&tags, "%s%s", f ? "," : "", files[f].tag);
		if (files[f].how == ADD_FILE_EXEC)
			continue; /* a command, not a path */
		if (!realpath(files[f].path, abs[f]))
			snprintf(abs[f], sizeof(abs[f]), "%s", files[f].path);
		for (k = 1; k < n; k++)
			if (args[k] == files[f].path)
				args[k] = abs[f];
	}
	/* "add --fds=TAGS DEVICE ...": the instance checks each against the device. */
	memmove(args + 2, args + 1, (size_t)(n - 1) * sizeof(*args));
	args[1] = tags.buf;
	code = vusbctl_call_fds(path, args[2], n + 1, args, opened.fds, nfiles);
out:
	if (nfiles)
		add_files_close(files, nfiles, &opened, code != 0);
	strbuf_free(&err);
	strbuf_free(&help);
	strbuf_free(&tags);
	free(c);
	return code;
}

/* remove NAME: asked of the instance that has NAME. */
int vusbctl_remove(int argc, char **argv)
{
	char path[PATH_MAX];

	if (argc != 3) {
		fprintf(stderr, "vusbctl: usage: vusbctl remove NAME\n");
		return EXIT_USAGE;
	}
	if (!ctl_name_valid(argv[2]))
		return vusbctl_explain_connect(-ENOENT, argv[2]);
	snprintf(path, sizeof(path), "%s/dev/%s", ctl_rundir(), argv[2]);
	return vusbctl_call(path, argv[2], 2, argv + 1, -1);
}
