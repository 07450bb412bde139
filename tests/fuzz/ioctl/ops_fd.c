// SPDX-License-Identifier: GPL-2.0
/*
 * ops_fd.c - the info and unknown ioctls, and what a process does with its files: close, dup, fork, exec (fuzzer.h).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzzer.h"

void op_info(struct thread *t, struct op *o, struct rng *r)
{
	struct dune_vmx_info info = { 0 };
	int fd = any_fd(t, r), ret;
	bool bad = false;

	(void)o;
	if (rng_one_in(r, 2)) {
		ret = ioctl(fd, DUNE_CHECK_EXTENSION, rng_one_in(r, 2) ? rng_below(r, 20) : rng_next(r));
		fz_count(st, FZ_CHECK_EXTENSION, ret, errno);
		return;
	}
	if (rng_one_in(r, 4)) {
		info.reserved[rng_below(r, 8)] = 1;
		bad = true;
	}
	if (rng_one_in(r, 8)) {
		info.flags = 1u << rng_below(r, 32);
		bad = true;
	}
	ret = ioctl(fd, DUNE_GET_VMX_INFO, &info);
	fz_count(st, FZ_GET_VMX_INFO, ret, errno);
	if (ret == 0 && bad)
		fail(t, "DUNE_GET_VMX_INFO accepted nonzero flags or reserved fields");
}

void op_bad_ioctl(struct thread *t, struct op *o, struct rng *r)
{
	unsigned long cmd;
	int ret;

	(void)o;
	switch (rng_below(r, 3)) {
	case 0: cmd = _IOC(rng_below(r, 4), DUNE_IOC_TYPE, rng_below(r, 256), rng_below(r, 1024)); break;
	case 1: cmd = _IO(DUNE_IOC_TYPE, rng_below(r, 64)); break;
	default: cmd = rng_next(r); break;
	}
	ret = ioctl(any_fd(t, r), cmd, any_value(t, r));
	fz_count(st, FZ_BAD_IOCTL, ret, errno);
}

void close_vm_slot(struct thread *t, unsigned int i)
{
	struct vm_slot *v = &t->vm[i];

	if (v->g.pool) {
		guest_teardown(&v->g);
	} else if (v->g.vm >= 0) {
		close(v->g.vm);
	}
	v->g.vm = -1;
	v->g.pool = NULL;
}

void op_close(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int s = o->slot % NSLOTS;

	switch (rng_below(r, 3)) {
	case 0:
		if (t->dev[s] < 0)
			return;
		COUNT(FZ_CLOSE, close(t->dev[s]));
		t->dev[s] = -1;
		break;
	case 1:
		if (t->vm[s].g.vm < 0)
			return;
		fz_count(st, FZ_CLOSE, 0, 0);
		close_vm_slot(t, s);	/* vCPUs keep the VM alive */
		break;
	default:
		if (t->vcpu[s] < 0)
			return;
		collect_exits(t->vcpu[s]);
		COUNT(FZ_CLOSE, close(t->vcpu[s]));
		t->vcpu[s] = -1;
		break;
	}
}

void op_dup(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int s = o->slot % NSLOTS;
	int d = free_slot(t->vcpu), fd;

	(void)r;
	if (t->vcpu[s] < 0 || d < 0)
		return;
	fd = fcntl(t->vcpu[s], F_DUPFD_CLOEXEC, 3);
	fz_count(st, FZ_DUP, fd, errno);
	if (fd >= 0) {
		t->vcpu[d] = fd;
		t->vcpu_vm[d] = t->vcpu_vm[s];
		t->vcpu_valid[d] = t->vcpu_valid[s];
	}
}

/* A child holds its parent's VM and vCPU files, not its address space. */
void op_fork(struct thread *t, struct op *o, struct rng *r)
{
	int vm = t->vm[o->slot % NSLOTS].g.vm, vcpu = t->vcpu[o->slot2 % NSLOTS], status;
	struct dune_run run = { .regs.rflags = 2 };
	pid_t pid;

	(void)r;
	pid = fork();
	fz_count(st, FZ_FORK, pid, errno);
	if (pid == 0) {
		struct dune_map_chunks m = { 0 };
		int bad = 0;

		if (vm >= 0 && (ioctl(vm, DUNE_MAP_CHUNKS, &m) != -1 || errno != EIO))
			bad |= 1;
		if (vcpu >= 0 && (ioctl(vcpu, DUNE_RUN, &run) != -1 || errno != EIO))
			bad |= 2;
		_exit(bad);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status))
		fail(t, "a forked child's ioctl on its parent's %s did not fail with EIO",
		     WEXITSTATUS(status) & 1 ? "VM" : "vCPU");
}

/* exec with a VM and a vCPU fd inherited (dup'd without close-on-exec). */
void op_exec(struct thread *t, struct op *o, struct rng *r)
{
	int vm = t->vm[o->slot % NSLOTS].g.vm, vcpu = t->vcpu[o->slot2 % NSLOTS], status;
	pid_t pid;

	(void)r;
	pid = fork();
	if (pid == 0) {
		if (vm >= 0)
			dup2(vm, 100);
		if (vcpu >= 0)
			dup2(vcpu, 101);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	fz_count(st, FZ_EXEC, pid, errno);
	if (pid > 0)
		waitpid(pid, &status, 0);
}
