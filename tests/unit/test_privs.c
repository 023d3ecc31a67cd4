// SPDX-License-Identifier: MIT
/*
 * src/app/privs.c, cleaner.c and seccomp.c without a VM: the cleaner removes exactly
 * the server's socket, name links and pidfile (on request, at the end,
 * after a SIGKILL) and nothing else; after the real drop the seccomp
 * allow-list refuses every family of calls an attacker wants (and a
 * number the kernel has not assigned yet), says so in its report mode,
 * and lets through what vusb does; dropping root leaves no way back (as
 * root only: skipped otherwise). Everything that changes the process runs
 * in a child.
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

#include <linux/netlink.h>
#include <linux/sched.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/timerfd.h>

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

/* A serial device added after the drop: the cleaner links NAME.tty to its pty. */
static void test_tty_link(void **state)
{
	struct fixture *fx = *state;
	char pts[64], path[256], buf[256];
	struct privs_cleaner c;
	ssize_t n;
	int m, m2;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(m >= 0);
	assert_int_equal(ptsname_r(m, pts, sizeof(pts)), 0);
	assert_int_equal(privs_cleaner_start(&c, fx->sock, fx->devdir, fx->pidfile), 0);

	/* Only a /dev/pts/N terminal, only for a name of ours. */
	assert_int_equal(privs_cleaner_tty_link(&c, "mouse0", "/etc/passwd"), -EINVAL);
	assert_int_equal(privs_cleaner_tty_link(&c, "mouse0", "/dev/pts/../../etc/passwd"),
			 -EINVAL);
	assert_int_equal(privs_cleaner_tty_link(&c, "mouse0", "/dev/pts/999999"), -EINVAL);
	assert_int_equal(privs_cleaner_tty_link(&c, "other0", pts), -EPERM);
	assert_int_equal(privs_cleaner_tty_link(&c, "../mouse0", pts), -EINVAL);
	assert_int_equal(privs_cleaner_tty_link(&c, "nosuch0", pts), -ENOENT);
	/* Another user's terminal (a pts number the server did not open). */
	if (geteuid() == 0) {
		assert_int_equal(chown(pts, 65534, (gid_t)-1), 0);
		assert_int_equal(privs_cleaner_tty_link(&c, "mouse0", pts), -EPERM);
		assert_int_equal(chown(pts, 0, (gid_t)-1), 0);
	}
	assert_false(exists(fx, "mouse0.tty"));
	/* Something else of that name stays; a dead instance's pty link gives way. */
	make_link(fx, "keyboard0.tty", "/etc/passwd");
	assert_int_equal(privs_cleaner_tty_link(&c, "keyboard0", pts), -EEXIST);
	/* A directory or a file at NAME.tty is not replaced either. */
	snprintf(path, sizeof(path), "%s/mouse0", fx->devdir);
	n = readlink(path, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	make_link(fx, "tablet0", buf);
	make_link(fx, "disk0", buf);
	snprintf(path, sizeof(path), "%s/tablet0.tty", fx->devdir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(privs_cleaner_tty_link(&c, "tablet0", pts), -EEXIST);
	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/disk0.tty", fx->devdir);
	m2 = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(m2 >= 0);
	assert_int_equal(write(m2, "keep", 4), 4);
	close(m2);
	assert_int_equal(privs_cleaner_tty_link(&c, "disk0", pts), -EEXIST);
	n = readlink(path, buf, sizeof(buf) - 1);
	assert_int_equal(n, -1);
	m2 = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(m2 >= 0);
	assert_int_equal(read(m2, buf, sizeof(buf)), 4);
	close(m2);
	make_link(fx, "mouse0.tty", "/dev/pts/999999");
	assert_int_equal(privs_cleaner_tty_link(&c, "mouse0", pts), 0);
	snprintf(path, sizeof(path), "%s/mouse0.tty", fx->devdir);
	n = readlink(path, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, pts);
	/* It goes with the name. */
	privs_cleaner_release(&c, "mouse0");
	assert_true(eventually_gone(path));
	close(fx->listen_fd);
	fx->listen_fd = -1;
	privs_cleaner_finish(&c);
	close(m);
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

/* A call the filter must refuse: its number, arguments harmless were it
 * let through (most would fail anyway for want of a capability: that is
 * why the report mode checks that the filter, not the kernel, said no),
 * and the errno it gets. */
struct refusal {
	long nr;
	long a0, a1, a2;
	int want;
	bool reported; /* by the filter's default action, so in the report mode too */
};

#define REFUSED(nr, a0, a1, a2)                                     \
	{                                                           \
		nr, (long)(a0), (long)(a1), (long)(a2), EPERM, true \
	}

static const struct refusal refusals[] = {
	/* namespaces: unshare, setns, clone with CLONE_NEW*, clone3 */
	REFUSED(SYS_unshare, CLONE_NEWUSER, 0, 0),
	REFUSED(SYS_unshare, CLONE_NEWNET, 0, 0),
	REFUSED(SYS_setns, 0, CLONE_NEWNET, 0),
	{ SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, EPERM, false },
	{ SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, EPERM, false },
	{ SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, EPERM, false },
	{ SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, EPERM, false },
	{ SYS_clone, CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | SIGCHLD, 0, 0, EPERM, false },
	{ SYS_clone3, 0, 0, 0, ENOSYS, false },
/* another process: its memory, its descriptors */
#ifndef __SANITIZE_ADDRESS__
	REFUSED(SYS_ptrace, PTRACE_TRACEME, 0, 0),
	REFUSED(SYS_process_vm_readv, 1, 0, 0),
	REFUSED(SYS_process_vm_writev, 1, 0, 0),
	REFUSED(SYS_prctl, PR_SET_DUMPABLE, 1, 0),
#endif
	REFUSED(SYS_kcmp, 0, 0, 0),
	REFUSED(SYS_pidfd_open, 1, 0, 0),
	REFUSED(SYS_pidfd_getfd, 0, 0, 0),
	/* the kernel's own machinery */
	REFUSED(SYS_bpf, 0, 0, 0),
	REFUSED(SYS_perf_event_open, 0, 0, 0),
	REFUSED(SYS_io_uring_setup, 0, 0, 0),
	REFUSED(SYS_io_uring_enter, -1, 0, 0),
	REFUSED(SYS_io_uring_register, -1, 0, 0),
	REFUSED(SYS_userfaultfd, 0, 0, 0),
	REFUSED(SYS_keyctl, 0, 0, 0),
	REFUSED(SYS_add_key, 0, 0, 0),
	REFUSED(SYS_request_key, 0, 0, 0),
	REFUSED(SYS_personality, 0xffffffff, 0, 0),
	REFUSED(SYS_memfd_secret, 0, 0, 0),
	REFUSED(SYS_fanotify_init, 0, 0, 0),
	REFUSED(SYS_syslog, 0, 0, 0),
	/* mounts and file systems */
	REFUSED(SYS_mount, 0, 0, 0),
	REFUSED(SYS_umount2, 0, 0, 0),
	REFUSED(SYS_pivot_root, 0, 0, 0),
	REFUSED(SYS_chroot, 0, 0, 0),
	REFUSED(SYS_fsopen, 0, 0, 0),
	REFUSED(SYS_fsmount, -1, 0, 0),
	REFUSED(SYS_fsconfig, -1, 0, 0),
	REFUSED(SYS_fspick, -1, 0, 0),
	REFUSED(SYS_open_tree, -1, 0, 0),
	REFUSED(SYS_move_mount, -1, 0, 0),
	REFUSED(SYS_mount_setattr, -1, 0, 0),
	REFUSED(SYS_open_by_handle_at, -1, 0, 0),
	REFUSED(SYS_name_to_handle_at, -1, 0, 0),
	REFUSED(SYS_swapon, 0, 0, 0),
	REFUSED(SYS_swapoff, 0, 0, 0),
	REFUSED(SYS_acct, 0, 0, 0),
	REFUSED(SYS_quotactl, 0, 0, 0),
	/* a device node, made where we could write */
	REFUSED(SYS_mknod, "/tmp/vusb-test-privs-null", S_IFCHR | 0600, 0x103 /* 1:3, /dev/null */),
	REFUSED(SYS_mknodat, AT_FDCWD, "/tmp/vusb-test-privs-null", S_IFCHR | 0600),
	/* modules, kexec, reboot */
	REFUSED(SYS_kexec_load, 0, 0, 0),
	REFUSED(SYS_kexec_file_load, -1, -1, 0),
	REFUSED(SYS_init_module, 0, 0, 0),
	REFUSED(SYS_finit_module, -1, 0, 0),
	REFUSED(SYS_delete_module, 0, 0, 0),
	REFUSED(SYS_reboot, 0, 0, 0),
	/* the clock: settimeofday(NULL, NULL) would succeed, doing nothing */
	REFUSED(SYS_settimeofday, 0, 0, 0),
	REFUSED(SYS_clock_settime, CLOCK_REALTIME, 0, 0),
	REFUSED(SYS_adjtimex, 0, 0, 0),
	REFUSED(SYS_clock_adjtime, CLOCK_REALTIME, 0, 0),
	/* credentials and programs */
	REFUSED(SYS_setuid, 0, 0, 0),
	REFUSED(SYS_setresuid, 0, 0, 0),
	REFUSED(SYS_setgroups, 0, 0, 0),
	REFUSED(SYS_capset, 0, 0, 0),
	REFUSED(SYS_execve, "/bin/true", 0, 0),
	REFUSED(SYS_execveat, AT_FDCWD, "/bin/true", 0),
	REFUSED(SYS_iopl, 3, 0, 0),
	/* ioctl beyond the few vusb makes: typing into a terminal, a tty's hang-up */
	REFUSED(SYS_ioctl, 0, TIOCSTI, "x"),
	REFUSED(SYS_ioctl, 0, TIOCVHANGUP, 0),
	REFUSED(SYS_ioctl, 0, TIOCSCTTY, 0),
	REFUSED(SYS_ioperm, 0x80, 1, 1),
	/* sockets beyond AF_UNIX, AF_INET(6) and netlink's uevents */
	REFUSED(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE),
	REFUSED(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT),
	REFUSED(SYS_socket, AF_PACKET, SOCK_RAW, 0),
	REFUSED(SYS_socket, AF_VSOCK, SOCK_STREAM, 0),
	/* a call the kernel may add later: an allow-list refuses it too */
	REFUSED(1000, 0, 0, 0),
	/* the x32 ABI's getpid */
	{ 0x40000000 | SYS_getpid, 0, 0, 0, EPERM, false },
};

#define NREFUSALS (sizeof(refusals) / sizeof(refusals[0]))

/* What vusb does once it serves (one thread; a serial --exec child is
 * forked before the drop, as are the cleaner and a daemon): allowed. 0,
 * or the step that failed. */
static int allowed_calls(void)
{
	pid_t pid;
	int status, fd, p[2], n = 0;
	char c = 'x';

	if (getpid() <= 0 || write(-1, "", 0) != -1 || errno != EBADF)
		return 1;
	/* clone without a namespace flag (fork() itself would also have its
	 * child call set_robust_list, which vusb never needs). */
	pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(7);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 7)
		return 3;
	/* the sockets vusb makes after the drop */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 5;
	close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return 6;
	close(fd);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno != EAFNOSUPPORT)
		return 7;
	if (fd >= 0)
		close(fd);
	/* a new timer, a connection's splice pipe, vhci's attach socket */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return 9;
	close(fd);
	if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], &c, 1) != 1 || ioctl(p[0], FIONREAD, &n) < 0 ||
	    n != 1 || read(p[0], &c, 1) != 1)
		return 11;
	close(p[0]);
	close(p[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return 12;
	close(p[0]);
	close(p[1]);
	return 0;
}

/* The filter's own permission check: never as root, never with a capability. */
static void drop_or_exit(void)
{
	struct privs_user u;

	getpid_at_start = getpid();
	if (geteuid() == 0 && (privs_find_user("nobody", &u) < 0 || privs_drop(&u) < 0))
		_exit(9);
}

/*
 * After privs_drop() (as root; privs_seccomp() alone otherwise): every
 * family of system calls the filter refuses is tried, and what vusb does
 * (fork, sockets, the loop's descriptors) still works. Exit 0,
 * 20 + the index of the first call that got through, or another step.
 */
static void seccomp_child(void)
{
	unsigned int i;
	int r;

	drop_or_exit();
	if (privs_seccomp(0) < 0)
		_exit(10);
	for (i = 0; i < NREFUSALS; i++) {
		const struct refusal *c = &refusals[i];

		errno = 0;
		if (!refused(syscall(c->nr, c->a0, c->a1, c->a2, 0, 0), c->want))
			_exit(20 + (int)i);
	}
	r = allowed_calls();
	if (r)
		_exit(100 + r);
}

static void test_seccomp(void **state)
{
	int r = in_child(seccomp_child);

	if (r == 10)
		skip();
	assert_int_equal(r, 0);
}

/* Has `buf` the report line of system call nr, and how many lines? */
static bool reported(const char *buf, long nr)
{
	char line[96];

	snprintf(line, sizeof(line), "vusb-attach: the seccomp filter refused system call %ld\n",
		 nr);
	return strstr(buf, line) != NULL;
}

/*
 * The same calls in the report mode (VUSB_SECCOMP=report): each still
 * fails the same, and each that the filter's default refused says its
 * number on standard error, which shows that the filter refused it, not
 * the kernel's own permission check; what vusb does says nothing.
 */
static void report_child(void)
{
	static char buf[16384];
	unsigned int i, lines = 0, want = 0;
	size_t len = 0;
	ssize_t n;
	int p[2], r;

	drop_or_exit();
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0 || dup2(p[1], STDERR_FILENO) < 0)
		_exit(8);
	if (privs_seccomp(PRIVS_SECCOMP_REPORT) < 0)
		_exit(10);
	for (i = 0; i < NREFUSALS; i++) {
		const struct refusal *c = &refusals[i];

		errno = 0;
		if (!refused(syscall(c->nr, c->a0, c->a1, c->a2, 0, 0), c->want))
			_exit(20 + (int)i);
	}
	r = allowed_calls();
	if (r)
		_exit(100 + r);
	while (len < sizeof(buf) - 1 && (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (i = 0; i < NREFUSALS; i++) {
		if (!refusals[i].reported)
			continue;
		want++;
		if (!reported(buf, refusals[i].nr))
			_exit(150 + (int)i > 255 ? 255 : 150 + (int)i);
	}
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	/* One line per refusal, none for what is allowed. */
	if (lines != want)
		_exit(11);
}

static void test_seccomp_report(void **state)
{
	int r = in_child(report_child);

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
		cmocka_unit_test_setup_teardown(test_tty_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_of_another, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after_sigkill, setup, teardown),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_seccomp_report),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_find_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
