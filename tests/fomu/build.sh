#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Rebuild the Fomu test images and firmware from their sources with
# Debian's binutils-riscv64-unknown-elf, and the copies embedded in the VM
# tests:
#
#   tests/fomu/build.sh          write tests/fomu/*.bin, fw.elf and update
#                                tests/vm/t-30-fomu.sh and t-31-firmware.sh
#   tests/fomu/build.sh --check  only compare (exit 1 if they differ)
#
# For each image NAME.S (run from the flash, position independent):
#   riscv64-unknown-elf-as -march=rv32im -mabi=ilp32 -o NAME.o NAME.S
#   riscv64-unknown-elf-ld -m elf32lriscv -Ttext=0x20040000 -o NAME.elf NAME.o
#   riscv64-unknown-elf-objcopy -O binary NAME.elf NAME.bin
# For the firmware fw.S (the SoC's ROM at 0; zicsr is separate from rv32i
# in binutils 2.40):
#   riscv64-unknown-elf-as -march=rv32i_zicsr -mabi=ilp32 -o fw.o fw.S
#   riscv64-unknown-elf-ld -m elf32lriscv -N --no-warn-rwx-segments -Ttext=0 \
#       -e _start -s -o fw.elf fw.o
# For data.S, laid out as foboot is (.data's image in ROM, run in SRAM):
#   riscv64-unknown-elf-as -march=rv32i_zicsr -mabi=ilp32 -o data.o data.S
#   riscv64-unknown-elf-ld -m elf32lriscv -T data.ld -s -o data.elf data.o
set -eu
cd "$(dirname "$0")"
check=0
[ "${1:-}" = --check ] && check=1
P=riscv64-unknown-elf-
for t in as ld objcopy; do
	command -v "$P$t" >/dev/null || {
		echo "build.sh: $P$t not found: apt-get install binutils-riscv64-unknown-elf" >&2
		exit 2
	}
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
compare() { # built, committed
	if [ $check -eq 1 ]; then
		cmp -s "$1" "$2" || {
			echo "build.sh: $2 is not what its source builds to" >&2
			status=1
		}
	else
		cp "$1" "$2"
	fi
}
for src in demo.S demo2.S; do
	n=${src%.S}
	"${P}as" -march=rv32im -mabi=ilp32 -o "$tmp/$n.o" "$src"
	"${P}ld" -m elf32lriscv -Ttext=0x20040000 -o "$tmp/$n.elf" "$tmp/$n.o"
	"${P}objcopy" -O binary "$tmp/$n.elf" "$tmp/$n.bin"
	compare "$tmp/$n.bin" "$n.bin"
done
"${P}as" -march=rv32i_zicsr -mabi=ilp32 -o "$tmp/fw.o" fw.S
"${P}ld" -m elf32lriscv -N --no-warn-rwx-segments -Ttext=0 -e _start -s -o "$tmp/fw.elf" "$tmp/fw.o"
compare "$tmp/fw.elf" fw.elf
"${P}as" -march=rv32i_zicsr -mabi=ilp32 -o "$tmp/data.o" data.S
"${P}ld" -m elf32lriscv -T data.ld -s -o "$tmp/data.elf" "$tmp/data.o"
compare "$tmp/data.elf" data.elf

# The VM sees only tests/vm: its scripts carry the files as base64
# between "# BEGIN NAME" and "# END NAME".
for vm in ../vm/t-30-fomu.sh ../vm/t-31-firmware.sh ../vm/t-32-foboot.sh ../vm/t-33-foboot-listen.sh ../vm/t-34-foboot-compare.sh; do
	[ -f "$vm" ] || continue
	awk -v dir="$tmp" -v check=$check '
		/^# BEGIN [a-z0-9]+\.(bin|elf)$/ {
			print
			name = $3
			cmd = "base64 -w 76 " (check ? dir "/" : "") name
			while ((cmd | getline line) > 0)
				print line
			close(cmd)
			skip = 1
			next
		}
		/^# END / { skip = 0 }
		!skip { print }
	' "$vm" >"$tmp/vm.sh"
	if [ $check -eq 1 ]; then
		cmp -s "$tmp/vm.sh" "$vm" || {
			echo "build.sh: the files in $vm are out of date" >&2
			status=1
		}
	else
		cat "$tmp/vm.sh" >"$vm"
	fi
done
exit $status
