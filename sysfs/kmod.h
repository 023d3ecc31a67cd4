/* SPDX-License-Identifier: MIT */
/*
 * Loading vhci-hcd, and asking whether a driver module exists, through
 * libkmod, which is opened with the first context and closed with the
 * last (sysfs/kmod.c says why). A context belongs to its caller; nothing
 * here logs.
 */
#ifndef VUSB_SYSFS_KMOD_H
#define VUSB_SYSFS_KMOD_H

#include <stdbool.h>

struct kmod_ctx;

#define VHCI_MODULE "vhci-hcd"

/*
 * A libkmod context for the running kernel whose own logging is silenced
 * (libkmod prints to stderr by default). 0 with *ret; -ELIBACC when
 * libkmod.so.2 cannot be opened, -ELIBBAD when it lacks a function we
 * use (vhci_kmod_error() says more), -ENOMEM.
 */
int vhci_kmod_new(struct kmod_ctx **ret);

/* Release a context (NULL-safe); the last one closes libkmod. */
void vhci_kmod_unref(struct kmod_ctx *ctx);

/* The dynamic loader's message for the last -ELIBACC or -ELIBBAD. */
const char *vhci_kmod_error(void);

/* Whether libkmod is mapped now (it is while a context lives). */
bool vhci_kmod_loaded(void);

/*
 * Make sure vhci-hcd is in the kernel: nothing to do when it is builtin or
 * live, otherwise insert it and its dependencies (usbip-core) without
 * applying the blacklist. Returns 0 when it is in the kernel now, -ENOENT
 * when libkmod cannot find it for the running kernel (not installed, or no
 * /lib/modules/<release> at all), -EPERM when the kernel refuses (not root,
 * kernel.modules_disabled=1, no CAP_SYS_MODULE), other -errno from libkmod.
 */
int vhci_module_load(struct kmod_ctx *ctx);

/* Is module `name` builtin, loaded, or installed for the running kernel? */
bool vhci_kmod_have_module(struct kmod_ctx *ctx, const char *name);

/* Would udev load a driver for `modalias` (not blacklisted, present)? */
bool vhci_kmod_have_driver(struct kmod_ctx *ctx, const char *modalias);

#endif
