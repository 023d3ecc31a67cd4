// SPDX-License-Identifier: MIT
/*
 * The seccomp filter of the dropped vusb-attach (src/app/privs.h): an
 * allow-list. The set was measured, not guessed: the whole VM suite
 * (every model, --listen with usbip, --daemon, capture, the serial ends,
 * every control command, signals, exits) and vusb-attach --listen on the
 * build machine, plain and sanitized, ran with a filter whose refusals
 * went to a supervisor that logged each call with its arguments and let
 * it through (SECCOMP_RET_USER_NOTIF). Each entry says which part of vusb
 * makes the call once it serves; the drop comes after everything that
 * needs root (src/app/vusb-attach-drop.c, drop_privileges()), so what runs
 * only before it (kmod, the first attach, opening images) is not here.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include "src/app/privs.h"

#if defined(__SANITIZE_ADDRESS__)
#define SECCOMP_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECCOMP_SANITIZER 1
#endif
#endif

#if defined(__x86_64__)
#define SECCOMP_AUDIT_ARCH AUDIT_ARCH_X86_64
#endif

#ifdef SECCOMP_AUDIT_ARCH
/* One entry and its reason a line. */
/* clang-format off */
static const uint32_t allowed[] = {
	/* The loop (src/base/loop.c) and its timers. */
	SYS_epoll_wait,		/* loop_run: every round */
	SYS_epoll_ctl,		/* loop_io_add/modify/remove: connections come and go */
	SYS_timerfd_create,	/* a timer made after the drop: idle clients, a device's timer */
	SYS_timerfd_settime,	/* every timer armed: HID idle, fault delays, timeouts */
	SYS_clock_gettime,	/* time stamps where the vDSO cannot answer */
	SYS_clock_nanosleep,	/* nanosleep(): waiting for vhci after a Fomu's replug */
	SYS_restart_syscall,	/* a sleep or poll resumed after SIGSTOP/SIGCONT */
	SYS_poll,		/* a capture's bounded write wait (src/capture/capture.c) */
	/* Descriptors and their data. */
	SYS_read,		/* every socket, pty, pipe, sysfs file and image */
	SYS_write,		/* every socket, pty, pipe and capture file; the log */
	SYS_writev,		/* USB/IP replies: header and payload (src/usbip/conn.c) */
	SYS_pread64,		/* storage reads, the Fomu's NOR file */
	SYS_pwrite64,		/* storage writes, the Fomu's NOR file */
	SYS_lseek,		/* a capture started by vusbctl: where its file ends */
	SYS_splice,		/* URB data between a socket and an image (conn-pipe.c) */
	SYS_pipe2,		/* the splice pipe of a new connection (conn-pipe.c) */
	SYS_fdatasync,		/* storage: SYNCHRONIZE CACHE, eject, detach */
	SYS_ftruncate,		/* a capture file started by vusbctl, a --snapshot overlay */
	SYS_close,		/* every descriptor we are done with */
	SYS_dup,		/* a passed descriptor kept apart from its request (insert) */
	SYS_dup2,		/* --daemon: /dev/null onto 0, 1, 2 once ready (daemon.c) */
	SYS_fcntl,		/* O_NONBLOCK, F_DUPFD_CLOEXEC, an inserted image's OFD lock */
	SYS_fstat,		/* an inserted image's size and type */
	SYS_newfstatat,		/* stat(): sysfs, /proc/self/mountinfo for suspend, realpath() */
	SYS_openat,		/* sysfs (port status, a device's nodes), a terminal's insert */
	SYS_getdents64,		/* sysfs directory walks: a device's interfaces and nodes */
	SYS_readlink,		/* sysfs links (a device's driver), realpath() */
	SYS_access,		/* sysfs attributes that may be missing (ready.c, settle.c) */
	SYS_unlink,		/* our report sockets and pty links at detach (EACCES: the cleaner's) */
	SYS_chdir,		/* --daemon: to / once ready, holding no directory busy */
	/* vusbctl add: a device made after the drop (src/app/command.c). */
	SYS_bind,		/* its report socket (NAME.hid), a serial --tcp end */
	SYS_listen,		/* the same */
	SYS_umask,		/* the report socket's mode (ctl_listen_socket) */
	SYS_symlink,		/* its name link and a serial pty's link, where we may write */
	SYS_flock,		/* a Fomu's flash file, locked against a second user */
	/* libudev, when udevd runs: has it handled an attached device yet
	 * (sysfs/settle.c, udev_device_get_is_initialized)? */
	SYS_readlinkat,		/* its sysfs path, symlink by symlink */
	SYS_faccessat2,		/* whether a sysfs attribute is there */
	SYS_fstatfs,		/* that /sys is sysfs */
	SYS_getrandom,		/* its hash tables' seeds (GRND_INSECURE) */
	/* Sockets: the control socket, report sockets, USB/IP, serial ends, uevents. */
	SYS_accept4,		/* control, report, --listen and serial --tcp clients */
	SYS_connect,		/* serial --connect again; syslog's /dev/log again; sd_notify */
	SYS_socketpair,		/* vhci's attach socket when a Fomu comes back (sysfs/vhci.c) */
	SYS_sendmsg,		/* control replies, sd_notify, syslog */
	SYS_recvmsg,		/* control requests with their descriptors, uevents */
	SYS_sendto,		/* send() on every stream socket */
	SYS_recvfrom,		/* recv() on every stream socket */
	SYS_getsockopt,		/* SO_PEERCRED of a control client, SO_ERROR of a connect */
	SYS_setsockopt,		/* TCP_NODELAY and keep-alive on --listen and serial peers */
	SYS_getsockname,	/* --allow-user: our end of a loopback peer (src/usbip/sockdiag.c) */
	SYS_getpeername,	/* --allow-user: its end, for the sock_diag lookup */
	/* Memory. */
	SYS_brk,		/* malloc */
	SYS_mmap,		/* malloc of large buffers (URB data, output queues) */
	SYS_munmap,		/* the same, freed */
	SYS_mremap,		/* realloc of a buffer above malloc's mmap threshold */
	SYS_mprotect,		/* malloc's heap (a new arena's pages) */
	/* Signals, children, identity. */
	SYS_rt_sigprocmask,	/* the loop's blocked signals; abort() */
	SYS_rt_sigreturn,	/* the end of every signal handler (VUSB_SECCOMP=report's too) */
	SYS_wait4,		/* reaping a serial --exec child */
	SYS_kill,		/* ending a serial --exec child and its group */
	SYS_getpid,		/* log lines, sd_notify, raise() */
	SYS_tgkill,		/* raise() in abort(): a failed assert() ends with SIGABRT */
	SYS_uname,		/* sysfs/explain.c, naming the kernel in a message */
	SYS_exit_group,		/* our end */
	SYS_sched_setaffinity,	/* --cpu: a device's kernel threads onto our CPU (src/app/pin.c) */
#ifdef SECCOMP_SANITIZER
	/* make check-asan: the sanitizer runtimes' own calls, at a report and
	 * at exit, when LeakSanitizer stops the process with ptrace (its
	 * tracer checks getppid() to know that we still wait for it). */
	SYS_ptrace, SYS_getppid, SYS_process_vm_readv, SYS_open, SYS_stat, SYS_getdents, SYS_sched_yield,
	SYS_sigaltstack, SYS_prctl, SYS_gettid, SYS_rt_sigaction, SYS_madvise,
	SYS_getrlimit, SYS_prlimit64, SYS_exit, SYS_futex, SYS_pipe, SYS_lstat, SYS_munlock,
	SYS_mlock,
#endif
};

/*
 * ioctl: only the requests vusb makes after the drop (the kernel reads
 * the request as 32 bits).
 */
static const uint32_t allowed_ioctls[] = {
	TCGETS,			/* tcgetattr(), isatty(): a serial device's pty line */
	TCSETS,			/* tcsetattr(): the host's line coding onto the pty */
	TIOCSIG,		/* a serial BREAK: the pty's foreground gets SIGINT */
	TIOCGPGRP,		/* whether a serial pty has a reader */
	TIOCGPTN,		/* ptsname(): an added serial device's pty */
	TIOCSPTLCK,		/* unlockpt(): the same */
	FIONREAD,		/* a USB/IP socket's pending bytes (conn-pipe.c) */
	(uint32_t)BLKGETSIZE64,	/* an inserted block device's size */
};
/* clang-format on */

#define NIOCTLS (sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]))
#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))

/* clone's namespace flags (CLONE_NEWTIME is clone3's and unshare's only:
 * in clone's flags its bit is part of the exit signal). */
#define SECCOMP_CLONE_NEW                                                              \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
	 CLONE_NEWPID | CLONE_NEWNET)

#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP(code, k, jt, jf))
#define RET(k) STMT(BPF_RET | BPF_K, k)
#define LOAD(field) STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define LOAD_ARG(i) STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#endif

#ifdef SECCOMP_AUDIT_ARCH
/*
 * PRIVS_SECCOMP_REPORT: a refused call traps here instead of failing in
 * the kernel; it fails the same (EPERM), and says which it was on
 * standard error (the journal, for a service). Only write(2): a signal
 * handler may interrupt anything.
 */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	static const char head[] = "vusb-attach: the seccomp filter refused system call ";
	char line[sizeof(head) + 32], num[12];
	ucontext_t *uc = ctx;
	unsigned int nr = (unsigned int)si->si_syscall, k = 0, n = sizeof(head) - 1;
	ssize_t w;

	(void)sig;
	do
		num[k++] = (char)('0' + nr % 10);
	while ((nr /= 10) && k < sizeof(num));
	memcpy(line, head, n);
	while (k)
		line[n++] = num[--k];
	line[n++] = '\n';
	w = write(STDERR_FILENO, line, n);
	(void)w;
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
}
#endif

int privs_seccomp(unsigned int flags)
{
#ifdef SECCOMP_AUDIT_ARCH
	uint32_t refuse =
		flags & PRIVS_SECCOMP_REPORT ? SECCOMP_RET_TRAP : SECCOMP_RET_ERRNO | EPERM;
	struct sock_filter f[2 * NALLOWED + 2 * NIOCTLS + 40];
	struct sock_fprog prog = { 0 };
	unsigned int n = 0, i;

	/* Another architecture's system calls (int 0x80 on x86-64) have
	 * other numbers: refuse them all. */
	f[n++] = LOAD(arch);
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_AUDIT_ARCH, 1, 0);
	f[n++] = RET(SECCOMP_RET_ERRNO | EPERM);
	f[n++] = LOAD(nr);
	/* The x32 ABI: the same numbers with bit 30 set. */
	f[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
	f[n++] = RET(SECCOMP_RET_ERRNO | EPERM);
	/*
	 * clone3 passes its flags in memory, which a filter cannot read:
	 * ENOSYS makes glibc fall back to clone (threads, posix_spawn), whose
	 * flags it can. clone may make threads and processes, never
	 * namespaces: unshare and setns are not listed either.
	 */
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
	f[n++] = RET(SECCOMP_RET_ERRNO | ENOSYS);
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
	/* The flags, the low half of args[0] (x86-64 is little-endian; the
	 * kernel reads only that half of clone's flags). */
	f[n++] = LOAD_ARG(0);
	f[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, SECCOMP_CLONE_NEW, 0, 1);
	f[n++] = RET(SECCOMP_RET_ERRNO | EPERM);
	f[n++] = RET(SECCOMP_RET_ALLOW);
	/*
	 * socket: AF_UNIX (report sockets, the journal, a vhci attach after
	 * a Fomu's reboot), AF_INET and AF_INET6 (serial --connect
	 * reconnecting), and of netlink only the kernel's uevents (a Fomu's
	 * replug is watched through them): no routing, no audit, no
	 * netfilter, no raw or packet sockets.
	 */
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 10);
	f[n++] = LOAD_ARG(0);
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 3, 0);
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 2, 0);
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 1, 0);
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 1, 3);
	f[n++] = RET(SECCOMP_RET_ALLOW);
	f[n++] = LOAD_ARG(2);
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, NETLINK_KOBJECT_UEVENT, 1, 0);
	f[n++] = RET(refuse);
	f[n++] = RET(SECCOMP_RET_ALLOW);
	/* ioctl by request. */
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, (uint8_t)(2 * NIOCTLS + 2));
	f[n++] = LOAD_ARG(1);
	for (i = 0; i < NIOCTLS; i++) {
		f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, allowed_ioctls[i], 0, 1);
		f[n++] = RET(SECCOMP_RET_ALLOW);
	}
	f[n++] = RET(refuse);
	/* The rest by number alone: a pair of instructions each, so that
	 * no jump is longer than the BPF's 255. */
	for (i = 0; i < NALLOWED; i++) {
		f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, allowed[i], 0, 1);
		f[n++] = RET(SECCOMP_RET_ALLOW);
	}
	f[n++] = RET(refuse);
	prog.len = (unsigned short)n;
	if (flags & PRIVS_SECCOMP_REPORT) {
		struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
		sigset_t sys;

		sigemptyset(&sa.sa_mask);
		sigemptyset(&sys);
		sigaddset(&sys, SIGSYS);
		if (sigaction(SIGSYS, &sa, NULL) < 0 || sigprocmask(SIG_UNBLOCK, &sys, NULL) < 0)
			return -errno;
	}
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
#else
	(void)flags;
	return -ENOTSUP;
#endif
}
