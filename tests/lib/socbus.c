// SPDX-License-Identifier: MIT
#include "tests/lib/socbus.h"

void socbus_store(struct fomu_soc *soc, uint32_t addr, uint32_t v)
{
	soc->cpu.bus->store(soc->cpu.bus_ctx, addr, 4, v);
}

uint32_t socbus_load(struct fomu_soc *soc, uint32_t addr)
{
	uint32_t v = 0;

	soc->cpu.bus->load(soc->cpu.bus_ctx, addr, 4, &v);
	return v;
}
