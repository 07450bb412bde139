// SPDX-License-Identifier: GPL-2.0
/*
 * tmpfs.c - a private, in-memory directory (policy "private-tmp DIR"):
 * the program sees an empty DIR of its own, which lives only in the
 * sandbox's memory and is gone when the sandbox ends.  The host's DIR is
 * never touched.  A gVisor-style emulation: these system calls are
 * answered by the supervisor, not forwarded.
 *
 * The files are in memory shared by every process of the sandbox (so a
 * file a forked child writes is there for its parent): up to MAX_FILES
 * regular files of at most FILE_MAX bytes each, no subdirectories.
 *
 * An open file is a *virtual descriptor*: a real descriptor of /dev/null
 * holds its number (so numbering, dup2 and close-on-exec behave as the
 * program expects), and vfd[] says which file it is and where.  Calls on
 * virtual descriptors (read, write, lseek, fstat, getdents64, dup...) and
 * on paths under DIR (open, stat, access, unlink, rename...) are emulated
 * here; others on them get EINVAL (sendfile, splice: programs fall back
 * to read and write) or act on /dev/null (poll: always ready).
 * Offsets are not shared with a forked child (each has its own copy).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "sandbox.h"

#define MAX_FILES	64
#define FILE_MAX	(1UL << 20)

struct tfile {
	char name[NAME_MAX + 1];
	int used;
	int nlink_open;		/* unused: files live until unlinked */
	uint64_t size;
	uint64_t ino;
	struct timespec mtime;
	unsigned int mode;
};

struct tshared {
	int lock;
	uint64_t next_ino;
	struct tfile files[MAX_FILES];
};

static struct tshared *sh;
static char *arena;		/* FILE_MAX bytes per file */

#define VFD_DIR	(-2)

static struct {
	int file;		/* 0: not virtual; index + 1; VFD_DIR */
	int flags;
	uint64_t off;
	uint64_t ino;		/* the file's identity when opened */
} vfd[1024];

static void lock(void)
{
	while (__atomic_exchange_n(&sh->lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void unlock(void)
{
	__atomic_store_n(&sh->lock, 0, __ATOMIC_RELEASE);
}

int tmpfs_init(void)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	arena = mmap(NULL, MAX_FILES * FILE_MAX, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sh == MAP_FAILED || arena == MAP_FAILED)
		return -1;
	sh->next_ino = 1000;
	return 0;
}

/* "" for DIR itself, the file name for DIR/name, NULL for anything else. */
static const char *rel(const char *abs)
{
	size_t n = strlen(policy.tmpdir);

	if (!sh || strncmp(abs, policy.tmpdir, n))
		return NULL;
	if (abs[n] == 0)
		return "";
	if (abs[n] != '/')
		return NULL;
	return abs + n + 1;
}

bool tmpfs_path(const char *path)
{
	return rel(path) != NULL;
}

bool tmpfs_fd(int fd)
{
	return sh && fd >= 0 && fd < 1024 && vfd[fd].file;
}

/*
 * close_range(2) over virtual descriptors (carry.c h_close_range, which
 * then closes their /dev/null holders): they are closed here first, as
 * close(2) closes them.  With CLOSE_RANGE_CLOEXEC they stay: an exec
 * closes them through tmpfs_handle(SYS_close).
 */
void tmpfs_close_range(unsigned int first, unsigned int last)
{
	unsigned int fd;

	for (fd = first; fd <= last && fd < sizeof(vfd) / sizeof(vfd[0]); fd++)
		if (tmpfs_fd((int)fd))
			vfd[fd].file = 0;
}

static struct tfile *lookup(const char *name)
{
	int i;

	for (i = 0; i < MAX_FILES; i++)
		if (sh->files[i].used && !strcmp(sh->files[i].name, name))
			return &sh->files[i];
	return NULL;
}

static struct tfile *fd_file(int fd)
{
	struct tfile *f;

	if (vfd[fd].file <= 0)
		return NULL;
	f = &sh->files[vfd[fd].file - 1];
	/* unlinked while open: the data is gone in this simple model */
	return f->used && f->ino == vfd[fd].ino ? f : NULL;
}

static void fill_stat(struct stat *st, struct tfile *f)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 0x5b;
	st->st_blksize = 4096;
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (!f) {
		st->st_ino = 1;
		st->st_mode = S_IFDIR | 01777;
		st->st_nlink = 2;
		st->st_size = 4096;
		return;
	}
	st->st_ino = f->ino;
	st->st_mode = S_IFREG | (f->mode & 07777);
	st->st_nlink = 1;
	st->st_size = f->size;
	st->st_blocks = (f->size + 511) / 512;
	st->st_mtim = st->st_ctim = st->st_atim = f->mtime;
}

static long put_stat(uint64_t buf, struct tfile *f)
{
	struct stat st;

	fill_stat(&st, f);
	return mem_write(buf, &st, sizeof(st)) ? -EFAULT : 0;
}

static long put_statx(uint64_t buf, struct tfile *f)
{
	struct statx sx;
	struct stat st;

	fill_stat(&st, f);
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = st.st_blksize;
	sx.stx_nlink = st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = st.st_size;
	sx.stx_blocks = st.st_blocks;
	sx.stx_atime.tv_sec = sx.stx_mtime.tv_sec = sx.stx_ctime.tv_sec = st.st_mtim.tv_sec;
	sx.stx_atime.tv_nsec = sx.stx_mtime.tv_nsec = sx.stx_ctime.tv_nsec = st.st_mtim.tv_nsec;
	sx.stx_dev_minor = 0x5b;
	return mem_write(buf, &sx, sizeof(sx)) ? -EFAULT : 0;
}

/* A /dev/null descriptor holds the number. */
static long new_vfd(int file, int flags, uint64_t ino)
{
	int fd = open("/dev/null", O_RDWR | (flags & O_CLOEXEC));

	if (fd < 0)
		return -errno;
	if (fd >= 1024) {
		close(fd);
		return -EMFILE;
	}
	vfd[fd].file = file;
	vfd[fd].flags = flags;
	vfd[fd].off = 0;
	vfd[fd].ino = ino;
	return fd;
}

static long t_open(const char *name, int flags, unsigned int mode)
{
	struct tfile *f;
	long ret;
	int i;

	if (!*name) {
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT))
			return -EISDIR;
		return new_vfd(VFD_DIR, flags, 1);
	}
	if (strchr(name, '/'))
		return -ENOENT;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	lock();
	f = lookup(name);
	if (f && (flags & O_CREAT) && (flags & O_EXCL)) {
		unlock();
		return -EEXIST;
	}
	if (!f && !(flags & O_CREAT)) {
		unlock();
		return -ENOENT;
	}
	if (f && (flags & O_DIRECTORY)) {
		unlock();
		return -ENOTDIR;
	}
	if (!f) {
		for (i = 0; i < MAX_FILES && sh->files[i].used; i++)
			;
		if (i == MAX_FILES) {
			unlock();
			return -ENOSPC;
		}
		f = &sh->files[i];
		memset(f, 0, sizeof(*f));
		strcpy(f->name, name);
		f->used = 1;
		f->ino = ++sh->next_ino;
		f->mode = mode & 0777 & ~022;
		clock_gettime(CLOCK_REALTIME, &f->mtime);
	}
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
		f->size = 0;
	ret = new_vfd((int)(f - sh->files) + 1, flags, f->ino);
	unlock();
	return ret;
}

static long t_rw(int fd, uint64_t buf, uint64_t len, int64_t pos, bool write)
{
	struct tfile *f = fd_file(fd);
	uint64_t off, n;
	char *data;

	if (vfd[fd].file == VFD_DIR)
		return -EISDIR;
	if (!f)
		return -EIO;
	if (write ? (vfd[fd].flags & O_ACCMODE) == O_RDONLY
		  : (vfd[fd].flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (!mem_check(buf, len, !write))
		return -EFAULT;
	data = arena + (f - sh->files) * FILE_MAX;
	lock();
	off = pos >= 0 ? (uint64_t)pos : vfd[fd].off;
	if (write && (vfd[fd].flags & O_APPEND) && pos < 0)
		off = f->size;
	if (write) {
		if (off >= FILE_MAX) {
			unlock();
			return -EFBIG;
		}
		n = len < FILE_MAX - off ? len : FILE_MAX - off;
		if (off > f->size)
			memset(data + f->size, 0, off - f->size);
		if (mem_read(data + off, buf, n)) {	/* unmapped meanwhile */
			unlock();
			return -EFAULT;
		}
		if (off + n > f->size)
			f->size = off + n;
		clock_gettime(CLOCK_REALTIME, &f->mtime);
	} else {
		n = off >= f->size ? 0 : f->size - off;
		if (n > len)
			n = len;
		if (mem_write(buf, data + off, n)) {
			unlock();
			return -EFAULT;
		}
	}
	if (pos < 0)
		vfd[fd].off = off + n;
	unlock();
	return (long)n;
}

static long t_rwv(int fd, uint64_t iov, uint64_t cnt, int64_t pos, bool write)
{
	long total = 0, r;
	uint64_t i;

	if (cnt > IOV_MAX)
		return -EINVAL;		/* as the kernel says beyond UIO_MAXIOV */
	for (i = 0; i < cnt; i++) {
		struct iovec v;

		/* each element read once, under mem.c's lock, then used from the copy */
		if (mem_read(&v, iov + i * sizeof(v), sizeof(v)))
			return total ? total : -EFAULT;
		r = t_rw(fd, (uint64_t)v.iov_base, v.iov_len, pos, write);
		if (r < 0)
			return total ? total : r;
		total += r;
		if (pos >= 0)
			pos += r;
		if ((uint64_t)r < v.iov_len)
			break;
	}
	return total;
}

/*
 * The entries are built under the lock (another process may create,
 * rename or unlink meanwhile: a name read without it could change length
 * between measuring and copying), in a buffer of ours, then copied out.
 */
static long t_getdents(int fd, uint64_t buf, uint64_t len)
{
	char out[4096] __attribute__((aligned(8)));
	uint64_t pos = 0, next;
	long idx;

	if (vfd[fd].file != VFD_DIR)
		return -ENOTDIR;
	if (!mem_check(buf, len, true))
		return -EFAULT;
	if (len > sizeof(out))
		len = sizeof(out);
	lock();
	next = vfd[fd].off;
	/* off: 0 ".", 1 "..", 2 + i: files[i] */
	for (idx = (long)next; idx < 2 + MAX_FILES; idx++) {
		const char *name;
		uint64_t ino, reclen;
		unsigned char type;
		struct dirent64 *d;

		if (idx == 0) {
			name = ".";
			ino = 1;
			type = DT_DIR;
		} else if (idx == 1) {
			name = "..";
			ino = 2;
			type = DT_DIR;
		} else if (sh->files[idx - 2].used) {
			name = sh->files[idx - 2].name;
			ino = sh->files[idx - 2].ino;
			type = DT_REG;
		} else {
			continue;
		}
		reclen = (offsetof(struct dirent64, d_name) + strlen(name) + 1 + 7) & ~7UL;
		if (pos + reclen > len)
			break;
		d = (struct dirent64 *)(out + pos);
		d->d_ino = ino;
		d->d_off = idx + 1;
		d->d_reclen = reclen;
		d->d_type = type;
		memcpy(d->d_name, name, strlen(name) + 1);
		pos += reclen;
		next = idx + 1;
	}
	unlock();
	if (!pos)
		return idx < 2 + MAX_FILES ? -EINVAL : 0;
	if (mem_write(buf, out, pos))
		return -EFAULT;
	vfd[fd].off = next;
	return (long)pos;
}

static long t_unlink(const char *name, bool dir)
{
	struct tfile *f;

	if (!*name)
		return dir ? -EBUSY : -EISDIR;
	lock();
	f = lookup(name);
	if (f && !dir)
		f->used = 0;
	unlock();
	if (!f)
		return -ENOENT;
	return dir ? -ENOTDIR : 0;
}

static long t_rename(const char *from, const char *to)
{
	struct tfile *f, *g;

	if (!*from || !*to || strchr(to, '/'))
		return -EINVAL;
	lock();
	f = lookup(from);
	if (!f) {
		unlock();
		return -ENOENT;
	}
	g = lookup(to);
	if (g && g != f)
		g->used = 0;
	snprintf(f->name, sizeof(f->name), "%s", to);
	unlock();
	return 0;
}

/* The absolute path of a path argument, if it is under DIR. */
static const char *tpath(int dirfd, uint64_t upath, char *abs, size_t len)
{
	char path[PATH_MAX];

	/* copied once, under mem.c's lock; the rest works on the copy */
	if (mem_copy_str(path, upath, sizeof(path)) < 0)
		return NULL;
	if (dirfd != AT_FDCWD && tmpfs_fd(dirfd)) {
		int w = snprintf(abs, len, "%s/%s", policy.tmpdir, path);

		return w < 0 || (size_t)w >= len ? NULL : rel(abs);
	}
	if (abs_path(dirfd, path, abs, len))
		return NULL;
	return rel(abs);
}

static long t_dup(int oldfd, int newfd, int flags, long how)
{
	long ret;

	if (how == SYS_dup)
		ret = dup(oldfd);
	else if (how == SYS_fcntl)
		ret = fcntl(oldfd, flags & O_CLOEXEC ? F_DUPFD_CLOEXEC : F_DUPFD, newfd);
	else
		ret = dup3(oldfd, newfd, flags);
	if (ret < 0)
		return -errno;
	if (ret >= 1024) {
		close((int)ret);
		return -EMFILE;
	}
	vfd[ret] = vfd[oldfd];
	return ret;
}

bool tmpfs_handle(long nr, const uint64_t a[6], long *ret)
{
	char abs[PATH_MAX];
	const char *name, *name2;
	int fd = (int)a[0];

	if (!sh)
		return false;
	switch (nr) {
	case SYS_read:
	case SYS_write:
		if (!tmpfs_fd(fd))
			return false;
		*ret = t_rw(fd, a[1], a[2], -1, nr == SYS_write);
		return true;
	case SYS_pread64:
	case SYS_pwrite64:
		if (!tmpfs_fd(fd))
			return false;
		*ret = (int64_t)a[3] < 0 ? -EINVAL : t_rw(fd, a[1], a[2], (int64_t)a[3],
							   nr == SYS_pwrite64);
		return true;
	case SYS_readv:
	case SYS_writev:
		if (!tmpfs_fd(fd))
			return false;
		*ret = t_rwv(fd, a[1], a[2], -1, nr == SYS_writev);
		return true;
	case SYS_lseek:
		if (!tmpfs_fd(fd))
			return false;
		{
			struct tfile *f = fd_file(fd);
			int64_t base = a[2] == SEEK_SET ? 0 : a[2] == SEEK_CUR ? (int64_t)vfd[fd].off :
				       a[2] == SEEK_END && f ? (int64_t)f->size : -1;

			if (base < 0 || base + (int64_t)a[1] < 0)
				*ret = -EINVAL;
			else
				*ret = (long)(vfd[fd].off = base + (int64_t)a[1]);
		}
		return true;
	case SYS_fstat:
		if (!tmpfs_fd(fd))
			return false;
		*ret = put_stat(a[1], vfd[fd].file == VFD_DIR ? NULL : fd_file(fd));
		return true;
	case SYS_getdents64:
		if (!tmpfs_fd(fd))
			return false;
		*ret = t_getdents(fd, a[1], a[2]);
		return true;
	case SYS_ftruncate:
		if (!tmpfs_fd(fd))
			return false;
		{
			struct tfile *f = fd_file(fd);

			if (!f || (int64_t)a[1] < 0 || a[1] > FILE_MAX) {
				*ret = -EINVAL;
			} else {
				lock();		/* against a write or another truncate */
				if (a[1] > f->size)
					memset(arena + (f - sh->files) * FILE_MAX + f->size, 0,
					       a[1] - f->size);
				f->size = a[1];
				clock_gettime(CLOCK_REALTIME, &f->mtime);
				unlock();
				*ret = 0;
			}
		}
		return true;
	case SYS_close:
		if (!tmpfs_fd(fd))
			return false;
		vfd[fd].file = 0;
		*ret = close(fd) ? -errno : 0;
		return true;
	case SYS_dup:
		if (!tmpfs_fd(fd))
			return false;
		*ret = t_dup(fd, 0, 0, SYS_dup);
		return true;
	case SYS_dup2:
	case SYS_dup3:
		if ((int)a[1] >= 0 && (int)a[1] < 1024 && tmpfs_fd((int)a[1]) && fd != (int)a[1] &&
		    !is_supervisor_fd(fd) && fcntl(fd, F_GETFD) >= 0)
			vfd[a[1]].file = 0;	/* replaced */
		if (!tmpfs_fd(fd) || is_supervisor_fd((int)a[1]))
			return false;
		if (fd == (int)a[1]) {
			*ret = nr == SYS_dup3 ? -EINVAL : fd;
			return true;
		}
		*ret = t_dup(fd, (int)a[1], nr == SYS_dup3 ? (int)a[2] : 0, SYS_dup3);
		return true;
	case SYS_fcntl:
		if (!tmpfs_fd(fd))
			return false;
		if ((int)a[1] == F_DUPFD || (int)a[1] == F_DUPFD_CLOEXEC) {
			*ret = t_dup(fd, (int)a[2], (int)a[1] == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0,
				     SYS_fcntl);
			return true;
		}
		if ((int)a[1] == F_GETFL) {
			*ret = vfd[fd].flags & ~O_CLOEXEC;
			return true;
		}
		return false;	/* F_GETFD/F_SETFD: the placeholder's */
	case SYS_sendfile:
	case SYS_splice:
	case SYS_copy_file_range:
	case SYS_fallocate:
		if (!tmpfs_fd(fd) && !tmpfs_fd((int)a[nr == SYS_sendfile ? 1 : 2]))
			return false;
		*ret = -EINVAL;
		return true;
	case SYS_open:
	case SYS_creat:
		name = tpath(AT_FDCWD, a[0], abs, sizeof(abs));
		if (!name)
			return false;
		*ret = t_open(name, nr == SYS_creat ? O_CREAT | O_WRONLY | O_TRUNC : (int)a[1],
			      (unsigned int)(nr == SYS_creat ? a[1] : a[2]));
		return true;
	case SYS_openat:
		name = tpath((int)a[0], a[1], abs, sizeof(abs));
		if (!name)
			return false;
		*ret = t_open(name, (int)a[2], (unsigned int)a[3]);
		return true;
	case SYS_stat:
	case SYS_lstat:
	case SYS_access:
		name = tpath(AT_FDCWD, a[0], abs, sizeof(abs));
		if (!name)
			return false;
		goto stat_common;
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_faccessat:
	case SYS_faccessat2:
		if (mem_strlen(a[1], PATH_MAX) == 0 && tmpfs_fd(fd)) {
			/* fstatat(fd, "", AT_EMPTY_PATH) */
			struct tfile *f = vfd[fd].file == VFD_DIR ? NULL : fd_file(fd);

			*ret = nr == SYS_newfstatat ? put_stat(a[2], f) :
			       nr == SYS_statx ? put_statx(a[4], f) : 0;
			return true;
		}
		name = tpath(fd, a[1], abs, sizeof(abs));
		if (!name)
			return false;
stat_common:
		{
			struct tfile *f = NULL;

			if (*name) {
				lock();
				f = lookup(name);
				unlock();
				if (!f) {
					*ret = -ENOENT;
					return true;
				}
			}
			switch (nr) {
			case SYS_stat: case SYS_lstat:
				*ret = put_stat(a[1], f);
				break;
			case SYS_newfstatat:
				*ret = put_stat(a[2], f);
				break;
			case SYS_statx:
				*ret = put_statx(a[4], f);
				break;
			default:
				*ret = 0;
			}
		}
		return true;
	case SYS_unlink:
	case SYS_rmdir:
		name = tpath(AT_FDCWD, a[0], abs, sizeof(abs));
		if (!name)
			return false;
		*ret = t_unlink(name, nr == SYS_rmdir);
		return true;
	case SYS_unlinkat:
		name = tpath(fd, a[1], abs, sizeof(abs));
		if (!name)
			return false;
		*ret = t_unlink(name, a[2] & AT_REMOVEDIR);
		return true;
	case SYS_rename:
	case SYS_renameat:
	case SYS_renameat2: {
		char abs2[PATH_MAX];

		if (nr == SYS_rename) {
			name = tpath(AT_FDCWD, a[0], abs, sizeof(abs));
			name2 = tpath(AT_FDCWD, a[1], abs2, sizeof(abs2));
		} else {
			name = tpath(fd, a[1], abs, sizeof(abs));
			name2 = tpath((int)a[2], a[3], abs2, sizeof(abs2));
		}
		if (!name && !name2)
			return false;
		*ret = name && name2 ? t_rename(name, name2) : -EXDEV;
		return true;
	}
	case SYS_mkdir:
	case SYS_mkdirat:
	case SYS_link:
	case SYS_linkat:
	case SYS_symlink:
	case SYS_symlinkat:
	case SYS_truncate:
	case SYS_chmod:
	case SYS_chown:
	case SYS_lchown:
	case SYS_readlink:
	case SYS_readlinkat:
	case SYS_utimensat:
	case SYS_fchmodat:
	case SYS_fchownat: {
		int idx = 0, d = AT_FDCWD;

		switch (nr) {
		case SYS_mkdirat: case SYS_readlinkat: case SYS_utimensat: case SYS_fchmodat:
		case SYS_fchownat:
			d = fd;
			idx = 1;
			break;
		case SYS_symlink:
			idx = 1;
			break;
		case SYS_symlinkat:
			d = (int)a[1];
			idx = 2;
			break;
		case SYS_linkat:
			d = (int)a[2];
			idx = 3;
			break;
		case SYS_link:
			idx = 1;
			break;
		}
		if (!a[idx])
			return false;
		name = tpath(d, a[idx], abs, sizeof(abs));
		if (!name)
			return false;
		if (nr == SYS_readlink || nr == SYS_readlinkat)
			*ret = -EINVAL;
		else if (nr == SYS_utimensat || nr == SYS_chmod || nr == SYS_fchmodat ||
			 nr == SYS_chown || nr == SYS_lchown || nr == SYS_fchownat)
			*ret = !*name || lookup(name) ? 0 : -ENOENT;
		else
			*ret = -EPERM;
		return true;
	}
	}
	return false;
}
