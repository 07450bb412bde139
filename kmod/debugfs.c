// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/dune: the module's state, for tests and
 * for anyone learning what the hardware is doing.
 *
 *   cpus      one line per possible CPU: online?, in VMX operation?,
 *             IA32_FEATURE_CONTROL, the last failed VMX instruction
 *   caps      the VMX capability MSRs and what they mean for Dune
 *   selftest  reading it runs the VMX instruction self-test on every CPU
 *   chunk_store_delay_ms, chunk_store_fail
 *             fault injection for tests: the next chunk publication
 *             (DUNE_MAP_CHUNKS) sleeps that long between its two stores,
 *             and fails the second with -ENOMEM if chunk_store_fail is 1;
 *             both are one-shot (tests/kmod/dune_harden_test)
 *
 * debugfs is for debugging: its format may change; the stable interface is
 * /dev/dune and /sys/class/misc/dune.
 */
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/seq_file.h>

#include "dune.h"
#include "vmx_ops.h"

static struct dentry *dune_debugfs_dir;

static int cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	seq_puts(m, "cpu online vmx feature_control   vmx_failures last_failure\n");
	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		struct vmx_failure f;

		dune_vmx_last_failure(cpu, &f);
		seq_printf(m, "%-3u %-6s %-3s %#-17llx %-12lu", cpu,
			   cpu_online(cpu) ? "yes" : "no",
			   dune_vmx_cpu_on(cpu) ? "on" : "off",
			   dune_cpu_feature_control(cpu), f.count);
		if (f.count) {
			seq_printf(m, " %s %s", vmx_insn_name(f.insn),
				   vmx_outcome_name(f.outcome));
			if (f.outcome == VMX_FAIL_VALID)
				seq_printf(m, " error %u", f.vm_instruction_error);
		} else {
			seq_puts(m, " -");
		}
		seq_putc(m, '\n');
	}
	cpus_read_unlock();
	seq_printf(m, "vmx_root: %s\n", dune_root_name());
	seq_printf(m, "emergency_vmxoff_callback: %s\n",
		   dune_emergency_callback_ours() ? "dune" : "not ours");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cpus);

static int caps_show(struct seq_file *m, void *unused)
{
	dune_vmx_caps_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(caps);

static int selftest_show(struct seq_file *m, void *unused)
{
	dune_vmx_selftest(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(selftest);

static u32 chunk_store_delay_ms, chunk_store_fail;

/* Between the two stores of a chunk's publication (vm.c). */
int dune_debug_chunk_store_fault(void)
{
	u32 delay = xchg(&chunk_store_delay_ms, 0);

	if (unlikely(delay))
		msleep(min_t(u32, delay, MSEC_PER_SEC * 5));
	return unlikely(xchg(&chunk_store_fail, 0)) ? -ENOMEM : 0;
}

/* debugfs failures are not fatal: the module works without it. */
void dune_debugfs_init(void)
{
	dune_debugfs_dir = debugfs_create_dir("dune", NULL);
	debugfs_create_file("cpus", 0400, dune_debugfs_dir, NULL, &cpus_fops);
	debugfs_create_file("caps", 0400, dune_debugfs_dir, NULL, &caps_fops);
	debugfs_create_file("selftest", 0400, dune_debugfs_dir, NULL, &selftest_fops);
	debugfs_create_u32("chunk_store_delay_ms", 0600, dune_debugfs_dir, &chunk_store_delay_ms);
	debugfs_create_u32("chunk_store_fail", 0600, dune_debugfs_dir, &chunk_store_fail);
	/* kvm mode: entries that found a KVM guest's LSTAR loaded (vmx_root.c) */
	debugfs_create_atomic_t("kvm_msrs_at_entry", 0400, dune_debugfs_dir,
				&dune_root_kvm_msrs_at_entry);
}

void dune_debugfs_exit(void)
{
	debugfs_remove_recursive(dune_debugfs_dir);
}
