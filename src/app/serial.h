/* SPDX-License-Identifier: MIT */
/*
 * "serial": `vusb-attach serial [--pty | --exec CMD | --tcp ADDR:PORT |
 * --connect ADDR:PORT]`, the CDC-ACM device of src/serial/ and the stream
 * it is bridged to, which the event loop drives.
 */
#ifndef VUSB_APP_SERIAL_H
#define VUSB_APP_SERIAL_H

#include "src/usb/model.h"

extern const struct vusb_model serial_model;

#endif
