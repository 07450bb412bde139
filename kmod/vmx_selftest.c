// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_selftest.c - make every VMX instruction succeed and fail, on purpose.
 *
 * Reading /sys/kernel/debug/dune/selftest runs this on every CPU in VMX
 * operation.  It loads a scratch VMCS, then drives each checked wrapper
 * through VMsucceed and through the failures the SDM defines, and checks
 * that the reporter saw exactly the outcome and VM-instruction error the
 * SDM (Vol. 3C, chapter 31) promises:
 *
 *   VMPTRLD of the VMXON region          VMfailValid, error 10
 *   VMWRITE to a field that cannot exist VMfailValid, error 12
 *   INVEPT / INVVPID with a bad type     VMfailValid, error 28
 *   VMREAD with no current VMCS          VMfailInvalid
 *
 * The reporter prints the expected failures at info level, marked as
 * expected (an unexpected one is still an error).  Each line of output is
 * "PASS" or "FAIL", the CPU and the step.
 */
#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/io.h>

#include "dune.h"
#include "vmx_ops.h"

#define SELFTEST_MAX_STEPS	16

struct selftest_step {
	const char *name;
	enum vmx_outcome want;
	u32 want_error;			/* for VMX_FAIL_VALID */
	enum vmx_outcome got;
	u32 got_error;
	bool wrong_value;		/* succeeded, but read back the wrong value */
};

struct selftest {
	u64 vmcs_pa;			/* scratch VMCS */
	u64 vmxon_pa;
	unsigned int nr;
	struct selftest_step step[SELFTEST_MAX_STEPS];
};

/*
 * Record one step.  The reporter's per-CPU failure count tells whether the
 * wrapper reported a failure; the last failure tells which.
 */
static void step(struct selftest *t, const char *name, int ret,
		 unsigned long failures_before, enum vmx_outcome want, u32 want_error)
{
	struct selftest_step *s = &t->step[t->nr++];
	struct vmx_failure f;

	dune_vmx_last_failure(smp_processor_id(), &f);
	s->name = name;
	s->want = want;
	s->want_error = want_error;
	s->wrong_value = false;
	if (f.count == failures_before) {
		/* Nothing reported: the instruction succeeded. */
		s->got = VMX_SUCCEED;
		s->got_error = 0;
		s->wrong_value = ret != 0;
	} else {
		s->got = f.outcome;
		s->got_error = f.vm_instruction_error;
	}
}

static unsigned long failures_so_far(void)
{
	struct vmx_failure f;

	dune_vmx_last_failure(smp_processor_id(), &f);
	return f.count;
}

#define STEP(t, name, call, want, want_error)				\
	do {								\
		unsigned long before = failures_so_far();		\
		int ret = (call);					\
		step(t, name, ret, before, want, want_error);		\
	} while (0)

/* Runs on one CPU, interrupts off (IPI). */
static void selftest_this_cpu(void *arg)
{
	struct selftest *t = arg;
	unsigned long value = 0;

	t->nr = 0;
	dune_vmx_expect_failures(true);
	STEP(t, "vmclear scratch VMCS", dune_vmclear(t->vmcs_pa), VMX_SUCCEED, 0);
	STEP(t, "vmptrld scratch VMCS", dune_vmptrld(t->vmcs_pa), VMX_SUCCEED, 0);
	STEP(t, "vmwrite GUEST_RIP", vmcs_writenat(GUEST_RIP, 0x123456789abcUL),
	     VMX_SUCCEED, 0);
	STEP(t, "vmwrite VMCS_LINK_POINTER", vmcs_write64(VMCS_LINK_POINTER, -1ULL),
	     VMX_SUCCEED, 0);
	STEP(t, "vmwrite GUEST_ES_SELECTOR", vmcs_write16(GUEST_ES_SELECTOR, 0x2b),
	     VMX_SUCCEED, 0);
	STEP(t, "vmread GUEST_RIP back",
	     (value = vmcs_readnat(GUEST_RIP)) == 0x123456789abcUL ? 0 : -EINVAL,
	     VMX_SUCCEED, 0);
	STEP(t, "vmread VMCS_LINK_POINTER back",
	     vmcs_read64(VMCS_LINK_POINTER) == -1ULL ? 0 : -EINVAL, VMX_SUCCEED, 0);
	STEP(t, "vmread GUEST_ES_SELECTOR back",
	     vmcs_read16(GUEST_ES_SELECTOR) == 0x2b ? 0 : -EINVAL, VMX_SUCCEED, 0);
	STEP(t, "vmptrld VMXON region", dune_vmptrld(t->vmxon_pa),
	     VMX_FAIL_VALID, VMXERR_VMPTRLD_VMXON_POINTER);
	STEP(t, "vmwrite unsupported field", __vmcs_write(0xffffffffUL, 0),
	     VMX_FAIL_VALID, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	STEP(t, "invept bad type", dune_invept(0, 0),
	     VMX_FAIL_VALID, VMXERR_INVALID_OPERAND_TO_INVEPT_INVVPID);
	STEP(t, "invvpid bad type", dune_invvpid(4, 1, 0),
	     VMX_FAIL_VALID, VMXERR_INVALID_OPERAND_TO_INVEPT_INVVPID);
	STEP(t, "invvpid single context", dune_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, 1, 0),
	     VMX_SUCCEED, 0);
	STEP(t, "vmclear scratch VMCS again", dune_vmclear(t->vmcs_pa), VMX_SUCCEED, 0);
	STEP(t, "vmread without current VMCS",
	     vmx_check(VMX_INSN_VMREAD, __vmread(GUEST_RIP, &value), GUEST_RIP),
	     VMX_FAIL_INVALID, 0);
	dune_vmx_expect_failures(false);
}

void dune_vmx_selftest(struct seq_file *m)
{
	struct selftest *t;
	struct page *vmcs;
	unsigned int cpu, i;
	int pass = 0, fail = 0;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	vmcs = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!t || !vmcs) {
		seq_puts(m, "FAIL out of memory\n");
		goto out;
	}
	/* A VMCS region starts with the revision identifier (SDM Vol. 3C, 25.2). */
	*(u32 *)page_address(vmcs) = dune_vmx.vmcs_revision_id;
	t->vmcs_pa = page_to_phys(vmcs);

	cpus_read_lock();
	for_each_cpu(cpu, dune_vmx_cpumask()) {
		t->vmxon_pa = dune_vmxon_region_pa(cpu);
		if (smp_call_function_single(cpu, selftest_this_cpu, t, 1)) {
			seq_printf(m, "FAIL cpu%u: not reachable\n", cpu);
			fail++;
			continue;
		}
		for (i = 0; i < t->nr; i++) {
			struct selftest_step *s = &t->step[i];
			bool ok = s->got == s->want && !s->wrong_value &&
				  (s->want != VMX_FAIL_VALID || s->got_error == s->want_error);

			seq_printf(m, "%s cpu%u: %s: %s", ok ? "PASS" : "FAIL", cpu,
				   s->name, vmx_outcome_name(s->got));
			if (s->got == VMX_FAIL_VALID)
				seq_printf(m, " (error %u)", s->got_error);
			if (s->wrong_value)
				seq_puts(m, ", but read back a different value");
			if (!ok) {
				seq_printf(m, ", expected %s", vmx_outcome_name(s->want));
				if (s->want == VMX_FAIL_VALID)
					seq_printf(m, " (error %u)", s->want_error);
			}
			seq_putc(m, '\n');
			ok ? pass++ : fail++;
		}
	}
	cpus_read_unlock();
	seq_printf(m, "selftest: %d passed, %d failed\n", pass, fail);
out:
	if (vmcs)
		__free_page(vmcs);
	kfree(t);
}
