// SPDX-License-Identifier: MIT
/*
 * The RV32IM core as text: register and cause names, the disassembler
 * behind --trace and the log, and what a halted core says about itself.
 */
#include <stdio.h>

#include "dfu/rv32/rv32-private.h"

const char *rv32_reg_name(unsigned int i)
{
	static const char *const names[32] = {
		"zero", "ra", "sp", "gp", "tp",	 "t0",	"t1", "t2", "s0", "s1", "a0",
		"a1",	"a2", "a3", "a4", "a5",	 "a6",	"a7", "s2", "s3", "s4", "s5",
		"s6",	"s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
	};

	return i < 32 ? names[i] : "?";
}

const char *rv32_cause_name(uint32_t mcause)
{
	switch (mcause) {
	case RV32_CAUSE_MISALIGNED_FETCH:
		return "instruction address misaligned";
	case RV32_CAUSE_FETCH_FAULT:
		return "instruction access fault";
	case RV32_CAUSE_ILLEGAL:
		return "illegal instruction";
	case RV32_CAUSE_BREAKPOINT:
		return "breakpoint";
	case RV32_CAUSE_MISALIGNED_LOAD:
		return "load address misaligned";
	case RV32_CAUSE_LOAD_FAULT:
		return "load access fault";
	case RV32_CAUSE_MISALIGNED_STORE:
		return "store address misaligned";
	case RV32_CAUSE_STORE_FAULT:
		return "store access fault";
	case RV32_CAUSE_ECALL_M:
		return "environment call from M-mode";
	case RV32_CAUSE_EXTERNAL_IRQ:
		return "machine external interrupt";
	default:
		return "unknown cause";
	}
}

static const char *csr_name(unsigned int csr)
{
	switch (csr) {
	case RV32_CSR_MSTATUS:
		return "mstatus";
	case RV32_CSR_MISA:
		return "misa";
	case RV32_CSR_MIE:
		return "mie";
	case RV32_CSR_MTVEC:
		return "mtvec";
	case RV32_CSR_MSCRATCH:
		return "mscratch";
	case RV32_CSR_MEPC:
		return "mepc";
	case RV32_CSR_MCAUSE:
		return "mcause";
	case RV32_CSR_MTVAL:
		return "mtval";
	case RV32_CSR_MIP:
		return "mip";
	case RV32_CSR_MCYCLE:
		return "mcycle";
	case RV32_CSR_MINSTRET:
		return "minstret";
	case RV32_CSR_MCYCLEH:
		return "mcycleh";
	case RV32_CSR_MINSTRETH:
		return "minstreth";
	case RV32_CSR_CYCLE:
		return "cycle";
	case RV32_CSR_TIME:
		return "time";
	case RV32_CSR_INSTRET:
		return "instret";
	case RV32_CSR_CYCLEH:
		return "cycleh";
	case RV32_CSR_TIMEH:
		return "timeh";
	case RV32_CSR_INSTRETH:
		return "instreth";
	case RV32_CSR_MHARTID:
		return "mhartid";
	default:
		return NULL;
	}
}

void rv32_disasm(uint32_t insn, uint32_t pc, char *buf, size_t len)
{
	static const char *const loads[8] = { "lb", "lh", "lw", NULL, "lbu", "lhu", NULL, NULL };
	static const char *const stores[8] = { "sb", "sh", "sw" };
	static const char *const branches[8] = { "beq", "bne", NULL,   NULL,
						 "blt", "bge", "bltu", "bgeu" };
	static const char *const ops[8] = {
		"add", "sll", "slt", "sltu", "xor", "srl", "or", "and"
	};
	static const char *const imms[8] = { "addi", "slli", "slti", "sltiu",
					     "xori", "srli", "ori",  "andi" };
	static const char *const muls[8] = { "mul", "mulh", "mulhsu", "mulhu",
					     "div", "divu", "rem",    "remu" };
	static const char *const csrs[8] = { NULL, "csrrw",  "csrrs",  "csrrc",
					     NULL, "csrrwi", "csrrsi", "csrrci" };
	const char *rd = rv32_reg_name((insn >> 7) & 31), *rs1 = rv32_reg_name((insn >> 15) & 31);
	const char *rs2 = rv32_reg_name((insn >> 20) & 31), *name;
	unsigned int f3 = (insn >> 12) & 7, f7 = insn >> 25;
	char csrbuf[8];
	uint32_t v;

	/* Decode with the interpreter's own rules: same legality. */
	switch (insn & 0x7f) {
	case 0x37:
		snprintf(buf, len, "lui %s, 0x%x", rd, insn >> 12);
		return;
	case 0x17:
		snprintf(buf, len, "auipc %s, 0x%x", rd, insn >> 12);
		return;
	case 0x6f:
		snprintf(buf, len, "jal %s, 0x%08x", rd, pc + imm_j(insn));
		return;
	case 0x67:
		if (f3)
			break;
		snprintf(buf, len, "jalr %s, %d(%s)", rd, (int32_t)imm_i(insn), rs1);
		return;
	case 0x63:
		if (!branches[f3])
			break;
		snprintf(buf, len, "%s %s, %s, 0x%08x", branches[f3], rs1, rs2, pc + imm_b(insn));
		return;
	case 0x03:
		if (!loads[f3])
			break;
		snprintf(buf, len, "%s %s, %d(%s)", loads[f3], rd, (int32_t)imm_i(insn), rs1);
		return;
	case 0x23:
		if (f3 > 2)
			break;
		snprintf(buf, len, "%s %s, %d(%s)", stores[f3], rs2, (int32_t)imm_s(insn), rs1);
		return;
	case 0x13:
		if (!alu(insn, 0, 0, true, &v))
			break;
		if (f3 == 1 || f3 == 5)
			snprintf(buf, len, "%s %s, %s, %u", f3 == 5 && f7 ? "srai" : imms[f3], rd,
				 rs1, (insn >> 20) & 31);
		else
			snprintf(buf, len, "%s %s, %s, %d", imms[f3], rd, rs1,
				 (int32_t)imm_i(insn));
		return;
	case 0x33:
		if (!alu(insn, 0, 1, false, &v))
			break;
		name = f7 == 1 ? muls[f3] : f7 == 0x20 ? (f3 == 0 ? "sub" : "sra") : ops[f3];
		snprintf(buf, len, "%s %s, %s, %s", name, rd, rs1, rs2);
		return;
	case 0x0f:
		if (f3 > 1)
			break;
		snprintf(buf, len, "%s", f3 ? "fence.i" : "fence");
		return;
	case 0x73:
		if (f3 == 0) {
			name = insn == 0x00000073 ? "ecall" :
			       insn == 0x00100073 ? "ebreak" :
			       insn == 0x30200073 ? "mret" :
			       insn == 0x10500073 ? "wfi" :
						    NULL;
			if (!name)
				break;
			snprintf(buf, len, "%s", name);
			return;
		}
		if (!csrs[f3] || !csr_exists(insn >> 20))
			break;
		name = csr_name(insn >> 20);
		if (!name) {
			snprintf(csrbuf, sizeof(csrbuf), "0x%03x", insn >> 20);
			name = csrbuf;
		}
		if (f3 & 4)
			snprintf(buf, len, "%s %s, %s, %u", csrs[f3], rd, name, (insn >> 15) & 31);
		else
			snprintf(buf, len, "%s %s, %s, %s", csrs[f3], rd, name, rs1);
		return;
	}
	snprintf(buf, len, "illegal 0x%08x", insn);
}

void rv32_describe_halt(const struct rv32 *cpu, void (*line)(void *data, const char *text),
			void *data)
{
	char insn[64], text[160];
	unsigned int i;

	if (cpu->halt.cause == RV32_CAUSE_FETCH_FAULT)
		snprintf(insn, sizeof(insn), "no memory to fetch from");
	else
		rv32_disasm(cpu->halt.insn, cpu->halt.pc, insn, sizeof(insn));
	snprintf(text, sizeof(text),
		 "trap with no handler (mtvec 0): %s (mcause %u) at pc 0x%08x, mtval 0x%08x: %s",
		 rv32_cause_name(cpu->halt.cause), cpu->halt.cause, cpu->halt.pc, cpu->halt.tval,
		 insn);
	line(data, text);
	for (i = 0; i < 32; i += 4) {
		snprintf(text, sizeof(text), "  %-4s %08x  %-4s %08x  %-4s %08x  %-4s %08x",
			 rv32_reg_name(i), cpu->x[i], rv32_reg_name(i + 1), cpu->x[i + 1],
			 rv32_reg_name(i + 2), cpu->x[i + 2], rv32_reg_name(i + 3), cpu->x[i + 3]);
		line(data, text);
	}
}
