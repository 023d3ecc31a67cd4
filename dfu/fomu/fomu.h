/* SPDX-License-Identifier: MIT */
/*
 * "fomu": a Fomu PVT board running foboot v1.9, the DFU bootloader, as a
 * host sees it (descriptors, strings, WebUSB and Microsoft OS
 * descriptors, DFU state machine), with 2 MiB of SPI flash in a file and
 * an RV32IM core that runs the flashed image when the board leaves the
 * bootloader (DETACH): the device then disconnects, as the real board
 * does, and what the image does is seen in the log (its accesses to
 * unmapped addresses, its traps).
 *
 *	vusb-attach fomu [--flash FILE] [--trace] [--ips N|max]
 *	vusbctl fomu0 reset          back to the bootloader (replug)
 *	vusbctl fomu0 log            the board's log
 */
#ifndef VUSB_DFU_FOMU_H
#define VUSB_DFU_FOMU_H

#include "src/usb/model.h"

/* Where foboot puts the image, in the flash and in the CPU's map. */
#define FOMU_IMAGE_OFFSET 0x40000u
#define FOMU_IMAGE_ADDR (0x20000000u + FOMU_IMAGE_OFFSET)
#define FOMU_TRANSFER_SIZE 1024u

/* The core runs in slices of this many milliseconds from the loop. */
#define FOMU_SLICE_MS 10u
/* Default --ips: the Fomu's 12 MHz clock, one instruction per cycle. */
#define FOMU_DEFAULT_IPS 12000000u
/* The highest --ips, which `--ips max` names: more than any host runs, so
 * the core goes as fast as the host can. */
#define FOMU_MAX_IPS 4000000000ull
/* Lines of the board's log kept for `vusbctl NAME log`. */
#define FOMU_LOG_LINES 256u
/* Unmapped-access lines: a burst of this many, then one per slice. */
#define FOMU_LOG_BURST 64u

extern const struct vusb_model fomu_model;

#endif
