#!/usr/bin/env bash
# Runs inside the test VM (started by mutants.sh): for each module named,
# load MODS/NAME/fuse.ko, run the series' backing_close_all_test, the
# io-uring series' uring_resend_test and tests/kernel's programs against it, save their output (OUT/NAME/test.log,
# each line after "PROGRAM: "), the kernel log and kmemleak's report in
# OUT/NAME, and
# unload the module. OUT/NAME/state says how far it got: "started" is left
# behind when the kernel died or hung under that module.
#
# It stops early, so that the host boots a fresh kernel for the rest,
# when a module made the kernel report (lockdep turns itself off after
# its first report) or cannot be unloaded.
#
# usage: guest-mutants.sh KSELFTEST_DIR MODS OUT TIMEOUT NAME...
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 5 ] || die "usage: guest-mutants.sh KSELFTEST_DIR MODS OUT TIMEOUT NAME..."
kst=$1 mods=$2 out=$3 timeout=$4
shift 4

up() {
	cut -d' ' -f1 /proc/uptime
}
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
kmemleak=/sys/kernel/debug/kmemleak
conns=/sys/fs/fuse/connections
grep -qw fuse /proc/modules && die "fuse is already loaded"
[ -d /sys/module/fuse ] && die "this kernel has fuse built in; mutants need CONFIG_FUSE_FS=m"
echo "guest: $(uname -r), $(nproc) CPUs, up $(up)s"

for name in "$@"; do
	dir=$out/$name
	mkdir -p "$dir"
	echo started >"$dir/state"
	echo "guest: $name: loading $mods/$name/fuse.ko at $(up)s"
	if ! insmod "$mods/$name/fuse.ko" 2>"$dir/insmod.log"; then
		echo insmod-failed >"$dir/state"
		exit 1
	fi
	mount -t fusectl none "$conns"
	[ -w "$kmemleak" ] && echo clear >"$kmemleak"
	dmesg -C
	rc=0
	: >"$dir/test.log"
	for prog in filesystems/fuse/backing_close_all_test filesystems/fuse/uring_resend_test \
		"${KTESTS_PROGS[@]/#/$KTESTS_COLLECTION/}"; do
		r=0
		(cd "$kst/${prog%/*}" && timeout -k 10 "$timeout" "./${prog##*/}") \
			>"$dir/prog.log" 2>&1 || r=$?
		sed "s|^|${prog##*/}: |" "$dir/prog.log" >>"$dir/test.log"
		rm "$dir/prog.log"
		[ "$r" -eq 0 ] || rc=$r
	done
	echo "$rc" >"$dir/exit"
	if [ -w "$kmemleak" ]; then
		# objects younger than a few seconds are never reported
		sleep 6
		echo scan >"$kmemleak"
		sleep 1
		echo scan >"$kmemleak"
		cat "$kmemleak" >"$dir/kmemleak.log"
	fi
	dmesg >"$dir/dmesg.log"
	echo "guest: $name: test exit $rc, $(grep -c '^[^ ]*: ok ' "$dir/test.log" || true) ok, $(grep -c '^[^ ]*: not ok ' "$dir/test.log" || true) not ok, at $(up)s"
	umount "$conns"
	if ! rmmod fuse 2>"$dir/rmmod.log"; then
		echo rmmod-failed >"$dir/state"
		exit 0
	fi
	echo finished >"$dir/state"
	if cat "$dir/dmesg.log" "$dir/kmemleak.log" 2>/dev/null | splats >/dev/null; then
		echo "guest: $name made the kernel report; the rest get a fresh boot"
		exit 0
	fi
done
