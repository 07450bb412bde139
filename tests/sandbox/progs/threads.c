// SPDX-License-Identifier: GPL-2.0
/* threads - pthreads in the sandbox: each thread is a vCPU of its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;
static __thread long mine;	/* TLS: each thread's own FS base */

static void *work(void *arg)
{
	long id = (long)arg, i, sum = 0;
	char *buf = malloc(100000);

	for (i = 0; i < 20000; i++)
		sum += i % (id + 2);
	mine = id * 1000;
	buf[99999] = (char)id;
	pthread_mutex_lock(&lock);
	total += sum + (mine == id * 1000) + buf[99999];
	pthread_mutex_unlock(&lock);
	free(buf);
	return (void *)(id * 10);
}

int main(void)
{
	pthread_t t[NTHREADS];
	long i, rets = 0;

	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i)) {
			printf("pthread_create failed\n");
			return 1;
		}
	for (i = 0; i < NTHREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		rets += (long)r;
	}
	printf("threads %d total %ld rets %ld\n", NTHREADS, total, rets);
	return 0;
}
