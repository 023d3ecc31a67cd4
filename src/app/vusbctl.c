// SPDX-License-Identifier: MIT
/*
 * vusbctl: control the devices of running vusb-attach instances.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "src/app/vusbctl.h"
#include "src/base/strbuf.h"
#include "src/ctl/client.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vusbctl list [--json]\n"
		"       vusbctl NAME COMMAND [ARGS...]\n"
		"       vusbctl detach NAME\n"
		"       vusbctl add [--instance PID] DEVICE [DEVICE-OPTIONS]\n"
		"       vusbctl remove NAME\n"
		"       vusbctl suspend [--force] | resume\n"
		"       vusbctl batch       (NAME COMMAND [ARGS...] lines on standard input)\n"
		"       vusbctl help\n"
		"\n"
		"Control the virtual USB devices of running vusb-attach instances.\n"
		"\n"
		"Commands of a mouse:    move DX DY, click [BUTTON], press BUTTON,\n"
		"                        release BUTTON, scroll N, hscroll N\n"
		"                        (BUTTON: left, right, middle, side, extra;\n"
		"                        xdotool's 1, 2, 3, 8, 9; back, forward)\n"
		"Commands of a keyboard: type [--wait] TEXT|-, key COMBO... (e.g.\n"
		"                        ctrl+alt+t), press KEY, release KEY,\n"
		"                        leds [--json],\n"
		"                        keys (every KEY); type -: standard input;\n"
		"                        --wait: until the host has read all of it\n"
		"                        (KEY: a..z 0..9 - = [ ] \\ ; ' ` , . / f1..f24\n"
		"                        enter esc backspace tab space capslock numlock\n"
		"                        scrolllock printscreen pause insert delete home\n"
		"                        end pageup pagedown up down left right kp0..kp9\n"
		"                        kpenter kpplus kpminus kpasterisk kpslash kpdot\n"
		"                        menu mute volumeup volumedown ctrl shift alt\n"
		"                        super rctrl rshift ralt rsuper; any case, '_'\n"
		"                        ignored (caps_lock); xdotool's and QEMU's names\n"
		"                        too: Return, Page_Up, Control_L, ret, ctrl_r)\n"
		"Commands of a tablet:   move X Y (0..32767), click [BUTTON], press BUTTON,\n"
		"                        release BUTTON, scroll N (BUTTON: left, right,\n"
		"                        middle)\n"
		"Commands of a hid:      send HEX, feature ID HEX,\n"
		"                        get-report input|output|feature [ID], watch [--json]\n"
		"Commands of a gamepad:  press BUTTON..., release BUTTON...,\n"
		"                        stick left|right X Y, trigger left|right V,\n"
		"                        state [--json], watch [--json]\n"
		"                        (BUTTON: a b x y lb rb back start guide ls rs\n"
		"                        up down left right)\n"
		"Commands of a storage:  eject [--force], insert FILE (opened with your\n"
		"                        rights), info [--json]\n"
		"Commands of a fomu:     reset, log [--json]\n"
		"Any device:             detach, capture start FILE [--snaplen N], capture stop\n"
		"                        (FILE created with your rights, as pcapng; - for\n"
		"                        standard output, e.g. | wireshark -k -i -)\n"
		"                        fault SPEC, faults [--json], fault clear [ID],\n"
		"                        disconnect [--for MS], reconnect, replug\n"
		"                        (faults: see vusbctl(1))\n"
		"\n"
		"add makes a device in a running vusb-attach (one started with no device\n"
		"waits for it: vusb-attach --daemon, or --listen), described as on its\n"
		"command line: vusbctl add storage disk.img --ro. Every file it names\n"
		"(IMAGE, --create's, --flash, --firmware, --report-descriptor, --capture)\n"
		"is opened or made here, with your rights, and a compressed IMAGE\n"
		"decompressed; serial's --exec CMD is started here, as you. --instance\n"
		"PID picks the vusb-attach when several run. remove unplugs a device and\n"
		"gives back its port, name and image.\n"
		"\n"
		"suspend detaches every attached device of every instance from vhci_hcd\n"
		"(before system sleep), resume attaches them again. A disk whose medium\n"
		"the host has locked (mounted) makes suspend fail, naming the device and\n"
		"the mount, unless --force; it then detaches nothing in any instance.\n"
		"batch runs a command a line, quoted as on vusb-attach's terminal, each\n"
		"instance's over one connection: for programs that send many.\n"
		"\n"
		"Options:\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Sockets live in %s ($VUSB_RUNDIR overrides).\n"
		"Exit status: 0 done, 1 the command failed, 2 usage, 4 no such device,\n"
		"5 permission denied.\n",
		ctl_rundir());
}

/* "vusbctl: ", and with batch's line number. */
static void prefix(unsigned int line)
{
	if (line)
		fprintf(stderr, "vusbctl: line %u: ", line);
	else
		fprintf(stderr, "vusbctl: ");
}

static int explain_connect_at(int r, const char *what, unsigned int line)
{
	prefix(line);
	if (r == -EACCES || r == -EPERM) {
		fprintf(stderr, "%s: permission denied (run as root)\n", what);
		return EXIT_PERMISSION;
	}
	if (r == -ENOENT || r == -ECONNREFUSED) {
		fprintf(stderr, "no device named '%s' (see 'vusbctl list')\n", what);
		return EXIT_NO_DEVICE;
	}
	fprintf(stderr, "%s: %s\n", what, strerror(-r));
	return EXIT_FAILURE_;
}

int vusbctl_explain_connect(int r, const char *what)
{
	return explain_connect_at(r, what, 0);
}

/*
 * Send argv (and fd, if >= 0) to the instance behind `path`, on its own
 * connection or on the session `session` (>= 0), and print its answer
 * (errors with batch's line number, if not 0). *failed, if given, says
 * whether the connection failed (the session is no good then).
 */
static int call_on(const char *path, int session, unsigned int line, const char *what, int argc,
		   char **argv, const int *fds, unsigned int nfds, bool *failed)
{
	struct strbuf reply = { 0 };
	const char *msg, *body;
	int r, code;

	r = session >= 0 ? ctl_session_call(session, argc, argv, nfds ? fds[0] : -1,
					    VUSBCTL_TIMEOUT_MS, &reply) :
			   ctl_call_fds(path, argc, argv, fds, nfds, VUSBCTL_TIMEOUT_MS, &reply);
	if (failed)
		*failed = r < 0;
	if (r < 0) {
		strbuf_free(&reply);
		return explain_connect_at(r, what, line);
	}
	if (ctl_reply_parse(reply.buf, reply.len, &code, &msg, &body) < 0) {
		prefix(line);
		fprintf(stderr, "malformed reply from %s\n", path);
		strbuf_free(&reply);
		return EXIT_FAILURE_;
	}
	fputs(body, stdout);
	if (code) {
		prefix(line);
		fprintf(stderr, "%s\n", msg);
	}
	strbuf_free(&reply);
	return code;
}

int vusbctl_call(const char *path, const char *what, int argc, char **argv, int fd)
{
	return call_on(path, -1, 0, what, argc, argv, &fd, fd >= 0, NULL);
}

int vusbctl_call_fds(const char *path, const char *what, int argc, char **argv, const int *fds,
		     unsigned int nfds)
{
	return call_on(path, -1, 0, what, argc, argv, fds, nfds, NULL);
}

/*
 * Open FILE for "insert" with the rights of whoever runs vusbctl (see
 * insert()), and its absolute path into abs. The descriptor, or an exit
 * code (negated) with the reason printed.
 */
static int open_image(const char *file, char abs[PATH_MAX])
{
	const int flags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd;

	/* O_EXCL: a mounted block device is not served read-write (EBUSY). */
	fd = open(file, O_RDWR | O_EXCL | flags);
	if (fd < 0 && errno == EBUSY) {
		fprintf(stderr, "vusbctl: %s is in use (mounted?): not served read-write beside it\n",
			file);
		return -EXIT_FAILURE_;
	}
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(file, O_RDONLY | flags);
	if (fd < 0 && errno == ENOENT) {
		fprintf(stderr, "vusbctl: %s: no such file\n", file);
		return -EXIT_FAILURE_;
	}
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		fprintf(stderr, "vusbctl: %s: permission denied (it is opened with your rights)\n",
			file);
		return -EXIT_PERMISSION;
	}
	if (fd < 0) {
		fprintf(stderr, "vusbctl: %s: %s\n", file, strerror(errno));
		return -EXIT_FAILURE_;
	}
	if (!realpath(file, abs))
		snprintf(abs, PATH_MAX, "%s", file);
	return fd;
}

/*
 * NAME insert FILE: FILE is opened here, with the rights of whoever runs
 * vusbctl, and the descriptor goes along: vusb-attach may run as an
 * unprivileged user, and may open nothing of yours by itself. Read-write
 * where you may write it (the drive decides what it needs), else
 * read-only. The path it shows is the absolute one.
 */
static int insert(const char *path, char **argv)
{
	char abs[PATH_MAX], *args[3] = { argv[1], argv[2], abs };
	int fd, code;

	fd = open_image(argv[3], abs);
	if (fd < 0)
		return -fd;
	code = vusbctl_call(path, argv[1], 3, args, fd);
	close(fd);
	return code;
}

/*
 * NAME watch [--json]: one end of a socketpair goes along with the
 * command; the device writes a line to it for each report, rumble or LED
 * the host sends, printed here as it comes until interrupted. The stream
 * ends when the device goes, or lets a watcher go that does not read.
 */
static int watch(const char *path, int argc, char **argv)
{
	char buf[4096];
	int sv[2], code;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fprintf(stderr, "vusbctl: socketpair: %s\n", strerror(errno));
		return EXIT_FAILURE_;
	}
	code = vusbctl_call(path, argv[1], argc - 1, argv + 1, sv[1]);
	close(sv[1]);
	if (code) {
		close(sv[0]);
		return code;
	}
	for (;;) {
		n = read(sv[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0)
			break;
	}
	close(sv[0]);
	fprintf(stderr,
		"vusbctl: %s: the watch ended: the device went away, or did not get its "
		"lines read in time\n",
		argv[1]);
	return EXIT_FAILURE_;
}

/*
 * NAME capture start FILE [--snaplen N]: FILE is created here, with the
 * rights of whoever runs vusbctl, and the descriptor goes along, so a
 * capture never writes where its caller could not. "-" sends our
 * standard output instead: vusb-attach writes to it after we exit, for
 * `vusbctl mouse0 capture start - | tshark -i -`.
 */
static int capture_start(const char *path, int argc, char **argv)
{
	char abs[PATH_MAX];
	/* NAME capture start ABS [--snaplen N] */
	char *args[6] = { argv[1],
			  argv[2],
			  argv[3],
			  abs,
			  argc == 7 ? argv[5] : NULL,
			  argc == 7 ? argv[6] : NULL };
	const char *file = argv[4];
	bool out = strcmp(file, "-") == 0;
	int fd, code;

	bool created = false;

	/* Not truncated here: vusb-attach does it once the capture can begin,
	 * so a refused one loses nothing, and one we created goes again. */
	if (out && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "vusbctl: capture start -: standard output is a terminal; pipe it (| wireshark -k -i -) or give a file\n");
		return EXIT_USAGE;
	}
	if (out) {
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	} else {
		fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
		created = fd >= 0;
		/* Never through a symbolic link: one left in /tmp by another
		 * user would have us (sudo) hand over any file to be truncated. */
		if (fd < 0 && errno == EEXIST)
			fd = open(file, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	}
	if (fd < 0 && errno == ELOOP) {
		fprintf(stderr,
			"vusbctl: %s: it is a symbolic link (vusbctl writes a capture through none: "
			"name the file itself)\n",
			file);
		return EXIT_USAGE;
	}
	if (fd < 0) {
		code = errno == EACCES || errno == EPERM ? EXIT_PERMISSION : EXIT_FAILURE_;
		fprintf(stderr, "vusbctl: %s: %s%s\n", file, strerror(errno),
			code == EXIT_PERMISSION ? " (it is created with your rights)" : "");
		return code;
	}
	if (out || !realpath(file, abs))
		snprintf(abs, sizeof(abs), "%s", file);
	code = vusbctl_call(path, argv[1], argc == 7 ? 6 : 4, args, fd);
	close(fd);
	if (code && created)
		unlink(file);
	return code;
}

/*
 * NAME type [--wait] TEXT...|-: the text (the words joined by spaces, or
 * all of standard input for "-") goes in chunks of TYPE_CHUNK bytes, far
 * below the request limit (CTL_MAX_REQUEST) and what the keyboard queues
 * at once. Each chunk but the last, and the last with --wait, is sent with
 * --wait and one end of a socketpair: the keyboard says "done" on it when
 * the host has taken every report, so a long text never overflows the
 * queue, and --wait returns only when the host has read all of it.
 */
#define TYPE_CHUNK 128
#define TYPE_MAX (1 << 20) /* standard input read for "type -" */

/* Send one chunk; wait for the keyboard's "done" when `wait`. */
static int type_chunk(const char *path, char *name, const char *text, size_t len, bool wait)
{
	char chunk[TYPE_CHUNK + 1], done[8];
	char *args[4] = { name, "type", "--wait", chunk };
	size_t got = 0;
	int sv[2], code;
	ssize_t n;

	memcpy(chunk, text, len);
	chunk[len] = '\0';
	if (!wait) {
		args[2] = chunk;
		return vusbctl_call(path, name, 3, args, -1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fprintf(stderr, "vusbctl: socketpair: %s\n", strerror(errno));
		return EXIT_FAILURE_;
	}
	code = vusbctl_call(path, name, 4, args, sv[1]);
	close(sv[1]);
	while (code == EXIT_OK && got < sizeof(done)) {
		n = read(sv[0], done + got, sizeof(done) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(sv[0]);
	if (code == EXIT_OK && (got < 5 || memcmp(done, "done\n", 5) != 0)) {
		fprintf(stderr,
			"vusbctl: %s: the host did not read everything typed: the device was "
			"reset or went away\n",
			name);
		code = EXIT_FAILURE_;
	}
	return code;
}

/* Can the keyboard type byte c (US layout: printable ASCII, newline, tab)? */
static bool typable(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t';
}

static int type_text(const char *path, int argc, char **argv)
{
	struct strbuf text = { 0 };
	bool wait = argc > 3 && strcmp(argv[3], "--wait") == 0;
	int first = wait ? 4 : 3, i, code = EXIT_OK;
	size_t off, len;

	if (argc == first + 1 && strcmp(argv[first], "-") == 0) {
		char buf[4096];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0 && text.len <= TYPE_MAX)
			strbuf_add(&text, buf, n);
		if (ferror(stdin) || text.len > TYPE_MAX || text.err) {
			fprintf(stderr, "vusbctl: type -: %s\n",
				ferror(stdin) ? strerror(errno) :
						"standard input is over 1 MiB: type it in parts");
			strbuf_free(&text);
			return EXIT_USAGE;
		}
	} else {
		for (i = first; i < argc; i++)
			strbuf_printf(&text, "%s%s", i > first ? " " : "", argv[i]);
	}
	if (text.len == 0) {
		fprintf(stderr, "vusbctl: usage: vusbctl %s type [--wait] TEXT...|-\n", argv[1]);
		strbuf_free(&text);
		return EXIT_USAGE;
	}
	/* Nothing typed unless all of it can be: the keyboard checks one
	 * chunk at a time, so a long text is checked here first. */
	for (off = 0; text.len > TYPE_CHUNK && off < text.len; off++) {
		if (typable((unsigned char)text.buf[off]))
			continue;
		fprintf(stderr,
			"vusbctl: %s: type: cannot type byte 0x%02x at offset %zu: a US keyboard "
			"types ASCII, newline and tab; nothing typed\n",
			argv[1], (unsigned char)text.buf[off], off);
		strbuf_free(&text);
		return EXIT_USAGE;
	}
	for (off = 0; off < text.len && code == EXIT_OK; off += len) {
		len = text.len - off < TYPE_CHUNK ? text.len - off : TYPE_CHUNK;
		/* A chunk is sent as one argument: a NUL would end it early. */
		if (memchr(text.buf + off, '\0', len)) {
			fprintf(stderr, "vusbctl: %s: type: cannot type a NUL byte\n", argv[1]);
			code = EXIT_USAGE;
			break;
		}
		code = type_chunk(path, argv[1], text.buf + off, len, wait || off + len < text.len);
	}
	strbuf_free(&text);
	return code;
}

#define MAX_SESSIONS 16

struct session {
	char path[PATH_MAX]; /* the instance's socket */
	int fd;
};

/* The session with the instance that has device `name`, opened if need be. */
static struct session *session_for(struct session *s, unsigned int *n, const char *name,
				   unsigned int line, int *code)
{
	char link[PATH_MAX], real[PATH_MAX];
	unsigned int i;
	int fd;

	snprintf(link, sizeof(link), "%s/dev/%s", ctl_rundir(), name);
	if (!realpath(link, real)) {
		*code = explain_connect_at(-errno, name, line);
		return NULL;
	}
	for (i = 0; i < *n; i++) {
		if (strcmp(s[i].path, real) != 0)
			continue;
		/* Left idle too long, the instance hung up: every request
		 * sent on it was answered, so go on with a new one. */
		if (!ctl_session_closed(s[i].fd))
			return &s[i];
		close(s[i].fd);
		s[i] = s[--(*n)];
		break;
	}
	if (*n == MAX_SESSIONS) {
		/* Many instances: let the oldest session go. */
		close(s[0].fd);
		memmove(s, s + 1, (MAX_SESSIONS - 1) * sizeof(*s));
		(*n)--;
	}
	fd = ctl_session_open(real);
	if (fd < 0) {
		*code = explain_connect_at(fd, name, line);
		return NULL;
	}
	snprintf(s[*n].path, sizeof(s[*n].path), "%s", real);
	s[*n].fd = fd;
	return &s[(*n)++];
}

/*
 * vusbctl batch: a command a line from standard input ("NAME COMMAND
 * ARGS...", blanks and quotes as on vusb-attach's terminal; empty lines
 * and # comments skipped), each device's over one session with its
 * instance instead of a connection per command: what a program that
 * moves a pointer or types a lot wants. Goes on after a failure, which
 * it reports with its line number; the exit status is the first
 * failure's.
 */
static int batch(void)
{
	struct session sessions[MAX_SESSIONS];
	unsigned int nsessions = 0, lineno = 0, i;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int first = EXIT_OK;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		char *av[CTL_MAX_ARGS], abs[PATH_MAX];
		struct session *s;
		int ac, code = EXIT_OK, fd = -1;
		bool failed;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		ac = ctl_split_line(line, av, CTL_MAX_ARGS);
		if (ac == 0 || (ac > 0 && av[0][0] == '#'))
			continue;
		if (ac < 2 || !ctl_name_valid(av[0])) {
			fprintf(stderr, "vusbctl: line %u: %s\n", lineno,
				ac < 0 ? "unterminated quote, or too many words" :
					 "not NAME COMMAND [ARGS...]");
			code = EXIT_USAGE;
		} else if ((s = session_for(sessions, &nsessions, av[0], lineno, &code))) {
			if (ac == 3 && strcmp(av[1], "insert") == 0) {
				fd = open_image(av[2], abs);
				if (fd < 0)
					code = -fd;
				av[2] = abs;
			}
			if (code == EXIT_OK) {
				code = call_on(s->path, s->fd, lineno, av[0], ac, av, &fd, fd >= 0,
					       &failed);
				if (failed) {
					/* The instance has gone: forget its session. */
					close(s->fd);
					*s = sessions[--nsessions];
				}
			}
			if (fd >= 0)
				close(fd);
		}
		if (code != EXIT_OK && first == EXIT_OK)
			first = code;
		fflush(stdout);
	}
	free(line);
	for (i = 0; i < nsessions; i++)
		close(sessions[i].fd);
	return first;
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    (strcmp(argv[1], "help") == 0 && argc == 2)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("vusbctl %s\n", VUSB_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "--json") == 0) {
		bool json = false;
		int i;

		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0) {
				json = true;
			} else if (strcmp(argv[i], "list") != 0) {
				fprintf(stderr, "vusbctl: usage: vusbctl list [--json]\n");
				return EXIT_USAGE;
			}
		}
		return vusbctl_list(json);
	}
	if (strcmp(argv[1], "batch") == 0) {
		if (argc != 2) {
			fprintf(stderr, "vusbctl: usage: vusbctl batch (commands on standard input)\n");
			return EXIT_USAGE;
		}
		return batch();
	}
	if (strcmp(argv[1], "suspend") == 0 && argc == 2)
		return vusbctl_suspend();
	if (strcmp(argv[1], "resume") == 0 && argc == 2)
		return vusbctl_all_instances(1, argv + 1);
	if (strcmp(argv[1], "suspend") == 0 && argc == 3 && strcmp(argv[2], "--force") == 0)
		return vusbctl_all_instances(2, argv + 1);
	if (strcmp(argv[1], "add") == 0)
		return vusbctl_add(argc, argv);
	if (strcmp(argv[1], "remove") == 0)
		return vusbctl_remove(argc, argv);
	if (strcmp(argv[1], "detach") == 0) {
		if (argc != 3) {
			fprintf(stderr, "vusbctl: usage: vusbctl detach NAME\n");
			return EXIT_USAGE;
		}
		if (!ctl_name_valid(argv[2]))
			return vusbctl_explain_connect(-ENOENT, argv[2]);
		snprintf(path, sizeof(path), "%s/dev/%s", ctl_rundir(), argv[2]);
		return vusbctl_call(path, argv[2], 2, argv + 1, -1);
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "vusbctl: unknown option '%s' (see --help)\n", argv[1]);
		return EXIT_USAGE;
	}
	if (!ctl_name_valid(argv[1]))
		return vusbctl_explain_connect(-ENOENT, argv[1]);
	if (argc < 3) {
		fprintf(stderr, "vusbctl: usage: vusbctl %s COMMAND [ARGS...]\n", argv[1]);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/dev/%s", ctl_rundir(), argv[1]);
	if (strcmp(argv[2], "insert") == 0 && argc == 4)
		return insert(path, argv);
	if (strcmp(argv[2], "watch") == 0)
		return watch(path, argc, argv);
	if (strcmp(argv[2], "type") == 0)
		return type_text(path, argc, argv);
	if (strcmp(argv[2], "capture") == 0 && argc >= 5 && strcmp(argv[3], "start") == 0 &&
	    (argc == 5 || (argc == 7 && strcmp(argv[5], "--snaplen") == 0)))
		return capture_start(path, argc, argv);
	return vusbctl_call(path, argv[1], argc - 1, argv + 1, -1);
}
