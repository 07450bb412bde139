// SPDX-License-Identifier: GPL-2.0
/*
 * signal.c - the program's signal handlers, run in ring 3.
 *
 * The host must never run program code: a handler address passed to the
 * real rt_sigaction would be called natively, outside the sandbox.  So
 * rt_sigaction is emulated: we remember the program's handler and install
 * our own host handler (catch_signal), which only marks the signal
 * pending.  Since a signal interrupts the host side of a forwarded system
 * call (or the DUNE_RUN ioctl), the program learns of it at the end of its
 * current system call: signals_deliver() then builds a frame on the
 * program's stack - the kernel's rt_sigframe layout: return address
 * (sa_restorer), ucontext with the interrupted registers and signal mask,
 * siginfo - and points ring 3 at the handler.  rt_sigreturn restores the
 * registers from that frame, exactly (dune_pop_trap_frame).
 *
 * SIG_DFL and SIG_IGN go to the host as they are: their meaning needs no
 * program code.  Faults in ring 3 (#PF, #GP, #UD, #DE...) become SIGSEGV,
 * SIGILL, SIGFPE... for the program's handler, or end the sandbox with
 * that signal as the program would have ended.
 *
 * Which thread: each program thread has its own supervisor thread (one
 * host thread), whose host signal mask is the program thread's.  So the
 * host kernel already picks the right thread - a tgkill's target, or for a
 * process-directed signal a thread that does not block it - and
 * catch_signal runs natively on that thread.  It marks the signal pending
 * for that thread only; the thread delivers it at the end of its current
 * system call, on its own stack or its own alternate stack, with its own
 * mask.
 *
 * Extended state: the frame carries ring 3's x87, SSE, AVX and AVX-512
 * state (opmask, ZMM_Hi256, Hi16_ZMM) as far as XCR0 enables them, in the
 * kernel's layout: struct _fpstate, FXSAVE format, with fpx_sw_bytes
 * naming the components and the size, the XSAVE standard form after it
 * with each component at the offset CPUID leaf 0xD gives, and
 * FP_XSTATE_MAGIC2 right after (no fixed size: xstate_layout).  It is
 * taken from the XSAVE area libdune keeps for the ring-3 event
 * (dune_user_fpu()); the handler starts with the initial state, as on
 * Linux.  rt_sigreturn reads the frame's state back into a copy, refuses
 * (SIGSEGV, as Linux does) a header with reserved bits, XSTATE_BV bits
 * beyond those components (PKRU among them), a component past the frame's
 * stated size, or MXCSR bits beyond MXCSR_MASK, and merges only those
 * components into libdune's area, which ring 0 then XRSTORs: nothing ring
 * 3 writes can make XRSTOR fault in ring 0 or reach another component
 * (PKRU stays what ring 3 had).
 *
 * Lock discipline.  sig_lock (a mutex) protects actions[] - the program's
 * handlers, shared by all its threads - with the host sigaction() calls
 * that go with them.  It is a leaf: nothing else is taken while it is
 * held (program memory is read and written before or after), it is never
 * held across a forwarded call, and the host signal handler never takes
 * it.  The pending set and the alternate stack are per thread (__thread):
 * only the thread itself touches them, and its own catch_signal, so
 * atomic bit operations suffice.  fork: process.c holds sig_lock across
 * the fork (signals_fork_prepare/done); the child's is a new one.
 *
 * Not done: signals are delivered only at system calls and faults, not
 * while the program computes without making any.
 */
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "sandbox.h"

struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define KSA_RESTORER	0x04000000
#ifndef SS_AUTODISARM
#define SS_AUTODISARM	(1U << 31)	/* include/uapi/linux/signal.h */
#endif

struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved[8];
};

struct kucontext {
	uint64_t flags;
	uint64_t link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct ksigcontext mc;
	uint64_t sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct kucontext uc;
	siginfo_t info;
};

/* The kernel's signal-frame FPU layout (arch/x86/include/uapi/asm/sigcontext.h). */
#define FP_XSTATE_MAGIC1	0x46505853U
#define FP_XSTATE_MAGIC2	0x46505845U
#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4

/*
 * The XSAVE standard form (SDM Vol. 1, 13.4): the legacy region (x87 and
 * SSE at fixed offsets), the header, then each further component at the
 * offset CPUID.(EAX=0DH,ECX=i).EBX gives, EAX bytes long.  Nothing about
 * the later components is assumed: their place and size come from CPUID
 * (xstate_layout), so AVX-512 - and whatever layout a CPU has (AMD's
 * differ from Intel's) - lands where XSAVE put it.
 */
#define XS_LEGACY		512
#define XS_HEADER		64
#define XS_SW_BYTES		464	/* fpx_sw_bytes, in the legacy region's free bytes */
#define XS_MXCSR		24
#define XS_MXCSR_MASK		28
#define XS_FCW			0
#define XS_ST0			32	/* ST0-7 / MM0-7, 16 bytes each */
#define XS_XMM0			160	/* XMM0-15, 16 bytes each, up to 416 */
#define XS_MAX			4096	/* libdune's area (dune_user_fpu: 4 KiB at most) */
#define FCW_DEFAULT		0x37f
#define MXCSR_DEFAULT		0x1f80
#define MXCSR_MASK_DEFAULT	0xffbf	/* SDM Vol. 1, 11.6.6, without MXCSR_MASK */
/*
 * What a frame may carry: x87 (0), SSE (1), AVX (2), AVX-512's opmask
 * (5), ZMM_Hi256 (6) and Hi16_ZMM (7) - as far as XCR0 enables them and
 * libdune saves them.  Never PKRU (9): ring 3's protection keys are not
 * the program's to set through a frame; it keeps what it had.
 */
#define XFEATURE_FRAME		0xe7ULL
#define XFEATURE_FIRST_EXT	2	/* components below live in the legacy region */
#define XFEATURE_LAST_FRAME	7

struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

/* The frame's layout, from CPUID leaf 0xD (xstate_layout, once). */
static struct {
	uint32_t off, size;
} xcomp[XFEATURE_LAST_FRAME + 1];
static uint64_t frame_features;		/* XFEATURE_FRAME & what libdune saves */
static uint32_t frame_xs_size;		/* the frame's XSAVE image, magic2 after it */
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

/* One frame image per thread (not on the ring-0 stack: up to 4 KiB). */
static __thread unsigned char frame_buf[XS_MAX + sizeof(uint32_t)] __attribute__((aligned(64)));

static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ksigaction actions[65];		/* sig_lock */

/* Per thread: see the top. */
static __thread uint64_t pending;		/* bit sig - 1 */
static __thread siginfo_t pending_info[65];
static __thread uint64_t alt_sp, alt_size;
static __thread bool alt_on;

static uint64_t sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

static void catch_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	pending_info[sig] = *si;
	__atomic_or_fetch(&pending, sigbit(sig), __ATOMIC_RELEASE);
}

static bool is_handler(uint64_t h)
{
	return h != (uint64_t)SIG_DFL && h != (uint64_t)SIG_IGN;
}

static struct ksigaction action_of(int sig)
{
	struct ksigaction ka;

	pthread_mutex_lock(&sig_lock);
	ka = actions[sig];
	pthread_mutex_unlock(&sig_lock);
	return ka;
}

long sys_rt_sigaction(int sig, uint64_t act, uint64_t oact, uint64_t size)
{
	struct ksigaction ka, old;
	struct sigaction sa;
	long ret = 0;

	if (size != 8 || sig < 1 || sig > 64)
		return -EINVAL;
	if (act && mem_read(&ka, act, sizeof(ka)))
		return -EFAULT;		/* one copy: what is checked is what is used */
	if (oact && !mem_check(oact, sizeof(ka), true))
		return -EFAULT;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (act && is_handler(ka.handler) && !(ka.flags & KSA_RESTORER))
		return -EINVAL;		/* every libc sets a restorer */
	pthread_mutex_lock(&sig_lock);
	if (sig == SIG_EXEC_STOP) {
		/*
		 * The host's disposition of this signal is the sandbox's
		 * (threads.c, sandbox.h).  The program's is only recorded -
		 * a later rt_sigaction reads it back - and never installed:
		 * runtimes that install a handler for every signal (Go's
		 * runtime dies on a failed sigaction) start, and the handler
		 * never runs.
		 */
		old = actions[sig];
		if (act)
			actions[sig] = ka;
		pthread_mutex_unlock(&sig_lock);
		if (oact && mem_write(oact, &old, sizeof(old)))
			return -EFAULT;
		return 0;
	}
	if (!is_handler(actions[sig].handler)) {
		/* what the host has (SIG_IGN may be inherited) */
		struct sigaction cur;

		sigaction(sig, NULL, &cur);
		actions[sig].handler = (uint64_t)cur.sa_handler == (uint64_t)SIG_IGN ?
			(uint64_t)SIG_IGN : (uint64_t)SIG_DFL;
	}
	old = actions[sig];
	if (act) {
		memset(&sa, 0, sizeof(sa));
		if (is_handler(ka.handler)) {
			sa.sa_sigaction = catch_signal;
			sa.sa_flags = SA_SIGINFO | (ka.flags & SA_RESTART);
		} else {
			sa.sa_handler = (void (*)(int))ka.handler;
			sa.sa_flags = ka.flags & (SA_RESTART | SA_NOCLDSTOP | SA_NOCLDWAIT);
		}
		sigfillset(&sa.sa_mask);
		if (sigaction(sig, &sa, NULL))
			ret = -errno;
		else
			actions[sig] = ka;
	}
	pthread_mutex_unlock(&sig_lock);
	if (!ret && oact && mem_write(oact, &old, sizeof(old)))
		ret = -EFAULT;
	return ret;
}

/* Is @sp on this thread's alternate stack? */
static bool on_altstack(uint64_t sp)
{
	return alt_on && sp > alt_sp && sp - alt_sp <= alt_size;
}

long sys_sigaltstack(uint64_t ss, uint64_t oss)
{
	stack_t n, o;

	if (ss && mem_read(&n, ss, sizeof(n)))
		return -EFAULT;
	if (oss && !mem_check(oss, sizeof(o), true))
		return -EFAULT;
	memset(&o, 0, sizeof(o));
	o.ss_sp = (void *)alt_sp;
	o.ss_size = alt_size;
	o.ss_flags = alt_on ? 0 : SS_DISABLE;
	if (ss) {
		if (n.ss_flags & ~(SS_DISABLE | SS_ONSTACK | SS_AUTODISARM))
			return -EINVAL;
		if (n.ss_flags & SS_DISABLE) {
			alt_on = false;
			alt_sp = alt_size = 0;
		} else {
			if (n.ss_size < (size_t)MINSIGSTKSZ)
				return -ENOMEM;
			alt_sp = (uint64_t)n.ss_sp;
			alt_size = n.ss_size;
			alt_on = true;
		}
	}
	if (oss && mem_write(oss, &o, sizeof(o)))
		return -EFAULT;
	return 0;
}

/* ---- the extended state ------------------------------------------------- */

static void xstate_layout(void)
{
	uint64_t want = dune_user_fpu_mask() & XFEATURE_FRAME;
	unsigned int a, b, c, d, i;

	frame_features = want & 3;
	frame_xs_size = XS_LEGACY + XS_HEADER;
	for (i = XFEATURE_FIRST_EXT; i <= XFEATURE_LAST_FRAME; i++) {
		if (!(want & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, a, b, c, d);
		if (!a || b < XS_LEGACY + XS_HEADER || a > XS_MAX || b > XS_MAX - a)
			continue;	/* not in the standard form within libdune's area */
		xcomp[i].off = b;
		xcomp[i].size = a;
		frame_features |= 1ULL << i;
		if (b + a > frame_xs_size)
			frame_xs_size = b + a;
	}
}

static uint64_t user_features(void)
{
	pthread_once(&layout_once, xstate_layout);
	return frame_features;
}

static uint64_t *xstate_bv(unsigned char *xs)
{
	return (uint64_t *)(xs + XS_LEGACY);
}

static uint32_t mxcsr_mask(const unsigned char *area)
{
	uint32_t m;

	memcpy(&m, area + XS_MXCSR_MASK, sizeof(m));
	return m ? m : MXCSR_MASK_DEFAULT;
}

/* Copy the components of @bv beyond the legacy region from @from to @to. */
static void copy_ext(unsigned char *to, const unsigned char *from, uint64_t bv)
{
	unsigned int i;

	for (i = XFEATURE_FIRST_EXT; i <= XFEATURE_LAST_FRAME; i++)
		if (bv & (1ULL << i))
			memcpy(to + xcomp[i].off, from + xcomp[i].off, xcomp[i].size);
}

/*
 * The frame's copy of ring 3's state, from libdune's area (NULL: none),
 * into frame_buf; returns its size (magic2 included).
 */
static size_t fpstate_save(const unsigned char *area)
{
	uint64_t features = user_features();
	struct fpx_sw_bytes sw = {
		.magic1 = FP_XSTATE_MAGIC1,
		.extended_size = frame_xs_size + sizeof(uint32_t),
		.xfeatures = features,
		.xstate_size = frame_xs_size,
	};
	unsigned char *fs = frame_buf;
	uint64_t bv = area ? *(const uint64_t *)(area + XS_LEGACY) & features : 0;
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	uint16_t fcw = FCW_DEFAULT;
	uint32_t mx = MXCSR_DEFAULT;

	/*
	 * A component XSAVE found in its initial state (XSTATE_BV bit clear)
	 * may not have been written (SDM Vol. 1, 13.7): the area holds old
	 * ring-0 stack bytes there, which must not reach the program.  Such
	 * a component goes into the frame as its initial values, zeros.
	 */
	memset(fs, 0, frame_xs_size);
	memcpy(fs + XS_FCW, &fcw, sizeof(fcw));
	if (area)
		memcpy(&mx, area + XS_MXCSR, sizeof(mx));	/* saved with SSE or AVX */
	memcpy(fs + XS_MXCSR, &mx, sizeof(mx));
	if (bv & 1) {		/* x87: FCW ... FDP, and ST0-7 */
		memcpy(fs, area, XS_MXCSR);
		memcpy(fs + XS_ST0, area + XS_ST0, XS_XMM0 - XS_ST0);
	}
	if (bv & 2)		/* SSE: XMM0-15 */
		memcpy(fs + XS_XMM0, area + XS_XMM0, XS_SW_BYTES - XS_XMM0 - 48);
	copy_ext(fs, area, bv);	/* AVX, AVX-512: where CPUID puts them */
	*xstate_bv(fs) = bv;
	memcpy(fs + XS_SW_BYTES, &sw, sizeof(sw));
	memcpy(fs + frame_xs_size, &magic2, sizeof(magic2));
	return frame_xs_size + sizeof(magic2);
}

/* The initial state for the frame's components in libdune's area: a handler starts with it. */
static void fpstate_init(unsigned char *area)
{
	uint32_t mx = MXCSR_DEFAULT;

	if (!area)
		return;
	*xstate_bv(area) &= ~user_features();	/* PKRU (not a frame component) stays */
	memcpy(area + XS_MXCSR, &mx, sizeof(mx));	/* XRSTOR loads MXCSR regardless */
}

/*
 * rt_sigreturn: the frame's state at @ufp (0: the initial state), checked,
 * into libdune's area.  -EFAULT for a frame Linux would refuse too.
 */
static int fpstate_restore(unsigned char *area, uint64_t ufp)
{
	uint64_t features = user_features(), bv, keep;
	unsigned char *fs = frame_buf;
	struct fpx_sw_bytes sw;
	unsigned int c;
	uint32_t mx;
	size_t i;

	if (!area)
		return 0;
	if (!ufp) {
		fpstate_init(area);
		return 0;
	}
	memset(fs, 0, frame_xs_size);
	if (mem_read(fs, ufp, XS_LEGACY))
		return -EFAULT;
	memcpy(&sw, fs + XS_SW_BYTES, sizeof(sw));
	if (sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size >= XS_LEGACY + XS_HEADER) {
		/* an XSAVE frame: its header, and the components it says it has */
		if (sw.xstate_size > frame_xs_size ||
		    mem_read(fs + XS_LEGACY, ufp + XS_LEGACY, sw.xstate_size - XS_LEGACY))
			return -EFAULT;
		bv = *xstate_bv(fs);
		for (i = XS_LEGACY + 8; i < XS_LEGACY + XS_HEADER; i++)
			if (fs[i])
				return -EFAULT;		/* XCOMP_BV, reserved bytes */
		if (bv & ~features)
			return -EFAULT;			/* PKRU among them */
		for (c = XFEATURE_FIRST_EXT; c <= XFEATURE_LAST_FRAME; c++)
			if ((bv & (1ULL << c)) && xcomp[c].off + xcomp[c].size > sw.xstate_size)
				return -EFAULT;		/* a component past the frame's end */
	} else {
		bv = 3 & features;	/* an FXSAVE frame: x87 and SSE */
	}
	memcpy(&mx, fs + XS_MXCSR, sizeof(mx));
	if (mx & ~mxcsr_mask(area))
		return -EFAULT;
	/* merge: only the frame's components, into the header XSAVE wrote */
	memcpy(area, fs, XS_MXCSR_MASK);		/* FCW ... MXCSR */
	memcpy(area + XS_ST0, fs + XS_ST0, XS_SW_BYTES - 48 - XS_ST0);	/* ST0-7, XMM0-15 */
	keep = *xstate_bv(area) & ~features;
	*xstate_bv(area) = keep | bv;
	copy_ext(area, fs, bv);
	return 0;
}

/* Build the frame for @sig and send ring 3 to its handler. */
static void deliver(struct dune_tf *tf, int sig, const siginfo_t *si, bool from_syscall)
{
	struct ksigaction ka = action_of(sig);
	unsigned char *area = dune_user_fpu(tf);
	struct rt_sigframe f;
	uint64_t sp = tf->rsp - 128;	/* the red zone */
	uint64_t fp_at, m;
	sigset_t old, block;
	size_t fs_len;

	if (!is_handler(ka.handler))
		return;			/* changed since it was caught */
	if ((ka.flags & SA_ONSTACK) && alt_on && !on_altstack(tf->rsp))
		sp = alt_sp + alt_size;
	fs_len = fpstate_save(area);
	fp_at = (sp - fs_len) & ~63UL;
	sp = ((fp_at - sizeof(f)) & ~15UL) - 8;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka.restorer;
	f.info = *si;
	f.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | (area ? UC_FP_XSTATE : 0);
	f.uc.ss_sp = alt_sp;
	f.uc.ss_size = alt_size;
	f.uc.ss_flags = alt_on ? 0 : SS_DISABLE;
	f.uc.mc.r8 = tf->r8;
	f.uc.mc.r9 = tf->r9;
	/* after SYSCALL, R10 is the fourth argument and RCX/R11 are clobbered */
	f.uc.mc.r10 = from_syscall ? tf->rcx : tf->r10;
	f.uc.mc.r11 = from_syscall ? tf->rflags : tf->r11;
	f.uc.mc.rcx = from_syscall ? tf->rip : tf->rcx;
	f.uc.mc.r12 = tf->r12;
	f.uc.mc.r13 = tf->r13;
	f.uc.mc.r14 = tf->r14;
	f.uc.mc.r15 = tf->r15;
	f.uc.mc.rdi = tf->rdi;
	f.uc.mc.rsi = tf->rsi;
	f.uc.mc.rbp = tf->rbp;
	f.uc.mc.rbx = tf->rbx;
	f.uc.mc.rdx = tf->rdx;
	f.uc.mc.rax = tf->rax;
	f.uc.mc.rsp = tf->rsp;
	f.uc.mc.rip = tf->rip;
	f.uc.mc.eflags = tf->rflags;
	f.uc.mc.cs = 0x33;
	f.uc.mc.ss = 0x2b;
	f.uc.mc.fpstate = fp_at;
	sigprocmask(SIG_SETMASK, NULL, &old);
	memcpy(&f.uc.sigmask, &old, 8);
	/* the frame goes to the program's memory in one checked copy each */
	if (mem_write(fp_at, frame_buf, fs_len) || mem_write(sp, &f, sizeof(f)))
		kill_program("no room for a signal frame on the program's stack", SIGSEGV);
	memcpy(&m, &old, 8);
	m |= ka.mask;
	if (!(ka.flags & SA_NODEFER))
		m |= sigbit(sig);
	m &= ~SIG_EXEC_STOP_BIT;
	memcpy(&block, &old, sizeof(block));
	memcpy(&block, &m, 8);
	sigprocmask(SIG_SETMASK, &block, NULL);
	fpstate_init(area);		/* the handler starts clean, as on Linux */
	tf->rdi = sig;
	tf->rsi = sp + offsetof(struct rt_sigframe, info);
	tf->rdx = sp + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rip = ka.handler;
	tf->rsp = sp;
	tf->rflags &= ~0x400UL;		/* DF clear */
	trace_signal(sig);
	if (ka.flags & SA_RESETHAND) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		pthread_mutex_lock(&sig_lock);
		sigaction(sig, &sa, NULL);
		actions[sig].handler = (uint64_t)SIG_DFL;
		pthread_mutex_unlock(&sig_lock);
	}
}

/* This thread's pending signals: the first with a handler, now. */
void signals_deliver(struct dune_tf *tf)
{
	uint64_t set = __atomic_load_n(&pending, __ATOMIC_ACQUIRE);
	int sig;

	for (sig = 1; set && sig <= 64; sig++) {
		if (!(set & sigbit(sig)))
			continue;
		__atomic_and_fetch(&pending, ~sigbit(sig), __ATOMIC_ACQ_REL);
		if (is_handler(action_of(sig).handler)) {
			siginfo_t si = pending_info[sig];

			deliver(tf, sig, &si, true);
			return;		/* one at a time: the rest at the next call */
		}
	}
}

/* A fault in ring 3: the program's handler, or the end. */
void signal_fault(struct dune_tf *tf, int sig, int code, uint64_t addr)
{
	siginfo_t si;
	sigset_t cur;

	sigprocmask(SIG_SETMASK, NULL, &cur);
	if (is_handler(action_of(sig).handler) && !sigismember(&cur, sig)) {
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = code;
		si.si_addr = (void *)addr;
		deliver(tf, sig, &si, false);
		return;
	}
	{
		char why[128];

		snprintf(why, sizeof(why), "%s at rip %#lx, address %#lx", strsignal(sig),
			 (unsigned long)tf->rip, (unsigned long)addr);
		kill_program(why, sig);
	}
}

long sys_rt_sigreturn(struct dune_tf *tf)
{
	/* the handler's "ret" popped pretcode: rsp points at the ucontext */
	uint64_t ucp = tf->rsp;
	unsigned char *area = dune_user_fpu(tf);
	struct kucontext uc;
	struct ksigcontext mc;
	sigset_t mask;
	uint64_t a[6] = { ucp };	/* the trace reads the frame's mask there */

	/* one copy of the frame: a racing thread changes nothing after the checks */
	if (mem_read(&uc, ucp, sizeof(uc)))
		kill_program("rt_sigreturn with a bad frame", SIGSEGV);
	mc = uc.mc;
	if (mc.rip >= (1UL << 47) || mc.rsp >= (1UL << 47))
		kill_program("rt_sigreturn to a non-user address", SIGSEGV);
	if (fpstate_restore(area, mc.fpstate))
		kill_program("rt_sigreturn with a bad FPU state in the frame", SIGSEGV);
	sigemptyset(&mask);
	memcpy(&mask, &uc.sigmask, 8);
	sigdelset(&mask, SIGKILL);
	sigdelset(&mask, SIGSTOP);
	sigdelset(&mask, SIG_EXEC_STOP);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	tf->r8 = mc.r8;
	tf->r9 = mc.r9;
	tf->r10 = mc.r10;
	tf->r11 = mc.r11;
	tf->r12 = mc.r12;
	tf->r13 = mc.r13;
	tf->r14 = mc.r14;
	tf->r15 = mc.r15;
	tf->rdi = mc.rdi;
	tf->rsi = mc.rsi;
	tf->rbp = mc.rbp;
	tf->rbx = mc.rbx;
	tf->rdx = mc.rdx;
	tf->rax = mc.rax;
	tf->rcx = mc.rcx;
	tf->rsp = mc.rsp;
	tf->rip = mc.rip;
	tf->rflags = mc.eflags;
	tf->cs = 0x33;
	tf->ss = 0x2b;
	trace_call(SYS_rt_sigreturn, a, (long)mc.rax);
	signals_deliver(tf);
	dune_pop_trap_frame_fpu(tf, area);
}

/* execve: caught signals go back to their default action. */
void signals_exec_reset(void)
{
	struct sigaction sa;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	pthread_mutex_lock(&sig_lock);
	for (sig = 1; sig <= 64; sig++) {
		if (is_handler(actions[sig].handler)) {
			sigaction(sig, &sa, NULL);
			memset(&actions[sig], 0, sizeof(actions[sig]));
		}
	}
	pthread_mutex_unlock(&sig_lock);
	__atomic_store_n(&pending, 0, __ATOMIC_RELEASE);
	alt_on = false;
	alt_sp = alt_size = 0;
}

void signals_install_host(void)
{
}

/* fork: the child gets actions[] consistent and sig_lock free. */
void signals_fork_prepare(void)
{
	pthread_mutex_lock(&sig_lock);
}

void signals_fork_done(void)
{
	pthread_mutex_unlock(&sig_lock);
}

void signals_fork_child(void)
{
	pthread_mutex_init(&sig_lock, NULL);
}
