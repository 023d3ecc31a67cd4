// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "src/base/bytes.h"
#include "src/usb/model.h"

const struct vusb_command *vusb_model_command(const struct vusb_model *model, const char *name)
{
	const struct vusb_command *c;

	for (c = model->commands; c && c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const char *vusb_dev_opt(const struct vusb_dev_opts *opts, const char *name)
{
	unsigned int i;

	for (i = 0; i < opts->nextra; i++)
		if (!strcmp(opts->extra[i].name, name))
			return opts->extra[i].value;
	return NULL;
}

int vusb_dev_sent_fd(const struct vusb_dev_opts *opts, const char *opt)
{
	unsigned int i;

	if (!opts->has_file_fd)
		return -1;
	for (i = 0; i < opts->nfiles && i < VUSB_MAX_FILE_FDS; i++) {
		const char *o = opts->files[i].opt;

		if (opt ? o && strcmp(o, opt) == 0 : !o)
			return opts->files[i].fd;
	}
	return -1;
}

int vusb_dev_file_fd(const struct vusb_dev_opts *opts, const char *opt)
{
	int fd = vusb_dev_sent_fd(opts, opt);

	if (fd < 0)
		return -1;
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : fd;
}

static const struct vusb_model_option *model_option(const struct vusb_model *m, const char *name)
{
	const struct vusb_model_option *o;

	for (o = m->options; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* Exposed for the command-line parser. */
const struct vusb_model_option *vusb_model_option(const struct vusb_model *m, const char *name)
{
	return model_option(m, name);
}

int vusb_dev_set_id(const char *what, int v, uint16_t def, uint8_t *field, struct strbuf *err)
{
	if (v < 0) {
		put_le16(field, def);
		return 0;
	}
	if (v > 0xffff) {
		strbuf_printf(err, "%s %#x does not fit in 16 bits", what, (unsigned int)v);
		return -EINVAL;
	}
	put_le16(field, (uint16_t)v);
	return 0;
}

int vusb_dev_set_string(const char *what, const char *src, char dst[VUSB_STRING_MAX],
			struct strbuf *err)
{
	uint8_t desc[256];
	size_t len = strlen(src);

	if (len >= VUSB_STRING_MAX || usb_string_descriptor(src, desc, sizeof(desc)) < 0) {
		strbuf_printf(err, "%s must be valid UTF-8 of at most 126 characters", what);
		return -EINVAL;
	}
	memcpy(dst, src, len + 1);
	return 0;
}
