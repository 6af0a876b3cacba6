#!/usr/bin/env bash
# Get the base of the series: Linux $BASE from Debian's linux-source-$BASE
# (the newest version in $BASE_SUITE, or in the machine's own apt suites
# when BASE_SUITE is empty), unpacked into $BASE_REPO as a git repository
# with one base commit, tagged "base". The commit has a fixed
# author and date, so one package version always gives the same commit id.
# With KDIR set, the user's tree is the base and nothing is fetched.
#
# usage: get-base.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: get-base.sh (no arguments; see scripts/lib.sh)"
# the libfuse series has a base of its own kind: an upstream tarball
[ "$BASE" != libfuse ] || exec "$TOP/scripts/get-base-libfuse.sh"

if [ -n "${KDIR:-}" ]; then
	base_repo >/dev/null
	say "base is KDIR=$KDIR at $(git -C "$KDIR" describe --always HEAD)"
	exit 0
fi

if git -C "$BASE_REPO" rev-parse -q --verify "$BASE_TAG^{commit}" >/dev/null 2>&1; then
	say "base already in $BASE_REPO: $(git -C "$BASE_REPO" log -1 --format=%s "$BASE_TAG")"
	exit 0
fi

need_disk "$CACHE_DIR" 6
debs=$CACHE_DIR/debs
if [ -n "$BASE_SUITE" ]; then
	"$TOP/scripts/apt-private.sh" "$debs" "$BASE_SUITE" "$BASE_PKG"
	suite=$BASE_SUITE
else
	# the machine's own apt sources; their lists are updated only when
	# they do not know the package yet
	suite="the machine's own suites"
	if ! apt-cache show "$BASE_PKG" >/dev/null 2>&1; then
		[ "$(id -u)" -eq 0 ] || die "apt does not know $BASE_PKG; run as root to update its lists"
		say "updating the machine's package lists"
		apt-get -q update >/dev/null || die "apt-get update failed"
	fi
	ver=$(apt-cache show "$BASE_PKG" 2>/dev/null |
		awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)
	[ -n "$ver" ] || die "$BASE_PKG is not in the machine's apt suites"
	say "downloading $BASE_PKG $ver"
	mkdir -p "$debs"
	(cd "$debs" && apt-get -q -o APT::Sandbox::User=root download "$BASE_PKG=$ver" >/dev/null) ||
		die "cannot download $BASE_PKG $ver"
fi
deb=$(find "$debs" -name "${BASE_PKG}_*.deb" | sort -V | tail -n 1)
[ -n "$deb" ] || die "no $BASE_PKG package in $debs"
version=$(dpkg-deb -f "$deb" Version)
say "base: $BASE_PKG $version"

tmp=$BASE_REPO.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
t0=$(date +%s)
say "unpacking $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" |
	tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
	tar -xJ -C "$tmp" --strip-components=1
if [ ! -f "$tmp/Makefile" ] || [ ! -d "$tmp/fs/fuse" ]; then
	die "$deb does not hold a kernel tree"
fi
say "unpacked in $(($(date +%s) - t0))s"

# Debian appends a block to the top-level .gitignore that ignores every
# top-level path ("/*"); strip it (with the "#" line that opens it), so
# that the base's .gitignore is the kernel's own.
awk '/^# Debian packaging/ { if (held) held = ""; skip = 1 }
	skip { next }
	held != "" { print held; held = "" }
	/^#$/ { held = $0; next }
	{ print }
	END { if (held != "") print held }' "$tmp/.gitignore" >"$tmp/.gitignore.new"
mv "$tmp/.gitignore.new" "$tmp/.gitignore"
if grep -qx '/\*' "$tmp/.gitignore"; then
	die "cannot strip Debian's block from .gitignore"
fi

say "making the base commit"
export GIT_AUTHOR_NAME="Debian $BASE_PKG" GIT_AUTHOR_EMAIL="base@invalid"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
git -C "$tmp" init -q -b debian
# The tarball is pristine source: take every file, also those that the
# kernel's ignore rules match but upstream tracks (dot-files and the like).
git -C "$tmp" add -A -f
git -C "$tmp" commit -q -m "Linux $(make -s -C "$tmp" kernelversion) from Debian $BASE_PKG $version" \
	-m "Unpacked from ${BASE_PKG}_${version}_all.deb ($suite), with the
Debian block stripped from the top-level .gitignore."
git -C "$tmp" tag "$BASE_TAG"
git -C "$tmp" gc -q --auto
rm -rf "$BASE_REPO"
mv "$tmp" "$BASE_REPO"
say "base ready: $(git -C "$BASE_REPO" log -1 --format='%h %s' "$BASE_TAG") ($(($(date +%s) - t0))s)"
