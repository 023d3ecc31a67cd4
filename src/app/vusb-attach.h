/* SPDX-License-Identifier: MIT */
/*
 * Between vusb-attach's files: vusb-attach.c (main, the terminal),
 * vusb-attach-args.c (what the command line and --config name, checked
 * before anything is made), vusb-attach-start.c (the start-up steps that
 * need root: vhci_hcd, --cpu, --listen, --capture), vusb-attach-service.c
 * (--daemon, --pidfile, systemd, readiness) and vusb-attach-drop.c (the
 * privilege drop and the cleaner's hooks). Each prints its errors; those
 * that return an exit code return EXIT_*.
 */
#ifndef VUSB_APP_VUSB_ATTACH_H
#define VUSB_APP_VUSB_ATTACH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "src/app/daemon.h"

struct allowuser;
struct cli;
struct config;
struct loop;
struct vhci;
struct vusb;

/* ---- vusb-attach-args.c ---- */

/* Does any device go to this machine's vhci_hcd? */
bool any_local(const struct cli *c);

/* Host names of --listen and --allow, each address looked up once. EXIT_* */
int resolve_names(struct cli *c);

/* --allow-user: the names looked up; *ret_on whether peers are checked. EXIT_* */
int allow_users(const struct cli *c, struct allowuser *a, bool *ret_on);

/* --config NAME: the devices and options of a file. EXIT_* */
int load_config(int argc, char **argv, struct cli *cli, struct config **ret_cf);

/* ---- vusb-attach-start.c ---- */

/* --listen: bind, and say where. EXIT_* */
int start_server(struct vusb *vusb, const struct cli *c, struct allowuser *users,
		 bool check_users);

/* --capture FILE: of every device, or (device >= 0) of the device-th made. EXIT_* */
int start_capture(struct vusb *vusb, const char *file, uint32_t snaplen, int device, int argc,
		  char **argv);

/* vhci_hcd opened (loaded unless --no-load), or why not. 0 or EXIT_* */
int open_vhci(const struct cli *c, struct vhci **ret);

/* --cpu: stay on one CPU, with the devices' kernel threads. EXIT_* */
int keep_cpu(const struct cli *cli, struct vusb *vusb);

/* ---- vusb-attach-service.c: running as a service ---- */

struct service {
	struct loop *loop;
	struct daemon_pipe report; /* --daemon: the waiting original process, until ready */
	bool strict; /* a device not ready in time ends us */
	char pidfile[PATH_MAX];
	int pidfile_fd;
};

/* The instance's ready callback (vusb_set_ready_cb()): data is the service. */
void service_ready(struct vusb *v, int err, const char *why, void *data);

/*
 * --daemon and --pidfile, and where the log goes. In the original process
 * of --daemon, the exit code it should end with; else -1: carry on.
 */
int service_start(const struct cli *cli, struct service *s);

/* Tell a waiting --daemon parent how we ended, and remove the pidfile. */
void service_stop(struct service *s, int code);

/* ---- vusb-attach-drop.c ---- */

struct privs_cleaner;

/* Become --user, without capabilities, under the seccomp filter. EXIT_* */
int drop_privileges(const struct cli *cli, struct vusb *vusb, const struct service *svc,
		    struct privs_cleaner *cleaner);

#endif
