/*
 * t/unit/stream.c: the sender's chunking and the manager's
 * table of open streams.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "../../stream.h"
#include "../../util.h"
#include "tap.h"

/* How many chunks a value of len bytes of c goes in, all within 65535. */
static size_t
chunks(size_t len, int c, int utf8)
{
	unsigned char *p;
	size_t off = 0, n = 0, k;

	p = xmalloc(len);
	memset(p, c, len);
	while (off < len) {
		k = stream_chunk(p + off, len - off, utf8);
		if (k == 0 || k > STREAM_CHUNK) {
			n = (size_t)-1;
			break;
		}
		off += k;
		n++;
	}
	free(p);
	return n;
}

static void
chunking(void)
{
	unsigned char *p;
	size_t k, off, n;
	int good = 1;

	ok(chunks(0, 'x', 0) == 0, "an empty value is no chunk");
	ok(chunks(65535, 'x', 0) == 1, "65535 bytes are one chunk");
	ok(chunks(65536, 'x', 0) == 2, "65536 bytes are two");
	ok(chunks(75006, 'x', 0) == 2, "75006 bytes are two (as Twisted)");
	ok(chunks(200000, 'x', 0) == 4, "200000 bytes are four (as Twisted)");
	/* 3-byte characters: a plain cut at 65535 would split one. */
	p = xmalloc(3 * 30000);
	for (k = 0; k < 30000; k++)
		memcpy(p + 3 * k, "\xe2\x98\x83", 3);
	ok(stream_chunk(p + 1, 3 * 30000 - 1, 0) == 65535,
	    "bytes are cut at 65535 whatever they are");
	for (off = 1, n = 0; off < 3 * 30000; off += k, n++) {
		k = stream_chunk(p + off, 3 * 30000 - off, 1);
		if (off + k < 3 * 30000 && p[off + k] != 0xe2)
			good = 0;
		if (k == 0 || k > 65535)
			good = 0;
	}
	ok(good && n == 2, "text is cut between UTF-8 sequences");
	free(p);
	p = xmalloc(70000);
	memset(p, 0x80, 70000);
	ok(stream_chunk(p, 70000, 1) == 65535,
	    "a run of continuation bytes is cut where it stands");
	free(p);
}

static void
table(void)
{
	struct streams *s;
	struct buf out = { 0 };
	long long a, b, c;

	s = streams_new(100);
	a = streams_open(s, 0);
	b = streams_open(s, 1);
	c = streams_open(s, 0);
	ok(a == 0 && b == 1 && c == 2,
	    "ids come from one counter from 0, shared by all workers");
	ok(streams_write(s, a, 0, "1 != ", 5) == 0 &&
	    streams_write(s, a, 0, "2", 1) == 0 && streams_held(s) == 6,
	    "writes are held");
	ok(streams_finish(s, a, 0, &out, 0) == 0 && out.len == 6 &&
	    memcmp(out.data, "1 != 2", 6) == 0 && streams_held(s) == 0,
	    "finish joins the chunks");
	ok(streams_finish(s, a, 0, &out, 0) == -1 &&
	    strstr(streams_error(s), "unknown stream id 0") != NULL,
	    "and forgets the stream");
	ok(streams_write(s, 99, 0, "x", 1) == -1 &&
	    strcmp(streams_error(s), "unknown stream id 99") == 0,
	    "an unknown id is an error");
	ok(streams_write(s, b, 0, "x", 1) == -1,
	    "a worker cannot write to another's stream");
	out.len = 0;
	ok(streams_finish(s, c, 0, &out, 0) == 0 && out.len == 0,
	    "a stream opened and left empty is empty");
	c = streams_open(s, 0);
	out.len = 0;
	streams_write(s, c, 0, "ab", 2);
	streams_write(s, c, 0, "", 0);
	streams_write(s, c, 0, "c", 1);
	ok(streams_finish(s, c, 0, &out, 1) == 0 && out.len == 9 &&
	    memcmp(out.data, "\x00\x02" "ab" "\x00\x00" "\x00\x01" "c", 9) == 0,
	    "as a list, each write is one ListOf element");
	ok(streams_write(s, b, 1, "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789", 80) == 0,
	    "80 bytes fit a cap of 100");
	c = streams_open(s, 2);
	ok(streams_write(s, c, 2, "0123456789012345678901", 21) == -1 &&
	    strstr(streams_error(s), "more than 100 bytes") != NULL,
	    "past the cap across streams is an error: %s", streams_error(s));
	ok(streams_write(s, c, 2, "01234567890123456789", 20) == 0,
	    "up to the cap is fine");
	streams_drop(s, 1);
	ok(streams_held(s) == 20 && streams_write(s, b, 1, "x", 1) == -1,
	    "a dead worker's streams are dropped");
	streams_free(s);
	buf_free(&out);
}

int
main(void)
{
	chunking();
	table();
	return tap_done();
}
