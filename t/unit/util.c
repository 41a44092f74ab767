/*
 * t/unit/util.c: the ground floor: byte buffers, UTF-8 (validate, repair,
 * cut, count), signal names and the kill ladder.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../../util.h"
#include "tap.h"

static int
samebytes(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static void
buffers(void)
{
	struct buf b = { 0 };
	size_t i;
	int good = 1;

	for (i = 0; i < 100000; i++)
		buf_addc(&b, (int)(i % 251));
	for (i = 0; i < b.len; i++)
		if (b.data[i] != i % 251)
			good = 0;
	ok(good && b.len == 100000 && b.cap >= b.len,
	    "a buffer grows to 100000 bytes and keeps them");
	buf_consume(&b, 99990);
	ok(b.len == 10 && b.data[0] == 99990 % 251,
	    "consume drops bytes from the front");
	buf_consume(&b, 50);
	ok(b.len == 0, "consuming more than it holds empties it");
	buf_addstr(&b, "abc");
	buf_add(&b, "", 0);
	ok(b.len == 3 && memcmp(b.data, "abc", 3) == 0, "addstr, add nothing");
	buf_free(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "free resets it");
}

static int
fixed(const char *in, size_t len, const char *want)
{
	struct buf out = { 0 };
	int r;

	utf8_repair(&out, (const unsigned char *)in, len);
	r = samebytes(out.data, out.len, want, strlen(want)) &&
	    utf8_valid(out.data, out.len);
	buf_free(&out);
	return r;
}

#define U(s) (const unsigned char *)(s), sizeof(s) - 1
#define R "\xef\xbf\xbd"

static void
utf8(void)
{
	ok(utf8_valid(U("")) && utf8_valid(U("caf\xc3\xa9 \xe2\x98\x83")) &&
	    utf8_valid(U("\xf0\x9f\x98\x80")) && utf8_valid(U("\xf4\x8f\xbf\xbf")),
	    "valid UTF-8, up to U+10FFFF, is valid");
	ok(!utf8_valid(U("\xff")) && !utf8_valid(U("\xc3")) &&
	    !utf8_valid(U("\xc0\xaf")) && !utf8_valid(U("\xe0\x80\xaf")) &&
	    !utf8_valid(U("\xed\xa0\x80")) && !utf8_valid(U("\xf4\x90\x80\x80")) &&
	    !utf8_valid(U("\x80")), "stray, cut, overlong, surrogate, "
	    "past U+10FFFF and lone continuation bytes are invalid");
	ok(fixed("a\xff" "b", 3, "a" R "b"), "repair: one bad byte, one U+FFFD");
	ok(fixed("\xe2\x98", 2, R), "repair: a cut sequence is one U+FFFD");
	ok(fixed("\xe2\x98x\xe2\x98\x83", 6, R "x\xe2\x98\x83"),
	    "repair: a cut sequence then a good one");
	ok(fixed("\xc0\xaf", 2, R R), "repair: overlong C0 AF is two U+FFFD");
	ok(fixed("\xed\xa0\x80", 3, R R R), "repair: a surrogate is three");
	ok(fixed("\xf0\x9f\x98", 3, R), "repair: a cut 4-byte sequence is one");
	ok(fixed("caf\xc3\xa9", 5, "caf\xc3\xa9"), "repair keeps good text");
}

static void
cuts(void)
{
	ok(utf8_cut(U("abcdef"), 4) == 4 && utf8_cut(U("ab"), 4) == 2,
	    "cut: ASCII is cut where asked; a short text is whole");
	ok(utf8_cut(U("ab\xe2\x98\x83"), 3) == 2 &&
	    utf8_cut(U("ab\xe2\x98\x83"), 4) == 2 &&
	    utf8_cut(U("ab\xe2\x98\x83"), 5) == 5,
	    "cut: never inside a 3-byte sequence");
	ok(utf8_cut(U("a\x80\x80\x80\x80\x80"), 5) == 5,
	    "cut: a run of 4+ continuation bytes is cut where it stands");
	ok(utf8_count(U("caf\xc3\xa9 \xe2\x98\x83")) == 6 &&
	    utf8_count(U("")) == 0, "count: code points, not bytes");
	ok(utf8_span(U("a\xc3\xa9\xe2\x98\x83z"), 2) == 3 &&
	    utf8_span(U("a\xc3\xa9\xe2\x98\x83z"), 0) == 0 &&
	    utf8_span(U("a\xc3\xa9"), 9) == 3,
	    "span: the bytes of the first n code points");
}

static void
signals(void)
{
	ok(strcmp(signame(SIGKILL), "SIGKILL") == 0 &&
	    strcmp(signame(SIGTERM), "SIGTERM") == 0 &&
	    strcmp(signame(0), "unknown") == 0, "signal names");
}

static void
ladder(void)
{
	struct ladder l = { 0 };
	long long t;

	ok(ladder_due(&l, now_ms()) == 0, "a ladder not started sends nothing");
	ladder_start(&l, 100000);
	t = l.due;
	ok(ladder_due(&l, t - 1) == 0, "nothing before the first rung is due");
	ok(ladder_due(&l, t) == SIGTERM && l.due == t + LADDER_GRACEMS,
	    "SIGTERM when due, then the grace");
	ok(ladder_due(&l, t + 1) == 0, "nothing during the grace");
	ok(ladder_due(&l, t + LADDER_GRACEMS) == SIGKILL && l.due == 0,
	    "SIGKILL after the grace, and the ladder is done");
	ok(ladder_due(&l, t + 10 * LADDER_GRACEMS) == 0, "then nothing more");
	ok(now_ms() <= now_ms(), "the clock does not go back");
}

int
main(void)
{
	buffers();
	utf8();
	cuts();
	signals();
	ladder();
	return tap_done();
}
