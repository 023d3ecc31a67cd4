// SPDX-License-Identifier: MIT
/*
 * The firmware-driven Fomu: the SoC, its peripherals, the run loop that
 * paces and puts the core to sleep, and the host's side of the cable.
 *
 * Who calls whom: usbdev offers a control URB to fomu_fw_control(), which
 * starts (or resumes) its transfer with ctlxfer and, while the firmware
 * has not answered, runs the core (run()); the core yields after each
 * store to a USB register that can change the next handshake, and the
 * transfer takes its next step once the packet's time on the bus has
 * passed. The
 * loop's timer runs the core too (fomu_fw_timer()), and when a transfer
 * completes there it wakes endpoint 0 so that usbdev offers the URB again
 * and fomu_fw_control() completes it. run() never calls into usbdev: the
 * plug requests it makes are deferred by the transport.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu/fomu/ctlxfer.h"
#include "dfu/fomu/epfifo.h"
#include "dfu/fomu/eptri.h"
#include "dfu/fomu/firmware.h"
#include "dfu/fomu/nor-spi.h"
#include "dfu/fomu/periph.h"
#include "dfu/fomu/soc.h"
#include "dfu/rv32/elf.h"

#define LOG_LINE_MAX 200
#define LOG_BURST 64
/* Instructions a watched pc may stay unvisited before another is picked:
 * longer than a polling loop goes round (foboot's: about a hundred). */
#define IDLE_REPICK 4096u
/* At most this much of one burst between two looks at the host's side. */
#define CHUNK 20000u
/* One call runs the core at most this long (a burst's worth at --ips on
 * a host that keeps up): with a high --ips a burst is millions of
 * instructions, and the loop has other URBs to serve. */
#define RUN_MAX_NS (FOMU_FW_SLICE_MS * 1000000u)
/* The bus's time for a packet of n bytes, in the core's cycles at the
 * Fomu's 12 MHz. On the wire: the bytes, sync, PID, CRC, token and
 * handshake at 12 Mbit/s, 8 cycles a byte (600 for 64 bytes). But a host
 * does not send a control transfer's packets back to back: a PC reaches a
 * full-speed device through a high-speed hub's transaction translator
 * (the rate-matching hub behind every EHCI port since Intel's Series 5
 * chipsets, or an external hub), where each packet is a split
 * transaction, started in one 125 us microframe and completed in a later
 * one. So: at least a microframe per packet. Firmware counts on it:
 * foboot v1.9's interrupt handler queues OUT packets for its main loop in
 * a ring of 8, which packets at wire speed overrun within one 1024-byte
 * DFU block (the download then times out at 0%). */
#define MICROFRAME_CYCLES 1500u
#define WIRE_CYCLES(n) (((n) + 10u) * 8u)
#define PACKET_CYCLES(n) (WIRE_CYCLES(n) > MICROFRAME_CYCLES ? WIRE_CYCLES(n) : MICROFRAME_CYCLES)
/* Between two URBs: the kernel completes one and submits the next,
 * through vhci: some 80 µs. */
#define URB_GAP_CYCLES 1000u
/* bus_free after a NAK: the next try waits for the firmware to write a
 * register that can change the answer; polling meanwhile would only
 * slow the core down. */
#define NAKED UINT64_MAX

enum fw_state {
	FW_OFF, /* never powered: waits for the first URB */
	FW_RUN,
	FW_SLEEP, /* wfi, or a loop only an outside event ends */
	FW_HALT, /* a trap with no handler */
	FW_FPGA, /* warm-booted into a bitstream: no CPU any more */
};

struct fomu_fw {
	struct fomu_soc soc;
	struct nor_flash *flash;
	struct spi_nor nor;
	enum fomu_fw_soc soc_kind; /* V1 or V2, as chosen */
	struct epfifo usb; /* V1 */
	struct eptri tri; /* V2 */
	const struct ctlxfer_dev_ops *core_ops;
	void *core;
	struct fomu_ctrl ctrl;
	struct fomu_timer timer;
	struct fomu_spi spi; /* V1 */
	struct fomu_lxspi lxspi; /* V2 */
	struct fomu_touch touch;
	struct fomu_reboot reboot;
	struct fomu_rgb rgb;

	uint8_t *elf;
	size_t elf_len;
	struct elf_image img;
	char name[64]; /* the ELF's file name, for the log */
	unsigned int trace; /* FOMU_FW_TRACE_* */

	const struct fomu_fw_ops *ops;
	void *ctx;
	struct usb_device *dev;
	struct usb_function *func;

	/* running */
	enum fw_state state;
	uint64_t ips;
	uint64_t credit; /* instructions it may run now */
	uint64_t credit_ns; /* when credit was last topped up */
	uint64_t sleep_ns; /* FW_SLEEP since */
	uint64_t executed; /* since power-on */
	unsigned int last_run_ms; /* wall time the last burst took */
	bool in_run;
	unsigned int runs;
	bool in_flash; /* the pc is in the flash window */
	unsigned int boots;
	/* idle detection: the state at watch_pc, last time there */
	bool watching;
	uint32_t watch_x[32];
	uint64_t watch_effects;
	uint64_t watch_since;
	/* the log's rate limit for bad accesses */
	unsigned int log_tokens;
	uint64_t suppressed;

	/* USB: the host's side of the cable */
	bool on_bus; /* as far as the transport knows */
	bool pullup; /* as last seen */
	uint64_t held_ns; /* a URB waits for the pull-up since (0: none) */
	uint8_t host_addr;
	bool want_address; /* SET_ADDRESS before the next transfer */
	bool address_tried; /* in this enumeration */
	uint64_t bus_free; /* no token before this cycle */
	unsigned int enumerations;
	unsigned int maxpacket0;
	bool xfer_busy;
	bool xfer_synth; /* our own SET_ADDRESS, not a URB's */
	uint32_t xfer_seq;
	uint64_t xfer_ns;
	struct ctlxfer xfer;
	uint8_t synth_addr;
	uint16_t vid, pid; /* from the firmware's device descriptor */
	bool have_ids;
	uint8_t xfer_buf[65536];
};

static void fw_log(struct fomu_fw *fw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fw_log(struct fomu_fw *fw, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (fw->ops && fw->ops->log)
		fw->ops->log(fw->ctx, line);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Cycles (instructions) the board runs in ns of wall time, without
 * overflowing for hours at 4 GHz. */
static uint64_t cycles_in(const struct fomu_fw *fw, uint64_t ns)
{
	return ns / 1000000000u * fw->ips + ns % 1000000000u * fw->ips / 1000000000u;
}

static uint64_t burst(const struct fomu_fw *fw)
{
	uint64_t b = fw->ips * FOMU_FW_SLICE_MS / 1000;

	return b ? b : 1;
}

/* --- the SoC ------------------------------------------------------------- */

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

static bool usb_pullup(const struct fomu_fw *fw)
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
static int build(struct fomu_fw *fw, struct strbuf *err)
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
		r = fomu_version_attach(soc);
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

/* --- the host's side ----------------------------------------------------- */

static void abort_xfer(struct fomu_fw *fw)
{
	fw->xfer_busy = false;
	fw->xfer_synth = false;
	/* a transfer given up while NAKed: the next SETUP need not wait */
	if (fw->bus_free == NAKED)
		fw->bus_free = 0;
}

/* A new enumeration: the pull-up came on; the kernel starts at address 0. */
static void bus_reset(struct fomu_fw *fw)
{
	abort_xfer(fw);
	fw->host_addr = 0;
	fw->want_address = false;
	fw->address_tried = false;
	fw->bus_free = 0;
	fw->maxpacket0 = 64;
	fw->enumerations++;
}

static void wake(struct fomu_fw *fw);

/* Send the current transfer's next tokens. Returns true when it is done. */
static bool host_step(struct fomu_fw *fw)
{
	bool progress = false;

	if (!fw->xfer_busy)
		return false;
	/* The bus is busy with the last packet (or, after SET_ADDRESS, the
	 * kernel waits 10 ms before it uses the address): the firmware runs
	 * meanwhile. A firmware asleep has done all it had to. */
	if (fw->soc.cpu.cycle < fw->bus_free && fw->state == FW_RUN)
		return false;
	if (fw->xfer.stage != CTLXFER_DONE && usb_pullup(fw)) {
		ctlxfer_step_dev(&fw->xfer, fw->core_ops, fw->core, fw->host_addr, 1, &progress);
		if (progress) {
			/* the firmware can see it: not idle any more (and its
			 * clock catches up first: the bus time below is the
			 * firmware's to run in) */
			fw->soc.cpu.effects++;
			wake(fw);
		}
		/* a handshake alone (a STALL) takes the bus too */
		fw->bus_free = fw->soc.cpu.cycle + PACKET_CYCLES(progress ? fw->xfer.last_packet : 0);
		if (fw->xfer.stage == CTLXFER_DONE)
			fw->bus_free += URB_GAP_CYCLES;
		else if (!progress)
			fw->bus_free = NAKED;
	}
	return fw->xfer.stage == CTLXFER_DONE;
}

static void start_synth(struct fomu_fw *fw)
{
	uint8_t s[8] = { 0x00, USB_REQ_SET_ADDRESS, 0, 0, 0, 0, 0, 0 };

	fw->synth_addr = (uint8_t)((FOMU_FW_FIRST_ADDRESS + fw->enumerations - 2) % 127 + 1);
	s[2] = fw->synth_addr;
	ctlxfer_start(&fw->xfer, s, fw->xfer_buf, fw->maxpacket0);
	fw->xfer_busy = true;
	fw->xfer_synth = true;
	fw->xfer_ns = now_ns();
	fw->want_address = false;
	fw->address_tried = true;
}

static void new_address(struct fomu_fw *fw, uint8_t addr)
{
	fw->host_addr = addr;
	fw->address_tried = true;
	fw->bus_free = fw->soc.cpu.cycle + fw->ips / 100;
}

static void finish_synth(struct fomu_fw *fw)
{
	int st = fw->xfer.status;

	abort_xfer(fw);
	if (st == 0) {
		new_address(fw, fw->synth_addr);
		fw_log(fw, "usb: address %u (SET_ADDRESS, which vhci answers itself, sent to "
			   "the firmware by the model)",
		       fw->host_addr);
	} else {
		fw_log(fw, "usb: the firmware refused SET_ADDRESS %u (%s): staying at address 0",
		       fw->synth_addr, strerror(-st));
	}
}

/* Start the transfer of `urb`: 0, or the -errno to complete it with. */
static int start_urb(struct fomu_fw *fw, struct usb_urb *urb)
{
	uint16_t wlength = urb->setup.wLength;

	if (!urb->in && urb->actual != wlength)
		return -EINVAL; /* the OUT data is not what the SETUP announces */
	if (!urb->in)
		memcpy(fw->xfer_buf, urb->buf, wlength);
	ctlxfer_start(&fw->xfer, urb->setup_raw, fw->xfer_buf, fw->maxpacket0);
	if (fw->bus_free == NAKED)
		fw->bus_free = 0; /* the last one was unlinked while NAKed */
	fw->xfer_busy = true;
	fw->xfer_synth = false;
	fw->xfer_seq = urb->seqnum;
	fw->xfer_ns = now_ns();
	return 0;
}

/* What the host learns from an answer: the device's wMaxPacketSize0. */
static void learn(struct fomu_fw *fw, const struct usb_urb *urb)
{
	const struct usb_setup *s = &urb->setup;
	const uint8_t *d = fw->xfer_buf;

	if (s->bmRequestType != 0x80 || s->bRequest != USB_REQ_GET_DESCRIPTOR ||
	    s->wValue != USB_DT_DEVICE << 8 || fw->xfer.done < 8 || d[1] != USB_DT_DEVICE)
		return;
	if (d[7] == 8 || d[7] == 16 || d[7] == 32 || d[7] == 64)
		fw->maxpacket0 = d[7];
	if (fw->xfer.done >= 12) {
		fw->vid = (uint16_t)(d[8] | d[9] << 8);
		fw->pid = (uint16_t)(d[10] | d[11] << 8);
		fw->have_ids = true;
	}
}

static int finish_urb(struct fomu_fw *fw, struct usb_urb *urb)
{
	struct ctlxfer *x = &fw->xfer;
	int st = x->status;

	abort_xfer(fw);
	if (fw->trace & FOMU_FW_TRACE_USB) {
		const char *how = st == -EPIPE ? "stall" : st ? strerror(-st) : "ok";

		fw_log(fw, "usb: %02x %02x %04x %04x %04x: %s, %u bytes (%llu us)", x->setup[0],
		       x->setup[1], urb->setup.wValue, urb->setup.wIndex, urb->setup.wLength, how,
		       x->done, (unsigned long long)((now_ns() - fw->xfer_ns) / 1000));
	}
	if (x->toggle_errors)
		fw_log(fw, "usb: %u IN packets with the wrong data toggle dropped (request %02x %02x)",
		       x->toggle_errors, x->setup[0], x->setup[1]);
	if (st == -EPROTO || st == -EOVERFLOW || st == -ETIMEDOUT)
		fw_log(fw, "usb: request %02x %02x %04x failed in the %s stage: %s", x->setup[0],
		       x->setup[1], urb->setup.wValue, ctlxfer_stage_name(x->ended_in),
		       st == -EPROTO ? "no answer (address, or the firmware stopped)" :
		       st == -EOVERFLOW ? "babble (more data than asked for)" :
					  "the firmware did not finish it");
	if (urb->in) {
		uint32_t n = x->done;

		if (n > urb->length)
			n = urb->length;
		if (n > urb->cap)
			n = urb->cap;
		memcpy(urb->buf, fw->xfer_buf, n);
		urb->actual = st ? 0 : n;
	}
	if (st == 0)
		learn(fw, urb);
	/* A peer other than vhci may send SET_ADDRESS itself. */
	if (st == 0 && urb->setup.bmRequestType == 0 && urb->setup.bRequest == USB_REQ_SET_ADDRESS)
		new_address(fw, urb->setup.wValue & 0x7f);
	/* The kernel's first request of an enumeration goes to address 0;
	 * the next one follows its SET_ADDRESS, which we never see. */
	if (fw->host_addr == 0 && fw->enumerations && !fw->address_tried)
		fw->want_address = true;
	return st;
}

/* --- running ------------------------------------------------------------- */

static void refill(struct fomu_fw *fw)
{
	uint64_t now = now_ns(), add;

	add = cycles_in(fw, now - fw->credit_ns);
	if (add) {
		fw->credit += add;
		fw->credit_ns = now;
	}
	if (fw->credit > burst(fw)) {
		fw->credit = burst(fw);
		fw->credit_ns = now;
	}
}

static void sleep_now(struct fomu_fw *fw)
{
	fw->state = FW_SLEEP;
	fw->sleep_ns = now_ns();
	fw->watching = false;
	fw->soc.cpu.watch_pc = RV32_NO_WATCH;
}

/* From sleep: the board's clock catches up with the time it slept. */
static void wake(struct fomu_fw *fw)
{
	uint64_t slept;

	if (fw->state != FW_SLEEP)
		return;
	slept = now_ns() - fw->sleep_ns;
	fw->soc.cpu.cycle += cycles_in(fw, slept);
	fomu_timer_sync(&fw->timer);
	fw->soc.cpu.effects++;
	fw->state = FW_RUN;
}

static void idle_arm(struct fomu_fw *fw)
{
	struct rv32 *cpu = &fw->soc.cpu;

	memcpy(fw->watch_x, cpu->x, sizeof(fw->watch_x));
	fw->watch_effects = cpu->effects;
	fw->watch_since = fw->executed;
	cpu->watch_pc = cpu->pc;
	fw->watching = true;
}

/* Back at the watched pc: the same registers and no effect is a loop
 * that will go round the same way until something outside changes. */
static bool idle_check(struct fomu_fw *fw)
{
	struct rv32 *cpu = &fw->soc.cpu;

	if (cpu->effects == fw->watch_effects && !memcmp(cpu->x, fw->watch_x, sizeof(cpu->x)))
		return true;
	idle_arm(fw);
	return false;
}

static void log_line(void *ctx, const char *line)
{
	fw_log(ctx, "%s", line);
}

static void report_halt(struct fomu_fw *fw)
{
	rv32_describe_halt(&fw->soc.cpu, log_line, fw);
	fw_log(fw, "core halted after %llu instructions; vusbctl's reset powers the board again",
	       (unsigned long long)fw->executed);
}

static void plug(struct fomu_fw *fw, bool on)
{
	if (fw->on_bus == on)
		return;
	fw->on_bus = on;
	if (fw->dev)
		usb_device_plug(fw->dev, on);
}

static void power_on(struct fomu_fw *fw)
{
	struct strbuf err = { 0 };

	abort_xfer(fw);
	if (build(fw, &err) < 0) {
		/* The ELF loaded once: this cannot fail. */
		fw_log(fw, "power on failed: %s", strbuf_str(&err));
		strbuf_free(&err);
		fw->state = FW_HALT;
		return;
	}
	fw->boots++;
	fw->state = FW_RUN;
	fw->executed = 0;
	fw->credit = burst(fw);
	fw->credit_ns = now_ns();
	fw->watching = false;
	fw->pullup = false;
	fw->in_flash = false;
	fw->bus_free = 0; /* the cycle count starts again */
	fw->log_tokens = LOG_BURST;
	fw_log(fw, "power on: %s from 0x%08x", fw->name, fw->img.entry);
}

/* What the board does about its peripherals' requests and its pull-up,
 * between two bursts. */
static void after_run(struct fomu_fw *fw)
{
	struct rv32 *cpu = &fw->soc.cpu;
	bool in_flash;

	fomu_timer_sync(&fw->timer);
	if (fw->ctrl.reset_request) {
		fw_log(fw, "ctrl reset: the SoC restarts");
		plug(fw, false);
		power_on(fw);
		return;
	}
	if (fw->reboot.request >= 0) {
		int image = fw->reboot.request;

		fw->reboot.request = -1;
		plug(fw, false);
		if (image == 0) {
			fw_log(fw, "warm boot into FPGA image 0: the bootloader starts again");
			power_on(fw);
		} else {
			fw_log(fw, "warm boot into FPGA image %d: the FPGA is not emulated, the "
				   "board stays off the bus (vusbctl's reset powers it again)",
			       image);
			abort_xfer(fw);
			fw->state = FW_FPGA;
		}
		return;
	}
	if (usb_pullup(fw) != fw->pullup) {
		fw->pullup = usb_pullup(fw);
		if (fw->pullup) {
			fw_log(fw, "usb: the firmware connected (pull-up on)");
			bus_reset(fw);
			if (fw->soc_kind == FOMU_FW_SOC_V2)
				eptri_bus_reset(&fw->tri);
			fw->held_ns = 0;
			plug(fw, true);
		} else {
			fw_log(fw, "usb: the firmware disconnected (pull-up off): off the bus");
			abort_xfer(fw);
			plug(fw, false);
		}
	}
	in_flash = cpu->pc - FOMU_FLASH_BASE < FOMU_FLASH_SIZE;
	if (in_flash && !fw->in_flash)
		fw_log(fw, "the core runs from the flash now (pc 0x%08x, %llu instructions "
			   "after power-on)",
		       cpu->pc, (unsigned long long)fw->executed);
	fw->in_flash = in_flash;
}

/*
 * Run the core while it has credit and is awake, for at most RUN_MAX_NS,
 * and until the transfer in progress is done. The host's side steps
 * between chunks, which end at the next packet's time, at timer0's next
 * interrupt and at the USB writes that make the core yield.
 */
static void run(struct fomu_fw *fw)
{
	struct rv32 *cpu = &fw->soc.cpu;
	uint64_t t0 = now_ns();

	if (fw->in_run || fw->state != FW_RUN)
		return;
	fw->in_run = true;
	refill(fw);
	if (fw->log_tokens < LOG_BURST)
		fw->log_tokens++;
	while (fw->credit) {
		uint64_t limit = fw->credit < CHUNK ? fw->credit : CHUNK, next, n = 0;
		enum rv32_exit why;

		if (fw->state != FW_RUN) {
			/* asleep: a token the firmware must see wakes it */
			if (fw->state == FW_SLEEP && host_step(fw))
				break;
			if (fw->state != FW_RUN)
				break;
			continue;
		}
		next = fomu_timer_next_irq(&fw->timer);
		if (next < limit)
			limit = next ? next : 1;
		/* the host's next packet is due */
		if (fw->xfer_busy && fw->bus_free > cpu->cycle && fw->bus_free - cpu->cycle < limit)
			limit = fw->bus_free - cpu->cycle;
		if (!fw->watching || fw->executed - fw->watch_since > IDLE_REPICK)
			idle_arm(fw);
		why = rv32_run(cpu, limit, &n);
		fw->credit -= n < fw->credit ? n : fw->credit;
		fw->executed += n;
		after_run(fw);
		if (fw->state != FW_RUN)
			break;
		if (host_step(fw))
			break; /* a URB can complete: let usbdev have it */
		if (now_ns() - t0 > RUN_MAX_NS)
			break; /* the rest after the loop's next turn */
		switch (why) {
		case RV32_EXIT_BUDGET:
		case RV32_EXIT_YIELD:
			break;
		case RV32_EXIT_WATCH:
			if (idle_check(fw))
				sleep_now(fw);
			break;
		case RV32_EXIT_WFI:
			if (!rv32_irq_pending(cpu))
				sleep_now(fw);
			break;
		case RV32_EXIT_IDLE:
			sleep_now(fw);
			break;
		case RV32_EXIT_HALT:
			report_halt(fw);
			fw->state = FW_HALT;
			break;
		}
	}
	/* what the rate limit left out: when the core stops, or now and
	 * then while it runs */
	if (fw->suppressed && (fw->state != FW_RUN || ++fw->runs % 100 == 0)) {
		fw_log(fw, "%llu more bad accesses not logged (rate limit)",
		       (unsigned long long)fw->suppressed);
		fw->suppressed = 0;
	}
	fw->last_run_ms = (unsigned int)((now_ns() - t0) / 1000000);
	fw->in_run = false;
}

static uint64_t ms_until(uint64_t deadline_ns, uint64_t now)
{
	return deadline_ns > now ? (deadline_ns - now + 999999) / 1000000 : 1;
}

/* Arm the function's timer for what comes next. */
static void schedule(struct fomu_fw *fw)
{
	uint64_t now = now_ns(), ms = 0, m;

	if (!fw->func)
		return;
	if (fw->state == FW_RUN) {
		/* Out of credit: the next burst, when there is credit again.
		 * Cut short with credit left (RUN_MAX_NS: the host is slower
		 * than --ips asks): as long again, so it takes at most half of
		 * a core. */
		if (!fw->credit)
			ms = FOMU_FW_SLICE_MS;
		else
			ms = fw->last_run_ms ? fw->last_run_ms : 1;
	} else if (fw->state == FW_SLEEP) {
		uint64_t cycles = fomu_timer_next_irq(&fw->timer);

		if (cycles != UINT64_MAX) {
			/* the cycles the board has already slept count */
			uint64_t slept = cycles_in(fw, now - fw->sleep_ns);

			cycles = cycles > slept ? cycles - slept : 0;
			ms = cycles * 1000 / fw->ips + 1;
		}
	}
	if (fw->xfer_busy) {
		m = ms_until(fw->xfer_ns + FOMU_FW_XFER_TIMEOUT_MS * 1000000ull, now);
		if (!ms || m < ms)
			ms = m;
	}
	if (fw->held_ns && fw->on_bus && !fw->pullup) {
		m = ms_until(fw->held_ns + FOMU_FW_CONNECT_GRACE_MS * 1000000ull, now);
		if (!ms || m < ms)
			ms = m;
	}
	usb_function_arm_timer(fw->func, ms > 60000 ? 60000 : (unsigned int)ms);
}

/* Deadlines that do not wait for the firmware. */
static void check_deadlines(struct fomu_fw *fw)
{
	uint64_t now = now_ns();

	if (fw->xfer_busy && fw->xfer.stage != CTLXFER_DONE &&
	    now - fw->xfer_ns >= FOMU_FW_XFER_TIMEOUT_MS * 1000000ull) {
		fw->xfer.status = -ETIMEDOUT;
		fw->xfer.ended_in = fw->xfer.stage;
		fw->xfer.stage = CTLXFER_DONE;
	}
	if (fw->held_ns && fw->on_bus && !fw->pullup &&
	    now - fw->held_ns >= FOMU_FW_CONNECT_GRACE_MS * 1000000ull) {
		fw_log(fw, "usb: the firmware has not connected %u ms after power-on: off the bus "
			   "until it does",
		       FOMU_FW_CONNECT_GRACE_MS);
		fw->held_ns = 0;
		plug(fw, false);
	}
}

void fomu_fw_timer(struct fomu_fw *fw)
{
	bool done;

	check_deadlines(fw);
	if (fw->state == FW_SLEEP && fomu_timer_next_irq(&fw->timer) != UINT64_MAX) {
		/* timer0's interrupt may be due: catch up and see */
		wake(fw);
		if (!rv32_irq_pending(&fw->soc.cpu) && fw->soc.cpu.waiting)
			sleep_now(fw);
	}
	run(fw);
	/* A transfer done, or a URB whose transfer was cut short (the
	 * pull-up came on): fomu_fw_control() takes it from there. */
	done = !fw->xfer_busy || fw->xfer.stage == CTLXFER_DONE;
	if (done && fw->dev && usb_ep_pending(fw->dev, 0))
		usb_ep_wake(fw->dev, 0);
	schedule(fw);
}

int fomu_fw_control(struct fomu_fw *fw, struct usb_urb *urb)
{
	int r;

	if (fw->state == FW_OFF) {
		/* The board is plugged in: it powers on. */
		power_on(fw);
		fw->on_bus = true;
	}
	for (;;) {
		if (!fw->xfer_busy || (!fw->xfer_synth && fw->xfer_seq != urb->seqnum)) {
			/* a new URB; or the one in progress went (unlinked) */
			if (fw->want_address && fw->pullup) {
				start_synth(fw);
			} else {
				r = start_urb(fw, urb);
				if (r < 0)
					return r;
			}
		}
		if (!fw->pullup && !fw->held_ns && fw->on_bus)
			fw->held_ns = now_ns();
		if (!host_step(fw)) {
			run(fw);
			/* the firmware connected meanwhile (which ends the
			 * transfer that waited for it): the URB goes now */
			if (!fw->xfer_busy && fw->pullup && fw->state != FW_HALT)
				continue;
			/* cut short (the pull-up went, a reset): the timer
			 * offers the URB again */
			if (!fw->xfer_busy || fw->xfer.stage != CTLXFER_DONE) {
				schedule(fw);
				return -EAGAIN;
			}
		}
		if (!fw->xfer_synth) {
			r = finish_urb(fw, urb);
			schedule(fw);
			return r;
		}
		finish_synth(fw);
	}
}

void fomu_fw_bus_gone(struct fomu_fw *fw)
{
	/* What was queued is gone with the host; the board runs on. */
	abort_xfer(fw);
	fw->held_ns = 0;
	schedule(fw);
}

void fomu_fw_power_cycle(struct fomu_fw *fw)
{
	plug(fw, false);
	fw_log(fw, "reset: power cycle");
	power_on(fw);
	run(fw);
	schedule(fw);
}

void fomu_fw_bind(struct fomu_fw *fw, struct usb_device *dev, struct usb_function *func)
{
	fw->dev = dev;
	fw->func = func;
}

static const char *state_name(enum fw_state s)
{
	switch (s) {
	case FW_OFF:
		return "off";
	case FW_RUN:
		return "running";
	case FW_SLEEP:
		return "sleeping";
	case FW_HALT:
		return "halted";
	default:
		return "fpga";
	}
}

void fomu_fw_describe(const struct fomu_fw *fw, struct strbuf *out)
{
	const uint8_t *led = fw->rgb.regs;

	strbuf_printf(out, "firmware %s pc=0x%08x insns=%llu usb=%s", state_name(fw->state),
		      fw->soc.cpu.pc, (unsigned long long)fw->executed,
		      fw->pullup ? "on" : "off");
	if (fw->pullup)
		strbuf_printf(out, " addr=%u", fw->host_addr);
	if (fw->have_ids)
		strbuf_printf(out, " id=%04x:%04x", fw->vid, fw->pid);
	if (fw->rgb.writes)
		strbuf_printf(out, " led=#%02x%02x%02x", led[1], led[2], led[3]);
	strbuf_printf(out, " soc=%s", fw->soc_kind == FOMU_FW_SOC_V2 ? "v2" : "v1");
}

int fomu_fw_new(struct fomu_fw **ret, const char *path, struct nor_flash *flash,
		enum fomu_fw_soc soc, uint64_t ips, unsigned int trace_on,
		const struct fomu_fw_ops *ops, void *ctx, struct strbuf *err)
{
	struct fomu_fw *fw = calloc(1, sizeof(*fw));
	const char *base = strrchr(path, '/');
	struct strbuf why = { 0 };
	uint32_t rom = 0, ram = 0;
	unsigned int i;
	int r;

	if (!fw)
		return -ENOMEM;
	fw->flash = flash;
	fw->ips = ips ? ips : 1;
	fw->trace = trace_on;
	fw->ops = ops;
	fw->ctx = ctx;
	fw->maxpacket0 = 64;
	fw->on_bus = true;
	snprintf(fw->name, sizeof(fw->name), "%s", base ? base + 1 : path);
	r = elf_read_file(path, &fw->elf, &fw->elf_len, err);
	if (r == 0) {
		r = elf_parse_rv32(fw->elf, fw->elf_len, &fw->img, &why);
		if (r < 0)
			strbuf_printf(err, "%s: %s", path, strbuf_str(&why));
	}
	strbuf_reset(&why);
	fw->soc_kind = soc;
	if (r == 0 && soc == FOMU_FW_SOC_AUTO)
		fw->soc_kind =
			fomu_soc_wants_v2(&fw->img, fw->elf) ? FOMU_FW_SOC_V2 : FOMU_FW_SOC_V1;
	if (r == 0) {
		/* try it on now: a segment that does not fit is the user's
		 * error at start-up, not at the first URB */
		r = build(fw, &why);
		if (r < 0)
			strbuf_printf(err, "%s: %s", path, strbuf_str(&why));
	}
	strbuf_free(&why);
	if (r < 0) {
		fomu_fw_free(fw);
		return r == -ENOMEM ? r : r == -E2BIG ? -EINVAL : r;
	}
	for (i = 0; i < fw->img.nsegs; i++) {
		const struct elf_segment *s = &fw->img.segs[i];

		/* .data counts twice: its image in ROM, its copy in SRAM */
		if (s->vaddr < FOMU_ROM_SIZE) {
			rom += s->memsz;
		} else {
			ram += s->memsz;
			if (s->filesz && s->paddr < FOMU_ROM_SIZE)
				rom += s->filesz;
		}
	}
	fw_log(fw, "firmware %s: entry 0x%08x, %u bytes of ROM, %u of SRAM; SoC %s (%s)", fw->name,
	       fw->img.entry, rom, ram,
	       fw->soc_kind == FOMU_FW_SOC_V2 ? "v2: eptri, lxspi" : "v1: epfifo, picorvspi",
	       soc == FOMU_FW_SOC_AUTO ? "from its code" : "--soc");
	*ret = fw;
	return 0;
}

void fomu_fw_free(struct fomu_fw *fw)
{
	if (!fw)
		return;
	free(fw->elf);
	free(fw);
}
