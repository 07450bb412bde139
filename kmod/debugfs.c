// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/dune: the module's state, for tests and
 * for anyone learning what the hardware is doing.
 *
 *   cpus      one line per possible CPU: online?, in VMX operation?,
 *             IA32_FEATURE_CONTROL, the last failed VMX instruction
 *   caps      the VMX capability MSRs and what they mean for Dune
 *   selftest  writing to it ("echo 1 > selftest") runs the VMX instruction
 *             self-test on every CPU; reading it shows the last run's
 *             report (reading never runs it: a tool that walks debugfs,
 *             or a curious cat, must not drive VMX instructions)
 *   exits, vms/<pid>-<id>/exits
 *             VM exits by reason, as KVM's /sys/kernel/debug/kvm (stats.c)
 *   vpids     how many VPIDs vCPUs hold now (limits.c): back to where it
 *             was once a test's vCPUs are gone (tests/fuzz/leaks.c)
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
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "dune.h"
#include "vm.h"
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

/*
 * The self-test's last report, kept between a write (which runs it) and
 * the reads.  dune_vmx_selftest() prints into a seq_file; the write
 * gives it one whose buffer we keep.
 */
#define SELFTEST_REPORT_SIZE	(16 * PAGE_SIZE)

static DEFINE_MUTEX(selftest_mutex);
static char *selftest_report;		/* NULL until the first run */
static size_t selftest_len;

static int selftest_show(struct seq_file *m, void *unused)
{
	mutex_lock(&selftest_mutex);
	if (selftest_report)
		seq_write(m, selftest_report, selftest_len);
	else
		seq_puts(m, "not run yet: echo 1 > /sys/kernel/debug/dune/selftest\n");
	mutex_unlock(&selftest_mutex);
	return 0;
}

static int selftest_open(struct inode *inode, struct file *file)
{
	return single_open(file, selftest_show, inode->i_private);
}

static ssize_t selftest_write(struct file *file, const char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	struct seq_file report = {};

	report.buf = kvzalloc(SELFTEST_REPORT_SIZE, GFP_KERNEL);
	if (!report.buf)
		return -ENOMEM;
	report.size = SELFTEST_REPORT_SIZE;
	dune_vmx_selftest(&report);

	mutex_lock(&selftest_mutex);
	kvfree(selftest_report);
	selftest_report = report.buf;
	selftest_len = min_t(size_t, report.count, SELFTEST_REPORT_SIZE);
	mutex_unlock(&selftest_mutex);
	return len;
}

static const struct file_operations selftest_fops = {
	.owner = THIS_MODULE,
	.open = selftest_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = selftest_write,
};

static int vpids_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%u\n", dune_limit_vpids_in_use());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpids);

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
	debugfs_create_file("selftest", 0600, dune_debugfs_dir, NULL, &selftest_fops);
	debugfs_create_file("vpids", 0400, dune_debugfs_dir, NULL, &vpids_fops);
	dune_stats_debugfs_init(dune_debugfs_dir);
	debugfs_create_u32("chunk_store_delay_ms", 0600, dune_debugfs_dir, &chunk_store_delay_ms);
	debugfs_create_u32("chunk_store_fail", 0600, dune_debugfs_dir, &chunk_store_fail);
	/* kvm mode: entries that found a KVM guest's LSTAR loaded (vmx_root.c) */
	debugfs_create_atomic_t("kvm_msrs_at_entry", 0400, dune_debugfs_dir,
				&dune_root_kvm_msrs_at_entry);
}

void dune_debugfs_exit(void)
{
	debugfs_remove_recursive(dune_debugfs_dir);
	kvfree(selftest_report);
	selftest_report = NULL;
}
