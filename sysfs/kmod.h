/* SPDX-License-Identifier: MIT */
/*
 * Loading vhci-hcd through libkmod. The kmod context belongs to the caller
 * (struct vhci keeps it); nothing here logs.
 */
#ifndef VUSB_SYSFS_KMOD_H
#define VUSB_SYSFS_KMOD_H

struct kmod_ctx;

#define VHCI_MODULE "vhci-hcd"

/*
 * A libkmod context for the running kernel whose own logging is silenced
 * (libkmod prints to stderr by default). Returns 0 with *ret, or -ENOMEM.
 */
int vhci_kmod_new(struct kmod_ctx **ret);

/*
 * Make sure vhci-hcd is in the kernel: nothing to do when it is builtin or
 * live, otherwise insert it and its dependencies (usbip-core) without
 * applying the blacklist. Returns 0 when it is in the kernel now, -ENOENT
 * when libkmod cannot find it for the running kernel (not installed, or no
 * /lib/modules/<release> at all), -EPERM when the kernel refuses (not root,
 * kernel.modules_disabled=1, no CAP_SYS_MODULE), other -errno from libkmod.
 */
int vhci_module_load(struct kmod_ctx *ctx);

#endif
