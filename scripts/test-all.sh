#!/usr/bin/env bash
# Everything CI runs ("make test"): the judge's own test, install what is
# missing, shellcheck, the scripts' exit statuses (stubbed), then the
# libfuse series (test-libfuse.sh: base, work tree, gate, build), and for
# each kernel base (7.3 and 6.12) test-base.sh: get the base, make the
# work tree from its patches, run the static checks, build the test
# kernel and the selftests, run them in the VM, and in the 7.3 boot
# libfuse's cases too. BASE names one of libfuse, 7.3 and 6.12. Every
# check adds a "pass|fail|skip NAME" line to $LOG_DIR/results ("note"
# lines say what is not a result, such as a base newer than the one a
# series was made on); the last line printed is "N passed, N failed", or,
# when a signal stopped the run, that it was interrupted.
#
# What the verdict depends on is set here, not taken from the caller's
# environment: the kernel is the patched one (vmtest.sh without
# --unpatched), the stress test runs its default length, the selftests'
# own timeouts hold, and the VM gets no extra vng arguments.
#
# usage: test-all.sh
set -euo pipefail
# BASE chooses one base; without it, all are tested: libfuse first, so
# that its cases run in the boot of the 7.3 kselftests
bases=${BASE:-libfuse 7.3 6.12}
. "$(dirname "$0")/lib.sh"
unset TEST_TIMEOUT VNG_ARGS NO_SKIP LIBFUSE_TIMEOUT LIBFUSE_CASES
# the length of the stress case of tests/kernel's backing_close_all_extra_test
export FUSE_CLOSE_ALL_STRESS_SECONDS=10

[ $# -eq 0 ] || die "usage: test-all.sh"
RESULTS=$LOG_DIR/results
mkdir -p "$LOG_DIR"
: >"$RESULTS"
find "$LOG_DIR" -name failed-cases.log -delete 2>/dev/null || true
t_start=$(date +%s)

interrupted='' signal_status=''
summary() {
	local p f s
	echo
	echo "=== results ($(($(date +%s) - t_start))s, details in $LOG_DIR and the logs named above)"
	grep -E '^(fail|skip|note) ' "$RESULTS" | sed 's/^/  /' || true
	# why libfuse's cases failed (judge-libfuse.sh), at the end of the log
	if grep -q '^fail .*libfuse: ' "$RESULTS"; then
		find "$LOG_DIR" -name failed-cases.log -size +0 -exec cat {} + 2>/dev/null |
			head -n 200 || true
	fi
	read -r p _ f _ s _ <<<"$(count_results "$RESULTS" | tr -d ,)"
	echo "skipped: $s"
	if [ -n "$interrupted" ]; then
		echo "INTERRUPTED by SIG$interrupted after $p passed, $f failed: make test did not finish; this is no result"
		exit "$signal_status"
	fi
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ]
}
# interrupted SIGNAL STATUS: a failure of its own, then the summary
on_signal() {
	interrupted=$1 signal_status=$2
	trap - INT TERM
	[ -z "${vm_pid:-}" ] || kill "$vm_pid" 2>/dev/null || true
	record fail "make test: interrupted by SIG$1"
	exit "$2"
}
trap summary EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

check "judge self-test" "$TOP/scripts/test-judge.sh" || true
check "host dependencies" "$TOP/scripts/deps.sh" || exit 1
check "shellcheck" "$TOP/scripts/lint.sh" || true
check "scripts self-test (exit statuses, stubbed steps)" "$TOP/scripts/test-scripts.sh" || true
# The order makes the most of two cores while a VM, which uses one, runs:
# the libfuse series up to its build for the VM; 7.3 up to its kernel and
# selftests; 7.3's VM run (libfuse's cases in the same boot) beside 6.12's
# base, gate and kernel build; 6.12's VM run beside libfuse's gate. What
# runs beside a VM runs at the lowest priority, so that the guest, which
# has tests with timeouts, keeps its core.
case " $bases " in *" 7.3 "*) with73=1 ;; *) with73= ;; esac
lf_build='' lf_gate='' vm_pid='' vm_base=''
# beside_vm CMD...: CMD, at the lowest priority while a VM runs
beside_vm() {
	if [ -n "$vm_pid" ]; then
		nice -n 19 "$@"
	else
		"$@"
	fi
}
# start_vm B: B's VM run in the background, its output in a log
start_vm() {
	vm_base=$1
	echo ">>> $1: vm tests, in the background (log: $LOG_DIR/vm-$1.log)"
	rm -f "$LOG_DIR/vm-$1.done"
	{
		run_merged "$1: vm tests" "$LOG_DIR/results-$1-vm" \
			env BASE="$1" LIBFUSE_BUILD="$2" "$TOP/scripts/test-base.sh" --vm "$LOG_DIR/results-$1-vm"
		: >"$LOG_DIR/vm-$1.done"
	} >"$LOG_DIR/vm-$1.log" 2>&1 &
	vm_pid=$!
}
# wait_vm: the background VM run's end, and its output
wait_vm() {
	[ -n "$vm_pid" ] || return 0
	wait "$vm_pid" || true
	vm_pid=''
	sed 's/^/  /' "$LOG_DIR/vm-$vm_base.log"
	# a background run that died before it merged its results
	[ -f "$LOG_DIR/vm-$vm_base.done" ] ||
		record fail "$vm_base: vm tests: the background run ended before it recorded its results"
}
for b in $bases; do
	if [ "$b" = libfuse ]; then
		if [ -n "$with73" ]; then
			# its cases in the boot of the 7.3 kselftests, its gate later
			run_merged "libfuse: pipeline" "$LOG_DIR/results-libfuse" \
				"$TOP/scripts/test-libfuse.sh" --prepare "$LOG_DIR/results-libfuse"
			grep -q '^pass libfuse: build for the VM' "$LOG_DIR/results-libfuse" &&
				lf_build=$LIBFUSE_VM_BUILD
			lf_gate=1
		else
			run_merged "libfuse: pipeline" "$LOG_DIR/results-libfuse" \
				"$TOP/scripts/test-libfuse.sh" "$LOG_DIR/results-libfuse"
		fi
		continue
	fi
	run_merged "$b: pipeline" "$LOG_DIR/results-$b" \
		beside_vm env BASE="$b" "$TOP/scripts/test-base.sh" --prepare "$LOG_DIR/results-$b"
	wait_vm
	lf=
	[ "$b" != 7.3 ] || lf=$lf_build
	start_vm "$b" "$lf"
done
if [ -n "$lf_gate" ]; then
	run_merged "libfuse: gate" "$LOG_DIR/results-libfuse-gate" \
		beside_vm env LIBFUSE_VMTEST=0 "$TOP/scripts/test-libfuse.sh" --gate "$LOG_DIR/results-libfuse-gate"
fi
wait_vm
