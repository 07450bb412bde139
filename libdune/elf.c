// SPDX-License-Identifier: GPL-2.0
/*
 * elf.c - reading and loading ELF files: the original Dune's dune_elf_*
 * functions, on the system's <elf.h>.
 *
 * A guest-side file (see libdune.mk): it runs from program context only,
 * natively or in Dune mode, and uses malloc and libc's file calls.
 *
 * The file may be hostile (the sandbox loads untrusted binaries), so every
 * read goes through elf_read(), which checks the range against the size of
 * the file or memory image before touching anything: an offset or size
 * from the file never makes libdune read outside it, and never makes it
 * allocate more than the file's size.  Errors, as the original's:
 *	-EIO	the file cannot be opened, or a table lies (partly) outside it
 *	-EINVAL	not a 64-bit little-endian x86-64 ELF file, or malformed
 *		tables (sizes, counts, indices, names)
 *	-ENOMEM	out of memory, or a mapping failed (dune_elf_load_ph)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "dune.h"

/* The original's limits on the tables. */
#define ELF_MAX_PHDRS		40
#define ELF_MAX_SHDRS		100
#define ELF_MAX_SNAME		40	/* a section name must be shorter */

/* The size of the file or image, or a negative errno value. */
static long long elf_size(struct dune_elf *elf)
{
	struct stat st;

	if (elf->mem)
		return elf->len;
	if (fstat(elf->fd, &st) < 0)
		return -EIO;
	return st.st_size;
}

/*
 * Copy @len bytes at offset @off of the file or image to @buf.  Returns 0,
 * or -EIO if the range is not entirely inside the file, or a read fails.
 */
static int elf_read(struct dune_elf *elf, void *buf, uint64_t len, uint64_t off)
{
	long long size = elf_size(elf);
	uint64_t done = 0;

	if (size < 0)
		return (int)size;
	if (off > (uint64_t)size || len > (uint64_t)size - off)
		return -EIO;
	if (elf->mem) {
		memcpy(buf, elf->mem + off, len);
		return 0;
	}
	while (done < len) {
		ssize_t n = pread(elf->fd, (char *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		done += (uint64_t)n;
	}
	return 0;
}

static void elf_reset(struct dune_elf *elf)
{
	elf->fd = -1;
	elf->mem = NULL;
	elf->len = 0;
	elf->phdr = NULL;
	elf->shdr = NULL;
	elf->shdrstr = NULL;
}

/* Read and check the ELF header. */
static int elf_check_header(struct dune_elf *elf)
{
	const unsigned char *id = elf->hdr.e_ident;

	if (elf_read(elf, &elf->hdr, sizeof(elf->hdr), 0)) {
		dune_printf("elf: failed to read the ELF header\n");
		return -EIO;
	}
	if (memcmp(id, ELFMAG, SELFMAG) != 0) {
		dune_printf("elf: not an ELF file\n");
		return -EINVAL;
	}
	if (id[EI_CLASS] != ELFCLASS64) {
		dune_printf("elf: not a 64-bit ELF file\n");
		return -EINVAL;
	}
	if (id[EI_DATA] != ELFDATA2LSB) {
		dune_printf("elf: not a little-endian ELF file\n");
		return -EINVAL;
	}
	if (id[EI_VERSION] != EV_CURRENT || elf->hdr.e_version != EV_CURRENT) {
		dune_printf("elf: unknown ELF version\n");
		return -EINVAL;
	}
	if (elf->hdr.e_machine != EM_X86_64) {
		dune_printf("elf: not an x86-64 ELF file\n");
		return -EINVAL;
	}
	return 0;
}

int dune_elf_open(struct dune_elf *elf, const char *path)
{
	int ret;

	elf_reset(elf);
	elf->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (elf->fd < 0) {
		dune_printf("elf: unable to open '%s'\n", path);
		return -EIO;
	}
	ret = elf_check_header(elf);
	if (ret)
		dune_elf_close(elf);
	return ret;
}

int dune_elf_open_mem(struct dune_elf *elf, void *mem, int len)
{
	int ret;

	elf_reset(elf);
	if (!mem || len < 0)
		return -EINVAL;
	elf->mem = (unsigned char *)mem;
	elf->len = len;
	ret = elf_check_header(elf);
	if (ret)
		dune_elf_close(elf);
	return ret;
}

int dune_elf_close(struct dune_elf *elf)
{
	free(elf->phdr);
	free(elf->shdr);
	free(elf->shdrstr);
	elf->phdr = NULL;
	elf->shdr = NULL;
	elf->shdrstr = NULL;
	if (!elf->mem && elf->fd >= 0)
		close(elf->fd);
	elf->fd = -1;
	return 0;
}

/* Read @num entries of @entsize bytes at @off into a new buffer. */
static int elf_read_table(struct dune_elf *elf, void **out, uint64_t off,
			  unsigned int num, size_t entsize)
{
	uint64_t len = (uint64_t)num * entsize;
	long long size = elf_size(elf);
	void *buf;
	int ret;

	if (size < 0)
		return (int)size;
	if (off > (uint64_t)size || len > (uint64_t)size - off)
		return -EIO;	/* checked before malloc: no huge allocation */
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	ret = elf_read(elf, buf, len, off);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

static int elf_load_phdrs(struct dune_elf *elf)
{
	void *buf;
	int ret;

	if (elf->phdr)
		return 0;
	if (elf->hdr.e_phentsize != sizeof(Elf64_Phdr)) {
		dune_printf("elf: bad program header entry size %u\n",
			    (unsigned int)elf->hdr.e_phentsize);
		return -EINVAL;
	}
	if (elf->hdr.e_phnum > ELF_MAX_PHDRS) {
		dune_printf("elf: too many program headers (%u)\n",
			    (unsigned int)elf->hdr.e_phnum);
		return -EINVAL;
	}
	ret = elf_read_table(elf, &buf, elf->hdr.e_phoff, elf->hdr.e_phnum,
			     sizeof(Elf64_Phdr));
	if (ret) {
		dune_printf("elf: failed to read the program headers\n");
		return ret;
	}
	elf->phdr = (Elf64_Phdr *)buf;
	return 0;
}

int dune_elf_iter_ph(struct dune_elf *elf, dune_elf_phcb cb)
{
	int i, ret;

	ret = elf_load_phdrs(elf);
	if (ret)
		return ret;
	for (i = 0; i < elf->hdr.e_phnum; i++) {
		ret = cb(elf, &elf->phdr[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* The section headers and the section-name table, NUL-terminated. */
static int elf_load_shdrs(struct dune_elf *elf)
{
	unsigned int shnum = elf->hdr.e_shnum, shstrndx = elf->hdr.e_shstrndx;
	Elf64_Shdr *strsh;
	void *buf;
	long long size;
	int ret;

	if (elf->shdr && elf->shdrstr)
		return 0;
	if (elf->hdr.e_shentsize != sizeof(Elf64_Shdr)) {
		dune_printf("elf: bad section header entry size %u\n",
			    (unsigned int)elf->hdr.e_shentsize);
		return -EINVAL;
	}
	if (shnum > ELF_MAX_SHDRS) {
		dune_printf("elf: too many section headers (%u)\n", shnum);
		return -EINVAL;
	}
	if (shstrndx >= shnum) {
		dune_printf("elf: bad section-name table index %u\n", shstrndx);
		return -EINVAL;
	}
	if (!elf->shdr) {
		ret = elf_read_table(elf, &buf, elf->hdr.e_shoff, shnum,
				     sizeof(Elf64_Shdr));
		if (ret) {
			dune_printf("elf: failed to read the section headers\n");
			return ret;
		}
		elf->shdr = (Elf64_Shdr *)buf;
	}

	strsh = &elf->shdr[shstrndx];
	if (strsh->sh_type != SHT_STRTAB) {
		dune_printf("elf: the section-name table is not a string table\n");
		return -EINVAL;
	}
	size = elf_size(elf);
	if (size < 0)
		return (int)size;
	if (strsh->sh_offset > (uint64_t)size ||
	    strsh->sh_size > (uint64_t)size - strsh->sh_offset) {
		dune_printf("elf: the section-name table is outside the file\n");
		return -EIO;
	}
	elf->shdrstr = (char *)malloc(strsh->sh_size + 1);
	if (!elf->shdrstr)
		return -ENOMEM;
	ret = elf_read(elf, elf->shdrstr, strsh->sh_size, strsh->sh_offset);
	if (ret) {
		free(elf->shdrstr);
		elf->shdrstr = NULL;
		dune_printf("elf: failed to read the section-name table\n");
		return ret;
	}
	elf->shdrstr[strsh->sh_size] = '\0';
	return 0;
}

int dune_elf_iter_sh(struct dune_elf *elf, dune_elf_shcb cb)
{
	uint64_t strsize;
	int i, ret;

	/* No section table at all (e_shnum 0): nothing to iterate. */
	if (elf->hdr.e_shnum == 0 && elf->hdr.e_shstrndx == SHN_UNDEF)
		return 0;
	ret = elf_load_shdrs(elf);
	if (ret)
		return ret;
	strsize = elf->shdr[elf->hdr.e_shstrndx].sh_size;
	for (i = 0; i < elf->hdr.e_shnum; i++) {
		Elf64_Shdr *sh = &elf->shdr[i];
		const char *name;

		if (sh->sh_name > strsize) {
			dune_printf("elf: section %d: bad name offset\n", i);
			return -EINVAL;
		}
		name = elf->shdrstr + sh->sh_name;	/* NUL-terminated */
		if (strlen(name) >= ELF_MAX_SNAME) {
			dune_printf("elf: section name too long\n");
			return -EINVAL;
		}
		ret = cb(elf, name, i, sh);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- dune_elf_dump ------------------------------------------------------ */

static const char *sh_type_name(uint32_t type)
{
	static const char *const names[] = {
		[SHT_NULL] = "NULL", [SHT_PROGBITS] = "PROGBITS",
		[SHT_SYMTAB] = "SYMTAB", [SHT_STRTAB] = "STRTAB",
		[SHT_RELA] = "RELA", [SHT_HASH] = "HASH",
		[SHT_DYNAMIC] = "DYNAMIC", [SHT_NOTE] = "NOTE",
		[SHT_NOBITS] = "NOBITS", [SHT_REL] = "REL",
		[SHT_SHLIB] = "SHLIB", [SHT_DYNSYM] = "DYNSYM",
		[SHT_INIT_ARRAY] = "INIT_ARRAY", [SHT_FINI_ARRAY] = "FINI_ARRAY",
		[SHT_PREINIT_ARRAY] = "PREINIT_ARRAY", [SHT_GROUP] = "GROUP",
		[SHT_SYMTAB_SHNDX] = "SYMTAB_SHNDX",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	switch (type) {
	case SHT_GNU_HASH: return "GNU_HASH";
	case SHT_GNU_verdef: return "VERDEF";
	case SHT_GNU_verneed: return "VERNEED";
	case SHT_GNU_versym: return "VERSYM";
	default: return "UNKNOWN";
	}
}

static const char *ph_type_name(uint32_t type)
{
	static const char *const names[] = {
		[PT_NULL] = "NULL", [PT_LOAD] = "LOAD",
		[PT_DYNAMIC] = "DYNAMIC", [PT_INTERP] = "INTERP",
		[PT_NOTE] = "NOTE", [PT_SHLIB] = "SHLIB",
		[PT_PHDR] = "PHDR", [PT_TLS] = "TLS",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	switch (type) {
	case PT_GNU_EH_FRAME: return "GNU_EH_FRAME";
	case PT_GNU_STACK: return "GNU_STACK";
	case PT_GNU_RELRO: return "GNU_RELRO";
	case PT_GNU_PROPERTY: return "GNU_PROPERTY";
	default: return "UNKNOWN";
	}
}

static int elf_dump_sh(struct dune_elf *elf, const char *sname, int snum,
		       Elf64_Shdr *sh)
{
	(void)elf;
	dune_printf("  [%2d] %-20s %-13s %016lx %08lx %08lx %c%c%c\n",
		    snum, sname, sh_type_name(sh->sh_type),
		    (unsigned long)sh->sh_addr, (unsigned long)sh->sh_offset,
		    (unsigned long)sh->sh_size,
		    (sh->sh_flags & SHF_WRITE) ? 'W' : '-',
		    (sh->sh_flags & SHF_ALLOC) ? 'A' : '-',
		    (sh->sh_flags & SHF_EXECINSTR) ? 'X' : '-');
	return 0;
}

static int elf_dump_ph(struct dune_elf *elf, Elf64_Phdr *ph)
{
	(void)elf;
	dune_printf("  %-13s %08lx %016lx %08lx %08lx %c%c%c %lx\n",
		    ph_type_name(ph->p_type), (unsigned long)ph->p_offset,
		    (unsigned long)ph->p_vaddr, (unsigned long)ph->p_filesz,
		    (unsigned long)ph->p_memsz,
		    (ph->p_flags & PF_R) ? 'R' : '-',
		    (ph->p_flags & PF_W) ? 'W' : '-',
		    (ph->p_flags & PF_X) ? 'X' : '-',
		    (unsigned long)ph->p_align);
	return 0;
}

int dune_elf_dump(struct dune_elf *elf)
{
	int ret, ret2;

	dune_printf("--- ELF Dump ---\n");
	dune_printf("entry %lx, %u program headers, %u sections\n",
		    (unsigned long)elf->hdr.e_entry,
		    (unsigned int)elf->hdr.e_phnum,
		    (unsigned int)elf->hdr.e_shnum);
	dune_printf("Section Headers:\n");
	dune_printf("  [Nr] %-20s %-13s %-16s %-8s %-8s Flg\n",
		    "Name", "Type", "Address", "Offset", "Size");
	ret = dune_elf_iter_sh(elf, elf_dump_sh);
	dune_printf("Program Headers:\n");
	dune_printf("  %-13s %-8s %-16s %-8s %-8s Flg Align\n",
		    "Type", "Offset", "VirtAddr", "FileSiz", "MemSiz");
	ret2 = dune_elf_iter_ph(elf, elf_dump_ph);
	return ret ? ret : ret2;
}

/* ---- dune_elf_load_ph --------------------------------------------------- */

int dune_elf_load_ph(struct dune_elf *elf, Elf64_Phdr *phdr, off_t off)
{
	uintptr_t start, file_end, mem_end, bss_start, page_end;
	size_t map_len;
	int prot = 0;

	if (phdr->p_type != PT_LOAD || phdr->p_filesz > phdr->p_memsz)
		return -EINVAL;
	if (PGOFF(phdr->p_vaddr) != PGOFF(phdr->p_offset))
		return -EINVAL;
	if (elf->mem || elf->fd < 0)
		return -EINVAL;		/* memory images cannot be mmapped */
	if (PGOFF(off))
		return -EINVAL;
	start = (uintptr_t)(phdr->p_vaddr + (uint64_t)off);
	if (start + phdr->p_memsz < start ||
	    start + phdr->p_memsz > UINTPTR_MAX - PGSIZE)
		return -EINVAL;

	if (phdr->p_flags & PF_R)
		prot |= PROT_READ;
	if (phdr->p_flags & PF_W)
		prot |= PROT_WRITE;
	if (phdr->p_flags & PF_X)
		prot |= PROT_EXEC;

	map_len = phdr->p_filesz + PGOFF(start);
	if (phdr->p_filesz > 0 &&
	    mmap((void *)PGADDR(start), map_len, prot, MAP_FIXED | MAP_PRIVATE,
		 elf->fd, (off_t)PGADDR(phdr->p_offset)) == MAP_FAILED)
		return -ENOMEM;

	if (phdr->p_memsz == phdr->p_filesz)
		return 0;

	/* Zero the rest of the last file page, then map zeroes after it. */
	file_end = start + phdr->p_filesz;
	mem_end = start + phdr->p_memsz;
	bss_start = (file_end + PGSIZE - 1) & ~(uintptr_t)PGMASK;
	if (phdr->p_filesz > 0 && PGOFF(file_end)) {
		page_end = bss_start;
		if (!(prot & PROT_WRITE) &&
		    mprotect((void *)PGADDR(file_end), PGSIZE, prot | PROT_WRITE))
			return -ENOMEM;
		memset((void *)file_end, 0, page_end - file_end);
		if (!(prot & PROT_WRITE) &&
		    mprotect((void *)PGADDR(file_end), PGSIZE, prot))
			return -ENOMEM;
	} else if (phdr->p_filesz == 0) {
		bss_start = PGADDR(start);	/* nothing mapped from the file */
	}
	if (mem_end > bss_start &&
	    mmap((void *)bss_start, mem_end - bss_start, prot,
		 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
		return -ENOMEM;
	return 0;
}
