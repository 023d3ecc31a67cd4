// SPDX-License-Identifier: MIT
/*
 * ptyrun: run a program on a new pseudo-terminal, as if a person sat at
 * it. Whatever arrives on ptyrun's standard input is typed into the
 * terminal; what the program writes there comes out on ptyrun's standard
 * output. Used to test vusb-attach's terminal commands.
 *
 * Usage: ptyrun PROGRAM [ARGS...]
 *
 * When standard input ends, ptyrun types the terminal's end-of-file
 * character (Ctrl-D) and keeps relaying output until the program exits. Exit status: the program's, or 2 on error.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct termios tio;
	int master, status, in_open = 1;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: ptyrun PROGRAM [ARGS...]\n");
		return 2;
	}
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0) {
		perror("ptyrun: forkpty");
		return 2;
	}
	if (pid == 0) {
		/* No echo: the output is then only what the program says. */
		if (tcgetattr(STDIN_FILENO, &tio) == 0) {
			tio.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSANOW, &tio);
		}
		execvp(argv[1], argv + 1);
		perror("ptyrun: exec");
		_exit(127);
	}

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = master, .events = POLLIN },
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
		};
		char buf[4096];
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("ptyrun: poll");
			return 2;
		}
		if (p[0].revents) {
			n = read(master, buf, sizeof(buf));
			/* EIO: the program closed its side (it exited). */
			if (n <= 0)
				break;
			write_all(STDOUT_FILENO, buf, (size_t)n);
		}
		if (p[1].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				/* As a person ends input: Ctrl-D (VEOF). */
				in_open = 0;
				if (tcgetattr(master, &tio) == 0)
					write_all(master, (char *)&tio.c_cc[VEOF], 1);
			}
			else if (write_all(master, buf, (size_t)n) < 0)
				break;
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		return 2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
