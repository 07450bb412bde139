// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_selftest.c - make every VMX instruction succeed and fail, on purpose.
 *
 * Writing to /sys/kernel/debug/dune/selftest runs this on every CPU in VMX
 * operation.  It loads a scratch VMCS, then drives each checked wrapper
 * through VMsucceed and through the failures the SDM defines, and checks
 * that the reporter saw exactly the outcome and VM-instruction error the
 * SDM (Vol. 3C, chapter 31) promises:
 *
 *   VMLAUNCH of a guest whose only instruction is VMCALL: a VM entry, and a
 *   VM exit with reason 18 (the first step towards a vCPU)
 *   VMLAUNCH of a VMCS already launched  VMfailValid, error 4
 *   VMPTRLD of the VMXON region          VMfailValid, error 10
 *   VMWRITE to a field that cannot exist VMfailValid, error 12
 *   INVEPT / INVVPID with a bad type     VMfailValid, error 28
 *   VMREAD with no current VMCS          VMfailInvalid
 *
 * The reporter prints the expected failures at info level, marked as
 * expected (an unexpected one is still an error).  Each line of output is
 * "PASS" or "FAIL", the CPU and the step.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <asm/desc.h>
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
	unsigned long guest_stack_top;	/* for the first VM entry */
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

/*
 * The first VM entry: the smallest possible guest.  It is a function of
 * this module, run in VMX non-root operation with the kernel's own page
 * tables, segments and descriptor tables, on a stack of its own.  VMCALL
 * always causes a VM exit (SDM Vol. 3C, 26.1.2), so the guest never gets
 * past it.  The vCPU code gives a guest its own state; this only proves the
 * controls, the host-state area and the entry/exit path.
 */
static noinline void selftest_guest(void)
{
	asm volatile("vmcall");
}

/*
 * VMLAUNCH from here, and land back here on VM exit.  HOST_RSP is this
 * stack after saving the callee-saved registers (the guest may change any
 * general-purpose register), HOST_RIP the label right after VMLAUNCH.  A
 * VM exit clears RFLAGS, so CF and ZF at that label tell "the guest ran"
 * (both 0) from "VMLAUNCH failed" (VMfailInvalid or VMfailValid).
 * Returns the outcome; 4 means the VMWRITE of HOST_RSP/HOST_RIP failed.
 */
static noinline u8 selftest_vmlaunch(void)
{
	u8 status;

	asm volatile("push %%rbp\n\t"
		     "push %%rbx\n\t"
		     "push %%r12\n\t"
		     "push %%r13\n\t"
		     "push %%r14\n\t"
		     "push %%r15\n\t"
		     "mov $%c[host_rsp], %%rdx\n\t"
		     "vmwrite %%rsp, %%rdx\n\t"
		     "jna 3f\n\t"
		     "lea 1f(%%rip), %%rax\n\t"
		     "mov $%c[host_rip], %%rdx\n\t"
		     "vmwrite %%rax, %%rdx\n\t"
		     "jna 3f\n\t"
		     "vmlaunch\n\t"
		     "1: setc %%al\n\t"		/* 1: VMfailInvalid */
		     "jz 2f\n\t"
		     "jmp 4f\n\t"
		     "2: mov $2, %%al\n\t"	/* 2: VMfailValid */
		     "jmp 4f\n\t"
		     "3: mov $4, %%al\n\t"
		     "4: pop %%r15\n\t"
		     "pop %%r14\n\t"
		     "pop %%r13\n\t"
		     "pop %%r12\n\t"
		     "pop %%rbx\n\t"
		     "pop %%rbp"
		     : "=a" (status)
		     : [host_rsp] "i" (HOST_RSP), [host_rip] "i" (HOST_RIP)
		     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory");
	return status;
}

/* Controls and guest state for selftest_guest(); returns 0 or -errno. */
static int selftest_prepare_guest(struct selftest *t)
{
	/* The guest is the kernel itself: its state is the host state. */
	static const struct { unsigned long host, guest; } host_as_guest[] = {
		{ HOST_CR0, GUEST_CR0 }, { HOST_CR3, GUEST_CR3 }, { HOST_CR4, GUEST_CR4 },
		{ HOST_GS_BASE, GUEST_GS_BASE }, { HOST_TR_BASE, GUEST_TR_BASE },
		{ HOST_GDTR_BASE, GUEST_GDTR_BASE }, { HOST_IDTR_BASE, GUEST_IDTR_BASE },
	};
	struct desc_ptr gdt, idt;
	u32 pin, proc, exit, entry;
	unsigned int i;
	int err;

	/*
	 * Controls: nothing but what the CPU insists on, a 64-bit host and
	 * guest, and exits for HLT and I/O.  External interrupts and NMIs do
	 * not exit: the guest runs with RFLAGS.IF=0, so an interrupt waits,
	 * and the few instructions it runs take no time for an NMI to matter.
	 */
	err = vmx_ctl_value(dune_vmx.pinbased_ctls, 0, &pin) ?:
	      vmx_ctl_value(dune_vmx.procbased_ctls,
			    CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING, &proc) ?:
	      vmx_ctl_value(dune_vmx.exit_ctls, VM_EXIT_HOST_ADDR_SPACE_SIZE, &exit) ?:
	      vmx_ctl_value(dune_vmx.entry_ctls, VM_ENTRY_IA32E_MODE, &entry);
	if (err)
		return err;
	err |= vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, pin);
	err |= vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	err |= vmcs_write32(VM_EXIT_CONTROLS, exit);
	err |= vmcs_write32(VM_ENTRY_CONTROLS, entry);
	err |= vmcs_write32(EXCEPTION_BITMAP, 0);
	err |= vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	err |= vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	err |= vmcs_write32(CR3_TARGET_COUNT, 0);
	err |= vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	err |= vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	err |= vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	err |= vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	err |= vmcs_writenat(CR0_GUEST_HOST_MASK, 0);
	err |= vmcs_writenat(CR4_GUEST_HOST_MASK, 0);

	err |= dune_vmcs_write_host_state();

	/* The host-state area has no limits for GDTR and IDTR: read them. */
	native_store_gdt(&gdt);
	store_idt(&idt);
	err |= vmcs_writenat(GUEST_RSP, t->guest_stack_top);
	err |= vmcs_writenat(GUEST_RIP, (unsigned long)selftest_guest);
	err |= vmcs_writenat(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	err |= dune_vmcs_write_guest_segment(GUEST_CS_SELECTOR, __KERNEL_CS, 0, 0xffffffff,
					     VMCS_AR_CODE64_RING0);
	err |= dune_vmcs_write_guest_segment(GUEST_SS_SELECTOR, __KERNEL_DS, 0, 0xffffffff,
					     VMCS_AR_DATA_RING0);
	err |= dune_vmcs_write_guest_segment(GUEST_DS_SELECTOR, 0, 0, 0, VMCS_AR_UNUSABLE);
	err |= dune_vmcs_write_guest_segment(GUEST_ES_SELECTOR, 0, 0, 0, VMCS_AR_UNUSABLE);
	err |= dune_vmcs_write_guest_segment(GUEST_FS_SELECTOR, 0, 0, 0, VMCS_AR_UNUSABLE);
	err |= dune_vmcs_write_guest_segment(GUEST_GS_SELECTOR, 0, 0, 0, VMCS_AR_UNUSABLE);
	err |= dune_vmcs_write_guest_segment(GUEST_LDTR_SELECTOR, 0, 0, 0, VMCS_AR_UNUSABLE);
	err |= dune_vmcs_write_guest_segment(GUEST_TR_SELECTOR, GDT_ENTRY_TSS * 8, 0, 0x67,
					     VMCS_AR_TSS64_BUSY);
	err |= vmcs_write32(GUEST_GDTR_LIMIT, gdt.size);
	err |= vmcs_write32(GUEST_IDTR_LIMIT, idt.size);
	/* After the segments, whose helper zeroes their bases. */
	for (i = 0; i < ARRAY_SIZE(host_as_guest); i++)
		err |= __vmcs_write(host_as_guest[i].guest, __vmcs_read(host_as_guest[i].host));
	err |= dune_vmcs_write_guest_quiet_state();
	return err ? -EIO : 0;
}

/*
 * Enter the guest; 0 if it ran to its VMCALL, a VMLAUNCH failure is
 * reported (with the VM-instruction error), anything else is -EINVAL.
 */
static int selftest_first_entry(struct selftest *t)
{
	u32 reason;
	u8 status;
	int err;

	err = selftest_prepare_guest(t);
	if (err)
		return err;
	status = selftest_vmlaunch();
	if (status == 4)
		return -EIO;	/* the VMWRITE failure has been reported */
	if (status)
		return dune_vmx_failed(VMX_INSN_VMLAUNCH,
				       status == 1 ? VMX_FAIL_INVALID : VMX_FAIL_VALID, 0);
	dune_vmcs_after_exit();
	reason = vmcs_read32(VM_EXIT_REASON);
	if (reason != EXIT_REASON_VMCALL) {
		pr_err("self-test guest exited with reason %#x, expected VMCALL (18)\n", reason);
		return -EINVAL;
	}
	/* VMCALL is 3 bytes long (0f 01 c1). */
	return vmcs_read32(VM_EXIT_INSTRUCTION_LEN) == 3 ? 0 : -EINVAL;
}

/* Runs on one CPU, interrupts off (IPI). */
static void selftest_this_cpu(void *arg)
{
	struct selftest *t = arg;
	unsigned long value = 0;
	u64 saved;

	t->nr = 0;
	/* kvm_intel's root: KVM's current VMCS comes back at the end (vmx_root.c). */
	if (dune_root_window_begin(&saved))
		return;
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
	STEP(t, "vmlaunch a guest that exits with VMCALL", selftest_first_entry(t),
	     VMX_SUCCEED, 0);
	STEP(t, "vmlaunch again without vmclear", selftest_first_entry(t),
	     VMX_FAIL_VALID, VMXERR_VMLAUNCH_NONCLEAR_VMCS);
	if (t->vmxon_pa)	/* our own VMXON region (none in kvm_intel's root) */
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
	dune_root_window_end(saved);
}

void dune_vmx_selftest(struct seq_file *m)
{
	struct selftest *t;
	struct page *vmcs, *stack;
	unsigned int cpu, i;
	int pass = 0, fail = 0;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	vmcs = alloc_page(GFP_KERNEL | __GFP_ZERO);
	stack = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!t || !vmcs || !stack) {
		seq_puts(m, "FAIL out of memory\n");
		goto out;
	}
	/* A VMCS region starts with the revision identifier (SDM Vol. 3C, 25.2). */
	*(u32 *)page_address(vmcs) = dune_vmx.vmcs_revision_id;
	t->vmcs_pa = page_to_phys(vmcs);
	t->guest_stack_top = (unsigned long)page_address(stack) + PAGE_SIZE - 64;

	cpus_read_lock();
	for_each_cpu(cpu, dune_vmx_cpumask()) {
		t->vmxon_pa = dune_root_mode == DUNE_ROOT_OWN ? dune_vmxon_region_pa(cpu) : 0;
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
	if (stack)
		__free_page(stack);
	if (vmcs)
		__free_page(vmcs);
	kfree(t);
}
