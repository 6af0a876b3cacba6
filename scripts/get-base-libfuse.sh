#!/usr/bin/env bash
# Get the base of the libfuse series: the upstream libfuse release that
# Debian's fuse3 source package carries in $BASE_SUITE (sid), its .orig
# tarball fetched as deb-src through apt-private.sh and unpacked into
# $BASE_REPO as a git repository with one base commit, tagged "base".
# Debian's own packaging (the .debian.tar) is not part of the base. The
# commit has a fixed author and date, so one tarball always gives the same
# commit id. The release is whatever sid carries: the series records the
# one it was made on (libfuse/base), and make test says when they differ.
#
# usage: get-base-libfuse.sh   (get-base.sh runs it for BASE=libfuse)
set -euo pipefail
BASE=libfuse
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: get-base-libfuse.sh (no arguments; see scripts/lib.sh)"

if git -C "$BASE_REPO" rev-parse -q --verify "$BASE_TAG^{commit}" >/dev/null 2>&1; then
	say "base already in $BASE_REPO: $(git -C "$BASE_REPO" log -1 --format=%s "$BASE_TAG")"
	exit 0
fi

need_disk "$CACHE_DIR" 1
src=$CACHE_DIR/src/$BASE_PKG
rm -rf "$src"
t0=$(date +%s)
"$TOP/scripts/apt-private.sh" --source "$src" "$BASE_SUITE" "$BASE_PKG"
dsc=$(find "$src" -maxdepth 1 -name "${BASE_PKG}_*.dsc" | sort -V | tail -n 1)
[ -n "$dsc" ] || die "no ${BASE_PKG} .dsc in $src"
tarball=$(find "$src" -maxdepth 1 -name "${BASE_PKG}_*.orig.tar.*" ! -name '*.asc' | sort -V | tail -n 1)
[ -n "$tarball" ] || die "no upstream (.orig) tarball of $BASE_PKG in $src"
debver=$(sed -n 's/^Version: //p' "$dsc")
upver=${tarball##*/"${BASE_PKG}"_}
upver=${upver%.orig.tar.*}
say "base: libfuse $upver, the upstream tarball of Debian $BASE_PKG $debver"

tmp=$BASE_REPO.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
tar -xf "$tarball" -C "$tmp" --strip-components=1
# the release's own idea of its version, not only the tarball's name
mver=$(grep -o -m 1 "version: *'[0-9.]*'" "$tmp/meson.build" | tr -dc '0-9.' || true)
[ "$mver" = "$upver" ] ||
	die "$tarball holds libfuse ${mver:-of no version} (meson.build), not $upver as its name says"
if [ ! -f "$tmp/lib/fuse_lowlevel.c" ] || [ ! -x "$tmp/test/run-tests.py" ]; then
	die "$tarball does not hold libfuse's sources and test runner"
fi

say "making the base commit"
export GIT_AUTHOR_NAME="libfuse $upver" GIT_AUTHOR_EMAIL="base@invalid"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
git -C "$tmp" init -q -b upstream
git -C "$tmp" add -A -f
git -C "$tmp" commit -q -m "libfuse $upver" \
	-m "The upstream release tarball ${tarball##*/}, as Debian's $BASE_PKG
$debver ($BASE_SUITE) carries it, without Debian's packaging."
git -C "$tmp" tag "$BASE_TAG"
rm -rf "$BASE_REPO"
mv "$tmp" "$BASE_REPO"
say "base ready: $(git -C "$BASE_REPO" log -1 --format='%h %s' "$BASE_TAG") ($(($(date +%s) - t0))s)"
