// SPDX-License-Identifier: MIT
/*
 * vusb-attach: make virtual USB devices appear on this machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/app/allowuser.h"
#include "src/app/cli.h"
#include "src/app/config.h"
#include "src/app/daemon.h"
#include "src/app/privs.h"
#include "src/app/vusb.h"
#include "src/base/log.h"
#include "src/base/loop.h"
#include "src/ctl/server.h"
#include "src/usbip/server.h"
#include "sysfs/affinity.h"
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

	/* An empty daemon waits for vusbctl add: attached here, unless --listen. */
	if (c->ndevices == 0)
		return !c->listen;
	for (i = 0; i < c->ndevices; i++)
		if (!c->listen || c->devices[i].local)
			return true;
	return false;
}

/*
 * Host names of --listen and --allow: every address of each, looked up
 * once, before anything binds; one that does not resolve is exit 2 with
 * the resolver's message. EXIT_*.
 */
static int resolve_names(struct cli *c)
{
	struct server_addr a[SERVER_MAX_LISTEN];
	struct strbuf err = { 0 };
	unsigned int i, k;
	int n;

	if (c->listen && c->listen_host[0]) {
		n = server_resolve(c->listen_host, c->listen_port, a, SERVER_MAX_LISTEN, &err);
		if (n < 0) {
			fprintf(stderr, "vusb-attach: --listen %s: cannot resolve %s: %s\n",
				c->listen_host, c->listen_host, strbuf_str(&err));
			strbuf_free(&err);
			return n == -ENOMEM ? EXIT_FAILURE_ : EXIT_USAGE;
		}
		c->server.listen = a[0];
		for (k = 1; k < (unsigned int)n; k++)
			c->listen_more[k - 1] = a[k];
		c->nlisten_more = (unsigned int)n - 1;
	}
	for (i = 0; i < c->nallow_host; i++) {
		n = server_resolve(c->allow_host[i], 0, a, SERVER_MAX_LISTEN, &err);
		if (n < 0) {
			fprintf(stderr, "vusb-attach: --allow %s: cannot resolve %s: %s\n",
				c->allow_host[i], c->allow_host[i], strbuf_str(&err));
			strbuf_free(&err);
			return n == -ENOMEM ? EXIT_FAILURE_ : EXIT_USAGE;
		}
		for (k = 0; k < (unsigned int)n; k++) {
			if (c->server.nallow >= SERVER_MAX_ALLOW) {
				fprintf(stderr, "vusb-attach: --allow: more than %d addresses\n",
					SERVER_MAX_ALLOW);
				return EXIT_USAGE;
			}
			server_cidr_from_addr(&a[k], &c->server.allow[c->server.nallow++]);
		}
	}
	return EXIT_OK;
}

/* Is any address --listen binds a loopback one? */
static bool listens_on_loopback(const struct cli *c)
{
	unsigned int i;

	for (i = 0; i < c->nlisten_more; i++)
		if (server_addr_is_loopback(&c->listen_more[i]))
			return true;
	return server_addr_is_loopback(&c->server.listen);
}

/*
 * --allow-user: look the names up (a typo is exit 2, before anything is
 * created). Without it, --listen on loopback admits root, the user who
 * started us and group vusb; on another address nobody is checked (that
 * is --allow's job), and `--allow-user any` checks nobody. *ret_on says
 * whether peers are checked. EXIT_*.
 */
static int allow_users(const struct cli *c, struct allowuser *a, bool *ret_on)
{
	struct strbuf err = { 0 };
	unsigned int i;
	int r;

	*ret_on = false;
	if (!c->listen || (c->nallow_user == 1 && strcmp(c->allow_user[0], "any") == 0))
		return EXIT_OK;
	for (i = 0; i < c->nallow_user; i++) {
		r = allowuser_add(a, c->allow_user[i], &err);
		if (r < 0) {
			fprintf(stderr, "vusb-attach: %s\n", strbuf_str(&err));
			strbuf_free(&err);
			return EXIT_USAGE;
		}
	}
	if (c->nallow_user == 0) {
		if (!listens_on_loopback(c))
			return EXIT_OK;
		r = allowuser_add_default(a, getuid());
		if (r < 0) {
			fprintf(stderr, "vusb-attach: cannot read group %s: %s\n", PRIVS_GROUP,
				strerror(-r));
			return EXIT_FAILURE_;
		}
	}
	*ret_on = true;
	return EXIT_OK;
}

/* --listen: bind, and say where. EXIT_* */
static int start_server(struct vusb *vusb, const struct cli *c, struct allowuser *users,
			bool check_users)
{
	char addr[SERVER_ADDR_STRLEN];
	struct strbuf msg = { 0 };
	unsigned int i;
	int r;

	server_addr_format((const struct sockaddr *)&c->server.listen.ss, c->server.listen.len,
			   addr, sizeof(addr));
	if (check_users) {
		/* Before the bind, while we are root: the kernel may have to
		 * load inet_diag; no answer, no server (fail closed). */
		r = allowuser_start(users, &msg);
		if (r < 0) {
			log_err("cannot check which local users connect to %s: %s; "
				"'--allow-user any' admits every local user",
				addr, strbuf_str(&msg));
			strbuf_free(&msg);
			return EXIT_FAILURE_;
		}
		strbuf_reset(&msg);
		allowuser_describe(users, &msg);
		log_info("local peers admitted: %s (--allow-user)", strbuf_str(&msg));
		strbuf_free(&msg);
		vusb_set_allowuser(vusb, users);
	}
	r = vusb_serve(vusb, &c->server);
	for (i = 0; r >= 0 && i < c->nlisten_more; i++) {
		server_addr_format((const struct sockaddr *)&c->listen_more[i].ss,
				   c->listen_more[i].len, addr, sizeof(addr));
		r = vusb_listen_also(vusb, &c->listen_more[i]);
	}
	if (r < 0) {
		log_err("cannot listen on %s: %s", addr,
			r == -EADDRINUSE ? "the address is in use (another usbipd or vusb-attach?)" :
					   strerror(-r));
		return r == -EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	for (i = 0; i <= c->nlisten_more; i++) {
		const struct server_addr *a = i ? &c->listen_more[i - 1] : &c->server.listen;

		vusb_server_addr(vusb, i, addr, sizeof(addr));
		if (!server_addr_is_loopback(a))
			log_warn("listening on %s: USB/IP has no authentication or encryption; anyone who can reach it can import the devices%s",
				 addr, c->server.nallow ? "" : " (limit peers with --allow)");
		printf("listening on %s\n", addr);
	}
	fflush(stdout);
	return EXIT_OK;
}

/*
 * --capture FILE: opened with our rights before they are dropped. "-" is
 * standard output, and what we print there goes to standard error from
 * now on, so that only pcapng reaches the reader. EXIT_*
 */
/* --capture FILE: of every device, or (device >= 0) of the device-th made. */
static int start_capture(struct vusb *vusb, const char *file, uint32_t snaplen, int device,
			 int argc, char **argv)
{
	struct strbuf comment = { 0 }, err = { 0 };
	bool out = strcmp(file, "-") == 0;
	int fd, i, r;

	if (out && isatty(STDOUT_FILENO)) {
		log_err("--capture -: standard output is a terminal; pipe it (| wireshark -k -i -) or give a file");
		return EXIT_USAGE;
	}
	if (out) {
		fflush(stdout);
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd >= 0 && dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			close(fd);
			fd = -1;
		}
	} else {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	}
	if (fd < 0) {
		log_err("cannot write the capture %s: %s", out ? "to standard output" : file,
			strerror(errno));
		return errno == EACCES || errno == EPERM ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	strbuf_printf(&comment, "vusb %s:", VUSB_VERSION);
	for (i = 0; i < argc; i++)
		strbuf_printf(&comment, " %s", argv[i]);
	if (device >= 0)
		r = vusb_capture_device(vusb, (unsigned int)device, fd,
					out ? "(standard output)" : file, snaplen,
					strbuf_str(&comment), &err);
	else
		r = vusb_capture_start(vusb, fd, out ? "(standard output)" : file, snaplen,
				       strbuf_str(&comment), &err);
	if (r < 0)
		log_err("%s", strbuf_str(&err));
	strbuf_free(&comment);
	strbuf_free(&err);
	return r < 0 ? EXIT_FAILURE_ : EXIT_OK;
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
	vhci_host_read(&host, r == -ENOENT && step == VHCI_STEP_MODULE ? VHCI_HOST_PACKAGE : 0);
	vhci_explain(r, step, &host, msg, sizeof(msg));
	log_err("%s", msg);
	return (r == -EPERM || r == -EACCES) && !host.is_root ? EXIT_PERMISSION : EXIT_NO_VHCI;
}

/* --config NAME: the devices and options of a file. EXIT_* */
static int load_config(int argc, char **argv, struct cli *cli, struct config **ret_cf)
{
	struct strbuf err = { 0 };
	char path[PATH_MAX], *text;
	size_t len;
	int r;

	r = config_path(cli->config, path, sizeof(path));
	if (r < 0) {
		fprintf(stderr, "vusb-attach: invalid --config '%s': a name of letters, digits and '_.-@' (for %s/NAME.conf), or a path with a '/'\n",
			cli->config, CONFIG_DIR);
		return EXIT_USAGE;
	}
	r = config_read(path, &text, &len);
	if (r < 0) {
		fprintf(stderr, "vusb-attach: %s: %s\n", path,
			r == -EFBIG ? "larger than 64 KiB: not a configuration file" : strerror(-r));
		return EXIT_USAGE;
	}
	r = config_parse(text, len, path, argc, argv, ret_cf, cli, &err);
	free(text);
	if (r < 0) {
		fprintf(stderr, "vusb-attach: %s\n", err.len ? strbuf_str(&err) : strerror(-r));
		strbuf_free(&err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- Running as a service: --daemon, --pidfile, systemd ---- */

struct service {
	struct loop *loop;
	struct daemon_pipe report; /* --daemon: the waiting original process, until ready */
	bool strict; /* a device not ready in time ends us */
	char pidfile[PATH_MAX];
	int pidfile_fd;
};

static void service_ready(struct vusb *v, int err, const char *why, void *data)
{
	struct service *s = data;
	char state[128];
	unsigned int n = vusb_count(v);

	if (err) {
		if (!s->strict) {
			log_warn("%s (still waiting)", why);
			return;
		}
		log_err("%s", why);
		loop_quit(s->loop, EXIT_FAILURE_);
		return;
	}
	/* A device added later that is slow to get ready ends nothing. */
	s->strict = false;
	log_info("every device is ready");
	snprintf(state, sizeof(state), "READY=1\nSTATUS=Serving %u device%s\nMAINPID=%ld", n,
		 n == 1 ? "" : "s", (long)getpid());
	if (notify_send(state) < 0)
		log_warn("cannot tell systemd we are ready (NOTIFY_SOCKET)");
	if (s->report.fd >= 0) {
		/* Relative paths were used up; hold no directory busy. */
		if (chdir("/") < 0)
			log_warn("cannot change to /: %s", strerror(errno));
		/* Nobody reads our standard error from now on. */
		vusb_log_set_sink(VUSB_LOG_SYSLOG);
		daemon_report(&s->report, 0);
	}
}

/*
 * --daemon and --pidfile, and where the log goes. In the original process
 * of --daemon, the exit code it should end with; else -1: carry on.
 */
static int service_start(const struct cli *cli, struct service *s)
{
	pid_t owner = 0;
	int r, status = EXIT_FAILURE_;

	s->pidfile_fd = -1;
	if (cli->daemon) {
		r = daemon_start(&s->report, &status);
		if (r == -EPIPE) {
			fprintf(stderr, "vusb-attach: the daemon ended before its devices were ready (see the system log)\n");
			return EXIT_FAILURE_;
		}
		if (r < 0) {
			log_err("cannot go to the background: %s", strerror(-r));
			return EXIT_FAILURE_;
		}
		if (r == 1)
			return status;
		openlog("vusb-attach", LOG_PID, LOG_DAEMON);
		/* Until ready, errors also reach whoever started us. */
		vusb_log_set_sink(VUSB_LOG_STDERR | VUSB_LOG_SYSLOG);
	} else if (journal_stream_is_stderr()) {
		vusb_log_set_sink(VUSB_LOG_STDERR | VUSB_LOG_PRIORITY);
	}
	s->strict = cli->wait_ready >= 0 || cli->daemon || getenv("NOTIFY_SOCKET");
	if (!cli->pidfile)
		return -1;
	if (cli->pidfile[0] == '/' || !getcwd(s->pidfile, sizeof(s->pidfile)))
		s->pidfile[0] = '\0';
	if (strlen(s->pidfile) + strlen(cli->pidfile) + 2 > sizeof(s->pidfile)) {
		log_err("--pidfile %s: path too long", cli->pidfile);
		return EXIT_USAGE;
	}
	if (s->pidfile[0])
		strcat(s->pidfile, "/");
	strcat(s->pidfile, cli->pidfile);
	r = pidfile_create(s->pidfile, &s->pidfile_fd, &owner);
	if (r == -EEXIST) {
		if (owner)
			log_err("%s: another vusb-attach (pid %ld) holds it", s->pidfile, (long)owner);
		else
			log_err("%s: another process holds it", s->pidfile);
		return EXIT_FAILURE_;
	}
	if (r < 0) {
		log_err("cannot write %s: %s", s->pidfile, strerror(-r));
		return r == -EACCES || r == -EPERM ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	return -1;
}

/* "0-3,6": the CPUs of set, for a message. */
static void cpu_list(const cpu_set_t *set, char *buf, size_t size)
{
	size_t len = 0;
	int cpu, first = -1;

	buf[0] = '\0';
	for (cpu = 0; cpu <= CPU_SETSIZE && len < size; cpu++) {
		bool in = cpu < CPU_SETSIZE && CPU_ISSET(cpu, set);

		if (in && first < 0)
			first = cpu;
		if (in || first < 0)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%d", len ? "," : "", first);
		if (cpu - 1 > first && len < size)
			len += (size_t)snprintf(buf + len, size - len, "-%d", cpu - 1);
		first = -1;
	}
}

/*
 * --cpu: stay on one CPU, the one we run on (auto) or the one named, and
 * have vusb move each attached device's kernel threads there: every
 * wake-up of a transfer's round trip is then a local one. EXIT_*.
 */
static int keep_cpu(const struct cli *cli, struct vusb *vusb)
{
	cpu_set_t allowed, one;
	char list[128];
	int cpu = -1, r;

	if (cli->cpu == AFFINITY_OFF)
		return EXIT_OK;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0) {
		log_warn("--cpu: cannot read this process's CPUs: %s", strerror(errno));
		return cli->cpu == AFFINITY_AUTO ? EXIT_OK : EXIT_FAILURE_;
	}
	r = affinity_pick(cli->cpu, &allowed, sched_getcpu(), &cpu);
	if (r == -EINVAL) {
		cpu_list(&allowed, list, sizeof(list));
		log_err("--cpu %d: not one of the CPUs this process may run on (%s)", cli->cpu,
			list);
		return EXIT_USAGE;
	}
	if (r <= 0)
		return EXIT_OK;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0) {
		log_warn("--cpu: cannot stay on CPU %d: %s", cpu, strerror(errno));
		return cli->cpu == AFFINITY_AUTO ? EXIT_OK : EXIT_FAILURE_;
	}
	vusb_set_cpu(vusb, cpu);
	log_info("on CPU %d, with the devices' kernel threads", cpu);
	return EXIT_OK;
}

static int pin_kthread(pid_t pid, int cpu, void *data)
{
	return privs_cleaner_pin(data, pid, cpu);
}

static void release_name(const char *name, void *data)
{
	privs_cleaner_release(data, name);
}

static int claim_name(const char *name, void *data)
{
	return privs_cleaner_claim(data, name);
}

static int report_listen(const char *name, void *data)
{
	return privs_cleaner_report_socket(data, name);
}

static int tty_link(const char *name, const char *pts, void *data)
{
	return privs_cleaner_tty_link(data, name, pts);
}

/*
 * VUSB_SECCOMP=report: a call the seccomp filter refuses still fails, and
 * also prints its number on standard error, so that a user can report
 * the call vusb missed.
 */
static void install_seccomp(void)
{
	const char *env = getenv("VUSB_SECCOMP");
	unsigned int flags = 0;
	int r;

	if (env && strcmp(env, "report") == 0)
		flags = PRIVS_SECCOMP_REPORT;
	r = privs_seccomp(flags);
	if (r == -ENOTSUP)
		log_warn("no seccomp filter: its allow-list is measured on x86-64 only");
	else if (r < 0)
		log_warn("no seccomp filter: %s", strerror(-r));
}

/* Stay who we are (as), but without capabilities and with the seccomp filter. EXIT_*. */
static int restrict_only(const char *as)
{
	int r = privs_restrict();

	if (r < 0) {
		log_err("cannot give up capabilities: %s", strerror(-r));
		return EXIT_FAILURE_;
	}
	install_seccomp();
	if (as)
		log_info("running as %s, without capabilities", as);
	return EXIT_OK;
}

/*
 * Everything that needs root is done (vhci_hcd loaded, attach and detach
 * open, devices attached, control socket and images open): become --user
 * (default vusb, else nobody) with no capabilities and a seccomp filter,
 * leaving a cleaner with root to remove the control socket, the name
 * links and the pidfile once we are gone. Root stays root only with
 * --user root (and a user who is not root stays who they are), without
 * capabilities and with the same filter. Nothing needs root later:
 * storage's insert gets the image as a descriptor vusbctl opened. EXIT_*.
 */
static int drop_privileges(const struct cli *cli, struct vusb *vusb, const struct service *svc,
			   struct privs_cleaner *cleaner)
{
	const char *sock = vusb_ctl_path(vusb);
	struct privs_user u;
	char devdir[PATH_MAX];
	int r;

	if (geteuid() != 0 || (cli->user && strcmp(cli->user, "root") == 0))
		return restrict_only(geteuid() == 0 ? "root (--user root)" : NULL);
	r = privs_find_user(cli->user, &u);
	if (r < 0) {
		if (cli->user) {
			log_err("--user %s: %s", cli->user, r == -ENOENT ? "no such user" : strerror(-r));
			return EXIT_USAGE;
		}
		/* Never root by accident: that takes --user root. */
		log_err("there is neither a user %s nor %s to run as: create the %s user "
			"(systemd-sysusers vusb.conf, from contrib/sysusers; or useradd --system "
			"--no-create-home --shell /usr/sbin/nologin %s), or keep root with --user root",
			PRIVS_USER, PRIVS_FALLBACK_USER, PRIVS_USER, PRIVS_USER);
		return EXIT_USAGE;
	}
	if (u.uid == 0)
		return restrict_only("root (its user id is 0)");
	if (sock) {
		r = privs_share_socket(sock);
		if (r < 0)
			log_warn("cannot give %s to group %s: %s", sock, PRIVS_GROUP, strerror(-r));
		else if (r > 0)
			vusb_share_report_sockets(vusb);
		snprintf(devdir, sizeof(devdir), "%s/dev", ctl_rundir());
		r = privs_cleaner_start(cleaner, sock, devdir, svc->pidfile[0] ? svc->pidfile : NULL);
		if (r < 0) {
			log_err("cannot start the cleaner: %s", strerror(-r));
			return EXIT_FAILURE_;
		}
		vusb_set_release_hook(vusb, release_name, cleaner);
		vusb_set_claim_hook(vusb, claim_name, report_listen, cleaner);
		vusb_set_tty_hook(vusb, tty_link);
		vusb_set_pin_hook(vusb, pin_kthread, cleaner);
	}
	r = privs_drop(&u);
	if (r < 0) {
		log_err("cannot run as %s: %s", u.name, strerror(-r));
		return EXIT_FAILURE_;
	}
	install_seccomp();
	log_info("running as %s (uid %u, gid %u), without capabilities", u.name, (unsigned int)u.uid,
		 (unsigned int)u.gid);
	return EXIT_OK;
}

static void service_stop(struct service *s, int code)
{
	if (s->report.fd >= 0) {
		if (code == EXIT_OK)
			log_err("the devices went away before they were ready");
		daemon_report(&s->report, code ? code : EXIT_FAILURE_);
	}
	pidfile_remove(s->pidfile, s->pidfile_fd);
	s->pidfile_fd = -1;
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
