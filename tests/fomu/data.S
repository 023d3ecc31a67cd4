# SPDX-License-Identifier: MIT
#
# A firmware laid out as foboot's are (tests/fomu/data.ld): code in ROM at
# 0, .data's image in ROM after it and its run address in SRAM, .bss in
# SRAM. Its start-up copies .data and clears .bss, as theirs does, then
# writes what it finds to 0x40000000 (unmapped: the SoC reports each
# write): the sum of .data's four words, .bss's first word, and a word
# that start-up did not touch; then stops on ebreak. tests/unit/test_elf.c
# runs it: the loader must have put .data's bytes at p_paddr and left
# the copying to the firmware.

	.section .text
	.globl	_start
_start:
	li	sp, 0x10020000
	la	t0, _data_lma		# copy .data from ROM
	la	t1, _data
	la	t2, _edata
1:	beq	t1, t2, 2f
	lw	t3, 0(t0)
	sw	t3, 0(t1)
	addi	t0, t0, 4
	addi	t1, t1, 4
	j	1b
2:	la	t1, _bss		# clear .bss
	la	t2, _ebss
3:	beq	t1, t2, 4f
	sw	zero, 0(t1)
	addi	t1, t1, 4
	j	3b
4:	la	t0, values
	lw	a0, 0(t0)
	lw	a1, 4(t0)
	add	a0, a0, a1
	lw	a1, 8(t0)
	add	a0, a0, a1
	lw	a1, 12(t0)
	add	a0, a0, a1
	li	t1, 0x40000000
	sw	a0, 0(t1)		# 0x11111111 + ... + 0x44444444 = 0xaaaaaaaa
	la	t0, counter
	lw	a0, 0(t0)
	sw	a0, 0(t1)		# 0: cleared
	lw	a0, 64(t0)
	sw	a0, 0(t1)		# past .bss: what SRAM held
	ebreak

	.section .data
values:
	.word	0x11111111, 0x22222222, 0x33333333, 0x44444444

	.section .bss
counter:
	.space	64
