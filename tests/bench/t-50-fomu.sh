#!/bin/sh
# make bench, Fomu: a 100 KiB dfu-util -D into the built-in Fomu model and
# into the emulated Fomu running the real bootloader, foboot v1.9 and
# v2.0.4 (release ELFs from ../shared/firmware, run at the default 12 MHz),
# one after the other in this boot: the wall time of each download, the CPU
# time vusb-attach took for it, and for the real firmware the instructions
# the core executed and their rate (millions per second of wall time), as
#
#   bench: fomu.download_100k.COLUMN_ms     builtin, foboot_v1_9, foboot_v2_0_4,
#                                           foboot_v1_9_unpaced
#   bench: fomu.cpu_100k.COLUMN_ms
#   bench: fomu.insns_100k.COLUMN_minsns
#   bench: fomu.core.COLUMN_mips
#
# foboot v1.9 programs the flash by bit-banging SPI (some 65 million
# instructions for 100 KiB); v2.0.4 through LiteX's SPI core. dfu-util
# exits 74 after "Done!" with foboot (it reboots into the image; see
# tests/vm/t-32-foboot.sh): a download counts when "Download done." is
# printed and the bytes are in the flash file.
#
# At 12 MHz v1.9's 65-75 million instructions are 5.5-6 s of the board's
# own time, whatever the emulator: foboot_v1_9_unpaced runs it again
# with --ips max, as fast as the core goes, which is what the
# emulator's speed decides.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dfu-util md5sum dd base64 lsusb timeout
unset VUSB_WIRE_DIR
T=$((120 * VM_SLOW))
FWDIR=/vusb/firmware

bench() {
	echo "bench: $*"
}
ticks() { # utime + stime of $VA, in 1/100 s
	awk '{ print $14 + $15 }' /proc/$VA/stat
}
insns() {
	vusbctl list | sed -n 's/.* insns=\([0-9]*\).*/\1/p'
}
# the 100 KiB image: tests/fomu/demo.bin (ours), then random bytes
echo NwECEDcFAECTBRAAIyC1AJOFFQC3IgkAk4ICfJOC8v/jngL+b/Cf/g== | base64 -d >/tmp/demo.bin
{ cat /tmp/demo.bin; head -c $((102400 - $(wc -c </tmp/demo.bin))) /dev/urandom; } >/tmp/100k.bin
want=$(md5sum </tmp/100k.bin | cut -d' ' -f1)

# one COLUMN [vusb-attach fomu options]
one() {
	_col=$1
	shift
	rm -f /tmp/f.flash
	vusb-attach --no-stdin fomu --flash /tmp/f.flash "$@" >/tmp/f.out 2>/tmp/f.err &
	VA=$!
	if ! wait_for $((30 * VM_SLOW)) grep -q '^fomu0: ready' /tmp/f.out; then
		fail "$_col: ready" "$(cat /tmp/f.out; tail -n 20 /tmp/f.err)"
		kill $VA
		wait $VA
		return 1
	fi
	_i0=$(insns)
	_c0=$(ticks)
	_t0=$(_vm_uptime_cs)
	timeout $T dfu-util -D /tmp/100k.bin >/tmp/f.dfu 2>&1
	_rc=$?
	_t1=$(_vm_uptime_cs)
	_c1=$(ticks)
	_i1=$(insns)
	_got=$(dd if=/tmp/f.flash bs=1024 skip=256 count=100 2>/dev/null | md5sum | cut -d' ' -f1)
	if grep -qxF 'Download done.' /tmp/f.dfu && [ "$_got" = "$want" ]; then
		_ms=$(((_t1 - _t0) * 10))
		ok "$_col: 100 KiB in $_ms ms (dfu-util exit $_rc), vusb-attach used $(((_c1 - _c0) * 10)) ms of CPU"
		bench "fomu.download_100k.${_col}_ms $_ms"
		bench "fomu.cpu_100k.${_col}_ms $(((_c1 - _c0) * 10))"
		if [ -n "$_i0" ] && [ -n "$_i1" ] && [ "$_i1" -gt "$_i0" ]; then
			bench "fomu.insns_100k.${_col}_minsns $(((_i1 - _i0) / 1000000))"
			bench "fomu.core.${_col}_mips $(awk -v i=$((_i1 - _i0)) -v cs=$((_t1 - _t0)) 'BEGIN { printf "%.2f", i / (cs / 100) / 1e6 }')"
		fi
	else
		fail "$_col: 100 KiB downloaded" "exit $_rc" "$(tail -n 15 /tmp/f.dfu)" "$(tail -n 20 /tmp/f.err)"
	fi
	kill -TERM $VA
	wait $VA
	wait_for $((10 * VM_SLOW)) sh -c '! lsusb 2>/dev/null | grep -q 1209:5bf0'
}

one builtin
for f in foboot-v1.9.elf foboot-v2.0.4-pvt.elf; do
	col=$(echo "$f" | sed 's/\.elf$//; s/-pvt$//; s/[.-]/_/g')
	if [ -f "$FWDIR/$f" ]; then
		one "$col" --firmware "$FWDIR/$f"
	else
		fail "$FWDIR/$f is there (../shared/firmware beside the clone)" "$(ls -l $FWDIR 2>&1)"
	fi
done
if [ -f "$FWDIR/foboot-v1.9.elf" ]; then
	one foboot_v1_9_unpaced --firmware "$FWDIR/foboot-v1.9.elf" --ips max
fi
