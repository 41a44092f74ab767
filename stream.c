/*
 * stream.c: the streams of trial's AMP dialect since Twisted 22.10.
 *
 * An AMP value holds at most 65535 bytes.  A longer text (a failure's
 * message, a traceback's frames) goes as a stream: the sender asks
 * StreamOpen and gets an id, sends the bytes in StreamWrite chunks of at
 * most 65535 bytes, then names the id in the AddFailure (or AddError,
 * AddExpectedFailure) command; the receiver joins the chunks and forgets
 * the stream.  Frames go one element a chunk.  Ids come from one counter
 * per manager, shared by all its workers, starting at 0.
 *
 * Internally a stream keeps its writes as ListOf elements (a u16
 * big-endian length, then the bytes), so both the joined text and the
 * element list can be had at the end.
 *
 * A worker may open many streams ahead of the results that name them (a
 * test of a million failures): the table stays sorted by id, since ids
 * only grow, and is searched by bisection; a finished stream is marked
 * gone and the table compacted once half of it is gone, so that each
 * operation costs O(log n), amortized.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "util.h"

struct stream {
	long long id;
	int owner;		/* -1: gone, awaiting compaction */
	struct buf data;	/* u16 length + bytes, per write */
	size_t held;		/* payload bytes, without the lengths */
};

struct streams {
	struct stream *s;	/* by id */
	size_t n, cap, ngone;
	long long next;
	size_t held, max;
	char err[96];
};

size_t
stream_chunk(const unsigned char *p, size_t len, int utf8)
{
	if (len <= STREAM_CHUNK || !utf8)
		return len <= STREAM_CHUNK ? len : STREAM_CHUNK;
	return utf8_cut(p, len, STREAM_CHUNK);
}

struct streams *
streams_new(size_t cap)
{
	struct streams *s;

	s = xmalloc(sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->max = cap;
	return s;
}

void
streams_free(struct streams *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		buf_free(&s->s[i].data);
	free(s->s);
	free(s);
}

long long
streams_open(struct streams *s, int owner)
{
	struct stream *st;

	s->s = xgrow(s->s, &s->cap, s->n + 1, sizeof(*s->s), 8);
	st = &s->s[s->n++];
	memset(st, 0, sizeof(*st));
	st->id = s->next++;
	st->owner = owner;
	return st->id;
}

static struct stream *
findstream(struct streams *s, long long id, int owner)
{
	size_t lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->s[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->s[lo].id == id && s->s[lo].owner == owner &&
	    owner >= 0)
		return &s->s[lo];
	snprintf(s->err, sizeof(s->err), "unknown stream id %lld", id);
	return NULL;
}

int
streams_write(struct streams *s, long long id, int owner, const void *p,
    size_t len)
{
	struct stream *st;

	if ((st = findstream(s, id, owner)) == NULL)
		return -1;
	if (len > STREAM_CHUNK) {
		snprintf(s->err, sizeof(s->err),
		    "stream write of %zu bytes (at most %d)", len, STREAM_CHUNK);
		return -1;
	}
	if (len > s->max - s->held) {
		snprintf(s->err, sizeof(s->err),
		    "open streams would hold more than %zu bytes", s->max);
		return -1;
	}
	buf_addc(&st->data, (int)(len >> 8));
	buf_addc(&st->data, (int)(len & 0xff));
	buf_add(&st->data, p, len);
	st->held += len;
	s->held += len;
	return 0;
}

/* Drops the streams marked gone, keeping the order. */
static void
compact(struct streams *s)
{
	size_t i, k;

	for (i = k = 0; i < s->n; i++)
		if (s->s[i].owner >= 0)
			s->s[k++] = s->s[i];
	s->n = k;
	s->ngone = 0;
}

/* Frees the stream's bytes and marks it gone, for compact(). */
static void
markgone(struct streams *s, struct stream *st)
{
	s->held -= st->held;
	buf_free(&st->data);
	st->held = 0;
	st->owner = -1;
	s->ngone++;
}

static void
forgetstream(struct streams *s, struct stream *st)
{
	markgone(s, st);
	if (s->ngone > s->n / 2)
		compact(s);
}

int
streams_finish(struct streams *s, long long id, int owner, struct buf *out,
    int aslist)
{
	struct stream *st;
	size_t off, len;

	if ((st = findstream(s, id, owner)) == NULL)
		return -1;
	if (aslist) {
		buf_add(out, st->data.data, st->data.len);
	} else {
		buf_reserve(out, st->held);
		for (off = 0; off < st->data.len; off += 2 + len) {
			len = (size_t)st->data.data[off] << 8 |
			    st->data.data[off + 1];
			buf_add(out, st->data.data + off + 2, len);
		}
	}
	forgetstream(s, st);
	return 0;
}

void
streams_drop(struct streams *s, int owner)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->s[i].owner == owner && owner >= 0)
			markgone(s, &s->s[i]);
	compact(s);
}

size_t
streams_held(const struct streams *s)
{
	return s->held;
}

const char *
streams_error(const struct streams *s)
{
	return s->err;
}
