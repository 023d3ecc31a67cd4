// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "dfu/fomu/soc.h"

static bool in_csr_block(uint32_t addr)
{
	return addr - FOMU_CSR_BASE < FOMU_CSR_SIZE;
}

static const struct fomu_periph *find_periph(const struct fomu_soc *soc, uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < soc->nperiphs; i++)
		if (addr - soc->periphs[i].base < soc->periphs[i].size)
			return &soc->periphs[i];
	return NULL;
}

/* ROM and the flash window are regions: the bus sees only their stores. */
static bool read_only_region(uint32_t addr)
{
	return addr - FOMU_ROM_BASE < FOMU_ROM_SIZE || addr - FOMU_FLASH_BASE < FOMU_FLASH_SIZE;
}

static void report(struct fomu_soc *soc, enum fomu_bad_access what, bool write, uint32_t addr,
		   unsigned int size, uint32_t val)
{
	if (soc->ops && soc->ops->bad_access)
		soc->ops->bad_access(soc->ctx, what, write, addr, size, val);
}

static void bus_load(void *ctx, uint32_t addr, unsigned int size, uint32_t *val)
{
	struct fomu_soc *soc = ctx;
	const struct fomu_periph *p;

	*val = 0;
	if (in_csr_block(addr)) {
		p = find_periph(soc, addr);
		if (p && p->read)
			*val = p->read(p->ctx, addr - p->base, size);
		else if (!p)
			report(soc, FOMU_ACCESS_CSR, false, addr, size, 0);
		return;
	}
	report(soc, FOMU_ACCESS_UNMAPPED, false, addr, size, 0);
}

static void bus_store(void *ctx, uint32_t addr, unsigned int size, uint32_t val)
{
	struct fomu_soc *soc = ctx;
	const struct fomu_periph *p;

	if (in_csr_block(addr)) {
		p = find_periph(soc, addr);
		if (p && p->write)
			p->write(p->ctx, addr - p->base, size, val);
		else if (!p)
			report(soc, FOMU_ACCESS_CSR, true, addr, size, val);
		return;
	}
	report(soc, read_only_region(addr) ? FOMU_ACCESS_READ_ONLY : FOMU_ACCESS_UNMAPPED, true,
	       addr, size, val);
}

static const struct rv32_bus_ops fomu_bus = {
	.load = bus_load,
	.store = bus_store,
};

int fomu_soc_init(struct fomu_soc *soc, uint8_t *flash, const struct fomu_soc_ops *ops,
		  void *ctx)
{
	int r;

	memset(soc->rom, 0, sizeof(soc->rom));
	memset(soc->sram, 0, sizeof(soc->sram));
	soc->nperiphs = 0;
	soc->ops = ops;
	soc->ctx = ctx;
	rv32_init(&soc->cpu, &fomu_bus, soc);
	/* Looked up in this order: data in SRAM, code in flash. */
	r = rv32_add_region(&soc->cpu, FOMU_SRAM_BASE, FOMU_SRAM_SIZE, soc->sram, true);
	if (r == 0)
		r = rv32_add_region(&soc->cpu, FOMU_FLASH_BASE, FOMU_FLASH_SIZE, flash, false);
	if (r == 0)
		r = rv32_add_region(&soc->cpu, FOMU_ROM_BASE, FOMU_ROM_SIZE, soc->rom, false);
	if (r < 0)
		return r;
	rv32_reset(&soc->cpu, FOMU_ROM_BASE);
	return 0;
}

int fomu_soc_add_periph(struct fomu_soc *soc, const struct fomu_periph *p)
{
	unsigned int i;

	if (soc->nperiphs >= FOMU_MAX_PERIPHS)
		return -ENOSPC;
	if (p->size == 0 || !in_csr_block(p->base) || !in_csr_block(p->base + p->size - 1) ||
	    p->base + p->size < p->base)
		return -EINVAL;
	for (i = 0; i < soc->nperiphs; i++) {
		const struct fomu_periph *q = &soc->periphs[i];

		if (p->base < q->base + q->size && q->base < p->base + p->size)
			return -EINVAL;
	}
	soc->periphs[soc->nperiphs++] = *p;
	return 0;
}

void fomu_soc_reset(struct fomu_soc *soc, uint32_t pc)
{
	memset(soc->sram, 0, sizeof(soc->sram));
	rv32_reset(&soc->cpu, pc);
}

static_assert(FOMU_ROM_BASE == 0, "segment_home() tests no lower bound for ROM");

static uint8_t *segment_home(struct fomu_soc *soc, const struct elf_segment *s)
{
	uint64_t end = (uint64_t)s->paddr + s->memsz;

	if (end <= (uint64_t)FOMU_ROM_BASE + FOMU_ROM_SIZE)
		return soc->rom + (s->paddr - FOMU_ROM_BASE);
	if (s->paddr >= FOMU_SRAM_BASE && end <= (uint64_t)FOMU_SRAM_BASE + FOMU_SRAM_SIZE)
		return soc->sram + (s->paddr - FOMU_SRAM_BASE);
	return NULL;
}

int fomu_soc_load(struct fomu_soc *soc, const struct elf_image *img, const uint8_t *buf,
		  struct strbuf *err)
{
	unsigned int i;

	for (i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];

		if (!segment_home(soc, s)) {
			strbuf_printf(err,
				      "segment 0x%08x-0x%08x is outside the Fomu's ROM "
				      "(0x%08x-0x%08x) and SRAM (0x%08x-0x%08x)",
				      s->paddr, (uint32_t)(s->paddr + s->memsz - 1), FOMU_ROM_BASE,
				      FOMU_ROM_BASE + FOMU_ROM_SIZE - 1, FOMU_SRAM_BASE,
				      FOMU_SRAM_BASE + FOMU_SRAM_SIZE - 1);
			return -EINVAL;
		}
	}
	for (i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		uint8_t *p = segment_home(soc, s);

		memcpy(p, buf + s->offset, s->filesz);
		memset(p + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}
