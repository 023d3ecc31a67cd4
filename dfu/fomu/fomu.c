// SPDX-License-Identifier: MIT
/*
 * The Fomu model: foboot v1.9's USB face over the DFU class, the flash
 * behind it, and the core that runs the image once the board leaves the
 * bootloader.
 *
 * The board's life, as `mode`:
 *
 *   BOOTLOADER --DETACH--> DETACHING --20 ms--> RUNNING (off the bus)
 *        ^                                         | halt, bitstream
 *        |                                         v
 *        +------------- reset command ---------- STOPPED
 *   (a reset on the bus goes through REPLUGGING: off the bus, then back)
 *
 * The board reboots only on DETACH: after a download it waits in
 * dfuMANIFEST_WAIT_RESET whatever the host does with USB resets (dfu-util
 * 0.11 resets there, 0.9 does not); the next dfu-util's SET_INTERFACE
 * clears that state, so `dfu-util -e` or another download work after
 * either version (see dfu/dfu.h).
 *
 * Everything the board does that the user should see goes through
 * fomu_log(): the log ring (`vusbctl NAME log`) and usb_device_event().
 *
 * With --firmware FILE none of the above runs: the board is
 * dfu/fomu/firmware.c's, and its USB device is whatever the firmware makes of
 * endpoint 0 (a class with .ep0). This file keeps the model's face:
 * options, commands, the log.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu/dfu.h"
#include "dfu/fomu/nor.h"
#include "dfu/fomu/firmware.h"
#include "dfu/fomu/soc.h"
#include "dfu/fomu/fomu.h"
#include "src/base/num.h"
#include "src/base/list.h"
#include "src/base/bytes.h"

#define FOMU_VID 0x1209
#define FOMU_PID 0x5bf0
#define FOMU_MANUFACTURER "Foosn"
#define FOMU_PRODUCT "Fomu PVT running DFU Bootloader v1.9-11-gc7ee25b"
#define MS_VENDOR_CODE '~'
#define MS_OS_STRING_INDEX 0xee
#define MS_COMPAT_ID_INDEX 4
#define WEBUSB_VENDOR_CODE 2
#define WEBUSB_GET_URL 2
#define WEBUSB_DT_URL 3
#define WEBUSB_CAP_SIZE 24

/* ice40 configuration sync words: an FPGA bitstream, not RISC-V code. */
#define BITSTREAM_SYNC1 0x7e99aa7eu
#define BITSTREAM_SYNC2 0x7eaa997eu

/* Time for DETACH's status stage to reach the host before leaving. */
#define DETACH_MS 20
/* How long a reset keeps the board off the bus. */
#define REPLUG_MS 100
#define LOG_LINE_MAX 160

static const uint8_t fomu_device_desc[] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0201) /* bcdUSB: BOS */,
	0, 0, 0, 64 /* bMaxPacketSize0 */,
	U16_LE(FOMU_VID), U16_LE(FOMU_PID), U16_LE(0x0101) /* bcdDevice */,
	1 /* iManufacturer */, 2 /* iProduct */, 0 /* no serial */, 1 /* configurations */,
};
static_assert(sizeof(fomu_device_desc) == USB_DT_DEVICE_SIZE, "fomu device descriptor");

#define FOMU_CONFIG_SIZE (USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE + DFU_DT_FUNCTIONAL_SIZE)
static const uint8_t fomu_config[] = {
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(FOMU_CONFIG_SIZE), 1 /* interfaces */,
	1 /* bConfigurationValue */, 1 /* iConfiguration */, USB_CONFIG_ATT_ONE, 50 /* 100 mA */,

	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0 /* alt */, 0 /* endpoints */,
	USB_CLASS_APP_SPEC, DFU_SUBCLASS, DFU_PROTOCOL_DFU, 2 /* iInterface */,

	DFU_DT_FUNCTIONAL_SIZE, DFU_DT_FUNCTIONAL,
	DFU_ATTR_CAN_DNLOAD | DFU_ATTR_MANIFESTATION_TOLERANT | DFU_ATTR_WILL_DETACH,
	U16_LE(10000) /* wDetachTimeOut */, U16_LE(FOMU_TRANSFER_SIZE), U16_LE(0x0101),
};
static_assert(sizeof(fomu_config) == FOMU_CONFIG_SIZE && FOMU_CONFIG_SIZE == 27,
	      "fomu configuration");

static const uint8_t fomu_bos[] = {
	USB_DT_BOS_SIZE, USB_DT_BOS, U16_LE(USB_DT_BOS_SIZE + WEBUSB_CAP_SIZE), 1,

	/* WebUSB platform capability {3408b638-09a9-47a0-8bfd-a0768815b665} */
	WEBUSB_CAP_SIZE, USB_DT_DEVICE_CAPABILITY, USB_PLATFORM_CAP_TYPE, 0,
	0x38, 0xb6, 0x08, 0x34, 0xa9, 0x09, 0xa0, 0x47,
	0x8b, 0xfd, 0xa0, 0x76, 0x88, 0x15, 0xb6, 0x65,
	U16_LE(0x0100) /* bcdVersion */, WEBUSB_VENDOR_CODE, 1 /* iLandingPage */,
};
static_assert(sizeof(fomu_bos) == 29, "fomu BOS");

/* WebUSB landing page 1: "https://" (scheme 1) + "dfu.fomu.im" */
static const uint8_t fomu_landing_url[] = {
	3 + 11, WEBUSB_DT_URL, 1, 'd', 'f', 'u', '.', 'f', 'o', 'm', 'u', '.', 'i', 'm',
};
static_assert(sizeof(fomu_landing_url) == 14, "WebUSB URL descriptor");

/* Microsoft OS 1.0 string: "MSFT100", then the vendor code to ask with. */
static const uint8_t ms_os_string[] = {
	18, USB_DT_STRING, 'M', 0, 'S', 0, 'F', 0, 'T', 0, '1', 0, '0', 0, '0', 0,
	MS_VENDOR_CODE, 0,
};
static_assert(sizeof(ms_os_string) == 18, "Microsoft OS string descriptor");

/* Extended compat ID: interface 0 is "WINUSB". */
static const uint8_t ms_compat_id[] = {
	40, 0, 0, 0 /* dwLength */, U16_LE(0x0100), U16_LE(MS_COMPAT_ID_INDEX), 1 /* bCount */,
	0, 0, 0, 0, 0, 0, 0,
	0 /* bFirstInterfaceNumber */, 1, 'W', 'I', 'N', 'U', 'S', 'B', 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, /* subCompatibleID */
	0, 0, 0, 0, 0, 0,
};
static_assert(sizeof(ms_compat_id) == 40, "Microsoft extended compat ID descriptor");

/* foboot's strings count their NUL terminator in bLength. */
#define STRING_DESC_SIZE(s) (2 + 2 * sizeof(s))
static_assert(STRING_DESC_SIZE(FOMU_PRODUCT) <= 255, "product string too long");

static const struct dfu_params fomu_dfu_params = {
	.transfer_size = FOMU_TRANSFER_SIZE,
	.poll_idle_ms = 5,
	.poll_busy_ms = 5,
	.poll_manifest_ms = 1,
	.poll_wait_reset_ms = 1000,
	/* foboot v1.9 programs a block from its main loop once the request
	 * that brought it is answered: the GETSTATUS after it says dfuDNBUSY
	 * (poll 5 ms). The model stores it at once, and says so once. */
	.busy_polls = 1,
};

enum fomu_mode {
	FOMU_BOOTLOADER, /* on the bus: foboot's DFU */
	FOMU_DETACHING, /* DETACH answered, about to leave the bus */
	FOMU_RUNNING, /* off the bus, the core runs the image */
	FOMU_STOPPED, /* off the bus, nothing runs (a halted core, a bitstream) */
	FOMU_REPLUGGING, /* reset from the bootloader: off the bus for a moment */
};

struct fomu {
	struct usb_device usb;
	struct dfu dfu;
	struct nor_flash flash;
	enum fomu_mode mode;
	bool sleeping; /* RUNNING, in wfi or an idle loop: no slice armed */
	bool bitstream; /* STOPPED because the image is for the FPGA */
	uint64_t ips;
	uint64_t executed; /* instructions since the image booted */
	uint32_t image_end; /* flash offset after the last block written */
	struct timespec download_start; /* when block 0 came */
	unsigned int slices;
	unsigned int log_tokens;
	uint64_t suppressed;
	char name[32];
	char log[FOMU_LOG_LINES][LOG_LINE_MAX];
	unsigned int log_head; /* next slot */
	unsigned int log_count;
	uint8_t desc_manufacturer[STRING_DESC_SIZE(FOMU_MANUFACTURER)];
	uint8_t desc_product[STRING_DESC_SIZE(FOMU_PRODUCT)];
	struct fomu_soc soc;
	struct fomu_fw *fw; /* --firmware: the firmware-driven board */
	struct usb_function *fw_func;
};

static struct fomu *fomu_of(struct usb_device *dev)
{
	return container_of(dev, struct fomu, usb);
}

static struct fomu *fomu_of_dfu(struct dfu *d)
{
	return d->data;
}

static void fomu_log(struct fomu *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fomu_log(struct fomu *f, const char *fmt, ...)
{
	char *line = f->log[f->log_head];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, LOG_LINE_MAX, fmt, ap);
	va_end(ap);
	f->log_head = (f->log_head + 1) % FOMU_LOG_LINES;
	if (f->log_count < FOMU_LOG_LINES)
		f->log_count++;
	usb_device_event(&f->usb, line);
}

static void string_desc(const char *s, uint8_t *out, size_t size)
{
	size_t i, n = strlen(s) + 1; /* the NUL goes out too */

	assert(2 + 2 * n == size);
	out[0] = (uint8_t)size;
	out[1] = USB_DT_STRING;
	for (i = 0; i < n; i++) {
		out[2 + 2 * i] = (uint8_t)s[i];
		out[3 + 2 * i] = 0;
	}
}

static int reply(uint8_t *data, size_t len, const uint8_t *src, size_t n)
{
	if (n > len)
		n = len;
	memcpy(data, src, n);
	return (int)n;
}

/* --- the core's side ------------------------------------------------------- */

static void fomu_bad_access(void *ctx, enum fomu_bad_access what, bool write, uint32_t addr,
			    unsigned int size, uint32_t val)
{
	struct fomu *f = ctx;

	/* The image runs with no peripheral: the CSR block is quiet. */
	if (what == FOMU_ACCESS_CSR)
		return;
	/* An image writing in a loop must not flood the log: a burst, then
	 * a trickle; the rest is counted and summed up. */
	if (f->log_tokens == 0) {
		f->suppressed++;
		return;
	}
	f->log_tokens--;
	fomu_log(f, "%s %s%u 0x%08x %s 0x%0*x (pc 0x%08x)",
		 what == FOMU_ACCESS_UNMAPPED ? "unmapped" : "read-only", write ? "write" : "read",
		 size * 8, addr, write ? "<-" : "->", (int)size * 2, val, f->soc.cpu.pc);
}

static const struct fomu_soc_ops fomu_soc_ops = {
	.bad_access = fomu_bad_access,
};

static void fomu_trace(void *ctx, const struct rv32 *cpu, uint32_t insn)
{
	struct fomu *f = ctx;
	char text[64];

	rv32_disasm(insn, cpu->pc, text, sizeof(text));
	fomu_log(f, "trace 0x%08x: %08x  %s", cpu->pc, insn, text);
}

static void flush_suppressed(struct fomu *f, bool now)
{
	if (!f->suppressed || (!now && f->slices % 100))
		return;
	fomu_log(f, "%llu more bad accesses not logged (rate limit)",
		 (unsigned long long)f->suppressed);
	f->suppressed = 0;
}

static void log_line(void *ctx, const char *line)
{
	fomu_log(ctx, "%s", line);
}

static void report_halt(struct fomu *f)
{
	const struct rv32 *cpu = &f->soc.cpu;

	rv32_describe_halt(cpu, log_line, f);
	fomu_log(f, "  mstatus %08x  mepc %08x  mcause %08x  mtval %08x", cpu->mstatus, cpu->mepc,
		 cpu->mcause, cpu->mtval);
	fomu_log(f, "core halted after %llu instructions; 'vusbctl %s reset' returns to the "
		    "bootloader",
		 (unsigned long long)f->executed, f->name);
}

static uint64_t elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns / 1000000 : 0;
}

static void run_slice(struct fomu *f)
{
	struct rv32 *cpu = &f->soc.cpu;
	uint64_t budget = f->ips * FOMU_SLICE_MS / 1000, n = 0, took;
	unsigned int delay = FOMU_SLICE_MS;
	struct timespec t0, t1;
	enum rv32_exit why;

	if (budget == 0)
		budget = 1;
	if (f->log_tokens < FOMU_LOG_BURST)
		f->log_tokens++;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	why = rv32_run(cpu, budget, &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	f->executed += n;
	f->slices++;

	switch (why) {
	case RV32_EXIT_BUDGET:
	case RV32_EXIT_YIELD: /* neither is asked for here */
	case RV32_EXIT_WATCH:
		flush_suppressed(f, false);
		/* A host slower than --ips asks for: at most half a core. */
		took = elapsed_ms(&t0, &t1);
		if (took * 2 > delay)
			delay = took * 2 > 1000 ? 1000 : (unsigned int)took * 2;
		usb_function_arm_timer(f->dfu.func, delay);
		return;
	case RV32_EXIT_WFI:
		flush_suppressed(f, true);
		fomu_log(f, "wfi at pc 0x%08x after %llu instructions: sleeping (no interrupt "
			    "source is emulated)",
			 cpu->pc - 4, (unsigned long long)f->executed);
		f->sleeping = true;
		return;
	case RV32_EXIT_IDLE:
		flush_suppressed(f, true);
		fomu_log(f, "idle loop at pc 0x%08x after %llu instructions: sleeping", cpu->pc,
			 (unsigned long long)f->executed);
		f->sleeping = true;
		return;
	case RV32_EXIT_HALT:
		flush_suppressed(f, true);
		report_halt(f);
		f->mode = FOMU_STOPPED;
		return;
	}
}

/* Leave the bus and start the image, as foboot's reboot does. */
static void boot_image(struct fomu *f)
{
	const uint8_t *img = f->flash.mem + FOMU_IMAGE_OFFSET;
	unsigned int i;

	usb_device_plug(&f->usb, false);
	f->sleeping = false;
	f->bitstream = false;
	f->executed = 0;
	f->slices = 0;
	f->suppressed = 0;
	f->log_tokens = FOMU_LOG_BURST;
	for (i = 0; i < 32; i++) {
		uint32_t w = get_le32(img + 4 * i);

		if (w == BITSTREAM_SYNC1 || w == BITSTREAM_SYNC2) {
			f->mode = FOMU_STOPPED;
			f->bitstream = true;
			fomu_log(f, "the image at 0x%08x is an FPGA bitstream: the FPGA is not "
				    "emulated, the board stays off the bus",
				 FOMU_IMAGE_ADDR);
			return;
		}
	}
	fomu_soc_reset(&f->soc, FOMU_IMAGE_ADDR);
	f->mode = FOMU_RUNNING;
	if (get_le32(img) == 0xffffffffu)
		fomu_log(f, "rebooting into the image at 0x%08x: the flash there is erased "
			    "(nothing flashed?)",
			 FOMU_IMAGE_ADDR);
	else
		fomu_log(f, "rebooting into the image at 0x%08x", FOMU_IMAGE_ADDR);
	/* Cleared as the board leaves the bus; armed again from reset. */
	usb_function_arm_timer(f->dfu.func, 1);
}

/* --- the bootloader's side ------------------------------------------------- */

static int fomu_download(struct dfu *d, unsigned int block, const uint8_t *data, size_t len)
{
	struct fomu *f = fomu_of_dfu(d);
	uint32_t addr = FOMU_IMAGE_OFFSET + block * FOMU_TRANSFER_SIZE;
	size_t off;
	int r;

	if (block == 0) {
		f->image_end = 0;
		clock_gettime(CLOCK_MONOTONIC, &f->download_start);
	}
	if (addr >= f->flash.size || len > f->flash.size - addr)
		return -EFAULT;
	/* foboot erases a block when a write starts on its boundary. */
	if (addr % NOR_BLOCK_SIZE == 0) {
		r = nor_flash_erase_block(&f->flash, addr);
		if (r < 0)
			return r;
	}
	for (off = 0; off < len; off += NOR_PAGE_SIZE) {
		size_t n = len - off < NOR_PAGE_SIZE ? len - off : NOR_PAGE_SIZE;

		r = nor_flash_program(&f->flash, addr + (uint32_t)off, data + off, n);
		if (r < 0)
			return r;
	}
	if (addr + len > f->image_end)
		f->image_end = addr + (uint32_t)len;
	return 0;
}

static void fomu_manifest(struct dfu *d)
{
	struct fomu *f = fomu_of_dfu(d);
	int r = nor_flash_sync(&f->flash);
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (r < 0)
		fomu_log(f, "download complete, but the flash file could not be synced: %s",
			 strerror(-r));
	else
		fomu_log(f, "download complete: %u bytes at flash offset 0x%x in %llu ms",
			 f->image_end > FOMU_IMAGE_OFFSET ? f->image_end - FOMU_IMAGE_OFFSET : 0,
			 FOMU_IMAGE_OFFSET,
			 (unsigned long long)elapsed_ms(&f->download_start, &now));
}

static void fomu_detach(struct dfu *d)
{
	struct fomu *f = fomu_of_dfu(d);

	if (f->mode != FOMU_BOOTLOADER)
		return;
	f->mode = FOMU_DETACHING;
	fomu_log(f, "DFU detach: rebooting");
	usb_function_arm_timer(d->func, DETACH_MS);
}

static int fomu_vendor(struct dfu *d, const struct usb_setup *s, uint8_t *data, size_t len)
{
	if (s->bmRequestType != (USB_DIR_IN | USB_TYPE_VENDOR | USB_RECIP_DEVICE))
		return -EOPNOTSUPP;
	if (s->bRequest == MS_VENDOR_CODE && s->wIndex == MS_COMPAT_ID_INDEX)
		return reply(data, len, ms_compat_id, sizeof(ms_compat_id));
	if (s->bRequest == WEBUSB_VENDOR_CODE && s->wIndex == WEBUSB_GET_URL && s->wValue == 1)
		return reply(data, len, fomu_landing_url, sizeof(fomu_landing_url));
	return -EOPNOTSUPP;
}

static int fomu_get_descriptor(struct dfu *d, const struct usb_setup *s, uint8_t *data,
			       size_t len)
{
	struct fomu *f = fomu_of_dfu(d);

	if (!(s->bmRequestType & USB_DIR_IN) || (s->wValue >> 8) != USB_DT_STRING)
		return -EPIPE;
	switch (s->wValue & 0xff) {
	case 1:
		return reply(data, len, f->desc_manufacturer, sizeof(f->desc_manufacturer));
	case 2:
		return reply(data, len, f->desc_product, sizeof(f->desc_product));
	case MS_OS_STRING_INDEX:
		return reply(data, len, ms_os_string, sizeof(ms_os_string));
	default:
		return -EPIPE;
	}
}

/* Configuration set or the host gone: the core's timer may need arming. */
static void fomu_usb_reset(struct dfu *d)
{
	struct fomu *f = fomu_of_dfu(d);

	if (f->mode == FOMU_RUNNING && !f->sleeping)
		usb_function_arm_timer(d->func, 1);
	else if (f->mode == FOMU_REPLUGGING)
		usb_function_arm_timer(d->func, REPLUG_MS);
}

static void enter_bootloader(struct fomu *f)
{
	f->mode = FOMU_BOOTLOADER;
	f->sleeping = false;
	f->bitstream = false;
	dfu_machine_init(&f->dfu.machine, &fomu_dfu_params);
}

static void fomu_timer(struct dfu *d)
{
	struct fomu *f = fomu_of_dfu(d);

	switch (f->mode) {
	case FOMU_DETACHING:
		boot_image(f);
		break;
	case FOMU_RUNNING:
		if (!f->sleeping)
			run_slice(f);
		break;
	case FOMU_REPLUGGING:
		enter_bootloader(f);
		usb_device_plug(&f->usb, true);
		break;
	default:
		break;
	}
}

static const struct dfu_backend fomu_backend = {
	.download = fomu_download,
	.manifest = fomu_manifest,
	.detach = fomu_detach,
	.control = fomu_vendor,
	.get_descriptor = fomu_get_descriptor,
	.reset = fomu_usb_reset,
	.timer = fomu_timer,
};

/* --- the model ------------------------------------------------------------- */

static int fomu_cmd_reset(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct fomu *f = fomu_of(dev);
	bool on_bus = f->mode == FOMU_BOOTLOADER || f->mode == FOMU_DETACHING;

	if (f->fw) {
		fomu_fw_power_cycle(f->fw);
		return 0;
	}
	usb_function_arm_timer(f->dfu.func, 0);
	fomu_log(f, "reset: back to the bootloader");
	if (on_bus) {
		/* A board on the bus drops off and enumerates again. The
		 * timer brings it back: armed here, since only a host that
		 * was talking to it resets the class (fomu_usb_reset) as it
		 * goes, and an export nobody imported has none. */
		enter_bootloader(f);
		f->mode = FOMU_REPLUGGING;
		usb_device_plug(dev, false);
		usb_function_arm_timer(f->dfu.func, REPLUG_MS);
		return 0;
	}
	enter_bootloader(f);
	usb_device_plug(dev, true);
	return 0;
}

static int fomu_cmd_log(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct fomu *f = fomu_of(dev);
	unsigned int i, start = (f->log_head + FOMU_LOG_LINES - f->log_count) % FOMU_LOG_LINES;

	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	struct json j;

	if (argc == 2 && !json) {
		strbuf_printf(out, "usage: log [--json]");
		return -EINVAL;
	}
	for (i = 0; i < f->log_count; i++) {
		const char *line = f->log[(start + i) % FOMU_LOG_LINES];

		if (!json) {
			strbuf_printf(out, "%s\n", line);
			continue;
		}
		/* JSON lines, as the log is a stream: {"line":"..."} */
		json_init(&j, out);
		json_object_begin(&j);
		json_kv_str(&j, "line", line);
		json_object_end(&j);
		strbuf_printf(out, "\n");
	}
	return 0;
}

static void fomu_describe(struct usb_device *dev, struct strbuf *out)
{
	struct fomu *f = fomu_of(dev);
	const struct rv32 *cpu = &f->soc.cpu;

	if (f->fw) {
		fomu_fw_describe(f->fw, out);
		return;
	}
	switch (f->mode) {
	case FOMU_BOOTLOADER:
		strbuf_printf(out, "bootloader %s", dfu_state_name(f->dfu.machine.state));
		if (f->dfu.machine.state == DFU_STATE_ERROR)
			strbuf_printf(out, " %s", dfu_status_name(f->dfu.machine.status));
		break;
	case FOMU_DETACHING:
	case FOMU_REPLUGGING:
		strbuf_printf(out, "rebooting");
		break;
	case FOMU_RUNNING:
		strbuf_printf(out, "%s pc=0x%08x insns=%llu", f->sleeping ? "sleeping" : "running",
			      cpu->pc, (unsigned long long)f->executed);
		break;
	case FOMU_STOPPED:
		if (f->bitstream)
			strbuf_printf(out, "stopped: FPGA bitstream");
		else
			strbuf_printf(out, "halted: %s at pc=0x%08x", rv32_cause_name(cpu->halt.cause),
				      cpu->halt.pc);
		break;
	}
}

static int parse_ips(const char *s, uint64_t *ret, struct strbuf *err)
{
	long long v;

	if (strcmp(s, "max") == 0) {
		*ret = FOMU_MAX_IPS;
		return 0;
	}
	if (num_parse(s, 10, 1000, (long long)FOMU_MAX_IPS, &v) < 0) {
		strbuf_printf(err,
			      "invalid --ips '%s': instructions per second, 1000..4000000000, "
			      "or max",
			      s);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static void fomu_destroy(struct usb_device *dev)
{
	struct fomu *f;

	if (!dev)
		return;
	f = fomu_of(dev);
	fomu_fw_free(f->fw);
	nor_flash_close(&f->flash);
	free(f);
}

/* --- --firmware: the firmware's own USB device ---------------------------- */

static const struct fomu_fw_ops fw_ops = {
	.log = log_line,
};

static int fw_class_xfer(struct usb_function *func, struct usb_urb *urb)
{
	return fomu_fw_control(((struct fomu *)func->data)->fw, urb);
}

static void fw_class_timer(struct usb_function *func)
{
	fomu_fw_timer(((struct fomu *)func->data)->fw);
}

static void fw_class_reset(struct usb_function *func)
{
	fomu_fw_bus_gone(((struct fomu *)func->data)->fw);
}

/* The firmware's side of the board: endpoint 0 (its own USB stack) and the timer. */
static const struct usb_class_ops fw_class = {
	.name = "fomu-firmware",
	.xfer = fw_class_xfer,
	.timer = fw_class_timer,
	.reset = fw_class_reset,
	.ep0 = true,
};

/*
 * The descriptors the core holds are foboot's, placeholders: the host
 * never sees them (the firmware answers endpoint 0); they only
 * satisfy usb_device_validate() and what an export lists before the
 * firmware has run.
 */
static int fw_create(struct fomu *f, const struct vusb_dev_opts *opts, const char *path,
		     struct strbuf *err)
{
	const char *soc_opt = vusb_dev_opt(opts, "--soc");
	enum fomu_fw_soc soc = FOMU_FW_SOC_AUTO;
	unsigned int trace;
	int r;

	if (soc_opt && !strcmp(soc_opt, "v1")) {
		soc = FOMU_FW_SOC_V1;
	} else if (soc_opt && !strcmp(soc_opt, "v2")) {
		soc = FOMU_FW_SOC_V2;
	} else if (soc_opt) {
		strbuf_printf(err,
			      "invalid --soc '%s': v1 (foboot v1.x: epfifo) or v2 (foboot "
			      "v2.0.x: eptri)",
			      soc_opt);
		return -EINVAL;
	}
	if (opts->has_file_fd && vusb_dev_sent_fd(opts, "--firmware") < 0) {
		strbuf_printf(err, "--firmware %s: the file did not come with the request", path);
		return -EBADF;
	}
	if (opts->vid >= 0 || opts->pid >= 0) {
		strbuf_printf(err, "with --firmware the USB IDs are the firmware's: --vid and "
				   "--pid do not apply");
		return -EINVAL;
	}
	usb_device_init(&f->usb);
	memcpy(f->usb.desc, fomu_device_desc, sizeof(fomu_device_desc));
	f->usb.config = fomu_config;
	f->usb.bos = fomu_bos;
	f->usb.speed = USB_SPEED_FULL;
	f->fw_func = usb_device_add_function(&f->usb, &fw_class, 0, 1, f);
	r = f->fw_func ? usb_device_validate(&f->usb) : -ENOSPC;
	if (r < 0) {
		strbuf_printf(err, "fomu: internal error: %s", strerror(-r));
		return -EIO;
	}
	trace = (vusb_dev_opt(opts, "--trace") ? FOMU_FW_TRACE_INSN : 0) |
		(vusb_dev_opt(opts, "--trace-usb") ? FOMU_FW_TRACE_USB : 0);
	r = fomu_fw_new(&f->fw, path, vusb_dev_sent_fd(opts, "--firmware"), &f->flash, soc, f->ips,
			trace, &fw_ops, f, err);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	fomu_fw_bind(f->fw, &f->usb, f->fw_func);
	return 0;
}

static int fomu_create(struct usb_device **ret, const struct vusb_dev_opts *opts,
		       struct strbuf *err)
{
	const char *ips = vusb_dev_opt(opts, "--ips");
	struct fomu *f;
	int r;

	if (opts->speed != USB_SPEED_UNKNOWN && opts->speed != USB_SPEED_FULL) {
		strbuf_printf(err, "a fomu is a full-speed device");
		return -EINVAL;
	}
	if (opts->serial || opts->product || opts->manufacturer) {
		strbuf_printf(err, "a fomu has foboot's strings: --serial, --product and "
				   "--manufacturer do not apply");
		return -EINVAL;
	}
	if (opts->vid > 0xffff || opts->pid > 0xffff) {
		strbuf_printf(err, "a USB ID must fit in 16 bits");
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->flash.fd = -1;
	f->ips = FOMU_DEFAULT_IPS;
	if (ips && parse_ips(ips, &f->ips, err) < 0) {
		free(f);
		return -EINVAL;
	}
	snprintf(f->name, sizeof(f->name), "%s", opts->name ? opts->name : "fomu");
	/* The flash file vusbctl add made or opened, or the path here. */
	r = vusb_dev_file_fd(opts, "--flash");
	if (r >= 0)
		r = nor_flash_open_fd(&f->flash, r, vusb_dev_opt(opts, "--flash"), FOMU_FLASH_SIZE,
				      err);
	else if (r == -1 && opts->has_file_fd && vusb_dev_opt(opts, "--flash")) {
		/* Named, but not sent: never opened by its path here. */
		strbuf_printf(err, "--flash %s: the file did not come with the request",
			      vusb_dev_opt(opts, "--flash"));
		r = -EBADF;
	} else if (r == -1)
		r = nor_flash_open(&f->flash, vusb_dev_opt(opts, "--flash"), FOMU_FLASH_SIZE, err);
	else
		strbuf_printf(err, "--flash: %s", strerror(-r));
	if (r < 0) {
		free(f);
		/* A file that is no flash image is the user's to fix: -EINVAL. */
		return r;
	}
	if (vusb_dev_opt(opts, "--soc") && !vusb_dev_opt(opts, "--firmware")) {
		strbuf_printf(err, "--soc chooses the gateware for --firmware: without a firmware "
				   "it does not apply");
		nor_flash_close(&f->flash);
		free(f);
		return -EINVAL;
	}
	if (vusb_dev_opt(opts, "--firmware")) {
		r = fw_create(f, opts, vusb_dev_opt(opts, "--firmware"), err);
		if (r < 0) {
			fomu_destroy(&f->usb);
			return r;
		}
		*ret = &f->usb;
		return 0;
	}

	usb_device_init(&f->usb);
	memcpy(f->usb.desc, fomu_device_desc, sizeof(fomu_device_desc));
	if (opts->vid >= 0) {
		f->usb.desc[8] = (uint8_t)(opts->vid & 0xff);
		f->usb.desc[9] = (uint8_t)(opts->vid >> 8);
	}
	if (opts->pid >= 0) {
		f->usb.desc[10] = (uint8_t)(opts->pid & 0xff);
		f->usb.desc[11] = (uint8_t)(opts->pid >> 8);
	}
	f->usb.config = fomu_config;
	f->usb.bos = fomu_bos;
	f->usb.speed = USB_SPEED_FULL;
	/* Strings 1 and 2 come from fomu_get_descriptor, NUL and all. */
	string_desc(FOMU_MANUFACTURER, f->desc_manufacturer, sizeof(f->desc_manufacturer));
	string_desc(FOMU_PRODUCT, f->desc_product, sizeof(f->desc_product));

	r = fomu_soc_init(&f->soc, f->flash.mem, &fomu_soc_ops, f);
	if (r == 0)
		r = dfu_attach(&f->dfu, &f->usb, 0, &fomu_dfu_params, &fomu_backend, f);
	if (r == 0)
		r = usb_device_validate(&f->usb);
	if (r < 0) {
		strbuf_printf(err, "fomu: internal error: %s", strerror(-r));
		fomu_destroy(&f->usb);
		return -EIO;
	}
	if (vusb_dev_opt(opts, "--trace")) {
		f->soc.cpu.trace = fomu_trace;
		f->soc.cpu.trace_ctx = f;
	}
	enter_bootloader(f);
	*ret = &f->usb;
	return 0;
}

static const struct vusb_command fomu_commands[] = {
	{ "reset", NULL, "back to the bootloader (the board replugs)", 0, 0, fomu_cmd_reset, NULL },
	{ "log", "[--json]", "the board's log: what the image did, traps, downloads", 0, 1,
	  fomu_cmd_log, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static const struct vusb_model_option fomu_options[] = {
	{ "--flash", "FILE", "keep the 2 MiB SPI flash in FILE (default: a temporary file)" },
	{ "--trace", NULL, "log every instruction the core executes" },
	{ "--trace-usb", NULL, "with --firmware: log every control transfer the firmware answers" },
	{ "--ips", "N|max",
	  "instructions per second the core may run (default 12000000, the board's clock); "
	  "max: as fast as the host can" },
	{ "--firmware", "ELF",
	  "run this RV32 firmware (foboot's ELF) from the SoC's ROM: the USB device is the "
	  "firmware's" },
	{ "--soc", "v1|v2",
	  "with --firmware: the gateware around the core: v1 (foboot v1.x: ValentyUSB epfifo, "
	  "PicoRV32 SPI) or v2 (foboot v2.0.x: eptri, LiteX SPI); default: from the "
	  "firmware's code (v2 if it reaches the CSRs at 0xe0007800 and up)" },
	{ NULL, NULL, NULL },
};

const struct vusb_model fomu_model = {
	.name = "fomu",
	.summary = "Fomu in foboot v1.9 (DFU bootloader); runs the flashed RV32 image, or "
		   "--firmware ELF",
	.create = fomu_create,
	.destroy = fomu_destroy,
	.commands = fomu_commands,
	.options = fomu_options,
	.describe = fomu_describe,
};
