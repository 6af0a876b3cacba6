#!/usr/bin/env bash
# Regenerate patches/ and patches/series from the work tree's commits since
# the base, and patches/base, the base they were made on (base_name in
# lib.sh). The options pin everything that could churn (commit ids, abbrev
# length, signature, diff settings, the cover letter's date), so an
# unchanged tree gives byte-identical files. The cover letter's text lives
# in cover-letter.txt (first paragraph: subject), with @BASE@ where the
# base is named.
#
# For 7.3 the work tree holds two series: patches/ up to the tag
# $SERIES_END_TAG (lib.sh), and after it the io-uring takeover series,
# which export.sh then writes to patches/uring/ (SERIES=uring; with --as
# to DIR/uring), with its own cover letter (cover-letter-uring.txt).
#
# usage: export.sh [--check | --as "NAME <EMAIL>" DIR]
#   --check  only say whether patches/ is current: byte for byte when the
#            work tree was made on the recorded base; on another base (a
#            newer point release) but for what the base decides alone:
#            blob ids, hunk positions and the base's name
#   --as     for the person who sends the series: the same patches in DIR
#            (not patches/), with NAME in the project's place: the author
#            of the project's own patches, and NAME's Signed-off-by (DCO)
#            and "[NAME: ...]" notes where the project's are; a patch
#            whose author is not the project keeps its author
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	die 'usage: export.sh [--check | --as "NAME <EMAIL>" DIR]'
}
check="" sender="" dest=$PATCHES
case "${1:-}" in
"") ;;
--check) check=1 ;;
--as)
	[ $# -eq 3 ] || usage
	sender=$2 dest=$3
	case $sender in
	?*" <"?*@?*">") ;;
	*) die "--as wants \"Name <email>\", not '$sender'" ;;
	esac
	[ ! -e "$dest" ] || [ -z "$(ls -A "$dest")" ] || die "$dest is not empty"
	;;
*) usage ;;
esac

[ -d "$TREE/.git" ] || die "no work tree in $TREE; run 'make tree' first"
[ -f "$COVER" ] || die "no $COVER"
grep -q '@BASE@' "$COVER" || die "$COVER does not name the base: it needs @BASE@ where export.sh writes it"
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "$TREE has uncommitted changes"
# the series is rev..end of the work tree: the base up to the end tag
# (HEAD without one), or for SERIES=uring the end tag up to HEAD
split=
if [ "$BASE" = 7.3 ]; then
	split=$(git -C "$TREE" rev-parse -q --verify "refs/tags/$SERIES_END_TAG^{commit}" || true)
	[ -z "$split" ] || git -C "$TREE" merge-base --is-ancestor "$split" HEAD ||
		die "tag $SERIES_END_TAG is not on HEAD's history in $TREE: after a rebase, 'git tag -f $SERIES_END_TAG COMMIT' on the last commit of patches/series"
fi
if [ "${SERIES:-}" = uring ]; then
	[ -n "$split" ] || die "no tag $SERIES_END_TAG in $TREE: it marks where the series of patches/ ends ('make tree' sets it)"
	rev=$split end=HEAD
	now="$(base_name) with [$close_all_prefix]"
else
	rev=$(base_rev) end=${split:-HEAD}
	now=$(base_name)
fi
n=$(git -C "$TREE" rev-list --count "$rev..$end")
[ "$n" -gt 0 ] || die "no commits of ${PATCHES#"$TOP"/}/ in $TREE"
# the series' end as seen from HEAD, also in the sender's copy below
tail=$(git -C "$TREE" rev-list --count "$end..HEAD")

tmp=$(mktemp -d "$TOP/.patches.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$TREE
if [ -n "$sender" ]; then
	# the commits again, in a worktree of their own, with the sender in
	# the project's place (sign-as.sh): the author of the project's own
	# patches, the Signed-off-by and "[NAME: ...]" note after those of a
	# patch whose author the series keeps
	src=$tmp/sender-tree
	trap 'git -C "$TREE" worktree remove --force "$src" 2>/dev/null || true; rm -rf "$tmp"' EXIT
	git -C "$TREE" worktree add -q -B sender "$src" HEAD
	name=${sender% <*} email=$(ident_email "$sender")
	q=$(printf '%q ' "$TOP/scripts/sign-as.sh" "$sender")
	GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		git -C "$src" rebase -q --exec "$q" "$rev" >/dev/null
	# and the cover letter from the sender
	export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email \
		GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email
fi

desc=$(cat "$COVER")
# format-patch takes the cover letter from the description of the branch
# that ends the range: one at the series' end, which HEAD may be past
ebranch=export-${SERIES:-main}
git -C "$src" branch -f "$ebranch" "HEAD~$tail"
git -C "$src" config "branch.$ebranch.description" "${desc//@BASE@/$now}"
# the author date: git am keeps it, the committer date is "now"
last_date=$(git -C "$TREE" log -1 --format=%aI "$end")
format_patch() {
	local out=$1
	shift
	GIT_COMMITTER_DATE=$last_date git -C "$src" \
		-c core.abbrev=12 -c diff.noprefix=false -c diff.mnemonicPrefix=false \
		-c diff.algorithm=myers -c diff.renames=true -c format.coverLetter=false \
		-c format.signOff=false -c format.numbered=auto -c format.headers= \
		format-patch -q --zero-commit --no-signature --no-color --no-to --no-cc \
		--cover-letter --cover-from-description=subject --subject-prefix="$SERIES_PREFIX" \
		"$@" -o "$out" "$rev..$ebranch" >/dev/null
}

# The patches carry no recipients; the cover letter gets the maintainers
# that get_maintainer.pl names for the series in To:, its reviewers and
# lists in Cc:, with the series' own Cc list (series_cc, lib.sh); for a
# project without get_maintainer.pl (libfuse) lib.sh names them all
# (series_to, series_cc). Keywords are not matched: a message that says
# "LLVM=1" is not for the clang maintainers.
new=$tmp/new
format_patch "$new"
recipients() {
	local p files=()
	for p in "$new"/*.patch; do
		[ "${p##*/}" = 0000-cover-letter.patch ] || files+=("$p")
	done
	(cd "$src" && perl scripts/get_maintainer.pl --no-rolestats --no-keywords --no-git \
		--no-git-fallback --no-tree "$@" "${files[@]}") | grep '@' | LC_ALL=C sort || true
}
if [ -n "${series_to+set}" ]; then
	to=("${series_to[@]}") cc=("${series_cc[@]}")
else
	mapfile -t to < <(recipients --no-r --no-l)
	mapfile -t cc < <({
		recipients --no-m
		[ ${#series_cc[@]} -eq 0 ] || printf '%s\n' "${series_cc[@]}"
	} | LC_ALL=C sort -u)
fi
args=()
for r in "${to[@]}"; do args+=(--to="$r"); done
for r in "${cc[@]}"; do args+=(--cc="$r"); done
format_patch "$tmp/cover" "${args[@]}"
git -C "$src" branch -q -D "$ebranch"
mv "$tmp/cover/0000-cover-letter.patch" "$new/0000-cover-letter.txt"
rm "$new/0000-cover-letter.patch"
(cd "$new" && ls -1 -- *.patch) >"$new/series"
echo "$now" >"$new/base"

# but_the_base MADE NOW: a patch file on stdin without what the base alone
# decides: "index" lines (blob ids), the positions in "@@" lines, and the
# base's name (either one) as @BASE@
but_the_base() {
	awk -v a="$1" -v b="$2" '
	function unname(s, t,   i, r) {
		r = ""
		while ((i = index(s, t)) > 0) {
			r = r substr(s, 1, i - 1) "@BASE@"
			s = substr(s, i + length(t))
		}
		return r s
	}
	/^index [0-9a-f]+\.\.[0-9a-f]+/ { next }
	{
		sub(/^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@.*/, "@@")
		print unname(unname($0, a), b)
	}'
}

# uring_too ARGS...: export.sh ARGS for the io-uring series too, after
# the 7.3 series, when the work tree has it or patches/uring/ exists
uring_too() {
	[ "$BASE" = 7.3 ] && [ -z "${SERIES:-}" ] || return 0
	[ "$tail" -gt 0 ] || [ -d "$TOP/patches/uring" ] || return 0
	SERIES=uring "$TOP/scripts/export.sh" "$@"
}

# The files of a series in DIR: patches/ also holds the 6.12 backport and
# the io-uring series, in directories of their own.
series_files() {
	find "$1" -maxdepth 1 -type f \( -name '*.patch' -o -name 0000-cover-letter.txt \
		-o -name series -o -name base \) -printf '%f\n' | LC_ALL=C sort
}

if [ -n "$sender" ]; then
	git -C "$TREE" worktree remove --force "$src"
	git -C "$TREE" branch -q -D sender
	mkdir -p "$dest"
	mv "$new"/* "$dest"/
	say "the series as $sender is in $dest; send it from there"
	uring_too --as "$sender" "$dest/uring"
	exit 0
fi
if [ -n "$check" ]; then
	mkdir -p "$LOG_DIR" "$tmp/current"
	if [ -d "$PATCHES" ]; then
		series_files "$PATCHES" | while read -r f; do cp "$PATCHES/$f" "$tmp/current/"; done
	fi
	made=$(head -n 1 "$tmp/current/base" 2>/dev/null || true)
	how="byte for byte"
	if [ -n "$made" ] && [ "$made" != "$now" ]; then
		# a work tree made on another base: what only the base decides
		# goes, the rest must be the same
		how="on $now, but for blob ids, hunk positions and the base's name (made on $made)"
		for d in "$new" "$tmp/current"; do
			for f in "$d"/*; do
				but_the_base "$made" "$now" <"$f" >"$f.n"
				mv "$f.n" "$f"
			done
		done
	fi
	diff -r "$new" "$tmp/current" >"$LOG_DIR/export-check.diff" 2>&1 || {
		echo "${PATCHES#"$TOP"/}/ differs from the work tree ($how; see $LOG_DIR/export-check.diff)"
		exit 1
	}
	echo "${PATCHES#"$TOP"/}/ is current ($how)"
	uring_too --check
	exit 0
fi
mkdir -p "$PATCHES"
series_files "$PATCHES" | while read -r f; do rm -f "$PATCHES/$f"; done
mv "$new"/* "$PATCHES"/
git -C "$TREE" tag -f exported HEAD >/dev/null
say "exported $n patches and the cover letter to ${PATCHES#"$TOP"/}/"
uring_too
