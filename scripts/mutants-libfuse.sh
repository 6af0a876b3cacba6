#!/usr/bin/env bash
# "make libfuse-mutants": mutation testing of the libfuse series. Each
# patch in mutants/libfuse/ breaks one thing the series promises, and
# mutants/libfuse/list names the case that must notice it: a unit test
# (unit/NAME, run here on the host) or a case of libfuse's runner (run in
# one boot of the 7.3 test kernel, guest-mutants-libfuse.sh). A mutant is
# killed when its case FAILs; a PASS or a SKIP lets it survive. The
# unmutated series runs the same cases first, and they must pass, or no
# verdict on a mutant means anything.
#
# Prints one line per mutant and "libfuse mutants killed K/N"; exits
# non-zero unless every mutant is killed.
#
# usage: mutants-libfuse.sh [NAME...]   (default: every name in the list)
#   LIBFUSE_KERNEL_DIR  the kernel to boot (lib.sh; make kernel builds it)
#   VM_TIMEOUT          limit for the boot (default 3600 s)
set -euo pipefail
export BASE=libfuse
. "$(dirname "$0")/lib.sh"

mdir=$TOP/mutants/libfuse
[ -f "$mdir/list" ] || die "no $mdir/list"
declare -A case_of
while read -r n c _; do
	case_of[$n]=$c
done < <(read_series "$mdir/list")
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	mapfile -t names < <(read_series "$mdir/list" | awk '{ print $1 }')
fi
for n in "${names[@]}"; do
	[ -f "$mdir/$n.patch" ] || die "no mutant $n (no $mdir/$n.patch)"
	[ -n "${case_of[$n]:-}" ] || die "mutant $n: mutants/libfuse/list names no case for it"
done
[ -d "$TREE/.git" ] || die "no work tree in $TREE; run 'make libfuse-tree' first"
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "$TREE has uncommitted changes; the mutants are made from its HEAD"
kernel=$LIBFUSE_KERNEL_DIR/arch/x86/boot/bzImage
for n in "${names[@]}"; do
	[ "${case_of[$n]#unit/}" != "${case_of[$n]}" ] || [ -f "$kernel" ] ||
		die "no test kernel at $kernel for $n's case; run 'make kernel' first"
done

out=$LOG_DIR/mutants
mb=$CACHE_DIR/build/libfuse/mutants
rm -rf "$out"
mkdir -p "$out" "$mb"

# tree NAME [PATCH]: a worktree of the work tree's HEAD in $WORK_DIR/mutants/NAME,
# with PATCH applied, built into $mb/NAME
tree() {
	local name=$1 patch=${2:-} src=$WORK_DIR/mutants/$1
	git -C "$TREE" worktree remove --force "$src" >/dev/null 2>&1 || rm -rf "$src"
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$src" HEAD
	# the runner's case list is made from the commits on "base"
	if [ -n "$patch" ]; then
		git -C "$src" apply "$patch" || die "mutant $name no longer applies to the work tree"
	fi
	step "build $name" "$out/build-$name.log" "$TOP/scripts/build-libfuse.sh" "$src" "$mb/$name"
}

tree original
for n in "${names[@]}"; do
	tree "$n" "$mdir/$n.patch"
done

# unit tests on the host; the runner's cases in one boot
status() { # BUILD CASE: PASS, FAIL or SKIP of a unit test
	local rc=0
	"$1/test/${2#unit/}" >"$out/unit-$(basename "$1").log" 2>&1 || rc=$?
	case $rc in 0) echo PASS ;; 77) echo SKIP ;; *) echo FAIL ;; esac
}
declare -A verdict
vm_cases=()
for n in original "${names[@]}"; do
	if [ "$n" = original ]; then
		cs=$(printf '%s\n' "${names[@]}" | while read -r m; do echo "${case_of[$m]}"; done | sort -u)
	else
		cs=${case_of[$n]}
	fi
	for c in $cs; do
		if [ "${c#unit/}" != "$c" ]; then
			verdict[$n:$c]=$(status "$mb/$n" "$c")
		else
			vm_cases+=("$n=$mb/$n=$c")
		fi
	done
done
if [ ${#vm_cases[@]} -gt 0 ]; then
	echo ">>> libfuse mutants: one boot for ${#vm_cases[@]} runs (log: $out/console.log)"
	# the runs in a file: all of them would not fit on the kernel's
	# command line, which carries vng's command
	printf '%s\n' "${vm_cases[@]}" >"$out/runs"
	rc=0
	vm_console "$out/console.log" timeout "${VM_TIMEOUT:-3600}" vng --run "$kernel" "${VNG_VM[@]}" \
		--verbose --rwdir "$out" -- "$TOP/scripts/guest-mutants-libfuse.sh" "$out" || rc=$?
	echo "<<< libfuse mutants: VM exited with $rc"
	for v in "${vm_cases[@]}"; do
		n=${v%%=*} c=${v##*=}
		s=$(awk -v c="$c" '/^\+ *[0-9.]+s / { sub(/^\+ */, ""); if ($2 ~ /^(PASS|FAIL|SKIP)$/ && $3 == c) print $2 }' \
			"$out/$n/$(echo "$c" | tr / _)/runner.log" 2>/dev/null | head -n 1)
		verdict[$n:$c]=${s:-NONE}
	done
fi

bad=0
for k in "${!verdict[@]}"; do
	case $k in original:*)
		[ "${verdict[$k]}" = PASS ] || { echo "the unmutated series: ${k#original:} ${verdict[$k]}"; bad=1; } ;;
	esac
done
[ "$bad" -eq 0 ] || die "the unmutated series does not pass its own cases: no mutant verdict means anything"
killed=0
for n in "${names[@]}"; do
	c=${case_of[$n]} s=${verdict[$n:${case_of[$n]}]}
	if [ "$s" = FAIL ]; then
		killed=$((killed + 1))
		echo "killed      $n  by $c"
	else
		echo "not killed: $n  ($c: $s)"
	fi
done
echo "libfuse mutants killed $killed/${#names[@]}"
[ "$killed" -eq ${#names[@]} ]
