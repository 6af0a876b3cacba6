#!/usr/bin/env bash
# Install what the pipeline needs on a Debian 12 host: build tools and qemu
# from the machine's own suites, and virtme-ng, which bookworm lacks, as a
# single package from sid (its dependencies come from bookworm). Installs
# only what is missing; needs root for that.
#
# usage: deps.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: deps.sh"

pkgs=(gcc make flex bison bc libelf-dev libssl-dev cpio kmod xz-utils rsync
	ccache sparse shellcheck git perl python3 python3-ply python3-git python3-docutils pkgconf
	qemu-system-x86 udev busybox-static libfuse-dev libfuse3-dev libcap-dev)
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
say "host ready: $(vng --version), $(qemu-system-x86_64 --version | head -n 1)"
