/*
 * stream.h: the StreamOpen/StreamWrite streams that carry texts longer
 * than one AMP value.
 */
#include <stddef.h>

struct buf;

/*
 * The sender's side: the length of the next chunk of the len bytes at p,
 * at most STREAM_CHUNK.  With utf8 set the cut never splits a UTF-8
 * sequence (for Unicode values, such as TestWrite's out).
 */
#define STREAM_CHUNK 65535
size_t stream_chunk(const unsigned char *p, size_t len, int utf8);

/*
 * The receiver's side: the manager's table of open streams.  Ids come
 * from one counter starting at 0.  Each stream is owned by a worker, so
 * a dead worker's streams can be dropped.  Across all open streams at
 * most cap bytes are held.
 */
struct streams;
struct streams *streams_new(size_t cap);
void streams_free(struct streams *s);
long long streams_open(struct streams *s, int owner);
/* -1 (streams_error says why) for an unknown id or past the cap. */
int streams_write(struct streams *s, long long id, int owner,
    const void *p, size_t len);
/*
 * Appends the stream's bytes to out and forgets the stream; with aslist
 * each write becomes one ListOf element (u16 length, bytes), the form of
 * the old dialect's frames.  -1 for an unknown id.
 */
int streams_finish(struct streams *s, long long id, int owner,
    struct buf *out, int aslist);
void streams_drop(struct streams *s, int owner);	/* a worker is gone */
const char *streams_error(const struct streams *s);
/* Bytes held in open streams: for the unit tests. */
size_t streams_held(const struct streams *s);
