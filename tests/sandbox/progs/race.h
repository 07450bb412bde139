/* SPDX-License-Identifier: GPL-2.0 */
/*
 * race.h - what the hostile programs' race modes share: a racing thread
 * on the other CPU, and hold times that vary.
 *
 * Why both matter in the emulated machine.  Bochs runs its CPUs in turn,
 * a few instructions each (its SMP "quantum"), and is deterministic: with
 * two threads on one CPU, the racing thread runs for a whole time slice
 * while the victim waits, and the value the victim sees only changes at a
 * preemption; with two loops of fixed length on two CPUs, the phase of the
 * racing loop at the moment the victim's second read comes is the same
 * in every try, and a race that would win natively can lose every time
 * (the path-string race did, on the vulnerable code, until its hold times
 * varied).  So the racing thread is pinned to the other CPU (if the policy
 * lets the program call sched_setaffinity) and each value is held for a
 * pseudo-random while: every phase of the window gets tried.
 */
#ifndef RACE_H
#define RACE_H

#include <sched.h>
#include <stdbool.h>
#include <time.h>

/* Pin the calling thread to @cpu (modulo the CPUs there are); true if it worked. */
static inline bool race_pin(int cpu)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	CPU_ZERO(&set);
	CPU_SET(cpu % n, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

/* Spin for a pseudo-random 0..@mask PAUSEs (an LCG, one per thread). */
static inline void race_hold(unsigned int *seed, unsigned int mask)
{
	unsigned int n;

	*seed = *seed * 1103515245 + 12345;
	for (n = (*seed >> 16) & mask; n; n--)
		__asm__ __volatile__("pause" ::: "memory");
}

/* Seconds on the monotonic clock (guest time in the emulated machine). */
static inline double race_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

#endif
