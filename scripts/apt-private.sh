#!/usr/bin/env bash
# Fetch single packages from a newer Debian suite without touching the
# system's apt configuration: a private sources list and lists directory,
# built from the archive URI the machine's own apt sources already use.
#
# usage: apt-private.sh DESTDIR SUITE PACKAGE...
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] || die "usage: apt-private.sh DESTDIR SUITE PACKAGE..."
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

state=$CACHE_DIR/apt
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$dest"
uri=$(archive_uri)
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" \
	>"$state/sources-$suite.list"
opts=(-o "Dir::Etc::SourceList=$state/sources-$suite.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$state/lists"
	-o "Dir::Cache=$state/cache"
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
	-o APT::Sandbox::User=root)

say "updating the package list of $suite"
apt-get -q "${opts[@]}" update >"$state/update-$suite.log" 2>&1 ||
	die "cannot reach the archive for $suite; see $state/update-$suite.log"
cd "$dest"
for pkg in "$@"; do
	ver=$(apt-cache "${opts[@]}" show "$pkg" 2>/dev/null |
		awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)
	[ -n "$ver" ] || die "$pkg is not in $suite"
	say "downloading $pkg $ver"
	apt-get -q "${opts[@]}" download "$pkg=$ver" >/dev/null ||
		die "cannot download $pkg $ver"
done
