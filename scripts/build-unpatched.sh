#!/usr/bin/env bash
# "make kernel-unpatched": the test kernel without the series, for
# "make vmtest-unpatched": the base, checked out on its own, built with the
# test kernel's fragments (the selftests' config file of the work tree,
# since the base may have no fuse selftests), into $UNPATCHED_BUILD_DIR.
#
# usage: build-unpatched.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: build-unpatched.sh"
cfg=$TREE/tools/testing/selftests/filesystems/fuse/config
[ -f "$cfg" ] || die "no $cfg; run 'make tree' first"
base_tree=$WORK_DIR/base-tree
clone_base "$base_tree"
frags=(base)
[ ! -f "$TOP/configs/$BASE.config" ] || frags+=("$BASE")
frags+=(fuse "$cfg" ktests debug)
env TREE="$base_tree" BUILD_DIR="$UNPATCHED_BUILD_DIR" "$TOP/scripts/build-kernel.sh" "${frags[@]}"
