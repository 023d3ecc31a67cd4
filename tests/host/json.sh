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
	storage "$img" --ro mouse >"$tmp/a.out" 2>"$tmp/a.err" &
pid=$!
pids+=("$pid")
for _ in $(seq 100); do
	grep -q '^mouse0: exported' "$tmp/a.out" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
if ! grep -q '^mouse0: exported' "$tmp/a.out"; then
	begin "a --listen instance starts"
	fail "$(cat "$tmp/a.out" "$tmp/a.err")"
	summary
fi
export HOSTILE=$hostile PID=$pid

check "list --json: a version and the devices, each with every documented key" '
d = doc()
keys(d, {"version": int, "devices": list})
assert d["version"] == 1
assert [x["name"] for x in d["devices"]] == ["keyboard0", "storage0", "mouse0"]
for x in d["devices"]:
    keys(x, {"name": str, "model": str, "instance": int, "listen": str, "state": str,
             "vid": str, "pid": str, "speed": str, "nodes": list, "details": str})
    for k in ("port", "busid", "serial", "product", "manufacturer", "importer"):
        assert k in x, k
    assert x["instance"] == int(__import__("os").environ["PID"])
    assert x["listen"].startswith("127.0.0.1:")
    assert x["state"] == "exported" and x["port"] is None and x["importer"] is None
    assert len(x["vid"]) == 4 and int(x["vid"], 16) == 0x1209
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
