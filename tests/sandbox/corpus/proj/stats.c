#include <ctype.h>
#include "proj.h"

size_t count_words(const char *t, size_t *longest)
{
	size_t n = 0, len = 0;

	for (;; t++) {
		if (isalpha((unsigned char)*t)) {
			len++;
			continue;
		}
		if (len) {
			n++;
			if (len > *longest)
				*longest = len;
		}
		len = 0;
		if (!*t)
			return n;
	}
}
