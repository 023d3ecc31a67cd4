/* SPDX-License-Identifier: MIT */
/*
 * Devices added and removed while an instance runs:
 *
 *	vusbctl add [--instance PID] DEVICE [DEVICE-OPTIONS]
 *	vusbctl remove NAME
 *
 * The device is described as on vusb-attach's command line and parsed by
 * the same parser (src/app/cli.c), once by vusbctl, to refuse a bad one
 * with the same message before it asks anyone, and again by the instance,
 * which trusts nothing a client sends. The file the device names (storage's
 * IMAGE, hid's --report-descriptor) is opened by vusbctl with its caller's rights and travels as a
 * descriptor with the request (SCM_RIGHTS); the instance never opens a
 * path a client names, and refuses a request that names one without its
 * descriptor. Files the control socket cannot carry yet (--firmware,
 * --flash, --capture, --create) and commands to run (serial's --exec)
 * are refused.
 */
#ifndef VUSB_APP_ADD_H
#define VUSB_APP_ADD_H

#include <stdbool.h>

#include "src/app/cli.h"
#include "src/base/strbuf.h"

/*
 * Parse an add request: argv[0] is "add", then DEVICE [DEVICE-OPTIONS].
 * One device (--count N makes N alike), no program option, and nothing
 * the control socket cannot carry. Pure. 0, or -EINVAL with the reason
 * (vusb-attach's words for what it shares with it) in err. *ret as
 * cli_parse() fills it; ret->help with ret->help_model: DEVICE --help.
 */
int add_parse(int argc, char **argv, struct cli *ret, struct strbuf *err);

/* The one file option vusbctl add sends besides a positional IMAGE. */
#define ADD_FILE_OPTION "--report-descriptor"

/*
 * The file the device names, sent as a descriptor: its positional
 * argument (*ret_opt NULL) or ADD_FILE_OPTION's value (*ret_opt that
 * name); NULL when it names none.
 */
const char *add_file(const struct cli_device *d, const char **ret_opt);

/* Is that file opened for writing (a storage IMAGE not --ro, --snapshot, --cdrom)? */
bool add_wants_write(const struct cli_device *d);

struct vusb;

/*
 * The instance's side (src/app/add.c): add argv (an add request) with fd,
 * the positional file the client opened (or -1; taken, closed here), or
 * remove argv[1] (argv[0] "remove"). terminal: typed on vusb-attach's own
 * terminal, whose user may name a path: it is opened here, with the
 * rights vusb-attach has then (as storage's insert). Every device of the request is
 * created, its file checked and locked, before any is attached or
 * exported. 0 with "NAME: attached, port P, busid B" or "NAME: exported,
 * busid B" lines in out; or an exit code with the reason in err.
 */
int vusb_add_command(struct vusb *v, int argc, char **argv, int fd, bool terminal,
		     struct strbuf *out, struct strbuf *err);
int vusb_remove_command(struct vusb *v, int argc, char **argv, struct strbuf *out,
			struct strbuf *err);

#endif
