/* SPDX-License-Identifier: MIT */
/*
 * An RV32IM hart in machine mode: an interpreter over a bus interface.
 *
 * Base integer ISA, M (multiply/divide), Zicsr, Zifencei (fence.i is a
 * no-op: there is no instruction cache to flush), mret and wfi. Only
 * machine mode exists. Misaligned loads, stores and jump targets trap
 * (causes 4, 6 and 0), as on the VexRiscv of the Fomu, with mtval set to
 * the address. Interrupts are machine external interrupts fed by level
 * lines, masked as on the VexRiscv SoCs of LiteX: CSR 0xBC0 is the line
 * mask, 0xFC0 reads the pending lines, and mip.MEIP is set while any
 * unmasked line is high.
 *
 * Memory is reached in two ways. Regions (RAM, ROM, a flash window) are
 * host buffers the core reads directly and, when writable, writes; an
 * instruction can only be fetched from a region. Everything else goes to
 * the bus callbacks, which the SoC uses for peripherals and to report
 * accesses to unmapped addresses. A bus access never traps: the SoC
 * decides what a read returns.
 *
 * The core is pure: no clock, no I/O, no allocation. rv32_run() executes
 * at most a given number of instructions and says why it stopped.
 *
 * Three hooks let a SoC run firmware from an event loop without burning a
 * host core on it (dfu/fomu/firmware.c): a bus callback may ask rv32_run() to
 * return after the current instruction (rv32_yield(), so that a USB host
 * reacts to what the firmware just wrote); `effects` counts what can
 * change the machine's future besides its registers (memory that changed,
 * CSR writes, counter reads, traps, bus stores); and rv32_run() stops when
 * the pc comes back to a watched address (rv32_watch()) with the same
 * registers and no effect in between: the firmware is polling in a loop
 * whose outcome only an outside event can change. The core checks that
 * itself at each visit, so a busy loop (a bit-banged SPI transfer) runs
 * on without leaving rv32_run().
 */
#ifndef VUSB_DFU_RV32_H
#define VUSB_DFU_RV32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RV32_MAX_REGIONS 6

/* mcause values */
#define RV32_CAUSE_MISALIGNED_FETCH 0
#define RV32_CAUSE_FETCH_FAULT 1
#define RV32_CAUSE_ILLEGAL 2
#define RV32_CAUSE_BREAKPOINT 3
#define RV32_CAUSE_MISALIGNED_LOAD 4
#define RV32_CAUSE_LOAD_FAULT 5
#define RV32_CAUSE_MISALIGNED_STORE 6
#define RV32_CAUSE_STORE_FAULT 7
#define RV32_CAUSE_ECALL_M 11
#define RV32_CAUSE_INTERRUPT 0x80000000u
#define RV32_CAUSE_EXTERNAL_IRQ (RV32_CAUSE_INTERRUPT | 11)

/* CSR numbers */
#define RV32_CSR_MSTATUS 0x300
#define RV32_CSR_MISA 0x301
#define RV32_CSR_MIE 0x304
#define RV32_CSR_MTVEC 0x305
#define RV32_CSR_MSCRATCH 0x340
#define RV32_CSR_MEPC 0x341
#define RV32_CSR_MCAUSE 0x342
#define RV32_CSR_MTVAL 0x343
#define RV32_CSR_MIP 0x344
#define RV32_CSR_MCYCLE 0xb00
#define RV32_CSR_MINSTRET 0xb02
#define RV32_CSR_MCYCLEH 0xb80
#define RV32_CSR_MINSTRETH 0xb82
#define RV32_CSR_IRQ_MASK 0xbc0 /* VexRiscv: external interrupt line mask */
#define RV32_CSR_CYCLE 0xc00
#define RV32_CSR_TIME 0xc01
#define RV32_CSR_INSTRET 0xc02
#define RV32_CSR_CYCLEH 0xc80
#define RV32_CSR_TIMEH 0xc81
#define RV32_CSR_INSTRETH 0xc82
#define RV32_CSR_MVENDORID 0xf11
#define RV32_CSR_MARCHID 0xf12
#define RV32_CSR_MIMPID 0xf13
#define RV32_CSR_MHARTID 0xf14
#define RV32_CSR_IRQ_PENDING 0xfc0 /* VexRiscv: pending lines, read-only */

#define RV32_MSTATUS_MIE (1u << 3)
#define RV32_MSTATUS_MPIE (1u << 7)
#define RV32_MSTATUS_MPP (3u << 11)
#define RV32_MIE_MEIE (1u << 11)
#define RV32_MIP_MEIP (1u << 11)
/* misa: MXL 1 (32-bit), I and M */
#define RV32_MISA (0x40000000u | (1u << ('I' - 'A')) | (1u << ('M' - 'A')))

/*
 * Accesses outside the regions, and stores to read-only ones. size is 1,
 * 2 or 4; addr is aligned to it. load fills *val (zero-extended); the
 * core sign-extends where the instruction asks for it. cpu->pc is the
 * address of the instruction making the access.
 */
struct rv32_bus_ops {
	void (*load)(void *ctx, uint32_t addr, unsigned int size, uint32_t *val);
	void (*store)(void *ctx, uint32_t addr, unsigned int size, uint32_t val);
};

struct rv32_region {
	uint32_t base;
	uint32_t size;
	uint8_t *mem; /* size bytes, little-endian */
	bool writable;
};

enum rv32_exit {
	RV32_EXIT_BUDGET, /* executed every instruction it was given */
	RV32_EXIT_WFI, /* wfi with no enabled interrupt pending: sleeping */
	RV32_EXIT_IDLE, /* a jump or taken branch to itself: it spins */
	RV32_EXIT_HALT, /* a trap with nowhere to go: see cpu->halt */
	RV32_EXIT_YIELD, /* a bus callback called rv32_yield() */
	RV32_EXIT_WATCH, /* back at watch_pc, nothing changed: idle (not yet executed) */
};

/* watch_pc when nothing is watched: no instruction is ever there. */
#define RV32_NO_WATCH 1u

struct rv32;

/* Called before each instruction executes, when set. */
typedef void (*rv32_trace_fn)(void *ctx, const struct rv32 *cpu, uint32_t insn);

struct rv32 {
	uint32_t x[32]; /* x[0] reads 0 always */
	uint32_t pc;

	uint32_t mstatus;
	uint32_t mie;
	uint32_t mtvec;
	uint32_t mscratch;
	uint32_t mepc;
	uint32_t mcause;
	uint32_t mtval;
	uint32_t irq_mask; /* CSR 0xBC0 */
	uint32_t irq_lines; /* input levels, one bit per line */
	uint64_t cycle; /* mcycle: one per instruction */
	uint64_t instret; /* minstret */

	bool waiting; /* stopped in wfi until an enabled interrupt */
	bool halted; /* stopped for good (until rv32_reset) */
	/* Why it halted: the trap that had no handler. */
	struct {
		uint32_t cause;
		uint32_t tval;
		uint32_t pc;
		uint32_t insn; /* the instruction at pc, 0 if it was not fetched */
	} halt;
	/*
	 * A trap while mtvec is 0 halts the core instead of jumping to
	 * address 0 (set by rv32_init): nothing installed a handler. A SoC
	 * whose ROM handles traps at 0 turns this off.
	 */
	bool halt_on_null_mtvec;

	/*
	 * rv32_run() returns RV32_EXIT_WATCH before executing the
	 * instruction at watch_pc (except the first one of the call, so it
	 * can be resumed from there) when the registers are watch_x and
	 * `effects` is watch_effects, as at the last visit (or at
	 * rv32_watch()); otherwise it takes them as the new last visit,
	 * sets watch_cycle to the cycle count and runs on. RV32_NO_WATCH
	 * (set by rv32_init and rv32_reset) turns it off.
	 */
	uint32_t watch_pc;
	uint32_t watch_x[32];
	uint64_t watch_effects;
	uint64_t watch_cycle; /* cycle at the last visit (or rv32_watch()) */
	bool yield; /* see rv32_yield() */
	/*
	 * Counts stores that changed a region's bytes, stores to the bus,
	 * CSR writes, reads of the cycle/time/instret counters, traps,
	 * interrupts taken, mret and a wfi that sleeps. Bus callbacks add to
	 * it for loads with side effects or values that change with time.
	 * Only differences matter; it never resets.
	 */
	uint64_t effects;

	const struct rv32_bus_ops *bus;
	void *bus_ctx;
	struct rv32_region regions[RV32_MAX_REGIONS];
	unsigned int nregions;
	rv32_trace_fn trace;
	void *trace_ctx;
};

/* Zero everything, set the bus, halt_on_null_mtvec on; then add regions. */
void rv32_init(struct rv32 *cpu, const struct rv32_bus_ops *bus, void *bus_ctx);

/*
 * Map `size` bytes of host memory at `base`. Regions must not overlap;
 * the first added is looked up first (put RAM there). 0, -ENOSPC (too
 * many) or -EINVAL (empty, overlapping or wrapping around 4 GiB).
 */
int rv32_add_region(struct rv32 *cpu, uint32_t base, uint32_t size, uint8_t *mem,
		    bool writable);

/* Registers and CSRs to their reset values (0), pc to `pc`; regions stay. */
void rv32_reset(struct rv32 *cpu, uint32_t pc);

/*
 * Execute at most `budget` instructions (interrupts taken count as one).
 * Returns why it stopped; *ret_executed (may be NULL) gets the count.
 * After RV32_EXIT_WFI it returns at once, executing nothing, until an
 * enabled interrupt is pending; after RV32_EXIT_HALT, until rv32_reset().
 */
enum rv32_exit rv32_run(struct rv32 *cpu, uint64_t budget, uint64_t *ret_executed);

/* Watch `pc` from the state the core is in now (see watch_pc). */
void rv32_watch(struct rv32 *cpu, uint32_t pc);

/*
 * From a bus callback: rv32_run() returns RV32_EXIT_YIELD once the current
 * instruction has completed (it counts as executed).
 */
static inline void rv32_yield(struct rv32 *cpu)
{
	cpu->yield = true;
}

/* Raise or lower external interrupt line `line` (0..31). */
void rv32_set_irq(struct rv32 *cpu, unsigned int line, bool level);

/* An enabled interrupt is pending (what wakes wfi). */
bool rv32_irq_pending(const struct rv32 *cpu);

/*
 * Read or write a CSR as the instructions do, for tests and debuggers.
 * 0, or -EINVAL when the CSR does not exist (or is read-only, for write).
 */
int rv32_csr_read(struct rv32 *cpu, unsigned int csr, uint32_t *ret);
int rv32_csr_write(struct rv32 *cpu, unsigned int csr, uint32_t val);

/*
 * One instruction as assembly text ("addi a0, a0, 1", "sw a0, 0(a1)"),
 * branch and jump targets absolute (pc is the instruction's address).
 * Writes at most len bytes, NUL included; "illegal 0x..." for what the
 * core would not execute.
 */
void rv32_disasm(uint32_t insn, uint32_t pc, char *buf, size_t len);

/* ABI name of x[i] ("ra", "sp", ...). */
const char *rv32_reg_name(unsigned int i);

/* "illegal instruction", "load address misaligned", ... */
const char *rv32_cause_name(uint32_t mcause);

/*
 * Why a halted core stopped (a trap with no handler), as log lines: the
 * cause, pc, mtval and the instruction, then the 32 registers four to a
 * line. line(data, text) gets each.
 */
void rv32_describe_halt(const struct rv32 *cpu, void (*line)(void *data, const char *text),
			void *data);

#endif
