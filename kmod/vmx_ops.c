// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_ops.c - the one place where a failed VMX instruction is reported.
 *
 * The checked wrappers in vmx_ops.h call dune_vmx_failed() for every
 * outcome other than VMsucceed.  It reads the VM-instruction error when
 * there is one, prints a rate-limited line that a human can act on, and
 * remembers the failure per CPU for debugfs and the self-test.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/smp.h>

#include "vmx_ops.h"

static DEFINE_PER_CPU(struct vmx_failure, last_failure);
static DEFINE_PER_CPU(bool, failures_expected);

/*
 * The self-test makes instructions fail on purpose.  Those failures are
 * still reported, but as information, not as errors.
 */
void dune_vmx_expect_failures(bool expected)
{
	this_cpu_write(failures_expected, expected);
}

const char *vmx_insn_name(enum vmx_insn insn)
{
	static const char * const names[VMX_INSN_COUNT] = {
		[VMX_INSN_VMXON] = "VMXON", [VMX_INSN_VMXOFF] = "VMXOFF",
		[VMX_INSN_VMCLEAR] = "VMCLEAR", [VMX_INSN_VMPTRLD] = "VMPTRLD",
		[VMX_INSN_VMREAD] = "VMREAD", [VMX_INSN_VMWRITE] = "VMWRITE",
		[VMX_INSN_INVEPT] = "INVEPT", [VMX_INSN_INVVPID] = "INVVPID",
		[VMX_INSN_VMLAUNCH] = "VMLAUNCH",
		[VMX_INSN_VMRESUME] = "VMRESUME", [VMX_INSN_VMPTRST] = "VMPTRST",
	};

	return insn < VMX_INSN_COUNT ? names[insn] : "?";
}

const char *vmx_outcome_name(enum vmx_outcome outcome)
{
	switch (outcome) {
	case VMX_SUCCEED:
		return "VMsucceed";
	case VMX_FAIL_INVALID:
		return "VMfailInvalid";
	case VMX_FAIL_VALID:
		return "VMfailValid";
	case VMX_FAULT:
		return "fault (#UD or #GP)";
	}
	return "?";
}

/* VM-instruction error numbers, SDM Vol. 3C, 31.4 (Table 31-1). */
const char *vm_instruction_error_name(u32 error)
{
	static const char * const names[] = {
		[VMXERR_VMCALL_IN_VMX_ROOT_OPERATION] = "VMCALL executed in VMX root operation",
		[VMXERR_VMCLEAR_INVALID_ADDRESS] = "VMCLEAR with invalid physical address",
		[VMXERR_VMCLEAR_VMXON_POINTER] = "VMCLEAR with VMXON pointer",
		[VMXERR_VMLAUNCH_NONCLEAR_VMCS] = "VMLAUNCH with non-clear VMCS",
		[VMXERR_VMRESUME_NONLAUNCHED_VMCS] = "VMRESUME with non-launched VMCS",
		[VMXERR_VMRESUME_AFTER_VMXOFF] = "VMRESUME after VMXOFF",
		[VMXERR_ENTRY_INVALID_CONTROL_FIELD] = "VM entry with invalid control field(s)",
		[VMXERR_ENTRY_INVALID_HOST_STATE_FIELD] =
			"VM entry with invalid host-state field(s)",
		[VMXERR_VMPTRLD_INVALID_ADDRESS] = "VMPTRLD with invalid physical address",
		[VMXERR_VMPTRLD_VMXON_POINTER] = "VMPTRLD with VMXON pointer",
		[VMXERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID] =
			"VMPTRLD with incorrect VMCS revision identifier",
		[VMXERR_UNSUPPORTED_VMCS_COMPONENT] =
			"VMREAD/VMWRITE from/to unsupported VMCS component",
		[VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT] = "VMWRITE to read-only VMCS component",
		[VMXERR_VMXON_IN_VMX_ROOT_OPERATION] = "VMXON executed in VMX root operation",
		[VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS] = "VM entry with events blocked by MOV SS",
		[VMXERR_INVALID_OPERAND_TO_INVEPT_INVVPID] = "invalid operand to INVEPT/INVVPID",
	};

	if (error < ARRAY_SIZE(names) && names[error])
		return names[error];
	return "see SDM Vol. 3C, 31.4";
}

int dune_vmx_failed(enum vmx_insn insn, enum vmx_outcome outcome, u64 operand)
{
	struct vmx_failure *f = this_cpu_ptr(&last_failure);
	unsigned long error = 0;

	/*
	 * Only VMfailValid leaves an error number, in the current VMCS.  If
	 * reading it fails too there is nothing more to learn: report 0.
	 */
	if (outcome == VMX_FAIL_VALID &&
	    __vmread(VM_INSTRUCTION_ERROR, &error) != VMX_SUCCEED)
		error = 0;

	f->insn = insn;
	f->outcome = outcome;
	f->vm_instruction_error = error;
	f->operand = operand;
	f->count++;

	if (this_cpu_read(failures_expected))
		pr_info_ratelimited("self-test: %s on CPU %d: %s, error %lu, as expected\n",
				    vmx_insn_name(insn), smp_processor_id(),
				    vmx_outcome_name(outcome), error);
	else if (outcome == VMX_FAIL_VALID)
		pr_err_ratelimited("%s failed on CPU %d: VMfailValid, VM-instruction error %lu (%s), operand %#llx\n",
				   vmx_insn_name(insn), smp_processor_id(), error,
				   vm_instruction_error_name(error), operand);
	else
		pr_err_ratelimited("%s failed on CPU %d: %s, operand %#llx\n",
				   vmx_insn_name(insn), smp_processor_id(),
				   vmx_outcome_name(outcome), operand);
	return -EIO;
}

void dune_vmx_last_failure(unsigned int cpu, struct vmx_failure *out)
{
	*out = *per_cpu_ptr(&last_failure, cpu);
}
