// SPDX-License-Identifier: GPL-2.0
/*
 * close_all_bench: what FUSE_DEV_IOC_BACKING_CLOSE_ALL costs, measured
 * against a real passthrough server on /dev/fuse (the selftests' raw
 * server, passthrough_server.h), in a private mount namespace.
 *
 * usage: close_all_bench recovery REPS     one CLOSE_ALL vs N BACKING_CLOSEs
 *        close_all_bench lock REPS         BACKING_OPEN latency during CLOSE_ALL
 *        close_all_bench memory REPS       slab memory of 100,000 ids
 *        close_all_bench hot ITERS REPS    open + read 4 KiB + close
 *
 * Every figure is printed as one "result" line of key=value pairs, times
 * in nanoseconds, memory in KiB; scripts/bench.sh turns them into the
 * table. Only "hot" runs on a kernel without the ioctl. Run as root.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>

#include "passthrough_server.h"

#define N_IDS		100000	/* the lock and memory figures */
#define MAX_IDS		300000	/* the largest recovery size */
#define LAT_SAMPLES	200000

static struct pt_env env;
static int backing_fd;
static int ids[MAX_IDS];

static void die(const char *what, int err)
{
	fprintf(stderr, "close_all_bench: %s: %s\n", what, strerror(err));
	exit(1);
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

/* "key_med=.. key_min=.. key_max=.." of n values (sorts them). */
static void print_mmm(const char *key, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf(" %s_med=%llu %s_min=%llu %s_max=%llu", key,
	       (unsigned long long)v[n / 2], key, (unsigned long long)v[0],
	       key, (unsigned long long)v[n - 1]);
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
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
	ret = pt_env_mount(&env);
	if (ret)
		die("mounting fuse", -ret);
	env.server = pt_server_start(env.dev, env.st);
	if (env.server < 0 || pt_wait_init(env.st, 10000))
		die("starting the server", ETIMEDOUT);
	pt_backing_path(env.st, 0, path, sizeof(path));
	backing_fd = open(path, O_RDONLY);
	if (backing_fd < 0)
		die(path, errno);
}

static void need_close_all(void)
{
	int ret = pt_close_all(env.dev);

	if (ret == -ENOTTY) {
		fprintf(stderr, "close_all_bench: no FUSE_DEV_IOC_BACKING_CLOSE_ALL\n");
		exit(4);
	}
	if (ret)
		die("FUSE_DEV_IOC_BACKING_CLOSE_ALL", -ret);
}

/* Register n ids for the one backing file. */
static void register_ids(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ids[i] = pt_backing_open(env.dev, backing_fd);
		if (ids[i] < 0)
			die("FUSE_DEV_IOC_BACKING_OPEN", -ids[i]);
	}
}

static uint64_t time_close_all(void)
{
	uint64_t t0 = now_ns();
	int ret = pt_close_all(env.dev);

	if (ret)
		die("FUSE_DEV_IOC_BACKING_CLOSE_ALL", -ret);
	return now_ns() - t0;
}

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
 * Recovery: the same n ids dropped by one CLOSE_ALL and by n BACKING_CLOSE
 * calls, in alternating order. A CLOSE_ALL of an empty map costs one grace
 * period; that is the part of the cost that does not depend on n.
 */
static void bench_recovery(int reps)
{
	static const int sizes[] = { 1000, 10000, 100000, MAX_IDS };
	uint64_t *ca = calloc(reps, sizeof(*ca)), *cl = calloc(reps, sizeof(*cl));
	unsigned int s;
	int r;

	/* the map exists once an id was registered; now it is empty */
	register_ids(1);
	time_closes(1);
	for (r = 0; r < reps; r++)
		ca[r] = time_close_all();
	printf("result grace n=0");
	print_mmm("close_all", ca, reps);
	printf("\n");

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		int n = sizes[s];

		for (r = 0; r < reps; r++) {
			if (r % 2) {
				register_ids(n);
				cl[r] = time_closes(n);
			}
			register_ids(n);
			ca[r] = time_close_all();
			if (!(r % 2)) {
				register_ids(n);
				cl[r] = time_closes(n);
			}
		}
		printf("result recovery n=%d", n);
		print_mmm("close_all", ca, reps);
		print_mmm("closes", cl, reps);
		printf("\n");
		fflush(stdout);
	}
	free(ca);
	free(cl);
}

/* The timed BACKING_OPEN caller of the lock benchmark. */
struct sampler {
	pthread_t thread;
	volatile int stop;
	volatile int count;
	uint64_t start[LAT_SAMPLES];
	uint64_t lat[LAT_SAMPLES];
};

static void *sampler_fn(void *arg)
{
	struct sampler *sp = arg;
	int id;

	pin_to_cpu(1);
	while (!sp->stop && sp->count < LAT_SAMPLES) {
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
	sp->stop = 0;
	sp->count = 0;
	if (pthread_create(&sp->thread, NULL, sampler_fn, sp))
		die("pthread_create", EAGAIN);
	while (__atomic_load_n(&sp->count, __ATOMIC_ACQUIRE) < 50)
		sched_yield();
}

static void sampler_stop(struct sampler *sp)
{
	sp->stop = 1;
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

/*
 * Lock hold: a thread on CPU 1 times BACKING_OPEN (which takes fc->lock)
 * while CPU 0 runs CLOSE_ALL of 100,000 ids; the same thread with CPU 0
 * idle, and with CPU 0 spinning in userspace for as long as CLOSE_ALL took
 * (under software emulation a busy second vCPU slows the first one down,
 * whatever the lock does).
 */
static void bench_lock(int reps)
{
	struct sampler *sp = calloc(1, sizeof(*sp));
	uint64_t *idle = calloc(LAT_SAMPLES, sizeof(uint64_t));
	uint64_t *busy = calloc(LAT_SAMPLES, sizeof(uint64_t));
	uint64_t *spin = calloc(LAT_SAMPLES, sizeof(uint64_t));
	size_t nidle = 0, nbusy = 0, nspin = 0;
	uint64_t t0, t1, d, window = 0;
	int r;

	if (!sp || !idle || !busy || !spin)
		die("calloc", ENOMEM);
	pin_to_cpu(0);
	for (r = 0; r < reps; r++) {
		register_ids(N_IDS);
		sampler_start(sp);
		t0 = now_ns();
		time_close_all();
		t1 = now_ns();
		sampler_stop(sp);
		nbusy = sampler_window(sp, t0, t1, busy, nbusy);
		d = t1 - t0;
		window += d;

		sampler_start(sp);
		t0 = now_ns();
		while (now_ns() - t0 < d)
			;
		t1 = now_ns();
		sampler_stop(sp);
		nspin = sampler_window(sp, t0, t1, spin, nspin);

		sampler_start(sp);
		t0 = now_ns();
		usleep(d / 1000);
		t1 = now_ns();
		sampler_stop(sp);
		nidle = sampler_window(sp, t0, t1, idle, nidle);
	}
	printf("result lock n=%d window_ms=%llu", N_IDS,
	       (unsigned long long)(window / reps / 1000000));
	print_lat("idle", idle, nidle);
	print_lat("spin", spin, nspin);
	print_lat("busy", busy, nbusy);
	printf("\n");
	free(sp);
	free(idle);
	free(busy);
	free(spin);
}

/* Ask every slab cache to give its empty slabs back. */
static void shrink_slabs(void)
{
	char path[PATH_MAX];
	FILE *f = popen("ls /sys/kernel/slab", "r");
	char name[256];
	int fd;

	if (!f)
		return;
	while (fscanf(f, "%255s", name) == 1) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		/* not every cache can be shrunk; that is fine */
		(void)!write(fd, "1", 1);
		close(fd);
	}
	pclose(f);
}

/* Slab memory in KiB once RCU callbacks ran and empty slabs went back. */
static uint64_t slab_kib(void)
{
	unsigned long long kib = 0;
	char line[256];
	FILE *f;

	usleep(500 * 1000);	/* kfree_rcu() of the entries and their creds */
	shrink_slabs();
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo", errno);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Memory: slab before 100,000 ids, with them, and after CLOSE_ALL. */
static void bench_memory(int reps)
{
	uint64_t *before = calloc(reps, sizeof(uint64_t));
	uint64_t *peak = calloc(reps, sizeof(uint64_t));
	uint64_t *after = calloc(reps, sizeof(uint64_t));
	int r;

	for (r = 0; r < reps; r++) {
		before[r] = slab_kib();
		register_ids(N_IDS);
		peak[r] = slab_kib();
		time_close_all();
		after[r] = slab_kib();
	}
	printf("result memory n=%d", N_IDS);
	print_mmm("before_kib", before, reps);
	print_mmm("peak_kib", peak, reps);
	print_mmm("after_kib", after, reps);
	printf("\n");
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
	} else if (argc == 3 && (!strcmp(mode, "recovery") || !strcmp(mode, "lock") ||
				 !strcmp(mode, "memory"))) {
		int reps = number(argv[2], 1, 1000);

		setup();
		need_close_all();
		if (!strcmp(mode, "recovery"))
			bench_recovery(reps);
		else if (!strcmp(mode, "lock"))
			bench_lock(reps);
		else
			bench_memory(reps);
	} else {
		fprintf(stderr, "usage: close_all_bench recovery|lock|memory REPS\n"
				"       close_all_bench hot ITERS REPS\n");
		return 2;
	}
	pt_server_kill(env.server);
	return 0;
}
