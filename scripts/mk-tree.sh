#!/usr/bin/env bash
# Make the work tree: the base plus the series applied with "git am", in
# the order of patches/series, on a branch named "series". For 7.3 the
# io-uring series (patches/uring/series) follows, when there is one,
# after a tag on the last commit of the first ($SERIES_END_TAG, lib.sh)
# that tells export.sh where one ends and the other begins. An existing
# tree is reused (only the files the series touches change, so a rebuild
# stays small), but never over uncommitted or unexported work.
#
# usage: mk-tree.sh [--force]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

force=
case "${1:-}" in
"") ;;
--force) force=1 ;;
*) die "usage: mk-tree.sh [--force]" ;;
esac

pdir=${PATCHES#"$TOP"/}
mapfile -t series < <(read_series "$PATCHES/series")
nmain=${#series[@]}
if [ "$BASE" = 7.3 ] && [ -f "$PATCHES/uring/series" ]; then
	mapfile -t -O "$nmain" series < <(read_series "$PATCHES/uring/series" | sed 's|^|uring/|')
fi
for p in "${series[@]}"; do
	[ -f "$PATCHES/$p" ] || die "$pdir/series names $p, which is not in $pdir/"
done

rev=$(base_rev)

if [ -d "$TREE/.git" ]; then
	if [ -z "$force" ]; then
		[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
			die "$TREE has uncommitted changes; commit and 'make export', or use --force"
		# "exported" marks what the last make tree or make export left:
		# a tree still there holds nothing that patches/ lacks.
		head=$(git -C "$TREE" rev-parse HEAD)
		mark=$(git -C "$TREE" rev-parse -q --verify refs/tags/exported || true)
		if [ "$head" != "$mark" ] && ! "$TOP/scripts/export.sh" --check >/dev/null 2>&1; then
			die "$TREE has commits that are not in $pdir/; 'make export' first, or use --force"
		fi
	fi
else
	need_disk "$WORK_DIR" 4
fi
clone_base "$TREE"
git -C "$TREE" checkout -q -f -B series "$rev"
# new commits in the work tree carry the series' identity (lib.sh)
git -C "$TREE" config user.name "${SERIES_IDENT% <*}"
git -C "$TREE" config user.email "$(ident_email "$SERIES_IDENT")"
git -C "$TREE" tag -f "$BASE_TAG" "$rev" >/dev/null
# set again below when there is a series after the first
git -C "$TREE" tag -d "$SERIES_END_TAG" >/dev/null 2>&1 || true

for i in "${!series[@]}"; do
	p=${series[$i]}
	[ "$i" -ne "$nmain" ] || git -C "$TREE" tag -f "$SERIES_END_TAG" HEAD >/dev/null
	if ! out=$(git -C "$TREE" am -q --whitespace=error-all "$PATCHES/$p" 2>&1); then
		git -C "$TREE" am --abort >/dev/null 2>&1 || true
		echo "$out" >&2
		die "$p does not apply"
	fi
done
git -C "$TREE" tag -f exported HEAD >/dev/null
say "work tree $TREE: $(git -C "$TREE" describe --always) (${#series[@]} patches on $(git -C "$TREE" log -1 --format=%s "$rev"))"
