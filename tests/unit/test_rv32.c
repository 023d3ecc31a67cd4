// SPDX-License-Identifier: MIT
/*
 * The RV32IM core, instruction by instruction: every RV32I and M
 * instruction, the results the spec fixes for division by zero and
 * overflow, shifts by 32 and more, misaligned accesses, x0, the CSRs,
 * traps, mret, interrupts, wfi, and what goes to the bus.
 *
 * Programs are encoded here, not assembled: the test needs no toolchain.
 * Memory: 64 KiB of RAM at 0 (code at 0x1000, data at 0x8000), 4 KiB of
 * read-only memory at 0x20000000; the rest is the recording bus.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/rv32/rv32.h"

#define CODE 0x1000u
#define DATA 0x8000u
#define ROM 0x20000000u
#define MAX_ACCESS 16

/* --- encoders ---------------------------------------------------------- */

enum { ZERO, RA, SP, GP, TP, T0, T1, T2, S0, S1, A0, A1, A2, A3, A4, A5 };

static uint32_t r_type(unsigned int f7, unsigned int rs2, unsigned int rs1, unsigned int f3,
		       unsigned int rd, unsigned int op)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t i_type(int32_t imm, unsigned int rs1, unsigned int f3, unsigned int rd,
		       unsigned int op)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t s_type(int32_t imm, unsigned int rs2, unsigned int rs1, unsigned int f3)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | 0x23;
}

static uint32_t b_type(int32_t imm, unsigned int rs2, unsigned int rs1, unsigned int f3)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 |
	       f3 << 12 | ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}

static uint32_t j_type(int32_t imm, unsigned int rd)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
	       ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

#define LUI(rd, imm20) ((uint32_t)(imm20) << 12 | (rd) << 7 | 0x37)
#define AUIPC(rd, imm20) ((uint32_t)(imm20) << 12 | (rd) << 7 | 0x17)
#define JAL(rd, off) j_type(off, rd)
#define JALR(rd, rs1, imm) i_type(imm, rs1, 0, rd, 0x67)
#define ADDI(rd, rs1, imm) i_type(imm, rs1, 0, rd, 0x13)
#define OPI(f3, rd, rs1, imm) i_type(imm, rs1, f3, rd, 0x13)
#define OP(f7, f3, rd, rs1, rs2) r_type(f7, rs2, rs1, f3, rd, 0x33)
#define LOAD(f3, rd, rs1, imm) i_type(imm, rs1, f3, rd, 0x03)
#define STORE(f3, rs2, rs1, imm) s_type(imm, rs2, rs1, f3)
#define BRANCH(f3, rs1, rs2, off) b_type(off, rs2, rs1, f3)
#define CSR(f3, rd, csr, rs1) (((uint32_t)(csr) << 20) | (rs1) << 15 | (f3) << 12 | (rd) << 7 | 0x73)
#define ECALL 0x00000073u
#define EBREAK 0x00100073u
#define MRET 0x30200073u
#define WFI 0x10500073u
#define FENCE 0x0ff0000fu
#define FENCE_I 0x0000100fu

/* --- fixture ----------------------------------------------------------- */

struct access {
	bool write;
	uint32_t addr;
	unsigned int size;
	uint32_t val;
	uint32_t pc;
};

struct t {
	struct rv32 cpu;
	uint8_t ram[65536];
	uint8_t rom[4096];
	struct access acc[MAX_ACCESS];
	unsigned int nacc;
	uint32_t load_value; /* what the bus answers */
	unsigned int ntrace;
	bool yield_on_store; /* the bus asks the core to yield on each store */
};

static void bus_load(void *ctx, uint32_t addr, unsigned int size, uint32_t *val)
{
	struct t *t = ctx;

	assert_true(t->nacc < MAX_ACCESS);
	t->acc[t->nacc++] = (struct access){ false, addr, size, 0, t->cpu.pc };
	*val = t->load_value;
}

static void bus_store(void *ctx, uint32_t addr, unsigned int size, uint32_t val)
{
	struct t *t = ctx;

	assert_true(t->nacc < MAX_ACCESS);
	t->acc[t->nacc++] = (struct access){ true, addr, size, val, t->cpu.pc };
	if (t->yield_on_store)
		rv32_yield(&t->cpu);
}

static const struct rv32_bus_ops bus = { .load = bus_load, .store = bus_store };

static int setup(void **state)
{
	struct t *t = test_calloc(1, sizeof(*t));

	rv32_init(&t->cpu, &bus, t);
	assert_int_equal(rv32_add_region(&t->cpu, 0, sizeof(t->ram), t->ram, true), 0);
	assert_int_equal(rv32_add_region(&t->cpu, ROM, sizeof(t->rom), t->rom, false), 0);
	rv32_reset(&t->cpu, CODE);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Place instructions at `at`. */
static void code_at(struct t *t, uint32_t at, const uint32_t *insns, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put32(t->ram + at + 4 * i, insns[i]);
}

#define CODE_AT(t, at, ...)                                                   \
	do {                                                                  \
		const uint32_t p_[] = { __VA_ARGS__ };                        \
		code_at(t, at, p_, sizeof(p_) / sizeof(p_[0]));              \
	} while (0)

/* Execute exactly `n` instructions from pc (which must not stop early). */
static void run(struct t *t, uint64_t n)
{
	uint64_t done = 0;

	assert_int_equal(rv32_run(&t->cpu, n, &done), RV32_EXIT_BUDGET);
	assert_int_equal(done, n);
}

/* One instruction at CODE with rs values preset; returns x[rd]. */
static uint32_t exec1(struct t *t, uint32_t insn, uint32_t a1, uint32_t a2)
{
	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = a1;
	t->cpu.x[A2] = a2;
	CODE_AT(t, CODE, insn);
	run(t, 1);
	assert_int_equal(t->cpu.pc, CODE + 4);
	return t->cpu.x[A0];
}

/* The instruction traps: cause, and mepc = CODE. mtvec points at 0x2000. */
static void expect_trap(struct t *t, uint32_t insn, uint32_t cause, uint32_t tval)
{
	rv32_reset(&t->cpu, CODE);
	t->cpu.mtvec = 0x2000;
	CODE_AT(t, CODE, insn);
	run(t, 1);
	assert_int_equal(t->cpu.pc, 0x2000);
	assert_int_equal(t->cpu.mepc, CODE);
	assert_int_equal(t->cpu.mcause, cause);
	assert_int_equal(t->cpu.mtval, tval);
	assert_int_equal(t->cpu.instret, 0); /* a trapping instruction does not retire */
}

static void expect_illegal(struct t *t, uint32_t insn)
{
	expect_trap(t, insn, RV32_CAUSE_ILLEGAL, insn);
}

/* --- RV32I ------------------------------------------------------------- */

static void test_lui_auipc(void **state)
{
	struct t *t = *state;

	assert_int_equal(exec1(t, LUI(A0, 0xfffff), 0, 0), 0xfffff000);
	assert_int_equal(exec1(t, LUI(A0, 0x12345), 0, 0), 0x12345000);
	assert_int_equal(exec1(t, AUIPC(A0, 0), 0, 0), CODE);
	assert_int_equal(exec1(t, AUIPC(A0, 0x80000), 0, 0), CODE + 0x80000000u);
}

static void test_jal_jalr(void **state)
{
	struct t *t = *state;

	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, JAL(RA, 0x100));
	run(t, 1);
	assert_int_equal(t->cpu.pc, CODE + 0x100);
	assert_int_equal(t->cpu.x[RA], CODE + 4);

	/* backwards */
	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, JAL(A0, -0x800));
	run(t, 1);
	assert_int_equal(t->cpu.pc, CODE - 0x800);
	assert_int_equal(t->cpu.x[A0], CODE + 4);

	/* jalr clears bit 0 of the target; rd == rs1 reads before writing */
	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A0] = 0x3001;
	CODE_AT(t, CODE, JALR(A0, A0, 0x10));
	run(t, 1);
	assert_int_equal(t->cpu.pc, 0x3010);
	assert_int_equal(t->cpu.x[A0], CODE + 4);

	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = 0x3000;
	CODE_AT(t, CODE, JALR(ZERO, A1, -4));
	run(t, 1);
	assert_int_equal(t->cpu.pc, 0x2ffc);
	assert_int_equal(t->cpu.x[ZERO], 0);

	/* jalr with funct3 != 0 is not an instruction */
	expect_illegal(t, i_type(0, A1, 1, A0, 0x67));
}

static void test_misaligned_jump(void **state)
{
	struct t *t = *state;

	/* The jump traps, not the fetch: mepc is the jump, rd untouched. */
	rv32_reset(&t->cpu, CODE);
	t->cpu.mtvec = 0x2000;
	t->cpu.x[A1] = 0x3002;
	t->cpu.x[A0] = 77;
	CODE_AT(t, CODE, JALR(A0, A1, 0));
	run(t, 1);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_MISALIGNED_FETCH);
	assert_int_equal(t->cpu.mepc, CODE);
	assert_int_equal(t->cpu.mtval, 0x3002);
	assert_int_equal(t->cpu.x[A0], 77);

	expect_trap(t, JAL(RA, 6), RV32_CAUSE_MISALIGNED_FETCH, CODE + 6);
	t->cpu.x[A1] = 0;
	expect_trap(t, BRANCH(0, ZERO, ZERO, 2), RV32_CAUSE_MISALIGNED_FETCH, CODE + 2);
	/* not taken: no trap */
	assert_int_equal(exec1(t, BRANCH(1, ZERO, ZERO, 2), 0, 0), 0);
}

struct branch_case {
	unsigned int f3;
	uint32_t a, b;
	bool taken;
};

static void test_branches(void **state)
{
	static const struct branch_case cases[] = {
		{ 0, 5, 5, true },	     { 0, 5, 6, false },	{ 1, 5, 6, true },
		{ 1, 5, 5, false },	     { 4, 0xffffffff, 1, true }, /* -1 < 1 */
		{ 4, 1, 0xffffffff, false }, { 4, 3, 3, false },	{ 5, 3, 3, true },
		{ 5, 0xffffffff, 1, false }, { 5, 1, 0xffffffff, true }, { 6, 1, 0xffffffff, true },
		{ 6, 0xffffffff, 1, false }, { 6, 2, 2, false },	{ 7, 2, 2, true },
		{ 7, 0xffffffff, 1, true },  { 7, 1, 0xffffffff, false },
	};
	struct t *t = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rv32_reset(&t->cpu, CODE);
		t->cpu.x[A1] = cases[i].a;
		t->cpu.x[A2] = cases[i].b;
		CODE_AT(t, CODE, BRANCH(cases[i].f3, A1, A2, -0x40));
		run(t, 1);
		assert_int_equal(t->cpu.pc, cases[i].taken ? CODE - 0x40 : CODE + 4);
	}
	/* the longest branch offsets */
	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, BRANCH(0, ZERO, ZERO, 4092));
	run(t, 1);
	assert_int_equal(t->cpu.pc, CODE + 4092);
	rv32_reset(&t->cpu, 0x2000);
	CODE_AT(t, 0x2000, BRANCH(0, ZERO, ZERO, -4096));
	run(t, 1);
	assert_int_equal(t->cpu.pc, 0x1000);

	expect_illegal(t, BRANCH(2, A1, A2, 8));
	expect_illegal(t, BRANCH(3, A1, A2, 8));
}

static void test_loads(void **state)
{
	struct t *t = *state;

	put32(t->ram + DATA, 0x8081f2f3);
	assert_int_equal(exec1(t, LOAD(0, A0, A1, 0), DATA, 0), 0xfffffff3); /* lb */
	assert_int_equal(exec1(t, LOAD(4, A0, A1, 0), DATA, 0), 0xf3); /* lbu */
	assert_int_equal(exec1(t, LOAD(0, A0, A1, 1), DATA, 0), 0xfffffff2);
	assert_int_equal(exec1(t, LOAD(4, A0, A1, 2), DATA, 0), 0x81);
	assert_int_equal(exec1(t, LOAD(1, A0, A1, 0), DATA, 0), 0xfffff2f3); /* lh */
	assert_int_equal(exec1(t, LOAD(5, A0, A1, 0), DATA, 0), 0xf2f3); /* lhu */
	assert_int_equal(exec1(t, LOAD(1, A0, A1, 2), DATA, 0), 0xffff8081);
	assert_int_equal(exec1(t, LOAD(2, A0, A1, 0), DATA, 0), 0x8081f2f3); /* lw */
	/* base + negative offset, the largest ones */
	assert_int_equal(exec1(t, LOAD(2, A0, A1, -2048), DATA + 2048, 0), 0x8081f2f3);
	assert_int_equal(exec1(t, LOAD(2, A0, A1, 2044), DATA - 2044, 0), 0x8081f2f3);
	/* positive bytes do not sign-extend */
	put32(t->ram + DATA, 0x00007f7f);
	assert_int_equal(exec1(t, LOAD(0, A0, A1, 0), DATA, 0), 0x7f);
	assert_int_equal(exec1(t, LOAD(1, A0, A1, 0), DATA, 0), 0x7f7f);
	/* from read-only memory */
	put32(t->rom + 8, 0xcafef00d);
	assert_int_equal(exec1(t, LOAD(2, A0, A1, 8), ROM, 0), 0xcafef00d);
	assert_int_equal(t->nacc, 0);

	expect_illegal(t, LOAD(3, A0, A1, 0)); /* ld is RV64 */
	expect_illegal(t, LOAD(6, A0, A1, 0));
	expect_illegal(t, LOAD(7, A0, A1, 0));
}

static void test_stores(void **state)
{
	struct t *t = *state;

	memset(t->ram + DATA, 0, 8);
	exec1(t, STORE(0, A2, A1, 1), DATA, 0xaabbccdd); /* sb */
	assert_int_equal(get32(t->ram + DATA), 0x0000dd00);
	exec1(t, STORE(1, A2, A1, 2), DATA, 0xaabbccdd); /* sh */
	assert_int_equal(get32(t->ram + DATA), 0xccdddd00);
	exec1(t, STORE(2, A2, A1, -4), DATA + 8, 0x11223344); /* sw, negative offset */
	assert_int_equal(get32(t->ram + DATA + 4), 0x11223344);
	assert_int_equal(t->nacc, 0);

	/* a store to read-only memory goes to the bus, memory unchanged */
	put32(t->rom, 0x01020304);
	exec1(t, STORE(2, A2, A1, 0), ROM, 0xdeadbeef);
	assert_int_equal(get32(t->rom), 0x01020304);
	assert_int_equal(t->nacc, 1);
	assert_true(t->acc[0].write);
	assert_int_equal(t->acc[0].addr, ROM);
	assert_int_equal(t->acc[0].val, 0xdeadbeef);

	expect_illegal(t, STORE(3, A2, A1, 0));
	expect_illegal(t, STORE(4, A2, A1, 0));
}

static void test_misaligned_access(void **state)
{
	struct t *t = *state;

	/* Trapped consistently (as the VexRiscv does): mtval the address. */
	t->cpu.x[A1] = DATA + 1;
	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = DATA + 1;
	t->cpu.x[A0] = 5;
	t->cpu.mtvec = 0x2000;
	CODE_AT(t, CODE, LOAD(2, A0, A1, 0));
	run(t, 1);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_MISALIGNED_LOAD);
	assert_int_equal(t->cpu.mtval, DATA + 1);
	assert_int_equal(t->cpu.x[A0], 5); /* not written */

	rv32_reset(&t->cpu, CODE);
	t->cpu.mtvec = 0x2000;
	t->cpu.x[A1] = DATA;
	CODE_AT(t, CODE, LOAD(1, A0, A1, 3));
	run(t, 1);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_MISALIGNED_LOAD);
	assert_int_equal(t->cpu.mtval, DATA + 3);

	rv32_reset(&t->cpu, CODE);
	t->cpu.mtvec = 0x2000;
	t->cpu.x[A1] = DATA + 2;
	put32(t->ram + DATA, 0);
	CODE_AT(t, CODE, STORE(2, A2, A1, 0));
	run(t, 1);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_MISALIGNED_STORE);
	assert_int_equal(t->cpu.mtval, DATA + 2);
	assert_int_equal(get32(t->ram + DATA), 0); /* nothing written */

	rv32_reset(&t->cpu, CODE);
	t->cpu.mtvec = 0x2000;
	t->cpu.x[A1] = DATA + 1;
	CODE_AT(t, CODE, STORE(1, A2, A1, 0));
	run(t, 1);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_MISALIGNED_STORE);

	/* bytes are never misaligned; unaligned halves on a half boundary are fine */
	assert_int_equal(exec1(t, LOAD(4, A0, A1, 3), DATA, 0), t->ram[DATA + 3]);
	exec1(t, STORE(1, A2, A1, 2), DATA, 0xbeef);
	assert_int_equal(t->ram[DATA + 2], 0xef);
	assert_int_equal(t->nacc, 0);
}

static void test_op_imm(void **state)
{
	struct t *t = *state;

	assert_int_equal(exec1(t, ADDI(A0, A1, -1), 0, 0), 0xffffffff);
	assert_int_equal(exec1(t, ADDI(A0, A1, 2047), 1, 0), 2048);
	assert_int_equal(exec1(t, ADDI(A0, A1, 1), 0xffffffff, 0), 0); /* wraps */
	assert_int_equal(exec1(t, OPI(2, A0, A1, -1), 0xfffffffe, 0), 1); /* slti: -2 < -1 */
	assert_int_equal(exec1(t, OPI(2, A0, A1, -1), 0, 0), 0);
	assert_int_equal(exec1(t, OPI(3, A0, A1, -1), 0, 0), 1); /* sltiu: 0 < 0xffffffff */
	assert_int_equal(exec1(t, OPI(3, A0, A1, 1), 0, 0), 1); /* seqz */
	assert_int_equal(exec1(t, OPI(3, A0, A1, 1), 5, 0), 0);
	assert_int_equal(exec1(t, OPI(4, A0, A1, -1), 0x0f0f0f0f, 0), 0xf0f0f0f0); /* xori, not */
	assert_int_equal(exec1(t, OPI(6, A0, A1, 0x700), 0x0f, 0), 0x70f); /* ori */
	assert_int_equal(exec1(t, OPI(7, A0, A1, -16), 0x12345678, 0), 0x12345670); /* andi */
	assert_int_equal(exec1(t, OPI(1, A0, A1, 31), 1, 0), 0x80000000); /* slli */
	assert_int_equal(exec1(t, OPI(5, A0, A1, 31), 0x80000000, 0), 1); /* srli */
	assert_int_equal(exec1(t, OPI(5, A0, A1, 0x400 | 31), 0x80000000, 0), 0xffffffff); /* srai */
	assert_int_equal(exec1(t, OPI(5, A0, A1, 0x400 | 4), 0x70000000, 0), 0x07000000);
	assert_int_equal(exec1(t, OPI(1, A0, A1, 0), 0x1234, 0), 0x1234);

	/* shamt 32 and more is RV64: illegal in RV32, as are other funct7s */
	expect_illegal(t, OPI(1, A0, A1, 32));
	expect_illegal(t, OPI(5, A0, A1, 32));
	expect_illegal(t, OPI(5, A0, A1, 0x400 | 32));
	expect_illegal(t, OPI(1, A0, A1, 0x400 | 1));
	expect_illegal(t, OPI(5, A0, A1, 0x200 | 1));
}

static void test_op(void **state)
{
	struct t *t = *state;

	assert_int_equal(exec1(t, OP(0, 0, A0, A1, A2), 0xffffffff, 2), 1); /* add */
	assert_int_equal(exec1(t, OP(0x20, 0, A0, A1, A2), 1, 2), 0xffffffff); /* sub */
	assert_int_equal(exec1(t, OP(0, 2, A0, A1, A2), 0x80000000, 1), 1); /* slt */
	assert_int_equal(exec1(t, OP(0, 2, A0, A1, A2), 1, 0x80000000), 0);
	assert_int_equal(exec1(t, OP(0, 3, A0, A1, A2), 1, 0x80000000), 1); /* sltu */
	assert_int_equal(exec1(t, OP(0, 3, A0, A1, A2), 0x80000000, 1), 0);
	assert_int_equal(exec1(t, OP(0, 3, A0, ZERO, A2), 0, 5), 1); /* snez */
	assert_int_equal(exec1(t, OP(0, 4, A0, A1, A2), 0xff00ff00, 0x0ff00ff0), 0xf0f0f0f0);
	assert_int_equal(exec1(t, OP(0, 6, A0, A1, A2), 0xff00ff00, 0x0ff00ff0), 0xfff0fff0);
	assert_int_equal(exec1(t, OP(0, 7, A0, A1, A2), 0xff00ff00, 0x0ff00ff0), 0x0f000f00);

	expect_illegal(t, OP(0x20, 4, A0, A1, A2)); /* no "xor" with bit 30 */
	expect_illegal(t, OP(0x20, 1, A0, A1, A2));
	expect_illegal(t, OP(0x02, 0, A0, A1, A2));
	expect_illegal(t, OP(0x40, 0, A0, A1, A2));
}

static void test_shifts_by_32_and_more(void **state)
{
	struct t *t = *state;

	/* Register shifts use the low five bits of rs2 only. */
	assert_int_equal(exec1(t, OP(0, 1, A0, A1, A2), 1, 32), 1); /* sll by 32 = by 0 */
	assert_int_equal(exec1(t, OP(0, 1, A0, A1, A2), 1, 33), 2);
	assert_int_equal(exec1(t, OP(0, 1, A0, A1, A2), 1, 0xffffffff), 0x80000000);
	assert_int_equal(exec1(t, OP(0, 5, A0, A1, A2), 0x80000000, 63), 1); /* srl */
	assert_int_equal(exec1(t, OP(0, 5, A0, A1, A2), 0x80000000, 32), 0x80000000);
	assert_int_equal(exec1(t, OP(0x20, 5, A0, A1, A2), 0x80000000, 63), 0xffffffff); /* sra */
	assert_int_equal(exec1(t, OP(0x20, 5, A0, A1, A2), 0x80000000, 36), 0xf8000000);
	assert_int_equal(exec1(t, OP(0x20, 5, A0, A1, A2), 0x40000000, 62), 1);
}

/* --- M ----------------------------------------------------------------- */

static uint32_t mop(struct t *t, unsigned int f3, uint32_t a, uint32_t b)
{
	return exec1(t, OP(1, f3, A0, A1, A2), a, b);
}

static void test_mul(void **state)
{
	struct t *t = *state;

	assert_int_equal(mop(t, 0, 7, 6), 42);
	assert_int_equal(mop(t, 0, 0xffffffff, 0xffffffff), 1); /* low bits */
	assert_int_equal(mop(t, 0, 0x10000, 0x10000), 0);
	/* mulh: signed x signed */
	assert_int_equal(mop(t, 1, 0xffffffff, 0xffffffff), 0); /* -1 * -1 = 1 */
	assert_int_equal(mop(t, 1, 0x80000000, 0x80000000), 0x40000000);
	assert_int_equal(mop(t, 1, 0x80000000, 1), 0xffffffff);
	assert_int_equal(mop(t, 1, 0x7fffffff, 0x7fffffff), 0x3fffffff);
	/* mulhsu: signed x unsigned */
	assert_int_equal(mop(t, 2, 0xffffffff, 0xffffffff), 0xffffffff); /* -1 * (2^32-1) */
	assert_int_equal(mop(t, 2, 0x80000000, 0xffffffff), 0x80000000);
	assert_int_equal(mop(t, 2, 1, 0xffffffff), 0);
	assert_int_equal(mop(t, 2, 2, 0x80000000), 1);
	/* mulhu */
	assert_int_equal(mop(t, 3, 0xffffffff, 0xffffffff), 0xfffffffe);
	assert_int_equal(mop(t, 3, 0x80000000, 2), 1);
}

static void test_div_rem(void **state)
{
	struct t *t = *state;

	assert_int_equal(mop(t, 4, 7, 2), 3); /* div rounds toward zero */
	assert_int_equal(mop(t, 4, (uint32_t)-7, 2), (uint32_t)-3);
	assert_int_equal(mop(t, 6, (uint32_t)-7, 2), (uint32_t)-1); /* rem takes the dividend's sign */
	assert_int_equal(mop(t, 6, 7, (uint32_t)-2), 1);
	assert_int_equal(mop(t, 5, 0xffffffff, 2), 0x7fffffff); /* divu */
	assert_int_equal(mop(t, 7, 0xffffffff, 10), 5); /* remu */

	/* division by zero: quotient all ones, remainder the dividend */
	assert_int_equal(mop(t, 4, 42, 0), 0xffffffff);
	assert_int_equal(mop(t, 4, (uint32_t)-42, 0), 0xffffffff);
	assert_int_equal(mop(t, 5, 42, 0), 0xffffffff);
	assert_int_equal(mop(t, 6, 42, 0), 42);
	assert_int_equal(mop(t, 6, (uint32_t)-42, 0), (uint32_t)-42);
	assert_int_equal(mop(t, 7, 42, 0), 42);

	/* overflow: INT_MIN / -1 = INT_MIN, remainder 0 */
	assert_int_equal(mop(t, 4, 0x80000000, 0xffffffff), 0x80000000);
	assert_int_equal(mop(t, 6, 0x80000000, 0xffffffff), 0);
	/* ... but unsigned it is an ordinary division */
	assert_int_equal(mop(t, 5, 0x80000000, 0xffffffff), 0);
	assert_int_equal(mop(t, 7, 0x80000000, 0xffffffff), 0x80000000);
}

/* --- x0, fences, system ------------------------------------------------ */

static void test_x0_stays_zero(void **state)
{
	struct t *t = *state;

	rv32_reset(&t->cpu, CODE);
	put32(t->ram + DATA, 0x55555555);
	t->cpu.x[A1] = DATA;
	CODE_AT(t, CODE, ADDI(ZERO, ZERO, 5), LUI(ZERO, 0x12345), AUIPC(ZERO, 1),
		LOAD(2, ZERO, A1, 0), OP(0, 0, ZERO, A1, A1), OP(1, 0, ZERO, A1, A1),
		CSR(2, ZERO, RV32_CSR_MISA, ZERO), JAL(ZERO, 8), 0, ADDI(A0, ZERO, 0));
	run(t, 9);
	assert_int_equal(t->cpu.x[ZERO], 0);
	assert_int_equal(t->cpu.x[A0], 0);
	/* and as a source it reads 0 */
	assert_int_equal(exec1(t, OP(0, 0, A0, ZERO, ZERO), 1, 1), 0);
}

static void test_fences(void **state)
{
	struct t *t = *state;

	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, FENCE, FENCE_I, 0x8330000f /* fence.tso */, ADDI(A0, ZERO, 1));
	run(t, 4);
	assert_int_equal(t->cpu.x[A0], 1);
	expect_illegal(t, 0x0000200f);
}

static void test_illegal(void **state)
{
	struct t *t = *state;

	expect_illegal(t, 0x00000000); /* all zeros is defined illegal */
	expect_illegal(t, 0xffffffff);
	expect_illegal(t, 0x00000013 & ~3u); /* compressed space: no C */
	expect_illegal(t, 0x00000007); /* flw: no F */
	expect_illegal(t, 0x0000002f); /* amo: no A */
	expect_illegal(t, 0x00200073); /* uret-like, not in M-mode only */
	expect_illegal(t, 0x10200073); /* sret: no S-mode */
	expect_illegal(t, CSR(4, A0, RV32_CSR_MSCRATCH, A1)); /* funct3 4 */
}

static void test_csr_ops(void **state)
{
	struct t *t = *state;
	uint32_t v;

	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = 0xf0f0;
	t->cpu.x[A2] = 0x0ff0;
	CODE_AT(t, CODE, CSR(1, A0, RV32_CSR_MSCRATCH, A1), /* csrrw: old 0 */
		CSR(2, A3, RV32_CSR_MSCRATCH, A2), /* csrrs: old f0f0, new fff0 */
		CSR(3, A4, RV32_CSR_MSCRATCH, A1), /* csrrc: old fff0, new 0f00 */
		CSR(5, A5, RV32_CSR_MSCRATCH, 31), /* csrrwi: old 0f00, new 31 */
		CSR(6, T0, RV32_CSR_MSCRATCH, 0x0c), /* csrrsi: old 1f, new 1f */
		CSR(7, T1, RV32_CSR_MSCRATCH, 0x03), /* csrrci: old 1f, new 1c */
		CSR(2, T2, RV32_CSR_MSCRATCH, ZERO)); /* csrr */
	run(t, 7);
	assert_int_equal(t->cpu.x[A0], 0);
	assert_int_equal(t->cpu.x[A3], 0xf0f0);
	assert_int_equal(t->cpu.x[A4], 0xfff0);
	assert_int_equal(t->cpu.x[A5], 0x0f00);
	assert_int_equal(t->cpu.x[T0], 31);
	assert_int_equal(t->cpu.x[T1], 31);
	assert_int_equal(t->cpu.x[T2], 0x1c);
	assert_int_equal(rv32_csr_read(&t->cpu, RV32_CSR_MSCRATCH, &v), 0);
	assert_int_equal(v, 0x1c);

	/* csrrw with rd = x0 is a plain write */
	exec1(t, CSR(1, ZERO, RV32_CSR_MSCRATCH, A1), 0x1234, 0);
	assert_int_equal(t->cpu.mscratch, 0x1234);
}

static void test_csr_fields(void **state)
{
	struct t *t = *state;

	assert_int_equal(exec1(t, CSR(2, A0, RV32_CSR_MISA, ZERO), 0, 0), RV32_MISA);
	assert_int_equal(RV32_MISA, 0x40001100);
	assert_int_equal(exec1(t, CSR(2, A0, RV32_CSR_MHARTID, ZERO), 0, 0), 0);
	/* misa writes are ignored (WARL) */
	exec1(t, CSR(1, ZERO, RV32_CSR_MISA, A1), 0, 0);
	assert_int_equal(exec1(t, CSR(2, A0, RV32_CSR_MISA, ZERO), 0, 0), RV32_MISA);
	/* mstatus: only MIE and MPIE; MPP is always M */
	exec1(t, CSR(1, ZERO, RV32_CSR_MSTATUS, A1), 0xffffffff, 0);
	assert_int_equal(t->cpu.mstatus, RV32_MSTATUS_MIE | RV32_MSTATUS_MPIE | RV32_MSTATUS_MPP);
	exec1(t, CSR(1, ZERO, RV32_CSR_MSTATUS, A1), 0, 0);
	assert_int_equal(t->cpu.mstatus, RV32_MSTATUS_MPP);
	/* mepc is 4-aligned, mtvec keeps its mode bit 0 only */
	exec1(t, CSR(1, ZERO, RV32_CSR_MEPC, A1), 0x1237, 0);
	assert_int_equal(t->cpu.mepc, 0x1234);
	exec1(t, CSR(1, ZERO, RV32_CSR_MTVEC, A1), 0x2003, 0);
	assert_int_equal(t->cpu.mtvec, 0x2001);
	exec1(t, CSR(1, ZERO, RV32_CSR_MIE, A1), 0xffffffff, 0);
	assert_int_equal(t->cpu.mie, RV32_MIE_MEIE);
	/* the VexRiscv interrupt mask and pending lines */
	exec1(t, CSR(1, ZERO, RV32_CSR_IRQ_MASK, A1), 0x9, 0);
	assert_int_equal(t->cpu.irq_mask, 0x9);
	rv32_set_irq(&t->cpu, 3, true);
	assert_int_equal(exec1(t, CSR(2, A0, RV32_CSR_IRQ_PENDING, ZERO), 0, 0), 0x8);
	rv32_set_irq(&t->cpu, 3, false);
}

static void test_csr_illegal(void **state)
{
	struct t *t = *state;

	/* unknown CSRs */
	expect_illegal(t, CSR(2, A0, 0x7ff, ZERO));
	expect_illegal(t, CSR(2, A0, 0x180, ZERO)); /* satp: no S-mode */
	/* writing a read-only one (0xC00-0xFFF), even with csrrw rd=x0 */
	expect_illegal(t, CSR(1, ZERO, RV32_CSR_CYCLE, A1));
	expect_illegal(t, CSR(1, ZERO, RV32_CSR_MHARTID, A1));
	expect_illegal(t, CSR(2, A0, RV32_CSR_IRQ_PENDING, A1));
	expect_illegal(t, CSR(6, A0, RV32_CSR_INSTRET, 1));
	/* ... but csrrs/csrrc with x0 / uimm 0 only read */
	exec1(t, CSR(2, A0, RV32_CSR_CYCLE, ZERO), 0, 0);
	exec1(t, CSR(3, A0, RV32_CSR_MHARTID, ZERO), 0, 0);
	exec1(t, CSR(7, A0, RV32_CSR_INSTRET, 0), 0, 0);
}

static void test_counters(void **state)
{
	struct t *t = *state;

	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, ADDI(A1, ZERO, 1), ADDI(A1, ZERO, 1), CSR(2, A0, RV32_CSR_INSTRET, ZERO),
		CSR(2, A2, RV32_CSR_MCYCLE, ZERO), CSR(1, ZERO, RV32_CSR_MINSTRET, A1),
		CSR(2, A3, RV32_CSR_MINSTRET, ZERO), CSR(2, A4, RV32_CSR_MINSTRETH, ZERO));
	t->cpu.x[A1] = 100;
	run(t, 2);
	t->cpu.x[A1] = 100;
	run(t, 5);
	assert_int_equal(t->cpu.x[A0], 2); /* instructions before it */
	assert_int_equal(t->cpu.x[A2], 3);
	assert_int_equal(t->cpu.x[A3], 100); /* the write wins over its own count */
	assert_int_equal(t->cpu.x[A4], 0);
	assert_int_equal(t->cpu.instret, 102);
}

static void test_trap_and_mret(void **state)
{
	struct t *t = *state;

	rv32_reset(&t->cpu, CODE);
	t->cpu.mtvec = 0x2000;
	t->cpu.mstatus |= RV32_MSTATUS_MIE;
	/* the handler skips the ecall and returns */
	CODE_AT(t, 0x2000, CSR(2, T0, RV32_CSR_MEPC, ZERO), ADDI(T0, T0, 4),
		CSR(1, ZERO, RV32_CSR_MEPC, T0), MRET);
	CODE_AT(t, CODE, ADDI(A0, ZERO, 1), ECALL, ADDI(A0, A0, 1));
	run(t, 2);
	assert_int_equal(t->cpu.pc, 0x2000);
	assert_int_equal(t->cpu.mepc, CODE + 4);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_ECALL_M);
	assert_int_equal(t->cpu.mtval, 0);
	/* MIE saved in MPIE and cleared */
	assert_int_equal(t->cpu.mstatus, RV32_MSTATUS_MPIE | RV32_MSTATUS_MPP);
	run(t, 4);
	assert_int_equal(t->cpu.pc, CODE + 8);
	/* mret: MIE from MPIE, MPIE set */
	assert_int_equal(t->cpu.mstatus, RV32_MSTATUS_MIE | RV32_MSTATUS_MPIE | RV32_MSTATUS_MPP);
	run(t, 1);
	assert_int_equal(t->cpu.x[A0], 2);

	/* ebreak: cause 3, mtval the pc */
	expect_trap(t, EBREAK, RV32_CAUSE_BREAKPOINT, CODE);
}

static void test_trap_without_handler_halts(void **state)
{
	struct t *t = *state;
	uint64_t n = 0;

	rv32_reset(&t->cpu, CODE);
	t->cpu.x[S0] = 0x5050;
	CODE_AT(t, CODE, ADDI(A0, ZERO, 7), 0xffffffff, ADDI(A0, ZERO, 8));
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_HALT);
	assert_int_equal(n, 2);
	assert_true(t->cpu.halted);
	assert_int_equal(t->cpu.halt.cause, RV32_CAUSE_ILLEGAL);
	assert_int_equal(t->cpu.halt.pc, CODE + 4);
	assert_int_equal(t->cpu.halt.insn, 0xffffffff);
	assert_int_equal(t->cpu.halt.tval, 0xffffffff);
	/* the registers are as the trap found them */
	assert_int_equal(t->cpu.x[A0], 7);
	assert_int_equal(t->cpu.x[S0], 0x5050);
	assert_int_equal(t->cpu.pc, CODE + 4);
	/* it stays halted until reset */
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_HALT);
	assert_int_equal(n, 0);
	rv32_reset(&t->cpu, CODE);
	assert_false(t->cpu.halted);
	assert_int_equal(rv32_run(&t->cpu, 1, &n), RV32_EXIT_BUDGET);

	/* a SoC with a trap handler at 0 can turn the rule off */
	rv32_reset(&t->cpu, CODE);
	t->cpu.halt_on_null_mtvec = false;
	CODE_AT(t, CODE, ECALL);
	run(t, 1);
	assert_int_equal(t->cpu.pc, 0);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_ECALL_M);
	t->cpu.halt_on_null_mtvec = true;
}

static void test_fetch_fault(void **state)
{
	struct t *t = *state;
	uint64_t n;

	/* Code can only run from a region; the bus is never asked. */
	rv32_reset(&t->cpu, 0x40000000);
	t->cpu.mtvec = 0x2000;
	run(t, 1);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_FETCH_FAULT);
	assert_int_equal(t->cpu.mepc, 0x40000000);
	assert_int_equal(t->cpu.mtval, 0x40000000);
	assert_int_equal(t->nacc, 0);

	/* running off the end of a region */
	rv32_reset(&t->cpu, sizeof(t->ram) - 4);
	CODE_AT(t, sizeof(t->ram) - 4, ADDI(A0, ZERO, 1));
	assert_int_equal(rv32_run(&t->cpu, 5, &n), RV32_EXIT_HALT);
	assert_int_equal(t->cpu.halt.cause, RV32_CAUSE_FETCH_FAULT);
	assert_int_equal(t->cpu.halt.pc, sizeof(t->ram));
}

static void test_interrupts(void **state)
{
	struct t *t = *state;

	rv32_reset(&t->cpu, CODE);
	t->cpu.mtvec = 0x2000;
	CODE_AT(t, CODE, ADDI(A0, ZERO, 1), ADDI(A0, ZERO, 2), ADDI(A0, ZERO, 3));
	CODE_AT(t, 0x2000, ADDI(A1, A1, 1), MRET);
	rv32_set_irq(&t->cpu, 2, true);
	/* masked three ways: line mask, mie.MEIE, mstatus.MIE */
	run(t, 1);
	assert_int_equal(t->cpu.pc, CODE + 4);
	assert_false(rv32_irq_pending(&t->cpu));
	t->cpu.irq_mask = 1u << 2;
	assert_false(rv32_irq_pending(&t->cpu));
	t->cpu.mie = RV32_MIE_MEIE;
	assert_true(rv32_irq_pending(&t->cpu));
	CODE_AT(t, CODE + 4, CSR(2, A0, RV32_CSR_MIP, ZERO));
	run(t, 1); /* mstatus.MIE is off: not taken */
	assert_int_equal(t->cpu.x[A0], RV32_MIP_MEIP);
	CODE_AT(t, CODE + 4, ADDI(A0, ZERO, 2));
	rv32_reset(&t->cpu, CODE + 4);
	t->cpu.mtvec = 0x2000;
	t->cpu.irq_mask = 1u << 2;
	t->cpu.mie = RV32_MIE_MEIE;
	run(t, 1); /* MIE off: not taken */
	assert_int_equal(t->cpu.pc, CODE + 8);
	t->cpu.mstatus |= RV32_MSTATUS_MIE;
	run(t, 1); /* taken before the next instruction */
	assert_int_equal(t->cpu.pc, 0x2000);
	assert_int_equal(t->cpu.mepc, CODE + 8);
	assert_int_equal(t->cpu.mcause, RV32_CAUSE_EXTERNAL_IRQ);
	rv32_set_irq(&t->cpu, 2, false);
	run(t, 3); /* handler, mret, then the interrupted instruction */
	assert_int_equal(t->cpu.x[A1], 1);
	assert_int_equal(t->cpu.x[A0], 3);
	assert_true((t->cpu.mstatus & RV32_MSTATUS_MIE) != 0);

	/* vectored mtvec: interrupts go to base + 4 * cause */
	rv32_reset(&t->cpu, CODE);
	t->cpu.mtvec = 0x2000 | 1;
	t->cpu.irq_mask = 1;
	t->cpu.mie = RV32_MIE_MEIE;
	t->cpu.mstatus |= RV32_MSTATUS_MIE;
	rv32_set_irq(&t->cpu, 0, true);
	run(t, 1);
	assert_int_equal(t->cpu.pc, 0x2000 + 4 * 11);
	rv32_set_irq(&t->cpu, 0, false);
	/* ... exceptions to the base */
	expect_trap(t, ECALL, RV32_CAUSE_ECALL_M, 0);
}

static void test_wfi(void **state)
{
	struct t *t = *state;
	uint64_t n;

	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, ADDI(A0, ZERO, 1), WFI, ADDI(A0, ZERO, 2));
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WFI);
	assert_int_equal(n, 2);
	assert_int_equal(t->cpu.pc, CODE + 8);
	assert_true(t->cpu.waiting);
	/* sleeping: nothing runs until an enabled interrupt is pending */
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WFI);
	assert_int_equal(n, 0);
	rv32_set_irq(&t->cpu, 1, true);
	t->cpu.irq_mask = 2;
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WFI); /* mie off */
	t->cpu.mie = RV32_MIE_MEIE;
	/* wakes even with mstatus.MIE off: resumes after the wfi */
	run(t, 1);
	assert_int_equal(t->cpu.x[A0], 2);
	assert_false(t->cpu.waiting);
	/* a wfi with an interrupt pending does not sleep */
	rv32_reset(&t->cpu, CODE + 4);
	t->cpu.irq_mask = 2;
	t->cpu.mie = RV32_MIE_MEIE;
	run(t, 2);
	rv32_set_irq(&t->cpu, 1, false);
}

static void test_idle_loop(void **state)
{
	struct t *t = *state;
	uint64_t n;

	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, ADDI(A0, ZERO, 1), JAL(ZERO, 0));
	assert_int_equal(rv32_run(&t->cpu, 1000, &n), RV32_EXIT_IDLE);
	assert_int_equal(n, 2);
	assert_int_equal(t->cpu.pc, CODE + 4);
	/* a taken branch to itself, too */
	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, BRANCH(0, ZERO, ZERO, 0));
	assert_int_equal(rv32_run(&t->cpu, 1000, &n), RV32_EXIT_IDLE);
	assert_int_equal(n, 1);
	/* a loop with a body is not idle: it uses its budget */
	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, ADDI(A0, A0, 1), JAL(ZERO, -4));
	run(t, 1000);
	assert_int_equal(t->cpu.x[A0], 500);
}

/* A bus store may end the run after its instruction: the SoC's host reacts. */
static void test_yield(void **state)
{
	struct t *t = *state;
	uint64_t n;

	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = 0x40000000;
	t->yield_on_store = true;
	CODE_AT(t, CODE, ADDI(A0, ZERO, 1), STORE(2, A0, A1, 0), ADDI(A0, ZERO, 2),
		STORE(2, A0, A1, 0), ADDI(A0, ZERO, 3));
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_YIELD);
	assert_int_equal(n, 2); /* the store completed and counts */
	assert_int_equal(t->cpu.pc, CODE + 8);
	assert_int_equal(t->cpu.instret, 2);
	assert_false(t->cpu.yield);
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_YIELD);
	assert_int_equal(n, 2);
	assert_int_equal(t->nacc, 2);
	assert_int_equal(t->acc[1].val, 2);
	/* stores to RAM do not reach the bus: no yield */
	t->yield_on_store = true;
	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = DATA;
	run(t, 5);
	t->yield_on_store = false;
}

/*
 * A watched pc stops the run when the pc comes back with nothing changed,
 * and `effects` tells a loop that only polls from one that works: what
 * the SoC's idle detection rests on. A loop that works runs on.
 */
static void test_watch_and_effects(void **state)
{
	struct t *t = *state;
	uint64_t n, e;

	/* a polling loop: load from the bus, compare, saves ra to the stack
	 * (the same value each time), branch back */
	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = 0x40000000;
	t->cpu.x[SP] = DATA + 0x100;
	t->cpu.x[RA] = 0x1234;
	t->load_value = 0;
	CODE_AT(t, CODE, LOAD(2, A0, A1, 0), STORE(2, RA, SP, 0), BRANCH(0, A0, ZERO, -8),
		ADDI(A2, ZERO, 7));
	run(t, 3); /* the first turn writes the stack: an effect */
	t->nacc = 0;
	e = t->cpu.effects;
	rv32_watch(&t->cpu, CODE);
	/* the pc is at watch_pc already: that instruction runs, and the run
	 * stops when the loop comes back to it */
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WATCH);
	assert_int_equal(n, 3);
	assert_int_equal(t->cpu.pc, CODE);
	assert_int_equal(t->cpu.effects, e); /* loads, a same-value store, a branch */
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WATCH);
	assert_int_equal(n, 3);
	assert_int_equal(t->cpu.effects, e);
	assert_int_equal(t->nacc, 2); /* the two bus loads */
	/* the budget still ends a run that never comes back */
	t->cpu.watch_pc = CODE + 0x100;
	t->nacc = 0;
	run(t, 30);
	/* a loop that counts is not idle: it runs on, each visit noted */
	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, ADDI(A0, A0, 1), JAL(ZERO, -4));
	rv32_watch(&t->cpu, CODE);
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_BUDGET);
	assert_int_equal(n, 100);
	assert_int_equal(t->cpu.x[A0], 50);
	assert_int_equal(t->cpu.watch_cycle, 98);
	assert_int_equal(t->cpu.watch_x[A0], 49);
	t->cpu.watch_pc = RV32_NO_WATCH;
	/* each kind of effect counts */
	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = DATA;
	t->cpu.x[A2] = 0x40000000;
	t->cpu.x[A3] = 5;
	CODE_AT(t, CODE, STORE(2, A3, A1, 0), /* RAM changes */
		STORE(2, A3, A1, 0), /* the same value again: no */
		STORE(0, A3, A2, 0), /* a bus store */
		CSR(2, A0, RV32_CSR_CYCLE, ZERO), /* time */
		CSR(2, A0, RV32_CSR_MSCRATCH, ZERO), /* a plain CSR read: no */
		CSR(1, ZERO, RV32_CSR_MSCRATCH, A3)); /* a CSR write */
	e = t->cpu.effects;
	run(t, 1);
	assert_int_equal(t->cpu.effects, e + 1);
	run(t, 1);
	assert_int_equal(t->cpu.effects, e + 1);
	run(t, 1);
	assert_int_equal(t->cpu.effects, e + 2);
	run(t, 1);
	assert_int_equal(t->cpu.effects, e + 3);
	run(t, 1);
	assert_int_equal(t->cpu.effects, e + 3);
	run(t, 1);
	assert_int_equal(t->cpu.effects, e + 4);
	/* a trap and its mret */
	t->cpu.mtvec = 0x2000;
	CODE_AT(t, CODE + 24, ECALL);
	CODE_AT(t, 0x2000, MRET);
	run(t, 1);
	assert_int_equal(t->cpu.effects, e + 5);
	run(t, 1);
	assert_int_equal(t->cpu.effects, e + 6);
}

/* Interrupts end to end: the line rises while the core sleeps in wfi;
 * the handler runs with MIE off, mret restores it, the loop goes on. */
static void test_interrupt_wakes_wfi_loop(void **state)
{
	struct t *t = *state;
	uint64_t n;

	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, CSR(1, ZERO, RV32_CSR_MTVEC, A5), /* csrw mtvec, a5 */
		CSR(1, ZERO, RV32_CSR_IRQ_MASK, A4), /* csrw 0xbc0, a4 */
		CSR(1, ZERO, RV32_CSR_MIE, A3), /* csrw mie, a3 */
		CSR(6, ZERO, RV32_CSR_MSTATUS, 8), /* csrsi mstatus, MIE */
		WFI, JAL(ZERO, -4));
	/* handler: count, read the pending lines and mstatus, return */
	CODE_AT(t, 0x2000, ADDI(S0, S0, 1), CSR(2, S1, RV32_CSR_IRQ_PENDING, ZERO),
		CSR(2, A0, RV32_CSR_MSTATUS, ZERO), MRET);
	t->cpu.x[A5] = 0x2000;
	t->cpu.x[A4] = 1u << 3;
	t->cpu.x[A3] = RV32_MIE_MEIE;
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WFI);
	assert_int_equal(n, 5);
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WFI);
	assert_int_equal(n, 0);
	rv32_set_irq(&t->cpu, 5, true); /* masked line: still asleep */
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WFI);
	rv32_set_irq(&t->cpu, 3, true);
	/* taken at once (counts as one), then the handler's four */
	run(t, 5);
	assert_int_equal(t->cpu.x[S0], 1);
	assert_int_equal(t->cpu.x[S1], (1u << 3) | (1u << 5));
	assert_int_equal(t->cpu.x[A0] & RV32_MSTATUS_MIE, 0); /* off in the handler */
	assert_true((t->cpu.x[A0] & RV32_MSTATUS_MPIE) != 0);
	assert_int_equal(t->cpu.mepc, CODE + 20); /* after the wfi */
	assert_true((t->cpu.mstatus & RV32_MSTATUS_MIE) != 0);
	rv32_set_irq(&t->cpu, 3, false); /* the handler would have cleared it */
	/* back in the loop: jal to the wfi, which sleeps */
	assert_int_equal(rv32_run(&t->cpu, 100, &n), RV32_EXIT_WFI);
	assert_int_equal(n, 2);
}

static void test_bus(void **state)
{
	struct t *t = *state;

	/* unmapped: the bus sees address, size, value and the pc */
	rv32_reset(&t->cpu, CODE);
	t->cpu.x[A1] = 0x40000000;
	t->cpu.x[A2] = 0x11223344;
	t->load_value = 0xfffffff0;
	CODE_AT(t, CODE, STORE(2, A2, A1, 0), STORE(1, A2, A1, 6), STORE(0, A2, A1, 3),
		LOAD(2, A0, A1, 8), LOAD(0, A3, A1, 9), LOAD(4, A4, A1, 9), LOAD(5, A5, A1, 10));
	run(t, 7);
	assert_int_equal(t->nacc, 7);
	assert_true(t->acc[0].write);
	assert_int_equal(t->acc[0].addr, 0x40000000);
	assert_int_equal(t->acc[0].size, 4);
	assert_int_equal(t->acc[0].val, 0x11223344);
	assert_int_equal(t->acc[0].pc, CODE);
	assert_int_equal(t->acc[1].addr, 0x40000006);
	assert_int_equal(t->acc[1].size, 2);
	assert_int_equal(t->acc[1].val, 0x3344);
	assert_int_equal(t->acc[2].size, 1);
	assert_int_equal(t->acc[2].val, 0x44);
	assert_int_equal(t->acc[2].pc, CODE + 8);
	assert_false(t->acc[3].write);
	assert_int_equal(t->acc[3].addr, 0x40000008);
	assert_int_equal(t->cpu.x[A0], 0xfffffff0);
	assert_int_equal(t->cpu.x[A3], 0xfffffff0); /* 0xf0 sign-extended */
	assert_int_equal(t->cpu.x[A4], 0xf0);
	assert_int_equal(t->cpu.x[A5], 0xfff0);
}

static void test_budget(void **state)
{
	struct t *t = *state;
	uint64_t n;

	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, ADDI(A0, A0, 1), JAL(ZERO, -4));
	assert_int_equal(rv32_run(&t->cpu, 0, &n), RV32_EXIT_BUDGET);
	assert_int_equal(n, 0);
	run(t, 12345);
	assert_int_equal(t->cpu.instret, 12345);
	assert_int_equal(t->cpu.cycle, 12345);
}

static void test_regions(void **state)
{
	struct t *t = *state;
	static uint8_t more[64];

	assert_int_equal(rv32_add_region(&t->cpu, 0x100, 16, more, true), -EINVAL); /* overlap */
	assert_int_equal(rv32_add_region(&t->cpu, 0x30000002, 16, more, true), -EINVAL);
	assert_int_equal(rv32_add_region(&t->cpu, 0x30000000, 0, more, true), -EINVAL);
	assert_int_equal(rv32_add_region(&t->cpu, 0xfffffff0, 32, more, true), -EINVAL);
	assert_int_equal(rv32_add_region(&t->cpu, 0xffffffc0, 64, more, true), 0);
	assert_int_equal(rv32_add_region(&t->cpu, 0x30000000, 4, more, true), 0);
	assert_int_equal(rv32_add_region(&t->cpu, 0x30000004, 4, more, true), 0);
	assert_int_equal(rv32_add_region(&t->cpu, 0x30000008, 4, more, true), 0);
	assert_int_equal(rv32_add_region(&t->cpu, 0x3000000c, 4, more, true), -ENOSPC);
}

static void trace_count(void *ctx, const struct rv32 *cpu, uint32_t insn)
{
	struct t *t = ctx;

	assert_int_equal(cpu->pc, CODE + 4 * t->ntrace);
	t->ntrace++;
}

static void test_trace(void **state)
{
	struct t *t = *state;

	rv32_reset(&t->cpu, CODE);
	CODE_AT(t, CODE, ADDI(A0, ZERO, 1), ADDI(A0, ZERO, 2), ADDI(A0, ZERO, 3));
	t->cpu.trace = trace_count;
	t->cpu.trace_ctx = t;
	run(t, 3);
	assert_int_equal(t->ntrace, 3);
	t->cpu.trace = NULL;
}

static void dis(uint32_t insn, uint32_t pc, const char *want)
{
	char buf[64];

	rv32_disasm(insn, pc, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_disasm(void **state)
{
	dis(ADDI(A0, A0, -1), 0, "addi a0, a0, -1");
	dis(0x00b52023, 0, "sw a1, 0(a0)");
	dis(0x40000537, 0, "lui a0, 0x40000");
	dis(JAL(ZERO, -8), 0x20040010, "jal zero, 0x20040008");
	dis(BRANCH(1, T0, ZERO, -4), 0x2004001c, "bne t0, zero, 0x20040018");
	dis(OP(1, 4, A0, A1, A2), 0, "div a0, a1, a2");
	dis(OP(0x20, 5, A0, A1, A2), 0, "sra a0, a1, a2");
	dis(OPI(5, A0, A1, 0x400 | 3), 0, "srai a0, a1, 3");
	dis(CSR(2, A0, RV32_CSR_MCAUSE, ZERO), 0, "csrrs a0, mcause, zero");
	dis(CSR(5, ZERO, RV32_CSR_IRQ_MASK, 3), 0, "csrrwi zero, 0xbc0, 3");
	dis(EBREAK, 0, "ebreak");
	dis(WFI, 0, "wfi");
	dis(0xffffffff, 0, "illegal 0xffffffff");
	dis(OPI(1, A0, A1, 32), 0, "illegal 0x02059513");
}

/*
 * The fast path (fast.c's rv32_run_fast()) against the
 * plain interpreter: a trace hook turns the fast path off, so the same
 * program runs once each way, and everything must come out the same:
 * registers, CSRs, counters, effects, the watch, the exits, memory and
 * every bus access with the pc and cycle it saw. The programs are random
 * but mostly valid RV32IM, with pointers into RAM, ROM and the bus, short
 * branches, CSR accesses, traps, wfi and mret, self-modifying stores and
 * interrupt lines that move between runs.
 */
#define DIFF_RAM 8192u
#define DIFF_BUS 0x40000000u
#define DIFF_LOG 4096u

struct diff {
	struct rv32 cpu;
	uint8_t ram[DIFF_RAM];
	uint8_t rom[256];
	uint64_t log[DIFF_LOG]; /* bus accesses: a hash of each */
	unsigned int nlog;
	uint32_t seed;
};

static uint32_t diff_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void diff_note(struct diff *d, uint64_t what)
{
	if (d->nlog < DIFF_LOG)
		d->log[d->nlog] =
			what ^ (uint64_t)d->cpu.pc << 32 ^ d->cpu.cycle * 31 ^ d->cpu.instret * 7;
	d->nlog++;
}

static void diff_load(void *ctx, uint32_t addr, unsigned int size, uint32_t *val)
{
	struct diff *d = ctx;

	/* a peripheral: bit 6 of the address moves a line, bit 7 yields */
	diff_note(d, (uint64_t)addr * 3 + size);
	*val = diff_rand(&d->seed);
	if (addr & 0x40)
		rv32_set_irq(&d->cpu, 1, *val & 1);
	if (addr & 0x80)
		rv32_yield(&d->cpu);
	d->cpu.effects += *val & 1;
}

static void diff_store(void *ctx, uint32_t addr, unsigned int size, uint32_t val)
{
	struct diff *d = ctx;

	diff_note(d, (uint64_t)addr * 5 + size + ((uint64_t)val << 8));
	if (addr & 0x40)
		rv32_set_irq(&d->cpu, 1, val & 1);
	if (addr & 0x80)
		rv32_yield(&d->cpu);
}

static const struct rv32_bus_ops diff_bus = { .load = diff_load, .store = diff_store };

static void diff_no_trace(void *ctx, const struct rv32 *cpu, uint32_t insn)
{
}

static uint32_t diff_insn(uint32_t *s, uint32_t pc)
{
	static const unsigned int f3_load[] = { 0, 1, 2, 4, 5 };
	uint32_t r = diff_rand(s), rd = r & 15, rs1 = (r >> 4) & 15, rs2 = (r >> 8) & 15;
	int32_t off = (int32_t)((r >> 12) % 24) * 4 - 48;

	switch ((r >> 20) % 16) {
	case 0:
	case 1:
		return ADDI(rd, rs1, (int32_t)(r >> 21) % 64);
	case 2:
		return OPI((r >> 24) & 7, rd, rs1, (r >> 27) & 1 ? 31 : (int32_t)(r >> 28));
	case 3:
		return OP((r >> 24) & 1 ? ((r >> 25) & 1 ? 1 : 0x20) : 0, (r >> 26) & 7, rd, rs1,
			  rs2);
	case 4:
	case 5:
		/* through the pointer registers: x12 RAM, x13 ROM, x14 bus */
		return LOAD(f3_load[(r >> 24) % 5], rd, 12 + (r >> 27) % 3,
			    (int32_t)((r >> 28) * 2));
	case 6:
	case 7:
		return STORE((r >> 24) % 3, rs2, 12 + (r >> 27) % 3, (int32_t)((r >> 28) * 2));
	case 8:
	case 9:
		return BRANCH((r >> 24) & 7, rs1, rs2, (r >> 27) & 1 ? off : off + 2);
	case 10:
		return JAL(rd & 1, off ? off : 4);
	case 11:
		return JALR(rd & 1, 15, (int32_t)((r >> 24) & 0x3c));
	case 12:
		return LUI(rd, r >> 12);
	case 13:
		return AUIPC(rd, (r >> 24) & 3);
	case 14:
		switch ((r >> 24) & 7) {
		case 0:
			return CSR(2, rd, RV32_CSR_CYCLE, 0);
		case 1:
			return CSR(1, 0, RV32_CSR_MSTATUS, rs1);
		case 2:
			return CSR(5, 0, RV32_CSR_MIE, 31);
		case 3:
			return WFI;
		case 4:
			return MRET;
		case 5:
			return ECALL;
		case 6:
			return FENCE_I;
		default:
			return CSR(2, rd, RV32_CSR_INSTRET, 0);
		}
	default:
		return r; /* anything */
	}
	(void)pc;
}

static void diff_setup(struct diff *d, uint32_t seed, bool fast)
{
	uint32_t s = seed, i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < DIFF_RAM; i += 4)
		put32(d->ram + i, diff_insn(&s, i));
	for (i = 0; i < sizeof(d->rom); i += 4)
		put32(d->rom + i, diff_insn(&s, ROM + i));
	rv32_init(&d->cpu, &diff_bus, d);
	assert_int_equal(rv32_add_region(&d->cpu, 0, DIFF_RAM, d->ram, true), 0);
	assert_int_equal(rv32_add_region(&d->cpu, ROM, sizeof(d->rom), d->rom, false), 0);
	rv32_reset(&d->cpu, 4 * (diff_rand(&s) % (DIFF_RAM / 4)));
	d->cpu.halt_on_null_mtvec = diff_rand(&s) & 1;
	rv32_csr_write(&d->cpu, RV32_CSR_MTVEC, 4 * (diff_rand(&s) % 64));
	rv32_csr_write(&d->cpu, RV32_CSR_IRQ_MASK, 2);
	rv32_csr_write(&d->cpu, RV32_CSR_MIE, RV32_MIE_MEIE);
	rv32_csr_write(&d->cpu, RV32_CSR_MSTATUS, diff_rand(&s) & RV32_MSTATUS_MIE);
	d->cpu.x[12] = 0x100 + 4 * (diff_rand(&s) % 1024); /* RAM: code too */
	d->cpu.x[13] = ROM;
	d->cpu.x[14] = DIFF_BUS + (diff_rand(&s) & 0xc0); /* bits 6, 7: irq, yield */
	d->cpu.x[15] = 4 * (diff_rand(&s) % (DIFF_RAM / 4));
	d->seed = seed | 1;
	if (!fast) {
		d->cpu.trace = diff_no_trace;
		d->cpu.trace_ctx = d;
	}
}

static void test_fast_path_exact(void **state)
{
	struct diff *slow = test_calloc(1, sizeof(*slow)), *fast = test_calloc(1, sizeof(*fast));
	unsigned int exits[RV32_EXIT_WATCH + 1] = { 0 }, round;
	uint64_t total = 0;
	uint32_t seed;

	(void)state;
	for (seed = 1; seed <= 300; seed++) {
		diff_setup(slow, seed * 2654435761u, false);
		diff_setup(fast, seed * 2654435761u, true);
		for (round = 0; round < 12; round++) {
			uint64_t budget = 1 + (seed * 7919u + round * 104729u) % 3000, ns, nf;
			enum rv32_exit es, ef;

			/* a watch where the core is, or somewhere in RAM */
			if (round % 3 == 1) {
				uint32_t w = round % 2 ? slow->cpu.pc : slow->cpu.x[15];

				rv32_watch(&slow->cpu, w);
				rv32_watch(&fast->cpu, w);
			}
			rv32_set_irq(&slow->cpu, 1, round & 1);
			rv32_set_irq(&fast->cpu, 1, round & 1);
			es = rv32_run(&slow->cpu, budget, &ns);
			ef = rv32_run(&fast->cpu, budget, &nf);
			assert_int_equal(ef, es);
			exits[es]++;
			assert_int_equal(nf, ns);
			total += nf;
			fast->cpu.trace = slow->cpu.trace;
			fast->cpu.trace_ctx = fast;
			/* the core's state: everything before the bus and regions */
			assert_memory_equal(&fast->cpu, &slow->cpu, offsetof(struct rv32, bus));
			fast->cpu.trace = NULL;
			assert_memory_equal(fast->ram, slow->ram, DIFF_RAM);
			assert_int_equal(fast->nlog, slow->nlog);
			assert_memory_equal(
				fast->log, slow->log,
				sizeof(uint64_t) * (slow->nlog < DIFF_LOG ? slow->nlog : DIFF_LOG));
			if (es == RV32_EXIT_HALT) {
				rv32_reset(&slow->cpu, slow->cpu.x[15] & ~3u % DIFF_RAM);
				rv32_reset(&fast->cpu, fast->cpu.x[15] & ~3u % DIFF_RAM);
			}
		}
	}
	/* the programs ran, not just trapped at once, and stopped for
	 * every reason there is */
	print_message("%llu instructions, exits %u %u %u %u %u %u\n", (unsigned long long)total,
		      exits[0], exits[1], exits[2], exits[3], exits[4], exits[5]);
	assert_true(total > 300 * 1000);
	for (round = RV32_EXIT_BUDGET; round <= RV32_EXIT_WATCH; round++)
		assert_true(exits[round] > 0);
	test_free(slow);
	test_free(fast);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_lui_auipc),
		T(test_jal_jalr),
		T(test_misaligned_jump),
		T(test_branches),
		T(test_loads),
		T(test_stores),
		T(test_misaligned_access),
		T(test_op_imm),
		T(test_op),
		T(test_shifts_by_32_and_more),
		T(test_mul),
		T(test_div_rem),
		T(test_x0_stays_zero),
		T(test_fences),
		T(test_illegal),
		T(test_csr_ops),
		T(test_csr_fields),
		T(test_csr_illegal),
		T(test_counters),
		T(test_trap_and_mret),
		T(test_trap_without_handler_halts),
		T(test_fetch_fault),
		T(test_interrupts),
		T(test_wfi),
		T(test_idle_loop),
		T(test_yield),
		T(test_watch_and_effects),
		T(test_interrupt_wakes_wfi_loop),
		T(test_bus),
		T(test_budget),
		T(test_regions),
		T(test_trace),
		cmocka_unit_test(test_fast_path_exact),
		T(test_disasm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
