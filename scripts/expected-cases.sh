#!/usr/bin/env bash
# Record, on the host, the test cases each program of an installed
# kselftest collection has, for the judge (judge.sh): a program's run
# says how many cases it plans, but a run that plans fewer than the
# program has would judge itself green. KST/expected-cases/PROGRAM gets,
# for each "COLLECTION:PROGRAM" line of KST/kselftest-list.txt:
#
#   a kselftest_harness.h program (its binary carries the harness's usage
#   text, "-l       list all tests"): the cases "PROGRAM -l" lists, one a
#   line, named as the harness names them in TAP (FIXTURE.TEST, or
#   FIXTURE.VARIANT.TEST: every variant of a fixture runs every test of
#   it), in the order they run, after a "# " line that says where they
#   come from
#   any other program: the one line of EXPECTED_NO_LIST (lib.sh), and the
#   judge takes its cases from the plan of its run, and says so
#
# Only the programs that carry the harness's text are run, with -l alone:
# the harness lists its tests and exits without running one, so neither
# root nor the kernel under test is needed; a program that is not a
# harness program is never started here. A harness program whose list
# cannot be read is an error, not a program without a list.
#
# usage: expected-cases.sh KST
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: expected-cases.sh KST"
[ -f "$1/kselftest-list.txt" ] || die "no $1/kselftest-list.txt"
kst=$(cd "$1" && pwd)
dest=$kst/expected-cases
rm -rf "$dest"
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# harness_cases: the case names of "PROGRAM -l" output on stdin (the
# harness's test_harness_list_tests(): after a "# FIXTURE VARIANT TEST"
# header, one block of rows for each fixture, blocks apart by a line of
# dashes, each row "%-20s %-25s %s": the fixture's name on its first row
# (on every row when it has no test), its variants and its tests in
# columns side by side, "" where a column has ended). A name longer than
# its column pushes the next one right, so each field is read from where
# the one before ended. Fails, saying why, on anything else.
harness_cases() {
	awk '
	function bad(why) {
		printf "line %d: %s: \"%s\"\n", NR, why, $0 >"/dev/stderr"
		err = 1
		exit 1
	}
	# field(W): the field of width W at pos ("" for blanks), pos past it
	# and the one space after it
	function field(w,    rest, tok) {
		rest = substr(line, pos)
		tok = ""
		if (rest != "" && substr(rest, 1, 1) != " ") {
			tok = rest
			sub(/ .*/, "", tok)
			if (tok !~ /^[A-Za-z_][A-Za-z0-9_]*$/)
				bad("\"" tok "\" is not a name")
		}
		pos += (length(tok) > w ? length(tok) : w) + 1
		return tok
	}
	function block(    i, j, nv) {
		if (fix == "")
			return
		nv = nvar ? nvar : 1
		for (i = 1; i <= nv; i++)
			for (j = 1; j <= ntest; j++)
				print fix (nvar ? "." var[i] : "") "." test[j]
	}
	NR == 1 {
		if ($0 !~ /^# FIXTURE +VARIANT +TEST$/)
			bad("not the header of a kselftest_harness list")
		next
	}
	/^-+$/ {
		if (fix == "")
			bad("a fixture without a row")
		block()
		fix = ""
		nvar = ntest = vdone = tdone = 0
		next
	}
	{
		line = $0
		pos = 1
		f = field(20)
		v = field(25)
		t = substr(line, pos)
		if (t != "" && t !~ /^[A-Za-z_][A-Za-z0-9_]*$/)
			bad("\"" t "\" is not a name")
		if (fix == "") {
			if (f == "")
				bad("a fixture block that does not start with its name")
			fix = f
		} else if (f != "" && f != fix) {
			bad("fixture " f " inside the block of " fix)
		}
		if (v != "") {
			if (vdone)
				bad("a variant after the variants ended")
			var[++nvar] = v
		} else if (nvar) {
			vdone = 1
		}
		if (t != "") {
			if (tdone)
				bad("a test after the tests ended")
			test[++ntest] = t
		} else {
			tdone = ntest > 0
		}
	}
	END {
		if (err)
			exit 1
		if (NR == 0)
			bad("no output")
		block()
	}'
}

n=0
while IFS=: read -r coll prog; do
	[ -n "$prog" ] || continue
	bin=$kst/$coll/$prog
	out=$dest/$prog
	[ -f "$bin" ] || die "$coll:$prog of kselftest-list.txt is not installed ($bin)"
	if ! grep -aqF -- '-l       list all tests' "$bin"; then
		echo "$EXPECTED_NO_LIST" >"$out"
		say "$prog: not a kselftest_harness program; the judge takes its cases from its run's plan"
		continue
	fi
	rc=0
	(cd "$tmp" && timeout 60 "$bin" -l </dev/null >/dev/null 2>"$tmp/list") || rc=$?
	# the harness exits with KSFT_SKIP (4) after listing; older ones with 0
	[ "$rc" -eq 4 ] || [ "$rc" -eq 0 ] ||
		die "$prog -l exited with $rc (not runnable on this host?): $(head -c 300 "$tmp/list")"
	harness_cases <"$tmp/list" >"$tmp/cases" 2>"$tmp/why" ||
		die "$prog -l: cannot read its list of tests: $(cat "$tmp/why")"
	count=$(grep -c . "$tmp/cases" || true)
	# The same list once more, through a pipe rather than a file: a list
	# cut short on its way (a full disk, a program stopped half-way) would
	# otherwise be recorded as all the program has, and a run filtered to
	# the same cases would look whole. The header keeps the count, which
	# the judge checks the list against.
	again=$( (cd "$tmp" && timeout 60 "$bin" -l </dev/null 2>&1 >/dev/null) |
		harness_cases 2>/dev/null | grep -c . || true)
	[ "$again" = "$count" ] ||
		die "$prog -l: $count cases read from its list, $again when listed again: the list was cut short"
	{
		echo "# the cases of $prog, from \"$prog -l\" (kselftest_harness): $count"
		cat "$tmp/cases"
	} >"$out"
	[ "$(grep -vc '^#' "$out" || true)" = "$count" ] ||
		die "$out: fewer than the $count cases written (a full disk?)"
	say "$prog: cases recorded: $count"
	n=$((n + 1))
done <"$kst/kselftest-list.txt"
say "expected cases of $n harness programs in $dest"
