#include "proj.h"

unsigned long checksum(const char *t)
{
	unsigned long h = 5381;

	while (*t)
		h = h * 33 + (unsigned char)*t++;
	return h;
}
