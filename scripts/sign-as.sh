#!/usr/bin/env bash
# For "export.sh --as": amend the HEAD commit of the tree it runs in for
# the person who sends the series. In the message, the project's
# Signed-off-by (SERIES_IDENT, lib.sh) becomes the sender's, and so does
# the project's name at the start of a "[NAME: what changed]" note below
# an author's Signed-off-by. A commit that the project authored gets the
# sender as its author; any other author (Chunsheng Luo on patches 1 to 3
# of the 7.3 series) stays, with their Signed-off-by.
#
# usage: sign-as.sh "NAME <EMAIL>"   (with GIT_COMMITTER_* the sender's)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die 'usage: sign-as.sh "NAME <EMAIL>"'
sender=$1
msg=$(git log -1 --format=%B | awk -v old="$SERIES_IDENT" -v new="$sender" \
	-v oname="${SERIES_IDENT% <*}" -v nname="${sender% <*}" '
	$0 == "Signed-off-by: " old { print "Signed-off-by: " new; next }
	index($0, "[" oname ": ") == 1 { print "[" nname ": " substr($0, length(oname) + 4); next }
	{ print }')
author=()
[ "$(git log -1 --format='%an <%ae>')" != "$SERIES_IDENT" ] || author=(--author="$sender")
printf '%s\n' "$msg" | git commit -q --amend -s "${author[@]}" -F -
