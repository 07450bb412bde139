// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - VM-exit statistics in debugfs, as KVM keeps them in
 * /sys/kernel/debug/kvm/ (virt/kvm/kvm_main.c: a file per statistic for
 * all VMs, and a "<pid>-<fd>" directory per VM):
 *
 *   /sys/kernel/debug/dune/exits                 every VM since the module loaded
 *   /sys/kernel/debug/dune/vms/<pid>-<id>/exits  one VM, while it lives
 *
 * Each file has one line per exit reason seen, "NAME count", after a line
 * "total N"; the names are the kernel's (VMX_EXIT_REASONS, asm/vmx.h).
 * <pid> is the process that created the VM, <id> the VM's number (unique
 * for the module's life).  The counters are per CPU, so that counting an
 * exit costs one local increment and no shared cache line: vCPUs of one
 * VM exit on several CPUs at once.  A read sums them: it may miss the
 * exits of the moment, never count one twice.
 *
 * The per-vCPU counters of DUNE_GET_EXIT_STATS are separate (exits.c):
 * that ioctl is the stable interface; debugfs is for people and tools.
 */
#include <linux/debugfs.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "dune.h"
#include "vm.h"

struct dune_exit_counters {
	u64 exits[DUNE_EXIT_STATS_NR];
};

static DEFINE_PER_CPU(struct dune_exit_counters, dune_exit_totals);
static struct dentry *vms_dir;

/* The kernel's names of the basic exit reasons, { number, "NAME" } pairs. */
static const struct {
	u32 reason;
	const char *name;
} exit_names[] = { VMX_EXIT_REASONS };

static const char *exit_name(u32 reason)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exit_names); i++)
		if (exit_names[i].reason == reason)
			return exit_names[i].name;
	return NULL;
}

/* exits.c, for every VM exit: preemption is off there (the vCPU is loaded). */
void dune_stats_count_exit(struct dune_vm *vm, u32 basic)
{
	if (basic >= DUNE_EXIT_STATS_NR)
		return;
	this_cpu_inc(dune_exit_totals.exits[basic]);
	if (vm->stats)
		this_cpu_inc(vm->stats->exits[basic]);
}

static void show_counters(struct seq_file *m, struct dune_exit_counters __percpu *c)
{
	u64 sum[DUNE_EXIT_STATS_NR] = {}, total = 0;
	unsigned int cpu, r;

	for_each_possible_cpu(cpu)
		for (r = 0; r < DUNE_EXIT_STATS_NR; r++)
			sum[r] += per_cpu_ptr(c, cpu)->exits[r];
	for (r = 0; r < DUNE_EXIT_STATS_NR; r++)
		total += sum[r];
	seq_printf(m, "total %llu\n", total);
	for (r = 0; r < DUNE_EXIT_STATS_NR; r++) {
		const char *name = exit_name(r);

		if (!sum[r])
			continue;
		if (name)
			seq_printf(m, "%s %llu\n", name, sum[r]);
		else
			seq_printf(m, "REASON_%u %llu\n", r, sum[r]);
	}
}

static int totals_show(struct seq_file *m, void *unused)
{
	show_counters(m, &dune_exit_totals);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(totals);

/*
 * A VM's file.  debugfs_remove() in dune_stats_vm_exit() waits for a read
 * in progress and fails later ones, so the VM outlives every read.
 */
static int vm_exits_show(struct seq_file *m, void *unused)
{
	struct dune_vm *vm = m->private;

	show_counters(m, vm->stats);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vm_exits);

/* Counters and a directory for a new VM; without them it still runs. */
void dune_stats_vm_init(struct dune_vm *vm)
{
	char name[48];

	vm->stats = alloc_percpu(struct dune_exit_counters);
	if (!vm->stats || IS_ERR_OR_NULL(vms_dir))
		return;
	snprintf(name, sizeof(name), "%d-%llu", task_tgid_nr(current), vm->id);
	vm->debugfs = debugfs_create_dir(name, vms_dir);
	debugfs_create_file("exits", 0400, vm->debugfs, vm, &vm_exits_fops);
}

void dune_stats_vm_exit(struct dune_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);	/* NULL or an error: nothing */
	vm->debugfs = NULL;
	free_percpu(vm->stats);
	vm->stats = NULL;
}

void dune_stats_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("exits", 0400, dir, NULL, &totals_fops);
	vms_dir = debugfs_create_dir("vms", dir);
}
