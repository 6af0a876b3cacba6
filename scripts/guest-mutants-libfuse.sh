#!/usr/bin/env bash
# Runs inside the test VM (mutants-libfuse.sh): for each NAME=BUILD=CASE,
# libfuse's runner on CASE with the libfuse built in BUILD
# (guest-libfuse.sh), its output in OUT/NAME/CASE (slashes as _).
#
# usage: guest-mutants-libfuse.sh OUT [NAME=BUILD=CASE...]
#   without NAME=BUILD=CASE: the lines of OUT/runs (a long list does not
#   fit on the kernel's command line, which virtme-ng passes it on)
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: guest-mutants-libfuse.sh OUT [NAME=BUILD=CASE...]" >&2; exit 2; }
out=$1
shift
if [ $# -eq 0 ]; then
	mapfile -t runs <"$out/runs" || exit 2
	set -- "${runs[@]}"
fi
[ $# -ge 1 ] || { echo "guest-mutants-libfuse: no runs in $out/runs" >&2; exit 2; }
for v; do
	n=${v%%=*} c=${v##*=} b=${v#*=}
	b=${b%=*}
	d=$out/$n/$(echo "$c" | tr / _)
	mkdir -p "$d"
	echo "guest-mutants-libfuse: $n: $c"
	LIBFUSE_CASES='' LIBFUSE_TIMEOUT=${LIBFUSE_TIMEOUT:-300} \
		"$(dirname "$0")/guest-libfuse.sh" "$b" "$d" "$c" >"$d/guest.log" 2>&1
	echo "guest-mutants-libfuse: $n: $c: runner exit $(cat "$d/runner-exit" 2>/dev/null || echo none)"
done
