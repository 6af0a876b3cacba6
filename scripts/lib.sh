# shellcheck shell=bash disable=SC2034
# Common settings for the scripts in this directory. Sourced, not run.
#
# Every setting can be overridden from the environment:
#   BASE         the product: 7.3 (the mainline kernel series, patches/),
#                6.12 (the LTS backport, patches/6.12/) or libfuse (the
#                libfuse series, libfuse/); each has its own base, work
#                tree, build and log directories
#   KDIR         a kernel git tree of that version to use as the base
#                instead of Debian's linux-source-$BASE
#   CACHE_DIR    where the bases, the build directories and apt state live
#   WORK_DIR     where the work tree (base + series) is made
#   BUILD_DIR    out-of-tree (O=) directory of the test kernel
#   UNPATCHED_BUILD_DIR  the same for the test kernel without the series
#   BASE_SUITE   the Debian suite that has linux-source-$BASE (empty: the
#                machine's own apt sources)

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fuse-close-all}
BASE=${BASE:-7.3}
case $BASE in
7.3)
	# Debian publishes 7.3 in trixie-backports only
	base_suite=trixie-backports
	base_sub=
	# v6: Chunsheng Luo's RFC, v2 and v3, then v4 and v5 of this rework (cover
	# letter); patches 1 to 3 keep him as their author
	series_prefix="PATCH v6"
	close_all_prefix=$series_prefix
	# Cc'd on the cover letter beside what get_maintainer.pl names: the
	# list where the design was discussed, the list for new uapi, the
	# reviewers active on backing ids, and the author of v1 to v3
	series_cc=("linux-fsdevel@vger.kernel.org" "linux-api@vger.kernel.org"
		"Bernd Schubert <bernd@bsbernd.com>" "Joanne Koong <joannelkoong@gmail.com>"
		"Chunsheng Luo <luochunsheng@ustc.edu>")
	# SERIES=uring: the io-uring takeover series, a series of its own
	# (patches/uring/, cover-letter-uring.txt) made on top of this one in
	# the same work tree and built into the same test kernel: mk-tree.sh
	# applies it after patches/series and tags where this one ends
	# ($SERIES_END_TAG); export.sh writes what comes after that tag there
	uring_prefix="PATCH"
	if [ "${SERIES:-}" = uring ]; then
		series_sub=/uring
		series_prefix=$uring_prefix
		series_cc=("linux-fsdevel@vger.kernel.org" "io-uring@vger.kernel.org")
	fi
	;;
6.12)
	# bookworm-security carries 6.12: one of the machine's own suites
	base_suite=
	base_sub=/6.12
	series_prefix="PATCH 6.12 v6"
	series_cc=()
	;;
libfuse)
	# the upstream libfuse release that Debian's fuse3 source package
	# carries in sid, as its .orig tarball (get-base-libfuse.sh)
	base_suite=sid
	base_sub=/libfuse
	series_prefix="PATCH libfuse"
	# KDIR names a kernel tree; it has no meaning for libfuse
	unset KDIR
	;;
*)
	echo "${0##*/}: error: BASE=$BASE: the series exist for 7.3, 6.12 and libfuse" >&2
	exit 1
	;;
esac
case ${SERIES:-} in
"") series_sub= ;;
uring) [ "$BASE" = 7.3 ] || {
	echo "${0##*/}: error: SERIES=uring is a series for BASE=7.3, not BASE=$BASE" >&2
	exit 1
} ;;
*)
	echo "${0##*/}: error: SERIES=$SERIES: the only series beside a base's own is uring" >&2
	exit 1
	;;
esac
# the tag in the 7.3 work tree on the last commit of patches/series
SERIES_END_TAG=close-all
WORK_DIR=${WORK_DIR:-$TOP/work$base_sub}
if [ "$BASE" = libfuse ]; then
	TREE=${TREE:-$WORK_DIR/libfuse}
	BASE_PKG=${BASE_PKG:-fuse3}
	BASE_REPO=${BASE_REPO:-$CACHE_DIR/base/libfuse}
	PATCHES=${PATCHES:-$TOP/libfuse}
	COVER=$TOP/cover-letter-libfuse.txt
	# libfuse has no get_maintainer.pl: the cover letter goes to its
	# maintainer and list as the release names them (AUTHORS, README.md
	# of 3.18.3). Written here only.
	series_to=("Bernd Schubert <bernd.schubert@fastmail.fm>")
	series_cc=("fuse-devel@lists.linux.dev")
	# the kernel that libfuse's tests boot: the 7.3 test kernel (BASE=7.3
	# make kernel), the series' own
	LIBFUSE_KERNEL_DIR=${LIBFUSE_KERNEL_DIR:-$CACHE_DIR/build/debug}
fi
TREE=${TREE:-$WORK_DIR/linux}
BUILD_ROOT=${BUILD_ROOT:-$CACHE_DIR/build$base_sub}
# the libfuse series as built for the VM (build-libfuse.sh), whose cases
# guest-test.sh runs in the boot of the 7.3 kselftests (make test)
LIBFUSE_VM_BUILD=$CACHE_DIR/build/libfuse/vm
# Seconds each of libfuse's cases may take in the VM. Their own "# TIMEOUT:
# 300" is for a normal kernel; on the debug kernel under emulation, with a
# build beside it, passthrough-hp-nocache took 326 s (228 s on a quieter
# machine). A hang still ends in a FAIL, 900 s later.
LIBFUSE_VM_TIMEOUT=900
# The libfuse series' cases that need no FUSE_DEV_IOC_BACKING_CLOSE_ALL (the
# abort; the upgrade, which hands the ids over instead; and those that hold
# no file open across a takeover: a server killed early, clone_fd under
# load, failed upgrades, a crash loop, a full node table, a death right
# after FUSE_INIT, upgrades while nodes come and go): on a kernel without
# it they pass, where the others SKIP (judge-libfuse.sh)
LIBFUSE_ANY_KERNEL_CASES="examples/passthrough-takeover-abort examples/passthrough-takeover-upgrade"
LIBFUSE_ANY_KERNEL_CASES+=" examples/passthrough-takeover-early examples/passthrough-takeover-clone-fd"
LIBFUSE_ANY_KERNEL_CASES+=" examples/passthrough-takeover-upgrade-fail"
LIBFUSE_ANY_KERNEL_CASES+=" examples/passthrough-takeover-backoff examples/passthrough-takeover-table-full"
LIBFUSE_ANY_KERNEL_CASES+=" examples/passthrough-takeover-after-init"
LIBFUSE_ANY_KERNEL_CASES+=" examples/passthrough-takeover-upgrade-churn"
BUILD_DIR=${BUILD_DIR:-$BUILD_ROOT/debug}
# the same test kernel without the series (build-unpatched.sh)
UNPATCHED_BUILD_DIR=${UNPATCHED_BUILD_DIR:-$BUILD_ROOT/unpatched}
LOG_DIR=${LOG_DIR:-$WORK_DIR/logs}
BASE_SUITE=${BASE_SUITE-$base_suite}
BASE_PKG=${BASE_PKG:-linux-source-$BASE}
BASE_REPO=${BASE_REPO:-$CACHE_DIR/base/linux${base_sub:+-$BASE}}
BASE_TAG=base
PATCHES=${PATCHES:-$TOP/patches$base_sub$series_sub}
COVER=$TOP/cover-letter${base_sub:+-$BASE}${series_sub:+-${series_sub#/}}.txt
# The base the series was made on, one line (base_name), next to its
# series file: export.sh writes it and puts it into the cover letter in
# place of @BASE@. The base under test may be newer (a point release that
# Debian published since); test-base.sh and test-libfuse.sh say so.
BASE_RECORD=$PATCHES/base
JOBS=${JOBS:-$(nproc)}
# The project's identity: the author of the series' own patches and the
# Signed-off-by after an author's that the series keeps (Chunsheng Luo's on
# patches 1 to 3), with a "[NAME: ...]" note of what it changed; given to the
# commits of the work tree. Whoever sends the series takes the project's
# place with "export.sh --as" (README: "Sending the series").
SERIES_IDENT=${SERIES_IDENT:-"Seed f081817f maintainers <maintainers@users.noreply.r-seed-f081817f.example>"}
# "[PATCH v2 n/N]": the version of the series as it is sent
SERIES_PREFIX=${SERIES_PREFIX:-$series_prefix}
# a sparse that the 7.3 kernel accepts as its checker (deps.sh builds it)
SPARSE=${SPARSE:-$CACHE_DIR/tools/sparse}

# ccache in depend mode: it hashes the headers named by the compiler's own
# -MMD output instead of running the preprocessor a second time. On a cold
# cache that halves the cost of each kernel object (measured on fs/fuse/:
# 31 s plain, 15 s depend mode, 14 s without ccache).
export CCACHE_DEPEND=${CCACHE_DEPEND:-1}

# How the test VM is started (vmtest.sh, run.sh). /dev/kvm here belongs to
# a nested hypervisor that does not boot these kernels, and qemu 7.2's
# multi-threaded TCG oopses while the kernel patches its text: software
# emulation, single-threaded, with 2 vCPUs for the concurrency tests.
#
# no5lvl: qemu's TCG "max" CPU has LA57, so the guest would run with 5-level
# paging. With KASAN that trips over an early-boot window that is not ours:
# identify_cpu() clears boot_cpu_data's capabilities before it reads them
# back, so an interrupt arriving in between sees pgtable_l5_enabled() false,
# KASAN computes its shadow bounds for 4-level paging, and the irq_desc lock
# in the 5-level direct map (0xff11...) is reported as a wild access. 4-level
# paging is also what the machines that run FUSE servers use.
VNG_VM=(--disable-kvm --cpus 2 --memory 2G --append no5lvl
	--qemu-opts="-accel tcg,thread=single")

# vm_console LOG CMD...: run CMD (a VM) with its console, stdout and
# stderr, through a pipe into LOG, and return CMD's exit status. Not into
# a file: qemu opens it once for each of its streams, each with its own
# offset, and they overwrite each other's bytes. A pipe keeps every byte,
# in the order written.
vm_console() {
	local log=$1 st
	shift
	set +e
	"$@" </dev/null 2>&1 | cat >"$log"
	st=("${PIPESTATUS[@]}")
	set -e
	[ "${st[1]}" -eq 0 ] || die "could not write $log"
	return "${st[0]}"
}

die() {
	echo "${0##*/}: error: $*" >&2
	exit 1
}

say() {
	echo "${0##*/}: $*"
}

# step NAME LOG CMD...: run CMD with its output in LOG, print a start line
# and the elapsed time; on failure name the step and the log.
step() {
	local name=$1 log=$2 t0 rc=0
	shift 2
	mkdir -p "$(dirname "$log")"
	t0=$(date +%s)
	echo ">>> $name (log: $log)"
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 25 "$log" >&2
		echo "<<< $name FAILED after $(($(date +%s) - t0))s, exit $rc; see $log" >&2
		return "$rc"
	fi
	echo "<<< $name done in $(($(date +%s) - t0))s"
}

# The base: $KDIR if given, else the git repository made by get-base.sh.
base_repo() {
	if [ -n "${KDIR:-}" ]; then
		if [ ! -f "$KDIR/Makefile" ] || [ ! -d "$KDIR/fs/fuse" ]; then
			die "KDIR=$KDIR is not a kernel tree"
		fi
		git -C "$KDIR" rev-parse --verify -q HEAD >/dev/null ||
			die "KDIR=$KDIR is not a git repository"
		echo "$KDIR"
	else
		echo "$BASE_REPO"
	fi
}

base_rev() {
	if [ -n "${KDIR:-}" ]; then
		git -C "$KDIR" rev-parse HEAD
	else
		git -C "$BASE_REPO" rev-parse "$BASE_TAG^{commit}" 2>/dev/null ||
			die "no base in $BASE_REPO; run 'make base' first"
	fi
}

# base_name: the base in one line: the subject of get-base.sh's base
# commit ("Linux 6.12.117 from Debian linux-source-6.12
# 6.12.117-1~deb12u1", "libfuse 3.18.3"), or for KDIR its version and
# what git describes
base_name() {
	local rev
	rev=$(base_rev)
	if [ -n "${KDIR:-}" ]; then
		echo "Linux $(make -s -C "$KDIR" kernelversion) at $(git -C "$KDIR" describe --always --tags "$rev")"
	else
		git -C "$BASE_REPO" log -1 --format=%s "$rev"
	fi
}

# recorded_base: the base that the series says it was made on
recorded_base() {
	[ -s "$BASE_RECORD" ] || die "no ${BASE_RECORD#"$TOP"/}: the series does not say which base it was made on ('make export' writes it)"
	head -n 1 "$BASE_RECORD"
}

# make_tree_checked: the work tree, as a check (mk-tree.sh). On a base
# other than the one the series was made on, a note says which two they
# are; when the series does not apply there, the failure says so.
make_tree_checked() {
	local made now name="git am series on the base"
	made=$(recorded_base)
	now=$(base_name)
	if [ "$made" != "$now" ]; then
		echo "${RESULT_PREFIX:-}tested on $now, series made on $made"
		record note "tested on $now, series made on $made"
		name="git am series on $now, a base it was not made on"
	fi
	check "$name" "$TOP/scripts/mk-tree.sh" && return 0
	[ "$made" = "$now" ] ||
		echo "${RESULT_PREFIX:-}the series no longer applies on $now: 'make tree' there, rebase, 'make export'" >&2
	return 1
}

need_disk() {
	local dir=$1 gib=$2 avail
	mkdir -p "$dir"
	avail=$(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }')
	[ "$avail" -ge "$gib" ] ||
		die "$dir has ${avail} GiB free, needs ${gib} GiB"
}

# The compiler for kernel builds: gcc, through ccache when it is installed.
kernel_cc() {
	if command -v ccache >/dev/null; then
		echo "ccache gcc"
	else
		echo gcc
	fi
}

# What the kernel prints when something is wrong, one pattern a line (an
# extended regex each; SPLAT_RE joins them). Each pattern is the headline
# of a kind of report that no other pattern matches, and the judge's
# self-test has a report line for each that only it matches (removing one
# fails the self-test: scripts/judge-mutants.sh). Reports whose headline
# always carries one of these are not listed again: lockdep's ("WARNING:
# possible circular locking dependency detected", recursive locking,
# inconsistent lock state, suspicious RCU usage), KFENCE's and most of
# KASAN's ("BUG: KFENCE: ...", "BUG: KASAN: ..."), soft lockups
# ("watchdog: BUG: soft lockup"), debugobjects' ("ODEBUG: ..."), list
# debugging's WARN.
SPLAT_PATTERNS=(
	'BUG:'
	'kernel BUG at'
	'BUG [^ :]+ \((Not t|T)ainted'
	'WARNING:'
	'KASAN:'
	'UBSAN:'
	'Oops'
	'general protection fault'
	'Kernel panic'
	'unreferenced object'
	'INFO: task .* blocked for more than'
	'detected stalls'
	'self-detected stall'
	'detected expedited stalls'
	'hard LOCKUP'
	'Call Trace'
	'refcount_t: '
	'list_(add|del) corruption'
	'Out of memory: '
	'new suspected memory leaks'
)
SPLAT_RE=$(
	IFS='|'
	echo "${SPLAT_PATTERNS[*]}"
)
# splats reads kernel log lines on stdin, prints those that match, and
# succeeds when there is one.
splats() {
	grep -E "$SPLAT_RE"
}

# The start of a kernel report's headline, as it begins a line: on the
# console a kernel line can come without its timestamp (a continuation,
# a message printed before the clock, a line broken by other output),
# while the console also carries what the programs print, where "BUG:"
# or "WARNING:" may be a word of their own.
HEADLINE_RE='^(BUG: |kernel BUG at |WARNING: CPU: |WARNING: (possible|inconsistent|suspicious) |KASAN: |UBSAN: |Oops: |general protection fault|Kernel panic - |unreferenced object 0x|INFO: task .* blocked for more than|rcu: INFO: |watchdog: BUG: |Watchdog detected hard LOCKUP|refcount_t: |list_(add|del) corruption|Out of memory: |ODEBUG: |Call Trace:)'

# console_kernel_lines FILE: the lines of a VM's console that are the
# kernel's: those with a timestamp, and those without one that begin as
# a report does (HEADLINE_RE)
console_kernel_lines() {
	[ -f "$1" ] || return 0
	grep -E '^\[ *[0-9]+\.[0-9]+\]' "$1" || true
	grep -vE '^\[ *[0-9]+\.[0-9]+\]' "$1" | grep -E "$HEADLINE_RE" || true
}

# The project's kernel tests that left the series' selftests (tests/kernel/:
# timing, fault injection, races, resend, abort, stress), installed beside
# the fuse kselftests as a collection of their own, so that the runner runs
# them in the same boot and the judge judges them as it judges the
# kselftests (build-selftests.sh). STRESS_PROG is the program whose stress
# case prints "# stress_seconds: N" (FUSE_CLOSE_ALL_STRESS_SECONDS).
KTESTS_DIR=$TOP/tests/kernel
KTESTS_COLLECTION=fuse-close-all
KTESTS_PROGS=(backing_close_all_extra_test)
# on the io-uring series' ring server: 7.3 only (tests/kernel/Makefile)
[ "$BASE" != 7.3 ] || KTESTS_PROGS+=(uring_takeover_extra_test)
STRESS_PROG=backing_close_all_extra_test

# The one line of expected-cases/PROGRAM (expected-cases.sh) for a
# program that is not a kselftest_harness program: it has no -l to list
# its cases, and the judge takes them from the plan of its run.
EXPECTED_NO_LIST="# no case list: not a kselftest_harness program (no -l); the judge trusts the plan of its run"

# The last line guest-test.sh prints, on its output and into the kernel
# log: the judge wants it in both, or the log is not whole.
GUEST_END="guest-test.sh: end of the run"

# Result lines "pass|fail|skip|note NAME" in the file $RESULTS (test-all.sh,
# test-base.sh), each NAME after $RESULT_PREFIX.
record() {
	echo "$1 ${RESULT_PREFIX:-}$2" >>"$RESULTS"
}

# check NAME CMD...: one result line for the command's exit status; the
# command's output goes to a log in $LOG_DIR
check() {
	local name=$1
	shift
	if step "${RESULT_PREFIX:-}$name" "$LOG_DIR/${name//[^a-zA-Z0-9]/-}.log" "$@"; then
		record pass "$name"
	else
		record fail "$name"
		return 1
	fi
}

# run_merged NAME FILE CMD...: run a command that writes its own result
# lines to FILE and add them; a command that fails without saying why in
# FILE (or writes none) is a failure of its own
run_merged() {
	local name=$1 file=$2 rc=0
	shift 2
	rm -f "$file"
	"$@" || rc=$?
	[ -f "$file" ] && sed -E "s/^(pass|fail|skip|note) /\1 ${RESULT_PREFIX:-}/" "$file" >>"$RESULTS"
	if [ ! -s "$file" ]; then
		record fail "$name: no results (exit status $rc)"
	elif [ "$rc" -ne 0 ] && ! grep -q '^fail ' "$file"; then
		record fail "$name: exit status $rc, no failure in its results"
	fi
}

# count_results FILE: "N passed, N failed, N skipped" of the
# "pass|fail|skip NAME" lines in FILE ("note NAME" lines are not results)
count_results() {
	awk '$1 == "pass" { p++ } $1 == "fail" { f++ } $1 == "skip" { s++ }
		END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$1"
}

# read_series FILE: the patch names a series file lists, one per line
read_series() {
	[ -f "$1" ] || die "no $1"
	grep -v -e '^#' -e '^[[:space:]]*$' "$1" || true
}

# clone_base DEST: a git tree of the base at DEST that shares its objects
# with the base repository, checked out at the base revision
clone_base() {
	local dest=$1 repo rev
	repo=$(base_repo)
	rev=$(base_rev)
	if [ ! -e "$dest/.git" ]; then
		need_disk "$(dirname "$dest")" 3
		say "cloning the base into $dest"
		git clone -q --shared --no-checkout "$repo" "$dest"
	fi
	git -C "$dest" am --abort >/dev/null 2>&1 || true
	git -C "$dest" fetch -q "$repo" "$rev" 2>/dev/null || true
	git -C "$dest" checkout -q -f --detach "$rev"
}

# install_headers TREE DEST: the uapi headers of TREE in DEST/include
install_headers() {
	make -s -C "$1" O="$2-build" INSTALL_HDR_PATH="$2" headers_install
}

# ident_email "Name <email>": the email
ident_email() {
	local e=${1##*<}
	echo "${e%>}"
}
