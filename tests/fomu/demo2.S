# SPDX-License-Identifier: MIT
#
# The second image, flashed after `vusbctl fomu0 reset`: tells itself
# apart from demo.S by its values (100, 200, 300 into 0x40000000), uses
# SRAM and the CSR block (which must stay silent), reads an unmapped
# word, then stops at an ebreak with no trap handler (mtvec is 0): the
# emulator reports the trap with pc and registers and halts the core.

	.section .text
	.globl	_start
_start:
	li	sp, 0x10020000
	li	a0, 0x40000000
	li	a1, 100
	sw	a1, 0(a0)
	addi	a1, a1, 100
	sw	a1, 0(a0)
	addi	a1, a1, 100
	sw	a1, 0(a0)
	# SRAM keeps what is stored
	addi	sp, sp, -16
	li	t0, 0x12345678
	sw	t0, 0(sp)
	lw	s0, 0(sp)
	# CSR block: reads 0, writes ignored, nothing logged
	li	t1, 0xe0006800
	sw	t0, 0(t1)
	lw	s1, 0(t1)
	# an unmapped read returns 0 and is logged
	lw	s2, 0x20(a0)
	li	a2, 0xc0ffee
	ebreak
