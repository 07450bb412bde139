/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a small JSON reader (RFC 8259) for seccomp profiles: the whole
 * text into a tree, strictly (no comments, no trailing commas), with
 * bounds on depth and size.  Numbers are kept as their text: the caller
 * converts them to the integer it expects, exactly (seccomp values are
 * 64-bit and do not survive a double).
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
		 JSON_OBJECT };

struct json {
	enum json_type type;
	char *str;		/* JSON_STRING: the text (UTF-8, NUL-free); JSON_NUMBER: as written */
	size_t n;		/* JSON_ARRAY, JSON_OBJECT: elements / members */
	struct json **item;	/* elements, or members' values */
	char **key;		/* JSON_OBJECT: members' names */
	int line;		/* where it starts, for messages */
};

#define JSON_MAX_DEPTH	32
#define JSON_MAX_SIZE	(4 << 20)	/* Docker's default profile is about 20 KiB */

/* Parse @text (@len bytes); NULL with a message in @err on error. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(struct json *j);
/* The member @key of object @j, or NULL. */
const struct json *json_get(const struct json *j, const char *key);
/* A non-negative integer JSON_NUMBER into @v: false if it is not one or too large. */
bool json_u64(const struct json *j, uint64_t *v);

#endif
