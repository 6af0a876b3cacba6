// SPDX-License-Identifier: GPL-2.0
/*
 * A walkthrough of passthrough crash recovery with
 * FUSE_DEV_IOC_BACKING_CLOSE_ALL, printing each step and what it observed.
 * Not a test: the selftests' backing_close_all_test checks the same things
 * with asserts (close_all.crash_takeover, close_all.crash_in_flight_resend).
 *
 * A passthrough server registers its backing files and serves opens; it is
 * killed while files are open and while it holds an OPEN it has read but
 * not answered. A standby server receives the /dev/fuse fd, as from an fd
 * store, and recovers the way a real server would after a crash:
 *
 *   1. FUSE_DEV_IOC_BACKING_CLOSE_ALL: drop the backing ids it does not
 *      know (the old server's), learning how many there were;
 *   2. FUSE_DEV_IOC_BACKING_OPEN: register its backing files again;
 *   3. FUSE_NOTIFY_RESEND: have the kernel queue again the requests that
 *      the old server read and never answered;
 *   4. serve: the resent OPEN is answered with a new backing id, and the
 *      open that waited through the crash completes.
 *
 * Built with tests/kernel/passthrough_server.h (the raw /dev/fuse server
 * that the tests use) against the uapi headers of the patched tree.
 *
 * usage: passthrough_recovery [NFILES]    (as root; it makes its own mount
 *                                          namespace and tmpfs mounts)
 * exit: 0 all steps as expected, 1 a step failed, 2 usage, 4 cannot run
 * on this kernel (as a kselftest SKIP)
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>

#include "passthrough_server.h"

#define WAIT_MS		10000

/* Open /dev/fuse and mount it on e->mnt; nobody answers FUSE_INIT yet. */
static int mount_env(struct pt_env *e)
{
	e->dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (e->dev < 0)
		return -errno;
	return pt_mount(e->dev, e->mnt);
}

static int kill_server(pid_t pid)
{
	int status;

	return pt_server_stop(pid, &status);
}

/* shared with the standby server, which reports its own steps */
static int *failures;

#define __printf(a, b)	__attribute__((format(printf, a, b)))

static __printf(1, 2) void step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("\n== ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static __printf(2, 3) void saw(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("   %s ", ok ? "ok  " : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok)
		__atomic_fetch_add(failures, 1, __ATOMIC_RELAXED);
}

static int open_fuse(const char *mnt, int i, int flags)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/f%d", mnt, i);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static const char *err(int ret)
{
	return ret < 0 ? strerror(-ret) : "success";
}

/* The open that is in flight when the server crashes; reports its result. */
static int late_open(const char *mnt, int i)
{
	char buf[64];
	int fd, ret = 0;
	size_t k;

	fd = open_fuse(mnt, i, O_RDONLY);
	if (fd < 0) {
		saw(false, "user: the open of f%d that waited returned: %s", i, err(fd));
		return 1;
	}
	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
		ret = -errno ?: -EIO;
	for (k = 0; !ret && k < sizeof(buf); k++)
		if (buf[k] != (char)pt_pattern(i, k))
			ret = -EILSEQ;
	saw(!ret, "user: the open of f%d that waited through the crash is done; reading it: %s",
	    i, err(ret));
	close(fd);
	return ret ? 1 : 0;
}

/*
 * The standby server: it gets the fd only from the holder, and recovers.
 * Reports each step itself; writes the number of ids it closed to ready
 * once it serves.
 */
static int standby(int sock, int ready, struct pt_state *st, int pending)
{
	static char req[PT_BUF_SIZE];
	struct fuse_in_header *ih = (void *)req;
	int dev, i, id, closed, ret;
	char c;
	ssize_t n;

	dev = pt_recv_fd(sock, 60000);
	if (dev < 0)
		return 10;
	printf("   new server pid %d: received the /dev/fuse fd\n", getpid());

	closed = pt_close_all(dev);
	saw(closed >= 0, "new server: FUSE_DEV_IOC_BACKING_CLOSE_ALL: %d ids it never knew closed",
	    closed);
	for (i = 0; i < st->nfiles; i++) {
		id = pt_backing_open_path(dev, st, i);
		saw(id > 0, "new server: f%d registered again as backing id %d", i, id);
		pt_set_id(st, i, id);
	}

	ret = pt_notify_resend(dev);
	saw(!ret, "new server: FUSE_NOTIFY_RESEND, for what the old server never answered: %s",
	    err(ret));
	/* the resent OPEN comes first; answer whatever precedes it */
	for (;;) {
		n = pt_read_request(dev, req, sizeof(req), WAIT_MS);
		if (n <= 0) {
			saw(false, "new server: no request after FUSE_NOTIFY_RESEND: %s",
			    err(n));
			return 11;
		}
		if (ih->opcode == FUSE_OPEN)
			break;
		pt_handle(dev, st, req, n);
	}
	saw((ih->unique & FUSE_UNIQUE_RESEND) && ih->nodeid == PT_FIRST_INO + (uint64_t)pending,
	    "new server: OPEN of f%llu again, marked as resent (unique 0x%llx)",
	    (unsigned long long)ih->nodeid - PT_FIRST_INO, (unsigned long long)ih->unique);
	ret = pt_handle(dev, st, req, n);
	saw(!ret, "new server: answered it with backing id %d: %s", pt_get_id(st, pending),
	    err(ret));

	c = closed;
	if (write(ready, &c, 1) != 1)
		return 12;
	close(ready);
	return pt_serve(dev, st);
}

int main(int argc, char **argv)
{
	int nfiles = argc > 1 ? atoi(argv[1]) : 4;
	int dev, i, ret, sv[2], rp[2], old_max = 0, status, pending;
	int fds[PT_MAX_FILES];
	pid_t server, next, user;
	struct pt_env e;
	struct pt_state *st;
	char c, buf[64];
	ssize_t n;

	/* line-buffered: forked processes must not inherit unwritten output */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (nfiles < 1 || nfiles > PT_MAX_FILES) {
		fprintf(stderr, "usage: %s [NFILES], 1 to %d\n", argv[0], PT_MAX_FILES);
		return 2;
	}
	failures = mmap(NULL, sizeof(*failures), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (failures == MAP_FAILED)
		return 1;
	if (geteuid()) {
		fprintf(stderr, "%s: needs root\n", argv[0]);
		return 4;
	}
	dev = open("/dev/fuse", O_RDWR);
	if (dev < 0 || pt_close_all(dev) == -ENOTTY) {
		fprintf(stderr, "%s: no /dev/fuse or no FUSE_DEV_IOC_BACKING_CLOSE_ALL\n",
			argv[0]);
		return 4;
	}
	close(dev);
	ret = pt_env_prepare(&e, nfiles, 64 * 1024);
	if (ret) {
		fprintf(stderr, "setting up the namespace and backing files: %s\n",
			strerror(-ret));
		return 1;
	}
	st = e.st;
	pending = nfiles - 1;

	step("start: a passthrough FUSE server on %s, backing files on their own tmpfs %s",
	     e.mnt, e.backing);
	ret = mount_env(&e);
	saw(!ret, "/dev/fuse opened and mounted: %s", err(ret));
	if (ret)
		return 1;
	dev = e.dev;
	ret = pt_init(dev, st, true, WAIT_MS);
	saw(!ret, "FUSE_INIT answered with FUSE_PASSTHROUGH: %s", err(ret));
	if (ret)
		return 1;
	if (!(st->kernel_flags & FUSE_PASSTHROUGH) ||
	    !(st->kernel_flags & FUSE_HAS_RESEND)) {
		fprintf(stderr, "%s: no FUSE_PASSTHROUGH or no FUSE_HAS_RESEND offered\n",
			argv[0]);
		return 4;
	}
	server = pt_server_start(dev, st);
	saw(server > 0, "server pid %d serves the mount", server);
	if (server <= 0)
		return 1;

	step("the server registers %d backing files with FUSE_DEV_IOC_BACKING_OPEN", nfiles);
	for (i = 0; i < nfiles; i++) {
		ret = pt_backing_open_path(dev, st, i);
		saw(ret > 0, "f%d: backing id %d", i, ret);
		if (ret <= 0)
			return 1;
		pt_set_id(st, i, ret);
		old_max = ret > old_max ? ret : old_max;
	}

	/*
	 * The next server is started now, on standby: it must not inherit the
	 * fuse files opened below (closing them would send it a FLUSH that
	 * only it could answer).
	 */
	step("a standby server process starts and waits for the fd");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    pipe2(rp, O_CLOEXEC))
		return 1;
	next = pt_fork();
	if (next == 0) {
		close(dev);
		close(sv[0]);
		close(rp[0]);
		_exit(standby(sv[1], rp[1], st, pending));
	}
	close(sv[1]);
	close(rp[1]);
	saw(next > 0, "standby server pid %d", next);
	if (next <= 0)
		return 1;

	step("a user opens every file; I/O goes straight to the backing files");
	for (i = 0; i < nfiles; i++) {
		fds[i] = open_fuse(e.mnt, i, O_RDWR);
		saw(fds[i] >= 0, "open f%d: %s", i, err(fds[i]));
		if (fds[i] < 0)
			return 1;
	}
	ret = pwrite(fds[0], "recovered", 9, 0) == 9 ? 0 : -errno;
	saw(!ret, "wrote \"recovered\" at the start of f0: %s", err(ret));

	step("another user opens f%d; the server reads the OPEN and crashes before it answers",
	     pending);
	__atomic_store_n(&st->stall_opcode, FUSE_OPEN, __ATOMIC_RELEASE);
	user = pt_fork();
	if (user == 0) {
		close(dev);
		_exit(late_open(e.mnt, pending));
	}
	for (i = 0; i < WAIT_MS / 10 && !__atomic_load_n(&st->stalled, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	saw(st->stalled, "the server read the OPEN of f%d (unique 0x%llx) and stops there",
	    pending, (unsigned long long)st->stalled_unique);
	ret = pt_server_stop(server, &status);
	__atomic_store_n(&st->stall_opcode, 0, __ATOMIC_RELEASE);
	saw(!ret, "server pid %d is killed with SIGKILL; the ids lived only in its memory",
	    server);
	printf("   this process keeps the /dev/fuse fd, as an fd store would\n");
	ret = pt_wait_child(user, &status, 200);
	saw(ret == -ETIMEDOUT, "the open of f%d still waits for its answer", pending);
	ret = umount2(e.backing, 0) ? -errno : 0;
	saw(ret == -EBUSY, "umount of the backing tmpfs: %s (ids and open files pin it)",
	    err(ret));

	step("the standby server receives the fd over a unix socket and recovers");
	ret = pt_send_fd(sv[0], dev);
	saw(!ret, "fd passed to server pid %d with SCM_RIGHTS", next);
	n = pt_read_timeout(rp[0], &c, 1, 60000);
	if (n != 1) {
		if (!pt_wait_child(next, &status, WAIT_MS))
			saw(false, "the new server %s", pt_status_str(status, buf, sizeof(buf)));
		else
			saw(false, "the new server did not take over: %s", err(n));
		return 1;
	}
	saw(c == nfiles, "it closed exactly the %d ids of the old server", nfiles);
	ret = pt_wait_child(user, &status, WAIT_MS);
	saw(!ret && WIFEXITED(status) && !WEXITSTATUS(status),
	    "the user's open of f%d is done: %s", pending,
	    ret ? err(ret) : pt_status_str(status, buf, sizeof(buf)));
	for (i = 0; i < nfiles; i++)
		saw(pt_get_id(st, i) > old_max, "f%d: new id %d is none of the closed ids (1..%d)",
		    i, pt_get_id(st, i), old_max);
	ret = pt_backing_close(dev, old_max);
	saw(ret == -ENOENT, "FUSE_DEV_IOC_BACKING_CLOSE of old id %d: %s", old_max, err(ret));

	step("old open files keep working, new opens of the same inodes work too");
	for (i = 0; i < nfiles; i++) {
		char rbuf[9] = "";
		int nfd = open_fuse(e.mnt, i, O_RDONLY);

		saw(nfd >= 0, "new open of f%d while the old open still holds it: %s",
		    i, err(nfd));
		if (nfd >= 0 && i == 0) {
			ret = pread(nfd, rbuf, sizeof(rbuf), 0);
			saw(ret == 9 && !memcmp(rbuf, "recovered", 9),
			    "f0 through the new open reads \"%.9s\"", rbuf);
		}
		if (nfd >= 0)
			close(nfd);
		ret = pread(fds[i], &c, 1, 100) == 1 ? 0 : -errno;
		saw(!ret && c == (char)pt_pattern(i, 100), "read through the old open of f%d: %s",
		    i, err(ret));
	}

	step("the files are closed; the new server closes its ids on shutdown");
	for (i = 0; i < nfiles; i++)
		close(fds[i]);
	ret = pt_close_all(dev);
	saw(ret == nfiles, "FUSE_DEV_IOC_BACKING_CLOSE_ALL closed %d ids: %s", ret, err(ret));
	/* the last fputs may be deferred for a moment */
	for (i = 0; (ret = umount2(e.backing, 0) ? -errno : 0) == -EBUSY && i < 100; i++)
		usleep(20 * 1000);
	saw(!ret, "umount of the backing tmpfs: %s (nothing pins the backing files)",
	    err(ret));

	kill_server(next);
	printf("\n%s: %d failure(s)\n", *failures ? "FAILED" : "DONE", *failures);
	return *failures ? 1 : 0;
}
