#!/usr/bin/env bash
# Boot the test kernel in virtme-ng (software emulation, 2 vCPUs), run the
# installed fuse kselftests in it (scripts/guest-test.sh), and judge the
# run (scripts/judge.sh): the TAP results of every program the collection
# lists, plus the guest log, where any kernel report is a failure even
# when every test passed.
#
# usage: vmtest.sh [--unpatched]
#   --unpatched   the kernel is one without the series, built by
#                 build-unpatched.sh ("make vmtest-unpatched"): the SKIPs
#                 that scripts/allowed-skips.list allows there pass
#   TEST_TIMEOUT  per-program timeout in seconds, overriding the
#                 selftests' settings file (default: the settings file)
#   VM_TIMEOUT    limit for the whole VM run in seconds (default 2400)
#   VNG_ARGS      extra arguments for vng
#   FUSE_CLOSE_ALL_STRESS_SECONDS
#                 the length of the stress case of tests/kernel's
#                 backing_close_all_extra_test (STRESS_PROG; default 10,
#                 1 to 60); it reaches the guest in OUT/settings
#   LIBFUSE_BUILD the libfuse series built for the VM (build-libfuse.sh):
#                 its cases run after the kselftests, in OUT/libfuse, and
#                 are judged by judge-libfuse.sh (default: not run)
#   LIBFUSE_TIMEOUT  seconds for each of those cases (default 900, lib.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel_kind=patched
case $# in
0) ;;
1) [ "$1" = --unpatched ] || die "usage: vmtest.sh [--unpatched]"
	kernel_kind=unpatched
	BUILD_DIR=$UNPATCHED_BUILD_DIR
	;;
*) die "usage: vmtest.sh [--unpatched]" ;;
esac
stress=${FUSE_CLOSE_ALL_STRESS_SECONDS:-10}
case $stress in
'' | *[!0-9]* | 0 | 0*) die "FUSE_CLOSE_ALL_STRESS_SECONDS=$stress: a number of seconds, 1 to 60" ;;
esac
[ "$stress" -le 60 ] || die "FUSE_CLOSE_ALL_STRESS_SECONDS=$stress: at most 60"

# no results of an earlier run may be judged or merged again
out=$LOG_DIR/vmtest
[ "$kernel_kind" = patched ] || out=$LOG_DIR/vmtest-unpatched
rm -rf "$out"
mkdir -p "$out"

kernel=$BUILD_DIR/arch/x86/boot/bzImage
kst=$WORK_DIR/kselftest
if [ ! -f "$kernel" ]; then
	[ "$kernel_kind" = patched ] || die "no kernel without the series at $kernel; run 'make kernel-unpatched' first"
	die "no test kernel at $kernel; run 'make kernel' first"
fi
[ -x "$kst/run_kselftest.sh" ] || die "no kselftests in $kst; run 'make selftests' first"
[ -d "$kst/expected-cases" ] ||
	die "no $kst/expected-cases (the cases of each program, which the judge needs); run 'make selftests' again"
command -v vng >/dev/null || die "vng is not installed; run 'make deps' first"

# What the guest is asked, for it (guest-test.sh exports these) and for
# the judge (which compares what the tests say they did).
echo "FUSE_CLOSE_ALL_STRESS_SECONDS=$stress" >"$out/settings"
# the cases each program has, recorded on the host when it was built: the
# judge holds each program's run to them, not to the plan the run prints
cp -r "$kst/expected-cases" "$out/"
# libfuse's cases in the same boot (make test sets LIBFUSE_BUILD)
if [ -n "${LIBFUSE_BUILD:-}" ]; then
	[ -f "$LIBFUSE_BUILD/meson-info/meson-info.json" ] ||
		die "LIBFUSE_BUILD=$LIBFUSE_BUILD is not a meson build directory"
	echo "LIBFUSE_BUILD=$LIBFUSE_BUILD" >>"$out/settings"
	echo "LIBFUSE_TIMEOUT=${LIBFUSE_TIMEOUT:-$LIBFUSE_VM_TIMEOUT}" >>"$out/settings"
	mkdir -p "$out/libfuse"
fi

vng_args=(--run "$kernel" "${VNG_VM[@]}" --verbose --rwdir "$out")
# shellcheck disable=SC2206 # VNG_ARGS is meant to be split
vng_args+=(${VNG_ARGS:-})

t0=$(date +%s)
echo ">>> vmtest: booting $(cat "$BUILD_DIR/include/config/kernel.release") (log: $out/console.log)"
# the console through a pipe (lib.sh: vm_console)
rc=0
vm_console "$out/console.log" timeout "${VM_TIMEOUT:-2400}" vng "${vng_args[@]}" -- \
	"$TOP/scripts/guest-test.sh" "$kst" "$out" "${TEST_TIMEOUT:-settings}" || rc=$?
echo "$rc" >"$out/vm-exit"
echo "<<< vmtest: VM exited with $rc after $(($(date +%s) - t0))s"

rc=0
"$TOP/scripts/judge.sh" --kernel "$kernel_kind" "$out" || rc=$?
if [ -n "${LIBFUSE_BUILD:-}" ]; then
	lf=(--in-boot)
	[ "$kernel_kind" = patched ] || lf+=(--unpatched)
	"$TOP/scripts/judge-libfuse.sh" "${lf[@]}" "$out/libfuse" || rc=1
	cat "$out/libfuse/results" >>"$out/results"
fi
exit "$rc"
