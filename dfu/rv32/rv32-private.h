/* SPDX-License-Identifier: MIT */
/*
 * What the core's three files share (rv32.c: the plain interpreter and
 * rv32_run(); fast.c: the decoded fast path; disasm.c: text): decoding
 * helpers with the interpreter's own rules, so that the fast path, the
 * interpreter and the disassembler agree on every instruction.
 */
#ifndef VUSB_DFU_RV32_PRIVATE_H
#define VUSB_DFU_RV32_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "dfu/rv32/rv32.h"

#define SEXT(v, bits) ((int32_t)((uint32_t)(v) << (32 - (bits))) >> (32 - (bits)))

static inline const struct rv32_region *find_region(const struct rv32 *cpu, uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < cpu->nregions; i++)
		if (addr - cpu->regions[i].base < cpu->regions[i].size)
			return &cpu->regions[i];
	return NULL;
}

/* rv32_irq_pending() without the call: the fast path asks after every
 * bus access. mip has MEIP alone, set when an unmasked line is high. */
static inline bool irq_pending(const struct rv32 *cpu)
{
	return (cpu->irq_lines & cpu->irq_mask) && (cpu->mie & RV32_MIP_MEIP);
}

static inline uint32_t get_le(const uint8_t *p, unsigned int size)
{
	switch (size) {
	case 1:
		return p[0];
	case 2:
		return (uint32_t)p[0] | (uint32_t)p[1] << 8;
	default:
		return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
	}
}

static inline void put_le(uint8_t *p, unsigned int size, uint32_t v)
{
	p[0] = (uint8_t)v;
	if (size == 1)
		return;
	p[1] = (uint8_t)(v >> 8);
	if (size == 2)
		return;
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline bool csr_exists(unsigned int csr)
{
	switch (csr) {
	case RV32_CSR_MSTATUS:
	case RV32_CSR_MISA:
	case RV32_CSR_MIE:
	case RV32_CSR_MTVEC:
	case RV32_CSR_MSCRATCH:
	case RV32_CSR_MEPC:
	case RV32_CSR_MCAUSE:
	case RV32_CSR_MTVAL:
	case RV32_CSR_MIP:
	case RV32_CSR_MCYCLE:
	case RV32_CSR_MINSTRET:
	case RV32_CSR_MCYCLEH:
	case RV32_CSR_MINSTRETH:
	case RV32_CSR_IRQ_MASK:
	case RV32_CSR_CYCLE:
	case RV32_CSR_TIME:
	case RV32_CSR_INSTRET:
	case RV32_CSR_CYCLEH:
	case RV32_CSR_TIMEH:
	case RV32_CSR_INSTRETH:
	case RV32_CSR_MVENDORID:
	case RV32_CSR_MARCHID:
	case RV32_CSR_MIMPID:
	case RV32_CSR_MHARTID:
	case RV32_CSR_IRQ_PENDING:
		return true;
	default:
		return false;
	}
}

static inline uint32_t imm_i(uint32_t insn)
{
	return (uint32_t)((int32_t)insn >> 20);
}

static inline uint32_t imm_s(uint32_t insn)
{
	return (uint32_t)(((int32_t)insn >> 25) * 32) | ((insn >> 7) & 0x1f);
}

static inline uint32_t imm_b(uint32_t insn)
{
	return (uint32_t)(((int32_t)insn >> 31) * 4096) | ((insn & 0x80) << 4) |
	       ((insn >> 20) & 0x7e0) | ((insn >> 7) & 0x1e);
}

static inline uint32_t imm_j(uint32_t insn)
{
	return (uint32_t)(((int32_t)insn >> 31) * 1048576) | (insn & 0xff000) |
	       ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7fe);
}

static inline uint32_t mul_op(unsigned int f3, uint32_t a, uint32_t b)
{
	int32_t sa = (int32_t)a, sb = (int32_t)b;

	switch (f3) {
	case 0: /* mul */
		return a * b;
	case 1: /* mulh */
		return (uint32_t)((uint64_t)((int64_t)sa * (int64_t)sb) >> 32);
	case 2: /* mulhsu */
		return (uint32_t)((uint64_t)((int64_t)sa * (int64_t)(uint64_t)b) >> 32);
	case 3: /* mulhu */
		return (uint32_t)(((uint64_t)a * b) >> 32);
	case 4: /* div */
		if (b == 0)
			return 0xffffffffu;
		if (a == 0x80000000u && sb == -1)
			return a;
		return (uint32_t)(sa / sb);
	case 5: /* divu */
		return b == 0 ? 0xffffffffu : a / b;
	case 6: /* rem */
		if (b == 0)
			return a;
		if (a == 0x80000000u && sb == -1)
			return 0;
		return (uint32_t)(sa % sb);
	default: /* remu */
		return b == 0 ? a : a % b;
	}
}

/* OP and OP-IMM share their ALU; imm says which one (no sub, shamt rules). */
static inline bool alu(uint32_t insn, uint32_t a, uint32_t b, bool imm, uint32_t *ret)
{
	unsigned int f3 = (insn >> 12) & 7, f7 = insn >> 25;

	if (!imm && f7 == 1) {
		*ret = mul_op(f3, a, b);
		return true;
	}
	switch (f3) {
	case 0:
		if (imm)
			*ret = a + b;
		else if (f7 == 0)
			*ret = a + b;
		else if (f7 == 0x20)
			*ret = a - b;
		else
			return false;
		return true;
	case 1:
		if (f7 != 0)
			return false;
		*ret = a << (b & 31);
		return true;
	case 5:
		if (f7 == 0)
			*ret = a >> (b & 31);
		else if (f7 == 0x20)
			*ret = (uint32_t)((int32_t)a >> (b & 31));
		else
			return false;
		return true;
	}
	/* slt, sltu, xor, or, and: funct7 is part of the immediate for OP-IMM */
	if (!imm && f7 != 0)
		return false;
	switch (f3) {
	case 2:
		*ret = (int32_t)a < (int32_t)b;
		return true;
	case 3:
		*ret = a < b;
		return true;
	case 4:
		*ret = a ^ b;
		return true;
	case 6:
		*ret = a | b;
		return true;
	default:
		*ret = a & b;
		return true;
	}
}

/* The fetch window of rv32_run(): [base, base + last] can be fetched. */
struct rv32_fetch {
	const uint8_t *mem;
	uint32_t base, last;
};

/*
 * The fast path (fast.c): run at most `limit` instructions from cpu->pc,
 * all within the fetch window, stopping before the first one it leaves
 * to the plain interpreter. The caller has done the watch check for the
 * first one; *ret_seen is set when it stopped at an instruction at
 * `watch` whose visit it did; *ret_bus when it stopped after a bus
 * access that yielded or left an interrupt to take. Returns the count,
 * which cycle and instret have been advanced by.
 */
uint64_t rv32_run_fast(struct rv32 *cpu, uint64_t limit, uint32_t watch, const struct rv32_fetch *f,
		       bool *ret_seen, bool *ret_bus);

#endif
