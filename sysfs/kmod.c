// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <libkmod.h>

#include "sysfs/kmod.h"

/* The library never prints: failures come back as -errno instead. */
static void kmod_log_silent(void *data, int priority, const char *file,
			    int line, const char *fn, const char *format,
			    va_list args)
{
}

int vhci_kmod_new(struct kmod_ctx **ret)
{
	struct kmod_ctx *ctx;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	kmod_set_log_fn(ctx, kmod_log_silent, NULL);
	*ret = ctx;
	return 0;
}

static int module_load_one(struct kmod_module *mod)
{
	int state, r;

	state = kmod_module_get_initstate(mod);
	if (state == KMOD_MODULE_BUILTIN || state == KMOD_MODULE_LIVE)
		return 0;

	/*
	 * flags 0: no KMOD_PROBE_APPLY_BLACKLIST, since the user asked for
	 * this module by running us; install commands and softdeps from
	 * modprobe.d are honoured as modprobe would.
	 */
	r = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
	/* Someone else loaded it at the same moment: that is what we want. */
	if (r == -EEXIST)
		return 0;
	/* > 0 means "stopped by a flag": we pass none, but never say 0. */
	if (r > 0)
		return -ECANCELED;
	return r;
}

int vhci_module_load(struct kmod_ctx *ctx)
{
	struct kmod_list *list = NULL, *l;
	struct stat st;
	const char *dir;
	int r;

	/*
	 * Without a module directory for the running kernel libkmod finds
	 * nothing anyway; saying -ENOENT here keeps that case unambiguous.
	 * Builtin vhci-hcd never gets here: its controller already exists.
	 */
	dir = kmod_get_dirname(ctx);
	if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;

	r = kmod_module_new_from_lookup(ctx, VHCI_MODULE, &list);
	if (r < 0)
		return r;
	if (!list)
		return -ENOENT;

	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		r = module_load_one(mod);
		kmod_module_unref(mod);
		if (r < 0)
			break;
	}
	kmod_module_unref_list(list);
	return r;
}
