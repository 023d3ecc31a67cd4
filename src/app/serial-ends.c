// SPDX-License-Identifier: MIT
/* The other end of a serial device: a pty, a command, a TCP peer. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "src/app/serial-private.h"
#include "src/base/log.h"

int serial_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

void serial_pty_link(struct serial_port *p)
{
	int n = snprintf(p->link, sizeof(p->link), "%s/dev/%s.tty", ctl_rundir(), p->name);

	if (n < 0 || (size_t)n >= sizeof(p->link)) {
		p->link[0] = '\0';
		return;
	}
	/* A link of ours left by an instance that died goes; the name is ours
	 * now. Not ours to write after the drop: the cleaner links it then
	 * (src/app/vusb.c). */
	if (unlink(p->link) < 0 && (errno == EACCES || errno == EPERM)) {
		p->link[0] = '\0';
		return;
	}
	if (symlink(p->pts, p->link) < 0) {
		if (errno != EACCES && errno != EPERM)
			log_warn("%s: cannot link %s to %s: %s", p->name, p->link, p->pts,
				 strerror(errno));
		p->link[0] = '\0';
	}
}

int serial_open_pty(struct serial_port *p, struct strbuf *err)
{
	struct termios t;
	int m;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, p->pts, sizeof(p->pts))) {
		strbuf_printf(err, "cannot make a pty: %s", strerror(errno));
		if (m >= 0)
			close(m);
		return -EIO;
	}
	p->fd = m;
	p->slave = open(p->pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->slave < 0) {
		strbuf_printf(err, "cannot open %s: %s", p->pts, strerror(errno));
		return -EIO;
	}
	/* Raw, no echo: a byte from the host must not come back to it. */
	if (tcgetattr(p->slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(p->slave, TCSANOW, &t);
	}
	if (serial_set_nonblock(m) < 0) {
		strbuf_printf(err, "cannot make the pty non-blocking");
		return -EIO;
	}
	serial_pty_follow_line(p);
	return 0;
}

int serial_start_exec(struct serial_port *p, const char *cmd, struct strbuf *err)
{
	int sv[2];
	pid_t pid;

	if (!*cmd) {
		strbuf_printf(err, "--exec needs a command");
		return -EINVAL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		strbuf_printf(err, "socketpair: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		strbuf_printf(err, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -EAGAIN;
	}
	if (pid == 0) {
		sigset_t none;

		/* The loop blocks the signals it reads, and SIGPIPE is ignored. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	p->child = pid;
	p->fd = sv[0];
	serial_set_nonblock(p->fd);
	return 0;
}

static void tcp_accept(struct loop_io *io, uint32_t events, void *data)
{
	struct serial_port *p = data;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char peer[SERVER_ADDR_STRLEN];
	int fd;

	(void)events;
	fd = accept4(p->listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (p->fd >= 0) {
		/* One client at a time. */
		close(fd);
		return;
	}
	server_addr_format((struct sockaddr *)&ss, len, peer, sizeof(peer));
	log_notice("%s: TCP client %s", p->name, peer);
	p->fd = fd;
	/* No accepting while one is served: a second one waits in the backlog. */
	loop_io_modify(io, 0);
	serial_port_update(p);
}

int serial_start_tcp(struct serial_port *p, const char *spec, bool listen_, struct strbuf *err)
{
	struct server_addr addr;
	char shown[SERVER_ADDR_STRLEN];
	int fd, one = 1;

	if (server_parse_listen(spec, &addr) < 0 || !strchr(spec, ':')) {
		strbuf_printf(err, "invalid %s '%s': ADDR:PORT, such as 127.0.0.1:4000",
			      listen_ ? "--tcp" : "--connect", spec);
		return -EINVAL;
	}
	fd = socket(addr.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		strbuf_printf(err, "socket: %s", strerror(errno));
		return -EIO;
	}
	server_addr_format((struct sockaddr *)&addr.ss, addr.len, shown, sizeof(shown));
	if (!listen_) {
		if (connect(fd, (struct sockaddr *)&addr.ss, addr.len) < 0) {
			strbuf_printf(err, "cannot connect to %s: %s", shown, strerror(errno));
			close(fd);
			return -EIO;
		}
		p->fd = fd;
		serial_set_nonblock(fd);
		return 0;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr.ss, addr.len) < 0 || listen(fd, 1) < 0 ||
	    serial_set_nonblock(fd) < 0) {
		strbuf_printf(err, "cannot listen on %s: %s", shown, strerror(errno));
		close(fd);
		return -EIO;
	}
	p->listen_fd = fd;
	if (loop_io_add(p->loop, fd, EPOLLIN, tcp_accept, p, NULL, &p->listen_io) < 0) {
		strbuf_printf(err, "out of resources");
		return -ENOMEM;
	}
	return 0;
}
