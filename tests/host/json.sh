#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The --json output of vusbctl, as a script reads it: a --listen instance
# on the build machine (no vhci needed), every --json output parsed by
# python3's json module, its keys and their types checked, and names,
# serials, product strings and paths that users choose (quotes, newlines,
# control bytes, bytes that are not UTF-8) coming back as they went in.
# Run from the top of the tree after `make` (make check does both):
#
#   tests/host/json.sh
#
# A missing python3 is a failure (scripts/install-deps --test installs it).
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
attach=${VUSB_BIN:-$top/bin}/vusb-attach
ctl=${VUSB_BIN:-$top/bin}/vusbctl
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"

echo "[==========] Running json cases."

if ! command -v python3 >/dev/null; then
	begin "python3 is installed"
	fail "missing: python3 (Debian: apt-get install python3; scripts/install-deps --test)"
	summary
fi

# check NAME PYTHON [COMMAND...]: run COMMAND, feed its standard output
# to the python3 code PYTHON as `doc` (json.loads of it) and `lines`
# (json.loads of each line); the case passes when PYTHON raises nothing.
check() {
	local name=$1 code=$2 out rc
	shift 2
	begin "$name"
	out=$("$@" 2>"$tmp/err")
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$* exited $rc" "$(cat "$tmp/err")"
		return
	fi
	if printf '%s' "$out" | python3 -c '
import json, sys
text = sys.stdin.buffer.read().decode("utf-8")
def lines():
    return [json.loads(l) for l in text.splitlines()]
def doc():
    return json.loads(text)
def keys(obj, spec):
    for k, t in spec.items():
        assert k in obj, "no key %r in %r" % (k, obj)
        assert isinstance(obj[k], t), "%r is %r, not %r" % (k, obj[k], t)
'"$code" 2>"$tmp/py"; then
		pass
	else
		fail "$*:" "$out" "$(cat "$tmp/py")"
	fi
}

# Strings users choose: a quote, a backslash, a newline, a 0x01 byte.
hostile=$'q"b\\s\nn\x01end'
# A file name that is not UTF-8 (0xff) and has a quote in it.
img=$tmp/$'d"isk\xff.img'
truncate -s 1M "$img"
"$attach" --no-stdin --listen 127.0.0.1:0 keyboard --serial "$hostile" --product "$hostile" \
	storage "$img" --ro mouse gamepad fomu serial >"$tmp/a.out" 2>"$tmp/a.err" &
pid=$!
pids+=("$pid")
for _ in $(seq 100); do
	grep -q '^serial0: exported' "$tmp/a.out" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
if ! grep -q '^serial0: exported' "$tmp/a.out"; then
	begin "a --listen instance starts"
	fail "$(cat "$tmp/a.out" "$tmp/a.err")"
	summary
fi
export HOSTILE=$hostile PID=$pid

check "list --json: a version and the devices, each with every documented key" '
d = doc()
keys(d, {"version": int, "devices": list})
assert d["version"] == 1
assert [x["name"] for x in d["devices"]] == ["keyboard0", "storage0", "mouse0", "gamepad0", "fomu0",
                                               "serial0"]
for x in d["devices"]:
    keys(x, {"name": str, "model": str, "instance": int, "listen": str, "state": str,
             "vid": str, "pid": str, "speed": str, "nodes": list, "details": str})
    for k in ("port", "busid", "serial", "product", "manufacturer", "importer"):
        assert k in x, k
    assert x["instance"] == int(__import__("os").environ["PID"])
    assert x["listen"].startswith("127.0.0.1:")
    assert x["state"] == "exported" and x["port"] is None and x["importer"] is None
    for k in ("vid", "pid"):
        assert len(x[k]) == 4 and x[k] == x[k].lower() and int(x[k], 16) >= 0, x[k]
assert d["devices"][3]["vid"] == "045e" and d["devices"][3]["pid"] == "028e"
' "$ctl" list --json

check "list --json: a serial and a product with quotes, newline and 0x01 round-trip" '
import os
k = doc()["devices"][0]
assert k["serial"] == os.environ["HOSTILE"], repr(k["serial"])
assert k["product"] == os.environ["HOSTILE"], repr(k["product"])
assert k["leds"] == [] and k["pid"] == "0002" and k["speed"] == "full-speed"
' "$ctl" list --json

check "list --json: the image path (quote, a byte not UTF-8 as U+FFFD) and its mode" '
s = doc()["devices"][1]
keys(s, {"medium": str, "image": dict})
keys(s["image"], {"path": str, "mode": str, "size": int, "locked": bool})
assert s["image"]["path"].endswith("/d\"isk\ufffd.img"), repr(s["image"]["path"])
assert s["image"]["mode"] == "ro" and s["image"]["size"] == 1 << 20
assert s["medium"] == "present" and s["speed"] == "high-speed"
' "$ctl" list --json

# A USB/IP client imports mouse0 (OP_REQ_IMPORT, from the kernel's
# usbip_protocol.rst) and holds it while vusbctl lists it.
begin "list --json: an imported device names its importer's address"
if python3 - "$ctl" "$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/a.out")" \
	2>"$tmp/imp.err" <<'PY'; then
import json, socket, struct, subprocess, sys
ctl, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(struct.pack(">HHI32s", 0x0111, 0x8003, 0, b"1-3"))
rep = b""
while len(rep) < 8 + 312:
    d = s.recv(8 + 312 - len(rep))
    assert d, "the server hung up"
    rep += d
assert struct.unpack(">HHI", rep[:8]) == (0x0111, 0x0003, 0), rep[:8]
d = json.loads(subprocess.run([ctl, "list", "--json"], capture_output=True, check=True).stdout)
m = [x for x in d["devices"] if x["name"] == "mouse0"][0]
assert m["state"] == "imported", m
assert m["importer"] == "127.0.0.1:%d" % s.getsockname()[1], (m["importer"], s.getsockname())
s.close()
PY
	pass
else
	fail "$(cat "$tmp/imp.err")"
fi

check "keyboard0 leds --json: the LEDs as an array" '
assert doc() == {"leds": []}
' "$ctl" keyboard0 leds --json

check "storage0 info --json: medium, image, lock and counters" '
d = doc()
keys(d, {"medium": str, "image": dict, "type": str, "block_size": int, "lock": str,
         "prevent_removal": bool, "flush_failed": bool, "commands": int, "phase_errors": int,
         "resets": int})
assert d["type"] == "disk" and d["block_size"] == 512 and d["lock"] == "shared"
assert d["image"]["path"].endswith("/d\"isk\ufffd.img") and d["image"]["mode"] == "ro"
' "$ctl" storage0 info --json

check "gamepad0 state --json: rumble and LED" '
d = doc()
keys(d, {"rumble": dict})
assert d == {"rumble": {"strong": 0, "weak": 0}, "led": None}, d
' "$ctl" gamepad0 state --json

check "fomu0 log --json: JSON lines, each with its line" '
for l in lines():
    keys(l, {"line": str})
' "$ctl" fomu0 log --json

check "serial0 info --json: line coding, lines, its end and what it carried" '
d = doc()
keys(d, {"line": str, "rate": int, "dtr": bool, "rts": bool, "break": bool, "breaks": int,
         "dcd": bool, "dsr": bool, "ri": bool, "queued_to_host": int, "queued_from_host": int,
         "end": dict, "carried_to_host": int, "carried_from_host": int})
assert d["end"]["kind"] == "pty" and d["end"]["pty"].startswith("/dev/pts/"), d["end"]
' "$ctl" serial0 info --json

begin "faults set for the next cases"
if "$ctl" keyboard0 fault stall --ep 0x81 --count 2 >/dev/null 2>"$tmp/f.err" &&
	"$ctl" storage0 fault medium-error 100-199 read >/dev/null 2>>"$tmp/f.err"; then
	pass
else
	fail "$(cat "$tmp/f.err")"
fi

check "keyboard0 faults --json: each fault with its id, spec and counts" '
d = doc()
keys(d, {"faults": list, "model": list})
assert len(d["faults"]) == 1 and d["model"] == []
keys(d["faults"][0], {"id": int, "spec": str, "fired": int, "spent": bool, "holding": int})
assert d["faults"][0]["spec"] == "stall --ep 0x81 --count 2" and d["faults"][0]["fired"] == 0
' "$ctl" keyboard0 faults --json

check "storage0 faults --json: the model's own faults as text" '
assert doc() == {"faults": [], "model": ["medium-error 100-199 read"]}, doc()
' "$ctl" storage0 faults --json

begin "an unknown option after a --json command: usage, exit 2"
"$ctl" keyboard0 leds --jsn >"$tmp/u.out" 2>"$tmp/u.err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'usage: leds \[--json\]' "$tmp/u.err" && [ ! -s "$tmp/u.out" ]; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/u.out" "$tmp/u.err")"
fi

# Not JSON, but for scripts too: batch names the line of each error.
begin "batch: each error names its line, and the lines after it still run"
printf 'nosuch0 leds\n\n# a comment\nkeyboard0 frob\nkeyboard0 leds\nmouse0\n' |
	"$ctl" batch >"$tmp/b.out" 2>"$tmp/b.err"
rc=$?
if [ $rc -eq 4 ] && grep -q "^vusbctl: line 1: no device named 'nosuch0'" "$tmp/b.err" &&
	grep -q "^vusbctl: line 4: keyboard0: unknown command 'frob'" "$tmp/b.err" &&
	grep -q "^vusbctl: line 6: not NAME COMMAND" "$tmp/b.err" &&
	[ "$(cat "$tmp/b.out")" = none ]; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/b.out" "$tmp/b.err")"
fi

summary
