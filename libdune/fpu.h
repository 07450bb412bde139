/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fpu.h - saving and restoring the x87/SSE/AVX state with XSAVE, with the
 * names and structures of the original Dune's header.
 *
 * struct fpu_area holds the legacy area, the XSAVE header and the AVX
 * upper halves: 832 bytes.  The dune_fpu_* helpers therefore save and load
 * only those components (x87, SSE, AVX: XCR0 & 0x7), where the original's
 * mask of -1 let XSAVE write AVX-512 or PKRU state past the end of the
 * structure.  The fpu_x* primitives use the mask they are given.  XSAVE is
 * not privileged: all of this works in Dune mode and natively (on a CPU
 * and kernel with XSAVE enabled).
 */
#ifndef LIBDUNE_FPU_H
#define LIBDUNE_FPU_H

#include <stdint.h>
#include <string.h>

/* The legacy (FXSAVE) region, 512 bytes. */
struct fxsave_area {
	uint16_t cwd;
	uint16_t swd;
	uint16_t twd;
	uint16_t fop;
	uint64_t rip;
	uint64_t rdp;
	uint32_t mxcsr;
	uint32_t mxcsr_mask;
	uint32_t st_regs[32];
	uint32_t xmm_regs[64];
	uint32_t padding[24];
} __attribute__((packed));

/* The XSAVE header, 64 bytes. */
struct xsave_header {
	uint64_t xstate_bv;
	uint64_t reserved_zero[2];
	uint64_t reserved[5];
} __attribute__((packed));

/* Legacy region, header, and the upper halves of YMM0-15. */
struct xsave_area {
	struct fxsave_area fxsave;
	struct xsave_header header;
	uint32_t ymm_regs[64];
} __attribute__((packed, aligned(64)));

struct fpu_area {
	struct xsave_area xsave;
};

#if defined(__cplusplus) && __cplusplus >= 201103L
static_assert(sizeof(struct fpu_area) == 832, "struct fpu_area is 832 bytes");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct fpu_area) == 832, "struct fpu_area is 832 bytes");
#endif

/* The components struct fpu_area has room for: x87, SSE, AVX. */
#define DUNE_FPU_XSTATE_MASK	0x7ULL

static inline void fpu_xsave(struct fpu_area *fp, uint64_t mask)
{
	uint32_t lmask = (uint32_t) mask, umask = (uint32_t) (mask >> 32);

	__asm__ __volatile__("xsave64 (%0)"
			     : : "r" (fp), "a" (lmask), "d" (umask) : "memory");
}

static inline void fpu_xsaveopt(struct fpu_area *fp, uint64_t mask)
{
	uint32_t lmask = (uint32_t) mask, umask = (uint32_t) (mask >> 32);

	__asm__ __volatile__("xsaveopt64 (%0)"
			     : : "r" (fp), "a" (lmask), "d" (umask) : "memory");
}

static inline void fpu_xrstor(struct fpu_area *fp, uint64_t mask)
{
	uint32_t lmask = (uint32_t) mask, umask = (uint32_t) (mask >> 32);

	__asm__ __volatile__("xrstor64 (%0)"
			     : : "r" (fp), "a" (lmask), "d" (umask) : "memory");
}

/* XCR0 limited to what struct fpu_area holds. */
static inline uint64_t dune_fpu_xstate_mask(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return (((uint64_t) hi << 32) | lo) & DUNE_FPU_XSTATE_MASK;
}

/* A clean state: x87 control word 0x37f, MXCSR 0x1f80, nothing else. */
static inline void dune_fpu_init(struct fpu_area *fp)
{
	memset(fp, 0, sizeof(*fp));
	fp->xsave.fxsave.cwd = 0x37f;
	fp->xsave.fxsave.mxcsr = 0x1f80;
}

static inline void dune_fpu_load(struct fpu_area *fp)
{
	fpu_xrstor(fp, dune_fpu_xstate_mask());
}

/* XSAVEOPT: only for an area last loaded with dune_fpu_load(). */
static inline void dune_fpu_save(struct fpu_area *fp)
{
	fpu_xsaveopt(fp, dune_fpu_xstate_mask());
}

/* XSAVE: for any area. */
static inline void dune_fpu_save_safe(struct fpu_area *fp)
{
	fpu_xsave(fp, dune_fpu_xstate_mask());
}

#endif /* LIBDUNE_FPU_H */
