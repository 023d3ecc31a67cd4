// SPDX-License-Identifier: MIT
/*
 * src/app/privs.c without a VM: the cleaner removes exactly the server's
 * socket, name links and pidfile (on request, at the end, after a
 * SIGKILL) and nothing else; the seccomp filter refuses what it lists and
 * lets the rest through; dropping root leaves no way back (as root only:
 * skipped otherwise). Everything that changes the process runs in a child.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sched.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/ptrace.h>

#include <cmocka.h>

#include "src/app/privs.h"

static pid_t getpid_at_start;

struct fixture {
	char dir[64];
	char devdir[96];
	char sock[128];
	char pidfile[128];
	int listen_fd;
};

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void make_link(struct fixture *fx, const char *name, const char *target)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", fx->devdir, name);
	assert_int_equal(symlink(target, path), 0);
}

static bool exists(struct fixture *fx, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", fx->devdir, name);
	return lstat(path, &st) == 0;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Poll for up to two seconds: the cleaner is another process. */
static bool eventually_gone(const char *path)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 200; i++) {
		if (!path_exists(path))
			return true;
		nanosleep(&t, NULL);
	}
	return false;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char target[64];
	FILE *f;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/vusb-privs-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->devdir, sizeof(fx->devdir), "%s/dev", fx->dir);
	assert_int_equal(mkdir(fx->devdir, 0755), 0);
	snprintf(fx->sock, sizeof(fx->sock), "%s/%d.sock", fx->dir, (int)getpid());
	snprintf(fx->pidfile, sizeof(fx->pidfile), "%s/vusb.pid", fx->dir);
	fx->listen_fd = listen_at(fx->sock);
	snprintf(target, sizeof(target), "../%d.sock", (int)getpid());
	make_link(fx, "mouse0", target);
	make_link(fx, "keyboard0", target);
	/* Another instance's name, and a link to nowhere of ours. */
	make_link(fx, "other0", "../1.sock");
	make_link(fx, "stray", "/etc/passwd");
	f = fopen(fx->pidfile, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	if (fx->listen_fd >= 0)
		close(fx->listen_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void test_release_then_finish(void **state)
{
	struct fixture *fx = *state;
	struct privs_cleaner c;

	assert_int_equal(privs_cleaner_start(&c, fx->sock, fx->devdir, fx->pidfile), 0);
	assert_true(c.pid > 0);
	privs_cleaner_release(&c, "mouse0");
	/* Names that would leave the directory are ignored. */
	privs_cleaner_release(&c, "../../etc/passwd");
	privs_cleaner_release(&c, "other0");
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/mouse0", fx->devdir);
		assert_true(eventually_gone(path));
	}
	/* The server is alive and listening: nothing else goes yet. */
	assert_true(exists(fx, "keyboard0"));
	assert_true(path_exists(fx->sock));

	close(fx->listen_fd);
	fx->listen_fd = -1;
	privs_cleaner_finish(&c);
	assert_int_equal(c.pid, 0);
	assert_false(path_exists(fx->sock));
	assert_false(exists(fx, "keyboard0"));
	assert_false(path_exists(fx->pidfile));
	/* Not ours: left alone. */
	assert_true(exists(fx, "other0"));
	assert_true(exists(fx, "stray"));
	assert_true(path_exists("/etc/passwd"));
}

static void test_pidfile_of_another(void **state)
{
	struct fixture *fx = *state;
	struct privs_cleaner c;
	FILE *f;

	/* Someone else took the pidfile over: it stays. */
	f = fopen(fx->pidfile, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", 1);
	fclose(f);
	assert_int_equal(privs_cleaner_start(&c, fx->sock, fx->devdir, fx->pidfile), 0);
	close(fx->listen_fd);
	fx->listen_fd = -1;
	privs_cleaner_finish(&c);
	assert_true(path_exists(fx->pidfile));
	assert_false(path_exists(fx->sock));
}

/* A server killed with SIGKILL: the cleaner notices and does it all. */
static void test_after_sigkill(void **state)
{
	struct fixture *fx = *state;
	char target[64], sock[160], pidfile[160];
	pid_t server;
	int status, ready[2];

	assert_int_equal(pipe(ready), 0);
	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		struct privs_cleaner c;
		char byte = 1;
		FILE *f;

		close(ready[0]);
		snprintf(sock, sizeof(sock), "%s/%d.sock", fx->dir, (int)getpid());
		listen_at(sock);
		snprintf(target, sizeof(target), "../%d.sock", (int)getpid());
		make_link(fx, "victim", target);
		snprintf(pidfile, sizeof(pidfile), "%s/victim.pid", fx->dir);
		f = fopen(pidfile, "w");
		if (!f)
			_exit(1);
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
		if (privs_cleaner_start(&c, sock, fx->devdir, pidfile) < 0)
			_exit(1);
		if (write(ready[1], &byte, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	{
		char byte;

		assert_int_equal(read(ready[0], &byte, 1), 1);
	}
	close(ready[0]);
	snprintf(sock, sizeof(sock), "%s/%d.sock", fx->dir, (int)server);
	snprintf(pidfile, sizeof(pidfile), "%s/victim.pid", fx->dir);
	assert_true(path_exists(sock));
	kill(server, SIGKILL);
	assert_int_equal(waitpid(server, &status, 0), server);
	assert_true(eventually_gone(sock));
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/victim", fx->devdir);
		assert_true(eventually_gone(path));
	}
	assert_true(eventually_gone(pidfile));
	/* The fixture's own server is alive: its names stay. */
	assert_true(exists(fx, "mouse0"));
	assert_true(path_exists(fx->sock));
}

/* Run fn in a child; its exit status. */
static int in_child(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void *thread_main(void *arg)
{
	return arg;
}

/* One refused call: -1 and `want` in errno. A clone that got through
 * returns in the child too: that child leaves at once. */
static bool refused(long r, int want)
{
	if (r == 0 && getpid() != getpid_at_start)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return r == -1 && errno == want;
}

/*
 * After privs_drop() (as root; privs_seccomp() alone otherwise): every
 * family of system calls the filter refuses is tried, and what vusb does
 * (threads, fork, I/O) still works. Exit 0, or the number of the first
 * call that got through.
 */
static void seccomp_child(void)
{
	struct { long nr; long a0, a1; int want; } calls[] = {
		/* namespaces: unshare, setns, clone with CLONE_NEW*, clone3 */
		{ SYS_unshare, CLONE_NEWUSER, 0, EPERM },
		{ SYS_setns, 0, CLONE_NEWNET, EPERM },
		{ SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, EPERM },
		{ SYS_clone, CLONE_NEWNET | SIGCHLD, 0, EPERM },
		{ SYS_clone, CLONE_NEWNS | SIGCHLD, 0, EPERM },
		{ SYS_clone, CLONE_NEWPID | SIGCHLD, 0, EPERM },
		{ SYS_clone3, 0, 0, ENOSYS },
		/* another process's descriptors */
		{ SYS_kcmp, 0, 0, EPERM },
		{ SYS_pidfd_getfd, 0, 0, EPERM },
#ifndef __SANITIZE_ADDRESS__
		{ SYS_ptrace, PTRACE_TRACEME, 0, EPERM },
		{ SYS_process_vm_readv, 1, 0, EPERM },
#endif
		{ SYS_bpf, 0, 0, EPERM },
		{ SYS_perf_event_open, 0, 0, EPERM },
		{ SYS_mount, 0, 0, EPERM },
		{ SYS_umount2, 0, 0, EPERM },
		{ SYS_fsopen, 0, 0, EPERM },
		{ SYS_open_tree, 0, 0, EPERM },
		{ SYS_kexec_load, 0, 0, EPERM },
		{ SYS_kexec_file_load, 0, 0, EPERM },
		{ SYS_init_module, 0, 0, EPERM },
		{ SYS_finit_module, 0, 0, EPERM },
		{ SYS_delete_module, 0, 0, EPERM },
		{ SYS_io_uring_setup, 0, 0, EPERM },
		{ SYS_userfaultfd, 0, 0, EPERM },
		{ SYS_keyctl, 0, 0, EPERM },
		{ SYS_add_key, 0, 0, EPERM },
		{ SYS_request_key, 0, 0, EPERM },
		{ SYS_setuid, 0, 0, EPERM },
		{ SYS_capset, 0, 0, EPERM },
		{ SYS_execve, 0, 0, EPERM },
	};
	struct privs_user u;
	pthread_t t;
	unsigned int i;
	void *back;
	pid_t pid;
	int status;

	getpid_at_start = getpid();
	if (geteuid() == 0 && (privs_find_user("nobody", &u) < 0 || privs_drop(&u) < 0))
		_exit(9);
	if (privs_seccomp() < 0)
		_exit(10);
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		errno = 0;
		if (!refused(syscall(calls[i].nr, calls[i].a0, calls[i].a1, 0, 0, 0), calls[i].want))
			_exit(20 + (int)i);
	}
	/* Allowed: what vusb does. */
	if (getpid() <= 0 || write(-1, "", 0) != -1 || errno != EBADF)
		_exit(11);
	if (pthread_create(&t, NULL, thread_main, &u) != 0 || pthread_join(t, &back) != 0 ||
	    back != &u)
		_exit(12);
	pid = fork();
	if (pid == 0)
		_exit(7);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 7)
		_exit(13);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		_exit(16);
}

static void test_seccomp(void **state)
{
	int r = in_child(seccomp_child);

	if (r == 10)
		skip();
	assert_int_equal(r, 0);
}

static void drop_child(void)
{
	struct privs_user u;

	if (privs_find_user("nobody", &u) < 0)
		_exit(10);
	if (privs_drop(&u) < 0)
		_exit(11);
	if (getuid() != u.uid || geteuid() != u.uid || getgid() != u.gid)
		_exit(12);
	if (setuid(0) == 0 || seteuid(0) == 0)
		_exit(13);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		_exit(14);
	if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) != 0) /* CAP_CHOWN gone from the bounding set */
		_exit(15);
	/* Root's files are out of reach now. */
	if (open("/etc/shadow", O_RDONLY) >= 0 || (errno != EACCES && errno != ENOENT))
		_exit(16);
}

static void test_drop(void **state)
{
	struct privs_user u;
	int r;

	if (geteuid() != 0 || privs_find_user("nobody", &u) < 0)
		skip();
	r = in_child(drop_child);
	assert_int_equal(r, 0);
}

static void test_find_user(void **state)
{
	struct privs_user u;
	char longname[100];

	assert_int_equal(privs_find_user("root", &u), 0);
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(privs_find_user("no-such-user-here", &u), -ENOENT);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(privs_find_user(longname, &u), -EINVAL);
	/* Root may not be dropped to. */
	assert_int_equal(privs_find_user("root", &u), 0);
	assert_int_equal(privs_drop(&u), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_release_then_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_of_another, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after_sigkill, setup, teardown),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_find_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
