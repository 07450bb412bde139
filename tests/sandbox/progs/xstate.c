// SPDX-License-Identifier: GPL-2.0
/*
 * xstate - ring 3's extended state across a signal handler, as Linux keeps
 * it: the handler reads the interrupted YMM (and, where the CPU has them,
 * AVX-512's opmask and ZMM) registers in its frame, changes every register
 * and the rounding mode (fesetround's two fields: x87 RC and MXCSR.RC, set
 * here without libm), and after rt_sigreturn everything is as before.
 *
 * The frame's layout is checked against CPUID leaf 0xD (SDM Vol. 1, 13.2):
 * fpx_sw_bytes names the components and the size, FP_XSTATE_MAGIC2 follows
 * the image, each component at its CPUID offset; PKRU (component 9) is
 * never in it.  Runs natively and in the sandbox; prints "ok ..." and
 * "FAIL ..." lines, and "skip ..." for what the CPU lacks.  Exit 0 if no
 * FAIL.
 */
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>

#define FP_XSTATE_MAGIC1	0x46505853U
#define FP_XSTATE_MAGIC2	0x46505845U
#define SW_BYTES_OFF		464
#define XSTATE_BV_OFF		512
#define RC_UP			2
#define RC_ZERO			3
#define X_AVX			2
#define X_OPMASK		5
#define X_ZMM_HI256		6
#define X_HI16_ZMM		7
#define X_PKRU			9

struct sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
};

static int fails;
static uint64_t xcr0;
static int have_avx, have_avx512;
static uint32_t comp_off[10], comp_size[10];

static uint8_t pat[32][64] __attribute__((aligned(64)));
static uint8_t out[32][64] __attribute__((aligned(64)));
static uint64_t kpat[8], kout[8];
static volatile int handled, frame_ok_avx = -1, frame_ok_avx512 = -1;
static struct sw_bytes seen_sw;
static uint64_t seen_bv;
static uint32_t seen_magic2;

#define report(ok, ...) do { printf((ok) ? "ok " : "FAIL "); printf(__VA_ARGS__); \
	printf("\n"); if (!(ok)) fails++; } while (0)

static void set_round(unsigned int rc)
{
	unsigned short cw;
	unsigned int mx;

	__asm__ __volatile__("fnstcw %0" : "=m"(cw));
	cw = (unsigned short)((cw & ~0xc00) | rc << 10);
	__asm__ __volatile__("fldcw %0" :: "m"(cw));
	__asm__ __volatile__("stmxcsr %0" : "=m"(mx));
	mx = (mx & ~0x6000u) | rc << 13;
	__asm__ __volatile__("ldmxcsr %0" :: "m"(mx));
}

static void get_round(unsigned int *x87, unsigned int *sse)
{
	unsigned short cw;
	unsigned int mx;

	__asm__ __volatile__("fnstcw %0" : "=m"(cw));
	__asm__ __volatile__("stmxcsr %0" : "=m"(mx));
	*x87 = (cw >> 10) & 3;
	*sse = (mx >> 13) & 3;
}

static void detect(void)
{
	unsigned int a, b, c, d, i;

	__cpuid(1, a, b, c, d);
	if (c & bit_OSXSAVE) {
		unsigned int lo, hi;

		__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = ((uint64_t)hi << 32) | lo;
	}
	have_avx = (c & bit_AVX) && (xcr0 & 6) == 6;
	__cpuid_count(7, 0, a, b, c, d);
	have_avx512 = have_avx && (b & bit_AVX512F) && (xcr0 & 0xe0) == 0xe0;
	for (i = 2; i < 10; i++)
		if (xcr0 & (1ULL << i)) {
			__cpuid_count(0xd, i, a, b, c, d);
			comp_size[i] = a;
			comp_off[i] = b;
		}
}

/* The handler: read the frame, then change everything it can. */
static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	const uint8_t *fp = (const uint8_t *)uc->uc_mcontext.fpregs;
	static const uint8_t ones[64] = { [0 ... 63] = 0xff };
	int i, ok;

	(void)sig;
	(void)si;
	handled = 1;
	if (fp) {
		memcpy(&seen_sw, fp + SW_BYTES_OFF, sizeof(seen_sw));
		memcpy(&seen_bv, fp + XSTATE_BV_OFF, sizeof(seen_bv));
		if (seen_sw.magic1 == FP_XSTATE_MAGIC1 && seen_sw.xstate_size < 65536)
			memcpy(&seen_magic2, fp + seen_sw.xstate_size, sizeof(seen_magic2));
		if (have_avx && seen_sw.magic1 == FP_XSTATE_MAGIC1 &&
		    (seen_sw.xfeatures & (1 << X_AVX)) &&
		    comp_off[X_AVX] + comp_size[X_AVX] <= seen_sw.xstate_size) {
			/* YMM_Hi128: the upper 16 bytes of YMM0-15 */
			for (i = 0, ok = 1; i < 16; i++)
				ok &= !memcmp(fp + comp_off[X_AVX] + 16 * i, pat[i] + 16, 16);
			frame_ok_avx = ok;
		}
		if (have_avx512 && seen_sw.magic1 == FP_XSTATE_MAGIC1 &&
		    (seen_sw.xfeatures & 0xe0) == 0xe0 &&
		    comp_off[X_HI16_ZMM] + comp_size[X_HI16_ZMM] <= seen_sw.xstate_size) {
			ok = 1;
			for (i = 1; i < 8; i++)		/* k0 is not set by the test */
				ok &= !memcmp(fp + comp_off[X_OPMASK] + 8 * i, &kpat[i], 8);
			for (i = 0; i < 16; i++)	/* ZMM_Hi256: bytes 32-63 of ZMM0-15 */
				ok &= !memcmp(fp + comp_off[X_ZMM_HI256] + 32 * i, pat[i] + 32, 32);
			for (i = 0; i < 16; i++)	/* Hi16_ZMM: ZMM16-31 whole */
				ok &= !memcmp(fp + comp_off[X_HI16_ZMM] + 64 * i, pat[16 + i], 64);
			frame_ok_avx512 = ok;
		}
	}
	set_round(RC_ZERO);
	if (have_avx)
		__asm__ __volatile__(
#define ONES(n) "vmovdqu %[o], %%ymm" #n "\n\t"
			ONES(0) ONES(1) ONES(2) ONES(3) ONES(4) ONES(5) ONES(6) ONES(7)
			ONES(8) ONES(9) ONES(10) ONES(11) ONES(12) ONES(13) ONES(14) ONES(15)
			:: [o] "m"(*(const uint8_t (*)[32])ones)
			: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			  "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	if (have_avx512)
		__asm__ __volatile__(
#define ZONES(n) "vmovdqu64 %[o], %%zmm" #n "\n\t"
			ZONES(16) ZONES(17) ZONES(18) ZONES(19) ZONES(20) ZONES(21) ZONES(22)
			ZONES(23) ZONES(24) ZONES(25) ZONES(26) ZONES(27) ZONES(28) ZONES(29)
			ZONES(30) ZONES(31)
			"kxnorq %%k1, %%k1, %%k1\n\tkxnorq %%k7, %%k7, %%k7\n\t"
			:: [o] "m"(ones));
}

/* tgkill(self, SIGUSR1) with the registers loaded just before and stored right after. */
#define LY(n) "vmovdqu " #n "*64(%[p]), %%ymm" #n "\n\t"
#define SY(n) "vmovdqu %%ymm" #n ", " #n "*64(%[q])\n\t"
#define LZ(n) "vmovdqu64 " #n "*64(%[p]), %%zmm" #n "\n\t"
#define SZ(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%[q])\n\t"
#define LK(n) "kmovq " #n "*8(%[kp]), %%k" #n "\n\t"
#define SK(n) "kmovq %%k" #n ", " #n "*8(%[kq])\n\t"

static void signal_with_ymm(void)
{
	long pid = getpid(), tid = syscall(SYS_gettid);
	/* no call between these and the asm: a call would clobber them */
	register long rax __asm__("rax") = SYS_tgkill;
	register long rdi __asm__("rdi") = pid;
	register long rsi __asm__("rsi") = tid;
	register long rdx __asm__("rdx") = SIGUSR1;

	__asm__ __volatile__(
		LY(0) LY(1) LY(2) LY(3) LY(4) LY(5) LY(6) LY(7)
		LY(8) LY(9) LY(10) LY(11) LY(12) LY(13) LY(14) LY(15)
		"syscall\n\t"
		SY(0) SY(1) SY(2) SY(3) SY(4) SY(5) SY(6) SY(7)
		SY(8) SY(9) SY(10) SY(11) SY(12) SY(13) SY(14) SY(15)
		: "+r"(rax)
		: "r"(rdi), "r"(rsi), "r"(rdx), [p] "r"(pat), [q] "r"(out)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/* The same with ZMM0-31 and k1-k7 (xmm16-31 and k are no compiler's here: no -mavx512f). */
static void signal_with_zmm(void)
{
	long pid = getpid(), tid = syscall(SYS_gettid);
	/* no call between these and the asm: a call would clobber them */
	register long rax __asm__("rax") = SYS_tgkill;
	register long rdi __asm__("rdi") = pid;
	register long rsi __asm__("rsi") = tid;
	register long rdx __asm__("rdx") = SIGUSR1;

	__asm__ __volatile__(
		LZ(0) LZ(1) LZ(2) LZ(3) LZ(4) LZ(5) LZ(6) LZ(7)
		LZ(8) LZ(9) LZ(10) LZ(11) LZ(12) LZ(13) LZ(14) LZ(15)
		LZ(16) LZ(17) LZ(18) LZ(19) LZ(20) LZ(21) LZ(22) LZ(23)
		LZ(24) LZ(25) LZ(26) LZ(27) LZ(28) LZ(29) LZ(30) LZ(31)
		LK(1) LK(2) LK(3) LK(4) LK(5) LK(6) LK(7)
		"syscall\n\t"
		SZ(0) SZ(1) SZ(2) SZ(3) SZ(4) SZ(5) SZ(6) SZ(7)
		SZ(8) SZ(9) SZ(10) SZ(11) SZ(12) SZ(13) SZ(14) SZ(15)
		SZ(16) SZ(17) SZ(18) SZ(19) SZ(20) SZ(21) SZ(22) SZ(23)
		SZ(24) SZ(25) SZ(26) SZ(27) SZ(28) SZ(29) SZ(30) SZ(31)
		SK(1) SK(2) SK(3) SK(4) SK(5) SK(6) SK(7)
		: "+r"(rax)
		: "r"(rdi), "r"(rsi), "r"(rdx), [p] "r"(pat), [q] "r"(out), [kp] "r"(kpat),
		  [kq] "r"(kout)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void check_frame(const char *what)
{
	uint64_t want = 3 | (have_avx ? 1 << X_AVX : 0) | (have_avx512 ? 0xe0 : 0);
	uint32_t need = 576;
	int i;

	for (i = 2; i < 10; i++)
		if ((want & (1ULL << i)) && comp_off[i] + comp_size[i] > need)
			need = comp_off[i] + comp_size[i];
	report(seen_sw.magic1 == FP_XSTATE_MAGIC1 && seen_magic2 == FP_XSTATE_MAGIC2,
	       "%s: the frame is an XSAVE frame (magic1 %#x, magic2 %#x)", what, seen_sw.magic1,
	       seen_magic2);
	report((seen_sw.xfeatures & want) == want && !(seen_sw.xfeatures & (1ULL << X_PKRU)),
	       "%s: the frame's components %#llx: x87, SSE%s%s, never PKRU", what,
	       (unsigned long long)seen_sw.xfeatures, have_avx ? ", AVX" : "",
	       have_avx512 ? ", AVX-512 (opmask, ZMM_Hi256, Hi16_ZMM)" : "");
	report(seen_sw.xstate_size >= need && seen_sw.extended_size == seen_sw.xstate_size + 4,
	       "%s: the frame's size %u (CPUID 0xD: %u for those components; extended %u)", what,
	       seen_sw.xstate_size, need, seen_sw.extended_size);
}

int main(void)
{
	struct sigaction sa;
	unsigned int x87, sse;
	int i, j;

	setvbuf(stdout, NULL, _IOLBF, 0);
	detect();
	printf("# XCR0 %#llx, AVX %d, AVX-512 %d\n", (unsigned long long)xcr0, have_avx,
	       have_avx512);
	for (i = 0; i < 32; i++)
		for (j = 0; j < 64; j++)
			pat[i][j] = (uint8_t)(0x11 * (i + 1) + 7 * j + 1);
	for (i = 0; i < 8; i++)
		kpat[i] = 0x0102030405060708ULL * (uint64_t)(i + 1) ^ 0xa5a5a5a5ULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);

	if (!have_avx) {
		printf("skip ymm: no AVX (XCR0 %#llx)\n", (unsigned long long)xcr0);
	} else {
		set_round(RC_UP);
		handled = 0;
		memset(out, 0, sizeof(out));
		signal_with_ymm();
		get_round(&x87, &sse);
		report(handled, "ymm: the handler ran");
		check_frame("ymm");
		report(frame_ok_avx == 1, "ymm: the handler read YMM0-15's upper halves in its frame");
		for (i = 0, j = 1; i < 16; i++)
			j &= !memcmp(out[i], pat[i], 32);
		report(j, "ymm: YMM0-15 after the handler are as before it");
		report(x87 == RC_UP && sse == RC_UP,
		       "ymm: the rounding mode after the handler is as before (x87 RC %u, MXCSR.RC %u, want %u)",
		       x87, sse, RC_UP);
	}
	if (!have_avx512) {
		printf("skip zmm: no AVX-512 on this CPU (XCR0 %#llx)\n", (unsigned long long)xcr0);
	} else {
		handled = 0;
		memset(out, 0, sizeof(out));
		memset(kout, 0, sizeof(kout));
		signal_with_zmm();
		report(handled, "zmm: the handler ran");
		check_frame("zmm");
		report(frame_ok_avx512 == 1,
		       "zmm: the handler read k1-7, ZMM0-15's upper halves and ZMM16-31 in its frame");
		for (i = 0, j = 1; i < 32; i++)
			j &= !memcmp(out[i], pat[i], 64);
		report(j, "zmm: ZMM0-31 after the handler are as before it");
		report(!memcmp(kout + 1, kpat + 1, 7 * 8), "zmm: k1-7 after the handler are as before");
	}
	return fails ? 1 : 0;
}
