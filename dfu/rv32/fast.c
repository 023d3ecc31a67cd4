// SPDX-License-Identifier: MIT
/*
 * The RV32IM core's fast path: decoded instructions, run with the state
 * that changes most in locals. rv32_run() (rv32.c) calls it when no
 * interrupt is due and no trace hook is set.
 */
#include <string.h>

#include "dfu/rv32/rv32-private.h"

/* gcc would pack scalar updates into SSE operations: slower than plain
 * ones when vusb itself runs under an emulator (the test VM's TCG). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize")
#endif

/*
 * The fast path: what most instructions are (integer ops, jumps, branches,
 * loads and stores within the regions and on the bus), decoded into a
 * struct op in locals and run with the pc and the count in locals.
 * Instructions are decoded each time they run: a cache of decoded
 * instructions (tried) is faster natively but not under TCG, where its
 * loads and the pages it spans cost more than decoding does. The fast
 * path stops, before touching anything, at an instruction it leaves to
 * execute(): CSRs, system instructions, anything that would trap, a jump
 * to itself, the watched pc when it may be idle, a fetch outside the
 * window; and after a bus access that yielded or raised an interrupt.
 * Exactness rests on that: each instruction either runs here exactly as
 * execute() would run it, or not at all. cycle and instret advance
 * together here (no traps), by the count, written back before each bus
 * access and on the way out.
 */
enum {
	OP_SLOW, /* left to execute() */
	OP_LUI, /* lui, and auipc with the pc added: x[rd] = imm */
	OP_JAL,
	OP_JALR,
	OP_BEQ,
	OP_BNE,
	OP_BLT,
	OP_BGE,
	OP_BLTU,
	OP_BGEU,
	OP_LB,
	OP_LH,
	OP_LW,
	OP_LBU,
	OP_LHU,
	OP_SB,
	OP_SH,
	OP_SW,
	OP_ADDI,
	OP_SLTI,
	OP_SLTIU,
	OP_XORI,
	OP_ORI,
	OP_ANDI,
	OP_SLLI,
	OP_SRLI,
	OP_SRAI,
	OP_ADD,
	OP_SUB,
	OP_SLL,
	OP_SLT,
	OP_SLTU,
	OP_XOR,
	OP_SRL,
	OP_SRA,
	OP_OR,
	OP_AND,
	OP_MULDIV, /* mul .. remu, funct3 in imm */
};

/* One instruction, decoded. */
struct op {
	uint32_t imm; /* immediate, or the target of a jump or branch */
	uint8_t op, rd, rs1, rs2; /* rs2: a load's size */
};

static void decode(struct op *e, uint32_t pc, uint32_t insn)
{
	static const uint8_t branch[8] = { OP_BEQ, OP_BNE, OP_SLOW, OP_SLOW,
					   OP_BLT, OP_BGE, OP_BLTU, OP_BGEU };
	static const uint8_t load[8] = { OP_LB,	 OP_LH,	 OP_LW,	  OP_SLOW,
					 OP_LBU, OP_LHU, OP_SLOW, OP_SLOW };
	static const uint8_t imm[8] = { OP_ADDI, OP_SLLI, OP_SLTI, OP_SLTIU,
					OP_XORI, OP_SRLI, OP_ORI,  OP_ANDI };
	static const uint8_t reg[8] = { OP_ADD, OP_SLL, OP_SLT, OP_SLTU,
					OP_XOR, OP_SRL, OP_OR,	OP_AND };
	unsigned int f3 = (insn >> 12) & 7, f7 = insn >> 25;
	uint8_t op = OP_SLOW;
	uint32_t v = 0;

	switch (insn & 0x7f) {
	case 0x37:
		op = OP_LUI;
		v = insn & 0xfffff000u;
		break;
	case 0x17:
		op = OP_LUI;
		v = pc + (insn & 0xfffff000u);
		break;
	case 0x6f:
		v = pc + imm_j(insn);
		if (!(v & 3) && v != pc)
			op = OP_JAL;
		break;
	case 0x67:
		if (f3 == 0)
			op = OP_JALR;
		v = imm_i(insn);
		break;
	case 0x63:
		v = pc + imm_b(insn);
		if (!(v & 3) && v != pc)
			op = branch[f3];
		break;
	case 0x03:
		op = load[f3];
		v = imm_i(insn);
		break;
	case 0x23:
		if (f3 <= 2)
			op = (uint8_t)(OP_SB + f3);
		v = imm_s(insn);
		break;
	case 0x13:
		op = imm[f3];
		v = imm_i(insn);
		if (f3 == 1 && f7 != 0)
			op = OP_SLOW;
		else if (f3 == 5 && f7 == 0x20)
			op = OP_SRAI;
		else if (f3 == 5 && f7 != 0)
			op = OP_SLOW;
		if (f3 == 1 || f3 == 5)
			v &= 31;
		break;
	case 0x33:
		if (f7 == 0)
			op = reg[f3];
		else if (f7 == 0x20 && f3 == 0)
			op = OP_SUB;
		else if (f7 == 0x20 && f3 == 5)
			op = OP_SRA;
		else if (f7 == 1)
			op = OP_MULDIV;
		v = f3;
		break;
	}
	e->op = op;
	e->rd = (insn >> 7) & 31;
	e->rs1 = (insn >> 15) & 31;
	e->rs2 = (insn >> 20) & 31;
	if ((insn & 0x7f) == 0x03)
		e->rs2 = (uint8_t)(1u << (f3 & 3)); /* a load's size: its rs2 bits are immediate */
	e->imm = v;
}

uint64_t rv32_run_fast(struct rv32 *cpu, uint64_t limit, uint32_t watch, const struct rv32_fetch *f,
		       bool *ret_seen, bool *ret_bus)
{
	/* Few locals: a register spilled to the stack is one more memory
	 * access per instruction, and each costs under an emulator. The
	 * first region (RAM) is read from cpu where a load or store needs it. */
	const struct rv32_region *const r0 = &cpu->regions[0];
	const uint8_t *const fmem = f->mem;
	const uint32_t fbase = f->base, flast = f->last;
	uint32_t *const x = cpu->x;
	uint32_t pc = cpu->pc;
	uint64_t d = 0, synced = 0;
	bool bus = false;

	while (d < limit && pc - fbase <= flast) {
		const uint32_t insn = get_le(fmem + (pc - fbase), 4);
		struct op dec, *e = &dec;
		const struct rv32_region *r;
		uint32_t v, addr, next = pc + 4;
		unsigned int size;
		uint8_t *p;

		/* A visit of the watched pc that is not idle, as watch_idle()
		 * takes it; the first instruction's visit is the caller's. */
		if (pc == watch && d > 0) {
			if (cpu->effects == cpu->watch_effects)
				goto done;
			memcpy(cpu->watch_x, x, sizeof(cpu->watch_x));
			cpu->watch_effects = cpu->effects;
			cpu->watch_cycle = cpu->cycle + (d - synced);
		}
		decode(e, pc, insn);
		switch (e->op) {
		case OP_LUI:
			x[e->rd] = e->imm;
			break;
		case OP_JAL:
			x[e->rd] = next;
			next = e->imm;
			break;
		case OP_JALR:
			v = (x[e->rs1] + e->imm) & ~1u;
			if (v & 3)
				goto out;
			x[e->rd] = next;
			next = v;
			break;
		case OP_BEQ:
			if (x[e->rs1] == x[e->rs2])
				next = e->imm;
			break;
		case OP_BNE:
			if (x[e->rs1] != x[e->rs2])
				next = e->imm;
			break;
		case OP_BLT:
			if ((int32_t)x[e->rs1] < (int32_t)x[e->rs2])
				next = e->imm;
			break;
		case OP_BGE:
			if ((int32_t)x[e->rs1] >= (int32_t)x[e->rs2])
				next = e->imm;
			break;
		case OP_BLTU:
			if (x[e->rs1] < x[e->rs2])
				next = e->imm;
			break;
		case OP_BGEU:
			if (x[e->rs1] >= x[e->rs2])
				next = e->imm;
			break;
		case OP_LB:
		case OP_LH:
		case OP_LW:
		case OP_LBU:
		case OP_LHU:
			addr = x[e->rs1] + e->imm;
			size = e->rs2; /* decode() keeps the size there */
			if (addr & (size - 1))
				goto out;
			if (addr - r0->base < r0->size) {
				v = get_le(r0->mem + (addr - r0->base), size);
			} else if ((r = find_region(cpu, addr))) {
				v = get_le(r->mem + (addr - r->base), size);
			} else {
				/* the SoC sees the pc and the counters of this instruction */
				cpu->pc = pc;
				cpu->cycle += d - synced;
				cpu->instret += d - synced;
				synced = d;
				v = 0;
				if (cpu->bus && cpu->bus->load)
					cpu->bus->load(cpu->bus_ctx, addr, size, &v);
				if (size < 4)
					v &= (1u << (size * 8)) - 1;
				bus = true;
			}
			if (e->op == OP_LB)
				v = (uint32_t)SEXT(v, 8);
			else if (e->op == OP_LH)
				v = (uint32_t)SEXT(v, 16);
			x[e->rd] = v;
			break;
		case OP_SB:
		case OP_SH:
		case OP_SW:
			addr = x[e->rs1] + e->imm;
			size = 1u << (e->op - OP_SB);
			if (addr & (size - 1))
				goto out;
			v = x[e->rs2];
			if (size < 4)
				v &= (1u << (size * 8)) - 1;
			if (addr - r0->base < r0->size && r0->writable) {
				p = r0->mem + (addr - r0->base);
			} else {
				r = find_region(cpu, addr);
				p = r && r->writable ? r->mem + (addr - r->base) : NULL;
			}
			if (p) {
				/* Storing what is there already changes nothing:
				 * a polling loop that saves ra on its stack is
				 * still idle. */
				if (get_le(p, size) != v) {
					put_le(p, size, v);
					cpu->effects++;
				}
				break;
			}
			cpu->pc = pc;
			cpu->cycle += d - synced;
			cpu->instret += d - synced;
			synced = d;
			cpu->effects++;
			if (cpu->bus && cpu->bus->store)
				cpu->bus->store(cpu->bus_ctx, addr, size, v);
			bus = true;
			break;
		case OP_ADDI:
			x[e->rd] = x[e->rs1] + e->imm;
			break;
		case OP_SLTI:
			x[e->rd] = (int32_t)x[e->rs1] < (int32_t)e->imm;
			break;
		case OP_SLTIU:
			x[e->rd] = x[e->rs1] < e->imm;
			break;
		case OP_XORI:
			x[e->rd] = x[e->rs1] ^ e->imm;
			break;
		case OP_ORI:
			x[e->rd] = x[e->rs1] | e->imm;
			break;
		case OP_ANDI:
			x[e->rd] = x[e->rs1] & e->imm;
			break;
		case OP_SLLI:
			x[e->rd] = x[e->rs1] << e->imm;
			break;
		case OP_SRLI:
			x[e->rd] = x[e->rs1] >> e->imm;
			break;
		case OP_SRAI:
			x[e->rd] = (uint32_t)((int32_t)x[e->rs1] >> e->imm);
			break;
		case OP_ADD:
			x[e->rd] = x[e->rs1] + x[e->rs2];
			break;
		case OP_SUB:
			x[e->rd] = x[e->rs1] - x[e->rs2];
			break;
		case OP_SLL:
			x[e->rd] = x[e->rs1] << (x[e->rs2] & 31);
			break;
		case OP_SLT:
			x[e->rd] = (int32_t)x[e->rs1] < (int32_t)x[e->rs2];
			break;
		case OP_SLTU:
			x[e->rd] = x[e->rs1] < x[e->rs2];
			break;
		case OP_XOR:
			x[e->rd] = x[e->rs1] ^ x[e->rs2];
			break;
		case OP_SRL:
			x[e->rd] = x[e->rs1] >> (x[e->rs2] & 31);
			break;
		case OP_SRA:
			x[e->rd] = (uint32_t)((int32_t)x[e->rs1] >> (x[e->rs2] & 31));
			break;
		case OP_OR:
			x[e->rd] = x[e->rs1] | x[e->rs2];
			break;
		case OP_AND:
			x[e->rd] = x[e->rs1] & x[e->rs2];
			break;
		case OP_MULDIV:
			x[e->rd] = mul_op(e->imm, x[e->rs1], x[e->rs2]);
			break;
		default:
			goto out;
		}
		x[0] = 0;
		pc = next;
		d++;
		/* After a bus access, what execute()'s caller checks: a yield,
		 * an interrupt the peripheral raised. */
		if (bus) {
			if (cpu->yield || ((cpu->mstatus & RV32_MSTATUS_MIE) && irq_pending(cpu))) {
				*ret_bus = true;
				goto done;
			}
			bus = false;
		}
	}
	goto done;
out:
	/* stopped at an instruction whose visit of the watched pc is done */
	*ret_seen = pc == watch && d > 0;
done:
	cpu->pc = pc;
	cpu->cycle += d - synced;
	cpu->instret += d - synced;
	return d;
}
