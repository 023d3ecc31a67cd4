// SPDX-License-Identifier: MIT
/*
 * vusb-attach's start-up steps that need root or the terminal, in the
 * order main() takes them: --capture opened, vhci_hcd opened, --cpu,
 * --listen bound (src/app/vusb-attach.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/app/allowuser.h"
#include "src/app/cli.h"
#include "src/app/vusb-attach.h"
#include "src/app/vusb.h"
#include "src/base/log.h"
#include "src/ctl/ctl.h"
#include "src/usbip/server.h"
#include "sysfs/affinity.h"
#include "sysfs/vhci.h"

/* --listen: bind, and say where. EXIT_* */
int start_server(struct vusb *vusb, const struct cli *c, struct allowuser *users,
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
int start_capture(struct vusb *vusb, const char *file, uint32_t snaplen, int device,
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

int open_vhci(const struct cli *c, struct vhci **ret)
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
int keep_cpu(const struct cli *cli, struct vusb *vusb)
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
