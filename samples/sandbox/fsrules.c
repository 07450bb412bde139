// SPDX-License-Identifier: GPL-2.0
/*
 * fsrules.c - the policy's path rules, enforced by the kernel.
 *
 * The supervisor's own check (syscall.c check_path) compares strings: it
 * gives clear errors and the trace, but the kernel resolves the path again
 * later (symlinks, "..", a racing thread, /proc/self/root, a hard link...).
 * So the same rules are given to the kernel twice, as bwrap and nsjail do:
 *
 *   1. A mount namespace with a new root (fsrules_setup, as root):
 *      everything made private; a new root that holds only what the rules
 *      allow - "path allow P" a bind of P, "path readonly P" a read-only
 *      bind (mount_setattr(2) with AT_RECURSIVE: every submount too),
 *      "path deny P" under an allowed tree an empty read-only tmpfs, and
 *      nothing at all elsewhere (no match = deny, as in path_check()).
 *      "private-tmp DIR" a fresh, empty tmpfs over DIR, mounted last (so
 *      over whatever the rules say of DIR), as bwrap's --tmpfs: the
 *      program's files there live in the kernel's memory, not the host's
 *      DIR, and are gone with the namespace's last process.
 *      The longest rule wins because the rules are applied in order of
 *      length, each mounted over the shorter ones.  Everything is nosuid
 *      and nodev except device nodes a rule names under /dev.  /proc is a
 *      fresh procfs of the sandbox's own pid namespace with subset=pid (no
 *      /proc/sys, /proc/sysrq-trigger, /proc/kcore...).  Without
 *      "network on", an empty network namespace: no interfaces, and no
 *      abstract AF_UNIX names of the host (they live in the netns).
 *      Symlinks then resolve inside the new root: a link to a hidden file
 *      finds nothing.
 *   2. Landlock (landlock_prepare / landlock_apply, the second layer; in
 *      Debian's 6.1, ABI 2): rules on the inodes of the new root, so that
 *      opening, creating, linking or renaming anything the rules do not
 *      allow fails however it is named - through an inherited directory
 *      descriptor, /proc/PID/root, or a file the loader opens (PT_INTERP,
 *      #!: the loader runs in this same process).  /proc gets no file
 *      rights at all: the program is the supervisor's process, and
 *      /proc/self/mem, map_files, environ... are the supervisor's.  The
 *      supervisor itself only lists /proc/self/fd and reads links there,
 *      which Landlock (ABI <= 3) does not restrict.
 *
 * Landlock rules add up along a path (a right granted on a directory holds
 * for everything below it), so a rule with a stricter rule below it is
 * given to Landlock entry by entry, around the stricter one (expand()).
 * Landlock ABI 2 has no truncate right: the read-only binds stop
 * O_TRUNC/truncate() on read-only files (EROFS).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/landlock.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sandbox.h"

static int by_len[MAX_PATHS];
static int ruleset = -1;

static int cmp_len(const void *a, const void *b)
{
	size_t la = strlen(policy.paths[*(const int *)a].prefix);
	size_t lb = strlen(policy.paths[*(const int *)b].prefix);

	return la < lb ? -1 : la > lb;
}

/* A rule counts unless a later one names the same path (path_check: the later wins). */
static bool effective(int i)
{
	int j;

	for (j = i + 1; j < policy.npaths; j++)
		if (!strcmp(policy.paths[i].prefix, policy.paths[j].prefix))
			return false;
	return true;
}

/* The effective rules, shortest first; returns how many. */
static int sort_rules(void)
{
	int i, n = 0;

	for (i = 0; i < policy.npaths; i++)
		if (effective(i))
			by_len[n++] = i;
	qsort(by_len, n, sizeof(by_len[0]), cmp_len);
	return n;
}

/* Is @anc a proper ancestor of @path (both absolute, normalised)? */
static bool below(const char *path, const char *anc)
{
	size_t n = strlen(anc);

	if (!strcmp(anc, "/"))
		return strcmp(path, "/") != 0;
	return !strncmp(path, anc, n) && path[n] == '/';
}

/* "/a/b" -> "a/b"; "/" -> "." (for the *at calls relative to the new root) */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static int say(const char *what, const char *path)
{
	fprintf(stderr, "%s: file rules: %s %s: %s\n", progname, what, path, strerror(errno));
	return -1;
}

/* mkdir -p the directories above @path under @root (our tmpfs). */
static void make_parents(int root, const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", rel(path));
	for (p = strchr(buf, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		mkdirat(root, buf, 0755);
		*p = '/';
	}
}

/* A mount point for a bind of something like @st, at @path under @root. */
static int make_mountpoint(int root, const char *path, const struct stat *st)
{
	struct stat have;
	int fd;

	if (!fstatat(root, rel(path), &have, AT_SYMLINK_NOFOLLOW))
		return S_ISDIR(have.st_mode) == S_ISDIR(st->st_mode) ? 0 : -1;
	make_parents(root, path);
	if (S_ISDIR(st->st_mode))
		return mkdirat(root, rel(path), 0755);
	fd = openat(root, rel(path), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int set_attr(int root, const char *path, uint64_t set, uint64_t clr, bool recursive)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	return mount_setattr(root, rel(path), (recursive ? AT_RECURSIVE : 0) | AT_SYMLINK_NOFOLLOW,
			     &a, sizeof(a));
}

/* A new, detached tmpfs or procfs mount. */
static int new_fs(const char *type, const char *const *opts, unsigned int attrs)
{
	int fs = fsopen(type, FSOPEN_CLOEXEC), m, i;

	if (fs < 0)
		return -1;
	for (i = 0; opts && opts[i]; i += 2)
		if (fsconfig(fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)) {
			close(fs);
			return -1;
		}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		close(fs);
		return -1;
	}
	m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	close(fs);
	return m;
}

static bool is_mount_root(int root, const char *path)
{
	struct statx sx;

	return !statx(root, rel(path), AT_SYMLINK_NOFOLLOW, 0, &sx) &&
	       (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/*
 * The private tmpfs at policy.tmpdir: sticky and writable by all, like
 * /tmp (the program runs as the unprivileged user, the tmpfs belongs to
 * root of the sandbox's user namespace); at most policy.tmpsize.  Not
 * noexec: build tools run what they compile there (configure's conftest).
 */
static int private_tmp(int root)
{
	const char *opts[] = { "mode", "1777", "size", policy.tmpsize, NULL };
	static const struct stat dir = { .st_mode = S_IFDIR };
	int fd;

	if (!policy.tmpsize[0])
		opts[2] = NULL;
	fd = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (fd < 0)
		return -1;
	if (make_mountpoint(root, policy.tmpdir, &dir) ||
	    move_mount(fd, "", root, rel(policy.tmpdir), MOVE_MOUNT_F_EMPTY_PATH)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The mount namespace and the new root.  Called as root, after
 * dune_init() (which opens /dev/dune by name), before the drop.
 */
int fsrules_setup(void)
{
	static const char *const proc_opts[] = { "subset", "pid", NULL };
	static const char *const root_opts[] = { "mode", "0755", NULL };
	static const char *const deny_opts[] = { "mode", "0555", NULL };
	int tree[MAX_PATHS], root = -1, i, k, fd, nrules;
	bool root_is_tree = false, covered;
	char cwd[PATH_MAX], link[PATH_MAX];
	struct stat st[MAX_PATHS];
	bool is_link[MAX_PATHS], hidden[MAX_PATHS];

	if (confine.no_namespaces)
		return 0;
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	if (unshare(CLONE_NEWNS | (policy.network ? 0 : CLONE_NEWNET)))
		return say("unshare", policy.network ? "(mount)" : "(mount, network)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return say("make private", "/");
	nrules = sort_rules();

	/* The trees the rules allow, cloned before anything is mounted over them. */
	for (k = 0; k < nrules; k++) {
		const char *p = policy.paths[by_len[k]].prefix;

		tree[k] = -1;
		is_link[k] = false;
		hidden[k] = false;
		if (lstat(p, &st[k]))
			continue;	/* nothing there: nothing to show */
		if (policy.paths[by_len[k]].rule == PATH_DENY)
			continue;
		if (S_ISLNK(st[k].st_mode)) {
			is_link[k] = true;
			continue;
		}
		tree[k] = open_tree(AT_FDCWD, p, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (tree[k] < 0)
			return say("clone", p);
	}

	/* The root: the tree of a rule for "/", or an empty tmpfs. */
	for (k = 0; k < nrules; k++)
		if (!strcmp(policy.paths[by_len[k]].prefix, "/") && tree[k] >= 0) {
			root = tree[k];
			root_is_tree = true;
		}
	if (nrules == 0) {
		root = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		root_is_tree = true;
	} else if (root < 0) {
		root = new_fs("tmpfs", root_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	}
	if (root < 0)
		return say("make", "the new root");
	/* attached over "/" of this namespace: the mounts below need a place in it */
	if (move_mount(root, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH))
		return say("attach", "the new root");
	if (root_is_tree && path_check("/") == PATH_READONLY &&
	    set_attr(root, "/", MOUNT_ATTR_RDONLY, 0, true))
		return say("set read-only", "/");

	for (k = 0; k < nrules; k++) {
		const char *p = policy.paths[by_len[k]].prefix;
		enum path_rule r = policy.paths[by_len[k]].rule;

		if (!strcmp(p, "/") || !strcmp(p, "/proc"))
			continue;	/* the root is done; /proc is our own, below */
		/* under a tree already mounted (else: in our tmpfs root) */
		covered = root_is_tree;
		for (i = 0; i < k; i++)
			if (tree[i] >= 0 && below(p, policy.paths[by_len[i]].prefix))
				covered = true;
		if (is_link[k]) {
			ssize_t l = readlink(p, link, sizeof(link) - 1);

			if (!covered && l > 0) {
				link[l] = 0;
				make_parents(root, p);
				symlinkat(link, root, rel(p));
			}
			continue;
		}
		if (r == PATH_DENY) {
			struct stat here;

			if (!covered || fstatat(root, rel(p), &here, AT_SYMLINK_NOFOLLOW) ||
			    !S_ISDIR(here.st_mode))
				continue;	/* absent, or a file: Landlock has no rule for it */
			/* read-only at the end: longer rules may need mount points in it */
			fd = new_fs("tmpfs", deny_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				    MOUNT_ATTR_NOEXEC);
			if (fd < 0 || move_mount(fd, "", root, rel(p), MOVE_MOUNT_F_EMPTY_PATH))
				return say("hide", p);
			close(fd);
			hidden[k] = true;
			continue;
		}
		if (tree[k] < 0)
			continue;
		if (make_mountpoint(root, p, &st[k]) ||
		    move_mount(tree[k], "", root, rel(p), MOVE_MOUNT_F_EMPTY_PATH))
			return say("bind", p);
		if (set_attr(root, p, r == PATH_READONLY ? MOUNT_ATTR_RDONLY : 0,
			     r == PATH_READONLY ? 0 : MOUNT_ATTR_RDONLY, true))
			return say("set read-only/read-write", p);
	}

	if (policy.tmpdir[0] && private_tmp(root))
		return say("mount a private tmpfs on", policy.tmpdir);

	/* A fresh /proc of our pid namespace, over whatever the trees had there. */
	mkdirat(root, "proc", 0555);
	fd = new_fs("proc", proc_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (fd < 0 || move_mount(fd, "", root, "proc", MOVE_MOUNT_F_EMPTY_PATH))
		return say("mount", "/proc");
	close(fd);

	/* nosuid and nodev everywhere, except the device nodes the rules allow */
	if (set_attr(root, "/", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, true))
		return say("set nosuid,nodev on", "/");
	if (path_check("/dev") != PATH_DENY && is_mount_root(root, "/dev"))
		set_attr(root, "/dev", 0, MOUNT_ATTR_NODEV, false);
	for (k = 0; k < nrules; k++) {
		const char *p = policy.paths[by_len[k]].prefix;

		if (tree[k] >= 0 && !strncmp(p, "/dev/", 5) && is_mount_root(root, p))
			set_attr(root, p, 0, MOUNT_ATTR_NODEV, false);
	}
	/* (a hidden DIR of private-tmp is under the private tmpfs: that stays writable) */
	for (k = 0; k < nrules; k++)
		if (hidden[k] && strcmp(policy.paths[by_len[k]].prefix, policy.tmpdir) &&
		    set_attr(root, policy.paths[by_len[k]].prefix, MOUNT_ATTR_RDONLY, 0, false))
			return say("set read-only", policy.paths[by_len[k]].prefix);
	if (!root_is_tree && set_attr(root, "/", MOUNT_ATTR_RDONLY, 0, false))
		return say("set read-only", "the new root");

	if (fchdir(root) || chroot("."))
		return say("enter", "the new root");
	if (chdir(cwd) && chdir("/"))
		return say("chdir", cwd);
	for (k = 0; k < nrules; k++)
		if (tree[k] >= 0)
			close(tree[k]);
	if (!root_is_tree)
		close(root);
	return 0;
}

/* ---- Landlock ------------------------------------------------------------------ */

#define LL_FILE	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		 LANDLOCK_ACCESS_FS_READ_FILE | LL_TRUNCATE)
#define LL_READ	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
		 LANDLOCK_ACCESS_FS_READ_DIR)
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
#define LL_TRUNCATE	LANDLOCK_ACCESS_FS_TRUNCATE
#else
#define LL_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif

static uint64_t handled;
static int nrules_added;

static uint64_t rights(enum path_rule r)
{
	switch (r) {
	case PATH_ALLOW:
		return handled & ~(uint64_t)(LANDLOCK_ACCESS_FS_MAKE_CHAR |
					     LANDLOCK_ACCESS_FS_MAKE_BLOCK);
	case PATH_READONLY:
		return handled & LL_READ;
	default:
		return 0;
	}
}

static int add_rule(const char *path, uint64_t allowed)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;
	int fd, ret;

	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : say("open for Landlock", path);
	if (fstat(fd, &st)) {
		close(fd);
		return say("stat for Landlock", path);
	}
	if (!S_ISDIR(st.st_mode))
		allowed &= LL_FILE;
	pb.allowed_access = allowed & handled;
	pb.parent_fd = fd;
	ret = pb.allowed_access ?
	      (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) : 0;
	close(fd);
	if (ret)
		return say("Landlock rule", path);
	nrules_added++;
	return 0;
}

/* Does a rule stricter than @allowed lie below @path (or is @path /proc's ancestor)? */
static bool stricter_below(const char *path, uint64_t allowed)
{
	int i;

	if (below("/proc", path))
		return true;
	for (i = 0; i < policy.npaths; i++)
		if (effective(i) && below(policy.paths[i].prefix, path) &&
		    (rights(policy.paths[i].rule) & allowed) != allowed)
			return true;
	return false;
}

static bool is_rule(const char *path)
{
	int i;

	if (!strcmp(path, "/proc"))
		return true;
	for (i = 0; i < policy.npaths; i++)
		if (!strcmp(policy.paths[i].prefix, path))
			return true;
	return false;
}

/* @allowed on everything under @dir except the stricter rules' paths. */
static int expand(const char *dir, uint64_t allowed, int depth)
{
	char sub[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (depth > 32)
		return -1;
	ret = add_rule(dir, handled & LANDLOCK_ACCESS_FS_READ_DIR);
	d = opendir(dir);
	if (!d)
		return ret;
	while (!ret && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);
		if (is_rule(sub))
			continue;
		if (stricter_below(sub, allowed))
			ret = expand(sub, allowed, depth + 1);
		else
			ret = add_rule(sub, allowed);
	}
	closedir(d);
	return ret;
}

/* Build the Landlock ruleset (as root, in the new root); landlock_apply() enforces it. */
int landlock_prepare(void)
{
	struct landlock_ruleset_attr attr;
	long abi;
	int i;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		if (confine.no_landlock) {
			fprintf(stderr, "%s: WARNING: no Landlock (%s): the file rules rest on the mount namespace and the supervisor's checks alone; /proc/self is reachable through any check it misses\n",
				progname, strerror(errno));
			return 0;
		}
		fprintf(stderr, "%s: this kernel has no Landlock (%s): the file rules would not be enforced by the kernel a second time.  Refusing to run; --no-landlock runs without it.\n",
			progname, strerror(errno));
		return -1;
	}
	handled = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		  LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
		  LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		  LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
		  LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
		  LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		  LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= LL_TRUNCATE;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return say("create", "the Landlock ruleset");
	if (policy.npaths == 0) {
		/* everything, but nothing in /proc */
		if (expand("/", rights(PATH_ALLOW), 0))
			return -1;
	}
	for (i = 0; i < policy.npaths; i++) {
		const char *p = policy.paths[i].prefix;
		uint64_t a = rights(policy.paths[i].rule);

		if (!a || !effective(i))
			continue;
		if (stricter_below(p, a) ? expand(p, a, 0) : add_rule(p, a))
			return -1;
	}
	/* the private tmpfs: everything, whatever the rules above gave DIR */
	if (policy.tmpdir[0] && add_rule(policy.tmpdir, rights(PATH_ALLOW)))
		return -1;
	/* the supervisor lists /proc/self/fd; nothing in /proc is readable */
	if (add_rule("/proc", handled & LANDLOCK_ACCESS_FS_READ_DIR))
		return -1;
	if (verbose)
		fprintf(stderr, "%s: Landlock ABI %ld, %d rules\n", progname, abi, nrules_added);
	return 0;
}

int landlock_apply(void)
{
	if (ruleset < 0)
		return 0;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0)) {
		fprintf(stderr, "%s: landlock_restrict_self: %s\n", progname, strerror(errno));
		return -1;
	}
	close(ruleset);
	ruleset = -1;
	return 0;
}
