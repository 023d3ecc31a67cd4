// SPDX-License-Identifier: MIT
/*
 * vusbctl add and remove (src/app/add.h): the request parsed as vusbctl
 * and the instance parse it, and an instance serving --listen with its
 * control socket for real, clients in a thread sending the image's
 * descriptor with the request, in a private run directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/app/add.h"
#include "src/app/instance.h"
#include "src/app/vusb.h"
#include "src/base/loop.h"
#include "src/ctl/client.h"
#include "src/usbip/server.h"

static char rundir[64];

static int setup(void **state)
{
	snprintf(rundir, sizeof(rundir), "/tmp/vusb-add-test.XXXXXX");
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

/* add_parse over a line split at blanks; the reason in err. *c points into
 * the line's copy, kept until the next call. */
static int parse(const char *line, struct cli *c, struct strbuf *err)
{
	static char buf[512];
	char *argv[32];
	int argc = 0;
	char *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 32; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	strbuf_reset(err);
	return add_parse(argc, argv, c, err);
}

static void parse_accepts(void **state)
{
	struct add_file f[ADD_MAX_FILES];
	struct strbuf err = { 0 };
	static struct cli c;

	assert_int_equal(parse("add mouse", &c, &err), 0);
	assert_int_equal(c.ndevices, 1);
	assert_string_equal(c.devices[0].model->name, "mouse");
	assert_int_equal(parse("add storage disk.img --ro --name d", &c, &err), 0);
	assert_string_equal(c.devices[0].opts.positional, "disk.img");
	assert_false(add_image_writes(&c.devices[0]));
	assert_int_equal(parse("add storage disk.img", &c, &err), 0);
	assert_true(add_image_writes(&c.devices[0]));
	assert_int_equal(add_files(&c.devices[0], f), 1);
	assert_int_equal(f[0].how, ADD_FILE_IMAGE_RW);
	assert_int_equal(parse("add keyboard --count 3", &c, &err), 0);
	assert_int_equal(c.devices[0].count, 3);
	/* --local: whether the instance listens is its own to say. */
	assert_int_equal(parse("add mouse --local", &c, &err), 0);
	assert_true(c.devices[0].local);
	/* Every file sent, in order, each opened as its option needs. */
	assert_int_equal(parse("add storage disk.img --ro", &c, &err), 0);
	assert_int_equal(add_files(&c.devices[0], f), 1);
	assert_string_equal(f[0].path, "disk.img");
	assert_string_equal(f[0].tag, "IMAGE");
	assert_null(f[0].opt);
	assert_int_equal(f[0].how, ADD_FILE_READ);
	assert_int_equal(parse("add hid --report-descriptor rd.hex --interval 4", &c, &err), 0);
	assert_int_equal(add_files(&c.devices[0], f), 1);
	assert_string_equal(f[0].path, "rd.hex");
	assert_string_equal(f[0].opt, "--report-descriptor");
	assert_int_equal(f[0].how, ADD_FILE_READ);
	assert_int_equal(parse("add mouse", &c, &err), 0);
	assert_int_equal(add_files(&c.devices[0], f), 0);
	assert_int_equal(
		parse("add fomu --flash f.bin --firmware f.elf --capture c.pcapng", &c, &err), 0);
	assert_int_equal(add_files(&c.devices[0], f), 3);
	assert_string_equal(f[0].tag, "--flash");
	assert_int_equal(f[0].how, ADD_FILE_FLASH);
	assert_string_equal(f[1].tag, "--firmware");
	assert_string_equal(f[1].path, "f.elf");
	assert_int_equal(f[1].how, ADD_FILE_READ);
	assert_string_equal(f[2].tag, "--capture");
	assert_string_equal(f[2].path, "c.pcapng");
	assert_int_equal(f[2].how, ADD_FILE_CAPTURE);
	assert_int_equal(parse("add serial --exec cat --name s", &c, &err), 0);
	assert_int_equal(add_files(&c.devices[0], f), 1);
	assert_string_equal(f[0].tag, "--exec");
	assert_string_equal(f[0].path, "cat");
	assert_int_equal(f[0].how, ADD_FILE_EXEC);
	assert_int_equal(parse("add storage new.img --create 1M", &c, &err), 0);
	assert_int_equal(add_files(&c.devices[0], f), 1);
	assert_int_equal(f[0].how, ADD_FILE_CREATE);
	/* DEVICE --help: the device's help, answered by vusbctl. */
	assert_int_equal(parse("add storage --help", &c, &err), 0);
	assert_true(c.help);
	assert_string_equal(c.help_model->name, "storage");
	strbuf_free(&err);
}

static void parse_refuses(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "add", "usage: add DEVICE" },
		{ "add --listen :0 mouse", "usage: add DEVICE" },
		{ "add mousse", "did you mean 'mouse'" },
		{ "add mouse keyboard", "run vusbctl add again" },
		{ "add mouse -v", "not vusb-attach's own" },
		{ "add mouse --speed warp", "speed" },
		{ "add mouse --pidfile x", "belongs before the devices" },
		{ "add mouse --capture -", "not to standard output" },
		{ "add serial --exec sh --hangup", "leave --hangup out" },
	};
	struct strbuf err = { 0 };
	static struct cli c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].line, &c, &err) != -EINVAL ||
		    !strstr(strbuf_str(&err), bad[i].why))
			fail_msg("%s: got '%s', wanted '%s'", bad[i].line, strbuf_str(&err),
				 bad[i].why);
	}
	strbuf_free(&err);
}

/* vusb-attach --daemon or --listen alone starts empty; nothing else does. */
static void empty_start(void **state)
{
	char *daemon[] = { "vusb-attach", "--daemon" }, *listen[] = { "vusb-attach", "--listen" };
	char *verbose[] = { "vusb-attach", "-v" };
	struct strbuf err = { 0 };
	static struct cli c;

	assert_int_equal(cli_parse(2, daemon, &c, &err), 0);
	assert_int_equal(c.ndevices, 0);
	assert_true(c.daemon);
	assert_int_equal(cli_parse(2, listen, &c, &err), 0);
	assert_int_equal(c.ndevices, 0);
	assert_true(c.listen);
	assert_int_equal(cli_parse(2, verbose, &c, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "no device given"));
	strbuf_free(&err);
}

/* ---- an instance for real ---- */

struct client {
	int (*fn)(const char *path, void *data);
	const char *path;
	void *data;
	int result;
	int done;
	struct loop *loop;
};

static void *client_thread(void *data)
{
	struct client *c = data;

	c->result = c->fn(c->path, c->data);
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

static int with_client(struct loop *loop, int (*fn)(const char *path, void *data),
		       const char *path, void *data)
{
	struct client c = { .fn = fn, .path = path, .data = data, .loop = loop };
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

/* One request: argv as a line, nfds descriptors sent along; the reply's code, body, message. */
struct call {
	const char *line;
	int fds[CTL_MAX_FDS];
	unsigned int nfds;
	int code;
	char body[512];
	char msg[512];
};

static int do_call(const char *path, void *data)
{
	struct call *c = data;
	struct strbuf reply = { 0 };
	char buf[512], *argv[32], *tok, *save = NULL;
	const char *msg, *body;
	int argc = 0, r;

	snprintf(buf, sizeof(buf), "%s", c->line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 32; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	r = ctl_call_fds(path, argc, argv, c->fds, c->nfds, 5000, &reply);
	if (r < 0)
		return r;
	if (ctl_reply_parse(reply.buf, reply.len, &c->code, &msg, &body) < 0)
		return -EBADMSG;
	snprintf(c->body, sizeof(c->body), "%s", body);
	snprintf(c->msg, sizeof(c->msg), "%s", msg ? msg : "");
	strbuf_free(&reply);
	return 0;
}

static struct call *call_fds(struct loop *loop, const char *path, const char *line, const int *fds,
			     unsigned int nfds)
{
	static struct call c;

	memset(&c, 0, sizeof(c));
	c.line = line;
	memcpy(c.fds, fds, nfds * sizeof(*fds));
	c.nfds = nfds;
	assert_int_equal(with_client(loop, do_call, path, &c), 0);
	return &c;
}

static struct call *call(struct loop *loop, const char *path, const char *line, int fd)
{
	return call_fds(loop, path, line, &fd, fd >= 0);
}

static int image(const char *text)
{
	char file[] = "/tmp/vusb-add-img-XXXXXX";
	int fd = mkstemp(file);

	assert_true(fd >= 0);
	unlink(file);
	assert_int_equal(ftruncate(fd, 64 * 1024), 0);
	assert_int_equal(pwrite(fd, text, strlen(text), 0), (ssize_t)strlen(text));
	return fd;
}

static const char boot_mouse_rd[] =
	"05 01 09 02 a1 01 09 01 a1 00 05 09 19 01 29 03 15 00 25 01 95 03 75 01 "
	"81 02 95 01 75 05 81 01 05 01 09 30 09 31 15 81 25 7f 75 08 95 02 81 06 "
	"c0 c0\n";

static void add_remove(void **state)
{
	struct server_config cfg = { 0 };
	struct strbuf err = { 0 };
	struct loop *loop;
	struct vusb *v;
	struct call *c;
	const char *sock;
	int fd;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	vusb_set_stay(v);
	assert_int_equal(vusb_listen(v, &err), 0);
	assert_int_equal(server_parse_listen("127.0.0.1:0", &cfg.listen), 0);
	assert_int_equal(vusb_serve(v, &cfg), 0);
	sock = vusb_ctl_path(v);

	c = call(loop, sock, "add mouse", -1);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "mouse0: exported, busid 1-1\n");
	assert_int_equal(vusb_count(v), 1);

	/* A path alone: refused, whoever sends it; nothing is made. */
	c = call(loop, sock, "add storage /etc/shadow --ro", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "/etc/shadow needs the file sent with the request"));
	assert_int_equal(vusb_count(v), 1);

	/* The descriptor is the image; the path is only a name to show,
	 * never opened (there is nothing there). */
	fd = image("FROM THE DESCRIPTOR");
	c = call(loop, sock, "add --fds=IMAGE storage /nonexistent/disk.img", fd);
	close(fd);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "storage0: exported, busid 1-2\n");
	c = call(loop, sock, "list", -1);
	assert_non_null(strstr(c->body, "/nonexistent/disk.img 64 KiB rw"));

	/* The same file again: ours already; no name or bus id taken. */
	c = call(loop, sock, "add storage /nonexistent/disk.img", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	c = call(loop, sock, "list", -1);
	assert_null(strstr(c->body, "storage1"));

	/* A report descriptor by descriptor too (a boot mouse's, in hex). */
	fd = image(boot_mouse_rd);
	assert_int_equal(ftruncate(fd, (off_t)strlen(boot_mouse_rd)), 0);
	c = call(loop, sock,
		 "add --fds=--report-descriptor hid --report-descriptor /nonexistent/rd.hex", fd);
	close(fd);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "hid0: exported, busid 1-3\n");
	c = call(loop, sock, "add hid --report-descriptor /nonexistent/rd.hex", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "needs the file sent with the request"));
	assert_int_equal(call(loop, sock, "remove hid0", -1)->code, 0);

	/* A command alone, sent raw: the instance runs nothing a client names. */
	c = call(loop, sock, "add serial --exec /bin/sh", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "a command alone is refused"));
	c = call(loop, sock, "add mouse --count 2", -1);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "mouse1: exported, busid 1-4\nmouse2: exported, busid 1-5\n");

	c = call(loop, sock, "remove storage0", -1);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "storage0: removed\n");
	c = call(loop, sock, "remove storage0", -1);
	assert_int_equal(c->code, EXIT_NO_DEVICE);
	c = call(loop, sock, "remove", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	/* The last one goes; the instance started empty stays. */
	assert_int_equal(call(loop, sock, "remove mouse0", -1)->code, 0);
	assert_int_equal(call(loop, sock, "remove mouse1", -1)->code, 0);
	assert_int_equal(call(loop, sock, "remove mouse2", -1)->code, 0);
	assert_int_equal(vusb_count(v), 0);
	assert_int_equal(call(loop, sock, "list", -1)->code, 0);

	vusb_free(v);
	loop_free(loop);
	strbuf_free(&err);
}

/* An empty file of `size` bytes opened with `flags` (O_RDWR, O_RDONLY...). */
static int blank(off_t size, int flags)
{
	char file[] = "/tmp/vusb-add-blank-XXXXXX";
	int fd = mkstemp(file), r;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	r = open(file, flags | O_CLOEXEC);
	assert_true(r >= 0);
	unlink(file);
	close(fd);
	return r;
}

/*
 * Every file a device names comes as a descriptor tagged with its option:
 * the count, the tags and what each descriptor is are checked; fomu's
 * --firmware and --flash, storage's --create and --capture are served
 * from what came.
 */
static void files(void **state)
{
	struct server_config cfg = { 0 };
	struct strbuf err = { 0 };
	struct stat st;
	struct loop *loop;
	struct vusb *v;
	struct call *c;
	const char *sock;
	char proc[64];
	uint8_t b[16];
	int fd[3], rd;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	vusb_set_stay(v);
	assert_int_equal(vusb_listen(v, &err), 0);
	assert_int_equal(server_parse_listen("127.0.0.1:0", &cfg.listen), 0);
	assert_int_equal(vusb_serve(v, &cfg), 0);
	sock = vusb_ctl_path(v);

	/* Untagged, mistagged, too many, the wrong kind: refused, nothing made. */
	fd[0] = image("X");
	c = call(loop, sock, "add storage /x.img --ro", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "says 0 files but carries 1 descriptors"));
	c = call(loop, sock, "add --fds=--flash storage /x.img --ro", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "tagged '--flash', but the file there is IMAGE's"));
	fd[1] = image("Y");
	c = call_fds(loop, sock, "add --fds=IMAGE,IMAGE storage /x.img --ro", fd, 2);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "names 1 file, but the request carries 2"));
	close(fd[1]);
	close(fd[0]);
	fd[0] = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	c = call(loop, sock, "add --fds=IMAGE storage /x.img --ro", fd[0]);
	close(fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "not a regular file or a block device"));
	/* An image served writable must come writable. */
	fd[0] = blank(65536, O_RDONLY);
	c = call(loop, sock, "add --fds=IMAGE storage /x.img", fd[0]);
	close(fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "not open for writing"));
	assert_int_equal(vusb_count(v), 0);

	/* --create: the new file vusbctl made, of the size asked. */
	fd[0] = blank(1 << 20, O_RDWR);
	c = call(loop, sock, "add --fds=IMAGE storage /new.img --create 512K", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "not a regular file of 524288 bytes"));
	c = call(loop, sock, "add --fds=IMAGE storage /new.img --create 1M", fd[0]);
	close(fd[0]);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "storage0: exported, busid 1-1\n");
	c = call(loop, sock, "list", -1);
	assert_non_null(strstr(c->body, "/new.img 1 MiB rw"));

	/* --flash: a new (empty) file is filled erased; a short one is never padded. */
	fd[0] = blank(6, O_RDWR);
	c = call(loop, sock, "add --fds=--flash fomu --flash /f.bin", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "has 6 bytes, not the 2097152 of a flash image"));
	assert_int_equal(fstat(fd[0], &st), 0);
	assert_int_equal(st.st_size, 6);
	close(fd[0]);
	fd[0] = blank(0, O_RDONLY);
	c = call(loop, sock, "add --fds=--flash fomu --flash /f.bin", fd[0]);
	close(fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "not open for writing"));
	fd[0] = blank(0, O_RDWR);
	c = call(loop, sock, "add --fds=--flash fomu --flash /f.bin", fd[0]);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "fomu0: exported, busid 1-2\n");
	assert_int_equal(fstat(fd[0], &st), 0);
	assert_int_equal(st.st_size, 2 * 1024 * 1024);
	assert_int_equal(pread(fd[0], b, sizeof(b), 4096), (ssize_t)sizeof(b));
	assert_int_equal(b[0], 0xff);
	close(fd[0]);

	/* --firmware and --flash and --capture: three descriptors, in order. */
	fd[0] = blank(0, O_RDWR);
	fd[1] = open("tests/fomu/fw.elf", O_RDONLY | O_CLOEXEC);
	assert_true(fd[1] >= 0);
	fd[2] = blank(0, O_WRONLY);
	c = call_fds(loop, sock,
		     "add --fds=--flash,--firmware,--capture fomu --flash /f2.bin --firmware "
		     "/nonexistent/fw.elf --capture /c.pcapng",
		     fd, 3);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "fomu1: exported, busid 1-3\nfomu1: capturing to /c.pcapng\n");
	c = call(loop, sock, "list", -1);
	assert_non_null(strstr(c->body, "firmware"));
	/* The capture has begun: a pcapng section header block. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd[2]);
	rd = open(proc, O_RDONLY | O_CLOEXEC);
	assert_true(rd >= 0);
	assert_int_equal(pread(rd, b, 4, 0), 4);
	assert_memory_equal(b, "\x0a\x0d\x0d\x0a", 4);
	close(rd);
	close(fd[0]);
	close(fd[1]);
	close(fd[2]);
	/* --exec: the command's end of a socketpair, which vusbctl started it on. */
	fd[0] = image("not a socket");
	c = call(loop, sock, "add --fds=--exec serial --exec cat", fd[0]);
	close(fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "--exec cat: what came with the request is not a socket"));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
	c = call(loop, sock, "add --fds=--exec serial --exec cat", fd[0]);
	close(fd[0]);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "serial0: exported, busid 1-4\n");
	c = call(loop, sock, "serial0 info", -1);
	assert_non_null(strstr(c->body, "end exec running"));
	/* Removed: the command's input ends; nothing is signalled. */
	assert_int_equal(call(loop, sock, "remove serial0", -1)->code, 0);
	assert_int_equal(read(fd[1], b, sizeof(b)), 0);
	close(fd[1]);

	/* A firmware that is no ELF: refused by the model, nothing kept. */
	fd[0] = image("not an elf");
	c = call(loop, sock, "add --fds=--firmware fomu --firmware /bad.elf", fd[0]);
	close(fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_int_equal(vusb_count(v), 3);

	vusb_free(v);
	loop_free(loop);
	strbuf_free(&err);
}

/* How many descriptors this process holds (the instance's among them). */
static int open_fds(void)
{
	char path[64];
	int n = 0, i;

	for (i = 0; i < 1024; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

/*
 * Descriptors of the wrong kind, as a member of the socket's group can
 * send them without vusbctl: an O_PATH one (fstat answers, every read
 * fails), a socket for --exec that is listening, unconnected or datagram;
 * refused with the reason before a device is made. Nothing a refused
 * request carried stays open in the instance, whatever the command.
 */
static void wrong_kinds(void **state)
{
	struct server_config cfg = { 0 };
	struct strbuf err = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct loop *loop;
	struct vusb *v;
	struct call *c;
	const char *sock;
	int fd[2], before, i;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	vusb_set_stay(v);
	assert_int_equal(vusb_listen(v, &err), 0);
	assert_int_equal(server_parse_listen("127.0.0.1:0", &cfg.listen), 0);
	assert_int_equal(vusb_serve(v, &cfg), 0);
	sock = vusb_ctl_path(v);
	/* The client thread's first connection: whatever it keeps, counted. */
	assert_int_equal(call(loop, sock, "list", -1)->code, 0);
	before = open_fds();

	fd[0] = open("tests/fomu/fw.elf", O_PATH | O_CLOEXEC);
	assert_true(fd[0] >= 0);
	c = call(loop, sock, "add --fds=IMAGE storage /x.img --ro", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "IMAGE /x.img: what came with the request is a path "
				       "(O_PATH), not an open file"));
	c = call(loop, sock, "add --fds=--firmware fomu --firmware /fw.elf", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "(O_PATH)"));
	close(fd[0]);

	fd[0] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd[0] >= 0);
	c = call(loop, sock, "add --fds=--exec serial --exec cat", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "--exec cat: what came with the request is not a "
				       "connected stream socket"));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/listening", rundir);
	assert_int_equal(bind(fd[0], (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd[0], 1), 0);
	c = call(loop, sock, "add --fds=--exec serial --exec cat", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "not a connected stream socket"));
	close(fd[0]);
	unlink(sa.sun_path);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fd), 0);
	c = call(loop, sock, "add --fds=--exec serial --exec cat", fd[0]);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "not a connected stream socket"));
	close(fd[0]);
	close(fd[1]);

	/* Descriptors on requests that take none, or too few for their tags. */
	fd[0] = image("X");
	fd[1] = image("Y");
	assert_int_equal(call_fds(loop, sock, "list", fd, 2)->code, 0);
	assert_int_equal(call_fds(loop, sock, "nosuch0 eject", fd, 2)->code, EXIT_NO_DEVICE);
	assert_int_equal(
		call_fds(loop, sock, "add --fds=IMAGE,IMAGE,IMAGE storage /x.img", fd, 2)->code,
		EXIT_USAGE);
	assert_int_equal(call_fds(loop, sock, "add --fds=IMAGE,--capture mouse", fd, 2)->code,
			 EXIT_USAGE);
	assert_int_equal(call_fds(loop, sock, "add mousse", fd, 2)->code, EXIT_USAGE);
	c = call_fds(loop, sock, "add --fds=IMAGE,IMAGE,IMAGE,IMAGE,IMAGE storage /x.img", fd, 2);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_string_equal(c->msg, "the request tags more than 4 files");
	close(fd[0]);
	close(fd[1]);

	assert_int_equal(vusb_count(v), 0);
	for (i = 0; i < 100 && open_fds() != before; i++)
		usleep(10000);
	assert_int_equal(open_fds(), before);
	vusb_free(v);
	loop_free(loop);
	strbuf_free(&err);
}

/* Without --listen or vhci_hcd there is nowhere to put a device. */
static void nowhere(void **state)
{
	struct strbuf out = { 0 }, err = { 0 };
	char *argv[] = { "add", "mouse" };
	struct loop *loop;
	struct vusb *v;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	assert_int_equal(vusb_ctl_handle(2, argv, NULL, 0, &out, &err, v), EXIT_USAGE);
	assert_non_null(strstr(strbuf_str(&err), "no vhci_hcd"));
	assert_int_equal(vusb_count(v), 0);
	vusb_free(v);
	loop_free(loop);
	strbuf_free(&out);
	strbuf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_accepts), cmocka_unit_test(parse_refuses),
		cmocka_unit_test(empty_start),	 cmocka_unit_test(add_remove),
		cmocka_unit_test(files),	 cmocka_unit_test(nowhere),
		cmocka_unit_test(wrong_kinds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
