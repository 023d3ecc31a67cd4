/* SPDX-License-Identifier: MIT */
/*
 * Configuration files: /etc/vusb/NAME.conf, for `vusb-attach --config
 * NAME` and the systemd unit vusb@NAME.service (vusb.conf(5)).
 *
 * A configuration file is vusb-attach's command line written over lines,
 * parsed by the same cli_parse(), so every option means the same in both
 * places and none is defined twice:
 *
 *	# the devices of vusb@desk.service
 *	--wait-ready=20                  program options, before any device
 *	mouse --name desk-mouse          one device per line
 *	keyboard --product "Desk Keyboard"
 *	storage /var/lib/vusb/stick.img  a line that starts with blanks
 *	    --ro --name stick            continues the device above
 *
 * Words are split at blanks; "double" and 'single' quotes group, a
 * backslash takes the next character literally (not inside single
 * quotes), and # at the start of a word begins a comment. Options that
 * say how to run rather than what to attach (--daemon, --pidfile,
 * --config, --help, --version) belong on the command line, not here.
 *
 * Parsing is pure and strict: every error names the file and the line.
 */
#ifndef VUSB_CONFIG_H
#define VUSB_CONFIG_H

#include <stddef.h>

#include "src/app/cli.h"
#include "src/base/strbuf.h"

#define CONFIG_DIR "/etc/vusb"
#define CONFIG_MAX_SIZE 65536
#define CONFIG_LINE_MAX 4096
/* Words in one file: CLI_MAX_DEVICES devices with a few options each. */
#define CONFIG_MAX_WORDS 4096

/*
 * The file for NAME into buf: NAME itself when it contains a '/', else
 * $VUSB_CONFDIR/NAME.conf or /etc/vusb/NAME.conf. NAME must then be
 * letters, digits and "_.-@" and not start with '.'. 0, -EINVAL for a bad
 * name, -ENAMETOOLONG.
 */
int config_path(const char *name, char *buf, size_t size);

/*
 * Read a whole file of at most CONFIG_MAX_SIZE bytes into a new
 * NUL-terminated buffer. 0 with *ret and *ret_len, -EFBIG, or -errno.
 */
int config_read(const char *path, char **ret, size_t *ret_len);

/* Owns the words that the parsed struct cli points into. */
struct config;

/*
 * Pure. Parse the text of the file `file` (used in messages) as named on
 * the command line argv (--config NAME among its program options): the
 * result is what cli_parse() makes of the file's program options, then
 * argv's without --config (so that the command line overrides the file),
 * then the file's devices. 0 with
 * *ret and *ret_cf (free with config_free() after the last use of *ret),
 * or -EINVAL with "FILE:LINE: reason" or "FILE: reason" in err, or
 * -ENOMEM.
 */
int config_parse(const char *text, size_t len, const char *file, int argc, char **argv,
		 struct config **ret_cf, struct cli *ret, struct strbuf *err);

/* NULL-safe. */
void config_free(struct config *cf);

#endif
