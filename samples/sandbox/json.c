// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - the JSON reader of json.h: a recursive-descent parser over the
 * grammar of RFC 8259, section 2-7.  Only what a seccomp profile needs,
 * but all of the grammar: every value type, string escapes (\uXXXX with
 * surrogate pairs to UTF-8), and numbers with fraction and exponent
 * (kept as text).  Depth and size are bounded; a NUL in a string is
 * refused (the names become C strings).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	const char *p, *end;
	int line, depth;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct parser *ps, const char *what)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "line %d: %s", ps->line, what);
	ps->failed = true;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
				   *ps->p == '\r')) {
		if (*ps->p == '\n')
			ps->line++;
		ps->p++;
	}
}

static struct json *node(struct parser *ps, enum json_type type)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j) {
		fail(ps, "out of memory");
		return NULL;
	}
	j->type = type;
	j->line = ps->line;
	return j;
}

static int hex4(struct parser *ps)
{
	int v = 0, i;

	if (ps->end - ps->p < 4) {
		fail(ps, "short \\u escape");
		return -1;
	}
	for (i = 0; i < 4; i++) {
		char c = *ps->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else {
			fail(ps, "bad \\u escape");
			return -1;
		}
	}
	return v;
}

/* Append code point @cp as UTF-8. */
static void put_utf8(char **o, unsigned int cp)
{
	char *q = *o;

	if (cp < 0x80) {
		*q++ = (char)cp;
	} else if (cp < 0x800) {
		*q++ = (char)(0xc0 | cp >> 6);
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*q++ = (char)(0xe0 | cp >> 12);
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (char)(0xf0 | cp >> 18);
		*q++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	}
	*o = q;
}

/* A string, after its opening quote; its text, malloc'd. */
static char *string(struct parser *ps)
{
	/* escapes only shrink: \uXXXX (6 bytes) is at most 3 of UTF-8, a pair 4 of 12 */
	const char *close = ps->p;
	char *out, *o;

	while (close < ps->end && *close != '"') {
		if (*close == '\\')
			close++;
		close++;
	}
	if (close >= ps->end) {
		fail(ps, "unterminated string");
		return NULL;
	}
	out = malloc(close - ps->p + 1);
	if (!out) {
		fail(ps, "out of memory");
		return NULL;
	}
	o = out;
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p++;
		int cp, lo;

		if (c < 0x20) {
			fail(ps, "control character in a string");
			goto bad;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		switch (*ps->p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			cp = hex4(ps);
			if (cp < 0)
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
					fail(ps, "lone surrogate in \\u escape");
					goto bad;
				}
				ps->p += 2;
				lo = hex4(ps);
				if (lo < 0xdc00 || lo >= 0xe000) {
					fail(ps, "bad surrogate pair in \\u escape");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				fail(ps, "lone surrogate in \\u escape");
				goto bad;
			}
			if (cp == 0) {
				fail(ps, "\\u0000 in a string");
				goto bad;
			}
			put_utf8(&o, (unsigned int)cp);
			break;
		default:
			fail(ps, "bad escape in a string");
			goto bad;
		}
	}
	ps->p++;
	*o = 0;
	return out;
bad:
	free(out);
	return NULL;
}

static bool digits(struct parser *ps)
{
	const char *start = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > start;
}

static struct json *number(struct parser *ps)
{
	const char *start = ps->p;
	struct json *j;

	if (*ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (!digits(ps))
		goto bad;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!digits(ps))
			goto bad;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!digits(ps))
			goto bad;
	}
	j = node(ps, JSON_NUMBER);
	if (!j)
		return NULL;
	j->str = strndup(start, ps->p - start);
	if (!j->str) {
		fail(ps, "out of memory");
		json_free(j);
		return NULL;
	}
	return j;
bad:
	fail(ps, "bad number");
	return NULL;
}

static struct json *value(struct parser *ps);

/* Room for one more element (profiles have hundreds at most: one at a time). */
static bool grow(struct parser *ps, struct json *j, bool keys)
{
	struct json **item = realloc(j->item, (j->n + 1) * sizeof(*j->item));

	if (item)
		j->item = item;
	if (item && keys) {
		char **key = realloc(j->key, (j->n + 1) * sizeof(*j->key));

		if (key)
			j->key = key;
		else
			item = NULL;
	}
	if (!item)
		fail(ps, "out of memory");
	return item != NULL;
}

static struct json *container(struct parser *ps, bool object)
{
	struct json *j = node(ps, object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';

	if (!j)
		return NULL;
	if (++ps->depth > JSON_MAX_DEPTH) {
		fail(ps, "nested too deep");
		goto bad;
	}
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct json *v;

		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"') {
				fail(ps, "expected a member name");
				goto bad;
			}
			ps->p++;
			key = string(ps);
			if (!key)
				goto bad;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				fail(ps, "expected ':'");
				goto bad;
			}
			ps->p++;
		}
		v = value(ps);
		if (!v || !grow(ps, j, object)) {
			free(key);
			json_free(v);
			goto bad;
		}
		if (object)
			j->key[j->n] = key;
		j->item[j->n++] = v;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return j;
		}
		fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
bad:
	json_free(j);
	return NULL;
}

static bool word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n))
		return false;
	ps->p += n;
	return true;
}

static struct json *value(struct parser *ps)
{
	struct json *j;

	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		ps->p++;
		return container(ps, true);
	case '[':
		ps->p++;
		return container(ps, false);
	case '"':
		ps->p++;
		j = node(ps, JSON_STRING);
		if (j && !(j->str = string(ps))) {
			json_free(j);
			return NULL;
		}
		return j;
	case 't':
		return word(ps, "true") ? node(ps, JSON_TRUE) : (fail(ps, "bad literal"), NULL);
	case 'f':
		return word(ps, "false") ? node(ps, JSON_FALSE) : (fail(ps, "bad literal"), NULL);
	case 'n':
		return word(ps, "null") ? node(ps, JSON_NULL) : (fail(ps, "bad literal"), NULL);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return number(ps);
		fail(ps, "unexpected character");
		return NULL;
	}
}

struct json *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser ps = { text, text + len, 1, 0, err, errlen, false };
	struct json *j;

	if (len > JSON_MAX_SIZE) {
		snprintf(err, errlen, "larger than %d bytes", JSON_MAX_SIZE);
		return NULL;
	}
	if (memchr(text, 0, len)) {
		snprintf(err, errlen, "a NUL byte in the text");
		return NULL;
	}
	j = value(&ps);
	if (!j)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		fail(&ps, "text after the value");
		json_free(j);
		return NULL;
	}
	return j;
}

void json_free(struct json *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->n; i++) {
		json_free(j->item[i]);
		if (j->key)
			free(j->key[i]);
	}
	free(j->item);
	free(j->key);
	free(j->str);
	free(j);
}

const struct json *json_get(const struct json *j, const char *key)
{
	size_t i;

	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < j->n; i++)
		if (!strcmp(j->key[i], key))
			return j->item[i];
	return NULL;
}

bool json_u64(const struct json *j, uint64_t *v)
{
	char *end;

	if (!j || j->type != JSON_NUMBER || j->str[0] == '-')
		return false;
	errno = 0;
	*v = strtoull(j->str, &end, 10);
	return !*end && !errno;
}
