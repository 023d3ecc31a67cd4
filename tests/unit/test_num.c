// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "src/base/num.h"

static long long parse(const char *s, unsigned int base, long long min, long long max, int want)
{
	long long v = 0x5a5a;

	assert_int_equal(num_parse(s, base, min, max, &v), want);
	if (want)
		assert_int_equal(v, 0x5a5a); /* left alone on failure */
	return v;
}

static void test_decimal(void **state)
{
	assert_int_equal(parse("0", 10, 0, 10, 0), 0);
	assert_int_equal(parse("42", 10, 0, 100, 0), 42);
	assert_int_equal(parse("-5", 10, -10, 10, 0), -5);
	assert_int_equal(parse("+5", 10, -10, 10, 0), 5);
	assert_int_equal(parse("007", 10, 0, 10, 0), 7); /* decimal, not octal */
	assert_int_equal(parse("9223372036854775807", 10, 0, LLONG_MAX, 0), LLONG_MAX);
}

static void test_decimal_refused(void **state)
{
	parse("", 10, 0, 10, -EINVAL);
	parse(" 5", 10, 0, 10, -EINVAL);
	parse("5 ", 10, 0, 10, -EINVAL);
	parse("\t5", 10, 0, 10, -EINVAL);
	parse("-", 10, -10, 10, -EINVAL);
	parse("--5", 10, -10, 10, -EINVAL);
	parse("+-5", 10, -10, 10, -EINVAL);
	parse("12abc", 10, 0, 100, -EINVAL);
	parse("0x10", 10, 0, 100, -EINVAL);
	parse("1.5", 10, 0, 100, -EINVAL);
	parse("11", 10, 0, 10, -ERANGE);
	parse("-1", 10, 0, 10, -ERANGE);
	parse("99999999999999999999", 10, 0, LLONG_MAX, -ERANGE);
}

static void test_hex(void **state)
{
	assert_int_equal(parse("ff", 16, 0, 0xffff, 0), 0xff);
	assert_int_equal(parse("0x1209", 16, 0, 0xffff, 0), 0x1209);
	assert_int_equal(parse("0XaBcD", 16, 0, 0xffff, 0), 0xabcd);
	parse("0x", 16, 0, 0xffff, -EINVAL);
	parse("0x0x5", 16, 0, 0xffff, -EINVAL);
	parse("-5", 16, -10, 0xffff, -EINVAL);
	parse(" ff", 16, 0, 0xffff, -EINVAL);
	parse("fg", 16, 0, 0xffff, -EINVAL);
	parse("10000", 16, 0, 0xffff, -ERANGE);
	parse("5", 8, 0, 10, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_decimal_refused),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
