#!/bin/sh
# Least privilege: once its devices are attached, vusb-attach runs as the
# vusb user (else nobody) with no capabilities, no_new_privs and a seccomp
# filter, and still does its job: reports reach the host, vusbctl works
# through the control socket (root and the vusb group, nobody else),
# detach and SIGTERM free their vhci ports through the files opened as
# root, a Fomu that replugs attaches again, and the cleaner that kept root
# removes the socket, the name links and the pidfile, after SIGKILL too.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread su stat
need_module vhci-hcd

T=$((20 * VM_SLOW))
RUN=${VUSB_RUNDIR:-/run/vusb}

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

# field PID NAME: a line of /proc/PID/status, blanks squeezed
field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' ' '
}

# port_state PORT: vhci's state of the port (4 free, 6 used)
# ready_port FILE NAME: the port of NAME's ready line
ready_port() {
	sed -n "s/^$2: ready, port \([0-9]*\),.*/\1/p" "$1" | tail -n 1
}

# The cleaner renames itself (PR_SET_NAME); no pgrep in the image.
cleaner_running() {
	for _c in /proc/[0-9]*/comm; do
		[ "$(cat "$_c" 2>/dev/null)" = vusb-cleaner ] && return 0
	done
	return 1
}

no_cleaner() {
	! cleaner_running
}

start() {
	_out=$1
	shift
	vusb-attach --no-stdin "$@" >"$_out" 2>"$_out.err" &
	VA=$!
}

# unprivileged PID UID NAME: the checks of a dropped process
unprivileged() {
	check_match "$3: uid $2 (real, effective, saved, fs)" "^$2 $2 $2 $2\$" field "$1" Uid
	check_match "$3: gid $2" "^$2 $2 $2 $2\$" field "$1" Gid
	check_match "$3: no effective capability" '^0+$' field "$1" CapEff
	check_match "$3: no permitted capability" '^0+$' field "$1" CapPrm
	check_match "$3: an empty bounding set" '^0+$' field "$1" CapBnd
	check_match "$3: no_new_privs" '^1$' field "$1" NoNewPrivs
	check_match "$3: a seccomp filter" '^2$' field "$1" Seccomp
}

# --- the default: the vusb user ---------------------------------------------
start /tmp/p.out --pidfile /run/vusb-p.pid mouse keyboard
if ! wait_for $T sh -c 'grep -q "^mouse0: ready" /tmp/p.out && grep -q "^keyboard0: ready" /tmp/p.out'; then
	fail "vusb-attach mouse keyboard is ready" "$(cat /tmp/p.out /tmp/p.out.err)"
	exit 0
fi
ok "vusb-attach mouse keyboard is ready"
mport=$(ready_port /tmp/p.out mouse0)
kport=$(ready_port /tmp/p.out keyboard0)
unprivileged $VA 990 "vusb-attach"
check_match "the control socket is root's and group vusb's, mode 660" '^660 root vusb$' \
	stat -c '%a %U %G' "$RUN/$VA.sock"
check "the cleaner runs, under its own name" cleaner_running
check_match "the report socket too (keyboard0.hid)" '^660 root vusb$' \
	stat -c '%a %U %G' "$RUN/dev/keyboard0.hid"

ev=$(evdev_for 1209 0001 | head -n 1)
evread -n 2 -t 10 --ready-file /tmp/p.ready "$ev" >/tmp/p.ev &
reader=$!
wait_for 10 test -e /tmp/p.ready
check "root: vusbctl mouse0 move 7 -3" vusbctl mouse0 move 7 -3
wait $reader
check_match "... and the host sees the motion" '^EV_REL REL_X 7$' cat /tmp/p.ev
check_match "a member of group vusb: vusbctl list" 'keyboard0' \
	su -s /bin/sh tester -c 'vusbctl list'
check "a member of group vusb: vusbctl keyboard0 leds" su -s /bin/sh tester -c 'vusbctl keyboard0 leds'
check_match "anyone else: vusbctl keyboard0 leds is denied (exit 5)" '^5$' \
	sh -c "su -s /bin/sh outsider -c 'vusbctl keyboard0 leds' >/dev/null 2>&1; echo \$?"

check "vusbctl mouse0 detach" vusbctl mouse0 detach
if wait_for $T port_free "$mport"; then
	ok "... frees its vhci port $mport (detach opened as root, written unprivileged)"
else
	fail "... frees its vhci port $mport" "state $(port_state "$mport")"
fi
check "... and its name link (the cleaner, asked)" wait_for 5 sh -c "! test -L $RUN/dev/mouse0"
check "... and its report socket" wait_for 5 sh -c "! test -e $RUN/dev/mouse0.hid"
check_match "the keyboard is still there" 'keyboard0.*ready' vusbctl list

kill $VA
wait $VA
check "SIGTERM: exit status 0" test $? -eq 0
check "... the keyboard's port $kport is free" port_free "$kport"
check "... the control socket is gone (the cleaner)" sh -c "! test -e $RUN/$VA.sock"
check "... and the name link" sh -c "! test -e $RUN/dev/keyboard0"
check "... and the report socket" sh -c "! test -e $RUN/dev/keyboard0.hid"
check "... and the pidfile" sh -c "! test -e /run/vusb-p.pid"
check "... and the cleaner has ended" wait_for 5 no_cleaner

# --- SIGKILL ----------------------------------------------------------------
start /tmp/k.out mouse --name victim
if wait_for $T grep -q '^victim: ready' /tmp/k.out; then
	port=$(ready_port /tmp/k.out victim)
	kill -9 $VA
	wait $VA 2>/dev/null
	if wait_for $T port_free "$port"; then ok "SIGKILL: the kernel frees port $port"; else
		fail "SIGKILL: the kernel frees port $port" "state $(port_state "$port")"; fi
	check "SIGKILL: the cleaner removes the socket" wait_for 5 sh -c "! test -e $RUN/$VA.sock"
	check "SIGKILL: ... and the name link" wait_for 5 sh -c "! test -L $RUN/dev/victim"
	check "SIGKILL: ... and the report socket" wait_for 5 sh -c "! test -e $RUN/dev/victim.hid"
	start /tmp/k2.out mouse --name victim
	check "the name and a port are usable again" wait_for $T grep -q '^victim: ready' /tmp/k2.out
	kill $VA
	wait $VA
else
	fail "vusb-attach mouse --name victim is ready" "$(cat /tmp/k.out /tmp/k.out.err)"
	kill $VA 2>/dev/null
fi

# --- --user -------------------------------------------------------------------
start /tmp/n.out --user nobody tablet
if wait_for $T grep -q '^tablet0: ready' /tmp/n.out; then
	unprivileged $VA 65534 "--user nobody"
	check "--user nobody: vusbctl tablet0 move 100 100" vusbctl tablet0 move 100 100
else
	fail "--user nobody: ready" "$(cat /tmp/n.out.err)"
fi
kill $VA
wait $VA

start /tmp/r.out --user root mouse
if wait_for $T grep -q '^mouse0: ready' /tmp/r.out; then
	check_match "--user root: stays root" '^0 0 0 0$' field $VA Uid
	check_match "--user root: ... without an effective capability" '^0+$' field $VA CapEff
	check_match "--user root: ... or a permitted one" '^0+$' field $VA CapPrm
	check_match "--user root: ... an empty bounding set" '^0+$' field $VA CapBnd
	check_match "--user root: ... no_new_privs" '^1$' field $VA NoNewPrivs
	check_match "--user root: ... the seccomp filter" '^2$' field $VA Seccomp
	check "--user root: ... still serves" vusbctl mouse0 move 1 1
else
	fail "--user root: ready" "$(cat /tmp/r.out.err)"
fi
kill $VA
wait $VA

vusb-attach --no-stdin --user nosuch mouse >/tmp/u.out 2>&1
check "--user nosuch: exit status 2" test $? -eq 2
check_match "... says why" 'no such user' cat /tmp/u.out
check "... and attached nothing" sh -c '! grep -q ready /tmp/u.out'

# Neither vusb nor nobody: no silent root, the fix named instead.
cp /etc/passwd /tmp/passwd.keep
grep -v -e '^vusb:' -e '^nobody:' /tmp/passwd.keep >/etc/passwd
vusb-attach --no-stdin mouse >/tmp/nu.out 2>&1
nu=$?
cp /tmp/passwd.keep /etc/passwd
check "no vusb or nobody user: exit status 2 ($nu)" test $nu -eq 2
check_match "... names the fix" 'create the vusb user .*sysusers.*--user root' cat /tmp/nu.out
check "... and attached nothing" sh -c '! grep -q ready /tmp/nu.out'

# --- storage: unprivileged too; insert takes the file vusbctl opened -----------
dd if=/dev/zero of=/tmp/p.img bs=1M count=4 2>/dev/null
printf 'SECOND IMAGE' | dd of=/tmp/p2.img bs=1M count=4 conv=sync 2>/dev/null
chmod 600 /tmp/p.img /tmp/p2.img
start /tmp/s.out storage /tmp/p.img
if wait_for $T grep -q '^storage0: ready' /tmp/s.out; then
	unprivileged $VA 990 "storage"
	check "storage: the image opened as root is served (eject)" vusbctl storage0 eject
	check_match "... a member of group vusb may not insert a file only root may open" \
		'[Pp]ermission denied' sh -c "su -s /bin/sh tester -c 'vusbctl storage0 insert /tmp/p2.img' 2>&1; [ \$? -ne 0 ]"
	check_match "... and the drive is still empty" 'storage0.*no medium' vusbctl list
	check "... root inserts it: vusbctl opens it, vusb-attach (uid 990) gets the descriptor" \
		sh -c 'cd /tmp && vusbctl storage0 insert p2.img'
	check_match "... shown with its absolute path" 'storage0.*/tmp/p2\.img' vusbctl list
	sb=$(usb_dev_for 1209 0004)
	if [ -n "$sb" ] && wait_for $T sh -c "ls -d $sb/*:1.0/host*/target*/*/block/* >/dev/null 2>&1"; then
		dev=/dev/$(basename "$(ls -d $sb/*:1.0/host*/target*/*/block/* | head -n 1)")
		check "... and the host reads the new medium" wait_for $T sh -c \
			"dd if=$dev bs=512 count=1 iflag=direct 2>/dev/null | grep -q 'SECOND IMAGE'"
	else
		fail "... the host sees the disk" "no block device under $sb"
	fi
else
	fail "storage: ready" "$(cat /tmp/s.out.err)"
fi
kill $VA
wait $VA

# --- a Fomu replugs: attached again through the same files ---------------------
start /tmp/f.out fomu
if wait_for $T grep -q '^fomu0: ready' /tmp/f.out; then
	check "fomu: vusbctl fomu0 reset" vusbctl fomu0 reset
	if wait_for $T sh -c '[ $(grep -c "^fomu0: ready" /tmp/f.out) -ge 2 ]'; then
		ok "fomu: enumerates again after the replug, unprivileged"
	else
		fail "fomu: enumerates again after the replug, unprivileged" "$(tail -n 5 /tmp/f.out.err)"
	fi
	unprivileged $VA 990 "fomu after its replug"
else
	fail "fomu: ready" "$(cat /tmp/f.out.err)"
fi
kill $VA
wait $VA
check "fomu: SIGTERM exits 0" test $? -eq 0
