/*
 * amp.h: AMP boxes (Twisted's Asynchronous Messaging Protocol), their
 * decoding, encoding and typed values.  No I/O.
 */
#include <stddef.h>
#include <sys/types.h>

#define AMP_MAXKEY 255
#define AMP_MAXVAL 65535
#define AMP_MAXBOX ((size_t)1 << 20)	/* a sane cap on one box's size */

enum {
	AMP_COMMAND = 1,	/* has _command (and _ask when it wants an answer) */
	AMP_ANSWER,		/* has _answer */
	AMP_ERROR,		/* has _error, _error_code, _error_description */
};

struct amp_pair {
	const unsigned char *key, *val;
	size_t klen, vlen;
};

/*
 * A box is a list of pairs pointing at memory it does not own: a decoded
 * box into the decoder's buffer (valid until the next amp_dec_feed), a
 * box being built into the caller's strings (valid until amp_encode).
 */
struct amp_box {
	struct amp_pair *pair;
	size_t n, cap;
	int kind;		/* AMP_COMMAND... once decoded */
	char tag[24];		/* the tag amp_ask made */
};

struct buf;
struct amp_dec;

struct amp_dec *amp_dec_new(void);
void amp_dec_free(struct amp_dec *d);
void amp_dec_feed(struct amp_dec *d, const void *p, size_t len);
/* 1: the next box is in b; 0: more bytes needed; -1: protocol error. */
int amp_dec_next(struct amp_dec *d, struct amp_box *b);
const char *amp_dec_error(const struct amp_dec *d);

void amp_free(struct amp_box *b);
void amp_add(struct amp_box *b, const char *key, const void *val, size_t vlen);
void amp_addstr(struct amp_box *b, const char *key, const char *val);

/* Starts a command box with the next tag of *counter; returns that tag. */
unsigned long amp_ask(struct amp_box *b, const char *command,
    unsigned long *counter);
/* Appends the box, keys sorted; one too long for AMP is a bug: fatal. */
void amp_send(struct buf *out, struct amp_box *b);
/* Answers the command whose _ask is tag (nothing if tag is NULL). */
void amp_reply(struct buf *out, const void *tag, size_t taglen,
    const char *key, const char *val);
int amp_error(struct buf *out, const unsigned char *tag, size_t taglen,
    const char *code, const char *desc);
/* Twisted's answer to a command it has no responder for. */
int amp_unhandled(struct buf *out, const unsigned char *tag, size_t taglen,
    const unsigned char *cmd, size_t cmdlen);
int amp_tagnum(const unsigned char *p, size_t len, unsigned long *n);

const struct amp_pair *amp_get(const struct amp_box *b, const char *key);
int amp_is(const struct amp_pair *p, const char *s);
int amp_int(const unsigned char *p, size_t len, long long *n);
/* ListOf: 1 and the next element, 0 at the end, -1 if malformed. */
int amp_list_next(const unsigned char **p, size_t *len,
    const unsigned char **elem, size_t *elen);

/*
 * The rest of the codec, which disttrial itself does not call: for the
 * unit tests, the fuzzer and t/lib/wdriver (a manager that checks a
 * worker's every box).
 */
/* Box length if p starts with a whole box, 0 if only part of one, -1 if bad. */
ssize_t amp_scan(const unsigned char *p, size_t len);
size_t amp_dec_pending(const struct amp_dec *d);	/* bytes of a partial box */
void amp_reset(struct amp_box *b);
/* Appends the box, keys sorted by byte; -1 if a key or value is too long. */
int amp_encode(struct buf *out, struct amp_box *b);
void amp_answer(struct amp_box *b, const unsigned char *tag, size_t taglen);
int amp_bool(const unsigned char *p, size_t len, int *v);
int amp_list_add(struct buf *out, const void *elem, size_t len);
