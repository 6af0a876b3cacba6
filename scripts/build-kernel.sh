#!/usr/bin/env bash
# Build the test kernel from the work tree, out of tree in $BUILD_DIR:
# allnoconfig plus the fragments in configs/ and the fuse selftests' own
# config file. Every requested option is checked to be in the result, so a
# fragment line that Kconfig silently dropped is an error, not a surprise.
#
# usage: build-kernel.sh [FRAGMENT...]
#   FRAGMENT  a name from configs/, or "selftests" for the fuse selftests'
#             config file in the work tree, "ktests" for tests/kernel/config
#             (what the project's own tests need beyond it), or the path
#             of a file (default: base, then $BASE if configs/ has a
#             fragment of that name, fuse selftests ktests debug).
#             As with merge_config.sh, a later fragment's line for
#             an option replaces an earlier one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

frags=("$@")
if [ ${#frags[@]} -eq 0 ]; then
	frags=(base)
	# what the base kernel names differently (configs/6.12.config)
	[ -f "$TOP/configs/$BASE.config" ] && frags+=("$BASE")
	frags+=(fuse selftests ktests debug)
fi
[ -f "$TREE/Makefile" ] || die "no kernel tree in $TREE; run 'make tree' first"

files=()
for f in "${frags[@]}"; do
	if [ "$f" = selftests ]; then
		f=$TREE/tools/testing/selftests/filesystems/fuse/config
		[ -f "$f" ] || die "no $f in the work tree"
	elif [ "$f" = ktests ]; then
		f=$KTESTS_DIR/config
	elif [ "${f#*/}" != "$f" ]; then
		[ -f "$f" ] || die "no fragment $f"
	else
		f=$TOP/configs/$f.config
		[ -f "$f" ] || die "no configs/${f##*/}"
	fi
	files+=("$f")
done

need_disk "$BUILD_DIR" 5
mkdir -p "$BUILD_DIR"
# one line per option, the last fragment's
cat "${files[@]}" | awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym) }
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { sym = $2 }
	sym == "" { next }
	{ if (!(sym in line)) order[n++] = sym; line[sym] = $0; sym = "" }
	END { for (i = 0; i < n; i++) print line[order[i]] }' >"$BUILD_DIR/fragments.config"

kmake() {
	make -C "$TREE" O="$BUILD_DIR" CC="$(kernel_cc)" -j"$JOBS" "$@"
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
