// SPDX-License-Identifier: MIT
/*
 * vusb-attach: make virtual USB devices appear on this machine.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/cli.h"
#include "src/ctl.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/server.h"
#include "src/vusb.h"
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

/* Does any device go to this machine's vhci_hcd? */
static bool any_local(const struct cli *c)
{
	unsigned int i;

	for (i = 0; i < c->ndevices; i++)
		if (!c->listen || c->devices[i].local)
			return true;
	return false;
}

/* --listen: bind, and say where. EXIT_* */
static int start_server(struct vusb *vusb, const struct cli *c)
{
	char addr[SERVER_ADDR_STRLEN];
	int r;

	server_addr_format((const struct sockaddr *)&c->server.listen.ss, c->server.listen.len,
			   addr, sizeof(addr));
	r = vusb_serve(vusb, &c->server);
	if (r < 0) {
		log_err("cannot listen on %s: %s", addr,
			r == -EADDRINUSE ? "the address is in use (another usbipd or vusb-attach?)" :
					   strerror(-r));
		return r == -EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	if (!server_addr_is_loopback(&c->server.listen))
		log_warn("listening on %s: USB/IP has no authentication or encryption; anyone who can reach it can import the devices%s",
			 addr, c->server.nallow ? "" : " (limit peers with --allow)");
	vusb_server_addr(vusb, addr, sizeof(addr));
	printf("listening on %s\n", addr);
	fflush(stdout);
	return EXIT_OK;
}

static int open_vhci(const struct cli *c, struct vhci **ret)
{
	enum vhci_step step;
	struct vhci_host host;
	char msg[VHCI_EXPLAIN_MAX];
	int r;

	r = vhci_open(ret, c->no_load ? VHCI_NO_LOAD : 0, &step);
	if (r == 0)
		return 0;
	vhci_host_read(&host);
	vhci_explain(r, step, &host, msg, sizeof(msg));
	log_err("%s", msg);
	return (r == -EPERM || r == -EACCES) && !host.is_root ? EXIT_PERMISSION : EXIT_NO_VHCI;
}

int main(int argc, char **argv)
{
	struct strbuf err = { 0 }, out = { 0 };
	struct terminal term = { 0 };
	struct vhci *vhci = NULL;
	struct vusb *vusb = NULL;
	struct loop *loop = NULL;
	static struct cli cli;
	unsigned int i, k;
	int r, code;

	if (cli_parse(argc, argv, &cli, &err) < 0) {
		fprintf(stderr, "vusb-attach: %s\n", strbuf_str(&err));
		strbuf_free(&err);
		return EXIT_USAGE;
	}
	if (cli.help) {
		cli_usage(&out);
		fputs(strbuf_str(&out), stdout);
		strbuf_free(&out);
		return EXIT_OK;
	}
	if (cli.version) {
		printf("vusb-attach %s\n", VUSB_VERSION);
		return EXIT_OK;
	}
	vusb_log_level = LOG_NOTICE + cli.verbosity;
	if (cli.verbosity < 0)
		vusb_log_level = LOG_ERR;

	/* A control client that goes away must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* Reading the terminal from the background fails with EIO instead. */
	signal(SIGTTIN, SIG_IGN);

	r = loop_new(&loop);
	if (r < 0) {
		log_err("cannot create the event loop: %s", strerror(-r));
		return EXIT_FAILURE_;
	}
	/* Exporting needs no vhci_hcd. */
	if (any_local(&cli)) {
		code = open_vhci(&cli, &vhci);
		if (code)
			goto out;
	}
	r = vusb_new(loop, vhci, &vusb);
	if (r == 0)
		r = vusb_listen(vusb);
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
	if (cli.listen) {
		code = start_server(vusb, &cli);
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

	for (i = 0; i < cli.ndevices; i++) {
		for (k = 0; k < cli.devices[i].count; k++) {
			strbuf_reset(&err);
			if (cli.listen && !cli.devices[i].local)
				code = vusb_export(vusb, cli.devices[i].model, &cli.devices[i].opts,
						   &err);
			else
				code = vusb_add(vusb, cli.devices[i].model, &cli.devices[i].opts,
						&err);
			if (code) {
				log_err("%s: %s", cli.devices[i].model->name, strbuf_str(&err));
				goto out;
			}
		}
	}

	if (!cli.no_stdin && isatty(STDIN_FILENO)) {
		term.vusb = vusb;
		term.loop = loop;
		if (loop_io_add(loop, STDIN_FILENO, EPOLLIN, terminal_ready, &term, NULL, &term.io) <
		    0)
			log_warn("cannot read commands from the terminal");
	}

	r = loop_run(loop);
	code = r < 0 ? EXIT_FAILURE_ : r;
out:
	if (term.io)
		loop_io_remove(term.io);
	vusb_free(vusb);
	vhci_close(vhci);
	loop_free(loop);
	strbuf_free(&err);
	return code;
}
