// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_caps.c - what this CPU's VMX can do.
 *
 * VMX describes itself through a family of read-only MSRs, the "VMX
 * capability MSRs" (SDM Vol. 3D, Appendix A).  We read them once, at load,
 * into struct dune_vmx (the same layout user space gets from
 * DUNE_GET_VMX_INFO), refuse to load if something we depend on is missing,
 * and answer every later question ("may this control be 1?") from there.
 *
 * The "true" control MSRs (IA32_VMX_TRUE_*_CTLS) exist when
 * IA32_VMX_BASIC[55] is set.  They report which "default1" controls may in
 * fact be 0 (SDM Vol. 3D, A.2); where they exist we use them instead of the
 * legacy MSRs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "compat.h"
#include "dune.h"

struct dune_vmx_info dune_vmx;

/* rdmsr that reads an absent MSR as 0 instead of taking #GP. */
static u64 rdmsr_or_zero(u32 msr)
{
	u64 value;

	if (rdmsrq_safe(msr, &value))
		return 0;
	return value;
}

/* Read this CPU's capability MSRs into @info. */
static void read_vmx_msrs(struct dune_vmx_info *info)
{
	bool true_ctls;

	memset(info, 0, sizeof(*info));
	info->basic = rdmsr_or_zero(MSR_IA32_VMX_BASIC);
	true_ctls = info->basic & VMX_BASIC_TRUE_CTLS;

	info->pinbased_ctls = rdmsr_or_zero(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
							MSR_IA32_VMX_PINBASED_CTLS);
	info->procbased_ctls = rdmsr_or_zero(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
							 MSR_IA32_VMX_PROCBASED_CTLS);
	info->exit_ctls = rdmsr_or_zero(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
						    MSR_IA32_VMX_EXIT_CTLS);
	info->entry_ctls = rdmsr_or_zero(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
						     MSR_IA32_VMX_ENTRY_CTLS);
	info->misc = rdmsr_or_zero(MSR_IA32_VMX_MISC);
	info->cr0_fixed0 = rdmsr_or_zero(MSR_IA32_VMX_CR0_FIXED0);
	info->cr0_fixed1 = rdmsr_or_zero(MSR_IA32_VMX_CR0_FIXED1);
	info->cr4_fixed0 = rdmsr_or_zero(MSR_IA32_VMX_CR4_FIXED0);
	info->cr4_fixed1 = rdmsr_or_zero(MSR_IA32_VMX_CR4_FIXED1);

	/* The next MSRs exist only if the CPU has secondary controls. */
	if (vmx_ctl_may_be_1(info->procbased_ctls) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		info->procbased_ctls2 = rdmsr_or_zero(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (vmx_ctl_may_be_1(info->procbased_ctls2) &
	    (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))
		info->ept_vpid_cap = rdmsr_or_zero(MSR_IA32_VMX_EPT_VPID_CAP);
	if (vmx_ctl_may_be_1(info->procbased_ctls2) & SECONDARY_EXEC_ENABLE_VMFUNC)
		info->vmfunc = rdmsr_or_zero(MSR_IA32_VMX_VMFUNC);

	info->vmcs_revision_id = dune_basic_revision_id(info->basic);
	info->vmcs_size = dune_basic_vmcs_size(info->basic);
	info->maxphyaddr = boot_cpu_data.x86_phys_bits;
	info->api_version = DUNE_API_VERSION;
}

/*
 * What dune.ko cannot work without.  Each entry names a bit that must be
 * set in one capability MSR; for control MSRs that is an allowed-1 bit,
 * hence the "<< 32".
 */
struct vmx_requirement {
	const char *what;
	const u64 *msr;
	u64 bits;
};

static const struct vmx_requirement vmx_requirements[] = {
	{ "true VMX controls (IA32_VMX_BASIC[55])",
	  &dune_vmx.basic, VMX_BASIC_TRUE_CTLS },
	{ "secondary processor-based controls",
	  &dune_vmx.procbased_ctls, (u64)CPU_BASED_ACTIVATE_SECONDARY_CONTROLS << 32 },
	{ "EPT", &dune_vmx.procbased_ctls2, (u64)SECONDARY_EXEC_ENABLE_EPT << 32 },
	{ "VPID", &dune_vmx.procbased_ctls2, (u64)SECONDARY_EXEC_ENABLE_VPID << 32 },
	{ "4-level EPT page walks", &dune_vmx.ept_vpid_cap, VMX_EPT_PAGE_WALK_4_BIT },
	{ "write-back EPT paging structures", &dune_vmx.ept_vpid_cap, VMX_EPTP_WB_BIT },
	{ "INVEPT", &dune_vmx.ept_vpid_cap, VMX_EPT_INVEPT_BIT },
	{ "single-context INVEPT", &dune_vmx.ept_vpid_cap, VMX_EPT_EXTENT_CONTEXT_BIT },
	{ "INVVPID", &dune_vmx.ept_vpid_cap, (u64)VMX_VPID_INVVPID_BIT << 32 },
	{ "single-context INVVPID",
	  &dune_vmx.ept_vpid_cap, (u64)VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32 },
	{ "64-bit host (exit control)",
	  &dune_vmx.exit_ctls, (u64)VM_EXIT_HOST_ADDR_SPACE_SIZE << 32 },
	{ "64-bit guest (entry control)", &dune_vmx.entry_ctls, (u64)VM_ENTRY_IA32E_MODE << 32 },
};

/* Append @what to the "missing" list in @buf. */
static void note_missing(char *buf, size_t size, const char *what)
{
	if (buf[0])
		strlcat(buf, ", ", size);
	strlcat(buf, what, size);
}

/*
 * Is VMX there and may we use it?  CPUID.1:ECX.VMX[bit 5] says the CPU has
 * it; IA32_FEATURE_CONTROL says whether firmware let us use it outside SMX
 * (SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation").  An unlocked
 * MSR is set and locked per CPU when we turn VMX on (vmx_cpu.c).
 */
static int check_vmx_present(void)
{
	u64 feature_control;

	if (!(cpuid_ecx(1) & BIT(5))) {
		pr_err("cannot load: the CPU has no VMX (CPUID.1:ECX.VMX[bit 5] is 0)\n");
		return -ENODEV;
	}
	if (rdmsrq_safe(MSR_IA32_FEAT_CTL, &feature_control)) {
		pr_err("cannot load: IA32_FEATURE_CONTROL is not readable\n");
		return -ENODEV;
	}
	if ((feature_control & FEAT_CTL_LOCKED) &&
	    !(feature_control & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("cannot load: VMX is disabled by firmware (IA32_FEATURE_CONTROL=%#llx is locked without VMXON outside SMX); enable VT-x in the BIOS\n",
		       feature_control);
		return -EOPNOTSUPP;
	}
	return 0;
}

int dune_vmx_caps_init(void)
{
	char missing[256] = "";
	size_t i;
	int err;

	err = check_vmx_present();
	if (err)
		return err;

	read_vmx_msrs(&dune_vmx);

	for (i = 0; i < ARRAY_SIZE(vmx_requirements); i++) {
		const struct vmx_requirement *r = &vmx_requirements[i];

		if ((*r->msr & r->bits) != r->bits)
			note_missing(missing, sizeof(missing), r->what);
	}
	/* The VMXON region and VMCS must fit the page we give them. */
	if (!dune_vmx.vmcs_size || dune_vmx.vmcs_size > PAGE_SIZE)
		note_missing(missing, sizeof(missing), "a VMCS of at most 4 KiB");
	/* ... and be accessed write-back (A.1: memory type 6). */
	if (dune_basic_mem_type(dune_vmx.basic) != DUNE_BASIC_MEM_TYPE_WB)
		note_missing(missing, sizeof(missing), "write-back VMCS memory type");
	/* Bit 48 set would limit VMXON/VMCS addresses to 32 bits. */
	if (dune_vmx.basic & DUNE_BASIC_32BIT_PHYS_ONLY)
		note_missing(missing, sizeof(missing), "64-bit VMCS addresses");

	if (missing[0]) {
		pr_err("cannot load: this CPU's VMX lacks: %s\n", missing);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Every CPU must offer what the boot CPU offered: a vCPU may run on any of
 * them.  Called on the CPU to check, before it enters VMX operation.
 */
int dune_vmx_caps_check_this_cpu(void)
{
	struct dune_vmx_info here;

	read_vmx_msrs(&here);
	if (memcmp(&here, &dune_vmx, sizeof(here))) {
		pr_err("CPU %d: VMX capabilities differ from the boot CPU's; not using it\n",
		       smp_processor_id());
		return -EIO;
	}
	return 0;
}

static bool ept_cap(u64 bit)
{
	return dune_vmx.ept_vpid_cap & bit;
}

static bool secondary_ctl(u32 bit)
{
	return vmx_ctl_may_be_1(dune_vmx.procbased_ctls2) & bit;
}

/* The answer to DUNE_CHECK_EXTENSION: 0 for absent or unknown. */
long dune_cap_value(unsigned long cap)
{
	switch (cap) {
	case DUNE_CAP_EPT:
		return secondary_ctl(SECONDARY_EXEC_ENABLE_EPT);
	case DUNE_CAP_VPID:
		return secondary_ctl(SECONDARY_EXEC_ENABLE_VPID);
	case DUNE_CAP_EPT_2M:
		return ept_cap(VMX_EPT_2MB_PAGE_BIT);
	case DUNE_CAP_EPT_1G:
		return ept_cap(VMX_EPT_1GB_PAGE_BIT);
	case DUNE_CAP_EPT_AD:
		return ept_cap(VMX_EPT_AD_BIT);
	case DUNE_CAP_UNRESTRICTED_GUEST:
		return secondary_ctl(SECONDARY_EXEC_UNRESTRICTED_GUEST);
	case DUNE_CAP_PREEMPTION_TIMER:
		return !!(vmx_ctl_may_be_1(dune_vmx.pinbased_ctls) &
			  PIN_BASED_VMX_PREEMPTION_TIMER);
	case DUNE_CAP_MAXPHYADDR:
		return dune_vmx.maxphyaddr;
	case DUNE_CAP_NR_VMX_CPUS:
		return cpumask_weight(dune_vmx_cpumask());
	case DUNE_CAP_VMCS_SHADOWING:
		return secondary_ctl(SECONDARY_EXEC_SHADOW_VMCS);
	case DUNE_CAP_VM:
	case DUNE_CAP_RUN_CPL:
		return 1;
	case DUNE_CAP_RUN_INTERRUPT:
		return !!(vmx_ctl_may_be_1(dune_vmx.procbased_ctls) &
			  CPU_BASED_INTR_WINDOW_EXITING);
	case DUNE_CAP_RUN_EXCEPTION:
		return 1;
	case DUNE_CAP_RUN_EXCEPTION_CP:
		return dune_exception_cp_ok();	/* vcpu_event.c */
	/* The host has the feature on, and VMX operation allows it in CR4. */
	case DUNE_CAP_GUEST_SMEP:
		return boot_cpu_has(X86_FEATURE_SMEP) && (dune_vmx.cr4_fixed1 & X86_CR4_SMEP);
	case DUNE_CAP_GUEST_SMAP:
		return boot_cpu_has(X86_FEATURE_SMAP) && (dune_vmx.cr4_fixed1 & X86_CR4_SMAP);
	default:
		return 0;
	}
}

void dune_vmx_caps_show(struct seq_file *m)
{
	static const struct { const char *name; size_t offset; } msrs[] = {
#define MSR_ROW(field) { #field, offsetof(struct dune_vmx_info, field) }
		MSR_ROW(basic), MSR_ROW(pinbased_ctls), MSR_ROW(procbased_ctls),
		MSR_ROW(procbased_ctls2), MSR_ROW(exit_ctls), MSR_ROW(entry_ctls),
		MSR_ROW(misc), MSR_ROW(cr0_fixed0), MSR_ROW(cr0_fixed1),
		MSR_ROW(cr4_fixed0), MSR_ROW(cr4_fixed1), MSR_ROW(ept_vpid_cap),
		MSR_ROW(vmfunc),
#undef MSR_ROW
	};
	static const char * const cap_names[] = {
		[DUNE_CAP_EPT] = "ept", [DUNE_CAP_VPID] = "vpid",
		[DUNE_CAP_EPT_2M] = "ept_2m", [DUNE_CAP_EPT_1G] = "ept_1g",
		[DUNE_CAP_EPT_AD] = "ept_ad",
		[DUNE_CAP_UNRESTRICTED_GUEST] = "unrestricted_guest",
		[DUNE_CAP_PREEMPTION_TIMER] = "preemption_timer",
		[DUNE_CAP_MAXPHYADDR] = "maxphyaddr",
		[DUNE_CAP_NR_VMX_CPUS] = "nr_vmx_cpus",
		[DUNE_CAP_VMCS_SHADOWING] = "vmcs_shadowing",
		[DUNE_CAP_VM] = "vm",
		[DUNE_CAP_RUN_CPL] = "run_cpl",
		[DUNE_CAP_RUN_INTERRUPT] = "run_interrupt",
		[DUNE_CAP_GUEST_SMEP] = "guest_smep",
		[DUNE_CAP_GUEST_SMAP] = "guest_smap",
		[DUNE_CAP_RUN_EXCEPTION] = "run_exception",
		[DUNE_CAP_RUN_EXCEPTION_CP] = "run_exception_cp",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msrs); i++)
		seq_printf(m, "%-16s %#018llx\n", msrs[i].name,
			   *(u64 *)((char *)&dune_vmx + msrs[i].offset));
	seq_printf(m, "%-16s %#x\n", "vmcs_revision", dune_vmx.vmcs_revision_id);
	seq_printf(m, "%-16s %u\n", "vmcs_size", dune_vmx.vmcs_size);
	for (i = 1; i < ARRAY_SIZE(cap_names); i++)
		seq_printf(m, "%-16s %ld\n", cap_names[i], dune_cap_value(i));
}
