/* SPDX-License-Identifier: MIT */
/*
 * vusb-attach's command line, parsed by a pure function:
 *
 *	vusb-attach [OPTIONS] DEVICE [DEVICE-OPTIONS] [DEVICE [DEVICE-OPTIONS]]...
 *
 * Options before the first DEVICE apply to the program; options after a
 * DEVICE apply to that device.
 */
#ifndef VUSB_CLI_H
#define VUSB_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "src/base/strbuf.h"
#include "src/capture/capture.h"
#include "src/usb/model.h"
#include "src/usbip/resolve.h"
#include "src/usbip/server.h"
#include "sysfs/affinity.h"

/* --wait-ready without a value, in seconds. */
#define CLI_WAIT_READY_DEFAULT 30

/* --allow-user entries, at most. */
#define CLI_MAX_ALLOW_USER 32

/* One process can fill every port of the Debian kernel's vhci (240). */
#define CLI_MAX_DEVICES 256

struct cli_device {
	const struct vusb_model *model;
	struct vusb_dev_opts opts;
	unsigned int count; /* --count: this many of the same */
	bool local; /* --local: attached here even with --listen */
	const char *capture; /* --capture FILE: this device's own capture */
	uint32_t capture_snaplen; /* --capture-snaplen N */
};

struct cli {
	bool help;
	const struct vusb_model *help_model; /* DEVICE --help: that one's help */
	bool version;
	int verbosity; /* -v: +1, -q: -1 */
	bool no_stdin;
	bool no_load;
	bool daemon; /* -d, --daemon */
	const char *pidfile; /* --pidfile FILE */
	const char *config; /* --config NAME */
	const char *user; /* --user NAME: run as NAME once attached */
	int wait_ready; /* --wait-ready[=SECONDS]: -1 not given, 0 no limit */
	int cpu; /* --cpu N|auto|off: a CPU, AFFINITY_AUTO (default) or AFFINITY_OFF */
	const char *capture; /* --capture FILE ("-": standard output) */
	uint32_t capture_snaplen; /* --capture-snaplen N: data bytes kept per URB, 0 all */
	/* --listen: devices not marked --local are exported over USB/IP */
	bool listen;
	struct server_config server; /* the address and --allow entries */
	/* --listen NAME[:PORT] and --allow NAME: looked up by main, at start */
	char listen_host[SERVER_HOST_MAX]; /* "": an address, in server.listen */
	uint16_t listen_port;
	const char *allow_host[SERVER_MAX_ALLOW];
	unsigned int nallow_host;
	/* the listen host's other addresses, once looked up */
	struct server_addr listen_more[SERVER_MAX_LISTEN - 1];
	unsigned int nlisten_more;
	/* --allow-user NAME (a user or group; "any": no check), looked up by main */
	const char *allow_user[CLI_MAX_ALLOW_USER];
	unsigned int nallow_user;
	struct cli_device devices[CLI_MAX_DEVICES];
	unsigned int ndevices;
	unsigned int total; /* devices including counts */
};

/*
 * Parse argv (argv[0] is the program). 0, or -EINVAL with the reason in
 * err. Strings in *ret point into argv. Entries of devices[] past
 * ndevices are left as they were.
 */
int cli_parse(int argc, char **argv, struct cli *ret, struct strbuf *err);

/* The --help text, in 80 columns. */
void cli_usage(struct strbuf *out);

/* The help of one kind of device (vusb-attach DEVICE --help): its options and commands. */
void cli_model_usage(const struct vusb_model *m, struct strbuf *out);

/* Parse a USB ID ("1209", "0x1209"): 0 and *ret, or -EINVAL. */
int cli_parse_id(const char *s, int *ret);

#endif
