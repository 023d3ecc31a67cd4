/* SPDX-License-Identifier: MIT */
/* The registry of device models (src/app/models.c). */
#ifndef VUSB_APP_MODELS_H
#define VUSB_APP_MODELS_H

#include "src/usb/model.h"

/* The models, by name ("mouse"); NULL when unknown. */
const struct vusb_model *vusb_model_find(const char *name);
/* All models, NULL-terminated, for --help. */
extern const struct vusb_model *const vusb_models[];

#endif
