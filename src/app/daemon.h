/* SPDX-License-Identifier: MIT */
/*
 * Running as a service: the classic start in the background, where the
 * original process waits on a pipe until the daemon says it is ready (or
 * why it failed); a locked pidfile; and systemd's readiness protocol
 * (sd_notify(3): "READY=1" in a datagram to $NOTIFY_SOCKET), written
 * here in a few lines rather than linking libsystemd for one sendmsg().
 *
 * Nothing here prints or logs.
 */
#ifndef VUSB_DAEMON_H
#define VUSB_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* ---- Pure functions ---- */

/*
 * $NOTIFY_SOCKET as an address: an absolute path ("/run/systemd/notify")
 * or an abstract name ("@name"). 0 with *ret and *ret_len, or -EINVAL
 * (empty, relative, "@" alone, too long for sun_path),
 * -EAFNOSUPPORT ("vsock:..." addresses, which this does not speak).
 */
int notify_addr_parse(const char *s, struct sockaddr_un *ret, socklen_t *ret_len);

/*
 * Does $JOURNAL_STREAM ("DEVICE:INODE", decimal) name the file dev/ino,
 * i.e. is stderr connected to the journal? false when env is NULL or
 * malformed.
 */
bool journal_stream_matches(const char *env, dev_t dev, ino_t ino);

/*
 * The process id in a pidfile's text: decimal digits, an optional
 * newline, nothing else. 0 with *ret, or -EBADMSG.
 */
int pidfile_parse(const char *text, size_t len, pid_t *ret);

/* ---- The rest ---- */

/*
 * Send state ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET. 1 sent, 0 when
 * NOTIFY_SOCKET is not set (not run by systemd with Type=notify), or
 * -errno.
 */
int notify_send(const char *state);

/* Is stderr the journal ($JOURNAL_STREAM names it)? */
bool journal_stream_is_stderr(void);

/*
 * The daemon's side of the start: the pipe to report on, and /dev/null,
 * opened at the start, since by the time the daemon is ready it may have
 * given up the right to open files (a dropped user, a descriptor limit).
 */
struct daemon_pipe {
	int fd;
	int null_fd;
};
#define DAEMON_PIPE_INIT { .fd = -1, .null_fd = -1 }

/*
 * Go to the background: fork, start a new session, fork again (so the
 * daemon can never get a controlling terminal back). Standard input,
 * output and error stay as they were until daemon_report(), so that the
 * daemon's first lines and errors reach the caller.
 *
 * In the daemon: returns 0 with *ret, to report on.
 * In the original process: returns 1 once the daemon has reported, with
 * *ret_status its status (0 ready, else its exit code), or -EPIPE when
 * the daemon ended without a report. -errno when fork, pipe or opening
 * /dev/null fail.
 */
int daemon_start(struct daemon_pipe *ret, int *ret_status);

/*
 * In the daemon: tell the waiting process status (0: ready; else the
 * exit code it should end with), and close the pipe. For 0, standard
 * input, output and error first go to /dev/null (output is flushed), so
 * that nothing holds the caller's terminal or pipe. Nothing when there
 * is no pipe (p->fd negative); p is reset to DAEMON_PIPE_INIT.
 */
void daemon_report(struct daemon_pipe *p, int status);

/*
 * Create path (mode 0644), lock it (flock) and write our pid. 0 with
 * *ret_fd (keep it open: the lock lasts as long as the fd), or -EEXIST
 * when another live process holds it (*ret_owner its pid, or 0 when
 * unreadable), or -errno.
 */
int pidfile_create(const char *path, int *ret_fd, pid_t *ret_owner);

/* Remove path and close fd, if fd is ours (>= 0). */
void pidfile_remove(const char *path, int fd);

#endif
