// SPDX-License-Identifier: MIT
/*
 * The control socket for real: a server in the loop, clients in a thread,
 * in a private run directory.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/ctl/client.h"
#include "src/ctl/server.h"
#include "src/base/loop.h"

static char rundir[64];

static int setup(void **state)
{
	snprintf(rundir, sizeof(rundir), "/tmp/vusb-ctl-test.XXXXXX");
	if (!mkdtemp(rundir))
		return -1;
	setenv("VUSB_RUNDIR", rundir, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Echo the arguments (and what a passed file holds) back, fail "fail", count calls. */
static int handler(int argc, char **argv, int *fds, unsigned int nfds, struct strbuf *out,
		   struct strbuf *err, void *data)
{
	int *calls = data, i;
	unsigned int k;

	(*calls)++;
	for (k = 0; k < nfds; k++) {
		char buf[64];
		ssize_t n = pread(fds[k], buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		strbuf_printf(out, "[fd:%s]", buf);
		close(fds[k]);
	}
	if (strcmp(argv[0], "fail") == 0) {
		strbuf_printf(err, "it failed\nsecond line dropped");
		return EXIT_NO_DEVICE;
	}
	if (strcmp(argv[0], "big") == 0) {
		/* A large reply, for sessions that pile them up. */
		for (i = 0; i < 60000 / 50; i++)
			strbuf_printf(out, "%049d\n", i);
		return 0;
	}
	for (i = 0; i < argc; i++)
		strbuf_printf(out, "[%s]", argv[i]);
	strbuf_printf(out, "\n");
	return 0;
}

struct client {
	int (*fn)(const char *path);
	const char *path;
	int result;
	int done; /* set by the client thread when it has its answer */
	struct loop *loop;
};

static void *client_thread(void *data)
{
	struct client *c = data;

	c->result = c->fn(c->path);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void poll_client(struct loop_timer *t, void *data)
{
	struct client *c = data;

	if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		loop_quit(c->loop, 0);
		return;
	}
	loop_timer_arm(t, 2);
}

/* Run fn in a client thread while the loop serves; returns its result. */
static int with_client(struct loop *loop, int (*fn)(const char *path), const char *path)
{
	struct client c = { .fn = fn, .path = path, .loop = loop };
	struct loop_timer *t;
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, client_thread, &c), 0);
	assert_int_equal(loop_timer_add(loop, poll_client, &c, NULL, &t), 0);
	loop_timer_arm(t, 2);
	loop_run(loop);
	loop_timer_remove(t);
	pthread_join(th, NULL);
	return c.result;
}

static int client_echo(const char *path)
{
	char *argv[] = { "kb0", "type", "a b\tc", "" };
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int code;

	if (ctl_call(path, 4, argv, 5000, &reply) < 0)
		return 10;
	if (ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0)
		return 11;
	code = code != 0 || strcmp(body, "[kb0][type][a b\tc][]\n") != 0 ? 12 : 0;
	strbuf_free(&reply);
	return code;
}

static int client_fail(const char *path)
{
	char *argv[] = { "fail" };
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int code;

	if (ctl_call(path, 1, argv, 5000, &reply) < 0)
		return 10;
	if (ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0)
		return 11;
	code = code == EXIT_NO_DEVICE && strcmp(msg, "it failed") == 0 ? 0 : 12;
	strbuf_free(&reply);
	return code;
}

/* A file the client opened goes along with the request. */
static int client_fd(const char *path)
{
	char *argv[] = { "storage0", "insert", "x.img" };
	char file[] = "/tmp/vusb-test-ctl-XXXXXX";
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int code, fd = mkstemp(file);

	if (fd < 0 || write(fd, "hello", 5) != 5)
		return 13;
	unlink(file);
	if (ctl_call_fd(path, 3, argv, fd, 5000, &reply) < 0)
		return 10;
	close(fd);
	if (ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0)
		return 11;
	code = code != 0 || strcmp(body, "[fd:hello][storage0][insert][x.img]\n") != 0 ? 12 : 0;
	strbuf_free(&reply);
	return code;
}

/* Several files go along with one request, in order; more than CTL_MAX_FDS do not go. */
static int client_fds(const char *path)
{
	char *argv[] = { "add", "fomu" };
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int code, i, fds[CTL_MAX_FDS + 1];

	for (i = 0; i < CTL_MAX_FDS + 1; i++) {
		char file[] = "/tmp/vusb-test-ctl-XXXXXX";

		fds[i] = mkstemp(file);
		if (fds[i] < 0 || write(fds[i], "abcde" + i, 1) != 1)
			return 13;
		unlink(file);
	}
	if (ctl_call_fds(path, 2, argv, fds, CTL_MAX_FDS + 1, 5000, &reply) != -E2BIG)
		return 14;
	if (ctl_call_fds(path, 2, argv, fds, 3, 5000, &reply) < 0)
		return 10;
	for (i = 0; i < CTL_MAX_FDS + 1; i++)
		close(fds[i]);
	if (ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0)
		return 11;
	code = code != 0 || strcmp(body, "[fd:a][fd:b][fd:c][add][fomu]\n") != 0 ? 12 : 0;
	strbuf_free(&reply);
	return code;
}

/* Many requests on one connection, answered in order; a file passed too. */
static int client_session(const char *path)
{
	char *echo[] = { "kb0", "type", "x" }, *fail[] = { "fail" }, *ins[] = { "s0", "insert" };
	const char *msg, *body;
	struct strbuf reply = { 0 };
	int fd, i, code, pfd[2];

	fd = ctl_session_open(path);
	if (fd < 0)
		return 10;
	for (i = 0; i < 200; i++) {
		char n[16];

		snprintf(n, sizeof(n), "%d", i);
		echo[2] = n;
		strbuf_reset(&reply);
		if (ctl_session_call(fd, 3, echo, -1, 5000, &reply) < 0 ||
		    ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0 || code)
			return 11;
		if (strcmp(body, i == 7 ? "[kb0][type][7]\n" : body) != 0)
			return 12;
		if (i == 7 && strcmp(body, "[kb0][type][7]\n") != 0)
			return 12;
	}
	strbuf_reset(&reply);
	if (ctl_session_call(fd, 1, fail, -1, 5000, &reply) < 0 ||
	    ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0 ||
	    code != EXIT_NO_DEVICE || strcmp(msg, "it failed") != 0)
		return 13;
	/* A descriptor with a request of the session. */
	if (pipe(pfd) < 0 || write(pfd[1], "piped", 5) != 5)
		return 14;
	close(pfd[1]);
	strbuf_reset(&reply);
	if (ctl_session_call(fd, 2, ins, pfd[0], 5000, &reply) < 0 ||
	    ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0 ||
	    strcmp(body, "[fd:][s0][insert]\n") != 0)
		return 15;
	close(pfd[0]);
	/* Still open after all that: one more. */
	strbuf_reset(&reply);
	echo[2] = "last";
	if (ctl_session_call(fd, 3, echo, -1, 5000, &reply) < 0 ||
	    ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0 ||
	    strcmp(body, "[kb0][type][last]\n") != 0)
		return 16;
	strbuf_free(&reply);
	close(fd);
	return 0;
}

/* frame: a session request from NUL-separated args of total length n */
static size_t frame(uint8_t *out, const char *args, size_t n)
{
	out[0] = (uint8_t)n;
	out[1] = (uint8_t)(n >> 8);
	out[2] = out[3] = 0;
	memcpy(out + 4, args, n);
	return n + 4;
}

static int read_reply(int fd, char *buf, size_t cap)
{
	uint8_t h[4];
	size_t n;

	if (read(fd, h, 4) != 4)
		return -1;
	n = h[0] | h[1] << 8;
	if (n >= cap || read(fd, buf, n) != (ssize_t)n)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * Two frames written back to back, the descriptor with the second: the
 * server reads them (and the descriptor) in one go, and still gives it
 * to the second, the one whose length says it carries one.
 */
static int client_pipelined_fd(const char *path)
{
	static const char a[] = "kb0\0type\0a", b[] = "s0\0insert";
	uint8_t fa[64], fb[64];
	size_t na = frame(fa, a, sizeof(a)), nb = frame(fb, b, sizeof(b));
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { fb, nb };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	char rep[256];
	int fd, pfd[2];

	fd = ctl_session_open(path);
	if (fd < 0 || pipe(pfd) < 0 || write(pfd[1], "piped", 5) != 5)
		return 10;
	close(pfd[1]);
	fb[3] |= 0x80; /* CTL_FRAME_FD */
	memset(&u, 0, sizeof(u));
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pfd[0], sizeof(int));
	if (write(fd, fa, na) != (ssize_t)na || sendmsg(fd, &msg, 0) != (ssize_t)nb)
		return 11;
	close(pfd[0]);
	if (read_reply(fd, rep, sizeof(rep)) < 0 || strcmp(rep, "OK\n[kb0][type][a]\n") != 0)
		return 12;
	if (read_reply(fd, rep, sizeof(rep)) < 0 || strcmp(rep, "OK\n[fd:][s0][insert]\n") != 0)
		return 13;
	close(fd);
	return 0;
}

/* A session whose frames lie about their length is hung up on. */
static int client_bad_frame(const char *path)
{
	int fd = ctl_session_open(path);
	const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0x7f };
	char c;

	if (fd < 0)
		return 10;
	if (write(fd, huge, 4) != 4)
		return 11;
	/* The server closes: read sees the end. */
	if (read(fd, &c, 1) != 0)
		return 12;
	close(fd);
	return 0;
}

static void serve(void **state)
{
	struct ctl_server *s;
	struct loop *loop;
	struct stat st;
	int calls = 0;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(ctl_server_new(loop, handler, &calls, NULL, &s), 0);
	assert_int_equal(stat(ctl_server_path(s), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	/* Only the owner may connect. */
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(with_client(loop, client_echo, ctl_server_path(s)), 0);
	assert_int_equal(with_client(loop, client_fail, ctl_server_path(s)), 0);
	assert_int_equal(with_client(loop, client_fd, ctl_server_path(s)), 0);
	assert_int_equal(calls, 3);
	assert_int_equal(with_client(loop, client_session, ctl_server_path(s)), 0);
	assert_int_equal(calls, 3 + 200 + 3);
	assert_int_equal(with_client(loop, client_bad_frame, ctl_server_path(s)), 0);
	assert_int_equal(calls, 3 + 200 + 3);
	assert_int_equal(with_client(loop, client_pipelined_fd, ctl_server_path(s)), 0);
	assert_int_equal(calls, 3 + 200 + 3 + 2);
	assert_int_equal(with_client(loop, client_fds, ctl_server_path(s)), 0);
	assert_int_equal(calls, 3 + 200 + 3 + 2 + 1);
	ctl_server_free(s);
	loop_free(loop);
}

static void names(void **state)
{
	struct ctl_server *a, *b;
	struct loop *loop;
	char link[256], stale[256];
	int calls = 0;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(ctl_server_new(loop, handler, &calls, NULL, &a), 0);
	assert_int_equal(ctl_server_claim(a, "mouse0"), 0);
	assert_int_equal(ctl_server_claim(a, "bad/name"), -EINVAL);
	/* A second claimer (same process: same socket name, so fake one by
	 * claiming through the first) sees the name as taken. */
	assert_int_equal(ctl_server_claim(a, "mouse0"), -EEXIST);

	/* The link reaches the server: a command by device name works. */
	snprintf(link, sizeof(link), "%s/dev/mouse0", rundir);
	assert_int_equal(with_client(loop, client_echo, link), 0);

	/* A link left by a dead instance is swept and the name reusable. */
	snprintf(stale, sizeof(stale), "%s/dev/ghost0", rundir);
	assert_int_equal(symlink("../999999.sock", stale), 0);
	assert_int_equal(ctl_server_claim(a, "ghost0"), 0);

	ctl_server_release(a, "mouse0");
	assert_int_equal(access(link, F_OK), -1);
	ctl_server_free(a);
	assert_int_equal(access(stale, F_OK), -1);

	/* A new server sweeps what is left of dead ones at start. */
	assert_int_equal(symlink("../999998.sock", stale), 0);
	assert_int_equal(ctl_server_new(loop, handler, &calls, NULL, &b), 0);
	assert_int_equal(access(stale, F_OK), -1);
	ctl_server_free(b);
	loop_free(loop);
}

static int client_nobody(const char *path)
{
	char *argv[] = { "x" };
	struct strbuf reply = { 0 };

	int r = ctl_call(path, 1, argv, 1000, &reply);

	strbuf_free(&reply);
	return r == -ENOENT ? 0 : 1;
}

static void no_server(void **state)
{
	struct loop *loop;
	char path[256];

	assert_int_equal(loop_new(&loop), 0);
	snprintf(path, sizeof(path), "%s/none.sock", rundir);
	assert_int_equal(with_client(loop, client_nobody, path), 0);
	loop_free(loop);
}

/* Make `path` a file holding "keep". */
static void keep_file(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
}

static void tty_link(const char *dev, const char *name, const char *target)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dev, name);
	assert_int_equal(symlink(target, path), 0);
}

/* Is there an entry dev/name, a dangling link included? */
static bool lexists(const char *dev, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dev, name);
	return lstat(path, &st) == 0;
}

static int try_server(struct loop *loop, const char *dir, const char *want)
{
	struct strbuf err = { 0 };
	struct ctl_server *s = NULL;
	int calls = 0, r;

	setenv("VUSB_RUNDIR", dir, 1);
	r = ctl_server_new(loop, handler, &calls, &err, &s);
	if (r == 0)
		ctl_server_free(s);
	else if (want)
		assert_non_null(strstr(strbuf_str(&err), want));
	strbuf_free(&err);
	setenv("VUSB_RUNDIR", rundir, 1);
	return r;
}

/*
 * Root removes stale entries of the run directory at start: it must not
 * be led elsewhere by a symlink, nor work in a directory others can
 * write, and it removes only links that point at one of our sockets.
 */
static void rundir_safety(void **state)
{
	char victim[128], file[192], link[128], dir[128], dev[160], path[224];
	struct loop *loop;
	int live;

	assert_int_equal(loop_new(&loop), 0);
	snprintf(victim, sizeof(victim), "%s/victim", rundir);
	assert_int_equal(mkdir(victim, 0755), 0);
	snprintf(file, sizeof(file), "%s/precious", victim);
	keep_file(file);

	/* The run directory itself a symlink. */
	snprintf(link, sizeof(link), "%s/link", rundir);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(try_server(loop, link, "is a symbolic link"), -ELOOP);

	/* Its dev a symlink to a directory of files: refused, files kept. */
	snprintf(dir, sizeof(dir), "%s/run1", rundir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dev, sizeof(dev), "%s/dev", dir);
	assert_int_equal(symlink(victim, dev), 0);
	assert_int_equal(try_server(loop, dir, "dev is a symbolic link"), -ELOOP);
	assert_int_equal(access(file, F_OK), 0);

	/* World-writable. */
	snprintf(dir, sizeof(dir), "%s/run2", rundir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(try_server(loop, dir, "writable by others"), -EPERM);
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(dev, sizeof(dev), "%s/dev", dir);
	assert_int_equal(mkdir(dev, 0755), 0);
	assert_int_equal(chmod(dev, 0777), 0);
	assert_int_equal(try_server(loop, dir, "writable by others"), -EPERM);

	/* Owned by another user (as root only: chown). */
	if (geteuid() == 0) {
		snprintf(dir, sizeof(dir), "%s/run3", rundir);
		assert_int_equal(mkdir(dir, 0755), 0);
		assert_int_equal(chown(dir, 65534, 65534), 0);
		assert_int_equal(try_server(loop, dir, "owned by another user"), -EPERM);
	}

	/* In a good dev/: only a dead link of ours goes. */
	snprintf(dir, sizeof(dir), "%s/run4", rundir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dev, sizeof(dev), "%s/dev", dir);
	assert_int_equal(mkdir(dev, 0755), 0);
	snprintf(path, sizeof(path), "%s/afile", dev);
	keep_file(path);
	snprintf(path, sizeof(path), "%s/elsewhere", dev);
	assert_int_equal(symlink(file, path), 0);
	/* A dead name's pty link, and one whose name is gone: that pty
	 * number may be another user's terminal now. A live name's stays,
	 * and so does a .tty that is no pty link. */
	tty_link(dev, "ghost0.tty", "/dev/pts/4242");
	tty_link(dev, "orphan1.tty", "/dev/pts/4243");
	tty_link(dev, "live0", "../424242.sock");
	tty_link(dev, "live0.tty", "/dev/pts/4244");
	tty_link(dev, "other.tty", file);
	snprintf(path, sizeof(path), "%s/afile.tty", dev);
	keep_file(path);
	snprintf(path, sizeof(path), "%s/424242.sock", dir);
	live = ctl_listen_socket(path, SOCK_STREAM, 16);
	assert_true(live >= 0);
	snprintf(path, sizeof(path), "%s/ghost0", dev);
	assert_int_equal(symlink("../999997.sock", path), 0);
	assert_int_equal(try_server(loop, dir, NULL), 0);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/afile", dev);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/elsewhere", dev);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(access(file, F_OK), 0);
	assert_false(lexists(dev, "ghost0.tty"));
	assert_false(lexists(dev, "orphan1.tty"));
	assert_true(lexists(dev, "live0"));
	assert_true(lexists(dev, "live0.tty"));
	assert_true(lexists(dev, "other.tty"));
	assert_true(lexists(dev, "afile.tty"));
	close(live);
	loop_free(loop);
}

/* Every connection taken by clients that send nothing. */
static int client_crowd(const char *path)
{
	char *argv[] = { "x" };
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int idle[16], i, code, result = 0;

	for (i = 0; i < 16; i++)
		if ((idle[i] = ctl_connect(path)) < 0)
			return 10;
	usleep(100 * 1000);
	/* Full, and nobody idle long enough: "busy", not a reset. */
	if (ctl_call(path, 1, argv, 5000, &reply) < 0)
		result = 11;
	else if (ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0 || code == 0 ||
		 !strstr(msg, "busy"))
		result = 12;
	/* A session hears the same. */
	strbuf_reset(&reply);
	i = ctl_session_open(path);
	if (!result && (i < 0 || ctl_session_call(i, 1, argv, -1, 5000, &reply) != -EBUSY))
		result = 13;
	if (i >= 0)
		close(i);
	/* Idle clients give way: after 2 s the call goes through. */
	usleep(2100 * 1000);
	strbuf_reset(&reply);
	if (!result && (ctl_call(path, 1, argv, 5000, &reply) < 0 ||
			ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0 || code != 0 ||
			strcmp(body, "[x]\n") != 0))
		result = 14;
	for (i = 0; i < 16; i++)
		close(idle[i]);
	strbuf_free(&reply);
	return result;
}

static void idle_clients(void **state)
{
	struct ctl_server *s;
	struct loop *loop;
	int calls = 0;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(ctl_server_new(loop, handler, &calls, NULL, &s), 0);
	assert_int_equal(with_client(loop, client_crowd, ctl_server_path(s)), 0);
	ctl_server_free(s);
	loop_free(loop);
}

/* Does the server hang up on fd within ms (read sees the end)? */
static bool hung_up(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 0;
}

/*
 * With a 300 ms idle timeout: a connection that sends nothing, one that
 * sends half a request and a session left idle are hung up on; a session
 * that keeps talking is not, and a closed one is seen as such before a
 * request is lost on it.
 */
static int client_idle(const char *path)
{
	char *argv[] = { "x" };
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int quiet, half, idle, busy, i, code, result = 0;

	quiet = ctl_connect(path);
	half = ctl_connect(path);
	idle = ctl_session_open(path);
	busy = ctl_session_open(path);
	if (quiet < 0 || half < 0 || idle < 0 || busy < 0)
		return 10;
	if (send(half, "x", 1, MSG_NOSIGNAL) != 1)
		return 11;
	if (ctl_session_call(idle, 1, argv, -1, 5000, &reply) < 0 || ctl_session_closed(idle))
		return 12;
	/* 900 ms of requests every 100 ms: never idle for 300. */
	for (i = 0; i < 9 && !result; i++) {
		strbuf_reset(&reply);
		if (ctl_session_call(busy, 1, argv, -1, 5000, &reply) < 0 ||
		    ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0 || code)
			result = 13;
		usleep(100 * 1000);
	}
	if (!result && (ctl_session_closed(busy) || !ctl_session_closed(idle)))
		result = 14;
	if (!result && (!hung_up(quiet, 0) || !hung_up(half, 0) || !hung_up(idle, 0)))
		result = 15;
	/* The busy one, left alone now, goes the same way. */
	if (!result && !hung_up(busy, 2000))
		result = 16;
	close(quiet);
	close(half);
	close(idle);
	close(busy);
	strbuf_free(&reply);
	return result;
}

static void idle_timeout(void **state)
{
	struct ctl_server *s;
	struct loop *loop;
	int calls = 0;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(ctl_server_new(loop, handler, &calls, NULL, &s), 0);
	ctl_server_set_idle_timeout(s, 300);
	assert_int_equal(with_client(loop, client_idle, ctl_server_path(s)), 0);
	assert_int_equal(calls, 1 + 9);
	ctl_server_free(s);
	loop_free(loop);
}

/*
 * A session that sends 40 requests at once, each with a 60 KB reply, and
 * reads only later: the server stops at 1 MiB of replies, and must answer
 * the requests it holds as soon as they drain, without more input.
 */
static int client_pipeline(const char *path)
{
	char frames[40 * 8], buf[65536];
	size_t got = 0, want;
	int fd, i, result = 0;

	fd = ctl_connect(path);
	if (fd < 0)
		return 10;
	for (i = 0; i < 40; i++)
		memcpy(frames + i * 8, "\4\0\0\0big\0", 8);
	if (send(fd, CTL_SESSION_MAGIC, sizeof(CTL_SESSION_MAGIC), MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(CTL_SESSION_MAGIC) ||
	    send(fd, frames, sizeof(frames), MSG_NOSIGNAL) != (ssize_t)sizeof(frames)) {
		close(fd);
		return 11;
	}
	usleep(300 * 1000);
	/* Each reply: its length, "OK\n" and 60000 bytes. */
	want = 40 * (4 + 3 + 60000);
	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 3000) <= 0) {
			result = 12; /* stalled */
			break;
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			result = 13;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	return result;
}

static void pipelined_session(void **state)
{
	struct ctl_server *s;
	struct loop *loop;
	int calls = 0;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(ctl_server_new(loop, handler, &calls, NULL, &s), 0);
	assert_int_equal(with_client(loop, client_pipeline, ctl_server_path(s)), 0);
	assert_int_equal(calls, 40);
	ctl_server_free(s);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serve),
		cmocka_unit_test(names),
		cmocka_unit_test(no_server),
		cmocka_unit_test(rundir_safety),
		cmocka_unit_test(idle_clients),
		cmocka_unit_test(idle_timeout),
		cmocka_unit_test(pipelined_session),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
