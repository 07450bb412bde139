// SPDX-License-Identifier: GPL-2.0
/*
 * dune_exception_test - DUNE_RUN_F_EXCEPTION: user space hands its guest a
 * hardware exception, with an error code and CR2 where the vector has
 * them, delivered through the guest's IDT at the next VM entry (SDM Vol.
 * 3C, 27.6; the contract is in kmod/uapi/linux/dune.h).
 *
 * The guest is guestlib's: every IDT vector lands in a stub that pushes
 * the vector and reports it with VMCALL, so at that exit RSP points at the
 * frame the CPU pushed (SDM Vol. 3A, 6.14.2: [error code], RIP, CS,
 * RFLAGS, RSP, SS) in this process's own memory, where the test reads it.
 *
 *   - every vector the ABI allows arrives with the frame the CPU would
 *     push: the error code exactly where the vector has one, the RIP of
 *     the instruction it interrupted, RF set for faults; #PF with CR2;
 *   - every combination the ABI refuses is EINVAL, and the vCPU goes on;
 *   - a broken IDT gate for the vector gets the hardware's answer: #NP,
 *     then #DF, then a triple fault reported as DUNE_EXIT_TRIPLE_FAULT;
 *   - an event the last exit left to deliver makes it EBUSY, reported in
 *     event_pending, and is delivered first;
 *   - an exception and an interrupt in one call: exception first.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/dune.h>

#include "kselftest_harness.h"
#include "guestlib.h"
#include "testlib.h"

#define RFLAGS_FIXED	0x2ULL
#define RFLAGS_IF	0x200ULL
#define RFLAGS_RF	0x10000ULL
#define TRAP(v)		(0xdead0000ULL | (v))
#define NOT_RUN		4		/* ge_x_start's rax: no exception came first */
#define IDT_GVA		0x40000000ULL	/* a guest page whose GPA no chunk maps */
#define UNMAPPED_GPA	(512 * CHUNK)
#define GATE_PRESENT	(1ULL << 47)	/* P in a 64-bit IDT gate (SDM Vol. 3A, 6.14.1) */
#define ERR_EXT		1u		/* error code bits (6.13) */
#define ERR_IDT		2u
#define TEST_IRQ	0x40

/* The exceptions the ABI takes, and whether the CPU pushes an error code. */
static const struct {
	uint8_t vector;
	bool error_code;
	bool fault;		/* RF in the pushed RFLAGS */
} allowed[] = {
	{ 0, false, true }, { 1, false, false }, { 3, false, false }, { 4, false, false },
	{ 5, false, true }, { 6, false, true }, { 7, false, true }, { 8, true, false },
	{ 10, true, true }, { 11, true, true }, { 12, true, true }, { 13, true, true },
	{ 14, true, true }, { 16, false, true }, { 17, true, true }, { 19, false, true },
};

/* Never exceptions, or not Dune's to inject (NMI, 9, reserved, #MC, #VE). */
static const uint8_t refused[] = { 2, 9, 15, 18, 20, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
				   32, 33, 128, 255 };

extern char ge_x_start[], ge_x_cr2[], ge_x_sti[], ge_x_iret[], ge_x_r3load[],
	    ge_x_sti_shadow[], ge_x_sti_after[], ge_x_movss_shadow[], ge_x_movss_after[];
asm(".text\n"
    "ge_x_start: mov $4, %eax\n vmcall\n ud2\n"
    "ge_x_cr2: mov %cr2, %rax\n vmcall\n ud2\n"
    "ge_x_sti: sti\n nop\n mov $5, %eax\n vmcall\n ud2\n"
    "ge_x_iret: iretq\n"
    "ge_x_r3load: mov (%rdi), %rax\n ud2\n"
    /* VMCALL in an STI shadow, then in a MOV SS shadow */
    "ge_x_sti_shadow: sti\n vmcall\n"
    "ge_x_sti_after: mov $5, %eax\n vmcall\n ud2\n"
    "ge_x_movss_shadow: mov %ss, %ax\n mov %ax, %ss\n vmcall\n"
    "ge_x_movss_after: mov $5, %eax\n vmcall\n ud2\n");

FIXTURE(exc) {
	struct guest g;
	uint64_t rsp;		/* the RSP the exception interrupts */
};

FIXTURE_SETUP(exc)
{
	ASSERT_EQ(0, guest_setup(&self->g)) TH_LOG("setup: %s", strerror(errno));
	ASSERT_EQ(0, guest_map_text(&self->g, ge_x_start)) TH_LOG("%s", strerror(errno));
	self->rsp = (uintptr_t)self->g.pool + CHUNK - 8192;
}

FIXTURE_TEARDOWN(exc)
{
	guest_teardown(&self->g);
}

/* A fresh run at ge_x_start with the exception (flags added by the caller). */
static void prepare(struct guest *g, uint64_t rsp, uint8_t vector, bool code, uint32_t error,
		    uint64_t cr2)
{
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)ge_x_start;
	g->run.regs.rsp = rsp;
	g->run.regs.rflags = RFLAGS_FIXED;
	g->run.flags = DUNE_RUN_F_EXCEPTION | (code ? DUNE_RUN_F_ERROR_CODE : 0);
	g->run.exception_vector = vector;
	g->run.exception_error_code = error;
	g->run.exception_cr2 = cr2;
}

static int run(struct guest *g)
{
	int r;

	do
		r = ioctl(g->vcpu, DUNE_RUN, &g->run);
	while (r == -1 && errno == EINTR);
	return r;
}

/* The frame at the guest's RSP, as the stub left it at its VMCALL. */
static const uint64_t *frame(struct guest *g)
{
	return (const uint64_t *)(uintptr_t)g->run.regs.rsp;
}

/* Nothing pending, the inputs consumed: the vCPU runs plain code again. */
static void expect_usable(struct __test_metadata *_metadata, struct guest *g)
{
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)ge_x_start;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 8192;
	g->run.regs.rflags = RFLAGS_FIXED;
	ASSERT_EQ(0, run(g)) TH_LOG("plain run: %s", strerror(errno));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(NOT_RUN, g->run.regs.rax);
	EXPECT_EQ(0, g->run.event_pending);
}

TEST_F(exc, capability)
{
	EXPECT_EQ(1, ioctl(self->g.dev, DUNE_CHECK_EXTENSION, DUNE_CAP_RUN_EXCEPTION));
	TH_LOG("DUNE_CAP_RUN_EXCEPTION_CP: %d",
	       ioctl(self->g.dev, DUNE_CHECK_EXTENSION, DUNE_CAP_RUN_EXCEPTION_CP));
}

/*
 * Each allowed vector, on one vCPU in turn: the handler runs before the
 * first instruction, the frame is the CPU's, the inputs come back 0.
 */
TEST_F(exc, every_vector_arrives_with_the_cpus_frame)
{
	struct guest *g = &self->g;
	unsigned int i;

	ASSERT_EQ(0, guest_create_vcpu(g));
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		uint8_t v = allowed[i].vector;
		uint32_t err = allowed[i].error_code && v != 8 ? 0x0100u | v : 0;
		const uint64_t *f;
		uint64_t rflags;

		prepare(g, self->rsp, v, allowed[i].error_code, err, v == 14 ? 0x1000 : 0);
		ASSERT_EQ(0, run(g)) TH_LOG("vector %u: %s", v, strerror(errno));
		ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason) TH_LOG("vector %u", v);
		EXPECT_EQ(TRAP(v), g->run.regs.rax) TH_LOG("vector %u", v);
		/* the stub popped its vector: RSP is at what the CPU pushed */
		f = frame(g);
		if (allowed[i].error_code) {
			EXPECT_EQ(self->rsp - 48, g->run.regs.rsp) TH_LOG("vector %u", v);
			EXPECT_EQ(err, f[0]) TH_LOG("vector %u: error code", v);
			f++;
		} else {
			EXPECT_EQ(self->rsp - 40, g->run.regs.rsp) TH_LOG("vector %u", v);
		}
		rflags = RFLAGS_FIXED | (allowed[i].fault ? RFLAGS_RF : 0);
		EXPECT_EQ((uintptr_t)ge_x_start, f[0]) TH_LOG("vector %u: RIP", v);
		EXPECT_EQ(SEL_CODE0, f[1]) TH_LOG("vector %u: CS", v);
		EXPECT_EQ(rflags, f[2]) TH_LOG("vector %u: RFLAGS", v);
		EXPECT_EQ(self->rsp, f[3]) TH_LOG("vector %u: RSP", v);
		EXPECT_EQ(SEL_DATA0, f[4]) TH_LOG("vector %u: SS", v);
		EXPECT_EQ(0, g->run.flags);
		EXPECT_EQ(0, g->run.exception_vector);
		EXPECT_EQ(0, g->run.exception_error_code);
		EXPECT_EQ(0, g->run.exception_cr2);
		EXPECT_EQ(0, g->run.event_pending);
	}
}

/* #PF: the handler finds the address in CR2, and the error code pushed. */
TEST_F(exc, page_fault_sets_cr2)
{
	struct guest *g = &self->g;
	const uint64_t addr = 0x00007fffdeadb000ULL + 0x123;

	ASSERT_EQ(0, guest_create_vcpu(g));
	prepare(g, self->rsp, 14, true, 0x7, addr);	/* P, W/R, U/S */
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(TRAP(14), g->run.regs.rax);
	EXPECT_EQ(0x7, frame(g)[0]);
	TH_LOG("#PF frame at %#llx: error %#llx rip %#llx cs %#llx rflags %#llx rsp %#llx ss %#llx",
	       (unsigned long long)g->run.regs.rsp, (unsigned long long)frame(g)[0],
	       (unsigned long long)frame(g)[1], (unsigned long long)frame(g)[2],
	       (unsigned long long)frame(g)[3], (unsigned long long)frame(g)[4],
	       (unsigned long long)frame(g)[5]);
	g->run.regs.rip = (uintptr_t)ge_x_cr2;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(addr, g->run.regs.rax);
	TH_LOG("the handler's CR2: %#llx", (unsigned long long)g->run.regs.rax);

	/* A non-canonical address is no address: refused, CR2 kept. */
	prepare(g, self->rsp, 14, true, 0, 0x0000800000000000ULL);
	EXPECT_EQ(-1, run(g));
	EXPECT_EQ(EINVAL, errno);
	g->run.flags = 0;
	g->run.exception_vector = 0;
	g->run.exception_cr2 = 0;
	g->run.regs.rip = (uintptr_t)ge_x_cr2;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(addr, g->run.regs.rax);

	/* Another vector leaves CR2 alone. */
	prepare(g, self->rsp, 13, true, 0, 0);
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(TRAP(13), g->run.regs.rax);
	g->run.regs.rip = (uintptr_t)ge_x_cr2;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(addr, g->run.regs.rax);
}

static void expect_einval(struct __test_metadata *_metadata, struct guest *g, const char *what)
{
	int r = ioctl(g->vcpu, DUNE_RUN, &g->run);

	EXPECT_EQ(-1, r) TH_LOG("%s: accepted (exit %u, rax %#llx)", what, g->run.exit_reason,
				(unsigned long long)g->run.regs.rax);
	if (r == -1)
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s: %s", what, strerror(errno));
}

/* Every refused combination: EINVAL, nothing delivered, the vCPU goes on. */
TEST_F(exc, invalid_requests_are_einval)
{
	struct guest *g = &self->g;
	int cp = ioctl(g->dev, DUNE_CHECK_EXTENSION, DUNE_CAP_RUN_EXCEPTION_CP);
	unsigned int i;
	char what[64];

	ASSERT_EQ(0, guest_create_vcpu(g));
	for (i = 0; i < sizeof(refused); i++) {
		snprintf(what, sizeof(what), "vector %u", refused[i]);
		prepare(g, self->rsp, refused[i], false, 0, 0);
		expect_einval(_metadata, g, what);
		prepare(g, self->rsp, refused[i], true, 0, 0);
		expect_einval(_metadata, g, what);
	}
	if (cp != 1) {
		prepare(g, self->rsp, 21, true, 0, 0);
		expect_einval(_metadata, g, "#CP without DUNE_CAP_RUN_EXCEPTION_CP");
	}
	/* the error code exactly where the CPU pushes one (SDM Vol. 3C, 27.2.1.3) */
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		snprintf(what, sizeof(what), "vector %u, error code %s", allowed[i].vector,
			 allowed[i].error_code ? "missing" : "given");
		prepare(g, self->rsp, allowed[i].vector, !allowed[i].error_code, 0,
			allowed[i].vector == 14 ? 0x1000 : 0);
		expect_einval(_metadata, g, what);
	}
	prepare(g, self->rsp, 13, true, 0x10000, 0);
	expect_einval(_metadata, g, "error code bit 16");
	prepare(g, self->rsp, 13, true, 0x80000000u, 0);
	expect_einval(_metadata, g, "error code bit 31");
	prepare(g, self->rsp, 8, true, 1, 0);
	expect_einval(_metadata, g, "#DF with a nonzero error code");
	prepare(g, self->rsp, 6, false, 5, 0);
	expect_einval(_metadata, g, "error code without DUNE_RUN_F_ERROR_CODE");
	prepare(g, self->rsp, 13, true, 0, 0x1000);
	expect_einval(_metadata, g, "CR2 for #GP");
	prepare(g, self->rsp, 14, true, 0, 0xffff800000000000ULL - 4096 * 1024ULL * 1024 * 1024);
	expect_einval(_metadata, g, "non-canonical CR2");
	/* the fields without the flag */
	prepare(g, self->rsp, 0, false, 0, 0);
	g->run.flags = DUNE_RUN_F_ERROR_CODE;
	expect_einval(_metadata, g, "DUNE_RUN_F_ERROR_CODE alone");
	prepare(g, self->rsp, 6, false, 0, 0);
	g->run.flags = 0;
	expect_einval(_metadata, g, "a vector without DUNE_RUN_F_EXCEPTION");
	prepare(g, self->rsp, 0, false, 3, 0);
	g->run.flags = 0;
	expect_einval(_metadata, g, "an error code without DUNE_RUN_F_EXCEPTION");
	prepare(g, self->rsp, 0, false, 0, 0x1000);
	g->run.flags = 0;
	expect_einval(_metadata, g, "CR2 without DUNE_RUN_F_EXCEPTION");
	prepare(g, self->rsp, 6, false, 0, 0);
	g->run.reserved1 = 1;
	expect_einval(_metadata, g, "reserved1");
	prepare(g, self->rsp, 6, false, 0, 0);
	g->run.reserved[4] = 1;
	expect_einval(_metadata, g, "reserved[4]");
	prepare(g, self->rsp, 6, false, 0, 0);
	g->run.flags |= 1u << 3;
	expect_einval(_metadata, g, "an unknown flag");

	expect_usable(_metadata, g);
}

/*
 * A gate that is not present: delivering #UD (benign) raises #NP, whose
 * error code names the gate (IDT bit, EXT: during delivery of an event,
 * SDM Vol. 3A, 6.13); delivering #GP (contributory) that way makes a #DF
 * (Table 6-5); with the #DF gate gone too, the CPU shuts down: a triple
 * fault, reported, and the vCPU still runs.
 */
TEST_F(exc, broken_gate_gets_the_hardwares_answer)
{
	struct guest *g = &self->g;

	g->idt[2 * 6 + 1] = 0;
	g->idt[2 * 6] &= ~GATE_PRESENT;
	g->idt[2 * 13] &= ~GATE_PRESENT;
	ASSERT_EQ(0, guest_create_vcpu(g));

	prepare(g, self->rsp, 6, false, 0, 0);
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(TRAP(11), g->run.regs.rax);
	EXPECT_EQ((6u << 3) | ERR_IDT | ERR_EXT, frame(g)[0]);
	EXPECT_EQ((uintptr_t)ge_x_start, frame(g)[1]);

	prepare(g, self->rsp, 13, true, 0, 0);
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(TRAP(8), g->run.regs.rax);
	EXPECT_EQ(0, frame(g)[0]);

	g->idt[2 * 8] &= ~GATE_PRESENT;
	prepare(g, self->rsp, 13, true, 0, 0);
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(DUNE_EXIT_TRIPLE_FAULT, g->run.exit_reason);

	g->idt[2 * 8] |= GATE_PRESENT;
	expect_usable(_metadata, g);
}

/*
 * The IDT on a guest page no chunk backs: delivering the exception takes
 * an EPT exit, and the event waits to be delivered again.  A second
 * exception is EBUSY until then; once the IDT is there, the first one
 * arrives.
 */
TEST_F(exc, pending_event_goes_first)
{
	struct guest *g = &self->g;
	void *idt_chunk = mmap_chunk(NULL, PROT_READ | PROT_WRITE);

	ASSERT_NE(NULL, idt_chunk);
	memcpy(idt_chunk, g->idt, PAGE);
	guest_map_gva(g, IDT_GVA, UNMAPPED_GPA);
	g->config.idtr_base = IDT_GVA;
	ASSERT_EQ(0, guest_create_vcpu(g));

	prepare(g, self->rsp, 6, false, 0, 0);
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason);
	EXPECT_TRUE(g->run.u.ept.flags & DUNE_EPT_NO_CHUNK);
	EXPECT_EQ(1, g->run.event_pending);

	g->run.flags = DUNE_RUN_F_EXCEPTION | DUNE_RUN_F_ERROR_CODE;
	g->run.exception_vector = 13;
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EBUSY, errno);

	/* nothing changed: the same exit again, the #UD still waiting */
	g->run.flags = 0;
	g->run.exception_vector = 0;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason);
	EXPECT_EQ(1, g->run.event_pending);

	ASSERT_EQ(0, guest_map_chunk(g, (uintptr_t)idt_chunk, UNMAPPED_GPA));
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(TRAP(6), g->run.regs.rax);
	EXPECT_EQ(0, g->run.event_pending);
	expect_usable(_metadata, g);
}

/*
 * An exception and an interrupt in one call, IF = 1: the exception is
 * delivered at the entry, through an interrupt gate that clears IF; the
 * interrupt waits until the guest sets IF again (STI and its shadow).
 */
TEST_F(exc, exception_before_interrupt)
{
	struct guest *g = &self->g;

	ASSERT_EQ(0, guest_map_text(g, ge_x_sti));
	ASSERT_EQ(0, guest_create_vcpu(g));
	prepare(g, self->rsp, 6, false, 0, 0);
	g->run.regs.rflags |= RFLAGS_IF;
	g->run.flags |= DUNE_RUN_F_INTERRUPT;
	g->run.interrupt_vector = TEST_IRQ;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(TRAP(6), g->run.regs.rax);
	EXPECT_EQ(RFLAGS_FIXED | RFLAGS_IF | RFLAGS_RF, frame(g)[2]);
	EXPECT_EQ(TEST_IRQ, g->run.interrupt_pending);

	g->run.regs.rip = (uintptr_t)ge_x_sti;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(TRAP(TEST_IRQ), g->run.regs.rax);
	EXPECT_EQ(0, g->run.interrupt_pending);
}

/*
 * Ring 3 stopped by an EPT fault (a load from a page no chunk backs): the
 * #PF user space gives it instead arrives in ring 0 on the TSS's RSP0
 * stack, with ring 3's CS, SS, RSP and the load's RIP in the frame.
 */
TEST_F(exc, from_ring3_to_ring0)
{
	struct guest *g = &self->g;
	uint64_t rsp0 = (uintptr_t)g->pool + CHUNK - 4096;	/* guestlib's TSS.RSP0 */
	uint64_t rsp3 = (uintptr_t)g->pool + CHUNK - 3 * 4096;
	uint64_t *iret = (uint64_t *)(uintptr_t)(rsp3 - 64);

	guest_map_gva(g, IDT_GVA, UNMAPPED_GPA);
	ASSERT_EQ(0, guest_create_vcpu(g));
	iret[0] = (uintptr_t)ge_x_r3load;
	iret[1] = SEL_CODE3;
	iret[2] = RFLAGS_FIXED;
	iret[3] = rsp3;
	iret[4] = SEL_DATA3;
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)ge_x_iret;
	g->run.regs.rsp = (uintptr_t)iret;
	g->run.regs.rflags = RFLAGS_FIXED;
	g->run.regs.rdi = IDT_GVA + 8;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason);
	ASSERT_EQ(3, g->run.cpl);
	ASSERT_EQ((uintptr_t)ge_x_r3load, g->run.regs.rip);

	g->run.flags = DUNE_RUN_F_EXCEPTION | DUNE_RUN_F_ERROR_CODE;
	g->run.exception_vector = 14;
	g->run.exception_error_code = 0x4 | 0x1;	/* U/S, P */
	g->run.exception_cr2 = IDT_GVA + 8;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0, g->run.cpl);
	EXPECT_EQ(TRAP(14), g->run.regs.rax);
	EXPECT_EQ(rsp0 - 48, g->run.regs.rsp);
	EXPECT_EQ(0x5, frame(g)[0]);
	EXPECT_EQ((uintptr_t)ge_x_r3load, frame(g)[1]);
	EXPECT_EQ(SEL_CODE3, frame(g)[2]);
	EXPECT_EQ(RFLAGS_FIXED | RFLAGS_RF, frame(g)[3]);
	EXPECT_EQ(rsp3, frame(g)[4]);
	EXPECT_EQ(SEL_DATA3, frame(g)[5]);
	g->run.regs.rip = (uintptr_t)ge_x_cr2;
	ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(IDT_GVA + 8, g->run.regs.rax);
}

/*
 * The guest stopped in an STI or a MOV SS shadow (a VMCALL right after
 * them): an exception is not held back by either (only interrupts and
 * NMIs are, SDM Vol. 3A, 6.8.3), and VM entry has no check that ties the
 * two (Vol. 3C, 27.3.1.5 constrains injected external interrupts and
 * NMIs only).  It enters and is delivered, with the next RIP in the frame.
 */
TEST_F(exc, in_sti_and_movss_shadows)
{
	struct guest *g = &self->g;
	static const struct { uint8_t v; bool code; } cases[] = { { 13, true }, { 1, false },
								   { 6, false }, { 14, true } };
	unsigned int i, k;

	ASSERT_EQ(0, guest_map_text(g, ge_x_sti_shadow));
	ASSERT_EQ(0, guest_create_vcpu(g));
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const char *code = k ? ge_x_movss_shadow : ge_x_sti_shadow;
			const char *after = k ? ge_x_movss_after : ge_x_sti_after;

			memset(&g->run, 0, sizeof(g->run));
			g->run.regs.rip = (uintptr_t)code;
			g->run.regs.rsp = self->rsp;
			g->run.regs.rflags = RFLAGS_FIXED;
			ASSERT_EQ(0, run(g)) TH_LOG("%s", strerror(errno));
			ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
			ASSERT_EQ((uintptr_t)after, g->run.regs.rip);
			g->run.flags = DUNE_RUN_F_EXCEPTION |
				       (cases[i].code ? DUNE_RUN_F_ERROR_CODE : 0);
			g->run.exception_vector = cases[i].v;
			ASSERT_EQ(0, run(g)) TH_LOG("%s shadow, vector %u: %s", k ? "MOV SS" : "STI",
						    cases[i].v, strerror(errno));
			ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason)
				TH_LOG("%s shadow, vector %u: exit %u (hardware %#x)",
				       k ? "MOV SS" : "STI", cases[i].v, g->run.exit_reason,
				       g->run.u.fail.hw_exit_reason);
			EXPECT_EQ(TRAP(cases[i].v), g->run.regs.rax);
			EXPECT_EQ((uintptr_t)after, frame(g)[cases[i].code ? 1 : 0]);
		}
	}
	expect_usable(_metadata, g);
}

TEST_HARNESS_MAIN
