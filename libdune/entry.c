// SPDX-License-Identifier: GPL-2.0
/*
 * entry.c - getting into Dune mode: dune_init(), dune_enter(), and the
 * per-thread machinery a vCPU needs.
 *
 * Dune mode in one paragraph.  The process asks /dev/dune for a VM
 * (DUNE_CREATE_VM): its guest-physical memory is the process's own memory,
 * in 2 MiB chunks (chunks.c).  Each thread that enters gets a vCPU
 * (DUNE_CREATE_VCPU), which runs in VMX non-root ring 0 with libdune's
 * page tables, GDT and IDT, and GVA == HVA, so the thread sees exactly the
 * memory it saw natively.  The thread itself then becomes two: the guest,
 * which goes on running the program's code from where dune_enter() was
 * called; and the host loop (loop.c), which runs natively on a stack of
 * its own, calls DUNE_RUN, and handles what the guest cannot do itself -
 * mainly its system calls.
 *
 * What a vCPU needs from user space, per thread:
 *
 *  - a GDT with a 64-bit ring-0 code segment, a data segment right after
 *    it (SYSCALL loads SS = CS + 8), and a 64-bit TSS.  The CPU marks the
 *    TSS descriptor busy when it loads TR, so every thread has its own GDT;
 *  - a TSS whose IST1 points at the thread's exception stack;
 *  - SYSCALL MSRs: STAR (the code selector), LSTAR (libdune's entry stub),
 *    SFMASK (flags cleared on SYSCALL).
 *
 * and per process: the page tables (CR3) and the IDT, whose 256 gates all
 * lead to entry.S's stubs on IST1.  All of it is ordinary process memory
 * (guest addresses are host addresses), registered as chunks before the
 * vCPU first runs.  The per-thread part lives in one mapping, with the
 * host stack (internal.h has the layout).
 *
 * Nothing here calls libc except dune_init()'s getenv(): the code that a
 * clone child runs (dune_thread_start) is host-side code under rule R1.
 */
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <asm/prctl.h>
#include <linux/sched.h>

#include "internal.h"
#include "sys.h"
#include "dune-ext.h"

__thread struct dune_thread *dune_self __attribute__((tls_model("initial-exec")));

/* The IDT: 256 16-byte gates, shared by all vCPUs. */
static uint64_t dune_idt[256 * 2] __attribute__((aligned(4096)));

/* Descriptors (SDM Vol. 3A, 3.4.5 and 8.2.3) */
#define GDT_CODE64	0x00af9b000000ffffULL	/* P, DPL 0, code exec/read, L, G */
#define GDT_DATA	0x00cf93000000ffffULL	/* P, DPL 0, data read/write, D/B, G */
#define GDT_UCODE64	0x00affb000000ffffULL	/* the same, DPL 3 */
#define GDT_UDATA	0x00cff3000000ffffULL
#define TSS_TYPE_BUSY	0x8bULL			/* P, DPL 0, 64-bit TSS (busy) */
#define IDT_INTR_GATE	0x8eULL			/* P, DPL 0, 64-bit interrupt gate */
#define IDT_INTR_GATE3	0xeeULL			/* the same, DPL 3: INT3 and INTO from ring 3 */

/* The highest exit signal a clone may ask for: valid_signal(), include/linux/signal.h */
#define DUNE_MAX_EXIT_SIGNAL	64

/* On SYSCALL, clear TF, IF, DF, IOPL, NT, AC (as Linux does, roughly). */
#define GUEST_SFMASK	0x47700ULL

_Static_assert(offsetof(struct dune_thread, run.regs) == DUNE_T_REGS,
	       "DUNE_T_REGS");
_Static_assert(offsetof(struct dune_thread, host_stack_top) == DUNE_T_HOST_STACK_TOP,
	       "DUNE_T_HOST_STACK_TOP");
_Static_assert(offsetof(struct dune_regs, rbx) == DUNE_R_RBX, "DUNE_R_RBX");
_Static_assert(offsetof(struct dune_regs, rsp) == DUNE_R_RSP, "DUNE_R_RSP");
_Static_assert(offsetof(struct dune_regs, r8) == DUNE_R_R8, "DUNE_R_R8");
_Static_assert(offsetof(struct dune_regs, r15) == DUNE_R_R15, "DUNE_R_R15");
_Static_assert(offsetof(struct dune_regs, rip) == DUNE_R_RIP, "DUNE_R_RIP");
_Static_assert(offsetof(struct dune_regs, rflags) == DUNE_R_RFLAGS, "DUNE_R_RFLAGS");
_Static_assert(sizeof(struct dune_tss) == 104, "64-bit TSS");
_Static_assert(offsetof(struct dune_thread, in_usermode) == DUNE_T_IN_USERMODE, "DUNE_T_IN_USERMODE");
_Static_assert(offsetof(struct dune_thread, r0_sp) == DUNE_T_R0_SP, "DUNE_T_R0_SP");
_Static_assert(offsetof(struct dune_thread, jump_ctx) == DUNE_T_JUMP_CTX, "DUNE_T_JUMP_CTX");
_Static_assert(offsetof(struct dune_thread, uscratch) == DUNE_T_USCRATCH, "DUNE_T_USCRATCH");
_Static_assert(offsetof(struct dune_thread, ufs_base) == DUNE_T_UFS, "DUNE_T_UFS");
_Static_assert(offsetof(struct dune_thread, ugs_base) == DUNE_T_UGS, "DUNE_T_UGS");
_Static_assert(offsetof(struct dune_thread, kfs_base) == DUNE_T_KFS, "DUNE_T_KFS");
_Static_assert(offsetof(struct dune_thread, r0gs_base) == DUNE_T_KGS, "DUNE_T_KGS");
_Static_assert(offsetof(struct dune_thread, self) == DUNE_T_SELF, "DUNE_T_SELF");
_Static_assert(offsetof(struct dune_thread, init_rax) == DUNE_T_INIT_RAX, "DUNE_T_INIT_RAX");
_Static_assert(offsetof(struct dune_thread, init_rdx) == DUNE_T_INIT_RDX, "DUNE_T_INIT_RDX");
_Static_assert(offsetof(struct dune_thread, init_rip) == DUNE_T_INIT_RIP, "DUNE_T_INIT_RIP");
_Static_assert(offsetof(struct dune_thread, sig_pending) == DUNE_T_SIG_PENDING, "DUNE_T_SIG_PENDING");
_Static_assert(offsetof(struct dune_thread, sig_deferred) == DUNE_T_SIG_DEFERRED, "DUNE_T_SIG_DEFERRED");
_Static_assert(sizeof(struct dune_jump_ctx) == 112, "struct dune_jump_ctx (entry.S)");
_Static_assert(sizeof(struct dune_thread) <= DUNE_T_GUARD1,
	       "struct dune_thread must fit below the first guard page");
_Static_assert(sizeof(struct dune_exc_frame) == 88, "exception frame");

/* Which of the thread's exception stacks a vector uses (internal.h). */
static unsigned int ist_of(int v)
{
	if (v == 14)
		return 2;
	if (v == DUNE_TLB_VECTOR || v == DUNE_TLB_VECTOR_CLI)
		return DUNE_TLB_IST;
	return 1;
}

static void idt_init(void)
{
	int v;

	for (v = 0; v < 256; v++) {
		uint64_t addr = (uint64_t)dune_exc_stubs + DUNE_EXC_STUB_SIZE * v;

		dune_idt[2 * v] = (addr & 0xffff) |
				  ((uint64_t)DUNE_GDT_CS << 16) |
				  /* IST2 for #PF, IST3 for the TLB flush, IST1 for the rest */
				  ((uint64_t)ist_of(v) << 32) |
				  ((v == 3 || v == 4 ? IDT_INTR_GATE3 : IDT_INTR_GATE) << 40) |
				  (((addr >> 16) & 0xffff) << 48);
		dune_idt[2 * v + 1] = addr >> 32;
	}
}

static void thread_init_tables(struct dune_thread *t)
{
	uint64_t base = (uint64_t)&t->tss;
	uint64_t limit = sizeof(t->tss) - 1;

	t->gdt[0] = 0;
	t->gdt[DUNE_GDT_CS / 8] = GDT_CODE64;
	t->gdt[DUNE_GDT_SS / 8] = GDT_DATA;
	t->gdt[DUNE_GDT_UD / 8] = GDT_UDATA;
	t->gdt[DUNE_GDT_UT / 8] = GDT_UCODE64;
	t->gdt[DUNE_GDT_TR / 8] = (limit & 0xffff) |
				  ((base & 0xffffff) << 16) |
				  (TSS_TYPE_BUSY << 40) |
				  (((limit >> 16) & 0xf) << 48) |
				  (((base >> 24) & 0xff) << 56);
	t->gdt[DUNE_GDT_TR / 8 + 1] = base >> 32;

	t->tss.ist[0] = t->ist_top;
	t->tss.ist[1] = (uint64_t)t + DUNE_T_PF_IST_TOP;
	/*
	 * The TLB flush's stub (tlb.c) may interrupt any guest code, even on
	 * IST1 with IF forced on: it gets the scratch stack, which only a
	 * vfork child uses - natively, while this thread's guest waits.
	 */
	t->tss.ist[DUNE_TLB_IST - 1] = t->scratch_top;
	t->tss.rsp[0] = t->ist_top;		/* unused (every gate has an IST) */
	t->tss.iomap_base = sizeof(t->tss);	/* no I/O permission bitmap */
}

/*
 * A thread's area (internal.h): state, exception stack, scratch stack and
 * host stack in one mapping, registered as chunks.  Async-signal-safe: the
 * host loop calls it for clone().
 */
struct dune_thread *dune_thread_alloc(void)
{
	struct dune_thread *t;
	long p;

	p = dune_sys_mmap(NULL, DUNE_THREAD_AREA, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dune_is_err(p))
		return NULL;
	dune_sys_mprotect((void *)(p + DUNE_T_GUARD1), DUNE_PAGE_SIZE, PROT_NONE);
	dune_sys_mprotect((void *)(p + DUNE_T_GUARD2), DUNE_PAGE_SIZE, PROT_NONE);

	t = (struct dune_thread *)p;		/* zeroed by mmap */
	t->vcpu_fd = -1;
	t->host_stack_top = (uint64_t)p + DUNE_THREAD_AREA;
	t->ist_top = (uint64_t)p + DUNE_T_IST_TOP;
	t->scratch_top = (uint64_t)p + DUNE_T_SCRATCH_TOP;
	t->self = t;
	thread_init_tables(t);

	if (dune_map_range((uint64_t)p, (uint64_t)p + DUNE_THREAD_AREA)) {
		dune_sys_munmap((void *)p, DUNE_THREAD_AREA);
		return NULL;
	}
	return t;
}

void dune_thread_free(struct dune_thread *t)
{
	dune_sys_munmap(t, DUNE_THREAD_AREA);
}

/* DUNE_CREATE_VCPU for the calling thread, which must own @t. */
int dune_thread_create_vcpu(struct dune_thread *t)
{
	struct dune_vcpu_config cfg;
	long fd;
	int err;

	/* After a re-init (fork child) the chunks must be registered anew. */
	err = dune_map_range((uint64_t)t, (uint64_t)t + DUNE_THREAD_AREA);
	if (err)
		return err;

	dune_zero(&cfg, sizeof(cfg));
	cfg.cr3 = dune_vm.cr3;
	/* GDT entry 15 follows the CPU: the vDSO's getcpu() reads it (LSL). */
	cfg.flags = DUNE_VCPU_F_CPUNODE | dune_vm.vcpu_flags;	/* SMEP/SMAP: protect.c */
	cfg.gdtr_base = (uint64_t)t->gdt;
	cfg.gdtr_limit = sizeof(t->gdt) - 1;
	cfg.idtr_base = (uint64_t)dune_idt;
	cfg.idtr_limit = sizeof(dune_idt) - 1;
	cfg.tr_base = (uint64_t)&t->tss;
	cfg.cs = DUNE_GDT_CS;
	cfg.ss = DUNE_GDT_SS;
	cfg.tr = DUNE_GDT_TR;
	/*
	 * SYSCALL: CS = 0x10, SS = 0x18.  SYSRET: CS = 0x20 + 16 (| 3),
	 * SS = 0x20 + 8 (| 3).
	 */
	cfg.star = ((uint64_t)(DUNE_GDT_UD - 8) << 48) | ((uint64_t)DUNE_GDT_CS << 32);
	cfg.lstar = (uint64_t)dune_syscall_entry;
	cfg.sfmask = GUEST_SFMASK;

	fd = dune_sys_ioctl_retry(dune_vm.vm_fd, DUNE_CREATE_VCPU, (unsigned long)&cfg);
	if (fd < 0)
		return (int)fd;
	t->vcpu_fd = (int)fd;
	t->gen = dune_vm.gen;
	return 0;
}

static void read_bases(struct dune_thread *t)
{
	uint64_t fs = 0, gs = 0;

	dune_sys_arch_prctl(ARCH_GET_FS, (unsigned long)&fs);
	dune_sys_arch_prctl(ARCH_GET_GS, (unsigned long)&gs);
	t->run.fs_base = fs;
	t->run.gs_base = gs;
	t->native_fs = fs;
	t->native_gs = gs;
	/* What ring 3 starts with, as in the original: ring 0's (§5.1). */
	t->ufs_base = fs;
	t->ugs_base = gs;
	t->kfs_base = fs;
	t->r0gs_base = gs;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		dune_sys_close(*fd);
	*fd = -1;
}

static int init_failed(const char *what, long err)
{
	dune_printf("dune: dune_init: %s (error %ld)\n", what, -err);
	close_fd(&dune_vm.vm_fd);
	close_fd(&dune_vm.dev_fd);
	return (int)err;
}

/*
 * Open /dev/dune now, for a later dune_init() (dune-ext.h): a process that
 * will give up the credentials that let it open the device - an
 * unprivileged user namespace, a setuid drop - opens it first, as a
 * process hands a KVM descriptor to a jailed child.  open_vm() below then
 * finds it and opens nothing.
 */
int dune_open_device(void)
{
	long ret;

	if (dune_vm.dev_fd >= 0)
		return dune_vm.dev_fd;
	ret = dune_sys_openat(AT_FDCWD, "/dev/dune", O_RDWR | O_CLOEXEC);
	if (ret < 0)
		return (int)ret;
	dune_vm.dev_fd = (int)ret;
	return dune_vm.dev_fd;
}

/*
 * Open /dev/dune, check that it speaks our API and has Dune mode, and
 * create this process's VM.  Used by a fresh dune_init() and by the
 * re-init of a fork child.
 */
static int open_vm(void)
{
	long ret;

	close_fd(&dune_vm.vm_fd);
	/*
	 * A fork child still has its parent's /dev/dune descriptor
	 * (fork_child() keeps it): the same device, whatever the child's
	 * credentials are now.  Only a process without one opens it.
	 */
	if (dune_vm.dev_fd < 0 ||
	    dune_sys_ioctl(dune_vm.dev_fd, DUNE_GET_API_VERSION, 0) != DUNE_API_VERSION) {
		close_fd(&dune_vm.dev_fd);
		ret = dune_sys_openat(AT_FDCWD, "/dev/dune", O_RDWR | O_CLOEXEC);
		if (ret < 0)
			return init_failed("cannot open /dev/dune (is dune.ko loaded?)", ret);
		dune_vm.dev_fd = (int)ret;
	}

	ret = dune_sys_ioctl(dune_vm.dev_fd, DUNE_GET_API_VERSION, 0);
	if (ret != DUNE_API_VERSION)
		return init_failed("dune.ko speaks another API version",
				   ret < 0 ? ret : -EPROTO);
	ret = dune_sys_ioctl(dune_vm.dev_fd, DUNE_CHECK_EXTENSION, DUNE_CAP_VM);
	if (ret <= 0)
		return init_failed("this dune.ko has no Dune mode (DUNE_CAP_VM)",
				   ret < 0 ? ret : -EOPNOTSUPP);
	ret = dune_sys_ioctl(dune_vm.dev_fd, DUNE_CHECK_EXTENSION, DUNE_CAP_MAXPHYADDR);
	if (ret <= DUNE_CHUNK_SHIFT || ret > 52)
		return init_failed("implausible MAXPHYADDR", ret < 0 ? ret : -EINVAL);
	if (dune_vm.maxphyaddr && dune_vm.maxphyaddr != ret)
		return init_failed("MAXPHYADDR changed since the parent's dune_init", -EINVAL);
	dune_vm.maxphyaddr = (int)ret;
	/* Host signals as guest interrupts (signal.c, intr.c) need K4. */
	dune_vm.intr_cap = dune_sys_ioctl(dune_vm.dev_fd, DUNE_CHECK_EXTENSION,
					  DUNE_CAP_RUN_INTERRUPT) > 0;

	ret = dune_sys_ioctl(dune_vm.dev_fd, DUNE_CREATE_VM, 0);
	if (ret < 0)
		return init_failed("DUNE_CREATE_VM failed", ret);
	dune_vm.vm_fd = (int)ret;
	return 0;
}

/*
 * The child of a fork() - in Dune mode or not - after its parent's
 * dune_init(): the parent's VM is not ours (its ioctls fail with EIO
 * here), but its page tables, page pool and chunk registry were copied
 * with the rest of memory.  A VM of our own with the same chunks at the
 * same GPAs makes them valid again, unchanged, exactly as the original
 * Dune's children inherited their parent's tables (section 7.2.7 of
 * docs/design/libdune-api.md).  The threads' vCPUs are re-created by
 * dune_enter() (the generation changes).
 */
static int reinit_fork_child(long pid)
{
	int err;

	dune_vm.ready = 0;
	dune_vm.gen++;
	dune_vm.lock = 0;
	err = open_vm();
	if (!err)
		err = dune_chunks_reregister();
	if (err)
		return err;
	dune_tlb_fork_reset(dune_self);	/* the parent's threads are not ours */
	dune_vm.pid = (int)pid;
	dune_vm.ready = 1;
	return 0;
}

int dune_init(bool map_full)
{
	static int init_lock;
	long pid = dune_sys_getpid();
	int err;

	while (__atomic_exchange_n(&init_lock, 1, __ATOMIC_ACQUIRE))
		dune_sys_sched_yield();
	if (dune_vm.ready && dune_vm.pid == pid) {
		err = 0;
		goto out;
	}
	if (dune_vm.pid && dune_vm.pid != pid) {
		err = reinit_fork_child(pid);
		goto out;
	}

	/* A fresh process, or one whose earlier dune_init() failed. */
	dune_vm.ready = 0;
	dune_vm.gen++;
	dune_vm.auto_user = map_full;	/* §7.3.2, and dune.h */
	dune_vm.lock = 0;
	dune_vm.maxphyaddr = 0;
	{
		const char *d = getenv("LIBDUNE_DEBUG");

		/* set, non-empty and not "0" */
		dune_vm.debug = d && d[0] && !(d[0] == '0' && !d[1]);
	}
	{
		/*
		 * What the trap dispatch path (entry.S) saves around a
		 * program's handler: x87, SSE, AVX, AVX-512 and PKRU, as far
		 * as XCR0 enables them - at most 2696 bytes, in a 4096-byte
		 * area.  Large components (AMX) are left out.
		 */
		unsigned int a, b, c, d2, lo, hi;

		__asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d2) : "a"(1), "c"(0));
		if (c & (1u << 27)) {		/* OSXSAVE */
			__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
			dune_xsave_mask = (((uint64_t)hi << 32) | lo) & 0x2e7;
		}
	}

	err = open_vm();
	if (err)
		goto out;
	err = dune_pt_init();
	if (err) {
		init_failed("cannot set up the guest page tables", err);
		goto out;
	}
	idt_init();
	err = dune_map_range((uint64_t)dune_idt, (uint64_t)dune_idt + sizeof(dune_idt));
	if (!err)
		err = dune_scan_maps();
	if (err) {
		init_failed("cannot map the process's memory", err);
		goto out;
	}
	dune_layout_init();
	err = dune_tlb_init();		/* DUNE_TLB_SIGNAL's handler (tlb.c) */
	if (err) {
		init_failed("cannot install the TLB shootdown's signal handler", err);
		goto out;
	}
	dune_sigctx_adopt();		/* handlers see the guest (sigctx.c) */
	dune_vm.pid = (int)pid;
	dune_vm.ready = 1;
out:
	__atomic_store_n(&init_lock, 0, __ATOMIC_RELEASE);
	return err;
}

/*
 * Called (natively) by dune_enter in entry.S: returns the calling thread's
 * state, with a vCPU and with run.regs zeroed for entry.S to fill in, or
 * -errno.
 */
long dune_enter_prepare(void)
{
	struct dune_thread *t;
	int err;

	if (!dune_vm.pid)		/* no dune_init() here or in a parent */
		return -EINVAL;
	if (!dune_vm.ready || dune_vm.pid != dune_sys_getpid()) {
		/* A fork child: dune_enter() alone is enough, as in the original. */
		err = dune_init(false);
		if (err)
			return err;
	}

	t = dune_self;
	if (t && t->vcpu_fd >= 0 && t->gen != dune_vm.gen)
		close_fd(&t->vcpu_fd);		/* from the VM before a re-init */
	if (!t) {
		t = dune_thread_alloc();
		if (!t)
			return -ENOMEM;
		dune_self = t;
	}
	if (t->vcpu_fd < 0) {
		err = dune_thread_create_vcpu(t);
		if (err)
			return err;
	}
	t->tid = (int)dune_sys_gettid();
	t->pf_addr = 0;
	t->pf_repeat = 0;
	t->sig_depth = 0;		/* a handler left with siglongjmp() */
	dune_zero(&t->run, sizeof(t->run));
	read_bases(t);
	return (long)t;
}

/* On the host stack, from entry.S: the guest's state is in t->run. */
void dune_host_loop_enter(struct dune_thread *t)
{
	struct dune_regs *r = &t->run.regs;

	r->rflags = (r->rflags & DUNE_RFLAGS_USER) | DUNE_RFLAGS_RESERVED1 |
		    DUNE_RFLAGS_IF;
	dune_host_loop(t);
}

/*
 * The first code of a thread created by clone() in Dune mode, on its own
 * host stack (loop.c prepared @arg, its area, before the clone).  The
 * kernel gave it the TLS the guest asked for: read it, take a vCPU, and
 * start the guest where the parent's clone returns, with RAX = 0.
 */
void dune_thread_start(void *arg)
{
	struct dune_thread *t = arg;
	int err;

	t->tid = (int)dune_sys_gettid();
	read_bases(t);
	/* Without a TLS of its own, the thread shares its parent's dune_self. */
	if (t->clone_flags & CLONE_SETTLS)
		dune_self = t;
	err = dune_thread_create_vcpu(t);
	if (err) {
		dune_printf("dune: thread %d: DUNE_CREATE_VCPU failed (error %d): it runs natively\n",
			    t->tid, -err);
		dune_copy(&t->resume, &t->run.regs, sizeof(t->resume));
		dune_native_resume(&t->resume);
	}
	dune_host_loop(t);
}

/* ---- dune-ext.h ----------------------------------------------------- */

bool dune_is_in_dune_mode(void)
{
	unsigned short cs;

	__asm__ __volatile__("movw %%cs, %0" : "=r"(cs));
	return (cs & 3) == 0;
}

int dune_vcpu_fd(void)
{
	struct dune_thread *t = dune_self;

	return t ? t->vcpu_fd : -1;
}

int dune_set_fork_signal(int sig)
{
	struct dune_thread *t = dune_self;

	if (!t || t->vcpu_fd < 0 || sig < -1 || sig > DUNE_MAX_EXIT_SIGNAL)
		return -EINVAL;
	t->fork_signal = sig + 1;	/* loop.c do_clone reads it, in this thread */
	return 0;
}

int dune_get_exit_stats(struct dune_exit_stats *stats)
{
	int fd = dune_vcpu_fd();

	if (fd < 0)
		return -EINVAL;
	dune_zero(stats, sizeof(*stats));
	return (int)dune_sys_ioctl(fd, DUNE_GET_EXIT_STATS, (unsigned long)stats);
}
