// SPDX-License-Identifier: GPL-2.0
/*
 * uapi_test - the /dev/dune ABI, pinned.
 *
 * The layout of every uapi structure and the value of every ioctl number
 * are part of the ABI: a program built against an older header must keep
 * working with a newer module.  This host-side test fails on any change to
 * them, so that such a change is made on purpose (with a new ioctl or a new
 * API version), never by accident.
 */
#include <stddef.h>

#include <linux/dune.h>

#include "kselftest_harness.h"

TEST(ioctl_numbers)
{
	EXPECT_EQ(0xE900u, DUNE_GET_API_VERSION);
	EXPECT_EQ(0xE901u, DUNE_CHECK_EXTENSION);
	/* _IOWR: direction 3 in bits 31:30, size 192 in bits 29:16. */
	EXPECT_EQ(0xC0C0E902u, DUNE_GET_VMX_INFO);
	EXPECT_EQ(0xE903u, DUNE_CREATE_VM);
	EXPECT_EQ(0x4020E910u, DUNE_MAP_CHUNKS);
	EXPECT_EQ(0x4090E911u, DUNE_CREATE_VCPU);
	EXPECT_EQ(0xC128E920u, DUNE_RUN);
	EXPECT_EQ(0xC2B0E921u, DUNE_GET_EXIT_STATS);
	EXPECT_EQ(1, DUNE_API_VERSION);
}

TEST(exit_reasons_and_constants)
{
	EXPECT_EQ(0, DUNE_EXIT_NONE);
	EXPECT_EQ(1, DUNE_EXIT_VMCALL);
	EXPECT_EQ(2, DUNE_EXIT_EPT_FAULT);
	EXPECT_EQ(3, DUNE_EXIT_TRIPLE_FAULT);
	EXPECT_EQ(4, DUNE_EXIT_ENTRY_FAILED);
	EXPECT_EQ(5, DUNE_EXIT_UNHANDLED);
	EXPECT_EQ(1u, DUNE_EPT_READ);
	EXPECT_EQ(2u, DUNE_EPT_WRITE);
	EXPECT_EQ(4u, DUNE_EPT_EXEC);
	EXPECT_EQ(8u, DUNE_EPT_NO_CHUNK);
	EXPECT_EQ(16u, DUNE_EPT_GVA_VALID);
	EXPECT_EQ(21, DUNE_CHUNK_SHIFT);
	EXPECT_EQ(4096, DUNE_MAP_CHUNKS_MAX);
	EXPECT_EQ(80, DUNE_EXIT_STATS_NR);
	EXPECT_EQ(1u, DUNE_VCPU_F_CPUNODE);
	EXPECT_EQ(2u, DUNE_VCPU_F_SMEP);
	EXPECT_EQ(4u, DUNE_VCPU_F_SMAP);
	EXPECT_EQ(7u, DUNE_VCPU_FLAGS);
	EXPECT_EQ(1u, DUNE_RUN_F_INTERRUPT);
	EXPECT_EQ(2u, DUNE_RUN_F_EXCEPTION);
	EXPECT_EQ(4u, DUNE_RUN_F_ERROR_CODE);
	EXPECT_EQ(7u, DUNE_RUN_FLAGS);
}

TEST(vm_structs_layout)
{
	EXPECT_EQ(16, sizeof(struct dune_chunk));
	EXPECT_EQ(32, sizeof(struct dune_map_chunks));
	EXPECT_EQ(8, offsetof(struct dune_map_chunks, chunks));
	EXPECT_EQ(144, sizeof(struct dune_vcpu_config));
	EXPECT_EQ(8, offsetof(struct dune_vcpu_config, cr3));
	EXPECT_EQ(40, offsetof(struct dune_vcpu_config, gdtr_limit));
	EXPECT_EQ(44, offsetof(struct dune_vcpu_config, cs));
	EXPECT_EQ(48, offsetof(struct dune_vcpu_config, tr));
	EXPECT_EQ(56, offsetof(struct dune_vcpu_config, star));
	EXPECT_EQ(80, offsetof(struct dune_vcpu_config, reserved));
	EXPECT_EQ(144, sizeof(struct dune_regs));
	EXPECT_EQ(56, offsetof(struct dune_regs, rsp));
	EXPECT_EQ(128, offsetof(struct dune_regs, rip));
	EXPECT_EQ(296, sizeof(struct dune_run));
	EXPECT_EQ(8, offsetof(struct dune_run, regs));
	EXPECT_EQ(152, offsetof(struct dune_run, fs_base));
	EXPECT_EQ(168, offsetof(struct dune_run, u));
	EXPECT_EQ(232, offsetof(struct dune_run, cpl));
	EXPECT_EQ(236, offsetof(struct dune_run, interrupt_vector));
	EXPECT_EQ(237, offsetof(struct dune_run, interrupt_pending));
	EXPECT_EQ(238, offsetof(struct dune_run, reserved0));
	/* DUNE_RUN_F_EXCEPTION's fields, carved from reserved[7]: the size stays */
	EXPECT_EQ(240, offsetof(struct dune_run, exception_error_code));
	EXPECT_EQ(244, offsetof(struct dune_run, exception_vector));
	EXPECT_EQ(245, offsetof(struct dune_run, event_pending));
	EXPECT_EQ(246, offsetof(struct dune_run, reserved1));
	EXPECT_EQ(248, offsetof(struct dune_run, exception_cr2));
	EXPECT_EQ(256, offsetof(struct dune_run, reserved));
	EXPECT_EQ(40, sizeof(((struct dune_run *)0)->reserved));
	EXPECT_EQ(688, sizeof(struct dune_exit_stats));
	EXPECT_EQ(16, offsetof(struct dune_exit_stats, exits));
}

TEST(capability_numbers)
{
	EXPECT_EQ(1, DUNE_CAP_EPT);
	EXPECT_EQ(2, DUNE_CAP_VPID);
	EXPECT_EQ(3, DUNE_CAP_EPT_2M);
	EXPECT_EQ(4, DUNE_CAP_EPT_1G);
	EXPECT_EQ(5, DUNE_CAP_EPT_AD);
	EXPECT_EQ(6, DUNE_CAP_UNRESTRICTED_GUEST);
	EXPECT_EQ(7, DUNE_CAP_PREEMPTION_TIMER);
	EXPECT_EQ(8, DUNE_CAP_MAXPHYADDR);
	EXPECT_EQ(9, DUNE_CAP_NR_VMX_CPUS);
	EXPECT_EQ(10, DUNE_CAP_VMCS_SHADOWING);
	EXPECT_EQ(11, DUNE_CAP_VM);
	EXPECT_EQ(12, DUNE_CAP_RUN_CPL);
	EXPECT_EQ(13, DUNE_CAP_RUN_INTERRUPT);
	EXPECT_EQ(14, DUNE_CAP_GUEST_SMEP);
	EXPECT_EQ(15, DUNE_CAP_GUEST_SMAP);
	EXPECT_EQ(16, DUNE_CAP_RUN_EXCEPTION);
	EXPECT_EQ(17, DUNE_CAP_RUN_EXCEPTION_CP);
}

TEST(vmx_info_layout)
{
	EXPECT_EQ(192, sizeof(struct dune_vmx_info));
	EXPECT_EQ(0, offsetof(struct dune_vmx_info, flags));
	EXPECT_EQ(4, offsetof(struct dune_vmx_info, api_version));
	EXPECT_EQ(8, offsetof(struct dune_vmx_info, basic));
	EXPECT_EQ(16, offsetof(struct dune_vmx_info, pinbased_ctls));
	EXPECT_EQ(24, offsetof(struct dune_vmx_info, procbased_ctls));
	EXPECT_EQ(32, offsetof(struct dune_vmx_info, procbased_ctls2));
	EXPECT_EQ(40, offsetof(struct dune_vmx_info, exit_ctls));
	EXPECT_EQ(48, offsetof(struct dune_vmx_info, entry_ctls));
	EXPECT_EQ(56, offsetof(struct dune_vmx_info, misc));
	EXPECT_EQ(64, offsetof(struct dune_vmx_info, cr0_fixed0));
	EXPECT_EQ(72, offsetof(struct dune_vmx_info, cr0_fixed1));
	EXPECT_EQ(80, offsetof(struct dune_vmx_info, cr4_fixed0));
	EXPECT_EQ(88, offsetof(struct dune_vmx_info, cr4_fixed1));
	EXPECT_EQ(96, offsetof(struct dune_vmx_info, ept_vpid_cap));
	EXPECT_EQ(104, offsetof(struct dune_vmx_info, vmfunc));
	EXPECT_EQ(112, offsetof(struct dune_vmx_info, vmcs_revision_id));
	EXPECT_EQ(116, offsetof(struct dune_vmx_info, vmcs_size));
	EXPECT_EQ(120, offsetof(struct dune_vmx_info, maxphyaddr));
	EXPECT_EQ(124, offsetof(struct dune_vmx_info, nr_vmx_cpus));
	EXPECT_EQ(128, offsetof(struct dune_vmx_info, reserved));
}

TEST_HARNESS_MAIN
