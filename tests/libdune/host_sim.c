// SPDX-License-Identifier: GPL-2.0
/*
 * libdune_sim_test - libdune against a simulated dune.ko, on any x86-64
 * Linux machine, without VMX.
 *
 * This program compiles libdune's own C files (chunks.c, entry.c, loop.c)
 * with their ioctl() calls redirected to fake_ioctl() below, which plays
 * the module: it checks every DUNE_MAP_CHUNKS and DUNE_CREATE_VCPU as the
 * module does (and more), keeps a chunk table like the module's EPT, and
 * answers DUNE_RUN from a script.  A script plays the guest: it reads the
 * registers the host loop passes in and returns the VM exit the guest
 * would have caused - a system call (a VMCALL from the syscall stub with
 * RCX and R11 set), an exception (a frame on IST1 and a VMCALL from the
 * common stub), an EPT fault, a triple fault.
 *
 * What runs for real: dune_enter() and the other assembly, the host loop,
 * the forwarded system calls (natively, with signals and restarts), clone,
 * fork and vfork with their children, the native replays, the guest page
 * tables (walked here as the CPU would, from CR3 through the chunk table),
 * the formatter.  What cannot: guest code in ring 0.  A replay resumes the
 * "guest" natively - which is how a script ends: it replays a #UD at the
 * instruction after the call to dune_enter() with RAX = some value, and
 * dune_enter() "returns" that value natively.
 */
#include "sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>

static long fake_ioctl(int fd, unsigned long cmd, unsigned long arg);
#define dune_sys_ioctl fake_ioctl
#define dune_sys_ioctl_retry fake_ioctl
/*
 * entry.S's DUNE_RUN stub, simulated: an injection set up (intr.c), the
 * signals sigctx.c held back unblocked - with entry.S's own labelled
 * stub, where they are delivered with the guest state complete - then
 * "run".
 */
#include "internal.h"
static inline long sim_run_call(long fd, unsigned long cmd, struct dune_run *run,
				struct dune_thread *t)
{
	uint64_t bits;

	dune_intr_before_run(t);
	bits = __atomic_exchange_n(&t->sig_deferred, 0, __ATOMIC_RELAXED);
	if (bits) {
		dune_unblock_call(&bits);
		dune_tlb_before_run(t);		/* as entry.S's slow path */
	}
	return fake_ioctl((int)fd, cmd, (unsigned long)run);
}
#define dune_run_call(fd, cmd, run, t) sim_run_call(fd, cmd, run, t)
#include "chunks.c"
#include "entry.c"
#include "loop.c"
#include "intr.c"
#include "layout.c"
#include "guestmem.c"
#include "sigctx.c"
#include "tlb.c"
#include "fixup.c"

#include "kselftest_harness.h"

/* A failed check in the simulated module or guest ends the test process. */
#define CK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "# %s:%d: simulation check failed: %s\n", \
			__FILE__, __LINE__, #c);			\
		_exit(99);						\
	}								\
} while (0)

#define FAKE_VM_FD	999
#define FAKE_VCPU_FD	1000
#define SIM_MAXPHYADDR	40
#define PAGEBASE_SIM	0x200000000ULL	/* dune.h's PAGEBASE */

/* page.c's pool (dune.h, which internal.h hides from this file). */
extern int num_pages;

/* ---- the module's chunk table, and a CPU's page walk ----------------- */

static struct dune_chunk chunks[65536];
static int nchunks;
static int chunks_lock;

static int find_hva(uint64_t hva)
{
	for (int i = 0; i < nchunks; i++)
		if (chunks[i].hva == hva)
			return i;
	return -1;
}

static int find_gpa(uint64_t gpa)
{
	for (int i = 0; i < nchunks; i++)
		if (chunks[i].gpa == gpa)
			return i;
	return -1;
}

/* What the EPT does: GPA -> HVA through the chunk table. */
static void *gpa_to_hva(uint64_t gpa)
{
	int i = find_gpa(gpa & ~DUNE_CHUNK_MASK);

	CK(i >= 0);
	return (void *)(chunks[i].hva + (gpa & DUNE_CHUNK_MASK));
}

/* What the CPU does: walk the guest page tables from CR3 (a GPA). */
static int gva_to_gpa(uint64_t va, uint64_t *gpa)
{
	uint64_t *table = gpa_to_hva(dune_vm.cr3), e;
	int shift;

	for (shift = 39; shift >= 30; shift -= 9) {
		e = table[(va >> shift) & 511];
		if (!(e & PTE_P))
			return -1;
		CK((e & 0x87) == (PTE_P | PTE_W | PTE_U));	/* U: the leaf decides; not a leaf */
		table = gpa_to_hva(e & PTE_ADDR);
	}
	e = table[(va >> 21) & 511];
	if (!(e & PTE_P))
		return -1;
	CK((e & 0xe7) == PTE_LEAF_2M);			/* 2 MiB, RW, A, D, supervisor */
	CK(!(e >> 63));					/* executable */
	*gpa = (e & PDE_2M_ADDR) + (va & DUNE_CHUNK_MASK);
	return 0;
}

/* GVA == HVA: a guest access to @va reaches the process's @va. */
static void check_identity(uint64_t va)
{
	uint64_t gpa;

	CK(gva_to_gpa(va, &gpa) == 0);
	CK(gpa < (1ULL << SIM_MAXPHYADDR));
	CK((uint64_t)gpa_to_hva(gpa) == va);
}

/* ---- vCPUs ------------------------------------------------------------ */

struct vcpu;
typedef int (*script_fn)(struct vcpu *v, struct dune_run *run);

struct vcpu {
	int fd;
	struct dune_thread *t;
	int step;
	script_fn script;
	struct dune_regs saved;		/* the guest state a script started from */
	uint64_t aux;
};

static struct vcpu vcpus[64];
static int nvcpus;
static int vcpus_lock;
static script_fn next_script;		/* for the next DUNE_CREATE_VCPU */
static script_fn child_script;		/* ... and the ones after it */

static void check_config(const struct dune_vcpu_config *c)
{
	const uint64_t *gdt = (const uint64_t *)c->gdtr_base;
	const uint64_t *idt = (const uint64_t *)c->idtr_base;
	const struct dune_tss *tss = (const void *)c->tr_base;
	uint64_t lo, hi, base, limit;
	int i;

	/* what dune.ko checks (vcpu_check_config) */
	CK((c->flags & ~DUNE_VCPU_FLAGS) == 0 && c->reserved0 == 0);
	/* libdune asks for the CPUNODE entry: the GDT must reach entry 15 */
	CK((c->flags & DUNE_VCPU_F_CPUNODE) && c->gdtr_limit >= 15 * 8 + 7 &&
	   ((c->gdtr_base + 15 * 8) & 7) == 0);
	for (i = 0; i < 3; i++)
		CK(c->reserved1[i] == 0);
	for (i = 0; i < 8; i++)
		CK(c->reserved[i] == 0);
	CK((c->cr3 & 0xfff) == 0 && c->cr3 < (1ULL << SIM_MAXPHYADDR));
	CK(c->sfmask >> 32 == 0);
	CK(c->cs + 7 <= c->gdtr_limit && c->ss + 7 <= c->gdtr_limit &&
	   c->tr + 15 <= c->gdtr_limit);
	/* what the CPU will need */
	CK(c->cs == DUNE_GDT_CS && c->ss == DUNE_GDT_SS && c->tr == DUNE_GDT_TR);
	CK(((c->star >> 32) & 0xffff) == DUNE_GDT_CS);
	CK((c->star >> 48) + 16 == DUNE_GDT_UT && (c->star >> 48) + 8 == DUNE_GDT_UD);
	CK(c->lstar == (uint64_t)dune_syscall_entry);
	CK(c->idtr_limit == 4095);
	CK(gdt[DUNE_GDT_CS / 8] == 0x00af9b000000ffffULL &&
	   gdt[DUNE_GDT_SS / 8] == 0x00cf93000000ffffULL);
	CK(gdt[DUNE_GDT_UT / 8] == 0x00affb000000ffffULL &&
	   gdt[DUNE_GDT_UD / 8] == 0x00cff3000000ffffULL);
	lo = gdt[DUNE_GDT_TR / 8];
	hi = gdt[DUNE_GDT_TR / 8 + 1];
	base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) | (hi << 32);
	limit = (lo & 0xffff) | (((lo >> 48) & 0xf) << 16);
	CK(base == c->tr_base && limit == 0x67 && ((lo >> 40) & 0xff) == 0x8b);
	CK(tss->ist[0] && (tss->ist[0] & 15) == 0 && tss->iomap_base == 104);
	/* everything the CPU reads on an exception is mapped GVA == HVA */
	check_identity(c->gdtr_base);
	check_identity(c->gdtr_base + c->gdtr_limit);
	check_identity(c->idtr_base);
	check_identity(c->idtr_base + c->idtr_limit);
	check_identity(c->tr_base);
	check_identity(tss->ist[0] - 88);
	CK(tss->ist[1] && (tss->ist[1] & 15) == 0);	/* IST2: page faults */
	check_identity(tss->ist[1] - 88);
	CK(tss->ist[DUNE_TLB_IST - 1] && (tss->ist[DUNE_TLB_IST - 1] & 15) == 0);
	check_identity(tss->ist[DUNE_TLB_IST - 1] - 48);
	check_identity(c->lstar);
	for (i = 0; i < 256; i++) {
		uint64_t l = idt[2 * i], h = idt[2 * i + 1];
		uint64_t off = (l & 0xffff) | (((l >> 48) & 0xffff) << 16) | (h << 32);

		CK(off == (uint64_t)dune_exc_stubs + 16 * i);
		CK(((l >> 16) & 0xffff) == DUNE_GDT_CS);
		/* IST2 for #PF, IST3 for the TLB flush (tlb.c), IST1 for the rest */
		CK(((l >> 32) & 7) == (i == 14 ? 2 :
				      i == DUNE_TLB_VECTOR || i == DUNE_TLB_VECTOR_CLI ?
				      DUNE_TLB_IST : 1));
		/* interrupt gate, DPL 0; DPL 3 for INT3 and INTO */
		CK(((l >> 40) & 0xff) == (i == 3 || i == 4 ? 0xee : 0x8e));
		check_identity(off);
	}
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static long fake_map_chunks(const struct dune_map_chunks *m)
{
	const struct dune_chunk *c = (const void *)m->chunks;
	long err = 0;
	unsigned int i;

	CK(m->flags == 0 && m->reserved[0] == 0 && m->reserved[1] == 0);
	CK(m->count >= 1 && m->count <= DUNE_MAP_CHUNKS_MAX);
	while (__atomic_exchange_n(&chunks_lock, 1, __ATOMIC_ACQUIRE))
		;
	for (i = 0; i < m->count && !err; i++) {
		int a = find_hva(c[i].hva), b = find_gpa(c[i].gpa);

		CK(!(c[i].hva & DUNE_CHUNK_MASK) && !(c[i].gpa & DUNE_CHUNK_MASK));
		/* dune.ko: the whole chunk below TASK_SIZE_MAX */
		CK(c[i].hva + DUNE_CHUNK_SIZE <= 0x7ffffffff000ULL);
		CK(c[i].gpa + DUNE_CHUNK_SIZE <= (1ULL << SIM_MAXPHYADDR));
		if (a != b)
			err = -EEXIST;
		else if (a < 0)
			chunks[nchunks++] = c[i];
	}
	__atomic_store_n(&chunks_lock, 0, __ATOMIC_RELEASE);
	return err;
}

static long fake_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct dune_run *run = (void *)arg;
	struct vcpu *v = NULL;
	uint64_t sp;
	int i;

	switch (cmd) {
	case DUNE_MAP_CHUNKS:
		CK(fd == FAKE_VM_FD);
		return fake_map_chunks((const void *)arg);
	case DUNE_CREATE_VCPU:
		CK(fd == FAKE_VM_FD);
		check_config((const void *)arg);
		while (__atomic_exchange_n(&vcpus_lock, 1, __ATOMIC_ACQUIRE))
			;
		v = &vcpus[nvcpus];
		v->fd = FAKE_VCPU_FD + nvcpus++;
		v->t = (struct dune_thread *)(((const struct dune_vcpu_config *)arg)->tr_base -
					      offsetof(struct dune_thread, tss));
		v->script = next_script;
		next_script = child_script;
		__atomic_store_n(&vcpus_lock, 0, __ATOMIC_RELEASE);
		return v->fd;
	case DUNE_RUN:
		for (i = 0; i < nvcpus; i++)
			if (vcpus[i].fd == fd)
				v = &vcpus[i];
		CK(v && run == &v->t->run);
		/* what dune.ko checks (vcpu_check_run) */
		CK(!(run->flags & ~DUNE_RUN_FLAGS) && run->reserved0 == 0);	/* cpl: output only */
		for (i = 0; i < (int)(sizeof(run->reserved) / sizeof(run->reserved[0])); i++)
			CK(run->reserved[i] == 0);
		CK((run->regs.rflags & 2) && !(run->regs.rflags & ~0x257fd7ULL));
		CK(canonical(run->regs.rip) && canonical(run->fs_base) && canonical(run->gs_base));
		/* the host loop runs on the thread's host stack, never the guest's */
		sp = (uint64_t)__builtin_frame_address(0);
		CK(sp > (uint64_t)v->t + DUNE_T_HOST_STACK && sp < v->t->host_stack_top);
		memset(&run->u, 0, sizeof(run->u));
		run->exit_reason = DUNE_EXIT_NONE;
		/* a new vCPU's first instructions (entry.S): they set KERNEL_GS_BASE */
		if (run->regs.rip == (uint64_t)dune_guest_init) {
			CK(run->regs.rcx == 0xc0000102);
			CK((run->regs.rax | (run->regs.rdx << 32)) == (uint64_t)v->t);
			run->regs.rax = v->t->init_rax;
			run->regs.rdx = v->t->init_rdx;
			run->regs.rip = run->regs.rcx = v->t->init_rip;
		}
		return v->script(v, run);
	}
	CK(!"unexpected ioctl");
	return -ENOTTY;
}

/* dune_init(), with the simulated device. */
static void sim_init(void)
{
	dune_vm.dev_fd = -1;
	dune_vm.vm_fd = FAKE_VM_FD;
	dune_vm.maxphyaddr = SIM_MAXPHYADDR;
	dune_vm.gen++;
	CK(dune_pt_init() == 0);
	idt_init();
	CK(dune_map_range((uint64_t)dune_idt, (uint64_t)dune_idt + sizeof(dune_idt)) == 0);
	CK(dune_scan_maps() == 0);
	dune_vm.pid = getpid();
	dune_vm.ready = 1;
}

/* ---- what a guest does -------------------------------------------------- */

/* SYSCALL in the guest: RCX, R11, RFLAGS as the CPU sets them, then the stub's VMCALL. */
static void guest_syscall(struct dune_run *run, long nr, long a1, long a2, long a3,
			  uint64_t ret_rip)
{
	run->regs.rcx = ret_rip;
	run->regs.r11 = run->regs.rflags;
	run->regs.rax = nr;
	run->regs.rdi = a1;
	run->regs.rsi = a2;
	run->regs.rdx = a3;
	run->regs.r10 = 0;
	run->regs.r8 = 0;
	run->regs.r9 = 0;
	run->regs.rflags &= ~0x47700ULL;
	run->regs.rip = (uint64_t)dune_syscall_vmcall_ret;
	run->exit_reason = DUNE_EXIT_VMCALL;
}

/*
 * An exception: the CPU's frame on IST1 (IST2 for vector 14), the stubs'
 * pushes, the VMCALL.  CR3 is libdune's root.
 */
static void guest_exception(struct vcpu *v, struct dune_run *run, int vector,
			    uint64_t error, uint64_t cr2, uint64_t rip, bool software)
{
	uint64_t top = vector == 14 ? (uint64_t)v->t + DUNE_T_PF_IST_TOP : v->t->ist_top;
	uint64_t *w = (uint64_t *)(top - (software ? 80 : 88));
	int i = 0;

	w[i++] = dune_vm.cr3;
	w[i++] = cr2;
	w[i++] = run->regs.rdx;
	w[i++] = run->regs.rax;
	w[i++] = vector;
	if (!software)
		w[i++] = error;
	w[i++] = rip;
	w[i++] = DUNE_GDT_CS;
	w[i++] = run->regs.rflags | 0x10000;	/* faults push RF = 1 */
	w[i++] = run->regs.rsp;
	w[i++] = DUNE_GDT_SS;
	run->regs.rsp = (uint64_t)w;
	run->regs.rax = 0x5a5a5a5a;
	run->regs.rdx = 0x6b6b6b6b;
	run->regs.rflags &= ~0x200ULL;
	run->regs.rip = (uint64_t)dune_exc_vmcall_ret;
	run->exit_reason = DUNE_EXIT_VMCALL;
}

/* End a script: dune_enter() returns @val, natively, after a #UD replay. */
static void guest_return(struct vcpu *v, struct dune_run *run, uint64_t val)
{
	run->regs = v->saved;
	run->regs.rax = val;
	guest_exception(v, run, 6, 0, 0, v->saved.rip, false);
}

/*
 * Landing pads: where a script resumes "guest" code whose stack has no C
 * frame.  A child (RAX = 0) exits with a status at once; the parent jumps
 * to landing_rip, the instruction after the call to dune_enter().
 */
uint64_t landing_rip;
volatile int child_landed;
void vfork_landing(void);
void thread_landing(void);
void spawn_landing(void);
__asm__(".text\n"
	".globl vfork_landing, thread_landing, spawn_landing\n"
	"vfork_landing:\n"
	"	test %rax, %rax\n	jnz 1f\n"
	"	mov $60, %eax\n	mov $33, %edi\n	syscall\n	ud2\n"
	"1:	jmp *landing_rip(%rip)\n"
	"thread_landing:\n"
	"	test %rax, %rax\n	jnz 1f\n"
	"	movl $1, child_landed(%rip)\n"
	"	mov $60, %eax\n	xor %edi, %edi\n	syscall\n	ud2\n"
	"1:	jmp *landing_rip(%rip)\n"
	"spawn_landing:\n"
	"	test %rax, %rax\n	jnz 1f\n"
	"	lea spawn_stack+8192(%rip), %rcx\n	cmp %rcx, %rsp\n	jne 2f\n"
	"	mov $60, %eax\n	mov $34, %edi\n	syscall\n	ud2\n"
	"2:	mov $60, %eax\n	mov $35, %edi\n	syscall\n	ud2\n"
	"1:	jmp *landing_rip(%rip)\n");

/*
 * dune_enter() with callee-saved registers set to known values and a
 * red-zone canary check right after it returns: returns dune_enter()'s
 * value, or -1 if a register or the 128 bytes below RSP changed.
 */
long enter_check_state(void);
__asm__(".text\n"
	".globl enter_check_state\n"
	"enter_check_state:\n"
	"	push %rbx\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n	push %rbp\n"
	"	mov $0x1234567812345678, %rbx\n	mov $0x1212, %r12\n	mov $0x1313, %r13\n"
	"	mov $0x1414, %r14\n	mov $0x1515, %r15\n	mov $0x1616, %rbp\n"
	"	sub $8, %rsp\n"
	"	call dune_enter\n"
	"	xor %ecx, %ecx\n"
	"1:	cmpb $0xa5, -128(%rsp,%rcx)\n	jne 2f\n	inc %rcx\n	cmp $128, %rcx\n	jb 1b\n"
	"	mov $0x1234567812345678, %rcx\n	cmp %rcx, %rbx\n	jne 2f\n"
	"	cmp $0x1212, %r12\n	jne 2f\n	cmp $0x1313, %r13\n	jne 2f\n"
	"	cmp $0x1414, %r14\n	jne 2f\n	cmp $0x1515, %r15\n	jne 2f\n"
	"	cmp $0x1616, %rbp\n	jne 2f\n	jmp 3f\n"
	"2:	mov $-1, %rax\n"
	"3:	add $8, %rsp\n	pop %rbp\n	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n"
	"	pop %rbx\n	ret\n");

/* ---- scripts ---------------------------------------------------------- */

/* System calls, a lazily mapped page fault, FS/GS bases, EINTR. */
static int script_basic(struct vcpu *v, struct dune_run *run)
{
	uint64_t base, gpa;
	char *region;

	switch (v->step++) {
	case 0:
		/* the state dune_enter() captured */
		v->saved = run->regs;
		/* RCX = RIP: dune_guest_init jumps through it (entry.S) */
		CK(run->regs.rax == 0 && run->regs.rcx == run->regs.rip && run->regs.rdi == 0);
		CK(run->regs.rbx == 0x1234567812345678ULL && run->regs.r15 == 0x1515);
		CK((run->regs.rsp & 15) == 0);	/* after "ret" from an aligned call */
		CK(syscall(SYS_arch_prctl, ARCH_GET_FS, &base) == 0 && run->fs_base == base);
		guest_syscall(run, __NR_getppid, 0x111, 0x222, 0x333, v->saved.rip);
		run->regs.r11 |= 1;		/* CF in the saved flags */
		return 0;
	case 1:
		CK((long)run->regs.rax == getppid());
		CK(run->regs.rip == v->saved.rip && (run->regs.rflags & 1));
		CK(run->regs.rdi == 0x111 && run->regs.rsi == 0x222 && run->regs.rdx == 0x333);
		/* a page fault in a chunk nobody registered yet */
		region = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		CK(region != MAP_FAILED);
		v->aux = (((uint64_t)region + (4 << 20)) & ~DUNE_CHUNK_MASK) + 12345;
		CK(gva_to_gpa(v->aux, &gpa) == -1);
		run->regs = v->saved;
		run->regs.rdx = 0x1111;
		run->regs.rax = 0x2222;
		guest_exception(v, run, 14, 2, v->aux, v->saved.rip, false);
		return 0;
	case 2:
		/* mapped, and "IRET" restored what the stubs saved */
		check_identity(v->aux);
		CK(run->regs.rip == v->saved.rip && run->regs.rsp == v->saved.rsp);
		CK(run->regs.rax == 0x2222 && run->regs.rdx == 0x1111);
		CK(run->regs.rflags == (v->saved.rflags | 0x10000));
		/* the same fault again (another vCPU was faster): just resume */
		run->regs.rax = 0x3333;
		guest_exception(v, run, 14, 2, v->aux, v->saved.rip, false);
		return 0;
	case 3:
		CK(run->regs.rax == 0x3333);
		guest_syscall(run, __NR_arch_prctl, ARCH_SET_GS, 0x5000, 0, v->saved.rip);
		return 0;
	case 4:
		CK(run->regs.rax == 0 && run->gs_base == 0x5000);
		CK(syscall(SYS_arch_prctl, ARCH_GET_GS, &base) == 0 && base == 0x5000);
		/* the guest sets its GS base itself (WRGSBASE): the thread follows */
		run->gs_base = 0;
		guest_syscall(run, __NR_getpid, 0, 0, 0, v->saved.rip);
		return 0;
	case 5:
		CK(syscall(SYS_arch_prctl, ARCH_GET_GS, &base) == 0 && base == 0);
		CK((long)run->regs.rax == getpid());
		return -EINTR;			/* a signal was pending: run again */
	case 6:
		memset((char *)v->saved.rsp - 128, 0xa5, 128);
		guest_return(v, run, 0x4242);
		return 0;
	}
	CK(!"script_basic: too many steps");
	return 0;
}

static int script_fork(struct vcpu *v, struct dune_run *run)
{
	switch (v->step++) {
	case 0:
		v->saved = run->regs;
		guest_syscall(run, __NR_fork, 0, 0, 0, v->saved.rip);
		return 0;
	case 1:
		CK((long)run->regs.rax > 0);
		guest_return(v, run, run->regs.rax);
		return 0;
	}
	CK(!"script_fork: too many steps");
	return 0;
}

static int script_vfork(struct vcpu *v, struct dune_run *run)
{
	switch (v->step++) {
	case 0:
		v->saved = run->regs;
		landing_rip = v->saved.rip;
		guest_syscall(run, __NR_vfork, 0, 0, 0, (uint64_t)vfork_landing);
		return 0;
	case 1:
		CK((long)run->regs.rax > 0 && run->regs.rip == (uint64_t)vfork_landing);
		guest_return(v, run, run->regs.rax);
		return 0;
	}
	CK(!"script_vfork: too many steps");
	return 0;
}

static volatile int ctid = -1;
static struct clone_args cargs;
static char child_stack[65536] __attribute__((aligned(16)));
char spawn_stack[8192] __attribute__((aligned(16)));
static uint64_t parent_rbx;

#define THREAD_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
			 CLONE_SYSVSEM | CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID)

/* The child thread: its registers, a system call, then exit(2). */
static int script_child_exit(struct vcpu *v, struct dune_run *run)
{
	switch (v->step++) {
	case 0:
		CK(run->regs.rax == 0 && run->regs.rip == (uint64_t)thread_landing);
		CK(run->regs.rsp == (uint64_t)child_stack + sizeof(child_stack));
		CK(run->regs.rbx == parent_rbx);
		CK(v->t->tid == gettid() && v->t->tid != getpid());
		guest_syscall(run, __NR_gettid, 0, 0, 0, (uint64_t)thread_landing);
		return 0;
	case 1:
		CK((long)run->regs.rax == gettid());
		guest_syscall(run, __NR_exit, 7, 0, 0, (uint64_t)thread_landing);
		return 0;
	}
	CK(!"script_child_exit: too many steps");
	return 0;
}

/* The child thread is replayed natively and lands on its own stack. */
static int script_child_replay(struct vcpu *v, struct dune_run *run)
{
	CK(v->step++ == 0 && run->regs.rax == 0);
	guest_exception(v, run, 6, 0, 0, (uint64_t)thread_landing, false);
	return 0;
}

/* The parent of a thread: wait for its exit (CLONE_CHILD_CLEARTID), return its TID. */
static int script_thread_parent(struct vcpu *v, struct dune_run *run, long nr)
{
	long tid;
	int i;

	switch (v->step++) {
	case 0:
		v->saved = run->regs;
		parent_rbx = run->regs.rbx;
		landing_rip = v->saved.rip;
		if (nr == __NR_clone3) {
			memset(&cargs, 0, sizeof(cargs));
			cargs.flags = THREAD_FLAGS;
			cargs.child_tid = (uint64_t)&ctid;
			cargs.parent_tid = (uint64_t)&ctid;
			cargs.stack = (uint64_t)child_stack;
			cargs.stack_size = sizeof(child_stack);
			guest_syscall(run, __NR_clone3, (long)&cargs, sizeof(cargs), 0,
				      (uint64_t)thread_landing);
		} else {
			guest_syscall(run, __NR_clone, THREAD_FLAGS,
				      (long)child_stack + sizeof(child_stack), (long)&ctid,
				      (uint64_t)thread_landing);
			run->regs.r10 = (uint64_t)&ctid;
		}
		return 0;
	case 1:
		tid = run->regs.rax;
		CK(tid > 0);
		for (i = 0; i < 5000 && ctid != 0; i++)
			usleep(1000);
		CK(ctid == 0);
		guest_return(v, run, tid);
		return 0;
	}
	CK(!"script_thread_parent: too many steps");
	return 0;
}

static int script_clone3_thread(struct vcpu *v, struct dune_run *run)
{
	return script_thread_parent(v, run, __NR_clone3);
}

static int script_clone_thread(struct vcpu *v, struct dune_run *run)
{
	return script_thread_parent(v, run, __NR_clone);
}

/* posix_spawn's clone3(CLONE_VM | CLONE_VFORK) with a stack of its own. */
static int script_spawn(struct vcpu *v, struct dune_run *run)
{
	switch (v->step++) {
	case 0:
		v->saved = run->regs;
		landing_rip = v->saved.rip;
		memset(&cargs, 0, sizeof(cargs));
		cargs.flags = CLONE_VM | CLONE_VFORK;
		cargs.exit_signal = SIGCHLD;
		cargs.stack = (uint64_t)spawn_stack;
		cargs.stack_size = sizeof(spawn_stack);
		guest_syscall(run, __NR_clone3, (long)&cargs, sizeof(cargs), 0,
			      (uint64_t)spawn_landing);
		return 0;
	case 1:
		CK((long)run->regs.rax > 0);
		guest_return(v, run, run->regs.rax);
		return 0;
	}
	CK(!"script_spawn: too many steps");
	return 0;
}

/* A forwarded blocking read(2), interrupted by SIGALRM. */
static int rpipe[2];
static char rbuf[4];
static struct dune_thread *reader;
static volatile int handler_on_host_stack = -1;

static void on_alarm(int sig)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	(void)sig;
	handler_on_host_stack = sp > (uint64_t)reader + DUNE_T_HOST_STACK &&
				sp < reader->host_stack_top;
	if (write(rpipe[1], "A", 1) != 1)
		_exit(97);
}

static uint64_t read_rip;		/* the guest's RIP after its read's SYSCALL */

static int script_read(struct vcpu *v, struct dune_run *run)
{
	switch (v->step++) {
	case 0:
		v->saved = run->regs;
		read_rip = v->saved.rip;
		reader = v->t;
		alarm(1);
		guest_syscall(run, __NR_read, rpipe[0], (long)rbuf, 1, v->saved.rip);
		return 0;
	case 1:
		guest_return(v, run, run->regs.rax);
		return 0;
	}
	CK(!"script_read: too many steps");
	return 0;
}

/*
 * A write the module could not map, twice on the same page: the first
 * time the host loop probes it natively (a locked OR of 0: the byte keeps
 * its value) and runs the guest again; the second time it gives up and
 * replays the instruction natively.
 */
static volatile char ept_target[4096] __attribute__((aligned(4096))) = { 'k' };

static int script_ept_fault(struct vcpu *v, struct dune_run *run)
{
	CK(v->step < 2);
	if (v->step++ == 0) {
		v->saved = run->regs;
		run->regs.rax = 77;
	} else {
		CK(run->regs.rax == 77);	/* the guest was simply run again */
	}
	run->exit_reason = DUNE_EXIT_EPT_FAULT;
	run->u.ept.gpa = 0x1000;
	run->u.ept.gva = (uint64_t)ept_target + 5;
	run->u.ept.hva = (uint64_t)ept_target;
	run->u.ept.flags = DUNE_EPT_WRITE | DUNE_EPT_GVA_VALID;
	return 0;
}

void int3_after(void);
void int_0e_after(void);
__asm__(".text\n"
	".globl int3_after, int_0e_after\n"
	"	int3\n"
	"int3_after:\n"
	"	mov $60, %eax\n	mov $5, %edi\n	syscall\n"
	"	int $0x0e\n"
	"int_0e_after:\n"
	"	mov $60, %eax\n	mov $6, %edi\n	syscall\n");

static int script_int3(struct vcpu *v, struct dune_run *run)
{
	guest_exception(v, run, 3, 0, 0, (uint64_t)int3_after, false);
	return 0;
}

static int script_int_0e(struct vcpu *v, struct dune_run *run)
{
	guest_exception(v, run, 14, 0, 0, (uint64_t)int_0e_after, true);
	return 0;
}

static int script_triple_fault(struct vcpu *v, struct dune_run *run)
{
	(void)v;
	run->exit_reason = DUNE_EXIT_TRIPLE_FAULT;
	return 0;
}

/* A VMCALL elsewhere in ring 0: the original's system-call ABI (§7.5.2). */
static int script_raw_vmcall(struct vcpu *v, struct dune_run *run)
{
	switch (v->step++) {
	case 0:
		v->saved = run->regs;
		run->regs.rax = __NR_getppid;
		run->regs.rcx = 0x1111;
		run->regs.r11 = 0x2222;
		run->regs.rip = 0x401003;	/* after a vmcall in program code */
		run->exit_reason = DUNE_EXIT_VMCALL;
		return 0;
	case 1:
		CK((long)run->regs.rax == getppid());
		CK(run->regs.rip == 0x401003);
		CK(run->regs.rcx == 0x1111 && run->regs.r11 == 0x2222);
		memset((char *)v->saved.rsp - 128, 0xa5, 128);	/* the red-zone canary */
		guest_return(v, run, 0x4343);
		return 0;
	}
	CK(!"script_raw_vmcall: too many steps");
	return 0;
}

/* A VMCALL at CPL 3 never reaches user space (dune.ko injects #UD). */
static int script_ring3_vmcall(struct vcpu *v, struct dune_run *run)
{
	(void)v;
	run->regs.rip = 0x401003;
	run->cpl = 3;
	run->exit_reason = DUNE_EXIT_VMCALL;
	return 0;
}

static int script_no_chunk(struct vcpu *v, struct dune_run *run)
{
	(void)v;
	run->exit_reason = DUNE_EXIT_EPT_FAULT;
	run->u.ept.gpa = 0xdead000;
	run->u.ept.flags = DUNE_EPT_READ | DUNE_EPT_NO_CHUNK;
	return 0;
}

/* ---- tests ------------------------------------------------------------- */

/* Every page of every mapping: GVA -> (guest page tables) -> GPA -> (chunks) -> same HVA. */
static int check_all_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perm[8];
	unsigned long s, e, a;
	int pages = 0, i, j;

	CK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perm) != 3)
			continue;
		if (!strncmp(perm, "---", 3) || s >= DUNE_USER_TOP)
			continue;
		for (a = s; a < e; a += 4096, pages++)
			check_identity(a);
	}
	fclose(f);
	for (i = 0; i < nchunks; i++)
		for (j = 0; j < i; j++)
			CK(chunks[i].gpa != chunks[j].gpa && chunks[i].hva != chunks[j].hva);
	return pages;
}

TEST(formatter_matches_libc)
{
	static const char *const fmts[] = {
		"%d|%i|%u", "%5d|%-5d|%05d", "%x|%X|%#x|%#X|%08x", "%o|%#o",
	};
	static const long long vals[] = {
		-12345, 0, 42, -1, 0x7fffffffffffffffLL, (long long)0x8000000000000000ULL,
	};
	char a[256], b[256];
	unsigned int i, j;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
			int v = (int)vals[j];

			dune_snprintf(a, sizeof(a), fmts[i], v, v, v, v, v);
			snprintf(b, sizeof(b), fmts[i], v, v, v, v, v);
			EXPECT_STREQ(b, a);
		}
	}
	for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
		long long v = vals[j];

		dune_snprintf(a, sizeof(a), "%ld|%lu|%lx|%lld|%llu|%llx|%zu|%zx",
			      (long)v, (unsigned long)v, (unsigned long)v, v,
			      (unsigned long long)v, (unsigned long long)v, (size_t)v, (size_t)v);
		snprintf(b, sizeof(b), "%ld|%lu|%lx|%lld|%llu|%llx|%zu|%zx",
			 (long)v, (unsigned long)v, (unsigned long)v, v,
			 (unsigned long long)v, (unsigned long long)v, (size_t)v, (size_t)v);
		EXPECT_STREQ(b, a);
	}
	dune_snprintf(a, sizeof(a), "%s|%10s|%-10s|%c|%3c|%%|%p", "abc", "r", "l", 'x', 'y',
		      (void *)0x1234);
	snprintf(b, sizeof(b), "%s|%10s|%-10s|%c|%3c|%%|%p", "abc", "r", "l", 'x', 'y',
		 (void *)0x1234);
	EXPECT_STREQ(b, a);
	EXPECT_EQ(6, dune_snprintf(a, 4, "%s", "abcdef"));
	EXPECT_STREQ("abc", a);
}

/*
 * Precision, the other flags, '*' widths and precisions, and every length:
 * the same text as libc, and - the trailing "%d" of each format checks it
 * - the same arguments consumed.
 */
#define SAME(...) do {							\
	char a_[256], b_[256];						\
	int na_ = dune_snprintf(a_, sizeof(a_), __VA_ARGS__);		\
	int nb_ = snprintf(b_, sizeof(b_), __VA_ARGS__);		\
									\
	EXPECT_STREQ(b_, a_);						\
	EXPECT_EQ(nb_, na_);						\
} while (0)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-truncation"
TEST(formatter_precision_flags_lengths)
{
	static const long long vals[] = { 0, 1, -1, 7, -42, 123456, -2147483648LL,
					  0x7fffffffffffffffLL };
	unsigned int j;

	for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
		long long v = vals[j];
		int iv = (int)v;

		SAME("%.3d|%.0d|%8.3d|%-8.3d|%08.3d|%+d|% d|%+.2d|%d", iv, iv, iv, iv, iv, iv, iv, iv, 99);
		SAME("%.5u|%.0u|%#.3o|%#o|%.0o|%#.0o|%d", (unsigned)iv, (unsigned)iv, (unsigned)iv,
		     (unsigned)iv, (unsigned)iv, (unsigned)iv, 99);
		SAME("%.4x|%#.4x|%#10.4X|%-#10x|%#010x|%.0x|%d", (unsigned)iv, (unsigned)iv,
		     (unsigned)iv, (unsigned)iv, (unsigned)iv, (unsigned)iv, 99);
		SAME("%*d|%-*d|%*.*d|%.*d|%d", 6, iv, 6, iv, 9, 4, iv, -1, iv, 99);
		SAME("%lld|%llu|%llx|%.20lld|%+lld|%d", v, (unsigned long long)v,
		     (unsigned long long)v, v, v, 99);
		SAME("%ld|%lu|%#lx|%zu|%zd|%zx|%td|%jd|%jx|%d", (long)v, (unsigned long)v,
		     (unsigned long)v, (size_t)v, (ssize_t)v, (size_t)v, (ptrdiff_t)v,
		     (intmax_t)v, (uintmax_t)v, 99);
		SAME("%hd|%hu|%hx|%hhd|%hhu|%hhx|%d", iv, iv, iv, iv, iv, iv, 99);
	}
	SAME("%.3s|%.*s|%-5s|%5.2s|%-6.1s|%.0s|%d", "abcdef", 2, "xyz", "ab", "abc", "abc", "q", 99);
	SAME("%.*s|%*s|%d", -1, "neg-prec", -4, "l", 99);
	SAME("%c|%-3c|%3c|%%|%5%|%d", 'a', 'b', 'c', 99);
	SAME("%p|%20p|%-20p|%p|%d", (void *)0x1234, (void *)0xdeadbeef, (void *)0x10, (void *)0, 99);
	SAME("%X|%o|%#X|%x|%d", 0xabcdefu, 0777u, 0u, 0u, 99);
	SAME("%s|%.10s|%d", (char *)NULL, (char *)NULL, 99);
	SAME("%-+5d|%+-5d|%- 5d|%0-5d|%d", 3, 3, 3, 3, 99);
	SAME("%5.0d|%-5.0d|%d", 0, 0, 99);
	SAME("[%10.4ld] [%-10.4lx] %d", 42L, 0xabL, 99);
}
#pragma GCC diagnostic pop

TEST(enter_without_init_fails)
{
	EXPECT_EQ(-EINVAL, dune_enter());
	EXPECT_EQ(-1, dune_vcpu_fd());
	EXPECT_FALSE(dune_is_in_dune_mode());
}

TEST(page_tables_map_every_mapping)
{
	sim_init();
	EXPECT_LT(100, check_all_maps());
	EXPECT_LE(PAGEBASE_SIM, dune_vm.cr3);		/* a page of the pool */
	EXPECT_GT(PAGEBASE_SIM + DUNE_CHUNK_SIZE, dune_vm.cr3);
	EXPECT_EQ(512, num_pages);
}

/* ~150 chunks at once (several batches) and > 512 tables (the pool grows). */
TEST(page_tables_batches_and_pools)
{
	char *big, *far;
	long i;

	big = mmap(NULL, 300 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	for (i = 0; i < 700; i++) {
		void *want = (void *)(0x100000000000UL + i * (1UL << 30) + 0x3000);

		ASSERT_EQ(want, mmap(want, 4096, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
	}
	sim_init();
	check_all_maps();
	EXPECT_LE(1024, num_pages);
	far = mmap((void *)0x7e0000000000UL, 4096, PROT_READ,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_NE(MAP_FAILED, far);
	EXPECT_EQ(1, dune_map_fault((uint64_t)far));
	EXPECT_EQ(0, dune_map_fault((uint64_t)far + 100));
	check_identity((uint64_t)far);
	EXPECT_EQ(-EFAULT, dune_map_fault(DUNE_USER_TOP));
}

/*
 * The whole life of a thread in Dune mode, with the checks in the script:
 * entry state, system calls, a lazy page fault, FS/GS, EINTR, and the way
 * back - registers and red zone intact.  Then again, since a thread may
 * re-enter after a replay.
 */
TEST(enter_syscalls_fault_and_replay)
{
	sim_init();
	next_script = script_basic;
	EXPECT_EQ(0x4242, enter_check_state());
	EXPECT_FALSE(dune_is_in_dune_mode());
	EXPECT_EQ(-1, dune_vcpu_fd());
	next_script = script_ept_fault;
	EXPECT_EQ(77, dune_enter());		/* probed, then replayed natively */
	EXPECT_EQ('k', ept_target[0]);
	EXPECT_EQ(2, nvcpus);
	EXPECT_EQ(vcpus[0].t, vcpus[1].t);	/* the same area, a new vCPU */
}

TEST(fork_child_runs_natively)
{
	int status;
	long pid;

	sim_init();
	next_script = script_fork;
	pid = dune_enter();
	if (pid == 0) {
		/* the child: native, with no VM */
		_exit(dune_vcpu_fd() == -1 && !dune_vm.ready && dune_vm.vm_fd == -1 ? 55 : 1);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(55, WEXITSTATUS(status));
}

TEST(vfork_child_runs_natively)
{
	int status;
	long pid;

	sim_init();
	next_script = script_vfork;
	pid = dune_enter();
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(33, WEXITSTATUS(status));
}

TEST(posix_spawn_child_on_its_stack)
{
	int status;
	long pid;

	sim_init();
	next_script = script_spawn;
	pid = dune_enter();
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(34, WEXITSTATUS(status));
}

/* clone3 thread: its own vCPU and registers, then exit(2) frees its area. */
TEST(clone3_thread_runs_and_exits)
{
	sim_init();
	next_script = script_clone3_thread;
	child_script = script_child_exit;
	EXPECT_LT(0, dune_enter());
	ASSERT_EQ(2, nvcpus);
	EXPECT_EQ(-1, msync(vcpus[1].t, 4096, MS_ASYNC));	/* unmapped */
	EXPECT_EQ(ENOMEM, errno);
}

TEST(clone_thread_replayed_natively)
{
	sim_init();
	next_script = script_clone_thread;
	child_script = script_child_replay;
	EXPECT_LT(0, dune_enter());
	EXPECT_EQ(1, child_landed);
}

static long read_with(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	CK(sigaction(SIGALRM, &sa, NULL) == 0);
	CK(pipe(rpipe) == 0);
	next_script = script_read;
	return dune_enter();
}

TEST(forwarded_read_restarts_with_sa_restart)
{
	sim_init();
	EXPECT_EQ(1, read_with(SA_RESTART));
	EXPECT_EQ('A', rbuf[0]);
	EXPECT_EQ(1, handler_on_host_stack);
}

TEST(forwarded_read_eintr_without_sa_restart)
{
	sim_init();
	EXPECT_EQ(-EINTR, read_with(0));
	EXPECT_EQ(1, handler_on_host_stack);
}

/*
 * A handler wrapped by libdune (sigctx.c; adopted as dune_init() does)
 * sees the guest's read, not the host loop's: RIP after the guest's
 * SYSCALL and RAX -EINTR, or - SA_RESTART - RIP at it and RAX __NR_read;
 * and the RAX it sets is the guest's result.
 */
static volatile uint64_t ctx_rip, ctx_rax;
static volatile long ctx_set_rax;

static void on_alarm_ctx(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	ctx_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	ctx_rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	if (ctx_set_rax)
		uc->uc_mcontext.gregs[REG_RAX] = ctx_set_rax;
	if (write(rpipe[1], "A", 1) != 1)
		_exit(97);
}

static long read_ctx(int flags, long set_rax)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_alarm_ctx;
	sa.sa_flags = SA_SIGINFO | flags;
	CK(sigaction(SIGALRM, &sa, NULL) == 0);
	CK(pipe(rpipe) == 0);
	ctx_set_rax = set_rax;
	dune_sigctx_adopt();
	next_script = script_read;
	return dune_enter();
}

TEST(sigctx_read_eintr_handler_sees_the_guest)
{
	sim_init();
	EXPECT_EQ(-EINTR, read_ctx(0, 0));
	EXPECT_EQ(read_rip, ctx_rip);
	EXPECT_EQ(-EINTR, (long)ctx_rax);
}

TEST(sigctx_read_restart_handler_sees_the_guest)
{
	sim_init();
	EXPECT_EQ(1, read_ctx(SA_RESTART, 0));
	EXPECT_EQ(read_rip - 2, ctx_rip);
	EXPECT_EQ(__NR_read, (long)ctx_rax);
}

TEST(sigctx_read_handler_sets_the_guests_result)
{
	sim_init();
	EXPECT_EQ(777, read_ctx(0, 777));
	EXPECT_EQ(read_rip, ctx_rip);
}

/*
 * A signal that finds the host loop half-way through an exit (here: in
 * the simulated module) is held back, blocked, and delivered at the next
 * DUNE_RUN, where the guest state is complete: the handler sees the guest
 * right after its getpid, and its change of RBX reaches the guest.
 */
static volatile int held_count;
static volatile uint64_t held_rip, held_rax;
static uint64_t held_ret_rip;

static void on_usr1_held(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	held_count++;
	held_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	held_rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	uc->uc_mcontext.gregs[REG_RBX] = 0x5a5a;
}

static int script_held(struct vcpu *v, struct dune_run *run)
{
	switch (v->step++) {
	case 0:
		v->saved = run->regs;
		held_ret_rip = v->saved.rip;
		/* the host loop is in "the module": not a place to show the guest */
		CK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1) == 0);
		CK(held_count == 0 && v->t->sig_deferred == 1ULL << (SIGUSR1 - 1));
		guest_syscall(run, __NR_getpid, 0, 0, 0, v->saved.rip);
		return 0;
	case 1:
		/* delivered before this run, with the guest after its getpid */
		CK(held_count == 1 && v->t->sig_deferred == 0);
		CK(run->regs.rbx == 0x5a5a);
		guest_return(v, run, run->regs.rax);
		return 0;
	}
	CK(!"script_held: too many steps");
	return 0;
}

TEST(sigctx_signal_held_back_until_the_guest_state_is_complete)
{
	struct sigaction sa;
	sigset_t mask;

	sim_init();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1_held;
	sa.sa_flags = SA_SIGINFO;
	CK(sigaction(SIGUSR1, &sa, NULL) == 0);
	dune_sigctx_adopt();
	next_script = script_held;
	EXPECT_EQ(getpid(), dune_enter());
	EXPECT_EQ(1, held_count);
	EXPECT_EQ(held_ret_rip, held_rip);
	EXPECT_EQ(getpid(), (long)held_rax);
	/* and the mask is the program's again */
	CK(sigprocmask(SIG_BLOCK, NULL, &mask) == 0);
	EXPECT_EQ(0, sigismember(&mask, SIGUSR1));
}

TEST_SIGNAL(int3_replayed_as_sigtrap, SIGTRAP)
{
	sim_init();
	next_script = script_int3;
	dune_enter();
}

TEST_SIGNAL(software_int_replayed_as_sigsegv, SIGSEGV)
{
	sim_init();
	next_script = script_int_0e;
	dune_enter();
}

TEST_SIGNAL(triple_fault_is_fatal, SIGKILL)
{
	sim_init();
	next_script = script_triple_fault;
	dune_enter();
}

TEST(raw_vmcall_is_a_system_call)
{
	sim_init();
	next_script = script_raw_vmcall;
	EXPECT_EQ(0x4343, enter_check_state());
}

TEST_SIGNAL(ring3_vmcall_is_fatal, SIGKILL)
{
	sim_init();
	next_script = script_ring3_vmcall;
	dune_enter();
}

TEST_SIGNAL(ept_fault_without_chunk_is_fatal, SIGKILL)
{
	sim_init();
	next_script = script_no_chunk;
	dune_enter();
}

/* ---- the original API's page tables (vm.c, page.c), natively ----------- */

/* dune.h's declarations, which internal.h hides from this file. */
extern uint64_t *pgroot;
extern struct sim_page { void *link; uint64_t ref; } *pages;
typedef int (*sim_walk_cb)(const void *arg, uint64_t *ptep, void *va);
int dune_vm_lookup(uint64_t *root, void *va, int create, uint64_t **pte_out);
int dune_vm_page_walk(uint64_t *root, void *start, void *end, sim_walk_cb cb, const void *arg);
int dune_vm_map_phys(uint64_t *root, void *va, size_t len, void *pa, int perm);
int dune_vm_map_pages(uint64_t *root, void *va, size_t len, int perm);
int dune_vm_mprotect(uint64_t *root, void *va, size_t len, int perm);
void dune_vm_unmap(uint64_t *root, void *va, size_t len);
int dune_vm_insert_page(uint64_t *root, void *va, struct sim_page *pg, int perm);
struct sim_page *dune_vm_lookup_page(uint64_t *root, void *va);
uint64_t *dune_vm_clone(uint64_t *root);
void dune_vm_free(uint64_t *root);
void dune_vm_default_pgflt_handler(uintptr_t addr, uint64_t fec);
uintptr_t dune_va_to_pa(void *ptr);
struct sim_page *dune_page_alloc(void);
void dune_page_counts(int *alloc, int *free, int *total);

#define P_R	0x1
#define P_W	0x2
#define P_X	0x4
#define P_COW	0x20
#define P_BIG	0x100
#define SIM_PTE_COW	0x200ULL
#define SIM_PTE_NX	(1ULL << 63)
#define FRESH_VA	0x600000000000ULL	/* nothing is mapped there */

static int nalloc(void)
{
	int a, f, t;

	dune_page_counts(&a, &f, &t);
	return a;
}

struct walk_log {
	int n;
	uint64_t va[600];
	uint64_t pte[600];
};

static int log_cb(const void *arg, uint64_t *ptep, void *va)
{
	struct walk_log *l = (struct walk_log *)arg;

	if (l->n < 600) {
		l->va[l->n] = (uint64_t)va;
		l->pte[l->n] = *ptep;
	}
	l->n++;
	return 0;
}

static uint64_t *pd_entry(uint64_t va)
{
	uint64_t *pde;

	CK(pt_walk(va, false, &pde) == 0);
	return pde;
}

/* An automatic leaf is split by a lookup: same translation, 4 KiB entries. */
TEST(vm_lookup_splits_auto_leaf)
{
	static char buf[3 * 4096] __attribute__((aligned(4096)));
	uint64_t va = (uint64_t)buf, gpa, *pte;
	struct walk_log l = { 0 };

	sim_init();
	buf[0] = 1;
	CK(gva_to_gpa(va, &gpa) == 0);
	EXPECT_TRUE(*pd_entry(va) & DUNE_PTE_AUTO);
	EXPECT_EQ(gpa, dune_va_to_pa(buf));
	ASSERT_EQ(0, dune_vm_lookup(pgroot, buf + 4096, 0, &pte));
	EXPECT_FALSE(*pd_entry(va) & PTE_PS);		/* now a table */
	EXPECT_TRUE(dune_chunk_claimed(va));
	EXPECT_EQ(gpa + 4096, *pte & PTE_ADDR);
	EXPECT_EQ(PTE_P | PTE_W, *pte & (PTE_P | PTE_W | PTE_PS | 4));
	EXPECT_EQ(gpa + 100, dune_va_to_pa(buf + 100));	/* the registry, not the tables */
	/* The walk sees exactly the pages of the range (end inclusive). */
	ASSERT_EQ(0, dune_vm_page_walk(pgroot, buf, buf + 2 * 4096 - 1, log_cb, &l));
	ASSERT_EQ(2, l.n);
	EXPECT_EQ(va, l.va[0]);
	EXPECT_EQ(va + 4096, l.va[1]);
	EXPECT_EQ(gpa, l.pte[0] & PTE_ADDR);
	/* A chunk miss never re-creates an automatic leaf over a claimed chunk. */
	EXPECT_EQ(0, dune_map_fault(va));
	EXPECT_EQ(-ENOENT, dune_vm_lookup(pgroot, (void *)FRESH_VA, 0, &pte));
}

/* map_pages, walk, clone and free: references balance, nothing leaks. */
TEST(vm_map_pages_clone_free_balance)
{
	struct walk_log l = { 0 };
	struct sim_page *pg;
	uint64_t *clone, *pte;
	int base, mapped;

	sim_init();
	ASSERT_EQ(-EINVAL, dune_vm_map_pages(pgroot, (void *)FRESH_VA, 4096, P_W));
	base = nalloc();
	ASSERT_EQ(0, dune_vm_map_pages(pgroot, (void *)(FRESH_VA + 4096), 3 * 4096, P_R | P_W));
	mapped = nalloc();
	EXPECT_EQ(base + 3 + 3, mapped);		/* 3 pages, PDPT + PD + PT */
	ASSERT_EQ(0, dune_vm_page_walk(pgroot, (void *)FRESH_VA, (void *)(FRESH_VA + (1 << 21) - 1),
				       log_cb, &l));
	ASSERT_EQ(3, l.n);
	EXPECT_EQ(FRESH_VA + 4096, l.va[0]);
	EXPECT_EQ(FRESH_VA + 3 * 4096, l.va[2]);
	EXPECT_EQ(SIM_PTE_NX | PTE_P | PTE_W, l.pte[1] & ~PTE_ADDR);
	pg = dune_vm_lookup_page(pgroot, (void *)(FRESH_VA + 4096));
	ASSERT_NE(NULL, pg);
	EXPECT_EQ(1U, pg->ref);
	EXPECT_EQ(NULL, dune_vm_lookup_page(pgroot, (void *)FRESH_VA));

	clone = dune_vm_clone(pgroot);
	ASSERT_NE(NULL, clone);
	EXPECT_EQ(2U, pg->ref);
	ASSERT_EQ(0, dune_vm_lookup(clone, (void *)(FRESH_VA + 4096), 0, &pte));
	EXPECT_EQ((uint64_t)(pg - pages) * 4096 + PAGEBASE_SIM, *pte & PTE_ADDR);
	dune_vm_free(clone);
	EXPECT_EQ(1U, pg->ref);
	EXPECT_EQ(mapped, nalloc());
	dune_vm_free(pgroot);				/* refused */
	EXPECT_EQ(mapped, nalloc());

	dune_vm_unmap(pgroot, (void *)FRESH_VA, 4 * 4096);
	EXPECT_EQ(mapped - 3, nalloc());		/* the tables stay */
	l.n = 0;
	ASSERT_EQ(0, dune_vm_page_walk(pgroot, (void *)FRESH_VA, (void *)(FRESH_VA + 4 * 4096),
				       log_cb, &l));
	EXPECT_EQ(0, l.n);
}

/* mprotect replaces the bits, keeps the address, creates nothing. */
TEST(vm_mprotect_and_cow)
{
	uint64_t *pte, a, b;
	struct sim_page *pg, *pg2;
	char *p;

	sim_init();
	ASSERT_EQ(0, dune_vm_map_pages(pgroot, (void *)FRESH_VA, 4096, P_R | P_W | P_X));
	ASSERT_EQ(0, dune_vm_lookup(pgroot, (void *)FRESH_VA, 0, &pte));
	a = *pte & PTE_ADDR;
	EXPECT_EQ(-EINVAL, dune_vm_mprotect(pgroot, (void *)FRESH_VA, 4096, P_W));
	ASSERT_EQ(0, dune_vm_mprotect(pgroot, (void *)FRESH_VA, 2 * 4096, P_R | P_COW));
	EXPECT_EQ(a | PTE_P | SIM_PTE_NX | SIM_PTE_COW, *pte);
	ASSERT_EQ(0, dune_vm_lookup(pgroot, (void *)(FRESH_VA + 4096), 0, &pte));
	EXPECT_EQ(0U, *pte);				/* never mapped: stays so */

	/* Share the page read-only + COW at a second address: ref 2. */
	pg = dune_vm_lookup_page(pgroot, (void *)FRESH_VA);
	ASSERT_NE(NULL, pg);
	p = (char *)a;					/* pool: GPA == HVA */
	strcpy(p, "cow data");
	ASSERT_EQ(0, dune_vm_insert_page(pgroot, (void *)(FRESH_VA + 8192), pg, P_R | P_COW));
	EXPECT_EQ(2U, pg->ref);
	/* A read fault changes nothing; a write fault copies. */
	dune_vm_default_pgflt_handler(FRESH_VA + 8192, 0);
	EXPECT_EQ(pg, dune_vm_lookup_page(pgroot, (void *)(FRESH_VA + 8192)));
	dune_vm_default_pgflt_handler(FRESH_VA + 8192 + 5, 2 /* FEC_W */);
	pg2 = dune_vm_lookup_page(pgroot, (void *)(FRESH_VA + 8192));
	ASSERT_NE(NULL, pg2);
	EXPECT_NE(pg, pg2);
	EXPECT_EQ(1U, pg->ref);
	EXPECT_EQ(1U, pg2->ref);
	ASSERT_EQ(0, dune_vm_lookup(pgroot, (void *)(FRESH_VA + 8192), 0, &pte));
	b = *pte & PTE_ADDR;
	EXPECT_STREQ("cow data", (char *)b);
	EXPECT_EQ(PTE_P | PTE_W | SIM_PTE_NX, *pte & ~PTE_ADDR);
	/* The last reference just becomes writable. */
	dune_vm_default_pgflt_handler(FRESH_VA, 2);
	ASSERT_EQ(0, dune_vm_lookup(pgroot, (void *)FRESH_VA, 0, &pte));
	EXPECT_EQ(a | PTE_P | PTE_W | SIM_PTE_NX, *pte);
}

/* 2 MiB leaves of the program: made, reported whole, split by a 4 KiB map. */
TEST(vm_map_phys_big_and_split)
{
	struct walk_log l = { 0 };
	uint64_t *pte, va = FRESH_VA + (1ULL << 30);

	sim_init();
	EXPECT_EQ(-EINVAL, dune_vm_map_phys(pgroot, (void *)(va + 4096), 1 << 21,
					    (void *)PAGEBASE_SIM, P_R | P_BIG));
	ASSERT_EQ(0, dune_vm_map_phys(pgroot, (void *)va, 1 << 21, (void *)PAGEBASE_SIM,
				      P_R | P_W | P_BIG));
	ASSERT_EQ(0, dune_vm_lookup(pgroot, (void *)(va + 8192), 0, &pte));
	EXPECT_EQ(PAGEBASE_SIM | PTE_P | PTE_W | PTE_PS | SIM_PTE_NX, *pte);
	ASSERT_EQ(0, dune_vm_page_walk(pgroot, (void *)(va + 4096), (void *)(va + 8191), log_cb, &l));
	ASSERT_EQ(1, l.n);				/* reported once, at its base */
	EXPECT_EQ(va, l.va[0]);
	/* A 4 KiB mapping inside it splits it; the rest keeps its translation. */
	ASSERT_EQ(0, dune_vm_map_phys(pgroot, (void *)(va + 4096), 4096,
				      (void *)(PAGEBASE_SIM + 0x10000), P_R));
	l.n = 0;
	ASSERT_EQ(0, dune_vm_page_walk(pgroot, (void *)va, (void *)(va + (1 << 21) - 1), log_cb, &l));
	ASSERT_EQ(512, l.n);
	EXPECT_EQ(PAGEBASE_SIM | PTE_P | PTE_W | SIM_PTE_NX, l.pte[0]);
	EXPECT_EQ((PAGEBASE_SIM + 0x10000) | PTE_P | SIM_PTE_NX, l.pte[1]);
	EXPECT_EQ((PAGEBASE_SIM + 2 * 4096) | PTE_P | PTE_W | SIM_PTE_NX, l.pte[2]);
	/* A big mapping over the table gives the table back. */
	{
		int before = nalloc();

		ASSERT_EQ(0, dune_vm_map_phys(pgroot, (void *)va, 1 << 21, (void *)PAGEBASE_SIM,
					      P_R | P_BIG));
		EXPECT_EQ(before - 1, nalloc());
	}
}

TEST_HARNESS_MAIN
