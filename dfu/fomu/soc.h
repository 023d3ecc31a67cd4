/* SPDX-License-Identifier: MIT */
/*
 * The Fomu's system on chip as its RISC-V core sees it (the foboot
 * gateware, as Renode models it):
 *
 *	0x00000000  ROM, 8 KiB (foboot's boot ROM on hardware; zero here)
 *	0x10000000  SRAM, 128 KiB
 *	0x20000000  SPI flash, memory-mapped read window (2 MiB)
 *	0xe0000000  CSR block, 64 KiB: peripherals, 8-bit registers in
 *	            32-bit words; reads 0 and ignores writes where no
 *	            peripheral is modelled
 *
 * Anything else is unmapped: reads return 0, writes are dropped, and
 * both are reported, as are writes to ROM and flash, through
 * ops->bad_access; the core keeps going. So are accesses to the CSR
 * block that no peripheral claims (FOMU_ACCESS_CSR), which a model
 * running only an image may ignore.
 *
 * Peripherals (timer0, usb, picorvspi, reboot, rgb, ...) plug in with
 * fomu_soc_add_periph() and raise interrupts with rv32_set_irq() on
 * soc->cpu; nothing here knows one. That is the extension point for
 * running foboot itself from the ROM.
 */
#ifndef VUSB_DFU_FOMU_SOC_H
#define VUSB_DFU_FOMU_SOC_H

#include <stdbool.h>
#include <stdint.h>

#include "dfu/rv32/elf.h"
#include "dfu/rv32/rv32.h"
#include "src/base/strbuf.h"

#define FOMU_ROM_BASE 0x00000000u
#define FOMU_ROM_SIZE (8u * 1024)
#define FOMU_SRAM_BASE 0x10000000u
#define FOMU_SRAM_SIZE (128u * 1024)
#define FOMU_FLASH_BASE 0x20000000u
#define FOMU_FLASH_SIZE (2u * 1024 * 1024)
#define FOMU_CSR_BASE 0xe0000000u
#define FOMU_CSR_SIZE 0x10000u
#define FOMU_MAX_PERIPHS 16
/* LiteX gives each CSR peripheral its own window of this size. */
#define FOMU_CSR_WINDOW_SHIFT 11
#define FOMU_CSR_WINDOWS (FOMU_CSR_SIZE >> FOMU_CSR_WINDOW_SHIFT)

enum fomu_bad_access {
	FOMU_ACCESS_UNMAPPED, /* nothing at that address */
	FOMU_ACCESS_READ_ONLY, /* a store to ROM or to the flash window */
	FOMU_ACCESS_CSR, /* in the CSR block, but no peripheral there */
};

struct fomu_soc_ops {
	/* val is what was written, or what a read returned (0). */
	void (*bad_access)(void *ctx, enum fomu_bad_access what, bool write, uint32_t addr,
			   unsigned int size, uint32_t val);
};

/* Registers at base..base+size-1 inside the CSR block; offsets relative. */
struct fomu_periph {
	uint32_t base;
	uint32_t size;
	uint32_t (*read)(void *ctx, uint32_t off, unsigned int size);
	void (*write)(void *ctx, uint32_t off, unsigned int size, uint32_t val);
	void *ctx;
};

#define FOMU_WINDOW_SHARED 0xffu

struct fomu_soc {
	struct rv32 cpu;
	uint8_t rom[FOMU_ROM_SIZE];
	uint8_t sram[FOMU_SRAM_SIZE];
	struct fomu_periph periphs[FOMU_MAX_PERIPHS];
	unsigned int nperiphs;
	/* Per CSR window: 1 + the index of the peripheral that covers all of
	 * it, 0 when none is in it, FOMU_WINDOW_SHARED when one covers part. */
	uint8_t window[FOMU_CSR_WINDOWS];
	const struct fomu_soc_ops *ops;
	void *ctx;
};

/*
 * Set up the memory map over `flash` (FOMU_FLASH_SIZE bytes, owned by the
 * caller, read by the core directly). The core is reset to pc 0. 0 or
 * -errno (a bug: the regions do not fit).
 */
int fomu_soc_init(struct fomu_soc *soc, uint8_t *flash, const struct fomu_soc_ops *ops,
		  void *ctx);

/* Add a peripheral. 0, -ENOSPC, or -EINVAL (outside the block, overlapping). */
int fomu_soc_add_periph(struct fomu_soc *soc, const struct fomu_periph *p);

/* Power-on: SRAM cleared, core reset to `pc`. ROM and flash keep their bytes. */
void fomu_soc_reset(struct fomu_soc *soc, uint32_t pc);

/*
 * Put a firmware's segments (elf_parse_rv32() of buf) on the board as the
 * linker laid them out, as a bitstream's ROM and a debugger would: each
 * segment's file bytes at p_paddr (its load image), and zeros at p_vaddr
 * from p_filesz to p_memsz (where it runs). Both ranges must lie inside
 * ROM or inside SRAM (the flash belongs to the flash file, and is written
 * through SPI), and a segment loaded elsewhere than it runs must run in
 * SRAM. Checked first: nothing is written unless all fit. 0, or -EINVAL
 * with the reason in err.
 */
int fomu_soc_load(struct fomu_soc *soc, const struct elf_image *img, const uint8_t *buf,
		  struct strbuf *err);

/*
 * Which gateware a firmware was built for, from its code: foboot v2.0.x's
 * SoC (ValentyUSB eptri, LiteX SPI at 0xe0007800, messible at 0xe0008000)
 * has CSRs above 0xe0007800, which v1.x's (epfifo, picorvspi) has not,
 * and RV32 code reaches them with a `lui rd, 0xe0008`. True when an
 * executable segment's load image holds that instruction (aligned words,
 * as -march=rv32i lays code out). img from elf_parse_rv32() of buf.
 */
bool fomu_soc_wants_v2(const struct elf_image *img, const uint8_t *buf);

#endif
