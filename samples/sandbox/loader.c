// SPDX-License-Identifier: GPL-2.0
/*
 * loader.c - loading a program into the sandbox, as execve(2) would.
 *
 * The kernel's ELF loader, in small: map each PT_LOAD segment of the file
 * (position-independent programs at PIE_BASE, fixed-address ones where
 * they ask, if that is inside the program's window), zero the bss, load
 * the interpreter named by PT_INTERP (ld-linux) at INTERP_BASE, and build
 * the initial stack: argc, argv, envp, and the auxiliary vector that tells
 * the interpreter and libc where everything is, the program's vDSO
 * (vdso.c) among them: AT_SYSINFO_EHDR, where the policy allows the
 * calls it answers.
 *
 * Every mapping goes through mem.c, so it is the program's (PTE_U) and
 * nothing else is.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "sandbox.h"

struct image {
	uint64_t entry, base, phdr, end;
	int phnum;
	char interp[256];
};

/*
 * An ELF file's headers, read and checked completely before anything is
 * mapped (check_program() runs this before execve tears the old program
 * down, so a bad file is an errno, not a dead program).  Every number in
 * a file is the attacker's: each is checked on its own, with arithmetic
 * that cannot wrap (a check "a + b <= c" is written "b <= c - a" after
 * "a <= c").
 */
#define MAX_PHNUM	64		/* more is refused (Linux: 64 KiB of them) */

struct elf_plan {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHNUM];
	uint64_t lo, hi;	/* the PT_LOAD segments' page span, file addresses */
	uint64_t bias;		/* added to every file address */
	char interp[256];	/* PT_INTERP, "" for none */
};

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

/* zeros for the tail of a segment's last file page (its bss) */
static const unsigned char zero_page[PAGE_SIZE];

/* [off, off + len) inside a file of @size bytes, without wrapping. */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* The ELF header and program headers of @fd: a valid x86-64 executable? */
static int read_headers(int fd, const char *path, struct elf_plan *pl, char *err, size_t errlen)
{
	Elf64_Ehdr *eh = &pl->eh;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st))
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	n = pread(fd, eh, sizeof(*eh), 0);
	if (n < SELFMAG || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return fail(err, errlen, -ENOEXEC, "%s: not an ELF file", path);
	if (n < (ssize_t)sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, -ENOEXEC, "%s: not a 64-bit ELF file (wrong architecture)", path);
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, -ENOEXEC,
			    "%s: wrong architecture (ELF machine %u, need x86-64)", path,
			    eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(err, errlen, -ENOEXEC, "%s: not an executable (ELF type %u)", path,
			    eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM)
		return fail(err, errlen, -ENOEXEC, "%s: bad program headers (%u of %u bytes)", path,
			    eh->e_phnum, eh->e_phentsize);
	if (!in_file(eh->e_phoff, eh->e_phnum * sizeof(Elf64_Phdr), (uint64_t)st.st_size))
		return fail(err, errlen, -ENOEXEC, "%s: truncated program headers", path);
	n = pread(fd, pl->ph, eh->e_phnum * sizeof(Elf64_Phdr), (off_t)eh->e_phoff);
	if (n != (ssize_t)(eh->e_phnum * sizeof(Elf64_Phdr)))
		return fail(err, errlen, -ENOEXEC, "%s: truncated program headers", path);
	return 0;
}

/*
 * The whole plan for loading @fd at @base (ET_DYN) or where it says
 * (ET_EXEC): every segment on its own, then the span, the entry point and
 * the interpreter's name.
 */
static int plan_elf(int fd, const char *path, uint64_t base, struct elf_plan *pl,
		    char *err, size_t errlen)
{
	uint64_t prev_end = 0, size;
	struct stat st;
	bool any = false, entry_ok = false;
	int i, ret;

	memset(pl, 0, sizeof(*pl));
	ret = read_headers(fd, path, pl, err, errlen);
	if (ret)
		return ret;
	if (fstat(fd, &st))
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	size = (uint64_t)st.st_size;
	for (i = 0; i < pl->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &pl->ph[i];

		if (ph->p_type == PT_INTERP) {
			if (pl->interp[0] || ph->p_filesz < 2 || ph->p_filesz > sizeof(pl->interp) ||
			    !in_file(ph->p_offset, ph->p_filesz, size) ||
			    pread(fd, pl->interp, ph->p_filesz, (off_t)ph->p_offset) !=
			    (ssize_t)ph->p_filesz ||
			    pl->interp[ph->p_filesz - 1] ||
			    strlen(pl->interp) != ph->p_filesz - 1)
				return fail(err, errlen, -ENOEXEC, "%s: bad PT_INTERP", path);
			continue;
		}
		if (ph->p_type != PT_LOAD)
			continue;
		/* this segment, on its own */
		if (ph->p_filesz > ph->p_memsz || ph->p_memsz > HIGH_END - HIGH_START ||
		    ph->p_vaddr > UINT64_MAX - PAGE_SIZE - ph->p_memsz ||
		    !in_file(ph->p_offset, ph->p_filesz, size) ||
		    ((ph->p_vaddr - ph->p_offset) & (PAGE_SIZE - 1)))
			return fail(err, errlen, -ENOEXEC,
				    "%s: bad PT_LOAD segment %d (address 0x%lx, %lu bytes, file offset 0x%lx, %lu bytes)",
				    path, i, (unsigned long)ph->p_vaddr, (unsigned long)ph->p_memsz,
				    (unsigned long)ph->p_offset, (unsigned long)ph->p_filesz);
		/* in ascending order, without overlapping (the ELF spec's order) */
		if (any && ph->p_vaddr < prev_end)
			return fail(err, errlen, -ENOEXEC,
				    "%s: PT_LOAD segment %d overlaps or precedes the one before", path, i);
		if (!any)
			pl->lo = PAGE_DOWN(ph->p_vaddr);
		any = true;
		prev_end = ph->p_vaddr + ph->p_memsz;
		pl->hi = PAGE_UP(prev_end);
		if (pl->eh.e_entry >= ph->p_vaddr && pl->eh.e_entry - ph->p_vaddr < ph->p_memsz)
			entry_ok = true;
	}
	if (!any || pl->hi <= pl->lo)
		return fail(err, errlen, -ENOEXEC, "%s: nothing to load", path);
	pl->bias = pl->eh.e_type == ET_DYN ? base - pl->lo : 0;
	if (!mem_in_window(pl->lo + pl->bias, pl->hi - pl->lo))
		return fail(err, errlen, -ENOEXEC,
			    "%s: wants addresses 0x%lx-0x%lx, outside the sandbox's program windows (0x%lx-0x%lx, 0x%lx-0x%lx)",
			    path, (unsigned long)pl->lo, (unsigned long)pl->hi, LOW_START, LOW_END,
			    HIGH_START, HIGH_END);
	/* and each segment, where it will be, on its own again */
	for (i = 0; i < pl->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &pl->ph[i];
		uint64_t v = ph->p_vaddr + pl->bias;

		if (ph->p_type == PT_LOAD &&
		    !mem_in_window(PAGE_DOWN(v), PAGE_UP(v + ph->p_memsz) - PAGE_DOWN(v)))
			return fail(err, errlen, -ENOEXEC, "%s: segment %d outside the windows", path, i);
	}
	if (!entry_ok)
		return fail(err, errlen, -ENOEXEC, "%s: entry point 0x%lx outside the loaded segments",
			    path, (unsigned long)pl->eh.e_entry);
	return 0;
}

static int prot_of(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

static int open_plan(const char *path, uint64_t base, struct elf_plan *pl, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	/* the program, its PT_INTERP, a #! interpreter: the rules of the file opened */
	ret = path_check_fd(fd, false);
	if (ret) {
		close(fd);
		return fail(err, errlen, ret, "%s: %s", path, strerror(-ret));
	}
	ret = plan_elf(fd, path, base, pl, err, errlen);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int load_elf(const char *path, uint64_t base, struct image *im, char *err, size_t errlen)
{
	struct elf_plan pl;
	uint64_t bias;
	int fd, i, ret;

	fd = open_plan(path, base, &pl, err, errlen);
	if (fd < 0)
		return fd;
	bias = pl.bias;
	memset(im, 0, sizeof(*im));
	snprintf(im->interp, sizeof(im->interp), "%s", pl.interp);
	/* Claim the whole span first: a clash shows up here, cleanly. */
	{
		long r = sys_mmap(pl.lo + bias, pl.hi - pl.lo, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
				  -1, 0);

		if (r != (long)(pl.lo + bias)) {
			ret = fail(err, errlen, -ENOMEM,
				   "%s: cannot map 0x%lx-0x%lx (it clashes with the program's other mappings): %s",
				   path, (unsigned long)(pl.lo + bias), (unsigned long)(pl.hi + bias),
				   strerror(r < 0 ? (int)-r : EEXIST));
			goto out;
		}
	}
	for (i = 0; i < pl.eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &pl.ph[i];
		uint64_t start, fend, mend, v;

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		v = ph->p_vaddr + bias;		/* plan_elf: no wrap, in a window */
		start = PAGE_DOWN(v);
		fend = v + ph->p_filesz;
		mend = PAGE_UP(v + ph->p_memsz);
		if (ph->p_filesz) {
			ret = mem_map(start, PAGE_UP(fend) - start, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE, fd, (off_t)PAGE_DOWN(ph->p_offset));
			if (ret)
				goto mapfail;
			/* the rest of the last file page is bss */
			if (ph->p_memsz > ph->p_filesz && (fend & (PAGE_SIZE - 1)) &&
			    mem_write(fend, zero_page, PAGE_UP(fend) - fend)) {
				ret = -EFAULT;	/* another thread unmapped it: mem.c's lock */
				goto mapfail;
			}
		}
		if (mend > PAGE_UP(fend)) {
			ret = mem_map(PAGE_UP(fend), mend - PAGE_UP(fend), PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (ret)
				goto mapfail;
		}
		ret = mem_protect(start, mend - start, prot_of(ph->p_flags));
		if (ret)
			goto mapfail;
		if (ph->p_offset <= pl.eh.e_phoff && pl.eh.e_phoff - ph->p_offset < ph->p_filesz &&
		    !im->phdr)
			im->phdr = v + pl.eh.e_phoff - ph->p_offset;
	}
	for (i = 0; i < pl.eh.e_phnum; i++)
		if (pl.ph[i].p_type == PT_PHDR)
			im->phdr = pl.ph[i].p_vaddr + bias;
	im->phnum = pl.eh.e_phnum;
	im->entry = pl.eh.e_entry + bias;
	im->base = pl.lo + bias;
	im->end = pl.hi + bias;
	ret = 0;
	goto out;
mapfail:
	ret = fail(err, errlen, ret, "%s: cannot map a segment: %s", path, strerror(-ret));
out:
	close(fd);
	return ret;
}

static int read_shebang(const char *path, char *interp, size_t ilen, char *arg, size_t alen);

/* Would the file's span (plan_elf: inside a window, no wrap) cover the stack? */
static bool overlaps_stack(const struct elf_plan *pl)
{
	return pl->lo + pl->bias < STACK_TOP && STACK_TOP - STACK_SIZE < pl->hi + pl->bias;
}

/*
 * Everything load_program() will find wrong, before anything is torn down
 * (execve must fail cleanly): the file (or a script's interpreter), every
 * program header, and the ELF interpreter it names, checked the same way.
 */
int check_program(const char *path, char *err, size_t errlen)
{
	struct elf_plan pl, ipl;
	char sb_interp[256], sb_arg[256];
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	ret = path_check_fd(fd, false);
	close(fd);
	if (ret)
		return fail(err, errlen, ret, "%s: %s", path, strerror(-ret));
	if (access(path, X_OK))
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	ret = read_shebang(path, sb_interp, sizeof(sb_interp), sb_arg, sizeof(sb_arg));
	if (ret < 0)
		return fail(err, errlen, ret, "%s: %s", path, strerror(-ret));
	if (ret == 1) {		/* a script: its interpreter must be an ELF program */
		if (!sb_interp[0])
			return fail(err, errlen, -ENOEXEC, "%s: no interpreter after #!", path);
		path = sb_interp;
	}
	fd = open_plan(path, PIE_BASE, &pl, err, errlen);
	if (fd < 0)
		return fd;
	close(fd);
	if (overlaps_stack(&pl))
		return fail(err, errlen, -ENOEXEC, "%s: its segments overlap the stack", path);
	if (pl.interp[0]) {
		fd = open_plan(pl.interp, INTERP_BASE, &ipl, err, errlen);
		if (fd < 0)
			return fd;
		close(fd);
		/* two fixed-address files may want the same place */
		if (overlaps_stack(&ipl) ||
		    (pl.lo + pl.bias < ipl.hi + ipl.bias && ipl.lo + ipl.bias < pl.hi + pl.bias))
			return fail(err, errlen, -ENOEXEC,
				    "%s: its interpreter %s overlaps it or the stack", path, pl.interp);
	}
	return 0;
}

/* "#!interp [arg]": the interpreter and its optional argument. */
static int read_shebang(const char *path, char *interp, size_t ilen, char *arg, size_t alen)
{
	char line[256], *p, *e;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 0;
	line[n] = 0;
	e = strchr(line, '\n');
	if (e)
		*e = 0;
	p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	snprintf(interp, ilen, "%.*s", (int)(e - p), p);
	while (*e == ' ' || *e == '\t')
		e++;
	snprintf(arg, alen, "%s", e);
	for (p = arg + strlen(arg); p > arg && (p[-1] == ' ' || p[-1] == '\t'); )
		*--p = 0;
	return 1;
}

/* ---- the initial stack ------------------------------------------------------ */

/*
 * Every write to the program's new memory goes through mem_write(): under
 * mem.c's lock, so that no program thread still running can unmap a page
 * under a ring-0 write.  *@bad is set if one failed.
 */
static uint64_t push_str(uint64_t *sp, const char *s, bool *bad)
{
	size_t n = strlen(s) + 1;

	*sp -= n;
	if (mem_write(*sp, s, n))
		*bad = true;
	return *sp;
}

/*
 * The bytes the initial stack needs for @v's strings (and their pointers),
 * added to *@total; -E2BIG past the limits (sandbox.h: ARG_MAX_BYTES,
 * MAX_ARG_STRLEN), as the kernel's bprm_stack_limits() and
 * copy_strings() check them - before anything is written.
 */
static int arg_bytes(char *const v[], int *count, uint64_t *total)
{
	int n;

	for (n = 0; v[n]; n++) {
		size_t len = strnlen(v[n], MAX_ARG_STRLEN);

		if (len >= MAX_ARG_STRLEN)
			return -E2BIG;
		*total += len + 1 + sizeof(char *);
		if (*total > ARG_MAX_BYTES)
			return -E2BIG;
	}
	*count = n;
	return 0;
}

static int build_stack(struct image *prog, struct image *interp, const char *execfn,
		       char *const argv[], char *const envp[], uint64_t *sp_out)
{
	uint64_t sp = STACK_TOP, *p, *words, fn, plat, rnd, vdso, total = 0;
	int argc = 0, envc = 0, i, ret;
	uint64_t *aptr, *eptr;
	unsigned char rbytes[16];
	size_t nwords;
	bool bad = false;

	/* Every size first: nothing is pushed that does not fit. */
	ret = arg_bytes(argv, &argc, &total);
	if (!ret)
		ret = arg_bytes(envp, &envc, &total);
	if (ret)
		return ret;
	if (strlen(execfn) >= PATH_MAX)
		return -ENAMETOOLONG;
	ret = mem_map(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ret)
		return ret;
	vdso = vdso_load();
	aptr = calloc(argc + envc + 2, sizeof(*aptr));
	if (!aptr)
		return -ENOMEM;
	eptr = aptr + argc + 1;
	fn = push_str(&sp, execfn, &bad);
	for (i = envc - 1; i >= 0; i--)
		eptr[i] = push_str(&sp, envp[i], &bad);
	for (i = argc - 1; i >= 0; i--)
		aptr[i] = push_str(&sp, argv[i], &bad);
	plat = push_str(&sp, "x86_64", &bad);
	sp -= 16;
	rnd = sp;
	if (getrandom(rbytes, sizeof(rbytes), 0) != sizeof(rbytes))
		memset(rbytes, 0x5a, sizeof(rbytes));
	if (mem_write(rnd, rbytes, sizeof(rbytes)))
		bad = true;
	sp &= ~15UL;
	/* auxv (at most 20 pairs), envp, argv, argc: keep the final sp 16-aligned */
	nwords = 1 + (argc + 1) + (envc + 1) + 2 * 21;
	sp -= nwords * 8;
	sp &= ~15UL;
	/* built in our memory, written to the program's in one mem_write() */
	words = calloc(nwords, sizeof(*words));
	if (!words) {
		free(aptr);
		return -ENOMEM;
	}
	p = words;
	*p++ = argc;
	for (i = 0; i < argc; i++)
		*p++ = aptr[i];
	*p++ = 0;
	for (i = 0; i < envc; i++)
		*p++ = eptr[i];
	*p++ = 0;
#define AUX(k, v) do { *p++ = (k); *p++ = (v); } while (0)
	AUX(AT_PHDR, prog->phdr);
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, prog->phnum);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_BASE, interp ? interp->base : 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, prog->entry);
	AUX(AT_UID, getuid());
	AUX(AT_EUID, geteuid());
	AUX(AT_GID, getgid());
	AUX(AT_EGID, getegid());
	AUX(AT_HWCAP, getauxval(AT_HWCAP));
	AUX(AT_HWCAP2, getauxval(AT_HWCAP2));
	AUX(AT_CLKTCK, sysconf(_SC_CLK_TCK));
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, rnd);
	AUX(AT_EXECFN, fn);
	AUX(AT_PLATFORM, plat);
	if (vdso)
		AUX(AT_SYSINFO_EHDR, vdso);
	AUX(AT_NULL, 0);
#undef AUX
	if (mem_write(sp, words, (size_t)(p - words) * sizeof(*words)))
		bad = true;
	free(words);
	free(aptr);
	if (bad)
		return -EFAULT;
	*sp_out = sp;
	return 0;
}

int load_program(const char *path, char *const argv[], char *const envp[],
		 struct loaded *out, char *err, size_t errlen)
{
	struct image prog, interp;
	char sb_interp[256], sb_arg[256];
	char *nargv[4096];
	int ret, n = 0, i;

	/* "#!interp arg" scripts: run interp [arg] path args... */
	ret = read_shebang(path, sb_interp, sizeof(sb_interp), sb_arg, sizeof(sb_arg));
	if (ret < 0)
		return fail(err, errlen, ret, "%s: %s", path, strerror(-ret));
	if (ret == 1) {
		nargv[n++] = sb_interp;
		if (sb_arg[0])
			nargv[n++] = sb_arg;
		nargv[n++] = (char *)path;
		for (i = 1; argv[i] && n < 4095; i++)
			nargv[n++] = argv[i];
		nargv[n] = NULL;
		argv = nargv;
		path = sb_interp;
	}
	ret = load_elf(path, PIE_BASE, &prog, err, errlen);
	if (ret)
		return ret;
	if (prog.interp[0]) {
		ret = load_elf(prog.interp, INTERP_BASE, &interp, err, errlen);
		if (ret)
			return ret;
	}
	mem_set_brk(prog.end);
	ret = build_stack(&prog, prog.interp[0] ? &interp : NULL, path, argv, envp, &out->sp);
	if (ret)
		return fail(err, errlen, ret, "%s: cannot build the stack: %s", path,
			    strerror(-ret));
	out->entry = prog.interp[0] ? interp.entry : prog.entry;
	/* /proc/self/exe reads as this file (a script's: its interpreter) */
	if (path != prog_path) {
		char abs[4096];

		if (!abs_path(AT_FDCWD, path, abs, sizeof(abs)))
			snprintf(prog_path, sizeof(prog_path), "%s", abs);
	}
	return 0;
}
