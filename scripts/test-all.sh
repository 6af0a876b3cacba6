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
export FUSE_CLOSE_ALL_STRESS_SECONDS=10

[ $# -eq 0 ] || die "usage: test-all.sh"
RESULTS=$LOG_DIR/results
mkdir -p "$LOG_DIR"
: >"$RESULTS"
t_start=$(date +%s)

interrupted='' signal_status=''
summary() {
	local p f s
	echo
	echo "=== results ($(($(date +%s) - t_start))s, details in $LOG_DIR and the logs named above)"
	grep -E '^(fail|skip|note) ' "$RESULTS" | sed 's/^/  /' || true
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
# libfuse's cases: in the boot of the 7.3 kselftests when both are tested
# (vmtest.sh), else in a boot of their own (test-libfuse.sh)
lf_build=
for b in $bases; do
	if [ "$b" = libfuse ]; then
		vm=1
		case " $bases " in *" 7.3 "*) vm=0 ;; esac
		run_merged "libfuse: pipeline" "$LOG_DIR/results-libfuse" \
			env LIBFUSE_VMTEST=$vm "$TOP/scripts/test-libfuse.sh" "$LOG_DIR/results-libfuse"
		if [ "$vm" = 0 ] && grep -q '^pass libfuse: build for the VM' "$LOG_DIR/results-libfuse"; then
			lf_build=$LIBFUSE_VM_BUILD
		fi
		continue
	fi
	lf=
	[ "$b" != 7.3 ] || lf=$lf_build
	run_merged "$b: pipeline" "$LOG_DIR/results-$b" \
		env BASE="$b" LIBFUSE_BUILD="$lf" "$TOP/scripts/test-base.sh" "$LOG_DIR/results-$b"
done
