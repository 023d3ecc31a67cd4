#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Bash completion of vusbctl and vusb-attach, through bash-completion's
# own _init_completion as an interactive bash runs it: the names of the
# running devices after vusbctl (and nothing, silently, when none runs),
# each kind's commands as the programs list them, the key names the keyboard itself parses after
# press/release/key (combos too), each device's own options after
# vusb-attach DEVICE (and vusbctl add DEVICE),
# and files after the options that take one.
# Needs bash-completion (scripts/install-deps --test): without it the
# cases fail. Prints cmocka-style lines for tests/run-tests.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${VUSB_BIN:-$top/bin}
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"
mkdir -p "$VUSB_RUNDIR"
export PATH="$bin:$PATH"
BC=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}

# comp LINE: what completing LINE (the cursor at its end) offers, one a
# line, sorted; what the completion wrote to stderr in $tmp/comp.err.
comp() {
	bash --norc --noprofile -c '
		. "$1" || exit 1
		. "$2/contrib/bash-completion/vusbctl"
		. "$2/contrib/bash-completion/vusb-attach"
		COMP_LINE=$3
		COMP_POINT=${#COMP_LINE}
		read -r -a COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		fn=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' comp "$BC" "$top" "$1" 2>"$tmp/comp.err" | sed '/^$/d' | LC_ALL=C sort
}

# expect LINE WORD...: the completion of LINE offers each WORD
expect() {
	local line=$1 w missing=()
	shift
	comp "$line" >"$tmp/got"
	for w in "$@"; do
		grep -qxF -- "$w" "$tmp/got" || missing+=("$w")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		pass
	else
		fail "'$line' does not offer: ${missing[*]}" "it offers: $(tr '\n' ' ' <"$tmp/got")" \
			"$(cat "$tmp/comp.err")"
	fi
}

# refuse LINE WORD...: the completion of LINE offers none of the WORDs
refuse() {
	local line=$1 w bad=()
	shift
	comp "$line" >"$tmp/got"
	for w in "$@"; do
		grep -qxF -- "$w" "$tmp/got" && bad+=("$w")
	done
	if [ ${#bad[@]} -eq 0 ] && [ -s "$tmp/got" ]; then
		pass
	else
		fail "'$line' offers ${bad[*]:-nothing}" "it offers: $(tr '\n' ' ' <"$tmp/got")"
	fi
}

begin "bash-completion is installed ($BC)"
if [ -r "$BC" ]; then pass; else fail "missing: apt-get install bash-completion (scripts/install-deps --test)"; fi

begin "no instance runs: vusbctl's commands, silently and at once"
start=$(date +%s%N)
comp "vusbctl " >"$tmp/got"
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$(tr '\n' ' ' <"$tmp/got")" = "--help --version add batch detach help list remove resume suspend " ] &&
	[ ! -s "$tmp/comp.err" ] && [ "$ms" -lt 2000 ]; then
	pass
else
	fail "offers: $(tr '\n' ' ' <"$tmp/got") in $ms ms" "stderr: $(cat "$tmp/comp.err")"
fi

vusb-attach --listen 127.0.0.1:0 keyboard --name kb1 mouse --name m1 tablet --name tab1 \
	storage --name st1 --create 1M "$tmp/st.img" >"$tmp/attach.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	grep -q '^st1: exported' "$tmp/attach.out" && break
	sleep 0.1
done

begin "vusbctl: the running devices' names, from vusbctl list"
expect "vusbctl " kb1 m1 tab1 st1 list detach

begin "vusbctl k: only the names that fit"
comp "vusbctl k" >"$tmp/got"
if [ "$(tr '\n' ' ' <"$tmp/got")" = "kb1 " ]; then pass; else fail "offers: $(cat "$tmp/got")"; fi

begin "vusbctl detach: the names"
expect "vusbctl detach " kb1 m1 tab1 st1

begin "vusbctl KEYBOARD: a keyboard's commands, keys among them"
expect "vusbctl kb1 " type key press release leds keys

begin "vusbctl KEYBOARD: not a mouse's"
refuse "vusbctl kb1 " move scroll click

begin "vusbctl KEYBOARD: what any device answers too"
expect "vusbctl kb1 " detach capture fault faults disconnect reconnect replug

begin "vusbctl STORAGE: every command of storage (vusb-attach storage --help)"
expect "vusbctl st1 " eject insert info medium-error not-ready write-protect detach fault

begin "vusbctl STORAGE: no word of the help's prose"
refuse "vusbctl st1 " as standard e.g. FILE move keys

begin "vusbctl KEYBOARD press: every key name the keyboard lists (vusbctl kb1 keys)"
vusbctl kb1 keys 2>&1 | grep -x '[a-z0-9]*' | LC_ALL=C sort >"$tmp/keys"
comp "vusbctl kb1 press " >"$tmp/got"
if [ "$(wc -l <"$tmp/keys")" -gt 150 ] && cmp -s "$tmp/keys" "$tmp/got"; then
	pass
else
	fail "$(diff "$tmp/keys" "$tmp/got" | head -n 20)" "$(cat "$tmp/comp.err")"
fi

begin "vusbctl KEYBOARD release page: the names that fit"
comp "vusbctl kb1 release page" >"$tmp/got"
if [ "$(tr '\n' ' ' <"$tmp/got")" = "pagedown pageup " ]; then pass; else fail "offers: $(cat "$tmp/got")"; fi

begin "vusbctl KEYBOARD key ctrl+alt+de: the next key of a combo"
expect "vusbctl kb1 key enter ctrl+alt+de" ctrl+alt+delete

begin "vusbctl KEYBOARD type: --wait and - (standard input)"
expect "vusbctl kb1 type " --wait -

begin "vusbctl KEYBOARD leds: --json"
expect "vusbctl kb1 leds " --json

begin "vusbctl NAME faults --: --json"
expect "vusbctl m1 faults --" --json

begin "vusbctl MOUSE press: the buttons"
expect "vusbctl m1 press " left right middle side extra

begin "vusbctl TABLET press: its buttons (a tablet needs one)"
comp "vusbctl tab1 press " >"$tmp/got"
if [ "$(tr '\n' ' ' <"$tmp/got")" = "left middle right " ]; then pass; else fail "offers: $(cat "$tmp/got")"; fi

begin "vusbctl NAME with an instance running: nothing on stderr"
comp "vusbctl kb1 press ctr" >"$tmp/got"
if [ ! -s "$tmp/comp.err" ] && grep -qx ctrl "$tmp/got"; then pass; else fail "$(cat "$tmp/comp.err" "$tmp/got")"; fi

begin "vusb-attach: the device kinds"
expect "vusb-attach " mouse keyboard tablet gamepad hid storage serial fomu

begin "vusb-attach mouse --: its options, and those of every device"
expect "vusb-attach mouse --" --name --vid --pid --serial --speed

begin "vusb-attach mouse --: no other device's options"
refuse "vusb-attach mouse --" --ro --cdrom --create --firmware --flash --report-descriptor

begin "vusb-attach storage --: the storage options"
expect "vusb-attach storage --" --ro --cdrom --create --snapshot --name

begin "vusb-attach mouse --name m storage --: the last device's options"
refuse "vusb-attach mouse --name m storage --" --firmware --flash --report-descriptor

begin "vusb-attach fomu --: the fomu options"
expect "vusb-attach fomu --" --firmware --flash --name

begin "vusb-attach fomu --ips: max"
expect "vusb-attach fomu --ips m" max

mkdir -p "$tmp/files"
: >"$tmp/files/fw.elf"
: >"$tmp/files/disk.img"
begin "vusb-attach fomu --firmware: files"
expect "vusb-attach fomu --firmware $tmp/files/f" "$tmp/files/fw.elf"

begin "vusb-attach fomu --flash: files"
expect "vusb-attach fomu --flash $tmp/files/d" "$tmp/files/disk.img"

begin "vusb-attach storage --create SIZE: files"
expect "vusb-attach storage --create 64M $tmp/files/d" "$tmp/files/disk.img"

begin "vusbctl add: the device kinds"
expect "vusbctl add " mouse keyboard storage hid
begin "vusbctl add st: the kinds that fit"
expect "vusbctl add st" storage
begin "vusbctl add storage: image files"
expect "vusbctl add storage $tmp/files/d" "$tmp/files/disk.img"
begin "vusbctl add storage --: its options, --create and --capture too (vusbctl sends the files)"
expect "vusbctl add storage --" --ro --snapshot --cdrom --name --create --capture
begin "vusbctl add storage --create SIZE: files"
expect "vusbctl add storage --create 64M $tmp/files/d" "$tmp/files/disk.img"
begin "vusbctl add hid --report-descriptor: files"
expect "vusbctl add hid --report-descriptor $tmp/files/f" "$tmp/files/fw.elf"
begin "vusbctl add fomu --: --firmware and --flash"
expect "vusbctl add fomu --" --firmware --flash
begin "vusbctl add fomu --firmware: files"
expect "vusbctl add fomu --firmware $tmp/files/f" "$tmp/files/fw.elf"
begin "vusbctl add fomu --ips: max"
expect "vusbctl add fomu --ips " max
begin "vusbctl add fomu --flash: files"
expect "vusbctl add fomu --flash $tmp/files/d" "$tmp/files/disk.img"
begin "vusbctl add mouse --capture: files"
expect "vusbctl add mouse --capture $tmp/files/d" "$tmp/files/disk.img"
begin "vusbctl add serial --: --exec (vusbctl starts the command)"
expect "vusbctl add serial --" --exec --pty --tcp
begin "vusbctl remove: the names"
expect "vusbctl remove " kb1 m1 tab1

summary
