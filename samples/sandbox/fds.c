// SPDX-License-Identifier: GPL-2.0
/*
 * fds.c - the supervisor's own file descriptors.
 *
 * libdune's /dev/dune, VM and vCPU descriptors (one vCPU per thread, made
 * when the thread enters Dune mode) and our trace file live in the same
 * descriptor table as the program's.  The program may not close, replace,
 * duplicate, send, map, poll or reopen them.  They are known exactly, by
 * what they are, at any number (no bitmap limit):
 *
 *  - at start and in a fork child, what dune_init()/dune_enter() and the
 *    trace file opened (the difference of two scans of /proc/self/fd);
 *    the program may not reopen their files either (/proc/self/fd/N, a
 *    link), unless it holds the same file itself (--trace writes to a
 *    copy of the program's own stderr);
 *  - after a program thread is created, the new vCPU ("anon_inode:dune-vcpu",
 *    kmod/vcpu.c), found by a rescan.
 *
 * An entry whose descriptor is no longer what it was (a thread exited and
 * libdune closed its vCPU, the number was reused by the program) is dropped
 * when it is next looked at.
 *
 * The number race: a program thread checks descriptor N (free, so not the
 * supervisor's) while another thread is being created, whose vCPU gets N,
 * and only then makes the call.  The calls that make a new reference to a
 * descriptor (dup, dup2, dup3, fcntl(F_DUPFD), close, SCM_RIGHTS) hold
 * fdref_lock() shared from the check to the end of the call; thread
 * creation holds it exclusively until the new vCPU is known.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sandbox.h"

#define MAX_SUP_FDS	4096

/*
 * What a supervisor descriptor is: its inode, and for anonymous inodes
 * (which all share one inode) the name /proc/self/fd shows.
 */
struct sup_fd {
	int fd;				/* -1: a free slot */
	dev_t dev;
	ino_t ino;
	char anon[48];			/* "anon_inode:dune-vcpu", or "" */
	bool ident;			/* its file is ours alone: no reopening it */
};

static struct sup_fd sup[MAX_SUP_FDS];
static int nsup;			/* slots in use are below this */
static pthread_mutex_t sup_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t fdref = PTHREAD_RWLOCK_INITIALIZER;

static const char dune_anon[] = "anon_inode:dune";

/* What /proc/self/fd/@fd leads to, in @buf; false if nothing. */
static bool fd_link(int fd, char *buf, size_t len)
{
	char p[48];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, buf, len - 1);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return true;
}

/* Is @fd (still) the file @s recorded? */
static bool same_file(int fd, const struct sup_fd *s)
{
	struct stat st;
	char link[PATH_MAX];

	if (fstat(fd, &st) || st.st_dev != s->dev || st.st_ino != s->ino)
		return false;
	if (s->anon[0])
		return fd_link(fd, link, sizeof(link)) && !strcmp(link, s->anon);
	return true;
}

/*
 * @ident: the file is the supervisor's alone (the trace file, /dev/dune),
 * not one the program holds too (--trace to the program's own stderr).
 */
static void add(int fd, bool ident)
{
	struct sup_fd e = { .fd = fd, .ident = ident };
	struct stat st;
	char link[PATH_MAX];
	int i, free_slot = -1;

	if (fstat(fd, &st))
		return;
	e.dev = st.st_dev;
	e.ino = st.st_ino;
	if (fd_link(fd, link, sizeof(link)) && !strncmp(link, "anon_inode:", 11))
		snprintf(e.anon, sizeof(e.anon), "%.40s", link);
	pthread_mutex_lock(&sup_mu);
	for (i = 0; i < nsup; i++) {
		if (sup[i].fd == fd)
			free_slot = i;		/* the same number again: replace */
		else if (free_slot < 0 && __atomic_load_n(&sup[i].fd, __ATOMIC_RELAXED) < 0)
			free_slot = i;
	}
	if (free_slot < 0 && nsup < MAX_SUP_FDS)
		free_slot = nsup;
	if (free_slot >= 0) {
		sup[free_slot].dev = e.dev;
		sup[free_slot].ino = e.ino;
		sup[free_slot].ident = e.ident;
		memcpy(sup[free_slot].anon, e.anon, sizeof(e.anon));
		__atomic_store_n(&sup[free_slot].fd, fd, __ATOMIC_RELEASE);
		if (free_slot == nsup)
			__atomic_store_n(&nsup, nsup + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&sup_mu);
	if (free_slot < 0)
		kill_program("too many supervisor descriptors", SIGKILL);
}

bool is_supervisor_fd(int fd)
{
	int i, n = __atomic_load_n(&nsup, __ATOMIC_ACQUIRE);

	if (fd < 0)
		return false;
	for (i = 0; i < n; i++) {
		if (__atomic_load_n(&sup[i].fd, __ATOMIC_ACQUIRE) != fd)
			continue;
		if (same_file(fd, &sup[i]))
			return true;
		/* closed by libdune (a thread's exit), the number reused */
		pthread_mutex_lock(&sup_mu);
		if (sup[i].fd == fd && !same_file(fd, &sup[i]))
			__atomic_store_n(&sup[i].fd, -1, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&sup_mu);
		return sup[i].fd == fd;
	}
	return false;
}

/*
 * The lowest supervisor descriptor in [@from, @last], or -1: where
 * close_range(2) must stop (carry.c h_close_range).  Called under
 * fdref_lock, so no thread's new vCPU appears meanwhile.
 */
int sup_fd_next(int from, unsigned int last)
{
	int i, fd, best = -1, n = __atomic_load_n(&nsup, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++) {
		fd = __atomic_load_n(&sup[i].fd, __ATOMIC_ACQUIRE);
		if (fd < from || (unsigned int)fd > last || (best >= 0 && fd >= best))
			continue;
		if (is_supervisor_fd(fd))
			best = fd;
	}
	return best;
}

/* Is the file @dev, @ino one of ours (the trace file, /dev/dune)? */
bool is_supervisor_inode(dev_t dev, ino_t ino)
{
	int i, n = __atomic_load_n(&nsup, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++)
		if (__atomic_load_n(&sup[i].fd, __ATOMIC_ACQUIRE) >= 0 && sup[i].ident &&
		    !sup[i].anon[0] && sup[i].dev == dev && sup[i].ino == ino)
			return true;
	return false;
}

/*
 * Does @fd (the program's, just opened) lead to one of our files?  @link:
 * what /proc/self/fd shows for it, if the caller has it, else NULL.
 */
bool is_supervisor_file(int fd, const char *link)
{
	struct stat st;
	char buf[PATH_MAX];

	if (!link && fd_link(fd, buf, sizeof(buf)))
		link = buf;
	if (link && !strncmp(link, dune_anon, sizeof(dune_anon) - 1))
		return true;
	return !fstat(fd, &st) && is_supervisor_inode(st.st_dev, st.st_ino);
}

/* ---- finding them -------------------------------------------------------- */

/*
 * The descriptors open now, as a growable list (any number).  Returns the
 * count; *out is malloc'd.
 */
static int scan(int **out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int *v = NULL, n = 0, cap = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (n == cap) {
			int *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[n++] = fd;
	}
	closedir(d);
	*out = v;
	return n;
}

static int *before;
static int nbefore;

void sup_fds_begin(void)
{
	free(before);
	nbefore = scan(&before);
}

/* Is the file of @fd also open on one of the descriptors in before[]? */
static bool held_before(int fd)
{
	struct stat a, b;
	int j;

	if (fstat(fd, &a))
		return false;
	for (j = 0; j < nbefore; j++)
		if (!fstat(before[j], &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return true;
	return false;
}

void sup_fds_end(void)
{
	int *now, n = scan(&now), i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < nbefore && before[j] != now[i]; j++)
			;
		if (j == nbefore)
			add(now[i], !held_before(now[i]));
	}
	free(now);
	free(before);
	before = NULL;
	nbefore = 0;
	sup_fds_rescan();
}

/* Every Dune descriptor open now (/dev/dune, the VM, every vCPU). */
void sup_fds_rescan(void)
{
	char link[PATH_MAX];
	int *now, n = scan(&now), i;

	for (i = 0; i < n; i++) {
		if (!fd_link(now[i], link, sizeof(link)))
			continue;
		if ((!strncmp(link, dune_anon, sizeof(dune_anon) - 1) || !strcmp(link, "/dev/dune")) &&
		    !is_supervisor_fd(now[i]))
			add(now[i], true);
	}
	free(now);
}

/* ---- the number race ------------------------------------------------------- */

void fdref_lock(void)
{
	pthread_rwlock_rdlock(&fdref);
}

void fdref_unlock(void)
{
	pthread_rwlock_unlock(&fdref);
}

/* Exclusive: a new supervisor descriptor is being made (fdref_unlock ends it). */
void fdref_lock_new(void)
{
	pthread_rwlock_wrlock(&fdref);
}

/*
 * fork (process.c fork_locked): fdref first - a thread creation holds it
 * while its new thread takes mem_lock and the rest - and sup_mu last, a
 * leaf; the child's are new ones (its thread is not the one that took them).
 */
void fds_fork_prepare(void)
{
	pthread_rwlock_wrlock(&fdref);
}

void fds_fork_done(void)
{
	pthread_rwlock_unlock(&fdref);
}

void fds_fork_child(void)
{
	pthread_rwlock_init(&fdref, NULL);
}

void sup_fds_fork_prepare(void)
{
	pthread_mutex_lock(&sup_mu);
}

void sup_fds_fork_done(void)
{
	pthread_mutex_unlock(&sup_mu);
}

void sup_fds_fork_child(void)
{
	pthread_mutex_init(&sup_mu, NULL);
}
