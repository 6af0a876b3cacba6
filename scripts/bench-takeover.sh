#!/usr/bin/env bash
# The takeover benchmark (make bench, make bench-takeover): how long the
# libfuse example passthrough_takeover is gone when its server is killed
# and a successor takes over the connection, what part of that each step
# takes, and what a client with open files sees meanwhile. Not part of
# make test.
#
# One boot of the patched benchmark kernel (configs/base, fuse, bench: no
# debug options), the libfuse work tree built with -O2, and
# bench/takeover_bench.c, for N = 100, 1000, 10000 files held open through
# the mount:
#   floor a, b  a raw /dev/fuse server of the program whose successor does
#               only what any successor must (a: fork and exec, one
#               CLOSE_ALL, one NOTIFY_RESEND, the first reply; b: and N
#               BACKING_OPEN)
#   crash       SIGKILL the example's server: from the kill to the first
#               new open, lookup and getattr served, and the steps from the
#               servers' logs
#   reads       reads through the held files during the outage against the
#               same reads with the server alive (CPU 0 as busy, and idle)
#   upgrade     the handover to a new binary (SIGUSR1) under getattr load:
#               the longest wait of a request against the live p99, and
#               the longest time no request was answered against the
#               crash outage
#   crash-mt, upgrade-mt  the same with the server multi-threaded on
#               cloned fds (-o mt,clone_fd, 8 threads; 8 clients)
# Writes the table with ratios and targets to $BENCH_DIR/takeover.txt and
# the plot of the outage against N to $BENCH_DIR/takeover.svg (gnuplot).
# Exits 0 when every target is met, 1 when one is not or the benchmark
# could not run, or measured something else than it says (a close-all
# that did not close the N ids, a failed request).
#
# usage: bench-takeover.sh
#   BENCH_REPS  takeovers of each kind at each N (default 5)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$BASE" = 7.3 ] || die "the benchmark is for BASE=7.3, not BASE=$BASE"
[ $# -eq 0 ] || die "usage: bench-takeover.sh  (settings come from the environment)"
reps=${BENCH_REPS:-5}
case $reps in
'' | *[!0-9]* | 0) die "BENCH_REPS is a positive number" ;;
esac
sizes=(100 1000 10000)

BENCH_DIR=${BENCH_DIR:-$BUILD_ROOT/bench}
log=$LOG_DIR/bench
mkdir -p "$log" "$BENCH_DIR"

# lf CMD...: CMD for the libfuse series, whatever this one was given
lf() {
	env -u TREE -u WORK_DIR -u BASE_REPO -u PATCHES BASE=libfuse "$@"
}
"$TOP/scripts/deps.sh" --bench
"$TOP/scripts/get-base.sh"
[ -d "$TREE/.git" ] || "$TOP/scripts/mk-tree.sh"
lf "$TOP/scripts/get-base-libfuse.sh"
# shellcheck disable=SC2016 # expanded by the inner bash
lf_tree=$(lf bash -c '. "$1/scripts/lib.sh"; echo "$TREE"' _ "$TOP")
[ -d "$lf_tree/.git" ] || lf "$TOP/scripts/mk-tree.sh"

step "patched benchmark kernel" "$log/kernel-patched.log" \
	env BUILD_DIR="$BENCH_DIR/patched" "$TOP/scripts/build-kernel.sh" base fuse bench
step "libfuse -O2" "$log/libfuse.log" \
	"$TOP/scripts/build-libfuse.sh" --release "$lf_tree" "$BENCH_DIR/libfuse"
example=$BENCH_DIR/libfuse/example/passthrough_takeover
[ -x "$example" ] || die "no $example"

say "building bench/takeover_bench.c"
install_headers "$TREE" "$BENCH_DIR/headers"
bin=$BENCH_DIR/takeover_bench
gcc -O2 -Wall -Wextra -Werror -isystem "$BENCH_DIR/headers/include" \
	-o "$bin" "$TOP/bench/takeover_bench.c" -lpthread

# The guest's commands: every kind at every N, in one boot, so that the
# ratios compare figures of the same boot
cmds=()
for n in "${sizes[@]}"; do
	cmds+=("$bin floor a $n $reps" "$bin floor b $n $reps"
		"$bin crash $example $n $reps" "$bin crash-mt $example $n $reps"
		"$bin reads $example $n $reps"
		"$bin upgrade $example $n $reps" "$bin upgrade-mt $example $n $reps")
done
script=$log/takeover-guest.sh
{
	echo 'set -e'
	printf '%s\n' "${cmds[@]}"
	echo 'echo "result done"'
} >"$script"

out=$log/takeover.out
rm -f "$out" "$out.console"
kernel=$BENCH_DIR/patched/arch/x86/boot/bzImage
t0=$(date +%s)
say "booting the benchmark kernel: ${#cmds[@]} runs of $reps (log: $out.console)"
rc=0
# shellcheck disable=SC2016 # expanded by the guest's sh
timeout "${VM_TIMEOUT:-3600}" vng --run "$kernel" "${VNG_VM[@]}" \
	--rwdir "$log" -- sh -c 'sh "$1" >"$2"' sh "$script" "$out" \
	</dev/null >"$out.console" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || ! grep -qx 'result done' "$out" 2>/dev/null; then
	tail -n 20 "$out.console" >&2
	die "the takeover benchmark failed in the VM (exit $rc); see $out.console"
fi
say "done in $(($(date +%s) - t0))s"

"$TOP/scripts/bench-takeover-table.sh" "$out" "$BENCH_DIR"
