// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "src/app/privs.h"

/* Sanitizer builds (make check-asan): LeakSanitizer stops the process
 * with ptrace at exit, which needs both the call and a dumpable process. */
#if defined(__SANITIZE_ADDRESS__)
#define PRIVS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRIVS_SANITIZER 1
#endif
#endif

int privs_find_user(const char *name, struct privs_user *ret)
{
	struct passwd *pw;

	if (name && strlen(name) >= sizeof(ret->name))
		return -EINVAL;
	errno = 0;
	pw = getpwnam(name ? name : PRIVS_USER);
	if (!pw && !name) {
		errno = 0;
		pw = getpwnam(PRIVS_FALLBACK_USER);
	}
	if (!pw)
		return errno && errno != ENOENT && errno != ESRCH ? -errno : -ENOENT;
	if (strlen(pw->pw_name) >= sizeof(ret->name))
		return -EINVAL;
	snprintf(ret->name, sizeof(ret->name), "%s", pw->pw_name);
	ret->uid = pw->pw_uid;
	ret->gid = pw->pw_gid;
	return 0;
}

int privs_share_socket(const char *path)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(PRIVS_GROUP);
	if (!gr)
		return errno && errno != ENOENT && errno != ESRCH ? -errno : 0;
	if (chown(path, (uid_t)-1, gr->gr_gid) < 0 || chmod(path, 0660) < 0)
		return -errno;
	return 1;
}

/* ---- dropping root ---- */

/* Are the permitted and effective capability sets empty? */
static bool no_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return !d[0].effective && !d[1].effective && !d[0].permitted && !d[1].permitted;
}

int privs_drop(const struct privs_user *u)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int cap;

	if (u->uid == 0)
		return -EINVAL;
	if (initgroups(u->name, u->gid) < 0)
		return -errno;
	/* Nothing this process or a child could ever get back. */
	for (cap = 0; prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0; cap++)
		;
	if (errno != EINVAL)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0)
		return -errno;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return -errno;
	if (ru != u->uid || eu != u->uid || su != u->uid || rg != u->gid || eg != u->gid ||
	    sg != u->gid)
		return -EPERM;
	/* The proof: root cannot be had back, and no capability is left. */
	if (setresuid(0, 0, 0) == 0 || !no_capabilities())
		return -EPERM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
#ifdef PRIVS_SANITIZER
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}

int privs_restrict(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	int cap;

	/* Emptying the bounding set needs CAP_SETPCAP: a user without it
	 * has nothing there to use anyway. */
	if (prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) == 1 && no_capabilities() == false) {
		for (cap = 0; prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0; cap++)
			;
		if (errno != EINVAL)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	if (!no_capabilities())
		return -EPERM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
#ifdef PRIVS_SANITIZER
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}
