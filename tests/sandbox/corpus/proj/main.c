#include <stdio.h>
#include <stdlib.h>
#include "proj.h"

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	size_t n, longest = 0;
	FILE *f = fopen(argc > 1 ? argv[1] : "words.txt", "r");

	if (!f) {
		perror("fopen");
		return 1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	printf("words %zu longest %zu sum %lu\n", count_words(buf, &longest), longest,
	       checksum(buf));
	return 0;
}
