#!/bin/sh
# The seed's scenario over the network, as its user types it: foboot
# v1.9's release ELF exported with vusb-attach --listen, seen by usbip
# list -r, imported with usbip attach; dfu-util -D flashes our demo image,
# which runs (its writes to 0x40000000 in the log, in order); the board
# left the bus, so the export is withdrawn; vusbctl fomu0 reset offers it
# again, a second import and dfu-util -e boot the image again. Then the
# built-in Fomu exported: the first vusbctl fomu0 reset brings it back
# (it used to stay offline until a second reset).
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dfu-util usbip base64
need_module vhci-hcd
# usbip attach records each import under /var/run/vhci_hcd.
mkdir -p /var/run
T=$((30 * VM_SLOW))
FW=/vusb/firmware/foboot-v1.9.elf
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
logged_in_order() {
	_prev=0
	for _s in "$@"; do
		_n=$(grep -nF -- "$_s" /tmp/l.err | head -n 1 | cut -d: -f1)
		[ -n "$_n" ] && [ "$_n" -gt "$_prev" ] || return 1
		_prev=$_n
	done
}
listed() {
	usbip list -r 127.0.0.1 2>/dev/null | grep -q "1-1: .*(1209:5bf0)"
}
port_of() {
	usbip port 2>/dev/null | awk '
		/^Port [0-9]+:/ { p = $2; sub(":", "", p) }
		$0 ~ "usbip://127.0.0.1:3240/1-1$" { print p + 0; exit }'
}
found() {
	dfu-util -l 2>/dev/null | grep -q 'Found DFU: \[1209:5bf0\]'
}
import() { # NAME
	if usbip attach -r 127.0.0.1 -b 1-1 >/tmp/ua.out 2>&1 && wait_for $T found; then
		ok "$1: usbip attach -r 127.0.0.1 -b 1-1, and dfu-util -l finds the bootloader"
		return 0
	fi
	fail "$1: usbip attach -r 127.0.0.1 -b 1-1, and dfu-util -l finds the bootloader" \
		"$(cat /tmp/ua.out)" "$(dfu-util -l 2>&1 | tail -n 5)" "$(tail -n 20 /tmp/l.err)"
	return 1
}
stop() {
	kill -TERM $VA
	wait $VA
	wait_for $T sh -c '! usbip port 2>/dev/null | grep -q "usbip://"'
}
if [ ! -f "$FW" ]; then
	fail "$FW is there (../shared/firmware beside the clone)" "$(ls -l /vusb/firmware 2>&1)"
	exit 0
fi
# --- foboot v1.9, exported ---------------------------------------------------------
vusb-attach --no-stdin --listen fomu --firmware "$FW" --flash /tmp/l.flash >/tmp/l.out 2>/tmp/l.err &
VA=$!
if wait_for $T grep -q "^listening on 127.0.0.1:3240$" /tmp/l.out; then ok "vusb-attach --listen fomu --firmware: listening"; else fail "vusb-attach --listen fomu --firmware: listening" "$(cat /tmp/l.out /tmp/l.err)"; exit 0; fi
check_match "usbip list -r 127.0.0.1 shows the Fomu" "1-1: .*\(1209:5bf0\)" usbip list -r 127.0.0.1
import "foboot v1.9 over --listen" || { stop; exit 0; }
dfu-util -D /tmp/demo.bin >/tmp/d.txt 2>&1
rc=$?
if [ $rc -eq 74 ] && grep -q "^Download done.$" /tmp/d.txt && grep -q "^Done!$" /tmp/d.txt; then
	ok "dfu-util -D over USB/IP: Download done, Done! (then 74: the board rebooted, as locally)"
else
	fail "dfu-util -D over USB/IP" "exit $rc" "$(cat /tmp/d.txt)" "$(grep -v 0x40000000 /tmp/l.err | tail -n 30)"
fi
if wait_for $T grep -qF "$(writes 5)" /tmp/l.err && logged_in_order "$(writes 1)" "$(writes 2)" "$(writes 3)" "$(writes 4)" "$(writes 5)"; then
	ok "the image runs: its writes to 0x40000000 in the log, in order"
else
	fail "the image runs: its writes to 0x40000000 in the log, in order" "$(grep -v 0x40000000 /tmp/l.err | tail -n 20)"
fi
if wait_for $T sh -c '[ -z "$(usbip port 2>/dev/null | grep usbip://)" ]' && ! listed; then
	ok "the board left the bus: the import is gone, the export withdrawn"
else
	fail "the board left the bus: the import is gone, the export withdrawn" "$(usbip port 2>&1)" "$(usbip list -r 127.0.0.1 2>&1)"
fi
check "vusbctl fomu0 reset" vusbctl fomu0 reset
if wait_for $T listed; then ok "after reset usbip list -r shows the bootloader again"; else fail "after reset usbip list -r shows the bootloader again" "$(usbip list -r 127.0.0.1 2>&1)" "$(vusbctl list)" "$(tail -n 10 /tmp/l.err)"; fi
import "after reset" || { stop; exit 0; }
before=$(grep -cF "$(writes 3)" /tmp/l.err)
dfu-util -e >/tmp/e.txt 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "dfu-util -e over USB/IP exits 0"; else fail "dfu-util -e over USB/IP exits 0" "exit $rc" "$(tail -n 10 /tmp/e.txt)"; fi
if wait_for $T sh -c "[ \$(grep -cF '$(writes 3)' /tmp/l.err) -gt $before ]"; then ok "after DETACH the image runs again"; else fail "after DETACH the image runs again" "$(tail -n 20 /tmp/l.err)"; fi
stop
# --- the built-in Fomu, exported: one reset brings it back -----------------------------
vusb-attach --no-stdin --listen fomu >/tmp/l.out 2>/tmp/l.err &
VA=$!
wait_for $T grep -q "^listening on" /tmp/l.out
check_match "built-in fomu: usbip list -r shows it" "1-1: .*\(1209:5bf0\)" usbip list -r 127.0.0.1
check "built-in fomu: vusbctl fomu0 reset (exported, not imported)" vusbctl fomu0 reset
if wait_for $T listed && wait_for $T sh -c 'vusbctl list | grep -qE "^fomu0 +fomu +- +1-1 +exported"'; then
	ok "built-in fomu: after one reset it is offered again"
else
	fail "built-in fomu: after one reset it is offered again" "$(vusbctl list)" "$(usbip list -r 127.0.0.1 2>&1)" "$(tail -n 10 /tmp/l.err)"
fi
if usbip attach -r 127.0.0.1 -b 1-1 >/tmp/ua.out 2>&1 && wait_for $T found; then ok "built-in fomu: imported, dfu-util -l finds it"; else fail "built-in fomu: imported, dfu-util -l finds it" "$(cat /tmp/ua.out)"; fi
check "built-in fomu: vusbctl fomu0 reset (imported)" vusbctl fomu0 reset
if wait_for $T listed; then ok "built-in fomu: after one reset of the import it is offered again"; else fail "built-in fomu: after one reset of the import it is offered again" "$(vusbctl list)" "$(tail -n 10 /tmp/l.err)"; fi
stop
