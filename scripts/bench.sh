#!/usr/bin/env bash
# "make bench": the benchmarks of the series, in the VM, on kernels without
# the debug options. Not part of make test.
#
# Two kernels from the same fragments (configs/base, fuse, bench): the base
# and the patched work tree. bench/close_all_bench.c runs in the guest:
#   recovery  one CLOSE_ALL against N BACKING_CLOSEs, N = 1e3, 1e4, 1e5, 3e5,
#             each id on a backing file of its own (and all on one file);
#             the floor: close_range() of N fds on the same N files;
#             CLOSE_ALL of an empty map against one BACKING_CLOSE
#   lock      BACKING_OPEN latency on CPU 1 while CPU 0 runs CLOSE_ALL
#   memory    slab memory of 100,000 ids, before, with them, after CLOSE_ALL
#   hot       open + read 4 KiB + close, on both kernels, boots interleaved,
#             counted in guest instructions (see hot_vm below)
# Every figure is the median of repeated runs, with min and max; the table
# says how many. It goes to stdout and to $BENCH_DIR/results.txt, with each
# target beside its figure and whether it is met. Exits 0 when every target
# is met, 1 when one is not or the benchmark could not run.
#
# usage: bench.sh
#   BENCH_ROUNDS  boots of each kernel for the hot path (default 2)
#   BENCH_REPS    repetitions inside one boot (default 5)
#   HOT_ITERS     open+read+close per hot-path repetition (default 500)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# the benchmark's server turns off the FUSE request timeout, which 6.12
# does not have; it measures the 7.3 series
[ "$BASE" = 7.3 ] || die "the benchmark is for BASE=7.3, not BASE=$BASE"

[ $# -eq 0 ] || die "usage: bench.sh  (settings come from the environment)"
rounds=${BENCH_ROUNDS:-2}
reps=${BENCH_REPS:-5}
iters=${HOT_ITERS:-500}
for v in "$rounds" "$reps" "$iters"; do
	case $v in
	'' | *[!0-9]* | 0) die "BENCH_ROUNDS, BENCH_REPS and HOT_ITERS are positive numbers" ;;
	esac
done
# the lock figures pool every call of their runs; three runs are plenty
lreps=$((reps < 3 ? reps : 3))

BENCH_DIR=${BENCH_DIR:-$BUILD_ROOT/bench}
base_tree=$WORK_DIR/base-tree
log=$LOG_DIR/bench
mkdir -p "$log" "$BENCH_DIR"

"$TOP/scripts/deps.sh"
"$TOP/scripts/get-base.sh"
[ -d "$TREE/.git" ] || "$TOP/scripts/mk-tree.sh"

# the base tree: the base revision, checked out on its own
clone_base "$base_tree"
rev=$(base_rev)

frags=(base fuse bench)
step "patched benchmark kernel" "$log/kernel-patched.log" \
	env BUILD_DIR="$BENCH_DIR/patched" "$TOP/scripts/build-kernel.sh" \
	"${frags[@]}"
step "base benchmark kernel" "$log/kernel-base.log" \
	env TREE="$base_tree" BUILD_DIR="$BENCH_DIR/base" "$TOP/scripts/build-kernel.sh" \
	"${frags[@]}"
cmp -s "$BENCH_DIR/patched/.config" "$BENCH_DIR/base/.config" ||
	die "the two benchmark kernels were configured differently"

# the program: the work tree's uapi headers and the raw server of tests/kernel
say "building bench/close_all_bench.c"
install_headers "$TREE" "$BENCH_DIR/headers"
bin=$BENCH_DIR/close_all_bench
gcc -O2 -Wall -Wextra -Werror -isystem "$BENCH_DIR/headers/include" \
	-I "$KTESTS_DIR" \
	-o "$bin" "$TOP/bench/close_all_bench.c" -lpthread

# How the hot-path guests run: one vCPU, and qemu's -icount, which makes the
# guest clock count instructions (shift=0: one per nanosecond). Wall time
# under emulation depends on how qemu's translation cache meets the
# kernel's code layout: two kernels that run the same instructions on this
# path differed by up to 15% in wall time, and by nothing in instructions.
# One vCPU: with single-threaded emulation a busy second vCPU (a late boot
# job) would share the host thread.
hot_vm=(--cpus 1 --qemu-opts="-icount shift=0,sleep=off")

# vm KERNEL OUT full|hot CMD...: boot KERNEL, run CMD in it; CMD's standard
# output goes to OUT, in a directory shared with the guest, the console to
# OUT.console (on the console, progress lines of the guest's stderr and
# the results cut each other and lose bytes). "full" is the test VM's
# setup (2 vCPUs), "hot" the above.
vm() {
	local kernel=$1 out=$2 how=$3 t0 rc=0 args=()
	shift 3
	[ "$how" = hot ] && args=("${hot_vm[@]}")
	t0=$(date +%s)
	echo ">>> $(basename "$out" .out): booting (log: $out.console)"
	rm -f "$out"
	# shellcheck disable=SC2016 # expanded by the guest's sh
	local to_out='out=$1; shift; "$@" >"$out"'
	timeout "${VM_TIMEOUT:-1800}" vng --run "$kernel" "${VNG_VM[@]}" "${args[@]}" \
		--rwdir "$(dirname "$out")" -- sh -c "$to_out" sh "$out" "$@" \
		</dev/null >"$out.console" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q '^result ' "$out" 2>/dev/null; then
		tail -n 20 "$out.console" >&2
		die "the benchmark failed in the VM (exit $rc); see $out.console"
	fi
	echo "<<< done in $(($(date +%s) - t0))s"
}

patched=$BENCH_DIR/patched/arch/x86/boot/bzImage
base=$BENCH_DIR/base/arch/x86/boot/bzImage
rm -f "$log"/*.out "$log"/*.out.console
vm "$patched" "$log/patched-full.out" full sh -c \
	"$bin recovery $reps && $bin lock $lreps && $bin memory $reps"
for r in $(seq 1 "$rounds"); do
	vm "$base" "$log/hot-base-$r.out" hot "$bin" hot "$iters" "$reps"
	vm "$patched" "$log/hot-patched-$r.out" hot "$bin" hot "$iters" "$reps"
done

# Every line the table reads, with the keys it reads: a kernel without
# CLOSE_ALL or a program that stopped early must not make a table.
full=$log/patched-full.out
! grep -q 'close_all=ENOTTY' "$full" ||
	die "the patched kernel has no FUSE_DEV_IOC_BACKING_CLOSE_ALL; see $full"
for m in "result empty .* never_med=.* closed_med=.* close1_med=" \
	"result grace .* membarrier_med=.* close_all_med=" \
	"result recovery n=1000 files=distinct .*close_all_med=.*close_range_med=" \
	"result recovery n=10000 files=distinct .*close_all_med=.*close_range_med=" \
	"result recovery n=100000 files=distinct .*close_all_med=.*close_range_med=" \
	"result recovery n=300000 files=distinct .*close_all_med=.*close_range_med=" \
	"result recovery n=1000 files=one .*close_all_med=" \
	"result recovery n=10000 files=one .*close_all_med=" \
	"result recovery n=100000 files=one .*close_all_med=" \
	"result recovery n=300000 files=one .*close_all_med=" \
	"result lock .* drop=close_all .*busy_p99=" \
	"result memory .* drop=close_all .*after_kib_med="; do
	grep -q -- "^$m" "$full" || die "no line '$m' in $full"
done

# The table. val KEY MATCH [FILE]: KEY's value on the first result line
# (of the full run, by default) that contains MATCH.
val() {
	grep -h '^result ' "${3:-$full}" | grep -F -- "$2" | head -n 1 |
		tr ' ' '\n' | sed -n "s/^$1=//p"
}
# calc EXPR VAR=VALUE...: awk arithmetic, printed as awk prints numbers
calc() {
	local expr=$1
	shift
	awk "${@/#/-v}" "BEGIN { print $expr }" </dev/null
}
# mmm KEY MATCH [DIV]: "median [min..max]" of a figure, in nanoseconds
# divided by DIV (default 1000: microseconds)
mmm() {
	calc "sprintf(\"%.0f [%.0f..%.0f]\", m / d, a / d, b / d)" d="${3:-1000}" \
		m="$(val "${1}_med" "$2")" a="$(val "${1}_min" "$2")" b="$(val "${1}_max" "$2")"
}
# hot_mmm FILES...: median, min, max and count of the hot-path figures
hot_mmm() {
	grep -h '^result hot ' "$@" | tr ' ' '\n' | sed -n 's/^ns_per_op=//p' |
		sort -n | awk '{ v[NR] = $1 } END { printf "%d %d %d %d\n", v[int((NR + 1) / 2)], v[1], v[NR], NR }'
}
row() {
	printf '%-56s %-44s %-22s %s\n' "$@"
}
# judge NAME CONDITION VAR=VALUE...: sets ok to yes or NO, and files NAME
# under the targets met or missed
met=()
missed=()
judge() {
	local name=$1
	shift
	if [ "$(calc "($1) ? 1 : 0" "${@:2}")" = 1 ]; then
		ok=yes
		met+=("$name")
	else
		ok=NO
		missed+=("$name")
	fi
}

res=$BENCH_DIR/results.txt
{
	echo "make bench, $(date -u +%Y-%m-%d), host $(uname -r), $(nproc) CPUs, guest under qemu TCG (2 vCPUs, no KVM)"
	echo "kernels: Linux $(git -C "$base_tree" describe --always "$rev" 2>/dev/null || echo "$rev") base and patched, configs/{base,fuse,bench}.config"
	echo "recovery, grace period, empty map: median [min..max] of $reps runs in one boot, the paths' order rotating; microseconds unless stated"
	echo "lock: p50 / p99 / max in microseconds of every call of $lreps runs of each condition, the conditions' order rotating"
	echo "memory: median of $reps runs; each reading taken once Slab: had not fallen for 1 s (at most 10 s)"
	echo "hot path: $reps runs in each of $rounds boots of each kernel, guest instructions under qemu -icount (1 per ns)"
	echo
	row "measure" "figure" "target" "met"

	# the fixed cost of CLOSE_ALL: a grace period, and what one id adds
	row "one RCU grace period (membarrier GLOBAL)" "$(mmm membarrier "result grace ")" "-" "-"
	row "CLOSE_ALL of one id (its grace period)" "$(mmm close_all "result grace ")" "-" "-"
	c1=$(val close_all_med "result grace ")

	# the empty map: no grace period, the cost of about one call
	e="result empty "
	one=$(val close1_med "$e")
	row "one BACKING_CLOSE call (ns)" "$(mmm close1 "$e" 1)" "-" "-"
	for k in never closed; do
		case $k in
		never) what="CLOSE_ALL, empty map, no id ever registered (ns)" ;;
		closed) what="CLOSE_ALL, empty map, all ids closed (ns)" ;;
		esac
		x=$(calc 'sprintf("%.1f", a / b)' a="$(val "${k}_med" "$e")" b="$one")
		judge "empty map ($k) <= 5x BACKING_CLOSE" 'x <= 5' x="$x"
		row "$what" "$(mmm "$k" "$e" 1), ${x}x BACKING_CLOSE" "<= 5x BACKING_CLOSE" "$ok"
	done

	# recovery: distinct files, the floor, one file
	declare -A per
	for n in 1000 10000 100000 300000; do
		d="n=$n files=distinct "
		o="n=$n files=one "
		ca=$(val close_all_med "$d")
		ratio=$(calc 'sprintf("%.1f", a / b)' a="$(val closes_med "$d")" b="$ca")
		row "N=$n distinct files: one CLOSE_ALL" "$(mmm close_all "$d")" "-" "-"
		row "N=$n distinct files: N BACKING_CLOSE" "$(mmm closes "$d"), ${ratio}x CLOSE_ALL" "(reported only)" "-"
		row "N=$n distinct files: close_range of N fds" "$(mmm close_range "$d")" "-" "-"
		# per id beyond the grace period, against close_range per fd;
		# at N=1000 the grace period's spread is larger than the rest
		if [ "$n" != 1000 ]; then
			per[$n]=$(calc 'sprintf("%.0f", (c - g) / (n - 1))' c="$ca" g="$c1" n="$n")
			fl=$(calc 'sprintf("%.0f", r / n)' r="$(val close_range_med "$d")" n="$n")
			x=$(calc 'sprintf("%.2f", a / b)' a="${per[$n]}" b="$fl")
			fig="${per[$n]} / $fl ns = ${x}x"
			what="N=$n floor: per id beyond 1 GP / close_range per fd"
			if [ "$n" -ge 100000 ]; then
				judge "floor at N=$n <= 1.5x" 'x > 0 && x <= 1.5' x="$x"
				row "$what" "$fig" "<= 1.5x" "$ok"
			else
				row "$what" "$fig" "-" "-"
			fi
		fi
		ratio=$(calc 'sprintf("%.1f", a / b)' a="$(val closes_med "$o")" b="$(val close_all_med "$o")")
		row "N=$n one file: one CLOSE_ALL" "$(mmm close_all "$o")" "-" "-"
		row "N=$n one file: N BACKING_CLOSE" "$(mmm closes "$o"), ${ratio}x CLOSE_ALL" "(reported only)" "-"
	done
	# linear beyond one grace period: the cost per id at 3e5 against 1e5
	lin=$(calc 'sprintf("%.2f", a / b)' a="${per[300000]}" b="${per[100000]}")
	judge "linear in N" 'l > 0 && l <= 1.5' l="$lin"
	row "CLOSE_ALL per id beyond 1 GP, N=3e5 / N=1e5" "${per[300000]} / ${per[100000]} ns = $lin" "<= 1.5" "$ok"

	l="result lock"
	lat() {
		calc 'sprintf("%.1f / %.1f / %.0f (%d calls)", a / 1e3, b / 1e3, c / 1e3, n)' \
			a="$(val "${1}_p50" "$l")" b="$(val "${1}_p99" "$l")" \
			c="$(val "${1}_max" "$l")" n="$(val "${1}_n" "$l")"
	}
	row "BACKING_OPEN p50/p99/max, CPU 0 idle" "$(lat idle)" "-" "-"
	row "BACKING_OPEN p50/p99/max, CPU 0 spinning" "$(lat spin)" "-" "-"
	row "BACKING_OPEN p50/p99/max, CPU 0 in CLOSE_ALL(1e5)" "$(lat busy)" "-" "-"
	lr=$(calc 'sprintf("%.2f", a / b)' a="$(val busy_p99 "$l")" b="$(val idle_p99 "$l")")
	judge "lock: p99 <= 2x idle" 'r <= 2' r="$lr"
	row "p99 during CLOSE_ALL / p99 idle" "${lr}x" "<= 2x" "$ok"

	m="result memory"
	b=$(val before_kib_med "$m")
	p=$(val peak_kib_med "$m")
	a=$(val after_kib_med "$m")
	judge "memory returns" 'a - b <= 0.02 * (p - b)' a="$a" b="$b" p="$p"
	row "slab KiB: before / with 1e5 ids / after" "$b / $p / $a" \
		"after <= before + 2%" "$ok ($((a - b)) of $((p - b)) KiB)"
	row "  after CLOSE_ALL, Slab: stopped falling within" \
		"$(calc 'sprintf("%.1f s (%d readings did not in 10 s)", t / 1e3, u)' \
			t="$(val after_settle_ms_max "$m")" u="$(val unsettled "$m")")" "-" "-"

	read -r hb hbmin hbmax hbn < <(hot_mmm "$log"/hot-base-*.out)
	read -r hp hpmin hpmax hpn < <(hot_mmm "$log"/hot-patched-*.out)
	hr=$(calc 'sprintf("%.3f", b / p)' b="$hb" p="$hp")
	judge "hot path >= 0.98" 'r >= 0.98' r="$hr"
	row "open+read 4K+close, base ($hbn runs)" "$hb [$hbmin..$hbmax] guest instr. (-icount)" "-" "-"
	row "open+read 4K+close, patched ($hpn runs)" "$hp [$hpmin..$hpmax] guest instr. (-icount)" "-" "-"
	row "hot path, base / patched guest instructions" "$hr" ">= 0.98" "$ok"
	echo
	echo "targets met: ${#met[@]} of $((${#met[@]} + ${#missed[@]}))"
	printf 'met: %s\n' "${met[@]}"
	if [ "${#missed[@]}" = 0 ]; then
		echo "every target is met"
	else
		printf 'NOT met: %s\n' "${missed[@]}"
	fi
} | tee "$res"
say "table written to $res; raw output in $log"
# the verdict: the benchmark ran, and every target is met
grep -qx 'every target is met' "$res" || die "not every target is met (see $res)"
