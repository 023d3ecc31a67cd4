// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "dfu/fomu/soc.h"
#include "src/base/bytes.h"

static bool in_csr_block(uint32_t addr)
{
	return addr - FOMU_CSR_BASE < FOMU_CSR_SIZE;
}

static_assert(FOMU_MAX_PERIPHS < FOMU_WINDOW_SHARED, "a window's index fits below SHARED");

/* addr inside the CSR block. Every peripheral of the Fomu fills its window,
 * so one table look-up finds it; the search is for the others. */
static const struct fomu_periph *find_periph(const struct fomu_soc *soc, uint32_t addr)
{
	unsigned int i, w = soc->window[(addr - FOMU_CSR_BASE) >> FOMU_CSR_WINDOW_SHIFT];

	if (w != FOMU_WINDOW_SHARED)
		return w ? &soc->periphs[w - 1] : NULL;
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
	memset(soc->window, 0, sizeof(soc->window));
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
	for (i = (p->base - FOMU_CSR_BASE) >> FOMU_CSR_WINDOW_SHIFT;
	     i <= (p->base + p->size - 1 - FOMU_CSR_BASE) >> FOMU_CSR_WINDOW_SHIFT; i++) {
		uint32_t start = FOMU_CSR_BASE + (i << FOMU_CSR_WINDOW_SHIFT);
		bool whole = p->base <= start &&
			     start + (1u << FOMU_CSR_WINDOW_SHIFT) - 1 <= p->base + p->size - 1;

		soc->window[i] = whole ? (uint8_t)(soc->nperiphs + 1) : FOMU_WINDOW_SHARED;
	}
	soc->periphs[soc->nperiphs++] = *p;
	return 0;
}

void fomu_soc_reset(struct fomu_soc *soc, uint32_t pc)
{
	memset(soc->sram, 0, sizeof(soc->sram));
	rv32_reset(&soc->cpu, pc);
}

static_assert(FOMU_ROM_BASE == 0, "home() tests no lower bound for ROM");

/* The board's bytes for [addr, addr + len) (len > 0), inside ROM or
 * inside SRAM; NULL elsewhere. */
static uint8_t *home(struct fomu_soc *soc, uint32_t addr, uint32_t len, bool *ret_rom)
{
	uint64_t end = (uint64_t)addr + len;

	*ret_rom = end <= (uint64_t)FOMU_ROM_BASE + FOMU_ROM_SIZE;
	if (*ret_rom)
		return soc->rom + (addr - FOMU_ROM_BASE);
	if (addr >= FOMU_SRAM_BASE && end <= (uint64_t)FOMU_SRAM_BASE + FOMU_SRAM_SIZE)
		return soc->sram + (addr - FOMU_SRAM_BASE);
	return NULL;
}

static int outside(struct strbuf *err, const char *what, uint32_t addr, uint32_t len,
		   const char *fields)
{
	strbuf_printf(err,
		      "segment %s 0x%08x-0x%08x (%s) is outside the Fomu's ROM "
		      "(0x%08x-0x%08x) and SRAM (0x%08x-0x%08x)",
		      what, addr, (uint32_t)(addr + len - 1), fields, FOMU_ROM_BASE,
		      FOMU_ROM_BASE + FOMU_ROM_SIZE - 1, FOMU_SRAM_BASE,
		      FOMU_SRAM_BASE + FOMU_SRAM_SIZE - 1);
	return -EINVAL;
}

/* Where segment s's file bytes go, where it runs; both checked. */
static int place(struct fomu_soc *soc, const struct elf_segment *s, uint8_t **ret_load,
		 uint8_t **ret_run, struct strbuf *err)
{
	bool rom;

	*ret_load = NULL;
	if (s->filesz) {
		*ret_load = home(soc, s->paddr, s->filesz, &rom);
		if (!*ret_load)
			return outside(err, "image", s->paddr, s->filesz, "p_paddr, p_filesz");
	}
	*ret_run = home(soc, s->vaddr, s->memsz, &rom);
	if (!*ret_run)
		return outside(err, "running at", s->vaddr, s->memsz, "p_vaddr, p_memsz");
	if (rom && s->vaddr != s->paddr) {
		strbuf_printf(err,
			      "segment running at 0x%08x-0x%08x is loaded from 0x%08x: nothing "
			      "can copy it into ROM, link it to run in SRAM (0x%08x-0x%08x)",
			      s->vaddr, s->vaddr + s->memsz - 1, s->paddr, FOMU_SRAM_BASE,
			      FOMU_SRAM_BASE + FOMU_SRAM_SIZE - 1);
		return -EINVAL;
	}
	return 0;
}

int fomu_soc_load(struct fomu_soc *soc, const struct elf_image *img, const uint8_t *buf,
		  struct strbuf *err)
{
	uint8_t *load, *run;
	unsigned int i;
	int r;

	for (i = 0; i < img->nsegs; i++) {
		r = place(soc, &img->segs[i], &load, &run, err);
		if (r < 0)
			return r;
	}
	/* The zeros first: where a run range covers another segment's load
	 * image, the image is what the board holds at reset. */
	for (i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];

		place(soc, s, &load, &run, err);
		memset(run + s->filesz, 0, s->memsz - s->filesz);
	}
	for (i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];

		place(soc, s, &load, &run, err);
		if (s->filesz)
			memcpy(load, buf + s->offset, s->filesz);
	}
	return 0;
}

bool fomu_soc_wants_v2(const struct elf_image *img, const uint8_t *buf)
{
	unsigned int i;
	uint32_t k;

	for (i = 0; i < img->nsegs; i++) {
		const struct elf_segment *seg = &img->segs[i];
		const uint8_t *p = buf + seg->offset;

		if (!(seg->flags & ELF_PF_X))
			continue;
		for (k = 0; k + 4 <= seg->filesz; k += 4) {
			uint32_t insn = get_le32(p + k);

			/* LUI (opcode 0110111), any rd, imm 0xe0008 */
			if ((insn & 0x7f) == 0x37 && insn >> 12 == 0xe0008)
				return true;
		}
	}
	return false;
}
