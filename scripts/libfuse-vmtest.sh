#!/usr/bin/env bash
# Boot the 7.3 test kernel in virtme-ng and run libfuse's own test runner
# in it (guest-libfuse.sh) on the built libfuse series: the cases the
# series adds and libfuse's existing passthrough cases; judge the run with
# judge-libfuse.sh. For development ("make libfuse-vmtest"); make test may
# run guest-libfuse.sh in the boot of the kselftests instead.
#
# usage: libfuse-vmtest.sh [NEW_CASE...]   (default: the cases the work
#                                           tree's commits add)
#   LIBFUSE_KERNEL_DIR  build directory of the kernel to boot (default:
#                       the 7.3 debug test kernel, ~/.cache/.../build/debug)
#   LIBFUSE_CASES       existing cases to run beside the new ones
#   LIBFUSE_TIMEOUT     seconds per case (default 900: LIBFUSE_VM_TIMEOUT, lib.sh)
#   LIBFUSE_KEEP_LOGS  1: keep every case's output in the log directory's
#                       run/, not just the failures' (guest-libfuse.sh)
#   VM_TIMEOUT          limit for the whole VM run (default 1800 s)
#   NO_SKIP             set and empty, as for vmtest.sh: a kernel without
#                       the series, where the new cases must SKIP
#   VNG_ARGS            extra arguments for vng
set -euo pipefail
export BASE=libfuse
. "$(dirname "$0")/lib.sh"

out=$LOG_DIR/vmtest
rm -rf "$out"
mkdir -p "$out"

kernel=$LIBFUSE_KERNEL_DIR/arch/x86/boot/bzImage
build=$LIBFUSE_VM_BUILD
[ -f "$kernel" ] || die "no test kernel at $kernel; run 'make kernel' first"
[ -f "$build/meson-info/meson-info.json" ] || die "no libfuse build in $build; run 'make libfuse-build' first"
command -v vng >/dev/null || die "vng is not installed; run 'make deps' first"

new=("$@")
if [ ${#new[@]} -eq 0 ]; then
	[ -d "$TREE/.git" ] || die "no work tree in $TREE; run 'make libfuse-tree' first"
	mapfile -t new < <(git -C "$TREE" diff --name-only --diff-filter=A "$BASE_TAG" HEAD -- \
		'test/cases/*.sh' ':!test/cases/lib/' | sed 's|^test/cases/||; s|\.sh$||')
	[ ${#new[@]} -gt 0 ] || die "the libfuse series adds no test case to test/cases/"
fi

vng_args=(--run "$kernel" "${VNG_VM[@]}" --verbose --rwdir "$out")
# shellcheck disable=SC2206 # VNG_ARGS is meant to be split
vng_args+=(${VNG_ARGS:-})
t0=$(date +%s)
echo ">>> libfuse vmtest: booting $(cat "$LIBFUSE_KERNEL_DIR/include/config/kernel.release" 2>/dev/null || echo "$kernel"), cases ${new[*]} ${LIBFUSE_CASES-examples/passthrough-hp examples/passthrough-hp-nocache} (log: $out/console.log)"
# the console through a pipe (lib.sh: vm_console)
rc=0
vm_console "$out/console.log" timeout "${VM_TIMEOUT:-1800}" vng "${vng_args[@]}" -- \
	env LIBFUSE_CASES="${LIBFUSE_CASES-examples/passthrough-hp examples/passthrough-hp-nocache}" \
	LIBFUSE_TIMEOUT="${LIBFUSE_TIMEOUT:-$LIBFUSE_VM_TIMEOUT}" \
	LIBFUSE_KEEP_LOGS="${LIBFUSE_KEEP_LOGS:-}" \
	"$TOP/scripts/guest-libfuse.sh" "$build" "$out" "${new[@]}" || rc=$?
echo "$rc" >"$out/vm-exit"
echo "<<< libfuse vmtest: VM exited with $rc after $(($(date +%s) - t0))s"

if [ -n "${NO_SKIP+set}" ] && [ -z "$NO_SKIP" ]; then
	"$TOP/scripts/judge-libfuse.sh" --unpatched "$out"
else
	"$TOP/scripts/judge-libfuse.sh" "$out"
fi
