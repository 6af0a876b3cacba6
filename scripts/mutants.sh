#!/usr/bin/env bash
# "make mutants": mutation testing of the series' selftests. Each patch in
# mutants/ breaks one promise that the series documents; the selftests
# must notice every one of them, by a failing or skipped test case, a
# kernel report in the guest log, or a crash or hang of the guest.
#
# The mutants are fuse modules: a debug kernel with CONFIG_FUSE_FS=m
# (configs/mutants.config on top of the test kernel's fragments) is built
# once, then for each mutant the work tree gets the patch, fs/fuse/fuse.ko
# is rebuilt and kept, and the patch is taken out again. One boot then
# loads each module in turn and runs the series' backing_close_all_test,
# the io-uring series' uring_resend_test and tests/kernel's programs
# against it (scripts/guest-mutants.sh). The
# unmutated module runs first: if the tests fail on it, no mutant verdict
# means anything. A mutant that makes the kernel report, crash or hang
# ends its boot; the rest get a new one.
#
# mutants/list names, beside each mutant, what must kill it: "PROGRAM
# CASE" (that case fails or skips) or "report" (a kernel report, or the
# guest died). A mutant killed otherwise is "killed, not as expected",
# which is not killed: the case that guards the promise missed it. A
# mutant named on the command line that the list does not name (as
# first-idr-race) is killed by any failure.
#
# Prints one line per mutant and "mutants killed K/N"; exits non-zero
# unless every mutant is killed as expected.
#
# usage: mutants.sh [NAME...]   (default: every name in mutants/list)
#   MUTANT_TIMEOUT  limit for one run of the test program (default 900 s)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# the mutants are diffs of fs/fuse/ of the 7.3 series and of its io-uring
# series; the 6.12 backport has the logic of the first in passthrough.c,
# and 6.12 has no fuse-over-io-uring
[ "$BASE" = 7.3 ] || die "mutants/ is for BASE=7.3, not BASE=$BASE"

mdir=$TOP/mutants
names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(read_series "$mdir/list" | awk '{ print $1 }')
# killer NAME: what must kill mutant NAME, from mutants/list
killer() {
	read_series "$mdir/list" | awk -v n="$1" '$1 == n { $1 = ""; sub(/^ /, ""); print; exit }'
}
for n in "${names[@]}"; do
	[ -f "$mdir/$n.patch" ] || die "no mutant $n (no $mdir/$n.patch)"
	k=$(killer "$n")
	[ $# -gt 0 ] || [ "$k" = report ] || [ "$(wc -w <<<"$k")" -eq 2 ] ||
		die "mutants/list: $n: say what must kill it (PROGRAM CASE, or report)"
done
[ -f "$TREE/Makefile" ] || die "no work tree in $TREE; run 'make tree' first"
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "$TREE has uncommitted changes; the mutants are applied to it"
command -v vng >/dev/null || die "vng is not installed; run 'make deps' first"

mbuild=$BUILD_ROOT/mutants
out=$LOG_DIR/mutants
mods=$out/modules
rm -rf "$out"
mkdir -p "$mods"

# The kernel, and the selftests the guest runs.
step "mutant kernel (fuse as a module)" "$out/kernel.log" \
	env BUILD_DIR="$mbuild" "$TOP/scripts/build-kernel.sh" base fuse selftests ktests debug mutants
step "selftests" "$out/selftests.log" "$TOP/scripts/build-selftests.sh"
kst=$WORK_DIR/kselftest

kmake() {
	make -C "$TREE" O="$mbuild" CC="$(kernel_cc)" -j"$JOBS" "$@"
}

# build_module NAME [PATCH]: fs/fuse/fuse.ko with PATCH applied, into $mods/NAME
build_module() {
	local name=$1 patch=${2:-} rc=0
	if [ -n "$patch" ]; then
		git -C "$TREE" apply "$patch" || die "mutant $name no longer applies to the work tree"
	fi
	kmake fs/fuse/fuse.ko >"$out/build-$name.log" 2>&1 || rc=$?
	[ -z "$patch" ] || git -C "$TREE" apply -R "$patch"
	[ "$rc" -eq 0 ] || die "mutant $name does not build (see $out/build-$name.log)"
	mkdir -p "$mods/$name"
	cp "$mbuild/fs/fuse/fuse.ko" "$mods/$name/fuse.ko"
}
# the tree must not keep a mutant if this script is stopped half-way
trap 'git -C "$TREE" checkout -q -- fs/fuse' EXIT

t0=$(date +%s)
say "building ${#names[@]} mutant modules and the unmutated one"
build_module unmutated
for n in "${names[@]}"; do
	build_module "$n" "$mdir/$n.patch"
	say "  $n built"
done
say "modules built in $(($(date +%s) - t0))s"

# boot NAME...: one VM that runs the named modules in order
boot=0
run_boot() {
	boot=$((boot + 1))
	say "boot $boot: $*"
	timeout "${VM_TIMEOUT:-3600}" vng --run "$mbuild/arch/x86/boot/bzImage" "${VNG_VM[@]}" \
		--append kasan_multi_shot --verbose --rwdir "$out" -- \
		"$TOP/scripts/guest-mutants.sh" "$kst" "$mods" "$out" "${MUTANT_TIMEOUT:-900}" "$@" \
		</dev/null >"$out/console-$boot.log" 2>&1 || true
}

# verdict NAME: "killed: how", "survived", or "error: why"
verdict() {
	local d=$out/$1 state log why report how=()
	state=$(cat "$d/state" 2>/dev/null || echo "not run")
	case $state in
	finished | rmmod-failed) ;;
	started)
		log=$(grep -l "guest: $1: loading" "$out"/console-*.log | tail -n 1)
		why="the guest died or hung while it ran: $(grep -E '^\[ *[0-9.]+\]' "$log" | splats | head -n 1) (see $log)"
		if [ "$1" = unmutated ] || [ -z "$(killer "$1")" ] || [ "$(killer "$1")" = report ]; then
			echo "killed: $why"
		else
			echo "killed, not as expected ($(killer "$1")): $why"
		fi
		return
		;;
	*)
		echo "error: $state"
		return
		;;
	esac
	[ "$(cat "$d/exit")" = 0 ] || how+=("test exit $(cat "$d/exit")")
	# the cases that failed or skipped, "PROGRAM: CASE"
	sed -nE 's/^([^ ]+): (not ok [0-9]+ ([^ ]+).*|ok [0-9]+ ([^ ]+) # [Ss][Kk][Ii][Pp].*)$/\1 \3\4/p' \
		"$d/test.log" >"$d/failed"
	[ ! -s "$d/failed" ] ||
		how+=("$(grep -c . "$d/failed") failed or skipped: $(head -n 3 "$d/failed" | paste -sd, -)")
	report=
	if cat "$d/dmesg.log" "$d/kmemleak.log" 2>/dev/null | splats >"$d/splats.log"; then
		report=1
		how+=("kernel report: $(head -n 1 "$d/splats.log")")
	fi
	[ "$state" = finished ] || how+=("fuse.ko cannot be unloaded")
	if [ ${#how[@]} -eq 0 ]; then
		echo "survived"
	elif [ "$1" = unmutated ] || [ -z "$(killer "$1")" ] ||
		{ [ "$(killer "$1")" = report ] && [ -n "$report" ]; } ||
		grep -qxF -- "$(killer "$1")" "$d/failed"; then
		echo "killed: $(printf '%s; ' "${how[@]}" | sed 's/; $//')"
	else
		echo "killed, not as expected ($(killer "$1")): $(printf '%s; ' "${how[@]}" | sed 's/; $//')"
	fi
}

# The first boot runs the unmutated module, then every mutant; each later
# boot runs the mutants that have no result yet.
pending=(unmutated "${names[@]}")
while [ ${#pending[@]} -gt 0 ]; do
	run_boot "${pending[@]}"
	if [ "${pending[0]}" = unmutated ]; then
		v=$(verdict unmutated)
		[ "$v" = survived ] ||
			die "the unmutated series fails its own tests ($v); see $out/unmutated"
	fi
	left=()
	for n in "${pending[@]}"; do
		[ -f "$out/$n/state" ] || left+=("$n")
	done
	[ ${#left[@]} -lt ${#pending[@]} ] ||
		die "boot $boot ran nothing (see $out/console-$boot.log)"
	pending=("${left[@]}")
done

killed=0
for n in "${names[@]}"; do
	v=$(verdict "$n")
	printf '%-24s %s\n' "$n" "$v" | tee -a "$out/results"
	case $v in
	killed:*) killed=$((killed + 1)) ;;
	esac
done
say "mutants killed $killed/${#names[@]} ($boot boots, $(($(date +%s) - t0))s)"
# (grep selects nothing when every mutant was killed: not an error)
survivors=$(grep -v ' killed: ' "$out/results" | cut -d' ' -f1 | tr '\n' ' ' || true)
[ -z "$survivors" ] || say "not killed: $survivors"
[ "$killed" -eq ${#names[@]} ]
