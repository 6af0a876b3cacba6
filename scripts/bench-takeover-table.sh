#!/usr/bin/env bash
# The table and the plot of the takeover benchmark, from the guest's
# result lines (bench/takeover_bench.c, run by bench-takeover.sh): medians
# with min and max, ratios against the floor and the live server, each
# target beside its figure. Writes DIR/takeover.txt (also to stdout),
# DIR/takeover.dat and DIR/takeover.svg. Exits 1 when the results are not
# whole (a kind or N missing, a close-all that did not close the N ids, a
# failed request) or a target is not met.
#
# usage: bench-takeover-table.sh RESULTS DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ $# -ne 2 ] || [ ! -f "$1" ] || [ ! -d "$2" ]; then
	die "usage: bench-takeover-table.sh RESULTS DIR"
fi
out=$1
dir=$2
sizes=(100 1000 10000)
command -v gnuplot >/dev/null || die "gnuplot is missing; run 'scripts/deps.sh --bench'"

# vals KIND N KEY: KEY's values on the result lines of KIND ("takeover
# server=libfuse", "reads", "upgrade") at N, one a line
vals() {
	grep "^result $1 n=$2 " "$out" | tr ' ' '\n' | sed -n "s/^$3=//p"
}
# stat KIND N KEY DIV FMT: "median [min..max]" of KEY divided by DIV
stat() {
	vals "$1" "$2" "$3" | sort -g | awk -v d="$4" -v f="$5" '
		{ v[NR] = $1 / d }
		END {
			if (NR == 0) exit 1
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf f " [" f ".." f "]\n", m, v[1], v[NR]
		}'
}
# med KIND N KEY [DIV]: the median alone
med() {
	stat "$1" "$2" "$3" "${4:-1}" "%.6g" | cut -d' ' -f1
}
ms() {
	stat "$1" "$2" "$3" 1e6 "%.2f"
}
# since KIND N KEY FROM: "median [min..max]" in ms of KEY - FROM, run by run
since() {
	paste -d' ' <(vals "$1" "$2" "$3") <(vals "$1" "$2" "$4") |
		awk '{ print ($1 - $2) / 1e6 }' | sort -g | awk '
		{ v[NR] = $1 }
		END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f [%.2f..%.2f]\n", m, v[1], v[NR]
		}'
}
calc() {
	local expr=$1
	shift
	awk "${@/#/-v}" "BEGIN { print $expr }" </dev/null
}

# Whole results: every kind at every N, as many times each, and each
# measuring what it says
reps=$(grep -c '^result takeover server=floor_a n=100 ' "$out" || true)
[ "$reps" -gt 0 ] || die "no results in $out"
bad=()
for n in "${sizes[@]}"; do
	for k in "takeover server=floor_a" "takeover server=floor_b" \
		"takeover server=libfuse" "takeover server=libfuse_mt" reads \
		upgrade upgrade_mt; do
		c=$(grep -c "^result $k n=$n " "$out" || true)
		[ "$c" = "$reps" ] || bad+=("$c of $reps runs of '$k' at N=$n")
	done
	for s in floor_a floor_b libfuse libfuse_mt; do
		for x in $(vals "takeover server=$s" "$n" closed); do
			[ "$x" = "$n" ] || bad+=("$s at N=$n: close-all closed $x ids, not $n")
		done
		for key in open_ns lookup_ns getattr_ns notice_ns start_ns resume_ns close_all_ns resend_ns; do
			for x in $(vals "takeover server=$s" "$n" "$key"); do
				[ "$x" -ge 0 ] || bad+=("$s at N=$n: no $key")
			done
		done
	done
	for x in $(vals "takeover server=floor_b" "$n" registered); do
		[ "$x" = "$n" ] || bad+=("floor_b at N=$n: registered $x ids, not $n")
	done
	for u in upgrade upgrade_mt; do
		for x in $(vals "$u" "$n" errors); do
			[ "$x" = 0 ] || bad+=("$u at N=$n: $x requests failed")
		done
		for x in $(vals "$u" "$n" closed); do
			[ "$x" = "$n" ] || bad+=("$u at N=$n: the successor closed $x ids of the old server, not $n")
		done
	done
done
if [ ${#bad[@]} -gt 0 ]; then
	printf 'takeover results: %s\n' "${bad[@]}" >&2
	die "the takeover benchmark did not measure what it says (see $out)"
fi

row() {
	printf '%-58s %-34s %-16s %s\n' "$@"
}
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

# upgrade_rows KIND CRASH TITLE: an upgrade's rows at $n, its targets
# against the live latency and the crash outage of CRASH (the same server)
upgrade_rows() {
	local u=$1 c=$2 w q
	row "$3: live p50" "$(stat "$u" "$n" live_p50_ns 1e6 %.3f)" "-" "-"
	row "  live p99" "$(stat "$u" "$n" live_p99_ns 1e6 %.3f)" "-" "-"
	row "  supervisor starts the new binary" "$(ms "$u" "$n" exec_ns)" "-" "-"
	row "  new server: node table indexed" "$(ms "$u" "$n" indexed_ns)" "-" "-"
	row "  new server ready: it serves, the old one is told to stop" "$(ms "$u" "$n" stopping_ns)" "-" "-"
	row "  new server took over" "$(ms "$u" "$n" resume_ns)" "-" "-"
	row "  old server's loop ended, resend asked" "$(ms "$u" "$n" resend_ns)" "-" "-"
	row "  old server stopped (ids handed over)" "$(ms "$u" "$n" stopped_ns)" "-" "-"
	row "  the old server's $n ids closed (while serving)" "$(ms "$u" "$n" ids_closed_ns)" "-" "-"
	row "  longest wait of a request" "$(ms "$u" "$n" max_wait_ns)" "-" "-"
	w=$(calc 'sprintf("%.1f", w / p)' w="$(med "$u" "$n" max_wait_ns)" p="$(med "$u" "$n" live_p99_ns)")
	judge "$u at N=$n: longest wait <= 10x live p99" 'x <= 10' x="$w"
	row "  longest wait / live p99" "${w}x" "<= 10x" "$ok"
	row "  longest time no request was answered" "$(ms "$u" "$n" gap_ns)" "-" "-"
	row "  it began (from the SIGUSR1)" "$(ms "$u" "$n" gap_at_ns)" "-" "-"
	row "  the same in the live second before (the floor)" "$(ms "$u" "$n" live_gap_ns)" "-" "-"
	q=$(calc 'sprintf("%.2f", g / o)' g="$(med "$u" "$n" gap_ns)" o="$(med "$c" "$n" open_ns)")
	judge "$u at N=$n: no answer <= 1/4 of the crash outage" 'x <= 0.25' x="$q"
	row "  no answer / crash outage (new open served)" "${q}x" "<= 0.25x" "$ok"
}

res=$dir/takeover.txt
dat=$dir/takeover.dat
L="takeover server=libfuse"
M="takeover server=libfuse_mt"
A="takeover server=floor_a"
B="takeover server=floor_b"
{
	echo "make bench (takeover), $(date -u +%Y-%m-%d), host $(uname -r), $(nproc) CPUs, guest under qemu TCG (2 vCPUs, single-threaded, no KVM)"
	echo "the patched benchmark kernel; libfuse's passthrough_takeover built -O2; N files held open through the mount, each with a backing id"
	echo "median [min..max] of $reps takeovers of each kind at each N, all in one boot; milliseconds from the SIGKILL (upgrade: from the SIGUSR1)"
	echo
	row "measure" "figure" "target" "met"
	for n in "${sizes[@]}"; do
		row "N=$n floor (a): first new open served" "$(ms "$A" "$n" open_ns)" "-" "-"
		row "  successor running (fork and exec)" "$(ms "$A" "$n" start_ns)" "-" "-"
		row "  close-all returned" "$(ms "$A" "$n" close_all_ns)" "-" "-"
		row "  from the successor's start to the new open served" "$(since "$A" "$n" open_ns start_ns)" "-" "-"
		row "N=$n floor (b), N BACKING_OPEN more: new open served" "$(ms "$B" "$n" open_ns)" "-" "-"
		row "  N BACKING_OPEN done" "$(ms "$B" "$n" registered_ns)" "-" "-"
		row "N=$n example, crash: new open served" "$(ms "$L" "$n" open_ns)" "-" "-"
		row "  lookup served" "$(ms "$L" "$n" lookup_ns)" "-" "-"
		row "  getattr served" "$(ms "$L" "$n" getattr_ns)" "-" "-"
		row "  supervisor saw the death" "$(ms "$L" "$n" notice_ns)" "-" "-"
		row "  successor started" "$(ms "$L" "$n" start_ns)" "-" "-"
		row "  resumed (node table indexed, session taken over)" "$(ms "$L" "$n" resume_ns)" "-" "-"
		row "  close-all returned ($n ids)" "$(ms "$L" "$n" close_all_ns)" "-" "-"
		row "  resend asked" "$(ms "$L" "$n" resend_ns)" "-" "-"
		row "  from the successor's start to the new open served" "$(since "$L" "$n" open_ns start_ns)" "-" "-"
		o=$(med "$L" "$n" open_ns)
		a=$(med "$A" "$n" open_ns)
		b=$(med "$B" "$n" open_ns)
		x=$(calc 'sprintf("%.2f", o / a)' o="$o" a="$a")
		y=$(calc 'sprintf("%.2f", o / b)' o="$o" b="$b")
		if [ "$n" = 10000 ]; then
			judge "crash at N=10000 <= 2x floor (a)" 'x <= 2' x="$x"
			row "  new open: example / floor (a)" "${x}x" "<= 2x" "$ok"
		else
			row "  new open: example / floor (a)" "${x}x" "-" "-"
		fi
		row "  new open: example / floor (b)" "${y}x" "-" "-"
		row "N=$n example -o mt,clone_fd, crash: new open served" "$(ms "$M" "$n" open_ns)" "-" "-"
		row "  lookup served" "$(ms "$M" "$n" lookup_ns)" "-" "-"
		row "  getattr served" "$(ms "$M" "$n" getattr_ns)" "-" "-"
		row "  successor started" "$(ms "$M" "$n" start_ns)" "-" "-"
		row "  close-all returned ($n ids)" "$(ms "$M" "$n" close_all_ns)" "-" "-"
		row "  resend asked" "$(ms "$M" "$n" resend_ns)" "-" "-"

		# reads: the ratio of each takeover, then their median
		r=$(paste -d' ' <(vals reads "$n" outage_per_ms) <(vals reads "$n" spin_per_ms) |
			awk '{ print $1 / $2 }' | sort -g |
			awk '{ v[NR] = $1 } END { printf "%.2f [%.2f..%.2f]", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }')
		i=$(paste -d' ' <(vals reads "$n" outage_per_ms) <(vals reads "$n" idle_per_ms) |
			awk '{ print $1 / $2 }' | sort -g |
			awk '{ v[NR] = $1 } END { printf "%.2f [%.2f..%.2f]", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }')
		row "N=$n reads of held files, 4 KiB each, per ms: outage" "$(stat reads "$n" outage_per_ms 1 %.0f)" "-" "-"
		row "  live, CPU 0 busy (a spinning process)" "$(stat reads "$n" spin_per_ms 1 %.0f)" "-" "-"
		row "  live, CPU 0 idle" "$(stat reads "$n" idle_per_ms 1 %.0f)" "-" "-"
		judge "reads at N=$n >= 0.95x live" 'x >= 0.95' x="${r%% *}"
		row "  outage / live, CPU 0 busy" "$r" ">= 0.95x" "$ok"
		row "  outage / live, CPU 0 idle" "$i" "-" "-"
		row "  longest gap between reads: outage" "$(ms reads "$n" outage_gap_ns)" "-" "-"
		row "  longest gap between reads: live, CPU 0 busy" "$(ms reads "$n" spin_gap_ns)" "-" "-"

		upgrade_rows upgrade "$L" "N=$n upgrade under getattr load (2 clients)"
		upgrade_rows upgrade_mt "$M" "N=$n upgrade, -o mt,clone_fd (8 clients)"
	done
	# no faster than linear: from N=1000 to 10000, at most 10 times as long
	g=$(calc 'sprintf("%.2f", a / b)' a="$(med "$L" 10000 open_ns)" b="$(med "$L" 1000 open_ns)")
	judge "crash: no faster than linear in N" 'g <= 10' g="$g"
	row "crash: new open at N=10000 / N=1000" "${g}x" "<= 10x" "$ok"
	echo
	echo "targets met: ${#met[@]} of $((${#met[@]} + ${#missed[@]}))"
	printf 'met: %s\n' "${met[@]}"
	if [ "${#missed[@]}" = 0 ]; then
		echo "every target is met"
	else
		printf 'NOT met: %s\n' "${missed[@]}"
	fi
} | tee "$res"

{
	echo "# N floor_a floor_b example_crash upgrade_no_answer crash_mt upgrade_mt_no_answer (median ms)"
	for n in "${sizes[@]}"; do
		echo "$n $(med "$A" "$n" open_ns 1e6) $(med "$B" "$n" open_ns 1e6)" \
			"$(med "$L" "$n" open_ns 1e6) $(med upgrade "$n" gap_ns 1e6)" \
			"$(med "$M" "$n" open_ns 1e6) $(med upgrade_mt "$n" gap_ns 1e6)"
	done
} >"$dat"
gnuplot <<EOF || die "gnuplot could not draw $dir/takeover.svg"
set terminal svg size 720,440 dynamic noenhanced font "sans,12"
set output "$dir/takeover.svg"
set title "FUSE passthrough takeover: time until the mount answers again"
set xlabel "files held open (each with a backing id)"
set ylabel "milliseconds (median of $reps)"
set logscale x
set xrange [70:14000]
set yrange [0:*]
set key top left
set grid
plot "$dat" using 1:4 with linespoints lw 2 title "libfuse example, after SIGKILL: new open served", \
     "$dat" using 1:2 with linespoints lw 2 title "floor (a): exec, CLOSE_ALL, resend, reply", \
     "$dat" using 1:3 with linespoints lw 2 title "floor (b): (a) and N BACKING_OPEN", \
     "$dat" using 1:5 with linespoints lw 2 title "libfuse example, upgrade: no request answered", \
     "$dat" using 1:6 with linespoints lw 2 dt 2 title "-o mt,clone_fd, after SIGKILL: new open served", \
     "$dat" using 1:7 with linespoints lw 2 dt 2 title "-o mt,clone_fd, upgrade: no request answered"
EOF
say "table in $res, plot in $dir/takeover.svg"
grep -qx 'every target is met' "$res" || die "not every takeover target is met (see $res)"
