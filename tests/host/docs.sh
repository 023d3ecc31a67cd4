#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The documentation agrees with the code, so that it cannot drift again:
# every option in vusb-attach's help (and in each device's own help) is
# in vusb-attach(1), every option of vusbctl's help in vusbctl(1); the
# man pages carry the version and a real date; help fits 80 columns;
# every vusb-attach command line in README.md parses (run with --help
# after it: the real parser, nothing attached), and every vusbctl NAME
# COMMAND there names a command the device's kind has, and every vusbctl
# add there a device spec that parses.
# Prints cmocka-style lines for tests/run-tests.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${VUSB_BIN:-$top/bin}
man=$top/contrib/man
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 names=()

result() { # NAME OK [DETAIL...]
	local name=$1 good=$2
	shift 2
	echo "[ RUN      ] $name"
	if [ "$good" = 1 ]; then
		echo "[       OK ] $name"
		passed=$((passed + 1))
	else
		printf '%s\n' "$@" | sed 's/^/    /'
		echo "[  FAILED  ] $name"
		failed=$((failed + 1))
		names+=("$name")
	fi
}

# The options a help text names (not usbip's own --tcp-port).
options_of() {
	grep -oE -- '--[a-z][a-z0-9-]*' | grep -vx -- '--tcp-port' | sort -u
}

# in_man PAGE OPTION: groff writes each - as \-.
in_man() {
	grep -qF -- "$(printf '%s' "$2" | sed 's/-/\\-/g')" "$1"
}

kinds=$("$bin/vusb-attach" --help |
	sed -n '/^Devices:/,/^$/{/^  [a-z]/{s/^  \([a-z0-9_-]*\).*/\1/p}}' | tr '\n' ' ')
result "vusb-attach --help lists device kinds" "$([ -n "$kinds" ] && echo 1)" "$kinds"

# A device's help: its options (vusb-attach's), then its commands (vusbctl's).
{
	"$bin/vusb-attach" --help
	for k in $kinds; do "$bin/vusb-attach" "$k" --help | sed '/^Commands/,$d'; done
} >"$tmp/help"
for k in $kinds; do "$bin/vusb-attach" "$k" --help | sed -n '/^Commands/,$p'; done >"$tmp/commands"
missing=()
for o in $(options_of <"$tmp/help"); do
	in_man "$man/vusb-attach.1" "$o" || missing+=("$o")
done
result "every vusb-attach option is in vusb-attach(1)" "$([ ${#missing[@]} -eq 0 ] && echo 1)" \
	"missing: ${missing[*]}"

"$bin/vusbctl" help >"$tmp/ctl"
missing=()
for o in $(cat "$tmp/ctl" "$tmp/commands" | options_of); do
	in_man "$man/vusbctl.1" "$o" || missing+=("$o")
done
result "every vusbctl option is in vusbctl(1)" "$([ ${#missing[@]} -eq 0 ] && echo 1)" \
	"missing: ${missing[*]}"
result "vusbctl help is vusbctl --help" \
	"$(cmp -s "$tmp/ctl" <("$bin/vusbctl" --help) && echo 1)"

long=$(cat "$tmp/help" "$tmp/commands" "$tmp/ctl" | awk 'length($0) > 79')
result "help texts fit 80 columns" "$([ -z "$long" ] && echo 1)" "$long"

version=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
for page in "$man"/*.[0-9]; do
	th=$(grep -m1 '^\.TH' "$page")
	ok=0
	[[ $th =~ \ ([0-9]{4}-[0-9]{2}-[0-9]{2})\ \"vusb\ $version\" ]] &&
		[ "${BASH_REMATCH[1]}" != 2025-01-01 ] && ok=1
	result "${page##*/}: a real date and version $version" "$ok" "$th"
done

# README's command lines: code blocks, not synopses (no [ or CAPITALS),
# not output (vusb-attach: ...).
bad=()
n=0
while IFS= read -r line; do
	cmd=${line##*vusb-attach }
	cmd=${cmd%%#*}
	cmd=${cmd%%[>|;&]*}
	[[ $cmd == *"["* || $cmd =~ [A-Z]{4} || $line == *"vusb-attach:"* ]] && continue
	# Split as the shell would, quotes and all, without running anything.
	readarray -t words < <(printf '%s' "$cmd" | xargs printf '%s\n')
	set -- "${words[@]}"
	n=$((n + 1))
	if ! (cd "$tmp" && "$bin/vusb-attach" "$@" --help >/dev/null 2>"$tmp/err"); then
		bad+=("vusb-attach $cmd: $(cat "$tmp/err")")
	fi
done < <(grep -E '^    .*\bvusb-attach ' "$top/README.md")
result "every vusb-attach command in README.md parses ($n)" \
	"$([ ${#bad[@]} -eq 0 ] && [ $n -gt 5 ] && echo 1)" "${bad[@]}"

# README's vusbctl add lines: the device specs parse (vusbctl's own parser,
# which answers DEVICE --help without asking any vusb-attach).
bad=()
n=0
while IFS= read -r line; do
	cmd=${line##*vusbctl add }
	cmd=${cmd%%#*}
	[[ $cmd == *"["* ]] && continue
	readarray -t words < <(printf '%s' "$cmd" | xargs printf '%s\n')
	n=$((n + 1))
	"$bin/vusbctl" add "${words[@]}" --help >/dev/null 2>"$tmp/err" ||
		bad+=("vusbctl add $cmd: $(cat "$tmp/err")")
done < <(grep -E '^    .*\bvusbctl add ' "$top/README.md")
result "every vusbctl add in README.md parses ($n)" \
	"$([ ${#bad[@]} -eq 0 ] && [ $n -gt 2 ] && echo 1)" "${bad[@]}"

# What any device answers, from vusbctl's help ("Any device: detach, capture ...").
any=" $(sed -n '/^Any device:/,/^$/{s/^Any device://;s/([^)]*)//g;p}' "$tmp/ctl" |
	tr ',' '\n' | awk '{ print $1 }' | tr '\n' ' ') "
bad=()
n=0
while read -r dev command _; do
	kind=${dev%%[0-9]*}
	[[ " $kinds " == *" $kind "* ]] || continue
	n=$((n + 1))
	[[ $any == *" $command "* ]] && continue
	"$bin/vusb-attach" "$kind" --help | sed -n '/^Commands/,$p' | grep -qE "^  $command( |$)" ||
		bad+=("vusbctl $dev $command: $kind has no command $command")
done < <(grep -E '^    .*\bvusbctl [a-z]+[0-9]+ ' "$top/README.md" | sed 's/.*vusbctl //')
result "every vusbctl NAME COMMAND in README.md is a command of its kind ($n)" \
	"$([ ${#bad[@]} -eq 0 ] && [ $n -gt 5 ] && echo 1)" "${bad[@]}"

echo "[==========] $((passed + failed)) test(s) run."
echo "[  PASSED  ] $passed test(s)."
if [ "$failed" -gt 0 ]; then
	echo "[  FAILED  ] $failed test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${names[@]}"
	exit 1
fi
