// SPDX-License-Identifier: MIT
/*
 * src/daemon: the pure parsers ($NOTIFY_SOCKET, $JOURNAL_STREAM, pidfile
 * text), and the rest for real: a notify datagram received on a socket
 * of our own, a pidfile locked against a second owner, and the start in
 * the background run in a child process, reporting success, a failure
 * code, or nothing at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/app/daemon.h"

static void test_notify_addr(void **state)
{
	struct sockaddr_un a;
	socklen_t len;
	char longpath[200];

	assert_int_equal(notify_addr_parse("/run/systemd/notify", &a, &len), 0);
	assert_int_equal(a.sun_family, AF_UNIX);
	assert_string_equal(a.sun_path, "/run/systemd/notify");
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 20);

	assert_int_equal(notify_addr_parse("@vusb/notify", &a, &len), 0);
	assert_int_equal(a.sun_path[0], '\0');
	assert_memory_equal(a.sun_path + 1, "vusb/notify", 11);
	/* No trailing NUL counts for an abstract name. */
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 12);

	assert_int_equal(notify_addr_parse("", &a, &len), -EINVAL);
	assert_int_equal(notify_addr_parse("@", &a, &len), -EINVAL);
	assert_int_equal(notify_addr_parse("/", &a, &len), -EINVAL);
	assert_int_equal(notify_addr_parse("run/notify", &a, &len), -EINVAL);
	assert_int_equal(notify_addr_parse("vsock:2:1234", &a, &len), -EAFNOSUPPORT);
	memset(longpath, 'x', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(a.sun_path)] = '\0';
	assert_int_equal(notify_addr_parse(longpath, &a, &len), -EINVAL);
	longpath[sizeof(a.sun_path) - 1] = '\0';
	assert_int_equal(notify_addr_parse(longpath, &a, &len), 0);
	longpath[0] = '@';
	longpath[sizeof(a.sun_path) - 1] = 'x';
	longpath[sizeof(a.sun_path)] = 'x';
	longpath[sizeof(a.sun_path) + 1] = '\0';
	assert_int_equal(notify_addr_parse(longpath, &a, &len), -EINVAL);
	longpath[sizeof(a.sun_path)] = '\0';
	assert_int_equal(notify_addr_parse(longpath, &a, &len), 0);
	assert_int_equal(notify_addr_parse(NULL, &a, &len), -EINVAL);
}

static void test_journal_stream(void **state)
{
	assert_true(journal_stream_matches("8:12345", 8, 12345));
	assert_false(journal_stream_matches("8:12345", 8, 12346));
	assert_false(journal_stream_matches("9:12345", 8, 12345));
	assert_false(journal_stream_matches(NULL, 8, 12345));
	assert_false(journal_stream_matches("", 0, 0));
	assert_false(journal_stream_matches("8", 8, 0));
	assert_false(journal_stream_matches(":5", 0, 5));
	assert_false(journal_stream_matches("8:", 8, 0));
	assert_false(journal_stream_matches("8:12x", 8, 12));
	assert_false(journal_stream_matches("-8:12", 8, 12));
	assert_false(journal_stream_matches("8:99999999999999999999999", 8, 0));
}

static void test_pidfile_parse(void **state)
{
	pid_t pid = 0;

	assert_int_equal(pidfile_parse("1234\n", 5, &pid), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(pidfile_parse("77", 2, &pid), 0);
	assert_int_equal(pid, 77);
	pid = 5;
	assert_int_equal(pidfile_parse("", 0, &pid), -EBADMSG);
	assert_int_equal(pidfile_parse("\n", 1, &pid), -EBADMSG);
	assert_int_equal(pidfile_parse("0\n", 2, &pid), -EBADMSG);
	assert_int_equal(pidfile_parse("12 \n", 4, &pid), -EBADMSG);
	assert_int_equal(pidfile_parse("12\n\n", 4, &pid), -EBADMSG);
	assert_int_equal(pidfile_parse("-3\n", 3, &pid), -EBADMSG);
	assert_int_equal(pidfile_parse("2147483648\n", 11, &pid), -EBADMSG);
	assert_int_equal(pid, 5);
}

static void test_notify_send(void **state)
{
	char path[] = "/tmp/vusb-notify-XXXXXX", sock[64], name[32], buf[256];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	ssize_t n;
	int fd;

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 0);

	assert_non_null(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/notify", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setenv("NOTIFY_SOCKET", sock, 1);
	assert_int_equal(notify_send("READY=1\nSTATUS=Serving 1 device"), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 31);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1\nSTATUS=Serving 1 device");
	close(fd);
	unlink(sock);
	/* Nobody listening any more. */
	assert_int_equal(notify_send("READY=1"), -ENOENT);
	rmdir(path);

	/* An abstract name, as some managers use. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(name, sizeof(name), "vusb-test-%ld", (long)getpid());
	memcpy(a.sun_path + 1, name, strlen(name));
	assert_int_equal(bind(fd, (struct sockaddr *)&a,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))),
			 0);
	snprintf(sock, sizeof(sock), "@%s", name);
	setenv("NOTIFY_SOCKET", sock, 1);
	assert_int_equal(notify_send("STOPPING=1"), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 10);
	close(fd);
	setenv("NOTIFY_SOCKET", "relative", 1);
	assert_int_equal(notify_send("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

static void test_pidfile(void **state)
{
	char path[] = "/tmp/vusb-pid-XXXXXX", file[64], buf[32];
	pid_t owner = 0, child;
	int fd = -1, status;
	ssize_t n;

	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof(file), "%s/vusb.pid", path);
	assert_int_equal(pidfile_create(file, &fd, &owner), 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(atol(buf), getpid());

	/* Another process finds it held, and by whom. */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int fd2 = -1;
		pid_t o = 0;
		int r = pidfile_create(file, &fd2, &o);

		_exit(r == -EEXIST && o == getppid() ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	pidfile_remove(file, fd);
	assert_int_equal(access(file, F_OK), -1);
	pidfile_remove(file, -1);

	/* A stale file of a process that is gone is taken over. */
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "99999\n", 6), 6);
	close(fd);
	assert_int_equal(pidfile_create(file, &fd, &owner), 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n] = '\0';
	assert_int_equal(atol(buf), getpid());
	pidfile_remove(file, fd);

	/* Not through a link, and not where we may not write. */
	assert_int_equal(symlink("/etc/passwd", file), 0);
	assert_int_equal(pidfile_create(file, &fd, &owner), -ELOOP);
	unlink(file);
	snprintf(file, sizeof(file), "%s/no/such/dir.pid", path);
	assert_int_equal(pidfile_create(file, &fd, &owner), -ENOENT);
	rmdir(path);
}

/*
 * Run daemon_start() in a child: the daemon does `what` and the original
 * process exits with what daemon_start() gave it (status, or 100 for
 * -EPIPE). Returns that exit status.
 */
enum daemon_act { REPORT_OK, REPORT_FAIL, EXIT_SILENTLY };

static int run_daemon(enum daemon_act what, const char *marker)
{
	pid_t child = fork();
	int status;

	assert_true(child >= 0);
	if (child == 0) {
		struct daemon_pipe dp = DAEMON_PIPE_INIT;
		int st = -1;
		int r = daemon_start(&dp, &st);

		if (r == 1)
			_exit(st);
		if (r == -EPIPE)
			_exit(100);
		if (r < 0)
			_exit(101);
		if (what == REPORT_OK) {
			FILE *f = fopen(marker, "w");

			if (f) {
				fprintf(f, "%ld %ld\n", (long)getsid(0), (long)getpid());
				fclose(f);
			}
			daemon_report(&dp, 0);
			/* stdout is /dev/null now. */
			printf("not seen\n");
		} else if (what == REPORT_FAIL) {
			daemon_report(&dp, 3);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_daemon_start(void **state)
{
	char marker[] = "/tmp/vusb-daemon-XXXXXX";
	long sid = 0, pid = 0;
	FILE *f;
	int fd = mkstemp(marker);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(run_daemon(REPORT_OK, marker), 0);
	f = fopen(marker, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &sid, &pid), 2);
	fclose(f);
	/* A new session, and the daemon is not its leader. */
	assert_true(sid != getsid(0));
	assert_true(sid != pid);
	unlink(marker);

	assert_int_equal(run_daemon(REPORT_FAIL, marker), 3);
	assert_int_equal(run_daemon(EXIT_SILENTLY, marker), 100);

	{
		struct daemon_pipe none = DAEMON_PIPE_INIT;

		daemon_report(&none, 0); /* nothing to report to: nothing happens */
		assert_int_equal(none.fd, -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_addr),
		cmocka_unit_test(test_journal_stream),
		cmocka_unit_test(test_pidfile_parse),
		cmocka_unit_test(test_notify_send),
		cmocka_unit_test(test_pidfile),
		cmocka_unit_test(test_daemon_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
