#!/usr/bin/env bash
# Judge a run of libfuse's test runner in the VM (guest-libfuse.sh) in DIR,
# strictly, like judge.sh judges the kselftests:
#
#   DIR/vm-exit      the VM's exit status (libfuse-vmtest.sh): missing, not
#                    0, or 124 (VM_TIMEOUT) is a failure; not read with
#                    --in-boot, where judge.sh judges the VM of a shared boot
#   DIR/cases        the plan: every case must have exactly one result
#   DIR/runner-exit  missing: the runner did not finish; not 0: a failure
#   DIR/runner.log   its "running N tests" line must say N = the plan, its
#                    summary line must be there, every case PASS
#   DIR/dmesg.log    and the timestamped kernel lines of DIR/console.log:
#                    any splat (lib.sh: SPLAT_RE) fails the run
#
# A SKIP is a failure, but with --unpatched, for a kernel without the
# series: there each case of DIR/new-cases must SKIP with the reason
# "kernel without FUSE_DEV_IOC_BACKING_CLOSE_ALL" (and passing is a
# failure), but those that need no ioctl (LIBFUSE_ANY_KERNEL_CASES,
# lib.sh), which must pass, as the existing cases must.
#
# Writes DIR/results ("pass|fail NAME" lines), prints the failures, the
# last lines of what the runner kept of each failed case (DIR/run; also
# in DIR/failed-cases.log, which make test's summary prints), and
# "libfuse vmtest: N passed, N failed, N skipped"; exits 1 when anything
# failed.
#
# usage: judge-libfuse.sh [--unpatched] [--in-boot] DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	die "usage: judge-libfuse.sh [--unpatched] [--in-boot] DIR"
}
unpatched='' inboot=''
while [ $# -gt 1 ]; do
	case $1 in
	--unpatched) unpatched=1 ;;
	--in-boot) inboot=1 ;;
	*) usage ;;
	esac
	shift
done
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	usage
fi
dir=$1
res=$dir/results
: >"$res"
reason="kernel without FUSE_DEV_IOC_BACKING_CLOSE_ALL"

fail() {
	echo "fail $*" >>"$res"
}

if [ -z "$inboot" ]; then
	if [ ! -f "$dir/vm-exit" ]; then
		fail "libfuse vm: no exit status recorded (was the VM started?)"
	else
		case $(cat "$dir/vm-exit") in
		0) ;;
		124) fail "libfuse vm: timed out (VM_TIMEOUT), killed before the run ended" ;;
		*) fail "libfuse vm: exited with status $(cat "$dir/vm-exit") (see $dir/console.log)" ;;
		esac
	fi
fi

log=$dir/runner.log
[ -f "$log" ] || : >"$log"
mapfile -t cases < <(grep -v '^[[:space:]]*$' "$dir/cases" 2>/dev/null || true)
[ ${#cases[@]} -gt 0 ] || fail "libfuse runner: no plan ($dir/cases); guest-libfuse.sh did not start"
if [ ! -f "$dir/runner-exit" ]; then
	fail "libfuse runner: no exit status; the runner did not finish (see $log)"
elif [ "$(cat "$dir/runner-exit")" != 0 ]; then
	fail "libfuse runner: exited with status $(cat "$dir/runner-exit")"
fi
planned=$(sed -n 's/^running \([0-9][0-9]*\) tests from .*/\1/p' "$log" | head -n 1)
if [ -z "$planned" ]; then
	fail "libfuse runner: no 'running N tests' line; it did not start (see $log)"
elif [ ${#cases[@]} -gt 0 ] && [ "$planned" -ne ${#cases[@]} ]; then
	fail "libfuse runner: selected $planned tests for ${#cases[@]} planned cases"
fi
grep -qE '^[0-9]+ tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" ||
	fail "libfuse runner: no summary line; the run was cut short (see $log)"

failed=()
for c in "${cases[@]}"; do
	# "+ELAPSEDs STATUS NAME DURATIONs [REASON]", ELAPSED right-aligned
	lines=$(awk -v c="$c" '/^\+ *[0-9.]+s / { sub(/^\+ */, "")
		if ($2 ~ /^(PASS|FAIL|SKIP)$/ && $3 == c) print }' "$log")
	n=$(grep -c . <<<"$lines" || true)
	new=
	grep -qxF "$c" "$dir/new-cases" 2>/dev/null && new=1
	case " $LIBFUSE_ANY_KERNEL_CASES " in *" $c "*) new= ;; esac
	if [ "$n" -eq 0 ]; then
		fail "libfuse: $c: no result"
		continue
	elif [ "$n" -gt 1 ]; then
		fail "libfuse: $c: $n results for one run"
		continue
	fi
	read -r _ status _ secs why <<<"$lines"
	case $status in
	PASS)
		if [ -n "$unpatched" ] && [ -n "$new" ]; then
			fail "libfuse: $c: PASS on a kernel without the series (it must SKIP with '$reason')"
		else
			echo "pass libfuse: $c ($secs)" >>"$res"
		fi
		;;
	SKIP)
		if [ -n "$unpatched" ] && [ -n "$new" ] && [ "$why" = "$reason" ]; then
			echo "pass libfuse: $c: SKIP on a kernel without the series: $why" >>"$res"
		elif [ -n "$unpatched" ] && [ -n "$new" ]; then
			fail "libfuse: $c: SKIP for '$why', not '$reason'"
		else
			fail "libfuse: $c: SKIP on the kernel the tests are for: ${why:-no reason}"
		fi
		;;
	*)
		fail "libfuse: $c: FAIL ${why:+($why)}"
		failed+=("$c")
		;;
	esac
done

# What the runner kept of each failed case (OUT/run/CASE/logs), the end
# of each file, so that a CI log says why without the VM's files
for c in "${failed[@]}"; do
	for f in "$dir/run/$c/logs"/*; do
		[ -f "$f" ] || continue
		echo "  --- $c: ${f##*/}, last lines:"
		tail -n 25 "$f" | sed 's/^/    /'
	done
done >"$dir/failed-cases.log"
cat "$dir/failed-cases.log"

{
	cat "$dir/dmesg.log" 2>/dev/null || true
	console_kernel_lines "$dir/console.log"
} | splats | sort -u >"$dir/splats.log" || true
if [ -s "$dir/splats.log" ]; then
	fail "libfuse guest log: $(wc -l <"$dir/splats.log") splat lines, first: $(head -n 1 "$dir/splats.log")"
	sed 's/^/    /' "$dir/splats.log" | head -n 20
elif [ -f "$dir/dmesg.log" ]; then
	echo "pass libfuse guest log: no splat" >>"$res"
else
	fail "libfuse guest log: no dmesg.log"
fi

grep -E '^(fail|skip) ' "$res" | sed 's/^/  /' || true
echo "libfuse vmtest: $(count_results "$res")"
! grep -q '^fail ' "$res"
