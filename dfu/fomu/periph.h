/* SPDX-License-Identifier: MIT */
/*
 * The Fomu's small CSR peripherals, as the gateware foboot v1.9 runs on
 * has them (LiteX, 8-bit CSRs in 32-bit words: a register's byte is the
 * low byte of its word, bytes 1-3 read 0; multi-byte registers are one
 * byte per word, most significant first):
 *
 *	0xe0000000 ctrl      reset, scratch, bus_errors
 *	0xe0002800 timer0    LiteX timer: load, reload, en, update_value,
 *	                     value, ev_status/pending/enable; IRQ 1
 *	0xe0005000 picorvspi PicoRV32 spimemio: cfg1..4, stat1..4; bit-bang
 *	                     mode drives a struct spi_nor
 *	0xe0005800 touch     o, oe, i
 *	0xe0006000 reboot    ctrl (image | key 0xac: FPGA warm boot), addr
 *	0xe0006800 rgb       dat, addr, ctrl (SB_LEDDA_IP registers)
 *	0xe0007000 version   major, minor, revision, gitrev, gitextra,
 *	                     dirty, model, seed: struct fomu_version
 *
 * foboot v2.0.x's gateware has the same map but for two blocks: no
 * picorvspi, a LiteX SPI flash core at 0xe0007800 instead (lxspi:
 * bitbang, miso, bitbang_en), and timer0 on IRQ 2 (its csr.h and soc.h
 * in im-tomu/foboot's releases/v2.0.4).
 *
 * USB (0xe0004800) is dfu/fomu/epfifo.h (v1) or dfu/fomu/eptri.h (v2). Each peripheral plugs into a
 * struct fomu_soc with its attach function. What one asks of the board
 * (a reset, a warm boot) it records in `request` and makes the core
 * yield, so the board acts between two instructions.
 */
#ifndef VUSB_DFU_FOMU_PERIPH_H
#define VUSB_DFU_FOMU_PERIPH_H

#include <stdbool.h>
#include <stdint.h>

#include "dfu/fomu/soc.h"
#include "dfu/fomu/nor-spi.h"

#define FOMU_CTRL_BASE 0xe0000000u
#define FOMU_TIMER0_BASE 0xe0002800u
#define FOMU_USB_BASE 0xe0004800u
#define FOMU_SPI_BASE 0xe0005000u
#define FOMU_TOUCH_BASE 0xe0005800u
#define FOMU_REBOOT_BASE 0xe0006000u
#define FOMU_RGB_BASE 0xe0006800u
#define FOMU_VERSION_BASE 0xe0007000u
#define FOMU_LXSPI_BASE 0xe0007800u
/* Interrupt lines, from the generated csr.h of foboot's epfifo and
 * picorvspi gateware (NMI 0, TIMER0 1, UART 2, USB 3). */
#define FOMU_IRQ_TIMER0 1
#define FOMU_IRQ_TIMER0_V2 2
#define FOMU_IRQ_USB 3

/* --- ctrl ---------------------------------------------------------------- */

#define FOMU_CTRL_SCRATCH_RESET 0x12345678u

struct fomu_ctrl {
	struct fomu_soc *soc;
	uint32_t scratch;
	bool reset_request; /* 1 was written to reset: the SoC resets */
};

int fomu_ctrl_attach(struct fomu_ctrl *c, struct fomu_soc *soc);

/* --- timer0 -------------------------------------------------------------- */

/*
 * Counts down one per system clock, which is the core's cycle counter
 * (cpu.cycle: one instruction per cycle, plus the time the board slept).
 * While disabled the value follows `load`; enabled, it counts to 0, then
 * reloads from `reload` (0: stays at 0). Reaching 0 sets the zero event.
 * All of it is computed from the cycle count when asked, never ticked.
 */
struct fomu_timer {
	struct fomu_soc *soc;
	unsigned int irq; /* FOMU_IRQ_TIMER0 after attach; the v2 SoC's is 2 */
	uint32_t load;
	uint32_t reload;
	uint32_t latched; /* value as update_value last saw it */
	bool en;
	uint8_t pending;
	uint8_t enable;
	uint64_t base_cycle; /* en: the value was base_value at base_cycle */
	uint32_t base_value;
	uint64_t synced; /* zero events accounted up to this cycle */
};

int fomu_timer_attach(struct fomu_timer *t, struct fomu_soc *soc);
/* The count now (cpu.cycle). */
uint32_t fomu_timer_value(const struct fomu_timer *t);
/* Account for the time that passed: the zero event, the IRQ line. */
void fomu_timer_sync(struct fomu_timer *t);
/* Cycles from now to the next zero event that would raise the IRQ;
 * UINT64_MAX when none will. */
uint64_t fomu_timer_next_irq(const struct fomu_timer *t);

/* --- picorvspi ----------------------------------------------------------- */

#define FOMU_SPI_CFG1_MOSI 0x01u
#define FOMU_SPI_CFG1_MISO 0x02u
#define FOMU_SPI_CFG1_CLK 0x10u
#define FOMU_SPI_CFG1_CS_N 0x20u
#define FOMU_SPI_CFG4_MEMIO 0x80u

struct fomu_spi {
	struct fomu_soc *soc;
	struct spi_nor *nor;
	uint8_t cfg[4];
};

int fomu_spi_attach(struct fomu_spi *s, struct fomu_soc *soc, struct spi_nor *nor);

/* --- lxspi (v2): LiteX's SPI flash bit-bang port ------------------------ */

#define FOMU_LXSPI_MOSI 0x01u
#define FOMU_LXSPI_CLK 0x02u
#define FOMU_LXSPI_CS_N 0x04u
#define FOMU_LXSPI_DIR 0x08u

struct fomu_lxspi {
	struct spi_nor *nor;
	uint8_t bitbang;
	uint8_t en; /* bitbang_en: the pins are bitbang's; else memory-mapped */
};

int fomu_lxspi_attach(struct fomu_lxspi *s, struct fomu_soc *soc, struct spi_nor *nor);

/* --- touch --------------------------------------------------------------- */

struct fomu_touch {
	uint8_t o;
	uint8_t oe;
};

int fomu_touch_attach(struct fomu_touch *t, struct fomu_soc *soc);

/* --- reboot -------------------------------------------------------------- */

#define FOMU_REBOOT_KEY 0xacu

struct fomu_reboot {
	struct fomu_soc *soc;
	uint8_t ctrl;
	uint32_t addr;
	int request; /* -1, or the image to warm-boot the FPGA into */
};

int fomu_reboot_attach(struct fomu_reboot *r, struct fomu_soc *soc);

/* --- rgb ----------------------------------------------------------------- */

struct fomu_rgb {
	uint8_t dat;
	uint8_t addr;
	uint8_t ctrl;
	uint8_t regs[16]; /* SB_LEDDA_IP: 1, 2, 3 are the PWM of red, green, blue */
	uint64_t writes;
};

int fomu_rgb_attach(struct fomu_rgb *r, struct fomu_soc *soc);

/* --- version ------------------------------------------------------------- */

/*
 * What the gateware says about its build: git describe's vMAJOR.MINOR
 * [.REVISION][-GITEXTRA-gGITREV] of the foboot tree it was built from,
 * and the board ('P' PVT, 'E' EVT, 'H' Hacker). The default is the
 * gateware Renode's Fomu demo runs, v1.9-11-gc7ee25b on a PVT; a
 * firmware's own version comes from fomu_soc_version() (soc.h).
 */
struct fomu_version {
	uint8_t major;
	uint8_t minor;
	uint8_t revision;
	uint32_t gitrev;
	uint16_t gitextra; /* 10 bits */
	uint8_t model;
};

#define FOMU_VERSION_DEFAULT ((struct fomu_version){ 1, 9, 0, 0x0c7ee25bu, 11, 'P' })

/*
 * The version a foboot build's gateware reports, from its firmware: both
 * are built from one foboot tree, and the firmware's USB product string
 * (UTF-16LE, "Fomu PVT running DFU Bootloader v2.0.4") carries the same
 * git describe. gitrev is 0 when the string has no -N-gHASH part. True
 * and *ret filled when a segment's file bytes hold such a string; false,
 * *ret untouched, otherwise (the caller keeps FOMU_VERSION_DEFAULT).
 * img from elf_parse_rv32() of buf.
 */
bool fomu_version_from_elf(const struct elf_image *img, const uint8_t *buf,
			   struct fomu_version *ret);

/* Read-only registers that answer *v (which must outlive the SoC). */
int fomu_version_attach(struct fomu_soc *soc, const struct fomu_version *v);

#endif
