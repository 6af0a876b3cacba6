#!/usr/bin/env bash
# Run shellcheck on every script of the project.
#
# usage: lint.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: lint.sh"
command -v shellcheck >/dev/null || die "shellcheck is not installed; run 'make deps'"
cd "$TOP"
shellcheck -x scripts/*.sh .ci/run
say "shellcheck: $(find scripts -name '*.sh' | wc -l) scripts and .ci/run clean"
