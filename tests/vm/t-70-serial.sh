#!/bin/sh
# vusb-attach serial on a real kernel: cdc_acm binds it and makes
# /dev/ttyACMn; the other end is a pty, printed and linked as
# RUNDIR/dev/NAME.tty. stty on ttyACM shows in `vusbctl NAME info` and in
# the pty's termios (speed, stop bits: a pty keeps no parity or size);
# text goes each way; DTR/RTS set with ioctls and a break show in info;
# a break reaches the pty's reader as a NUL in its place; `vusbctl NAME
# watch` prints each change; DCD/DSR raised with `vusbctl NAME set` reach
# the host's TIOCMGET; bytes
# sent while nobody reads the pty, or while the host has ttyACM closed,
# all arrive when the reader comes (back).
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl stty cmp head timeout ttyctl
need_module cdc-acm

RUNDIR=${VUSB_RUNDIR:-/run/vusb}
LONG=$((60 * VM_SLOW))

info_has() {
	vusbctl "$1" info | grep -qx "$2"
}

# ---- the device, the pty and its link ----
serial_start serial0 serial || exit 0
SERIAL0=$VA
check_match "the pty is printed" '^/dev/pts/[0-9]+$' echo "$PTS"
check_match "RUNDIR/dev/serial0.tty links to it" "^$PTS\$" readlink "$RUNDIR/dev/serial0.tty"
check_match "cdc_acm drives it" '/cdc_acm$' readlink "/sys/bus/usb/devices/$BUSID:1.0/driver"
check "full speed by default" grep -qx 12 "/sys/bus/usb/devices/$BUSID/speed"
check_match "64-byte bulk packets" '^0040$' \
	cat "/sys/bus/usb/devices/$BUSID:1.1/ep_81/wMaxPacketSize"
check_match "the nodes line names $ACM" "^serial0: nodes.* $ACM( |\$)" cat /tmp/serial0.out

# Keep ttyACM open throughout, as a terminal program would: its modem
# lines stay as set, and its termios with it.
sleep 100000 <"$ACM" &
HOLD=$!

# ---- the line coding ----
check "stty -F $ACM 115200 cs8 -parenb" stty -F "$ACM" 115200 cs8 -parenb raw -echo
check "info: line 115200 8N1" wait_for 5 info_has serial0 "line 115200 8N1"
check "stty -F $ACM 9600 cs7 parenb parodd cstopb" stty -F "$ACM" 9600 cs7 parenb parodd cstopb
check "info: line 9600 7O2" wait_for 5 info_has serial0 "line 9600 7O2"
check_match "the pty follows: 9600 baud" '^speed 9600 baud' stty -F "$PTS"
check_match "the pty follows: two stop bits" '(^| )cstopb( |$)' stty -F "$PTS" -a
stty -F "$ACM" 115200 cs8 -parenb -cstopb raw -echo
check "info: back to 115200 8N1" wait_for 5 info_has serial0 "line 115200 8N1"
check_match "the pty follows: 115200 baud" '^speed 115200 baud' stty -F "$PTS"

# ---- text both ways ----
timeout 10 head -c 6 "$PTS" >/tmp/t1 &
R=$!
sleep 0.2
printf 'hello\n' >"$ACM"
wait $R
check_match "host -> pty: hello" '^hello$' cat /tmp/t1
timeout 10 head -c 6 "$ACM" >/tmp/t2 &
R=$!
sleep 0.2
printf 'world\n' >"$PTS"
wait $R
check_match "pty -> host: world" '^world$' cat /tmp/t2

# ---- control lines and a break, from the host ----
check "ttyctl: dtr off, rts on" ttyctl "$ACM" dtr off rts on
check "info: dtr off" wait_for 5 info_has serial0 "dtr off"
check "info: rts on" info_has serial0 "rts on"
check "ttyctl: dtr on, rts off" ttyctl "$ACM" dtr on rts off
check "info: dtr on" wait_for 5 info_has serial0 "dtr on"
check "info: rts off" info_has serial0 "rts off"
check "info: no break yet" info_has serial0 "breaks 0"
check "ttyctl: break" ttyctl "$ACM" break
check "info: one break" wait_for 5 info_has serial0 "breaks 1"
check "info: the break is over" info_has serial0 "break off"
check_match "the break waits in the pty as a NUL" '^ *00 *$' sh -c \
	"timeout 5 head -c 1 $PTS | od -An -tx1"

# ---- a break reaches the pty's reader as a NUL, in its place ----
timeout 10 head -c 3 "$PTS" >/tmp/b &
R=$!
sleep 0.2
printf 'a' >"$ACM"
ttyctl "$ACM" break
printf 'b' >"$ACM"
wait $R
check_match "a break between two bytes is a NUL between them" '^ *61 *00 *62 *$' \
	od -An -tx1 /tmp/b

# ---- watch ----
vusbctl serial0 watch >/tmp/watch 2>&1 &
WATCH=$!
# The watch is in place once it reports a change: toggle DSR until one
# shows (a fixed sleep lost the first changes on a slow, sanitized run).
_n=0
until grep -q "^dsr " /tmp/watch || [ $_n -ge $((40 * VM_SLOW)) ]; do
	vusbctl serial0 set dsr on
	vusbctl serial0 set dsr off
	sleep 0.25
	_n=$((_n + 1))
done
stty -F "$ACM" 57600
ttyctl "$ACM" dtr off rts off break
vusbctl serial0 set ri on
check "watch: the new line coding" wait_for $((5 * VM_SLOW)) grep -qx "line 57600 8N1" /tmp/watch
check "watch: DTR drops" wait_for $((5 * VM_SLOW)) grep -qx "dtr off" /tmp/watch
check "watch: RTS drops" grep -qx "rts off" /tmp/watch
check "watch: the break begins" grep -qx "break on" /tmp/watch
check "watch: the break ends" wait_for $((5 * VM_SLOW)) grep -qx "break off" /tmp/watch
check "watch: RI raised by set" wait_for $((5 * VM_SLOW)) grep -qx "ri on" /tmp/watch
check "watch: nothing from before it started" sh -c '! grep -q "line 115200" /tmp/watch'
kill $WATCH
check_match "that break too is a NUL for the pty's reader" '^ *00 *$' sh -c \
	"timeout 5 head -c 1 $PTS | od -An -tx1"
vusbctl serial0 set ri off
ttyctl "$ACM" dtr on rts on
stty -F "$ACM" 115200

# ---- lines towards the host ----
check "vusbctl serial0 set dcd on" vusbctl serial0 set dcd on
check "the host sees DCD" ttyctl "$ACM" wait dcd 1 10
check "vusbctl serial0 set dsr on" vusbctl serial0 set dsr on
check "the host sees DSR" ttyctl "$ACM" wait dsr 1 10
check "vusbctl serial0 set dcd off" vusbctl serial0 set dcd off
check "the host sees DCD drop" ttyctl "$ACM" wait dcd 0 10
check "info: dsr on" info_has serial0 "dsr on"
check "set: a line the device cannot drive is refused" sh -c '! vusbctl serial0 set cts on'

# ---- nobody reading: nothing lost ----
# The pty has no reader while the host writes 1 MiB: the writer waits
# (back-pressure), and a reader that comes later gets every byte.
head -c 1048576 /dev/urandom >/tmp/r3
timeout $LONG cat /tmp/r3 >"$ACM" &
W=$!
sleep 2
check "the host's writer waits while nobody reads the pty" kill -0 $W
timeout $LONG head -c 1048576 "$PTS" >/tmp/o3
wait $W
check "the late pty reader gets all 1 MiB" cmp /tmp/r3 /tmp/o3
# The host closes ttyACM (the holder goes) while the pty side writes; it
# reopens and reads every byte.
kill $HOLD
wait $HOLD 2>/dev/null
timeout $LONG cat /tmp/r3 >"$PTS" &
W=$!
sleep 2
check "the pty's writer waits while the host has ttyACM closed" kill -0 $W
timeout $LONG head -c 1048576 "$ACM" >/tmp/o3
wait $W
check "the host, reopening, gets all 1 MiB" cmp /tmp/r3 /tmp/o3
rm -f /tmp/r3 /tmp/o3

kill -TERM $SERIAL0
wait $SERIAL0
check "vusb-attach serial exits 0 on SIGTERM" test $? -eq 0
check "the .tty link goes with it" test ! -e "$RUNDIR/dev/serial0.tty"

# ---- unprivileged: the pty and its link are made as root, then dropped ----
cp /etc/passwd /tmp/passwd.orig
trap 'cp /tmp/passwd.orig /etc/passwd' EXIT
echo 'vusb:x:990:990:vusb:/nonexistent:/bin/false' >>/etc/passwd
if serial_start serial1 serial; then
	check "it runs as user vusb" wait_for 5 grep -q "^Uid:[[:space:]]*990[[:space:]]" "/proc/$VA/status"
	stty -F "$ACM" raw -echo
	check_match "RUNDIR/dev/serial1.tty links to its pty" "^$PTS\$" \
		readlink "$RUNDIR/dev/serial1.tty"
	timeout 10 head -c 3 "$PTS" >/tmp/t1 &
	R=$!
	sleep 0.2
	printf 'up\n' >"$ACM"
	wait $R
	check_match "unprivileged, host -> pty" '^up$' cat /tmp/t1
	kill -TERM $VA
	wait $VA
	check "the cleaner takes the .tty link with the name" \
		wait_for 5 test ! -e "$RUNDIR/dev/serial1.tty" -a ! -L "$RUNDIR/dev/serial1.tty"
fi
