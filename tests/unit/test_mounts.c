// SPDX-License-Identifier: MIT
/* sysfs/mounts.c: which mounts are on a USB disk, from /proc/self/mounts text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sysfs/mounts.h"

static const char mounts[] = "sysfs /sys sysfs rw,nosuid 0 0\n"
			     "/dev/sda /mnt/a vfat rw 0 0\n"
			     "/dev/sdaa1 /mnt/aa vfat rw 0 0\n"
			     "/dev/sda1 /mnt/a1 vfat rw 0 0\n"
			     "/dev/sdb1 /mnt/b1 vfat rw 0 0\n"
			     "/dev/nvme0n1p2 / ext4 rw 0 0\n"
			     "/dev/sdax /mnt/x vfat rw 0 0\n"
			     "/dev/sda2 /mnt/no\\040newline vfat rw 0 0";

static void finds_disk_and_partitions(void **state)
{
	struct strbuf out = { 0 };

	assert_int_equal(mounts_of_block(mounts, "sda", &out), 3);
	assert_string_equal(strbuf_str(&out), "/dev/sda on /mnt/a, /dev/sda1 on /mnt/a1, "
					      "/dev/sda2 on /mnt/no\\040newline");
	strbuf_reset(&out);
	assert_int_equal(mounts_of_block(mounts, "nvme0n1", &out), 1);
	assert_string_equal(strbuf_str(&out), "/dev/nvme0n1p2 on /");
	strbuf_reset(&out);
	assert_int_equal(mounts_of_block(mounts, "sdc", &out), 0);
	assert_int_equal(mounts_of_block("", "sda", &out), 0);
	assert_int_equal(mounts_of_block("/dev/sda", "sda", &out), 0);
	assert_int_equal(out.len, 0);
	strbuf_free(&out);
}

static void bad_busid(void **state)
{
	struct strbuf out = { 0 };

	assert_int_equal(usb_busid_mounts("../x", &out), -22);
	strbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_disk_and_partitions),
		cmocka_unit_test(bad_busid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
