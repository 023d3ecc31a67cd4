// SPDX-License-Identifier: MIT
/* The firmware runner's SoC: memory map, peripherals and their callbacks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu/fomu/firmware-private.h"

static void bad_access(void *ctx, enum fomu_bad_access what, bool write, uint32_t addr,
		       unsigned int size, uint32_t val)
{
	struct fomu_fw *fw = ctx;
	static const char *const kinds[] = { "unmapped", "read-only", "unclaimed CSR" };

	if (fw->log_tokens == 0) {
		fw->suppressed++;
		return;
	}
	fw->log_tokens--;
	fw_log(fw, "%s %s%u 0x%08x %s 0x%0*x (pc 0x%08x)", kinds[what], write ? "write" : "read",
	       size * 8, addr, write ? "<-" : "->", (int)size * 2, val, fw->soc.cpu.pc);
}

static const struct fomu_soc_ops soc_ops = { .bad_access = bad_access };

static void usb_irq(void *ctx, bool level)
{
	struct fomu_fw *fw = ctx;

	rv32_set_irq(&fw->soc.cpu, FOMU_IRQ_USB, level);
}

static const struct epfifo_ops usb_ops = { .irq = usb_irq };
static const struct eptri_ops tri_ops = { .irq = usb_irq };

bool fw_usb_pullup(const struct fomu_fw *fw)
{
	return fw->soc_kind == FOMU_FW_SOC_V2 ? fw->tri.pullup : fw->usb.pullup;
}

/* eptri: what the next IN or OUT handshake depends on */
static bool tri_answer_reg(uint32_t off)
{
	return off == EPTRI_ADDRESS || off == EPTRI_IN_CTRL || off == EPTRI_OUT_CTRL ||
	       off == EPTRI_OUT_EV_PENDING;
}

/* respond, ev_pending (which NAKs while set) and address; not the FIFOs,
 * whose bytes change nothing until respond says ACK. */
static bool usb_answer_reg(uint32_t off)
{
	uint32_t reg;

	if (off == EPFIFO_ADDRESS)
		return true;
	if (off < EPFIFO_EP0_OUT || off >= EPFIFO_ADDRESS)
		return false;
	reg = (off - EPFIFO_EP0_OUT) % 0x20;
	return reg == EPFIFO_RESPOND || reg == EPFIFO_EV_PENDING;
}

static uint32_t usb_read(void *ctx, uint32_t off, unsigned int size)
{
	struct fomu_fw *fw = ctx;

	if (fw->soc_kind == FOMU_FW_SOC_V2)
		return eptri_read(&fw->tri, off);
	return epfifo_read(&fw->usb, off);
}

static void usb_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct fomu_fw *fw = ctx;

	bool answer;

	if (fw->soc_kind == FOMU_FW_SOC_V2) {
		eptri_write(&fw->tri, off, val);
		answer = tri_answer_reg(off);
	} else {
		epfifo_write(&fw->usb, off, val);
		answer = usb_answer_reg(off);
	}
	/* The host reacts at once to what can change its next handshake:
	 * after a NAK it retries when the firmware has written one of those
	 * (it cannot answer differently before), a handshake's time later. */
	if (off == EPFIFO_PULLUP || (fw->xfer_busy && answer)) {
		if (fw->bus_free == NAKED)
			fw->bus_free = fw->soc.cpu.cycle + PACKET_CYCLES(0);
		rv32_yield(&fw->soc.cpu);
	}
}

static void nor_note(void *ctx, const char *what)
{
	fw_log(ctx, "spi flash: %s", what);
}

static const struct spi_nor_ops nor_ops = { .note = nor_note };

static void trace(void *ctx, const struct rv32 *cpu, uint32_t insn)
{
	char text[64];

	rv32_disasm(insn, cpu->pc, text, sizeof(text));
	fw_log(ctx, "trace 0x%08x: %08x  %s", cpu->pc, insn, text);
}

/* The SoC as at power-on, the firmware in ROM and SRAM. */
int fw_build(struct fomu_fw *fw, struct strbuf *err)
{
	struct fomu_soc *soc = &fw->soc;
	struct fomu_periph p = { FOMU_USB_BASE, EPFIFO_SIZE, usb_read, usb_write, fw };
	int r;

	r = fomu_soc_init(soc, fw->flash->mem, &soc_ops, fw);
	if (r == 0)
		r = fomu_soc_load(soc, &fw->img, fw->elf, err);
	if (r < 0)
		return r;
	spi_nor_init(&fw->nor, fw->flash, &nor_ops, fw);
	if (fw->soc_kind == FOMU_FW_SOC_V2) {
		eptri_init(&fw->tri, &tri_ops, fw);
		fw->core_ops = &ctlxfer_eptri;
		fw->core = &fw->tri;
		p.size = EPTRI_SIZE;
	} else {
		epfifo_init(&fw->usb, &usb_ops, fw);
		fw->core_ops = &ctlxfer_epfifo;
		fw->core = &fw->usb;
	}
	r = fomu_soc_add_periph(soc, &p);
	if (r == 0)
		r = fomu_ctrl_attach(&fw->ctrl, soc);
	if (r == 0)
		r = fomu_timer_attach(&fw->timer, soc);
	if (r == 0 && fw->soc_kind == FOMU_FW_SOC_V2) {
		fw->timer.irq = FOMU_IRQ_TIMER0_V2;
		r = fomu_lxspi_attach(&fw->lxspi, soc, &fw->nor);
	} else if (r == 0) {
		r = fomu_spi_attach(&fw->spi, soc, &fw->nor);
	}
	if (r == 0)
		r = fomu_touch_attach(&fw->touch, soc);
	if (r == 0)
		r = fomu_reboot_attach(&fw->reboot, soc);
	if (r == 0)
		r = fomu_rgb_attach(&fw->rgb, soc);
	if (r == 0)
		r = fomu_version_attach(soc, &fw->version);
	if (r < 0) {
		strbuf_printf(err, "internal error: the SoC's peripherals: %s", strerror(-r));
		return r;
	}
	soc->cpu.pc = fw->img.entry;
	if (fw->trace & FOMU_FW_TRACE_INSN) {
		soc->cpu.trace = trace;
		soc->cpu.trace_ctx = fw;
	}
	return 0;
}
