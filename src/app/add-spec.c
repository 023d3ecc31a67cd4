// SPDX-License-Identifier: MIT
/* An add request, checked: shared by vusbctl and the instance (src/app/add.h). */
#include <errno.h>
#include <string.h>

#include "src/app/add.h"
#include "src/ctl/ctl.h"

/* What a device may not ask of an instance over its control socket; NULL: fine. */
static const char *refused_option(const struct cli_device *d, const struct vusb_model_option *mo)
{
	/* vusbctl starts the command, as its caller: not vusb-attach's to signal. */
	if (strcmp(mo->name, "--hangup") == 0 && vusb_dev_opt(&d->opts, "--exec"))
		return "with --exec: vusbctl add starts the command as you, and vusb-attach may "
		       "not signal it (leave --hangup out)";
	return NULL;
}

/* Does model option mo name a file (sent as a descriptor by vusbctl add)? */
static bool names_file(const struct vusb_model_option *mo)
{
	return mo->arg && (strcmp(mo->arg, "FILE") == 0 || strcmp(mo->arg, "ELF") == 0);
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
	if (d->capture && strcmp(d->capture, "-") == 0) {
		strbuf_printf(err, "--capture -: vusbctl add writes a capture to a file, not to "
				   "standard output (--capture FILE)");
		return -EINVAL;
	}
	for (i = 0; i < d->opts.nextra; i++) {
		const struct vusb_model_option *mo = vusb_model_option(d->model,
								       d->opts.extra[i].name);
		const char *why = mo ? refused_option(d, mo) : NULL;

		if (why) {
			strbuf_printf(err, "%s %s", mo->name, why);
			return -EINVAL;
		}
	}
	return 0;
}

unsigned int add_files(const struct cli_device *d, struct add_file ret[ADD_MAX_FILES])
{
	bool create = vusb_dev_opt(&d->opts, "--create") != NULL;
	unsigned int i, n = 0;

	if (d->model->positional && d->opts.positional) {
		ret[n].tag = d->model->positional;
		ret[n].opt = NULL;
		ret[n].path = d->opts.positional;
		ret[n].how = create		 ? ADD_FILE_CREATE :
			     add_image_writes(d) ? ADD_FILE_IMAGE_RW :
						   ADD_FILE_READ;
		n++;
	}
	for (i = 0; i < d->opts.nextra && n < ADD_MAX_FILES; i++) {
		const struct vusb_model_option *mo =
			vusb_model_option(d->model, d->opts.extra[i].name);

		if (!mo || (!names_file(mo) && strcmp(mo->name, "--exec") != 0))
			continue;
		ret[n].tag = mo->name;
		ret[n].opt = mo->name;
		ret[n].path = d->opts.extra[i].value;
		ret[n].how = strcmp(mo->name, "--flash") == 0 ? ADD_FILE_FLASH :
			     strcmp(mo->name, "--exec") == 0  ? ADD_FILE_EXEC :
								ADD_FILE_READ;
		n++;
	}
	if (d->capture && n < ADD_MAX_FILES) {
		ret[n].tag = "--capture";
		ret[n].opt = NULL;
		ret[n].path = d->capture;
		ret[n].how = ADD_FILE_CAPTURE;
		n++;
	}
	return n;
}

bool add_image_writes(const struct cli_device *d)
{
	return !vusb_dev_opt(&d->opts, "--ro") && !vusb_dev_opt(&d->opts, "--snapshot") &&
	       !vusb_dev_opt(&d->opts, "--cdrom");
}
