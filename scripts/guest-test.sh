#!/usr/bin/env bash
# Runs inside the test VM (started by vmtest.sh): prepare what the fuse
# selftests need, run the installed kselftest collection with its runner,
# scan for leaks and save the kernel log. Results go to OUT (a directory
# shared with the host), for scripts/judge.sh.
#
# The settings come in OUT/settings ("NAME=VALUE" lines, written by
# vmtest.sh), not through the environment, which vng does not promise to
# pass on: they are exported here for the tests.
#
# usage: guest-test.sh KSELFTEST_DIR OUT TIMEOUT
#   TIMEOUT  seconds per program, or "settings" for the settings files
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: guest-test.sh KSELFTEST_DIR OUT TIMEOUT"
kst=$1 out=$2 timeout=$3
[ -f "$kst/kselftest-list.txt" ] || die "no $kst/kselftest-list.txt"
[ -f "$out/settings" ] || die "no $out/settings"

up() {
	cut -d' ' -f1 /proc/uptime
}
kmemleak=/sys/kernel/debug/kmemleak

# setup: the settings, the mounts, what had to run, kmemleak cleared
setup() {
	local kv
	while IFS= read -r kv; do
		[[ $kv =~ ^[A-Z_][A-Z0-9_]*=[A-Za-z0-9_./:-]*$ ]] || die "bad line in $out/settings: '$kv'"
		export "${kv?}"
		echo "guest: setting $kv"
	done <"$out/settings"
	echo "guest: $(uname -r), $(nproc) CPUs, up $(up)s"
	mountpoint -q /sys/fs/fuse/connections ||
		mount -t fusectl none /sys/fs/fuse/connections
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	# the judge works from OUT alone: the programs that had to run
	cp "$kst/kselftest-list.txt" "$out/"
	# forget what boot left behind: only what the tests leak is of interest
	if [ -w "$kmemleak" ]; then
		echo clear >"$kmemleak"
	fi
}

# kselftests: the runner, each program's own log in OUT/tests
kselftests() {
	local logdir='' opts=() rc=0 prog f
	echo "guest: running the kselftests at $(up)s"
	# The runner writes to /dev/stdout, which virtme-ng points at a port of
	# its own: keep each program's output in a file of ours (-p), and show
	# it. The 7.3 runner takes the directory; 6.12's writes to
	# /tmp/PROGRAM, from where it is copied, once no file of an earlier
	# run can be left there.
	mkdir -p "$out/tests"
	if grep -q -- '--per-test-log \[DIR\]' "$kst/run_kselftest.sh"; then
		opts=(-p "$out/tests")
	else
		logdir=/tmp
		opts=(-p)
		while IFS=: read -r _ prog; do
			rm -f "$logdir/$prog"
			[ ! -e "$logdir/$prog" ] || die "cannot remove $logdir/$prog"
		done <"$kst/kselftest-list.txt"
	fi
	[ "$timeout" = settings ] || opts+=(-o "$timeout")
	(cd "$kst" && ./run_kselftest.sh "${opts[@]}") >"$out/tap.log" 2>&1 || rc=$?
	if [ -n "$logdir" ]; then
		while IFS=: read -r _ prog; do
			if [ -f "$logdir/$prog" ]; then
				cp "$logdir/$prog" "$out/tests/"
			else
				echo "guest: no $logdir/$prog: the output of $prog is lost" >&2
			fi
		done <"$kst/kselftest-list.txt"
	fi
	cat "$out/tap.log"
	for f in "$out"/tests/*; do
		[ ! -f "$f" ] || sed "s|^|${f##*/}: |" "$f"
	done
	echo "guest: kselftests done at $(up)s (runner exit $rc)"
	return "$rc"
}

# libfuse: libfuse's own runner on the libfuse series, when vmtest.sh
# asked for it (LIBFUSE_BUILD in OUT/settings), in OUT/libfuse; judged
# apart (judge-libfuse.sh), so its exit status is only shown here
libfuse() {
	[ -n "${LIBFUSE_BUILD:-}" ] || return 0
	echo "guest: libfuse's cases at $(up)s"
	"$TOP/scripts/guest-libfuse.sh" "$LIBFUSE_BUILD" "$out/libfuse" ||
		echo "guest: libfuse's runner exited with $?"
}

# scan_kmemleak: what the tests leaked, in OUT/kmemleak.log; none when
# kmemleak cannot scan (the judge fails a run without it)
scan_kmemleak() {
	if [ ! -w "$kmemleak" ] || [ ! -r "$kmemleak" ]; then
		echo "guest: $kmemleak is not there or not readable: no scan"
		return 0
	fi
	# Objects younger than a few seconds are never reported; two scans
	# some seconds apart are what kmemleak's documentation suggests.
	sleep 6
	if echo scan >"$kmemleak" && sleep 1 && echo scan >"$kmemleak" &&
		cat "$kmemleak" >"$out/kmemleak.scan"; then
		mv "$out/kmemleak.scan" "$out/kmemleak.log"
		echo "guest: kmemleak: $(grep -c 'unreferenced object' "$out/kmemleak.log" || true) unreferenced objects ($(up)s)"
	else
		echo "guest: the kmemleak scan failed (kmemleak disabled?)"
	fi
}

# finish: the end line into the kernel log, the kernel log saved, the end
# line on the output; the judge wants the line in both
finish() {
	echo "$GUEST_END (exit $1)" >/dev/kmsg
	dmesg >"$out/dmesg.log"
	echo "$GUEST_END (exit $1)"
}

rc=0
setup
kselftests || rc=$?
libfuse
scan_kmemleak
finish "$rc"
exit "$rc"
