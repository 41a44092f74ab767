/*
 * t/unit/amp.c: the AMP codec against boxes that Twisted's own AMP code
 * encoded (t/data/amp-boxes.txt), and at its edges.  Run from the top
 * of the tree.
 */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../amp.h"
#include "../../stream.h"
#include "../../util.h"
#include "tap.h"

#define VECTORS "t/data/amp-boxes.txt"
#define MAXPAIRS 16

struct vec {
	char name[128];
	struct buf key[MAXPAIRS], val[MAXPAIRS];
	size_t n;
	struct buf bytes;
};

/* Python's bytes repr at *s (b'...' or b"..."), into out; -1 if malformed. */
static int
pybytes(const char **s, struct buf *out)
{
	const char *p = *s;
	char q, hex[3];

	if (*p++ != 'b' || (*p != '\'' && *p != '"'))
		return -1;
	q = *p++;
	while (*p != q) {
		if (*p == '\0' || *p == '\n')
			return -1;
		if (*p != '\\') {
			buf_addc(out, *p++);
			continue;
		}
		switch (*++p) {
		case 'x':
			if (p[1] == '\0' || p[2] == '\0')
				return -1;
			hex[0] = p[1];
			hex[1] = p[2];
			hex[2] = '\0';
			buf_addc(out, (int)strtol(hex, NULL, 16));
			p += 3;
			continue;
		case 'n': buf_addc(out, '\n'); break;
		case 'r': buf_addc(out, '\r'); break;
		case 't': buf_addc(out, '\t'); break;
		case '\\': case '\'': case '"': buf_addc(out, *p); break;
		default: return -1;
		}
		p++;
	}
	*s = p + 1;
	return 0;
}

static int
hexline(const char *s, struct buf *out)
{
	char *end;
	long v;

	while (*s != '\0' && *s != '\n') {
		v = strtol(s, &end, 16);
		if (end == s || v < 0 || v > 255)
			return -1;
		buf_addc(out, (int)v);
		s = end;
		while (*s == ' ')
			s++;
	}
	return 0;
}

static size_t
readvecs(FILE *f, struct vec *v, size_t max)
{
	char line[4096];
	const char *s;
	size_t n = 0;
	struct vec *cur = NULL;

	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (line[0] == '=' && n < max) {
			cur = &v[n++];
			memset(cur, 0, sizeof(*cur));
			line[strcspn(line, "\n")] = '\0';
			line[sizeof(cur->name) - 1] = '\0';
			memcpy(cur->name, line + 2, strlen(line + 2) + 1);
		} else if (cur == NULL) {
			return 0;
		} else if (line[0] == 'b') {
			s = line;
			if (cur->n == MAXPAIRS ||
			    pybytes(&s, &cur->key[cur->n]) < 0 ||
			    strncmp(s, " = ", 3) != 0)
				return 0;
			s += 3;
			if (pybytes(&s, &cur->val[cur->n]) < 0)
				return 0;
			cur->n++;
		} else if (hexline(line, &cur->bytes) < 0) {
			return 0;
		}
	}
	return n;
}

static int
samebytes(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The decoded box holds exactly the vector's pairs. */
static int
matches(const struct amp_box *b, const struct vec *v)
{
	size_t i;

	if (b->n != v->n)
		return 0;
	for (i = 0; i < v->n; i++)
		if (!samebytes(b->pair[i].key, b->pair[i].klen,
		    v->key[i].data, v->key[i].len) ||
		    !samebytes(b->pair[i].val, b->pair[i].vlen,
		    v->val[i].data, v->val[i].len))
			return 0;
	return 1;
}

static void
checkvec(struct vec *v)
{
	struct amp_dec *d;
	struct amp_box b = { 0 };
	struct buf enc = { 0 }, key[MAXPAIRS];
	size_t i, cuts;
	int r, whole;

	d = amp_dec_new();
	amp_dec_feed(d, v->bytes.data, v->bytes.len);
	r = amp_dec_next(d, &b);
	ok(r == 1 && matches(&b, v) && amp_dec_pending(d) == 0,
	    "%s: decodes to its %zu pairs", v->name, v->n);
	amp_dec_free(d);

	/* One byte at a time: nothing until the last byte, then the same box. */
	d = amp_dec_new();
	whole = 1;
	for (i = 0; i < v->bytes.len; i++) {
		amp_dec_feed(d, v->bytes.data + i, 1);
		r = amp_dec_next(d, &b);
		if (r != (i + 1 == v->bytes.len))
			whole = 0;
	}
	ok(whole && matches(&b, v), "%s: decodes byte by byte", v->name);
	amp_dec_free(d);

	for (i = cuts = 0; i < v->bytes.len; i++)
		if (amp_scan(v->bytes.data, i) != 0)
			cuts++;
	ok(cuts == 0 && amp_scan(v->bytes.data, v->bytes.len) ==
	    (ssize_t)v->bytes.len, "%s: every cut is incomplete", v->name);

	/* Encode the pairs in reverse order: the encoder must sort them. */
	amp_reset(&b);
	for (i = v->n; i-- > 0;) {
		memset(&key[i], 0, sizeof(key[i]));
		buf_add(&key[i], v->key[i].data, v->key[i].len);
		buf_addc(&key[i], '\0');
		amp_add(&b, (char *)key[i].data, v->val[i].data, v->val[i].len);
	}
	r = amp_encode(&enc, &b);
	ok(r == 0 && samebytes(enc.data, enc.len, v->bytes.data, v->bytes.len),
	    "%s: encodes to Twisted's %zu bytes", v->name, v->bytes.len);
	for (i = 0; i < v->n; i++)
		buf_free(&key[i]);
	buf_free(&enc);
	amp_free(&b);
}

static struct vec *
findvec(struct vec *v, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(v[i].name, prefix, strlen(prefix)) == 0)
			return &v[i];
	return NULL;
}

static int
memmem_like(const unsigned char *p, size_t len, const char *s)
{
	size_t i, slen = strlen(s);

	for (i = 0; i + slen <= len; i++)
		if (memcmp(p + i, s, slen) == 0)
			return 1;
	return 0;
}

/* Our helpers build the same bytes as Twisted for the same boxes. */
static void
helpers(struct vec *v, size_t n)
{
	struct buf out = { 0 };
	struct amp_box b = { 0 };
	struct vec *x;
	unsigned long ctr = 0, tag;

	x = findvec(v, n, "error answer UNHANDLED");
	amp_unhandled(&out, (const unsigned char *)"a", 1,
	    (const unsigned char *)"Bogus", 5);
	ok(x != NULL && samebytes(out.data, out.len, x->bytes.data,
	    x->bytes.len), "amp_unhandled matches Twisted's UNHANDLED box");
	out.len = 0;
	x = findvec(v, n, "error answer UNKNOWN");
	amp_error(&out, (const unsigned char *)"5", 1, "UNKNOWN",
	    "Unknown Error");
	ok(x != NULL && samebytes(out.data, out.len, x->bytes.data,
	    x->bytes.len), "amp_error matches Twisted's UNKNOWN box");
	out.len = 0;
	x = findvec(v, n, "Start command");
	tag = amp_ask(&b, "Start", &ctr);
	amp_addstr(&b, "directory", "/home/u/proj/_trial_temp/0");
	amp_encode(&out, &b);
	ok(tag == 1 && x != NULL && samebytes(out.data, out.len,
	    x->bytes.data, x->bytes.len), "amp_ask builds Start with tag 1");
	out.len = 0;
	x = findvec(v, n, "answer to tag 2");
	amp_answer(&b, (const unsigned char *)"2", 1);
	amp_addstr(&b, "success", "False");
	amp_encode(&out, &b);
	ok(x != NULL && samebytes(out.data, out.len, x->bytes.data,
	    x->bytes.len), "amp_answer builds a False answer");
	out.len = 0;
	amp_unhandled(&out, (const unsigned char *)"1", 1,
	    (const unsigned char *)"it's\n\xff", 6);
	ok(out.len > 0 && memmem_like(out.data, out.len,
	    "b\"it's\\n\\xff\""), "UNHANDLED quotes the name as Python's repr");
	buf_free(&out);
	amp_free(&b);
}

static void
tags(void)
{
	struct amp_box b = { 0 };
	unsigned long ctr = 0, n;
	const struct amp_pair *p;
	int seq = 1;
	char want[24];

	for (n = 1; n <= 300; n++) {
		amp_ask(&b, "TestWrite", &ctr);
		p = amp_get(&b, "_ask");
		snprintf(want, sizeof(want), "%lx", n);
		if (!amp_is(p, want))
			seq = 0;
		if (n == 16 && !amp_is(p, "10"))
			seq = 0;
	}
	ok(seq, "tags count 1..9, a..f, 10, ... in lowercase hex");
	ok(amp_tagnum((const unsigned char *)"1f", 2, &n) == 0 && n == 31,
	    "tag 1f is 31");
	ok(amp_tagnum((const unsigned char *)"", 0, &n) < 0 &&
	    amp_tagnum((const unsigned char *)"1F", 2, &n) < 0 &&
	    amp_tagnum((const unsigned char *)"01", 2, &n) < 0 &&
	    amp_tagnum((const unsigned char *)"ffffffffffffffffff", 18, &n) < 0,
	    "tags that Twisted never sends are refused");
	amp_free(&b);
}

static void
frames(struct vec *v, size_t n)
{
	static const char *want[] = {
		"maybeDeferred",
		"/usr/lib/python3/dist-packages/twisted/internet/defer.py",
		"190", "", "\xc3\xa9",
	};
	struct amp_dec *d;
	struct amp_box b = { 0 };
	const struct amp_pair *f;
	const unsigned char *p, *e;
	size_t len, elen, i = 0;
	struct vec *x;
	int good = 1, r;

	x = findvec(v, n, "AddFailure (old dialect");
	if (!ok(x != NULL, "the old dialect's AddFailure vector is there"))
		return;
	d = amp_dec_new();
	amp_dec_feed(d, x->bytes.data, x->bytes.len);
	amp_dec_next(d, &b);
	f = amp_get(&b, "frames");
	p = f->val;
	len = f->vlen;
	while ((r = amp_list_next(&p, &len, &e, &elen)) == 1) {
		if (i >= 5 || !samebytes(e, elen, want[i], strlen(want[i])))
			good = 0;
		i++;
	}
	ok(r == 0 && good && i == 5,
	    "ListOf frames decode to 5 elements, one of them empty");
	p = (const unsigned char *)"\x00\x05" "ab";
	len = 4;
	ok(amp_list_next(&p, &len, &e, &elen) == -1,
	    "a ListOf element longer than its value is malformed");
	p = (const unsigned char *)"\x00";
	len = 1;
	ok(amp_list_next(&p, &len, &e, &elen) == -1,
	    "a ListOf cut inside a length is malformed");
	amp_dec_free(d);
	amp_free(&b);
}

static void
listadd(void)
{
	struct buf out = { 0 };

	amp_list_add(&out, "ab", 2);
	amp_list_add(&out, "", 0);
	amp_list_add(&out, "\xc3\xa9", 2);
	ok(samebytes(out.data, out.len,
	    "\x00\x02" "ab" "\x00\x00" "\x00\x02" "\xc3\xa9", 10),
	    "ListOf ['ab', '', 'e-acute'] encodes as Twisted does");
	ok(amp_list_add(&out, "", 65536) == -1,
	    "a ListOf element of 65536 bytes is refused");
	buf_free(&out);
}

/* Feeds raw bytes; returns amp_dec_next's result and copies the error. */
static int
decode(const void *p, size_t len, char *err, size_t errlen)
{
	struct amp_dec *d;
	struct amp_box b = { 0 };
	int r;

	d = amp_dec_new();
	amp_dec_feed(d, p, len);
	r = amp_dec_next(d, &b);
	snprintf(err, errlen, "%s", amp_dec_error(d));
	amp_dec_free(d);
	amp_free(&b);
	return r;
}

static void
lengths(void)
{
	struct buf big = { 0 }, out = { 0 }, keyb = { 0 };
	struct amp_box b = { 0 };
	char err[128];
	unsigned char *key;

	key = calloc(1, 300);
	memset(key, 'k', 256);
	amp_addstr(&b, "_command", "X");
	amp_add(&b, (char *)key, "", 0);
	ok(amp_encode(&out, &b) == -1 && out.len == 0,
	    "the encoder refuses a key of 256 bytes");
	key[255] = '\0';
	amp_reset(&b);
	amp_addstr(&b, "_command", "X");
	amp_add(&b, (char *)key, "", 0);
	ok(amp_encode(&out, &b) == 0, "a key of 255 bytes encodes");
	out.len = 0;
	amp_reset(&b);
	amp_addstr(&b, "", "x");
	ok(amp_encode(&out, &b) == -1, "the encoder refuses an empty key");

	buf_reserve(&big, 65536);
	memset(big.data, 'v', 65536);
	amp_reset(&b);
	amp_addstr(&b, "_command", "X");
	amp_add(&b, "v", big.data, 65536);
	ok(amp_encode(&out, &b) == -1 && out.len == 0,
	    "the encoder refuses a value of 65536 bytes");
	amp_reset(&b);
	amp_addstr(&b, "_command", "X");
	amp_add(&b, "v", big.data, 65535);
	ok(amp_encode(&out, &b) == 0 && out.len == 2 + 8 + 2 + 1 + 2 + 1 +
	    2 + 65535 + 2, "a value of 65535 bytes encodes");
	ok(decode(out.data, out.len, err, sizeof(err)) == 1,
	    "and decodes");
	out.len = 0;
	amp_reset(&b);
	amp_addstr(&b, "_answer", "1");
	amp_add(&b, "z", "", 0);
	amp_encode(&out, &b);
	ok(decode(out.data, out.len, err, sizeof(err)) == 1,
	    "a zero-length value decodes");

	/* A hand-made key length of 256 on the wire. */
	buf_addc(&keyb, 0x01);
	buf_addc(&keyb, 0x00);
	buf_add(&keyb, key, 255);
	buf_addc(&keyb, 'k');
	buf_add(&keyb, "\x00\x00\x00\x00", 4);
	ok(decode(keyb.data, keyb.len, err, sizeof(err)) == -1 &&
	    strstr(err, "256") != NULL, "a key length of 256 is an error: %s",
	    err);
	ok(decode(keyb.data, 2, err, sizeof(err)) == -1,
	    "known as soon as the length arrives");
	ok(decode("\x00\x00", 2, err, sizeof(err)) == -1 &&
	    strcmp(err, "empty box") == 0, "an empty box is an error");
	ok(decode("\x00\x01x\x00\x01y\x00\x00", 9, err, sizeof(err)) ==
	    -1 && strstr(err, "_command") != NULL,
	    "a box with none of _command, _answer, _error is an error");
	buf_free(&big);
	buf_free(&out);
	buf_free(&keyb);
	amp_free(&b);
	free(key);
}

/* Pairs of 1-byte keys and 65535-byte values, past the box cap. */
static void
bigbox(void)
{
	struct buf in = { 0 };
	struct amp_dec *d;
	struct amp_box b = { 0 };
	size_t i;
	int r = 0;

	d = amp_dec_new();
	buf_reserve(&in, 65540);
	memset(in.data, 'x', 65540);
	in.data[0] = 0;
	in.data[1] = 1;
	in.data[2] = 'k';
	in.data[3] = 0xff;
	in.data[4] = 0xff;
	in.len = 5 + 65535;
	for (i = 0; i < 20 && r == 0; i++) {
		amp_dec_feed(d, in.data, in.len);
		r = amp_dec_next(d, &b);
	}
	ok(r == -1 && strstr(amp_dec_error(d), "more than") != NULL &&
	    i <= 17, "a box past %zu bytes is an error after %zu pairs: %s",
	    AMP_MAXBOX, i, amp_dec_error(d));
	amp_dec_feed(d, "\x00\x00", 2);
	ok(amp_dec_next(d, &b) == -1, "and the decoder stays failed");
	amp_dec_free(d);
	amp_free(&b);
	buf_free(&in);
}

static int
isint(const char *s, long long want)
{
	long long v;

	return amp_int((const unsigned char *)s, strlen(s), &v) == 0 &&
	    v == want;
}

static int
notint(const char *s)
{
	long long v;

	return amp_int((const unsigned char *)s, strlen(s), &v) == -1;
}

static void
integers(void)
{
	int v;

	ok(isint("0", 0) && isint("7", 7) && isint("-3", -3),
	    "Integer 0, 7, -3");
	ok(isint("007", 7), "Integer 007 is 7, as Python's int() reads it");
	ok(notint("1.0") && notint("") && notint("-") && notint("0x10") &&
	    notint(" 3") && notint("+5") && notint("1_0"),
	    "Integer 1.0, empty, -, 0x10, ' 3', +5, 1_0 are errors");
	ok(isint("9223372036854775807", LLONG_MAX) &&
	    isint("-9223372036854775808", LLONG_MIN),
	    "Integer limits of long long");
	ok(notint("9223372036854775808") && notint("-9223372036854775809") &&
	    notint("99999999999999999999999"), "Integer overflow is an error");
	ok(amp_bool((const unsigned char *)"True", 4, &v) == 0 && v == 1 &&
	    amp_bool((const unsigned char *)"False", 5, &v) == 0 && v == 0,
	    "Boolean True and False");
	ok(amp_bool((const unsigned char *)"true", 4, &v) == -1 &&
	    amp_bool((const unsigned char *)"1", 1, &v) == -1 &&
	    amp_bool((const unsigned char *)"TRUE", 4, &v) == -1 &&
	    amp_bool((const unsigned char *)"", 0, &v) == -1 &&
	    amp_bool((const unsigned char *)"Maybe", 5, &v) == -1,
	    "Boolean true, 1, TRUE, empty, Maybe are errors");
}

static void
pipeline(struct vec *v, size_t n)
{
	struct buf all = { 0 };
	struct amp_dec *d;
	struct amp_box b = { 0 };
	size_t i, got = 0, step;
	int r, good = 1;

	for (i = 0; i < n; i++)
		buf_add(&all, v[i].bytes.data, v[i].bytes.len);
	/* Boxes back to back, fed in odd-sized pieces. */
	for (step = 1; step <= 7; step += 3) {
		d = amp_dec_new();
		got = 0;
		for (i = 0; i < all.len; i += step) {
			amp_dec_feed(d, all.data + i,
			    all.len - i < step ? all.len - i : step);
			while ((r = amp_dec_next(d, &b)) == 1) {
				if (got >= n || !matches(&b, &v[got]))
					good = 0;
				got++;
			}
			if (r < 0)
				good = 0;
		}
		ok(good && got == n && amp_dec_pending(d) == 0,
		    "all %zu boxes back to back, fed %zu bytes at a time",
		    n, step);
		amp_dec_free(d);
	}
	buf_free(&all);
	amp_free(&b);
}

int
main(void)
{
	static struct vec v[64];
	size_t n, i, j;
	FILE *f;

	if ((f = fopen(VECTORS, "r")) == NULL) {
		printf("1..0 # SKIP cannot open %s (run from the top)\n",
		    VECTORS);
		return 1;
	}
	n = readvecs(f, v, 64);
	fclose(f);
	ok(n >= 20, "read %zu vectors from %s", n, VECTORS);
	for (i = 0; i < n; i++)
		checkvec(&v[i]);
	helpers(v, n);
	tags();
	frames(v, n);
	listadd();
	lengths();
	bigbox();
	integers();
	pipeline(v, n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i].n; j++) {
			buf_free(&v[i].key[j]);
			buf_free(&v[i].val[j]);
		}
		buf_free(&v[i].bytes);
	}
	return tap_done();
}
