#!/bin/sh
# The emulated Fomu with Debian's dfu-util (0.11) on a real kernel: it is
# listed with foboot's strings, takes an image with the seed's output,
# reboots into it on -e (its unmapped writes appear in vusb-attach's log,
# the vhci port is freed), comes back on `vusbctl fomu0 reset` for a second
# image, refuses an image larger than the flash cleanly, keeps its flash
# in a file across a restart. Also times a 100 KiB download.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dfu-util lsusb base64

T=$((20 * VM_SLOW))

# The images are tests/fomu/demo*.bin; tests/fomu/build.sh rewrites these
# blocks from them (and --check says whether they are in step).
unpack() {
	grep -v '^#' | base64 -d >"/tmp/$1"
}
unpack demo.bin <<'EOF'
# BEGIN demo.bin
NwECEDcFAECTBRAAIyC1AJOFFQC3IgkAk4ICfJOC8v/jngL+b/Cf/g==
# END demo.bin
EOF
unpack demo2.bin <<'EOF'
# BEGIN demo2.bin
NwECEDcFAECTBUAGIyC1AJOFRQYjILUAk4VFBiMgtQATAQH/t1I0EpOCgmcjIFEAAyQBADdzAOAT
AwOAIyBTAIMkAwADKQUCNwbBABMG5v5zABAA
# END demo2.bin
EOF

ms_now() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# wait_ready N: the Nth ready line (one per enumeration)
wait_ready() {
	wait_for $T sh -c "[ \$(grep -c '^fomu0: ready, port' /tmp/f.out) -ge $1 ]"
}

in_log() {
	grep -qF -- "$1" /tmp/f.err
}

# logged_in_order TEXT...: each appears in vusb-attach's log after the one before
logged_in_order() {
	_prev=0
	for _s in "$@"; do
		_n=$(grep -nF -- "$_s" /tmp/f.err | head -n 1 | cut -d: -f1)
		[ -n "$_n" ] && [ "$_n" -gt "$_prev" ] || return 1
		_prev=$_n
	done
}

port_of_last_ready() {
	sed -n 's/^fomu0: ready, port \([0-9]*\),.*/\1/p' /tmp/f.out | tail -n 1
}

start() {
	vusb-attach --no-stdin fomu --flash /tmp/fomu.flash >/tmp/f.out 2>/tmp/f.err &
	VA=$!
}

writes() {
	for _i in "$@"; do
		printf 'unmapped write32 0x40000000 <- 0x%08x\n' "$_i"
	done
}

start
if wait_ready 1; then
	ok "vusb-attach fomu prints its ready line"
else
	fail "vusb-attach fomu prints its ready line" "$(cat /tmp/f.out /tmp/f.err)"
	exit 0
fi

check_match "dfu-util -l lists 1209:5bf0 with foboot's strings" \
	'Found DFU: \[1209:5bf0\] ver=0101, devnum=[0-9]+, cfg=1, intf=0, path="[^"]+", alt=0, name="Fomu PVT running DFU Bootloader v1\.9-11-gc7ee25b", serial="UNKNOWN"' \
	dfu-util -l
lsusb -v -d 1209:5bf0 >/tmp/lsusb.txt 2>&1
check_match "lsusb -v: manufacturer Foosn" "iManufacturer +1 Foosn" cat /tmp/lsusb.txt
check_match "lsusb -v: DFU functional descriptor, 1024-byte transfers" "wTransferSize +1024 bytes" cat /tmp/lsusb.txt
check_match "lsusb -v: the WebUSB platform capability" "WebUSB|Platform Device Capability" cat /tmp/lsusb.txt

# --- dfu-util -D: the seed's lines ------------------------------------------
dfu-util -D /tmp/demo.bin >/tmp/d1.txt 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "dfu-util -D demo.bin exits 0"; else fail "dfu-util -D demo.bin exits 0" "exit $rc" "$(tail -n 20 /tmp/d1.txt)"; fi
for line in "ID 1209:5bf0" "Device returned transfer size 1024" "Download done" \
	"state(7) = dfuMANIFEST" "state(8) = dfuMANIFEST-WAIT-RESET" "Done!"; do
	check_match "dfu-util -D prints '$line'" "$(printf '%s' "$line" | sed 's/[][().!]/\\&/g')" cat /tmp/d1.txt
done
note "dfu-util -D: $(grep -E 'state\(|Done|Download done' /tmp/d1.txt | tr '\n' '|')"

# --- dfu-util -e: the board reboots into the image ------------------------------
port=$(port_of_last_ready)
dfu-util -e >/tmp/e1.txt 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "dfu-util -e exits 0"; else fail "dfu-util -e exits 0" "exit $rc" "$(tail -n 20 /tmp/e1.txt)"; fi
if wait_for $T sh -c 'grep -qF "unmapped write32 0x40000000 <- 0x00000005" /tmp/f.err'; then
	ok "the image runs: its fifth write is logged"
else
	fail "the image runs: its fifth write is logged" "$(tail -n 20 /tmp/f.err)"
fi
if logged_in_order "rebooting into the image at 0x20040000" \
	"$(writes 1)" "$(writes 2)" "$(writes 3)" "$(writes 4)" "$(writes 5)"; then
	ok "the log shows the reboot, then writes 1..5 in order"
else
	fail "the log shows the reboot, then writes 1..5 in order" "$(grep -E 'fomu0' /tmp/f.err | tail -n 12)"
fi
check_match "the writes carry pc and size" "fomu0: unmapped write32 0x40000000 <- 0x00000001 \(pc 0x2004000c\)" cat /tmp/f.err
note "vusb-attach's log of the reboot:"
grep 'fomu0: ' /tmp/f.err | grep -v ready | head -n 8 | sed 's/^/#   /'
# (the image writes ten times a second: the log ring keeps the last 256 lines)
vusbctl fomu0 log >/tmp/log1.txt
check_match "vusbctl fomu0 log has the writes" "unmapped write32 0x40000000 <- 0x00000003" cat /tmp/log1.txt
check_match "vusbctl fomu0 log has the download" "download complete: 40 bytes at flash offset 0x40000" cat /tmp/log1.txt
if wait_for $T port_free "$port"; then ok "the board left the bus: vhci port $port is free"; else fail "the board left the bus: vhci port $port is free" "$(head -n 4 "$(dirname "$(vhci_attach_file)")/status")"; fi
if lsusb | grep -q 1209:5bf0; then fail "lsusb no longer lists 1209:5bf0" "$(lsusb)"; else ok "lsusb no longer lists 1209:5bf0"; fi
check_match "vusbctl list: offline, running" '^fomu0 +fomu +- +- +offline +running pc=0x2004' vusbctl list

# The image never stops; paced at the Fomu's 12 MHz it must not burn a core.
cpu_ticks() {
	awk '{ print $14 + $15 }' /proc/$VA/stat
}
c0=$(cpu_ticks)
t0=$(ms_now)
sleep 3
c1=$(cpu_ticks)
t1=$(ms_now)
# /proc/PID/stat counts USER_HZ ticks: 100 per second on Linux/x86
pct=$(((c1 - c0) * 1000 / (t1 - t0)))
note "vusb-attach running the image: ${pct}% of a core (${VM_ACCEL:-?})"
if [ "$pct" -lt 60 ]; then ok "a running image is paced (${pct}% of a core)"; else fail "a running image is paced" "${pct}% of a core"; fi

# --- reset, a second image -------------------------------------------------------
check "vusbctl fomu0 reset" vusbctl fomu0 reset
if wait_ready 2; then ok "after reset the board enumerates again"; else fail "after reset the board enumerates again" "$(cat /tmp/f.out; tail -n 5 /tmp/f.err)"; fi
check_match "dfu-util -l finds the bootloader again" 'Found DFU: \[1209:5bf0\]' dfu-util -l
dfu-util -D /tmp/demo2.bin >/tmp/d2.txt 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q 'Done!' /tmp/d2.txt; then ok "dfu-util -D demo2.bin after reset"; else fail "dfu-util -D demo2.bin after reset" "exit $rc" "$(tail -n 20 /tmp/d2.txt)"; fi
lines_before=$(wc -l </tmp/f.err)
dfu-util -e >/tmp/e2.txt 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "dfu-util -e boots the second image"; else fail "dfu-util -e boots the second image" "exit $rc" "$(tail -n 20 /tmp/e2.txt)"; fi
if wait_for $T in_log "core halted after"; then
	tail -n +"$((lines_before + 1))" /tmp/f.err >/tmp/run2.txt
	check_match "second image: its own values (100, 200, 300)" "<- 0x0000012c" cat /tmp/run2.txt
	if grep -q "<- 0x00000001 " /tmp/run2.txt; then fail "second image: not the first one" "$(cat /tmp/run2.txt)"; else ok "second image: not the first one"; fi
	check_match "its ebreak is reported with pc" "trap with no handler \(mtvec 0\): breakpoint \(mcause 3\) at pc 0x20040050" cat /tmp/run2.txt
	check_match "... and registers" "a2   00c0ffee" cat /tmp/run2.txt
	note "the second image's end:"
	grep -A 2 'trap with no handler' /tmp/run2.txt | sed 's/^/#   /'
else
	fail "the second image runs to its ebreak" "$(tail -n 20 /tmp/f.err)"
fi

# --- 100 KiB, timed; then an image larger than the flash ------------------------
check "reset before the timed download" vusbctl fomu0 reset
wait_ready 3 || fail "enumerates after the second reset" "$(tail -n 5 /tmp/f.err)"
head -c 102400 /dev/urandom >/tmp/100k.bin
t0=$(ms_now)
dfu-util -D /tmp/100k.bin >/tmp/d3.txt 2>&1
rc=$?
t1=$(ms_now)
if [ $rc -eq 0 ]; then
	ok "dfu-util -D of 100 KiB"
	note "100 KiB download: $((t1 - t0)) ms wall time for dfu-util -D, of which the blocks took $(sed -n 's/.*download complete: 102400 bytes .* in \([0-9]*\) ms$/\1/p' /tmp/f.err | tail -n 1) ms (the rest: dfu-util's 1 s sleep in dfuMANIFEST, foboot's 1 s poll timeout in WAIT-RESET, start-up)"
else
	fail "dfu-util -D of 100 KiB" "exit $rc" "$(tail -n 20 /tmp/d3.txt)"
fi

# 2 MiB - 0x40000 fits; one more block does not
head -c $((2 * 1024 * 1024 - 262144 + 1024)) /dev/zero >/tmp/big.bin
t0=$(ms_now)
dfu-util -D /tmp/big.bin >/tmp/d4.txt 2>&1
rc=$?
t1=$(ms_now)
if [ $rc -ne 0 ]; then ok "an image over the flash's end fails (exit $rc)"; else fail "an image over the flash's end fails" "$(tail -n 10 /tmp/d4.txt)"; fi
note "oversized download failed after $((t1 - t0)) ms"
check_match "... with errADDRESS" "state\(10\) = dfuERROR, status\(8\) = Cannot program memory due to received address that is out of range" cat /tmp/d4.txt
if kill -0 $VA 2>/dev/null; then ok "vusb-attach survives it"; else fail "vusb-attach survives it" "$(tail -n 10 /tmp/f.err)"; fi
check_match "vusbctl list: the board waits in dfuERROR" '^fomu0 +fomu +[0-9]+ .*bootloader dfuERROR errADDRESS' vusbctl list
dfu-util -D /tmp/demo.bin >/tmp/d5.txt 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q 'Done!' /tmp/d5.txt; then ok "the board stays usable: the next download clears the error and works"; else fail "the board stays usable: the next download clears the error and works" "exit $rc" "$(tail -n 20 /tmp/d5.txt)"; fi
check_match "... its SET_INTERFACE cleared dfuERROR" "DFU state\(2\) = dfuIDLE" cat /tmp/d5.txt

# --- the flash file survives a restart ------------------------------------------
kill -TERM $VA
wait $VA
rc=$?
if [ $rc -eq 0 ]; then ok "SIGTERM: exit status 0"; else fail "SIGTERM: exit status 0" "exit $rc" "$(tail -n 5 /tmp/f.err)"; fi
start
wait_ready 1 || fail "restarts with the same flash file" "$(cat /tmp/f.err)"
dfu-util -e >/tmp/e3.txt 2>&1
if wait_for $T in_log "$(writes 2)"; then
	ok "after a restart, dfu-util -e boots the image kept in --flash FILE"
else
	fail "after a restart, dfu-util -e boots the image kept in --flash FILE" "$(tail -n 10 /tmp/f.err)"
fi
kill -TERM $VA
wait $VA
