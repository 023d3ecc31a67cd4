#!/bin/sh
# The built-in Fomu model against the real firmware it stands for, in the
# same boot: what the host sees from `vusb-attach fomu` and from `vusb-attach
# fomu --firmware foboot-v1.9.elf` (../shared/firmware) must agree: lsusb
# -v's descriptors (the product string's version suffix aside) and the DFU
# states and statuses of the same download as dfu-util -v -v reports
# them, and the busy polls after each block. Where they differ, the real
# firmware is right. Known and not compared: foboot boots the image by
# itself after dfuMANIFEST-WAIT-RESET (the model waits for DETACH; t-32
# shows it).
#
# Then against foboot v2.0.4 (foboot-v2.0.4-pvt.elf), the release after
# it. The two releases differ, so the model, which claims to be v1.9
# (its product string, bcdDevice 1.01), is held to v1.9 above, and to
# v2.0.4 everywhere but where the releases themselves differ; those
# differences must be exactly these (README, "Fomu"): v2.0.4 says
# bDeviceClass 239/2/1 (miscellaneous, interface association) where v1.9
# says 0/0/0, wTransferSize 4096 where v1.9 says 1024, and it leaves the
# bus to boot the image at dfuMANIFEST, so dfu-util reads no
# dfuMANIFEST-WAIT-RESET (LIBUSB_ERROR_NO_DEVICE, exit 74).
. /vusb/tests/lib.sh
need_cmd vusb-attach dfu-util lsusb base64 diff
T=$((30 * VM_SLOW))
FW=/vusb/firmware/foboot-v1.9.elf
FW2=/vusb/firmware/foboot-v2.0.4-pvt.elf
unpack() {
	grep -v '^#' | base64 -d >"/tmp/$1"
}
# tests/fomu/demo.bin (ours); tests/fomu/build.sh rewrites this block.
unpack demo.bin <<'EOF'
# BEGIN demo.bin
NwECEDcFAECTBRAAIyC1AJOFFQC3IgkAk4ICfJOC8v/jngL+b/Cf/g==
# END demo.bin
EOF
# A download with many polls: 3 KiB (three blocks, one partial).
{ cat /tmp/demo.bin; head -c $((3000 - $(wc -c </tmp/demo.bin))) /dev/zero; } >/tmp/3k.bin
# observe NAME [vusb-attach fomu options]: lsusb -v and the download's sequence
observe() {
	_n=$1
	shift
	rm -f /tmp/c.flash
	vusb-attach --no-stdin fomu --flash /tmp/c.flash "$@" >/tmp/c.out 2>/tmp/c.err &
	_va=$!
	if ! wait_for $T grep -q '^fomu0: ready' /tmp/c.out; then
		fail "$_n: ready" "$(cat /tmp/c.out /tmp/c.err)"
		kill $_va
		wait $_va
		return 1
	fi
	# what differs by nature: bus and device numbers, the build's version
	lsusb -v -d 1209:5bf0 2>/dev/null | grep -v '^Bus ' |
		sed 's/DFU Bootloader v[^ ]*$/DFU Bootloader VERSION/' >"/tmp/lsusb.$_n"
	dfu-util -v -v -D /tmp/3k.bin >/tmp/dfu-full.$_n 2>&1
	# the states and statuses dfu-util reports; the busy polls apart
	grep -E 'state\(|status\(|Download done|Done!' /tmp/dfu-full.$_n |
		sed 's/.*Download done/Download done/' >"/tmp/dfu.$_n"
	sed -n 's/.*\(Poll timeout [0-9]* ms\).*/\1/p' /tmp/dfu-full.$_n | uniq -c |
		awk '{ $1 = $1; print }' >"/tmp/polls.$_n"
	kill -TERM $_va
	wait $_va
	wait_for $T sh -c '! lsusb | grep -q 1209:5bf0'
	return 0
}
for f in "$FW" "$FW2"; do
	if [ ! -f "$f" ]; then
		fail "$f is there (../shared/firmware beside the clone)" "$(ls -l /vusb/firmware 2>&1)"
		exit 0
	fi
done
observe builtin || exit 0
observe real --firmware "$FW" || exit 0
check_match "lsusb -v reads the descriptors of both" "bcdDevice +1\.01" cat /tmp/lsusb.builtin
if diff -u /tmp/lsusb.real /tmp/lsusb.builtin >/tmp/lsusb.diff; then
	ok "lsusb -v: the built-in model's descriptors are foboot v1.9's ($(wc -l </tmp/lsusb.real) lines)"
else
	fail "lsusb -v: the built-in model's descriptors are foboot v1.9's" "$(cat /tmp/lsusb.diff)"
fi
if diff -u /tmp/dfu.real /tmp/dfu.builtin >/tmp/dfu.diff; then
	ok "DFU: the same states and statuses for the same download ($(wc -l </tmp/dfu.real) lines)"
else
	fail "DFU: the same states and statuses for the same download" "$(cat /tmp/dfu.diff)"
fi
note "the real firmware's sequence: $(tr '\n' '|' </tmp/dfu.real)"
# foboot answers dfuDNBUSY (poll 5 ms) after each block while its main
# loop erases and programs the flash, as often as the host asks before it
# is done (how often depends on the machine's speed); the model stores a
# block at once and says dfuDNBUSY once. So: the same poll timeouts, at
# least one busy poll per block from the firmware, exactly one from the
# model. dfu-util -v -v prints "Poll timeout N ms" for each busy answer.
note "busy polls for 3 blocks: real firmware '$(tr '\n' ' ' </tmp/polls.real)', built-in model '$(tr '\n' ' ' </tmp/polls.builtin)'"
sed 's/^[0-9]* //' /tmp/polls.real >/tmp/pollv.real
sed 's/^[0-9]* //' /tmp/polls.builtin >/tmp/pollv.builtin
if [ -s /tmp/pollv.real ] && diff -u /tmp/pollv.real /tmp/pollv.builtin >/tmp/polls.diff; then
	ok "DFU: the same busy poll timeout after each block ($(tr '\n' ' ' </tmp/pollv.real))"
else
	fail "DFU: the same busy poll timeout after each block" "$(cat /tmp/polls.diff)" "$(cat /tmp/dfu-full.real)"
fi
nreal=$(awk '{ n += $1 } END { print n + 0 }' /tmp/polls.real)
nmodel=$(awk '{ n += $1 } END { print n + 0 }' /tmp/polls.builtin)
if [ "$nreal" -ge 3 ]; then ok "the real firmware is busy after each of the 3 blocks ($nreal busy polls)"; else fail "the real firmware is busy after each of the 3 blocks" "$nreal busy polls" "$(cat /tmp/dfu-full.real)"; fi
if [ "$nmodel" -eq 3 ]; then ok "the model is busy once after each of the 3 blocks"; else fail "the model is busy once after each of the 3 blocks" "$nmodel busy polls" "$(cat /tmp/dfu-full.builtin)"; fi

# --- foboot v2.0.4 ----------------------------------------------------------
observe v2 --firmware "$FW2" || exit 0
check_match "lsusb -v reads v2.0.4's descriptors" "DFU Bootloader VERSION" cat /tmp/lsusb.v2
# the lines that differ, trailing blanks aside: exactly the releases' differences
sed 's/ *$//' /tmp/lsusb.builtin >/tmp/lsusb.builtin.t
sed 's/ *$//' /tmp/lsusb.v2 >/tmp/lsusb.v2.t
diff -U0 /tmp/lsusb.builtin.t /tmp/lsusb.v2.t | grep -E '^[-+]' | grep -vE '^(---|\+\+\+) ' >/tmp/lsusb.v2.diff
cat >/tmp/lsusb.v2.want <<'EOF'
-  bDeviceClass            0
-  bDeviceSubClass         0
-  bDeviceProtocol         0
+  bDeviceClass          239 Miscellaneous Device
+  bDeviceSubClass         2
+  bDeviceProtocol         1 Interface Association
-        wTransferSize                    1024 bytes
+        wTransferSize                    4096 bytes
EOF
if diff -u /tmp/lsusb.v2.want /tmp/lsusb.v2.diff >/tmp/lsusb.v2.dd; then
	ok "lsusb -v: the built-in model's descriptors are v2.0.4's but for the releases' differences (device class, wTransferSize)"
else
	fail "lsusb -v: the built-in model's descriptors are v2.0.4's but for the releases' differences" "$(cat /tmp/lsusb.v2.dd)"
fi
# v2.0.4 leaves the bus at dfuMANIFEST: its sequence is the model's up to there
head -n 3 /tmp/dfu.builtin >/tmp/dfu.builtin3
if diff -u /tmp/dfu.builtin3 /tmp/dfu.v2 >/tmp/dfu.v2.diff &&
	grep -q 'dfuMANIFEST,' /tmp/dfu.v2 && grep -q 'LIBUSB_ERROR_NO_DEVICE' /tmp/dfu-full.v2; then
	ok "DFU: v2.0.4's states and statuses are the model's up to dfuMANIFEST, where it leaves the bus"
else
	fail "DFU: v2.0.4's states and statuses are the model's up to dfuMANIFEST" "$(cat /tmp/dfu.v2.diff)" "$(cat /tmp/dfu-full.v2)"
fi
sed 's/^[0-9]* //' /tmp/polls.v2 >/tmp/pollv.v2
if [ -s /tmp/pollv.v2 ] && diff -u /tmp/pollv.v2 /tmp/pollv.builtin >/tmp/polls.v2.diff; then
	ok "DFU: v2.0.4's busy poll timeout is the model's ($(tr '\n' ' ' </tmp/pollv.v2))"
else
	fail "DFU: v2.0.4's busy poll timeout is the model's" "$(cat /tmp/polls.v2.diff)" "$(cat /tmp/dfu-full.v2)"
fi
