#ifndef PROJ_H
#define PROJ_H
#include <stddef.h>
size_t count_words(const char *text, size_t *longest);
unsigned long checksum(const char *text);
#endif
