#!/usr/bin/env bash
# Proof that the judge's self-test covers every check: in a copy of the
# project, take out one check of the judge (one failure it records, in
# judge.sh or judge-program.awk, or a result it passes on) or one pattern of lib.sh's
# SPLAT_PATTERNS, run test-judge.sh on the copy, and want it to fail;
# then the next. A check whose removal the self-test does not notice is
# named; the script fails unless every one is noticed.
#
# usage: judge-mutants.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: judge-mutants.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy=$tmp/top
mkdir -p "$copy"
cp -r "$TOP/scripts" "$TOP/tests" "$copy/"

"$copy/scripts/test-judge.sh" >"$tmp/control.log" 2>&1 ||
	die "the self-test fails on the unmutated judge (see below)$(echo; cat "$tmp/control.log")"

# The mutants, as "FILE:LINE:HOW": each line where a failure is recorded
# (a call of fail in judge.sh, a "fail ..." line its awk prints, a call
# of fail() or result() in judge-program.awk) and each line of SPLAT_PATTERNS.
mutants() {
	grep -n -E '(^|[^a-z_])fail "|print(f)? "fail ' "$TOP/scripts/judge.sh" | grep -v -E '^[0-9]+:[[:space:]]*#' | cut -d: -f1 | sed 's|^|judge.sh:|; s|$|:check|'
	grep -n -E '(^|[^a-z_])(fail|result)\(' "$TOP/scripts/judge-program.awk" | grep -v -E 'function |^[0-9]+:[[:space:]]*#' |
		cut -d: -f1 | sed 's|^|judge-program.awk:|; s|$|:check|'
	awk '/^SPLAT_PATTERNS=\(/ { on = 1; next } on && /^\)/ { on = 0 } on { print "lib.sh:" NR ":pattern" }' \
		"$TOP/scripts/lib.sh"
}

# mutate FILE LINE HOW: take the check or the pattern out of the copy
mutate() {
	local f=$copy/scripts/$1 n=$2
	cp "$TOP/scripts/$1" "$f"
	case $3 in
	pattern) sed -i "${n}d" "$f" ;;
	check)
		sed -i -E "${n}s/(^|[^a-z_])fail \"/\\1: \"/; ${n}s/print(f?) \"fail /print\\1 \"note /" "$f"
		# in the awk program: the call of fail() or result() becomes one
		# of a function that does nothing
		case $1 in
		*.awk)
			sed -i -E "${n}s/(^|[^a-z_])(fail|result)\\(/\\1nop(/" "$f"
			echo 'function nop(a, b, c) { }' >>"$f"
			;;
		esac
		;;
	esac
	! cmp -s "$TOP/scripts/$1" "$f" || die "$1:$n: the mutation changed nothing"
}

mapfile -t list < <(mutants)
say "${#list[@]} mutants of the judge; the self-test must fail on each"
killed=0 survivors=()
for m in "${list[@]}"; do
	IFS=: read -r file line how <<<"$m"
	text=$(sed -n "${line}p" "$TOP/scripts/$file" | sed 's/^[[:space:]]*//')
	mutate "$file" "$line" "$how"
	if "$copy/scripts/test-judge.sh" --first-failure >"$tmp/run.log" 2>&1; then
		survivors+=("$file:$line: $text")
		echo "SURVIVED $file:$line: $text"
	else
		killed=$((killed + 1))
		echo "killed   $file:$line by '$(grep -m 1 '^not ok' "$tmp/run.log" | sed 's/^not ok - //')'"
	fi
	cp "$TOP/scripts/$file" "$copy/scripts/$file"
done
say "judge mutants killed $killed/${#list[@]}"
[ ${#survivors[@]} -eq 0 ]
