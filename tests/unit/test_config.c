// SPDX-License-Identifier: MIT
/*
 * src/config: configuration files, every error path with its line, and
 * the merge with the command line they were named on.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/app/config.h"

static char *default_argv[] = { "vusb-attach", "--config", "desk", NULL };

static struct config *cf;
static struct cli cli;

static int parse_argv(const char *text, int argc, char **argv, struct strbuf *err)
{
	config_free(cf);
	cf = NULL;
	memset(&cli, 0x5a, sizeof(cli));
	return config_parse(text, strlen(text), "desk.conf", argc, argv, &cf, &cli, err);
}

static void ok(const char *text)
{
	struct strbuf err = { 0 };

	if (parse_argv(text, 3, default_argv, &err) != 0)
		fail_msg("refused: %s", strbuf_str(&err));
	strbuf_free(&err);
}

static void bad_len(const char *text, size_t len, const char *want)
{
	struct strbuf err = { 0 };
	struct cli sentinel;
	int r;

	config_free(cf);
	cf = NULL;
	memset(&cli, 0x5a, sizeof(cli));
	memset(&sentinel, 0x5a, sizeof(sentinel));
	r = config_parse(text, len, "desk.conf", 3, default_argv, &cf, &cli, &err);
	assert_int_equal(r, -EINVAL);
	if (strcmp(strbuf_str(&err), want) != 0)
		fail_msg("got '%s', want '%s'", strbuf_str(&err), want);
	assert_null(cf);
	assert_memory_equal(&cli, &sentinel, sizeof(cli));
	strbuf_free(&err);
}

static void bad(const char *text, const char *want)
{
	bad_len(text, strlen(text), want);
}

static void test_basic(void **state)
{
	ok("# the devices of vusb@desk.service\n"
	   "\n"
	   "--wait-ready=20\n"
	   "mouse --name desk-mouse\n"
	   "   # a comment between lines\n"
	   "keyboard --product \"Desk Keyboard\" --vid 046d   # trailing comment\n");
	assert_int_equal(cli.wait_ready, 20);
	assert_null(cli.config);
	assert_int_equal(cli.ndevices, 2);
	assert_string_equal(cli.devices[0].model->name, "mouse");
	assert_string_equal(cli.devices[0].opts.name, "desk-mouse");
	assert_string_equal(cli.devices[1].model->name, "keyboard");
	assert_string_equal(cli.devices[1].opts.product, "Desk Keyboard");
	assert_int_equal(cli.devices[1].opts.vid, 0x046d);
	assert_int_equal(cli.total, 2);
}

static void test_words(void **state)
{
	/* Quotes group and concatenate, backslashes escape, '' is a word,
	 * # inside a word is no comment. */
	ok("keyboard --product 'It'\"'\"'s \"big\"' --manufacturer a\\ b\\\"c\n"
	   "mouse --product \"\" --serial x#1\n");
	assert_string_equal(cli.devices[0].opts.product, "It's \"big\"");
	assert_string_equal(cli.devices[0].opts.manufacturer, "a b\"c");
	assert_string_equal(cli.devices[1].opts.product, "");
	assert_string_equal(cli.devices[1].opts.serial, "x#1");
	/* The name is checked by the same code as on the command line. */
	bad("mouse --name \"m\\\"\"\n",
	    "desk.conf:1: invalid --name 'm\"': use up to 31 letters, digits, '_', '.' or '-'");
	/* A last line without its newline, tabs as blanks. */
	ok("mouse\t--name\tm1");
	assert_string_equal(cli.devices[0].opts.name, "m1");
}

static void test_continuation(void **state)
{
	ok("mouse\n"
	   "\t--name m1\n"
	   "# comments do not end a device\n"
	   "    --vid 1209 --pid 0010\n"
	   "keyboard\n");
	assert_int_equal(cli.ndevices, 2);
	assert_string_equal(cli.devices[0].opts.name, "m1");
	assert_int_equal(cli.devices[0].opts.pid, 0x10);
	/* Program options may continue too. */
	ok("-v\n  --no-load\nmouse\n");
	assert_int_equal(cli.verbosity, 1);
	assert_true(cli.no_load);
}

/* The command line's program options override the file's; --config goes. */
static void test_merge_with_command_line(void **state)
{
	char *argv[] = { "vusb-attach", "-q", "--config=desk", "--no-stdin", NULL };
	char *argv2[] = { "vusb-attach", "--config", "desk", "--wait-ready=5", NULL };
	struct strbuf err = { 0 };

	assert_int_equal(parse_argv("-v\n-v\nmouse\n", 4, argv, &err), 0);
	/* -v -v then -q */
	assert_int_equal(cli.verbosity, 1);
	assert_true(cli.no_stdin);
	assert_null(cli.config);
	assert_int_equal(parse_argv("mouse\n", 4, argv2, &err), 0);
	assert_int_equal(cli.wait_ready, 5);
	assert_null(cli.config);
	/* A value given twice: the command line's wins, as for any daemon. */
	assert_int_equal(parse_argv("--wait-ready=7\nmouse\n", 4, argv2, &err), 0);
	assert_int_equal(cli.wait_ready, 5);
	{
		char *argv4[] = { "vusb-attach", "--config", "desk", "--cpu", "off", NULL };

		assert_int_equal(parse_argv("--cpu 1\nmouse\n", 3, argv4, &err), 0);
		assert_int_equal(cli.cpu, 1);
		assert_int_equal(parse_argv("--cpu 1\nmouse\n", 5, argv4, &err), 0);
		assert_int_equal(cli.cpu, AFFINITY_OFF);
		assert_int_equal(parse_argv("mouse\n", 3, argv4, &err), 0);
		assert_int_equal(cli.cpu, AFFINITY_AUTO);
	}
	{
		char *argv3[] = { "vusb-attach", "--config", "desk", "--listen", "127.0.0.1:4000",
				  NULL };

		assert_int_equal(parse_argv("--listen :3240\nmouse\n", 5, argv3, &err), 0);
		assert_true(cli.listen);
		assert_int_equal(ntohs(((struct sockaddr_in *)&cli.server.listen.ss)->sin_port),
				 4000);
	}
	strbuf_free(&err);
}

static void test_bytes(void **state)
{
	static char big[CONFIG_MAX_SIZE + 2];
	char line[CONFIG_LINE_MAX + 16];

	bad("mouse\r\n", "desk.conf:1: carriage return (DOS line ends? convert the file with dos2unix)");
	bad_len("mouse\nkey\0board\n", 16, "desk.conf:2: NUL byte (not a text file?)");
	bad("mouse\n\nkeyboard \x01\n", "desk.conf:3: control character 0x01");
	bad("mouse --name \x7f\n", "desk.conf:1: control character 0x7f");
	memset(line, 'a', sizeof(line));
	memcpy(line, "mouse --product ", 16);
	line[CONFIG_LINE_MAX + 1] = '\n';
	line[CONFIG_LINE_MAX + 2] = '\0';
	bad(line, "desk.conf:1: line longer than 4096 characters");
	/* The longest line allowed is fine. */
	line[CONFIG_LINE_MAX] = '\n';
	line[CONFIG_LINE_MAX + 1] = '\0';
	ok(line);
	memset(big, '#', sizeof(big));
	bad_len(big, CONFIG_MAX_SIZE + 1, "desk.conf: larger than 65536 bytes");
}

static void test_quotes(void **state)
{
	bad("mouse --product \"abc\n", "desk.conf:1: unterminated \" quote");
	bad("mouse\nkeyboard --product 'abc\n", "desk.conf:2: unterminated ' quote");
	/* A quote does not run on to the next line. */
	bad("mouse --product \"a\nb\"\n", "desk.conf:1: unterminated \" quote");
	bad("mouse --product \"a\\\"\n", "desk.conf:1: unterminated \" quote");
	bad("mouse --name x \\\n",
	    "desk.conf:1: backslash at the end of the line (to continue a device, start the next line with blanks)");
}

static void test_too_many_words(void **state)
{
	size_t n = CONFIG_MAX_WORDS + 1, i;
	char *text = malloc(n * 2 + 16);

	assert_non_null(text);
	/* Lines of 1000 words: the first of them is the device. */
	strcpy(text, "mouse");
	for (i = 1; i < n; i++)
		strcat(text, i % 1000 ? " x" : "\n x");
	strcat(text, "\n");
	bad(text, "desk.conf:5: too many words (more than 4096 in a file)");
	free(text);
}

static void test_structure(void **state)
{
	bad("  --name m1\nmouse\n",
	    "desk.conf:1: an indented line continues the device above it, but there is none");
	bad("mouse\n-v\n",
	    "desk.conf:2: program option '-v' after the first device: put program options first, or indent the line to continue the device above");
	bad("", "desk.conf: no device (a line such as 'mouse' adds one)");
	bad("# nothing\n\n   \n-v\n", "desk.conf: no device (a line such as 'mouse' adds one)");
}

static void test_forbidden(void **state)
{
	static const char *const words[] = { "-d", "--daemon", "--pidfile", "--config",
					     "-h", "--help", "-V", "--version",
					     "--pidfile=/run/x.pid", "--config=other" };
	char text[128], want[192];
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), "-v\n%s\nmouse\n", words[i]);
		snprintf(want, sizeof(want),
			 "desk.conf:2: '%s' belongs on the command line, not in a configuration file",
			 words[i]);
		bad(text, want);
		/* Also inside a device's options, where cli_parse() would
		 * take a flag like --daemon as the program's. */
		snprintf(text, sizeof(text), "mouse\n  --name m %s\n", words[i]);
		snprintf(want, sizeof(want),
			 "desk.conf:2: '%s' belongs on the command line, not in a configuration file",
			 words[i]);
		bad(text, want);
	}
}

/* --fault in a file: quoted like on a shell's command line, checked by
 * the same parser, kept in the file's words after config_parse(). */
static void test_fault(void **state)
{
	ok("mouse --name m1\n"
	   "  --fault 'stall --ep 0x81 --after 3'\n"
	   "  --fault \"nak 50 --every 2\"\n"
	   "storage --fault 'error -EPROTO --ep 0x81 --count 2' disk.img\n");
	assert_int_equal(cli.ndevices, 2);
	assert_int_equal(cli.devices[0].opts.nfaults, 2);
	assert_string_equal(cli.devices[0].opts.faults[0], "stall --ep 0x81 --after 3");
	assert_string_equal(cli.devices[0].opts.faults[1], "nak 50 --every 2");
	assert_int_equal(cli.devices[1].opts.nfaults, 1);
	assert_string_equal(cli.devices[1].opts.faults[0], "error -EPROTO --ep 0x81 --count 2");
	/* The examples of vusb.conf(5) and the README. */
	ok("mouse --name flaky-mouse\n"
	   "\t--fault 'stall --ep 0x81 --after 100 --every 50'\n"
	   "\t--fault 'corrupt --ep 0x81 --forever --seed 7'\n"
	   "storage /var/lib/vusb/flaky.img --name flaky\n"
	   "\t--fault 'stall --at-request get_descriptor:config'\n"
	   "\t--fault 'corrupt --ep 0x81 --after 100 --every 50 --seed 7'\n");
	assert_int_equal(cli.devices[0].opts.nfaults, 2);
	assert_int_equal(cli.devices[1].opts.nfaults, 2);
	/* A bad one names its line. */
	bad("mouse\nkeyboard\n  --fault 'stall --ep 0x100'\n",
	    "desk.conf:2: invalid --fault 'stall --ep 0x100': --ep '0x100': an endpoint address such as 0x81, 0x02 or 0");
}

/* What cli_parse() refuses, with the line of the entry. */
static void test_cli_errors(void **state)
{
	bad("-v\n--frob\nmouse\n", "desk.conf:2: unknown option '--frob'");
	bad("--wait-ready=x\nmouse\n",
	    "desk.conf:1: invalid --wait-ready 'x': seconds, 0 to 86400 (0: no limit)");
	bad("--name m\nmouse\n",
	    "desk.conf:1: option '--name' belongs after the device it applies to");
	bad("mouse\nmose\n", "desk.conf:2: unknown device 'mose': did you mean 'mouse'? (see --help)");
	bad("mouse\nkeyboard\n  --vid xyz\n",
	    "desk.conf:2: invalid --vid 'xyz': expected a hexadecimal ID such as 1209");
	bad("mouse --count\n", "desk.conf:1: option '--count' needs a value");
	bad("mouse --count 2 --name x\n",
	    "desk.conf:1: --count cannot be combined with --name or --serial");
	bad("--cpu=fast\nmouse\n",
	    "desk.conf:1: invalid --cpu 'fast': a CPU number (0 to 1023), auto or off");
	bad("mouse --cpu 1\n", "desk.conf:1: option '--cpu' belongs before the devices");
	bad("mouse\nkeyboard --wait-ready=3\n",
	    "desk.conf:2: option '--wait-ready' belongs before the devices");
	/* Only all the devices together break a limit. */
	bad("mouse --count 200\nkeyboard --count 100\n", "desk.conf: too many devices (at most 256)");
}

static void test_path(void **state)
{
	char buf[PATH_MAX];

	unsetenv("VUSB_CONFDIR");
	assert_int_equal(config_path("desk", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/vusb/desk.conf");
	setenv("VUSB_CONFDIR", "/tmp/confs", 1);
	assert_int_equal(config_path("a_b.c-d@e", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/tmp/confs/a_b.c-d@e.conf");
	assert_int_equal(config_path("./x.conf", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "./x.conf");
	unsetenv("VUSB_CONFDIR");
	assert_int_equal(config_path("", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(config_path(".hidden", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(config_path("a b", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(config_path("a\\b", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(config_path("desk", buf, 12), -ENAMETOOLONG);
}

static void test_read(void **state)
{
	char path[] = "/tmp/vusb-conf-XXXXXX";
	char *text;
	size_t len;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "mouse\n", 6), 6);
	assert_int_equal(config_read(path, &text, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(text, "mouse\n");
	free(text);
	assert_int_equal(ftruncate(fd, CONFIG_MAX_SIZE), 0);
	assert_int_equal(config_read(path, &text, &len), 0);
	assert_int_equal(len, CONFIG_MAX_SIZE);
	free(text);
	assert_int_equal(ftruncate(fd, CONFIG_MAX_SIZE + 1), 0);
	assert_int_equal(config_read(path, &text, &len), -EFBIG);
	close(fd);
	unlink(path);
	assert_int_equal(config_read(path, &text, &len), -ENOENT);
}

static int teardown(void **state)
{
	config_free(cf);
	cf = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_merge_with_command_line),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_too_many_words),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_forbidden),
		cmocka_unit_test(test_cli_errors),
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
