// SPDX-License-Identifier: GPL-2.0
/*
 * A kselftest_harness program of no use but its list (test-judge.sh):
 * names longer than the columns of "-l", more variants than tests, more
 * tests than variants, a fixture without tests, TEST()s of the global
 * fixture. synth_test.l is what "synth_test -l" printed, synth_test.cases
 * the names of the "ok" lines of its run, built against the 7.3 work
 * tree's selftests (harness and headers):
 *
 *   gcc -isystem HEADERS/include -I work/linux/tools/testing/selftests \
 *       -o synth_test synth_test.c
 *   ./synth_test -l 2>synth_test.l
 *   ./synth_test 2>&1 | sed -nE 's/^ok [0-9]+ //p' >synth_test.cases
 */
#include "kselftest_harness.h"

FIXTURE(a_fixture_name_longer_than_twenty) { int x; };
FIXTURE_VARIANT(a_fixture_name_longer_than_twenty) { int y; };
FIXTURE_VARIANT_ADD(a_fixture_name_longer_than_twenty, a_variant_name_longer_than_25) { .y = 1 };
FIXTURE_VARIANT_ADD(a_fixture_name_longer_than_twenty, v2) { .y = 2 };
FIXTURE_VARIANT_ADD(a_fixture_name_longer_than_twenty, v3) { .y = 3 };
FIXTURE_SETUP(a_fixture_name_longer_than_twenty) { }
FIXTURE_TEARDOWN(a_fixture_name_longer_than_twenty) { }
TEST_F(a_fixture_name_longer_than_twenty, t1) { }
TEST_F(a_fixture_name_longer_than_twenty, t2) { }

FIXTURE(few_variants) { int x; };
FIXTURE_VARIANT(few_variants) { int y; };
FIXTURE_VARIANT_ADD(few_variants, only) { .y = 1 };
FIXTURE_SETUP(few_variants) { }
FIXTURE_TEARDOWN(few_variants) { }
TEST_F(few_variants, first) { }
TEST_F(few_variants, second_test_name) { }
TEST_F(few_variants, third) { }

FIXTURE(no_tests) { int x; };
FIXTURE_VARIANT(no_tests) { int y; };
FIXTURE_VARIANT_ADD(no_tests, va) { .y = 1 };
FIXTURE_VARIANT_ADD(no_tests, vb) { .y = 2 };
FIXTURE_SETUP(no_tests) { }
FIXTURE_TEARDOWN(no_tests) { }

TEST(plain_global) { }
TEST(another_global) { }

TEST_HARNESS_MAIN
