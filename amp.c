/*
 * amp.c: AMP boxes as Twisted's twisted.protocols.amp writes them.
 *
 * A box is a run of key/value pairs closed by an empty key:
 *	klen[2] key[klen] vlen[2] val[vlen] ... 00 00
 * Lengths are unsigned 16-bit big-endian; keys are 1 to 255 bytes and
 * values 0 to 65535.  Boxes follow each other with nothing between.
 * Longer payloads are split by stream.c.
 *
 * Every box has one of _command (plus _ask when it wants an answer),
 * _answer or _error (plus _error_code and _error_description).  Tags are
 * lowercase hex counters from 1, one per sender.  Twisted writes keys in
 * sorted byte order, so this encoder does too, and the same values give
 * the same bytes.  Values: Integer is decimal ASCII with an optional '-',
 * Boolean the exact bytes True or False, Unicode is UTF-8, ListOf a run
 * of u16-length-prefixed elements.
 *
 * No I/O here: bytes in, boxes out, and the reverse.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amp.h"
#include "util.h"

struct amp_dec {
	struct buf in;
	size_t off;		/* start of the first unread box */
	int failed;
	char err[96];
};

static size_t
get16(const unsigned char *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static void
put16(struct buf *b, size_t n)
{
	buf_addc(b, (int)(n >> 8 & 0xff));
	buf_addc(b, (int)(n & 0xff));
}

static void
push(struct amp_box *b, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	struct amp_pair *p;

	b->pair = xgrow(b->pair, &b->cap, b->n + 1, sizeof(*b->pair), 8);
	p = &b->pair[b->n++];
	p->key = key;
	p->klen = klen;
	p->val = val;
	p->vlen = vlen;
}

/* amp_scan, also saying in *badkey which key length made a box bad. */
static ssize_t
scan(const unsigned char *p, size_t len, size_t *badkey)
{
	size_t off = 0, klen, vlen;

	*badkey = 0;
	for (;;) {
		if (off > AMP_MAXBOX)
			return -1;
		if (len - off < 2)
			return 0;
		if ((klen = get16(p + off)) == 0)
			return (ssize_t)(off + 2);
		if (klen > AMP_MAXKEY) {
			*badkey = klen;
			return -1;
		}
		off += 2;
		if (len - off < klen + 2)
			return 0;
		vlen = get16(p + off + klen);
		off += klen + 2;
		if (len - off < vlen)
			return 0;
		off += vlen;
	}
}

ssize_t
amp_scan(const unsigned char *p, size_t len)
{
	size_t badkey;

	return scan(p, len, &badkey);
}

struct amp_dec *
amp_dec_new(void)
{
	struct amp_dec *d;

	d = xmalloc(sizeof(*d));
	memset(d, 0, sizeof(*d));
	return d;
}

void
amp_dec_free(struct amp_dec *d)
{
	if (d == NULL)
		return;
	buf_free(&d->in);
	free(d);
}

void
amp_dec_feed(struct amp_dec *d, const void *p, size_t len)
{
	if (d->failed)
		return;
	buf_consume(&d->in, d->off);
	d->off = 0;
	buf_add(&d->in, p, len);
}

static int
bad(struct amp_dec *d, const char *what, size_t n)
{
	d->failed = 1;
	snprintf(d->err, sizeof(d->err), what, n);
	return -1;
}

/* A box amp_scan found whole at p into b's pairs, and its kind; 1 or -1. */
static int
unpackbox(struct amp_dec *d, struct amp_box *b, const unsigned char *p)
{
	size_t off = 0, klen, vlen;

	amp_reset(b);
	while ((klen = get16(p + off)) != 0) {
		vlen = get16(p + off + 2 + klen);
		push(b, p + off + 2, klen, p + off + 4 + klen, vlen);
		off += 4 + klen + vlen;
	}
	if (b->n == 0)
		return bad(d, "empty box", 0);
	if (amp_get(b, "_answer") != NULL)
		b->kind = AMP_ANSWER;
	else if (amp_get(b, "_error") != NULL)
		b->kind = AMP_ERROR;
	else if (amp_get(b, "_command") != NULL)
		b->kind = AMP_COMMAND;
	else
		return bad(d, "box with none of _command, _answer, _error", 0);
	return 1;
}

int
amp_dec_next(struct amp_dec *d, struct amp_box *b)
{
	const unsigned char *p;
	size_t len, badkey;
	ssize_t n;

	if (d->failed)
		return -1;
	p = d->in.data + d->off;
	len = d->in.len - d->off;
	if ((n = scan(p, len, &badkey)) == 0)
		return 0;
	if (n < 0 && badkey != 0)
		return bad(d, "key of %zu bytes (at most 255)", badkey);
	if (n < 0)
		return bad(d, "box of more than %zu bytes", AMP_MAXBOX);
	d->off += (size_t)n;
	return unpackbox(d, b, p);
}

const char *
amp_dec_error(const struct amp_dec *d)
{
	return d->err;
}

size_t
amp_dec_pending(const struct amp_dec *d)
{
	return d->in.len - d->off;
}

void
amp_reset(struct amp_box *b)
{
	b->n = 0;
	b->kind = 0;
}

void
amp_free(struct amp_box *b)
{
	free(b->pair);
	b->pair = NULL;
	b->n = b->cap = 0;
}

void
amp_add(struct amp_box *b, const char *key, const void *val, size_t vlen)
{
	push(b, key, strlen(key), val, vlen);
}

void
amp_addstr(struct amp_box *b, const char *key, const char *val)
{
	amp_add(b, key, val, strlen(val));
}

static int
keycmp(const void *a, const void *b)
{
	const struct amp_pair *x = a, *y = b;
	int c;

	c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);
	if (c != 0)
		return c;
	return (x->klen > y->klen) - (x->klen < y->klen);
}

int
amp_encode(struct buf *out, struct amp_box *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->pair[i].klen == 0 || b->pair[i].klen > AMP_MAXKEY ||
		    b->pair[i].vlen > AMP_MAXVAL)
			return -1;
	qsort(b->pair, b->n, sizeof(*b->pair), keycmp);
	for (i = 0; i < b->n; i++) {
		put16(out, b->pair[i].klen);
		buf_add(out, b->pair[i].key, b->pair[i].klen);
		put16(out, b->pair[i].vlen);
		buf_add(out, b->pair[i].val, b->pair[i].vlen);
	}
	put16(out, 0);
	return 0;
}

unsigned long
amp_ask(struct amp_box *b, const char *command, unsigned long *counter)
{
	amp_reset(b);
	++*counter;
	snprintf(b->tag, sizeof(b->tag), "%lx", *counter);
	amp_addstr(b, "_command", command);
	amp_addstr(b, "_ask", b->tag);
	return *counter;
}

void
amp_answer(struct amp_box *b, const unsigned char *tag, size_t taglen)
{
	amp_reset(b);
	amp_add(b, "_answer", tag, taglen);
}

void
amp_send(struct buf *out, struct amp_box *b)
{
	if (amp_encode(out, b) < 0)
		fatal("a value too long for AMP");
}

void
amp_reply(struct buf *out, const void *tag, size_t taglen, const char *key,
    const char *val)
{
	struct amp_box b = { 0 };

	if (tag == NULL)
		return;
	amp_answer(&b, tag, taglen);
	if (key != NULL)
		amp_addstr(&b, key, val);
	amp_send(out, &b);
	amp_free(&b);
}

int
amp_error(struct buf *out, const unsigned char *tag, size_t taglen,
    const char *code, const char *desc)
{
	struct amp_box b = { 0 };
	int r;

	amp_add(&b, "_error", tag, taglen);
	amp_addstr(&b, "_error_code", code);
	amp_addstr(&b, "_error_description", desc);
	r = amp_encode(out, &b);
	amp_free(&b);
	return r;
}

/* Python's repr() of a bytes object, as Twisted puts it in the description. */
static void
bytesrepr(struct buf *out, const unsigned char *p, size_t len)
{
	char hex[8];
	size_t i;
	int q = '\'';

	if (memchr(p, '\'', len) != NULL && memchr(p, '"', len) == NULL)
		q = '"';
	buf_addc(out, 'b');
	buf_addc(out, q);
	for (i = 0; i < len; i++) {
		if (p[i] == q || p[i] == '\\') {
			buf_addc(out, '\\');
			buf_addc(out, p[i]);
		} else if (p[i] == '\t') {
			buf_addstr(out, "\\t");
		} else if (p[i] == '\n') {
			buf_addstr(out, "\\n");
		} else if (p[i] == '\r') {
			buf_addstr(out, "\\r");
		} else if (p[i] < 0x20 || p[i] >= 0x7f) {
			snprintf(hex, sizeof(hex), "\\x%02x", p[i]);
			buf_addstr(out, hex);
		} else {
			buf_addc(out, p[i]);
		}
	}
	buf_addc(out, q);
}

int
amp_unhandled(struct buf *out, const unsigned char *tag, size_t taglen,
    const unsigned char *cmd, size_t cmdlen)
{
	struct buf desc = { 0 };
	int r;

	buf_addstr(&desc, "Unhandled Command: ");
	bytesrepr(&desc, cmd, cmdlen);
	buf_addc(&desc, '\0');
	r = amp_error(out, tag, taglen, "UNHANDLED", (char *)desc.data);
	buf_free(&desc);
	return r;
}

int
amp_tagnum(const unsigned char *p, size_t len, unsigned long *n)
{
	unsigned long v = 0;
	size_t i;
	int d;

	if (len == 0 || len > sizeof(v) * 2 || p[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else
			return -1;
		v = v << 4 | (unsigned long)d;
	}
	*n = v;
	return 0;
}

/* The last pair with that key, as a Python dict built from the box keeps. */
const struct amp_pair *
amp_get(const struct amp_box *b, const char *key)
{
	size_t i, klen = strlen(key);

	for (i = b->n; i-- > 0;)
		if (b->pair[i].klen == klen &&
		    memcmp(b->pair[i].key, key, klen) == 0)
			return &b->pair[i];
	return NULL;
}

int
amp_is(const struct amp_pair *p, const char *s)
{
	size_t len = strlen(s);

	return p != NULL && p->vlen == len && memcmp(p->val, s, len) == 0;
}

int
amp_int(const unsigned char *p, size_t len, long long *n)
{
	unsigned long long v = 0, lim = LLONG_MAX;
	size_t i = 0;
	int neg = 0;

	if (len > 0 && p[0] == '-') {
		neg = 1;
		lim = (unsigned long long)LLONG_MAX + 1;
		i = 1;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (v > (lim - (unsigned)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (neg)
		*n = v == lim ? LLONG_MIN : -(long long)v;
	else
		*n = (long long)v;
	return 0;
}

int
amp_bool(const unsigned char *p, size_t len, int *v)
{
	if (len == 4 && memcmp(p, "True", 4) == 0)
		*v = 1;
	else if (len == 5 && memcmp(p, "False", 5) == 0)
		*v = 0;
	else
		return -1;
	return 0;
}

int
amp_list_next(const unsigned char **p, size_t *len, const unsigned char **elem,
    size_t *elen)
{
	size_t n;

	if (*len == 0)
		return 0;
	if (*len < 2 || *len - 2 < (n = get16(*p)))
		return -1;
	*elem = *p + 2;
	*elen = n;
	*p += 2 + n;
	*len -= 2 + n;
	return 1;
}

int
amp_list_add(struct buf *out, const void *elem, size_t len)
{
	if (len > AMP_MAXVAL)
		return -1;
	put16(out, len);
	buf_add(out, elem, len);
	return 0;
}
