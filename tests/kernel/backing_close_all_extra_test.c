// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE passthrough backing ids and FUSE_DEV_IOC_BACKING_CLOSE_ALL: the
 * project's tests beyond the series' selftest.
 *
 * The series' backing_close_all_test keeps what a maintainer runs: the
 * main cases of the ioctl's errno matrix and count, and a takeover. These
 * are the rest, on the full raw server of passthrough_server.h here:
 * passthrough on its own, the rest of the errno matrix and the probe for
 * the ioctl, a connection that never registered an id (timing and the
 * first-open race), what survives the call and the same-inode rule on
 * their own, stale ids, released backing files, ENOMEM at each
 * fault-injection point, a crash with an OPEN in flight and
 * FUSE_NOTIFY_RESEND, also on a cloned fd, concurrent calls, abort, two
 * connections and a stress test. They are built against the work
 * tree's uapi headers and kselftest_harness.h (tests/kernel/Makefile) and
 * run as a kselftest collection of their own, in the same boot.
 *
 * The "passthrough" tests need only FUSE passthrough; the others SKIP on
 * kernels without the ioctl. All need root. A test SKIPs only when the
 * machine cannot run it: not root, no /dev/fuse, no FUSE passthrough, no
 * FUSE_DEV_IOC_BACKING_CLOSE_ALL, or what the test itself names (one CPU,
 * no fault injection, ...). Anything else that goes wrong fails.
 *
 * The harness forks a process for each test, which forks again to run the
 * fixture setup, the test and its teardown. That process starts the
 * servers and helpers, from its main thread, with pt_fork(): they die with
 * it, also when the setup fails and the teardown never runs. Every wait
 * for them is bounded and reports how they ended. Assertions are made in
 * that main thread only; threads and children report through return
 * values and exit statuses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/membarrier.h>

#include "passthrough_server.h"
#include "kselftest_harness.h"

#define NFILES		4
#define FILE_SIZE	(64 * 1024)
#define PAGE		4096
/*
 * A test takes a few seconds on a debug kernel (KASAN, lockdep) under
 * software emulation, the stress test its FUSE_CLOSE_ALL_STRESS_SECONDS
 * more. The timeout in "settings" here covers the sum of the tests'
 * timeouts (21 * 30 s + 90 s), and three minutes to spare.
 */
#define TIMEOUT		30
/* Any single wait for the kernel, a server or a helper */
#define WAIT_MS		10000

#define FUSECTL_DIR	"/sys/fs/fuse/connections"
#define FUSECTL_MAGIC	0x65735543

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : n < 0 ? n : -EIO;
}

/* The fuse connection number of a mount, from mountinfo: no fs access. */
static int fuse_conn_of(const char *mnt)
{
	unsigned int major, minor;
	char line[1024], point[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int conn = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &major, &minor, point) == 3 &&
		    major == 0 && !strcmp(point, mnt))
			conn = minor;
	}
	fclose(f);
	return conn;
}

/* Abort the connection of a fuse mount through fusectl: 0 or -errno. */
static int fusectl_abort(const char *mnt)
{
	int conn = fuse_conn_of(mnt);
	char path[PATH_MAX];

	if (conn < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), FUSECTL_DIR "/%d/abort", conn);
	return write_str(path, "1");
}

/*
 * Whole-buffer I/O. A short transfer is a failure like an error, and so
 * is data that differs from what was written: each prints what happened
 * (from any thread) and returns -errno, -EIO (short) or -EILSEQ (data).
 */
static int io_failed(const char *what, const char *op, ssize_t n,
		     size_t len, off_t off)
{
	int err = n < 0 ? errno : EIO;

	if (n < 0)
		ksft_print_msg("%s: %s of %zu bytes at %lld: %s\n", what, op,
			       len, (long long)off, strerror(err));
	else
		ksft_print_msg("%s: %s of %zu bytes at %lld: %zd bytes\n", what,
			       op, len, (long long)off, n);
	return -err;
}

static int same_bytes(const char *what, const unsigned char *got,
		      const unsigned char *want, size_t len, off_t off)
{
	size_t k;

	for (k = 0; k < len; k++) {
		if (got[k] != want[k]) {
			ksft_print_msg("%s: byte %lld is 0x%02x, not 0x%02x\n",
				       what, (long long)(off + k), got[k], want[k]);
			return -EILSEQ;
		}
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len, off_t off,
		      const char *what)
{
	ssize_t n = off < 0 ? write(fd, buf, len) : pwrite(fd, buf, len, off);

	return n == (ssize_t)len ? 0 : io_failed(what, "write", n, len, off);
}

/* Read len (at most PAGE) bytes at off (-1: a pipe): they must be want's. */
static int read_expect(int fd, const void *want, size_t len, off_t off,
		       const char *what)
{
	unsigned char buf[PAGE];
	ssize_t n = off < 0 ? read(fd, buf, len) : pread(fd, buf, len, off);

	if (n != (ssize_t)len)
		return io_failed(what, "read", n, len, off);
	return same_bytes(what, buf, want, len, off);
}

/* Read a whole file of FILE_SIZE bytes: exactly that many, then EOF. */
static int read_file(int fd, unsigned char *buf, const char *what)
{
	ssize_t n = pread(fd, buf, FILE_SIZE, 0);

	if (n != FILE_SIZE)
		return io_failed(what, "pread", n, FILE_SIZE, 0);
	n = pread(fd, buf + FILE_SIZE, 1, FILE_SIZE);
	if (n != 0)
		return io_failed(what, "pread at EOF", n, 1, FILE_SIZE);
	return 0;
}

/* Fill buf with page pg of the data "file number" i is made with. */
static void fill_pattern(unsigned char *buf, int i, int pg)
{
	size_t k;

	for (k = 0; k < PAGE; k++)
		buf[k] = pt_pattern(i, pg * PAGE + k);
}

static const char *const skip_no_passthrough = "no FUSE passthrough in this kernel";

/*
 * What a test needs, in the order it is brought up. Each step that can
 * show that the kernel lacks something comes before any step that would
 * fail for that reason.
 */
enum {
	ENV_CLOSE_ALL	= 1 << 4,	/* needs FUSE_DEV_IOC_BACKING_CLOSE_ALL */
	ENV_MOUNT	= 1 << 0,	/* namespace, backing files, mount, INIT read */
	ENV_INIT	= 1 << 1,	/* FUSE_INIT answered */
	ENV_NO_PT	= 1 << 5,	/* ... without FUSE_PASSTHROUGH */
	ENV_SERVER	= 1 << 2,	/* a server answers requests */
	ENV_REGISTER	= 1 << 3,	/* the NFILES backing files have ids */
};

#define ENV_SERVING	(ENV_MOUNT | ENV_INIT | ENV_SERVER)
#define ENV_ALL		(ENV_CLOSE_ALL | ENV_SERVING | ENV_REGISTER)

/*
 * Set up e as flags say. Returns false after SKIP; a failure ends the
 * test (ASSERT). The first FUSE_INIT is read here, not by the server, so
 * that what the kernel offers is known before anything depends on it.
 */
static bool env_setup(struct __test_metadata *const _metadata,
		      struct pt_env *e, unsigned int flags)
{
	struct statfs sfs;
	int fd, ret, i;

	e->dev = -1;
	e->server = 0;
	e->st = NULL;
	if (geteuid())
		SKIP(return false, "needs root");
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		SKIP(return false, "no /dev/fuse");
	ASSERT_LE(0, fd) {
		TH_LOG("open /dev/fuse: %s", strerror(errno));
	}
	if (flags & ENV_CLOSE_ALL) {
		/* a kernel with the ioctl refuses it on an fd never mounted */
		ret = pt_close_all(fd);
		if (ret == -ENOTTY) {
			close(fd);
			SKIP(return false, "kernel without FUSE_DEV_IOC_BACKING_CLOSE_ALL");
		}
		ASSERT_EQ(-EPERM, ret);
	}
	if (!(flags & ENV_MOUNT)) {
		close(fd);
		return true;
	}
	ret = pt_env_prepare(e, NFILES, FILE_SIZE);
	ASSERT_EQ(0, ret) {
		TH_LOG("namespace, tmpfs and backing files: %s", strerror(-ret));
	}
	e->dev = fd;
	/* fusectl in this namespace, for aborting connections */
	if (statfs(FUSECTL_DIR, &sfs) || sfs.f_type != FUSECTL_MAGIC)
		mount("fusectl", FUSECTL_DIR, "fusectl", 0, NULL);

	e->st->passthrough = !(flags & ENV_NO_PT);
	ret = pt_mount(e->dev, e->mnt);
	ASSERT_EQ(0, ret) {
		TH_LOG("mount fuse: %s", strerror(-ret));
	}
	ret = pt_init(e->dev, e->st, flags & ENV_INIT, WAIT_MS);
	ASSERT_EQ(0, ret) {
		TH_LOG("FUSE_INIT: %s", strerror(-ret));
	}
	if (!(e->st->kernel_flags & FUSE_PASSTHROUGH))
		SKIP(return false, "%s", skip_no_passthrough);
	ASSERT_EQ(0UL, pt_errors(e->st));

	if (flags & ENV_SERVER) {
		e->server = pt_server_start(e->dev, e->st);
		ASSERT_LT(0, e->server);
	}
	for (i = 0; (flags & ENV_REGISTER) && i < NFILES; i++) {
		ret = pt_backing_open_path(e->dev, e->st, i);
		if (i == 0 && (ret == -EOPNOTSUPP || ret == -ENOTTY))
			SKIP(return false, "%s", skip_no_passthrough);
		ASSERT_LT(0, ret) {
			TH_LOG("FUSE_DEV_IOC_BACKING_OPEN of f%d: %s", i, strerror(-ret));
		}
		pt_set_id(e->st, i, ret);
	}
	return true;
}

/* SIGKILL a helper and reap it, if it is still there. */
static void kill_child(pid_t *pid)
{
	int status;

	if (*pid > 0) {
		kill(*pid, SIGKILL);
		pt_wait_child(*pid, &status, WAIT_MS);
	}
	*pid = 0;
}

/*
 * The checks here log only what failed: after an ASSERT in the test the
 * harness runs the teardown with its failure flag set, and an EXPECT's
 * handler block would run even when the expectation holds.
 */
static void env_teardown(struct __test_metadata *const _metadata,
			 struct pt_env *e)
{
	unsigned long errors = e->st ? pt_errors(e->st) : 0;
	char buf[64];
	int ret, status;

	/* what the server saw until now: after the abort replies fail */
	if (errors)
		TH_LOG("server: %lu errors, first: %s: %s (opcode %u)", errors,
		       e->st->first_error_what, strerror(e->st->first_error),
		       e->st->first_error_opcode);
	EXPECT_EQ(0UL, errors);
	/* nobody waits for a reply forever, also when a test failed half-way */
	if (e->dev >= 0)
		fusectl_abort(e->mnt);
	ret = pt_server_stop(e->server, &status);
	if (ret)
		TH_LOG("server pid %d: %s", e->server, ret == -ECHILD ?
		       pt_status_str(status, buf, sizeof(buf)) : strerror(-ret));
	EXPECT_EQ(0, ret);
	e->server = 0;
	if (e->dev >= 0)
		close(e->dev);
	e->dev = -1;
	/* the mount namespace, and with it every mount, dies with us */
}

static int open_fuse(struct pt_env *e, int i, int flags)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/f%d", e->mnt, i);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * The file read through fd is backing file i, byte for byte and length
 * for length. Passthrough reads do not go through the fuse inode's page
 * cache: what fd reads comes from the backing file its backing id held.
 */
static int same_as_backing(struct pt_env *e, int i, int fd)
{
	unsigned char got[FILE_SIZE + 1], want[FILE_SIZE + 1];
	char path[PATH_MAX], what[32];
	int bfd, ret;

	pt_backing_path(e->st, i, path, sizeof(path));
	bfd = open(path, O_RDONLY | O_CLOEXEC);
	if (bfd < 0)
		return -errno;
	ret = read_file(bfd, want, path);
	close(bfd);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "f%d through fuse", i);
	ret = read_file(fd, got, what);
	return ret ?: same_bytes(what, got, want, FILE_SIZE, 0);
}

/*
 * Exercise an open passthrough file: write, read back, mmap and splice.
 * Each write stores the pattern that pt_pattern() gives for some other
 * "file number" so that stale data cannot pass. Every transfer must move
 * the whole buffer and read back what was written. Returns 0 or -errno.
 */
static int exercise(struct pt_env *e, int i, int fd, int round)
{
	unsigned char wbuf[PAGE], flip[1];
	char what[32];
	int pipefd[2], ret = 0;
	unsigned char *map;
	loff_t off;
	ssize_t n;

	snprintf(what, sizeof(what), "f%d round %d", i, round);
	fill_pattern(wbuf, 100 + round, 1);
	ret = write_full(fd, wbuf, PAGE, PAGE, what);
	ret = ret ?: read_expect(fd, wbuf, PAGE, PAGE, what);
	if (ret)
		return ret;

	map = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	ret = same_bytes(what, map + PAGE, wbuf, PAGE, PAGE);
	flip[0] = wbuf[0] ^ 0xff;
	map[2 * PAGE] = flip[0];
	if (msync(map, FILE_SIZE, MS_SYNC) && !ret)
		ret = -errno;
	munmap(map, FILE_SIZE);
	ret = ret ?: read_expect(fd, flip, 1, 2 * PAGE, what);
	if (ret)
		return ret;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	off = PAGE;
	n = splice(fd, &off, pipefd[1], NULL, PAGE, 0);
	if (n != PAGE)
		ret = io_failed(what, "splice from the file", n, PAGE, PAGE);
	ret = ret ?: read_expect(pipefd[0], wbuf, PAGE, -1, what);
	if (!ret) {
		off = 3 * PAGE;
		ret = write_full(pipefd[1], wbuf, PAGE, -1, what);
		n = ret ? 0 : splice(pipefd[0], NULL, fd, &off, PAGE, 0);
		if (!ret && n != PAGE)
			ret = io_failed(what, "splice to the file", n, PAGE, 3 * PAGE);
		ret = ret ?: read_expect(fd, wbuf, PAGE, 3 * PAGE, what);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	if (ret)
		return ret;
	if (pt_unexpected(e->st)) {
		ksft_print_msg("%s: READ or WRITE reached the server\n", what);
		return -EREMOTEIO;
	}
	return same_as_backing(e, i, fd);
}

/* ------------------------------------------------------------------ */
/* Passthrough basics: run on any kernel with FUSE passthrough.        */

FIXTURE(passthrough) {
	struct pt_env e;
};

FIXTURE_SETUP(passthrough)
{
	env_setup(_metadata, &self->e, ENV_SERVING | ENV_REGISTER);
}

FIXTURE_TEARDOWN(passthrough)
{
	env_teardown(_metadata, &self->e);
}

TEST_F_TIMEOUT(passthrough, read_write_mmap_splice, TIMEOUT)
{
	int fd = open_fuse(&self->e, 0, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, exercise(&self->e, 0, fd, 0));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0UL, pt_unexpected(self->e.st));
}

/* BACKING_CLOSE drops the id, not the files that use it. */
TEST_F_TIMEOUT(passthrough, backing_close_keeps_open_files, TIMEOUT)
{
	int id = pt_get_id(self->e.st, 1);
	int fd = open_fuse(&self->e, 1, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pt_backing_close(self->e.dev, id));
	EXPECT_EQ(-ENOENT, pt_backing_close(self->e.dev, id));
	EXPECT_EQ(0, exercise(&self->e, 1, fd, 1));
	EXPECT_EQ(0, close(fd));
	/* an open reply with the closed id fails the open */
	EXPECT_EQ(-EIO, open_fuse(&self->e, 1, O_RDONLY));
}

/*
 * Nothing was closed: each of the ids still holds the backing file it
 * was registered for. The server answers a fresh open of f<i> with
 * ids[i], and the open must read f<i>'s backing file: an id that was
 * closed fails the open, one that maps another file reads other data.
 */
static int ids_intact(struct pt_env *e, const int *ids)
{
	int i, fd, ret;

	for (i = 0; i < NFILES; i++) {
		pt_set_id(e->st, i, ids[i]);
		fd = open_fuse(e, i, O_RDONLY);
		if (fd < 0) {
			ksft_print_msg("open of f%d through id %d: %s\n", i,
				       ids[i], strerror(-fd));
			return fd;
		}
		ret = same_as_backing(e, i, fd);
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
}

/* None of the n ids is registered on dev any more. */
static int ids_gone(int dev, const int *ids, int n)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = pt_backing_close(dev, ids[i]);
		if (ret != -ENOENT) {
			ksft_print_msg("id %d is still registered\n", ids[i]);
			return ret ?: -EEXIST;
		}
	}
	return 0;
}

static void server_ids(struct pt_env *e, int *ids)
{
	int i;

	for (i = 0; i < NFILES; i++)
		ids[i] = pt_get_id(e->st, i);
}

/* umount2() of the backing tmpfs, retried briefly for deferred fputs. */
static int umount_backing(struct pt_env *e, int tries)
{
	while (umount2(e->backing, 0)) {
		if (errno != EBUSY || --tries <= 0)
			return -errno;
		usleep(20 * 1000);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The rest of the errno matrix, and how to probe for the ioctl.      */

enum xe_state {
	XE_PROBE,		/* a fresh fd beside a connection with ids */
	XE_BEFORE_INIT,		/* mounted, INIT not answered yet */
	XE_NO_PASSTHROUGH,	/* the server did not negotiate passthrough */
	XE_ALL_CLOSED,		/* every id closed with BACKING_CLOSE */
	XE_CLONE,		/* through a FUSE_DEV_IOC_CLONE'd fd */
};

FIXTURE(errno_more) {
	struct pt_env e;
};

FIXTURE_VARIANT(errno_more) {
	enum xe_state state;
	unsigned int env;
	int expected;		/* ids closed, or -errno */
};

FIXTURE_VARIANT_ADD(errno_more, probe_fresh_fd) {
	.state = XE_PROBE, .env = ENV_ALL, .expected = -EPERM,
};

FIXTURE_VARIANT_ADD(errno_more, before_init_reply) {
	.state = XE_BEFORE_INIT, .env = ENV_CLOSE_ALL | ENV_MOUNT,
	.expected = -EPERM,
};

FIXTURE_VARIANT_ADD(errno_more, passthrough_not_negotiated) {
	.state = XE_NO_PASSTHROUGH,
	.env = ENV_CLOSE_ALL | ENV_SERVING | ENV_NO_PT, .expected = -EPERM,
};

FIXTURE_VARIANT_ADD(errno_more, all_closed_by_backing_close) {
	.state = XE_ALL_CLOSED, .env = ENV_ALL, .expected = 0,
};

FIXTURE_VARIANT_ADD(errno_more, cloned_fd) {
	.state = XE_CLONE, .env = ENV_ALL, .expected = NFILES,
};

FIXTURE_SETUP(errno_more)
{
	env_setup(_metadata, &self->e, variant->env);
}

FIXTURE_TEARDOWN(errno_more)
{
	env_teardown(_metadata, &self->e);
}

/* A fd of its own on the connection of dev (FUSE_DEV_IOC_CLONE). */
static int clone_dev(int dev)
{
	uint32_t master = dev;
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, FUSE_DEV_IOC_CLONE, &master)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * What the ioctl returns where the series' selftest does not look. The
 * probe: on a fresh fd, attached to no connection, the call answers
 * EPERM and closes nothing, also beside a connection with ids; on the
 * attached fd the same call closes them all.
 */
TEST_F_TIMEOUT(errno_more, ioctl, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int fd, ids[NFILES], i;

	server_ids(e, ids);
	switch (variant->state) {
	case XE_PROBE:
		fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		EXPECT_EQ(variant->expected, pt_close_all(fd));
		close(fd);
		EXPECT_EQ(0, ids_intact(e, ids));
		EXPECT_EQ(NFILES, pt_close_all(e->dev));
		EXPECT_EQ(0, ids_gone(e->dev, ids, NFILES));
		break;
	case XE_BEFORE_INIT:
	case XE_NO_PASSTHROUGH:
		EXPECT_EQ(variant->expected, pt_close_all(e->dev));
		/* registering is refused the same way */
		EXPECT_EQ(-EPERM, pt_backing_open_path(e->dev, e->st, 0));
		break;
	case XE_ALL_CLOSED:
		for (i = 0; i < NFILES; i++)
			ASSERT_EQ(0, pt_backing_close(e->dev, ids[i]));
		EXPECT_EQ(variant->expected, pt_close_all(e->dev));
		EXPECT_EQ(variant->expected, pt_close_all(e->dev));
		break;
	case XE_CLONE:
		fd = clone_dev(e->dev);
		ASSERT_LE(0, fd);
		EXPECT_EQ(variant->expected, pt_close_all(fd));
		/* the ids were the connection's, not the fd's */
		EXPECT_EQ(0, ids_gone(e->dev, ids, NFILES));
		EXPECT_EQ(0, pt_close_all(e->dev));
		close(fd);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* A connection that never registered a backing id.                    */

FIXTURE(fresh) {
	struct pt_env e;
};

FIXTURE_SETUP(fresh)
{
	env_setup(_metadata, &self->e, ENV_CLOSE_ALL | ENV_SERVING);
}

FIXTURE_TEARDOWN(fresh)
{
	env_teardown(_metadata, &self->e);
}

/* No map yet: closing an id, an open reply with an id, CLOSE_ALL. */
TEST_F_TIMEOUT(fresh, never_registered, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int fd, id;

	EXPECT_EQ(-ENOENT, pt_backing_close(e->dev, 1));
	EXPECT_EQ(-EINVAL, pt_backing_close(e->dev, 0));
	/* the server answers the open with an id that was never given out */
	pt_set_id(e->st, 0, 1);
	EXPECT_EQ(-EIO, open_fuse(e, 0, O_RDONLY));
	EXPECT_EQ(1UL, pt_requests(e->st, FUSE_OPEN));
	EXPECT_EQ(0, pt_close_all(e->dev));
	EXPECT_EQ(0, pt_close_all(e->dev));

	/* the first id after all that works */
	id = pt_backing_open_path(e->dev, e->st, 0);
	ASSERT_LT(0, id);
	pt_set_id(e->st, 0, id);
	fd = open_fuse(e, 0, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, same_as_backing(e, 0, fd));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(1, pt_close_all(e->dev));
	EXPECT_EQ(-ENOENT, pt_backing_close(e->dev, id));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

#define GP_SAMPLES	5
#define EMPTY_CALLS	50
#define EMPTY_BATCHES	3
/* 50 calls that each wait for a grace period take 50 of them */
#define EMPTY_MAX_GPS	5

/* The fastest of EMPTY_BATCHES batches of EMPTY_CALLS CLOSE_ALLs, in ns. */
static int64_t empty_batch_ns(int dev, int *bad)
{
	int64_t best = INT64_MAX, t;
	int b, i, ret;

	for (b = 0; b < EMPTY_BATCHES; b++) {
		t = now_ns();
		for (i = 0; i < EMPTY_CALLS; i++) {
			ret = pt_close_all(dev);
			if (ret)
				*bad = ret;
		}
		t = now_ns() - t;
		best = t < best ? t : best;
	}
	return best;
}

/*
 * Why a grace period cannot be told from a fast call here, or NULL. With
 * one CPU, synchronize_rcu() returns at once (and membarrier(GLOBAL) too);
 * with expedited grace periods it costs about as much as the ioctl.
 */
static const char *gp_indistinct(void)
{
	cpu_set_t cpus;
	char buf[16];

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return "one CPU online: a grace period takes no time";
	if (!sched_getaffinity(0, sizeof(cpus), &cpus) && CPU_COUNT(&cpus) < 2)
		return "one CPU allowed: a grace period takes no time";
	if (!read_str("/sys/kernel/rcu_expedited", buf, sizeof(buf)) &&
	    strcmp(buf, "0"))
		return "expedited RCU: a grace period takes almost no time";
	return NULL;
}

/*
 * CLOSE_ALL of an empty map returns at once: no new map, no grace period.
 * A grace period is timed here from userspace twice: membarrier(GLOBAL)
 * is synchronize_rcu(), and a CLOSE_ALL that closes one id waits for one.
 * EMPTY_CALLS calls of an empty map must take less than EMPTY_MAX_GPS
 * grace periods: a kernel that waits in each call takes ten times that,
 * one that does not is far below it even when each call costs a tenth of
 * a grace period. Where a grace period costs (almost) nothing, the two
 * cannot be told apart, and the test SKIPs.
 */
TEST_F_TIMEOUT(fresh, empty_map_no_grace_period, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int64_t mb[GP_SAMPLES], ca[GP_SAMPLES], gp, t_never, t_after, t_closed, t;
	int i, id, ids[NFILES], bad = 0, mb_err = 0;
	const char *why = gp_indistinct();

	if (why)
		SKIP(return, "%s", why);

	/* never registered: the map does not exist */
	t_never = empty_batch_ns(e->dev, &bad);
	EXPECT_EQ(0, bad);

	for (i = 0; i < GP_SAMPLES; i++) {
		t = now_ns();
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
			mb_err = errno;
		mb[i] = now_ns() - t;

		id = pt_backing_open_path(e->dev, e->st, 0);
		ASSERT_LT(0, id);
		t = now_ns();
		EXPECT_EQ(1, pt_close_all(e->dev));
		ca[i] = now_ns() - t;
	}
	qsort(mb, GP_SAMPLES, sizeof(mb[0]), cmp_i64);
	qsort(ca, GP_SAMPLES, sizeof(ca[0]), cmp_i64);
	gp = mb[GP_SAMPLES / 2] > ca[GP_SAMPLES / 2] ? mb[GP_SAMPLES / 2] : ca[GP_SAMPLES / 2];

	/* emptied by the last CLOSE_ALL */
	bad = 0;
	t_after = empty_batch_ns(e->dev, &bad);
	EXPECT_EQ(0, bad);

	/* emptied id by id */
	for (i = 0; i < NFILES; i++) {
		ids[i] = pt_backing_open_path(e->dev, e->st, i);
		ASSERT_LT(0, ids[i]);
	}
	for (i = 0; i < NFILES; i++)
		ASSERT_EQ(0, pt_backing_close(e->dev, ids[i]));
	bad = 0;
	t_closed = empty_batch_ns(e->dev, &bad);
	EXPECT_EQ(0, bad);

	TH_LOG("grace period: membarrier %lld us%s%s, CLOSE_ALL of one id %lld us (medians)",
	       (long long)mb[GP_SAMPLES / 2] / 1000, mb_err ? ": " : "",
	       mb_err ? strerror(mb_err) : "", (long long)ca[GP_SAMPLES / 2] / 1000);
	TH_LOG("%d CLOSE_ALLs of an empty map (us): never registered %lld, after CLOSE_ALL %lld",
	       EMPTY_CALLS, (long long)t_never / 1000, (long long)t_after / 1000);
	TH_LOG("... after BACKING_CLOSE %lld; limit %lld (%d grace periods)",
	       (long long)t_closed / 1000, (long long)gp * EMPTY_MAX_GPS / 1000,
	       EMPTY_MAX_GPS);
	EXPECT_LT(t_never, gp * EMPTY_MAX_GPS);
	EXPECT_LT(t_after, gp * EMPTY_MAX_GPS);
	EXPECT_LT(t_closed, gp * EMPTY_MAX_GPS);
}

#define RACE_THREADS	8
#define RACE_MIN_ROUNDS	8
#define RACE_MAX_ROUNDS	200
#define RACE_SECONDS	3

struct race {
	pthread_barrier_t *start;
	int dev;
	struct pt_state *st;
	int i;
	int ret;
};

static void *race_backing_open(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->start);
	r->ret = pt_backing_open_path(r->dev, r->st, r->i % NFILES);
	return NULL;
}

/* Let RACE_THREADS threads register a file each at the same moment. */
static void race_first_open(struct __test_metadata *const _metadata, int dev,
			    struct pt_state *st, int *ids)
{
	struct race r[RACE_THREADS];
	pthread_t th[RACE_THREADS];
	pthread_barrier_t start;
	int i, j;

	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, RACE_THREADS));
	for (i = 0; i < RACE_THREADS; i++) {
		r[i] = (struct race){ .start = &start, .dev = dev, .st = st, .i = i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, race_backing_open, &r[i]));
	}
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (i = 0; i < RACE_THREADS; i++) {
		ids[i] = r[i].ret;
		ASSERT_LT(0, ids[i]) {
			TH_LOG("BACKING_OPEN in thread %d: %s", i, strerror(-ids[i]));
		}
		for (j = 0; j < i; j++)
			ASSERT_NE(ids[j], ids[i]);
	}
}

/* Each id is registered: it closes exactly once. */
static void close_each_once(struct __test_metadata *const _metadata, int dev,
			    const int *ids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, pt_backing_close(dev, ids[i]));
		EXPECT_EQ(-ENOENT, pt_backing_close(dev, ids[i]));
	}
}

/*
 * The first BACKING_OPEN of a connection creates its map: threads that
 * race for it all get distinct ids that work. The fixture's connection
 * has a server, so files open through every id; more connections, with
 * no server beyond FUSE_INIT, give the race more chances (it is a race:
 * each round may or may not hit the window).
 */
TEST_F_TIMEOUT(fresh, first_backing_open_race, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int ids[RACE_THREADS], i, round, dev, fd;
	int64_t end = now_ns() + RACE_SECONDS * 1000000000LL;
	struct pt_state *st;
	char mnt[PATH_MAX];

	race_first_open(_metadata, e->dev, e->st, ids);
	for (i = 0; i < RACE_THREADS; i++) {
		pt_set_id(e->st, i % NFILES, ids[i]);
		fd = open_fuse(e, i % NFILES, O_RDONLY);
		ASSERT_LE(0, fd) {
			TH_LOG("open of f%d through id %d: %s", i % NFILES, ids[i],
			       strerror(-fd));
		}
		EXPECT_EQ(0, same_as_backing(e, i % NFILES, fd));
		EXPECT_EQ(0, close(fd));
	}
	close_each_once(_metadata, e->dev, ids, RACE_THREADS);
	EXPECT_EQ(0, pt_close_all(e->dev));

	st = pt_state_new(e->backing, NFILES);
	ASSERT_NE(NULL, st);
	for (round = 1; round < RACE_MAX_ROUNDS; round++) {
		if (round >= RACE_MIN_ROUNDS && now_ns() > end)
			break;
		snprintf(mnt, sizeof(mnt), "%s/race%d", e->dir, round);
		ASSERT_EQ(0, mkdir(mnt, 0755));
		dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, dev);
		ASSERT_EQ(0, pt_mount(dev, mnt));
		ASSERT_EQ(0, pt_init(dev, st, true, WAIT_MS));
		ASSERT_EQ(0UL, pt_errors(st));

		race_first_open(_metadata, dev, st, ids);
		close_each_once(_metadata, dev, ids, RACE_THREADS);
		EXPECT_EQ(0, pt_close_all(dev));
		/* no server: end the connection before unmounting */
		close(dev);
		ASSERT_EQ(0, umount2(mnt, MNT_DETACH));
		rmdir(mnt);
	}
	TH_LOG("%d rounds of %d threads", round, RACE_THREADS);
}

/* ------------------------------------------------------------------ */
/* FUSE_DEV_IOC_BACKING_CLOSE_ALL: semantics.                           */

struct knob {
	const char *name;
	char saved[64];
};

#define MAX_CHILDREN	2

FIXTURE(close_all) {
	struct pt_env e;
	struct pt_env e2;		/* a second connection, if a test needs one */
	pid_t child[MAX_CHILDREN];	/* helpers, killed in the teardown */
	struct knob knobs[4];		/* fault injection settings to restore */
	int nknobs;
};

FIXTURE_SETUP(close_all)
{
	int i;

	self->e2.dev = -1;
	self->e2.server = 0;
	self->e2.st = NULL;
	for (i = 0; i < MAX_CHILDREN; i++)
		self->child[i] = 0;
	self->nknobs = 0;
	env_setup(_metadata, &self->e, ENV_ALL);
}

#define FAILSLAB	"/sys/kernel/debug/failslab"

/* Put the fault injection knobs back as they were. */
static int restore_knobs(struct knob *knobs, int *n)
{
	char path[PATH_MAX];
	int ret = 0, err;

	while (*n > 0) {
		--*n;
		snprintf(path, sizeof(path), FAILSLAB "/%s", knobs[*n].name);
		err = write_str(path, knobs[*n].saved);
		ret = ret ?: err;
	}
	return ret;
}

FIXTURE_TEARDOWN(close_all)
{
	int i;

	EXPECT_EQ(0, restore_knobs(self->knobs, &self->nknobs));
	for (i = 0; i < MAX_CHILDREN; i++)
		kill_child(&self->child[i]);
	env_teardown(_metadata, &self->e2);
	env_teardown(_metadata, &self->e);
}

static bool id_in(int id, const int *ids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * Old ids are gone, stale ids fail opens, and new ids are not the closed
 * ones: the uapi promises that a closed id is not handed out again until
 * the id space (INT_MAX ids) wraps, not any order of the new ids.
 */
TEST_F_TIMEOUT(close_all, stale_ids, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int old[NFILES], ids[NFILES], i;

	server_ids(e, old);
	/* close one id by hand first: the map has a hole */
	ASSERT_EQ(0, pt_backing_close(e->dev, old[NFILES - 1]));

	ASSERT_EQ(NFILES - 1, pt_close_all(e->dev));
	EXPECT_EQ(0, ids_gone(e->dev, old, NFILES));

	/* the open reply carries a stale id */
	EXPECT_EQ(-EIO, open_fuse(e, 0, O_RDONLY));

	for (i = 0; i < NFILES; i++) {
		ids[i] = pt_backing_open_path(e->dev, e->st, i);
		ASSERT_LT(0, ids[i]);
		ASSERT_FALSE(id_in(ids[i], old, NFILES)) {
			TH_LOG("new id %d for f%d was closed a moment ago", ids[i], i);
		}
		ASSERT_FALSE(id_in(ids[i], ids, i));
	}
	EXPECT_EQ(0, ids_intact(e, ids));
	/* stale ids stay stale after new registrations */
	EXPECT_EQ(0, ids_gone(e->dev, old, NFILES));
	EXPECT_EQ(NFILES, pt_close_all(e->dev));
}

/* The backing files are really released: their tmpfs can be unmounted. */
TEST_F_TIMEOUT(close_all, releases_backing_files, TIMEOUT)
{
	struct pt_env *e = &self->e;
	char path[PATH_MAX], evbuf[4096];
	struct inotify_event *ev;
	int fd, in, wd;
	ssize_t n;

	/* watch f2, which no fuse file opens: only its id holds it */
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, in);
	pt_backing_path(e->st, 2, path, sizeof(path));
	wd = inotify_add_watch(in, path, IN_CLOSE_NOWRITE);
	ASSERT_LE(0, wd);

	fd = open_fuse(e, 0, O_RDWR);
	ASSERT_LE(0, fd);

	/* ids and the open file pin the tmpfs */
	EXPECT_EQ(-EBUSY, umount_backing(e, 1));
	EXPECT_EQ(-1, read(in, evbuf, sizeof(evbuf)));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(NFILES, pt_close_all(e->dev));

	/* the id's reference to f2 was the last one */
	n = pt_read_timeout(in, evbuf, sizeof(evbuf), WAIT_MS);
	ASSERT_LE((ssize_t)sizeof(*ev), n);
	ev = (struct inotify_event *)evbuf;
	EXPECT_EQ(wd, ev->wd);
	EXPECT_TRUE(ev->mask & IN_CLOSE_NOWRITE);

	/* the open file still pins it, and still works */
	EXPECT_EQ(-EBUSY, umount_backing(e, 1));
	EXPECT_EQ(0, exercise(e, 0, fd, 20));
	EXPECT_EQ(0, close(fd));
	close(in);

	EXPECT_EQ(0, umount_backing(e, 100));
}

/* Set the failslab knobs as given, saving each first. */
static int inject_knobs(struct knob *knobs, int *n,
			const char *const (*set)[2], int nset)
{
	char path[PATH_MAX];
	int i, ret;

	for (i = 0; i < nset; i++) {
		snprintf(path, sizeof(path), FAILSLAB "/%s", set[i][0]);
		knobs[*n].name = set[i][0];
		ret = read_str(path, knobs[*n].saved, sizeof(knobs[*n].saved));
		if (ret)
			return ret;
		++*n;
		ret = write_str(path, set[i][1]);
		if (ret)
			return ret;
	}
	return 0;
}

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define FAIL_NTH_MAX	100

/*
 * CLOSE_ALL with the nth fault-injection point that this task passes
 * failing (fail-nth): the ioctl's result, and in *hit whether the fault
 * was injected at all, or -errno of setting it up in *setup.
 */
static int close_all_nth(int dev, int nth, bool *hit, int *setup)
{
	char buf[16];
	int fd, len, ret;
	ssize_t n;

	*setup = 0;
	fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*setup = -errno;
		return 0;
	}
	len = snprintf(buf, sizeof(buf), "%d", nth);
	if (write(fd, buf, len) != len) {
		*setup = -errno;
		close(fd);
		return 0;
	}
	ret = pt_close_all(dev);
	/* what is left of the count: 0 once the fault was injected */
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (write(fd, "0", 1) != 1 || n <= 0)
		*setup = n < 0 ? -errno : -EIO;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	*hit = atoi(buf) == 0;
	return ret;
}

/*
 * A CLOSE_ALL that fails changes nothing. Each fault-injection point that
 * the ioctl passes (its own allocation, and any other) is made to fail in
 * turn, N = 1, 2, ..., until the ioctl succeeds: every ENOMEM must leave
 * every id mapping its file, and the call that succeeds closes them all.
 */
TEST_F_TIMEOUT(close_all, enomem_keeps_ids, TIMEOUT)
{
	/* fail-nth ignores the probability; no other task sees a failure */
	static const char *const set[][2] = {
		{ "ignore-gfp-wait", "N" }, { "cache-filter", "N" },
		{ "verbose", "0" },
	};
	struct pt_env *e = &self->e;
	int ids[NFILES], nth, ret, setup, enomem = 0;
	bool hit = false;

	if (access(FAILSLAB, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(FAILSLAB, F_OK) || access(FAIL_NTH, W_OK))
		SKIP(return, "no failslab fault injection (CONFIG_FAILSLAB, debugfs)");
	ret = inject_knobs(self->knobs, &self->nknobs, set, ARRAY_SIZE(set));
	ASSERT_EQ(0, ret) {
		TH_LOG("setting up failslab: %s", strerror(-ret));
	}

	server_ids(e, ids);
	for (nth = 1; nth <= FAIL_NTH_MAX; nth++) {
		ret = close_all_nth(e->dev, nth, &hit, &setup);
		ASSERT_EQ(0, setup) {
			TH_LOG(FAIL_NTH ": %s", strerror(-setup));
		}
		if (ret != -ENOMEM)
			break;
		enomem++;
		/* every id is still there, for the file it was made for */
		ASSERT_EQ(0, ids_intact(e, ids)) {
			TH_LOG("after ENOMEM with fault %d", nth);
		}
	}
	TH_LOG("%d calls failed with ENOMEM before one succeeded", enomem);
	ASSERT_EQ(NFILES, ret) {
		TH_LOG("with fault %d%s: %s", nth, hit ? "" : " (not reached)",
		       ret < 0 ? strerror(-ret) : "a wrong count");
	}
	/* the ioctl allocates its new map: that fault at least was reached */
	EXPECT_LT(0, enomem);
	EXPECT_EQ(0, ids_gone(e->dev, ids, NFILES));

	/* with nothing to close, no fault that the call passes can fail it */
	for (nth = 1; nth <= FAIL_NTH_MAX; nth++) {
		ret = close_all_nth(e->dev, nth, &hit, &setup);
		ASSERT_EQ(0, setup) {
			TH_LOG(FAIL_NTH ": %s", strerror(-setup));
		}
		ASSERT_EQ(0, ret) {
			TH_LOG("empty map, with fault %d: %s", nth,
			       ret < 0 ? strerror(-ret) : "a count");
		}
		if (!hit)
			break;
	}
	EXPECT_EQ(0, restore_knobs(self->knobs, &self->nknobs));
}

/* Open f0 and check its first page: 0, or -errno of what failed. */
static int opener(struct pt_env *e)
{
	unsigned char want[PAGE];
	int fd, ret;

	fill_pattern(want, 0, 0);
	fd = open_fuse(e, 0, O_RDONLY);
	if (fd < 0)
		return fd;
	ret = read_expect(fd, want, PAGE, 0, "f0 opened across the crash");
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* Wait for the first server to hold a request; false if it does not. */
static bool wait_stalled(struct pt_state *st, int ms)
{
	for (; ms > 0; ms -= 5) {
		if (__atomic_load_n(&st->stalled, __ATOMIC_ACQUIRE))
			return true;
		usleep(5000);
	}
	return false;
}

/* The state letter of a process, from /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_str(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Requests of the connection of mnt that wait for a reply (fusectl). */
static int fusectl_waiting(const char *mnt)
{
	int conn = fuse_conn_of(mnt);
	char path[PATH_MAX], buf[32];
	int ret;

	if (conn < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), FUSECTL_DIR "/%d/waiting", conn);
	ret = read_str(path, buf, sizeof(buf));
	return ret ?: atoi(buf);
}

/*
 * The opener is blocked in the kernel, as the kernel reports it: it has
 * not exited, it sleeps, and the connection counts a request waiting for
 * its reply. Waits up to ms milliseconds for it to fall asleep.
 */
static bool opener_blocked(pid_t pid, const char *mnt, int ms)
{
	int status;
	char s;

	for (;; ms -= 5) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			return false;
		s = proc_state(pid);
		if ((s == 'S' || s == 'D') && fusectl_waiting(mnt) >= 1)
			return true;
		if (ms <= 0)
			return false;
		usleep(5000);
	}
}

/*
 * Crash with a request in flight: the server reads an OPEN and dies before
 * it answers. Its successor, on the same /dev/fuse fd, asks the kernel to
 * send that request again (FUSE_NOTIFY_RESEND, which the kernel announces
 * with FUSE_HAS_RESEND in FUSE_INIT), drops the old ids, registers the
 * file again and answers the OPEN with the new id: the open that waited
 * all along completes and reads the right data.
 */
TEST_F_TIMEOUT(close_all, crash_in_flight_resend, TIMEOUT)
{
	static char req[PT_BUF_SIZE];
	struct fuse_in_header *ih = (void *)req;
	struct pt_env *e = &self->e;
	int old[NFILES], ids[NFILES], i, status;
	char buf[64];
	ssize_t n;

	if (!(e->st->kernel_flags & FUSE_HAS_RESEND))
		SKIP(return, "kernel without FUSE_NOTIFY_RESEND");
	server_ids(e, old);

	__atomic_store_n(&e->st->stall_opcode, FUSE_OPEN, __ATOMIC_RELEASE);
	self->child[0] = pt_fork();
	ASSERT_LE(0, self->child[0]);
	if (self->child[0] == 0) {
		/* with no fd of its own it cannot keep the connection alive */
		close(e->dev);
		_exit(-opener(e));
	}

	ASSERT_TRUE(wait_stalled(e->st, WAIT_MS)) {
		TH_LOG("the server did not get the OPEN");
	}
	/* the server dies with the OPEN read and not answered */
	ASSERT_EQ(0, pt_server_stop(e->server, &status));
	e->server = 0;
	ASSERT_TRUE(opener_blocked(self->child[0], e->mnt, WAIT_MS)) {
		TH_LOG("the open does not wait for its reply: state %c, %d waiting",
		       proc_state(self->child[0]) ?: '-', fusectl_waiting(e->mnt));
	}

	/* the successor */
	ASSERT_EQ(0, pt_notify_resend(e->dev));
	for (;;) {
		n = pt_read_request(e->dev, req, sizeof(req), WAIT_MS);
		ASSERT_LT(0, n) {
			TH_LOG("no request after FUSE_NOTIFY_RESEND: %s", strerror(-n));
		}
		if (ih->opcode == FUSE_OPEN)
			break;
		ASSERT_EQ(0, pt_handle(e->dev, e->st, req, n));
	}
	EXPECT_TRUE(ih->unique & FUSE_UNIQUE_RESEND);
	EXPECT_EQ(e->st->stalled_unique, ih->unique & ~FUSE_UNIQUE_RESEND);
	EXPECT_EQ(PT_FIRST_INO, ih->nodeid);

	ASSERT_EQ(NFILES, pt_close_all(e->dev));
	for (i = 0; i < NFILES; i++) {
		ids[i] = pt_backing_open_path(e->dev, e->st, i);
		ASSERT_LT(0, ids[i]);
		/* closed ids are not handed out again (until the id space wraps) */
		ASSERT_FALSE(id_in(ids[i], old, NFILES));
		pt_set_id(e->st, i, ids[i]);
	}
	e->st->stall_opcode = 0;
	ASSERT_EQ(0, pt_handle(e->dev, e->st, req, n));
	e->server = pt_server_start(e->dev, e->st);
	ASSERT_LT(0, e->server);

	ASSERT_EQ(0, pt_wait_child(self->child[0], &status, WAIT_MS)) {
		TH_LOG("the open did not complete");
	}
	self->child[0] = 0;
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("open and read of f0 %s: %s",
		       pt_status_str(status, buf, sizeof(buf)),
		       WIFEXITED(status) ? strerror(WEXITSTATUS(status)) : "-");
	}
	EXPECT_EQ(0, ids_gone(e->dev, old, NFILES));
	EXPECT_EQ(0UL, pt_unexpected(e->st));
	EXPECT_EQ(NFILES, pt_close_all(e->dev));
}

/* Files open before CLOSE_ALL keep their backing files: I/O and mmap. */
TEST_F_TIMEOUT(close_all, open_files_keep_working, TIMEOUT)
{
	struct pt_env *e = &self->e;
	unsigned char *map;
	int fd[2], i;

	for (i = 0; i < 2; i++) {
		fd[i] = open_fuse(e, i, O_RDWR);
		ASSERT_LE(0, fd[i]);
	}
	map = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd[1], 0);
	ASSERT_NE(MAP_FAILED, map);

	ASSERT_EQ(NFILES, pt_close_all(e->dev));

	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, exercise(e, i, fd[i], 1));
	/* the mapping writes to the backing file */
	map[0] ^= 0xff;
	EXPECT_EQ(0, msync(map, FILE_SIZE, MS_SYNC));
	EXPECT_EQ(0, same_as_backing(e, 1, fd[1]));
	EXPECT_EQ(0, munmap(map, FILE_SIZE));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, close(fd[i]));
	/* an open reply with a closed id fails the open */
	EXPECT_EQ(-EIO, open_fuse(e, 2, O_RDONLY));
}

/*
 * While an old open holds a fuse inode's backing file, a new id for the
 * same backing inode opens it too, and an id for another backing inode
 * is refused. Both, so that neither "refuse every new id" nor "accept
 * any backing inode" passes.
 */
TEST_F_TIMEOUT(close_all, same_backing_inode_new_id, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int fd_old, fd_new, id, other;

	fd_old = open_fuse(e, 0, O_RDWR);
	ASSERT_LE(0, fd_old);
	ASSERT_EQ(NFILES, pt_close_all(e->dev));

	/* another backing inode, under a new id: refused */
	other = pt_backing_open_path(e->dev, e->st, 3);
	ASSERT_LT(0, other);
	pt_set_id(e->st, 0, other);
	EXPECT_EQ(-EIO, open_fuse(e, 0, O_RDONLY));

	/* the same backing inode, under a new id: opens */
	id = pt_backing_open_path(e->dev, e->st, 0);
	ASSERT_LT(0, id);
	pt_set_id(e->st, 0, id);
	fd_new = open_fuse(e, 0, O_RDWR);
	ASSERT_LE(0, fd_new);
	EXPECT_EQ(0, exercise(e, 0, fd_new, 1));
	EXPECT_EQ(0, exercise(e, 0, fd_old, 2));

	/* and with both opens there, another backing inode still is not */
	pt_set_id(e->st, 0, other);
	EXPECT_EQ(-EIO, open_fuse(e, 0, O_RDONLY));

	EXPECT_EQ(0, close(fd_old));
	EXPECT_EQ(0, close(fd_new));
	EXPECT_EQ(2, pt_close_all(e->dev));
}

/*
 * Requests that a server read on a cloned fd (FUSE_DEV_IOC_CLONE) stay
 * queued on that fd when the server dies. As long as another reference
 * to the fd stays open, FUSE_NOTIFY_RESEND brings them back; when the
 * last one is closed, they end with ECONNABORTED for their callers. So
 * whoever keeps the connection across a restart must keep every clone.
 */
TEST_F_TIMEOUT(close_all, crash_in_flight_cloned_fd, TIMEOUT)
{
	static char req[PT_BUF_SIZE];
	struct fuse_in_header *ih = (void *)req;
	struct pt_env *e = &self->e;
	int clone, kept, status;
	char buf[64];
	ssize_t n;

	if (!(e->st->kernel_flags & FUSE_HAS_RESEND))
		SKIP(return, "kernel without FUSE_NOTIFY_RESEND");
	ASSERT_EQ(0, pt_server_stop(e->server, &status));
	e->server = 0;

	for (kept = 1; kept >= 0; kept--) {
		clone = clone_dev(e->dev);
		ASSERT_LE(0, clone);
		__atomic_store_n(&e->st->stalled, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&e->st->stall_opcode, FUSE_OPEN,
				 __ATOMIC_RELEASE);
		e->server = pt_server_start(clone, e->st);
		ASSERT_LT(0, e->server);
		self->child[0] = pt_fork();
		ASSERT_LE(0, self->child[0]);
		if (self->child[0] == 0) {
			close(e->dev);
			close(clone);
			_exit(-opener(e));
		}
		ASSERT_TRUE(wait_stalled(e->st, WAIT_MS)) {
			TH_LOG("the server did not get the OPEN");
		}
		/* it dies with the OPEN read on the clone, not answered */
		ASSERT_EQ(0, pt_server_stop(e->server, &status));
		e->server = 0;
		ASSERT_TRUE(opener_blocked(self->child[0], e->mnt, WAIT_MS));

		if (kept) {
			/* the clone is still open here: the OPEN comes again */
			ASSERT_EQ(0, pt_notify_resend(e->dev));
			do {
				n = pt_read_request(e->dev, req, sizeof(req),
						    WAIT_MS);
				ASSERT_LT(0, n) {
					TH_LOG("no OPEN after the resend: %s",
					       strerror(-n));
				}
			} while (ih->opcode != FUSE_OPEN &&
				 !pt_handle(e->dev, e->st, req, n));
			ASSERT_EQ(FUSE_OPEN, ih->opcode);
			EXPECT_EQ(e->st->stalled_unique,
				  ih->unique & ~FUSE_UNIQUE_RESEND);
			e->st->stall_opcode = 0;
			ASSERT_EQ(0, pt_handle(e->dev, e->st, req, n));
			e->server = pt_server_start(e->dev, e->st);
			ASSERT_LT(0, e->server);
		}
		close(clone);
		ASSERT_EQ(0, pt_wait_child(self->child[0], &status, WAIT_MS)) {
			TH_LOG("the open did not end");
		}
		self->child[0] = 0;
		/* exit status: 0, or the errno of what failed */
		EXPECT_TRUE(WIFEXITED(status) &&
			    WEXITSTATUS(status) == (kept ? 0 : ECONNABORTED)) {
			TH_LOG("clone %s: the open %s (%s), want %s",
			       kept ? "kept" : "closed",
			       pt_status_str(status, buf, sizeof(buf)),
			       WIFEXITED(status) ?
			       strerror(WEXITSTATUS(status)) : "-",
			       kept ? "success" : "ECONNABORTED");
		}
		if (kept) {
			ASSERT_EQ(0, pt_server_stop(e->server, &status));
			e->server = 0;
		}
	}
	e->server = pt_server_start(e->dev, e->st);
	ASSERT_LT(0, e->server);
	EXPECT_EQ(0UL, pt_unexpected(e->st));
}

#define CC_THREADS	4
#define CC_ROUNDS	10
#define CC_IDS		32

struct cc {
	pthread_barrier_t *start;
	int dev;
	int ret;
};

static void *cc_close_all(void *arg)
{
	struct cc *c = arg;

	pthread_barrier_wait(c->start);
	c->ret = pt_close_all(c->dev);
	return NULL;
}

/* CLOSE_ALLs at the same time close every id once: the counts add up. */
TEST_F_TIMEOUT(close_all, concurrent_close_all, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int ids[CC_IDS], n, i, round, sum;
	pthread_t th[CC_THREADS];
	struct cc c[CC_THREADS];
	pthread_barrier_t start;

	for (round = 0; round < CC_ROUNDS; round++) {
		/* the fixture's ids, then more for the same files */
		n = 0;
		if (round == 0) {
			server_ids(e, ids);
			n = NFILES;
		}
		for (; n < CC_IDS; n++) {
			ids[n] = pt_backing_open_path(e->dev, e->st, n % NFILES);
			ASSERT_LT(0, ids[n]);
		}
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, CC_THREADS));
		for (i = 0; i < CC_THREADS; i++) {
			c[i] = (struct cc){ .start = &start, .dev = e->dev };
			ASSERT_EQ(0, pthread_create(&th[i], NULL, cc_close_all, &c[i]));
		}
		for (i = 0; i < CC_THREADS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);

		for (sum = 0, i = 0; i < CC_THREADS; i++) {
			ASSERT_LE(0, c[i].ret) {
				TH_LOG("CLOSE_ALL in thread %d: %s", i, strerror(-c[i].ret));
			}
			sum += c[i].ret;
		}
		ASSERT_EQ(CC_IDS, sum) {
			TH_LOG("round %d: %d + %d + %d + %d ids closed", round,
			       c[0].ret, c[1].ret, c[2].ret, c[3].ret);
		}
		ASSERT_EQ(0, ids_gone(e->dev, ids, CC_IDS));
	}
	EXPECT_EQ(0, umount_backing(e, 100));
}

/*
 * Aborting a connection (fusectl) ends its requests, but the /dev/fuse
 * fd keeps the connection: CLOSE_ALL on it still closes every id and
 * says how many.
 */
TEST_F_TIMEOUT(close_all, abort_then_close_all, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int ids[NFILES], fd, status, ret;
	char buf[64];

	server_ids(e, ids);
	fd = open_fuse(e, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fusectl_abort(e->mnt));

	/* the server sees the connection go, and exits */
	ret = pt_wait_child(e->server, &status, WAIT_MS);
	ASSERT_EQ(0, ret);
	e->server = 0;
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("server %s", pt_status_str(status, buf, sizeof(buf)));
	}

	EXPECT_EQ(NFILES, pt_close_all(e->dev));
	EXPECT_EQ(0, ids_gone(e->dev, ids, NFILES));
	EXPECT_EQ(0, pt_close_all(e->dev));
	/* the open file still pins f0; FLUSH fails on the aborted connection */
	EXPECT_EQ(-EBUSY, umount_backing(e, 1));
	close(fd);
	EXPECT_EQ(0, umount_backing(e, 100));
}

/* When an aborted connection goes away, so do its ids and backing files. */
TEST_F_TIMEOUT(close_all, abort_releases_backing_files, TIMEOUT)
{
	struct pt_env *e = &self->e;
	int fd, status;

	fd = open_fuse(e, 1, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fusectl_abort(e->mnt));
	ASSERT_EQ(0, pt_wait_child(e->server, &status, WAIT_MS));
	e->server = 0;
	close(fd);

	/* the mount still holds the connection, and it the ids */
	EXPECT_EQ(-EBUSY, umount_backing(e, 1));
	close(e->dev);
	e->dev = -1;
	EXPECT_EQ(-EBUSY, umount_backing(e, 1));
	ASSERT_EQ(0, umount2(e->mnt, 0));
	EXPECT_EQ(0, umount_backing(e, 100));
}

/* CLOSE_ALL acts on its own connection only. */
TEST_F_TIMEOUT(close_all, two_connections, TIMEOUT)
{
	struct pt_env *e = &self->e, *e2 = &self->e2;
	int ids[NFILES], ids2[2], i, fd;

	server_ids(e, ids);
	snprintf(e2->mnt, sizeof(e2->mnt), "%s/mnt2", e->dir);
	ASSERT_EQ(0, mkdir(e2->mnt, 0755));
	e2->st = pt_state_new(e->backing, NFILES);
	ASSERT_NE(NULL, e2->st);
	e2->dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, e2->dev);
	ASSERT_EQ(0, pt_mount(e2->dev, e2->mnt));
	ASSERT_EQ(0, pt_init(e2->dev, e2->st, true, WAIT_MS));
	e2->server = pt_server_start(e2->dev, e2->st);
	ASSERT_LT(0, e2->server);

	/* two ids on the second connection; their numbers are in use on both */
	for (i = 0; i < 2; i++) {
		ids2[i] = pt_backing_open_path(e2->dev, e2->st, i);
		ASSERT_LT(0, ids2[i]);
		pt_set_id(e2->st, i, ids2[i]);
	}
	fd = open_fuse(e2, 0, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));

	EXPECT_EQ(2, pt_close_all(e2->dev));
	EXPECT_EQ(0, ids_gone(e2->dev, ids2, 2));
	EXPECT_EQ(-EIO, open_fuse(e2, 0, O_RDONLY));

	/* the first connection's ids all still map their files */
	EXPECT_EQ(0, ids_intact(e, ids));
	EXPECT_EQ(NFILES, pt_close_all(e->dev));
	EXPECT_EQ(0, ids_gone(e->dev, ids, NFILES));
	EXPECT_EQ(0, pt_close_all(e2->dev));
}

/* ------------------------------------------------------------------ */
/* Stress: ids registered, closed, looked up and dropped concurrently.  */

#define STRESS_TIMEOUT		90
#define STRESS_MAX_SECONDS	(STRESS_TIMEOUT - 30)
#define STRESS_MAX_IDS		(4 * 1024 * 1024)	/* ids tracked; registering stops there */

/*
 * Each file is opened by one thread only, so the id of the last OPEN
 * reply for it (pt_state.replied_id) is that thread's: files 0 and 1
 * are the readers', 2 and 3 the writers'.
 */
#define STRESS_READERS	2
#define STRESS_WRITERS	2

struct stress {
	struct pt_env *e;
	bool stop;		/* read and written with __atomic builtins */
	/*
	 * Per id: 1 + the number of CLOSE_ALLs that had returned when its
	 * BACKING_OPEN was called (0: never registered), and whether a
	 * BACKING_CLOSE of it was called.
	 */
	unsigned int *reg;
	unsigned char *closing;
	unsigned int ca_started, ca_done;
	int max_id;
	unsigned long registered, closes, close_enoent, closed_by_all;
	unsigned long opens, writes, open_eio, write_eio;
	int next_reader, next_writer;
	int error;		/* first unexpected errno */
};

static void stress_error(struct stress *s, int err)
{
	__atomic_compare_exchange_n(&s->error, &(int){ 0 }, err, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static void stress_add(unsigned long *counter, unsigned long n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static bool stress_stopped(struct stress *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&s->error, __ATOMIC_RELAXED);
}

/* Record a new id of file i and give it to the server: false if done. */
static bool stress_record(struct stress *s, int i, int id, unsigned int reg)
{
	int max = __atomic_load_n(&s->max_id, __ATOMIC_RELAXED);

	if (id >= STRESS_MAX_IDS)
		return false;
	if (__atomic_exchange_n(&s->reg[id], reg, __ATOMIC_SEQ_CST)) {
		ksft_print_msg("id %d was handed out twice\n", id);
		stress_error(s, EEXIST);
		return false;
	}
	while (id > max && !__atomic_compare_exchange_n(&s->max_id, &max, id,
							false, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
		;
	pt_set_id(s->e->st, i, id);
	return true;
}

static void *stress_register(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = (uintptr_t)&seed;

	while (!stress_stopped(s)) {
		unsigned int reg = 1 + __atomic_load_n(&s->ca_done, __ATOMIC_SEQ_CST);
		int i = rand_r(&seed) % NFILES;
		int id = pt_backing_open_path(s->e->dev, s->e->st, i);
		bool more;
		int ret;

		if (id <= 0) {
			ksft_print_msg("BACKING_OPEN of f%d: %s\n", i, strerror(-id));
			stress_error(s, -id);
			break;
		}
		stress_add(&s->registered, 1);
		more = stress_record(s, i, id, reg);
		if (more && rand_r(&seed) % 2)
			continue;
		if (id < STRESS_MAX_IDS)
			__atomic_store_n(&s->closing[id], 1, __ATOMIC_SEQ_CST);
		ret = pt_backing_close(s->e->dev, id);
		if (ret == -ENOENT) {
			stress_add(&s->close_enoent, 1);	/* a CLOSE_ALL's */
		} else if (ret) {
			ksft_print_msg("BACKING_CLOSE of %d: %s\n", id, strerror(-ret));
			stress_error(s, -ret);
		} else {
			stress_add(&s->closes, 1);
		}
		if (!more)
			break;
	}
	return NULL;
}

/*
 * An open of file i failed with EIO: that is expected only when the id
 * that the server answered with was closed, by a BACKING_CLOSE, or by a
 * CLOSE_ALL that had not returned before the id was registered.
 */
static bool stress_eio_expected(struct stress *s, int i)
{
	int id = __atomic_load_n(&s->e->st->replied_id[i], __ATOMIC_SEQ_CST);
	unsigned int reg;

	if (id <= 0 || id >= STRESS_MAX_IDS)
		return false;
	reg = __atomic_load_n(&s->reg[id], __ATOMIC_SEQ_CST);
	if (!reg)
		return false;
	if (__atomic_load_n(&s->closing[id], __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(&s->ca_started, __ATOMIC_SEQ_CST) >= reg)
		return true;
	ksft_print_msg("open of f%d failed with EIO, its id %d was not closed\n",
		       i, id);
	return false;
}

/* Open file i: the fd, or -1 after a stale id (counted in *eio). */
static int stress_open_one(struct stress *s, int i, int flags,
			   unsigned long *eio)
{
	int fd = open_fuse(s->e, i, flags);

	if (fd >= 0)
		return fd;
	if (fd == -EIO && stress_eio_expected(s, i)) {
		stress_add(eio, 1);
		return -1;
	}
	if (fd != -EIO)
		ksft_print_msg("open of f%d: %s\n", i, strerror(-fd));
	stress_error(s, -fd);
	return -1;
}

static void *stress_read(void *arg)
{
	struct stress *s = arg;
	int i = __atomic_fetch_add(&s->next_reader, 1, __ATOMIC_RELAXED);
	unsigned char want[PAGE];
	char what[32];

	fill_pattern(want, i, 0);
	snprintf(what, sizeof(what), "f%d (stress)", i);
	while (!stress_stopped(s)) {
		int fd = stress_open_one(s, i, O_RDONLY, &s->open_eio);
		int ret;

		if (fd < 0)
			continue;
		ret = read_expect(fd, want, PAGE, 0, what);
		if (ret)
			stress_error(s, -ret);
		close(fd);
		stress_add(&s->opens, 1);
	}
	return NULL;
}

/*
 * Write and map through a passthrough file: 0 or -errno. Page 0 keeps the
 * data it was made with; the writer uses pages 1 (write) and 2 (mmap).
 */
static int stress_write_one(int i, int fd, int round, const char *what)
{
	unsigned char wbuf[PAGE], want[PAGE], *map;
	int ret;

	fill_pattern(wbuf, 200 + round % 50, 1);
	ret = write_full(fd, wbuf, PAGE, PAGE, what);
	ret = ret ?: read_expect(fd, wbuf, PAGE, PAGE, what);
	if (ret)
		return ret;

	map = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	fill_pattern(want, i, 0);
	ret = same_bytes(what, map, want, PAGE, 0);
	ret = ret ?: same_bytes(what, map + PAGE, wbuf, PAGE, PAGE);
	memcpy(map + 2 * PAGE, wbuf, PAGE);
	if (!ret && msync(map, FILE_SIZE, MS_SYNC))
		ret = -errno;
	munmap(map, FILE_SIZE);
	return ret ?: read_expect(fd, wbuf, PAGE, 2 * PAGE, what);
}

static void *stress_write(void *arg)
{
	struct stress *s = arg;
	int i = STRESS_READERS + __atomic_fetch_add(&s->next_writer, 1,
						    __ATOMIC_RELAXED);
	char what[32];
	int round = 0;

	snprintf(what, sizeof(what), "f%d (stress)", i);
	while (!stress_stopped(s)) {
		int fd = stress_open_one(s, i, O_RDWR, &s->write_eio);
		int ret;

		if (fd < 0)
			continue;
		ret = stress_write_one(i, fd, round++, what);
		if (ret)
			stress_error(s, -ret);
		close(fd);
		stress_add(&s->writes, 1);
	}
	return NULL;
}

static void *stress_close_all(void *arg)
{
	struct stress *s = arg;

	while (!stress_stopped(s)) {
		int ret;

		__atomic_fetch_add(&s->ca_started, 1, __ATOMIC_SEQ_CST);
		ret = pt_close_all(s->e->dev);
		__atomic_fetch_add(&s->ca_done, 1, __ATOMIC_SEQ_CST);
		if (ret < 0) {
			ksft_print_msg("CLOSE_ALL: %s\n", strerror(-ret));
			stress_error(s, -ret);
		} else {
			stress_add(&s->closed_by_all, ret);
		}
		usleep(1000);
	}
	return NULL;
}

/* FUSE_CLOSE_ALL_STRESS_SECONDS, default 10: the seconds, or 0 if invalid. */
static int stress_seconds(void)
{
	const char *env = getenv("FUSE_CLOSE_ALL_STRESS_SECONDS");
	char *end;
	long secs;

	if (!env || !*env)
		return 10;
	errno = 0;
	secs = strtol(env, &end, 10);
	if (errno || *end || secs < 1 || secs > STRESS_MAX_SECONDS)
		return 0;
	return secs;
}

/*
 * Ids are registered, closed one by one and all at once while files are
 * opened, read, written and mapped through them. An open fails only with
 * EIO, and only through an id that was closed; everything else works,
 * every id is closed exactly once, none is handed out twice, and no READ
 * or WRITE reaches the server.
 */
TEST_F_TIMEOUT(close_all, stress, STRESS_TIMEOUT)
{
	void *(*fn[])(void *) = {
		stress_register, stress_register,
		stress_read, stress_read,	/* STRESS_READERS */
		stress_write, stress_write,	/* STRESS_WRITERS */
		stress_close_all,
	};
	struct pt_env *e = &self->e;
	int secs = stress_seconds();
	pthread_t th[ARRAY_SIZE(fn)];
	struct stress s = { .e = e };
	int i, id, ret, left = 0;

	ASSERT_LT(0, secs) {
		TH_LOG("FUSE_CLOSE_ALL_STRESS_SECONDS=%s: not 1 to %d",
		       getenv("FUSE_CLOSE_ALL_STRESS_SECONDS"), STRESS_MAX_SECONDS);
	}
	ksft_print_msg("stress_seconds: %d\n", secs);
	s.reg = calloc(STRESS_MAX_IDS, sizeof(*s.reg));
	s.closing = calloc(STRESS_MAX_IDS, sizeof(*s.closing));
	ASSERT_NE(NULL, s.reg);
	ASSERT_NE(NULL, s.closing);
	/* the fixture's ids are closed by CLOSE_ALLs, like the others */
	for (i = 0; i < NFILES; i++)
		ASSERT_TRUE(stress_record(&s, i, pt_get_id(e->st, i), 1));
	s.registered = NFILES;

	for (i = 0; i < (int)ARRAY_SIZE(fn); i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fn[i], &s));
	sleep(secs);
	__atomic_store_n(&s.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < (int)ARRAY_SIZE(fn); i++)
		pthread_join(th[i], NULL);

	/* ... and a last CLOSE_ALL closes the ones left */
	ret = pt_close_all(e->dev);
	ASSERT_LE(0, ret);
	s.closed_by_all += ret;

	TH_LOG("%lu ids, %lu closed one by one (%lu already gone), %lu by %u CLOSE_ALLs",
	       s.registered, s.closes, s.close_enoent, s.closed_by_all,
	       s.ca_done + 1);
	TH_LOG("%lu opens and reads (%lu EIO from a closed id), %lu writes and mappings (%lu)",
	       s.opens, s.open_eio, s.writes, s.write_eio);
	EXPECT_EQ(0, s.error) {
		TH_LOG("first error: %s", strerror(s.error));
	}
	EXPECT_LT(0U, s.ca_done);
	EXPECT_LT(0UL, s.opens);
	EXPECT_LT(0UL, s.writes);
	/* every id was closed exactly once, by BACKING_CLOSE or a CLOSE_ALL */
	EXPECT_EQ(s.registered, s.closes + s.closed_by_all);
	/* and all data went through the backing files */
	EXPECT_EQ(0UL, pt_unexpected(e->st)) {
		TH_LOG("%lu READ, %lu WRITE requests reached the server",
		       pt_requests(e->st, FUSE_READ), pt_requests(e->st, FUSE_WRITE));
	}
	/* none is left */
	for (id = 1; id <= s.max_id; id++) {
		if (s.reg[id] && pt_backing_close(e->dev, id) != -ENOENT)
			left++;
	}
	EXPECT_EQ(0, left);
	EXPECT_EQ(0, umount_backing(e, 100));
	free(s.reg);
	free(s.closing);
}

TEST_HARNESS_MAIN
