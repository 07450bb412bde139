/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx_ops.h - the VMX instructions, every outcome checked.
 *
 * A VMX instruction can end in four ways (SDM Vol. 3C, 31.2 "Conventions"):
 *
 *   VMsucceed      CF=0, ZF=0
 *   VMfailInvalid  CF=1        there is no current VMCS, so no error number
 *   VMfailValid    ZF=1        the VM-instruction error field of the current
 *                              VMCS says why (SDM Vol. 3C, 31.4)
 *   a fault        #UD outside VMX operation, #GP for bad operands
 *
 * Each raw instruction below (__vmxon(), __vmread(), ...) returns one
 * enum vmx_outcome; a fault is caught through the exception table so it
 * becomes an outcome too, instead of an oops.  The checked wrappers
 * (dune_vmxon(), vmcs_read64(), ...) pass every failure to one reporter,
 * dune_vmx_failed(), which prints it (rate-limited) with the
 * VM-instruction error and records it for debugfs and the self-test.
 *
 * VMREAD and VMWRITE take a field encoding whose bits 14:13 give the
 * field's width (SDM Vol. 3D, B.1).  The vmcs_read16/32/64/nat() and
 * vmcs_write*() accessors check, at compile time, that the width of the
 * access matches the field, as KVM's vmx_ops.h does.
 */
#ifndef DUNE_VMX_OPS_H
#define DUNE_VMX_OPS_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

enum vmx_outcome {
	VMX_SUCCEED,
	VMX_FAIL_INVALID,
	VMX_FAIL_VALID,
	VMX_FAULT,
};

/* Which instruction failed, for the reporter. */
enum vmx_insn {
	VMX_INSN_VMXON,
	VMX_INSN_VMXOFF,
	VMX_INSN_VMCLEAR,
	VMX_INSN_VMPTRLD,
	VMX_INSN_VMREAD,
	VMX_INSN_VMWRITE,
	VMX_INSN_INVEPT,
	VMX_INSN_INVVPID,
	VMX_INSN_VMLAUNCH,
	VMX_INSN_VMRESUME,
	VMX_INSN_VMPTRST,
	VMX_INSN_COUNT,
};

/* The last failure seen on a CPU (kept per CPU by the reporter). */
struct vmx_failure {
	enum vmx_insn insn;
	enum vmx_outcome outcome;
	u32 vm_instruction_error;	/* meaningful for VMX_FAIL_VALID */
	u64 operand;
	unsigned long count;		/* failures on this CPU so far */
};

int dune_vmx_failed(enum vmx_insn insn, enum vmx_outcome outcome, u64 operand);
const char *vmx_insn_name(enum vmx_insn insn);
const char *vmx_outcome_name(enum vmx_outcome outcome);
const char *vm_instruction_error_name(u32 error);
void dune_vmx_last_failure(unsigned int cpu, struct vmx_failure *out);
void dune_vmx_expect_failures(bool expected);

/*
 * How the raw instructions tell the four outcomes apart with one asm
 * statement: just before the instruction we set CF=1 and ZF=1, a
 * combination no VMX instruction produces (each one clears or sets them
 * as in the table above).  If the instruction faults, the exception table
 * resumes right after it with RFLAGS as it was, so "both set" means
 * "faulted".
 */
#define VMX_PRESET_FAULT_FLAGS	"cmp %%rsp, %%rsp\n\tstc\n\t"

static __always_inline enum vmx_outcome vmx_flags_outcome(bool cf, bool zf)
{
	if (likely(!cf && !zf))
		return VMX_SUCCEED;
	if (cf && zf)
		return VMX_FAULT;
	return cf ? VMX_FAIL_INVALID : VMX_FAIL_VALID;
}

static __always_inline int vmx_check(enum vmx_insn insn,
				     enum vmx_outcome outcome, u64 operand)
{
	if (likely(outcome == VMX_SUCCEED))
		return 0;
	return dune_vmx_failed(insn, outcome, operand);
}

/*
 * Raw instructions.  The memory operands of VMXON, VMCLEAR and VMPTRLD
 * hold a 64-bit physical address; INVEPT and INVVPID take a 128-bit
 * descriptor in memory and the invalidation type in a register.
 */
/*
 * VMXON, VMCLEAR and VMPTRLD take the same operand, a 64-bit physical
 * address in memory, and differ only in mnemonic: one definition makes
 * __vmxon(), __vmclear() and __vmptrld().
 */
#define DEFINE_VMX_PHYS_ADDR_INSN(insn)					\
static __always_inline enum vmx_outcome __##insn(u64 phys)		\
{									\
	bool cf, zf;							\
									\
	asm volatile(VMX_PRESET_FAULT_FLAGS				\
		     "1: " #insn " %[pa]\n\t"				\
		     "2:\n\t"						\
		     _ASM_EXTABLE(1b, 2b)				\
		     : "=@ccc" (cf), "=@ccz" (zf)			\
		     : [pa] "m" (phys)					\
		     : "memory");					\
	return vmx_flags_outcome(cf, zf);				\
}

DEFINE_VMX_PHYS_ADDR_INSN(vmxon)
DEFINE_VMX_PHYS_ADDR_INSN(vmclear)
DEFINE_VMX_PHYS_ADDR_INSN(vmptrld)

/*
 * VMPTRST stores the current-VMCS pointer (all ones if there is none).
 * It has no VMfail outcome; like the others it can only fault (outside
 * VMX operation), which the preset flags report.
 */
static __always_inline enum vmx_outcome __vmptrst(u64 *phys)
{
	bool cf, zf;

	asm volatile(VMX_PRESET_FAULT_FLAGS
		     "1: vmptrst %[pa]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : "=@ccc" (cf), "=@ccz" (zf), [pa] "=m" (*phys)
		     : : "memory");
	return vmx_flags_outcome(cf, zf);
}

static __always_inline enum vmx_outcome __vmxoff(void)
{
	bool cf, zf;

	asm volatile(VMX_PRESET_FAULT_FLAGS
		     "1: vmxoff\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : "=@ccc" (cf), "=@ccz" (zf)
		     : : "memory");
	return vmx_flags_outcome(cf, zf);
}

/* VMREAD's destination is undefined unless it succeeded: start from 0. */
static __always_inline enum vmx_outcome __vmread(unsigned long field,
						 unsigned long *value)
{
	unsigned long v = 0;
	bool cf, zf;

	asm volatile(VMX_PRESET_FAULT_FLAGS
		     "1: vmread %[field], %[v]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [v] "+r" (v), "=@ccc" (cf), "=@ccz" (zf)
		     : [field] "r" (field));
	*value = v;
	return vmx_flags_outcome(cf, zf);
}

static __always_inline enum vmx_outcome __vmwrite(unsigned long field,
						  unsigned long value)
{
	bool cf, zf;

	asm volatile(VMX_PRESET_FAULT_FLAGS
		     "1: vmwrite %[v], %[field]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : "=@ccc" (cf), "=@ccz" (zf)
		     : [field] "r" (field), [v] "rm" (value));
	return vmx_flags_outcome(cf, zf);
}

/* INVEPT descriptor (SDM Vol. 3C, 31.3 "INVEPT"): EPTP, then reserved. */
struct invept_desc {
	u64 eptp;
	u64 reserved;
};

/* INVVPID descriptor (SDM Vol. 3C, 31.3 "INVVPID"): VPID, linear address. */
struct invvpid_desc {
	u64 vpid;		/* bits 15:0; 63:16 must be zero */
	u64 linear_address;
};

/*
 * INVEPT and INVVPID: the invalidation type in a register, a 128-bit
 * descriptor in memory.  One definition makes __invept() and __invvpid().
 */
#define DEFINE_VMX_INVALIDATE_INSN(insn)				\
static __always_inline enum vmx_outcome __##insn(unsigned long type,	\
						 const void *desc)	\
{									\
	const struct { u64 q[2]; } *d = desc;				\
	bool cf, zf;							\
									\
	asm volatile(VMX_PRESET_FAULT_FLAGS				\
		     "1: " #insn " %[desc], %[type]\n\t"		\
		     "2:\n\t"						\
		     _ASM_EXTABLE(1b, 2b)				\
		     : "=@ccc" (cf), "=@ccz" (zf)			\
		     : [desc] "m" (*d), [type] "r" (type)		\
		     : "memory");					\
	return vmx_flags_outcome(cf, zf);				\
}

DEFINE_VMX_INVALIDATE_INSN(invept)
DEFINE_VMX_INVALIDATE_INSN(invvpid)

/* Checked wrappers: 0 on success, -EIO (after a report) on any failure. */
static inline int dune_vmxon(u64 phys)
{
	return vmx_check(VMX_INSN_VMXON, __vmxon(phys), phys);
}

static inline int dune_vmxoff(void)
{
	return vmx_check(VMX_INSN_VMXOFF, __vmxoff(), 0);
}

static inline int dune_vmclear(u64 phys)
{
	return vmx_check(VMX_INSN_VMCLEAR, __vmclear(phys), phys);
}

static inline int dune_vmptrld(u64 phys)
{
	return vmx_check(VMX_INSN_VMPTRLD, __vmptrld(phys), phys);
}

/* The current VMCS's physical address, or -1ULL on failure or none. */
static inline u64 dune_vmptrst(void)
{
	u64 phys = -1ULL;

	if (vmx_check(VMX_INSN_VMPTRST, __vmptrst(&phys), 0))
		return -1ULL;
	return phys;
}

static inline int dune_invept(unsigned long type, u64 eptp)
{
	struct invept_desc d = { .eptp = eptp };

	return vmx_check(VMX_INSN_INVEPT, __invept(type, &d), type);
}

static inline int dune_invvpid(unsigned long type, u16 vpid, u64 addr)
{
	struct invvpid_desc d = { .vpid = vpid, .linear_address = addr };

	return vmx_check(VMX_INSN_INVVPID, __invvpid(type, &d), type);
}

/*
 * VMCS field widths, from bits 14:13 of the encoding (SDM Vol. 3D, B.1).
 * Bit 0 of a 64-bit field's encoding selects the "high" 32 bits; we
 * always access 64-bit fields whole.
 */
#define VMCS_FIELD_WIDTH(field)	(((field) >> 13) & 3)
#define VMCS_WIDTH_16		0
#define VMCS_WIDTH_64		1
#define VMCS_WIDTH_32		2
#define VMCS_WIDTH_NATURAL	3

/*
 * The width check happens at compile time: the accessors are always
 * inlined, so a constant field encoding stays constant inside them.
 */
static __always_inline void vmcs_check_width(unsigned long field, int width)
{
	BUILD_BUG_ON_MSG(__builtin_constant_p(field) &&
			 (VMCS_FIELD_WIDTH(field) != width ||
			  (width == VMCS_WIDTH_64 && (field & 1))),
			 "VMCS field accessed with the wrong width");
}

/* On failure, VMREAD is reported and reads as 0. */
static __always_inline unsigned long __vmcs_read(unsigned long field)
{
	unsigned long value;

	if (vmx_check(VMX_INSN_VMREAD, __vmread(field, &value), field))
		return 0;
	return value;
}

static __always_inline int __vmcs_write(unsigned long field, unsigned long value)
{
	return vmx_check(VMX_INSN_VMWRITE, __vmwrite(field, value), field);
}

static __always_inline u16 vmcs_read16(unsigned long field)
{
	vmcs_check_width(field, VMCS_WIDTH_16);
	return __vmcs_read(field);
}

static __always_inline u32 vmcs_read32(unsigned long field)
{
	vmcs_check_width(field, VMCS_WIDTH_32);
	return __vmcs_read(field);
}

static __always_inline u64 vmcs_read64(unsigned long field)
{
	vmcs_check_width(field, VMCS_WIDTH_64);
	return __vmcs_read(field);
}

static __always_inline unsigned long vmcs_readnat(unsigned long field)
{
	vmcs_check_width(field, VMCS_WIDTH_NATURAL);
	return __vmcs_read(field);
}

static __always_inline int vmcs_write16(unsigned long field, u16 value)
{
	vmcs_check_width(field, VMCS_WIDTH_16);
	return __vmcs_write(field, value);
}

static __always_inline int vmcs_write32(unsigned long field, u32 value)
{
	vmcs_check_width(field, VMCS_WIDTH_32);
	return __vmcs_write(field, value);
}

static __always_inline int vmcs_write64(unsigned long field, u64 value)
{
	vmcs_check_width(field, VMCS_WIDTH_64);
	return __vmcs_write(field, value);
}

static __always_inline int vmcs_writenat(unsigned long field, unsigned long value)
{
	vmcs_check_width(field, VMCS_WIDTH_NATURAL);
	return __vmcs_write(field, value);
}

#endif /* DUNE_VMX_OPS_H */
