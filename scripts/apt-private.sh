#!/usr/bin/env bash
# Fetch single packages from a newer Debian suite without touching the
# system's apt configuration: a private sources list and lists directory,
# built from the archive URI the machine's own apt sources already use.
#
# usage: apt-private.sh [--source] DESTDIR SUITE PACKAGE...
#   --source  fetch the source packages (apt-get source --download-only)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=deb
if [ "${1:-}" = --source ]; then
	kind=deb-src
	shift
fi
[ $# -ge 3 ] || die "usage: apt-private.sh [--source] DESTDIR SUITE PACKAGE..."
dest=$1 suite=$2
shift 2

archive_uri() {
	local uri
	uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v -- '-security' | grep '/debian/\?$' | head -n 1 || true)
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
			2>/dev/null | awk '$1 == "deb" {
				for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' |
			grep -v -- '-security' | grep '/debian/\?$' | head -n 1 || true)
	fi
	[ -n "$uri" ] || die "no Debian archive URI in /etc/apt sources"
	echo "$uri"
}

# one lists directory per suite and kind: apt drops the lists of every
# source that the list it is given does not name
state=$CACHE_DIR/apt
lists=$state/lists-$kind-$suite
mkdir -p "$lists/partial" "$state/cache/archives/partial" "$dest"
uri=$(archive_uri)
echo "$kind [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" \
	>"$state/sources-$kind-$suite.list"
opts=(-o "Dir::Etc::SourceList=$state/sources-$kind-$suite.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$lists"
	-o "Dir::Cache=$state/cache"
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
	-o APT::Sandbox::User=root)

say "updating the $kind package list of $suite"
apt-get -q "${opts[@]}" update >"$state/update-$kind-$suite.log" 2>&1 ||
	die "cannot reach the archive for $suite; see $state/update-$kind-$suite.log"
cd "$dest"
if [ "$kind" = deb-src ]; then
	for pkg in "$@"; do
		say "downloading the source of $pkg"
		apt-get -q "${opts[@]}" source --download-only "$pkg" >/dev/null ||
			die "cannot download the source of $pkg from $suite"
	done
	exit 0
fi
for pkg in "$@"; do
	ver=$(apt-cache "${opts[@]}" show "$pkg" 2>/dev/null |
		awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)
	[ -n "$ver" ] || die "$pkg is not in $suite"
	say "downloading $pkg $ver"
	apt-get -q "${opts[@]}" download "$pkg=$ver" >/dev/null ||
		die "cannot download $pkg $ver"
done
