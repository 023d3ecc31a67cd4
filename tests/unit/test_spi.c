// SPDX-License-Identifier: MIT
/*
 * The Fomu's SPI flash as firmware sees it: the PicoRV32 controller's
 * registers at 0xe0005000 in bit-bang mode (cfg1: MOSI bit 0, CLK bit 4,
 * CS# bit 5; stat1 bit 1: MISO; cfg4 bit 7: memory-mapped), driving the
 * NOR chip model bit by bit the way foboot's spiXfer() does. Every
 * command of the set foboot uses (06 05 D8 02 66 99 AB 90 9F) and those
 * around them, the write-enable latch, busy, page wrap, partial bytes,
 * deep power-down, and that the bytes land in the same flash the
 * CPU reads at 0x20000000.
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

#include "dfu/fomu/nor-spi.h"
#include "dfu/fomu/nor.h"
#include "dfu/fomu/periph.h"
#include "dfu/fomu/soc.h"
#include "tests/lib/socbus.h"

#define CFG1 (FOMU_SPI_BASE + 0x00)
#define CFG2 (FOMU_SPI_BASE + 0x04)
#define CFG4 (FOMU_SPI_BASE + 0x0c)
#define STAT1 (FOMU_SPI_BASE + 0x10)
#define MAX_NOTES 16

struct t {
	struct fomu_soc soc;
	struct nor_flash flash;
	struct spi_nor nor;
	struct fomu_spi spi;
	uint8_t cfg1; /* what the firmware last wrote, as foboot mirrors it */
	char notes[MAX_NOTES][128];
	unsigned int nnotes;
	bool miso_before_rise; /* sample MISO with the clock low, before rising */
};

static void note(void *ctx, const char *what)
{
	struct t *t = ctx;

	assert_true(t->nnotes < MAX_NOTES);
	snprintf(t->notes[t->nnotes++], sizeof(t->notes[0]), "%s", what);
}

static const struct spi_nor_ops nor_ops = { .note = note };

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct strbuf err = { 0 };

	assert_non_null(t);
	assert_int_equal(nor_flash_open(&t->flash, NULL, FOMU_FLASH_SIZE, &err), 0);
	assert_int_equal(fomu_soc_init(&t->soc, t->flash.mem, NULL, NULL), 0);
	spi_nor_init(&t->nor, &t->flash, &nor_ops, t);
	assert_int_equal(fomu_spi_attach(&t->spi, &t->soc, &t->nor), 0);
	strbuf_free(&err);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	nor_flash_close(&t->flash);
	free(t);
	return 0;
}

static void pin(struct t *t, uint8_t bit, bool on)
{
	t->cfg1 = on ? t->cfg1 | bit : t->cfg1 & (uint8_t)~bit;
	socbus_store(&t->soc, CFG1, t->cfg1);
}

static void begin(struct t *t)
{
	socbus_store(&t->soc, CFG4, 0); /* bit-bang */
	pin(t, FOMU_SPI_CFG1_CS_N, false);
}

static void end(struct t *t)
{
	pin(t, FOMU_SPI_CFG1_CS_N, true);
}

/* foboot's spiXfer: MOSI, clock up, sample MISO, clock down. */
static uint8_t xfer(struct t *t, uint8_t out)
{
	uint8_t in = 0;
	int bit;

	for (bit = 7; bit >= 0; bit--) {
		bool early;

		pin(t, FOMU_SPI_CFG1_MOSI, out & (1 << bit));
		early = socbus_load(&t->soc, STAT1) & FOMU_SPI_CFG1_MISO;
		pin(t, FOMU_SPI_CFG1_CLK, true);
		if (t->miso_before_rise)
			in |= (uint8_t)(early << bit);
		else
			in |= (uint8_t)(!!(socbus_load(&t->soc, STAT1) & FOMU_SPI_CFG1_MISO)
					<< bit);
		pin(t, FOMU_SPI_CFG1_CLK, false);
	}
	return in;
}

static void cmd(struct t *t, const uint8_t *out, size_t n, uint8_t *in, size_t nin)
{
	size_t i;

	begin(t);
	for (i = 0; i < n; i++)
		xfer(t, out[i]);
	for (i = 0; i < nin; i++)
		in[i] = xfer(t, 0xff);
	end(t);
}

#define CMD(t, in, nin, ...)                                                   \
	do {                                                                   \
		const uint8_t o_[] = { __VA_ARGS__ };                          \
		cmd(t, o_, sizeof(o_), in, nin);                               \
	} while (0)

static uint8_t status1(struct t *t)
{
	uint8_t s;

	CMD(t, &s, 1, 0x05);
	return s;
}

static void wren(struct t *t)
{
	CMD(t, NULL, 0, 0x06);
}

static void wait_ready(struct t *t)
{
	unsigned int n = 0;

	while (status1(t) & SPI_NOR_SR1_BUSY)
		assert_true(++n < 10);
}

static bool noted(const struct t *t, const char *needle)
{
	unsigned int i;

	for (i = 0; i < t->nnotes; i++)
		if (strstr(t->notes[i], needle))
			return true;
	return false;
}

static void test_ids(void **state)
{
	struct t *t = *state;
	uint8_t b[8];

	CMD(t, b, 3, 0x9f);
	assert_int_equal(b[0], 0x1f);
	assert_int_equal(b[1], 0x86);
	assert_int_equal(b[2], 0x01);
	CMD(t, b, 4, 0x90, 0, 0, 0);
	assert_int_equal(b[0], 0x1f);
	assert_int_equal(b[1], 0x14);
	assert_int_equal(b[2], 0x1f);
	CMD(t, b, 2, 0x90, 0, 0, 1); /* address 1: device first */
	assert_int_equal(b[0], 0x14);
	CMD(t, b, 2, 0xab, 0, 0, 0);
	assert_int_equal(b[0], 0x14);
	assert_int_equal(b[1], 0x14);
	CMD(t, b, 8, 0x4b, 0, 0, 0, 0);
	assert_memory_equal(b, "vusb", 4);
	/* the same bits sampled with the clock still low, before it rises */
	t->miso_before_rise = true;
	CMD(t, b, 3, 0x9f);
	assert_int_equal(b[0], 0x1f);
	assert_int_equal(b[2], 0x01);
	t->miso_before_rise = false;
	/* nobody drives MISO during the opcode or with CS# high: reads 1 */
	begin(t);
	assert_int_equal(xfer(t, 0x9f), 0xff);
	end(t);
	assert_true(socbus_load(&t->soc, STAT1) & FOMU_SPI_CFG1_MISO);
	assert_int_equal(t->nnotes, 0);
}

static void test_write_enable_and_status(void **state)
{
	struct t *t = *state;
	uint8_t b[3];

	assert_int_equal(status1(t), 0);
	wren(t);
	assert_int_equal(status1(t), SPI_NOR_SR1_WEL);
	/* status repeats while clocked */
	CMD(t, b, 3, 0x05);
	assert_int_equal(b[2], SPI_NOR_SR1_WEL);
	/* busy ends within one long status read too */
	wren(t);
	CMD(t, NULL, 0, 0x20, 0, 0, 0);
	CMD(t, b, 3, 0x05);
	assert_int_equal(b[0], SPI_NOR_SR1_BUSY);
	assert_int_equal(b[1], SPI_NOR_SR1_BUSY);
	assert_int_equal(b[2], 0);
	wren(t);
	CMD(t, NULL, 0, 0x04);
	assert_int_equal(status1(t), 0);
	/* a command cut short inside a byte is no command */
	begin(t);
	xfer(t, 0x06);
	pin(t, FOMU_SPI_CFG1_CLK, true);
	pin(t, FOMU_SPI_CFG1_CLK, false);
	end(t);
	assert_int_equal(status1(t), 0);
	/* reset: 66 then 99 clears the latch; 99 alone does nothing */
	wren(t);
	CMD(t, NULL, 0, 0x99);
	assert_int_equal(status1(t), SPI_NOR_SR1_WEL);
	CMD(t, NULL, 0, 0x66);
	CMD(t, NULL, 0, 0x99);
	assert_int_equal(status1(t), 0);
	/* status 2: needs 06 or 50 first */
	CMD(t, NULL, 0, 0x31, 0x02);
	assert_true(noted(t, "status write without write enable"));
	CMD(t, b, 1, 0x35);
	assert_int_equal(b[0], 0);
	CMD(t, NULL, 0, 0x50);
	CMD(t, NULL, 0, 0x31, 0x02);
	CMD(t, b, 1, 0x35);
	assert_int_equal(b[0], 0x02);
	wren(t);
	CMD(t, NULL, 0, 0x01, 0x00, 0x00); /* SR1 then SR2 */
	CMD(t, b, 1, 0x35);
	assert_int_equal(b[0], 0);
}

static void test_erase_program_read(void **state)
{
	struct t *t = *state;
	uint8_t data[300], b[16];
	unsigned int i;

	memset(t->flash.mem + 0x40000, 0x00, NOR_BLOCK_SIZE + 16);
	/* D8: 64 KiB, the address aligned down, after 06 */
	wren(t);
	CMD(t, NULL, 0, 0xd8, 0x04, 0x12, 0x34);
	/* busy for the next reads; the latch is cleared */
	assert_int_equal(status1(t), SPI_NOR_SR1_BUSY);
	assert_int_equal(status1(t), SPI_NOR_SR1_BUSY);
	assert_int_equal(status1(t), 0);
	for (i = 0; i < NOR_BLOCK_SIZE; i++)
		if (t->flash.mem[0x40000 + i] != 0xff)
			fail_msg("byte 0x%x not erased", 0x40000 + i);
	assert_int_equal(t->flash.mem[0x50000], 0);
	assert_int_equal(t->nor.erases, 1);

	/* 02: a page, ANDed in, seen by the CPU's flash window too */
	for (i = 0; i < 256; i++)
		data[i] = (uint8_t)i;
	wren(t);
	begin(t);
	xfer(t, 0x02);
	xfer(t, 0x04);
	xfer(t, 0x00);
	xfer(t, 0x00);
	for (i = 0; i < 256; i++)
		xfer(t, data[i]);
	end(t);
	wait_ready(t);
	assert_memory_equal(t->flash.mem + 0x40000, data, 256);
	/* the core's flash window at 0x20000000 is these same bytes */
	assert_int_equal(t->soc.cpu.regions[1].base, FOMU_FLASH_BASE);
	assert_ptr_equal(t->soc.cpu.regions[1].mem, t->flash.mem);
	/* programming only clears bits */
	wren(t);
	CMD(t, NULL, 0, 0x02, 0x04, 0x00, 0x01, 0xf0);
	wait_ready(t);
	assert_int_equal(t->flash.mem[0x40001], 0x01 & 0xf0);

	/* 03 and 0B read back; 0B has a dummy byte */
	CMD(t, b, 8, 0x03, 0x04, 0x00, 0x10);
	assert_memory_equal(b, data + 0x10, 8);
	CMD(t, b, 4, 0x0b, 0x04, 0x00, 0x20, 0x00);
	assert_memory_equal(b, data + 0x20, 4);
	/* a read wraps at the end of the flash */
	CMD(t, b, 2, 0x03, 0x1f, 0xff, 0xff);
	assert_int_equal(b[0], t->flash.mem[FOMU_FLASH_SIZE - 1]);
	assert_int_equal(b[1], t->flash.mem[0]);

	/* a page program wraps inside its page, and keeps the last 256 */
	wren(t);
	CMD(t, NULL, 0, 0x20, 0x04, 0x10, 0x00); /* 4 KiB at 0x41000 */
	wait_ready(t);
	assert_int_equal(t->flash.mem[0x41000], 0xff);
	assert_int_equal(t->flash.mem[0x40000], 0x00); /* outside the sector */
	wren(t);
	CMD(t, NULL, 0, 0x02, 0x04, 0x10, 0xfe, 0xa0, 0xa1, 0xa2, 0xa3);
	wait_ready(t);
	assert_int_equal(t->flash.mem[0x410fe], 0xa0);
	assert_int_equal(t->flash.mem[0x410ff], 0xa1);
	assert_int_equal(t->flash.mem[0x41000], 0xa2);
	assert_int_equal(t->flash.mem[0x41001], 0xa3);
	assert_int_equal(t->flash.mem[0x41100], 0xff);
	wren(t);
	CMD(t, NULL, 0, 0x52, 0x04, 0x00, 0x00); /* 32 KiB */
	wait_ready(t);
	wren(t);
	begin(t);
	xfer(t, 0x02);
	xfer(t, 0x04);
	xfer(t, 0x20);
	xfer(t, 0x00);
	for (i = 0; i < 300; i++)
		xfer(t, (uint8_t)(i & 0xff));
	end(t);
	wait_ready(t);
	/* bytes 44..299 were kept: byte i at page offset i % 256 */
	assert_int_equal(t->flash.mem[0x42000 + 44], 44);
	assert_int_equal(t->flash.mem[0x42000 + 43], (299 & 0xff) & 0xff);
	assert_int_equal(t->flash.mem[0x42000 + 0], (256) & 0xff);
	assert_int_equal(t->nor.programs, 4);
}

static void test_refused_writes(void **state)
{
	struct t *t = *state;

	t->flash.mem[0x60000] = 0x55;
	/* no write enable: nothing happens, and it is noted */
	CMD(t, NULL, 0, 0xd8, 0x06, 0x00, 0x00);
	assert_int_equal(t->flash.mem[0x60000], 0x55);
	assert_true(noted(t, "erase without write enable"));
	CMD(t, NULL, 0, 0x02, 0x06, 0x00, 0x00, 0x00);
	assert_true(noted(t, "page program without write enable"));
	assert_int_equal(t->flash.mem[0x60000], 0x55);
	/* while busy, a program is dropped */
	wren(t);
	CMD(t, NULL, 0, 0xd8, 0x06, 0x00, 0x00);
	wren(t);
	CMD(t, NULL, 0, 0x02, 0x06, 0x00, 0x00, 0x00);
	assert_true(noted(t, "page program while the flash is busy"));
	assert_int_equal(t->flash.mem[0x60000], 0xff);
	/* an erase with a short address is no erase */
	wait_ready(t);
	t->flash.mem[0x60000] = 0x55;
	wren(t);
	CMD(t, NULL, 0, 0xd8, 0x06, 0x00);
	assert_int_equal(t->flash.mem[0x60000], 0x55);
}

static void test_power_down_and_odd_commands(void **state)
{
	struct t *t = *state;
	uint8_t b[3];

	CMD(t, NULL, 0, 0xb9);
	CMD(t, b, 3, 0x9f); /* asleep: nothing answers */
	assert_int_equal(b[0], 0xff);
	assert_int_equal(b[1], 0xff);
	wren(t); /* ignored too */
	CMD(t, b, 1, 0xab, 0, 0, 0); /* AB wakes it, and answers */
	assert_int_equal(b[0], 0x14);
	assert_int_equal(status1(t), 0);
	CMD(t, b, 3, 0x9f);
	assert_int_equal(b[0], 0x1f);
	/* QPI is not emulated: noted once; unknown opcodes noted once each */
	CMD(t, NULL, 0, 0x38);
	CMD(t, NULL, 0, 0x38);
	CMD(t, NULL, 0, 0x7a);
	CMD(t, NULL, 0, 0x7a);
	CMD(t, NULL, 0, 0xff);
	assert_int_equal(t->nnotes, 2);
	assert_true(noted(t, "QPI mode (38) is not emulated"));
	assert_true(noted(t, "unknown SPI flash command 0x7a"));
	/* memory-mapped mode takes the wires: CS# goes high, a command
	 * half-sent is abandoned */
	begin(t);
	xfer(t, 0x06);
	socbus_store(&t->soc, CFG4, FOMU_SPI_CFG4_MEMIO);
	assert_true(t->nor.cs_n);
	/* the registers read back; cfg4 resets to memory-mapped */
	socbus_store(&t->soc, CFG2, 0x3f);
	assert_int_equal(socbus_load(&t->soc, CFG2), 0x3f);
	assert_int_equal(socbus_load(&t->soc, CFG4), FOMU_SPI_CFG4_MEMIO);
	/* bytes 1..3 of a register's word read 0 */
	assert_int_equal(socbus_load(&t->soc, CFG2 + 1), 0);
}

/* The v2 gateware's port (LiteX, 0xe0007800): the same chip through
 * bitbang (bit 0 MOSI, 1 CLK, 2 CS#) and miso, while bitbang_en is set;
 * with it clear the pins are the memory-mapped reader's (CS# high). */
static uint8_t lx_xfer(struct t *t, uint8_t out)
{
	uint8_t in = 0;
	int bit;

	for (bit = 7; bit >= 0; bit--) {
		uint8_t mosi = out & (1 << bit) ? FOMU_LXSPI_MOSI : 0;

		socbus_store(&t->soc, FOMU_LXSPI_BASE, mosi);
		socbus_store(&t->soc, FOMU_LXSPI_BASE, mosi | FOMU_LXSPI_CLK);
		in |= (uint8_t)((socbus_load(&t->soc, FOMU_LXSPI_BASE + 4) & 1) << bit);
		socbus_store(&t->soc, FOMU_LXSPI_BASE, mosi);
	}
	return in;
}

static void test_lxspi(void **state)
{
	struct t *t = *state;
	struct fomu_lxspi lx;
	uint8_t id[3];
	int i;

	assert_int_equal(fomu_lxspi_attach(&lx, &t->soc, &t->nor), 0);
	assert_int_equal(socbus_load(&t->soc, FOMU_LXSPI_BASE + 8), 0);
	socbus_store(&t->soc, FOMU_LXSPI_BASE + 8, 1);
	socbus_store(&t->soc, FOMU_LXSPI_BASE, FOMU_LXSPI_CS_N);
	socbus_store(&t->soc, FOMU_LXSPI_BASE, 0);
	lx_xfer(t, 0x9f);
	for (i = 0; i < 3; i++)
		id[i] = lx_xfer(t, 0xff);
	socbus_store(&t->soc, FOMU_LXSPI_BASE, FOMU_LXSPI_CS_N);
	assert_int_equal(id[0], 0x1f);
	assert_int_equal(id[1], 0x86);
	assert_int_equal(id[2], 0x01);
	assert_int_equal(socbus_load(&t->soc, FOMU_LXSPI_BASE), FOMU_LXSPI_CS_N);
	/* bit-bang off: CS# is the reader's, high, whatever bitbang says */
	socbus_store(&t->soc, FOMU_LXSPI_BASE, 0);
	assert_false(t->nor.cs_n);
	socbus_store(&t->soc, FOMU_LXSPI_BASE + 8, 0);
	assert_true(t->nor.cs_n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lxspi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_enable_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erase_program_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_down_and_odd_commands, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
