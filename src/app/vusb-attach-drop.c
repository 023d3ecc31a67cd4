// SPDX-License-Identifier: MIT
/*
 * vusb-attach's privilege drop: once everything that needs root is done,
 * become --user without capabilities under the seccomp filter, leaving
 * the cleaner (src/app/privs.h) to do what root must later, through the
 * instance's hooks (src/app/vusb-attach.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/app/cli.h"
#include "src/app/privs.h"
#include "src/app/vusb-attach.h"
#include "src/app/vusb.h"
#include "src/base/log.h"
#include "src/ctl/ctl.h"
#include "src/ctl/server.h"

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
int drop_privileges(const struct cli *cli, struct vusb *vusb, const struct service *svc,
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
