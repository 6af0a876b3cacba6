# The front door: each target is a verb, each recipe one script.
# Settings (KDIR, CACHE_DIR, WORK_DIR, BUILD_DIR, JOBS, TEST_TIMEOUT, ...)
# are read from the environment; see scripts/lib.sh.

S := scripts

.PHONY: help deps base tree export kernel kernel-unpatched selftests vmtest vmtest-unpatched run check test \
	bench bench-takeover mutants judge-test judge-mutants scripts-test lint clean \
	libfuse-base libfuse-tree libfuse-export libfuse-check libfuse-build libfuse-unit libfuse-vmtest \
	libfuse-test libfuse-judge-test libfuse-mutants

help:
	@echo "make run        build what is missing, boot the patched kernel, run the crash-recovery walkthrough"
	@echo "make test       everything CI runs: deps, tree, checks, kernel, selftests, VM tests"
	@echo "make deps       install the host packages and virtme-ng"
	@echo "make base       get Linux 7.3 (Debian linux-source-7.3, or KDIR)"
	@echo "make tree       work tree = base + git am patches/ (in work/linux)"
	@echo "make export     regenerate patches/ from the work tree's commits"
	@echo "make kernel     build the debug test kernel"
	@echo "make selftests  build the fuse kselftests against the work tree's headers"
	@echo "make vmtest     run the fuse kselftests in the VM and judge the guest log"
	@echo "make kernel-unpatched  the test kernel without the series (the base alone)"
	@echo "make vmtest-unpatched  the fuse kselftests on that kernel, judged for it"
	@echo "make check      the upstream gate: git am, checkpatch, builds, sparse, docs"
	@echo "make bench      the benchmarks (not part of make test): CLOSE_ALL, then the takeover"
	@echo "make bench-takeover  only the takeover of the libfuse example: outage against N, floors, reads, upgrade"
	@echo "make mutants    mutation testing: every mutant in mutants/ must fail the selftests"
	@echo "make judge-test the judge's own test (canned runs, no VM)"
	@echo "make judge-mutants  take out each check of the judge in turn: judge-test must fail"
	@echo "make scripts-test   the exit statuses of the scripts, with stubbed steps (no VM)"
	@echo "make libfuse-*  the libfuse series (libfuse/), see below; BASE=libfuse make tree/export also work"
	@echo "  libfuse-tree    work tree = libfuse (libfuse/base) + git am libfuse/ (in work/libfuse/libfuse)"
	@echo "  libfuse-export  regenerate libfuse/ from its work tree's commits"
	@echo "  libfuse-check   its gate: git am, checkpatch, codespell, gcc and clang -Werror builds of every prefix"
	@echo "  libfuse-unit    the series' unit tests (test/cases/unit/), on the host"
	@echo "  libfuse-vmtest  build it, boot the 7.3 test kernel, run libfuse's runner on its cases, judge"
	@echo "  libfuse-test    all of the libfuse part of make test"
	@echo "  libfuse-mutants mutation testing: every mutant in mutants/libfuse/ must fail its case"

deps:
	$(S)/deps.sh

base:
	$(S)/get-base.sh

tree: base
	$(S)/mk-tree.sh

export:
	$(S)/export.sh

kernel:
	$(S)/build-kernel.sh

selftests:
	$(S)/build-selftests.sh

vmtest:
	$(S)/vmtest.sh

kernel-unpatched:
	$(S)/build-unpatched.sh

vmtest-unpatched:
	$(S)/vmtest.sh --unpatched

run:
	$(S)/run.sh

check:
	$(S)/check.sh

lint:
	$(S)/lint.sh

test:
	$(S)/test-all.sh

# both run even if the first misses a target; make fails if either does
bench:
	$(S)/bench.sh; a=$$?; $(S)/bench-takeover.sh && exit $$a

bench-takeover:
	$(S)/bench-takeover.sh

mutants:
	$(S)/mutants.sh

judge-test:
	$(S)/test-judge.sh

judge-mutants:
	$(S)/judge-mutants.sh

scripts-test:
	$(S)/test-scripts.sh

# The libfuse series: the same verbs with BASE=libfuse (scripts/lib.sh)
LF := env BASE=libfuse

libfuse-base:
	$(LF) $(S)/get-base.sh

libfuse-tree: libfuse-base
	$(LF) $(S)/mk-tree.sh

libfuse-export:
	$(LF) $(S)/export.sh

libfuse-check:
	$(S)/check-libfuse.sh

libfuse-build:
	$(S)/build-libfuse.sh

libfuse-unit: libfuse-build
	$(S)/libfuse-unit.sh

libfuse-vmtest: libfuse-build
	$(S)/libfuse-vmtest.sh

libfuse-test:
	$(S)/test-libfuse.sh work/libfuse/logs/results

libfuse-mutants:
	$(S)/mutants-libfuse.sh

libfuse-judge-test:
	$(S)/test-judge-libfuse.sh

clean:
	rm -rf work
