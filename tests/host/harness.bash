# tests/host/harness.bash: what the host test scripts share (sourced, not run).
# A private temporary directory and run directory, background programs
# killed at exit, and cases reported in cmocka's words so that
# tests/run-tests counts them like the C tests':
#
#	begin NAME; pass | fail DETAIL... | skip REASON; ...; summary
#
# Programs started in the background go into pids[].

tmp=$(mktemp -d) || exit 1
# Our own control socket directory: no root needed, no clash with others.
export VUSB_RUNDIR=$tmp/run
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

npassed=0
nfailed=0
nskipped=0
failed_names=()
case_name=

begin() {
	case_name=$1
	echo "[ RUN      ] $1"
}

pass() {
	echo "[       OK ] $case_name"
	npassed=$((npassed + 1))
}

# fail DETAIL...: the case fails, with its details
fail() {
	local l
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/    /'
	done
	echo "[  FAILED  ] $case_name"
	nfailed=$((nfailed + 1))
	failed_names+=("$case_name")
}

skip() {
	echo "    skipped: $*"
	echo "[  SKIPPED ] $case_name"
	nskipped=$((nskipped + 1))
}

# The closing lines, and the exit status: 1 if any case failed.
summary() {
	local total=$((npassed + nfailed + nskipped)) n
	echo "[==========] $total test(s) run."
	echo "[  PASSED  ] $npassed test(s)."
	[ "$nskipped" -gt 0 ] && echo "[  SKIPPED ] $nskipped test(s)."
	if [ "$nfailed" -gt 0 ]; then
		echo "[  FAILED  ] $nfailed test(s), listed below:"
		for n in "${failed_names[@]}"; do
			echo "[  FAILED  ] $n"
		done
		exit 1
	fi
	exit 0
}

# start NAME ARGS...: "$attach" --no-stdin ARGS in the background, its
# output in $tmp/NAME.out and .err, its pid in $pid (and pids[]); returns
# once it prints "listening on", with the port in $port; 1 if it ends or
# says nothing within 5 s. For the scripts that run a --listen instance.
start() {
	local name=$1 i
	shift
	"$attach" --no-stdin "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	for i in $(seq 100); do
		if grep -q '^listening on ' "$tmp/$name.out" 2>/dev/null; then
			port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/$name.out")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
