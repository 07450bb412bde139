/* SPDX-License-Identifier: GPL-2.0 */
/*
 * only.h - run some tests of a kselftest suite, not all of them.
 *
 * The lab graders (labs/grade) run a few named tests of the project's own
 * suites - the ones that exercise the code a lab asks for - in one boot of
 * the emulated machine.  Linux 6.1's kselftest_harness.h has no test
 * filter (-t/-T came in 6.4), so a lab's test program is the suite itself,
 * compiled once more with this header in front of it (tests/labs/only_*.c):
 * its main() keeps the tests named on the command line and drops the rest
 * from the harness's lists before the harness walks them.
 *
 *   only_vm vm.cpuid_hides_vmx vm.msrs
 *
 * A name is FIXTURE.TEST (every variant of the fixture) or
 * FIXTURE.VARIANT.TEST, as the harness prints it in its "ok N" lines;
 * tests outside any fixture are "global.TEST".  A name that matches
 * nothing is an error (exit 2): a grader must not score a test that was
 * renamed away.
 */
#ifndef DUNE_LABS_ONLY_H
#define DUNE_LABS_ONLY_H

#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"

struct only_name {
	char fixture[64], variant[64], test[128];	/* variant "": every variant */
	int used;
};

#define ONLY_MAX	64
static struct only_name only_names[ONLY_MAX];
static int only_count;

static int only_parse(const char *arg, struct only_name *n)
{
	const char *d1 = strchr(arg, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;

	memset(n, 0, sizeof(*n));
	if (!d1 || (size_t)(d1 - arg) >= sizeof(n->fixture))
		return -1;
	memcpy(n->fixture, arg, d1 - arg);
	if (d2) {
		if ((size_t)(d2 - d1 - 1) >= sizeof(n->variant))
			return -1;
		memcpy(n->variant, d1 + 1, d2 - d1 - 1);
		d1 = d2;
	}
	if (strlen(d1 + 1) >= sizeof(n->test) || !d1[1])
		return -1;
	strcpy(n->test, d1 + 1);
	return 0;
}

/* Does a name keep test @t (of fixture @f) in variant @v ("" if none)? */
static int only_wanted(const struct __fixture_metadata *f, const char *v, const char *t, int mark)
{
	int i, hit = 0;

	for (i = 0; i < only_count; i++) {
		struct only_name *n = &only_names[i];

		if (strcmp(n->fixture, f->name) || (t && strcmp(n->test, t)) ||
		    (n->variant[0] && strcmp(n->variant, v)))
			continue;
		hit = 1;
		if (mark)
			n->used = 1;
	}
	return hit;
}

/*
 * A test is kept if a name wants it in one of the variants kept (the
 * harness runs every kept test in every kept variant: name tests of one
 * variant each, or of fixtures without variants).
 */
static int only_test_kept(const struct __fixture_metadata *f, const char *t)
{
	const struct __fixture_variant_metadata *v;
	int hit = 0;

	if (!f->variant)
		return only_wanted(f, "", t, 1);
	for (v = f->variant; v; v = v->next)
		hit |= only_wanted(f, v->name, t, 1);
	return hit;
}

/* Relink a harness list (head->prev is the tail, tail->next is NULL). */
#define ONLY_FILTER(head, type, keep) do {				\
	type *__it = (head), *__next, *__new = NULL;			\
	for (; __it; __it = __next) {					\
		__next = __it->next;					\
		if (!(keep))						\
			continue;					\
		__it->next = NULL;					\
		if (!__new) {						\
			__new = __it;					\
		} else {						\
			__it->prev = __new->prev;			\
			__new->prev->next = __it;			\
		}							\
		__new->prev = __it;					\
	}								\
	(head) = __new;							\
} while (0)

static int only_apply(int argc, char **argv)
{
	struct __fixture_metadata *f;
	int i;

	for (i = 1; i < argc && only_count < ONLY_MAX; i++)
		if (only_parse(argv[i], &only_names[only_count++])) {
			fprintf(stderr, "only: bad test name %s (FIXTURE[.VARIANT].TEST)\n", argv[i]);
			return -1;
		}
	if (!only_count) {
		fprintf(stderr, "usage: %s FIXTURE[.VARIANT].TEST...\n", argv[0]);
		return -1;
	}
	for (f = __fixture_list; f; f = f->next) {
		if (f->variant) {
			ONLY_FILTER(f->variant, struct __fixture_variant_metadata,
				    only_wanted(f, __it->name, NULL, 0));
			if (!f->variant) {	/* no variant left: no test either */
				f->tests = NULL;
				continue;
			}
		}
		ONLY_FILTER(f->tests, struct __test_metadata, only_test_kept(f, __it->name));
	}
	for (i = 0; i < only_count; i++)
		if (!only_names[i].used) {
			fprintf(stderr, "only: no test %s.%s%s%s in this suite\n",
				only_names[i].fixture, only_names[i].variant,
				only_names[i].variant[0] ? "." : "", only_names[i].test);
			return -1;
		}
	return 0;
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN						\
	static void __attribute__((constructor))			\
	__constructor_order_last(void)					\
	{								\
		if (!__constructor_order)				\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}								\
	int main(int argc, char **argv)					\
	{								\
		if (only_apply(argc, argv))				\
			return 2;					\
		return test_harness_run(1, argv);			\
	}

#endif
