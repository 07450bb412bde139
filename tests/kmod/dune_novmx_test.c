// SPDX-License-Identifier: GPL-2.0
/*
 * dune_novmx_test - on a CPU without VMX, dune.ko refuses to load and says
 * why, in one line; so does dune-sandbox.  Runs in an emulated machine whose CPU model has no
 * VMX (tools/vm/run --cpu-model p4_prescott_celeron_336 --no-insmod).
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "testlib.h"

TEST(refuses_without_vmx)
{
	unsigned int eax, ebx, ecx, edx;
	size_t log;

	/* Make sure this really is a machine without VMX. */
	ASSERT_TRUE(__get_cpuid(1, &eax, &ebx, &ecx, &edx));
	ASSERT_EQ(0, ecx & (1u << 5));

	log = klog_size();
	EXPECT_EQ(-ENODEV, load_module(DUNE_KO, NULL));
	EXPECT_FALSE(module_loaded("dune"));
	EXPECT_NE(0, access("/dev/dune", F_OK));
	EXPECT_TRUE(klog_contains_since(log,
		"dune: cannot load: the CPU has no VMX (CPUID.1:ECX.VMX[bit 5] is 0)"));
}

/* dune-sandbox says the same, in one line of its own, and exits 125. */
TEST(sandbox_says_no_vmx)
{
	char out[1024];
	int st;

	ASSERT_EQ(0, access(DUNE_SANDBOX, X_OK));
	st = run_capture(DUNE_SANDBOX " -- /bin/true", out, sizeof(out));
	EXPECT_EQ(125, st);
	EXPECT_EQ(1, count_lines_starting(out, "")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "dune-sandbox: this CPU has no VMX (Intel VT-x)")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
