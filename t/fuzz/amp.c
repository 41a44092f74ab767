/*
 * t/fuzz/amp.c: a libFuzzer target over the AMP decoder, the typed
 * values and the manager's stream table (make fuzz; see README.md).
 *
 * The first byte sets how the input is cut into feeds, so that split
 * boxes are explored; every decoded box is read as the manager would,
 * and re-encoded and decoded again to the same pairs.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../amp.h"
#include "../../stream.h"
#include "../../util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
values(const struct amp_box *b)
{
	struct buf fix = { 0 };
	const unsigned char *p, *e;
	size_t i, len, elen;
	long long n;
	int v;

	for (i = 0; i < b->n; i++) {
		amp_int(b->pair[i].val, b->pair[i].vlen, &n);
		amp_bool(b->pair[i].val, b->pair[i].vlen, &v);
		fix.len = 0;
		utf8_repair(&fix, b->pair[i].val, b->pair[i].vlen);
		if (!utf8_valid(fix.data, fix.len))
			abort();
		p = b->pair[i].val;
		len = b->pair[i].vlen;
		while (amp_list_next(&p, &len, &e, &elen) == 1)
			;
	}
	buf_free(&fix);
}

/* The stream commands, as the manager answers them. */
static void
streams(struct streams *s, const struct amp_box *b, int owner)
{
	const struct amp_pair *id, *data;
	struct buf out = { 0 };
	long long n;

	if (amp_is(amp_get(b, "_command"), "StreamOpen"))
		streams_open(s, owner);
	id = amp_get(b, "streamId");
	data = amp_get(b, "data");
	if (id != NULL && amp_int(id->val, id->vlen, &n) == 0) {
		if (data != NULL)
			streams_write(s, n, owner, data->val, data->vlen);
		else
			streams_finish(s, n, owner, &out, owner & 1);
	}
	if (amp_is(amp_get(b, "_command"), "Drop"))
		streams_drop(s, owner);
	buf_free(&out);
}

static void
roundtrip(struct amp_box *b)
{
	struct buf enc = { 0 };
	struct amp_dec *d;
	struct amp_box c = { 0 };

	if (amp_encode(&enc, b) < 0)
		abort();	/* a decoded box always fits */
	d = amp_dec_new();
	amp_dec_feed(d, enc.data, enc.len);
	if (amp_dec_next(d, &c) != 1 || c.n != b->n || c.kind != b->kind)
		abort();
	amp_dec_free(d);
	amp_free(&c);
	buf_free(&enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amp_dec *d;
	struct amp_box b = { 0 };
	struct streams *s;
	size_t off, step;
	int r = 0, owner = 0;

	if (size == 0)
		return 0;
	step = data[0] ? data[0] : size;
	d = amp_dec_new();
	s = streams_new(1 << 20);
	for (off = 1; off < size && r >= 0; off += step) {
		amp_dec_feed(d, data + off, size - off < step ? size - off : step);
		while ((r = amp_dec_next(d, &b)) == 1) {
			values(&b);
			streams(s, &b, owner++ % 3);
			roundtrip(&b);
		}
	}
	amp_free(&b);
	amp_dec_free(d);
	streams_free(s);
	return 0;
}
