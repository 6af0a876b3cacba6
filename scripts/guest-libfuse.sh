#!/usr/bin/env bash
# Runs inside the test VM as root (libfuse-vmtest.sh, or guest-test.sh after
# the kselftests): libfuse's own runner, test/run-tests.py of the source
# tree that BUILD was configured from, on the cases the libfuse series adds
# and on libfuse's existing passthrough cases. Writes to OUT (a directory
# shared with the host):
#
#   OUT/cases        every case asked for, one a line (the plan)
#   OUT/new-cases    the cases of the series (they SKIP without the ioctl)
#   OUT/runner.log   the runner's output
#   OUT/runner-exit  its exit status; missing when the runner did not end
#   OUT/run/         what the runner kept of failed cases
#   OUT/dmesg.log    the kernel log after the run
#
# usage: guest-libfuse.sh BUILD OUT [NEW_CASE...]
#   NEW_CASE       the series' cases (default: the executable
#                  test/cases/**/*.sh that the source tree's commits add
#                  on its tag "base")
#   LIBFUSE_CASES  the existing cases to run beside them (default:
#                  examples/passthrough-hp examples/passthrough-hp-nocache)
#   LIBFUSE_TIMEOUT  seconds per case, overriding each case's # TIMEOUT:
#   LIBFUSE_KEEP_LOGS  set to 1: keep every case's output in OUT/run, not
#                  just the failures'
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: guest-libfuse.sh BUILD OUT [NEW_CASE...]" >&2; exit 2; }
build=$1 out=$2
shift 2
err() {
	echo "guest-libfuse: error: $*" >&2
	exit 2
}
[ -f "$build/meson-info/meson-info.json" ] || err "$build is not a meson build directory"
src=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["directories"]["source"])' \
	"$build/meson-info/meson-info.json")
runner=$src/test/run-tests.py
[ -f "$runner" ] || err "no test/run-tests.py in $src"
mkdir -p "$out"
rm -f "$out/cases" "$out/new-cases" "$out/runner.log" "$out/runner-exit" "$out/dmesg.log"
rm -rf "$out/run"

new=("$@")
if [ ${#new[@]} -eq 0 ]; then
	mapfile -t new < <(git -C "$src" diff --name-only --diff-filter=A base HEAD -- \
		'test/cases/*.sh' ':!test/cases/lib/' | sed 's|^test/cases/||; s|\.sh$||')
	[ ${#new[@]} -gt 0 ] || err "the commits of $src on its tag base add no test case"
fi
# shellcheck disable=SC2206 # a list of names
old=(${LIBFUSE_CASES-examples/passthrough-hp examples/passthrough-hp-nocache})
printf '%s\n' "${new[@]}" >"$out/new-cases"
printf '%s\n' "${new[@]}" "${old[@]}" >"$out/cases"

up() {
	cut -d' ' -f1 /proc/uptime
}
echo "guest-libfuse: $(uname -r), libfuse of $src, cases: ${new[*]} ${old[*]} (up $(up)s)"
mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections || true
args=(--build-dir "$build" -j1 --run-dir /tmp/libfuse-run)
[ -z "${LIBFUSE_TIMEOUT:-}" ] || args+=(--timeout "$LIBFUSE_TIMEOUT")
[ "${LIBFUSE_KEEP_LOGS:-}" != 1 ] || args+=(--keep-logs)
while read -r c; do
	args+=(-t "$c")
done <"$out/cases"
# The run directory on a tmpfs of its own: virtme-ng's /tmp is an overlay
# on the host's 9p root, whose readdir d_ino is not st_ino, and the
# passthrough cases check inode numbers exactly (fuse_test_readdir).
run=/tmp/libfuse-run
umount "$run" 2>/dev/null || true
rm -rf "$run"
mkdir -p "$run"
mount -t tmpfs -o size=1g,mode=0755 libfuse-run "$run"
rc=0
# the runner's lines go to the console as they come, and to OUT
python3 "$runner" "${args[@]}" 2>&1 | tee "$out/runner.log" || rc=$?
echo "$rc" >"$out/runner-exit"
[ -z "$(ls -A "$run")" ] || cp -a "$run" "$out/run"
umount "$run" || true
dmesg >"$out/dmesg.log"
echo "guest-libfuse: runner exited with $rc (up $(up)s)"
exit "$rc"
