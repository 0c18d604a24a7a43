/* decode: streaming decoders for HTTP content codings (RFC 9110 8.4):
 * gzip (also several members), deflate (zlib-wrapped, or raw as some servers
 * send it), br and zstd (also several frames).
 *
 * Unlike a decoder that stops quietly at the end of its input, decoder_finish
 * tells a stream that ended properly (trailer and checksum read) from one
 * that was cut short, so a truncated body is an error, not a shorter page.
 *
 * Ownership: decoder_new returns a decoder the caller frees with
 * decoder_free.  Output buffers passed to the callback are the decoder's and
 * valid only during the call.  One decoder per body, used by one thread.
 */
#ifndef CRAWLER_DECODE_H
#define CRAWLER_DECODE_H

#include <stddef.h>

enum decode_coding {
	DECODE_IDENTITY,
	DECODE_GZIP,     /* "gzip", "x-gzip" */
	DECODE_DEFLATE,  /* "deflate" */
	DECODE_BR,       /* "br" */
	DECODE_ZSTD,     /* "zstd" */
	DECODE_UNKNOWN,  /* anything else, or more than one coding */
};

/* The coding a Content-Encoding value names (case-insensitive, spaces
 * ignored); NULL or "" or "identity" is DECODE_IDENTITY. */
enum decode_coding decode_coding_parse(const char *value);

struct decoder;

/* NULL when out of memory or for DECODE_IDENTITY / DECODE_UNKNOWN. */
struct decoder *decoder_new(enum decode_coding coding);

/* Decodes the next len bytes and hands what they decode to out(ctx, buf, n).
 * Returns 0; -1 when the data is corrupt (or data follows the end of the
 * stream that is not another gzip member or zstd frame); or out's value
 * when it returned non-zero (decoding stops). */
int decoder_feed(struct decoder *d, const void *in, size_t len,
		 int (*out)(void *ctx, const void *buf, size_t n), void *ctx);

/* 0 when the input ended exactly at the end of a complete stream, -1 when
 * it was cut short (or was empty). */
int decoder_finish(const struct decoder *d);

/* NULL-safe; sets *d to NULL. */
void decoder_free(struct decoder **d);

#endif
