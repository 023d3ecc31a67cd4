# SPDX-License-Identifier: MIT
#
# vusb's own Fomu firmware, for tests: what foboot does, in the way foboot
# does it, small enough to read. RV32I, built for the Fomu's ROM at 0 and
# run by `vusb-attach fomu --firmware fw.elf`:
#
#  - USB through ValentyUSB's epfifo interface (0xe0004800, IRQ 3), all of
#    it in the interrupt handler: enumerates as 1209:0001 "vusb" / "vusb
#    epfifo test firmware (...)" / serial "fw-0001", one configuration
#    with a DFU interface (class FE/01/02, 1024-byte blocks, will detach),
#    its product string two full packets long (a zero-length packet
#    follows). The address is set after SET_ADDRESS's status stage, as the
#    spec (and foboot) say.
#  - DFU: DNLOAD writes the image at flash 0x40000 + 1024 * block (64 KiB
#    erase on 64 KiB boundaries), GETSTATUS/GETSTATE/CLRSTATUS/ABORT,
#    manifestation into dfuMANIFEST-WAIT-RESET, and DETACH: the status
#    stage goes out, the pull-up drops, the core jumps to 0x20040000 with
#    interrupts off, as foboot's reboot does.
#  - Vendor requests (device recipient):
#      C0 01 INFO        24 bytes: "vusb", version 1, flash self-test
#                        (1 ok, 0xee failed), JEDEC ID (3), timer0 interrupts,
#                        wValue (2), vendor requests so far (4), USB
#                        interrupts (4), address, configuration, DFU state, 0
#      40 02 FLASH_WRITE wValue = page in the test area 0x1f0000 (0..255),
#                        1..256 bytes; page % 16 == 0 erases its 4 KiB first
#      C0 03 FLASH_READ  wValue = page, wLength <= 256: read over SPI
#      40 05 FORGET      acknowledged, then the address register goes back
#                        to 0: the device stops answering (a test of the
#                        host's side: no answer is an error, not a hang)
#      40 06 HANG        never answered: the status stage NAKs for ever
#                        (until the host gives up and sends a SETUP)
#    anything else stalls.
#  - At boot, with interrupts off: a flash self-test over SPI bit-bang
#    (PicoRV32 at 0xe0005000: 9F, 06, 20, 02, 05, 03) on 0x1ff000, timer0
#    armed for one interrupt 50 ms later (IRQ 1), the LED green, then blue
#    when the timer fires.
#  - Between interrupts: wfi.
#
# Build (tests/fomu/build.sh does it, and checks fw.elf is in step):
#   riscv64-unknown-elf-as -march=rv32i_zicsr -mabi=ilp32 -o fw.o fw.S
#   riscv64-unknown-elf-ld -m elf32lriscv -N --no-warn-rwx-segments -Ttext=0 \
#       -e _start -s -o fw.elf fw.o

	.equ	USB, 0xe0004800
	.equ	U_PULLUP, 0x00
	.equ	U_OUT_PEND, 0x08
	.equ	U_OUT_EN, 0x0c
	.equ	U_OUT_TOK, 0x10
	.equ	U_OUT_RESP, 0x14
	.equ	U_OUT_HEAD, 0x1c
	.equ	U_OUT_EMPTY, 0x20
	.equ	U_IN_PEND, 0x28
	.equ	U_IN_EN, 0x2c
	.equ	U_IN_RESP, 0x34
	.equ	U_IN_HEAD, 0x3c
	.equ	U_ADDRESS, 0xa4
	.equ	ACK, 0
	.equ	NAK, 1
	.equ	STALL, 3
	.equ	TOK_SETUP, 3

	.equ	TIMER, 0xe0002800
	.equ	T_EN, 0x20
	.equ	T_PEND, 0x3c
	.equ	T_EVEN, 0x40

	.equ	SPI, 0xe0005000
	.equ	S_CFG1, 0x00
	.equ	S_CFG2, 0x04
	.equ	S_CFG4, 0x0c
	.equ	S_STAT1, 0x10
	.equ	S_IDLE, 0x0c		# WP# and HOLD# high, CS# low, CLK low
	.equ	S_CLK, 0x10
	.equ	S_CSN, 0x20

	.equ	RGB, 0xe0006800

	.equ	IMAGE, 0x20040000	# where DETACH jumps
	.equ	IMAGE_OFF, 0x40000	# the image in the flash
	.equ	TEST_AREA, 0x1f0000	# FLASH_WRITE/READ pages
	.equ	SELFTEST, 0x1ff000

	# Variables: SRAM at gp, cleared at boot.
	.equ	RAM, 0x10000000
	.equ	V_SETUP, 0		# the last SETUP, 8 bytes
	.equ	V_TXPTR, 8		# IN data still to queue
	.equ	V_TXLEN, 12
	.equ	V_TXZLP, 16		# the reply is shorter than wLength
	.equ	V_TXMORE, 20		# packets left after the one queued
	.equ	V_RXPTR, 24		# OUT data still to come
	.equ	V_RXLEFT, 28
	.equ	V_RXREQ, 32		# 1 DNLOAD, 2 FLASH_WRITE
	.equ	V_SETADDR, 36		# 0x100 | address, set at the status stage
	.equ	V_DETACH, 40
	.equ	V_CONFIG, 44
	.equ	V_DFUSTATE, 48
	.equ	V_DFUSTATUS, 52
	.equ	V_VENDOR, 56
	.equ	V_USBIRQ, 60
	.equ	V_TIMER, 64
	.equ	V_SELFTEST, 68
	.equ	V_JEDEC, 72		# 3 bytes
	.equ	V_REPLY, 128		# 64 bytes
	.equ	V_PKT, 192		# a packet as read from the FIFO
	.equ	V_RXBUF, 384		# a DFU block, 1024 bytes
	.equ	V_SPIBUF, 1536		# 256 bytes
	.equ	V_END, 1792
	.equ	STACK_TOP, 0x10020000

	# DFU states and statuses
	.equ	DFU_IDLE, 2
	.equ	DFU_DNLOAD_IDLE, 5
	.equ	DFU_MANIFEST_SYNC, 6
	.equ	DFU_MANIFEST, 7
	.equ	DFU_WAIT_RESET, 8
	.equ	DFU_ERROR, 10
	.equ	ERR_STALLEDPKT, 0x0f
	.equ	ERR_ADDRESS, 0x08

	.section .text
	.globl	_start
_start:
	li	sp, STACK_TOP
	li	gp, RAM
	la	t0, trap
	csrw	mtvec, t0
	mv	t0, gp
	li	t1, RAM + V_END
1:	sw	zero, 0(t0)
	addi	t0, t0, 4
	bltu	t0, t1, 1b
	li	t0, DFU_IDLE
	sw	t0, V_DFUSTATE(gp)
	call	led_green
	call	flash_selftest
	call	timer_start
	call	usb_connect
	li	t0, (1 << 1) | (1 << 3)	# timer0 and USB
	csrw	0xbc0, t0
	li	t0, 0x800		# mie.MEIE
	csrs	mie, t0
	csrsi	mstatus, 8		# mstatus.MIE
idle:
	wfi
	j	idle

# --- interrupts ---------------------------------------------------------------

trap:
	addi	sp, sp, -80
	sw	ra, 0(sp)
	sw	t0, 4(sp)
	sw	t1, 8(sp)
	sw	t2, 12(sp)
	sw	t3, 16(sp)
	sw	t4, 20(sp)
	sw	t5, 24(sp)
	sw	t6, 28(sp)
	sw	a0, 32(sp)
	sw	a1, 36(sp)
	sw	a2, 40(sp)
	sw	a3, 44(sp)
	sw	a4, 48(sp)
	sw	a5, 52(sp)
	sw	a6, 56(sp)
	sw	a7, 60(sp)
	csrr	t0, mcause
	bltz	t0, 1f
2:	j	2b			# an exception: stop here, visibly
1:	csrr	t0, 0xfc0		# pending lines
	andi	t0, t0, 1 << 1
	beqz	t0, 3f
	call	timer_isr
3:	csrr	t0, 0xfc0
	andi	t0, t0, 1 << 3
	beqz	t0, 4f
	call	usb_isr
4:	lw	ra, 0(sp)
	lw	t0, 4(sp)
	lw	t1, 8(sp)
	lw	t2, 12(sp)
	lw	t3, 16(sp)
	lw	t4, 20(sp)
	lw	t5, 24(sp)
	lw	t6, 28(sp)
	lw	a0, 32(sp)
	lw	a1, 36(sp)
	lw	a2, 40(sp)
	lw	a3, 44(sp)
	lw	a4, 48(sp)
	lw	a5, 52(sp)
	lw	a6, 56(sp)
	lw	a7, 60(sp)
	addi	sp, sp, 80
	mret

timer_isr:
	li	t0, TIMER
	li	t1, 1
	sw	t1, T_PEND(t0)
	lw	t1, V_TIMER(gp)
	addi	t1, t1, 1
	sw	t1, V_TIMER(gp)
	j	led_blue

# 50 ms at 12 MHz, once: load 600000 (0x000927c0, most significant byte
# first), reload 0.
timer_start:
	li	t0, TIMER
	sw	zero, T_EN(t0)
	sw	zero, 0x00(t0)
	li	t1, 0x09
	sw	t1, 0x04(t0)
	li	t1, 0x27
	sw	t1, 0x08(t0)
	li	t1, 0xc0
	sw	t1, 0x0c(t0)
	sw	zero, 0x10(t0)
	sw	zero, 0x14(t0)
	sw	zero, 0x18(t0)
	sw	zero, 0x1c(t0)
	li	t1, 1
	sw	t1, T_PEND(t0)
	sw	t1, T_EVEN(t0)
	sw	t1, T_EN(t0)
	ret

# LED: the SB_LEDDA_IP's PWM registers 1, 2, 3 (red, green, blue)
led_set:				# a0 red, a1 green, a2 blue
	li	t0, RGB
	li	t1, 1
	sw	t1, 4(t0)
	sw	a0, 0(t0)
	li	t1, 2
	sw	t1, 4(t0)
	sw	a1, 0(t0)
	li	t1, 3
	sw	t1, 4(t0)
	sw	a2, 0(t0)
	li	t1, 0x06
	sw	t1, 8(t0)
	ret
led_green:
	li	a0, 0
	li	a1, 0xff
	li	a2, 0
	j	led_set
led_blue:
	li	a0, 0
	li	a1, 0
	li	a2, 0xff
	j	led_set
led_red:
	li	a0, 0xff
	li	a1, 0
	li	a2, 0
	j	led_set

# --- USB ------------------------------------------------------------------------

usb_connect:
	li	t0, USB
	sw	zero, U_ADDRESS(t0)
	li	t1, 3
	sw	t1, U_OUT_EN(t0)
	sw	t1, U_IN_EN(t0)
	sw	zero, U_OUT_RESP(t0)	# ACK
	li	t1, NAK
	sw	t1, U_IN_RESP(t0)
	li	t1, 1
	sw	t1, U_PULLUP(t0)
	li	t1, 3			# what was held while off
	sw	t1, U_OUT_PEND(t0)
	sw	t1, U_IN_PEND(t0)
	ret

usb_isr:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	lw	t0, V_USBIRQ(gp)
	addi	t0, t0, 1
	sw	t0, V_USBIRQ(gp)
	li	t0, USB
	lw	t1, U_OUT_PEND(t0)
	beqz	t1, 1f
	call	ep0_out_event
1:	li	t0, USB
	lw	t1, U_IN_PEND(t0)
	beqz	t1, 2f
	call	ep0_in_event
2:	lw	ra, 0(sp)
	addi	sp, sp, 16
	ret

# A SETUP or OUT packet: drain the FIFO (data and CRC16), clear the event.
ep0_out_event:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	li	t0, USB
	lw	a5, U_OUT_TOK(t0)
	addi	a1, gp, V_PKT
	li	a2, 0
1:	lw	t1, U_OUT_EMPTY(t0)
	bnez	t1, 2f
	lw	t1, U_OUT_HEAD(t0)
	sw	zero, U_OUT_HEAD(t0)	# pop
	li	t2, 96
	bgeu	a2, t2, 3f
	add	t2, a1, a2
	sb	t1, 0(t2)
3:	addi	a2, a2, 1
	j	1b
2:	li	t1, 2
	sw	t1, U_OUT_PEND(t0)
	addi	a2, a2, -2		# the CRC16
	bgez	a2, 4f
	li	a2, 0
4:	li	t1, TOK_SETUP
	beq	a5, t1, 5f
	# OUT data: part of a request's data stage, or a read's status stage
	# (respond stays ACK: the next packet comes once the event is clear)
	lw	t1, V_RXLEFT(gp)
	beqz	t1, 10f
	bleu	a2, t1, 6f
	mv	a2, t1
6:	sub	t1, t1, a2
	sw	t1, V_RXLEFT(gp)
	lw	t2, V_RXPTR(gp)
	add	t3, t2, a2
	sw	t3, V_RXPTR(gp)
7:	beqz	a2, 9f
	lbu	t3, 0(a1)
	sb	t3, 0(t2)
	addi	a1, a1, 1
	addi	t2, t2, 1
	addi	a2, a2, -1
	j	7b
9:	lw	t1, V_RXLEFT(gp)
	bnez	t1, 10f
	call	out_request
10:	lw	ra, 0(sp)
	addi	sp, sp, 16
	ret
5:	# SETUP: keep its 8 bytes. It ends whatever came before: an IN
	# event of the last transfer not handled yet is stale now.
	li	t1, 2
	sw	t1, U_IN_PEND(t0)
	lw	t1, V_PKT(gp)
	sw	t1, V_SETUP(gp)
	lw	t1, V_PKT + 4(gp)
	sw	t1, V_SETUP + 4(gp)
	call	handle_setup
	j	10b

# An IN packet went: the next one, or what the status stage finishes.
ep0_in_event:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	li	t0, USB
	li	t1, NAK			# before the event clears: no stale ACK
	sw	t1, U_IN_RESP(t0)
	li	t1, 2
	sw	t1, U_IN_PEND(t0)
	lw	t1, V_TXMORE(gp)
	beqz	t1, 1f
	call	send_chunk
	j	9f
1:	lw	t1, V_SETADDR(gp)
	beqz	t1, 2f
	andi	t1, t1, 0x7f
	sw	t1, U_ADDRESS(t0)
	sw	zero, V_SETADDR(gp)
2:	lw	t1, V_DETACH(gp)
	beqz	t1, 9f
	# DETACH's status stage is out: leave the bus, boot the image
	sw	zero, U_PULLUP(t0)
	csrw	0xbc0, zero
	csrw	mie, zero
	call	led_red
	li	t0, IMAGE
	csrw	mepc, t0
	li	t0, 0x80		# MPIE: interrupts stay off after mret
	csrc	mstatus, t0
	mret
9:	lw	ra, 0(sp)
	addi	sp, sp, 16
	ret

status_in:				# a zero-length IN for the status stage
	li	t0, USB
	sw	zero, U_IN_RESP(t0)
	ret

stall:
	li	t0, USB
	li	t1, STALL
	sw	t1, U_OUT_RESP(t0)
	sw	t1, U_IN_RESP(t0)
	ret

# Reply a0[0..a1) to the current IN request: at most wLength, in packets
# of 64, and a zero-length one after a full last packet that is short of
# wLength.
send_reply:
	li	t0, USB
	sw	zero, U_OUT_RESP(t0)	# ACK the status stage's OUT, when it comes
	lhu	t0, V_SETUP + 6(gp)
	bleu	a1, t0, 1f
	mv	a1, t0
1:	sltu	t1, a1, t0
	sw	t1, V_TXZLP(gp)
	sw	a0, V_TXPTR(gp)
	sw	a1, V_TXLEN(gp)
	# fall through
send_chunk:
	lw	a0, V_TXPTR(gp)
	lw	a1, V_TXLEN(gp)
	li	t2, 64
	mv	t3, a1
	bleu	t3, t2, 1f
	mv	t3, t2
1:	li	t0, USB
	add	t4, a0, t3
	sw	t4, V_TXPTR(gp)
	sub	t5, a1, t3
	sw	t5, V_TXLEN(gp)
2:	beq	a0, t4, 3f
	lbu	t1, 0(a0)
	sw	t1, U_IN_HEAD(t0)
	addi	a0, a0, 1
	j	2b
3:	# more after this one: data left, or this one is full and a ZLP is due
	snez	t1, t5
	bnez	t1, 4f
	bne	t3, t2, 4f
	lw	t1, V_TXZLP(gp)
4:	sw	t1, V_TXMORE(gp)
	sw	zero, U_IN_RESP(t0)	# ACK: the packet goes
	ret

# --- control requests -------------------------------------------------------------

handle_setup:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	sw	zero, V_TXLEN(gp)
	sw	zero, V_TXMORE(gp)
	sw	zero, V_RXLEFT(gp)
	# The SETUP left both directions NAKing: each answer below says ACK
	# (or STALL) only once it is decided, or a fast host's next packet
	# would be taken before the firmware knows what to do with it.
	lbu	a0, V_SETUP + 0(gp)	# bmRequestType
	lbu	a1, V_SETUP + 1(gp)	# bRequest
	lhu	a2, V_SETUP + 2(gp)	# wValue
	lhu	a3, V_SETUP + 4(gp)	# wIndex
	lhu	a4, V_SETUP + 6(gp)	# wLength
	li	t0, 0x80
	beq	a0, t0, std_dev_in
	li	t0, 0x00
	beq	a0, t0, std_dev_out
	li	t0, 0x81
	beq	a0, t0, std_intf_in
	li	t0, 0x01
	beq	a0, t0, std_intf_out
	li	t0, 0x82
	beq	a0, t0, get_status
	li	t0, 0x02
	beq	a0, t0, ack
	li	t0, 0x21
	beq	a0, t0, dfu_out
	li	t0, 0xa1
	beq	a0, t0, dfu_in
	li	t0, 0x40
	beq	a0, t0, vendor_out
	li	t0, 0xc0
	beq	a0, t0, vendor_in
do_stall:
	call	stall
setup_done:
	lw	ra, 0(sp)
	addi	sp, sp, 16
	ret
ack:
	call	status_in
	j	setup_done

std_dev_in:
	li	t0, 6
	beq	a1, t0, get_descriptor
	li	t0, 8
	beq	a1, t0, get_config
	beqz	a1, get_status
	j	do_stall
std_dev_out:
	li	t0, 5
	beq	a1, t0, set_address
	li	t0, 9
	beq	a1, t0, set_config
	li	t0, 1			# CLEAR_FEATURE
	beq	a1, t0, ack
	li	t0, 3			# SET_FEATURE
	beq	a1, t0, ack
	j	do_stall
std_intf_in:
	beqz	a1, get_status
	li	t0, 10			# GET_INTERFACE
	bne	a1, t0, do_stall
	bnez	a3, do_stall
	addi	a0, gp, V_REPLY
	sb	zero, 0(a0)
	li	a1, 1
	j	reply
std_intf_out:
	li	t0, 11			# SET_INTERFACE: only 0/0; clears DFU's status
	bne	a1, t0, do_stall
	or	t0, a2, a3
	bnez	t0, do_stall
	li	t0, DFU_IDLE
	sw	t0, V_DFUSTATE(gp)
	sw	zero, V_DFUSTATUS(gp)
	j	ack

get_status:
	addi	a0, gp, V_REPLY
	sw	zero, 0(a0)
	li	a1, 2
reply:
	call	send_reply
	j	setup_done

get_config:
	addi	a0, gp, V_REPLY
	lw	t0, V_CONFIG(gp)
	sb	t0, 0(a0)
	li	a1, 1
	j	reply

set_address:
	andi	t0, a2, 0x7f
	ori	t0, t0, 0x100		# taken when the status stage is out
	sw	t0, V_SETADDR(gp)
	j	ack

set_config:
	li	t0, 1
	bgtu	a2, t0, do_stall
	sw	a2, V_CONFIG(gp)
	j	ack

get_descriptor:
	la	t0, descriptors
1:	lw	t1, 0(t0)
	beqz	t1, do_stall		# the end: not ours (qualifier, BOS, ...)
	beq	t1, a2, 2f
	addi	t0, t0, 8
	j	1b
2:	lw	a0, 4(t0)
	lbu	a1, 0(a0)		# bLength ...
	srli	t1, a2, 8
	li	t2, 2
	bne	t1, t2, reply
	lhu	a1, 2(a0)		# ... or a configuration's wTotalLength
	j	reply

# DFU, interface 0
dfu_out:
	bnez	a3, do_stall
	beqz	a1, dfu_detach
	li	t0, 1
	beq	a1, t0, dfu_dnload
	li	t0, 4
	beq	a1, t0, dfu_clear
	li	t0, 6
	beq	a1, t0, dfu_clear	# ABORT
	j	do_stall
dfu_in:
	bnez	a3, do_stall
	li	t0, 3
	beq	a1, t0, dfu_getstatus
	li	t0, 5
	beq	a1, t0, dfu_getstate
	j	do_stall		# UPLOAD and the rest

dfu_detach:
	li	t0, 1
	sw	t0, V_DETACH(gp)
	j	ack

dfu_clear:
	li	t0, DFU_IDLE
	sw	t0, V_DFUSTATE(gp)
	sw	zero, V_DFUSTATUS(gp)
	j	ack

dfu_dnload:
	lw	t0, V_DFUSTATE(gp)
	li	t1, DFU_IDLE
	beq	t0, t1, 1f
	li	t1, DFU_DNLOAD_IDLE
	beq	t0, t1, 1f
	li	a0, ERR_STALLEDPKT
	j	dfu_fail
1:	bnez	a4, 2f
	li	t0, DFU_MANIFEST_SYNC	# the end of the image
	sw	t0, V_DFUSTATE(gp)
	j	ack
2:	li	t0, 1024
	bleu	a4, t0, 3f
	li	a0, ERR_ADDRESS
	j	dfu_fail
3:	li	t0, 1			# DNLOAD's data comes in OUT packets
	j	expect_out

dfu_fail:
	sw	a0, V_DFUSTATUS(gp)
	li	t0, DFU_ERROR
	sw	t0, V_DFUSTATE(gp)
	j	do_stall

dfu_getstatus:
	lw	t0, V_DFUSTATE(gp)
	li	t2, 0			# bwPollTimeout: the work is done already
	li	t1, DFU_MANIFEST_SYNC
	bne	t0, t1, 1f
	li	t0, DFU_MANIFEST
	li	t2, 1
	j	2f
1:	li	t1, DFU_MANIFEST
	bne	t0, t1, 2f
	li	t0, DFU_WAIT_RESET
2:	sw	t0, V_DFUSTATE(gp)
	addi	a0, gp, V_REPLY
	lw	t1, V_DFUSTATUS(gp)
	sb	t1, 0(a0)
	sb	t2, 1(a0)
	sb	zero, 2(a0)
	sb	zero, 3(a0)
	sb	t0, 4(a0)
	sb	zero, 5(a0)
	li	a1, 6
	j	reply

dfu_getstate:
	addi	a0, gp, V_REPLY
	lw	t0, V_DFUSTATE(gp)
	sb	t0, 0(a0)
	li	a1, 1
	j	reply

# The data stage brings wLength bytes to V_RXBUF; out_request runs when
# they are all there. t0: which request.
expect_out:
	sw	t0, V_RXREQ(gp)
	addi	t0, gp, V_RXBUF
	sw	t0, V_RXPTR(gp)
	sw	a4, V_RXLEFT(gp)
	li	t0, USB
	sw	zero, U_OUT_RESP(t0)	# ACK: the data may come
	j	setup_done

vendor_out:
	lw	t0, V_VENDOR(gp)
	addi	t0, t0, 1
	sw	t0, V_VENDOR(gp)
	li	t0, 5			# FORGET: address 0 once the status is out
	bne	a1, t0, 1f
	li	t0, 0x100
	sw	t0, V_SETADDR(gp)
	j	ack
1:	li	t0, 6			# HANG: no answer at all
	beq	a1, t0, setup_done
	li	t0, 2			# FLASH_WRITE
	bne	a1, t0, do_stall
	li	t0, 256
	bgeu	a2, t0, do_stall	# page
	beqz	a4, do_stall
	bgtu	a4, t0, do_stall	# bytes
	li	t0, 2
	j	expect_out

vendor_in:
	lw	t0, V_VENDOR(gp)
	addi	t0, t0, 1
	sw	t0, V_VENDOR(gp)
	li	t0, 1
	beq	a1, t0, vendor_info
	li	t0, 3
	beq	a1, t0, vendor_flash_read
	j	do_stall

vendor_info:
	addi	a0, gp, V_REPLY
	li	t0, 0x62737576		# "vusb"
	sw	t0, 0(a0)
	li	t0, 1
	sb	t0, 4(a0)
	lw	t0, V_SELFTEST(gp)
	sb	t0, 5(a0)
	lbu	t0, V_JEDEC + 0(gp)
	sb	t0, 6(a0)
	lbu	t0, V_JEDEC + 1(gp)
	sb	t0, 7(a0)
	lbu	t0, V_JEDEC + 2(gp)
	sb	t0, 8(a0)
	lw	t0, V_TIMER(gp)
	sb	t0, 9(a0)
	sb	a2, 10(a0)
	srli	t0, a2, 8
	sb	t0, 11(a0)
	lw	t0, V_VENDOR(gp)
	sw	t0, 12(a0)
	lw	t0, V_USBIRQ(gp)
	sw	t0, 16(a0)
	li	t1, USB
	lw	t0, U_ADDRESS(t1)
	sb	t0, 20(a0)
	lw	t0, V_CONFIG(gp)
	sb	t0, 21(a0)
	lw	t0, V_DFUSTATE(gp)
	sb	t0, 22(a0)
	sb	zero, 23(a0)
	li	a1, 24
	j	reply

vendor_flash_read:
	li	t0, 256
	bgeu	a2, t0, do_stall
	bgtu	a4, t0, do_stall
	slli	a0, a2, 8
	li	t0, TEST_AREA
	add	a0, a0, t0
	addi	a1, gp, V_SPIBUF
	mv	a2, a4
	call	flash_read
	call	spi_done
	addi	a0, gp, V_SPIBUF
	lhu	a1, V_SETUP + 6(gp)
	j	reply

# All of an OUT request's data is in: act, then the status stage (or a
# STALL there).
out_request:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	sw	s0, 4(sp)
	sw	s1, 8(sp)
	sw	s2, 12(sp)
	lhu	s1, V_SETUP + 2(gp)	# wValue
	lhu	s2, V_SETUP + 6(gp)	# wLength
	lw	t0, V_RXREQ(gp)
	li	t1, 1
	beq	t0, t1, dnload_block
	# FLASH_WRITE: page s1 of the test area; a 4 KiB boundary erases
	slli	s0, s1, 8
	li	t0, TEST_AREA
	add	s0, s0, t0
	andi	t0, s1, 15
	bnez	t0, 1f
	mv	a0, s0
	li	a1, 0x20
	call	flash_erase
1:	mv	a0, s0
	addi	a1, gp, V_RXBUF
	mv	a2, s2
	call	flash_program
	j	out_ok

dnload_block:				# block s1 at IMAGE_OFF + 1024 * s1
	slli	s0, s1, 10
	li	t0, IMAGE_OFF
	add	s0, s0, t0
	li	t0, TEST_AREA
	add	t1, s0, s2
	bleu	t1, t0, 1f
	li	t0, ERR_ADDRESS
	sw	t0, V_DFUSTATUS(gp)
	li	t0, DFU_ERROR
	sw	t0, V_DFUSTATE(gp)
	call	stall
	j	out_end
1:	li	t0, 0xffff
	and	t0, t0, s0
	bnez	t0, 2f
	mv	a0, s0
	li	a1, 0xd8		# 64 KiB
	call	flash_erase
2:	addi	s1, gp, V_RXBUF		# from now on: the next byte to write
3:	beqz	s2, 4f
	li	a2, 256
	bleu	a2, s2, 5f
	mv	a2, s2
5:	sub	s2, s2, a2
	mv	a0, s0
	mv	a1, s1
	add	s0, s0, a2
	add	s1, s1, a2
	call	flash_program
	j	3b
4:	li	t0, DFU_DNLOAD_IDLE
	sw	t0, V_DFUSTATE(gp)
out_ok:
	call	spi_done
	call	status_in
out_end:
	lw	ra, 0(sp)
	lw	s0, 4(sp)
	lw	s1, 8(sp)
	lw	s2, 12(sp)
	addi	sp, sp, 16
	ret

# --- SPI flash, bit-banged --------------------------------------------------------

spi_begin:
	li	t0, SPI
	sw	zero, S_CFG4(t0)	# bit-bang mode
	li	t1, 0x0d		# io0 (MOSI), io2 (WP#), io3 (HOLD#) driven
	sw	t1, S_CFG2(t0)
	li	t1, S_IDLE
	sw	t1, S_CFG1(t0)		# CS# low
	ret

spi_end:
	li	t0, SPI
	li	t1, S_IDLE | S_CSN
	sw	t1, S_CFG1(t0)
	ret

spi_done:				# back to memory-mapped reads
	li	t0, SPI
	li	t1, 0x80
	sw	t1, S_CFG4(t0)
	ret

# a0: the byte out, MSB first; returns the byte in. MOSI, clock up, sample
# MISO (stat1 bit 1), clock down: foboot's spiXfer.
spi_xfer:
	li	t0, SPI
	li	t3, 8
	li	t4, 0
1:	srli	t1, a0, 7
	andi	t1, t1, 1
	ori	t2, t1, S_IDLE
	sw	t2, S_CFG1(t0)
	ori	t2, t1, S_IDLE | S_CLK
	sw	t2, S_CFG1(t0)
	lw	t2, S_STAT1(t0)
	srli	t2, t2, 1
	andi	t2, t2, 1
	slli	t4, t4, 1
	or	t4, t4, t2
	ori	t2, t1, S_IDLE
	sw	t2, S_CFG1(t0)
	slli	a0, a0, 1
	addi	t3, t3, -1
	bnez	t3, 1b
	mv	a0, t4
	ret

# a0: command, a1: 24-bit address. CS# stays low.
spi_cmd_addr:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	sw	a1, 4(sp)
	call	spi_begin
	call	spi_xfer
	lw	a0, 4(sp)
	srli	a0, a0, 16
	call	spi_xfer
	lw	a0, 4(sp)
	srli	a0, a0, 8
	call	spi_xfer
	lw	a0, 4(sp)
	call	spi_xfer
	lw	ra, 0(sp)
	addi	sp, sp, 16
	ret

flash_wren:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	call	spi_begin
	li	a0, 0x06
	call	spi_xfer
	call	spi_end
	lw	ra, 0(sp)
	addi	sp, sp, 16
	ret

# Poll status 1 in one command until BUSY clears.
flash_wait:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	call	spi_begin
	li	a0, 0x05
	call	spi_xfer
1:	li	a0, 0xff
	call	spi_xfer
	andi	a0, a0, 1
	bnez	a0, 1b
	call	spi_end
	lw	ra, 0(sp)
	addi	sp, sp, 16
	ret

flash_erase:				# a0: address, a1: 0x20 4 KiB, 0xd8 64 KiB
	addi	sp, sp, -16
	sw	ra, 0(sp)
	sw	a0, 4(sp)
	sw	a1, 8(sp)
	call	flash_wren
	lw	a0, 8(sp)
	lw	a1, 4(sp)
	call	spi_cmd_addr
	call	spi_end
	call	flash_wait
	lw	ra, 0(sp)
	addi	sp, sp, 16
	ret

flash_program:				# a0: address, a1: bytes, a2: count <= 256
	addi	sp, sp, -16
	sw	ra, 0(sp)
	sw	s0, 4(sp)
	sw	s1, 8(sp)
	sw	a0, 12(sp)
	mv	s0, a1
	add	s1, a1, a2
	call	flash_wren
	li	a0, 0x02
	lw	a1, 12(sp)
	call	spi_cmd_addr
1:	beq	s0, s1, 2f
	lbu	a0, 0(s0)
	call	spi_xfer
	addi	s0, s0, 1
	j	1b
2:	call	spi_end
	call	flash_wait
	lw	ra, 0(sp)
	lw	s0, 4(sp)
	lw	s1, 8(sp)
	addi	sp, sp, 16
	ret

flash_read:				# a0: address, a1: buffer, a2: count
	addi	sp, sp, -16
	sw	ra, 0(sp)
	sw	s0, 4(sp)
	sw	s1, 8(sp)
	mv	s0, a1
	add	s1, a1, a2
	mv	a1, a0
	li	a0, 0x03
	call	spi_cmd_addr
1:	beq	s0, s1, 2f
	li	a0, 0xff
	call	spi_xfer
	sb	a0, 0(s0)
	addi	s0, s0, 1
	j	1b
2:	call	spi_end
	lw	ra, 0(sp)
	lw	s0, 4(sp)
	lw	s1, 8(sp)
	addi	sp, sp, 16
	ret

# At boot: the JEDEC ID, then erase, program and read back a page.
flash_selftest:
	addi	sp, sp, -16
	sw	ra, 0(sp)
	sw	s0, 4(sp)
	call	spi_begin
	li	a0, 0x9f
	call	spi_xfer
	li	a0, 0xff
	call	spi_xfer
	sb	a0, V_JEDEC + 0(gp)
	li	a0, 0xff
	call	spi_xfer
	sb	a0, V_JEDEC + 1(gp)
	li	a0, 0xff
	call	spi_xfer
	sb	a0, V_JEDEC + 2(gp)
	call	spi_end
	li	a0, SELFTEST
	li	a1, 0x20
	call	flash_erase
	addi	t0, gp, V_SPIBUF	# the pattern: i ^ 0x5a
	li	t1, 0
1:	xori	t2, t1, 0x5a
	add	t3, t0, t1
	sb	t2, 0(t3)
	addi	t1, t1, 1
	li	t2, 256
	bltu	t1, t2, 1b
	li	a0, SELFTEST
	addi	a1, gp, V_SPIBUF
	li	a2, 256
	call	flash_program
	li	a0, SELFTEST
	addi	a1, gp, V_RXBUF
	li	a2, 256
	call	flash_read
	call	spi_done
	addi	t0, gp, V_SPIBUF
	addi	t1, gp, V_RXBUF
	li	t2, 256
	li	s0, 1
2:	lbu	t3, 0(t0)
	lbu	t4, 0(t1)
	beq	t3, t4, 3f
	li	s0, 0xee
3:	addi	t0, t0, 1
	addi	t1, t1, 1
	addi	t2, t2, -1
	bnez	t2, 2b
	# and through the memory-mapped window, as the core reads code
	li	t0, 0x20000000 + SELFTEST
	lw	t1, 0(t0)
	lw	t2, V_SPIBUF(gp)
	beq	t1, t2, 4f
	li	s0, 0xee
4:	sw	s0, V_SELFTEST(gp)
	lw	ra, 0(sp)
	lw	s0, 4(sp)
	addi	sp, sp, 16
	ret

# --- descriptors -----------------------------------------------------------------

	.p2align 2
descriptors:				# wValue, address; 0 ends
	.word	0x0100, dev_desc
	.word	0x0200, cfg_desc
	.word	0x0300, str_lang
	.word	0x0301, str_mfr
	.word	0x0302, str_product
	.word	0x0303, str_serial
	.word	0x0304, str_dfu
	.word	0, 0

dev_desc:
	.byte	18, 1, 0x00, 0x02	# bcdUSB 2.00
	.byte	0, 0, 0, 64		# class in the interface; bMaxPacketSize0
	.byte	0x09, 0x12, 0x01, 0x00	# 1209:0001
	.byte	0x00, 0x01		# bcdDevice 1.00
	.byte	1, 2, 3, 1
cfg_desc:
	.byte	9, 2, 27, 0, 1, 1, 0, 0x80, 50
	.byte	9, 4, 0, 0, 0, 0xfe, 0x01, 0x02, 4	# DFU mode, iInterface 4
	# DFU functional: download, manifestation tolerant, will detach;
	# detach timeout 1000 ms, 1024-byte blocks, DFU 1.1
	.byte	9, 0x21, 0x0d, 0xe8, 0x03, 0x00, 0x04, 0x01, 0x01
str_lang:
	.byte	4, 3, 0x09, 0x04
str_mfr:				# "vusb", 10 bytes
	.byte	0x0a, 0x03, 0x76, 0x00, 0x75, 0x00, 0x73, 0x00, 0x62, 0x00
str_product:				# two full packets: a ZLP follows, 128 bytes
	.byte	0x80, 0x03, 0x76, 0x00, 0x75, 0x00, 0x73, 0x00, 0x62, 0x00, 0x20, 0x00
	.byte	0x65, 0x00, 0x70, 0x00, 0x66, 0x00, 0x69, 0x00, 0x66, 0x00, 0x6f, 0x00
	.byte	0x20, 0x00, 0x74, 0x00, 0x65, 0x00, 0x73, 0x00, 0x74, 0x00, 0x20, 0x00
	.byte	0x66, 0x00, 0x69, 0x00, 0x72, 0x00, 0x6d, 0x00, 0x77, 0x00, 0x61, 0x00
	.byte	0x72, 0x00, 0x65, 0x00, 0x20, 0x00, 0x28, 0x00, 0x72, 0x00, 0x76, 0x00
	.byte	0x33, 0x00, 0x32, 0x00, 0x69, 0x00, 0x2c, 0x00, 0x20, 0x00, 0x56, 0x00
	.byte	0x61, 0x00, 0x6c, 0x00, 0x65, 0x00, 0x6e, 0x00, 0x74, 0x00, 0x79, 0x00
	.byte	0x55, 0x00, 0x53, 0x00, 0x42, 0x00, 0x20, 0x00, 0x65, 0x00, 0x70, 0x00
	.byte	0x66, 0x00, 0x69, 0x00, 0x66, 0x00, 0x6f, 0x00, 0x2c, 0x00, 0x20, 0x00
	.byte	0x53, 0x00, 0x50, 0x00, 0x49, 0x00, 0x20, 0x00, 0x66, 0x00, 0x6c, 0x00
	.byte	0x61, 0x00, 0x73, 0x00, 0x68, 0x00, 0x29, 0x00
str_serial:				# "fw-0001", 16 bytes
	.byte	0x10, 0x03, 0x66, 0x00, 0x77, 0x00, 0x2d, 0x00, 0x30, 0x00, 0x30, 0x00
	.byte	0x30, 0x00, 0x31, 0x00
str_dfu:				# "vusb test DFU", 28 bytes
	.byte	0x1c, 0x03, 0x76, 0x00, 0x75, 0x00, 0x73, 0x00, 0x62, 0x00, 0x20, 0x00
	.byte	0x74, 0x00, 0x65, 0x00, 0x73, 0x00, 0x74, 0x00, 0x20, 0x00, 0x44, 0x00
	.byte	0x46, 0x00, 0x55, 0x00
