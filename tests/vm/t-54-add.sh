#!/bin/sh
# vusbctl add and remove on a real kernel: a daemon started with no device
# (vusb-attach --daemon alone) is ready and waits; a mouse and a disk
# added to it are enumerated (lsusb, an event node that moves, a disk the
# host reads); remove unplugs them as the host sees it (the USB device
# gone, the port free, the image's lock given back); a member of group
# vusb adds a mouse but not a file only root may read; a bad spec is
# refused with exit 2 and takes no port; someone outside the group
# cannot add. Files a device names are made or opened by vusbctl as its
# caller: a member's Fomu --flash file that dfu-util writes, a member's
# storage --create image that the host formats, a gzip image the member
# decompresses for the dropped instance. A serial port added
# after the drop gets its RUNDIR/dev/NAME.tty link from the cleaner; one
# with --exec runs its command as the member, started by vusbctl. An
# instance killed with its cleaner leaves that link, to a pty number the
# kernel hands out again: the next vusb-attach sweeps it at start.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread lsusb su dfu-util mkfs.vfat fsck.vfat strings cmp stat stty \
	timeout head gzip
need_module vhci-hcd usb-storage sd_mod cdc-acm

T=$((20 * VM_SLOW))
echo 0 >/sys/module/usb_storage/parameters/delay_use

cp /etc/passwd /tmp/passwd.orig
cp /etc/group /tmp/group.orig
trap 'cp /tmp/passwd.orig /etc/passwd; cp /tmp/group.orig /etc/group' EXIT
cat >>/etc/passwd <<'EOF'
vusb:x:990:990:vusb:/nonexistent:/bin/false
tester:x:1000:1000:in group vusb:/tmp:/bin/sh
outsider:x:1001:1001:not in group vusb:/tmp:/bin/sh
EOF
cat >>/etc/group <<'EOF'
vusb:x:990:tester
tester:x:1000:
outsider:x:1001:
EOF

# used_ports: how many vhci ports are not free (state 4)
used_ports() {
	cat "$(dirname "$(vhci_attach_file)")"/status* 2>/dev/null |
		awk '($1 == "hs" || $1 == "ss") && $3 + 0 != 4' | wc -l
}

# port_used PORT: the kernel has a device there (state 6)
port_used() {
	[ "$(port_state "$1")" = 6 ]
}


# is_ready NAME: vusbctl list shows it ready
is_ready() {
	[ "$(vusbctl list | awk -v n="$1" '$1 == n { print $5 }')" = ready ]
}

# ports_back: no more vhci ports in use than before the first add
ports_back() {
	[ "$(used_ports)" -eq "$base" ]
}

gone() {
	! test -e "$1"
}

# busid NAME: its bus id in vusbctl list
busid() {
	vusbctl list | awk -v n="$1" '$1 == n { print $4 }'
}

# --- a daemon with no device ----------------------------------------------------
timeout $T vusb-attach -d --pidfile /run/vusb-add.pid >/tmp/d.out 2>/tmp/d.err
rc=$?
pid=$(cat /run/vusb-add.pid 2>/dev/null)
if [ $rc -eq 0 ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	ok "vusb-attach --daemon with no device is ready (exit 0) and runs"
else
	fail "vusb-attach --daemon with no device is ready (exit 0) and runs" "exit $rc" \
		"$(cat /tmp/d.out /tmp/d.err)"
	exit 0
fi
check_match "... as the vusb user" '^Uid:[[:space:]]+990' cat /proc/$pid/status
base=$(used_ports)

# --- a mouse -------------------------------------------------------------------
vusbctl add mouse >/tmp/a1.out 2>&1
rc=$?
check_match "vusbctl add mouse: attached, with its port (exit $rc)" '^mouse0: attached, port [0-9]+$' \
	cat /tmp/a1.out
mport=$(sed -n 's/^mouse0: attached, port \([0-9]*\)$/\1/p' /tmp/a1.out)
check "... the port is in use" wait_for $T port_used "$mport"
ev=$(evdev_for 1209 0001 | head -n 1)
if [ -n "$ev" ]; then
	ok "... the kernel made its event node ($ev)"
else
	fail "... the kernel made its event node" "$(dmesg | tail -n 20)"
fi
check_match "... lsusb lists it" 'ID 1209:0001' lsusb
check "... its report socket is there, made by the cleaner after the drop" test -S /run/vusb/dev/mouse0.hid
check "... vusbctl list shows it ready" wait_for $T is_ready mouse0
if [ -n "$ev" ]; then
	rm -f /tmp/m.ready
	evread -n 1 -t $T --ready-file /tmp/m.ready "$ev" >/tmp/m.ev &
	ER=$!
	wait_for $T test -e /tmp/m.ready
	check "vusbctl mouse0 move: the added mouse moves" vusbctl mouse0 move 7 0
	wait $ER
	check_match "... and the kernel sees it" 'REL_X 7' cat /tmp/m.ev
fi

# --- a disk ----------------------------------------------------------------------
dd if=/dev/zero of=/tmp/add.img bs=1M count=4 2>/dev/null
printf 'ADDED AT RUN TIME' | dd of=/tmp/add.img conv=notrunc 2>/dev/null
vusbctl add storage /tmp/add.img >/tmp/a2.out 2>&1
check_match "vusbctl add storage IMAGE: attached" '^storage0: attached, port [0-9]+$' cat /tmp/a2.out
sport=$(sed -n 's/^storage0: attached, port \([0-9]*\)$/\1/p' /tmp/a2.out)
wait_for $T is_ready storage0
sbus=$(busid storage0)
if [ -n "$sbus" ] && wait_for $T disk_of "$sbus"; then
	disk=/dev/$(disk_of "$sbus")
	ok "... usb-storage and sd made a disk ($disk)"
	check "... the host reads the image's bytes" sh -c \
		"dd if=$disk bs=512 count=1 iflag=direct 2>/dev/null | grep -q 'ADDED AT RUN TIME'"
else
	fail "... usb-storage and sd made a disk" "busid '$sbus'" "$(vusbctl list)" "$(dmesg | tail -n 20)"
fi
check_match "... vusbctl list names the image" '^storage0 .*/tmp/add\.img 4 MiB rw' vusbctl list

# --- remove ------------------------------------------------------------------------
sdev=/sys/bus/usb/devices/$sbus
check "vusbctl remove storage0" vusbctl remove storage0
check "... the host sees the unplug (its USB device is gone)" wait_for $T gone "$sdev"
check "... the port is free" wait_for $T port_free "$sport"
check "... its name is gone" wait_for $T gone /run/vusb/dev/storage0
check_match "... the image's lock is given back: added again" '^storage0: attached' \
	vusbctl add storage /tmp/add.img
check "... and removed again" vusbctl remove storage0
mdev=$(usb_dev_for 1209 0001)
check "vusbctl remove mouse0" vusbctl remove mouse0
check "... its report socket goes" wait_for $T gone /run/vusb/dev/mouse0.hid
check "... the host sees the unplug" wait_for $T gone "$mdev"
check "... its port is free" wait_for $T port_free "$mport"
check "the daemon runs on with no device" kill -0 "$pid"
check "... and holds no port" wait_for $T ports_back

# --- what is refused -----------------------------------------------------------------
vusbctl add storage /tmp/missing.img >/tmp/b1.out 2>&1
rc=$?
check "a missing image: exit 2 ($rc)" test $rc -eq 2
check_match "... with vusb-attach's words" 'missing\.img: no such file' cat /tmp/b1.out
vusbctl add mouse --speed warp >/tmp/b2.out 2>&1
rc=$?
check "a bad option value: exit 2 ($rc)" test $rc -eq 2
check "... no port was taken" test "$(used_ports)" -eq "$base"
check_match "... nothing was added" '^NAME' sh -c 'vusbctl list | tail -n 1'

printf 'ROOT ONLY' | dd of=/tmp/secret.img bs=1M count=1 conv=sync 2>/dev/null
chmod 600 /tmp/secret.img
su -s /bin/sh tester -c 'vusbctl add storage /tmp/secret.img' >/tmp/b3.out 2>&1
rc=$?
check "a member's add of a root-only image: exit 5 ($rc)" test $rc -eq 5
check_match "... permission denied" 'permission denied' cat /tmp/b3.out
check "... no port was taken" test "$(used_ports)" -eq "$base"

su -s /bin/sh tester -c 'vusbctl add keyboard' >/tmp/b4.out 2>&1
check_match "a member of group vusb adds a keyboard" '^keyboard0: attached, port' cat /tmp/b4.out
check "... the kernel enumerates it" evdev_for 1209 0002
check "... and the member removes it" su -s /bin/sh tester -c 'vusbctl remove keyboard0'
su -s /bin/sh outsider -c "vusbctl add --instance $pid mouse" >/tmp/b5.out 2>&1
rc=$?
check "someone outside group vusb cannot add: exit 5 ($rc)" test $rc -eq 5
check "... no port was taken" wait_for $T ports_back

# --- a serial port added after the drop: NAME.tty, linked by the cleaner -----------
vusbctl add serial >/tmp/s1.out 2>&1
check_match "vusbctl add serial: attached" '^serial0: attached, port [0-9]+$' cat /tmp/s1.out
check "... RUNDIR/dev/serial0.tty is there (the cleaner made it)" test -L /run/vusb/dev/serial0.tty
check_match "... it is root's, in the root-only directory of names" '^root$' \
	stat -c %U /run/vusb/dev/serial0.tty
spts=$(readlink /run/vusb/dev/serial0.tty)
check_match "... it links to a pty ($spts)" '^/dev/pts/[0-9]+$' echo "$spts"
check_match "... the device's own (vusbctl serial0 info)" "pty $spts\$" vusbctl serial0 info
wait_for $T is_ready serial0
sbus2=$(busid serial0)
if [ -n "$sbus2" ] && wait_for $T acm_of "$sbus2"; then
	acm=/dev/$(acm_of "$sbus2")
	stty -F "$acm" raw -echo
	timeout $T head -c 6 /run/vusb/dev/serial0.tty >/tmp/s2.out &
	R=$!
	sleep 0.2
	printf 'added\n' >"$acm"
	wait $R
	check_match "... the host's bytes on $acm come out of serial0.tty" '^added$' cat /tmp/s2.out
else
	fail "... cdc_acm makes a ttyACM for it" "busid '$sbus2'" "$(dmesg | tail -n 20)"
fi
check "vusbctl remove serial0" vusbctl remove serial0
check "... its .tty link goes with the name" wait_for $T sh -c \
	'! test -e /run/vusb/dev/serial0.tty && ! test -L /run/vusb/dev/serial0.tty'

# --- serial --exec: the command runs as the member who added it, not as vusb -------
rm -f /tmp/who.txt
su -s /bin/sh tester -c 'vusbctl add serial --exec "echo \$\$ >/tmp/who.pid; id -un >/tmp/who.txt; exec cat"' \
	>/tmp/e1.out 2>&1
check_match "a member's vusbctl add serial --exec CMD: attached" '^serial0: attached, port [0-9]+$' \
	cat /tmp/e1.out
check "... CMD runs" wait_for $T test -s /tmp/who.txt
check_match "... as the member, not as vusb-attach's user" '^tester$' cat /tmp/who.txt
wait_for $T is_ready serial0
ebus=$(busid serial0)
if [ -n "$ebus" ] && wait_for $T acm_of "$ebus"; then
	eacm=/dev/$(acm_of "$ebus")
	stty -F "$eacm" raw -echo
	timeout $T head -c 5 "$eacm" >/tmp/e2.out &
	R=$!
	sleep 0.2
	printf 'echo\n' >"$eacm"
	wait $R
	check_match "... the host's bytes come back through the command (cat)" '^echo$' cat /tmp/e2.out
else
	fail "... cdc_acm makes a ttyACM for it" "busid '$ebus'" "$(dmesg | tail -n 20)"
fi
check "vusbctl remove serial0" vusbctl remove serial0
check "... the command's input ends: it exits" wait_for $T sh -c "! kill -0 $(cat /tmp/who.pid) 2>/dev/null"

# --- files made by vusbctl add as its caller, after the drop -----------------------
# A member of group vusb adds a Fomu whose --flash file vusbctl creates as
# that member; dfu-util writes it through the kernel.
head -c 3000 /dev/urandom >/tmp/dl.bin
su -s /bin/sh tester -c 'vusbctl add fomu --flash /tmp/tester.flash' >/tmp/f1.out 2>&1
check_match "a member's vusbctl add fomu --flash NEW: attached" '^fomu0: attached, port [0-9]+$' cat /tmp/f1.out
check_match "... the flash file is the member's, 2 MiB" '^tester 2097152$' stat -c '%U %s' /tmp/tester.flash
check "... the kernel enumerates the bootloader" wait_for $T sh -c 'dfu-util -l 2>/dev/null | grep -q "Found DFU: \[1209:5bf0\]"'
dfu-util -D /tmp/dl.bin >/tmp/f2.out 2>&1
rc=$?
check "... dfu-util -D writes it (exit $rc)" test $rc -eq 0
check "... the image is in the member's flash file at the user offset" sh -c \
	'dd if=/tmp/tester.flash bs=4096 skip=64 count=1 2>/dev/null | head -c 3000 | cmp -s - /tmp/dl.bin'
check "vusbctl remove fomu0" vusbctl remove fomu0
printf 'hello\n' >/tmp/short.flash
chown tester /tmp/short.flash
su -s /bin/sh tester -c 'vusbctl add fomu --flash /tmp/short.flash' >/tmp/f3.out 2>&1
rc=$?
check "a 6-byte --flash file is refused: exit 2 ($rc)" test $rc -eq 2
check "... and left as it was" test "$(cat /tmp/short.flash)" = hello

# storage --create: the new image is the member's, and the host formats it.
su -s /bin/sh tester -c 'vusbctl add storage --create 8M /tmp/tester.img' >/tmp/c1.out 2>&1
check_match "a member's vusbctl add storage --create 8M IMAGE: attached" \
	'^storage0: attached, port [0-9]+$' cat /tmp/c1.out
check_match "... the image is the member's, 8 MiB" '^tester 8388608$' stat -c '%U %s' /tmp/tester.img
wait_for $T is_ready storage0
cbus=$(busid storage0)
if [ -n "$cbus" ] && wait_for $T disk_of "$cbus"; then
	cdisk=/dev/$(disk_of "$cbus")
	ok "... usb-storage and sd made a disk ($cdisk)"
	check "... mkfs.vfat formats it" mkfs.vfat "$cdisk"
	check "... fsck.vfat reads it back" fsck.vfat -n "$cdisk"
	check "vusbctl remove storage0" vusbctl remove storage0
	check_match "... the FAT boot sector is in the member's file" 'FAT' sh -c \
		'dd if=/tmp/tester.img bs=512 count=1 2>/dev/null | strings'
else
	fail "... usb-storage and sd made a disk" "busid '$cbus'" "$(vusbctl list)" "$(dmesg | tail -n 20)"
	vusbctl remove storage0
fi
# A compressed image: the dropped instance may not run gzip; vusbctl does, as the member.
gzip -c /tmp/add.img >/tmp/add.img.gz
chown tester /tmp/add.img.gz
su -s /bin/sh tester -c 'vusbctl add storage /tmp/add.img.gz --ro' >/tmp/z1.out 2>&1
check_match "a member's vusbctl add storage IMAGE.gz --ro: attached" \
	'^storage0: attached, port [0-9]+$' cat /tmp/z1.out
wait_for $T is_ready storage0
zbus=$(busid storage0)
if [ -n "$zbus" ] && wait_for $T disk_of "$zbus"; then
	zdisk=/dev/$(disk_of "$zbus")
	check "... the host reads the decompressed bytes" sh -c \
		"dd if=$zdisk bs=512 count=1 iflag=direct 2>/dev/null | grep -q 'ADDED AT RUN TIME'"
	check_match "... 4 MiB, read-only, under its own name" '^storage0 .*/tmp/add\.img\.gz 4 MiB ro' \
		vusbctl list
else
	fail "... usb-storage and sd made a disk" "busid '$zbus'" "$(cat /tmp/z1.out)" "$(dmesg | tail -n 20)"
fi
vusbctl remove storage0 >/dev/null
wait_for $T ports_back

su -s /bin/sh tester -c 'vusbctl add storage --create 1M /tmp/tester.img' >/tmp/c2.out 2>&1
rc=$?
check "--create of an image that exists: exit 2 ($rc)" test $rc -eq 2
check "... no port was taken" wait_for $T ports_back

kill "$pid"
check "the daemon stops on SIGTERM" wait_for $T sh -c "! kill -0 $pid 2>/dev/null"

# --- killed with its cleaner: the next instance sweeps the dead pty link -----------
# cleaner_of: the vusb-cleaner process that the instance $P forked
cleaner_of() {
	for st in /proc/[0-9]*/stat; do
		# shellcheck disable=SC2046 # pid (comm) state ppid: words on purpose
		set -- $(cat "$st" 2>/dev/null)
		[ "${2:-}" = "(vusb-cleaner)" ] && [ "${4:-}" = "$P" ] && echo "$1"
	done
}
timeout $T vusb-attach -d --pidfile /run/vusb-add.pid >/tmp/k.out 2>/tmp/k.err
P=$(cat /run/vusb-add.pid 2>/dev/null)
vusbctl add serial >/tmp/k1.out 2>&1
kpts=$(readlink /run/vusb/dev/serial0.tty)
C=$(cleaner_of)
check_match "an instance's added serial0.tty links to its pty ($kpts)" '^/dev/pts/[0-9]+$' echo "$kpts"
if [ -n "$C" ] && [ -n "$P" ]; then
	# Stopped first, the cleaner first: killed one after the other, a
	# cleaner that sees its instance die sweeps the link before its own
	# SIGKILL comes (a whole unit killed at once leaves it behind).
	kill -STOP "$C" "$P"
	kill -9 "$P" "$C"
	wait_for $T sh -c "! kill -0 $P 2>/dev/null && ! kill -0 $C 2>/dev/null"
	check "... SIGKILLed with its cleaner, the link stays behind" test -L /run/vusb/dev/serial0.tty
	timeout $T vusb-attach -d --pidfile /run/vusb-add.pid >/tmp/k2.out 2>/tmp/k2.err
	P=$(cat /run/vusb-add.pid 2>/dev/null)
	check "... the next vusb-attach sweeps it at start" sh -c \
		'! test -L /run/vusb/dev/serial0.tty && ! test -L /run/vusb/dev/serial0'
	kill "$P"
	wait_for $T sh -c "! kill -0 $P 2>/dev/null"
else
	fail "... its cleaner runs" "instance '$P', cleaner '$C'" "$(cat /tmp/k.out /tmp/k.err /tmp/k1.out)"
fi
