// SPDX-License-Identifier: MIT
/*
 * vusb-attach's command line as people type it without thinking: -vv,
 * --wait-ready 5 as well as --wait-ready=5, --listen 3240, "did you
 * mean" for a misspelt device or option, DEVICE --help, and help text
 * that fits 80 columns; and the typo finder behind "did you mean".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "src/app/cli.h"
#include "src/app/models.h"
#include "src/base/suggest.h"
#include "tests/lib/cliargs.h"

static struct cli c;

static void verbosity(void **state)
{
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "-vv", "mouse", NULL), 0);
	assert_int_equal(c.verbosity, 2);
	assert_int_equal(cliargs_parse(&c, &err, "-v", "-v", "-vvv", "mouse", NULL), 0);
	assert_int_equal(c.verbosity, 5);
	assert_int_equal(cliargs_parse(&c, &err, "-qq", "mouse", NULL), 0);
	assert_int_equal(c.verbosity, -2);
	assert_int_equal(cliargs_parse(&c, &err, "-vq", "mouse", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "unknown option '-vq'"));
	strbuf_free(&err);
}

static void wait_ready(void **state)
{
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "--wait-ready", "5", "mouse", NULL), 0);
	assert_int_equal(c.wait_ready, 5);
	assert_int_equal(c.ndevices, 1);
	assert_int_equal(cliargs_parse(&c, &err, "--wait-ready=7", "mouse", NULL), 0);
	assert_int_equal(c.wait_ready, 7);
	/* No value: the default; the next word is the device. */
	assert_int_equal(cliargs_parse(&c, &err, "--wait-ready", "mouse", NULL), 0);
	assert_int_equal(c.wait_ready, CLI_WAIT_READY_DEFAULT);
	assert_int_equal(c.ndevices, 1);
	assert_int_equal(cliargs_parse(&c, &err, "--wait-ready", "99999999", "mouse", NULL),
			 -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "invalid --wait-ready"));
	strbuf_free(&err);
}

static void cpu(void **state)
{
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "mouse", NULL), 0);
	assert_int_equal(c.cpu, AFFINITY_AUTO);
	assert_int_equal(cliargs_parse(&c, &err, "--cpu", "off", "mouse", NULL), 0);
	assert_int_equal(c.cpu, AFFINITY_OFF);
	assert_int_equal(cliargs_parse(&c, &err, "--cpu=3", "mouse", NULL), 0);
	assert_int_equal(c.cpu, 3);
	assert_int_equal(c.ndevices, 1);
	assert_int_equal(cliargs_parse(&c, &err, "--cpu", "auto", "mouse", NULL), 0);
	assert_int_equal(c.cpu, AFFINITY_AUTO);
	assert_int_equal(cliargs_parse(&c, &err, "--cpu", "-1", "mouse", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "invalid --cpu '-1': a CPU number (0 to 1023), auto or off"));
	strbuf_reset(&err);
	assert_int_equal(cliargs_parse(&c, &err, "--cpu", "1024", "mouse", NULL), -EINVAL);
	strbuf_reset(&err);
	assert_int_equal(cliargs_parse(&c, &err, "--cpu", "", "mouse", NULL), -EINVAL);
	strbuf_reset(&err);
	assert_int_equal(cliargs_parse(&c, &err, "--cpu", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "option '--cpu' needs a value"));
	strbuf_reset(&err);
	/* The program's, not a device's. */
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--cpu", "1", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "option '--cpu' belongs before the devices"));
	strbuf_reset(&err);
	assert_int_equal(cliargs_parse(&c, &err, "--cpus", "1", "mouse", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "did you mean '--cpu'?"));
	strbuf_free(&err);
}

static void bare_port(void **state)
{
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "--listen", "3241", "mouse", NULL), 0);
	assert_true(c.listen);
	assert_int_equal(c.ndevices, 1);
	assert_true(server_addr_is_loopback(&c.server.listen));
	strbuf_free(&err);
}

static void did_you_mean(void **state)
{
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "mause", NULL), -EINVAL);
	assert_string_equal(strbuf_str(&err),
			    "unknown device 'mause': did you mean 'mouse'? (see --help)");
	assert_int_equal(cliargs_parse(&c, &err, "keybaord", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "did you mean 'keyboard'?"));
	assert_int_equal(cliargs_parse(&c, &err, "toaster", NULL), -EINVAL);
	assert_string_equal(strbuf_str(&err), "unknown device 'toaster' (see --help)");
	assert_int_equal(cliargs_parse(&c, &err, "--lisen", "mouse", NULL), -EINVAL);
	assert_string_equal(strbuf_str(&err), "unknown option '--lisen': did you mean '--listen'?");
	assert_int_equal(cliargs_parse(&c, &err, "storage", "a.img", "--snapshop", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "did you mean '--snapshot'?"));
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--nmae", "x", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "did you mean '--name'?"));
	assert_int_equal(cliargs_parse(&c, &err, "--frobnicate", "mouse", NULL), -EINVAL);
	assert_string_equal(strbuf_str(&err), "unknown option '--frobnicate'");
	strbuf_free(&err);
}

static void suggestions(void **state)
{
	static const char *const words[] = { "move", "press", "release", NULL, "type" };

	assert_int_equal(suggest_distance("mouse", "mouse", 2), 0);
	assert_int_equal(suggest_distance("mouse", "mosue", 2), 1); /* a swap */
	assert_int_equal(suggest_distance("mouse", "mose", 2), 1);
	assert_int_equal(suggest_distance("abc", "xyz", 2), 3);
	assert_int_equal(suggest_distance("", "abcd", 2), 3);
	assert_string_equal(suggest("prses", words, 5), "press");
	assert_string_equal(suggest("tpye", words, 5), "type");
	assert_string_equal(suggest("mvoe", words, 5), "move");
	assert_null(suggest("move", words, 5)); /* itself: no typo */
	assert_null(suggest("zz", words, 5));
	assert_null(suggest("", words, 5));
	/* Short words get one edit, not two; an option's dashes do not count. */
	assert_null(suggest("tp", words, 5));
	{
		static const char *const opts[] = { "--ro", "--name" };

		assert_null(suggest("--frob", opts, 2));
		assert_string_equal(suggest("--nmae", opts, 2), "--name");
	}
}

/* Every line of a help text fits 80 columns. */
static void assert_fits(const char *text)
{
	const char *line = text, *nl;

	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		if (nl - line > 79)
			fail_msg("%d columns: %.*s", (int)(nl - line), (int)(nl - line), line);
		if (!*nl)
			break;
	}
}

static void help(void **state)
{
	const struct vusb_model *const *m;
	struct strbuf err = { 0 }, out = { 0 };

	cli_usage(&out);
	assert_fits(strbuf_str(&out));
	assert_non_null(strstr(strbuf_str(&out), "storage [IMAGE]"));
	strbuf_free(&out);

	/* DEVICE --help: that device's own help, without its argument. */
	assert_int_equal(cliargs_parse(&c, &err, "storage", "--help", NULL), 0);
	assert_true(c.help);
	assert_ptr_equal(c.help_model, vusb_model_find("storage"));
	assert_int_equal(cliargs_parse(&c, &err, "--help", NULL), 0);
	assert_null(c.help_model);
	for (m = vusb_models; *m; m++) {
		strbuf_reset(&out);
		cli_model_usage(*m, &out);
		assert_fits(strbuf_str(&out));
		assert_non_null(strstr(strbuf_str(&out), (*m)->name));
	}
	strbuf_reset(&out);
	cli_model_usage(vusb_model_find("storage"), &out);
	assert_non_null(strstr(strbuf_str(&out), "--snapshot"));
	assert_non_null(strstr(strbuf_str(&out), "insert FILE"));
	assert_null(strstr(strbuf_str(&out), "--flash"));
	strbuf_free(&out);
	strbuf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verbosity),    cmocka_unit_test(wait_ready),
		cmocka_unit_test(cpu),
		cmocka_unit_test(bare_port),    cmocka_unit_test(did_you_mean),
		cmocka_unit_test(suggestions), cmocka_unit_test(help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
