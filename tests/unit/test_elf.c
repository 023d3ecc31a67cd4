// SPDX-License-Identifier: MIT
/*
 * The ELF32 RISC-V loader: a good executable is parsed to its entry and
 * segments and lands in ROM and SRAM at its physical addresses; every
 * kind of bad file is refused with a reason a user can act on, and
 * nothing is loaded from a file with one segment that does not fit.
 *
 * The files are built here, byte by byte; and tests/fomu/data.elf, linked
 * by the RISC-V toolchain as foboot is (tests/fomu/build.sh), is loaded
 * and run: its start-up finds .data's image where the linker put it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/rv32/elf.h"
#include "dfu/fomu/soc.h"

#define MAX_FILE 4096

struct phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags;
};

struct file {
	uint8_t b[MAX_FILE];
	size_t len;
	uint8_t class_, data, version;
	uint16_t type, machine, phentsize;
	uint32_t entry, flags;
	struct phdr ph[20];
	unsigned int nph;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* A valid executable: text at 0 (16 bytes), .data in ROM after it for
 * SRAM (8 bytes), .bss in SRAM (memsz 0x100, no file bytes). */
static void good(struct file *f)
{
	static const uint8_t text[16] = { 0x13, 0, 0, 0, 0x13, 0, 0, 0, 0x6f, 0, 0, 0, 1, 2, 3, 4 };
	static const uint8_t data[8] = { 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7 };

	memset(f, 0, sizeof(*f));
	f->class_ = 1;
	f->data = 1;
	f->version = 1;
	f->type = 2;
	f->machine = 243;
	f->phentsize = 32;
	f->entry = 0;
	f->nph = 3;
	f->ph[0] = (struct phdr){ 1, 0x300, 0, 0, sizeof(text), sizeof(text), 5 };
	f->ph[1] = (struct phdr){ 1, 0x310, 0x10000000, 0x10, sizeof(data), sizeof(data), 6 };
	f->ph[2] = (struct phdr){ 1, 0x318, 0x10000008, 0x10000008, 0, 0x100, 6 };
	memcpy(f->b + 0x300, text, sizeof(text));
	memcpy(f->b + 0x310, data, sizeof(data));
	f->len = 0x318;
}

/* Write the headers into f->b. */
static void build(struct file *f)
{
	unsigned int i;

	memcpy(f->b, "\x7f" "ELF", 4);
	f->b[4] = f->class_;
	f->b[5] = f->data;
	f->b[6] = f->version;
	put16(f->b + 16, f->type);
	put16(f->b + 18, f->machine);
	put32(f->b + 20, 1);
	put32(f->b + 24, f->entry);
	put32(f->b + 28, 52); /* phoff */
	put32(f->b + 36, f->flags);
	put16(f->b + 40, 52);
	put16(f->b + 42, f->phentsize);
	put16(f->b + 44, (uint16_t)f->nph);
	for (i = 0; i < f->nph; i++) {
		uint8_t *p = f->b + 52 + 32 * i;

		assert_true(52 + 32 * (i + 1) <= 0x300);
		put32(p, f->ph[i].type);
		put32(p + 4, f->ph[i].offset);
		put32(p + 8, f->ph[i].vaddr);
		put32(p + 12, f->ph[i].paddr);
		put32(p + 16, f->ph[i].filesz);
		put32(p + 20, f->ph[i].memsz);
		put32(p + 24, f->ph[i].flags);
		put32(p + 28, 4);
	}
}

static int parse(struct file *f, struct elf_image *img, struct strbuf *err)
{
	build(f);
	strbuf_reset(err);
	return elf_parse_rv32(f->b, f->len, img, err);
}

static void expect_refused(struct file *f, const char *why)
{
	struct strbuf err = { 0 };
	struct elf_image img;
	int r;

	memset(&img, 0x5a, sizeof(img));
	r = parse(f, &img, &err);
	if (r >= 0)
		fail_msg("accepted; expected '%s'", why);
	if (!strstr(strbuf_str(&err), why))
		fail_msg("reason '%s', expected '%s'", strbuf_str(&err), why);
	assert_int_equal(img.entry, 0x5a5a5a5a); /* left alone */
	strbuf_free(&err);
}

static void test_good(void **state)
{
	struct file f;
	struct elf_image img;
	struct strbuf err = { 0 };
	static struct fomu_soc soc;
	static uint8_t flash[FOMU_FLASH_SIZE];
	unsigned int i;

	good(&f);
	f.entry = 8;
	assert_int_equal(parse(&f, &img, &err), 0);
	assert_int_equal(img.entry, 8);
	assert_int_equal(img.nsegs, 3);
	assert_int_equal(img.segs[1].paddr, 0x10); /* physical, not 0x10000000 */
	assert_int_equal(img.segs[1].filesz, 8);
	assert_int_equal(img.segs[2].memsz, 0x100);
	assert_int_equal(img.segs[2].flags, ELF_PF_R | ELF_PF_W);

	/* loaded: text and .data's image in ROM, .bss zeroed in SRAM */
	assert_int_equal(fomu_soc_init(&soc, flash, NULL, NULL), 0);
	memset(soc.sram, 0xee, 0x200);
	assert_int_equal(fomu_soc_load(&soc, &img, f.b, &err), 0);
	assert_memory_equal(soc.rom, f.b + 0x300, 16);
	assert_memory_equal(soc.rom + 0x10, f.b + 0x310, 8);
	for (i = 8; i < 0x108; i++)
		assert_int_equal(soc.sram[i], 0);
	assert_int_equal(soc.sram[0x108], 0xee);
	assert_int_equal(soc.sram[7], 0xee);

	/* other program headers are skipped, and so are empty PT_LOADs */
	good(&f);
	f.ph[3] = (struct phdr){ 0x70000003, 0x200, 0, 0, 4, 0, 4 }; /* RISCV_ATTRIBUTES */
	f.ph[4] = (struct phdr){ 1, 0x200, 0, 0x40, 0, 0, 4 };
	f.ph[5] = (struct phdr){ 0x6474e551, 0, 0, 0, 0, 0, 6 }; /* GNU_STACK */
	f.nph = 6;
	assert_int_equal(parse(&f, &img, &err), 0);
	assert_int_equal(img.nsegs, 3);
	strbuf_free(&err);
}

static void test_bad_header(void **state)
{
	struct file f;

	good(&f);
	f.len = 3;
	expect_refused(&f, "not an ELF file");
	good(&f);
	f.len = 40;
	expect_refused(&f, "truncated ELF header");
	good(&f);
	f.class_ = 2;
	expect_refused(&f, "64-bit ELF: build for RV32");
	good(&f);
	f.class_ = 7;
	expect_refused(&f, "unknown ELF class 7");
	good(&f);
	f.data = 2;
	expect_refused(&f, "big-endian");
	good(&f);
	f.version = 0;
	expect_refused(&f, "unknown ELF version");
	good(&f);
	f.machine = 62;
	expect_refused(&f, "machine 62, not RISC-V (243)");
	good(&f);
	f.type = 1;
	expect_refused(&f, "type 1 is not an executable");
	good(&f);
	f.flags = 0x1;
	expect_refused(&f, "compressed instructions (RVC)");
	good(&f);
	f.flags = 0x4;
	expect_refused(&f, "hard-float ABI");
	good(&f);
	f.flags = 0x8;
	expect_refused(&f, "RV32E");
	good(&f);
	f.phentsize = 56;
	expect_refused(&f, "bad program header size");
	good(&f);
	f.nph = 0;
	expect_refused(&f, "no program headers");
	good(&f);
	f.entry = 2;
	expect_refused(&f, "entry point 0x00000002 is not 4-byte aligned");

	/* not even the magic: a text file */
	{
		struct strbuf err = { 0 };
		struct elf_image img;
		static const uint8_t txt[] = "#!/bin/sh\necho hello\n";

		assert_int_equal(elf_parse_rv32(txt, sizeof(txt), &img, &err), -EINVAL);
		assert_string_equal(strbuf_str(&err), "not an ELF file");
		strbuf_free(&err);
	}
}

static void test_bad_segments(void **state)
{
	struct file f;
	unsigned int i;

	/* program headers past the end of the file */
	good(&f);
	f.nph = 3;
	build(&f);
	f.len = 52 + 32 * 2;
	{
		struct strbuf err = { 0 };
		struct elf_image img;

		assert_int_equal(elf_parse_rv32(f.b, f.len, &img, &err), -EINVAL);
		assert_non_null(strstr(strbuf_str(&err), "program headers beyond the end"));
		strbuf_free(&err);
	}
	good(&f);
	f.ph[1].filesz = 9;
	f.ph[1].memsz = 8;
	expect_refused(&f, "file size 0x9 larger than its memory size 0x8");
	good(&f);
	f.ph[1].filesz = 16; /* runs past the file's end */
	f.ph[1].memsz = 16;
	expect_refused(&f, "beyond the end of the file");
	good(&f);
	f.ph[0].offset = 0xfffffff0;
	expect_refused(&f, "beyond the end of the file");
	good(&f);
	f.ph[2].paddr = 0xffffff00;
	f.ph[2].vaddr = 0xffffff00;
	f.ph[2].memsz = 0x200;
	expect_refused(&f, "0xffffff00 + 0x200 (p_vaddr + p_memsz) wraps around 4 GiB");
	good(&f);
	f.ph[1].paddr = 0xfffffffc;
	expect_refused(&f, "0xfffffffc + 0x8 (p_paddr + p_filesz) wraps around 4 GiB");
	good(&f);
	f.ph[1].paddr = 0x8; /* .data's image over the text's last 8 bytes */
	expect_refused(&f, "segments overlap: load images 0x00000000-0x0000000f and "
			   "0x00000008-0x0000000f (p_paddr, p_filesz)");
	good(&f);
	f.ph[2].vaddr = 0x10000004; /* .bss over .data where they run */
	expect_refused(&f, "segments overlap: 0x10000000-0x10000007 and 0x10000004-0x10000103 "
			   "(p_vaddr, p_memsz)");
	good(&f);
	f.ph[2].paddr = 0x10; /* .bss's address in ROM, where .data's image is: no bytes */
	{
		struct strbuf err = { 0 };
		struct elf_image img;

		assert_int_equal(parse(&f, &img, &err), 0);
		strbuf_free(&err);
	}
	good(&f);
	for (i = 0; i < 3; i++)
		f.ph[i].type = 4; /* PT_NOTE */
	expect_refused(&f, "no loadable segment");
	good(&f);
	f.ph[3] = (struct phdr){ 3, 0x200, 0, 0, 4, 4, 4 };
	f.nph = 4;
	expect_refused(&f, "dynamically linked");
	good(&f);
	for (i = 0; i < 17; i++)
		f.ph[i] = (struct phdr){ 1, 0x200, 16 * i, 16 * i, 16, 16, 5 };
	f.nph = 17;
	expect_refused(&f, "more than 16 loadable segments");
}

/* The SoC takes ROM and SRAM only, and all or nothing. */
static void test_placement(void **state)
{
	static struct fomu_soc soc;
	static uint8_t flash[FOMU_FLASH_SIZE];
	struct strbuf err = { 0 };
	struct elf_image img;
	struct file f;

	assert_int_equal(fomu_soc_init(&soc, flash, NULL, NULL), 0);
	good(&f);
	f.ph[2].paddr = 0x20040000; /* the flash window */
	f.ph[2].vaddr = 0x20040000;
	assert_int_equal(parse(&f, &img, &err), 0);
	strbuf_reset(&err);
	assert_int_equal(fomu_soc_load(&soc, &img, f.b, &err), -EINVAL);
	assert_string_equal(
		strbuf_str(&err),
		"segment running at 0x20040000-0x200400ff (p_vaddr, p_memsz) is outside "
		"the Fomu's ROM (0x00000000-0x00001fff) and SRAM (0x10000000-0x1001ffff)");
	/* the text (segment 0) was not written either */
	assert_int_equal(soc.rom[0], 0);

	good(&f);
	f.ph[0].paddr = FOMU_ROM_SIZE - 8; /* straddles ROM's end */
	f.ph[0].vaddr = FOMU_ROM_SIZE - 8;
	assert_int_equal(parse(&f, &img, &err), 0);
	strbuf_reset(&err);
	assert_int_equal(fomu_soc_load(&soc, &img, f.b, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "segment image 0x00001ff8-0x00002007 (p_paddr, "
						 "p_filesz) is outside"));

	/* .data's image past ROM's end */
	good(&f);
	f.ph[1].paddr = FOMU_ROM_SIZE - 4;
	assert_int_equal(parse(&f, &img, &err), 0);
	strbuf_reset(&err);
	assert_int_equal(fomu_soc_load(&soc, &img, f.b, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "segment image 0x00001ffc-0x00002003"));

	/* loaded from one place in ROM to run at another in ROM: nothing copies */
	good(&f);
	f.ph[1].vaddr = 0x100;
	assert_int_equal(parse(&f, &img, &err), 0);
	strbuf_reset(&err);
	assert_int_equal(fomu_soc_load(&soc, &img, f.b, &err), -EINVAL);
	assert_string_equal(strbuf_str(&err),
			    "segment running at 0x00000100-0x00000107 is loaded from 0x00000010: "
			    "nothing can copy it into ROM, link it to run in SRAM "
			    "(0x10000000-0x1001ffff)");

	good(&f);
	f.ph[2].paddr = FOMU_SRAM_BASE + FOMU_SRAM_SIZE - 0x100; /* the last bytes: fits */
	f.ph[2].vaddr = f.ph[2].paddr;
	assert_int_equal(parse(&f, &img, &err), 0);
	assert_int_equal(fomu_soc_load(&soc, &img, f.b, &err), 0);
	f.ph[2].paddr += 4;
	f.ph[2].vaddr += 4;
	assert_int_equal(parse(&f, &img, &err), 0);
	assert_int_equal(fomu_soc_load(&soc, &img, f.b, &err), -EINVAL);
	strbuf_free(&err);
}

static void test_read_file(void **state)
{
	struct strbuf err = { 0 };
	const char *dir = getenv("TMPDIR");
	char path[256];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct file f;
	FILE *fp;

	assert_int_equal(elf_read_file("/nonexistent/fw.elf", &buf, &len, &err), -ENOENT);
	assert_non_null(strstr(strbuf_str(&err), "/nonexistent/fw.elf"));
	strbuf_reset(&err);
	assert_int_equal(elf_read_file("/", &buf, &len, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "not a regular file"));

	good(&f);
	build(&f);
	snprintf(path, sizeof(path), "%s/vusb-test-%d-fw.elf", dir && *dir ? dir : "/tmp",
		 (int)getpid());
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(f.b, 1, f.len, fp), f.len);
	fclose(fp);
	assert_int_equal(elf_read_file(path, &buf, &len, &err), 0);
	assert_int_equal(len, f.len);
	assert_memory_equal(buf, f.b, len);
	free(buf);
	unlink(path);
	strbuf_free(&err);
}

static uint32_t written[8];
static unsigned int nwritten;

static void bad_access(void *ctx, enum fomu_bad_access what, bool write, uint32_t addr,
		       unsigned int size, uint32_t val)
{
	if (write && addr == 0x40000000 && nwritten < 8)
		written[nwritten++] = val;
}

static const struct fomu_soc_ops watch_ops = { .bad_access = bad_access };

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A firmware linked by the toolchain, as foboot's releases are. */
static void test_linker_layout(void **state)
{
	static struct fomu_soc soc;
	static uint8_t flash[FOMU_FLASH_SIZE];
	struct strbuf err = { 0 };
	struct elf_image img;
	const struct elf_segment *data;
	char path[512], *slash;
	uint8_t *buf = NULL;
	size_t len = 0;
	unsigned int i;

	snprintf(path, sizeof(path), "%s", __FILE__);
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, sizeof(path) - (size_t)(slash ? slash + 1 - path : 0),
		 "../fomu/data.elf");
	if (elf_read_file(path, &buf, &len, &err) < 0)
		fail_msg("%s", strbuf_str(&err));
	assert_int_equal(elf_parse_rv32(buf, len, &img, &err), 0);
	assert_int_equal(img.nsegs, 2);
	data = &img.segs[1];
	assert_int_equal(data->vaddr, FOMU_SRAM_BASE); /* runs in SRAM */
	assert_true(data->paddr < FOMU_ROM_SIZE); /* loaded in ROM, after the code */
	assert_int_equal(data->paddr, img.segs[0].paddr + img.segs[0].filesz);
	assert_int_equal(data->filesz, 16);
	assert_int_equal(data->memsz, 16 + 64); /* and .bss */

	assert_int_equal(fomu_soc_init(&soc, flash, &watch_ops, NULL), 0);
	memset(soc.sram, 0xee, 0x100);
	assert_int_equal(fomu_soc_load(&soc, &img, buf, &err), 0);
	/* .data's bytes at p_paddr; not copied: that is the firmware's job */
	assert_int_equal(rd32(soc.rom + data->paddr), 0x11111111);
	assert_int_equal(rd32(soc.rom + data->paddr + 12), 0x44444444);
	assert_int_equal(rd32(soc.sram), 0xeeeeeeee);
	/* zeros where it runs, past its file bytes, and nowhere else */
	for (i = 16; i < 16 + 64; i++)
		assert_int_equal(soc.sram[i], 0);
	assert_int_equal(soc.sram[16 + 64], 0xee);

	soc.cpu.pc = img.entry;
	assert_int_equal(rv32_run(&soc.cpu, 10000, NULL), RV32_EXIT_HALT);
	assert_int_equal(soc.cpu.halt.cause, RV32_CAUSE_BREAKPOINT);
	assert_int_equal(nwritten, 3);
	assert_int_equal(written[0], 0xaaaaaaaa); /* the copy of .data it made */
	assert_int_equal(written[1], 0); /* .bss */
	assert_int_equal(written[2], 0xeeeeeeee); /* past .bss: untouched */
	free(buf);
	strbuf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_segments),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_linker_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
