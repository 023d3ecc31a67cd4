/* SPDX-License-Identifier: MIT */
/*
 * A Fomu whose USB device is its firmware's: `vusb-attach fomu --firmware
 * foboot.elf`. The ELF is loaded into the SoC's ROM and SRAM (dfu/rv32/elf.h)
 * and runs on the RV32 core with the gateware's peripherals around it:
 * ValentyUSB epfifo on IRQ 3, the SPI flash through PicoRV32's bit-bang
 * port (the same flash file as the built-in model), timer0, ctrl, touch,
 * reboot, rgb, version (dfu/fomu/periph.h); or, for foboot v2.0.x,
 * ValentyUSB eptri and LiteX's SPI port (enum fomu_fw_soc).
 *
 * The model plays the USB host on the board's side of the cable: each
 * control URB from the kernel becomes SETUP, data and status packets to
 * the epfifo (dfu/fomu/ctlxfer.h), sent as fast as the firmware answers them;
 * a NAK waits for the firmware, a STALL completes the URB with -EPIPE.
 * What vhci keeps from us it does itself, as the kernel's hub driver
 * would: after the first transfer of an enumeration (at address 0) it
 * sends the firmware a SET_ADDRESS of its own, and addresses it there
 * afterwards; a firmware that does not take its address stops answering,
 * as on a real bus. The device joins and leaves the bus with the
 * firmware's pull-up; the core powers on with the first URB (the board
 * is plugged in), or with `vusbctl NAME reset`.
 *
 * The core runs from the event loop, never in a thread: in bursts of at
 * most FOMU_FW_SLICE_MS worth of instructions at --ips (the Fomu's 12 MHz
 * by default), from the loop's timer and, when a URB waits on it, right
 * away from the URB's submission, so a transfer usually completes before
 * the loop runs again. A burst stops early when the firmware writes a USB
 * register that can change the next handshake (the host's next token
 * follows, a packet's time on the 12 Mbit/s bus later), when it sleeps in
 * wfi, and when it spins in a loop that only an outside event can end
 * (the same pc with the same registers and nothing stored, no counter
 * read, no CSR written in between; see rv32.h's effects): then the board
 * sleeps, burning nothing, until a URB, a token the firmware must see or
 * timer0's next interrupt. Its cycle counter (the timers' clock) catches
 * up with the time it slept.
 */
#ifndef VUSB_DFU_FOMU_FW_H
#define VUSB_DFU_FOMU_FW_H

#include <stdbool.h>
#include <stdint.h>

#include "dfu/fomu/nor.h"
#include "src/base/strbuf.h"
#include "src/usb/usbdev.h"

#define FOMU_FW_SLICE_MS 10u
/* A URB that arrives before the firmware's pull-up waits this long, then
 * the board leaves the bus until the firmware connects. */
#define FOMU_FW_CONNECT_GRACE_MS 2000u
/* A control transfer the firmware never finishes: the kernel gives up
 * after its own timeout (5 s for its requests and dfu-util's) and
 * unlinks it; this catches a host that would not. */
#define FOMU_FW_XFER_TIMEOUT_MS 10000u
/* The address the model's SET_ADDRESS gives: counts up per enumeration,
 * as the kernel's device numbers do. */
#define FOMU_FW_FIRST_ADDRESS 2u

/* What the log traces: every instruction (--trace); every control
 * transfer the host sent the firmware, its outcome, bytes and time
 * (--trace-usb). */
#define FOMU_FW_TRACE_INSN 1u
#define FOMU_FW_TRACE_USB 2u

/*
 * The gateware around the core: V1, foboot v1.x's (ValentyUSB epfifo,
 * PicoRV32 SPI at 0xe0005000, timer0 on IRQ 1); V2, foboot v2.0.x's
 * (ValentyUSB eptri, LiteX SPI bit-bang at 0xe0007800, timer0 on IRQ 2).
 * AUTO picks from the firmware's code (fomu_soc_wants_v2()).
 */
enum fomu_fw_soc {
	FOMU_FW_SOC_AUTO,
	FOMU_FW_SOC_V1,
	FOMU_FW_SOC_V2,
};

struct fomu_fw;

struct fomu_fw_ops {
	/* A line for the board's log. */
	void (*log)(void *ctx, const char *line);
};

/*
 * Read and check the ELF at `path` (or in fd, when >= 0: left open) and build the board around `flash`
 * (FOMU_FLASH_SIZE bytes, the caller's, still open when freed), with the
 * gateware `soc` says (see enum fomu_fw_soc). ips:
 * instructions per second; trace: FOMU_FW_TRACE_* bits. Nothing runs
 * yet. 0, or -errno with the reason in err.
 */
int fomu_fw_new(struct fomu_fw **ret, const char *path, int fd, struct nor_flash *flash,
		enum fomu_fw_soc soc, uint64_t ips, unsigned int trace,
		const struct fomu_fw_ops *ops, void *ctx, struct strbuf *err);
void fomu_fw_free(struct fomu_fw *fw);

/* The device it answers for (through a class with .ep0) and the function whose timer it
 * runs on; before anything else. */
void fomu_fw_bind(struct fomu_fw *fw, struct usb_device *dev, struct usb_function *func);

/* A class xfer() on endpoint 0 (usb_class_ops.ep0): one control URB (see src/usb/usbdev.h). */
int fomu_fw_control(struct fomu_fw *fw, struct usb_urb *urb);
/* The function's timer fired. */
void fomu_fw_timer(struct fomu_fw *fw);
/* The host went away (the function's reset): the board runs on. */
void fomu_fw_bus_gone(struct fomu_fw *fw);
/* Power-cycle the board (vusbctl NAME reset): off the bus, boot again. */
void fomu_fw_power_cycle(struct fomu_fw *fw);
/* One line for vusbctl list. */
void fomu_fw_describe(const struct fomu_fw *fw, struct strbuf *out);

#endif
