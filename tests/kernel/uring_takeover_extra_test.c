// SPDX-License-Identifier: GPL-2.0
/*
 * fuse-over-io-uring takeover under load: the project's test beyond the
 * io-uring series' selftest (uring_resend_test), on the series' raw ring
 * server (uring_server.h).
 *
 * Clients look names up without a pause while the ring server is killed
 * again and again, each time followed by a successor on the same
 * /dev/fuse fd that asks for FUSE_NOTIFY_RESEND and registers its own
 * entries (in turn in this order and in the other), and the test asks
 * for a resend while each server serves. Every lookup must end with the server's ENOENT, none with
 * another error, none hang: a request on its way to an entry of a dying
 * server goes back to its queue (the series' patch 3; before it, the
 * caller got ECANCELED), one in such an entry is resent (patch 4), one
 * that came while no server was there goes to the successor's entries
 * (patch 2). It SKIPs as the selftest does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "filesystems/fuse/uring_server.h"
#include "kselftest_harness.h"

#define CLIENTS		4
#define KILLS		15

/* What the clients share with the test */
struct load {
	int stop;
	unsigned long done[CLIENTS];
};

static unsigned long load_done(struct load *l)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < CLIENTS; i++)
		sum += __atomic_load_n(&l->done[i], __ATOMIC_RELAXED);
	return sum;
}

/*
 * Client i: looks its name up until told to stop; exits 0, or with the
 * errno of a lookup that did not end with ENOENT (100: it succeeded)
 */
static pid_t client_start(struct pt_env *e, struct load *l, int i)
{
	char path[PATH_MAX];
	struct stat sb;
	pid_t pid = pt_fork();

	if (pid)
		return pid;
	/* not the last /dev/fuse fd: the teardown's close aborts the rest */
	close(e->dev);
	snprintf(path, sizeof(path), "%s/c%d", e->mnt, i);
	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
		if (!stat(path, &sb))
			_exit(100);
		if (errno != ENOENT)
			_exit(errno);
		__atomic_add_fetch(&l->done[i], 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

/* Wait up to ms for every client to have done more than n[i] lookups */
static bool load_beyond(struct load *l, const unsigned long *n, int ms)
{
	int i;

	for (;; ms -= 5) {
		for (i = 0; i < CLIENTS; i++)
			if (__atomic_load_n(&l->done[i], __ATOMIC_RELAXED) <= n[i])
				break;
		if (i == CLIENTS)
			return true;
		if (ms <= 0)
			return false;
		usleep(5000);
	}
}


/*
 * The number of clients that ended before they were told to stop (a
 * lookup failed), each logged with how; 0 while all run
 */
static int clients_ended(struct __test_metadata *const _metadata,
			 pid_t *client)
{
	int i, status, n = 0;

	for (i = 0; i < CLIENTS; i++) {
		if (!client[i] || waitpid(client[i], &status, WNOHANG) != client[i])
			continue;
		client[i] = 0;
		n++;
		if (WIFEXITED(status))
			TH_LOG("client %d: a lookup ended with %s", i,
			       strerror(WEXITSTATUS(status)));
		else
			TH_LOG("client %d: killed by signal %d", i,
			       WTERMSIG(status));
	}
	return n;
}

FIXTURE(uring_load) {
	struct pt_env e;
	struct ur_seen *seen;
	struct load *load;
	pid_t client[CLIENTS];
};

FIXTURE_SETUP(uring_load)
{
	const char *why;
	int err;

	memset(self->client, 0, sizeof(self->client));
	why = ur_prepare(&self->e, &err);
	ASSERT_EQ(0, err) {
		TH_LOG("setup: %s", strerror(-err));
	}
	if (why)
		SKIP(return, "%s", why);
	self->seen = mmap(NULL, sizeof(*self->seen), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	self->load = mmap(NULL, sizeof(*self->load), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->seen);
	ASSERT_NE(MAP_FAILED, self->load);
	memset(self->seen, 0, sizeof(*self->seen));
	memset(self->load, 0, sizeof(*self->load));
}

FIXTURE_TEARDOWN(uring_load)
{
	int i;

	/* the last /dev/fuse fd closed aborts what still waits */
	EXPECT_EQ(0, pt_server_stop(self->e.server));
	if (self->e.dev >= 0)
		close(self->e.dev);
	for (i = 0; i < CLIENTS; i++)
		EXPECT_EQ(0, pt_server_stop(self->client[i]));
}

/*
 * KILLS times, a random 20 to 120 ms into the load: ask for a resend
 * while the server serves (its entries are its own: it must serve on),
 * SIGKILL it, start a successor, and wait until each client had a lookup
 * answered since the kill. Then every client must end with no lookup
 * failed.
 */
TEST_F_TIMEOUT(uring_load, kills_lose_nothing, 240)
{
	struct pt_env *e = &self->e;
	unsigned int seed = time(NULL);
	unsigned long before[CLIENTS] = {};
	int i, k, status;
	bool answered;

	TH_LOG("seed %u", seed);
	e->server = ur_server_start(e, self->seen, 1, -1);
	ASSERT_LT(0, e->server);
	for (i = 0; i < CLIENTS; i++) {
		self->client[i] = client_start(e, self->load, i);
		ASSERT_LT(0, self->client[i]);
	}
	ASSERT_TRUE(load_beyond(self->load, before, UR_WAIT_MS)) {
		TH_LOG("the first ring server answers no lookup");
	}
	for (k = 0; k < KILLS; k++) {
		usleep((20 + rand_r(&seed) % 100) * 1000);
		ASSERT_EQ(0, ur_resend(e->dev));
		usleep(rand_r(&seed) % 20 * 1000);
		ASSERT_EQ(0, pt_server_stop(e->server));
		/* what the dead server answered does not count */
		for (i = 0; i < CLIENTS; i++)
			before[i] = __atomic_load_n(&self->load->done[i],
						    __ATOMIC_RELAXED);
		/* every other one registers its entries before the resend */
		e->server = ur_server_start(e, self->seen, 2 + k % 2, -1);
		ASSERT_LT(0, e->server);
		answered = load_beyond(self->load, before, UR_WAIT_MS);
		ASSERT_EQ(0, clients_ended(_metadata, self->client)) {
			TH_LOG("takeover %d: lookups failed", k + 1);
		}
		ASSERT_TRUE(answered) {
			TH_LOG("takeover %d: no lookup answered since (%lu in all)",
			       k + 1, load_done(self->load));
		}
	}
	__atomic_store_n(&self->load->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < CLIENTS; i++) {
		ASSERT_EQ(0, pt_wait(self->client[i], &status, UR_WAIT_MS)) {
			TH_LOG("client %d hangs in a lookup", i);
		}
		self->client[i] = 0;
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
			TH_LOG("client %d: a lookup ended with %s", i,
			       WIFEXITED(status) ? strerror(WEXITSTATUS(status)) :
			       "a signal");
		}
	}
	TH_LOG("%d takeovers, %lu lookups", KILLS, load_done(self->load));
}

TEST_HARNESS_MAIN
