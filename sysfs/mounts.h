/* SPDX-License-Identifier: MIT */
/*
 * Where the host mounted a USB device's disks: what a suspend would break.
 */
#ifndef VUSB_SYSFS_MOUNTS_H
#define VUSB_SYSFS_MOUNTS_H

#include "src/base/strbuf.h"

/*
 * The mount points of the block devices (and their partitions) below the
 * USB device `busid` ("3-1"), as "/dev/sda1 on /mnt", comma-separated,
 * appended to out. Returns how many, or -errno.
 */
int usb_busid_mounts(const char *busid, struct strbuf *out);

/*
 * Pure part: the mounts of /proc/self/mounts text `mounts` whose source
 * is /dev/BLOCK or one of its partitions (BLOCK1, BLOCKp1). Appended to
 * out as above. Returns how many.
 */
int mounts_of_block(const char *mounts, const char *block, struct strbuf *out);

#endif
