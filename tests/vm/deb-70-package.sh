#!/bin/sh
# The Debian package on a Debian 12 that has never seen vusb (tests/vm/
# run-systemd --deb): dpkg -i installs it with its dependencies met by
# Debian's own packages, makes the vusb user and group and vusb's
# directories and enables vusb.target; systemctl start vusb@NAME attaches
# a mouse the kernel enumerates and drives, served as user vusb; an
# upgrade leaves it running; dpkg -r
# stops and unplugs it and leaves none of the package's files; dpkg -P
# forgets vusb.target's enablement.
. /vusb/tests/lib.sh
need_cmd dpkg systemctl lsusb getent evread

T=$((30 * VM_SLOW))
DEB=/vusb/deb/vusb.deb

check "the package is there" test -s $DEB
check "fresh: dpkg knows no vusb" sh -c '! dpkg -s vusb >/dev/null 2>&1'
check "fresh: no vusb user, no vusb-attach" sh -c '! getent passwd vusb && ! test -e /usr/bin/vusb-attach'

if dpkg -i $DEB >/tmp/dpkg-i.out 2>&1; then
	ok "dpkg -i vusb.deb"
else
	fail "dpkg -i vusb.deb" "$(cat /tmp/dpkg-i.out)"
	exit 0
fi
note "$(tr '\n' ' ' </tmp/dpkg-i.out | cut -c1-300)"
check_match "... installed" "^Status: install ok installed$" dpkg -s vusb
check "... without a warning" sh -c '! grep -qiE "warning|error" /tmp/dpkg-i.out'
check_match "the vusb user exists, without a shell" "^vusb:x:[0-9]+:[0-9]+:.*:/usr/sbin/nologin$" getent passwd vusb
check_match "the vusb group exists" "^vusb:x:[0-9]+:" getent group vusb
check "/etc/vusb exists (tmpfiles.d)" test -d /etc/vusb
check_match "/var/lib/vusb exists, 0750 root" "^750 root root$" stat -c '%a %U %G' /var/lib/vusb
check_match "vusb.target is enabled" "^enabled$" systemctl is-enabled vusb.target
check_match "... and active" "^active$" systemctl is-active vusb.target
check "the man pages are installed" test -f /usr/share/man/man1/vusb-attach.1.gz
check "bash completion is installed" test -f /usr/share/bash-completion/completions/vusbctl

cat >/etc/vusb/mouse.conf <<'CONF'
mouse --name debmouse
CONF
if systemctl start vusb@mouse.service 2>/tmp/start.err; then
	ok "systemctl start vusb@mouse"
else
	fail "systemctl start vusb@mouse" "$(cat /tmp/start.err)" \
		"$(journalctl -q -u vusb@mouse.service -o cat | tail -n 12)"
	exit 0
fi
check_match "... active" "^active$" systemctl is-active vusb@mouse.service
check "/run/vusb is there" test -d /run/vusb
check_match "the kernel enumerated the mouse" "ID 1209:0001" lsusb
check_match "vusbctl sees it ready" "^debmouse +mouse +[0-9]+ +[0-9-]+ +ready" vusbctl list
pid=$(systemctl show -p MainPID --value vusb@mouse.service)
check_match "the service runs as user vusb" "^vusb$" ps -o user= -p "$pid"
ev=$(evdev_for 1209 0001 | head -n 1)
rm -f /tmp/e.ready
evread -n 1 -t $T --ready-file /tmp/e.ready "$ev" >/tmp/e.ev &
ER=$!
wait_for $T test -e /tmp/e.ready
check "vusbctl debmouse move 7 0" vusbctl debmouse move 7 0
wait $ER
check_match "... and the kernel sees it" "REL_X 7" cat /tmp/e.ev

# An upgrade (here the same version again, which runs the same scripts)
# leaves a running device alone: vusb.target is not stopped, so neither
# is anything PartOf it.
busid=$(vusbctl list | awk '$1 == "debmouse" { print $4 }')
if dpkg -i $DEB >/tmp/dpkg-u.out 2>&1; then
	ok "dpkg -i again, with the mouse running (an upgrade)"
else
	fail "dpkg -i again, with the mouse running (an upgrade)" "$(cat /tmp/dpkg-u.out)"
fi
check_match "... the service kept its process" "^MainPID=$pid$" systemctl show -p MainPID vusb@mouse.service
check_match "... and the mouse its bus id, still ready" "^debmouse +mouse +[0-9]+ +$busid +ready" vusbctl list
check_match "... NRestarts=0" "^NRestarts=0$" systemctl show -p NRestarts vusb@mouse.service

check "vusb@typo fails visibly" sh -c '! systemctl start vusb@no-such-conf.service 2>/dev/null'
systemctl reset-failed vusb@no-such-conf.service 2>/dev/null || :

if dpkg -r vusb >/tmp/dpkg-r.out 2>&1; then
	ok "dpkg -r vusb"
else
	fail "dpkg -r vusb" "$(cat /tmp/dpkg-r.out)"
fi
check "... without a warning" sh -c '! grep -qiE "warning|error" /tmp/dpkg-r.out'
check_match "... stopped vusb@mouse (PartOf vusb.target)" "^inactive$" \
	sh -c 'systemctl is-active vusb@mouse.service; true'
if wait_for $T sh -c '! lsusb | grep -q "ID 1209:0001"'; then
	ok "... the mouse left the bus"
else
	fail "... the mouse left the bus" "$(lsusb)"
fi
check "... no vusb-attach is left" sh -c '! pgrep -x vusb-attach'
check_match "... dpkg keeps only its configuration state" "^Status: deinstall ok config-files$" dpkg -s vusb
left=$(for f in /usr/bin/vusb-attach /usr/bin/vusbctl /lib/systemd/system/vusb@.service \
	/lib/systemd/system/vusb.target /lib/udev/rules.d/60-vusb.rules \
	/usr/lib/sysusers.d/vusb.conf /usr/share/man/man1/vusbctl.1.gz /usr/share/doc/vusb; do
	[ -e "$f" ] && echo "$f"
done)
if [ -z "$left" ]; then ok "... none of its files is left"; else fail "... none of its files is left" "$left"; fi
check_match "... systemd forgot the units" "not-found" \
	sh -c 'systemctl show -p LoadState vusb.target; true'
check "... the admin's /etc/vusb/mouse.conf stays" test -f /etc/vusb/mouse.conf

check "dpkg -P vusb" dpkg -P vusb
check "... dpkg forgot it" sh -c '! dpkg -s vusb >/dev/null 2>&1'
check "... vusb.target's enablement is gone" \
	sh -c '! test -e /etc/systemd/system/multi-user.target.wants/vusb.target && ! test -L /etc/systemd/system/multi-user.target.wants/vusb.target'
