#!/bin/bash
# SPDX-License-Identifier: MIT
#
# --capture on the build machine, read back by Debian's tshark and
# capinfos: a --listen storage device imported by our own test client
# (tests/host/usbip-import.py), no kernel module needed. Run from the top
# of the tree after `make` (make check does both):
#
#   tests/host/capture.sh
#
# Prints cmocka-style lines like tests/host/usbip-client.sh. A missing
# tshark or capinfos is a failure (scripts/install-deps --test installs
# them). The full-disk case mounts a 64 KiB tmpfs in a mount namespace
# of its own (unshare -rm); where the machine allows no such namespace it
# is SKIPPED with the reason.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
attach=${VUSB_BIN:-$top/bin}/vusb-attach
import=$top/tests/host/usbip-import.py
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"

# wait_listen FILE: until FILE has the "listening on" line; sets $port.
wait_listen() {
	local i
	for i in $(seq 100); do
		port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$1" 2>/dev/null)
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# tshark's fields of the frames that have them, quietly (it warns as root).
fields() {
	local f=$1
	shift
	local args=()
	for e in "$@"; do
		args+=(-e "$e")
	done
	tshark -r "$f" -T fields "${args[@]}" 2>/dev/null
}

echo "[==========] Running capture cases."

missing=()
for t in tshark capinfos python3; do
	command -v "$t" >/dev/null || missing+=("$t")
done
if [ ${#missing[@]} -ne 0 ]; then
	begin "tshark, capinfos and python3 are installed"
	fail "missing: ${missing[*]} (Debian: apt-get install tshark python3; scripts/install-deps --test)"
fi
if [ ! -x "$attach" ]; then
	begin "vusb-attach is built"
	fail "$attach is missing: run make first"
	missing+=(vusb-attach)
fi

disk=$tmp/disk.img
truncate -s 4M "$disk"
printf 'HELLOLBA' | dd of="$disk" bs=512 seek=5 conv=notrunc status=none

if [ ${#missing[@]} -eq 0 ]; then
	begin "--capture FILE: tshark decodes a --listen storage session, across two importers"
	cap=$tmp/a.pcapng
	"$attach" --no-stdin --capture "$cap" --listen 127.0.0.1:0 storage "$disk" \
		>"$tmp/a.out" 2>"$tmp/a.err" &
	pid=$!
	pids+=("$pid")
	if wait_listen "$tmp/a.out"; then
		python3 "$import" "$port" 1-1 5 >"$tmp/i1.out" 2>&1
		r1=$?
		python3 "$import" "$port" 1-1 7 >"$tmp/i2.out" 2>&1
		r2=$?
		kill -TERM "$pid"
		wait "$pid"
		rc=$?
		fields "$cap" usb.idVendor scsi_sbc.rdwr10.lba scsi.inquiry.vendor_id \
			>"$tmp/a.fields"
		vids=$(grep -c $'^0x1209\t' "$tmp/a.fields")
		if [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$vids" -eq 2 ] &&
			grep -qx $'\t5\t' "$tmp/a.fields" && grep -qx $'\t7\t' "$tmp/a.fields" &&
			[ "$(grep -c $'^\t\tvusb *$' "$tmp/a.fields")" -eq 2 ]; then
			pass
		else
			fail "importers $r1 $r2, exit $rc, $vids device descriptors" \
				"$(cat "$tmp/i1.out" "$tmp/i2.out" "$tmp/a.err" "$tmp/a.fields")"
		fi

		begin "capinfos: a valid pcapng, one interface named for the device, the command line"
		capinfos "$cap" >"$tmp/a.info" 2>&1
		crc=$?
		if [ "$crc" -eq 0 ] && grep -q 'File type: *Wireshark/... - pcapng' "$tmp/a.info" &&
			grep -q 'Number of interfaces in file: 1' "$tmp/a.info" &&
			grep -q 'Description = storage0 1209:0004 busid 1-1' "$tmp/a.info" &&
			grep -q 'Capture comment: *vusb [0-9.]*: .*--capture' "$tmp/a.info" &&
			grep -q 'Number of packets: *36' "$tmp/a.info"; then
			pass
		else
			fail "capinfos exit $crc" "$(cat "$tmp/a.info")"
		fi

		begin "the READ(10) data is in the capture (no splice while capturing)"
		n=$(tshark -r "$cap" -Y 'frame contains "HELLOLBA"' 2>/dev/null | wc -l)
		if [ "$n" -eq 1 ]; then
			pass
		else
			fail "$n frames hold the block's bytes"
		fi
	else
		fail "vusb-attach --capture did not start" "$(cat "$tmp/a.err")"
	fi

	begin "--capture-snaplen 16 keeps 16 bytes of each transfer's data"
	cap=$tmp/s.pcapng
	"$attach" --no-stdin --capture "$cap" --capture-snaplen 16 --listen 127.0.0.1:0 \
		storage "$disk" >"$tmp/s.out" 2>"$tmp/s.err" &
	pid=$!
	pids+=("$pid")
	if wait_listen "$tmp/s.out"; then
		python3 "$import" "$port" 1-1 5 >"$tmp/s.imp" 2>&1
		kill -TERM "$pid"
		wait "$pid"
		fields "$cap" frame.len frame.cap_len >"$tmp/s.fields"
		if grep -qx $'576\t80' "$tmp/s.fields" &&
			awk -F'\t' '$2 > 80 { bad = 1 } END { exit bad }' "$tmp/s.fields"; then
			pass
		else
			fail "$(cat "$tmp/s.imp" "$tmp/s.err" "$tmp/s.fields")"
		fi
	else
		fail "vusb-attach did not start" "$(cat "$tmp/s.err")"
	fi

	begin "--capture - streams to a reader: tshark -r - decodes it live"
	mkfifo "$tmp/live"
	tshark -l -r - -T fields -e scsi_sbc.rdwr10.lba -Y scsi_sbc.rdwr10.lba <"$tmp/live" \
		>"$tmp/p.fields" 2>/dev/null &
	reader=$!
	pids+=("$reader")
	"$attach" --no-stdin --capture - --listen 127.0.0.1:0 storage "$disk" >"$tmp/live" \
		2>"$tmp/p.err" &
	pid=$!
	pids+=("$pid")
	if wait_listen "$tmp/p.err"; then
		python3 "$import" "$port" 1-1 9 >"$tmp/p.imp" 2>&1
		for i in $(seq 100); do
			grep -qx 9 "$tmp/p.fields" && break
			sleep 0.05
		done
		live=$(cat "$tmp/p.fields")
		kill -TERM "$pid"
		wait "$pid" "$reader"
		if [ "$live" = 9 ] && ! grep -q '^listening on' "$tmp/p.fields"; then
			pass
		else
			fail "while running: '$live'" "$(cat "$tmp/p.imp" "$tmp/p.err")"
		fi
	else
		fail "vusb-attach --capture - did not start" "$(cat "$tmp/p.err")"
	fi

	begin "a full disk ends the capture with one line, the file stays valid, the device works on"
	if ! unshare -rm true 2>/dev/null; then
		skip "no mount namespace here (unshare -rm): cannot make a small filesystem"
	else
		mkdir -p "$tmp/fs"
		# In a namespace of its own: a 64 KiB tmpfs, the capture on it,
		# enough reads to fill it, then the file copied out.
		unshare -rm bash -c '
			mount -t tmpfs -o size=64k none "$1/fs" || exit 90
			"$2" --no-stdin --user root --capture "$1/fs/c.pcapng" --listen 127.0.0.1:0 \
				storage "$4" >"$1/f.out" 2>"$1/f.err" &
			pid=$!
			for i in $(seq 100); do
				grep -q "^listening on" "$1/f.out" && break
				sleep 0.05
			done
			port=$(sed -n "s/^listening on .*:\([0-9]*\)$/\1/p" "$1/f.out")
			python3 "$3" "$port" 1-1 5 150 >"$1/f1.imp" 2>&1 || exit 91
			python3 "$3" "$port" 1-1 6 >"$1/f2.imp" 2>&1 || exit 92
			kill -TERM $pid
			wait $pid || exit 93
			cp "$1/fs/c.pcapng" "$1/f.pcapng"
		' sh "$tmp" "$attach" "$import" "$disk"
		urc=$?
		capinfos "$tmp/f.pcapng" >"$tmp/f.info" 2>&1
		crc=$?
		tshark -r "$tmp/f.pcapng" >"$tmp/f.tshark" 2>&1
		trc=$?
		lines=$(grep -c 'capture .* ended: no space left on the device; the devices carry on' \
			"$tmp/f.err")
		if [ "$urc" -eq 0 ] && [ "$crc" -eq 0 ] && [ "$trc" -eq 0 ] && [ "$lines" -eq 1 ] &&
			grep -q 'read10 lba 6 ok' "$tmp/f2.imp" &&
			[ "$(stat -c %s "$tmp/f.pcapng")" -gt 40000 ]; then
			pass
		else
			fail "namespace exit $urc, capinfos $crc, tshark $trc, $lines end lines" \
				"$(cat "$tmp/f.err" "$tmp/f.info" 2>/dev/null | tail -20)" \
				"$(tail -3 "$tmp/f.tshark")"
		fi
	fi

	begin "a device's --capture and vusbctl NAME capture start/stop"
	ctl=${VUSB_BIN:-$top/bin}/vusbctl
	"$attach" --no-stdin --listen 127.0.0.1:0 storage "$disk" --capture "$tmp/dev.pcapng" \
		mouse >"$tmp/d.out" 2>"$tmp/d.err" &
	pid=$!
	pids+=("$pid")
	if wait_listen "$tmp/d.out"; then
		echo keep >"$tmp/keep.pcapng"
		python3 "$import" "$port" 1-1 5 >"$tmp/d1.imp" 2>&1
		"$ctl" storage0 capture stop >"$tmp/d.ctl" 2>&1
		s1=$?
		"$ctl" storage0 capture start "$tmp/ctl.pcapng" --snaplen 31 >>"$tmp/d.ctl" 2>&1
		s2=$?
		# a second one is refused, and the file it named is left as it was
		"$ctl" storage0 capture start "$tmp/keep.pcapng" >>"$tmp/d.ctl" 2>&1
		s3=$?
		"$ctl" storage0 capture start "$tmp/new.pcapng" >>"$tmp/d.ctl" 2>&1
		s4=$?
		python3 "$import" "$port" 1-1 6 >"$tmp/d2.imp" 2>&1
		"$ctl" storage0 capture stop >>"$tmp/d.ctl" 2>&1
		s5=$?
		python3 "$import" "$port" 1-1 7 >"$tmp/d3.imp" 2>&1
		kill -TERM "$pid"
		wait "$pid"
		l1=$(fields "$tmp/dev.pcapng" scsi_sbc.rdwr10.lba | grep -v '^$' | tr '\n' ' ')
		l2=$(fields "$tmp/ctl.pcapng" scsi_sbc.rdwr10.lba | grep -v '^$' | tr '\n' ' ')
		capinfos "$tmp/ctl.pcapng" >"$tmp/ctl.info" 2>&1
		if [ "$s1$s2$s3$s4$s5" = 00110 ] && [ "$l1" = "5 " ] && [ "$l2" = "6 " ] &&
			[ "$(cat "$tmp/keep.pcapng")" = keep ] && [ ! -e "$tmp/new.pcapng" ] &&
			grep -q 'a capture is running already' "$tmp/d.ctl" &&
			grep -q 'Capture comment: *vusb .*: vusbctl storage0 capture start' \
				"$tmp/ctl.info" &&
			grep -q 'Packet size limit: *inferred: 95 bytes' "$tmp/ctl.info"; then
			pass
		else
			fail "vusbctl exits $s1$s2$s3$s4$s5, LBAs '$l1' '$l2'" "$(cat "$tmp/d.ctl")" \
				"$(cat "$tmp/ctl.info")"
		fi
	else
		fail "vusb-attach did not start" "$(cat "$tmp/d.err")"
	fi

	begin "vusbctl NAME capture start through a symbolic link: refused (exit 2), its target untouched"
	"$attach" --no-stdin --listen 127.0.0.1:0 mouse >"$tmp/l.out" 2>"$tmp/l.err" &
	pid=$!
	pids+=("$pid")
	if wait_listen "$tmp/l.out"; then
		# Left in a shared directory by someone else, it would have
		# vusbctl (run with sudo) hand over the file for truncation.
		echo precious >"$tmp/victim"
		ln -s "$tmp/victim" "$tmp/link.pcapng"
		"$ctl" mouse0 capture start "$tmp/link.pcapng" >"$tmp/l.ctl" 2>&1
		s1=$?
		# nothing runs: a real capture can start after it
		"$ctl" mouse0 capture start "$tmp/real.pcapng" >>"$tmp/l.ctl" 2>&1
		s2=$?
		kill -TERM "$pid"
		wait "$pid"
		if [ $s1 = 2 ] && [ $s2 = 0 ] && [ "$(cat "$tmp/victim")" = precious ] &&
			grep -q "link.pcapng: it is a symbolic link" "$tmp/l.ctl"; then
			pass
		else
			fail "vusbctl exits $s1 $s2" "$(cat "$tmp/l.ctl")" \
				"victim: $(od -c "$tmp/victim" | head -n 2)"
		fi
	else
		fail "vusb-attach did not start" "$(cat "$tmp/l.err")"
	fi

	begin "a fault that fires is named in a comment on the packet of the URB it hit"
	cap=$tmp/flt.pcapng
	"$attach" --no-stdin --capture "$cap" --listen 127.0.0.1:0 storage "$disk" \
		--fault 'slow 20' --fault 'nak 10 --ep 0x81 --count 1' >"$tmp/flt.out" \
		2>"$tmp/flt.err" &
	pid=$!
	pids+=("$pid")
	if wait_listen "$tmp/flt.out"; then
		python3 "$import" "$port" 1-1 5 >"$tmp/flt.imp" 2>&1
		irc=$?
		kill -TERM "$pid"
		wait "$pid"
		# Wireshark 4 calls the option frame.comment (pkt_comment before 3.6)
		fields "$cap" frame.number frame.comment usb.endpoint_address |
			awk -F'\t' '$2 != ""' >"$tmp/flt.fields"
		slow=$(grep -c $'\tfault 1: slow ep 0x02\t0x02$' "$tmp/flt.fields")
		nak=$(grep -c $'\tfault 2: nak ep 0x81\t0x81$' "$tmp/flt.fields")
		if [ "$irc" -eq 0 ] && [ "$slow" -eq 1 ] && [ "$nak" -eq 1 ] &&
			[ "$(wc -l <"$tmp/flt.fields")" -eq 2 ] &&
			grep -q 'storage0: fault 1 slow fired on seqnum' "$tmp/flt.err"; then
			pass
		else
			fail "importer $irc, $slow slow and $nak nak comments" \
				"$(cat "$tmp/flt.fields" "$tmp/flt.imp" "$tmp/flt.err")"
		fi
	else
		fail "vusb-attach did not start" "$(cat "$tmp/flt.err")"
	fi

	begin "bad --capture options are usage errors (exit 2)"
	"$attach" --no-stdin --capture-snaplen 0 --capture x mouse >"$tmp/u1" 2>&1
	u1=$?
	"$attach" --no-stdin --capture-snaplen 100 mouse >"$tmp/u2" 2>&1
	u2=$?
	"$attach" --no-stdin --daemon --capture - mouse >"$tmp/u3" 2>&1
	u3=$?
	if [ "$u1" -eq 2 ] && grep -q "invalid --capture-snaplen '0'" "$tmp/u1" &&
		[ "$u2" -eq 2 ] && grep -q -- "--capture-snaplen only makes sense with --capture" "$tmp/u2" &&
		[ "$u3" -eq 2 ] && grep -q -- "--capture - writes to standard output" "$tmp/u3"; then
		pass
	else
		fail "exits $u1 $u2 $u3" "$(cat "$tmp/u1" "$tmp/u2" "$tmp/u3")"
	fi

	begin "a capture file that cannot be written is refused before anything starts"
	"$attach" --no-stdin --capture /nonexistent/dir/c.pcapng --listen 127.0.0.1:0 mouse \
		>"$tmp/n.out" 2>&1
	nrc=$?
	if [ "$nrc" -ne 0 ] && grep -q 'cannot write the capture /nonexistent/dir/c.pcapng' "$tmp/n.out" &&
		! grep -q '^listening on' "$tmp/n.out"; then
		pass
	else
		fail "exit $nrc" "$(cat "$tmp/n.out")"
	fi
fi

summary
