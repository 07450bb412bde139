// SPDX-License-Identifier: GPL-2.0
/* oplog.c - see oplog.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "oplog.h"

void oplog_add(struct oplog *l, const struct op *op)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		struct op *ops = realloc(l->ops, cap * sizeof(*ops));

		if (!ops)
			return;
		l->ops = ops;
		l->cap = cap;
	}
	l->ops[l->n++] = *op;
}

int oplog_write(const struct oplog *l, const char *path, const char *header)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		return -1;
	fprintf(f, "# %s\n# kind slot slot2 a b c d\n", header);
	for (i = 0; i < l->n; i++) {
		const struct op *o = &l->ops[i];

		fprintf(f, "%u %u %u %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 "\n", o->kind,
			o->slot, o->slot2, o->a, o->b, o->c, o->d);
	}
	return fclose(f);
}

int oplog_read(struct oplog *l, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	struct op o;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		memset(&o, 0, sizeof(o));
		if (sscanf(line, "%u %u %u %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64, &o.kind,
			   &o.slot, &o.slot2, &o.a, &o.b, &o.c, &o.d) == 7)
			oplog_add(l, &o);
	}
	fclose(f);
	return 0;
}
