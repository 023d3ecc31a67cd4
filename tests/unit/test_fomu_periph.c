// SPDX-License-Identifier: MIT
/*
 * The Fomu's small peripherals through the SoC's bus: timer0 (counting on
 * the core's cycles, reload, the zero event and its interrupt line, the
 * next-interrupt estimate the board sleeps on), ctrl, touch (no loop-back
 * between pads: foboot's nerve pinch fails), reboot (the key), rgb and the
 * version block foboot v1.9 reads before it sets the USB address.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/fomu/periph.h"
#include "dfu/fomu/soc.h"
#include "tests/lib/socbus.h"

struct t {
	struct fomu_soc soc;
	uint8_t flash[FOMU_FLASH_SIZE];
	struct fomu_timer timer;
	struct fomu_ctrl ctrl;
	struct fomu_touch touch;
	struct fomu_reboot reboot;
	struct fomu_rgb rgb;
	struct fomu_version version;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(fomu_soc_init(&t->soc, t->flash, NULL, NULL), 0);
	assert_int_equal(fomu_timer_attach(&t->timer, &t->soc), 0);
	assert_int_equal(fomu_ctrl_attach(&t->ctrl, &t->soc), 0);
	assert_int_equal(fomu_touch_attach(&t->touch, &t->soc), 0);
	assert_int_equal(fomu_reboot_attach(&t->reboot, &t->soc), 0);
	assert_int_equal(fomu_rgb_attach(&t->rgb, &t->soc), 0);
	t->version = FOMU_VERSION_DEFAULT;
	assert_int_equal(fomu_version_attach(&t->soc, &t->version), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* LiteX's accessors for a 32-bit CSR on an 8-bit CSR bus: MSB first. */
static void wr32(struct t *t, uint32_t addr, uint32_t v)
{
	socbus_store(&t->soc, addr, v >> 24);
	socbus_store(&t->soc, addr + 4, (v >> 16) & 0xff);
	socbus_store(&t->soc, addr + 8, (v >> 8) & 0xff);
	socbus_store(&t->soc, addr + 12, v & 0xff);
}

static uint32_t rd32(struct t *t, uint32_t addr)
{
	return socbus_load(&t->soc, addr) << 24 | socbus_load(&t->soc, addr + 4) << 16 |
	       socbus_load(&t->soc, addr + 8) << 8 | socbus_load(&t->soc, addr + 12);
}

#define TIMER(off) (FOMU_TIMER0_BASE + (off))
#define LOAD TIMER(0x00)
#define RELOAD TIMER(0x10)
#define EN TIMER(0x20)
#define UPDATE TIMER(0x24)
#define VALUE TIMER(0x28)
#define EV_STATUS TIMER(0x38)
#define EV_PENDING TIMER(0x3c)
#define EV_ENABLE TIMER(0x40)

static void tick(struct t *t, uint64_t cycles)
{
	t->soc.cpu.cycle += cycles;
}

static uint32_t value(struct t *t)
{
	socbus_store(&t->soc, UPDATE, 1);
	return rd32(t, VALUE);
}

static bool irq_line(struct t *t)
{
	return (t->soc.cpu.irq_lines >> FOMU_IRQ_TIMER0) & 1;
}

static void test_timer_one_shot(void **state)
{
	struct t *t = *state;

	/* disabled, the count follows load */
	wr32(t, LOAD, 1000);
	assert_int_equal(rd32(t, LOAD), 1000);
	tick(t, 5000);
	assert_int_equal(value(t), 1000);
	/* the value register holds what update_value latched */
	wr32(t, LOAD, 7);
	assert_int_equal(rd32(t, VALUE), 1000);
	wr32(t, LOAD, 1000);
	/* enabled: one down per cycle */
	socbus_store(&t->soc, EN, 1);
	tick(t, 300);
	assert_int_equal(value(t), 700);
	assert_int_equal(socbus_load(&t->soc, EV_STATUS), 1); /* nonzero */
	assert_int_equal(socbus_load(&t->soc, EV_PENDING), 0);
	/* the interrupt is not enabled: no line, and nothing to wait for */
	assert_true(fomu_timer_next_irq(&t->timer) == UINT64_MAX);
	socbus_store(&t->soc, EV_ENABLE, 1);
	assert_int_equal(fomu_timer_next_irq(&t->timer), 700);
	tick(t, 699);
	fomu_timer_sync(&t->timer);
	assert_false(irq_line(t));
	tick(t, 1);
	fomu_timer_sync(&t->timer);
	assert_true(irq_line(t));
	assert_int_equal(socbus_load(&t->soc, EV_PENDING), 1);
	assert_int_equal(socbus_load(&t->soc, EV_STATUS), 0);
	/* reload 0: it stays at 0; clearing the event drops the line */
	tick(t, 10000);
	assert_int_equal(value(t), 0);
	socbus_store(&t->soc, EV_PENDING, 1);
	assert_false(irq_line(t));
	assert_int_equal(socbus_load(&t->soc, EV_PENDING), 0);
	tick(t, 10000);
	assert_int_equal(socbus_load(&t->soc, EV_PENDING), 0);
	assert_true(fomu_timer_next_irq(&t->timer) == UINT64_MAX);
	/* disabling reloads from load */
	socbus_store(&t->soc, EN, 0);
	assert_int_equal(value(t), 1000);
}

static void test_timer_periodic(void **state)
{
	struct t *t = *state;

	/* foboot's time_init: reload = load = 2 s at 12 MHz */
	socbus_store(&t->soc, EN, 0);
	wr32(t, RELOAD, 24000000);
	wr32(t, LOAD, 24000000);
	socbus_store(&t->soc, EN, 1);
	tick(t, 24000000);
	assert_int_equal(value(t), 0);
	tick(t, 1);
	assert_int_equal(value(t), 24000000);
	tick(t, 1000);
	assert_int_equal(value(t), 24000000 - 1000);
	/* small numbers: load 3, reload 4: 3 2 1 0 4 3 2 1 0 4 ... */
	socbus_store(&t->soc, EN, 0);
	wr32(t, LOAD, 3);
	wr32(t, RELOAD, 4);
	socbus_store(&t->soc, EV_PENDING, 1);
	socbus_store(&t->soc, EV_ENABLE, 1);
	socbus_store(&t->soc, EN, 1);
	{
		static const uint32_t want[] = { 3, 2, 1, 0, 4, 3, 2, 1, 0, 4, 3 };
		unsigned int i;

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			assert_int_equal(fomu_timer_value(&t->timer), want[i]);
			tick(t, 1);
		}
	}
	/* two zeros went by: one pending event (it is a latch) */
	fomu_timer_sync(&t->timer);
	assert_true(irq_line(t));
	socbus_store(&t->soc, EV_PENDING, 1);
	/* the next zero is two cycles away, the one after five */
	assert_int_equal(fomu_timer_value(&t->timer), 2);
	assert_int_equal(fomu_timer_next_irq(&t->timer), 2);
	tick(t, 2);
	assert_int_equal(fomu_timer_next_irq(&t->timer), 5);
	/* a new reload takes effect after the current count */
	wr32(t, RELOAD, 9);
	tick(t, 1);
	assert_int_equal(fomu_timer_value(&t->timer), 9);
	/* reads of an enabled timer change with time: they are effects, so
	 * a loop polling it is never taken for idle */
	{
		uint64_t e = t->soc.cpu.effects;

		socbus_load(&t->soc, EV_PENDING);
		assert_true(t->soc.cpu.effects > e);
	}
}

static void test_ctrl_touch_reboot_rgb(void **state)
{
	struct t *t = *state;
	unsigned int i;
	int pinch = 1;

	/* ctrl: scratch resets to 0x12345678 and is read-write */
	assert_int_equal(rd32(t, FOMU_CTRL_BASE + 4), FOMU_CTRL_SCRATCH_RESET);
	wr32(t, FOMU_CTRL_BASE + 4, 0xcafef00d);
	assert_int_equal(rd32(t, FOMU_CTRL_BASE + 4), 0xcafef00d);
	assert_int_equal(rd32(t, FOMU_CTRL_BASE + 0x14), 0); /* bus errors */
	assert_false(t->ctrl.reset_request);
	socbus_store(&t->soc, FOMU_CTRL_BASE, 1);
	assert_true(t->ctrl.reset_request);
	assert_true(t->soc.cpu.yield); /* the board acts before the next instruction */
	t->soc.cpu.yield = false;

	/* touch: foboot's nerve pinch drives pad 2 and reads pad 0 */
	socbus_store(&t->soc, FOMU_TOUCH_BASE + 4, 1 << 2);
	for (i = 0; i < 10; i++) {
		socbus_store(&t->soc, FOMU_TOUCH_BASE, (i & 1) << 2);
		if ((i & 1) != (socbus_load(&t->soc, FOMU_TOUCH_BASE + 8) & 1))
			pinch = 0;
	}
	assert_int_equal(pinch, 0);
	/* a driven pad reads its own level */
	socbus_store(&t->soc, FOMU_TOUCH_BASE, 0x4);
	assert_int_equal(socbus_load(&t->soc, FOMU_TOUCH_BASE + 8), 0x4);
	socbus_store(&t->soc, FOMU_TOUCH_BASE + 4, 0);
	assert_int_equal(socbus_load(&t->soc, FOMU_TOUCH_BASE + 8), 0);

	/* reboot: the address register, and the key */
	wr32(t, FOMU_REBOOT_BASE + 4, 0x20040000);
	assert_int_equal(rd32(t, FOMU_REBOOT_BASE + 4), 0x20040000);
	socbus_store(&t->soc, FOMU_REBOOT_BASE, 0x02); /* no key: nothing */
	assert_int_equal(t->reboot.request, -1);
	socbus_store(&t->soc, FOMU_REBOOT_BASE, 0xac | 2);
	assert_int_equal(t->reboot.request, 2);
	assert_true(t->soc.cpu.yield);
	t->soc.cpu.yield = false;

	/* rgb: address, then data, lands in the LED IP's register */
	socbus_store(&t->soc, FOMU_RGB_BASE + 4, 1);
	socbus_store(&t->soc, FOMU_RGB_BASE, 0x40);
	socbus_store(&t->soc, FOMU_RGB_BASE + 4, 3);
	socbus_store(&t->soc, FOMU_RGB_BASE, 0x7f);
	socbus_store(&t->soc, FOMU_RGB_BASE + 8, 0x06);
	assert_int_equal(t->rgb.regs[1], 0x40);
	assert_int_equal(t->rgb.regs[3], 0x7f);
	assert_int_equal(socbus_load(&t->soc, FOMU_RGB_BASE + 8), 0x06);
	assert_int_equal(t->rgb.writes, 2);
}

static void test_version(void **state)
{
	struct t *t = *state;

	/* foboot v1.9 writes the USB address only if this says >= 1.9 */
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE), 1);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 4), 9);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 8), 0);
	assert_int_equal(rd32(t, FOMU_VERSION_BASE + 0x0c), 0x0c7ee25b);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 0x1c) << 8 |
				 socbus_load(&t->soc, FOMU_VERSION_BASE + 0x20),
			 11);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 0x24), 0);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 0x28), 'P');
	/* read-only */
	socbus_store(&t->soc, FOMU_VERSION_BASE + 4, 3);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 4), 9);
	/* the peripherals do not overlap, and a ninth fits (usb) */
	assert_int_equal(t->soc.nperiphs, 6);
}

/* The gateware a firmware wants, from its code: lui rd, 0xe0008 in an
 * executable segment (v2's LiteX SPI at 0xe0007800, messible 0xe0008000). */
static void test_wants_v2(void **state)
{
	/* lui a5, 0xe0005; lui s1, 0xe0008; lui a0, 0xe0007 */
	static const uint8_t code[12] = { 0xb7, 0x57, 0x00, 0xe0, 0xb7, 0x84, 0x00,
					  0xe0, 0x37, 0x75, 0x00, 0xe0 };
	struct elf_image img = { .nsegs = 1 };

	img.segs[0] = (struct elf_segment){ .memsz = 12, .filesz = 12, .flags = ELF_PF_X };
	assert_true(fomu_soc_wants_v2(&img, code));
	/* only the first two instructions: v1 */
	img.segs[0].filesz = 4;
	assert_false(fomu_soc_wants_v2(&img, code));
	/* data, not code, does not count; nor a word cut short */
	img.segs[0].filesz = 12;
	img.segs[0].flags = ELF_PF_R | ELF_PF_W;
	assert_false(fomu_soc_wants_v2(&img, code));
	img.segs[0] = (struct elf_segment){ .memsz = 7, .filesz = 7, .offset = 1, .flags = ELF_PF_X };
	assert_false(fomu_soc_wants_v2(&img, code));
	/* lui s1, 0xe0008 with bits of another opcode (auipc) does not count */
	{
		uint8_t auipc[4] = { 0x97, 0x84, 0x00, 0xe0 };

		img.segs[0] = (struct elf_segment){ .memsz = 4, .filesz = 4, .flags = ELF_PF_X };
		assert_false(fomu_soc_wants_v2(&img, auipc));
	}
}

/* ASCII text as UTF-16LE into buf, after `pad` bytes of 0xaa: its length. */
static size_t utf16(uint8_t *buf, size_t pad, const char *s)
{
	size_t i, n = strlen(s);

	memset(buf, 0xaa, pad);
	for (i = 0; i < n; i++) {
		buf[pad + 2 * i] = (uint8_t)s[i];
		buf[pad + 2 * i + 1] = 0;
	}
	return pad + 2 * n;
}

/* The version CSRs of a foboot build, from its firmware's product string. */
static void test_version_from_elf(void **state)
{
	static const struct {
		const char *text;
		bool found;
		struct fomu_version v;
	} cases[] = {
		{ "Fomu PVT running DFU Bootloader v2.0.4", true, { 2, 0, 4, 0, 0, 'P' } },
		{ "Fomu PVT running DFU Bootloader v1.9", true, { 1, 9, 0, 0, 0, 'P' } },
		{ "Fomu EVT running DFU Bootloader v1.9-11-gc7ee25b",
		  true,
		  { 1, 9, 0, 0x0c7ee25b, 11, 'E' } },
		{ "Fomu Hacker running DFU Bootloader v2.0.3-2-g0123abcd",
		  true,
		  { 2, 0, 3, 0x0123abcd, 2, 'H' } },
		/* no board before it: PVT, as the default */
		{ "running DFU Bootloader v3.1", true, { 3, 1, 0, 0, 0, 'P' } },
		/* not a version: left alone */
		{ "Fomu PVT running DFU Bootloader", false, { 0 } },
		{ "Fomu PVT running DFU Bootloader v", false, { 0 } },
		{ "Fomu PVT running DFU Bootloader v1", false, { 0 } },
		{ "Fomu PVT running DFU Bootloader v1.", false, { 0 } },
		{ "Fomu PVT running DFU Bootloader v256.0", false, { 0 } },
		{ "Fomu PVT running DFU Bootloader v1.9-1024-g1", false, { 0 } },
		{ "Fomu PVT running DFU Bootloader v1.9-3-x1", false, { 0 } },
		{ "Fomu PVT running DFU Bootloader v1.9-3-g123456789", false, { 0 } },
		{ "Fomu PVT running DFU Bootloader v1.9-3-g", false, { 0 } },
	};
	struct elf_image img = { .nsegs = 1 };
	uint8_t buf[256];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fomu_version v = { 7, 7, 7, 7, 7, 7 };
		size_t n = utf16(buf, i % 3, cases[i].text); /* any alignment */

		img.segs[0] = (struct elf_segment){ .memsz = (uint32_t)n, .filesz = (uint32_t)n };
		assert_int_equal(fomu_version_from_elf(&img, buf, &v), cases[i].found);
		if (!cases[i].found) {
			assert_int_equal(v.major, 7); /* untouched */
			assert_int_equal(v.gitrev, 7);
			continue;
		}
		assert_int_equal(v.major, cases[i].v.major);
		assert_int_equal(v.minor, cases[i].v.minor);
		assert_int_equal(v.revision, cases[i].v.revision);
		assert_int_equal(v.gitrev, cases[i].v.gitrev);
		assert_int_equal(v.gitextra, cases[i].v.gitextra);
		assert_int_equal(v.model, cases[i].v.model);
	}
	/* cut short by the segment: not found, nothing read past it */
	img.segs[0].filesz = (uint32_t)utf16(buf, 0, "Fomu PVT running DFU Bootloader v2.0.4") - 4;
	{
		struct fomu_version v = { 7, 7, 7, 7, 7, 7 };

		assert_true(fomu_version_from_elf(&img, buf, &v));
		assert_int_equal(v.revision, 0); /* "v2.0" is what is left */
	}
	img.segs[0].filesz = 2 * 32;
	{
		struct fomu_version v = { 7, 7, 7, 7, 7, 7 };

		assert_false(fomu_version_from_elf(&img, buf, &v));
	}
}

/* The registers say what they were given. */
static void test_version_given(void **state)
{
	struct t *t = *state;

	t->version = (struct fomu_version){ 2, 0, 4, 0x01020304, 0x3ff, 'H' };
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE), 2);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 4), 0);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 8), 4);
	assert_int_equal(rd32(t, FOMU_VERSION_BASE + 0x0c), 0x01020304);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 0x1c), 3);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 0x20), 0xff);
	assert_int_equal(socbus_load(&t->soc, FOMU_VERSION_BASE + 0x28), 'H');
}

/* --- the bus's windows ---------------------------------------------------- */

struct probe {
	uint32_t last_off, last_val;
	unsigned int writes;
	uint32_t id;
};

static uint32_t probe_read(void *ctx, uint32_t off, unsigned int size)
{
	struct probe *p = ctx;

	return p->id << 16 | off;
}

static void probe_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct probe *p = ctx;

	p->last_off = off;
	p->last_val = val;
	p->writes++;
}

static unsigned int csr_misses;

static void count_bad(void *ctx, enum fomu_bad_access what, bool write, uint32_t addr,
		      unsigned int size, uint32_t val)
{
	if (what == FOMU_ACCESS_CSR)
		csr_misses++;
}

static const struct fomu_soc_ops count_ops = { .bad_access = count_bad };

/*
 * The bus finds a peripheral by its 0x800-byte window; peripherals that
 * fill part of one, share one or span two are found as well, and only at
 * their own addresses.
 */
static void test_csr_windows(void **state)
{
	struct t *t = *state;
	struct probe pr[4] = { { .id = 1 }, { .id = 2 }, { .id = 3 }, { .id = 4 } };
	const struct fomu_periph ps[4] = {
		/* the first 0x100 bytes of a window, and 0x100 more after a gap */
		{ 0xe0001000u, 0x100, probe_read, probe_write, &pr[0] },
		{ 0xe0001400u, 0x100, probe_read, probe_write, &pr[1] },
		/* across two windows */
		{ 0xe0009c00u, 0x800, probe_read, probe_write, &pr[2] },
		/* a whole window, as the Fomu's own */
		{ 0xe000f800u, 0x800, probe_read, probe_write, &pr[3] },
	};
	unsigned int i;

	assert_int_equal(fomu_soc_init(&t->soc, t->flash, &count_ops, NULL), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(fomu_soc_add_periph(&t->soc, &ps[i]), 0);
	/* overlapping a window's part, or a whole window: refused */
	assert_int_equal(fomu_soc_add_periph(
				 &t->soc, &(struct fomu_periph){ .base = 0xe00010fcu, .size = 8 }),
			 -EINVAL);
	assert_int_equal(fomu_soc_add_periph(
				 &t->soc, &(struct fomu_periph){ .base = 0xe000fffcu, .size = 4 }),
			 -EINVAL);
	csr_misses = 0;

	assert_int_equal(socbus_load(&t->soc, 0xe0001000u), 1u << 16);
	assert_int_equal(socbus_load(&t->soc, 0xe00010fcu), 1u << 16 | 0xfc);
	assert_int_equal(socbus_load(&t->soc, 0xe0001404u), 2u << 16 | 4);
	assert_int_equal(socbus_load(&t->soc, 0xe0009c00u), 3u << 16);
	assert_int_equal(socbus_load(&t->soc, 0xe000a3fcu), 3u << 16 | 0x7fc);
	assert_int_equal(socbus_load(&t->soc, 0xe000f800u), 4u << 16);
	assert_int_equal(socbus_load(&t->soc, 0xe000fffcu), 4u << 16 | 0x7fc);
	assert_int_equal(csr_misses, 0);

	socbus_store(&t->soc, 0xe0001408u, 0x5a);
	assert_int_equal(pr[1].writes, 1);
	assert_int_equal(pr[1].last_off, 8);
	assert_int_equal(pr[1].last_val, 0x5a);
	socbus_store(&t->soc, 0xe000a000u, 7);
	assert_int_equal(pr[2].last_off, 0x400);

	/* the gaps: in a shared window, beside a spanning one, an empty one */
	assert_int_equal(socbus_load(&t->soc, 0xe0001100u), 0);
	assert_int_equal(socbus_load(&t->soc, 0xe00017fcu), 0);
	assert_int_equal(socbus_load(&t->soc, 0xe0009bfcu), 0);
	assert_int_equal(socbus_load(&t->soc, 0xe000a400u), 0);
	socbus_store(&t->soc, 0xe0001200u, 1);
	socbus_store(&t->soc, 0xe0000000u, 1);
	assert_int_equal(csr_misses, 6);
	for (i = 0; i < 4; i++)
		assert_int_equal(pr[i].writes, i == 1 || i == 2);

	/* a new board forgets them */
	assert_int_equal(fomu_soc_init(&t->soc, t->flash, &count_ops, NULL), 0);
	assert_int_equal(socbus_load(&t->soc, 0xe000f800u), 0);
	assert_int_equal(csr_misses, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timer_one_shot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_periodic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_touch_reboot_rgb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test(test_wants_v2),
		cmocka_unit_test(test_version_from_elf),
		cmocka_unit_test_setup_teardown(test_version_given, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csr_windows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
