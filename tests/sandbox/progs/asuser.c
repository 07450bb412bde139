// SPDX-License-Identifier: GPL-2.0
/*
 * asuser - run a command as another user, for the tests: the guest's
 * busybox has setpriv without --reuid, su needs a passwd entry.
 *
 *   asuser UID GID GROUPS PROG ARGS...
 *
 * GROUPS: the supplementary groups, comma-separated numbers, or "-" for
 * none.  The ids are set with setgroups, setresgid, setresuid (as login
 * does), then PROG is exec'd (looked up in PATH).
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_GROUPS	32

int main(int argc, char **argv)
{
	gid_t groups[MAX_GROUPS];
	size_t ngroups = 0;
	char *list, *tok, *save = NULL;
	uid_t uid;
	gid_t gid;

	if (argc < 5) {
		fprintf(stderr, "usage: asuser UID GID GROUPS|- PROG ARGS...\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid = (gid_t)strtoul(argv[2], NULL, 10);
	list = argv[3];
	if (strcmp(list, "-"))
		for (tok = strtok_r(list, ",", &save); tok && ngroups < MAX_GROUPS;
		     tok = strtok_r(NULL, ",", &save))
			groups[ngroups++] = (gid_t)strtoul(tok, NULL, 10);
	if (setgroups(ngroups, groups) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		perror("asuser");
		return 126;
	}
	execvp(argv[4], argv + 4);
	perror(argv[4]);
	return 127;
}
