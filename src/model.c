// SPDX-License-Identifier: MIT
#include <string.h>

#include "dfu/fomu.h"
#include "hid/models.h"
#include "src/model.h"
#include "src/storage.h"

const struct vusb_model *const vusb_models[] = {
	&hid_mouse_model,
	&hid_keyboard_model,
	&hid_tablet_model,
	&storage_model,
	&fomu_model,
	NULL,
};

const struct vusb_model *vusb_model_find(const char *name)
{
	const struct vusb_model *const *m;

	for (m = vusb_models; *m; m++)
		if (!strcmp((*m)->name, name))
			return *m;
	return NULL;
}

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
