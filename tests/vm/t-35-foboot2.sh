#!/bin/sh
# foboot v2.0.4's release ELF (../shared/firmware, unmodified; ValentyUSB
# eptri, LiteX SPI), with no option: vusb-attach picks the v2 gateware
# from the firmware's code. Locally: it enumerates with its own
# descriptors, dfu-util -l finds it, dfu-util -D flashes our demo image,
# which runs from 0x20040000 (its writes to 0x40000000 in the log, in
# order); vusbctl reset brings the bootloader back and dfu-util -e boots
# the image again. Then the same over --listen: usbip list -r, usbip
# attach, dfu-util -D, the image's writes, reset, dfu-util -e. Also: the
# idle bootloader's CPU, and a 100 KiB download timed.
#
# What dfu-util prints at the end is foboot v2.0.4's own doing: after
# dfuMANIFEST it answers the next GETSTATUS with dfuMANIFEST-WAIT-RESET
# and reboots into the image before the host has read that answer (its
# usb_recv() finds the previous transfer's status-stage flag still set),
# so dfu-util sees the device go during that request: "unable to read
# DFU status after completion (LIBUSB_ERROR_NO_DEVICE)", exit status 74.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dfu-util lsusb usbip base64 md5sum
need_module vhci-hcd
mkdir -p /var/run
T=$((30 * VM_SLOW))
FW=/vusb/firmware/foboot-v2.0.4-pvt.elf
name="foboot v2.0.4"
unpack() {
	grep -v '^#' | base64 -d >"/tmp/$1"
}
# tests/fomu/demo.bin (ours); tests/fomu/build.sh rewrites this block.
unpack demo.bin <<'EOF'
# BEGIN demo.bin
NwECEDcFAECTBRAAIyC1AJOFFQC3IgkAk4ICfJOC8v/jngL+b/Cf/g==
# END demo.bin
EOF
writes() {
	for _i in "$@"; do
		printf 'unmapped write32 0x40000000 <- 0x%08x\n' "$_i"
	done
}
# logged_in_order LOG TEXT...: each appears in LOG after the one before
logged_in_order() {
	_log=$1
	shift
	_prev=0
	for _s in "$@"; do
		_n=$(grep -nF -- "$_s" "$_log" | head -n 1 | cut -d: -f1)
		[ -n "$_n" ] && [ "$_n" -gt "$_prev" ] || return 1
		_prev=$_n
	done
}
wait_ready() { # N: the Nth ready line (one per enumeration)
	wait_for $T sh -c "[ \$(grep -c '^fomu0: ready, port' /tmp/b.out) -ge $1 ]"
}
listed() {
	usbip list -r 127.0.0.1 2>/dev/null | grep -q "1-1: .*(1209:5bf0)"
}
found() {
	dfu-util -l 2>/dev/null | grep -q 'Found DFU: \[1209:5bf0\]'
}
ms_now() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}
cpu_ticks() {
	awk '{ print $14 + $15 }' /proc/$VA/stat
}
# download WHAT LOG FLASH: dfu-util -D of the demo, the bytes in the flash,
# the image's writes
download() {
	dfu-util -D /tmp/demo.bin >/tmp/d.txt 2>&1
	rc=$?
	if [ $rc -eq 74 ]; then
		ok "$1: dfu-util -D exits 74 (EX_IOERR: the board rebooted during its last GETSTATUS)"
	else
		fail "$1: dfu-util -D exits 74 (EX_IOERR: the board rebooted during its last GETSTATUS)" \
			"exit $rc" "$(cat /tmp/d.txt)" "$(grep -v 0x40000000 "$2" | tail -n 30)"
	fi
	for line in "Device ID 1209:5bf0" "Device returned transfer size 4096" "Download done." \
		"DFU state(7) = dfuMANIFEST, status(0) = No error condition is present" \
		"dfu-util: unable to read DFU status after completion (LIBUSB_ERROR_NO_DEVICE)"; do
		if grep -qxF -- "$line" /tmp/d.txt; then ok "$1: dfu-util -D prints '$line'"; else fail "$1: dfu-util -D prints '$line'" "$(cat /tmp/d.txt)" "$(grep -v 0x40000000 "$2" | tail -n 30)"; fi
	done
	n=$(wc -c </tmp/demo.bin)
	fimg=$(dd if="$3" bs=1024 skip=256 count=1 2>/dev/null | head -c "$n" | md5sum | cut -d' ' -f1)
	if [ "$fimg" = "$(md5sum </tmp/demo.bin | cut -d' ' -f1)" ]; then ok "$1: the $n bytes are in the flash file at 0x40000"; else fail "$1: the $n bytes are in the flash file at 0x40000"; fi
	if wait_for $T grep -qF "$(writes 5)" "$2" &&
		logged_in_order "$2" "$(writes 1)" "$(writes 2)" "$(writes 3)" "$(writes 4)" "$(writes 5)"; then
		ok "$1: the image runs: its writes to 0x40000000 in the log, in order"
	else
		fail "$1: the image runs: its writes to 0x40000000 in the log, in order" "$(grep -v 0x40000000 "$2" | tail -n 30)"
	fi
}
if [ ! -f "$FW" ]; then
	fail "$FW is there (../shared/firmware beside the clone)" "$(ls -l /vusb/firmware 2>&1)"
	exit 0
fi
# --- locally ---------------------------------------------------------------------
vusb-attach --no-stdin fomu --firmware "$FW" --flash /tmp/b.flash --trace-usb \
	>/tmp/b.out 2>/tmp/b.err &
VA=$!
if wait_ready 1; then
	ok "$name: enumerates (ready line)"
else
	fail "$name: enumerates (ready line)" "$(cat /tmp/b.out; tail -n 40 /tmp/b.err)"
	kill $VA
	exit 0
fi
check_match "$name: the v2 SoC, chosen from the firmware's code (vusbctl fomu0 log)" \
	"SoC v2: eptri, lxspi \(from its code\)" vusbctl fomu0 log
check_match "$name: vusbctl list says soc=v2" "firmware .* soc=v2" vusbctl list
check_match "$name: the version CSRs say v2.0.4, as the firmware's product string" \
	"version CSRs 2\.0\.4-0-g0000000" vusbctl fomu0 log
check_match "$name: dfu-util -l finds the bootloader with its own strings" \
	'Found DFU: \[1209:5bf0\] ver=0101, devnum=[0-9]+, cfg=1, intf=0, path="[^"]+", alt=0, name="Fomu PVT running DFU Bootloader v2\.0\.4", serial="UNKNOWN"' \
	dfu-util -l
lsusb -v -d 1209:5bf0 >/tmp/lsusb.txt 2>&1
check_match "$name: lsusb -v: manufacturer Foosn" "iManufacturer +1 Foosn" cat /tmp/lsusb.txt
check_match "$name: lsusb -v: DFU functional descriptor, 4096-byte transfers" "wTransferSize +4096 bytes" cat /tmp/lsusb.txt
download "$name" /tmp/b.err /tmp/b.flash
check_match "$name: the firmware dropped its pull-up first" "usb: the firmware disconnected \(pull-up off\)" cat /tmp/b.err
check "$name: vusbctl fomu0 reset" vusbctl fomu0 reset
if wait_ready 2; then ok "$name: after reset the bootloader enumerates again"; else fail "$name: after reset the bootloader enumerates again" "$(cat /tmp/b.out; tail -n 20 /tmp/b.err)"; fi
before=$(grep -cF "$(writes 3)" /tmp/b.err)
dfu-util -e >/tmp/e.txt 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "$name: dfu-util -e exits 0"; else fail "$name: dfu-util -e exits 0" "exit $rc" "$(tail -n 20 /tmp/e.txt)"; fi
if wait_for $T sh -c "[ \$(grep -cF '$(writes 3)' /tmp/b.err) -gt $before ]"; then ok "$name: after DETACH the image runs again"; else fail "$name: after DETACH the image runs again" "$(grep -v 0x40000000 /tmp/b.err | tail -n 20)"; fi
# --- idle CPU, and 100 KiB timed --------------------------------------------------
check "$name: vusbctl fomu0 reset (again)" vusbctl fomu0 reset
wait_ready 3
c0=$(cpu_ticks)
t0=$(ms_now)
sleep 3
c1=$(cpu_ticks)
t1=$(ms_now)
# ticks of 1/100 s (USER_HZ) over ms: tenths of a percent
pct10=$(((c1 - c0) * 10000 / (t1 - t0)))
note "$name idle in the bootloader: vusb-attach uses $((pct10 / 10)).$((pct10 % 10))% of a core (${VM_ACCEL:-?})"
if [ "$pct10" -lt 20 ]; then ok "$name: the idle bootloader uses less than 2% of a core"; else fail "$name: the idle bootloader uses less than 2% of a core" "$((pct10 / 10)).$((pct10 % 10))%"; fi
{ cat /tmp/demo.bin; head -c $((102400 - $(wc -c </tmp/demo.bin))) /dev/urandom; } >/tmp/100k.bin
t0=$(ms_now)
dfu-util -D /tmp/100k.bin >/tmp/d100.txt 2>&1
rc=$?
t1=$(ms_now)
if [ $rc -eq 74 ] && grep -qxF "Download done." /tmp/d100.txt; then ok "$name: 100 KiB dfu-util -D: Download done. (then 74)"; else fail "$name: 100 KiB dfu-util -D: Download done. (then 74)" "exit $rc" "$(tail -n 5 /tmp/d100.txt)"; fi
fimg=$(dd if=/tmp/b.flash bs=1024 skip=256 count=100 2>/dev/null | md5sum | cut -d' ' -f1)
if [ "$fimg" = "$(md5sum </tmp/100k.bin | cut -d' ' -f1)" ]; then ok "$name: the 100 KiB are in the flash file at 0x40000"; else fail "$name: the 100 KiB are in the flash file at 0x40000"; fi
wait_for $T sh -c "[ \$(grep -c 'the core runs from the flash now' /tmp/b.err) -ge 3 ]"
i1=$(sed -n 's/.*the core runs from the flash now (pc 0x[0-9a-f]*, \([0-9]*\) instructions after power-on).*/\1/p' /tmp/b.err | tail -n 1)
note "$name: 100 KiB dfu-util -D through the real firmware at 12 MHz: $((t1 - t0)) ms wall, $((i1 / 1000000)) M instructions from power-on to the image, $((i1 / (t1 - t0) / 1000)) M instructions per second of wall time (${VM_ACCEL:-?})"
kill -TERM $VA
wait $VA
rc=$?
if [ $rc -eq 0 ]; then ok "$name: SIGTERM: exit status 0"; else fail "$name: SIGTERM: exit status 0" "exit $rc"; fi
# --- over --listen -----------------------------------------------------------------
name="foboot v2.0.4 over --listen"
vusb-attach --no-stdin --listen fomu --firmware "$FW" --flash /tmp/l.flash >/tmp/l.out 2>/tmp/l.err &
VA=$!
if wait_for $T grep -q "^listening on 127.0.0.1:3240$" /tmp/l.out; then ok "$name: listening"; else fail "$name: listening" "$(cat /tmp/l.out /tmp/l.err)"; exit 0; fi
check_match "$name: usbip list -r 127.0.0.1 shows the Fomu" "1-1: .*\(1209:5bf0\)" usbip list -r 127.0.0.1
if usbip attach -r 127.0.0.1 -b 1-1 >/tmp/ua.out 2>&1 && wait_for $T found; then
	ok "$name: usbip attach -r 127.0.0.1 -b 1-1, and dfu-util -l finds the bootloader"
else
	fail "$name: usbip attach -r 127.0.0.1 -b 1-1, and dfu-util -l finds the bootloader" "$(cat /tmp/ua.out)" "$(tail -n 20 /tmp/l.err)"
fi
download "$name" /tmp/l.err /tmp/l.flash
if wait_for $T sh -c '[ -z "$(usbip port 2>/dev/null | grep usbip://)" ]' && ! listed; then
	ok "$name: the board left the bus: the import is gone, the export withdrawn"
else
	fail "$name: the board left the bus: the import is gone, the export withdrawn" "$(usbip port 2>&1)" "$(usbip list -r 127.0.0.1 2>&1)"
fi
check "$name: vusbctl fomu0 reset" vusbctl fomu0 reset
if wait_for $T listed; then ok "$name: after reset usbip list -r shows the bootloader again"; else fail "$name: after reset usbip list -r shows the bootloader again" "$(usbip list -r 127.0.0.1 2>&1)" "$(vusbctl list)" "$(tail -n 10 /tmp/l.err)"; fi
if usbip attach -r 127.0.0.1 -b 1-1 >/tmp/ua.out 2>&1 && wait_for $T found; then ok "$name: imported again after reset"; else fail "$name: imported again after reset" "$(cat /tmp/ua.out)"; fi
before=$(grep -cF "$(writes 3)" /tmp/l.err)
dfu-util -e >/tmp/e.txt 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "$name: dfu-util -e exits 0"; else fail "$name: dfu-util -e exits 0" "exit $rc" "$(tail -n 10 /tmp/e.txt)"; fi
if wait_for $T sh -c "[ \$(grep -cF '$(writes 3)' /tmp/l.err) -gt $before ]"; then ok "$name: after DETACH the image runs again"; else fail "$name: after DETACH the image runs again" "$(grep -v 0x40000000 /tmp/l.err | tail -n 20)"; fi
kill -TERM $VA
wait $VA
wait_for $T sh -c '! usbip port 2>/dev/null | grep -q "usbip://"'
note "$name: vusb-attach's log (without the image's writes):"
grep -v -e 0x40000000 /tmp/l.err | head -n 30 | sed 's/^/#   /'
