/* SPDX-License-Identifier: MIT */
/* The HID device models, for the registry in src/app/models.c. */
#ifndef VUSB_HID_MODELS_H
#define VUSB_HID_MODELS_H

#include "src/usb/model.h"

extern const struct vusb_model hid_mouse_model;
extern const struct vusb_model hid_keyboard_model;
extern const struct vusb_model hid_tablet_model;
extern const struct vusb_model hid_custom_model;
extern const struct vusb_model gamepad_model;

#endif
