#!/usr/bin/env bash
# Run the unit tests that the libfuse series adds (the markers it adds in
# test/cases/unit/, each naming a binary of test/), here on the host: they
# need neither a mount nor the kernel series. Exit status 77 is a SKIP,
# and make test counts it as one, not as a pass.
#
# usage: libfuse-unit.sh [BUILDDIR]   (default: $LIBFUSE_VM_BUILD)
#   writes "pass|fail|skip unit/NAME" lines to $LOG_DIR/unit/results
set -euo pipefail
export BASE=libfuse
. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || die "usage: libfuse-unit.sh [BUILDDIR]"
bdir=${1:-$LIBFUSE_VM_BUILD}
[ -d "$TREE/.git" ] || die "no work tree in $TREE; run 'make libfuse-tree' first"
[ -f "$bdir/build.ninja" ] || die "$bdir is not a libfuse build; run 'make libfuse-build' first"
out=$LOG_DIR/unit
rm -rf "$out"
mkdir -p "$out"
res=$out/results
: >"$res"
mapfile -t units < <(git -C "$TREE" diff --name-only --diff-filter=A "$BASE_TAG" HEAD -- test/cases/unit/ |
	sed 's|^test/cases/unit/||')
[ ${#units[@]} -gt 0 ] || die "the series adds no unit test (test/cases/unit/)"
for u in "${units[@]}"; do
	log=$out/$u.log
	rc=0
	if [ ! -x "$bdir/test/$u" ]; then
		echo "fail unit/$u: not built ($bdir/test/$u)" >>"$res"
		continue
	fi
	"$bdir/test/$u" >"$log" 2>&1 || rc=$?
	case $rc in
	0) echo "pass unit/$u: $(tail -n 1 "$log")" >>"$res" ;;
	77) echo "skip unit/$u: $(tail -n 1 "$log")" >>"$res" ;;
	*) echo "fail unit/$u: exit $rc, $(grep -c '^FAIL' "$log" || true) FAIL lines (see $log)" >>"$res" ;;
	esac
done
cat "$res"
! grep -q '^fail ' "$res"
