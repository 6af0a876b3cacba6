#!/usr/bin/env bash
# Install what the pipeline needs on a Debian 12 host: build tools and qemu
# from the machine's own suites (meson, g++, clang, libudev-dev, gdb,
# codespell and sudo for libfuse: its build, gate and test runner, which
# reads a timed-out case's kernel stack with sudo), and virtme-ng,
# which bookworm lacks, as a single package from sid (its dependencies
# come from bookworm). Installs only what is missing; needs root for that.
# --bench adds what only make bench needs (gnuplot, for the takeover plot).
#
# usage: deps.sh [--bench]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench=0
case "$*" in
'') ;;
--bench) bench=1 ;;
*) die "usage: deps.sh [--bench]" ;;
esac

pkgs=(gcc make flex bison bc libelf-dev libssl-dev cpio kmod xz-utils rsync
	ccache shellcheck git perl python3 python3-ply python3-git python3-docutils pkgconf
	qemu-system-x86 udev busybox-static libfuse-dev libfuse3-dev libcap-dev
	clang lld llvm meson ninja-build g++ libudev-dev gdb codespell sudo)
[ "$bench" = 0 ] || pkgs+=(gnuplot-nox)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root"
	say "installing ${missing[*]}"
	apt-get -q update >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
		"${missing[@]}" >/dev/null || die "cannot install ${missing[*]}"
fi

if ! command -v vng >/dev/null; then
	[ "$(id -u)" -eq 0 ] || die "virtme-ng is missing; run as root"
	debs=$CACHE_DIR/debs
	"$TOP/scripts/apt-private.sh" "$debs" sid virtme-ng
	deb=$(find "$debs" -name 'virtme-ng_*.deb' | sort -V | tail -n 1)
	say "installing $(basename "$deb")"
	DEBIAN_FRONTEND=noninteractive apt-get -q install -y "$deb" >/dev/null ||
		die "cannot install $deb"
fi
# sparse: bookworm's 0.6.4 does not know __typeof_unqual__, and with such a
# checker the kernel's scripts/checker-valid.sh turns "make C=1" into a
# warning and no check at all. Build the sparse of Debian's sid source here
# (it needs only gcc and make); check.sh passes it as CHECK.
if [ ! -x "$SPARSE" ]; then
	src=$CACHE_DIR/src/sparse
	rm -rf "$src"
	"$TOP/scripts/apt-private.sh" --source "$src" sid sparse
	tar -xf "$src"/sparse_*.orig.tar.* -C "$src"
	sdir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'sparse*' | head -n 1)
	[ -n "$sdir" ] || die "no sparse source tree in $src"
	say "building sparse in $sdir"
	make -C "$sdir" -j"$JOBS" sparse >"$src/build.log" 2>&1 ||
		die "cannot build sparse; see $src/build.log"
	install -D -m 755 "$sdir/sparse" "$SPARSE"
	say "sparse from $(basename "$(ls "$src"/*.dsc)" .dsc) in $SPARSE"
fi
say "host ready: $(vng --version), $(qemu-system-x86_64 --version | head -n 1), sparse in $SPARSE"
