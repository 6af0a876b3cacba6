#!/usr/bin/env bash
# Boot the test kernel in virtme-ng (software emulation, 2 vCPUs), run the
# fuse kselftests in it, and judge the run: the TAP results, plus the guest
# log, where any splat (KASAN, lockdep, RCU, kmemleak, WARN, Oops, hung
# task) is a failure even when every test passed.
#
# usage: vmtest.sh [run_kselftest.sh args...]   (default: -c filesystems/fuse)
#   TEST_TIMEOUT  per-program timeout in seconds, overriding the
#                 selftests' settings file (default: the settings file)
#   VM_TIMEOUT    limit for the whole VM run in seconds (default 2400)
#   VNG_ARGS      extra arguments for vng
#   NO_SKIP       programs (a regex) whose SKIPs fail the run: those that
#                 must not skip on the patched kernel (default
#                 backing_close_all_test; empty for an unpatched kernel)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# no results of an earlier run may be judged or merged again
out=$LOG_DIR/vmtest
rm -rf "$out"
mkdir -p "$out"

kernel=$BUILD_DIR/arch/x86/boot/bzImage
kst=$WORK_DIR/kselftest
[ -f "$kernel" ] || die "no test kernel at $kernel; run 'make kernel' first"
[ -x "$kst/run_kselftest.sh" ] || die "no kselftests in $kst; run 'make selftests' first"
command -v vng >/dev/null || die "vng is not installed; run 'make deps' first"

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-c filesystems/fuse)

vng_args=(--run "$kernel" "${VNG_VM[@]}" --verbose --rwdir "$out")
# shellcheck disable=SC2206 # VNG_ARGS is meant to be split
vng_args+=(${VNG_ARGS:-})

t0=$(date +%s)
echo ">>> vmtest: booting $(cat "$BUILD_DIR/include/config/kernel.release") (log: $out/console.log)"
rc=0
timeout "${VM_TIMEOUT:-2400}" vng "${vng_args[@]}" -- \
	"$TOP/scripts/guest-test.sh" "$kst" "$out" "${TEST_TIMEOUT:-settings}" "${args[@]}" \
	</dev/null >"$out/console.log" 2>&1 || rc=$?
echo "$rc" >"$out/vm-exit"
echo "<<< vmtest: VM exited with $rc after $(($(date +%s) - t0))s"

noskip=${NO_SKIP-backing_close_all_test}
if [ -n "$noskip" ]; then
	"$TOP/scripts/judge.sh" --no-skip "$noskip" "$out"
else
	"$TOP/scripts/judge.sh" "$out"
fi
