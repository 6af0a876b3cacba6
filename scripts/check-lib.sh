# shellcheck shell=bash disable=SC2154
# The machinery of check.sh and check-libfuse.sh, sourced by them: result
# lines, the gate's own tree, the small fs/fuse builds, and what both ask
# of a cover letter. Uses their res, ctree, rev, commits and series.

result() {
	local verdict=$1
	shift
	echo "$verdict $*" >>"$res"
	printf '%-4s %s\n' "$verdict" "$*"
}

prepare_ctree() {
	clone_base "$ctree"
	git -C "$ctree" config user.name "check"
	git -C "$ctree" config user.email "check@invalid"
}

# The three configs of the bisect builds: minimal, just enough for fs/fuse.
# On 7.3 the first two also build fuse-over-io-uring (the io-uring series),
# the third without it.
config_lines() {
	case $1 in
	y) printf 'CONFIG_FUSE_FS=y\nCONFIG_FUSE_PASSTHROUGH=y\n' ;;
	m) printf 'CONFIG_MODULES=y\nCONFIG_FUSE_FS=m\nCONFIG_FUSE_PASSTHROUGH=y\n' ;;
	n) printf 'CONFIG_FUSE_FS=y\n# CONFIG_FUSE_PASSTHROUGH is not set\n' ;;
	esac
	if [ "$BASE" = 7.3 ] && [ "$1" != n ]; then
		printf 'CONFIG_IO_URING=y\nCONFIG_FUSE_IO_URING=y\n'
	fi
}

# build_fuse CFG LOG [extra make args]: build fs/fuse/ of the checked-out
# prefix in the config's own build directory; print its warnings to LOG.
build_fuse() {
	local cfg=$1 log=$2 bdir=$BUILD_ROOT/check-$1 want
	shift 2
	mkdir -p "$bdir"
	{
		cat "$TOP/configs/base.config"
		[ ! -f "$TOP/configs/$BASE.config" ] || cat "$TOP/configs/$BASE.config"
		config_lines "$cfg"
	} >"$bdir/fragments.config"
	if ! cmp -s "$bdir/fragments.config" "$bdir/fragments.config.used" 2>/dev/null ||
		[ ! -f "$bdir/.config" ]; then
		make -s -C "$ctree" O="$bdir" CC="$(kernel_cc)" \
			KCONFIG_ALLCONFIG="$bdir/fragments.config" allnoconfig >/dev/null
		cp "$bdir/fragments.config" "$bdir/fragments.config.used"
	fi
	while IFS= read -r want; do
		grep -qxF "$want" "$bdir/.config" || {
			echo "config $cfg: Kconfig did not take '$want'" >"$log"
			return 1
		}
	done < <(config_lines "$cfg")
	# touch the sources so that every file is compiled and its warnings seen
	find "$ctree/fs/fuse" -name '*.c' -exec touch {} +
	make -C "$ctree" O="$bdir" CC="$(kernel_cc)" -j"$JOBS" "$@" fs/fuse/ >"$log.full" 2>&1 || {
		cp "$log.full" "$log"
		return 1
	}
	# without line numbers: a patch that moves a warning of the base
	# down the file adds none
	grep -E 'warning:|error:' "$log.full" | sed -E "s|^$ctree/||; s|^\.\./||; s|:[0-9]+:[0-9]+:|:|" |
		sort -u >"$log" || true
}

# Run a command on each changed file at the base and at the series' end,
# and count the warning lines it prints: only new ones count.
changed_files() {
	git -C "$ctree" diff --name-only "$rev" "${commits[-1]}" -- "$@"
}

# cover_names_base CL: the cover letter CL names the base that the series
# records ($BASE_RECORD, written by export.sh with the cover letter), not
# the base under test; a "fail" result line when it does not
cover_names_base() {
	local cl=$1 made
	if [ ! -s "$BASE_RECORD" ]; then
		result fail "cover letter: the series records no base (no ${BASE_RECORD#"$TOP"/}; 'make export' writes it)"
		return 1
	fi
	made=$(head -n 1 "$BASE_RECORD")
	if grep -q '@BASE@' "$cl"; then
		result fail "cover letter: @BASE@ was not replaced (not written by 'make export')"
		return 1
	fi
	grep -qF -- "$made" "$cl" && return 0
	result fail "cover letter: does not name the base the series was made on ($made)"
	return 1
}

# cover_names_series CL: the cover letter CL is no longer format-patch's
# template, its subject is [$SERIES_PREFIX 0/N] for the N patches of
# $series (format-patch pads it to 00/N from ten on), and it names each
# patch by its subject; a "fail" result line for each that is not so
cover_names_series() {
	local cl=$1 ok=0 p subj
	if grep -q '\*\*\* SUBJECT HERE \*\*\*\|\*\*\* BLURB HERE \*\*\*' "$cl"; then
		result fail "cover letter: still the format-patch template"
		ok=1
	fi
	if ! grep -q "^Subject: \[$SERIES_PREFIX 0*0/${#series[@]}\]" "$cl"; then
		result fail "cover letter: subject is not [$SERIES_PREFIX 0/${#series[@]}]"
		ok=1
	fi
	for p in "${series[@]}"; do
		subj=$(sed -n "s/^Subject: \[$SERIES_PREFIX [0-9]*\/[0-9]*\] //p" "$PATCHES/$p")
		# an empty subject (not the series' prefix) names nothing
		if [ -z "$subj" ] || ! grep -qF "${subj:0:40}" "$cl"; then
			result fail "cover letter: does not name $p"
			ok=1
		fi
	done
	return $ok
}

# unfolded_subject FILE [KEEP]: the Subject of a format-patch file on one
# line, without its "[...]" prefix unless KEEP is given; empty if none
unfolded_subject() {
	[ -f "$1" ] || return 0
	awk '/^Subject: / { s = $0; while ((getline l) > 0 && l ~ /^ /) s = s l; print s; exit }' "$1" |
		if [ -n "${2:-}" ]; then sed 's/^Subject: //'; else sed 's/^Subject: \[[^]]*\] //'; fi
}
