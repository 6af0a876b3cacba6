#!/usr/bin/env bash
# Boot the test kernel in virtme-ng (software emulation, 2 vCPUs), run the
# fuse kselftests in it, and judge the run: the TAP results, plus the guest
# log, where any splat (KASAN, lockdep, RCU, kmemleak, WARN, Oops, hung
# task) is a failure even when every test passed.
#
# usage: vmtest.sh [run_kselftest.sh args...]   (default: -c filesystems/fuse)
#   TEST_TIMEOUT  per-test timeout in seconds (default 300)
#   VM_TIMEOUT    limit for the whole VM run in seconds (default 2400)
#   VNG_ARGS      extra arguments for vng
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$BUILD_DIR/arch/x86/boot/bzImage
kst=$WORK_DIR/kselftest
[ -f "$kernel" ] || die "no test kernel at $kernel; run 'make kernel' first"
[ -x "$kst/run_kselftest.sh" ] || die "no kselftests in $kst; run 'make selftests' first"
command -v vng >/dev/null || die "vng is not installed; run 'make deps' first"

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-c filesystems/fuse)
out=$LOG_DIR/vmtest
rm -rf "$out"
mkdir -p "$out"

vng_args=(--run "$kernel" "${VNG_VM[@]}" --verbose --rwdir "$out")
# shellcheck disable=SC2206 # VNG_ARGS is meant to be split
vng_args+=(${VNG_ARGS:-})

t0=$(date +%s)
echo ">>> vmtest: booting $(cat "$BUILD_DIR/include/config/kernel.release") (log: $out/console.log)"
rc=0
timeout "${VM_TIMEOUT:-2400}" vng "${vng_args[@]}" -- \
	"$TOP/scripts/guest-test.sh" "$kst" "$out" "${TEST_TIMEOUT:-300}" "${args[@]}" \
	</dev/null >"$out/console.log" 2>&1 || rc=$?
echo "<<< vmtest: VM exited with $rc after $(($(date +%s) - t0))s"

"$TOP/scripts/judge.sh" "$out"
