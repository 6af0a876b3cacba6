#!/usr/bin/env bash
# Judge a VM test run in DIR, strictly, from DIR alone: every way a run can
# look green without being so is a failure with its reason.
#
#   DIR/vm-exit    the VM's exit status (vmtest.sh); missing, not 0, or 124
#                  (VM_TIMEOUT) is a failure
#   DIR/settings   what the run was asked (vmtest.sh, before the boot):
#                  FUSE_CLOSE_ALL_STRESS_SECONDS=N
#   DIR/kselftest-list.txt
#                  the installed collection's list (guest-test.sh copies
#                  it): the programs that had to run
#   DIR/tap.log    the runner's TAP: one plan (6.12's runner: one for each
#                  collection), as many programs as the list
#                  names, one result line for each, numbered once each
#   DIR/expected-cases/P
#                  the cases program P has, recorded on the host from
#                  "P -l" when the collection was built (expected-cases.sh;
#                  vmtest.sh copies them here): missing is a failure; a
#                  program that cannot list its cases (not a
#                  kselftest_harness program) says so there, and is judged
#                  on the plan of its run, with a note
#   DIR/tests/P    program P's own log (judge-program.awk): one plan 1..N,
#                  N the number of cases P has, each case 1..N exactly
#                  once with a result, each case P has among them and no
#                  other; a log that is missing, empty, cut or without a
#                  plan is a failure; a SKIP fails unless
#                  scripts/allowed-skips.list names it;
#                  STRESS_PROG (lib.sh: backing_close_all_extra_test of
#                  tests/kernel) says "# stress_seconds: N" with the N
#                  that was asked
#   kernel log     dmesg.log and console.log start with the boot banner and
#                  end after guest-test.sh's end line; kmemleak scanned
#                  (kmemleak.log) and never disabled itself; any report
#                  (lib.sh: SPLAT_PATTERNS) in dmesg.log, kmemleak.log or a
#                  kernel line of console.log (timestamped, or beginning
#                  as a report's headline does: console_kernel_lines) fails
#
# --kernel says which kernel the run was on: "patched" (the series; the
# default) or "unpatched" (a kernel without it, where some SKIPs are
# allowed, and a run where nothing skipped was on the wrong kernel).
#
# Writes DIR/results (one "pass|fail|skip|note NAME" line each), prints the
# failures, skips and notes and "vmtest: N passed, N failed, N skipped"; exits 1
# when anything failed.
#
# usage: judge.sh [--kernel patched|unpatched] DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	die "usage: judge.sh [--kernel patched|unpatched] DIR"
}
kernel=patched
if [ "${1:-}" = --kernel ]; then
	[ $# -ge 2 ] || usage
	kernel=$2
	shift 2
fi
case $kernel in
patched | unpatched) ;;
*) usage ;;
esac
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	usage
fi
dir=$1
res=$dir/results
# the SKIPs that pass (ALLOWED_SKIPS: another list, for the judge's own test)
allowed=${ALLOWED_SKIPS:-$TOP/scripts/allowed-skips.list}
[ -f "$allowed" ] || die "no $allowed"
: >"$res"

fail() {
	printf 'fail %s\n' "$*" >>"$res"
}

# A line of the list that the judge cannot read allows nothing.
awk -F ' [|] ' '!/^#/ && !/^[[:space:]]*$/ && (NF != 5 || ($1 != "patched" && $1 != "unpatched")) {
	printf "fail allowed-skips.list: not \"KERNEL | PROGRAM | CASE | REASON | WHY\": %s\n", $0
}' "$allowed" >>"$res"

# The VM itself.
if [ ! -f "$dir/vm-exit" ]; then
	fail "vm: no exit status recorded (was the VM started?)"
else
	case $(cat "$dir/vm-exit") in
	0) ;;
	124) fail "vm: timed out (VM_TIMEOUT), killed before the run ended" ;;
	*) fail "vm: exited with status $(cat "$dir/vm-exit") (see $dir/console.log)" ;;
	esac
fi

# What was asked.
stress_want=$(sed -n 's/^FUSE_CLOSE_ALL_STRESS_SECONDS=\([0-9][0-9]*\)$/\1/p' "$dir/settings" 2>/dev/null || true)
[ -n "$stress_want" ] ||
	fail "settings: no FUSE_CLOSE_ALL_STRESS_SECONDS=N in $dir/settings; what the run was asked is unknown"

# What had to run: the "COLLECTION:PROGRAM" lines of the list.
list=$dir/kselftest-list.txt
tap=$dir/tap.log
[ -f "$tap" ] || : >"$tap"
programs() {
	grep -v '^[[:space:]]*$' "$list"
}

# judge_runner: one plan, as many programs as the list names, each result
# number once. A runner before 7.0 (6.12's) runs each collection on its
# own, with a plan each: then one plan for each collection of the list,
# each with as many programs as the list names in it, and only theirs.
judge_runner() {
	awk -v listf=<(programs) '
	BEGIN {
		while ((getline l < listf) > 0) {
			i = index(l, ":")
			c = substr(l, 1, i - 1)
			want[c ": " substr(l, i + 1)] = c
			if (!(c in ncoll))
				ncolls++
			ncoll[c]++
			nwant++
		}
	}
	/^1\.\.[0-9]+/ { plan[++plans] = substr($0, 4) + 0; next }
	/^(not )?ok [0-9]+ selftests: / {
		l = $0
		sub(/^(not )?ok /, "", l)
		k = l + 0
		sub(/^[0-9]+ selftests: /, "", l)
		sub(/ +#.*/, "", l)
		if (!(l in want)) {
			printf "fail runner: a result for %s, which kselftest-list.txt does not name\n", l
			next
		}
		# the collections of the results under each plan
		if (!((plans, want[l]) in bc)) {
			bc[plans, want[l]] = 1
			bcoll[plans] = want[l]
			nbc[plans]++
		}
		if (++num[plans, k] == 1) {
			nums[++n] = k
			nplan[n] = plans
		}
	}
	END {
		if (!plans) {
			print "fail runner: no plan (1..N) in tap.log; the runner did not start or its output is lost"
			exit
		}
		if (plans > 1) {
			# one plan for each collection, each with its results only
			ok = plans == ncolls
			for (b = 1; ok && b <= plans; b++)
				if (nbc[b] != 1 || seen[bcoll[b]]++)
					ok = 0
			if (!ok) {
				printf "fail runner: %d plans in tap.log (the output of more than one run?)\n", plans
				exit
			}
			for (b = 1; b <= plans; b++)
				if (plan[b] != ncoll[bcoll[b]])
					printf "fail runner: the plan of %s is 1..%d, kselftest-list.txt names %d of its programs\n", bcoll[b], plan[b], ncoll[bcoll[b]]
		} else if (plan[1] != nwant) {
			printf "fail runner: its plan is 1..%d, kselftest-list.txt names %d programs\n", plan[1], nwant
		}
		for (i = 1; i <= n; i++) {
			k = nums[i]
			b = nplan[i]
			if (num[b, k] > 1)
				printf "fail runner: result number %d given %d times\n", k, num[b, k]
			if (k < 1 || k > plan[b])
				printf "fail runner: result number %d is outside its plan 1..%d\n", k, plan[b]
		}
	}' "$tap"
}

# judge_programs: each program of the list, from its runner line and its
# own log (judge-program.awk)
judge_programs() {
	local coll prog log lines
	while IFS=: read -r coll prog; do
		log=$dir/tests/$prog
		if [ ! -f "$log" ]; then
			fail "$prog: no log of its own (tests/$prog): it did not run, or its output is lost"
			continue
		fi
		lines=$(grep -E "^(not )?ok [0-9]+ selftests: $coll: $prog( |$)" "$tap" || true)
		runner=$(head -n 1 <<<"$lines") awk -v prog="$prog" -v nrunner="$(grep -c . <<<"$lines" || true)" \
			-v allowed="$allowed" -v kernel="$kernel" \
			-v stress_prog="$STRESS_PROG" -v stress_want="$stress_want" \
			-v expected="$dir/expected-cases/$prog" -v nolist="$EXPECTED_NO_LIST" \
			-f "$TOP/scripts/judge-program.awk" "$log"
	done < <(programs)
}

# judge_leftovers: output that no program of the list wrote is not of
# this run
judge_leftovers() {
	local f
	[ -d "$dir/tests" ] || return 0
	find "$dir/tests" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | while IFS= read -r f; do
		programs | cut -d: -f2- | grep -qxF -- "$f" ||
			fail "tests/$f: not a program of kselftest-list.txt (left from another run?)"
	done
}

# Without the list nothing of this can be judged.
if [ ! -f "$list" ]; then
	fail "runner: no kselftest-list.txt in $dir; which programs had to run is unknown"
elif ! programs >/dev/null; then
	fail "runner: kselftest-list.txt names no program"
else
	judge_runner >>"$res"
	judge_programs >>"$res"
	judge_leftovers
fi

if [ "$kernel" = unpatched ] && ! grep -q '^skip ' "$res"; then
	fail "unpatched kernel: no allowed SKIP at all; the kernel has the series (the wrong kernel?)"
fi

# The kernel log: whole, with kmemleak on to the end, and no report in it.
banner='Linux version '
if [ ! -s "$dir/dmesg.log" ]; then
	fail "guest log: no dmesg.log; the kernel log of the run is lost"
else
	grep -q "$banner" "$dir/dmesg.log" ||
		fail "guest log: dmesg.log has no boot banner ('$banner'); its start is lost"
	grep -qF "$GUEST_END" "$dir/dmesg.log" ||
		fail "guest log: dmesg.log has no '$GUEST_END' line; it was not taken at the end of the run"
	! grep -q 'kmemleak: Kernel memory leak detector disabled' "$dir/dmesg.log" ||
		fail "guest log: kmemleak disabled itself during the run; its scan means nothing"
fi
grep -q "$banner" "$dir/console.log" 2>/dev/null ||
	fail "guest log: console.log has no boot banner ('$banner'); its start is lost or overwritten"
grep -qF "$GUEST_END" "$dir/console.log" 2>/dev/null ||
	fail "guest log: console.log has no '$GUEST_END' line; the script did not end, or the console is cut"
[ -f "$dir/kmemleak.log" ] ||
	fail "guest log: no kmemleak.log; kmemleak did not scan (not in the kernel, or not readable)"
{
	cat "$dir/dmesg.log" "$dir/kmemleak.log" 2>/dev/null || true
	console_kernel_lines "$dir/console.log"
} | splats | sort -u >"$dir/splats.log" || true
if [ -s "$dir/splats.log" ]; then
	fail "guest log: $(wc -l <"$dir/splats.log") report lines, first: $(head -n 1 "$dir/splats.log")"
	sed 's/^/    /' "$dir/splats.log" | head -n 20
else
	echo "pass guest log: no kernel report" >>"$res"
fi

grep -E '^(fail|skip|note) ' "$res" | sed 's/^/  /' || true
echo "vmtest: $(count_results "$res")"
! grep -q '^fail ' "$res"
