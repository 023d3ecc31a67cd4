// SPDX-License-Identifier: MIT
/*
 * vusb-attach: make virtual USB devices appear on this machine. main()
 * takes the steps in order, and reads commands from the terminal; the
 * steps themselves are in vusb-attach-args.c, -start.c, -service.c and
 * -drop.c (src/app/vusb-attach.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/app/allowuser.h"
#include "src/app/cli.h"
#include "src/app/config.h"
#include "src/app/privs.h"
#include "src/app/vusb-attach.h"
#include "src/app/vusb.h"
#include "src/base/log.h"
#include "src/base/loop.h"
#include "src/ctl/ctl.h"
#include "src/ctl/server.h"
#include "sysfs/vhci.h"

#define LINE_MAX_ 4096

struct terminal {
	struct vusb *vusb;
	struct loop *loop;
	struct loop_io *io;
	char line[LINE_MAX_];
	size_t len;
};

static void on_signal(struct loop *loop, int signo, void *data)
{
	log_notice("%s: detaching", strsignal(signo));
	loop_quit(loop, EXIT_OK);
}

static void terminal_line(struct terminal *t, char *line)
{
	struct strbuf out = { 0 }, err = { 0 };
	char *argv[CTL_MAX_ARGS];
	int argc, code;

	argc = ctl_split_line(line, argv, CTL_MAX_ARGS);
	if (argc == 0)
		return;
	if (argc < 0) {
		fprintf(stderr, "error: unbalanced quotes or too many words\n");
		return;
	}
	if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0) {
		loop_quit(t->loop, EXIT_OK);
		return;
	}
	code = vusb_command(t->vusb, argc, argv, true, &out, &err);
	fputs(strbuf_str(&out), stdout);
	fflush(stdout);
	if (code)
		fprintf(stderr, "error: %s\n", strbuf_str(&err));
	strbuf_free(&out);
	strbuf_free(&err);
}

static void terminal_ready(struct loop_io *io, uint32_t events, void *data)
{
	struct terminal *t = data;
	ssize_t n;
	char *nl;

	n = read(STDIN_FILENO, t->line + t->len, sizeof(t->line) - 1 - t->len);
	if (n <= 0) {
		/* EOF (Ctrl-D) on a terminal ends the session like a shell;
		 * EIO means we were put in the background: stop reading. */
		loop_io_remove(t->io);
		t->io = NULL;
		if (n == 0)
			loop_quit(t->loop, EXIT_OK);
		return;
	}
	t->len += (size_t)n;
	t->line[t->len] = '\0';
	while ((nl = strchr(t->line, '\n'))) {
		size_t used = (size_t)(nl - t->line) + 1;

		*nl = '\0';
		terminal_line(t, t->line);
		memmove(t->line, t->line + used, t->len - used + 1);
		t->len -= used;
	}
	if (t->len == sizeof(t->line) - 1) {
		fprintf(stderr, "error: line too long\n");
		t->len = 0;
	}
}

int main(int argc, char **argv)
{
	struct strbuf err = { 0 }, out = { 0 };
	struct terminal term = { 0 };
	struct vhci *vhci = NULL;
	struct vusb *vusb = NULL;
	struct loop *loop = NULL;
	struct config *cf = NULL;
	struct service svc = { .report = DAEMON_PIPE_INIT, .pidfile_fd = -1 };
	struct privs_cleaner cleaner = { 0 };
	struct privs_user user;
	static struct cli cli;
	static struct allowuser users;
	bool check_users = false;
	unsigned int i, k, n;
	int r, code;

	if (cli_parse(argc, argv, &cli, &err) < 0) {
		fprintf(stderr, "vusb-attach: %s\n", strbuf_str(&err));
		strbuf_free(&err);
		return EXIT_USAGE;
	}
	if (cli.help) {
		if (cli.help_model)
			cli_model_usage(cli.help_model, &out);
		else
			cli_usage(&out);
		fputs(strbuf_str(&out), stdout);
		strbuf_free(&out);
		return EXIT_OK;
	}
	if (cli.version) {
		printf("vusb-attach %s\n", VUSB_VERSION);
		return EXIT_OK;
	}
	if (cli.config) {
		code = load_config(argc, argv, &cli, &cf);
		if (code)
			return code;
	}
	/* An unknown --user is a usage error before anything is attached. */
	if (cli.user && strcmp(cli.user, "root") != 0 && geteuid() == 0 &&
	    privs_find_user(cli.user, &user) < 0) {
		fprintf(stderr, "vusb-attach: --user %s: no such user\n", cli.user);
		config_free(cf);
		return EXIT_USAGE;
	}
	/* Nobody to become: root only when asked, and before anything is attached. */
	if (!cli.user && geteuid() == 0 && privs_find_user(NULL, &user) == -ENOENT) {
		fprintf(stderr,
			"vusb-attach: there is neither a user %s nor %s to run as: create the %s "
			"user (systemd-sysusers vusb.conf, from contrib/sysusers; or useradd "
			"--system --no-create-home --shell /usr/sbin/nologin %s), or keep root with "
			"--user root\n",
			PRIVS_USER, PRIVS_FALLBACK_USER, PRIVS_USER, PRIVS_USER);
		config_free(cf);
		return EXIT_USAGE;
	}
	code = resolve_names(&cli);
	if (code) {
		config_free(cf);
		return code;
	}
	code = allow_users(&cli, &users, &check_users);
	if (code) {
		config_free(cf);
		return code;
	}
	/* A daemon's standard input is the caller's until it is ready. */
	if (cli.daemon)
		cli.no_stdin = true;
	vusb_log_level = LOG_NOTICE + cli.verbosity;
	if (cli.verbosity < 0)
		vusb_log_level = LOG_ERR;

	/* A control client that goes away must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* Reading the terminal from the background fails with EIO instead. */
	signal(SIGTTIN, SIG_IGN);

	code = service_start(&cli, &svc);
	if (code >= 0) {
		service_stop(&svc, code);
		config_free(cf);
		return code;
	}
	code = EXIT_OK;
	r = loop_new(&loop);
	if (r < 0) {
		log_err("cannot create the event loop: %s", strerror(-r));
		code = EXIT_FAILURE_;
		goto out;
	}
	svc.loop = loop;
	r = vusb_new(loop, NULL, &vusb);
	if (r == 0 && cli.ndevices == 0)
		vusb_set_stay(vusb);
	if (r == 0) {
		vusb_set_ready_cb(vusb,
				  cli.wait_ready > 0 ? (unsigned int)cli.wait_ready * 1000 :
				  cli.wait_ready == 0 ? 0 : VUSB_READY_TIMEOUT_MS,
				  service_ready, &svc);
		strbuf_reset(&err);
		r = vusb_listen(vusb, &err);
	}
	/* Not root: root's run directory is not ours to use, and that is
	 * the message a user needs, not the directory's mode. */
	if ((r == -EACCES || r == -EPERM) && geteuid() != 0)
		strbuf_reset(&err);
	if (r < 0 && err.len) {
		log_err("cannot create the control socket: %s", strbuf_str(&err));
		code = r == -EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
		goto out;
	}
	if (r == -EACCES || r == -EPERM) {
		log_err("cannot create the control socket in %s: permission denied (vusb-attach needs root: try sudo)",
			ctl_rundir());
		code = EXIT_PERMISSION;
		goto out;
	}
	if (r < 0) {
		log_err("cannot create the control socket in %s: %s", ctl_rundir(), strerror(-r));
		code = EXIT_FAILURE_;
		goto out;
	}
	/*
	 * Everything the user named is checked (images opened and locked,
	 * firmware loaded) before the kernel or the network is touched: a
	 * typo fails alone, with exit status 2, not after an attach.
	 */
	for (i = 0; i < cli.ndevices; i++) {
		for (k = 0; k < cli.devices[i].count; k++) {
			strbuf_reset(&err);
			code = vusb_create(vusb, cli.devices[i].model, &cli.devices[i].opts,
					   cli.listen && !cli.devices[i].local, &err);
			if (code) {
				log_err("%s: %s", cli.devices[i].model->name, strbuf_str(&err));
				goto out;
			}
		}
	}
	if (cli.capture) {
		code = start_capture(vusb, cli.capture, cli.capture_snaplen, -1, argc, argv);
		if (code)
			goto out;
	}
	/* Exporting needs no vhci_hcd. */
	if (any_local(&cli)) {
		code = open_vhci(&cli, &vhci);
		if (code)
			goto out;
		vusb_set_vhci(vusb, vhci);
		code = keep_cpu(&cli, vusb);
		if (code)
			goto out;
	}
	if (cli.listen) {
		code = start_server(vusb, &cli, &users, check_users);
		if (code)
			goto out;
	}
	if (loop_signal_add(loop, SIGINT, on_signal, NULL) < 0 ||
	    loop_signal_add(loop, SIGTERM, on_signal, NULL) < 0 ||
	    loop_signal_add(loop, SIGHUP, on_signal, NULL) < 0) {
		log_err("cannot handle signals");
		code = EXIT_FAILURE_;
		goto out;
	}
	strbuf_reset(&err);
	code = vusb_start(vusb, &err);
	if (code) {
		log_err("%s", strbuf_str(&err));
		goto out;
	}
	/* A device's own capture, now that it has a port; the loop has not
	 * run yet, so the capture still sees it from enumeration on. */
	for (i = 0, n = 0; i < cli.ndevices; n += cli.devices[i].count, i++) {
		if (!cli.devices[i].capture)
			continue;
		code = start_capture(vusb, cli.devices[i].capture, cli.devices[i].capture_snaplen,
				     (int)n, argc, argv);
		if (code)
			goto out;
	}

	if (!cli.no_stdin && isatty(STDIN_FILENO)) {
		term.vusb = vusb;
		term.loop = loop;
		if (loop_io_add(loop, STDIN_FILENO, EPOLLIN, terminal_ready, &term, NULL, &term.io) <
		    0)
			log_warn("cannot read commands from the terminal");
	}

	code = drop_privileges(&cli, vusb, &svc, &cleaner);
	if (code)
		goto out;
	r = loop_run(loop);
	code = r < 0 ? EXIT_FAILURE_ : r;
out:
	if (term.io)
		loop_io_remove(term.io);
	notify_send("STOPPING=1");
	vusb_free(vusb);
	allowuser_stop(&users);
	vhci_close(vhci);
	loop_free(loop);
	service_stop(&svc, code);
	/* What we could not remove ourselves, unprivileged. */
	privs_cleaner_finish(&cleaner);
	config_free(cf);
	strbuf_free(&err);
	return code;
}
