// SPDX-License-Identifier: GPL-2.0
/* hello - a static program for the sandbox: stdio, malloc, getpid, uname. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;
	char *p = malloc(100000);
	int i;

	strcpy(p, "hello from ring 3");
	printf("%s\n", p);
	for (i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	printf("HOME=%s\n", getenv("HOME") ? getenv("HOME") : "(unset)");
	if (uname(&u) == 0)
		printf("nodename %s\n", u.nodename);
	printf("pid %d\n", getpid());
	free(p);
	return 3;
}
