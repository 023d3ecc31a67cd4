/* SPDX-License-Identifier: MIT */
/*
 * Inside the firmware runner (firmware.h), shared by its files:
 * firmware.c runs the core and answers the device's URBs, firmware-soc.c
 * builds the SoC and its peripherals around the ELF, firmware-host.c
 * plays the host controller's side of each control transfer.
 */
#ifndef VUSB_FOMU_FIRMWARE_PRIVATE_H
#define VUSB_FOMU_FIRMWARE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

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
/* Cycles a watched pc may stay unvisited before another is picked:
 * longer than a polling loop goes round (foboot's: about a hundred). */
#define IDLE_REPICK 4096u
/* A control transfer this recent: the host is waiting for the board,
 * which may then take a whole core when the machine is slower than
 * --ips (at most half of one otherwise). */
#define HOST_ACTIVE_MS 1000u
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
	struct fomu_version version; /* what the version CSRs say */

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
	/* idle detection: a pc is watched (cpu.watch_pc) */
	bool watching;
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

/* firmware.c */
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t fw_now_ns(void);
void fw_log(struct fomu_fw *fw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fw_wake(struct fomu_fw *fw);

/* firmware-soc.c: the SoC around the firmware. */
bool fw_usb_pullup(const struct fomu_fw *fw);
int fw_build(struct fomu_fw *fw, struct strbuf *err);

/* firmware-host.c: the host's side of a control transfer. */
void fw_abort_xfer(struct fomu_fw *fw);
void fw_bus_reset(struct fomu_fw *fw);
bool fw_host_step(struct fomu_fw *fw);
void fw_start_synth(struct fomu_fw *fw);
void fw_finish_synth(struct fomu_fw *fw);
int fw_start_urb(struct fomu_fw *fw, struct usb_urb *urb);
int fw_finish_urb(struct fomu_fw *fw, struct usb_urb *urb);

#endif
