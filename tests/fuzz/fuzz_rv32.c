// SPDX-License-Identifier: MIT
/*
 * The RV32IM core (dfu/rv32.c): the input is the program. It runs from
 * RAM at 0 with a read-only region and a bus whose loads return values
 * made from the address, with interrupt lines toggled and CSRs written in
 * between, for a bounded number of instructions. Every word of the input
 * is also disassembled, as the Fomu's log and --trace do. Checked: x0
 * stays 0, the core stops within its budget and for a reason it names,
 * the bus sees only aligned accesses of 1, 2 or 4 bytes, the
 * disassembly is a NUL-terminated line that fits its buffer. Each input
 * runs twice, on the fast path and with a trace hook (which turns it
 * off): the two must end in the same state, memory and bus accesses.
 *
 * Input: mtvec choice u8, irq mask u32, then the RAM image (4 KiB at most;
 * the rest of RAM is zero). The same bytes drive the interrupt lines.
 */
#include <string.h>

#include "dfu/rv32/rv32.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE (64u << 10)
#define ROM_BASE 0x20000000u
#define ROM_SIZE 4096u
#define CODE_MAX 4096u
#define BUDGET 20000u

static uint8_t ram[RAM_SIZE];
static uint8_t rom[ROM_SIZE];
static uint8_t first_ram[RAM_SIZE];
static uint64_t bus_hash; /* every bus access, in order */

static void bus_note(uint64_t v)
{
	bus_hash = (bus_hash ^ v) * 0x100000001b3ull;
}

static void bus_load(void *ctx, uint32_t addr, unsigned int size, uint32_t *val)
{
	FUZZ_CHECK((size == 1 || size == 2 || size == 4) && addr % size == 0,
		   "bus load of %u bytes at %#x", size, addr);
	bus_note((uint64_t)addr << 3 | size);
	*val = (addr * 2654435761u) & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void bus_store(void *ctx, uint32_t addr, unsigned int size, uint32_t val)
{
	FUZZ_CHECK((size == 1 || size == 2 || size == 4) && addr % size == 0,
		   "bus store of %u bytes at %#x", size, addr);
	bus_note((uint64_t)val << 32 | addr | 1u << 31);
	FUZZ_CHECK(size == 4 || val < (1u << (8 * size)), "store of %u bytes: value %#x", size,
		   val);
}

static const struct rv32_bus_ops bus = {
	.load = bus_load,
	.store = bus_store,
};

static void disasm(uint32_t insn, uint32_t pc)
{
	char text[64], small[8];

	memset(text, 0x55, sizeof(text));
	rv32_disasm(insn, pc, text, sizeof(text));
	FUZZ_CHECK(memchr(text, '\0', sizeof(text)), "disassembly of %#x not terminated", insn);
	/* A buffer too small must be cut, not overrun. */
	rv32_disasm(insn, pc, small, sizeof(small));
	FUZZ_CHECK(memchr(small, '\0', sizeof(small)), "short disassembly of %#x", insn);
}

static void no_trace(void *ctx, const struct rv32 *cpu, uint32_t insn)
{
}

/* Run the input; the final state goes to *cpu_out, the count to *ret_total. */
static void run(const uint8_t *data, size_t size, bool fast, struct rv32 *cpu_out,
		uint64_t *ret_total)
{
	static struct rv32 cpu;
	struct fuzz_in in = { data, size };
	uint64_t executed, total = 0;
	uint8_t how = fuzz_u8(&in);
	uint32_t mask = fuzz_u32(&in);
	const uint8_t *code;
	size_t n, i;
	unsigned int round;

	memset(ram, 0, sizeof(ram));
	memset(rom, 0x13, sizeof(rom)); /* not a valid instruction stream */
	code = fuzz_bytes(&in, CODE_MAX, &n);
	memcpy(ram, code, n);
	for (i = 0; i + 4 <= n; i += 4)
		disasm((uint32_t)code[i] | (uint32_t)code[i + 1] << 8 | (uint32_t)code[i + 2] << 16 |
			       (uint32_t)code[i + 3] << 24,
		       (uint32_t)i);

	rv32_init(&cpu, &bus, NULL);
	if (rv32_add_region(&cpu, 0, RAM_SIZE, ram, true) < 0 ||
	    rv32_add_region(&cpu, ROM_BASE, ROM_SIZE, rom, false) < 0)
		abort();
	rv32_reset(&cpu, 0);
	/* Sometimes a trap handler: somewhere in the program, or in ROM. */
	if (how & 1)
		cpu.halt_on_null_mtvec = false;
	if (how & 2)
		rv32_csr_write(&cpu, RV32_CSR_MTVEC, (uint32_t)(how >> 2) * 64);
	rv32_csr_write(&cpu, RV32_CSR_IRQ_MASK, mask);
	if (!fast)
		cpu.trace = no_trace;
	bus_hash = 0;

	for (round = 0; round < 8; round++) {
		enum rv32_exit e;

		rv32_set_irq(&cpu, code && n ? code[round % n] % 32 : 0, round & 1);
		e = rv32_run(&cpu, BUDGET / 8, &executed);
		FUZZ_CHECK(e == RV32_EXIT_BUDGET || e == RV32_EXIT_WFI || e == RV32_EXIT_IDLE ||
				   e == RV32_EXIT_HALT,
			   "exit %d", e);
		FUZZ_CHECK(executed <= BUDGET / 8, "executed %llu of a budget of %u",
			   (unsigned long long)executed, BUDGET / 8);
		FUZZ_CHECK(e != RV32_EXIT_BUDGET || executed == BUDGET / 8,
			   "stopped for its budget after %llu", (unsigned long long)executed);
		FUZZ_CHECK(cpu.x[0] == 0, "x0 is %#x", cpu.x[0]);
		total += executed;
		if (e == RV32_EXIT_HALT) {
			disasm(cpu.halt.insn, cpu.halt.pc);
			FUZZ_CHECK(rv32_cause_name(cpu.halt.cause) != NULL, "cause name");
			break;
		}
	}
	FUZZ_CHECK(total <= BUDGET, "executed %llu", (unsigned long long)total);
	cpu.trace = NULL;
	memcpy(cpu_out, &cpu, sizeof(cpu));
	*ret_total = total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rv32 fast, slow;
	uint64_t fast_total, slow_total, fast_bus;

	run(data, size, true, &fast, &fast_total);
	memcpy(first_ram, ram, sizeof(ram));
	fast_bus = bus_hash;
	run(data, size, false, &slow, &slow_total);
	FUZZ_CHECK(fast_total == slow_total, "fast path ran %llu instructions, the plain one %llu",
		   (unsigned long long)fast_total, (unsigned long long)slow_total);
	/* the core's state: everything before the bus and regions */
	FUZZ_CHECK(!memcmp(&fast, &slow, offsetof(struct rv32, bus)),
		   "the fast path ended in another state (pc %#x, the plain one %#x)", fast.pc,
		   slow.pc);
	FUZZ_CHECK(!memcmp(first_ram, ram, sizeof(ram)), "the fast path left other memory");
	FUZZ_CHECK(fast_bus == bus_hash, "the fast path made other bus accesses");
	return 0;
}
