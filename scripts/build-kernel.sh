#!/usr/bin/env bash
# Build the test kernel from the work tree, out of tree in $BUILD_DIR:
# allnoconfig plus the fragments in configs/ and the fuse selftests' own
# config file. Every requested option is checked to be in the result, so a
# fragment line that Kconfig silently dropped is an error, not a surprise.
#
# usage: build-kernel.sh [--no-selftest-config] [FRAGMENT...]
#   FRAGMENT  a name from configs/ (default: base fuse debug)
#   --no-selftest-config  leave out the selftests' config file (the
#             benchmark kernels: the base tree has no such file)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

with_st=1
if [ "${1:-}" = --no-selftest-config ]; then
	with_st=0
	shift
fi
frags=("$@")
[ ${#frags[@]} -gt 0 ] || frags=(base fuse debug)
[ -f "$TREE/Makefile" ] || die "no kernel tree in $TREE; run 'make tree' first"

files=()
for f in "${frags[@]}"; do
	[ -f "$TOP/configs/$f.config" ] || die "no configs/$f.config"
	files+=("$TOP/configs/$f.config")
done
st_config=$TREE/tools/testing/selftests/filesystems/fuse/config
if [ "$with_st" = 1 ] && [ -f "$st_config" ]; then
	files+=("$st_config")
	frags+=("selftests/filesystems/fuse/config")
fi

need_disk "$BUILD_DIR" 5
mkdir -p "$BUILD_DIR"
# an option repeated with the same value is no conflict: keep one
cat "${files[@]}" | awk '!seen[$0]++' >"$BUILD_DIR/fragments.config"

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
kmake() {
	make -C "$TREE" O="$BUILD_DIR" CC="$cc" -j"$JOBS" "$@"
}

say "configuring: allnoconfig + ${frags[*]}"
kmake -s KCONFIG_ALLCONFIG="$BUILD_DIR/fragments.config" allnoconfig
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	sym=${want#\# }
	sym=${sym%%[= ]*}
	have=$(grep -E "^(# )?${sym}[= ]" "$BUILD_DIR/.config" || true)
	if [ "${want#\# }" != "$want" ]; then
		[ -z "$have" ] || [ "$have" = "$want" ] && continue
	else
		[ "$have" = "$want" ] && continue
	fi
	echo "config: wanted '$want', got '${have:-nothing}'" >&2
	missing=1
done <"$BUILD_DIR/fragments.config"
[ "$missing" -eq 0 ] || die "the fragments ask for options Kconfig did not take"

t0=$(date +%s)
say "building bzImage in $BUILD_DIR with $JOBS jobs"
kmake bzImage
say "kernel $(cat "$BUILD_DIR/include/config/kernel.release") built in $(($(date +%s) - t0))s"
