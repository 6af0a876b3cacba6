#!/usr/bin/env bash
# Regenerate patches/ and patches/series from the work tree's commits since
# the base. The options pin everything that could churn (commit ids, abbrev
# length, signature, diff settings, the cover letter's date), so an
# unchanged tree gives byte-identical files. The cover letter's text lives
# in cover-letter.txt (first paragraph: subject).
#
# usage: export.sh [--check]    --check: only say whether patches/ is current
set -euo pipefail
. "$(dirname "$0")/lib.sh"

check=
case "${1:-}" in
"") ;;
--check) check=1 ;;
*) die "usage: export.sh [--check]" ;;
esac

[ -d "$TREE/.git" ] || die "no work tree in $TREE; run 'make tree' first"
[ -f "$COVER" ] || die "no $COVER"
rev=$(base_rev)
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "$TREE has uncommitted changes"
n=$(git -C "$TREE" rev-list --count "$rev..HEAD")
[ "$n" -gt 0 ] || die "no commits on top of the base in $TREE"

tmp=$(mktemp -d "$TOP/.patches.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

git -C "$TREE" config branch.series.description "$(cat "$COVER")"
# the author date: git am keeps it, the committer date is "now"
last_date=$(git -C "$TREE" log -1 --format=%aI HEAD)
format_patch() {
	local out=$1
	shift
	GIT_COMMITTER_DATE=$last_date git -C "$TREE" \
		-c core.abbrev=12 -c diff.noprefix=false -c diff.mnemonicPrefix=false \
		-c diff.algorithm=myers -c diff.renames=true -c format.coverLetter=false \
		-c format.signOff=false -c format.numbered=auto -c format.headers= \
		format-patch -q --zero-commit --no-signature --no-color --no-to --no-cc \
		--cover-letter --cover-from-description=subject --subject-prefix=PATCH \
		"$@" -o "$out" "$rev..HEAD" >/dev/null
}

# The patches carry no recipients; the cover letter gets the maintainers
# that get_maintainer.pl names for the series in To:, its reviewers and
# lists in Cc:.
format_patch "$tmp"
recipients() {
	local p files=()
	for p in "$tmp"/*.patch; do
		[ "${p##*/}" = 0000-cover-letter.patch ] || files+=("$p")
	done
	(cd "$TREE" && perl scripts/get_maintainer.pl --no-rolestats --no-git \
		--no-git-fallback --no-tree "$@" "${files[@]}") | grep '@' | LC_ALL=C sort || true
}
mapfile -t to < <(recipients --no-r --no-l)
mapfile -t cc < <(recipients --no-m)
args=()
for r in "${to[@]}"; do args+=(--to="$r"); done
for r in "${cc[@]}"; do args+=(--cc="$r"); done
format_patch "$tmp/cover" "${args[@]}"
mv "$tmp/cover/0000-cover-letter.patch" "$tmp/0000-cover-letter.patch"
rm -rf "$tmp/cover"
mv "$tmp/0000-cover-letter.patch" "$tmp/0000-cover-letter.txt"
(cd "$tmp" && ls -1 -- *.patch) >"$tmp/series"

if [ -n "$check" ]; then
	diff -r "$tmp" "$PATCHES" >"$LOG_DIR/export-check.diff" 2>&1 || {
		echo "patches/ differs from the work tree"
		exit 1
	}
	echo "patches/ is current"
	exit 0
fi
rm -rf "$PATCHES.old"
[ -d "$PATCHES" ] && mv "$PATCHES" "$PATCHES.old"
mv "$tmp" "$PATCHES"
rm -rf "$PATCHES.old"
trap - EXIT
git -C "$TREE" tag -f exported HEAD >/dev/null
say "exported $n patches and the cover letter to patches/"
