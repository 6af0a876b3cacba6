#!/usr/bin/env bash
# Runs inside the VM for "make run" (run.sh): the raw walkthrough, then
# the libfuse example's takeover (example/passthrough_takeover.c of the
# libfuse series) as its test case drives it, with the example's own log:
# the server killed with SIGKILL, the successor resuming the connection,
# closing the old backing ids, asking for a resend.
#
# usage: guest-run.sh WALKTHROUGH NFILES LIBFUSE_BUILD
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: guest-run.sh WALKTHROUGH NFILES LIBFUSE_BUILD" >&2; exit 2; }
walk=$1 nfiles=$2 build=$3
src=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["directories"]["source"])' \
	"$build/meson-info/meson-info.json")

rc=0
echo "=== 1. the walkthrough: a raw /dev/fuse server, killed and taken over"
"$walk" "$nfiles" || rc=$?

echo
echo "=== 2. a libfuse server: example/passthrough_takeover, killed and taken over"
run=/tmp/run-libfuse
mkdir -p "$run"
# a tmpfs of its own: the guest's /tmp is an overlay on the host's 9p root
mount -t tmpfs -o size=256m run-libfuse "$run"
lrc=0
python3 "$src/test/run-tests.py" --build-dir "$build" -j1 --keep-logs \
	--run-dir "$run" -t examples/passthrough-takeover || lrc=$?
echo "--- what the example logged (supervisor [0], server, successor [1]):"
cat "$run"/examples/passthrough-takeover/logs/fs-*-passthrough_takeover.out 2>/dev/null ||
	echo "(no log of the example: see the runner's lines above)"
umount "$run" || true
[ "$lrc" -eq 0 ] || rc=$lrc
exit "$rc"
