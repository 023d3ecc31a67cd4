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
 * which trusts nothing a client sends. Every file the device names (storage's
 * IMAGE, also when --create makes it, hid's --report-descriptor, fomu's
 * --firmware and --flash, --capture) is opened by vusbctl with its
 * caller's rights and travels as a descriptor with the request
 * (SCM_RIGHTS), tagged with its option; the instance never opens a path a
 * client names, and refuses a request whose descriptors are not exactly
 * those files. A compressed IMAGE read only is decompressed by vusbctl
 * (the instance may not start the tool once it has given up root) and
 * the private copy sent. A serial device's --exec CMD is started by
 * vusbctl, as its caller, on one end of a socketpair whose other end is
 * sent: the instance never runs a command a client names.
 */
#ifndef VUSB_APP_ADD_H
#define VUSB_APP_ADD_H

#include <stdbool.h>

#include "src/app/cli.h"
#include "src/base/strbuf.h"
#include "src/ctl/ctl.h"

/*
 * Parse an add request: argv[0] is "add", then DEVICE [DEVICE-OPTIONS].
 * One device (--count N makes N alike), no program option, and nothing
 * the control socket cannot carry. Pure. 0, or -EINVAL with the reason
 * (vusb-attach's words for what it shares with it) in err. *ret as
 * cli_parse() fills it; ret->help with ret->help_model: DEVICE --help.
 */
int add_parse(int argc, char **argv, struct cli *ret, struct strbuf *err);

/* How the one who opens a file of an add request opens it. */
enum add_file_how {
	ADD_FILE_READ, /* read-only: --ro/--snapshot/--cdrom IMAGE, --report-descriptor, --firmware */
	ADD_FILE_IMAGE_RW, /* read-write, O_EXCL: a storage IMAGE */
	ADD_FILE_FLASH, /* fomu --flash: created if missing, else exactly 2 MiB */
	ADD_FILE_CREATE, /* storage --create SIZE IMAGE: made new (O_EXCL), SIZE bytes */
	ADD_FILE_CAPTURE, /* --capture: created if missing, written (truncated by the instance) */
	ADD_FILE_EXEC, /* serial --exec CMD: a socket, CMD started on its other end by vusbctl */
};

/* At most this many files per device: IMAGE or a model's FILE/ELF options, and --capture. */
#define ADD_MAX_FILES CTL_MAX_FDS

struct add_file {
	const char *tag; /* what the request says the descriptor is: "IMAGE", "--flash" */
	const char *opt; /* the model option (NULL: the positional argument, or --capture) */
	const char *path; /* as given */
	enum add_file_how how;
};

/*
 * The files an add request's device names, each sent as a descriptor,
 * in this order: the positional argument, the model's file options in
 * the order given, --capture. Pure. The count.
 */
unsigned int add_files(const struct cli_device *d, struct add_file ret[ADD_MAX_FILES]);

/* Is a storage IMAGE served writable (not --ro, --snapshot, --cdrom)? */
bool add_image_writes(const struct cli_device *d);

/*
 * The request's descriptors are tagged by the argument that follows
 * "add": ADD_FDS_ARG then the tags, comma-separated, in add_files()'s
 * order ("--fds=IMAGE,--capture").
 */
#define ADD_FDS_ARG "--fds="

/* What add_files_open() opened, made and started. */
struct add_opened {
	int fds[ADD_MAX_FILES];
	bool created[ADD_MAX_FILES]; /* made here: removed again on undo */
	int dirs[ADD_MAX_FILES]; /* ... from the directory it was made in (-1: not) */
	int exec_pid; /* --exec: the command's process, waiting to exec CMD (0: none) */
	int exec_go; /* ... until a byte comes on this socket (EOF: it exits) */
};

/*
 * Open each of the n files as whoever calls this (vusbctl as its caller;
 * vusb-attach for a request typed on its terminal), as `how` says, into
 * ret->fds[]. --exec (only with may_exec) is a socketpair: one end to
 * send, the other the standard input and output of a process of the
 * caller's, in a session of its own, that runs `sh -c CMD` once
 * add_files_close() lets it. Nothing is left open, created or running on
 * failure. 0, or an exit code (EXIT_USAGE, EXIT_PERMISSION,
 * EXIT_FAILURE_) with the reason in err (src/app/add-files.c).
 */
int add_files_open(const struct cli_device *d, const struct add_file *files, unsigned int n,
		   bool may_exec, struct add_opened *ret, struct strbuf *err);

/*
 * Close the descriptors. undo (the request failed): remove what was
 * created (if its name, in the directory it was made in, is still that
 * file: a directory of the path swapped meanwhile leads nowhere else)
 * and end the waiting process before it runs anything; else let it run
 * CMD.
 */
void add_files_close(const struct add_file *files, unsigned int n, struct add_opened *o, bool undo);

struct vusb;

/*
 * The instance's side (src/app/add.c): add argv (an add request) with
 * fds, the nfds files the client opened (taken, closed here), or remove
 * argv[1] (argv[0] "remove"). The descriptors must be exactly the files
 * the device names, tagged so (ADD_FDS_ARG), each what its option needs.
 * terminal: typed on vusb-attach's own terminal, whose user may name a
 * path: it is opened here, with the rights vusb-attach has then (as
 * storage's insert). Every device of the request is created, its files
 * checked and locked, before any is attached or exported. 0 with "NAME:
 * attached, port P, busid B" or "NAME: exported, busid B" lines in out;
 * or an exit code with the reason in err.
 */
int vusb_add_command(struct vusb *v, int argc, char **argv, int *fds, unsigned int nfds,
		     bool terminal, struct strbuf *out, struct strbuf *err);
int vusb_remove_command(struct vusb *v, int argc, char **argv, struct strbuf *out,
			struct strbuf *err);

#endif
