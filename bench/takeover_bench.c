// SPDX-License-Identifier: GPL-2.0
/*
 * takeover_bench: how long a passthrough FUSE server is gone when it is
 * replaced on its live connection, and what a client with open files sees
 * meanwhile. Runs as root in the benchmark VM (scripts/bench-takeover.sh).
 *
 *   crash EXAMPLE N REPS    the libfuse example passthrough_takeover
 *                           (its supervisor forks a successor when the
 *                           server dies); N files held open through the
 *                           mount, each with a backing id; SIGKILL the
 *                           server, then from the kill: when a new open of
 *                           a file never looked up, a lookup and a getattr
 *                           are served, and (from the servers' logs) when
 *                           the supervisor saw the death, the successor
 *                           started, resumed, closed the old ids, asked
 *                           for the resend
 *   floor a|b N REPS        the same against a raw /dev/fuse server of this
 *                           program: its supervisor forks and execs a
 *                           successor that does (a) one CLOSE_ALL and one
 *                           NOTIFY_RESEND, (b) the same and N BACKING_OPEN
 *                           (a server that registers its files again at
 *                           once), and serves
 *   reads EXAMPLE N REPS    reads through the held files on CPU 1 while
 *                           the example's server is killed and replaced on
 *                           CPU 0, against the same reads with the server
 *                           alive and CPU 0 busy with a spinning process
 *                           (single-threaded emulation shares the host
 *                           thread between the vCPUs, so the control keeps
 *                           CPU 0 as busy as a successor would) and idle
 *   upgrade EXAMPLE N REPS  the example's handover to a new binary (SIGUSR1,
 *                           -o successor=EXAMPLE; the new binary is loaded
 *                           and its successor ready before the old server
 *                           stops, and closes the old server's ids while
 *                           it serves) under a load of getattr requests:
 *                           the longest wait of a request and the longest
 *                           time no request was answered, against the
 *                           latency with the server alive
 *   crash-mt, upgrade-mt    crash and upgrade with the example's server
 *                           multi-threaded on cloned fds (-o mt,clone_fd,
 *                           max_threads=8), the upgrade under 8 clients
 *
 * Each measurement prints one "result ..." line on stdout, times in
 * nanoseconds from the kill (or the SIGUSR1); progress goes to stderr.
 * Every file is 4 KiB on a tmpfs of the program's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/fuse.h>

#ifndef FUSE_DEV_IOC_BACKING_CLOSE_ALL
#define FUSE_DEV_IOC_BACKING_CLOSE_ALL	_IO(FUSE_DEV_IOC_MAGIC, 4)
#endif

#define TOP		"/tmp/takeover-bench"
#define SRC		TOP "/src"
#define MNT		TOP "/mnt"
#define LOG		TOP "/server.log"
#define FILE_SIZE	4096
#define EXAMPLE_NAME	"passthrough_takeover"
#define FLOOR_NAME	"takeover_floor"
#define WAIT_MS		60000	/* for anything the servers must do */
/* a little more than the example's QUICK_DEATH_NS */
#define EXAMPLE_QUICK_DEATH_NS	2200000000ULL

static int nfiles;
static int *held;

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "takeover_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == -1)
		die("cannot pin to CPU %d: %s", cpu, strerror(errno));
}

static int number(const char *s, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		die("'%s' is not a number from %d to %d", s, min, max);
	return v;
}

/* "[ seconds.micros] NAME[GEN]: ", as the kernel log and the example */
static void log_line(const char *name, unsigned int gen, const char *fmt, ...)
{
	struct timespec ts;
	char line[512];
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "[%5lld.%06ld] %s[%u]: %s\n", (long long)ts.tv_sec,
		ts.tv_nsec / 1000, name, gen, line);
}

/*
 * The time of the first line of server GEN of NAME in the log that has
 * MSG, and in REST (if not NULL) what follows MSG; -1 if none.
 */
static int log_find(const char *name, unsigned int gen, const char *msg,
		    uint64_t *t, char *rest, size_t len)
{
	char line[1024], want[256];
	long long s;
	long us;
	FILE *f;
	int ret = -1;

	snprintf(want, sizeof(want), "] %s[%u]: ", name, gen);
	f = fopen(LOG, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want);

		if (p)
			p = strstr(p + strlen(want), msg);
		if (p == NULL || sscanf(line, "[%lld.%ld]", &s, &us) != 2)
			continue;
		*t = s * 1000000000 + us * 1000;
		if (rest) {
			snprintf(rest, len, "%s", p + strlen(msg));
			rest[strcspn(rest, "\n")] = 0;
		}
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static uint64_t log_wait(const char *name, unsigned int gen, const char *msg,
			 char *rest, size_t len)
{
	uint64_t t, end = now_ns() + WAIT_MS * 1000000ULL;

	while (log_find(name, gen, msg, &t, rest, len) != 0) {
		if (now_ns() > end)
			die("%s[%u] did not log '%s' (see %s)", name, gen, msg, LOG);
		sleep_ms(5);
	}
	return t;
}

/* The pid of server GEN of NAME, and in *since when it runs */
static pid_t server_pid(const char *name, unsigned int gen, uint64_t *since)
{
	char rest[256];

	*since = log_wait(name, gen, "pid ", rest, sizeof(rest));
	return atoi(rest);
}

static void write_file(const char *path)
{
	static char data[FILE_SIZE];
	int fd;

	memset(data, 'x', sizeof(data));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd == -1 || write(fd, data, sizeof(data)) != sizeof(data))
		die("cannot write %s: %s", path, strerror(errno));
	close(fd);
}

/*
 * A tmpfs of our own with the N files that are held open (h0...) and, for
 * each repetition, one to open (o0...) and one to look up (l0...).
 */
static void setup(int n, int reps)
{
	struct rlimit rl = { .rlim_cur = 2 * n + 1024, .rlim_max = 2 * n + 1024 };
	char path[PATH_MAX];
	int i;

	nfiles = n;
	held = calloc(n, sizeof(*held));
	if (held == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		held[i] = -1;
	/* the client and the server each hold N descriptors */
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("cannot raise RLIMIT_NOFILE to %d: %s", 2 * n + 1024,
		    strerror(errno));
	mkdir(TOP, 0755);
	umount2(MNT, MNT_DETACH);
	umount2(TOP, MNT_DETACH);
	if (mount("takeover-bench", TOP, "tmpfs", 0, "mode=0755") == -1)
		die("cannot mount a tmpfs on %s: %s", TOP, strerror(errno));
	if (mkdir(SRC, 0755) == -1 || mkdir(MNT, 0755) == -1)
		die("cannot make %s and %s: %s", SRC, MNT, strerror(errno));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), SRC "/h%d", i);
		write_file(path);
	}
	for (i = 0; i < reps; i++) {
		snprintf(path, sizeof(path), SRC "/o%d", i);
		write_file(path);
		snprintf(path, sizeof(path), SRC "/l%d", i);
		write_file(path);
	}
}

static void teardown(pid_t supervisor)
{
	int i;

	for (i = 0; i < nfiles; i++)
		if (held[i] != -1)
			close(held[i]);
	if (umount2(MNT, 0) == -1)
		umount2(MNT, MNT_DETACH);
	kill(supervisor, SIGKILL);
	waitpid(supervisor, NULL, 0);
	umount2(TOP, MNT_DETACH);
	free(held);
}

/* (Re)open the N files, so that the current server registers N ids */
static void open_held(void)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < nfiles; i++) {
		if (held[i] != -1)
			close(held[i]);
		snprintf(path, sizeof(path), MNT "/h%d", i);
		held[i] = open(path, O_RDONLY);
		if (held[i] == -1)
			die("cannot open %s: %s", path, strerror(errno));
	}
	/* the releases of the closed ones are answered in the background */
	sleep_ms(200);
}

/* The example: its supervisor, once the first server handed over */
static pid_t start_example(const char *example, const char *extra)
{
	char opts[PATH_MAX + 64];
	pid_t pid;
	int fd;

	fd = open(LOG, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd == -1)
		die("cannot create %s: %s", LOG, strerror(errno));
	snprintf(opts, sizeof(opts), "source=" SRC "%s%s", *extra ? "," : "",
		 extra);
	pid = fork();
	if (pid == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(example, EXAMPLE_NAME, "-f", "-o", opts, MNT, (char *)NULL);
		fprintf(stderr, "cannot exec %s: %s\n", example, strerror(errno));
		_exit(127);
	}
	close(fd);
	log_wait(EXAMPLE_NAME, 0, "state handed over", NULL, 0);
	return pid;
}

/* The three requests a client makes after the kill, each in a thread */
enum probe_kind { PROBE_OPEN, PROBE_LOOKUP, PROBE_GETATTR, NPROBES };

struct probe {
	enum probe_kind kind;
	char path[PATH_MAX];
	int go;			/* read end of the pipe that starts it */
	int fd;			/* what PROBE_OPEN opened */
	int err;
	uint64_t done;
	pthread_t thread;
};

static void *probe_fn(void *arg)
{
	struct probe *p = arg;
	struct statx stx;
	struct stat st;
	char c;
	int ret = 0;

	if (read(p->go, &c, 1) != 1)
		p->err = EIO;
	switch (p->kind) {
	case PROBE_OPEN:
		p->fd = open(p->path, O_RDONLY);
		ret = p->fd;
		break;
	case PROBE_LOOKUP:
		ret = stat(p->path, &st);
		break;
	default:
		ret = statx(AT_FDCWD, p->path, AT_STATX_FORCE_SYNC,
			    STATX_BASIC_STATS, &stx);
		break;
	}
	p->done = now_ns();
	if (ret == -1)
		p->err = errno;
	return NULL;
}

struct takeover {
	uint64_t kill, done[NPROBES];
	/* from the logs, 0 if not there */
	uint64_t notice, start, resume, close_all, registered, resend;
	int closed, nregistered;
};

/*
 * SIGKILL server GEN of NAME (the example or the floor) and time the
 * takeover by server GEN + 1.
 */
static void crash_once(const char *name, unsigned int gen, int rep,
		       struct takeover *t)
{
	struct probe p[NPROBES];
	uint64_t started;
	pid_t pid = server_pid(name, gen, &started);
	char rest[256];
	int go[2], i;

	/*
	 * The example's supervisor delays the successor of a server that
	 * dies within 2 s of its start (a crash loop); the outage measured
	 * is a takeover's, not that delay
	 */
	if (strcmp(name, EXAMPLE_NAME) == 0 &&
	    now_ns() < started + EXAMPLE_QUICK_DEATH_NS)
		sleep_ms((started + EXAMPLE_QUICK_DEATH_NS - now_ns()) / 1000000 + 1);

	if (pipe(go) == -1)
		die("pipe: %s", strerror(errno));
	for (i = 0; i < NPROBES; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].kind = i;
		p[i].go = go[0];
		p[i].fd = -1;
		if (i == PROBE_OPEN)
			snprintf(p[i].path, PATH_MAX, MNT "/o%d", rep);
		else if (i == PROBE_LOOKUP)
			snprintf(p[i].path, PATH_MAX, MNT "/l%d", rep);
		else
			snprintf(p[i].path, PATH_MAX, MNT "/h0");
		if (pthread_create(&p[i].thread, NULL, probe_fn, &p[i]) != 0)
			die("cannot start a thread");
	}
	sleep_ms(50);
	t->kill = now_ns();
	if (kill(pid, SIGKILL) == -1)
		die("cannot kill server %u (pid %d): %s", gen, pid,
		    strerror(errno));
	if (write(go[1], "xxx", NPROBES) != NPROBES)
		die("cannot start the probes");
	for (i = 0; i < NPROBES; i++) {
		pthread_join(p[i].thread, NULL);
		if (p[i].err)
			die("probe %s after the kill of %s[%u]: %s", p[i].path,
			    name, gen, strerror(p[i].err));
		t->done[i] = p[i].done;
	}
	close(p[PROBE_OPEN].fd);
	close(go[0]);
	close(go[1]);

	log_find(name, gen, "server ", &t->notice, NULL, 0);
	t->start = log_wait(name, gen + 1, "pid ", NULL, 0);
	log_find(name, gen + 1, " took over", &t->resume, NULL, 0);
	t->close_all = log_wait(name, gen + 1, "close-all: ", rest, sizeof(rest));
	/* -1: not closed (a kernel without the ioctl); the script checks */
	if (sscanf(rest, "closed %d backing ids", &t->closed) != 1)
		t->closed = -1;
	if (log_find(name, gen + 1, "registered ", &t->registered, rest,
		     sizeof(rest)) == 0)
		t->nregistered = atoi(rest);
	t->resend = log_wait(name, gen + 1, "resend: requested", NULL, 0);
}

static long long since(uint64_t t, uint64_t t0)
{
	return t ? (long long)(t - t0) : -1;
}

static void print_takeover(const char *server, int rep, struct takeover *t)
{
	printf("result takeover server=%s n=%d rep=%d open_ns=%lld lookup_ns=%lld getattr_ns=%lld notice_ns=%lld start_ns=%lld resume_ns=%lld close_all_ns=%lld registered_ns=%lld resend_ns=%lld closed=%d registered=%d\n",
	       server, nfiles, rep, since(t->done[PROBE_OPEN], t->kill),
	       since(t->done[PROBE_LOOKUP], t->kill),
	       since(t->done[PROBE_GETATTR], t->kill),
	       since(t->notice, t->kill), since(t->start, t->kill),
	       since(t->resume, t->kill), since(t->close_all, t->kill),
	       since(t->registered, t->kill), since(t->resend, t->kill),
	       t->closed, t->nregistered);
	fflush(stdout);
}

/* The example's options for a multi-threaded server on cloned fds */
#define MT_OPTS		"mt,clone_fd,max_threads=8"

static void bench_crash(const char *example, bool mt, int n, int reps)
{
	pid_t sup;
	int r;

	setup(n, reps);
	sup = start_example(example, mt ? MT_OPTS : "");
	for (r = 0; r < reps; r++) {
		struct takeover t = { 0 };

		fprintf(stderr, "crash%s n=%d rep %d\n", mt ? "-mt" : "", n, r);
		open_held();
		crash_once(EXAMPLE_NAME, r, r, &t);
		print_takeover(mt ? "libfuse_mt" : "libfuse", r, &t);
	}
	teardown(sup);
}

/*
 * The floor: a raw server of this program. Node ids are the file names'
 * ("h7", "o2", "l2") so that any generation knows them without state; a
 * file handle is the server's generation and the backing id.
 */
#define FLOOR_BUF	(FUSE_MIN_READ_BUFFER + 128 * 1024)

static unsigned int floor_gen;
static int floor_dev;
/* (b): the id each held file was registered with again, by index */
static int *floor_ids;
static int floor_nids;
/* a file handle of an id in floor_ids[]: release keeps it */
#define FLOOR_KEEP	(1ULL << 63)

#define floor_log(...) log_line(FLOOR_NAME, floor_gen, __VA_ARGS__)

static const char floor_kinds[] = "hol";

static uint64_t floor_nodeid(const char *name)
{
	const char *k = strchr(floor_kinds, name[0]);
	char *end;
	long i;

	if (name[0] == 0 || k == NULL)
		return 0;
	errno = 0;
	i = strtol(name + 1, &end, 10);
	if (errno || *end || end == name + 1 || i < 0 || i >= INT_MAX / 3)
		return 0;
	return FUSE_ROOT_ID + 1 + 3 * i + (k - floor_kinds);
}

static int floor_path(uint64_t nodeid, char *buf, size_t len)
{
	uint64_t i = nodeid - FUSE_ROOT_ID - 1;

	if (nodeid <= FUSE_ROOT_ID)
		return -1;
	snprintf(buf, len, SRC "/%c%llu", floor_kinds[i % 3],
		 (unsigned long long)(i / 3));
	return 0;
}

static int floor_attr(uint64_t nodeid, struct fuse_attr *a)
{
	char path[PATH_MAX];
	struct stat st;

	memset(a, 0, sizeof(*a));
	a->ino = nodeid;
	if (nodeid == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
		return 0;
	}
	if (floor_path(nodeid, path, sizeof(path)) || stat(path, &st) == -1)
		return -ENOENT;
	a->size = st.st_size;
	a->blocks = st.st_blocks;
	a->mode = st.st_mode;
	a->nlink = st.st_nlink;
	a->blksize = st.st_blksize;
	a->mtime = st.st_mtim.tv_sec;
	a->mtimensec = st.st_mtim.tv_nsec;
	a->ctime = a->atime = a->mtime;
	return 0;
}

static void floor_reply(uint64_t unique, int error, const void *arg,
			size_t len)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh) + (error ? 0 : len),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ &oh, sizeof(oh) },
		{ (void *)arg, error ? 0 : len },
	};

	/* ENOENT: the request was interrupted, nobody waits for it */
	if (writev(floor_dev, iov, 2) == -1 && errno != ENOENT)
		die("reply to %llu: %s", (unsigned long long)unique,
		    strerror(errno));
}

static int floor_backing_open(const char *path, int flags)
{
	struct fuse_backing_map map = { 0 };
	int fd, id;

	fd = open(path, flags);
	if (fd == -1)
		return -errno;
	map.fd = fd;
	id = ioctl(floor_dev, FUSE_DEV_IOC_BACKING_OPEN, &map);
	if (id == -1)
		id = -errno;
	close(fd);	/* the kernel holds the file */
	return id;
}

static void floor_init(struct fuse_in_header *in)
{
	struct fuse_init_in *arg = (void *)(in + 1);
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = arg->max_readahead,
		.flags = FUSE_INIT_EXT,
		.flags2 = FUSE_PASSTHROUGH >> 32,
		.max_background = 16,
		.congestion_threshold = 12,
		.max_write = 128 * 1024,
		.time_gran = 1,
		.max_stack_depth = 1,
	};

	if (!(arg->flags & FUSE_INIT_EXT) ||
	    !(arg->flags2 & (FUSE_PASSTHROUGH >> 32)))
		die("the kernel offers no FUSE passthrough");
	floor_reply(in->unique, 0, &out, sizeof(out));
}

static void floor_handle(struct fuse_in_header *in)
{
	void *arg = in + 1;
	char path[PATH_MAX];

	switch (in->opcode) {
	case FUSE_INIT:
		floor_init(in);
		break;
	case FUSE_LOOKUP: {
		struct fuse_entry_out e = { .generation = 1, .entry_valid = 1,
					    .attr_valid = 1 };
		int err;

		e.nodeid = floor_nodeid(arg);
		err = e.nodeid ? floor_attr(e.nodeid, &e.attr) : -ENOENT;
		floor_reply(in->unique, err, &e, sizeof(e));
		break;
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out a = { .attr_valid = 1 };
		int err = floor_attr(in->nodeid, &a.attr);

		floor_reply(in->unique, err, &a, sizeof(a));
		break;
	}
	case FUSE_OPEN: {
		struct fuse_open_in *oi = arg;
		struct fuse_open_out oo = { .open_flags = FOPEN_PASSTHROUGH };
		int id = -ENOENT;

		uint64_t i = (in->nodeid - FUSE_ROOT_ID - 1) / 3;

		if (in->nodeid > FUSE_ROOT_ID && i < (uint64_t)floor_nids &&
		    (in->nodeid - FUSE_ROOT_ID - 1) % 3 == 0 &&
		    (oi->flags & O_ACCMODE) == O_RDONLY) {
			id = floor_ids[i];
			oo.fh = FLOOR_KEEP;
		} else if (floor_path(in->nodeid, path, sizeof(path)) == 0) {
			id = floor_backing_open(path, oi->flags & O_ACCMODE);
		}
		oo.fh |= (uint64_t)floor_gen << 32 | (uint32_t)id;
		oo.backing_id = id;
		floor_reply(in->unique, id < 0 ? id : 0, &oo, sizeof(oo));
		break;
	}
	case FUSE_RELEASE: {
		struct fuse_release_in *ri = arg;
		int id = (uint32_t)ri->fh;

		/* the ids of a predecessor were dropped by close-all */
		if (!(ri->fh & FLOOR_KEEP) && ri->fh >> 32 == floor_gen)
			ioctl(floor_dev, FUSE_DEV_IOC_BACKING_CLOSE, &id);
		floor_reply(in->unique, 0, NULL, 0);
		break;
	}
	case FUSE_FLUSH:
		floor_reply(in->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;
	case FUSE_DESTROY:
		floor_reply(in->unique, 0, NULL, 0);
		exit(0);
	default:
		floor_reply(in->unique, -ENOSYS, NULL, 0);
		break;
	}
}

static void __attribute__((noreturn)) floor_serve(void)
{
	char *buf = malloc(FLOOR_BUF);

	if (buf == NULL)
		die("out of memory");
	for (;;) {
		ssize_t n = read(floor_dev, buf, FLOOR_BUF);

		if (n == -1 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n == -1 && errno == ENODEV)
			exit(0);	/* unmounted */
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			die("read /dev/fuse: %s", n == -1 ? strerror(errno) :
			    "short read");
		floor_handle((struct fuse_in_header *)buf);
	}
}

/* A successor, exec'd by the floor's supervisor: successor a|b FD N GEN */
static int floor_successor(char **argv)
{
	bool again = strcmp(argv[0], "b") == 0;
	char path[PATH_MAX];
	int ret, i, n;

	floor_dev = number(argv[1], 0, INT_MAX);
	n = number(argv[2], 1, INT_MAX);
	floor_gen = number(argv[3], 1, INT_MAX);
	floor_log("pid %d resuming", getpid());
	floor_log("pid %d took over the connection", getpid());
	ret = ioctl(floor_dev, FUSE_DEV_IOC_BACKING_CLOSE_ALL);
	if (ret == -1)
		floor_log("close-all: %s", strerror(errno));
	else
		floor_log("close-all: closed %d backing ids", ret);
	if (again) {
		/* the held files' next opens use these */
		floor_ids = calloc(n, sizeof(*floor_ids));
		if (floor_ids == NULL)
			die("out of memory");
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), SRC "/h%d", i);
			ret = floor_backing_open(path, O_RDONLY);
			if (ret < 0)
				die("BACKING_OPEN %s: %s", path, strerror(-ret));
			floor_ids[i] = ret;
		}
		floor_nids = n;
		floor_log("registered %d backing ids", n);
	}
	ret = write(floor_dev, &(struct fuse_out_header){
		.len = sizeof(struct fuse_out_header),
		.error = FUSE_NOTIFY_RESEND }, sizeof(struct fuse_out_header));
	if (ret == -1)
		die("FUSE_NOTIFY_RESEND: %s", strerror(errno));
	floor_log("resend: requested");
	floor_serve();
}

/*
 * The floor's supervisor holds the fd and, when a server dies of a signal,
 * forks and execs a successor of MODE.
 */
static void floor_supervise(const char *mode)
{
	char fdstr[16], nstr[16], genstr[16];
	pid_t child;
	int status;

	child = fork();
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		floor_log("pid %d serving", getpid());
		floor_serve();
	}
	for (;;) {
		if (child == -1)
			die("fork: %s", strerror(errno));
		if (waitpid(child, &status, 0) == -1)
			die("waitpid: %s", strerror(errno));
		if (!WIFSIGNALED(status))
			exit(0);
		floor_log("server %d killed by signal %d", child,
			  WTERMSIG(status));
		floor_gen++;
		snprintf(fdstr, sizeof(fdstr), "%d", floor_dev);
		snprintf(nstr, sizeof(nstr), "%d", nfiles);
		snprintf(genstr, sizeof(genstr), "%u", floor_gen);
		child = fork();
		if (child == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execl("/proc/self/exe", "takeover_bench", "successor",
			      mode, fdstr, nstr, genstr, (char *)NULL);
			die("cannot exec a successor: %s", strerror(errno));
		}
	}
}

static pid_t start_floor(const char *mode)
{
	char opts[128];
	pid_t pid;
	int fd;

	floor_dev = open("/dev/fuse", O_RDWR);
	if (floor_dev == -1)
		die("cannot open /dev/fuse: %s", strerror(errno));
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0",
		 floor_dev);
	if (mount("takeover-floor", MNT, "fuse.takeover-floor",
		  MS_NOSUID | MS_NODEV, opts) == -1)
		die("cannot mount %s: %s", MNT, strerror(errno));
	fd = open(LOG, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd == -1)
		die("cannot create %s: %s", LOG, strerror(errno));
	pid = fork();
	if (pid == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		floor_supervise(mode);
	}
	close(fd);
	close(floor_dev);
	return pid;
}

static void bench_floor(const char *mode, int n, int reps)
{
	char server[16];
	pid_t sup;
	int r;

	setup(n, reps);
	sup = start_floor(mode);
	snprintf(server, sizeof(server), "floor_%s", mode);
	for (r = 0; r < reps; r++) {
		struct takeover t = { 0 };

		fprintf(stderr, "floor %s n=%d rep %d\n", mode, n, r);
		open_held();
		crash_once(FLOOR_NAME, r, r, &t);
		print_takeover(server, r, &t);
	}
	teardown(sup);
}

/* Reads through the held files, one 4 KiB pread after another */
struct reader {
	uint64_t *ts;		/* when each read returned */
	size_t n, cap;
	atomic_bool stop;
	int err;
	pthread_t thread;
};

static void *reader_fn(void *arg)
{
	struct reader *rd = arg;
	char buf[FILE_SIZE];
	int i = 0;

	pin_to_cpu(1);
	while (!atomic_load(&rd->stop) && rd->n < rd->cap) {
		if (pread(held[i], buf, sizeof(buf), 0) != sizeof(buf)) {
			rd->err = errno ? errno : EIO;
			break;
		}
		rd->ts[rd->n++] = now_ns();
		i = (i + 1) % nfiles;
	}
	return NULL;
}

/* Reads per millisecond in [t0, t1), and the longest gap between two */
static double reads_in(struct reader *rd, uint64_t t0, uint64_t t1,
		       uint64_t *gap)
{
	uint64_t prev = t0;
	size_t i, k = 0;

	*gap = 0;
	for (i = 0; i < rd->n; i++) {
		if (rd->ts[i] < t0 || rd->ts[i] >= t1)
			continue;
		k++;
		if (rd->ts[i] - prev > *gap)
			*gap = rd->ts[i] - prev;
		prev = rd->ts[i];
	}
	if (t1 - prev > *gap)
		*gap = t1 - prev;
	return k * 1e6 / (t1 - t0);
}

/* A process that keeps CPU 0 busy until it is killed */
static pid_t spinner(void)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready) == -1)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		pin_to_cpu(0);
		close(ready[0]);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			;
	}
	close(ready[1]);
	if (pid == -1 || read(ready[0], &c, 1) != 1)
		die("cannot start a spinning process");
	close(ready[0]);
	return pid;
}

#define WINDOW_MS	300

static void bench_reads(const char *example, int n, int reps)
{
	pid_t sup;
	int r;

	setup(n, reps);
	/* the supervisor, the servers and the probes on CPU 0 */
	pin_to_cpu(0);
	sup = start_example(example, "");
	for (r = 0; r < reps; r++) {
		struct reader rd = { .cap = 1 << 22 };
		struct takeover t = { 0 };
		uint64_t a0, a1, b0, b1, gap_spin, gap_idle, gap_out;
		double spin, idle, out;
		pid_t sp;

		fprintf(stderr, "reads n=%d rep %d\n", n, r);
		open_held();
		rd.ts = malloc(rd.cap * sizeof(*rd.ts));
		if (rd.ts == NULL ||
		    pthread_create(&rd.thread, NULL, reader_fn, &rd) != 0)
			die("cannot start the reader");
		sleep_ms(100);
		sp = spinner();
		a0 = now_ns();
		sleep_ms(WINDOW_MS);
		a1 = now_ns();
		kill(sp, SIGKILL);
		waitpid(sp, NULL, 0);
		sleep_ms(100);
		b0 = now_ns();
		sleep_ms(WINDOW_MS);
		b1 = now_ns();
		crash_once(EXAMPLE_NAME, r, r, &t);
		atomic_store(&rd.stop, true);
		pthread_join(rd.thread, NULL);
		if (rd.err)
			die("a read through a held file failed: %s",
			    strerror(rd.err));
		if (rd.n == rd.cap)
			die("the reader's buffer is full");
		spin = reads_in(&rd, a0, a1, &gap_spin);
		idle = reads_in(&rd, b0, b1, &gap_idle);
		out = reads_in(&rd, t.kill, t.done[PROBE_OPEN], &gap_out);
		printf("result reads n=%d rep=%d outage_ns=%llu outage_per_ms=%.1f spin_per_ms=%.1f idle_per_ms=%.1f outage_gap_ns=%llu spin_gap_ns=%llu idle_gap_ns=%llu\n",
		       n, r, (unsigned long long)(t.done[PROBE_OPEN] - t.kill),
		       out, spin, idle, (unsigned long long)gap_out,
		       (unsigned long long)gap_spin,
		       (unsigned long long)gap_idle);
		fflush(stdout);
		free(rd.ts);
	}
	teardown(sup);
}

/* getattr requests in a loop, each one's start and end */
#define LOADERS		2
#define LOADERS_MT	8

struct loader {
	int index;
	uint64_t *start, *end;
	size_t n, cap;
	atomic_bool *stop;
	int errors;
	pthread_t thread;
};

static void *loader_fn(void *arg)
{
	struct loader *ld = arg;
	char path[PATH_MAX];
	struct statx stx;
	int i = ld->index;

	while (!atomic_load(ld->stop) && ld->n < ld->cap) {
		snprintf(path, sizeof(path), MNT "/h%d", i);
		ld->start[ld->n] = now_ns();
		if (statx(AT_FDCWD, path, AT_STATX_FORCE_SYNC,
			  STATX_BASIC_STATS, &stx) == -1)
			ld->errors++;
		ld->end[ld->n++] = now_ns();
		i = (i + LOADERS_MT) % nfiles;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void bench_upgrade(const char *example, bool mt, int n, int reps)
{
	int loaders = mt ? LOADERS_MT : LOADERS;
	char opts[PATH_MAX + 64];
	pid_t sup;
	int r, i;

	setup(n, reps);
	snprintf(opts, sizeof(opts), "successor=%s%s", example,
		 mt ? "," MT_OPTS : "");
	sup = start_example(example, opts);
	for (r = 0; r < reps; r++) {
		struct loader ld[LOADERS_MT];
		atomic_bool stop = false;
		uint64_t t0, t1, tu, exec, ready, stopping, stopped, resume;
		uint64_t indexed, ca, resend;
		uint64_t *live, *ends, *live_ends, max_wait = 0, gap = 0, gap_at = 0;
		uint64_t live_gap = 0, prev;
		size_t nlive = 0, nend = 0, k;
		int errors = 0;
		char rest[256];

		fprintf(stderr, "upgrade%s n=%d rep %d\n", mt ? "-mt" : "", n, r);
		open_held();
		for (i = 0; i < loaders; i++) {
			ld[i] = (struct loader){ .index = i, .cap = 1 << 20,
						 .stop = &stop };
			ld[i].start = malloc(ld[i].cap * sizeof(uint64_t));
			ld[i].end = malloc(ld[i].cap * sizeof(uint64_t));
			if (!ld[i].start || !ld[i].end ||
			    pthread_create(&ld[i].thread, NULL, loader_fn,
					   &ld[i]) != 0)
				die("cannot start the load");
		}
		sleep_ms(200);
		t0 = now_ns();
		sleep_ms(1000);
		t1 = now_ns();
		tu = now_ns();
		if (kill(sup, SIGUSR1) == -1)
			die("cannot signal the supervisor: %s", strerror(errno));
		/* the supervisor logs as server r + 1 once it started it */
		exec = log_wait(EXAMPLE_NAME, r + 1, ": exec ", NULL, 0);
		ready = log_wait(EXAMPLE_NAME, r + 1, " ready for the handover",
				 NULL, 0);
		stopping = log_wait(EXAMPLE_NAME, r + 1, " ready, stopping ",
				    NULL, 0);
		stopped = log_wait(EXAMPLE_NAME, r + 1, " stopped", NULL, 0);
		resume = log_wait(EXAMPLE_NAME, r + 1, " took over", NULL, 0);
		indexed = log_wait(EXAMPLE_NAME, r + 1, "node table: ", NULL, 0);
		/* the old server asks for it when its loop has ended */
		resend = log_wait(EXAMPLE_NAME, r, "stopped reading, resend requested",
				  NULL, 0);
		/* the old server's ids, closed while the successor serves */
		ca = log_wait(EXAMPLE_NAME, r + 1, "handover: closed ", rest,
			      sizeof(rest));
		sleep_ms(300);
		atomic_store(&stop, true);

		live = malloc((ld[0].cap * loaders) * sizeof(uint64_t));
		ends = malloc((ld[0].cap * loaders) * sizeof(uint64_t));
		live_ends = malloc((ld[0].cap * loaders) * sizeof(uint64_t));
		if (!live || !ends || !live_ends)
			die("out of memory");
		for (i = 0; i < loaders; i++) {
			pthread_join(ld[i].thread, NULL);
			errors += ld[i].errors;
			for (k = 0; k < ld[i].n; k++) {
				uint64_t s = ld[i].start[k], e = ld[i].end[k];

				if (s >= t0 && e < t1) {
					live_ends[nlive] = e;
					live[nlive++] = e - s;
				}
				/* a request that the handover held up */
				if (e >= tu) {
					ends[nend++] = e;
					if (e - s > max_wait)
						max_wait = e - s;
				}
			}
			free(ld[i].start);
			free(ld[i].end);
		}
		if (nlive == 0 || nend == 0)
			die("no request completed");
		qsort(live, nlive, sizeof(*live), cmp_u64);
		qsort(ends, nend, sizeof(*ends), cmp_u64);
		/* the same measure in the live second before: its floor */
		qsort(live_ends, nlive, sizeof(*live_ends), cmp_u64);
		prev = t0;
		for (k = 0; k < nlive; k++) {
			if (live_ends[k] - prev > live_gap)
				live_gap = live_ends[k] - prev;
			prev = live_ends[k];
		}
		prev = tu;
		for (k = 0; k < nend; k++) {
			if (ends[k] - prev > gap) {
				gap = ends[k] - prev;
				gap_at = prev;
			}
			prev = ends[k];
		}
		printf("result %s n=%d rep=%d live_n=%zu live_p50_ns=%llu live_p99_ns=%llu live_max_ns=%llu live_gap_ns=%llu max_wait_ns=%llu gap_ns=%llu gap_at_ns=%lld errors=%d exec_ns=%lld ready_ns=%lld stopping_ns=%lld stopped_ns=%lld resume_ns=%lld indexed_ns=%lld resend_ns=%lld ids_closed_ns=%lld closed=%d\n",
		       mt ? "upgrade_mt" : "upgrade", n, r, nlive,
		       (unsigned long long)live[nlive / 2],
		       (unsigned long long)live[nlive * 99 / 100],
		       (unsigned long long)live[nlive - 1],
		       (unsigned long long)live_gap,
		       (unsigned long long)max_wait, (unsigned long long)gap,
		       since(gap_at, tu), errors, since(exec, tu), since(ready, tu),
		       since(stopping, tu), since(stopped, tu),
		       since(resume, tu), since(indexed, tu),
		       since(resend, tu), since(ca, tu), atoi(rest));
		fflush(stdout);
		free(live);
		free(ends);
		free(live_ends);
	}
	teardown(sup);
}

static void usage(void)
{
	die("usage: takeover_bench crash|crash-mt|reads|upgrade|upgrade-mt EXAMPLE N REPS\n"
	    "       takeover_bench floor a|b N REPS");
}

int main(int argc, char **argv)
{
	int n, reps;

	if (argc == 6 && strcmp(argv[1], "successor") == 0)
		return floor_successor(argv + 2);
	if (argc != 5)
		usage();
	n = number(argv[3], 1, 1000000);
	reps = number(argv[4], 1, 1000);
	if (getuid() != 0)
		die("needs root (backing ids, mounts)");
	if (strcmp(argv[1], "crash") == 0)
		bench_crash(argv[2], false, n, reps);
	else if (strcmp(argv[1], "crash-mt") == 0)
		bench_crash(argv[2], true, n, reps);
	else if (strcmp(argv[1], "reads") == 0)
		bench_reads(argv[2], n, reps);
	else if (strcmp(argv[1], "upgrade") == 0)
		bench_upgrade(argv[2], false, n, reps);
	else if (strcmp(argv[1], "upgrade-mt") == 0)
		bench_upgrade(argv[2], true, n, reps);
	else if (strcmp(argv[1], "floor") == 0 &&
		 (strcmp(argv[2], "a") == 0 || strcmp(argv[2], "b") == 0))
		bench_floor(argv[2], n, reps);
	else
		usage();
	return 0;
}
