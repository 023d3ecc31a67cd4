/* SPDX-License-Identifier: MIT */
/*
 * A SPI NOR flash chip on its four wires, as firmware bit-banging it sees
 * it: CS#, CLK, MOSI in, MISO out, SPI mode 0 (MOSI sampled on CLK's
 * rising edge, MISO changes after its falling edge), MSB first. The bytes
 * are a struct nor_flash, the same file the built-in Fomu model writes.
 *
 * It answers as the Fomu PVT's 16 Mbit part (JEDEC 1F 86 01, Adesto
 * AT25SF161), with the commands foboot uses and those around them:
 *
 *	06 write enable      04 write disable     05 status 1   35 status 2
 *	01 write status      31 write status 2    50 volatile status enable
 *	02 page program      20/52/D8 erase 4/32/64 KiB
 *	03 read              0B fast read         9F JEDEC ID   90 vendor/device ID
 *	AB release from deep power-down (and its ID)            B9 deep power-down
 *	4B unique ID         48 security registers (reads 0xFF)
 *	66 99 reset          38 FF (QPI enter/exit: not emulated, noted, ignored)
 *
 * As on the chip, erase and program need the write-enable latch, take
 * effect when CS# rises (and only if the command was whole bytes), clear
 * the latch, and leave the chip busy: status 1 shows BUSY for the next
 * SPI_NOR_BUSY_READS status bytes read (in one 05 command or several), and program or erase commands sent while
 * busy are dropped. Anything odd (an unknown opcode, a write without the
 * latch, a file that cannot be written) is reported through ops->note.
 */
#ifndef VUSB_DFU_SPIFLASH_H
#define VUSB_DFU_SPIFLASH_H

#include <stdbool.h>
#include <stdint.h>

#include "dfu/fomu/nor.h"

#define SPI_NOR_JEDEC_MFR 0x1f
#define SPI_NOR_JEDEC_TYPE 0x86
#define SPI_NOR_JEDEC_CAPACITY 0x01
#define SPI_NOR_DEVICE_ID 0x14 /* what 90 and AB answer after the vendor */
#define SPI_NOR_BUSY_READS 2

#define SPI_NOR_SR1_BUSY 0x01
#define SPI_NOR_SR1_WEL 0x02

struct spi_nor_ops {
	/* Something the user may want to know ("unknown command 0x38"). */
	void (*note)(void *ctx, const char *what);
};

struct spi_nor {
	struct nor_flash *flash;
	const struct spi_nor_ops *ops;
	void *ctx;

	/* the wires as last seen */
	bool cs_n;
	bool clk;
	/* the byte being shifted */
	uint8_t in;
	unsigned int bits; /* rising edges in this byte, 0..8 */
	uint8_t out; /* what MISO shifts out during this byte */
	bool driving; /* out is the chip's; otherwise MISO floats (reads 1) */
	/* the command since CS# fell */
	uint8_t cmd;
	uint32_t nbytes; /* whole bytes, the opcode included */
	uint32_t addr;
	uint8_t page[NOR_PAGE_SIZE]; /* page program data, ring of the last 256 */
	uint32_t page_count;
	/* the chip's state */
	uint8_t sr2;
	bool wel;
	bool volatile_sr; /* 50 was sent: the next status write needs no WEL */
	bool deep_power_down;
	bool reset_enabled; /* 66 was the last command */
	unsigned int busy_reads;
	uint8_t noted[32]; /* opcodes already reported, a bit each */
	/* what it did, for the log and the tests */
	uint64_t erases;
	uint64_t programs;
	uint64_t bytes_read;
};

/* Power-on: the chip idle, CS# high. */
void spi_nor_init(struct spi_nor *s, struct nor_flash *flash, const struct spi_nor_ops *ops,
		  void *ctx);

/* spi_nor_pins() when CS# moves or a byte is complete. */
void spi_nor_wires(struct spi_nor *s, bool cs_n, bool clk, bool mosi);

/*
 * The controller drives the wires (any may have changed). A bit-banging
 * firmware calls this twice a bit: the edges inside a byte are handled
 * here, without a call, the rest by spi_nor_wires().
 */
static inline void spi_nor_pins(struct spi_nor *s, bool cs_n, bool clk, bool mosi)
{
	if (cs_n != s->cs_n || (!cs_n && !clk && s->clk && s->bits == 8)) {
		spi_nor_wires(s, cs_n, clk, mosi);
		return;
	}
	if (!cs_n && clk && !s->clk && s->bits < 8) {
		s->in = (uint8_t)(s->in << 1 | (mosi ? 1 : 0));
		s->bits++;
	}
	s->clk = clk;
}

/* MISO now: the chip's bit, or 1 when it does not drive the line. */
static inline bool spi_nor_miso(const struct spi_nor *s)
{
	unsigned int bit;

	if (s->cs_n || !s->driving)
		return true;
	/* clock high: the bit being sampled now; low: the next one, already
	 * shifted out at the falling edge */
	if (s->clk)
		bit = s->bits ? 8 - s->bits : 7;
	else
		bit = 7 - s->bits;
	return (s->out >> bit) & 1;
}

#endif
