/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal passthrough FUSE server on raw /dev/fuse, without libfuse.
 *
 * It serves a flat directory of regular files f0, f1, ... whose data lives
 * in files of the same name in a backing directory. OPEN is answered with
 * FOPEN_PASSTHROUGH and the backing id that the shared state holds for the
 * file, so a test (or the server itself) decides which id each open gets.
 * The server runs in a child process and shares its state with the test
 * through a MAP_SHARED mapping, so that it can be killed like a crashing
 * server while the test keeps the /dev/fuse fd.
 *
 * The server checks what it reads (each request's length against its
 * header, and the size of the arguments it uses) and every reply it
 * writes; anything wrong is counted in the shared state for the test to
 * see. A reply that the kernel no longer wants (ENOENT: the request was
 * interrupted or the connection aborted) is not an error.
 *
 * Every process forked here dies with the thread that forked it
 * (PR_SET_PDEATHSIG), so that a test that failed or was killed leaves no
 * server blocked on /dev/fuse behind, holding the test runner's output.
 */
#ifndef __SELFTESTS_FUSE_PASSTHROUGH_SERVER_H
#define __SELFTESTS_FUSE_PASSTHROUGH_SERVER_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/fuse.h>

#ifndef FUSE_DEV_IOC_BACKING_CLOSE_ALL
#define FUSE_DEV_IOC_BACKING_CLOSE_ALL	_IO(FUSE_DEV_IOC_MAGIC, 4)
#endif

#define PT_MAX_FILES	16
#define PT_FIRST_INO	2	/* f0; FUSE_ROOT_ID is the directory */
#define PT_MAX_WRITE	(64 * 1024)
#define PT_MAX_OPCODE	64	/* requests[] counts opcodes below this */

/* Exit status of a child whose parent was gone before it could watch it */
#define PT_EXIT_ORPHAN	99

/*
 * Seconds a request may wait for its reply before the kernel aborts the
 * connection (FUSE_REQUEST_TIMEOUT; the kernel checks every 15 s). A
 * process killed while it waits for a reply that a dead or stuck server
 * will never send stays in D state, holding its /dev/fuse fd and thus the
 * connection, until the connection is aborted: this bounds it.
 */
#define PT_REQUEST_TIMEOUT	15

struct pt_state {
	/* set up by the test before the server starts */
	char backing_dir[256];
	int nfiles;
	int passthrough;		/* offer FUSE_PASSTHROUGH in INIT */
	int request_timeout;		/* seconds, if the kernel offers it */
	int stall_opcode;		/* read the first such request, never answer */
	/* backing id that an OPEN of file i is answered with */
	int id[PT_MAX_FILES];
	/* written by the server */
	int replied_id[PT_MAX_FILES];	/* backing id of the last OPEN reply */
	uint64_t kernel_flags;		/* what the kernel offered in FUSE_INIT */
	int initialized;
	unsigned long requests[PT_MAX_OPCODE];
	unsigned long unexpected;	/* READ/WRITE: passthrough not used */
	unsigned long errors;		/* bad requests and failed replies */
	int error_seen;
	int first_error;		/* its errno */
	uint32_t first_error_opcode;
	const char *first_error_what;
	/* the request held by stall_opcode */
	int stalled;
	uint64_t stalled_unique;
};

static inline struct pt_state *pt_state_new(const char *backing_dir, int nfiles)
{
	struct pt_state *st;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		return NULL;
	snprintf(st->backing_dir, sizeof(st->backing_dir), "%s", backing_dir);
	st->nfiles = nfiles;
	st->passthrough = 1;
	st->request_timeout = PT_REQUEST_TIMEOUT;
	return st;
}

static inline void pt_set_id(struct pt_state *st, int i, int id)
{
	__atomic_store_n(&st->id[i], id, __ATOMIC_RELEASE);
}

static inline int pt_get_id(struct pt_state *st, int i)
{
	return __atomic_load_n(&st->id[i], __ATOMIC_ACQUIRE);
}

static inline unsigned long pt_requests(struct pt_state *st, uint32_t opcode)
{
	return __atomic_load_n(&st->requests[opcode], __ATOMIC_RELAXED);
}

/* READ and WRITE reach the server only when passthrough is not used */
static inline unsigned long pt_unexpected(struct pt_state *st)
{
	return __atomic_load_n(&st->unexpected, __ATOMIC_RELAXED);
}

static inline unsigned long pt_errors(struct pt_state *st)
{
	return __atomic_load_n(&st->errors, __ATOMIC_ACQUIRE);
}

static inline void pt_error(struct pt_state *st, uint32_t opcode,
			    const char *what, int err)
{
	/* the first error's details are there before the count shows it */
	if (!__atomic_exchange_n(&st->error_seen, 1, __ATOMIC_ACQ_REL)) {
		st->first_error = err;
		st->first_error_opcode = opcode;
		st->first_error_what = what;
	}
	__atomic_fetch_add(&st->errors, 1, __ATOMIC_RELEASE);
}

static inline void pt_backing_path(struct pt_state *st, int i, char *buf,
				   size_t len)
{
	snprintf(buf, len, "%s/f%d", st->backing_dir, i);
}

/* The ioctls, returning what the ioctl returned on success, or -errno. */
static inline int pt_backing_open(int dev, int fd)
{
	struct fuse_backing_map map = { .fd = fd };
	int id = ioctl(dev, FUSE_DEV_IOC_BACKING_OPEN, &map);

	return id < 0 ? -errno : id;
}

static inline int pt_backing_open_path(int dev, struct pt_state *st, int i)
{
	char path[PATH_MAX];
	int fd, id;

	pt_backing_path(st, i, path, sizeof(path));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	id = pt_backing_open(dev, fd);
	close(fd);	/* the backing id holds its own reference */
	return id;
}

static inline int pt_backing_close(int dev, int id)
{
	uint32_t arg = id;

	return ioctl(dev, FUSE_DEV_IOC_BACKING_CLOSE, &arg) < 0 ? -errno : 0;
}

/* The number of ids closed, or -errno. */
static inline int pt_close_all(int dev)
{
	int ret = ioctl(dev, FUSE_DEV_IOC_BACKING_CLOSE_ALL);

	return ret < 0 ? -errno : ret;
}

/* Ask the kernel to queue the requests that were read but not answered. */
static inline int pt_notify_resend(int dev)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh),
		.error = FUSE_NOTIFY_RESEND,
		.unique = 0,
	};
	ssize_t n = write(dev, &oh, sizeof(oh));

	if (n < 0)
		return -errno;
	return n == sizeof(oh) ? 0 : -EIO;
}

static inline int pt_mount(int dev, const char *mnt)
{
	char opts[128];

	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", dev);
	return mount("pt", mnt, "fuse", MS_NOSUID | MS_NODEV, opts) ? -errno : 0;
}

/*
 * fork() for servers and helpers. The child is killed when the thread that
 * forked it exits (so fork from the thread that outlives it, the main
 * one), and exits at once if that happened before it could ask for this.
 */
static inline pid_t pt_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) ||
			 getppid() != parent))
		_exit(PT_EXIT_ORPHAN);
	return pid;
}

/*
 * Wait up to ms milliseconds for a child to end: 0 with its wait status,
 * -ETIMEDOUT if it is still running, or -errno.
 */
static inline int pt_wait_child(pid_t pid, int *status, int ms)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	for (;;) {
		pid_t ret = waitpid(pid, status, WNOHANG);

		if (ret == pid)
			return 0;
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ms <= 0)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
		ms -= 5;
	}
}

/* A wait status in words, for failure messages. */
static inline const char *pt_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status 0x%x", status);
	return buf;
}

/*
 * Read up to len bytes, waiting at most ms milliseconds for them: the
 * count, 0 at end of file (e.g. the writer died), -ETIMEDOUT or -errno.
 */
static inline ssize_t pt_read_timeout(int fd, void *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		n = poll(&pfd, 1, ms);
		if (n == 0)
			return -ETIMEDOUT;
		if (n > 0)
			n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

static inline int pt_reply(int dev, struct pt_state *st,
			   struct fuse_in_header *ih, int error,
			   const void *data, size_t len)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh) + len,
		.error = error,
		.unique = ih->unique,
	};
	struct iovec iov[2] = { { &oh, sizeof(oh) }, { (void *)data, len } };
	ssize_t n = writev(dev, iov, len ? 2 : 1);

	if (n == (ssize_t)oh.len)
		return 0;
	if (n < 0 && errno == ENOENT)
		return -ENOENT;	/* interrupted, or the connection aborted */
	n = n < 0 ? -errno : -EIO;
	pt_error(st, ih->opcode, n == -EIO ? "short reply write" : "reply write", -n);
	return n;
}

static inline int pt_file_index(struct pt_state *st, uint64_t nodeid)
{
	if (nodeid < PT_FIRST_INO || nodeid >= PT_FIRST_INO + (uint64_t)st->nfiles)
		return -1;
	return nodeid - PT_FIRST_INO;
}

static inline int pt_fill_attr(struct pt_state *st, uint64_t nodeid,
			       struct fuse_attr *attr)
{
	int i = pt_file_index(st, nodeid);
	char path[PATH_MAX];
	struct stat sb;

	memset(attr, 0, sizeof(*attr));
	attr->ino = nodeid;
	attr->nlink = 1;
	attr->blksize = 4096;
	if (nodeid == FUSE_ROOT_ID) {
		attr->mode = S_IFDIR | 0755;
		attr->nlink = 2;
		return 0;
	}
	if (i < 0)
		return -ENOENT;
	pt_backing_path(st, i, path, sizeof(path));
	if (stat(path, &sb))
		return -errno;
	attr->mode = S_IFREG | 0644;
	attr->size = sb.st_size;
	attr->blocks = sb.st_blocks;
	return 0;
}

/* The flags the kernel offers in FUSE_INIT. */
static inline uint64_t pt_init_flags(struct fuse_init_in *in)
{
	uint64_t flags = in->flags;

	if (flags & FUSE_INIT_EXT)
		flags |= (uint64_t)in->flags2 << 32;
	return flags;
}

static inline int pt_do_init(int dev, struct pt_state *st,
			     struct fuse_in_header *ih)
{
	struct fuse_init_in *in = (void *)(ih + 1);
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		/* answer with the kernel's own minor: a full-size reply */
		.minor = in->minor,
		.max_readahead = in->max_readahead,
		.flags = FUSE_INIT_EXT | FUSE_MAX_PAGES,
		.max_background = 16,
		.congestion_threshold = 12,
		.max_write = PT_MAX_WRITE,
		.time_gran = 1,
		.max_pages = PT_MAX_WRITE / 4096,
	};
	uint64_t flags = pt_init_flags(in);
	int ret;

	st->kernel_flags = flags;
	if (st->passthrough) {
		out.flags2 |= FUSE_PASSTHROUGH >> 32;
		out.max_stack_depth = 1;
	}
#ifdef FUSE_REQUEST_TIMEOUT	/* not in 6.12's uapi, nor its kernel */
	if (st->request_timeout && (flags & FUSE_REQUEST_TIMEOUT)) {
		out.flags2 |= FUSE_REQUEST_TIMEOUT >> 32;
		out.request_timeout = st->request_timeout;
	}
#endif
	ret = pt_reply(dev, st, ih, 0, &out, sizeof(out));
	if (!ret)
		__atomic_store_n(&st->initialized, 1, __ATOMIC_RELEASE);
	return ret;
}

static inline void pt_do_lookup(int dev, struct pt_state *st,
				struct fuse_in_header *ih)
{
	const char *name = (const char *)(ih + 1);
	struct fuse_entry_out out = { .generation = 1 };
	int i, err;

	if (ih->nodeid != FUSE_ROOT_ID || name[0] != 'f' ||
	    sscanf(name + 1, "%d", &i) != 1 || i < 0 || i >= st->nfiles) {
		pt_reply(dev, st, ih, -ENOENT, NULL, 0);
		return;
	}
	out.nodeid = PT_FIRST_INO + i;
	err = pt_fill_attr(st, out.nodeid, &out.attr);
	pt_reply(dev, st, ih, err, &out, err ? 0 : sizeof(out));
}

static inline void pt_do_open(int dev, struct pt_state *st,
			      struct fuse_in_header *ih)
{
	struct fuse_open_out out = { .open_flags = FOPEN_PASSTHROUGH };
	int i = pt_file_index(st, ih->nodeid);

	if (i < 0) {
		pt_reply(dev, st, ih, -ENOENT, NULL, 0);
		return;
	}
	out.fh = i;
	out.backing_id = pt_get_id(st, i);
	__atomic_store_n(&st->replied_id[i], out.backing_id, __ATOMIC_SEQ_CST);
	pt_reply(dev, st, ih, 0, &out, sizeof(out));
}

/* Bytes of arguments a request must carry for this server to use it. */
static inline size_t pt_arg_size(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_INIT:
		return offsetof(struct fuse_init_in, flags2) + sizeof(uint32_t);
	case FUSE_LOOKUP:
		return 2;	/* a name and its NUL */
	case FUSE_OPEN:
		return sizeof(struct fuse_open_in);
	case FUSE_GETATTR:
		return sizeof(struct fuse_getattr_in);
	case FUSE_FORGET:
		return sizeof(struct fuse_forget_in);
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
		return sizeof(struct fuse_release_in);
	default:
		return 0;
	}
}

/*
 * Handle one request of n bytes in buf: check it, count it, answer it.
 * Returns 0, or -errno when the request was malformed or the reply failed.
 */
static inline int pt_handle(int dev, struct pt_state *st, void *buf, ssize_t n)
{
	struct fuse_in_header *ih = buf;
	int err = 0;

	if (n < (ssize_t)sizeof(*ih) || ih->len != n) {
		pt_error(st, n < (ssize_t)sizeof(*ih) ? 0 : ih->opcode,
			 "request length differs from its header", EBADMSG);
		return -EBADMSG;
	}
	if (ih->opcode < PT_MAX_OPCODE)
		__atomic_fetch_add(&st->requests[ih->opcode], 1, __ATOMIC_RELAXED);
	if (n - sizeof(*ih) < pt_arg_size(ih->opcode) ||
	    (ih->opcode == FUSE_LOOKUP && ((char *)buf)[n - 1])) {
		pt_error(st, ih->opcode, "request arguments too short", EBADMSG);
		/* the kernel waits for every request but these */
		if (ih->opcode != FUSE_FORGET)
			pt_reply(dev, st, ih, -EIO, NULL, 0);
		return -EBADMSG;
	}

	switch (ih->opcode) {
	case FUSE_INIT:
		return pt_do_init(dev, st, ih);
	case FUSE_LOOKUP:
		pt_do_lookup(dev, st, ih);
		break;
	case FUSE_GETATTR: {
		struct fuse_attr_out out = { .attr_valid = 1 };

		err = pt_fill_attr(st, ih->nodeid, &out.attr);
		err = pt_reply(dev, st, ih, err, &out, err ? 0 : sizeof(out));
		break;
	}
	case FUSE_OPEN:
		pt_do_open(dev, st, ih);
		break;
	case FUSE_OPENDIR: {
		struct fuse_open_out out = {};

		err = pt_reply(dev, st, ih, 0, &out, sizeof(out));
		break;
	}
	case FUSE_STATFS: {
		struct fuse_statfs_out out = { .st.bsize = 4096, .st.namelen = 255 };

		err = pt_reply(dev, st, ih, 0, &out, sizeof(out));
		break;
	}
	case FUSE_READDIR:
	case FUSE_FLUSH:
	case FUSE_FSYNC:
	case FUSE_RELEASE:	/* synchronous after a failed open */
	case FUSE_RELEASEDIR:
	case FUSE_DESTROY:
		err = pt_reply(dev, st, ih, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;		/* no reply */
	case FUSE_READ:
	case FUSE_WRITE:	/* passthrough was not used */
		__atomic_fetch_add(&st->unexpected, 1, __ATOMIC_RELAXED);
		err = pt_reply(dev, st, ih, -EIO, NULL, 0);
		break;
	default:		/* GETXATTR (first passthrough write), ... */
		err = pt_reply(dev, st, ih, -ENOSYS, NULL, 0);
		break;
	}
	return err == -ENOENT ? 0 : err;
}

/*
 * Read one request into buf (of size len, at least PT_BUF_SIZE), waiting
 * at most ms milliseconds: its length, -ETIMEDOUT, or -errno (ENODEV when
 * the connection is gone).
 */
#define PT_BUF_SIZE	(PT_MAX_WRITE + 4096)

static inline ssize_t pt_read_request(int dev, void *buf, size_t len, int ms)
{
	ssize_t n;

	do {
		n = pt_read_timeout(dev, buf, len, ms);
		/* ENOENT: the request was interrupted while it was read */
	} while (n == -ENOENT);
	return n;
}

/*
 * Answer requests until the connection goes away: 0 then, 1 when reading
 * failed otherwise. With st->stall_opcode set, the first request of that
 * opcode is recorded and left unanswered, and the server stops, as if it
 * crashed in the middle of it; the test then kills it.
 */
static inline int pt_serve(int dev, struct pt_state *st)
{
	static char buf[PT_BUF_SIZE];
	struct fuse_in_header *ih = (void *)buf;

	for (;;) {
		ssize_t n = read(dev, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOENT)
				continue;
			if (errno == ENODEV || errno == ECONNABORTED)
				return 0;	/* unmounted or aborted */
			pt_error(st, 0, "reading /dev/fuse", errno);
			return 1;
		}
		if (n >= (ssize_t)sizeof(*ih) &&
		    ih->opcode == (uint32_t)__atomic_load_n(&st->stall_opcode,
							    __ATOMIC_ACQUIRE)) {
			st->stalled_unique = ih->unique;
			__atomic_store_n(&st->stalled, 1, __ATOMIC_RELEASE);
			for (;;)
				pause();
		}
		pt_handle(dev, st, buf, n);
	}
}

/*
 * Read the FUSE_INIT request of a new mount and, if asked to, answer it:
 * 0, or -errno (-ETIMEDOUT if no request came within ms milliseconds,
 * -EPROTO if it was not FUSE_INIT, -EBADMSG if it was malformed). The
 * kernel's flags are in st->kernel_flags.
 */
static inline int pt_init(int dev, struct pt_state *st, bool answer, int ms)
{
	static char buf[PT_BUF_SIZE];
	struct fuse_in_header *ih = (void *)buf;
	ssize_t n = pt_read_request(dev, buf, sizeof(buf), ms);

	if (n < 0)
		return n;
	if (n < (ssize_t)sizeof(*ih) || ih->opcode != FUSE_INIT)
		return -EPROTO;
	if (ih->len != n || n - sizeof(*ih) < pt_arg_size(FUSE_INIT))
		return -EBADMSG;
	if (!answer) {
		st->kernel_flags = pt_init_flags((void *)(ih + 1));
		return 0;
	}
	return pt_handle(dev, st, buf, n);
}

/*
 * For a server child: it prints nothing, and must not hold the test
 * runner's output open should it outlive the test. Exits on failure.
 */
static inline void pt_server_stdio(void)
{
	int null = open("/dev/null", O_RDWR);

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0)
		_exit(2);
	close(null);
}

/*
 * Fork a server on dev; it exits when the connection goes away. It keeps
 * no other fd of its parent's: no other connection, pipe or socket.
 */
static inline pid_t pt_server_start(int dev, struct pt_state *st)
{
	pid_t pid = pt_fork();

	if (pid == 0) {
		pt_server_stdio();
		if ((dev > 3 && syscall(__NR_close_range, 3, dev - 1, 0)) ||
		    syscall(__NR_close_range, dev + 1, ~0U, 0))
			_exit(2);
		_exit(pt_serve(dev, st));
	}
	return pid;
}

/*
 * Stop a server: SIGKILL, and wait up to 10 s. 0 if it is gone by the
 * signal or had exited with status 0 (its connection went away), else
 * -ECHILD (how it ended is in *status), -ETIMEDOUT or -errno.
 */
static inline int pt_server_stop(pid_t pid, int *status)
{
	int ret;

	*status = 0;
	if (pid <= 0)
		return 0;
	kill(pid, SIGKILL);
	ret = pt_wait_child(pid, status, 10000);
	if (ret)
		return ret;
	if (WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
		return 0;
	return WIFEXITED(*status) && !WEXITSTATUS(*status) ? 0 : -ECHILD;
}

/* Pass an fd over a unix socket, as an fd store or a supervisor would. */
static inline int pt_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	/* EPIPE, not SIGPIPE, if the receiver is gone */
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/* Receive an fd, waiting at most ms milliseconds; -EPIPE if the peer left. */
static inline int pt_recv_fd(int sock, int ms)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	n = poll(&pfd, 1, ms);
	if (n <= 0)
		return n ? -errno : -ETIMEDOUT;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n ? -errno : -EPIPE;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* Deterministic content of backing file i, so that any copy can be checked. */
static inline unsigned char pt_pattern(int i, size_t off)
{
	return (unsigned char)(off * 7 + i * 31 + (off >> 12));
}

static inline int pt_make_backing_file(struct pt_state *st, int i, size_t size)
{
	unsigned char buf[4096];
	char path[PATH_MAX];
	size_t off, k;
	int fd;

	pt_backing_path(st, i, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	for (off = 0; off < size; off += sizeof(buf)) {
		for (k = 0; k < sizeof(buf); k++)
			buf[k] = pt_pattern(i, off + k);
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			close(fd);
			return -EIO;
		}
	}
	close(fd);
	return 0;
}

/*
 * Where a server runs: a private mount namespace with a tmpfs over /tmp,
 * so nothing is left behind, and the backing files on a tmpfs of their own,
 * so that unmounting it tells whether anything still pins them.
 */
struct pt_env {
	char dir[64];		/* on the private /tmp: everything below */
	char backing[96];	/* tmpfs of its own: backing files */
	char mnt[96];		/* the fuse mount */
	int dev;
	pid_t server;
	struct pt_state *st;
};

/* The namespace, both tmpfs mounts, nfiles backing files of size bytes. */
static inline int pt_env_prepare(struct pt_env *e, int nfiles, size_t size)
{
	int i, ret;

	e->dev = -1;
	e->server = 0;
	e->st = NULL;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, NULL))
		return -errno;
	snprintf(e->dir, sizeof(e->dir), "/tmp/fuse_passthrough");
	snprintf(e->backing, sizeof(e->backing), "%s/backing", e->dir);
	snprintf(e->mnt, sizeof(e->mnt), "%s/mnt", e->dir);
	if (mkdir(e->dir, 0755) || mkdir(e->backing, 0755) || mkdir(e->mnt, 0755) ||
	    mount("tmpfs", e->backing, "tmpfs", 0, NULL))
		return -errno;

	e->st = pt_state_new(e->backing, nfiles);
	if (!e->st)
		return -ENOMEM;
	for (i = 0; i < nfiles; i++) {
		ret = pt_make_backing_file(e->st, i, size);
		if (ret)
			return ret;
	}
	return 0;
}

#endif /* __SELFTESTS_FUSE_PASSTHROUGH_SERVER_H */
