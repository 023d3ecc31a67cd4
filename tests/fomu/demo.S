# SPDX-License-Identifier: MIT
#
# The issue's demo image: counts 1, 2, 3, ... into 0x40000000, where
# nothing is mapped on the Fomu, about ten times a second at 12 MHz.
# The emulator logs each of those writes ("unmapped write32 0x40000000
# <- 0x00000001"), which is how the user sees the image run. It never
# stops: `vusbctl fomu0 reset` takes the board back to the bootloader.
#
# Built at 0x20040000 (foboot's image address in the flash window) by
# tests/fomu/build.sh; the code is position independent anyway.

	.section .text
	.globl	_start
_start:
	li	sp, 0x10020000		# top of the 128 KiB SRAM
	li	a0, 0x40000000		# unmapped
	li	a1, 1
1:
	sw	a1, 0(a0)
	addi	a1, a1, 1
	li	t0, 600000		# two instructions per turn: 0.1 s
2:
	addi	t0, t0, -1
	bnez	t0, 2b
	j	1b
