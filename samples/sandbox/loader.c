// SPDX-License-Identifier: GPL-2.0
/*
 * loader.c - loading a program into the sandbox, as execve(2) would.
 *
 * The kernel's ELF loader, in small: map each PT_LOAD segment of the file
 * (position-independent programs at PIE_BASE, fixed-address ones where
 * they ask, if that is inside the program's window), zero the bss, load
 * the interpreter named by PT_INTERP (ld-linux) at INTERP_BASE, and build
 * the initial stack: argc, argv, envp, and the auxiliary vector that tells
 * the interpreter and libc where everything is.  No vDSO is offered
 * (no AT_SYSINFO_EHDR), so libc makes real system calls for the time of
 * day as well - all of them reach our handler.
 *
 * Every mapping goes through mem.c, so it is the program's (PTE_U) and
 * nothing else is.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "sandbox.h"

struct image {
	uint64_t entry, base, phdr, end;
	int phnum;
	char interp[256];
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

/* Read and check the ELF header and program headers of an open file. */
static int read_headers(int fd, const char *path, Elf64_Ehdr *eh, Elf64_Phdr *ph,
			char *err, size_t errlen)
{
	ssize_t n = pread(fd, eh, sizeof(*eh), 0);

	if (n < 4 || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return fail(err, errlen, -ENOEXEC, "%s: not an ELF file", path);
	if (n < (ssize_t)sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, -ENOEXEC, "%s: not a 64-bit ELF file (wrong architecture)", path);
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, -ENOEXEC,
			    "%s: wrong architecture (ELF machine %u, need x86-64)", path,
			    eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(err, errlen, -ENOEXEC, "%s: not an executable (ELF type %u)", path,
			    eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 64)
		return fail(err, errlen, -ENOEXEC, "%s: bad program headers", path);
	n = pread(fd, ph, eh->e_phnum * sizeof(*ph), eh->e_phoff);
	if (n != (ssize_t)(eh->e_phnum * sizeof(*ph)))
		return fail(err, errlen, -ENOEXEC, "%s: truncated program headers", path);
	return 0;
}

static int prot_of(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

static int load_elf(const char *path, uint64_t base, struct image *im, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	uint64_t lo = ~0UL, hi = 0, bias = 0;
	int fd, i, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	ret = read_headers(fd, path, &eh, ph, err, errlen);
	if (ret)
		goto out;
	memset(im, 0, sizeof(*im));
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP) {
			if (ph[i].p_filesz >= sizeof(im->interp) || ph[i].p_filesz < 2 ||
			    pread(fd, im->interp, ph[i].p_filesz, ph[i].p_offset) !=
			    (ssize_t)ph[i].p_filesz) {
				ret = fail(err, errlen, -ENOEXEC, "%s: bad PT_INTERP", path);
				goto out;
			}
			im->interp[ph[i].p_filesz - 1] = 0;
		}
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz ||
		    (ph[i].p_vaddr & (PAGE_SIZE - 1)) != (ph[i].p_offset & (PAGE_SIZE - 1))) {
			ret = fail(err, errlen, -ENOEXEC, "%s: bad PT_LOAD segment", path);
			goto out;
		}
		if (ph[i].p_vaddr < lo)
			lo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > hi)
			hi = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (hi <= lo) {
		ret = fail(err, errlen, -ENOEXEC, "%s: nothing to load", path);
		goto out;
	}
	lo = PAGE_DOWN(lo);
	hi = PAGE_UP(hi);
	if (eh.e_type == ET_DYN)
		bias = base - lo;
	if (!mem_in_window(lo + bias, hi - lo)) {
		ret = fail(err, errlen, -ENOEXEC,
			   "%s: wants addresses 0x%lx-0x%lx, outside the sandbox's program windows (0x%lx-0x%lx, 0x%lx-0x%lx)",
			   path, (unsigned long)lo, (unsigned long)hi, LOW_START, LOW_END,
			   HIGH_START, HIGH_END);
		goto out;
	}
	/* Claim the whole span first: a clash shows up here, cleanly. */
	{
		long r = sys_mmap(lo + bias, hi - lo, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
				  -1, 0);

		if (r != (long)(lo + bias)) {
			ret = fail(err, errlen, -ENOMEM,
				   "%s: cannot map 0x%lx-0x%lx (it clashes with the supervisor?): %s",
				   path, (unsigned long)(lo + bias), (unsigned long)(hi + bias),
				   strerror(r < 0 ? (int)-r : EEXIST));
			goto out;
		}
	}
	for (i = 0; i < eh.e_phnum; i++) {
		uint64_t start, fend, mend, v;

		if (ph[i].p_type != PT_LOAD)
			continue;
		v = ph[i].p_vaddr + bias;
		start = PAGE_DOWN(v);
		fend = v + ph[i].p_filesz;
		mend = PAGE_UP(v + ph[i].p_memsz);
		if (ph[i].p_filesz) {
			ret = mem_map(start, PAGE_UP(fend) - start, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE, fd, PAGE_DOWN(ph[i].p_offset));
			if (ret)
				goto mapfail;
			/* the rest of the last file page is bss */
			if (ph[i].p_memsz > ph[i].p_filesz && (fend & (PAGE_SIZE - 1)))
				memset((void *)fend, 0, PAGE_UP(fend) - fend);
		}
		if (mend > PAGE_UP(fend)) {
			ret = mem_map(PAGE_UP(fend), mend - PAGE_UP(fend), PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (ret)
				goto mapfail;
		}
		ret = mem_protect(start, mend - start, prot_of(ph[i].p_flags));
		if (ret)
			goto mapfail;
		if (ph[i].p_offset == 0 || (ph[i].p_offset <= eh.e_phoff &&
		    eh.e_phoff < ph[i].p_offset + ph[i].p_filesz))
			if (!im->phdr)
				im->phdr = v + eh.e_phoff - ph[i].p_offset;
	}
	for (i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			im->phdr = ph[i].p_vaddr + bias;
	im->phnum = eh.e_phnum;
	im->entry = eh.e_entry + bias;
	im->base = lo + bias;
	im->end = hi + bias;
	ret = 0;
	goto out;
mapfail:
	ret = fail(err, errlen, ret, "%s: cannot map a segment: %s", path, strerror(-ret));
out:
	close(fd);
	return ret;
}

/* Quick checks before anything is torn down (execve must fail cleanly). */
int check_program(const char *path, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	char buf[2];
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (access(path, X_OK)) {
		ret = fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	if (pread(fd, buf, 2, 0) == 2 && buf[0] == '#' && buf[1] == '!') {
		close(fd);
		return 0;
	}
	ret = read_headers(fd, path, &eh, ph, err, errlen);
	close(fd);
	return ret;
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

static uint64_t push_str(uint64_t *sp, const char *s)
{
	size_t n = strlen(s) + 1;

	*sp -= n;
	memcpy((void *)*sp, s, n);
	return *sp;
}

static int build_stack(struct image *prog, struct image *interp, const char *execfn,
		       char *const argv[], char *const envp[], uint64_t *sp_out)
{
	uint64_t sp = STACK_TOP, *p, fn, plat, rnd;
	int argc = 0, envc = 0, i, ret;
	uint64_t *aptr, *eptr;

	ret = mem_map(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ret)
		return ret;
	while (argv[argc])
		argc++;
	while (envp[envc])
		envc++;
	if (argc + envc > 100000)
		return -E2BIG;
	aptr = calloc(argc + envc + 2, sizeof(*aptr));
	if (!aptr)
		return -ENOMEM;
	eptr = aptr + argc + 1;
	fn = push_str(&sp, execfn);
	for (i = envc - 1; i >= 0; i--)
		eptr[i] = push_str(&sp, envp[i]);
	for (i = argc - 1; i >= 0; i--)
		aptr[i] = push_str(&sp, argv[i]);
	if (STACK_TOP - sp > STACK_SIZE / 4) {
		free(aptr);
		return -E2BIG;
	}
	plat = push_str(&sp, "x86_64");
	sp -= 16;
	rnd = sp;
	if (getrandom((void *)rnd, 16, 0) != 16)
		memset((void *)rnd, 0x5a, 16);
	sp &= ~15UL;
	/* auxv (19 pairs), envp, argv, argc: keep the final sp 16-aligned */
	{
		size_t words = 1 + (argc + 1) + (envc + 1) + 2 * 20;

		sp -= words * 8;
		sp &= ~15UL;
	}
	p = (uint64_t *)sp;
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
	AUX(AT_NULL, 0);
#undef AUX
	free(aptr);
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
