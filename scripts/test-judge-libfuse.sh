#!/usr/bin/env bash
# The libfuse judge's own test: the canned clean run of
# tests/libfuse-judge/clean must pass, and copies of it, each with one
# defect put in, must each fail for the expected reason. On a kernel
# without the series (--unpatched) the same run with the new case skipped
# for the right reason passes.
#
# usage: test-judge-libfuse.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: test-judge-libfuse.sh"
clean=$TOP/tests/libfuse-judge/clean
[ -d "$clean" ] || die "no $clean"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
new=examples/passthrough-takeover
skipline="+  41.225s SKIP  $new                        0.21s  kernel without FUSE_DEV_IOC_BACKING_CLOSE_ALL"
bad=0 n=0

# expect VERDICT REASON_RE JUDGE_ARGS -- DEFECT...: a copy of the clean run
# with the defect (a shell command run in the copy) must get VERDICT (pass
# or fail), and a failure must name REASON_RE
expect() {
	local want=$1 re=$2 args=() d rc=0
	shift 2
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	n=$((n + 1))
	d=$tmp/$n
	cp -r "$clean" "$d"
	(cd "$d" && eval "$*") || die "cannot put the defect '$*' in"
	"$TOP/scripts/judge-libfuse.sh" "${args[@]}" "$d" >"$d/judge.out" 2>&1 || rc=$?
	if [ "$want" = pass ] && [ "$rc" -ne 0 ]; then
		echo "FAIL: '$*' ${args[*]}: judged failed, should pass"
		sed 's/^/    /' "$d/judge.out"
		bad=$((bad + 1))
	elif [ "$want" = fail ] && { [ "$rc" -eq 0 ] || ! grep -qE "^fail .*$re" "$d/results"; }; then
		echo "FAIL: '$*' ${args[*]}: not failed for /$re/ (exit $rc)"
		sed 's/^/    /' "$d/judge.out"
		bad=$((bad + 1))
	fi
}

expect pass '' -- true
expect fail 'no exit status recorded' -- rm vm-exit
expect fail 'timed out' -- 'echo 124 >vm-exit'
expect fail 'exited with status 1' -- 'echo 1 >vm-exit'
expect pass '' --in-boot -- rm vm-exit
expect fail 'no plan' -- rm cases
expect fail 'runner did not finish' -- rm runner-exit
expect fail 'runner: exited with status 1' -- 'echo 1 >runner-exit'
expect fail "no 'running N tests' line" -- "sed -i '/^running /d' runner.log"
expect fail 'selected 2 tests for 3' -- "sed -i 's/^running 3 /running 2 /' runner.log"
expect fail 'no summary line' -- "sed -i '/^3 tests: /d' runner.log"
expect fail 'passthrough-hp-nocache: no result' -- "sed -i '/PASS  examples\/passthrough-hp-nocache/d' runner.log"
expect fail "$new: no result" -- "sed -i '/PASS  examples\/passthrough-takeover/d' runner.log"
expect fail "$new: 2 results" -- "grep 'PASS  $new' runner.log >dup; cat dup >>runner.log"
expect fail "$new: FAIL" -- "sed -i 's/PASS  examples\/passthrough-takeover /FAIL  examples\/passthrough-takeover /' runner.log"
expect fail 'passthrough-hp: SKIP on the kernel the tests are for' -- "sed -i 's/PASS  examples\/passthrough-hp /SKIP  examples\/passthrough-hp /' runner.log"
expect fail "$new: SKIP on the kernel the tests are for" -- "sed -i 's|^.*PASS  $new .*|$skipline|' runner.log"
expect pass '' --unpatched -- "sed -i 's|^.*PASS  $new .*|$skipline|' runner.log"
expect fail "$new: PASS on a kernel without the series" --unpatched -- true
expect fail "$new: SKIP for 'not root'" --unpatched -- "sed -i 's|^.*PASS  $new .*|${skipline%  kernel*}  not root|' runner.log"
expect fail 'passthrough-hp: SKIP on the kernel' --unpatched -- "sed -i 's/PASS  examples\/passthrough-hp /SKIP  examples\/passthrough-hp /' runner.log"
# a case of the series that needs no ioctl: it passes on either kernel
abort=examples/passthrough-takeover-abort
with_abort="echo $abort >>cases; echo $abort >>new-cases; sed -i 's/^running 3 /running 4 /' runner.log"
expect pass '' --unpatched -- "$with_abort; echo '+ 360.000000s PASS  $abort  0.25s' >>runner.log; sed -i 's|^.*PASS  $new .*|$skipline|' runner.log"
expect fail "$abort: SKIP on the kernel the tests are for" --unpatched -- "$with_abort; echo '+ 360.000000s SKIP  $abort  0.25s  kernel without FUSE_DEV_IOC_BACKING_CLOSE_ALL' >>runner.log; sed -i 's|^.*PASS  $new .*|$skipline|' runner.log"
expect fail 'splat lines' -- "echo '[  401.000000] BUG: KASAN: slab-use-after-free in fuse_backing_put' >>dmesg.log"
expect fail 'splat lines' -- "echo '[  402.000000] WARNING: CPU: 0 PID: 1 at fs/fuse/backing.c:1' >>console.log"
expect fail 'no dmesg.log' -- rm dmesg.log

[ "$bad" -eq 0 ] || die "the libfuse judge got $bad of $n canned runs wrong"
# A failed case: the end of what the runner kept of it is printed and
# left in failed-cases.log, for make test's summary
n=$((n + 1))
d=$tmp/$n
cp -r "$clean" "$d"
sed -i 's/PASS  examples\/passthrough-takeover /FAIL  examples\/passthrough-takeover /' "$d/runner.log"
mkdir -p "$d/run/$new/logs"
printf '%s\n' one two 'FAIL: why it failed' >"$d/run/$new/logs/script.out"
"$TOP/scripts/judge-libfuse.sh" "$d" >"$d/judge.out" 2>&1 || true
if ! grep -qxF "  --- $new: script.out, last lines:" "$d/judge.out" ||
	! grep -qx '    FAIL: why it failed' "$d/judge.out" ||
	! grep -qx '    FAIL: why it failed' "$d/failed-cases.log"; then
	echo "FAIL: a failed case's kept output is not printed"
	sed 's/^/    /' "$d/judge.out"
	bad=$((bad + 1))
fi

say "libfuse judge: $n canned runs judged as expected"
