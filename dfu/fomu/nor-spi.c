// SPDX-License-Identifier: MIT
/*
 * The chip shifts a byte in on eight rising edges and acts on it at the
 * falling edge after the eighth: that is when it decides what MISO
 * carries during the next byte, as a real part does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dfu/fomu/nor-spi.h"

/* An 8-byte unique ID (command 4B), made up. */
static const uint8_t unique_id[8] = { 'v', 'u', 's', 'b', 0xf0, 0x0b, 0x00, 0x01 };

static void note(struct spi_nor *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct spi_nor *s, const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	if (!s->ops || !s->ops->note)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->ops->note(s->ctx, buf);
}

/* Once per opcode: a firmware sends the same odd command in a loop. */
static bool first_time(struct spi_nor *s, uint8_t op)
{
	uint8_t bit = (uint8_t)(1u << (op & 7));

	if (s->noted[op >> 3] & bit)
		return false;
	s->noted[op >> 3] |= bit;
	return true;
}

void spi_nor_init(struct spi_nor *s, struct nor_flash *flash, const struct spi_nor_ops *ops,
		  void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->flash = flash;
	s->ops = ops;
	s->ctx = ctx;
	s->cs_n = true;
	s->out = 0xff;
}

static uint8_t status1(const struct spi_nor *s)
{
	return (s->wel ? SPI_NOR_SR1_WEL : 0) | (s->busy_reads ? SPI_NOR_SR1_BUSY : 0);
}

static bool has_address(uint8_t cmd)
{
	switch (cmd) {
	case 0x02:
	case 0x03:
	case 0x0b:
	case 0x20:
	case 0x52:
	case 0xd8:
	case 0x90:
	case 0x48:
		return true;
	default:
		return false;
	}
}

/* What MISO carries during byte number s->nbytes (0: the opcode). */
static void respond(struct spi_nor *s)
{
	uint32_t n = s->nbytes;
	int v = -1; /* -1: not driven */

	if (s->deep_power_down && s->cmd != 0xab)
		goto out;
	switch (s->cmd) {
	case 0x05:
		v = status1(s);
		break;
	case 0x35:
		v = s->sr2;
		break;
	case 0x9f:
		if (n == 1)
			v = SPI_NOR_JEDEC_MFR;
		else if (n == 2)
			v = SPI_NOR_JEDEC_TYPE;
		else if (n == 3)
			v = SPI_NOR_JEDEC_CAPACITY;
		break;
	case 0x90:
		if (n >= 4)
			v = ((n - 4) + (s->addr & 1)) % 2 ? SPI_NOR_DEVICE_ID : SPI_NOR_JEDEC_MFR;
		break;
	case 0xab:
		if (n >= 4)
			v = SPI_NOR_DEVICE_ID;
		break;
	case 0x4b:
		if (n >= 5)
			v = unique_id[(n - 5) % sizeof(unique_id)];
		break;
	case 0x48:
		if (n >= 5)
			v = 0xff;
		break;
	case 0x03:
	case 0x0b:
		if (n >= (s->cmd == 0x03 ? 4u : 5u)) {
			v = s->flash->mem[s->addr % s->flash->size];
			s->addr = (s->addr + 1) % s->flash->size;
			s->bytes_read++;
		}
		break;
	default:
		break;
	}
out:
	s->driving = v >= 0;
	s->out = v >= 0 ? (uint8_t)v : 0xff;
}

static void byte_in(struct spi_nor *s, uint8_t b)
{
	s->nbytes++;
	if (s->nbytes == 1) {
		s->cmd = b;
		s->addr = 0;
		s->page_count = 0;
	} else if (s->nbytes <= 4 && has_address(s->cmd)) {
		s->addr = s->addr << 8 | b;
	} else if (s->cmd == 0x02) {
		s->page[s->page_count % NOR_PAGE_SIZE] = b;
		s->page_count++;
	} else if (s->cmd == 0x05) {
		/* a status byte went out: the erase or program got closer
		 * (per byte, so a poll that keeps CS# low ends too) */
		if (s->busy_reads)
			s->busy_reads--;
	} else if ((s->cmd == 0x01 && s->nbytes == 3) || (s->cmd == 0x31 && s->nbytes == 2)) {
		/* status 2 as written; applied at CS# if the write is allowed */
		s->page[0] = b;
		s->page_count = 1;
	}
	respond(s);
}

static bool may_write(struct spi_nor *s, const char *what)
{
	if (s->busy_reads) {
		note(s, "%s while the flash is busy: dropped", what);
		return false;
	}
	if (!s->wel) {
		note(s, "%s without write enable (06): ignored", what);
		return false;
	}
	return true;
}

static void page_program(struct spi_nor *s)
{
	uint8_t data[NOR_PAGE_SIZE];
	uint32_t n = s->page_count < NOR_PAGE_SIZE ? s->page_count : NOR_PAGE_SIZE;
	uint32_t first = s->page_count - n, i, start;
	int r;

	if (s->page_count == 0 || !may_write(s, "page program"))
		return;
	/* Only the last 256 bytes sent are kept, each at its place in the
	 * page, wrapping at the page's end. */
	for (i = 0; i < n; i++)
		data[i] = s->page[(first + i) % NOR_PAGE_SIZE];
	start = (s->addr & ~(NOR_PAGE_SIZE - 1)) | ((s->addr + first) % NOR_PAGE_SIZE);
	r = nor_flash_program(s->flash, start % s->flash->size, data, n);
	if (r < 0)
		note(s, "page program at 0x%06x: the flash file: %s", start, strerror(-r));
	s->programs++;
	s->wel = false;
	s->busy_reads = SPI_NOR_BUSY_READS;
}

static void erase(struct spi_nor *s, uint32_t size)
{
	uint32_t at = (s->addr & ~(size - 1)) % s->flash->size;
	int r;

	if (s->nbytes != 4 || !may_write(s, "erase"))
		return;
	r = nor_flash_erase(s->flash, at, size);
	if (r < 0)
		note(s, "erase of %u KiB at 0x%06x: %s", size / 1024, at, strerror(-r));
	s->erases++;
	s->wel = false;
	s->busy_reads = SPI_NOR_BUSY_READS;
}

/* CS# rose after whole bytes: commands that act now. */
static void finish(struct spi_nor *s)
{
	uint8_t cmd = s->cmd;
	bool enabled = s->reset_enabled;

	s->reset_enabled = false;
	if (s->nbytes == 0)
		return;
	if (s->deep_power_down && cmd != 0xab)
		return;
	switch (cmd) {
	case 0x06:
		s->wel = true;
		break;
	case 0x04:
		s->wel = false;
		break;
	case 0x50:
		s->volatile_sr = true;
		break;
	case 0x01:
	case 0x31:
		if (!s->wel && !s->volatile_sr) {
			note(s, "status write without write enable (06 or 50): ignored");
			break;
		}
		if (s->page_count)
			s->sr2 = s->page[0];
		s->wel = false;
		s->volatile_sr = false;
		break;
	case 0x02:
		page_program(s);
		break;
	case 0x20:
		erase(s, NOR_SECTOR_SIZE);
		break;
	case 0x52:
		erase(s, NOR_HALF_BLOCK_SIZE);
		break;
	case 0xd8:
		erase(s, NOR_BLOCK_SIZE);
		break;
	case 0x66:
		s->reset_enabled = true;
		break;
	case 0x99:
		if (enabled) {
			s->wel = false;
			s->volatile_sr = false;
			s->busy_reads = 0;
			s->sr2 = 0;
		}
		break;
	case 0xb9:
		s->deep_power_down = true;
		break;
	case 0xab:
		s->deep_power_down = false;
		break;
	case 0x38:
		if (first_time(s, cmd))
			note(s, "QPI mode (38) is not emulated: the flash stays in SPI mode");
		break;
	case 0x03:
	case 0x0b:
	case 0x05:
	case 0x35:
	case 0x9f:
	case 0x90:
	case 0x4b:
	case 0x48:
	case 0xff: /* leave QPI / continuous read: nothing to leave */
		break;
	default:
		if (first_time(s, cmd))
			note(s, "unknown SPI flash command 0x%02x: ignored", cmd);
		break;
	}
}

/* Any change of the wires: spi_nor_pins() leaves the rarer ones here. */
void spi_nor_wires(struct spi_nor *s, bool cs_n, bool clk, bool mosi)
{
	if (cs_n != s->cs_n) {
		/* A command that ends inside a byte is no command. */
		if (cs_n && s->bits == 0)
			finish(s);
		s->cs_n = cs_n;
		s->bits = 0;
		s->in = 0;
		s->nbytes = 0;
		s->cmd = 0;
		s->driving = false;
		s->out = 0xff;
	}
	if (!s->cs_n && clk != s->clk) {
		if (clk) {
			if (s->bits < 8) {
				s->in = (uint8_t)(s->in << 1 | (mosi ? 1 : 0));
				s->bits++;
			}
		} else if (s->bits == 8) {
			uint8_t b = s->in;

			s->bits = 0;
			s->in = 0;
			byte_in(s, b);
		}
	}
	s->clk = clk;
}
