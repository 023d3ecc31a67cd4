/* SPDX-License-Identifier: MIT */
/*
 * ELF32 RISC-V executables, as a firmware loader needs them: the entry
 * point and the PT_LOAD segments as the linker laid them out. A segment
 * has two addresses: p_paddr, where its p_filesz bytes are at reset (the
 * load image, in ROM or flash), and p_vaddr, where it runs, p_memsz
 * bytes of which those past p_filesz are zero (.bss). They differ for a
 * firmware linked for ROM: its .data image sits in ROM after .rodata
 * (p_paddr) and its start-up code copies it to SRAM (p_vaddr) and clears
 * .bss there itself. A loader puts the file bytes at p_paddr and the
 * zeros at p_vaddr + p_filesz.
 *
 * A pure parser over a byte buffer: it checks the file against itself
 * (class, byte order, machine, flags the core cannot run, bounds,
 * overlapping segments); whether the segments fit the board's memory is
 * the SoC's business (fomu_soc_load()).
 */
#ifndef VUSB_DFU_ELF_H
#define VUSB_DFU_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/strbuf.h"

#define ELF_MAX_SEGMENTS 16
/* Larger files are refused before they are read: no Fomu firmware is. */
#define ELF_MAX_FILE_SIZE (16u * 1024 * 1024)

#define ELF_EM_RISCV 243
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf_segment {
	uint32_t paddr; /* the load image: filesz bytes from the file */
	uint32_t vaddr; /* where it runs: memsz bytes, zero past filesz */
	uint32_t memsz; /* > 0 */
	uint32_t filesz;
	uint32_t offset; /* of the bytes in the file */
	uint32_t flags; /* ELF_PF_* */
};

struct elf_image {
	uint32_t entry;
	unsigned int nsegs;
	struct elf_segment segs[ELF_MAX_SEGMENTS]; /* in file order */
};

/*
 * Parse an executable for an RV32I/M hart without compressed or
 * floating-point instructions (what -march=rv32i -mabi=ilp32 builds).
 * Segments with p_memsz 0 are skipped. No two load images overlap, nor
 * two run ranges. 0, or -EINVAL (or -E2BIG for too many segments) with
 * the reason in err.
 */
int elf_parse_rv32(const uint8_t *buf, size_t len, struct elf_image *ret, struct strbuf *err);

/*
 * Read a whole file (at most ELF_MAX_FILE_SIZE bytes) into a malloc'ed
 * buffer. 0, or -errno with the reason (and the path) in err.
 */
int elf_read_file(const char *path, uint8_t **ret_buf, size_t *ret_len, struct strbuf *err);

/* As elf_read_file(), from `fd` (left open; read from offset 0), named path in messages. */
int elf_read_fd(int fd, const char *path, uint8_t **ret_buf, size_t *ret_len, struct strbuf *err);

#endif
