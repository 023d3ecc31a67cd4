// SPDX-License-Identifier: MIT
/*
 * The RV32IM core's fast path: the common instructions, run with the state
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
 * loads and stores within the regions and on the bus), found by one
 * switch on the opcode and funct3 and run with the pc and the count in
 * locals. Instructions are decoded each time they run: a cache of decoded
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

/* The switch's key: the opcode and funct3, so that one jump finds an
 * instruction (under TCG each indirect jump costs a look-up of the next
 * translated block; decoding first and dispatching then took two). The
 * opcode's low two bits are 11 in every 32-bit instruction and left out,
 * so that the keys are dense enough for a single jump table. */
#define KEY(opcode, f3) ((opcode) >> 2 | (f3) << 5)
#define ANY_F3(opcode)                                                                        \
	case KEY(opcode, 0):                                                                  \
	case KEY(opcode, 1):                                                                  \
	case KEY(opcode, 2):                                                                  \
	case KEY(opcode, 3):                                                                  \
	case KEY(opcode, 4):                                                                  \
	case KEY(opcode, 5):                                                                  \
	case KEY(opcode, 6):                                                                  \
	case KEY(opcode, 7)
#define LOAD 0x03
#define OPIMM 0x13
#define AUIPC 0x17
#define STORE 0x23
#define OP 0x33
#define LUI 0x37
#define BRANCH 0x63
#define JALR 0x67
#define JAL 0x6f
/* an R-type ALU instruction: mul .. remu when funct7 is 1 */
#define REG_OP(f3, expr)                                                                      \
	case KEY(OP, f3):                                                                     \
		if (f7 == 1)                                                                  \
			goto muldiv;                                                          \
		if (f7 != 0)                                                                  \
			goto out;                                                             \
		x[rd] = (expr);                                                               \
		break
/* a branch; its target is checked whether or not it is taken */
#define BRANCH_OP(f3, cond)                                                                   \
	case KEY(BRANCH, f3):                                                                 \
		v = pc + imm_b(insn);                                                         \
		if ((v & 3) || v == pc)                                                       \
			goto out;                                                             \
		if (cond)                                                                     \
			next = v;                                                             \
		break

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
		unsigned int rd, rs1, rs2, f7, sext;
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
		rd = (insn >> 7) & 31;
		rs1 = (insn >> 15) & 31;
		rs2 = (insn >> 20) & 31;
		f7 = insn >> 25;
		if ((insn & 3) != 3)
			goto out;
		switch (KEY(insn & 0x7f, (insn >> 12) & 7)) {
		ANY_F3(LUI):
			x[rd] = insn & 0xfffff000u;
			break;
		ANY_F3(AUIPC):
			x[rd] = pc + (insn & 0xfffff000u);
			break;
		ANY_F3(JAL):
			v = pc + imm_j(insn);
			if ((v & 3) || v == pc)
				goto out;
			x[rd] = next;
			next = v;
			break;
		case KEY(JALR, 0):
			v = (x[rs1] + imm_i(insn)) & ~1u;
			if (v & 3)
				goto out;
			x[rd] = next;
			next = v;
			break;
		BRANCH_OP(0, x[rs1] == x[rs2]);
		BRANCH_OP(1, x[rs1] != x[rs2]);
		BRANCH_OP(4, (int32_t)x[rs1] < (int32_t)x[rs2]);
		BRANCH_OP(5, (int32_t)x[rs1] >= (int32_t)x[rs2]);
		BRANCH_OP(6, x[rs1] < x[rs2]);
		BRANCH_OP(7, x[rs1] >= x[rs2]);
		case KEY(LOAD, 0): /* lb */
			size = 1;
			sext = 8;
			goto load;
		case KEY(LOAD, 1): /* lh */
			size = 2;
			sext = 16;
			goto load;
		case KEY(LOAD, 2): /* lw */
			size = 4;
			sext = 0;
			goto load;
		case KEY(LOAD, 4): /* lbu */
			size = 1;
			sext = 0;
			goto load;
		case KEY(LOAD, 5): /* lhu */
			size = 2;
			sext = 0;
load:
			addr = x[rs1] + imm_i(insn);
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
			if (sext)
				v = (uint32_t)SEXT(v, sext);
			x[rd] = v;
			break;
		case KEY(STORE, 0): /* sb */
		case KEY(STORE, 1): /* sh */
		case KEY(STORE, 2): /* sw */
			addr = x[rs1] + imm_s(insn);
			size = 1u << ((insn >> 12) & 3);
			if (addr & (size - 1))
				goto out;
			v = x[rs2];
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
		case KEY(OPIMM, 0):
			x[rd] = x[rs1] + imm_i(insn);
			break;
		case KEY(OPIMM, 2):
			x[rd] = (int32_t)x[rs1] < (int32_t)imm_i(insn);
			break;
		case KEY(OPIMM, 3):
			x[rd] = x[rs1] < imm_i(insn);
			break;
		case KEY(OPIMM, 4):
			x[rd] = x[rs1] ^ imm_i(insn);
			break;
		case KEY(OPIMM, 6):
			x[rd] = x[rs1] | imm_i(insn);
			break;
		case KEY(OPIMM, 7):
			x[rd] = x[rs1] & imm_i(insn);
			break;
		case KEY(OPIMM, 1): /* slli: the shift amount in rs2's bits */
			if (f7 != 0)
				goto out;
			x[rd] = x[rs1] << rs2;
			break;
		case KEY(OPIMM, 5):
			if (f7 == 0)
				x[rd] = x[rs1] >> rs2;
			else if (f7 == 0x20)
				x[rd] = (uint32_t)((int32_t)x[rs1] >> rs2);
			else
				goto out;
			break;
		case KEY(OP, 0):
			if (f7 == 0)
				x[rd] = x[rs1] + x[rs2];
			else if (f7 == 0x20)
				x[rd] = x[rs1] - x[rs2];
			else if (f7 == 1)
				goto muldiv;
			else
				goto out;
			break;
		case KEY(OP, 5):
			if (f7 == 0)
				x[rd] = x[rs1] >> (x[rs2] & 31);
			else if (f7 == 0x20)
				x[rd] = (uint32_t)((int32_t)x[rs1] >> (x[rs2] & 31));
			else if (f7 == 1)
				goto muldiv;
			else
				goto out;
			break;
		REG_OP(1, x[rs1] << (x[rs2] & 31));
		REG_OP(2, (int32_t)x[rs1] < (int32_t)x[rs2]);
		REG_OP(3, x[rs1] < x[rs2]);
		REG_OP(4, x[rs1] ^ x[rs2]);
		REG_OP(6, x[rs1] | x[rs2]);
		REG_OP(7, x[rs1] & x[rs2]);
		default:
			goto out;
muldiv:
			x[rd] = mul_op((insn >> 12) & 7, x[rs1], x[rs2]);
			break;
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
