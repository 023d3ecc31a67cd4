/* SPDX-License-Identifier: MIT */
/*
 * Device models: what `vusb-attach DEVICE` can make (mouse, keyboard, ...)
 * and the commands each answers from vusbctl or the terminal. The core
 * finds a model by name and never knows more about it than this table.
 */
#ifndef VUSB_MODEL_H
#define VUSB_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "src/base/json.h"
#include "src/base/strbuf.h"
#include "src/usb/usbdev.h"

#define VUSB_MAX_MODEL_OPTS 16
#define VUSB_MAX_FAULT_OPTS 8 /* --fault SPEC, per device */
#define VUSB_MAX_FILE_FDS 4 /* files a device names, sent as descriptors */

struct loop;

/* An option only some models take ("--ro" for storage), after the DEVICE. */
struct vusb_model_option {
	const char *name; /* "--ro" */
	const char *arg; /* NULL for a flag, else the value's name: "SIZE" */
	const char *help;
};

/* What the command line says about one device. Unset fields are 0/NULL. */
struct vusb_dev_opts {
	const char *name; /* "mouse0"; set by the core before create */
	unsigned int instance; /* process-wide device number, for serials */
	int vid; /* -1: the model's default */
	int pid;
	const char *serial;
	const char *product;
	const char *manufacturer;
	enum usb_speed speed; /* USB_SPEED_UNKNOWN: the model's default */
	const char *positional; /* the model's argument ("disk.img"), or NULL */
	/*
	 * has_file_fd: the files the device names were opened by someone else
	 * (vusbctl, with its caller's rights) and came as descriptors: files[i]
	 * is the one of model option opt ("--flash"; NULL: the positional
	 * argument). The model takes a dup() of each (vusb_dev_file_fd) and
	 * never opens a path itself.
	 */
	bool has_file_fd;
	struct {
		const char *opt;
		int fd;
	} files[VUSB_MAX_FILE_FDS];
	unsigned int nfiles;
	/* Model options as given: value "" for a flag. */
	struct {
		const char *name;
		const char *value;
	} extra[VUSB_MAX_MODEL_OPTS];
	unsigned int nextra;
	/* The process's event loop, for a model whose other end lives on it
	 * (a serial port's pty or socket); NULL in tests that have none. */
	struct loop *loop;
	/* --fault SPEC, as given (src/usb/fault.h): set before the first request */
	const char *faults[VUSB_MAX_FAULT_OPTS];
	unsigned int nfaults;
};

/* Room for the text of any string descriptor (126 UTF-16 units as UTF-8). */
#define VUSB_STRING_MAX 384

/*
 * Helpers for a model's create(): put `v` (opts->vid/pid, -1 for the
 * model's default `def`) into a descriptor's 16-bit field; copy a string
 * option into dst after checking that it makes a valid string descriptor.
 * 0, or -EINVAL with the reason ("vendor id ...") in err.
 */
int vusb_dev_set_id(const char *what, int v, uint16_t def, uint8_t *field, struct strbuf *err);
int vusb_dev_set_string(const char *what, const char *src, char dst[VUSB_STRING_MAX],
			struct strbuf *err);

/* The value of model option `name` ("--ro"): "" for a flag, NULL if absent. */
const char *vusb_dev_opt(const struct vusb_dev_opts *opts, const char *name);

/*
 * A copy (close-on-exec) of the descriptor sent for the file of option
 * `opt` (NULL: the positional argument), or -1 when none was sent: the
 * model then opens the path itself (unless has_file_fd: then the option
 * names no file). -errno when the copy fails.
 */
int vusb_dev_file_fd(const struct vusb_dev_opts *opts, const char *opt);

/* The descriptor itself (not a copy) sent for `opt`, as above, or -1. */
int vusb_dev_sent_fd(const struct vusb_dev_opts *opts, const char *opt);

/*
 * A command: `vusbctl NAME move 10 20` runs the "move" entry of NAME's
 * model with argv = {"move", "10", "20"}. run() returns 0 (with optional
 * output in out), -EINVAL for bad arguments (with the reason in out), or
 * another -errno (-EAGAIN: too many reports queued; -ENOTCONN: the host
 * has not configured the device).
 */
struct vusb_command {
	const char *name;
	const char *args; /* usage, e.g. "DX DY" */
	const char *help;
	int min_args;
	int max_args;
	int (*run)(struct usb_device *dev, int argc, char **argv, struct strbuf *out);
	/*
	 * Optional, called instead of run when set: for a command that takes
	 * a file the client opened with its own rights and sent along (fd,
	 * which it then owns), or -1 when none came (typed on vusb-attach's
	 * terminal): storage's insert.
	 */
	int (*run_fd)(struct usb_device *dev, int argc, char **argv, int fd, struct strbuf *out);
	/* With both: run_fd when a descriptor came, run otherwise (keyboard's
	 * type, which takes one only with --wait). */
};

struct vusb_model {
	const char *name;
	const char *summary;
	/* Build a device (descriptors, functions, validated). 0 or -errno,
	 * with a reason in err for -EINVAL. */
	int (*create)(struct usb_device **ret, const struct vusb_dev_opts *opts,
		      struct strbuf *err);
	void (*destroy)(struct usb_device *dev);
	const struct vusb_command *commands; /* ends with a NULL name */
	/* Model options, ending with a NULL name; NULL when none. */
	const struct vusb_model_option *options;
	/* One argument after the DEVICE word ("IMAGE"), NULL when none;
	 * positional_optional: it may be left out. */
	const char *positional;
	bool positional_optional;
	/*
	 * Optional, ends with NULL: commands that are faults of the model's
	 * own (storage's "medium-error"), also run as `fault NAME ARGS...`;
	 * each takes "clear" (off, for `fault clear`) and "status" (a line
	 * when set, for `faults`) as its one argument.
	 */
	const char *const *faults;
	/* Optional one-line state for `vusbctl list` (e.g. "leds=caps_lock"). */
	void (*describe)(struct usb_device *dev, struct strbuf *out);
	/* Optional: the same state as members of the device's object in
	 * `vusbctl list --json` ("leds": ["caps_lock"]). */
	void (*describe_json)(struct usb_device *dev, struct json *j);
	/*
	 * Optional: may the device leave the bus now (a system suspend)?
	 * 0, or -EBUSY with the reason in why (the host has locked the
	 * medium: it is mounted, and leaving loses what it has not written).
	 */
	int (*busy)(struct usb_device *dev, struct strbuf *why);
	/*
	 * Optional, for a device of raw reports (HID): queue one input
	 * report of len bytes as the device sends it (report ID first when
	 * it uses IDs). 0; -EMSGSIZE when no input report has that length
	 * (or ID); -EAGAIN when the queue is full (host->room follows once
	 * the host takes one); -ENOTCONN before the host configured it.
	 * The application offers it as the report socket (src/app/hidsock.c).
	 */
	int (*send_report)(struct usb_device *dev, const uint8_t *report, size_t len);
	/*
	 * Optional: the terminal that is the device's other end (a serial
	 * port's pty, "/dev/pts/N"), or NULL when it has none. The
	 * application names it RUNDIR/dev/NAME.tty.
	 */
	const char *(*tty)(struct usb_device *dev);
};

/* A model option of `model` by name ("--ro"), or NULL. */
const struct vusb_model_option *vusb_model_option(const struct vusb_model *model,
						  const char *name);

/* A command of `model` by name, or NULL. */
const struct vusb_command *vusb_model_command(const struct vusb_model *model,
					      const char *name);

#endif
