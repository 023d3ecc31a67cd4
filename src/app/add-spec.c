// SPDX-License-Identifier: MIT
/* An add request, checked: shared by vusbctl and the instance (src/app/add.h). */
#include <errno.h>
#include <string.h>

#include "src/app/add.h"
#include "src/ctl/ctl.h"

/* What a device may not ask of an instance over its control socket; NULL: fine. */
static const char *refused_option(const struct vusb_model_option *mo)
{
	if (strcmp(mo->name, "--exec") == 0)
		return "runs a command as vusb-attach's user: vusbctl add does not take it";
	if (strcmp(mo->name, "--create") == 0)
		return "is for vusb-attach: vusbctl add takes an IMAGE that exists";
	/* vusbctl sends one descriptor: the image, or a report descriptor. */
	if (strcmp(mo->name, ADD_FILE_OPTION) == 0)
		return NULL;
	if (mo->arg && (strcmp(mo->arg, "FILE") == 0 || strcmp(mo->arg, "ELF") == 0))
		return "names a file that vusbctl add cannot send: give the device to vusb-attach";
	return NULL;
}

int add_parse(int argc, char **argv, struct cli *ret, struct strbuf *err)
{
	static char listen[] = "--listen";
	char *args[CTL_MAX_ARGS + 1];
	const struct cli_device *d;
	unsigned int i;
	int r;

	if (argc < 2 || argv[1][0] == '-') {
		strbuf_printf(err, "usage: add DEVICE [DEVICE-OPTIONS] (as vusb-attach takes them)");
		return -EINVAL;
	}
	if (argc > CTL_MAX_ARGS) {
		strbuf_printf(err, "too many arguments (at most %d)", CTL_MAX_ARGS - 1);
		return -EINVAL;
	}
	/*
	 * As if with --listen, so that a device's --local parses: whether
	 * the instance exports is the instance's to say.
	 */
	args[0] = argv[0];
	args[1] = listen;
	memcpy(args + 2, argv + 1, (size_t)(argc - 1) * sizeof(*args));
	r = cli_parse(argc + 1, args, ret, err);
	if (r < 0)
		return r;
	if (ret->help && ret->help_model)
		return 0;
	if (ret->ndevices != 1) {
		strbuf_printf(err, "add takes one DEVICE (run vusbctl add again for another)");
		return -EINVAL;
	}
	if (ret->help || ret->version || ret->verbosity || ret->no_stdin || ret->no_load ||
	    ret->daemon) {
		strbuf_printf(err, "add takes a device's options, not vusb-attach's own");
		return -EINVAL;
	}
	d = &ret->devices[0];
	if (d->capture) {
		strbuf_printf(err, "--capture: start it once the device runs (vusbctl NAME capture "
				   "start FILE)");
		return -EINVAL;
	}
	for (i = 0; i < d->opts.nextra; i++) {
		const struct vusb_model_option *mo = vusb_model_option(d->model,
								       d->opts.extra[i].name);
		const char *why = mo ? refused_option(mo) : NULL;

		if (why) {
			strbuf_printf(err, "%s %s", mo->name, why);
			return -EINVAL;
		}
	}
	return 0;
}

const char *add_file(const struct cli_device *d, const char **ret_opt)
{
	const char *v = vusb_dev_opt(&d->opts, ADD_FILE_OPTION);

	*ret_opt = v ? ADD_FILE_OPTION : NULL;
	if (v)
		return v;
	return d->model->positional ? d->opts.positional : NULL;
}

bool add_wants_write(const struct cli_device *d)
{
	if (vusb_dev_opt(&d->opts, ADD_FILE_OPTION))
		return false;
	return !vusb_dev_opt(&d->opts, "--ro") && !vusb_dev_opt(&d->opts, "--snapshot") &&
	       !vusb_dev_opt(&d->opts, "--cdrom");
}
