#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Rebuild the Fomu test images from their sources with Debian's
# binutils-riscv64-unknown-elf, and the copies embedded in the VM test:
#
#   tests/fomu/build.sh          write tests/fomu/*.bin and update
#                                tests/vm/t-30-fomu.sh
#   tests/fomu/build.sh --check  only compare (exit 1 if they differ)
#
# For each NAME.S:
#   riscv64-unknown-elf-as -march=rv32im -mabi=ilp32 -o NAME.o NAME.S
#   riscv64-unknown-elf-ld -m elf32lriscv -Ttext=0x20040000 -o NAME.elf NAME.o
#   riscv64-unknown-elf-objcopy -O binary NAME.elf NAME.bin
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
for src in demo.S demo2.S; do
	n=${src%.S}
	"${P}as" -march=rv32im -mabi=ilp32 -o "$tmp/$n.o" "$src"
	"${P}ld" -m elf32lriscv -Ttext=0x20040000 -o "$tmp/$n.elf" "$tmp/$n.o"
	"${P}objcopy" -O binary "$tmp/$n.elf" "$tmp/$n.bin"
	if [ $check -eq 1 ]; then
		cmp -s "$tmp/$n.bin" "$n.bin" || {
			echo "build.sh: $n.bin is not what $src assembles to" >&2
			status=1
		}
	else
		cp "$tmp/$n.bin" "$n.bin"
	fi
done

# The VM sees only tests/vm: t-30-fomu.sh carries the images as base64
# between "# BEGIN NAME.bin" and "# END NAME.bin".
vm=../vm/t-30-fomu.sh
[ -f "$vm" ] || exit $status
awk -v dir="$tmp" -v check=$check '
	/^# BEGIN [a-z0-9]+\.bin$/ {
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
		echo "build.sh: the images in $vm are out of date" >&2
		status=1
	}
else
	cat "$tmp/vm.sh" >"$vm"
fi
exit $status
