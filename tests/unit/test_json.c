// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "src/base/json.h"

/* len bytes of s as a JSON string literal. */
static void escaped(const char *s, size_t len, const char *want)
{
	struct strbuf out = { 0 };

	assert_int_equal(json_escape(&out, s, len), 0);
	assert_string_equal(strbuf_str(&out), want);
	strbuf_free(&out);
}

static void test_escape(void **state)
{
	escaped("", 0, "\"\"");
	escaped("mouse0", 6, "\"mouse0\"");
	escaped("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	escaped("l1\nl2\tx\r", 8, "\"l1\\nl2\\tx\\u000d\"");
	escaped("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	/* A NUL in the middle, when the length says so. */
	escaped("a\0b", 3, "\"a\\u0000b\"");
}

static void test_utf8(void **state)
{
	/* Valid sequences of 2, 3 and 4 bytes pass as they are. */
	escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* A lone continuation byte, a byte no UTF-8 has, a sequence cut short
	 * by its end or by an ASCII byte: U+FFFD each, the rest kept. */
	escaped("a\x80z", 3, "\"a\\ufffdz\"");
	escaped("\xff", 1, "\"\\ufffd\"");
	escaped("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");
	escaped("\xc3\x41", 2, "\"\\ufffdA\"");
	/* Overlong '/', a UTF-16 surrogate, past U+10FFFF. */
	escaped("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	escaped("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	escaped("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	escaped("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void test_nesting(void **state)
{
	struct strbuf out = { 0 };
	struct json j;

	json_init(&j, &out);
	json_object_begin(&j);
	json_kv_int(&j, "version", 1);
	json_key(&j, "devices");
	json_array_begin(&j);
	json_object_begin(&j);
	json_kv_str(&j, "name", "kbd\"0");
	json_kv_str(&j, "serial", NULL);
	json_key(&j, "leds");
	json_array_begin(&j);
	json_str(&j, "caps_lock");
	json_str(&j, "num_lock");
	json_array_end(&j);
	json_key(&j, "empty");
	json_array_begin(&j);
	json_array_end(&j);
	json_kv_bool(&j, "locked", false);
	json_kv_uint(&j, "size", 18446744073709551615ull);
	json_kv_int(&j, "delta", -5);
	json_object_end(&j);
	json_object_begin(&j);
	json_object_end(&j);
	json_null(&j);
	json_bool(&j, true);
	json_array_end(&j);
	json_object_end(&j);
	assert_string_equal(strbuf_str(&out),
			    "{\"version\":1,\"devices\":[{\"name\":\"kbd\\\"0\",\"serial\":null,"
			    "\"leds\":[\"caps_lock\",\"num_lock\"],\"empty\":[],\"locked\":false,"
			    "\"size\":18446744073709551615,\"delta\":-5},{},null,true]}");
	assert_int_equal(j.depth, 0);
	strbuf_free(&out);
}

/* Several documents into one buffer, one a line (JSON lines). */
static void test_lines(void **state)
{
	struct strbuf out = { 0 };
	struct json j;
	int i;

	for (i = 0; i < 2; i++) {
		json_init(&j, &out);
		json_object_begin(&j);
		json_kv_int(&j, "n", i);
		json_object_end(&j);
		strbuf_add(&out, "\n", 1);
	}
	assert_string_equal(strbuf_str(&out), "{\"n\":0}\n{\"n\":1}\n");
	strbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
