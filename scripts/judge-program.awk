# The verdict on one kselftest program of a VM run (scripts/judge.sh):
# its line in the runner's TAP and its own log (the input). Prints one
# "pass|fail|skip NAME" line per test case and one "fail PROG: why" line
# per way the program's results are not whole.
#
# Variables: prog (the program), ENVIRON["runner"] (its line in tap.log,
# or empty when the runner has none), nrunner (how many lines the runner has for
# it), allowed (the allowed-skips list), kernel (patched or unpatched),
# stress_prog (the program that prints "stress_seconds: N"), stress_want
# (the N that was asked), expected (the file of the cases the program has,
# DIR/expected-cases/PROG, recorded on the host by expected-cases.sh),
# nolist (lib.sh's EXPECTED_NO_LIST, that file's line for a program that
# cannot list its cases).
#
# The cases a program has come from that file, not from its run: its plan
# must be their number, each of them must have a result and no other case
# may. For a program that cannot list its cases (not a kselftest_harness
# program) the run's own plan is what it has, and a "note" line says so.

function fail(why) {
	print "fail " prog ": " why
}

# allow(CASE, REASON): the WHY of the allowed-skips line that lets CASE of
# prog skip for REASON on this kernel, or ""
function allow(cname, reason,    i) {
	for (i = 1; i <= nallow; i++)
		if (acase[i] == "-" ? cname == "-" : cname ~ ("^(" acase[i] ")$"))
			if (reason ~ areason[i])
				return awhy[i]
	return ""
}

# result(KIND, NAME, TEXT): a result line; a SKIP (an XFAIL or XPASS
# too, whose TEXT starts with that word) fails unless the list allows it
function result(kind, cname, text,    why, what) {
	if (kind == "fail") {
		fail(cname)
		return
	}
	if (kind == "pass") {
		print "pass " prog ": " cname
		return
	}
	why = allow(cname, text)
	what = text ~ /^(XFAIL|XPASS)/ ? substr(text, 1, 5) : "SKIP"
	if (why != "")
		print "skip " prog ": " cname ": " text " (allowed: " why ")"
	else
		fail(cname ": " what " on the " kernel " kernel, not in scripts/allowed-skips.list: " text)
}

# the text after "# SKIP" in LINE
function skip_text(line) {
	sub(/.*# [Ss][Kk][Ii][Pp] */, "", line)
	return line
}

BEGIN {
	while ((getline l < allowed) > 0) {
		if (l ~ /^#/ || l ~ /^[[:space:]]*$/)
			continue
		split(l, f, / \| /)
		if (f[1] == kernel && f[2] == prog) {
			nallow++
			acase[nallow] = f[3]
			areason[nallow] = f[4]
			awhy[nallow] = f[5]
		}
	}
	close(allowed)
	runner = ENVIRON["runner"]

	# the cases the program has: one name a line, "#" lines are comments
	explist = "expected-cases/" prog
	# its header says how many the program listed (expected-cases.sh)
	hdrcount = -1
	while ((getline l < expected) > 0) {
		nexpl++
		if (l == nolist)
			unlisted = 1
		else if (nexpl == 1 && l ~ /^# the cases of .*: [0-9]+$/) {
			hdrcount = l
			sub(/.*: /, "", hdrcount)
			hdrcount += 0
		} else if (l !~ /^#/ && l !~ /^[[:space:]]*$/ && !(l in has)) {
			has[l] = 1
			expname[++nexp] = l
		}
	}
	close(expected)
	if (!nexpl)
		fail("no list of the cases it has (" explist " is missing or empty); a run of fewer cases than it has would look whole")
	else if (unlisted && nexp)
		fail(explist " says it has no list of its cases, and lists " nexp)
	else if (!unlisted && hdrcount < 0)
		fail(explist " has no header with the number of cases the program listed; a list cut short would look whole")
	else if (!unlisted && hdrcount != nexp)
		fail(explist " lists " nexp " cases, its header says the program listed " hdrcount ": the list was cut short")
	# known: the cases it has are known, and its run is held to them
	known = nexpl && !unlisted

	if (nrunner == 0)
		fail("no result line from the runner")
	else if (nrunner > 1)
		fail(nrunner " result lines from the runner")
	if (runner ~ /^not ok/ && runner ~ /# TIMEOUT/)
		fail("timed out (runner: " after_hash(runner) ")")
	else if (runner ~ /^ok .*# [Ss][Kk][Ii][Pp]/)
		result("skip", "-", "the runner's SKIP of the whole program: " skip_text(runner))
}

# the text after the last "# " in LINE
function after_hash(line) {
	sub(/.*# /, "", line)
	return line
}

{
	line = $0
	sub(/^# /, "", line)
}
line ~ /^1\.\.[0-9]+/ {
	plans++
	if (plans == 1) {
		plan = line
		sub(/^1\.\./, "", plan)
		sub(/[^0-9].*/, "", plan)
		plan += 0
		if (plan == 0 && line ~ /# [Ss][Kk][Ii][Pp]/) {
			planskip = 1
			result("skip", "-", "the program skipped before its first case: " skip_text(line))
		}
	}
	next
}
line ~ /^(not )?ok [0-9]+ / {
	k = line
	sub(/^(not )?ok /, "", k)
	name = k
	sub(/ .*/, "", k)
	k += 0
	sub(/^[0-9]+ /, "", name)
	kind = line ~ /^not ok/ ? "fail" : "pass"
	if (name ~ / # [Ss][Kk][Ii][Pp]/) {
		kind = "skip"
		text = skip_text(name)
		sub(/ # [Ss][Kk][Ii][Pp].*/, "", name)
	} else if (kind == "pass" && name ~ / # (XFAIL|XPASS)( |$)/) {
		# an expected failure, or an unexpected pass: not a pass
		# unless the list names it, like a SKIP (its TEXT says which)
		kind = "skip"
		text = name
		sub(/.* # (XFAIL|XPASS)/, "", text)
		text = (name ~ / # XFAIL/ ? "XFAIL" : "XPASS") text
		sub(/ # (XFAIL|XPASS).*/, "", name)
	} else {
		text = ""
		sub(/ # .*/, "", name)
	}
	sub(/ +$/, "", name)
	seen[k]++
	if (seen[k] == 1) {
		order[++ncase] = k
		cname[k] = name
		ckind[k] = kind
		ctext[k] = text
	}
	if (prog == stress_prog && name ~ /(^|\.)stress$/)
		stress_case = kind
	next
}
line ~ /^# stress_seconds: / {
	nstress++
	stress_got = line
	sub(/^# stress_seconds: /, "", stress_got)
}

END {
	if (NR == 0) {
		fail("its own log is empty (lost, or the program printed nothing)")
		exit
	}
	if (!plans) {
		fail("no plan (1..N) in its own log; it did not start or its output is lost")
		exit
	}
	if (plans > 1)
		fail(plans " plans in its own log (the output of more than one run?)")
	good = 0
	for (i = 1; i <= ncase; i++) {
		k = order[i]
		if (k < 1 || k > plan) {
			fail("test case " k " (" cname[k] ") is outside its plan 1.." plan)
			continue
		}
		if (seen[k] > 1)
			fail("test case " k " (" cname[k] ") has " seen[k] " results")
		good++
		got[cname[k]] = 1
		if (known && !(cname[k] in has)) {
			fail("test case " k " (" cname[k] ") is not one of the " nexp " cases it has (" explist ")")
			continue
		}
		result(ckind[k], cname[k], ctext[k])
	}
	# a program that skipped as a whole ran none of its cases: its SKIP
	# is judged above
	if (known && !planskip) {
		if (plan != nexp)
			fail("its plan is 1.." plan ", but it has " nexp " test cases (" explist ")")
		missing()
	} else if (good < plan) {
		fail(good " of " plan " planned test cases have a result; the run was cut short")
	}
	if (unlisted && !nexp)
		print "note " prog ": not a kselftest_harness program (" explist "): judged on the plan of its run, 1.." plan
	if (runner ~ /^not ok/ && runner !~ /# TIMEOUT/ && !failed_case())
		fail("the runner says it failed, no test case did (a crash?)")
	if (prog == stress_prog && stress_want != "") {
		if (nstress > 1)
			fail("stress_seconds printed " nstress " times")
		else if (nstress == 1 && stress_got != stress_want)
			fail("the stress test ran for " stress_got " s, " stress_want " s were asked")
		else if (nstress == 0 && stress_case != "skip")
			fail("no \"# stress_seconds: N\" line: the stress test did not run, or cannot say what it was asked")
	}
}

# missing: one failure for the cases it has that have no result
function missing(    i, n, names) {
	for (i = 1; i <= nexp; i++)
		if (!(expname[i] in got)) {
			if (++n <= 3)
				names = names (n > 1 ? ", " : "") expname[i]
		}
	if (n > 3)
		names = names " and " n - 3 " more"
	if (n)
		fail("no result for " n " of the " nexp " test cases it has (cut short, or not run): " names)
}

function failed_case(    i) {
	for (i = 1; i <= ncase; i++)
		if (ckind[order[i]] == "fail")
			return 1
	return 0
}
