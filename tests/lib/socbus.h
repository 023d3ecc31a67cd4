/* SPDX-License-Identifier: MIT */
/*
 * The Fomu SoC's bus as its core sees it (dfu/fomu/soc.h): 32-bit loads
 * and stores through the bus callbacks, as a load or store instruction
 * would make them, for the tests of the peripherals behind it.
 */
#ifndef VUSB_TEST_SOCBUS_H
#define VUSB_TEST_SOCBUS_H

#include <stdint.h>

#include "dfu/fomu/soc.h"

/* A 32-bit store of `v` at `addr`. */
void socbus_store(struct fomu_soc *soc, uint32_t addr, uint32_t v);

/* A 32-bit load at `addr`: what the bus answered, 0 where it did not. */
uint32_t socbus_load(struct fomu_soc *soc, uint32_t addr);

#endif
