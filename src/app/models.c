// SPDX-License-Identifier: MIT
/*
 * The table of device models. It lives with the application: the core and
 * the transports never name a class.
 */
#include <string.h>

#include "dfu/fomu/fomu.h"
#include "hid/models.h"
#include "src/app/models.h"
#include "src/app/serial.h"
#include "src/storage/storage.h"

const struct vusb_model *const vusb_models[] = {
	&hid_mouse_model,
	&hid_keyboard_model,
	&hid_tablet_model,
	&hid_custom_model,
	&gamepad_model,
	&storage_model,
	&fomu_model,
	&serial_model,
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
