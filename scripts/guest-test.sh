#!/usr/bin/env bash
# Runs inside the test VM (started by vmtest.sh): prepare what the fuse
# selftests need, run them with the kselftest runner, scan for leaks and
# save the kernel log. Results go to OUT (a directory shared with the host).
#
# usage: guest-test.sh KSELFTEST_DIR OUT TIMEOUT [run_kselftest.sh args...]
#   TIMEOUT  seconds per program, or "settings" for the settings files
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: guest-test.sh KSELFTEST_DIR OUT TIMEOUT [ARGS...]" >&2; exit 2; }
kst=$1 out=$2 timeout=$3
shift 3

up() {
	cut -d' ' -f1 /proc/uptime
}
echo "guest: $(uname -r), $(nproc) CPUs, up $(up)s"
mountpoint -q /sys/fs/fuse/connections ||
	mount -t fusectl none /sys/fs/fuse/connections
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

kmemleak=/sys/kernel/debug/kmemleak
# Forget what boot left behind: only what the tests leak is of interest.
[ -w "$kmemleak" ] && echo clear >"$kmemleak"

rc=0
echo "guest: running the kselftests at $(up)s"
# The runner writes to /dev/stdout, which virtme-ng points at a port of its
# own: keep each program's output in a file of ours (-p), and show it. The
# 7.3 runner takes the directory; 6.12's writes to /tmp/PROGRAM, from where
# it is copied, once no file of an earlier run can be left there.
mkdir -p "$out/tests"
logdir=
if grep -q -- '--per-test-log \[DIR\]' "$kst/run_kselftest.sh"; then
	opts=(-p "$out/tests")
else
	logdir=/tmp
	opts=(-p)
	while IFS=: read -r _ prog; do
		rm -f "$logdir/$prog"
		[ ! -e "$logdir/$prog" ] || { echo "guest: cannot remove $logdir/$prog" >&2; exit 1; }
	done <"$kst/kselftest-list.txt"
fi
[ "$timeout" = settings ] || opts+=(-o "$timeout")
(cd "$kst" && ./run_kselftest.sh "${opts[@]}" "$@") >"$out/tap.log" 2>&1 || rc=$?
if [ -n "$logdir" ]; then
	while IFS=: read -r _ prog; do
		[ ! -f "$logdir/$prog" ] || cp "$logdir/$prog" "$out/tests/"
	done <"$kst/kselftest-list.txt"
fi
cat "$out/tap.log"
for f in "$out"/tests/*; do
	[ -f "$f" ] && sed "s|^|${f##*/}: |" "$f"
done

echo "guest: kselftests done at $(up)s"
if [ -w "$kmemleak" ]; then
	# Objects younger than a few seconds are never reported; two scans
	# some seconds apart are what kmemleak's documentation suggests.
	sleep 6
	echo scan >"$kmemleak"
	sleep 1
	echo scan >"$kmemleak"
	cat "$kmemleak" >"$out/kmemleak.log"
	echo "guest: kmemleak: $(grep -c 'unreferenced object' "$out/kmemleak.log" || true) unreferenced objects ($(up)s)"
else
	echo "guest: no kmemleak in this kernel" | tee "$out/kmemleak.log"
fi
dmesg >"$out/dmesg.log"
exit "$rc"
