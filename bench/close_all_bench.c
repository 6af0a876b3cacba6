// SPDX-License-Identifier: GPL-2.0
/*
 * close_all_bench: what FUSE_DEV_IOC_BACKING_CLOSE_ALL costs, measured
 * against a real passthrough server on /dev/fuse (the project's raw
 * server, tests/kernel/passthrough_server.h), in a private mount namespace.
 *
 * usage: close_all_bench recovery REPS [MAX_N]  one CLOSE_ALL vs N BACKING_CLOSEs
 *                                    and vs close_range() of N fds (the floor),
 *                                    N = 1e3, 1e4, 1e5, 3e5 up to MAX_N
 *        close_all_bench lock REPS [N]      BACKING_OPEN latency during CLOSE_ALL
 *        close_all_bench memory REPS [N]    slab memory of N ids
 *        close_all_bench hot ITERS REPS     open + read 4 KiB + close
 *
 * N is 100,000 unless given; a smaller N or MAX_N makes a quick check.
 *
 * Every id refers to a backing file of its own (an empty file on a tmpfs of
 * its own), as a real server registers them: dropping the id drops the
 * file's last reference and releases the file. The recovery benchmark also
 * keeps the case of one backing file behind every id, where no drop is the
 * last one.
 *
 * Every figure is printed as one "result" line of key=value pairs, times
 * in nanoseconds, memory in KiB; scripts/bench.sh turns them into the
 * table. Progress goes to stderr. Run as root.
 *
 * On a kernel without FUSE_DEV_IOC_BACKING_CLOSE_ALL (ENOTTY) "recovery",
 * "lock" and "memory" measure what they can without it, say so on stderr
 * and in their result lines ("close_all=ENOTTY", "drop=backing_close"),
 * and exit with status 4. "hot" does not use the ioctl.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <linux/membarrier.h>

#include "passthrough_server.h"

#define N_IDS		100000	/* the lock and memory figures, by default */
#define MAX_IDS		300000	/* the largest recovery size */
#define EMPTY_CALLS	1000	/* calls per timing of the cheap ioctls */
#define LAT_SAMPLES	200000

/* How long "Slab:" must stop falling, and how long we wait for it at most */
#define SETTLE_QUIET_MS	1000
#define SETTLE_MAX_MS	10000
#define SETTLE_STEP_MS	100

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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

/* Wait up to ms milliseconds for the server to answer FUSE_INIT itself. */
static int wait_init(struct pt_state *st, int ms)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	for (; ms > 0; ms -= 5) {
		if (__atomic_load_n(&st->initialized, __ATOMIC_ACQUIRE))
			return 0;
		if (pt_errors(st))
			return -st->first_error;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static struct pt_env env;
static int backing_fd;		/* the one backing file of the "one" case */
static int many_dir = -1;	/* the tmpfs of the distinct backing files */
static int nfiles;		/* how many of them there are */
static int floor_base;		/* the floor's fds: floor_base + 0..N-1 */
static bool have_close_all;
static int n_ids = N_IDS;	/* lock, memory: how many ids */
static int max_n = MAX_IDS;	/* recovery: the largest N */
static int ids[MAX_IDS];
static int fds[MAX_IDS];

static void die(const char *what, int err)
{
	fprintf(stderr, "close_all_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static void progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "close_all_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v; the value at percentile p (0..100). */
static uint64_t pct(uint64_t *v, size_t n, int p)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	i = n * p / 100;
	return v[i < n ? i : n - 1];
}

/* " key_med=.. key_min=.. key_max=.." of n values (sorts them). */
static void print_mmm(const char *key, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf(" %s_med=%llu %s_min=%llu %s_max=%llu", key,
	       (unsigned long long)v[n / 2], key, (unsigned long long)v[0],
	       key, (unsigned long long)v[n - 1]);
}

/* Pin the calling thread to cpu, or fail: the lock figures depend on it. */
static void pin_to_cpu(int cpu)
{
	char what[64];
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(what, sizeof(what), "pinning a thread to CPU %d", cpu);
		die(what, errno);
	}
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("calloc", ENOMEM);
	return p;
}

/*
 * A mounted passthrough fs with one backing file, and that file open. The
 * server is forked on the caller's CPU (and stays there if it is pinned).
 */
static void setup(void)
{
	char path[PATH_MAX];
	int ret;

	if (geteuid()) {
		fprintf(stderr, "close_all_bench: needs root\n");
		exit(4);
	}
	ret = pt_env_prepare(&env, 1, 64 * 1024);
	if (ret)
		die("namespace and backing file", -ret);
	/*
	 * No FUSE request timeout: it arms a timer that scans the
	 * connection's queues every 15 s, work that the hot path's
	 * instruction count would catch now and then. No request of this
	 * server waits long; VM_TIMEOUT bounds a hang.
	 */
	env.st->request_timeout = 0;
	ret = mount_env(&env);
	if (ret)
		die("mounting fuse", -ret);
	env.server = pt_server_start(env.dev, env.st);
	if (env.server < 0 || wait_init(env.st, 10000))
		die("starting the server", ETIMEDOUT);
	pt_backing_path(env.st, 0, path, sizeof(path));
	backing_fd = open(path, O_RDONLY);
	if (backing_fd < 0)
		die(path, errno);
}

/*
 * Whether the kernel has CLOSE_ALL: one call on the connection, before any
 * id was registered; v2 of the series returns 0 (nothing closed).
 */
static void probe_close_all(void)
{
	int ret = pt_close_all(env.dev);

	if (ret == -ENOTTY) {
		progress("no FUSE_DEV_IOC_BACKING_CLOSE_ALL (ENOTTY): its figures are left out");
		return;
	}
	if (ret < 0)
		die("FUSE_DEV_IOC_BACKING_CLOSE_ALL", -ret);
	if (ret)
		die("FUSE_DEV_IOC_BACKING_CLOSE_ALL closed ids on a new connection", EPROTO);
	have_close_all = true;
}

/* Room for fds up to n. */
static void raise_nofile(int n)
{
	rlim_t need = n;
	struct rlimit rl;
	char what[128];
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit", errno);
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need) {
		unsigned long nr_open = 0;

		/* the hard limit cannot go above fs.nr_open */
		f = fopen("/proc/sys/fs/nr_open", "r+");
		if (!f || fscanf(f, "%lu", &nr_open) != 1)
			die("/proc/sys/fs/nr_open", f ? EIO : errno);
		if (nr_open < need && (fseek(f, 0, SEEK_SET) ||
				       fprintf(f, "%llu\n", (unsigned long long)need) < 0 ||
				       fflush(f)))
			die("raising /proc/sys/fs/nr_open", errno);
		fclose(f);
		rl.rlim_max = need;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		snprintf(what, sizeof(what),
			 "raising RLIMIT_NOFILE to %llu (CAP_SYS_RESOURCE?)",
			 (unsigned long long)need);
		die(what, errno);
	}
}

/* The highest fd open now (a parent may have left some open). */
static int highest_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fd, max = 2;

	if (!d)
		die("/proc/self/fd", errno);
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (fd > max)
			max = fd;
	}
	closedir(d);
	return max;
}

/*
 * n empty backing files, 0 to n-1, on a tmpfs of their own: the default
 * tmpfs allows half as many inodes as there are pages of RAM, about
 * 260,000 in a 2 GiB guest.
 */
static void make_files(int n)
{
	char path[PATH_MAX], opts[64], name[16];
	int i, fd;

	snprintf(path, sizeof(path), "%s/many", env.dir);
	snprintf(opts, sizeof(opts), "nr_inodes=%d", 2 * n + 64);
	if (mkdir(path, 0755) || mount("tmpfs", path, "tmpfs", 0, opts))
		die(path, errno);
	many_dir = open(path, O_RDONLY | O_DIRECTORY);
	if (many_dir < 0)
		die(path, errno);
	floor_base = highest_fd() + 1;
	raise_nofile(floor_base + n + 16);
	progress("creating %d backing files", n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%d", i);
		fd = openat(many_dir, name, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("creating a backing file", errno);
		close(fd);
	}
	nfiles = n;
}

static int open_file(int i)
{
	char name[16];
	int fd;

	snprintf(name, sizeof(name), "%d", i);
	fd = openat(many_dir, name, O_RDONLY);
	if (fd < 0)
		die("opening a backing file", errno);
	return fd;
}

/*
 * Register n ids, each for a backing file of its own: the fd is open only
 * while it is registered, so the id holds the file's last reference.
 */
static void register_files(int n)
{
	int i, fd;

	if (n > nfiles)
		die("more ids than backing files", EINVAL);
	for (i = 0; i < n; i++) {
		fd = open_file(i);
		ids[i] = pt_backing_open(env.dev, fd);
		if (ids[i] < 0)
			die("FUSE_DEV_IOC_BACKING_OPEN", -ids[i]);
		close(fd);
	}
}

/* Register n ids for the one backing file. */
static void register_one(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ids[i] = pt_backing_open(env.dev, backing_fd);
		if (ids[i] < 0)
			die("FUSE_DEV_IOC_BACKING_OPEN", -ids[i]);
	}
}

/*
 * One CLOSE_ALL, which must close from n to n + extra ids (extra: those a
 * concurrent thread may hold); its time.
 */
static uint64_t time_close_all(int n, int extra)
{
	uint64_t t0 = now_ns(), t;
	int ret = pt_close_all(env.dev);

	t = now_ns() - t0;
	if (ret < 0)
		die("FUSE_DEV_IOC_BACKING_CLOSE_ALL", -ret);
	if (ret < n || ret > n + extra) {
		fprintf(stderr, "close_all_bench: CLOSE_ALL closed %d ids, not %d\n",
			ret, n);
		exit(1);
	}
	return t;
}

/* n BACKING_CLOSE calls for ids[0..n-1]; their time. */
static uint64_t time_closes(int n)
{
	uint64_t t0 = now_ns();
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = pt_backing_close(env.dev, ids[i]);
		if (ret)
			die("FUSE_DEV_IOC_BACKING_CLOSE", -ret);
	}
	return now_ns() - t0;
}

/*
 * The floor: close_range() of n fds, one on each of n distinct backing
 * files, the cheapest way to drop the last reference of n files in one
 * system call. Like the ids, each fd holds its file's last reference, and
 * the files are released (task work) before the call returns to us.
 */
static uint64_t time_close_range(int n)
{
	uint64_t t0, t;
	int i, fd;

	/* one range of fds, above any that a parent left open */
	for (i = 0; i < n; i++) {
		fd = open_file(i);
		fds[i] = fcntl(fd, F_DUPFD, floor_base + i);
		if (fds[i] != floor_base + i)
			die("the fds of the floor are not one range",
			    fds[i] < 0 ? errno : EBADF);
		close(fd);
	}
	t0 = now_ns();
	if (syscall(__NR_close_range, fds[0], fds[n - 1], 0))
		die("close_range", errno);
	t = now_ns() - t0;
	if (fcntl(fds[n - 1], F_GETFD) != -1 || errno != EBADF)
		die("close_range left an fd open", EPROTO);
	return t;
}

/* Drop ids[0..n-1]: by CLOSE_ALL, or by BACKING_CLOSEs without it. */
static uint64_t drop_ids(int n, int extra)
{
	return have_close_all ? time_close_all(n, extra) : time_closes(n);
}

static const char *drop_name(void)
{
	return have_close_all ? "close_all" : "backing_close";
}

/* One RCU grace period: membarrier(MEMBARRIER_CMD_GLOBAL) waits for one. */
static int time_grace_period(uint64_t *t)
{
	uint64_t t0 = now_ns();

	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		return -errno;
	*t = now_ns() - t0;
	return 0;
}

/*
 * The fixed cost of CLOSE_ALL: one grace period (membarrier) against a
 * CLOSE_ALL of one id, alternating.
 */
static void bench_grace(int reps)
{
	uint64_t *gp = xcalloc(reps, sizeof(*gp)), *ca = xcalloc(reps, sizeof(*ca));
	bool have_gp = sysconf(_SC_NPROCESSORS_ONLN) > 1;
	int r, k, ret;

	if (!have_gp)
		progress("one CPU: membarrier does not wait for a grace period, left out");
	progress("one grace period, CLOSE_ALL of one id: %d runs", reps);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < 2; k++) {
			if ((r + k) % 2 == 0) {
				if (!have_gp)
					continue;
				ret = time_grace_period(&gp[r]);
				if (ret)
					die("membarrier(MEMBARRIER_CMD_GLOBAL)", -ret);
			} else {
				register_files(1);
				ca[r] = drop_ids(1, 0);
			}
		}
	}
	printf("result grace n=1 runs=%d", reps);
	if (have_gp)
		print_mmm("membarrier", gp, reps);
	if (have_close_all)
		print_mmm("close_all", ca, reps);
	else
		printf(" close_all=ENOTTY");
	printf("\n");
	free(gp);
	free(ca);
}

/* EMPTY_CALLS CLOSE_ALLs of an empty map; the time of one. */
static uint64_t time_empty_close_all(void)
{
	uint64_t t0 = now_ns();
	int i, ret;

	for (i = 0; i < EMPTY_CALLS; i++) {
		ret = pt_close_all(env.dev);
		if (ret)
			die("FUSE_DEV_IOC_BACKING_CLOSE_ALL of an empty map",
			    ret < 0 ? -ret : EPROTO);
	}
	return (now_ns() - t0) / EMPTY_CALLS;
}

/* EMPTY_CALLS BACKING_CLOSEs of ids of the one file; the time of one. */
static uint64_t time_one_close(void)
{
	register_one(EMPTY_CALLS);
	return time_closes(EMPTY_CALLS) / EMPTY_CALLS;
}

/*
 * The empty map: CLOSE_ALL on the connection before any id was registered
 * (nothing to swap; first, since registering cannot be undone), then, in
 * alternation with single BACKING_CLOSE calls, once all ids were closed
 * again (an empty IDR). Neither may wait for a grace period.
 */
static void bench_empty(int reps)
{
	uint64_t *never = xcalloc(reps, sizeof(*never));
	uint64_t *closed = xcalloc(reps, sizeof(*closed));
	uint64_t *one = xcalloc(reps, sizeof(*one));
	int r, k;

	progress("empty map and single BACKING_CLOSE: %d runs of %d calls",
		 reps, EMPTY_CALLS);
	for (r = 0; have_close_all && r < reps; r++)
		never[r] = time_empty_close_all();
	/* the IDR exists once an id was registered */
	register_one(1);
	time_closes(1);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < 2; k++) {
			if ((r + k) % 2)
				one[r] = time_one_close();
			else if (have_close_all)
				closed[r] = time_empty_close_all();
		}
	}
	printf("result empty runs=%d calls=%d", reps, EMPTY_CALLS);
	if (have_close_all) {
		print_mmm("never", never, reps);
		print_mmm("closed", closed, reps);
	} else {
		printf(" close_all=ENOTTY");
	}
	print_mmm("close1", one, reps);
	printf("\n");
	free(never);
	free(closed);
	free(one);
}

enum recovery_path {
	CA_FILES,	/* CLOSE_ALL, distinct files */
	CL_FILES,	/* N BACKING_CLOSE, distinct files */
	CRANGE,		/* close_range() of N fds, distinct files: the floor */
	CA_ONE,		/* CLOSE_ALL, one file */
	CL_ONE,		/* N BACKING_CLOSE, one file */
	N_PATHS
};

static uint64_t recovery_path(enum recovery_path p, int n)
{
	switch (p) {
	case CA_FILES:
		register_files(n);
		return time_close_all(n, 0);
	case CL_FILES:
		register_files(n);
		return time_closes(n);
	case CRANGE:
		return time_close_range(n);
	case CA_ONE:
		register_one(n);
		return time_close_all(n, 0);
	case CL_ONE:
		register_one(n);
		return time_closes(n);
	default:
		abort();
	}
}

/*
 * Recovery: n ids dropped by one CLOSE_ALL and by n BACKING_CLOSE calls,
 * for distinct backing files and for one, and n fds on the same distinct
 * files closed by one close_range(). The order of the paths rotates from
 * one run to the next, so that each path runs in each position.
 */
static void bench_recovery(int reps)
{
	static const int sizes[] = { 1000, 10000, 100000, MAX_IDS };
	uint64_t *t[N_PATHS];
	unsigned int s;
	int r, k, p;

	for (p = 0; p < N_PATHS; p++)
		t[p] = xcalloc(reps, sizeof(uint64_t));
	for (s = 0; s < ARRAY_SIZE(sizes) && sizes[s] <= max_n; s++) {
		int n = sizes[s];

		progress("recovery of %d ids: %d runs", n, reps);
		for (r = 0; r < reps; r++) {
			for (k = 0; k < N_PATHS; k++) {
				p = (r + k) % N_PATHS;
				if (!have_close_all && (p == CA_FILES || p == CA_ONE))
					continue;
				t[p][r] = recovery_path(p, n);
			}
		}
		printf("result recovery n=%d files=distinct runs=%d", n, reps);
		if (have_close_all)
			print_mmm("close_all", t[CA_FILES], reps);
		else
			printf(" close_all=ENOTTY");
		print_mmm("closes", t[CL_FILES], reps);
		print_mmm("close_range", t[CRANGE], reps);
		printf("\n");
		printf("result recovery n=%d files=one runs=%d", n, reps);
		if (have_close_all)
			print_mmm("close_all", t[CA_ONE], reps);
		else
			printf(" close_all=ENOTTY");
		print_mmm("closes", t[CL_ONE], reps);
		printf("\n");
	}
	for (p = 0; p < N_PATHS; p++)
		free(t[p]);
}

/* The timed BACKING_OPEN caller of the lock benchmark. */
struct sampler {
	pthread_t thread;
	int stop;		/* __atomic: set by the main thread */
	int count;		/* __atomic: written by the sampler only */
	uint64_t start[LAT_SAMPLES];
	uint64_t lat[LAT_SAMPLES];
};

static void *sampler_fn(void *arg)
{
	struct sampler *sp = arg;
	int id;

	pin_to_cpu(1);
	while (!__atomic_load_n(&sp->stop, __ATOMIC_RELAXED) &&
	       sp->count < LAT_SAMPLES) {
		uint64_t t0 = now_ns();

		id = pt_backing_open(env.dev, backing_fd);
		sp->lat[sp->count] = now_ns() - t0;
		sp->start[sp->count] = t0;
		__atomic_store_n(&sp->count, sp->count + 1, __ATOMIC_RELEASE);
		if (id < 0)
			die("FUSE_DEV_IOC_BACKING_OPEN", -id);
		/* keep the map's size steady; the id may be gone already */
		pt_backing_close(env.dev, id);
	}
	return NULL;
}

static void sampler_start(struct sampler *sp)
{
	__atomic_store_n(&sp->stop, 0, __ATOMIC_RELAXED);
	sp->count = 0;
	if (pthread_create(&sp->thread, NULL, sampler_fn, sp))
		die("pthread_create", EAGAIN);
	while (__atomic_load_n(&sp->count, __ATOMIC_ACQUIRE) < 50)
		sched_yield();
}

static void sampler_stop(struct sampler *sp)
{
	__atomic_store_n(&sp->stop, 1, __ATOMIC_RELAXED);
	pthread_join(sp->thread, NULL);
}

/* " key_n=.. key_p50=.. key_p99=.. key_max=.." of n latencies */
static void print_lat(const char *key, uint64_t *v, size_t n)
{
	printf(" %s_n=%zu %s_p50=%llu %s_p99=%llu %s_max=%llu", key, n,
	       key, (unsigned long long)pct(v, n, 50),
	       key, (unsigned long long)pct(v, n, 99),
	       key, (unsigned long long)pct(v, n, 100));
}

/* Append the latencies of the calls that started in [t0, t1) to v. */
static size_t sampler_window(struct sampler *sp, uint64_t t0, uint64_t t1,
			     uint64_t *v, size_t n)
{
	int i;

	for (i = 0; i < sp->count && n < LAT_SAMPLES; i++)
		if (sp->start[i] >= t0 && sp->start[i] < t1)
			v[n++] = sp->lat[i];
	return n;
}

enum lock_cond { IDLE, SPIN, BUSY, N_CONDS };

/*
 * Lock hold: a thread on CPU 1 times BACKING_OPEN (which takes fc->lock)
 * while CPU 0 runs CLOSE_ALL of n_ids ids on distinct files; the same
 * thread with CPU 0 idle, and with CPU 0 spinning in userspace for as long
 * as CLOSE_ALL took (under software emulation a busy second vCPU slows the
 * first one down, whatever the lock does). The three conditions rotate
 * from one run to the next; idle and spin last as long as the CLOSE_ALL
 * before them (the first time, an untimed one).
 */
static void bench_lock(int reps)
{
	struct sampler *sp = xcalloc(1, sizeof(*sp));
	uint64_t *v[N_CONDS];
	size_t nv[N_CONDS] = { 0 };
	uint64_t t0, t1, d, window = 0;
	int r, k, c;

	for (c = 0; c < N_CONDS; c++)
		v[c] = xcalloc(LAT_SAMPLES, sizeof(uint64_t));
	pin_to_cpu(0);
	progress("lock: %d runs of each condition, %d ids", reps, n_ids);
	register_files(n_ids);
	t0 = now_ns();
	drop_ids(n_ids, 0);
	d = now_ns() - t0;
	for (r = 0; r < reps; r++) {
		for (k = 0; k < N_CONDS; k++) {
			c = (r + k) % N_CONDS;
			if (c == BUSY)
				register_files(n_ids);
			sampler_start(sp);
			t0 = now_ns();
			switch (c) {
			case IDLE:
				usleep(d / 1000);
				break;
			case SPIN:
				while (now_ns() - t0 < d)
					;
				break;
			case BUSY:
				/* the sampler may hold one id of its own */
				drop_ids(n_ids, 1);
				break;
			}
			t1 = now_ns();
			sampler_stop(sp);
			nv[c] = sampler_window(sp, t0, t1, v[c], nv[c]);
			if (c == BUSY) {
				d = t1 - t0;
				window += d;
			}
		}
	}
	printf("result lock n=%d files=distinct runs=%d drop=%s window_ms=%llu",
	       n_ids, reps, drop_name(),
	       (unsigned long long)(window / reps / 1000000));
	print_lat("idle", v[IDLE], nv[IDLE]);
	print_lat("spin", v[SPIN], nv[SPIN]);
	print_lat("busy", v[BUSY], nv[BUSY]);
	printf("\n");
	free(sp);
	for (c = 0; c < N_CONDS; c++)
		free(v[c]);
}

/* Ask every slab cache to give its empty slabs back. */
static void shrink_slabs(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir("/sys/kernel/slab");
	int fd;

	if (!d)
		die("/sys/kernel/slab", errno);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 de->d_name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		/* not every cache can be shrunk; that is fine */
		(void)!write(fd, "1", 1);
		close(fd);
	}
	closedir(d);
}

static uint64_t slab_now_kib(void)
{
	unsigned long long kib = 0;
	char line[256];
	FILE *f;

	shrink_slabs();
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo", errno);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %llu kB", &kib) == 1)
			break;
	fclose(f);
	if (!kib)
		die("no Slab: in /proc/meminfo", ENOENT);
	return kib;
}

/*
 * Slab memory in KiB once it stopped falling: empty slabs are shrunk and
 * "Slab:" read every SETTLE_STEP_MS until it has not reached a new low for
 * SETTLE_QUIET_MS, so that kfree_rcu() batches and RCU-freed slabs still
 * pending count as freed; at most SETTLE_MAX_MS. The last reading; *ms is
 * how long it took, *settled whether it stopped falling in time.
 */
static uint64_t slab_kib(uint64_t *ms, bool *settled)
{
	uint64_t t0 = now_ns(), low_at = t0, low, kib, t;

	kib = slab_now_kib();
	low = kib;
	for (;;) {
		t = now_ns();
		*settled = t - low_at >= SETTLE_QUIET_MS * 1000000ULL;
		if (*settled || t - t0 >= SETTLE_MAX_MS * 1000000ULL)
			break;
		usleep(SETTLE_STEP_MS * 1000);
		kib = slab_now_kib();
		if (kib < low) {
			low = kib;
			low_at = now_ns();
		}
	}
	*ms = (t - t0) / 1000000;
	return kib;
}

/*
 * Memory: slab before n_ids ids on distinct files, with them, and after
 * CLOSE_ALL, each read once it stopped falling.
 */
static void bench_memory(int reps)
{
	uint64_t *before = xcalloc(reps, sizeof(uint64_t));
	uint64_t *peak = xcalloc(reps, sizeof(uint64_t));
	uint64_t *after = xcalloc(reps, sizeof(uint64_t));
	uint64_t ms, after_ms_max = 0;
	int r, unsettled = 0;
	bool ok;

	progress("memory: %d runs, %d ids", reps, n_ids);
	for (r = 0; r < reps; r++) {
		before[r] = slab_kib(&ms, &ok);
		unsettled += !ok;
		register_files(n_ids);
		peak[r] = slab_kib(&ms, &ok);
		unsettled += !ok;
		drop_ids(n_ids, 0);
		after[r] = slab_kib(&ms, &ok);
		unsettled += !ok;
		if (ms > after_ms_max)
			after_ms_max = ms;
	}
	printf("result memory n=%d files=distinct runs=%d drop=%s", n_ids, reps,
	       drop_name());
	print_mmm("before_kib", before, reps);
	print_mmm("peak_kib", peak, reps);
	print_mmm("after_kib", after, reps);
	printf(" after_settle_ms_max=%llu unsettled=%d\n",
	       (unsigned long long)after_ms_max, unsettled);
	free(before);
	free(peak);
	free(after);
}

static char hot_buf[4096];

static void hot_loop(const char *path, int iters)
{
	int i, fd;

	for (i = 0; i < iters; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die(path, errno);
		if (pread(fd, hot_buf, sizeof(hot_buf), 0) != sizeof(hot_buf))
			die("read", errno ?: EIO);
		close(fd);
	}
}

/*
 * Hot path: open + read 4 KiB + close of a passthrough file. Every open
 * looks its backing id up in the map. The caller and the server share CPU
 * 0 (scripts/bench.sh boots one vCPU for this): each round trip is then a
 * local wakeup, not a cross-vCPU one, whose cost under emulation depends
 * on how the vCPUs happen to be scheduled.
 * Two seconds of warm-up let the freshly booted guest settle. One line per
 * repetition.
 */
static void bench_hot(int iters, int reps)
{
	char path[PATH_MAX];
	uint64_t t0;
	int r, id;

	id = pt_backing_open(env.dev, backing_fd);
	if (id < 0)
		die("FUSE_DEV_IOC_BACKING_OPEN (is passthrough available?)", -id);
	pt_set_id(env.st, 0, id);
	snprintf(path, sizeof(path), "%s/f0", env.mnt);
	t0 = now_ns();
	while (now_ns() - t0 < 2000000000ULL)
		hot_loop(path, 10);
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		hot_loop(path, iters);
		printf("result hot rep=%d iters=%d ns_per_op=%llu\n", r, iters,
		       (unsigned long long)((now_ns() - t0) / iters));
	}
	if (hot_buf[100] != (char)pt_pattern(0, 100) ||
	    __atomic_load_n(&env.st->unexpected, __ATOMIC_RELAXED))
		die("the reads did not go to the backing file", EREMOTEIO);
}

static int number(const char *s, int min, int max)
{
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;

	if (!s || *end || v < min || v > max) {
		fprintf(stderr, "close_all_bench: '%s' is not a number from %d to %d\n",
			s ? s : "", min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "hot") && argc == 4) {
		int iters = number(argv[2], 1, 10000000), reps = number(argv[3], 1, 1000);

		pin_to_cpu(0);
		setup();
		bench_hot(iters, reps);
	} else if ((argc == 3 || argc == 4) &&
		   (!strcmp(mode, "recovery") || !strcmp(mode, "lock") ||
		    !strcmp(mode, "memory"))) {
		int reps = number(argv[2], 1, 1000);

		if (!strcmp(mode, "recovery"))
			max_n = argc == 4 ? number(argv[3], 1000, MAX_IDS) : MAX_IDS;
		else if (argc == 4)
			n_ids = number(argv[3], 1, MAX_IDS);
		setup();
		probe_close_all();
		if (!strcmp(mode, "recovery")) {
			bench_empty(reps);
			make_files(max_n);
			bench_grace(reps);
			bench_recovery(reps);
		} else {
			make_files(n_ids);
			if (!strcmp(mode, "lock"))
				bench_lock(reps);
			else
				bench_memory(reps);
		}
	} else {
		fprintf(stderr, "usage: close_all_bench recovery REPS [MAX_N]\n"
				"       close_all_bench lock|memory REPS [N]\n"
				"       close_all_bench hot ITERS REPS\n");
		return 2;
	}
	kill_server(env.server);
	if (strcmp(mode, "hot") && !have_close_all) {
		progress("exit status 4: the CLOSE_ALL figures are missing");
		return 4;
	}
	return 0;
}
