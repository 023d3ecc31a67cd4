// SPDX-License-Identifier: MIT
/*
 * vusb-attach as a service: --daemon, --pidfile, systemd's notify socket,
 * and what it does once every device is ready (src/app/vusb-attach.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "src/app/cli.h"
#include "src/app/daemon.h"
#include "src/app/vusb-attach.h"
#include "src/app/vusb.h"
#include "src/base/log.h"
#include "src/ctl/ctl.h"

void service_ready(struct vusb *v, int err, const char *why, void *data)
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
int service_start(const struct cli *cli, struct service *s)
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

void service_stop(struct service *s, int code)
{
	if (s->report.fd >= 0) {
		if (code == EXIT_OK)
			log_err("the devices went away before they were ready");
		daemon_report(&s->report, code ? code : EXIT_FAILURE_);
	}
	pidfile_remove(s->pidfile, s->pidfile_fd);
	s->pidfile_fd = -1;
}
