/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - libdune's private declarations, shared by its C files and by
 * entry.S (the constants at the top are all the assembly needs; the rest is
 * hidden from it by __ASSEMBLER__).
 *
 * The big picture, in four lines (README.md has a page, each file more):
 *  - GVA == HVA: in Dune mode a pointer means what it means natively;
 *  - guest-physical memory is the process's memory in 2 MiB chunks, whose
 *    GPAs libdune hands out (chunks.c);
 *  - each thread runs its vCPU from a host loop on a stack of its own, and
 *    re-issues the guest's system calls natively (loop.c);
 *  - R1: the host side calls no libc function (sys.h).
 */
#ifndef LIBDUNE_INTERNAL_H
#define LIBDUNE_INTERNAL_H

/* ---- Constants shared with entry.S ---------------------------------- */

/*
 * The guest's GDT (docs/design/libdune-api.md §7.4): Linux's layout, so
 * that STAR's selector arithmetic works for SYSCALL (CS = 0x10, SS = 0x18)
 * and SYSRET (CS = 0x30|3, SS = 0x28|3); the 16-byte 64-bit TSS at 0x38.
 */
#define DUNE_GDT_CS		0x10	/* 64-bit code, DPL 0 (GD_KT) */
#define DUNE_GDT_SS		0x18	/* data, DPL 0 (GD_KD) */
#define DUNE_GDT_UD		0x28	/* data, DPL 3 (GD_UD) */
#define DUNE_GDT_UT		0x30	/* 64-bit code, DPL 3 (GD_UT) */
#define DUNE_GDT_TR		0x38	/* 64-bit TSS (GD_TSS) */
#define DUNE_USER_CS		(DUNE_GDT_UT | 3)
#define DUNE_USER_SS		(DUNE_GDT_UD | 3)
/* Up to entry 15, the kernel's CPUNODE entry (selector 0x7b, see entry.c). */
#define DUNE_GDT_ENTRIES	16

/*
 * The per-thread area: one mmap of DUNE_THREAD_AREA bytes.
 *
 *   0        struct dune_thread (state, GDT, TSS, run structure)
 *   4 KiB    guard page
 *   8 KiB    IST2 stack, 8 KiB: page faults (vector 14) push their frame here
 *   16 KiB   IST1 stack, 8 KiB: every other exception in Dune mode
 *   24 KiB   scratch stack: a vfork child's first steps (loop.c)
 *   28 KiB   guard page
 *   32 KiB   host stack, 256 KiB: the host loop and native signal handlers
 *   288 KiB  end
 */
#define DUNE_THREAD_AREA	(288 * 1024)
#define DUNE_T_GUARD1		(4 * 1024)
/*
 * Page faults have an exception stack of their own (IST2), so that the
 * dispatch code of any other vector, still on IST1, may take one - when
 * it writes the handler's frame onto a stack libdune has yet to map -
 * without the CPU pushing the #PF's frame over the one being copied.
 */
#define DUNE_T_IST_BASE		(8 * 1024)	/* the lowest byte of both */
#define DUNE_T_PF_IST_TOP	(16 * 1024)
#define DUNE_T_IST_TOP		(24 * 1024)
#define DUNE_T_SCRATCH_TOP	(28 * 1024)
#define DUNE_T_GUARD2		(28 * 1024)
#define DUNE_T_HOST_STACK	(32 * 1024)

/* Offsets in struct dune_thread (checked in entry.c). */
#define DUNE_T_REGS		8	/* run.regs */
#define DUNE_T_HOST_STACK_TOP	296
/* Ring 3 (§7.7.1), right after it: */
#define DUNE_T_IN_USERMODE	304	/* 1 while at CPL 3 (and entry windows) */
#define DUNE_T_R0_SP		312	/* ring-0 stack for events from ring 3 */
#define DUNE_T_JUMP_CTX		320	/* innermost dune_jump_to_user context */
#define DUNE_T_USCRATCH		328	/* ring 3's RSP during syscall entry */
#define DUNE_T_UFS		336	/* ring 3's FS base */
#define DUNE_T_UGS		344	/* ring 3's GS base */
#define DUNE_T_KFS		352	/* ring 0's FS base, saved at each jump */
#define DUNE_T_KGS		360	/* ring 0's GS base, saved at each jump */
#define DUNE_T_SELF		368	/* the thread's own address */
#define DUNE_T_INIT_RAX		376	/* dune_guest_init: the registers the */
#define DUNE_T_INIT_RDX		384	/*   guest's first instruction sees */
#define DUNE_T_INIT_RIP		392
/* Host signals (intr.c, sigctx.c), read by dune_run_call before each run: */
#define DUNE_T_SIG_PENDING	480	/* signals to inject into the guest */
#define DUNE_T_SIG_DEFERRED	488	/* signals sigctx.c held back */

/*
 * TLB shootdown (tlb.c): the vectors the host loop injects for a flush -
 * their IDT stubs reload CR3 on a stack of their own (IST3, the scratch
 * stack) and return; the _CLI one clears IF in the frame it returns with.
 * Vector 200 is DUNE_SIGNAL_INTR_BASE + 0: no signal has number 0.  And
 * the host signal that makes a thread's DUNE_RUN return so that it flushes
 * (SIGRTMAX: libdune keeps it, as glibc keeps 32 and 33).
 */
#define DUNE_TLB_VECTOR		200
#define DUNE_TLB_VECTOR_CLI	199
#define DUNE_TLB_IST		3
#define DUNE_TLB_SIGNAL		64

/* MSRs */
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

/* Ring-3 RFLAGS: the user-settable flags, IF and bit 1 (§5.3). */
#define DUNE_RFLAGS_USER3_MASK	0x240dd5
#define DUNE_RFLAGS_USER3_SET	0x202

/* Offsets in struct dune_regs (the uapi layout). */
#define DUNE_R_RAX	0
#define DUNE_R_RBX	8
#define DUNE_R_RCX	16
#define DUNE_R_RDX	24
#define DUNE_R_RSI	32
#define DUNE_R_RDI	40
#define DUNE_R_RBP	48
#define DUNE_R_RSP	56
#define DUNE_R_R8	64
#define DUNE_R_R9	72
#define DUNE_R_R10	80
#define DUNE_R_R11	88
#define DUNE_R_R12	96
#define DUNE_R_R13	104
#define DUNE_R_R14	112
#define DUNE_R_R15	120
#define DUNE_R_RIP	128
#define DUNE_R_RFLAGS	136

/* Exception stubs: one 16-byte slot per vector (entry.S). */
#define DUNE_EXC_STUB_SIZE	16
#define DUNE_TF_SIZE		168	/* sizeof(struct dune_tf), for entry.S */

/* Offset of cr3 in struct dune_vm (checked in chunks.c), for entry.S. */
#define DUNE_VM_CR3		0

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/dune.h>

#include "dune.h"

#pragma GCC visibility push(hidden)

/* Virtual addresses below this are user addresses (4-level paging). */
#define DUNE_USER_TOP		0x0000800000000000ULL
#define DUNE_CHUNK_MASK		(DUNE_CHUNK_SIZE - 1)
#define DUNE_PAGE_SIZE		4096UL

/* RFLAGS bits */
#define DUNE_RFLAGS_RESERVED1	0x2UL		/* always 1 */
#define DUNE_RFLAGS_IF		0x200UL
/* What user space may set: CF PF AF ZF SF TF DF OF AC ID (and IF). */
#define DUNE_RFLAGS_USER	0x240dd5UL
/*
 * What dune.ko accepts in a guest's RFLAGS (DUNE_RUN fails with EINVAL
 * otherwise): the above, IF, IOPL, NT, RF and bit 1 - not VM, VIF, VIP,
 * which ring-0 code could set with IRET.
 */
#define DUNE_RFLAGS_GUEST	0x257fd7UL
#define DUNE_RFLAGS_RF		0x10000UL

/* ---- Exception frame ------------------------------------------------ */

/*
 * What a guest exception leaves on the thread's IST1 stack (IST2 for a
 * page fault), lowest address first: entry.S's common stub pushed CR3,
 * CR2, RDX, RAX over what the per-vector
 * stub pushed (the vector, and a 0 where the CPU pushes no error code),
 * over the CPU's own frame (RIP, CS, RFLAGS, RSP, SS).  The VMCALL after
 * the pushes leaves guest RSP pointing at cr3.  CR3 tells the host loop
 * whether the guest ran on libdune's own page tables (pgroot).
 */
struct dune_exc_frame {
	uint64_t cr3;
	uint64_t cr2;
	uint64_t rdx;
	uint64_t rax;
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};

/* ---- trap.c: exceptions dispatched in the guest ------------------------ */

extern uint64_t dune_xsave_mask;	/* read by entry.S */
bool dune_trap_has_handler(uint64_t vector);
/* entry.S: where the host loop sends a page fault back for the guest's handler */
extern char dune_exc_redispatch[];

/* ---- Per-thread state ----------------------------------------------- */

/*
 * A dune_jump_to_user() context (§7.7.2), on the caller's stack: what
 * dune_ret_from_user() needs to return from dune_jump_to_user().  The
 * layout is entry.S's.
 */
struct dune_jump_ctx {
	uint32_t mxcsr;
	uint16_t fcw;
	uint16_t pad0;
	uint64_t kfs_base;
	uint64_t r0gs_base;
	struct dune_jump_ctx *prev;
	uint64_t prev_r0_sp;
	uint64_t pad[2];
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t rip;				/* the return address */
};

/* A 64-bit TSS (SDM Vol. 3A, 8.7): only IST1 and the I/O map base matter. */
struct dune_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct dune_thread {
	/* Read and written by entry.S: keep first (DUNE_T_REGS). */
	struct dune_run run;
	uint64_t host_stack_top;		/* DUNE_T_HOST_STACK_TOP */
	/* Ring 3 (entry.S knows these offsets: DUNE_T_*). */
	uint64_t in_usermode;
	uint64_t r0_sp;
	struct dune_jump_ctx *jump_ctx;
	uint64_t uscratch;
	uint64_t ufs_base, ugs_base;
	uint64_t kfs_base, r0gs_base;
	struct dune_thread *self;
	uint64_t init_rax, init_rdx, init_rip;

	int vcpu_fd;				/* -1: no vCPU */
	int tid;
	unsigned long gen;			/* dune_vm.gen the vCPU belongs to */
	uint64_t clone_flags;			/* how this thread was created */
	uint64_t native_fs;			/* the FS/GS bases the thread has */
	uint64_t native_gs;			/*   natively right now */
	uint64_t ist_top;
	uint64_t scratch_top;
	uint64_t pf_addr;			/* last lazily mapped #PF address */
	unsigned int pf_repeat;
	uint64_t probed_page;			/* last EPT fault probed natively */
	/*
	 * Before each DUNE_RUN, entry.S's dune_run_call looks at these two
	 * together (DUNE_T_SIG_PENDING, DUNE_T_SIG_DEFERRED): keep them so.
	 */
	uint64_t sig_pending;			/* signals for the guest (bit n: signal n) */
	uint64_t sig_deferred;			/* held back by sigctx.c, blocked (bit n-1: signal n) */
	uint8_t intr_inflight;			/* the vector we last asked to inject */
	uint8_t sig_taken;			/* a handler replaced a forwarded call's result */
	uint32_t sig_depth;			/* program handlers running (sigctx.c) */
	int fork_signal;			/* dune_set_fork_signal: signal + 1, 0: none */
	struct dune_tlb_slot *tlb_slot;		/* tlb.c: this vCPU's flush state */

	/* Registers for a native replay, built by the host loop. */
	struct dune_regs resume;

	/* This thread's GDT (its TSS descriptor is busy) and TSS. */
	uint64_t gdt[DUNE_GDT_ENTRIES] __attribute__((aligned(16)));
	struct dune_tss tss __attribute__((aligned(16)));
};

/* The calling thread's state, or NULL (TLS: valid natively and in Dune mode). */
extern __thread struct dune_thread *dune_self
	__attribute__((tls_model("initial-exec")));

/* ---- Per-process state ---------------------------------------------- */

struct dune_vm {
	/*
	 * pgroot's GPA, the same as its address (pml4 below); 0 before
	 * dune_init().  First, so that entry.S finds it at DUNE_VM_CR3
	 * whatever else changes here.  Written under lock (chunks.c).
	 */
	uint64_t cr3;
	int ready;				/* dune_init() succeeded */
	int pid;				/* ... in this process (a fork child: the parent's) */
	int dev_fd;				/* /dev/dune */
	int vm_fd;
	int maxphyaddr;
	int debug;				/* LIBDUNE_DEBUG set */
	int intr_cap;				/* DUNE_CAP_RUN_INTERRUPT */
	int auto_user;				/* dune_init(map_full): auto leaves carry U */
	uint32_t vcpu_flags;			/* DUNE_VCPU_F_SMEP/_SMAP (protect.c) */
	unsigned long gen;			/* bumped by every dune_init() */

	/* Everything below is protected by lock (chunks.c). */
	int lock;
	uint64_t next_gpa;			/* the GPA bump allocator */
	uint64_t gpa_limit;			/* 2^maxphyaddr */
	uint64_t *pml4;				/* the root table (a pool page) */
};

extern struct dune_vm dune_vm;

/* ---- entry.S -------------------------------------------------------- */

extern char dune_syscall_entry[];	/* guest LSTAR */
extern char dune_guest_init[];		/* the first guest instructions (KGS) */
extern char dune_r3_text_start[], dune_r3_text_end[];	/* ring-3 entry code */
extern char dune_syscall_vmcall_ret[];	/* its RIP after the VMCALL */
extern char dune_exc_stubs[];		/* 256 stubs, 16 bytes apart */
extern char dune_exc_vmcall_ret[];	/* the common stub's RIP after VMCALL */

/* Load every register from @regs and jump there natively (IRETQ). */
void dune_native_resume(const struct dune_regs *regs) __attribute__((noreturn));

/*
 * req[0] = syscall number (__NR_clone or __NR_clone3), req[1..5] = its
 * arguments, req[6] = a function, req[7] = its argument.  Issues the
 * system call; in the parent returns its result; in the child calls
 * req[6](req[7]) on the child's initial stack, aligned to 16 bytes.
 */
long dune_raw_clone(const unsigned long req[8]);

/* munmap(area, len), then exit(status), without touching the stack between. */
void dune_thread_exit(void *area, size_t len, long status) __attribute__((noreturn));

/* ---- entry.c -------------------------------------------------------- */

struct dune_thread *dune_thread_alloc(void);
void dune_thread_free(struct dune_thread *t);
int dune_thread_create_vcpu(struct dune_thread *t);
long dune_enter_prepare(void);
void dune_host_loop_enter(struct dune_thread *t) __attribute__((noreturn));
void dune_thread_start(void *arg) __attribute__((noreturn));

/* ---- chunks.c ------------------------------------------------------- */

/* Bit n set: chunk n (address n << 21) was claimed by a dune_vm_* call. */
extern uint64_t *dune_claim_bitmap;

void dune_lock(void);
void dune_unlock(void);
int dune_pt_init(void);
int dune_map_range(uint64_t start, uint64_t end);
int dune_chunks_reregister(void);
int dune_map_fault(uint64_t addr);
int dune_scan_maps(void);

/* Chunk registry (chunks.c): lock-free readers, writers hold the lock. */
#define DUNE_NO_GPA		(~0ULL)
#define DUNE_PTE_AUTO		(1ULL << 11)	/* a 2 MiB leaf libdune wrote */
uint64_t dune_chunk_gpa(uint64_t hva);		/* GPA of hva's chunk, or DUNE_NO_GPA */
uint64_t dune_chunk_hva(uint64_t gpa);		/* the inverse, or DUNE_NO_GPA */
bool dune_chunk_claimed(uint64_t va);
void dune_chunk_claim(uint64_t va);
int dune_chunk_identity(uint64_t hva);		/* register hva as GPA hva (lock held) */
uint64_t dune_chunk_auto_leaf(uint64_t va);	/* the auto leaf for va's chunk, or 0 */

/* ---- page.c: the page pool at PAGEBASE (lock held where it says) ---- */

struct page;
int dune_page_pool_init(void);			/* lock held */
void dune_page_pool_meta(uint64_t *start, uint64_t *end);
bool dune_pool_contains(uint64_t pa);
struct page *dune_page_alloc_locked(void);
void dune_page_free_locked(struct page *pg);
uint64_t *dune_pool_table(void);		/* zeroed; GPA == HVA */
void dune_pool_table_free(uint64_t *table);
void dune_page_publish_root(void);		/* pgroot, phys_limit from dune_vm */

/* ---- intr.c: host signals as guest interrupts ------------------------ */

void dune_intr_before_run(struct dune_thread *t);
bool dune_intr_dropped(struct dune_thread *t, uint64_t vector);
void dune_intr_after_handler(uint64_t vector);

/* ---- fixup.c: ring-0 accesses the host cannot back ------------------ */

uint64_t dune_fixup_of(uint64_t rip);
long dune_fixup_populate(uint64_t addr, bool write);

/* ---- tlb.c: TLB shootdown across the process's vCPUs ---------------- */

struct dune_tlb_slot;
extern void *const dune_tlb_kick;		/* DUNE_TLB_SIGNAL's handler */
int dune_tlb_init(void);
void dune_tlb_thread_start(struct dune_thread *t);
void dune_tlb_thread_end(struct dune_thread *t);
void dune_tlb_fork_reset(struct dune_thread *t);
void dune_tlb_before_run(struct dune_thread *t);
void dune_tlb_after_run(struct dune_thread *t);
void dune_tlb_handler_entry(struct dune_thread *t, uint64_t rip);
void dune_tlb_shootdown(bool self_flushed);
uint64_t dune_tlb_generation(void);

/* ---- sigctx.c: signal handlers see the guest's registers ----------------- */

/* Set by signal.c: the native handler that must stay native (never wrapped). */
extern void *dune_sigctx_exempt;
/* The kernel's struct sigaction on x86-64 (arch/x86/include/uapi/asm/signal.h). */
struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define KSA_SIGINFO	0x00000004ULL
#define KSA_RESTORER	0x04000000ULL
#define KSA_RESTART	0x10000000ULL
#define KSA_RESETHAND	0x80000000ULL

/* rt_sigaction(2) itself, no libc (sigctx.c) */
long dune_ksigaction(int sig, const struct ksigaction *act, struct ksigaction *old);
void dune_sigctx_adopt(void);
long dune_sigctx_sigaction(struct dune_thread *t, const struct dune_regs *r);
void dune_sigctx_leave(struct dune_thread *t, struct dune_regs *regs);
void dune_sigctx_unblock(uint64_t bits);

/* entry.S: the host loop's system calls that sigctx.c recognises by RIP. */
long dune_run_call(long fd, unsigned long cmd, struct dune_run *run, struct dune_thread *t);
extern char dune_run_call_insn[], dune_run_call_done[], dune_run_call_end[];
extern char dune_run_call_unblocked[];	/* after the slow path's unblock */
long dune_fwd_call(const struct dune_regs *r);
extern char dune_fwd_call_insn[], dune_fwd_call_done[];
void dune_probe_read(uint64_t addr);
void dune_probe_write(uint64_t addr);
extern char dune_probe_done[];
void dune_unblock_call(uint64_t *bits);
void dune_sigreturn(void);		/* a restorer: rt_sigreturn */
extern char dune_unblock_call_end[];
/* Where libdune's guest entry code starts (its end: dune_r3_text_end). */
extern char dune_entry_text_start[];

/* ---- guestmem.c: guest memory the guest may have made invalid ---------- */

int dune_copy_from_guest(void *dst, uint64_t src, size_t len);
int dune_copy_to_guest(uint64_t dst, const void *src, size_t len);

/* ---- layout.c -------------------------------------------------------- */

void dune_layout_init(void);

/* ---- loop.c --------------------------------------------------------- */

void dune_host_loop(struct dune_thread *t) __attribute__((noreturn));

/* ---- printf.c ------------------------------------------------------- */

int dune_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap);
int dune_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A fatal error: message, register dump if @t, then SIGKILL the process. */
void dune_fatal(struct dune_thread *t, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

#pragma GCC visibility pop

#endif /* !__ASSEMBLER__ */
#endif /* LIBDUNE_INTERNAL_H */
