// SPDX-License-Identifier: GPL-2.0
/*
 * threadchurn N M - threads that come and go, as a server's do: N threads
 * created and joined one after another, then "phase1" on stdout and a line
 * read from stdin; then M more, "phase2", and another line.  Between the
 * phases dune_sandbox_test counts the supervisor's mappings: each program
 * thread has a supervisor thread, whose stack must be taken back when it
 * ends (samples/sandbox/threads.c), not left mapped for ever.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *work(void *arg)
{
	return (char *)arg + 1;
}

static int churn(long n)
{
	long i;

	for (i = 0; i < n; i++) {
		pthread_t t;
		void *ret;
		int err = pthread_create(&t, NULL, work, (void *)i);

		if (err) {
			printf("pthread_create #%ld: %s\n", i, strerror(err));
			return 1;
		}
		if (pthread_join(t, &ret) || ret != (char *)i + 1) {
			printf("pthread_join #%ld: wrong result\n", i);
			return 1;
		}
	}
	return 0;
}

static void phase(const char *name)
{
	char line[16];

	printf("%s\n", name);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		exit(2);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (churn(atol(argv[1])))
		return 1;
	phase("phase1");
	if (churn(atol(argv[2])))
		return 1;
	phase("phase2");
	return 0;
}
