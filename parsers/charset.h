/* charset: a document's character encoding chosen as browsers choose it,
 * and its conversion to UTF-8: used by html.c and extract.c, and by
 * crawler/export.c to decode bodies, so all three read a page alike.
 *
 * The choice, from the document's first CHARSET_PRESCAN_LEN bytes: a byte
 * order mark, else the charset named by the Content-Type header, else the
 * first <meta charset> or <meta http-equiv=content-type content="...;
 * charset=..."> within those bytes.  Names iconv does not know fall through
 * to the next source; iso-8859-1, us-ascii and their aliases mean
 * windows-1252 (WHATWG Encoding).  When nothing usable is declared, the
 * caller guesses from the bytes: UTF-8 when the first non-ASCII byte starts
 * a valid UTF-8 sequence (charset_utf8_seq_ok), windows-1252 when not.
 *
 * A struct charset owns at most one iconv descriptor, kept across documents
 * that use the same charset.  It is used by one thread at a time.
 */
#ifndef CRAWLER_CHARSET_H
#define CRAWLER_CHARSET_H

#include <iconv.h>
#include <stddef.h>
#include <sys/types.h>

#define CHARSET_PRESCAN_LEN 1024
#define CHARSET_NAME_MAX 64  /* longer names count as unknown */
#define CHARSET_CARRY_MAX 16 /* longest sequence charset_convert leaves over */
#define CHARSET_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */

enum charset_decoder {
	CHARSET_GUESS, /* nothing usable declared: guess from the bytes */
	CHARSET_UTF8,  /* the bytes are meant as UTF-8 */
	CHARSET_ICONV, /* the bytes go through charset_convert */
};

struct charset {
	iconv_t cd;                     /* (iconv_t)-1 while none is open */
	char cd_name[CHARSET_NAME_MAX]; /* what cd converts from */
	char out[16384];                /* conversion output, before the sink */
};

/* Receives converted UTF-8; non-zero stops the conversion. */
typedef int (*charset_sink)(void *arg, const char *utf8, size_t len);

void charset_init(struct charset *c);

/* Closes the descriptor; c may be used again (it opens a new one). */
void charset_close(struct charset *c);

/* Makes c decode the charset called `label` (any case): CHARSET_UTF8,
 * CHARSET_ICONV with the descriptor ready at its initial state, or
 * CHARSET_GUESS when iconv does not know the name. */
enum charset_decoder charset_use(struct charset *c, const char *label);

/* Chooses the declared charset of a document from head[0..len) (its first
 * bytes, CHARSET_PRESCAN_LEN or all of it if shorter) and `header` (the
 * Content-Type charset, or NULL), and sets c up for it.  *bom_len receives
 * the length of the byte order mark to skip (0 if none). */
enum charset_decoder charset_choose(struct charset *c, const char *head,
				    size_t len, const char *header,
				    size_t *bom_len);

/* Converts in[0..len) to UTF-8 (after charset_use or charset_choose said
 * CHARSET_ICONV), handing the output to sink in pieces.  A byte the charset
 * does not define becomes U+FFFD.  Unless final, an incomplete sequence at
 * the end (at most CHARSET_CARRY_MAX bytes) is left unconverted, for the
 * caller to put before the next bytes.  Returns how many bytes were left,
 * or -1 when sink returned non-zero. */
ssize_t charset_convert(struct charset *c, const char *in, size_t len,
			int final, charset_sink sink, void *arg);

/* The length of the UTF-8 sequence `lead` starts, 0 if it cannot start one
 * (continuation bytes, overlong leads C0 C1, F5..FF). */
size_t charset_utf8_seq_len(unsigned char lead);

/* Whether s[0..len) begins with one whole, well-formed UTF-8 sequence
 * (lead and continuation bytes; overlong 3- and 4-byte forms and
 * surrogates are not told apart). */
int charset_utf8_seq_ok(const unsigned char *s, size_t len);

/* Copies s[0..len) lower-cased into dst[0..cap) with a NUL; leaves dst as
 * it was when the name does not fit. */
void charset_copy_lower(char *dst, size_t cap, const char *s, size_t len);

#endif
