#!/usr/bin/env bash
# The gate of the libfuse series ("make libfuse-check"): what libfuse's
# maintainers and its CI run on a pull request, on libfuse/ as committed.
#
#   am          the series applies to the base tarball with git am, no
#               whitespace errors
#   checkpatch  libfuse's own checkpatch.pl (in the tarball) on each patch,
#               with the options and ignore list of libfuse's CI
#               (.github/workflows/run-checkpatch.sh, not in the tarball)
#   codespell   the tarball's .codespellrc, as libfuse's codespell
#               workflow: no finding that the base does not have
#   build       meson -Dwerror=true with gcc and with clang: the base and
#               every prefix of the series build; meson itself warns about
#               nothing the base does not
#   runner      test/run-tests.py lists every case the series adds, and the
#               cases that need no mount (test/cases/unit) pass
#   cover       the cover letter names every patch, the base release and
#               its recipients
#
# Writes "pass|fail NAME: figures" lines to $LOG_DIR/check/results and ends
# with "N passed, N failed".
#
# usage: check-libfuse.sh [CHECK...]   (default: all of the above)
set -euo pipefail
export BASE=libfuse
. "$(dirname "$0")/lib.sh"

all=(am checkpatch codespell build runner cover)
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=("${all[@]}")
for c in "${checks[@]}"; do
	case " ${all[*]} " in
	*" $c "*) ;;
	*) die "unknown check '$c' (known: ${all[*]})" ;;
	esac
done

# libfuse CI's checkpatch invocation (run-checkpatch.sh of libfuse's
# .github/workflows): these message types are not checked there
CHECKPATCH_IGNORES=MAINTAINERS,SPDX_LICENSE_TAG,COMMIT_MESSAGE,FILE_PATH_CHANGES
CHECKPATCH_IGNORES+=,EMAIL_SUBJECT,AVOID_EXTERNS,GIT_COMMIT_ID,ENOSYS_SYSCALL
CHECKPATCH_IGNORES+=,ENOSYS,FROM_SIGN_OFF_MISMATCH,QUOTED_COMMIT_ID
CHECKPATCH_IGNORES+=,PREFER_ATTRIBUTE_ALWAYS_UNUSED,PREFER_DEFINED_ATTRIBUTE_MACRO
CHECKPATCH_IGNORES+=,STRCPY,STRNCPY,COMPLEX_MACRO,LINE_SPACING

out=$LOG_DIR/check
mkdir -p "$LOG_DIR"
exec 9>"$LOG_DIR/check.lock"
flock -n 9 || die "another check-libfuse.sh is running (lock: $LOG_DIR/check.lock)"
rm -rf "$out"
mkdir -p "$out"
res=$out/results
: >"$res"

mapfile -t series < <(read_series "$PATCHES/series")
[ ${#series[@]} -gt 0 ] || die "libfuse/series is empty"
rev=$(base_rev)
ctree=$WORK_DIR/check-tree
. "$TOP/scripts/check-lib.sh"

commits=() am_done=''
check_am() {
	local p n=0
	am_done=1
	prepare_ctree
	for p in "${series[@]}"; do
		if ! git -C "$ctree" am -q --whitespace=error-all "$PATCHES/$p" >"$out/am.log" 2>&1; then
			git -C "$ctree" am --abort >/dev/null 2>&1 || true
			result fail "git am: $p does not apply on the base: $(head -n 3 "$out/am.log" | tr '\n' ' ')"
			return 1
		fi
		commits+=("$(git -C "$ctree" rev-parse HEAD)")
		n=$((n + 1))
	done
	result pass "git am: $n patches apply on $(git -C "$ctree" log -1 --format=%s "$rev")"
}

check_checkpatch() {
	local i log bad=0 n
	# the base's checkpatch.pl, whatever the series does to it
	git -C "$ctree" show "$rev:checkpatch.pl" >"$out/checkpatch.pl"
	for i in "${!commits[@]}"; do
		log=$out/checkpatch-${series[$i]%.patch}.log
		git -C "$ctree" format-patch -1 --stdout "${commits[$i]}" -- . ':!*.yml' ':!*.yaml' |
			(cd "$ctree" && perl "$out/checkpatch.pl" --show-types --max-line-length=100 \
				--no-tree --ignore "$CHECKPATCH_IGNORES" -) >"$log" 2>&1 || true
		n=$(grep -c -E '^(ERROR|WARNING|CHECK):' "$log" || true)
		if [ "$n" -gt 0 ]; then
			bad=1
			result fail "checkpatch: ${series[$i]}: $n findings (see $log)"
			grep -E '^(ERROR|WARNING|CHECK):' "$log" | head -n 10 | sed 's/^/      /'
		elif ! grep -q -E '^total: 0 errors, 0 warnings' "$log"; then
			bad=1
			result fail "checkpatch: ${series[$i]}: no verdict from checkpatch (see $log)"
		fi
	done
	[ "$bad" -eq 0 ] && result pass "checkpatch (libfuse CI's options): ${#series[@]} patches clean"
	[ "$bad" -eq 0 ]
}

# codespell_at REV LOG: the findings of codespell on the tree at REV,
# without line numbers (a patch that moves a finding adds none)
codespell_at() {
	git -C "$ctree" checkout -q -f --detach "$1"
	(cd "$ctree" && codespell --skip checkpatch.pl . 2>&1) |
		sed -E 's|^\./||; s|:[0-9]+:|:|' | LC_ALL=C sort -u >"$2" || true
}

check_codespell() {
	local new
	command -v codespell >/dev/null || { result fail "codespell: not installed; run 'make deps'"; return 1; }
	codespell_at "$rev" "$out/codespell-base.log"
	codespell_at "${commits[-1]}" "$out/codespell-series.log"
	new=$(LC_ALL=C comm -13 "$out/codespell-base.log" "$out/codespell-series.log")
	if [ -n "$new" ]; then
		result fail "codespell: $(wc -l <<<"$new") findings the base does not have (see $out/codespell-series.log)"
		head -n 10 <<<"$new" | sed 's/^/      /'
		return 1
	fi
	result pass "codespell: $(wc -l <"$out/codespell-base.log") findings in the base, none new"
}

# meson's own warnings of a setup, without line numbers
meson_warnings() {
	grep 'WARNING:' "$1" | sed -E "s|^$ctree/||; s|^\.\./||; s|:[0-9]+:|:|" | LC_ALL=C sort -u || true
}

check_build() {
	local cc i ok=1 bdir log
	for cc in gcc clang; do
		bdir=$BUILD_ROOT/check-$cc
		rm -rf "$bdir"
		git -C "$ctree" checkout -q -f --detach "$rev"
		log=$out/build-$cc-base.log
		if ! "$TOP/scripts/build-libfuse.sh" --cc "$cc" "$ctree" "$bdir" >"$log" 2>&1; then
			result fail "build $cc -Dwerror=true: the base does not build (see $log)"
			ok=0
			continue
		fi
		meson_warnings "$bdir/setup.log" >"$out/meson-$cc-base.warnings"
		for i in "${!commits[@]}"; do
			git -C "$ctree" checkout -q -f --detach "${commits[$i]}"
			log=$out/build-$cc-$((i + 1)).log
			# a patch that adds only runner cases or documentation
			# (nothing meson builds) builds what the one before did
			if [ "$i" -gt 0 ] && git -C "$ctree" diff --quiet "${commits[$i]}~1" "${commits[$i]}" -- . \
				':!test/cases/*.sh' ':!test/cases/lib/*' ':!test/cases/README.md' ':!doc/README.*' &&
				[ "$(cat "$bdir/.built-at" 2>/dev/null)" = "${commits[$((i - 1))]}" ]; then
				echo "same build as patch $i" >"$log"
				git -C "$ctree" rev-parse HEAD >"$bdir/.built-at"
				cp "$out/meson-$cc-$i.warnings" "$out/meson-$cc-$((i + 1)).warnings"
				continue
			fi
			if ! "$TOP/scripts/build-libfuse.sh" --cc "$cc" "$ctree" "$bdir" >"$log" 2>&1; then
				result fail "build $cc -Dwerror=true: ${series[$i]} does not build (see $log, $bdir/build.log)"
				grep -E 'error|warning' "$bdir/build.log" | head -n 5 | sed 's/^/      /'
				ok=0
				continue
			fi
			git -C "$ctree" rev-parse HEAD >"$bdir/.built-at"
			meson_warnings "$bdir/setup.log" >"$out/meson-$cc-$((i + 1)).warnings"
			if LC_ALL=C comm -13 "$out/meson-$cc-base.warnings" "$out/meson-$cc-$((i + 1)).warnings" | grep -q .; then
				result fail "build $cc: ${series[$i]}: meson warns about what it does not for the base (see $bdir/setup.log)"
				ok=0
			fi
		done
		[ "$ok" -eq 1 ] && result pass "build $cc -Dwerror=true: base and ${#commits[@]} prefixes build, no new meson warning"
	done
	git -C "$ctree" checkout -q -f --detach "${commits[-1]}"
	[ "$ok" -eq 1 ]
}

check_runner() {
	local bdir=$BUILD_ROOT/check-gcc added c ok=1 n
	[ "$(cat "$bdir/.built-at" 2>/dev/null)" = "${commits[-1]}" ] ||
		{ result fail "runner: no gcc build of the whole series (the build check failed or did not run)"; return 1; }
	git -C "$ctree" checkout -q -f --detach "${commits[-1]}"
	mapfile -t added < <(git -C "$ctree" diff --name-only --diff-filter=A "$rev" "${commits[-1]}" -- 'test/cases/*.sh' ':!test/cases/lib/')
	python3 "$ctree/test/run-tests.py" --build-dir "$bdir" -l >"$out/runner-list.log" 2>&1 ||
		{ result fail "runner: run-tests.py -l failed (see $out/runner-list.log)"; return 1; }
	for c in "${added[@]}"; do
		c=${c#test/cases/}
		c=${c%.sh}
		grep -qxF "$c" "$out/runner-list.log" ||
			{ result fail "runner: the series adds $c, which run-tests.py does not list (not executable?)"; ok=0; }
	done
	rm -rf "$out/unit-run"
	if ! python3 "$ctree/test/run-tests.py" --build-dir "$bdir" -t unit --run-dir "$out/unit-run" \
		>"$out/runner-unit.log" 2>&1; then
		result fail "runner: the unit cases fail (see $out/runner-unit.log)"
		ok=0
	else
		n=$(sed -n 's/^\([0-9]*\) tests: .*/\1/p' "$out/runner-unit.log")
		[ "$ok" -eq 1 ] && result pass "runner: lists the ${#added[@]} cases the series adds; ${n:-0} unit cases pass"
	fi
	[ "$ok" -eq 1 ]
}

check_cover() {
	local cl=$PATCHES/0000-cover-letter.txt ok=1 r
	[ -f "$cl" ] || { result fail "cover letter: no $cl"; return 1; }
	cover_names_series "$cl" || ok=0
	for r in "${series_to[@]}" "${series_cc[@]}"; do
		grep -qF "$r" "$cl" || { result fail "cover letter: not addressed to $r"; ok=0; }
	done
	cover_names_base "$cl" || ok=0
	kernel_series_quoted "$cl" || ok=0
	[ "$ok" -eq 1 ] && result pass "cover letter: names ${#series[@]} patches, its base ($(recorded_base)), its recipients, the kernel series as patches/ has it"
	[ "$ok" -eq 1 ]
}

# The kernel series that the letter quotes ("[PATCH vN 0/M] subject", line
# breaks and all) is the 7.3 series as patches/ has it now
kernel_series_quoted() {
	local flat kernel
	kernel=$(unfolded_subject "$TOP/patches/0000-cover-letter.txt" keep)
	flat=$(tr '\n' ' ' <"$1" | tr -s ' ')
	grep -q '\[PATCH v[0-9]' <<<"$flat" || return 0
	if [ -z "$kernel" ] || ! grep -qF "\"$kernel\"" <<<"$flat"; then
		result fail "cover letter: does not quote the kernel series as \"$kernel\""
		return 1
	fi
	if [ "$(grep -o '\[PATCH v[0-9]* 0*0/[0-9]*\]' <<<"$flat" | sort -u | wc -l)" -ne 1 ]; then
		result fail "cover letter: quotes another version of the kernel series beside \"$kernel\""
		return 1
	fi
}

t0=$(date +%s)
for c in "${checks[@]}"; do
	case $c in
	am) [ -n "$am_done" ] || check_am || true ;;
	cover) check_cover || true ;;
	*)
		if [ -z "$am_done" ]; then
			check_am >/dev/null || true
		fi
		if [ ${#commits[@]} -eq 0 ]; then
			result fail "$c: not run (git am failed)"
		else
			"check_$c" || true
		fi
		;;
	esac
done
echo "check: $(count_results "$res") ($(($(date +%s) - t0))s, logs in $out)"
! grep -q '^fail ' "$res"
