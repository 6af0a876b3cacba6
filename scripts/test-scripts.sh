#!/usr/bin/env bash
# The exit statuses of the scripts, in both directions, with their steps
# stubbed (no kernel, no VM): in a copy of the project whose build steps
# and vng are stand-ins, each case runs a target's script and wants its
# exit status (0 or not 0) and a line of its output (an extended regex).
#
#   test-all.sh  passes, fails, is interrupted (SIGTERM: the last line
#                says so, exit 143), sets the verdict's knobs itself
#   mutants.sh   every mutant killed: 0; one survivor, or one killed by
#                another case than the one mutants/list names: not 0
#   check.sh     checkpatch clean, with findings, missing, crashing;
#                sparse missing; kernel-doc and docutils that cannot run
#   run.sh       the walkthrough's exit status
#   vmtest.sh    the console keeps every byte of both of qemu's streams
#                (written to one file they overwrite each other), the
#                VM's exit status, and no boot without the collection's
#                expected cases
#   export.sh    --as: the sender in the project's place, another
#                author kept; 7.3's second series (patches/uring/) after
#                the tag close-all, and make tree's round trip of both
#   bench-takeover-table.sh  a canned run's table; each way results can
#                be wrong, or a target missed, fails
#
# usage: test-scripts.sh
# shellcheck disable=SC2016 # the stand-ins' code, expanded when they run
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: test-scripts.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 total=0

# expect NAME WANT REGEX CMD...: run CMD, want exit status 0 (WANT=0) or
# not 0 (WANT=fail), and a line of its output that matches REGEX
expect() {
	local name=$1 want=$2 re=$3 rc=0 out=$tmp/out
	shift 3
	total=$((total + 1))
	"$@" >"$out" 2>&1 || rc=$?
	if { [ "$want" = 0 ] && [ "$rc" -ne 0 ]; } || { [ "$want" != 0 ] && [ "$rc" -eq 0 ]; }; then
		echo "not ok - $name: exit $rc"
	elif ! grep -E -q -- "$re" "$out"; then
		echo "not ok - $name: exit $rc, but no line matches '$re'"
	else
		echo "ok - $name (exit $rc)"
		return 0
	fi
	tail -n 15 "$out" | sed 's/^/    /'
	failed=$((failed + 1))
}

# A copy of the project; stub NAME BODY replaces one of its scripts.
top=$tmp/top
mkdir -p "$top" "$tmp/bin"
cp -r "$TOP/scripts" "$TOP/configs" "$top/"
stub() {
	printf '#!/usr/bin/env bash\n%s\n' "$2" >"$top/scripts/$1"
	chmod +x "$top/scripts/$1"
}
bin() {
	printf '#!/usr/bin/env bash\n%s\n' "$2" >"$tmp/bin/$1"
	chmod +x "$tmp/bin/$1"
}
export CACHE_DIR=$tmp/cache WORK_DIR=$tmp/work
export PATH=$tmp/bin:$PATH

# --- test-all.sh
for s in test-judge.sh deps.sh lint.sh test-scripts.sh; do
	stub "$s" 'exit 0'
done
# the per-base parts: a result line, the knobs they were given, and what
# $STUB_BASE says (pass, fail, or sleep); each half of a part logs when
# it starts and ends, at which priority, to $WORK_DIR/order
part_stub='f=${!#} part=${1#--}
[ "$part" != "$f" ] || part=all
echo "start $BASE $part nice=$(nice)" >>"$WORK_DIR/order"
env | grep -E "^(NO_SKIP|TEST_TIMEOUT|VNG_ARGS|FUSE_CLOSE_ALL_STRESS_SECONDS)=" | sort >"$WORK_DIR/knobs"
case $part in
vm) echo "pass $BASE: $part" >"$f"; sleep "${STUB_VM_SECONDS:-0}" ;;
gate) echo "pass $BASE: $part" >"$f" ;;
*)
	case $STUB_BASE in
	pass) echo "pass $BASE: all" >"$f" ;;
	fail) echo "fail $BASE: something" >"$f" ;;
	sleep) echo "pass $BASE: first" >"$f"; sleep 60 ;;
	esac
	;;
esac
echo "end $BASE $part" >>"$WORK_DIR/order"'
stub test-base.sh "$part_stub"
stub test-libfuse.sh "BASE=libfuse; $part_stub"
expect "make test passes" 0 '^[0-9]+ passed, 0 failed$' \
	env STUB_BASE=pass BASE=7.3 "$top/scripts/test-all.sh"
expect "make test fails" fail '^[0-9]+ passed, 1 failed$' \
	env STUB_BASE=fail BASE=7.3 "$top/scripts/test-all.sh"
expect "make test sets its knobs itself" 0 '^FUSE_CLOSE_ALL_STRESS_SECONDS=10$' \
	sh -c 'env STUB_BASE=pass BASE=7.3 NO_SKIP= TEST_TIMEOUT=1 VNG_ARGS=--x FUSE_CLOSE_ALL_STRESS_SECONDS=1 \
		"$1" >/dev/null && cat "$WORK_DIR/knobs"' sh "$top/scripts/test-all.sh"
# the order of make test's parts: the next base's preparation, at the
# lowest priority, while the VM of the one before runs, and libfuse's gate
# beside the last VM
order() {
	rm -f "$WORK_DIR/order"
	env STUB_BASE=pass STUB_VM_SECONDS=2 "$top/scripts/test-all.sh" >/dev/null || return 1
	cat "$WORK_DIR/order"
	awk '{ at[$1 " " $2 " " $3] = NR } $1 == "start" { how[$2 " " $3] = $4 }
	END {
		ok = at["end libfuse prepare"] < at["start 7.3 prepare"] &&
			at["end 7.3 prepare"] < at["start 7.3 vm"] &&
			at["start 6.12 prepare"] < at["end 7.3 vm"] && how["6.12 prepare"] == "nice=19" &&
			at["end 7.3 vm"] < at["start 6.12 vm"] && how["7.3 vm"] == how["libfuse prepare"] &&
			at["start libfuse gate"] < at["end 6.12 vm"] && how["libfuse gate"] == "nice=19" &&
			at["end 6.12 vm"] == NR
		print ok ? "in order" : "out of order"
	}' "$WORK_DIR/order"
}
expect "make test builds beside the VM" 0 '^in order$' order
# interrupted: SIGTERM to the process group, as a CI runner or Ctrl-C does
interrupted() {
	local pid rc=0
	setsid env STUB_BASE=sleep BASE=7.3 "$top/scripts/test-all.sh" >"$tmp/int.out" 2>&1 &
	pid=$!
	sleep 3
	kill -TERM -- "-$pid"
	wait "$pid" || rc=$?
	cat "$tmp/int.out"
	echo "exit status $rc"
	# the last line says it, and the status is that of the signal
	tail -n 1 "$tmp/int.out" | grep -q '^INTERRUPTED by SIGTERM' && [ "$rc" -eq 143 ] && echo "last line: interrupted"
	return "$rc"
}
expect "make test interrupted" fail '^last line: interrupted$' interrupted

# --- mutants.sh: a work tree, two mutants, a make that "builds" fuse.ko
# (the source it was built from), and a vng that runs the "tests": a
# module survives when its source says so
tree=$tmp/tree
mkdir -p "$tree/fs/fuse" "$top/mutants"
echo all >"$tree/Makefile"
echo original >"$tree/fs/fuse/backing.c"
git -C "$tree" init -q
git -C "$tree" add -A
git -C "$tree" -c user.name=t -c user.email=t@invalid commit -q -m base
for m in m1 m2; do
	echo "$m" >"$tree/fs/fuse/backing.c"
	git -C "$tree" diff >"$top/mutants/$m.patch"
	git -C "$tree" checkout -q -- fs/fuse
done
printf 'm1 prog case\nm2 prog case\n' >"$top/mutants/list"
stub build-kernel.sh 'exit 0'
stub build-selftests.sh 'exit 0'
bin make 'o=; for a; do case $a in O=*) o=${a#O=} ;; -C) ;; esac; done
mkdir -p "$o/fs/fuse" && cp "$2/fs/fuse/backing.c" "$o/fs/fuse/fuse.ko"'
bin vng 'while [ "$1" != -- ]; do shift; done
shift 2
mods=$2 out=$3
shift 4
for n; do
	mkdir -p "$out/$n"
	echo 0 >"$out/$n/exit"
	: >"$out/$n/dmesg.log"
	if grep -qx -e original -e "${STUB_SURVIVOR:-none}" "$mods/$n/fuse.ko"; then
		echo "prog: ok 1 case" >"$out/$n/test.log"
	elif grep -qx -e "${STUB_OTHER:-none}" "$mods/$n/fuse.ko"; then
		printf "prog: ok 1 case\nprog: not ok 2 other\n" >"$out/$n/test.log"
	else
		echo "prog: not ok 1 case" >"$out/$n/test.log"
	fi
	echo finished >"$out/$n/state"
done'
expect "make mutants, every mutant killed" 0 'mutants killed 2/2' \
	env BASE=7.3 TREE="$tree" "$top/scripts/mutants.sh"
expect "make mutants, one survivor" fail 'not killed: m2' \
	env BASE=7.3 TREE="$tree" STUB_SURVIVOR=m2 "$top/scripts/mutants.sh"
expect "make mutants, one killed by another case than its own" fail 'not killed: m2' \
	env BASE=7.3 TREE="$tree" STUB_OTHER=m2 "$top/scripts/mutants.sh"

# --- check.sh: a base with a checkpatch and a kernel-doc of our own, and
# a series of one patch
kdir=$tmp/kdir
mkdir -p "$kdir/fs/fuse" "$kdir/scripts" "$tmp/patches"
echo all >"$kdir/Makefile"
echo 'int x;' >"$kdir/fs/fuse/x.c"
echo 'Title' >"$kdir/fs/fuse/doc.rst"
git -C "$kdir" init -q
git -C "$kdir" add -A
git -C "$kdir" -c user.name=t -c user.email=t@invalid commit -q -m base
echo 'int y;' >>"$kdir/fs/fuse/x.c"
printf 'Title\n=====\n\nText.\n' >"$kdir/fs/fuse/doc.rst"
git -C "$kdir" -c user.name=t -c user.email=t@invalid commit -q -a -m "fuse: y"
git -C "$kdir" format-patch -q -1 -o "$tmp/patches"
git -C "$kdir" reset -q --hard HEAD~1
(cd "$tmp/patches" && printf '%s\n' ./*.patch | sed 's|^\./||') >"$tmp/patches/series"
# checkpatch.pl and kernel-doc: what $STUB_CP and $STUB_KDOC say
cat >"$tmp/checkpatch.pl" <<'EOF'
my $how = $ENV{STUB_CP} // "clean";
exit 0 if $how eq "clean";
if ($how eq "finding") { print "$ARGV[-1]:10: WARNING: a finding\n"; exit 1; }
die "checkpatch: crashed\n";
EOF
cat >"$tmp/kernel-doc" <<'EOF'
import os, sys
how = os.environ.get("STUB_KDOC", "clean")
if how == "crash":
    raise RuntimeError("kernel-doc crashed")
sys.exit(0)
EOF
checkpatch() {
	local how=$1
	shift
	(
		rm -f "$kdir/scripts/checkpatch.pl" "$kdir/scripts/kernel-doc"
		[ "$how" = missing ] || cp "$tmp/checkpatch.pl" "$kdir/scripts/"
		[ "${STUB_KDOC:-}" = missing ] || cp "$tmp/kernel-doc" "$kdir/scripts/"
		git -C "$kdir" add -A
		git -C "$kdir" -c user.name=t -c user.email=t@invalid commit -q --amend -m base
		STUB_CP=$how KDIR=$kdir PATCHES=$tmp/patches "$top/scripts/check.sh" "$@"
	)
}
expect "check: checkpatch clean" 0 '^pass checkpatch --strict: 1 patches clean' checkpatch clean am checkpatch
expect "check: checkpatch finds something" fail '^fail checkpatch --strict: .*1 findings' checkpatch finding am checkpatch
expect "check: checkpatch missing" fail 'checkpatch itself failed' checkpatch missing am checkpatch
expect "check: checkpatch crashes" fail 'checkpatch itself failed' checkpatch crash am checkpatch
expect "check: docs and kernel-doc run" 0 '^pass kernel-doc -Wall' checkpatch clean am docs
expect "check: kernel-doc missing" fail 'kernel-doc could not run' env STUB_KDOC=missing bash -c "$(declare -f checkpatch); $(declare -p tmp kdir top); checkpatch clean am docs"
expect "check: kernel-doc crashes" fail 'kernel-doc could not run' env STUB_KDOC=crash bash -c "$(declare -f checkpatch); $(declare -p tmp kdir top); checkpatch clean am docs"
expect "check: sparse missing" fail '^fail sparse: no ' env SPARSE="$tmp/no-sparse" bash -c "$(declare -f checkpatch); $(declare -p tmp kdir top); checkpatch clean am sparse"
mkdir -p "$tmp/nodocutils/docutils"
echo 'raise ImportError("no docutils here")' >"$tmp/nodocutils/docutils/__init__.py"
expect "check: docutils cannot run" fail 'docutils could not run' env PYTHONPATH="$tmp/nodocutils" bash -c "$(declare -f checkpatch); $(declare -p tmp kdir top); checkpatch clean am docs"

# --- run.sh: the walkthrough's exit status is make run's
for s in deps.sh get-base.sh build-kernel.sh build-selftests.sh build-libfuse.sh; do
	stub "$s" 'exit 0'
done
rtree=$tmp/rtree
mkdir -p "$rtree/.git" "$rtree/tools/testing/selftests/filesystems/fuse" "$CACHE_DIR/build/debug/include/config"
: >"$rtree/tools/testing/selftests/filesystems/fuse/passthrough_server.h"
echo 7.3.0 >"$CACHE_DIR/build/debug/include/config/kernel.release"
bin vng 'echo "the walkthrough, exit ${STUB_WALK:-0}"; exit "${STUB_WALK:-0}"'
expect "make run, the walkthrough passes" 0 'the walkthrough, exit 0' env TREE="$rtree" CC=true "$top/scripts/run.sh"
expect "make run, a step fails" fail 'the walkthrough, exit 1' env TREE="$rtree" CC=true STUB_WALK=1 "$top/scripts/run.sh"

# --- vmtest.sh: the console whole, the VM's exit status kept. The stand-in
# vng writes as qemu does: through descriptors of its own, each opened on
# its standard output or error (its own offset in a file), 500 lines each,
# interleaved.
bd=$tmp/vbuild
mkdir -p "$bd/arch/x86/boot" "$bd/include/config" "$WORK_DIR/kselftest/expected-cases"
: >"$bd/arch/x86/boot/bzImage"
echo 7.3.0 >"$bd/include/config/kernel.release"
printf '#!/bin/sh\n' >"$WORK_DIR/kselftest/run_kselftest.sh"
chmod +x "$WORK_DIR/kselftest/run_kselftest.sh"
bin vng 'exec 3>/dev/stdout 4>/dev/stderr
for i in $(seq 1 500); do
	echo "serial line $i of 500" >&3
	echo "stdout line $i of 500" >&4
done
exit "${STUB_VM:-0}"'
# console TARGET: run vmtest.sh (its verdict is not of interest here) and
# count what its console.log kept
console() {
	BUILD_DIR=$bd "$top/scripts/vmtest.sh" >/dev/null 2>&1 || true
	echo "vm-exit $(cat "$WORK_DIR/logs/vmtest/vm-exit")"
	echo "console lines: $(grep -c ' line [0-9]* of 500$' "$WORK_DIR/logs/vmtest/console.log")"
}
# the way it was: both streams of vng into one file
into_file() {
	vng >"$tmp/console.file" 2>&1 || true
	echo "console lines: $(grep -c ' line [0-9]* of 500$' "$tmp/console.file")"
}
expect "vmtest: a console file loses bytes (the old way)" 0 '^console lines: ([0-9]|[0-9][0-9]|[0-9][0-9][0-9])$' into_file
expect "vmtest: the console keeps every byte" 0 '^console lines: 1000$' console
expect "vmtest: the VM's exit status" 0 '^vm-exit 3$' env STUB_VM=3 bash -c "$(declare -f console); $(declare -p bd top WORK_DIR); console"
# a collection built before the cases of its programs were recorded: no
# boot, whose run the judge could not hold to them
no_expected() {
	local rc=0
	mv "$WORK_DIR/kselftest/expected-cases" "$tmp/expected-cases"
	BUILD_DIR=$bd "$top/scripts/vmtest.sh" || rc=$?
	mv "$tmp/expected-cases" "$WORK_DIR/kselftest/"
	return "$rc"
}
expect "vmtest: a collection without its expected cases" fail "no .*/expected-cases .*run 'make selftests' again" no_expected

# --- the base under test and the base the series was made on
# (test-base.sh, test-libfuse.sh, export.sh, the cover checks): a series
# of one patch made on one base, then tested on that base, on a newer
# point release (the same file, lines moved), and on one where the patch's
# context changed. get-base.sh is a stand-in whose base is what
# $STUB_BASE says; the steps after the work tree are stand-ins too.
for s in test-base.sh test-libfuse.sh mk-tree.sh export.sh check.sh check-libfuse.sh; do
	cp "$TOP/scripts/$s" "$top/scripts/$s"
done
cp "$top/scripts/check.sh" "$top/scripts/check-real.sh"
cp "$top/scripts/check-libfuse.sh" "$top/scripts/check-libfuse-real.sh"
stub check.sh 'exec "$(dirname "$0")/check-real.sh" cover'
stub check-libfuse.sh 'exec "$(dirname "$0")/check-libfuse-real.sh" cover'
stub libfuse-unit.sh '. "$(dirname "$0")/lib.sh"; mkdir -p "$LOG_DIR/unit"; echo "pass unit/x" >"$LOG_DIR/unit/results"'
for s in build-kernel.sh build-selftests.sh build-libfuse.sh test-judge-libfuse.sh; do
	stub "$s" 'exit 0'
done
stub vmtest.sh '. "$(dirname "$0")/lib.sh"; mkdir -p "$LOG_DIR/vmtest"; echo "pass vm" >"$LOG_DIR/vmtest/results"'
# STUB_BASE: made (the base the series is made on), newer (a point
# release: the patched line moved down), gone (the patch's context changed)
stub get-base.sh '. "$(dirname "$0")/lib.sh"
[ ! -d "$BASE_REPO/.git" ] || exit 0
mkdir -p "$BASE_REPO/fs/fuse" "$BASE_REPO/scripts"
cd "$BASE_REPO"
seq 1 30 >fs/fuse/x.c
echo "print \"Maint <maint\\@invalid>\\n\";" >scripts/get_maintainer.pl
v=1
case $STUB_BASE in
newer) sed -i "1i new line" fs/fuse/x.c; v=2 ;;
gone) sed -i "14s/.*/fourteen/" fs/fuse/x.c; v=3 ;;
esac
if [ "$BASE" = libfuse ]; then name="libfuse 3.18.$v"
else name="Linux $BASE.$v from Debian linux-source-$BASE $BASE.$v-1"; fi
git init -q && git add -A && git -c user.name=b -c user.email=b@invalid commit -q -m "$name" && git tag base'
printf 'Subject: a series\n\nMade on @BASE@.\n\nTesting\n-------\nABI\n---\nChanges against v1\n' >"$top/cover-letter-6.12.txt"
cp "$top/cover-letter-6.12.txt" "$top/cover-letter-libfuse.txt"
cp "$top/cover-letter-6.12.txt" "$top/cover-letter.txt"
# on_base B KIND CMD...: CMD with base B as STUB_BASE KIND says, in a
# cache and work directory of their own
on_base() {
	local b=$1 kind=$2
	shift 2
	env BASE="$b" STUB_BASE="$kind" CACHE_DIR="$tmp/bv/$b-$kind/cache" \
		WORK_DIR="$tmp/bv/$b-$kind/work" "$@"
}
# pipeline B KIND: that base's part of make test, its results and how the
# export round trip went
pipeline() {
	local b=$1 kind=$2 rc=0 t=test-base.sh w=$tmp/bv/$1-$2/work
	[ "$b" != libfuse ] || t=test-libfuse.sh
	on_base "$b" "$kind" env LIBFUSE_VMTEST=0 "$top/scripts/$t" "$tmp/bv/$b-$kind.results" || rc=$?
	cat "$tmp/bv/$b-$kind.results"
	cat "$w/logs/patches-regenerate-byte-identical.log" 2>/dev/null || true
	return "$rc"
}
no_note() {
	if pipeline "$@" | grep '^note '; then
		return 1
	fi
	echo "no note"
}
# export_to B DIR: make export on B's newer base, into DIR; its record
export_to() {
	on_base "$1" newer env PATCHES="$2" "$top/scripts/export.sh" >/dev/null
	cat "$2/base"
}
for b in 7.3 6.12 libfuse; do
	case $b in
	7.3) p=patches gate=check.sh v=7\\.3 ;;
	6.12) p=patches/6.12 gate=check.sh v=6\\.12 ;;
	libfuse) p=libfuse gate=check-libfuse.sh v= ;;
	esac
	mkdir -p "$top/$p"
	: >"$top/$p/series"
	w=$tmp/bv/$b-made/work
	t=$w/linux
	[ "$b" != libfuse ] || t=$w/libfuse
	on_base "$b" made "$top/scripts/get-base.sh"
	on_base "$b" made "$top/scripts/mk-tree.sh" >/dev/null
	sed -i '15s/.*/fifteen/' "$t/fs/fuse/x.c"
	# the backport says which patch of the 7.3 series it is (check.sh)
	note=()
	[ "$b" != 6.12 ] ||
		note=(-m "Backport of [PATCH v$(BASE=6.12 bash -c '. "$1/scripts/lib.sh"; echo "${SERIES_PREFIX##*v}"' - "$top") 1/1] of the series for Linux 7.3.")
	git -C "$t" commit -q -a -s -m "fuse: spell fifteen" "${note[@]}" -m "Because it reads better."
	on_base "$b" made "$top/scripts/export.sh" >/dev/null
	made="[^ ]+ $v\\.1"
	[ "$b" != libfuse ] || made="libfuse 3\\.18\\.1"
	expect "$b: the series records its base" 0 "^(Linux $v\\.1 from Debian linux-source-$v $v\\.1-1|libfuse 3\\.18\\.1)\$" cat "$top/$p/base"
	expect "$b: the cover letter names it" 0 "^Made on (Linux $v\\.1 |libfuse 3\\.18\\.1)" cat "$top/$p/0000-cover-letter.txt"
	expect "$b: the base it was made on" 0 'is current \(byte for byte\)' pipeline "$b" made
	# a record that the cover letter does not name
	cp -r "$top/$p" "$tmp/bv/$b-other"
	echo "libfuse 9.9.9" >"$tmp/bv/$b-other/base"
	expect "$b: a cover letter that does not name the recorded base" fail \
		'^fail cover letter: does not name the base the series was made on \(libfuse 9\.9\.9\)' \
		on_base "$b" made env PATCHES="$tmp/bv/$b-other" "$top/scripts/$gate"
	case $b in
	6.12)
		cp -r "$top/$p" "$tmp/bv/$b-nonote"
		sed -i '/^Backport of /d' "$tmp/bv/$b-nonote"/0001-*.patch
		expect "$b: a patch without its backport note" fail \
			"^fail backport note: 0001-.* does not say 'Backport of \\[PATCH v[0-9]+ 1/1\\]" \
			on_base "$b" made env PATCHES="$tmp/bv/$b-nonote" "$top/scripts/$gate"
		;;
	libfuse)
		cp -r "$top/$p" "$tmp/bv/$b-quote"
		printf '\nThe kernel series "[PATCH v1 0/9] an old\nversion".\n' \
			>>"$tmp/bv/$b-quote/0000-cover-letter.txt"
		expect "$b: a cover letter that quotes another kernel series" fail \
			'^fail cover letter: does not quote the kernel series as "\[PATCH v[0-9]+ 0/1\]' \
			on_base "$b" made env PATCHES="$tmp/bv/$b-quote" "$top/scripts/$gate"
		;;
	7.3)
		cp -r "$top/$p" "$tmp/bv/$b-long"
		head -c 5000 /dev/zero | tr '\0' x >>"$tmp/bv/$b-long/0000-cover-letter.txt"
		expect "$b: a cover letter over 4 KB" fail '^fail cover letter: [0-9]+ bytes, more than 4096' \
			on_base "$b" made env PATCHES="$tmp/bv/$b-long" "$top/scripts/$gate"
		;;
	esac
	expect "$b: no note on the base it was made on" 0 '^no note$' no_note "$b" made
	expect "$b: a newer point release" 0 "^note ($b: )?tested on .*\\.2[-,].*series made on .*\\.1" pipeline "$b" newer
	expect "$b: a newer point release, the export round trip" 0 'is current \(on .*2.*, but for blob ids, hunk positions' pipeline "$b" newer
	expect "$b: a newer point release, the cover letter" 0 "^pass cover letter: names 1 patches, its base \\($made" pipeline "$b" newer
	expect "$b: a base where the series no longer applies" fail "^fail ($b: )?git am series on .*\\.3[ ,].*a base it was not made on" pipeline "$b" gone
	expect "$b: ... and why" fail 'the series no longer applies on .*3' pipeline "$b" gone
	# on the newer base, what is not the base's still counts
	nw=$tmp/bv/$b-newer/work
	nt=$nw/linux
	[ "$b" != libfuse ] || nt=$nw/libfuse
	git -C "$nt" commit -q --amend -m "fuse: spell fifteen" "${note[@]}" -m "Because it reads better than 15."
	expect "$b: a newer point release, a changed commit still differs" fail 'differs from the work tree \(on ' \
		on_base "$b" newer "$top/scripts/export.sh" --check
	# make export there records the newer base, in the cover letter too
	cp -r "$top/$p" "$tmp/bv/$b-exported"
	expect "$b: make export on the newer base records it" 0 "^(Linux $v\\.2 |libfuse 3\\.18\\.2)" \
		export_to "$b" "$tmp/bv/$b-exported"
	expect "$b: ... and names it in the cover letter" 0 "^Made on (Linux $v\\.2 |libfuse 3\\.18\\.2)" \
		cat "$tmp/bv/$b-exported/0000-cover-letter.txt"
done

# --- export.sh --as: the sender takes the project's place (author of its
# patches, Signed-off-by, "[NAME: ...]" note); a patch with another author
# keeps it, with that author's Signed-off-by
aw=$tmp/bv/7.3-made/work/linux
sed -i '16s/.*/sixteen/' "$aw/fs/fuse/x.c"
git -C "$aw" -c user.name=Other -c user.email=other@invalid commit -q -a -m "fuse: spell sixteen" \
	-m "Signed-off-by: Other <other@invalid>
[${SERIES_IDENT% <*}: reworded]
Signed-off-by: $SERIES_IDENT"
expect "export --as: makes the series" 0 'the series as Jane Doe <jane@invalid> is in' \
	on_base 7.3 made "$top/scripts/export.sh" --as "Jane Doe <jane@invalid>" "$tmp/as"
sign_offs() {
	grep -E '^(Signed-off-by: |\[)' "$1" | paste -s -d ,
}
nothing_of_the_project() {
	if grep -F "${SERIES_IDENT% <*}" "$tmp/as"/*; then
		return 1
	fi
	echo "none"
}
expect "export --as: the project's patch is the sender's" 0 '^From: Jane Doe <jane@invalid>$' \
	cat "$tmp/as/0001-fuse-spell-fifteen.patch"
expect "export --as: ... signed off by the sender" 0 '^Signed-off-by: Jane Doe <jane@invalid>$' \
	sign_offs "$tmp/as/0001-fuse-spell-fifteen.patch"
expect "export --as: a patch with another author keeps it" 0 '^From: Other <other@invalid>$' \
	cat "$tmp/as/0002-fuse-spell-sixteen.patch"
expect "export --as: ... and its sign-off, then the sender's note and sign-off" 0 \
	'^Signed-off-by: Other <other@invalid>,\[Jane Doe: reworded\],Signed-off-by: Jane Doe <jane@invalid>$' \
	sign_offs "$tmp/as/0002-fuse-spell-sixteen.patch"
expect "export --as: the cover letter is from the sender" 0 '^From: Jane Doe <jane@invalid>$' \
	cat "$tmp/as/0000-cover-letter.txt"
expect "export --as: nothing of the project's identity is left" 0 '^none$' nothing_of_the_project

# --- 7.3's second series (patches/uring/): the commits after the tag
# close-all; make tree applies it after the first and sets the tag again
cp "$top/cover-letter.txt" "$top/cover-letter-uring.txt"
git -C "$aw" tag -f close-all HEAD >/dev/null
sed -i '17s/.*/seventeen/' "$aw/fs/fuse/x.c"
git -C "$aw" commit -q -a -s -m "fuse: spell seventeen" -m "Because it reads better."
expect "uring series: make export writes it to patches/uring/" 0 \
	'exported 1 patches and the cover letter to patches/uring/' on_base 7.3 made "$top/scripts/export.sh"
expect "uring series: ... and keeps it out of patches/" 0 '^0002-fuse-spell-sixteen.patch$' \
	tail -n 1 "$top/patches/series"
expect "uring series: ... with its own prefix" 0 '^Subject: \[PATCH 1/1\] fuse: spell seventeen$' \
	cat "$top/patches/uring/0001-fuse-spell-seventeen.patch"
expect "uring series: both are current" 0 'patches/uring/ is current \(byte for byte\)' \
	on_base 7.3 made "$top/scripts/export.sh" --check
expect "uring series: make tree applies both and sets the tag" 0 '^fuse: spell sixteen$' \
	on_base 7.3 made bash -c '"$1/scripts/mk-tree.sh" --force >/dev/null &&
		git -C "$2" log -1 --format=%s close-all' - "$top" "$aw"
expect "uring series: ... and the round trip is byte for byte" 0 'patches/uring/ is current \(byte for byte\)' \
	on_base 7.3 made "$top/scripts/export.sh" --check
git -C "$aw" tag -f close-all HEAD~2 >/dev/null
git -C "$aw" commit -q --amend -m "fuse: spell seventeen again"
expect "uring series: a tag off HEAD's history is an error" fail 'tag close-all is not on HEAD' \
	on_base 7.3 made bash -c 'git -C "$1" tag -f close-all "$(git -C "$1" rev-parse HEAD@{1})" >/dev/null &&
		"$2/scripts/export.sh" --check' - "$aw" "$top"

# bench-takeover-table.sh on canned guest results (tests/bench-takeover/,
# a real run's): the table of whole results, and each way results can be
# wrong or a target missed; gnuplot is a stand-in
bin gnuplot 'cat >/dev/null'
canned=$TOP/tests/bench-takeover/results.out
bt=$tmp/bt
mkdir -p "$bt"
# table NAME SED: the table of the canned results edited by SED
table() {
	sed -E "$2" "$canned" >"$bt/$1.out"
	"$top/scripts/bench-takeover-table.sh" "$bt/$1.out" "$bt"
}
# The canned run missed the upgrade's no-answer target at five of six
# points (README, bench): whole results, judged as they are
expect "bench-takeover: whole results" fail \
	'^NOT met: upgrade at N=100: no answer <= 1/4 of the crash outage$' table whole ''
expect "bench-takeover: an upgrade that never pauses meets its target" fail \
	'^met: upgrade_mt at N=100: no answer <= 1/4 of the crash outage$' \
	table nopause '/^result upgrade_mt n=100 /s/ gap_ns=[0-9]+/ gap_ns=500000/'
expect "bench-takeover: a multi-threaded crash missing" fail \
	"4 of 5 runs of 'takeover server=libfuse_mt' at N=1000" \
	table missing_crash_mt '/server=libfuse_mt n=1000 rep=0 /d'
expect "bench-takeover: a multi-threaded upgrade missing" fail \
	"4 of 5 runs of 'upgrade_mt' at N=100" table missing_mt '/^result upgrade_mt n=100 rep=1 /d'
expect "bench-takeover: a close-all that did not close the N ids" fail \
	'libfuse at N=1000: close-all closed 999 ids, not 1000' \
	table closed '/server=libfuse n=1000 rep=2 /s/closed=1000/closed=999/'
expect "bench-takeover: floor (b) registered fewer" fail 'floor_b at N=100: registered 99 ids' \
	table registered '/server=floor_b n=100 rep=0 /s/registered=100$/registered=99/'
expect "bench-takeover: a kind missing at one N" fail "4 of 5 runs of 'upgrade' at N=1000" \
	table missing '/^result upgrade n=1000 rep=3 /d'
expect "bench-takeover: a step not logged" fail 'libfuse at N=100: no resend_ns' \
	table step '/server=libfuse n=100 rep=1 /s/resend_ns=[0-9]+/resend_ns=-1/'
expect "bench-takeover: a failed request in the upgrade" fail 'upgrade at N=10000: 3 requests failed' \
	table errors '/^result upgrade n=10000 rep=0 /s/errors=0/errors=3/'
expect "bench-takeover: the old ids not closed at the upgrade" fail 'closed 0 ids of the old server' \
	table handover '/^result upgrade n=100 rep=0 /s/closed=100$/closed=0/'
expect "bench-takeover: crash slower than 2x floor (a)" fail '^NOT met: crash at N=10000 <= 2x floor' \
	table slow '/server=libfuse n=10000 /s/open_ns=[0-9]+/open_ns=900000000/'
expect "bench-takeover: reads slower in the outage" fail '^NOT met: reads at N=100 >= 0.95x' \
	table reads '/^result reads n=100 /s/outage_per_ms=[0-9.]+/outage_per_ms=1.0/'
expect "bench-takeover: an upgrade that waits" fail '^NOT met: upgrade at N=1000: longest wait' \
	table wait '/^result upgrade n=1000 /s/max_wait_ns=[0-9]+/max_wait_ns=900000000/'
expect "bench-takeover: no results" fail 'no results in' table none '/^result/d'

say "$((total - failed)) of $total cases as expected"
[ "$failed" -eq 0 ]
