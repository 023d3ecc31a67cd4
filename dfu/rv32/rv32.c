// SPDX-License-Identifier: MIT
/*
 * The RV32IM interpreter: regions, CSRs, traps and rv32_run(). One switch
 * on the major opcode per instruction; fetches come from a cached region
 * pointer, loads and stores look up the (few) regions before falling back
 * to the bus. This is the reference: rv32_run() hands the common
 * instructions to the decoded fast path (fast.c), which must do exactly
 * what execute() does, and runs everything else, and everything while a
 * trace hook is set, here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dfu/rv32/rv32-private.h"

/* What executing one instruction did, besides retiring. */
enum step {
	STEP_RETIRED,
	STEP_BUS, /* retired after a bus access: a callback may have yielded or moved a line */
	STEP_SYS, /* retired after a CSR access, mret or a wfi that did not sleep */
	STEP_TRAPPED, /* an exception was taken (or halted the core) */
	STEP_WFI,
	STEP_IDLE,
};

void rv32_init(struct rv32 *cpu, const struct rv32_bus_ops *bus, void *bus_ctx)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->bus = bus;
	cpu->bus_ctx = bus_ctx;
	cpu->halt_on_null_mtvec = true;
	cpu->mstatus = RV32_MSTATUS_MPP;
	cpu->watch_pc = RV32_NO_WATCH;
}

int rv32_add_region(struct rv32 *cpu, uint32_t base, uint32_t size, uint8_t *mem,
		    bool writable)
{
	unsigned int i;

	if (cpu->nregions >= RV32_MAX_REGIONS)
		return -ENOSPC;
	if (size == 0 || base % 4 || size % 4 || (uint64_t)base + size > 0x100000000ull)
		return -EINVAL;
	for (i = 0; i < cpu->nregions; i++) {
		const struct rv32_region *r = &cpu->regions[i];

		if ((uint64_t)base < (uint64_t)r->base + r->size &&
		    (uint64_t)r->base < (uint64_t)base + size)
			return -EINVAL;
	}
	cpu->regions[cpu->nregions++] = (struct rv32_region){ base, size, mem, writable };
	return 0;
}

void rv32_reset(struct rv32 *cpu, uint32_t pc)
{
	memset(cpu->x, 0, sizeof(cpu->x));
	cpu->pc = pc;
	cpu->mstatus = RV32_MSTATUS_MPP;
	cpu->mie = 0;
	cpu->mtvec = 0;
	cpu->mscratch = 0;
	cpu->mepc = 0;
	cpu->mcause = 0;
	cpu->mtval = 0;
	cpu->irq_mask = 0;
	cpu->cycle = 0;
	cpu->instret = 0;
	cpu->waiting = false;
	cpu->halted = false;
	cpu->watch_pc = RV32_NO_WATCH;
	cpu->yield = false;
	cpu->effects++;
	memset(&cpu->halt, 0, sizeof(cpu->halt));
}

void rv32_watch(struct rv32 *cpu, uint32_t pc)
{
	memcpy(cpu->watch_x, cpu->x, sizeof(cpu->watch_x));
	cpu->watch_effects = cpu->effects;
	cpu->watch_cycle = cpu->cycle;
	cpu->watch_pc = pc;
}

/* Back at watch_pc: the same state as last time is an idle loop; a
 * different one is the new last visit. */
static bool watch_idle(struct rv32 *cpu)
{
	if (cpu->effects == cpu->watch_effects && !memcmp(cpu->x, cpu->watch_x, sizeof(cpu->x)))
		return true;
	rv32_watch(cpu, cpu->pc);
	return false;
}

static uint32_t mip(const struct rv32 *cpu)
{
	return (cpu->irq_lines & cpu->irq_mask) ? RV32_MIP_MEIP : 0;
}

bool rv32_irq_pending(const struct rv32 *cpu)
{
	return irq_pending(cpu);
}

void rv32_set_irq(struct rv32 *cpu, unsigned int line, bool level)
{
	if (line >= 32)
		return;
	if (level)
		cpu->irq_lines |= 1u << line;
	else
		cpu->irq_lines &= ~(1u << line);
}

/* Aligned accesses only: regions are 4-aligned, so one never straddles. */
static uint32_t mem_load(struct rv32 *cpu, uint32_t addr, unsigned int size, bool *ret_bus)
{
	const struct rv32_region *r = &cpu->regions[0];
	uint32_t v = 0;

	/* the first region (RAM) without the search */
	if (cpu->nregions && addr - r->base < r->size)
		return get_le(r->mem + (addr - r->base), size);
	r = find_region(cpu, addr);

	if (r)
		return get_le(r->mem + (addr - r->base), size);
	*ret_bus = true;
	if (cpu->bus && cpu->bus->load)
		cpu->bus->load(cpu->bus_ctx, addr, size, &v);
	if (size < 4)
		v &= (1u << (size * 8)) - 1;
	return v;
}

static void mem_store(struct rv32 *cpu, uint32_t addr, unsigned int size, uint32_t v, bool *ret_bus)
{
	const struct rv32_region *r = &cpu->regions[0];

	if (!cpu->nregions || addr - r->base >= r->size)
		r = find_region(cpu, addr);

	if (r && r->writable) {
		uint8_t *p = r->mem + (addr - r->base);

		/* Storing what is there already changes nothing: a polling
		 * loop that saves ra on its stack is still idle. */
		if (get_le(p, size) != (size < 4 ? v & ((1u << (size * 8)) - 1) : v)) {
			put_le(p, size, v);
			cpu->effects++;
		}
		return;
	}
	cpu->effects++;
	*ret_bus = true;
	if (cpu->bus && cpu->bus->store)
		cpu->bus->store(cpu->bus_ctx, addr, size, size < 4 ? v & ((1u << (size * 8)) - 1) : v);
}

/*
 * Take a trap at cpu->pc. Returns false when there is no handler and the
 * core halted instead.
 */
static bool take_trap(struct rv32 *cpu, uint32_t cause, uint32_t tval, uint32_t insn)
{
	uint32_t base = cpu->mtvec & ~3u;

	cpu->effects++;
	if (base == 0 && cpu->halt_on_null_mtvec) {
		cpu->halted = true;
		cpu->halt.cause = cause;
		cpu->halt.tval = tval;
		cpu->halt.pc = cpu->pc;
		cpu->halt.insn = insn;
		return false;
	}
	cpu->mepc = cpu->pc;
	cpu->mcause = cause;
	cpu->mtval = tval;
	cpu->mstatus = (cpu->mstatus & RV32_MSTATUS_MIE ? RV32_MSTATUS_MPIE : 0) | RV32_MSTATUS_MPP;
	if ((cause & RV32_CAUSE_INTERRUPT) && (cpu->mtvec & 1))
		cpu->pc = base + 4 * (cause & 0x1f);
	else
		cpu->pc = base;
	return true;
}

/* CSR numbers 0xC00-0xFFF are read-only by their encoding. */
static bool csr_read_only(unsigned int csr)
{
	return (csr >> 10) == 3;
}

int rv32_csr_read(struct rv32 *cpu, unsigned int csr, uint32_t *ret)
{
	uint32_t v;

	switch (csr) {
	case RV32_CSR_MSTATUS:
		v = cpu->mstatus;
		break;
	case RV32_CSR_MISA:
		v = RV32_MISA;
		break;
	case RV32_CSR_MIE:
		v = cpu->mie;
		break;
	case RV32_CSR_MTVEC:
		v = cpu->mtvec;
		break;
	case RV32_CSR_MSCRATCH:
		v = cpu->mscratch;
		break;
	case RV32_CSR_MEPC:
		v = cpu->mepc;
		break;
	case RV32_CSR_MCAUSE:
		v = cpu->mcause;
		break;
	case RV32_CSR_MTVAL:
		v = cpu->mtval;
		break;
	case RV32_CSR_MIP:
		v = mip(cpu);
		break;
	case RV32_CSR_MCYCLE:
	case RV32_CSR_CYCLE:
	case RV32_CSR_TIME:
		v = (uint32_t)cpu->cycle;
		break;
	case RV32_CSR_MCYCLEH:
	case RV32_CSR_CYCLEH:
	case RV32_CSR_TIMEH:
		v = (uint32_t)(cpu->cycle >> 32);
		break;
	case RV32_CSR_MINSTRET:
	case RV32_CSR_INSTRET:
		v = (uint32_t)cpu->instret;
		break;
	case RV32_CSR_MINSTRETH:
	case RV32_CSR_INSTRETH:
		v = (uint32_t)(cpu->instret >> 32);
		break;
	case RV32_CSR_IRQ_MASK:
		v = cpu->irq_mask;
		break;
	case RV32_CSR_IRQ_PENDING:
		v = cpu->irq_lines;
		break;
	case RV32_CSR_MVENDORID:
	case RV32_CSR_MARCHID:
	case RV32_CSR_MIMPID:
	case RV32_CSR_MHARTID:
		v = 0;
		break;
	default:
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static uint64_t set_lo(uint64_t v, uint32_t lo)
{
	return (v & 0xffffffff00000000ull) | lo;
}

static uint64_t set_hi(uint64_t v, uint32_t hi)
{
	return (v & 0xffffffffull) | (uint64_t)hi << 32;
}

int rv32_csr_write(struct rv32 *cpu, unsigned int csr, uint32_t val)
{
	if (!csr_exists(csr) || csr_read_only(csr))
		return -EINVAL;
	switch (csr) {
	case RV32_CSR_MSTATUS:
		/* Machine mode only: MPP reads 3 whatever is written. */
		cpu->mstatus = (val & (RV32_MSTATUS_MIE | RV32_MSTATUS_MPIE)) | RV32_MSTATUS_MPP;
		break;
	case RV32_CSR_MIE:
		cpu->mie = val & RV32_MIE_MEIE;
		break;
	case RV32_CSR_MTVEC:
		cpu->mtvec = val & ~2u; /* direct (0) or vectored (1) */
		break;
	case RV32_CSR_MSCRATCH:
		cpu->mscratch = val;
		break;
	case RV32_CSR_MEPC:
		cpu->mepc = val & ~3u;
		break;
	case RV32_CSR_MCAUSE:
		cpu->mcause = val;
		break;
	case RV32_CSR_MTVAL:
		cpu->mtval = val;
		break;
	case RV32_CSR_MCYCLE:
		cpu->cycle = set_lo(cpu->cycle, val);
		break;
	case RV32_CSR_MCYCLEH:
		cpu->cycle = set_hi(cpu->cycle, val);
		break;
	case RV32_CSR_MINSTRET:
		cpu->instret = set_lo(cpu->instret, val);
		break;
	case RV32_CSR_MINSTRETH:
		cpu->instret = set_hi(cpu->instret, val);
		break;
	case RV32_CSR_IRQ_MASK:
		cpu->irq_mask = val;
		break;
	default:
		/* misa, mip: nothing writable */
		break;
	}
	return 0;
}

static bool csr_is_counter(unsigned int csr)
{
	switch (csr) {
	case RV32_CSR_MCYCLE:
	case RV32_CSR_MINSTRET:
	case RV32_CSR_MCYCLEH:
	case RV32_CSR_MINSTRETH:
	case RV32_CSR_CYCLE:
	case RV32_CSR_TIME:
	case RV32_CSR_INSTRET:
	case RV32_CSR_CYCLEH:
	case RV32_CSR_TIMEH:
	case RV32_CSR_INSTRETH:
		return true;
	default:
		return false;
	}
}

/* Zicsr. Returns false for an illegal instruction. */
static bool exec_csr(struct rv32 *cpu, uint32_t insn)
{
	unsigned int csr = insn >> 20, rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31;
	unsigned int f3 = (insn >> 12) & 7, op = f3 & 3;
	uint32_t src = (f3 & 4) ? rs1 : cpu->x[rs1];
	bool write = op == 1 || rs1 != 0;
	uint32_t old = 0, val;

	if (op == 0 || !csr_exists(csr) || (write && csr_read_only(csr)))
		return false;
	if (op != 1 || rd != 0) {
		rv32_csr_read(cpu, csr, &old);
		if (csr_is_counter(csr))
			cpu->effects++; /* time passes: a loop reading it is not idle */
	}
	if (write) {
		cpu->effects++;
		if (op == 1)
			val = src;
		else if (op == 2)
			val = old | src;
		else
			val = old & ~src;
		rv32_csr_write(cpu, csr, val);
		/* The counters advance after each instruction, this one
		 * included; an explicit write wins over that count. */
		if (csr == RV32_CSR_MCYCLE || csr == RV32_CSR_MCYCLEH)
			cpu->cycle--;
		else if (csr == RV32_CSR_MINSTRET || csr == RV32_CSR_MINSTRETH)
			cpu->instret--;
	}
	cpu->x[rd] = old;
	return true;
}

static bool branch_taken(unsigned int f3, uint32_t a, uint32_t b, bool *ret)
{
	switch (f3) {
	case 0:
		*ret = a == b;
		return true;
	case 1:
		*ret = a != b;
		return true;
	case 4:
		*ret = (int32_t)a < (int32_t)b;
		return true;
	case 5:
		*ret = (int32_t)a >= (int32_t)b;
		return true;
	case 6:
		*ret = a < b;
		return true;
	case 7:
		*ret = a >= b;
		return true;
	default:
		return false;
	}
}

#define TRAP(cause, tval) (take_trap(cpu, (cause), (tval), insn), STEP_TRAPPED)
#define ILLEGAL() TRAP(RV32_CAUSE_ILLEGAL, insn)

static enum step execute(struct rv32 *cpu, uint32_t insn)
{
	uint32_t *x = cpu->x;
	uint32_t pc = cpu->pc, next = pc + 4, v, addr, target;
	unsigned int rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	unsigned int f3 = (insn >> 12) & 7, size;
	bool taken, bus = false;

	switch (insn & 0x7f) {
	case 0x37: /* lui */
		x[rd] = insn & 0xfffff000u;
		break;
	case 0x17: /* auipc */
		x[rd] = pc + (insn & 0xfffff000u);
		break;
	case 0x6f: /* jal */
		target = pc + imm_j(insn);
		if (target & 3)
			return TRAP(RV32_CAUSE_MISALIGNED_FETCH, target);
		x[rd] = next;
		if (target == pc) {
			x[0] = 0;
			return STEP_IDLE;
		}
		next = target;
		break;
	case 0x67: /* jalr */
		if (f3 != 0)
			return ILLEGAL();
		target = (x[rs1] + imm_i(insn)) & ~1u;
		if (target & 3)
			return TRAP(RV32_CAUSE_MISALIGNED_FETCH, target);
		x[rd] = next;
		next = target;
		break;
	case 0x63: /* branches */
		if (!branch_taken(f3, x[rs1], x[rs2], &taken))
			return ILLEGAL();
		if (!taken)
			break;
		target = pc + imm_b(insn);
		if (target & 3)
			return TRAP(RV32_CAUSE_MISALIGNED_FETCH, target);
		if (target == pc)
			return STEP_IDLE;
		next = target;
		break;
	case 0x03: /* loads */
		if (f3 == 3 || f3 > 5)
			return ILLEGAL();
		size = 1u << (f3 & 3);
		addr = x[rs1] + imm_i(insn);
		if (addr & (size - 1))
			return TRAP(RV32_CAUSE_MISALIGNED_LOAD, addr);
		v = mem_load(cpu, addr, size, &bus);
		if (f3 == 0)
			v = (uint32_t)SEXT(v, 8);
		else if (f3 == 1)
			v = (uint32_t)SEXT(v, 16);
		x[rd] = v;
		x[0] = 0;
		cpu->pc = next;
		return bus ? STEP_BUS : STEP_RETIRED;
	case 0x23: /* stores */
		if (f3 > 2)
			return ILLEGAL();
		size = 1u << f3;
		addr = x[rs1] + imm_s(insn);
		if (addr & (size - 1))
			return TRAP(RV32_CAUSE_MISALIGNED_STORE, addr);
		mem_store(cpu, addr, size, x[rs2], &bus);
		cpu->pc = next;
		return bus ? STEP_BUS : STEP_RETIRED;
	case 0x13: /* op-imm: alu()'s rules, spelt out for speed */
		v = x[rs1];
		switch (f3) {
		case 0:
			v += imm_i(insn);
			break;
		case 1:
			if (insn >> 25)
				return ILLEGAL();
			v <<= rs2;
			break;
		case 2:
			v = (int32_t)v < (int32_t)imm_i(insn);
			break;
		case 3:
			v = v < imm_i(insn);
			break;
		case 4:
			v ^= imm_i(insn);
			break;
		case 5:
			if (insn >> 25 == 0)
				v >>= rs2;
			else if (insn >> 25 == 0x20)
				v = (uint32_t)((int32_t)v >> rs2);
			else
				return ILLEGAL();
			break;
		case 6:
			v |= imm_i(insn);
			break;
		default:
			v &= imm_i(insn);
			break;
		}
		x[rd] = v;
		break;
	case 0x33: /* op */
		if (insn >> 25 == 0) {
			uint32_t a = x[rs1], b = x[rs2];

			switch (f3) {
			case 0:
				v = a + b;
				break;
			case 1:
				v = a << (b & 31);
				break;
			case 2:
				v = (int32_t)a < (int32_t)b;
				break;
			case 3:
				v = a < b;
				break;
			case 4:
				v = a ^ b;
				break;
			case 5:
				v = a >> (b & 31);
				break;
			case 6:
				v = a | b;
				break;
			default:
				v = a & b;
				break;
			}
		} else if (!alu(insn, x[rs1], x[rs2], false, &v)) {
			return ILLEGAL();
		}
		x[rd] = v;
		break;
	case 0x0f: /* fence, fence.i: memory is coherent, nothing is cached */
		if (f3 > 1)
			return ILLEGAL();
		break;
	case 0x73:
		if (f3 == 0) {
			switch (insn) {
			case 0x00000073: /* ecall */
				return TRAP(RV32_CAUSE_ECALL_M, 0);
			case 0x00100073: /* ebreak */
				return TRAP(RV32_CAUSE_BREAKPOINT, pc);
			case 0x30200073: /* mret */
				cpu->effects++;
				cpu->mstatus = (cpu->mstatus & RV32_MSTATUS_MPIE ? RV32_MSTATUS_MIE : 0) |
					       RV32_MSTATUS_MPIE | RV32_MSTATUS_MPP;
				cpu->pc = cpu->mepc;
				return STEP_SYS;
			case 0x10500073: /* wfi */
				cpu->pc = next;
				if (rv32_irq_pending(cpu))
					return STEP_SYS;
				cpu->waiting = true;
				cpu->effects++;
				return STEP_WFI;
			default:
				return ILLEGAL();
			}
			break;
		}
		if (!exec_csr(cpu, insn))
			return ILLEGAL();
		x[0] = 0;
		cpu->pc = next;
		return STEP_SYS;
	default:
		return ILLEGAL();
	}
	x[0] = 0;
	cpu->pc = next;
	return STEP_RETIRED;
}

/*
 * The loop keeps in locals what only it changes (the fetch window, the
 * watched pc, the trace hook) and looks at interrupts only when something
 * may have raised one: at the start, after a bus access (a peripheral's
 * line), a CSR access, mret, wfi or a trap. A yield can only come from a
 * bus callback. That keeps the common instruction to a fetch, a switch
 * and its registers: what costs most when vusb itself runs under an
 * emulator (the test VM's TCG).
 */
enum rv32_exit rv32_run(struct rv32 *cpu, uint64_t budget, uint64_t *ret_executed)
{
	const rv32_trace_fn trace = cpu->trace;
	const uint32_t watch = cpu->watch_pc;
	enum rv32_exit why = RV32_EXIT_BUDGET;
	const uint8_t *fmem = NULL;
	uint32_t fbase = 0, flast = 0; /* fetch window: [fbase, fbase + flast] */
	bool check_irq = true, seen = false;
	uint64_t n = 0;

	if (cpu->halted) {
		why = RV32_EXIT_HALT;
		goto out;
	}
	if (cpu->waiting) {
		if (!rv32_irq_pending(cpu)) {
			why = RV32_EXIT_WFI;
			goto out;
		}
		cpu->waiting = false;
	}
	while (n < budget) {
		uint32_t pc, insn;
		enum step st;

		pc = cpu->pc;
		if (pc == watch && n > 0 && !seen && watch_idle(cpu)) {
			why = RV32_EXIT_WATCH;
			break;
		}
		seen = false;
		/* Read by the instruction, the counters show the ones
		 * before it: cycle advances after, as instret does. */
		if (check_irq) {
			check_irq = false;
			if ((cpu->mstatus & RV32_MSTATUS_MIE) && rv32_irq_pending(cpu)) {
				n++;
				cpu->cycle++;
				check_irq = true;
				if (!take_trap(cpu, RV32_CAUSE_EXTERNAL_IRQ, 0, 0)) {
					why = RV32_EXIT_HALT;
					break;
				}
				continue;
			}
		}
		if (!trace && fmem && pc - fbase <= flast) {
			const struct rv32_fetch f = { fmem, fbase, flast };
			bool bus = false;
			uint64_t k = rv32_run_fast(cpu, budget - n, watch, &f, &seen, &bus);

			n += k;
			if (bus) {
				check_irq = true;
				if (cpu->yield) {
					cpu->yield = false;
					why = RV32_EXIT_YIELD;
					break;
				}
			}
			if (k)
				continue;
		}
		n++;
		if (!fmem || pc - fbase > flast) {
			const struct rv32_region *fr = find_region(cpu, pc);

			if (!fr || pc - fr->base > fr->size - 4) {
				fmem = NULL;
				cpu->cycle++;
				check_irq = true;
				if (!take_trap(cpu, RV32_CAUSE_FETCH_FAULT, pc, 0)) {
					why = RV32_EXIT_HALT;
					break;
				}
				continue;
			}
			fmem = fr->mem;
			fbase = fr->base;
			flast = fr->size - 4;
		}
		insn = get_le(fmem + (pc - fbase), 4);
		if (trace)
			trace(cpu->trace_ctx, cpu, insn);
		st = execute(cpu, insn);
		cpu->cycle++;
		if (st == STEP_RETIRED) {
			cpu->instret++;
			continue;
		}
		check_irq = true;
		if (st == STEP_TRAPPED) {
			if (cpu->halted) {
				why = RV32_EXIT_HALT;
				break;
			}
			if (cpu->yield)
				goto yield;
			continue;
		}
		cpu->instret++;
		if (cpu->yield) {
yield:
			cpu->yield = false;
			why = RV32_EXIT_YIELD;
			break;
		}
		if (st == STEP_WFI) {
			why = RV32_EXIT_WFI;
			break;
		}
		if (st == STEP_IDLE) {
			why = RV32_EXIT_IDLE;
			break;
		}
	}
out:
	if (ret_executed)
		*ret_executed = n;
	return why;
}
