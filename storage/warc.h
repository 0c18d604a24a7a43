/* warc: WARC/1.1 archive segments, one zstd frame per record.
 *
 * Layout (the IIPC .warc.zst proposal): each record is compressed as its own
 * zstd frame, with the content size in the frame header and a checksum, so a
 * record can be read back from its (offset, length) alone and `zstd -d` of a
 * segment yields a plain WARC.  Segments are named crawl-NNNNN.warc.zst in
 * the archive directory, start with a warcinfo record, are only ever
 * appended to, and rotate when they reach the configured size.
 *
 * For each fetch we write a `request` record and a `response` record whose
 * block is the HTTP response header block followed by the body as the
 * server sent it, chunked transfer coding removed (a Transfer-Encoding
 * header is renamed X-Crawler-Transfer-Encoding so the stored message stays
 * self-consistent); a body decoded from its content coding likewise has its
 * Content-Encoding and Content-Length headers renamed.  WARC-Block-Digest and
 * WARC-Payload-Digest are "sha1:" + base32 (RFC 4648) of the block and of the
 * body.
 *
 * Revisits: a 304 answer to a conditional request is written as a `revisit`
 * record (server-not-modified profile) that refers to the record holding the
 * content.  With a payloads table, a payload at least dedup_min bytes long
 * whose digest is already stored is written as a `revisit` record
 * (identical-payload-digest profile) that refers to the stored one, after
 * the stored record's own WARC-Payload-Digest confirms the match.  Both
 * keep the HTTP header block and drop the payload.
 *
 * Ownership: the writer owns its files; warc_writer_close frees it.  The
 * payloads table is borrowed and must outlive the writer.
 */
#ifndef CRAWLER_WARC_H
#define CRAWLER_WARC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct payloads;
struct spool;
struct warc_writer;

#define WARC_DIGEST_LEN 37 /* "sha1:" + 32 base32 chars, no NUL */

struct warc_writer_options {
	const char *dir;           /* archive directory (created if missing) */
	uint64_t max_segment_size; /* rotate once a segment reaches this (checked
				    * before each exchange); 0: never */
	int zstd_level;            /* 1..19 */
	const char *software;      /* "crawler/0.1.0" for warcinfo; NULL: "crawler" */
	const char *warcinfo;      /* extra warcinfo lines "key: value\r\n", or NULL */
	struct payloads *payloads; /* stored payloads for deduplication, or NULL */
	uint64_t dedup_min;        /* smallest payload worth deduplicating */
};

/* The record a revisit refers to; any field may be NULL when unknown. */
struct warc_ref {
	const char *target_uri;
	const char *date;          /* its WARC-Date */
	const char *record_id;     /* its WARC-Record-ID */
};

/* Where a record was written. */
struct warc_location {
	uint32_t segment;  /* N of crawl-N.warc.zst */
	uint64_t offset;   /* byte offset of the record's zstd frame */
	uint64_t length;   /* compressed length of the frame */
};

struct warc_exchange {
	const char *target_uri;   /* request URL */
	const char *ip;           /* WARC-IP-Address, or NULL */
	struct timespec date;     /* WARC-Date (when the request was sent) */
	const char *request;      /* raw HTTP request header block */
	size_t request_len;
	const char *resp_head;    /* raw HTTP response header block of the final
				   * response only, ending with its empty line */
	size_t resp_head_len;
	struct spool *body;       /* the payload as received, or NULL if none */
	int body_decoded;         /* the body was content-coded and is stored
				   * decoded: Content-Encoding and Content-Length
				   * are renamed X-Crawler-... like Transfer-Encoding */
	const struct warc_ref *not_modified; /* set for a 304 answering a
					      * conditional request */
};

struct warc_result {
	struct warc_location response;  /* the response record */
	uint64_t request_length;        /* compressed length of the request
					 * record, which ends where the response
					 * starts: at response.offset - request_length */
	char payload_digest[WARC_DIGEST_LEN + 1];
	char record_id[64];             /* "<urn:uuid:...>" of the response */
	char date[32];                  /* its WARC-Date */
	const char *type;               /* "response" or "revisit" (static) */
	const char *profile;            /* revisits: "server-not-modified" or
					 * "identical-payload-digest" (static) */
};

/* Opens a writer that appends to a new segment numbered one past the highest
 * existing segment in opts->dir.  NULL on error, with a message in *err
 * (malloc'ed, caller frees). */
struct warc_writer *warc_writer_open(const struct warc_writer_options *opts,
				     char **err);

/* Writes the request and response records of one exchange.  On return 0
 * both records have been handed to write(2) (not fsync'ed: see
 * warc_writer_flush), so their location may be committed to the index.
 * Returns -1 with errno set on error, EINVAL for a target_uri or ip
 * containing CR/LF or a resp_head not ending with an empty line; the segment
 * is then left ending at the previous exchange.  The body spool is read,
 * not reset. */
int warc_write_exchange(struct warc_writer *w, const struct warc_exchange *ex,
			struct warc_result *res);

/* Where the segment being written ends now (right after opening: the end
 * of its warcinfo record).  Only for the thread that writes exchanges. */
void warc_writer_end(const struct warc_writer *w, struct warc_location *end);

/* Records are already with the kernel when warc_write_exchange returns;
 * with `durable` this also fdatasync()s the current segment (a segment
 * left by rotation was synced then).  May be called from another thread
 * than the one writing exchanges.  0 or -1. */
int warc_writer_flush(struct warc_writer *w, int durable);

/* NULL-safe; flushes, closes, frees, sets *w to NULL. */
void warc_writer_close(struct warc_writer **w);

/* Reads the record at loc in dir and calls fn on its decompressed bytes
 * (WARC header and block) in order, in bounded chunks.  0, fn's value if it
 * returned non-zero (reading stops), or -1 on I/O / format error (also when
 * loc does not cover exactly one zstd frame). */
int warc_read_record(const char *dir, const struct warc_location *loc,
		     int (*fn)(void *ctx, const void *buf, size_t len),
		     void *ctx);

/* Repairs the segments in dir after a crash, before anything is appended.
 * The newest segment goes back to its committed end, end_of(ctx, n) (a
 * crash can leave uncommitted records there, the last one torn); older
 * segments and segments the index does not know (end_of returns -1) only
 * lose a torn last frame, found by walking the frames' headers, since
 * whole records in them may be referred to by committed revisits.  Nothing
 * else is ever removed; a segment left empty is.  report(ctx, path, size,
 * end, committed) is called for each segment whose size is not its end,
 * before it is cut (committed: the end is the index's); a segment shorter
 * than its committed end is reported and left alone.  0, or -1 with errno. */
int warc_recover(const char *dir, int64_t (*end_of)(void *ctx, uint32_t n),
		 void (*report)(void *ctx, const char *path, uint64_t size,
				uint64_t end, int committed),
		 void *ctx);

/* "sha1:" + base32 of a SHA-1 digest, into out (WARC_DIGEST_LEN + 1). */
void warc_digest_format(const unsigned char sha1[20], char *out);

#endif
