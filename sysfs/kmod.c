// SPDX-License-Identifier: MIT
/*
 * libkmod, opened when needed. Linking it would map libkmod and what it
 * links (libcrypto, liblzma, libzstd) into every vusb-attach for its whole
 * life: about 1.9 MB of its resident memory, for a library used once at
 * start, and only when vhci-hcd is not loaded yet or a device's drivers
 * are being looked up. So it is dlopen()ed with the first context and
 * dlclose()d with the last; its header still gives the types, and each
 * function comes through `K`, declared with the header's own prototype.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <libkmod.h>

#include "sysfs/kmod.h"

#define LIBKMOD "libkmod.so.2"

#define KMOD_FUNCS(X)                                                                              \
	X(kmod_new)                                                                                \
	X(kmod_unref)                                                                              \
	X(kmod_set_log_fn)                                                                         \
	X(kmod_get_dirname)                                                                        \
	X(kmod_list_next)                                                                          \
	X(kmod_module_new_from_lookup)                                                             \
	X(kmod_module_new_from_name)                                                               \
	X(kmod_module_apply_filter)                                                                \
	X(kmod_module_get_module)                                                                  \
	X(kmod_module_get_initstate)                                                               \
	X(kmod_module_get_path)                                                                    \
	X(kmod_module_probe_insert_module)                                                         \
	X(kmod_module_unref)                                                                       \
	X(kmod_module_unref_list)

static struct {
	void *dl;
	unsigned int users; /* contexts alive */
#define X(f) __typeof__(f) *f;
	KMOD_FUNCS(X)
#undef X
} K;

static const char *load_error;

static int lib_open(void)
{
	void *sym;

	if (K.dl)
		return 0;
	K.dl = dlopen(LIBKMOD, RTLD_NOW | RTLD_LOCAL);
	if (!K.dl) {
		load_error = dlerror();
		return -ELIBACC;
	}
#define X(f)                                                                                       \
	sym = dlsym(K.dl, #f);                                                                     \
	if (!sym)                                                                                  \
		goto missing;                                                                      \
	K.f = (__typeof__(K.f))sym;
	KMOD_FUNCS(X)
#undef X
	return 0;

missing:
	load_error = dlerror();
	dlclose(K.dl);
	K.dl = NULL;
	return -ELIBBAD;
}

const char *vhci_kmod_error(void)
{
	return load_error ? load_error : "";
}

/* The library never prints: failures come back as -errno instead. */
static void kmod_log_silent(void *data, int priority, const char *file, int line, const char *fn,
			    const char *format, va_list args)
{
}

int vhci_kmod_new(struct kmod_ctx **ret)
{
	struct kmod_ctx *ctx;
	int r;

	r = lib_open();
	if (r < 0)
		return r;
	ctx = K.kmod_new(NULL, NULL);
	if (!ctx) {
		if (!K.users) {
			dlclose(K.dl);
			K.dl = NULL;
		}
		return -ENOMEM;
	}
	K.kmod_set_log_fn(ctx, kmod_log_silent, NULL);
	K.users++;
	*ret = ctx;
	return 0;
}

void vhci_kmod_unref(struct kmod_ctx *ctx)
{
	if (!ctx)
		return;
	K.kmod_unref(ctx);
	if (--K.users == 0) {
		dlclose(K.dl);
		K.dl = NULL;
	}
}

bool vhci_kmod_loaded(void)
{
	return K.dl != NULL;
}

static int module_load_one(struct kmod_module *mod)
{
	int state, r;

	state = K.kmod_module_get_initstate(mod);
	if (state == KMOD_MODULE_BUILTIN || state == KMOD_MODULE_LIVE)
		return 0;

	/*
	 * flags 0: no KMOD_PROBE_APPLY_BLACKLIST, since the user asked for
	 * this module by running us; install commands and softdeps from
	 * modprobe.d are honoured as modprobe would.
	 */
	r = K.kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
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
	int r = 0;

	/*
	 * Without a module directory for the running kernel libkmod finds
	 * nothing anyway; saying -ENOENT here keeps that case unambiguous.
	 * Builtin vhci-hcd never gets here: its controller already exists.
	 */
	dir = K.kmod_get_dirname(ctx);
	if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;

	r = K.kmod_module_new_from_lookup(ctx, VHCI_MODULE, &list);
	if (r < 0)
		return r;
	if (!list)
		return -ENOENT;

	for (l = list; l; l = K.kmod_list_next(list, l)) {
		struct kmod_module *mod = K.kmod_module_get_module(l);

		r = module_load_one(mod);
		K.kmod_module_unref(mod);
		if (r < 0)
			break;
	}
	K.kmod_module_unref_list(list);
	return r;
}

/* Builtin, loaded, or installed for the running kernel. */
static bool module_present(struct kmod_module *mod)
{
	int state = K.kmod_module_get_initstate(mod);

	return state == KMOD_MODULE_BUILTIN || state == KMOD_MODULE_LIVE ||
	       K.kmod_module_get_path(mod) != NULL;
}

bool vhci_kmod_have_module(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_module *mod;
	bool found;

	if (K.kmod_module_new_from_name(ctx, name, &mod) < 0)
		return false;
	found = module_present(mod);
	K.kmod_module_unref(mod);
	return found;
}

bool vhci_kmod_have_driver(struct kmod_ctx *ctx, const char *modalias)
{
	struct kmod_list *list = NULL, *filtered = NULL, *l;
	bool found = false;

	if (K.kmod_module_new_from_lookup(ctx, modalias, &list) < 0 || !list)
		return false;
	/* Blacklisted modules are not loaded by udev (or mdev) either. */
	if (K.kmod_module_apply_filter(ctx, KMOD_FILTER_BLACKLIST, list, &filtered) < 0)
		filtered = NULL;
	for (l = filtered; l; l = K.kmod_list_next(filtered, l)) {
		struct kmod_module *mod = K.kmod_module_get_module(l);

		if (module_present(mod))
			found = true;
		K.kmod_module_unref(mod);
	}
	K.kmod_module_unref_list(filtered);
	K.kmod_module_unref_list(list);
	return found;
}
