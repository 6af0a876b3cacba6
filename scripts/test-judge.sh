#!/usr/bin/env bash
# The judge's own test, no VM: tests/judge/clean is a canned run that must
# pass; each case below copies it, puts one defect in, and the judge must
# fail the copy for the reason given (an extended regex that one of its
# "fail" lines has to match).
#
# usage: test-judge.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: test-judge.sh"
clean=$TOP/tests/judge/clean
[ -d "$clean" ] || die "no $clean"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bca=tests/backing_close_all_test
runner2='ok 2 selftests: filesystems/fuse: backing_close_all_test'
# kernel_line FILE TEXT: add a kernel log line to FILE
kernel_line() {
	echo "[  120.456789] $2" >>"$1"
}

# NAME|DEFECT (shell, run in the copy)|REASON
cases=(
	"vm exit status|echo 1 >vm-exit|vm: exited with status 1"
	"vm timeout|echo 124 >vm-exit|vm: timed out"
	"vm exit status missing|rm vm-exit|vm: no exit status"
	"runner plan missing|sed -i '/^1\.\./d' tap.log|runner: no plan"
	"fewer results than planned|sed -i 's/^1\.\.2\$/1..3/' tap.log|runner: 2 of 3 programs"
	"program without result|sed -i '\\,^$runner2\$,d' tap.log|backing_close_all_test: no result line"
	"not ok in the program's own log|sed -i 's/^# ok 2 close_all/# not ok 2 close_all/' $bca|backing_close_all_test: close_all.stale_ids"
	"not ok, no runner line|sed -i 's/^# ok 2 close_all/# not ok 2 close_all/' $bca; sed -i '\\,^$runner2\$,d' tap.log|backing_close_all_test: close_all.stale_ids"
	"fewer test cases than planned|sed -i '/^# ok 3 /d' $bca|2 of 3 planned test cases"
	"no results at all|: >tap.log; rm -r tests|no test passed"
	"runner timeout|sed -i 's,^$runner2\$,not $runner2 # TIMEOUT 900 seconds,' tap.log; sed -i '/^# ok 3 /d' $bca|backing_close_all_test: timed out"
	"program failed, no case did|sed -i 's,^$runner2\$,not $runner2,' tap.log|exit status says failed"
	"SKIP on the patched kernel|sed -i 's/^# ok 3 close_all.enomem_keeps_ids\$/& # SKIP no fault injection/' $bca|SKIP on the kernel the tests are for"
	"KASAN|kernel_line dmesg.log 'BUG: KASAN: slab-use-after-free in fuse_inode_uncached_io_start+0x1f2/0x230 [fuse]'|guest log: .*KASAN"
	"KFENCE|kernel_line dmesg.log 'BUG: KFENCE: use-after-free read in fuse_backing_put+0x10/0x50'|guest log: .*KFENCE"
	"UBSAN|kernel_line dmesg.log 'UBSAN: shift-out-of-bounds in fs/fuse/inode.c:1234:5'|guest log: .*UBSAN"
	"WARN|kernel_line dmesg.log 'WARNING: CPU: 1 PID: 812 at fs/fuse/backing.c:87 fuse_backing_id_alloc+0x10/0x90'|guest log: .*WARNING: CPU"
	"list corruption|kernel_line dmesg.log 'list_add corruption. next->prev should be prev (ffff888004d68f80), but was 0000000000000000. (next=ffff888004d68f90).'; kernel_line dmesg.log 'WARNING: CPU: 0 PID: 1 at lib/list_debug.c:32 __list_add_valid_or_report+0x9c/0xd0'|guest log: .*list_debug"
	"lockdep circular|kernel_line dmesg.log 'WARNING: possible circular locking dependency detected'|guest log: .*circular locking"
	"lockdep recursive|kernel_line dmesg.log 'WARNING: possible recursive locking detected'|guest log: .*recursive locking"
	"lockdep inconsistent|kernel_line dmesg.log 'WARNING: inconsistent lock state'|guest log: .*inconsistent lock state"
	"suspicious RCU usage|kernel_line dmesg.log 'WARNING: suspicious RCU usage'|guest log: .*suspicious RCU usage"
	"kmemleak|echo 'unreferenced object 0xffff888004d68f80 (size 64):' >kmemleak.log|guest log: .*unreferenced object"
	"hung task|kernel_line dmesg.log 'INFO: task backing_close_a:812 blocked for more than 122 seconds.'|guest log: .*blocked for more than"
	"RCU stall|kernel_line dmesg.log 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'|guest log: .*detected stalls"
	"RCU self-detected stall|kernel_line dmesg.log 'rcu: INFO: rcu_preempt self-detected stall on CPU'|guest log: .*self-detected stall"
	"soft lockup|kernel_line dmesg.log 'watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [backing_close_a:812]'|guest log: .*soft lockup"
	"general protection fault|kernel_line dmesg.log 'Oops: general protection fault, probably for non-canonical address 0xdffffc000000000a: 0000 [#1] SMP KASAN'|guest log: .*general protection fault"
	"panic, only on the console|kernel_line console.log 'Kernel panic - not syncing: Fatal exception'; echo 1 >vm-exit|guest log: .*Kernel panic"
	"call trace|kernel_line dmesg.log 'Call Trace:'|guest log: .*Call Trace"
)

failed=0
check() {
	local name=$1 want=$2 expect=$3 out
	out=$tmp/out
	if "$TOP/scripts/judge.sh" --no-skip backing_close_all_test "$tmp/run" >"$out" 2>&1; then
		got=pass
	else
		got=fail
	fi
	if [ "$got" != "$want" ]; then
		echo "not ok - $name: the judge says $got"
		sed 's/^/    /' "$out"
		failed=$((failed + 1))
	elif [ -n "$expect" ] && ! grep -E "^fail .*$expect" "$tmp/run/results" >/dev/null; then
		echo "not ok - $name: failed, but not for '$expect'"
		sed 's/^/    /' "$tmp/run/results"
		failed=$((failed + 1))
	else
		echo "ok - $name"
	fi
}

fresh() {
	rm -rf "$tmp/run"
	cp -r "$clean" "$tmp/run"
}

fresh
check "clean run" pass ""
for c in "${cases[@]}"; do
	IFS='|' read -r name defect reason <<<"$c"
	fresh
	(cd "$tmp/run" && eval "$defect") || die "case '$name': the defect does not apply"
	check "$name" fail "$reason"
done
n=$((${#cases[@]} + 1))
say "$((n - failed)) of $n cases judged as expected"
[ "$failed" -eq 0 ]
