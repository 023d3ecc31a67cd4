// SPDX-License-Identifier: MIT
/*
 * How fast the Fomu's emulated core runs: instructions per second of
 * rv32_run() on the Fomu memory map (fomu_soc), no pacing, no logging.
 *
 *	make build/tests/bench/bench_rv32 && build/tests/bench/bench_rv32 [SECONDS]
 *
 * Two workloads, each run for SECONDS (default 1) of wall time:
 *   mix    load, add, store to SRAM, a multiply, xor, index update, jump:
 *          9 instructions per turn, code in the flash window
 *   delay  tests/fomu/demo.S's delay loop (addi, bnez), the tightest case
 * Prints one line per workload, then "rv32: N instructions/s" (the mix)
 * for scripts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu/fomu/soc.h"

/* The loops, as assembled by riscv64-unknown-elf-as -march=rv32im. */
static const uint32_t mix[] = {
	0x10000437, /* lui s0, 0x10000 */
	0x00000393, /* li t2, 0 */
	0x00740e33, /* 1: add t3, s0, t2 */
	0x000e2283, /* lw t0, 0(t3) */
	0x00128293, /* addi t0, t0, 1 */
	0x005e2023, /* sw t0, 0(t3) */
	0x02528333, /* mul t1, t0, t0 */
	0x00664633, /* xor a2, a2, t1 */
	0x00438393, /* addi t2, t2, 4 */
	0x3fc3f393, /* andi t2, t2, 1020 */
	0xfe1ff06f, /* j 1b */
};

static const uint32_t delay[] = {
	0xfff28293, /* 1: addi t0, t0, -1 */
	0xfe029ee3, /* bnez t0, 1b */
	0xff9ff06f, /* j 1b (t0 wrapped: keep going) */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run(struct fomu_soc *soc, uint8_t *flash, const uint32_t *code, size_t n,
		  double seconds)
{
	uint64_t total = 0, done;
	double t0, t;
	size_t i;

	memset(flash + 0x40000, 0xff, 4096);
	for (i = 0; i < n; i++) {
		flash[0x40000 + 4 * i] = (uint8_t)code[i];
		flash[0x40000 + 4 * i + 1] = (uint8_t)(code[i] >> 8);
		flash[0x40000 + 4 * i + 2] = (uint8_t)(code[i] >> 16);
		flash[0x40000 + 4 * i + 3] = (uint8_t)(code[i] >> 24);
	}
	fomu_soc_reset(soc, FOMU_FLASH_BASE + 0x40000);
	t0 = now();
	do {
		/* slices as the model runs them, only back to back */
		if (rv32_run(&soc->cpu, 10000000, &done) != RV32_EXIT_BUDGET) {
			fprintf(stderr, "bench_rv32: the loop stopped at pc 0x%08x\n", soc->cpu.pc);
			exit(1);
		}
		total += done;
		t = now() - t0;
	} while (t < seconds);
	return (double)total / t;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0, ips_mix, ips_delay;
	static struct fomu_soc soc;
	uint8_t *flash = malloc(FOMU_FLASH_SIZE);

	if (!flash || seconds <= 0) {
		fprintf(stderr, "usage: bench_rv32 [SECONDS]\n");
		return 2;
	}
	memset(flash, 0xff, FOMU_FLASH_SIZE);
	if (fomu_soc_init(&soc, flash, NULL, NULL) < 0)
		return 1;
	ips_mix = run(&soc, flash, mix, sizeof(mix) / sizeof(mix[0]), seconds);
	ips_delay = run(&soc, flash, delay, sizeof(delay) / sizeof(delay[0]), seconds);
	printf("mix    %.1f M instructions/s (SRAM load/store, mul, branch)\n", ips_mix / 1e6);
	printf("delay  %.1f M instructions/s (addi, bnez)\n", ips_delay / 1e6);
	printf("rv32: %.0f instructions/s\n", ips_mix);
	free(flash);
	return 0;
}
