#!/usr/bin/env bash
# The judge's own test, no VM: tests/judge/clean is a canned run that must
# pass; each case below copies it, puts one defect in, and the judge must
# fail the copy for the reason given: exactly one "fail" line, matching
# the reason (an extended regex). A reason that starts with "+" may come
# with other failures: the defects that the issues saw, which break more
# than one promise at a time. Each check of the judge, and each pattern
# of lib.sh's SPLAT_PATTERNS, has a case that only it catches
# (scripts/judge-mutants.sh removes each in turn to show it).
#
# First, the record the judge holds each program's run to
# (expected-cases.sh, expected-cases/PROGRAM): in a collection of stand-ins
# that print what "PROGRAM -l" printed for a real build
# (tests/expected-cases/PROGRAM.l), the cases recorded must be the names
# that the program's run gave its cases (PROGRAM.cases: for the series'
# backing_close_all_test and tests/kernel's backing_close_all_extra_test
# the "ok" lines of a run on the host, for synth_test, whose columns
# overflow, one on the host too); a program that is no harness
# program is recorded as such and never started; a list that cannot be
# read, or a -l that fails, fails the recording.
#
# usage: test-judge.sh [--first-failure]   (stop at the first case that
#        is not judged as expected: judge-mutants.sh wants only that)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

first=
case $# in
0) ;;
1) [ "$1" = --first-failure ] || die "usage: test-judge.sh [--first-failure]"
	first=1
	;;
*) die "usage: test-judge.sh [--first-failure]" ;;
esac
clean=$TOP/tests/judge/clean
[ -d "$clean" ] || die "no $clean"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Helpers for the defects, run in the copy of the clean run.
bca=tests/backing_close_all_extra_test
r2='ok 2 selftests: fuse-close-all: backing_close_all_extra_test'
# kernel_line FILE TEXT: add a kernel log line to FILE
kernel_line() {
	echo "[  120.456789] $2" >>"$1"
}
# runner2 LINE: the runner's line of backing_close_all_extra_test becomes LINE
runner2() {
	sed -i "s|^$r2\$|$1|" tap.log
}
# per_collection [PLAN1 [PLAN2 [N2]]]: tap.log as 6.12's runner writes it,
# a plan for each collection (1..PLAN1, 1..PLAN2) and the results of each
# numbered from 1 (the second one's N2)
per_collection() {
	printf '%s\n' "TAP version 13" "1..${1:-1}" \
		"# selftests: filesystems/fuse: fusectl_test" \
		"ok 1 selftests: filesystems/fuse: fusectl_test" \
		"TAP version 13" "1..${2:-1}" \
		"# selftests: fuse-close-all: backing_close_all_extra_test" \
		"ok ${3:-1} selftests: fuse-close-all: backing_close_all_extra_test" >tap.log
}
# case_n N SED: a sed command on the result line of case N of
# backing_close_all_extra_test
case_n() {
	sed -i "/^# ok $1 /$2" $bca
}
# no_list PROG: PROG cannot list its cases (not a harness program)
no_list() {
	echo "$EXPECTED_NO_LIST" >"expected-cases/$1"
}
# plan N: the plan of backing_close_all_extra_test's own log becomes 1..N
plan() {
	sed -i "s/^# 1\\.\\.4\$/# 1..$1/" $bca
}
# unpatched: backing_close_all_extra_test as on a kernel without the series
unpatched() {
	sed -i -E '/^# ok [234] /s/$/ # SKIP kernel without FUSE_DEV_IOC_BACKING_CLOSE_ALL/; /stress_seconds/d' $bca
}

# bad_list: a list of allowed SKIPs for this run, with a line of 3 fields
bad_list() {
	echo 'patched | backing_close_all_extra_test | close_all.stress' >allowed-skips.list
}

# xfail_list: a list of allowed SKIPs that names an XFAIL of case 3
xfail_list() {
	echo 'patched | backing_close_all_extra_test | close_all.enomem_keeps_ids | XFAIL known | a reason' >allowed-skips.list
}

failed=0 total=0
# rec_ok NAME CMD...: a case of the recording, which CMD decides
rec_ok() {
	local name=$1
	shift
	total=$((total + 1))
	if "$@" >"$tmp/rec.out" 2>&1; then
		echo "ok - recording: $name"
	else
		echo "not ok - recording: $name"
		sed 's/^/    /' "$tmp/rec.out"
		failed=$((failed + 1))
	fi
}
# stand_in FILE BODY: a program of a collection, a shell script; a harness
# program when BODY carries the harness's usage text
stand_in() {
	printf '#!/bin/sh\n%s\n' "$2" >"$1"
	chmod +x "$1"
}
harness_text='# the harness: "-l       list all tests"'
kst=$tmp/kst
mkdir -p "$kst/c"
: >"$kst/kselftest-list.txt"
for l in "$TOP"/tests/expected-cases/*.l; do
	p=$(basename "$l" .l)
	stand_in "$kst/c/$p" "$harness_text
cat '$l' >&2
exit 4"
	echo "c:$p" >>"$kst/kselftest-list.txt"
done
stand_in "$kst/c/plain_test" "touch '$kst/started'"
echo c:plain_test >>"$kst/kselftest-list.txt"
"$TOP/scripts/expected-cases.sh" "$kst" >"$tmp/rec.log" 2>&1 ||
	die "expected-cases.sh fails on the stand-ins: $(cat "$tmp/rec.log")"
# recorded PROG: the cases recorded for PROG are those of PROG.cases
recorded() {
	grep -v '^#' "$kst/expected-cases/$1" | diff - "$TOP/tests/expected-cases/$1.cases"
}
for l in "$TOP"/tests/expected-cases/*.l; do
	p=$(basename "$l" .l)
	rec_ok "the cases of $p, as its run names them" recorded "$p"
done
rec_ok "a program that is no harness program" grep -qxF -- "$EXPECTED_NO_LIST" "$kst/expected-cases/plain_test"
rec_ok "... is never started" test ! -e "$kst/started"
# fails LIST_OUTPUT STATUS REASON: a harness program whose -l prints
# LIST_OUTPUT and exits with STATUS fails the recording, saying REASON
# (an extended regex)
fails() {
	rm -rf "$tmp/bad"
	mkdir -p "$tmp/bad/c"
	echo c:bad_test >"$tmp/bad/kselftest-list.txt"
	stand_in "$tmp/bad/c/bad_test" "$harness_text
printf '$1' >&2
exit $2"
	! "$TOP/scripts/expected-cases.sh" "$tmp/bad" >"$tmp/bad.out" 2>&1 || return 1
	grep -E -- "$3" "$tmp/bad.out"
}
hdr='# FIXTURE            VARIANT                   TEST\n'
rec_ok "a -l that fails" fails "${hdr}f                                              t\n" 1 'bad_test -l exited with 1'
rec_ok "a -l that lists nothing readable" fails 'Usage: bad_test [-h]\n' 4 'not the header of a kselftest_harness list'
rec_ok "a -l with a name that is none" fails "${hdr}f                                              t(1)\n" 4 '"t\(1\)" is not a name'
# a harness program whose list comes out shorter the second time: a list
# cut short on its way is not recorded as all it has
shrinks() {
	rm -rf "$tmp/bad"
	mkdir -p "$tmp/bad/c"
	echo c:bad_test >"$tmp/bad/kselftest-list.txt"
	stand_in "$tmp/bad/c/bad_test" "$harness_text
if [ -e '$tmp/bad/listed' ]; then head -n 2 '$1' >&2; else touch '$tmp/bad/listed'; cat '$1' >&2; fi
exit 4"
	! "$TOP/scripts/expected-cases.sh" "$tmp/bad" >"$tmp/bad.out" 2>&1 || return 1
	grep -E -- 'bad_test -l: 5 cases read from its list, 0 when listed again: the list was cut short' "$tmp/bad.out"
}
rec_ok "a -l cut short on its way" shrinks "$TOP/tests/expected-cases/backing_close_all_test.l"
[ -z "$first" ] || [ "$failed" -eq 0 ] || die "the recording of the expected cases is not as expected"

# NAME|KERNEL|DEFECT (shell, run in the copy)|REASON, or "pass"
cases=(
	"clean run|patched|:|pass"
	"vm exit status|patched|echo 1 >vm-exit|vm: exited with status 1"
	"vm timeout|patched|echo 124 >vm-exit|vm: timed out"
	"vm exit status missing|patched|rm vm-exit|vm: no exit status"
	"settings missing|patched|rm settings|settings: no FUSE_CLOSE_ALL_STRESS_SECONDS"
	"stress length not the one asked|patched|echo FUSE_CLOSE_ALL_STRESS_SECONDS=20 >settings|the stress test ran for 10 s, 20 s were asked"
	"stress length printed twice|patched|sed -i '/stress_seconds/p' $bca|stress_seconds printed 2 times"
	"stress length not printed|patched|sed -i '/stress_seconds/d' $bca|no \"# stress_seconds: N\" line"
	"collection list missing|patched|rm kselftest-list.txt|no kselftest-list.txt"
	"collection list empty|patched|: >kselftest-list.txt|kselftest-list.txt names no program"
	"a program the runner never ran|patched|sed -i '/backing_close_all_extra_test/d; s/^1\\.\\.2\$/1..1/' tap.log; rm $bca|+runner: its plan is 1..1, kselftest-list.txt names 2 programs"
	"runner plan missing|patched|sed -i '/^1\\.\\./d' tap.log|runner: no plan"
	"runner plan twice|patched|echo 1..2 >>tap.log|runner: 2 plans in tap.log"
	"runner plan not the list's|patched|sed -i 's/^1\\.\\.2\$/1..3/' tap.log|runner: its plan is 1..3, kselftest-list.txt names 2"
	"runner result number twice|patched|runner2 'ok 1 selftests: fuse-close-all: backing_close_all_extra_test'|runner: result number 1 given 2 times"
	"a plan for each collection (6.12's runner)|patched|per_collection|pass"
	"a plan for each collection, one not its collection's|patched|per_collection 1 2|runner: the plan of fuse-close-all is 1..2, kselftest-list.txt names 1 of its programs"
	"a plan for each collection, a result outside it|patched|per_collection 1 1 2|runner: result number 2 is outside its plan 1..1"
	"a plan for each collection, but a third plan|patched|per_collection; echo 1..1 >>tap.log|runner: 3 plans in tap.log"
	"two plans, results of both collections under the first|patched|echo 1..1 >>tap.log; sed -i 's/^1\\.\\.2\$/1..1/' tap.log|runner: 2 plans in tap.log"
	"runner result number outside the plan|patched|runner2 'ok 3 selftests: fuse-close-all: backing_close_all_extra_test'|runner: result number 3 is outside its plan"
	"runner result of a program not listed|patched|echo 'ok 3 selftests: filesystems/fuse: old_test' >>tap.log|runner: a result for filesystems/fuse: old_test"
	"program without runner line|patched|sed -i '\\,^$r2\$,d' tap.log|backing_close_all_extra_test: no result line from the runner"
	"runner line twice|patched|sed -i '\\,^$r2\$,p' tap.log|+backing_close_all_extra_test: 2 result lines from the runner"
	"not ok in the program's own log|patched|case_n 2 's/^# ok/# not ok/'|backing_close_all_extra_test: close_all.stale_ids\$"
	"not ok, no runner line|patched|case_n 2 's/^# ok/# not ok/'; sed -i '\\,^$r2\$,d' tap.log|+backing_close_all_extra_test: close_all.stale_ids\$"
	"fewer test cases than planned: a case it has missing|patched|case_n 3 d|backing_close_all_extra_test: no result for 1 of the 4 test cases it has .*: close_all.enomem_keeps_ids\$"
	"a case missing, the plan and numbers to match|patched|case_n 3 d; plan 3; sed -i 's/^# ok 4 /# ok 3 /' $bca|+backing_close_all_extra_test: its plan is 1..3, but it has 4 test cases"
	"a run that plans 2 of its 4 cases, both ok|patched|plan 2; sed -i '/^# ok [34] /d' $bca|+backing_close_all_extra_test: its plan is 1..2, but it has 4 test cases"
	"... and the two it did not run|patched|plan 2; sed -i '/^# ok [34] /d' $bca|+backing_close_all_extra_test: no result for 2 of the 4 test cases it has .*: close_all.enomem_keeps_ids, close_all.stress\$"
	"a run of 4 of its real 22 cases, all ok|patched|cp \"\$TOP/tests/expected-cases/backing_close_all_extra_test.cases\" expected-cases/backing_close_all_extra_test|+backing_close_all_extra_test: its plan is 1..4, but it has 22 test cases"
	"a plan that is not its number of cases|patched|plan 5|backing_close_all_extra_test: its plan is 1..5, but it has 4 test cases"
	"a case it does not have|patched|plan 5; echo '# ok 5 close_all.new_case' >>$bca|+backing_close_all_extra_test: test case 5 \\(close_all.new_case\\) is not one of the 4 cases it has"
	"a case renamed|patched|case_n 3 's/enomem_keeps_ids/enomem_renamed/'|+backing_close_all_extra_test: test case 3 \\(close_all.enomem_renamed\\) is not one of the 4 cases it has"
	"no list of a program's cases|patched|rm expected-cases/fusectl_test|fusectl_test: no list of the cases it has"
	"an empty list of a program's cases|patched|: >expected-cases/fusectl_test|fusectl_test: no list of the cases it has"
	"no lists at all|patched|rm -r expected-cases|+backing_close_all_extra_test: no list of the cases it has"
	"a program that cannot list its cases|patched|no_list fusectl_test|pass"
	"a program that cannot list its cases, cut short|patched|no_list backing_close_all_extra_test; case_n 3 d|backing_close_all_extra_test: 3 of 4 planned test cases have a result; the run was cut short"
	"a list cut short, its header whole|patched|sed -i '\$d' expected-cases/backing_close_all_extra_test|+backing_close_all_extra_test: expected-cases/backing_close_all_extra_test lists 3 cases, its header says the program listed 4: the list was cut short"
	"a list cut short and a run filtered to it|patched|sed -i '\$d' expected-cases/backing_close_all_extra_test; plan 3; case_n 4 d|backing_close_all_extra_test: expected-cases/backing_close_all_extra_test lists 3 cases, its header says the program listed 4: the list was cut short"
	"a list without its header|patched|sed -i 1d expected-cases/fusectl_test|fusectl_test: expected-cases/fusectl_test has no header with the number of cases"
	"a list that says it is none|patched|no_list fusectl_test; echo fusectl.abort >>expected-cases/fusectl_test|fusectl_test: expected-cases/fusectl_test says it has no list of its cases, and lists 1"
	"a case twice|patched|case_n 2 p|backing_close_all_extra_test: test case 2 \\(close_all.stale_ids\\) has 2 results"
	"a case twice, another missing|patched|case_n 2 p; case_n 3 d|+test case 2 \\(close_all.stale_ids\\) has 2 results"
	"a case outside the plan|patched|echo '# ok 5 close_all.extra' >>$bca|test case 5 \\(close_all.extra\\) is outside its plan 1..4"
	"two plans in the own log|patched|echo '# 1..4' >>$bca|backing_close_all_extra_test: 2 plans in its own log"
	"a complete log, then a re-run cut|patched|head -n 10 $bca >x; cat x >>$bca|+backing_close_all_extra_test: 2 plans in its own log"
	"own log without plan|patched|sed -i '/^# 1\\.\\./d' $bca|backing_close_all_extra_test: no plan \\(1..N\\) in its own log"
	"own log empty|patched|: >$bca|backing_close_all_extra_test: its own log is empty"
	"own log missing|patched|rm $bca|backing_close_all_extra_test: no log of its own"
	"output of another run|patched|cp $bca tests/old_test|tests/old_test: not a program of kselftest-list.txt"
	"runner timeout|patched|runner2 'not $r2 # TIMEOUT 900 seconds'|backing_close_all_extra_test: timed out"
	"program failed, no case did|patched|runner2 'not $r2'|backing_close_all_extra_test: the runner says it failed"
	"SKIP on the patched kernel|patched|case_n 3 's/\$/ # SKIP no fault injection/'|close_all.enomem_keeps_ids: SKIP on the patched kernel"
	"every SKIP on the patched kernel|patched|unpatched|+close_all.stale_ids: SKIP on the patched kernel"
	"runner SKIP on the patched kernel|patched|runner2 '$r2 # SKIP'|backing_close_all_extra_test: -: SKIP on the patched kernel.*the runner's SKIP"
	"program skipped before its first case|patched|echo '# 1..0 # SKIP FUSE control filesystem not mounted' >tests/fusectl_test|fusectl_test: -: SKIP on the patched kernel.*before its first case"
	"XFAIL on the patched kernel|patched|case_n 3 's/\$/ # XFAIL known to fail/'|close_all.enomem_keeps_ids: XFAIL on the patched kernel"
	"XPASS on the patched kernel|patched|case_n 3 's/\$/ # XPASS/'|close_all.enomem_keeps_ids: XPASS on the patched kernel"
	"XFAIL that the list names|patched|case_n 3 's/\$/ # XFAIL known to fail/'; xfail_list|pass"
	"unpatched kernel, its allowed SKIPs|unpatched|unpatched|pass"
	"unpatched kernel, passthrough SKIP|unpatched|unpatched; case_n 1 's/\$/ # SKIP kernel without FUSE_DEV_IOC_BACKING_CLOSE_ALL/'|passthrough.read_write_mmap_splice: SKIP on the unpatched kernel"
	"unpatched kernel, nothing skipped|unpatched|:|unpatched kernel: no allowed SKIP at all"
	"allowed-skips list malformed|patched|bad_list|allowed-skips.list: not"
	"no dmesg.log|patched|rm dmesg.log|guest log: no dmesg.log"
	"dmesg start lost|patched|sed -i '/Linux version/d' dmesg.log|dmesg.log has no boot banner"
	"dmesg not taken at the end|patched|sed -i '/$GUEST_END/d' dmesg.log|dmesg.log has no '$GUEST_END' line"
	"kmemleak disabled itself|patched|kernel_line dmesg.log 'kmemleak: Kernel memory leak detector disabled'|kmemleak disabled itself"
	"console start overwritten|patched|sed -i '/Linux version/d' console.log|console.log has no boot banner"
	"console cut before the end|patched|sed -i '/$GUEST_END/d' console.log|console.log has no '$GUEST_END' line"
	"no kmemleak scan|patched|rm kmemleak.log|guest log: no kmemleak.log"
	"BUG:|patched|kernel_line dmesg.log 'BUG: sleeping function called from invalid context at fs/fuse/dev.c:1234'|guest log: .*BUG: sleeping function"
	"kernel BUG at|patched|kernel_line dmesg.log 'kernel BUG at fs/fuse/backing.c:42!'|guest log: .*kernel BUG at"
	"slab corruption|patched|kernel_line dmesg.log 'BUG kmalloc-64 (Not tainted): Poison overwritten'|guest log: .*Poison overwritten"
	"WARN|patched|kernel_line dmesg.log 'WARNING: CPU: 1 PID: 812 at fs/fuse/backing.c:87 fuse_backing_id_alloc+0x10/0x90'|guest log: .*WARNING: CPU"
	"KASAN without BUG:|patched|kernel_line dmesg.log 'KASAN: null-ptr-deref in range [0x0000000000000050-0x0000000000000057]'|guest log: .*KASAN: null-ptr-deref"
	"UBSAN|patched|kernel_line dmesg.log 'UBSAN: shift-out-of-bounds in fs/fuse/inode.c:1234:5'|guest log: .*UBSAN"
	"Oops|patched|kernel_line dmesg.log 'Oops: 0002 [#1] PREEMPT SMP KASAN NOPTI'|guest log: .*Oops: 0002"
	"general protection fault|patched|kernel_line dmesg.log 'general protection fault, probably for non-canonical address 0xdffffc000000000a: 0000 [#1] SMP KASAN'|guest log: .*general protection fault"
	"panic, only on the console|patched|kernel_line console.log 'Kernel panic - not syncing: Fatal exception'|guest log: .*Kernel panic"
	"kmemleak|patched|echo 'unreferenced object 0xffff888004d68f80 (size 64):' >kmemleak.log|guest log: .*unreferenced object"
	"kmemleak's summary only|patched|kernel_line dmesg.log 'kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'|guest log: .*new suspected memory leaks"
	"KASAN headline without a timestamp, only on the console|patched|echo 'BUG: KASAN: slab-use-after-free in fuse_backing_put+0x10/0x50' >>console.log|guest log: .*BUG: KASAN: slab-use-after-free"
	"WARNING headline without a timestamp, only on the console|patched|echo 'WARNING: CPU: 1 PID: 812 at fs/fuse/backing.c:87 fuse_backing_id_alloc+0x10/0x90' >>console.log|guest log: .*WARNING: CPU: 1"
	"a program's own WARNING: on the console|patched|echo 'WARNING: a test program says this' >>console.log|pass"
	"hung task|patched|kernel_line dmesg.log 'INFO: task backing_close_a:812 blocked for more than 122 seconds.'|guest log: .*blocked for more than"
	"RCU stall|patched|kernel_line dmesg.log 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'|guest log: .*detected stalls"
	"RCU self-detected stall|patched|kernel_line dmesg.log 'rcu: INFO: rcu_preempt self-detected stall on CPU'|guest log: .*self-detected stall"
	"RCU expedited stall|patched|kernel_line dmesg.log 'rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-.... } 21003 jiffies s: 389 root: 0x2/.'|guest log: .*detected expedited stalls"
	"hard lockup|patched|kernel_line dmesg.log 'Watchdog detected hard LOCKUP on cpu 1'|guest log: .*hard LOCKUP"
	"call trace|patched|kernel_line dmesg.log 'Call Trace:'|guest log: .*Call Trace"
	"refcount|patched|kernel_line dmesg.log 'refcount_t: underflow; use-after-free.'|guest log: .*refcount_t: underflow"
	"debugobjects|patched|kernel_line dmesg.log 'ODEBUG: free active (active state 0) object: ffff888004d68f80 object type: rcu_head hint: 0x0'|guest log: .*ODEBUG: free active"
	"list corruption|patched|kernel_line dmesg.log 'list_del corruption, ffff888004d68f80->next is LIST_POISON1 (dead000000000100)'|guest log: .*list_del corruption"
	"OOM kill|patched|kernel_line dmesg.log 'Out of memory: Killed process 812 (backing_close_a) total-vm:2100kB'|guest log: .*Out of memory"
	"KASAN report (BUG:)|patched|kernel_line dmesg.log 'BUG: KASAN: slab-use-after-free in fuse_inode_uncached_io_start+0x1f2/0x230 [fuse]'|guest log: .*KASAN: slab-use-after-free"
	"KFENCE (BUG:)|patched|kernel_line dmesg.log 'BUG: KFENCE: use-after-free read in fuse_backing_put+0x10/0x50'|guest log: .*KFENCE"
	"soft lockup (BUG:)|patched|kernel_line dmesg.log 'watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [backing_close_a:812]'|guest log: .*soft lockup"
	"lockdep circular (WARNING:)|patched|kernel_line dmesg.log 'WARNING: possible circular locking dependency detected'|guest log: .*circular locking"
	"lockdep recursive (WARNING:)|patched|kernel_line dmesg.log 'WARNING: possible recursive locking detected'|guest log: .*recursive locking"
	"lockdep inconsistent (WARNING:)|patched|kernel_line dmesg.log 'WARNING: inconsistent lock state'|guest log: .*inconsistent lock state"
	"suspicious RCU usage (WARNING:)|patched|kernel_line dmesg.log 'WARNING: suspicious RCU usage'|guest log: .*suspicious RCU usage"
)

# judge NAME KERNEL REASON: run the judge on the copy, compare
judge() {
	local name=$1 kernel=$2 want=$3 out=$tmp/out got n any='' allowed=$TOP/scripts/allowed-skips.list
	[ ! -f "$tmp/run/allowed-skips.list" ] || allowed=$tmp/run/allowed-skips.list
	if ALLOWED_SKIPS=$allowed "$TOP/scripts/judge.sh" --kernel "$kernel" "$tmp/run" >"$out" 2>&1; then
		got=pass
	else
		got=fail
	fi
	case $want in
	+*) any=1 want=${want#+} ;;
	esac
	n=$(grep -c '^fail ' "$tmp/run/results" || true)
	if [ "$want" = pass ] && [ "$got" = pass ]; then
		echo "ok - $name"
	elif [ "$want" = pass ] || [ "$got" = pass ]; then
		echo "not ok - $name: the judge says $got"
		sed 's/^/    /' "$out"
		failed=$((failed + 1))
	elif ! grep -E "^fail .*$want" "$tmp/run/results" >/dev/null; then
		echo "not ok - $name: failed, but not for '$want'"
		sed 's/^/    /' "$tmp/run/results"
		failed=$((failed + 1))
	elif [ -z "$any" ] && [ "$n" -ne 1 ]; then
		echo "not ok - $name: $n failures, not only '$want'"
		grep '^fail ' "$tmp/run/results" | sed 's/^/    /'
		failed=$((failed + 1))
	else
		echo "ok - $name"
	fi
}

for c in "${cases[@]}"; do
	IFS='|' read -r name kernel defect reason <<<"$c"
	rm -rf "$tmp/run"
	cp -r "$clean" "$tmp/run"
	(cd "$tmp/run" && eval "$defect") || die "case '$name': the defect does not apply"
	total=$((total + 1))
	judge "$name" "$kernel" "$reason"
	[ -z "$first" ] || [ "$failed" -eq 0 ] || break
done
say "$((total - failed)) of $total cases judged as expected"
[ "$failed" -eq 0 ]
