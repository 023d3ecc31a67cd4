#!/bin/sh
# vusb-attach --config: the devices of a configuration file, as a daemon
# too; its errors name the file and the line.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl
need_module vhci-hcd

T=$((20 * VM_SLOW))
export VUSB_CONFDIR=/tmp/vusb-conf
mkdir -p $VUSB_CONFDIR
cat >$VUSB_CONFDIR/desk.conf <<'EOF'
# a mouse and a keyboard
--wait-ready=30
mouse --name cfmouse
keyboard --name cfkbd
	--product "Config Keyboard" # the product string
EOF

out=$(timeout $T vusb-attach -d --pidfile /run/cf.pid --config desk 2>/tmp/c.err)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q '^cfmouse: nodes /dev/' && echo "$out" | grep -q '^cfkbd: nodes /dev/'; then
	ok "-d --config desk: both devices ready"
else
	fail "-d --config desk: both devices ready" "exit $rc" "$out" "$(cat /tmp/c.err)"
fi
check_match "the product string came through the quotes" "Config Keyboard" lsusb -v -d 1209:0002
kill "$(cat /run/cf.pid)"
wait_for $T sh -c '! grep -qx vusb-attach /proc/[0-9]*/comm'

# A path, in the foreground.
printf 'tablet --name cftab\n' >/tmp/one.conf
vusb-attach --no-stdin --config /tmp/one.conf >/tmp/c2.out 2>&1 &
VA=$!
if wait_for $T grep -q '^cftab: nodes /dev/' /tmp/c2.out; then ok "--config /tmp/one.conf (a path)"; else fail "--config /tmp/one.conf (a path)" "$(cat /tmp/c2.out)"; fi
kill $VA
wait $VA

printf 'mouse\n\nkeyboard --vid zz\n' >$VUSB_CONFDIR/bad.conf
check_match "an error names the file and line, exit 2" "bad.conf:3: invalid --vid 'zz'" \
	sh -c 'vusb-attach --config bad 2>&1; [ $? -eq 2 ]'
check_match "a missing configuration, exit 2" "nosuch.conf: No such file" \
	sh -c 'vusb-attach --config nosuch 2>&1; [ $? -eq 2 ]'
check_match "--config with devices given too, exit 2" "give no DEVICE" \
	sh -c 'vusb-attach --config desk mouse 2>&1; [ $? -eq 2 ]'
printf -- '--daemon\nmouse\n' >$VUSB_CONFDIR/d.conf
check_match "--daemon is refused in a file" "d.conf:1: '--daemon' belongs on the command line" \
	sh -c 'vusb-attach --config d 2>&1; [ $? -eq 2 ]'
check "nothing was attached by the failures" sh -c '! lsusb | grep -q "ID 1209:"'
