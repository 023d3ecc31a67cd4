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

#include "dfu/fomu/firmware-private.h"

void fw_log(struct fomu_fw *fw, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (fw->ops && fw->ops->log)
		fw->ops->log(fw->ctx, line);
}

uint64_t fw_now_ns(void)
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

/* --- running ------------------------------------------------------------- */

/*
 * Credit for the time since the last refill, up to two bursts: the timer
 * that brings the next burst fires late by some fraction of a
 * millisecond, and a cap at one burst would drop what the board earned
 * meanwhile every time (at 10 ms slices, 5 % of --ips).
 */
static void refill(struct fomu_fw *fw)
{
	uint64_t now = fw_now_ns(), add;

	add = cycles_in(fw, now - fw->credit_ns);
	if (add) {
		fw->credit += add;
		fw->credit_ns = now;
	}
	if (fw->credit > 2 * burst(fw)) {
		fw->credit = 2 * burst(fw);
		fw->credit_ns = now;
	}
}

static void sleep_now(struct fomu_fw *fw)
{
	fw->state = FW_SLEEP;
	fw->sleep_ns = fw_now_ns();
	fw->watching = false;
	fw->soc.cpu.watch_pc = RV32_NO_WATCH;
}

/* From sleep: the board's clock catches up with the time it slept. */
void fw_wake(struct fomu_fw *fw)
{
	uint64_t slept;

	if (fw->state != FW_SLEEP)
		return;
	slept = fw_now_ns() - fw->sleep_ns;
	fw->soc.cpu.cycle += cycles_in(fw, slept);
	fomu_timer_sync(&fw->timer);
	fw->soc.cpu.effects++;
	fw->state = FW_RUN;
}

/* Watch for an idle loop from here: rv32_run() stops when the pc comes
 * back with nothing changed (rv32.h). */
static void idle_arm(struct fomu_fw *fw)
{
	rv32_watch(&fw->soc.cpu, fw->soc.cpu.pc);
	fw->watching = true;
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

	fw_abort_xfer(fw);
	if (fw_build(fw, &err) < 0) {
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
	fw->credit_ns = fw_now_ns();
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
			fw_abort_xfer(fw);
			fw->state = FW_FPGA;
		}
		return;
	}
	if (fw_usb_pullup(fw) != fw->pullup) {
		fw->pullup = fw_usb_pullup(fw);
		if (fw->pullup) {
			fw_log(fw, "usb: the firmware connected (pull-up on)");
			fw_bus_reset(fw);
			if (fw->soc_kind == FOMU_FW_SOC_V2)
				eptri_bus_reset(&fw->tri);
			fw->held_ns = 0;
			plug(fw, true);
		} else {
			fw_log(fw, "usb: the firmware disconnected (pull-up off): off the bus");
			fw_abort_xfer(fw);
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
	uint64_t t0 = fw_now_ns();

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
			if (fw->state == FW_SLEEP && fw_host_step(fw))
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
		if (!fw->watching || cpu->cycle - cpu->watch_cycle > IDLE_REPICK)
			idle_arm(fw);
		why = rv32_run(cpu, limit, &n);
		fw->credit -= n < fw->credit ? n : fw->credit;
		fw->executed += n;
		after_run(fw);
		if (fw->state != FW_RUN)
			break;
		if (fw_host_step(fw))
			break; /* a URB can complete: let usbdev have it */
		if (fw_now_ns() - t0 > RUN_MAX_NS)
			break; /* the rest after the loop's next turn */
		switch (why) {
		case RV32_EXIT_BUDGET:
		case RV32_EXIT_YIELD:
			break;
		case RV32_EXIT_WATCH:
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
	fw->last_run_ms = (unsigned int)((fw_now_ns() - t0) / 1000000);
	fw->in_run = false;
}

static uint64_t ms_until(uint64_t deadline_ns, uint64_t now)
{
	return deadline_ns > now ? (deadline_ns - now + 999999) / 1000000 : 1;
}

/* Arm the function's timer for what comes next. */
static void schedule(struct fomu_fw *fw)
{
	uint64_t now = fw_now_ns(), ms = 0, m;

	if (!fw->func)
		return;
	if (fw->state == FW_RUN) {
		/* Out of credit: the next burst, when there is credit again.
		 * Cut short with credit left (RUN_MAX_NS: the host is slower
		 * than --ips asks): while the host talks to the board (a
		 * control transfer in the last HOST_ACTIVE_MS, as dfu-util's
		 * polls during a download), it waits for the firmware, so
		 * the next burst comes at the loop's next turn; otherwise
		 * after as long again, so it takes at most half of a core. */
		if (!fw->credit)
			/* a burst's credit comes back FOMU_FW_SLICE_MS after it
			 * was topped up, which was when this run began: the
			 * board keeps to --ips, not to less */
			ms = fw->last_run_ms + 1 < FOMU_FW_SLICE_MS ?
				     FOMU_FW_SLICE_MS - fw->last_run_ms :
				     1;
		else if (now - fw->xfer_ns < HOST_ACTIVE_MS * 1000000ull)
			ms = 1;
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
	uint64_t now = fw_now_ns();

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
		fw_wake(fw);
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
				fw_start_synth(fw);
			} else {
				r = fw_start_urb(fw, urb);
				if (r < 0)
					return r;
			}
		}
		if (!fw->pullup && !fw->held_ns && fw->on_bus)
			fw->held_ns = fw_now_ns();
		if (!fw_host_step(fw)) {
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
			r = fw_finish_urb(fw, urb);
			schedule(fw);
			return r;
		}
		fw_finish_synth(fw);
	}
}

void fomu_fw_bus_gone(struct fomu_fw *fw)
{
	/* What was queued is gone with the host; the board runs on. */
	fw_abort_xfer(fw);
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

int fomu_fw_new(struct fomu_fw **ret, const char *path, int fd, struct nor_flash *flash,
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
	r = fd >= 0 ? elf_read_fd(fd, path, &fw->elf, &fw->elf_len, err) :
		      elf_read_file(path, &fw->elf, &fw->elf_len, err);
	if (r == 0) {
		r = elf_parse_rv32(fw->elf, fw->elf_len, &fw->img, &why);
		if (r < 0)
			strbuf_printf(err, "%s: %s", path, strbuf_str(&why));
	}
	strbuf_reset(&why);
	fw->soc_kind = soc;
	/* the gateware built with this firmware says the same version */
	fw->version = FOMU_VERSION_DEFAULT;
	if (r == 0)
		fomu_version_from_elf(&fw->img, fw->elf, &fw->version);
	if (r == 0 && soc == FOMU_FW_SOC_AUTO)
		fw->soc_kind =
			fomu_soc_wants_v2(&fw->img, fw->elf) ? FOMU_FW_SOC_V2 : FOMU_FW_SOC_V1;
	if (r == 0) {
		/* try it on now: a segment that does not fit is the user's
		 * error at start-up, not at the first URB */
		r = fw_build(fw, &why);
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
	fw_log(fw,
	       "firmware %s: entry 0x%08x, %u bytes of ROM, %u of SRAM; SoC %s (%s), version "
	       "CSRs %u.%u.%u-%u-g%07x",
	       fw->name, fw->img.entry, rom, ram,
	       fw->soc_kind == FOMU_FW_SOC_V2 ? "v2: eptri, lxspi" : "v1: epfifo, picorvspi",
	       soc == FOMU_FW_SOC_AUTO ? "from its code" : "--soc", fw->version.major,
	       fw->version.minor, fw->version.revision, fw->version.gitextra, fw->version.gitrev);
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
