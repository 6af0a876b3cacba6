#!/usr/bin/env bash
# The upstream-readiness gate ("make check"): what a FUSE maintainer runs
# before applying the series, on patches/ as it is committed.
#
#   git am      the series applies to a pristine base, no whitespace errors
#   checkpatch  --strict: no ERROR/WARNING/CHECK but the excused ones below
#   build       every prefix of the series builds fs/fuse/ with W=1 in three
#               configs (FUSE_FS=y, FUSE_FS=m, FUSE_PASSTHROUGH=n) with no
#               warning that the base does not have (a prefix that adds
#               only tests or documentation builds what the one before did)
#   sparse      C=2 on fs/fuse/: no warning that the base does not have
#   selftests   the fuse kselftests build with -Wall -Werror, with gcc and
#               with LLVM=1
#   docs        the changed .rst parses without warnings; kernel-doc on the
#               changed headers and sources has no new warnings
#   cover       the cover letter names every patch, the base the series
#               records (patches/base; not the base under test, which may
#               be a newer point release), the tests and its recipients
#
# Writes "pass|fail NAME: figures" lines to $LOG_DIR/check/results and ends
# with "N passed, N failed".
#
# usage: check.sh [CHECK...]   (default: all of the above)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

all=(am checkpatch build sparse selftests docs cover)
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=("${all[@]}")
for c in "${checks[@]}"; do
	case " ${all[*]} " in
	*" $c "*) ;;
	*) die "unknown check '$c' (known: ${all[*]})" ;;
	esac
done

# checkpatch findings that are excused, as "PATTERN<TAB>REASON"; a finding
# is excused when its text matches PATTERN (an extended regex).
EXCUSES=(
	"Deprecated use of 'idr_init', prefer 'xa_init'	the backing id map is an IDR in fs/fuse today; converting it to an XArray is a separate change"
	"does MAINTAINERS need updating	tools/testing/selftests/filesystems/fuse/ is already in the FUSE entry"
	"ENOSYS means 'invalid syscall nr'	the selftest's FUSE server answers unimplemented requests with -ENOSYS, as the FUSE protocol asks"
)

out=$LOG_DIR/check
mkdir -p "$LOG_DIR"
exec 9>"$LOG_DIR/check.lock"
flock -n 9 || die "another check.sh is running (lock: $LOG_DIR/check.lock)"
rm -rf "$out"
mkdir -p "$out"
res=$out/results
: >"$res"
# the kernel's python helpers need Debian's modules, not another python3
export PATH=/usr/bin:$PATH

mapfile -t series < <(read_series "$PATCHES/series")
[ ${#series[@]} -gt 0 ] || die "patches/series is empty"
# for 7.3 the io-uring series (patches/uring/) follows, and the gate takes
# both as one: each of its prefixes builds, and so on; each has its own
# cover letter
nmain=${#series[@]}
if [ "$BASE" = 7.3 ] && [ -f "$PATCHES/uring/series" ]; then
	mapfile -t -O "$nmain" series < <(read_series "$PATCHES/uring/series" | sed 's|^|uring/|')
fi
repo=$(base_repo)
rev=$(base_rev)

# A worktree of the base repository for the gate, apart from the work tree:
# it is checked out at each prefix of the series in turn.
ctree=$WORK_DIR/check-tree
. "$TOP/scripts/check-lib.sh"

# am: apply each patch with git am on the base; record the commits.
commits=()
check_am() {
	local p n=0
	prepare_ctree
	for p in "${series[@]}"; do
		if ! git -C "$ctree" am -q --whitespace=error-all "$PATCHES/$p" \
			>"$out/am.log" 2>&1; then
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
	local p q log n excused total=0 bad=0 e pat reason rc
	for p in "${series[@]}"; do
		q=${p%.patch}
		log=$out/checkpatch-${q//\//-}.log
		rc=0
		(cd "$ctree" && perl scripts/checkpatch.pl --strict --terse --no-summary \
			"$PATCHES/$p") >"$log" 2>&1 || rc=$?
		grep -E ': (ERROR|WARNING|CHECK):' "$log" >"$log.findings" || true
		# checkpatch exits 0 when a patch is clean and 1 with findings;
		# anything else, or a finding-less 1, is checkpatch not running
		if [ "$rc" -gt 1 ] || { [ "$rc" -eq 1 ] && [ ! -s "$log.findings" ]; }; then
			bad=1
			result fail "checkpatch --strict: $p: checkpatch itself failed, exit $rc (see $log)"
			continue
		fi
		: >"$log.excused"
		for e in "${EXCUSES[@]}"; do
			pat=${e%%	*}
			reason=${e#*	}
			if grep -E -q -- "$pat" "$log.findings"; then
				grep -E -- "$pat" "$log.findings" | sed "s|$|  [excused: $reason]|" >>"$log.excused"
				grep -E -v -- "$pat" "$log.findings" >"$log.rest" || true
				mv "$log.rest" "$log.findings"
			fi
		done
		n=$(wc -l <"$log.findings")
		excused=$(wc -l <"$log.excused")
		total=$((total + excused))
		if [ "$n" -gt 0 ]; then
			bad=1
			result fail "checkpatch --strict: $p: $n findings (see $log)"
			sed 's/^/      /' "$log.findings" | head -n 10
		elif grep -v -E ': (ERROR|WARNING|CHECK):' "$log" | grep -q .; then
			bad=1
			result fail "checkpatch --strict: $p: checkpatch printed what is not a finding (see $log)"
			grep -v -E ': (ERROR|WARNING|CHECK):' "$log" | head -n 5 | sed 's/^/      /'
		fi
	done
	[ "$bad" -eq 0 ] && result pass "checkpatch --strict: ${#series[@]} patches clean ($total excused findings, reasons in check.sh)"
	[ "$bad" -eq 0 ]
}

check_build() {
	local cfg i ok=1 new added log base_log prev_log
	[ ${#commits[@]} -gt 0 ] || { result fail "builds: no commits (git am failed)"; return 1; }
	for cfg in y m n; do
		git -C "$ctree" checkout -q -f --detach "$rev"
		base_log=$out/build-$cfg-base.log
		if ! build_fuse "$cfg" "$base_log" W=1; then
			result fail "build FUSE config $cfg: the base does not build (see $base_log)"
			ok=0
			continue
		fi
		prev_log=$base_log
		for i in "${!commits[@]}"; do
			log=$out/build-$cfg-$((i + 1)).log
			# a patch that changes only tests, documentation or
			# MAINTAINERS builds what the one before built
			if git -C "$ctree" diff --quiet "${commits[$i]}~1" "${commits[$i]}" -- . \
				':!tools' ':!Documentation' ':!MAINTAINERS'; then
				cp "$prev_log" "$log"
				prev_log=$log
				continue
			fi
			git -C "$ctree" checkout -q -f --detach "${commits[$i]}"
			if ! build_fuse "$cfg" "$log" W=1; then
				result fail "build FUSE config $cfg: ${series[$i]} does not build (see $log)"
				grep -E 'error' "$log" | head -n 5 | sed 's/^/      /'
				ok=0
				continue
			fi
			new=$(comm -13 "$base_log" "$log" | wc -l)
			added=$(comm -13 "$prev_log" "$log" | wc -l)
			if [ "$added" -gt 0 ] && [ "$new" -gt 0 ]; then
				result fail "build FUSE config $cfg W=1: ${series[$i]} adds $added warnings (see $log)"
				comm -13 "$prev_log" "$log" | head -n 5 | sed 's/^/      /'
				ok=0
			elif [ "$new" -gt 0 ]; then
				result fail "build FUSE config $cfg W=1: ${series[$i]} still has $new new warnings of an earlier patch"
				ok=0
			fi
			prev_log=$log
		done
		[ "$ok" -eq 1 ] && result pass "build FUSE config $cfg W=1: base and ${#commits[@]} prefixes build, $(wc -l <"$base_log") warnings in the base, none new"
	done
	git -C "$ctree" checkout -q -f --detach "${commits[-1]}"
	[ "$ok" -eq 1 ]
}

check_sparse() {
	local before after new
	[ -x "$SPARSE" ] || { result fail "sparse: no $SPARSE; run 'make deps'"; return 1; }
	[ ${#commits[@]} -gt 0 ] || { result fail "sparse: no commits (git am failed)"; return 1; }
	git -C "$ctree" checkout -q -f --detach "$rev"
	build_fuse y "$out/sparse-base.log" C=2 CHECK="$SPARSE" || { result fail "sparse: base failed"; return 1; }
	git -C "$ctree" checkout -q -f --detach "${commits[-1]}"
	build_fuse y "$out/sparse-series.log" C=2 CHECK="$SPARSE" || { result fail "sparse: series failed"; return 1; }
	# the kernel turns C=2 into nothing, with a warning, for a sparse it
	# does not accept
	if grep -q 'is not available or not up to date' "$out/sparse-series.log.full"; then
		result fail "sparse: the kernel does not accept $SPARSE as its checker; no check ran"
		return 1
	fi
	before=$(wc -l <"$out/sparse-base.log")
	after=$(wc -l <"$out/sparse-series.log")
	new=$(comm -13 "$out/sparse-base.log" "$out/sparse-series.log" | wc -l)
	if [ "$new" -gt 0 ]; then
		result fail "sparse C=2 fs/fuse: $before warnings before, $after after, $new new (see $out/sparse-series.log)"
		comm -13 "$out/sparse-base.log" "$out/sparse-series.log" | head -n 5 | sed 's/^/      /'
		return 1
	fi
	result pass "sparse C=2 fs/fuse: $before warnings before, $after after, none new"
}

# selftests: with gcc and with clang (LLVM=1), as kernel CI systems build
# them.
check_selftests() {
	local cc name llvm log rc=0
	for cc in gcc clang; do
		llvm=()
		name=gcc
		[ $cc = clang ] && llvm=(LLVM=1) name="clang (LLVM=1)"
		log=$out/selftests-$cc.log
		if env -u LLVM "${llvm[@]}" WERROR=1 TREE="$ctree" WORK_DIR="$out/st-$cc" \
			"$TOP/scripts/build-selftests.sh" >"$log" 2>&1 &&
			! grep -q 'warning:' "$log"; then
			result pass "selftests: filesystems/fuse and tests/kernel build with $name, -Wall -Werror, no warning"
		else
			result fail "selftests: filesystems/fuse or tests/kernel does not build cleanly with $name (see $log)"
			rc=1
		fi
	done
	check_selftests_prefixes || rc=1
	return $rc
}

# Every prefix of the series that changes the fuse selftests builds them
# with gcc and clang, against the uapi headers installed above (the
# selftests come after the uapi change): the series stays bisectable for
# them too. A prefix without the directory's Makefile has nothing to build.
check_selftests_prefixes() {
	local i c cc log n=0 bad=0 dir=tools/testing/selftests/filesystems/fuse
	local llvm
	for i in "${!commits[@]}"; do
		c=${commits[$i]}
		git -C "$ctree" diff --quiet "$c~1" "$c" -- "$dir" && continue
		git -C "$ctree" checkout -q -f --detach "$c"
		[ -f "$ctree/$dir/Makefile" ] || continue
		n=$((n + 1))
		for cc in gcc clang; do
			llvm=()
			[ $cc = clang ] && llvm=(LLVM=1)
			log=$out/selftests-prefix-$((i + 1))-$cc.log
			if ! env -u LLVM make -C "$ctree/tools/testing/selftests" TARGETS=filesystems/fuse \
				O="$out/st-prefix-$cc" KHDR_INCLUDES="-isystem $out/st-$cc/headers/include" \
				USERCFLAGS=-Werror "${llvm[@]}" >"$log" 2>&1 || grep -q 'warning:' "$log"; then
				result fail "selftests: with patches 1-$((i + 1)) they do not build cleanly with $cc (see $log)"
				bad=1
			fi
		done
	done
	git -C "$ctree" checkout -q -f --detach "${commits[-1]}"
	[ "$n" -gt 0 ] || { result fail "selftests: no patch of the series changes them"; return 1; }
	[ "$bad" -eq 0 ] || return 1
	result pass "selftests: each of the $n prefixes that change them builds them with gcc and clang, no warning"
}

# kernel_doc FILE: the number of warnings of kernel-doc -Wall on FILE of
# the checked-out tree; fails when kernel-doc could not run (it exits 0,
# or non-zero with warnings; a traceback or no warning is a crash)
kernel_doc() {
	local rc=0
	(cd "$ctree" && python3 scripts/kernel-doc -none -Wall "$1") >"$out/kernel-doc.log" 2>&1 || rc=$?
	if grep -q 'Traceback' "$out/kernel-doc.log" ||
		{ [ "$rc" -ne 0 ] && ! grep -q -i warning "$out/kernel-doc.log"; }; then
		return 1
	fi
	grep -c -i warning "$out/kernel-doc.log" || true
}

check_docs() {
	local f before=0 after=0 n ok=1 ran=1
	[ ${#commits[@]} -gt 0 ] || { result fail "docs: no commits (git am failed)"; return 1; }
	for f in $(changed_files '*.rst'); do
		if ! git -C "$ctree" show "${commits[-1]}:$f" | python3 -c '
import sys, docutils.core, docutils.utils
src = sys.stdin.read()
try:
    docutils.core.publish_doctree(src, settings_overrides={
        "report_level": 2, "halt_level": 5, "warning_stream": sys.stdout})
except docutils.utils.SystemMessage as e:
    print(e)
' >"$out/docutils.log" 2>&1; then
			result fail "docs: $f: docutils could not run (see $out/docutils.log)"
			ok=0
			continue
		fi
		n=$(grep -c -E '(WARNING|ERROR|SEVERE)' "$out/docutils.log" || true)
		if [ "$n" -gt 0 ]; then
			result fail "docs: $f: $n docutils warnings"
			ok=0
		else
			result pass "docs: $f parses without warnings"
		fi
	done
	for f in $(changed_files '*.c' '*.h' ':!tools/'); do
		git -C "$ctree" checkout -q -f --detach "$rev"
		if [ -f "$ctree/$f" ]; then
			n=$(kernel_doc "$f") || { ran=0; continue; }
			before=$((before + n))
		fi
		git -C "$ctree" checkout -q -f --detach "${commits[-1]}"
		n=$(kernel_doc "$f") || { ran=0; continue; }
		after=$((after + n))
	done
	if [ "$ran" -eq 0 ]; then
		result fail "kernel-doc -Wall on the changed sources: kernel-doc could not run (see $out/kernel-doc.log)"
		ok=0
	elif [ "$after" -gt "$before" ]; then
		result fail "kernel-doc -Wall on the changed sources: $before warnings before, $after after"
		ok=0
	else
		result pass "kernel-doc -Wall on the changed sources: $before warnings before, $after after"
	fi
	[ "$ok" -eq 1 ]
}

check_cover() {
	local all=("${series[@]}") ok=0
	series=("${all[@]:0:$nmain}")
	check_cover_of Testing ABI 'Changes against' || ok=1
	if [ ${#all[@]} -gt "$nmain" ]; then
		# the io-uring series: its own directory, prefix and base
		local main=$PATCHES main_prefix=$SERIES_PREFIX main_record=$BASE_RECORD
		series=("${all[@]:$nmain}")
		series=("${series[@]#uring/}")
		PATCHES=$main/uring
		SERIES_PREFIX=$uring_prefix
		BASE_RECORD=$PATCHES/base
		series_sub=/uring check_cover_of Testing ABI || ok=1
		PATCHES=$main SERIES_PREFIX=$main_prefix BASE_RECORD=$main_record
	fi
	series=("${all[@]}")
	return $ok
}

# check_cover_of SECTION...: the cover letter of the series in $PATCHES
check_cover_of() {
	local cl=$PATCHES/0000-cover-letter.txt ok=1 section
	[ -f "$cl" ] || { result fail "cover letter: no $cl"; return 1; }
	cover_names_series "$cl" || ok=0
	for section in "$@"; do
		grep -q "^$section" "$cl" || { result fail "cover letter: no '$section' section"; ok=0; }
	done
	grep -q '^To: ' "$cl" || { result fail "cover letter: no recipients"; ok=0; }
	cover_names_base "$cl" || ok=0
	# what the list reads, headers, shortlog and diffstat included; fs/fuse
	# covers run 2 to 4 KB (the backport's letter is for packagers)
	if [ "$BASE" = 7.3 ] && [ "$(wc -c <"$cl")" -gt 4096 ]; then
		result fail "cover letter: $(wc -c <"$cl") bytes, more than 4096"
		ok=0
	fi
	[ "$BASE" != 6.12 ] || backport_notes || ok=0
	[ "$ok" -eq 1 ] && result pass "cover letter${series_sub:+ of ${PATCHES#"$TOP"/}/}: names ${#series[@]} patches, its base ($(recorded_base)), the ABI, the tests, $(grep -c '@' "$cl") recipients, $(wc -c <"$cl") bytes"
	[ "$ok" -eq 1 ]
}

# The 6.12 patches: each says which patch of the 7.3 series (patches/) it
# backports, "Backport of [PREFIX n/N]" with the 7.3 series' prefix, its
# own place n and the 7.3 series' length N, and has the same subject
backport_notes() {
	local main=$TOP/patches p n=0 want subj main_subj ok=0 total
	total=$(read_series "$main/series" | wc -l)
	mapfile -t main_series < <(read_series "$main/series")
	for p in "${series[@]}"; do
		n=$((n + 1))
		want="Backport of [PATCH v${SERIES_PREFIX##*v} $n/$total] of the series for Linux 7.3."
		if ! grep -qxF "$want" "$PATCHES/$p"; then
			result fail "backport note: $p does not say '$want'"
			ok=1
		fi
		subj=$(unfolded_subject "$PATCHES/$p")
		main_subj=$(unfolded_subject "$main/${main_series[$((n - 1))]:-none}")
		if [ -z "$subj" ] || [ "$subj" != "$main_subj" ]; then
			result fail "backport note: $p is not patch $n of the 7.3 series ('$subj' against '$main_subj')"
			ok=1
		fi
	done
	[ "$n" -eq "$total" ] || { result fail "backport: $n patches, the 7.3 series has $total"; ok=1; }
	return $ok
}

# run_check NAME: a check that fails says why in a result line; one that
# fails without saying it, or says nothing at all, is a failure of its own
run_check() {
	local before rc=0 n0
	before=$(grep -c '^fail ' "$res" || true)
	n0=$(wc -l <"$res")
	"check_$1" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$(grep -c '^fail ' "$res" || true)" -eq "$before" ]; then
		result fail "$1: failed (exit $rc) without a result line"
	elif [ "$(wc -l <"$res")" -eq "$n0" ]; then
		result fail "$1: no result line: nothing was checked"
	fi
}

t0=$(date +%s)
for c in "${checks[@]}"; do
	case $c in
	am) run_check am ;;
	*)
		[ ${#commits[@]} -gt 0 ] || [ "$c" = cover ] || check_am >/dev/null || true
		run_check "$c"
		;;
	esac
done
echo "check: $(count_results "$res") ($(($(date +%s) - t0))s, logs in $out)"
! grep -q '^fail ' "$res"
