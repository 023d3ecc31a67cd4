#!/bin/bash
# SPDX-License-Identifier: MIT
#
# vusbctl add and remove on the build machine (no vhci_hcd needed): a
# vusb-attach --listen started with no device, devices added to it and
# removed, seen through USB/IP as an importer sees them (Debian's usbip
# client for the device list, tests/host/usbip-import.py to read a disk
# added at run time), bad specs refused before anything is taken, a
# request naming a file without its descriptor refused, --instance, and
# a member of the socket's group adding a file only they may read, a hid
# whose report descriptor travels as a descriptor too. Descriptors no
# vusbctl sends (tests/host/ctl-fds.py: O_PATH, a directory, a device, a
# FIFO, five at once, to commands that take none) are refused and none
# stays open in the instance (counted in /proc/PID/fd), a capture into a
# FIFO nobody reads does not stop the instance, and the instance runs
# with VUSB_SECCOMP=report: every add here must pass its filter.
#
#   tests/host/add.sh            (after make; make check runs it)
#
# Cases that switch users need root (setpriv); without root they are
# SKIPPED with that reason. A missing usbip, python3 or setpriv is a
# failure (scripts/install-deps --test installs them).
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
attach=${VUSB_BIN:-$top/bin}/vusb-attach
vusbctl=${VUSB_BIN:-$top/bin}/vusbctl
raw=$top/${BUILD:-build}/tests/vm/ctlraw
import=$top/tests/host/usbip-import.py
fds=$top/tests/host/ctl-fds.py
export PATH="$PATH:/usr/sbin:/sbin"
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"
chmod 755 "$tmp"


# devlist PORT: the bus ids and paths usbip list -r shows
devlist() {
	usbip --tcp-port "$1" list -r 127.0.0.1 2>&1 | sed -n 's/^ *\(1-[0-9]*\): .*/\1/p; s/^ *: \(vusb\/.*\)/\1/p' |
		tr '\n' ' '
}

# ctl NAME CMD...: run vusbctl, its stdout, stderr and exit status in $tmp/NAME.{out,err}, $rc
ctl() {
	local name=$1
	shift
	"$vusbctl" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

echo "[==========] Running add cases."
root=0
[ "$(id -u)" = 0 ] && root=1

begin "the tools are here: vusb-attach, vusbctl, ctlraw, usbip, python3, setpriv"
if [ -x "$attach" ] && [ -x "$vusbctl" ] && [ -x "$raw" ] && command -v usbip >/dev/null &&
	command -v python3 >/dev/null && command -v setpriv >/dev/null; then
	pass
else
	fail "missing: run make check (it builds ctlraw); usbip, python3 and setpriv: scripts/install-deps --test"
fi

# An image whose block 3 says who it is.
head -c $((64 * 512)) /dev/zero >"$tmp/disk.img"
printf 'addedatruntime' | dd of="$tmp/disk.img" bs=512 seek=3 conv=notrunc status=none
head -c 65536 /dev/urandom >"$tmp/secret"
chmod 600 "$tmp/secret"

begin "vusbctl add with no vusb-attach running: a clear error (exit 4)"
ctl none add mouse
if [ $rc = 4 ] && grep -q 'no vusb-attach is running' "$tmp/none.err"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/none.err")"
fi

begin "vusb-attach --listen alone starts with no device and waits"
# Every add below runs past the seccomp filter, which reports what it refuses.
if VUSB_SECCOMP=report start a --listen 127.0.0.1:0 && sleep 0.3 && kill -0 "$pid" &&
	[ -z "$(devlist "$port")" ] && "$vusbctl" list >"$tmp/l.out" && [ "$(wc -l <"$tmp/l.out")" = 1 ]; then
	pass
else
	fail "$(cat "$tmp/a.out" "$tmp/a.err" "$tmp/l.out" 2>/dev/null)"
fi
apid=$pid
aport=$port
sock=$VUSB_RUNDIR/$apid.sock

begin "vusbctl add mouse: exported, in the devlist and in vusbctl list"
ctl add1 add mouse
if [ $rc = 0 ] && grep -qx 'mouse0: exported, busid 1-1' "$tmp/add1.out" &&
	[ "$(devlist "$port")" = "1-1 vusb/mouse0 " ] &&
	"$vusbctl" list | grep -qE '^mouse0 +mouse +- +1-1 +exported'; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/add1.out" "$tmp/add1.err")" "devlist: $(devlist "$port")"
fi

begin "vusbctl add storage IMAGE: an importer reads the disk added at run time"
ctl add2 add storage "$tmp/disk.img" --ro
if [ $rc = 0 ] && grep -qx 'storage0: exported, busid 1-2' "$tmp/add2.out" &&
	python3 "$import" "$port" 1-2 3 >"$tmp/imp.out" 2>&1 &&
	grep -q "^read10 lba 3 ok $(printf 'addedat' | od -An -tx1 | tr -d ' \n')" "$tmp/imp.out" &&
	"$vusbctl" list | grep -qE "^storage0 +storage .* $tmp/disk.img 32 KiB ro"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/add2.out" "$tmp/add2.err" "$tmp/imp.out")"
fi

# A bad spec: the same words as vusb-attach's, exit 2, nothing taken.
begin "a missing image: vusb-attach's message, exit 2, no bus id or name taken"
"$attach" --listen 127.0.0.1:0 storage "$tmp/missing.img" >/dev/null 2>"$tmp/va.err"
varc=$?
ctl bad1 add storage "$tmp/missing.img"
want=$(sed -n 's/^vusb-attach: //p' "$tmp/va.err")
if [ $rc = 2 ] && [ $varc = 2 ] && [ -n "$want" ] && [ "$(cat "$tmp/bad1.err")" = "vusbctl: $want" ] &&
	[ "$(devlist "$port")" = "1-1 vusb/mouse0 1-2 vusb/storage0 " ] &&
	[ "$(ls "$VUSB_RUNDIR/dev" | grep -v "\.hid$")" = "$(printf 'mouse0\nstorage0')" ]; then
	pass
else
	fail "exit $rc (vusb-attach: $varc)" "vusbctl: $(cat "$tmp/bad1.err")" "vusb-attach: $(cat "$tmp/va.err")" \
		"devlist: $(devlist "$port")" "names: $(ls "$VUSB_RUNDIR/dev")"
fi

begin "a misspelt device, an unknown option, two devices: exit 2 with the reason"
ok=1
for spec in "mousse" "mouse --speeed high" "mouse keyboard" "storage $tmp/disk.img --create 1M" \
	"serial --exec cat --hangup" "mouse --capture -"; do
	# shellcheck disable=SC2086
	ctl bad2 add $spec
	if [ $rc != 2 ] || [ ! -s "$tmp/bad2.err" ]; then
		ok=0
		echo "add $spec: exit $rc: $(cat "$tmp/bad2.err")" >>"$tmp/bad2.log"
	fi
	sed "s|^|add $spec: |" "$tmp/bad2.err" >>"$tmp/bad2.all"
done
if [ $ok = 1 ] && grep -q "did you mean 'mouse'" "$tmp/bad2.all" &&
	grep -q 'run vusbctl add again for another' "$tmp/bad2.all" &&
	grep -q -- 'leave --hangup out' "$tmp/bad2.all" &&
	grep -q 'disk.img exists already: --create makes a new image' "$tmp/bad2.all" &&
	[ "$(devlist "$port")" = "1-1 vusb/mouse0 1-2 vusb/storage0 " ]; then
	pass
else
	fail "$(cat "$tmp/bad2.log" "$tmp/bad2.all" 2>/dev/null)"
fi

begin "a raw add naming a file without its descriptor is refused, the file unread"
"$raw" "$sock" add storage "$tmp/secret" --ro >"$tmp/raw.out" 2>&1
if grep -q "^ERR 2 storage: $tmp/secret needs the file sent with the request" "$tmp/raw.out" &&
	[ "$(devlist "$port")" = "1-1 vusb/mouse0 1-2 vusb/storage0 " ]; then
	pass
else
	fail "$(cat "$tmp/raw.out")" "devlist: $(devlist "$port")"
fi

begin "the same image twice: refused as ours (exit 2)"
cp "$tmp/disk.img" "$tmp/rw.img"
ctl rw1 add storage "$tmp/rw.img"
ctl rw2 add storage "$tmp/rw.img"
if grep -qx 'storage1: exported, busid 1-3' "$tmp/rw1.out" && [ $rc = 2 ] &&
	grep -q "rw.img is storage1's already" "$tmp/rw2.err"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/rw1.out" "$tmp/rw1.err" "$tmp/rw2.err")"
fi

begin "vusbctl remove ends the importer's session"
python3 - "$port" >"$tmp/sess.out" 2>&1 <<'EOF' &
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(struct.pack(">HHI", 0x0111, 0x8003, 0) + b"1-1".ljust(32, b"\0"))
hdr = s.recv(8)
if len(hdr) != 8 or struct.unpack(">HHI", hdr)[2] != 0:
    raise SystemExit("import refused")
print("imported", flush=True)
s.settimeout(10)
while True:
    b = s.recv(4096)
    if not b:
        print("closed")
        break
EOF
imp=$!
for i in $(seq 100); do
	grep -q imported "$tmp/sess.out" && break
	sleep 0.05
done
"$vusbctl" list >"$tmp/l1.out"
ctl rm1 remove mouse0
wait $imp
irc=$?
# The name link goes through the root cleaner, a moment later.
for i in $(seq 100); do
	[ -e "$VUSB_RUNDIR/dev/mouse0" ] || break
	sleep 0.05
done
if grep -qE '^mouse0 .*imported +from 127\.0\.0\.1' "$tmp/l1.out" && [ $rc = 0 ] &&
	grep -qx 'mouse0: removed' "$tmp/rm1.out" && [ $irc = 0 ] && grep -qx closed "$tmp/sess.out" &&
	[ "$(devlist "$port")" = "1-2 vusb/storage0 1-3 vusb/storage1 " ] && [ ! -e "$VUSB_RUNDIR/dev/mouse0" ]; then
	pass
else
	fail "exit $rc, importer $irc" "$(cat "$tmp/l1.out" "$tmp/rm1.out" "$tmp/rm1.err" "$tmp/sess.out")" \
		"devlist: $(devlist "$port")" "names: $(ls "$VUSB_RUNDIR/dev")"
fi

begin "remove frees the image's lock: the same image is added again"
ctl rm2 remove storage1
ctl rw3 add storage "$tmp/rw.img"
if grep -qx 'storage1: removed' "$tmp/rm2.out" && [ $rc = 0 ] &&
	grep -qE '^storage1: exported, busid 1-[0-9]+$' "$tmp/rw3.out"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/rm2.out" "$tmp/rm2.err" "$tmp/rw3.out" "$tmp/rw3.err")"
fi

begin "remove of no such device: exit 4"
ctl rm3 remove nosuch0
if [ $rc = 4 ] && grep -q "no device named 'nosuch0'" "$tmp/rm3.err"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/rm3.err")"
fi

begin "a hid with a --report-descriptor sent as a descriptor; a raw one without is refused"
ctl hid1 add hid --report-descriptor "$top/contrib/examples/gamepad.hid"
hbus=$(sed -n 's/^hid0: exported, busid //p' "$tmp/hid1.out")
usbip --tcp-port "$port" list -r 127.0.0.1 >"$tmp/hid.list" 2>&1
"$raw" "$sock" add hid --report-descriptor "$top/contrib/examples/gamepad.hid" >"$tmp/hid2.out" 2>&1
if [ $rc = 0 ] && [ -n "$hbus" ] && grep -qE "^ +$hbus: .*" "$tmp/hid.list" &&
	grep -q 'Human Interface Device' "$tmp/hid.list" &&
	grep -q '^ERR 2 hid: .* needs the file sent with the request' "$tmp/hid2.out" &&
	"$vusbctl" remove hid0 >/dev/null; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/hid1.out" "$tmp/hid1.err" "$tmp/hid.list" "$tmp/hid2.out")"
fi

begin "fomu --flash: a new file is made as the caller, 2 MiB erased; a short one refused, unchanged"
printf 'hello\n' >"$tmp/short.bin"
ctl fl1 add fomu --flash "$tmp/short.bin"
rc1=$rc
ctl fl2 add fomu --flash "$tmp/new.flash"
fbus=$(sed -n 's/^fomu0: exported, busid //p' "$tmp/fl2.out")
if [ $rc1 = 2 ] && grep -q 'short.bin has 6 bytes, not the 2097152 of a flash image' "$tmp/fl1.err" &&
	[ "$(cat "$tmp/short.bin")" = hello ] && [ $rc = 0 ] && [ -n "$fbus" ] &&
	[ "$(stat -c %s "$tmp/new.flash")" = 2097152 ] &&
	[ "$(od -An -tx1 -N4 "$tmp/new.flash" | tr -d ' ')" = ffffffff ] &&
	"$vusbctl" list | grep -qE "^fomu0 +fomu "; then
	pass
else
	fail "exit $rc1, $rc" "$(cat "$tmp/fl1.err" "$tmp/fl2.out" "$tmp/fl2.err")"
fi

begin "fomu --firmware ELF --flash: both sent; the firmware runs; a refused add leaves no new file"
ctl fw1 add fomu --firmware "$top/tests/fomu/fw.elf" --flash "$tmp/fw.flash"
rc1=$rc
# The same flash file again: the instance refuses (locked), vusbctl made nothing new.
ctl fw2 add fomu --flash "$tmp/fw.flash"
rc2=$rc
ctl fw3 add fomu --soc v1 --flash "$tmp/made-then-refused.flash"
if [ $rc1 = 0 ] && grep -qE '^fomu1: exported' "$tmp/fw1.out" &&
	"$vusbctl" list | grep -qE "^fomu1 .*firmware" && [ $rc2 != 0 ] &&
	grep -q 'in use by another device' "$tmp/fw2.err" && [ $rc = 2 ] &&
	grep -q -- '--soc chooses the gateware' "$tmp/fw3.err" && [ ! -e "$tmp/made-then-refused.flash" ]; then
	pass
else
	fail "exit $rc1, $rc2, $rc" "$(cat "$tmp/fw1.out" "$tmp/fw1.err" "$tmp/fw2.err" "$tmp/fw3.err")" \
		"$("$vusbctl" list)" "$(ls "$tmp")"
fi
"$vusbctl" remove fomu0 >/dev/null
"$vusbctl" remove fomu1 >/dev/null

begin "storage --create SIZE IMAGE: made as the caller, an importer reads it; refused: removed again"
ctl cr1 add storage --create 64K "$tmp/created.img"
cbus=$(sed -n 's/^storage[0-9]*: exported, busid //p' "$tmp/cr1.out")
ctl cr2 add storage --create 64K "$tmp/cd-refused.img" --cdrom
if [ -n "$cbus" ] && [ "$(stat -c %s "$tmp/created.img")" = 65536 ] &&
	python3 "$import" "$port" "$cbus" 3 >"$tmp/cimp.out" 2>&1 &&
	grep -q "^read10 lba 3 ok 00000000" "$tmp/cimp.out" &&
	[ $rc = 2 ] && grep -q -- '--create makes a disk image' "$tmp/cr2.err" &&
	[ ! -e "$tmp/cd-refused.img" ]; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/cr1.out" "$tmp/cr1.err" "$tmp/cimp.out" "$tmp/cr2.err")" "$(ls "$tmp")"
fi
"$vusbctl" remove "$(sed -n 's/^\(storage[0-9]*\): exported.*/\1/p' "$tmp/cr1.out")" >/dev/null

begin "--capture FILE: written as the caller's file; tshark reads the importer's session"
if ! command -v tshark >/dev/null; then
	fail "tshark is missing (scripts/install-deps --test)"
else
	echo "an old capture" >"$tmp/add.pcapng"
	ctl cap0 add storage "$tmp/missing.img" --capture "$tmp/add.pcapng"
	rc0=$rc
	old=$(cat "$tmp/add.pcapng")
	ctl cap1 add storage "$tmp/disk.img" --ro --capture "$tmp/add.pcapng"
	kbus=$(sed -n 's/^storage[0-9]*: exported, busid //p' "$tmp/cap1.out")
	kname=$(sed -n 's/^\(storage[0-9]*\): exported, busid .*/\1/p' "$tmp/cap1.out")
	python3 "$import" "$port" "$kbus" 3 >"$tmp/kimp.out" 2>&1
	"$vusbctl" remove "$kname" >/dev/null
	n=$(tshark -r "$tmp/add.pcapng" -Y usb 2>/dev/null | wc -l)
	if [ $rc0 = 2 ] && [ "$old" = "an old capture" ] && [ $rc = 0 ] &&
		grep -q "capturing to $tmp/add.pcapng" "$tmp/cap1.out" &&
		grep -q "^read10 lba 3 ok" "$tmp/kimp.out" && [ "$n" -gt 4 ]; then
		pass
	else
		fail "exit $rc0, $rc; $n usb frames" "old: $old" "$(cat "$tmp/cap1.out" "$tmp/cap1.err" "$tmp/kimp.out")"
	fi
fi

begin "--capture FILE that is a symbolic link: refused (exit 2), the file it names untouched"
# Left in a shared directory by someone else, it would have vusbctl (run
# with sudo) hand over /etc/passwd for the instance to truncate.
echo "precious" >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/cap-link.pcapng"
before=$(devlist "$port")
ctl capl add mouse --capture "$tmp/cap-link.pcapng"
if [ $rc = 2 ] && [ "$(cat "$tmp/victim")" = precious ] && [ -L "$tmp/cap-link.pcapng" ] &&
	grep -q "cannot write the capture $tmp/cap-link.pcapng: it is a symbolic link" "$tmp/capl.err" &&
	[ "$(devlist "$port")" = "$before" ]; then
	pass
else
	fail "exit $rc" "victim: $(od -c "$tmp/victim" | head -n 3)" "$(cat "$tmp/capl.out" "$tmp/capl.err")"
fi

begin "serial --exec CMD: started by vusbctl as the caller, detached, never by vusb-attach"
rm -f "$tmp/ran" "$tmp/refused-ran"
ctl ex1 add serial --exec "echo \$(id -u) \$PPID \$\$ \$(ps -o sid= -p \$\$) >$tmp/ran; exec cat"
ebus=$(sed -n 's/^serial0: exported, busid //p' "$tmp/ex1.out")
for i in $(seq 100); do
	[ -s "$tmp/ran" ] && break
	sleep 0.05
done
read -r euid eppid epid esid <"$tmp/ran" 2>/dev/null
# A refused add starts nothing: the same name twice.
ctl ex2 add serial --name serial0 --exec "touch $tmp/refused-ran"
rc2=$rc
"$vusbctl" serial0 info >"$tmp/ex.info" 2>&1
ctl ex3 remove serial0
# A script that reads vusbctl's output does not wait for the command's end.
sout=$(timeout 10 "$vusbctl" add serial --exec "exec cat" 2>&1)
src=$?
"$vusbctl" remove serial0 >/dev/null 2>&1
# Its input ends with the device: cat exits.
for i in $(seq 100); do
	kill -0 "$epid" 2>/dev/null || break
	sleep 0.05
done
if [ -n "$ebus" ] && [ "$euid" = "$(id -u)" ] && [ "$eppid" != "$apid" ] && [ "$esid" = "$epid" ] &&
	grep -qx 'end exec running' "$tmp/ex.info" && [ $rc2 != 0 ] && sleep 0.3 &&
	[ $src = 0 ] && [[ $sout =~ ^serial0:\ exported,\ busid\ 1-[0-9]+$ ]] &&
	[ ! -e "$tmp/refused-ran" ] && ! kill -0 "$epid" 2>/dev/null; then
	pass
else
	fail "exit $rc2, $src; uid $euid ppid $eppid (instance $apid) pid $epid sid $esid" "$sout" \
		"$(cat "$tmp/ex1.out" "$tmp/ex1.err" "$tmp/ex2.err" "$tmp/ex.info")"
fi

begin "a compressed image --ro: decompressed by vusbctl as the caller, the copy served and read"
gzip -c "$tmp/disk.img" >"$tmp/disk.img.gz"
xz -c "$tmp/disk.img" >"$tmp/disk.img.xz"
ctl gz1 add storage "$tmp/disk.img.gz" --ro
gbus=$(sed -n 's/^storage[0-9]*: exported, busid //p' "$tmp/gz1.out")
ctl gz2 add storage "$tmp/disk.img.xz" --snapshot
xbus=$(sed -n 's/^storage[0-9]*: exported, busid //p' "$tmp/gz2.out")
ctl gz3 add storage "$tmp/disk.img.gz"
if [ -n "$gbus" ] && [ -n "$xbus" ] &&
	python3 "$import" "$port" "$gbus" 3 >"$tmp/gimp.out" 2>&1 &&
	grep -q "^read10 lba 3 ok $(printf 'addedat' | od -An -tx1 | tr -d ' \n')" "$tmp/gimp.out" &&
	python3 "$import" "$port" "$xbus" 3 >"$tmp/ximp.out" 2>&1 &&
	grep -q "^read10 lba 3 ok $(printf 'addedat' | od -An -tx1 | tr -d ' \n')" "$tmp/ximp.out" &&
	"$vusbctl" list | grep -qE "^storage[0-9]+ +storage .* $tmp/disk.img.gz 32 KiB ro" &&
	[ $rc = 2 ] && grep -q 'disk.img.gz is gzip-compressed: serve it with --ro or --snapshot' "$tmp/gz3.err"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/gz1.out" "$tmp/gz1.err" "$tmp/gz2.out" "$tmp/gz2.err" "$tmp/gimp.out" \
		"$tmp/ximp.out" "$tmp/gz3.err")" "$("$vusbctl" list)"
fi
for f in gz1 gz2; do
	"$vusbctl" remove "$(sed -n 's/^\(storage[0-9]*\): exported.*/\1/p' "$tmp/$f.out")" >/dev/null
done

begin "a compressed image whose copy does not fit: a clear error, exit 1, nothing left behind"
if ! unshare -rm true 2>/dev/null; then
	skip "no mount namespace here (unshare -rm): cannot make a small filesystem"
else
	head -c $((4 * 1024 * 1024)) /dev/zero >"$tmp/big.img"
	gzip -c "$tmp/big.img" >"$tmp/big.img.gz"
	mkdir -p "$tmp/mnt"
	# shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
	unshare -rm bash -c '
		mount -t tmpfs -o size=2m none "$1" || exit 99
		TMPDIR=$1 "$2" add storage "$3" --ro >"$4.out" 2>"$4.err"
		echo $? >"$4.rc"
		ls -A "$1" >"$4.left"
		df -k "$1" | tail -n 1 | awk "{ print \$3 }" >"$4.used"' \
		_ "$tmp/mnt" "$vusbctl" "$tmp/big.img.gz" "$tmp/nofit" 2>"$tmp/nofit.sh" || true
	if [ "$(cat "$tmp/nofit.rc" 2>/dev/null)" = 1 ] &&
		grep -q 'big.img.gz is gzip-compressed, and its decompressed copy does not fit in .*mnt' \
			"$tmp/nofit.err" && [ ! -s "$tmp/nofit.left" ] && [ "$(cat "$tmp/nofit.used")" = 0 ] &&
		! "$vusbctl" list | grep -q big.img; then
		pass
	else
		fail "exit $(cat "$tmp/nofit.rc" 2>/dev/null)" "$(cat "$tmp/nofit.err" "$tmp/nofit.sh" 2>/dev/null)" \
			"left: $(cat "$tmp/nofit.left" 2>/dev/null), used $(cat "$tmp/nofit.used" 2>/dev/null) KiB"
	fi
fi

begin "the instance started empty runs on when its last device is removed"
"$vusbctl" remove storage0 >/dev/null && "$vusbctl" remove storage1 >/dev/null
sleep 0.2
if kill -0 "$apid" && [ -z "$(devlist "$port")" ] && ctl add4 add mouse && [ $rc = 0 ] &&
	grep -qE '^mouse0: exported, busid 1-[0-9]+$' "$tmp/add4.out"; then
	pass
else
	fail "$(cat "$tmp/a.err" "$tmp/add4.err" 2>/dev/null)"
fi

# nfd PID: how many descriptors PID holds
nfd() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

begin "descriptors vusbctl never sends (O_PATH, a directory, a device, write-only, five): refused, none kept"
before=$(devlist "$aport")
n0=$(nfd "$apid")
mkfifo "$tmp/img.fifo"
img="add --fds=IMAGE storage $tmp/disk.img --ro"
: >"$tmp/k.out"
# shellcheck disable=SC2086
for fd in path:"$tmp/disk.img" dir:"$tmp" ro:/dev/zero wo:"$tmp/disk.img" fifo:"$tmp/img.fifo"; do
	python3 "$fds" "$sock" --fd "$fd" $img >>"$tmp/k.out" 2>&1
done
# shellcheck disable=SC2086
python3 "$fds" "$sock" --fd ro:"$tmp/disk.img" --fd ro:"$tmp/disk.img" --fd ro:"$tmp/disk.img" \
	--fd ro:"$tmp/disk.img" --fd ro:"$tmp/disk.img" add --fds=IMAGE,IMAGE,IMAGE,IMAGE,IMAGE \
	storage "$tmp/disk.img" --ro >>"$tmp/k.out" 2>&1
python3 "$fds" "$sock" --fd ro:"$tmp/disk.img" --fd ro:"$tmp/disk.img" list >"$tmp/k.list" 2>&1
python3 "$fds" "$sock" --fd ro:"$tmp/disk.img" mouse0 move 1 1 >"$tmp/k.move" 2>&1
n1=$(nfd "$apid")
want="ERR 2 IMAGE $tmp/disk.img: what came with the request is a path (O_PATH), not an open file
ERR 2 IMAGE $tmp/disk.img: what came with the request is not a regular file or a block device
ERR 2 IMAGE $tmp/disk.img: what came with the request is not a regular file or a block device
ERR 2 IMAGE $tmp/disk.img: what came with the request is not open for reading
ERR 2 IMAGE $tmp/disk.img: what came with the request is not a regular file or a block device
ERR 2 the request tags more than 4 files"
if [ "$(cat "$tmp/k.out")" = "$want" ] && head -n 1 "$tmp/k.list" | grep -qx OK &&
	head -n 1 "$tmp/k.move" | grep -q "^ERR 1 mouse0: the host has not configured" && [ "$n0" -gt 0 ] && [ "$n1" = "$n0" ] &&
	[ "$(devlist "$aport")" = "$before" ]; then
	pass
else
	fail "descriptors before $n0, after $n1" "$(cat "$tmp/k.out" "$tmp/k.list" "$tmp/k.move")" \
		"devlist: $(devlist "$aport")"
fi

begin "--capture into a FIFO nobody reads: the device is served, the instance answers, remove ends it"
cp "$tmp/disk.img" "$tmp/disk2.img"
mkfifo "$tmp/cap.fifo"
python3 "$fds" "$sock" --fd ro:"$tmp/disk2.img" --fd fifo:"$tmp/cap.fifo" add --fds=IMAGE,--capture \
	storage "$tmp/disk2.img" --ro --capture "$tmp/cap.fifo" >"$tmp/fifo.out" 2>&1
fname=$(sed -n 's/^\(storage[0-9]*\): exported, busid .*/\1/p' "$tmp/fifo.out")
fbus=$(sed -n 's/^storage[0-9]*: exported, busid //p' "$tmp/fifo.out")
# 40 reads of a block: far more than the page the pipe holds.
if [ -n "$fbus" ] && timeout 20 python3 "$import" "$port" "$fbus" 3 40 >"$tmp/fimp.out" 2>&1 &&
	timeout 5 "$vusbctl" list >"$tmp/fifo.list" 2>&1 &&
	timeout 10 "$vusbctl" remove "$fname" >"$tmp/fifo.rm" 2>&1 &&
	[ "$(nfd "$apid")" = "$n1" ]; then
	pass
else
	fail "$(cat "$tmp/fifo.out" "$tmp/fimp.out" "$tmp/fifo.list" "$tmp/fifo.rm" 2>/dev/null)" \
		"descriptors $(nfd "$apid"), $n1 before"
fi

begin "two instances: add needs --instance PID; with it, that one"
start b --listen 127.0.0.1:0
bpid=$pid
ctl two add keyboard
ctl inst add --instance "$bpid" keyboard
ctl inst2 add --instance=999999 keyboard
irc=$rc
if grep -q "pick one with --instance PID" "$tmp/two.err" &&
	grep -qx 'keyboard0: exported, busid 1-1' "$tmp/inst.out" &&
	[ "$(devlist "$aport" | sed 's/1-[0-9]*/1-N/')" = "1-N vusb/mouse0 " ] && [ $irc = 4 ] &&
	grep -q 'no vusb-attach with process id 999999' "$tmp/inst2.err"; then
	pass
else
	fail "$(cat "$tmp/two.err" "$tmp/inst.out" "$tmp/inst.err" "$tmp/inst2.err")"
fi
kill "$bpid"
wait "$bpid" 2>/dev/null

begin "vusb-attach --daemon --listen alone is ready at once (exit 0)"
if "$attach" --daemon --pidfile "$tmp/d.pid" --listen 127.0.0.1:0 >"$tmp/d.out" 2>"$tmp/d.err"; then
	dpid=$(cat "$tmp/d.pid")
	pids+=("$dpid")
	if kill -0 "$dpid" && [ -S "$VUSB_RUNDIR/$dpid.sock" ]; then
		pass
	else
		fail "no daemon or no control socket" "$(cat "$tmp/d.out" "$tmp/d.err")"
	fi
	kill "$dpid"
else
	fail "$(cat "$tmp/d.out" "$tmp/d.err")"
fi

begin "after the drop, an added mouse gets its report socket (made by the cleaner)"
if [ $root = 0 ]; then
	skip "needs root (vusb-attach drops only from root)"
else
	ctl rs1 add --instance "$apid" mouse --name rs
	# One byte is no input report of a mouse: the refusal proves it is served.
	python3 - "$VUSB_RUNDIR/dev/rs.hid" >"$tmp/rs.out" 2>&1 <<'EOF2'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
s.send(b"\x01")
m = s.recv(4096)
print("type", m[0], m[1:].decode(errors="replace"))
EOF2
	"$vusbctl" remove rs >/dev/null
	for i in $(seq 100); do
		[ -e "$VUSB_RUNDIR/dev/rs.hid" ] || break
		sleep 0.05
	done
	if [ $rc = 0 ] && grep -q '^type 0 .*no input report' "$tmp/rs.out" &&
		[ ! -e "$VUSB_RUNDIR/dev/rs.hid" ] && [ ! -e "$VUSB_RUNDIR/dev/rs" ] &&
		! grep -q 'no report socket' "$tmp/a.err"; then
		pass
	else
		fail "exit $rc" "$(cat "$tmp/rs1.out" "$tmp/rs1.err" "$tmp/rs.out")" "$(ls -l "$VUSB_RUNDIR/dev")" \
			"$(grep 'report socket' "$tmp/a.err")"
	fi
fi

# A member of the socket's group: its group made nogroup, as
# privs_share_socket() makes it vusb, so that nobody (gid 65534) is one.
[ $root = 1 ] && chgrp 65534 "$sock" && chmod 660 "$sock"

begin "a member adds and removes a device"
if [ $root = 0 ]; then
	skip "needs root (setpriv to nobody)"
elif as_nobody "$vusbctl" add --instance "$apid" tablet >"$tmp/m1.out" 2>&1 &&
	grep -qE '^tablet0: exported, busid 1-[0-9]+$' "$tmp/m1.out" &&
	as_nobody "$vusbctl" remove tablet0 >"$tmp/m2.out" 2>&1; then
	pass
else
	fail "$(cat "$tmp/m1.out" "$tmp/m2.out")"
fi

begin "a member's add of a root-only file: permission denied (exit 5), nothing added"
if [ $root = 0 ]; then
	skip "needs root (setpriv to nobody)"
else
	as_nobody "$vusbctl" add --instance "$apid" storage "$tmp/secret" --ro >"$tmp/m3.out" 2>&1
	rc=$?
	if [ $rc = 5 ] && grep -q 'permission denied' "$tmp/m3.out" &&
		[ "$(devlist "$aport" | sed 's/1-[0-9]*/1-N/')" = "1-N vusb/mouse0 " ]; then
		pass
	else
		fail "exit $rc" "$(cat "$tmp/m3.out")" "devlist: $(devlist "$aport")"
	fi
fi

begin "a user outside the group cannot add (exit 5)"
if [ $root = 0 ]; then
	skip "needs root (setpriv to nobody)"
else
	chgrp 0 "$sock"
	as_nobody "$vusbctl" add --instance "$apid" mouse >"$tmp/m4.out" 2>&1
	rc=$?
	if [ $rc = 5 ] && [ "$(devlist "$aport" | sed 's/1-[0-9]*/1-N/')" = "1-N vusb/mouse0 " ]; then
		pass
	else
		fail "exit $rc" "$(cat "$tmp/m4.out")"
	fi
fi

begin "every add above ran past the seccomp filter: no system call refused"
if kill -0 "$apid" && grep -q '^Seccomp:[[:space:]]*2' "/proc/$apid/status" &&
	! grep -q 'seccomp filter refused' "$tmp/a.err"; then
	pass
else
	fail "$(grep Seccomp "/proc/$apid/status")" "$(grep 'seccomp' "$tmp/a.err")"
fi

summary
