/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - dune.ko's tracepoints, for perf and trace-cmd users.
 *
 * Two events, like KVM's kvm_entry and kvm_exit:
 *
 *   dune_entry  just before each VM entry (VMLAUNCH/VMRESUME): which vCPU
 *               (its VPID) and where the guest resumes (RIP)
 *   dune_exit   after each VM exit: which exit (the basic exit reason,
 *               SDM Vol. 3D, Appendix C, with bit 31 for a failed VM
 *               entry), where the guest was (RIP), the exit
 *               qualification, and which vCPU
 *
 * The VPID is unique among the live vCPUs; the thread is in the common
 * fields.  Their pairing shows the time spent in the guest (exit after
 * entry) and in the host (entry after exit).  docs/performance.md has
 * one-liners for perf, trace-cmd and bpftrace; by hand:
 *
 *   mount -t tracefs nodev /sys/kernel/tracing
 *   echo 1 > /sys/kernel/tracing/events/dune/enable
 *   cat /sys/kernel/tracing/trace_pipe
 *
 * A disabled tracepoint costs one patched-out jump (a static key).
 *
 * This header is read several times by <trace/define_trace.h>, hence the
 * unusual guard; exits.c defines CREATE_TRACE_POINTS before including it.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dune

#if !defined(_DUNE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DUNE_TRACE_H

#include <linux/tracepoint.h>
#include <asm/vmx.h>

TRACE_EVENT(dune_entry,
	TP_PROTO(u16 vcpu_id, u64 rip),
	TP_ARGS(vcpu_id, rip),

	TP_STRUCT__entry(
		__field(u16, vcpu_id)
		__field(u64, rip)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->rip = rip;
	),

	TP_printk("vcpu %u rip 0x%llx", __entry->vcpu_id, __entry->rip)
);

TRACE_EVENT(dune_exit,
	TP_PROTO(u32 reason, u64 rip, u64 qualification, u16 vcpu_id),
	TP_ARGS(reason, rip, qualification, vcpu_id),

	TP_STRUCT__entry(
		__field(u32, reason)
		__field(u16, vcpu_id)
		__field(u64, rip)
		__field(u64, qualification)
	),

	TP_fast_assign(
		__entry->reason = reason;
		__entry->vcpu_id = vcpu_id;
		__entry->rip = rip;
		__entry->qualification = qualification;
	),

	TP_printk("vcpu %u reason %s%s rip 0x%llx info 0x%llx",
		  __entry->vcpu_id,
		  __entry->reason & VMX_EXIT_REASONS_FAILED_VMENTRY ? "FAILED_ENTRY " : "",
		  __print_symbolic(__entry->reason & 0xffff, VMX_EXIT_REASONS),
		  __entry->rip, __entry->qualification)
);

#endif /* _DUNE_TRACE_H */

/* The module is built outside the kernel tree: the header is next to us. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
