// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "src/base/num.h"

static bool is_digit(char c, unsigned int base)
{
	int d = num_hexdigit(c);

	return d >= 0 && (unsigned int)d < base;
}

int num_parse(const char *s, unsigned int base, long long min, long long max, long long *ret)
{
	const char *digits = s, *p;
	long long v;
	char *end;

	if (base != 10 && base != 16)
		return -EINVAL;
	if (base == 16 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits += 2;
	else if (base == 10 && (*digits == '-' || *digits == '+'))
		digits++;
	/* strtoll alone would skip blanks, take a second sign or prefix,
	 * and read "" or "0x" as 0. */
	if (!*digits)
		return -EINVAL;
	for (p = digits; *p; p++)
		if (!is_digit(*p, base))
			return -EINVAL;
	errno = 0;
	v = strtoll(base == 16 ? digits : s, &end, (int)base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}
