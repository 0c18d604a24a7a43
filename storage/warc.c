/* warc: WARC/1.1 segments with one zstd frame per record.
 *
 * Record layout (WARC/1.1 section 4), each compressed as one zstd frame
 * with its content size in the frame header and a checksum:
 *
 *   WARC/1.1 CRLF
 *   WARC-Type: request | response | warcinfo CRLF
 *   WARC-Record-ID: <urn:uuid:v4> CRLF
 *   WARC-Date: 2024-05-06T07:08:09.123456Z CRLF
 *   ... named fields ...
 *   Content-Length: N CRLF
 *   CRLF
 *   block (N bytes) CRLF CRLF
 *
 * A request record and its response record point at each other with
 * WARC-Concurrent-To, share the WARC-Date of the fetch and always land in
 * the same segment.  Both are compressed into the writer's output buffer
 * and handed to write(2) before warc_write_exchange returns; a body too
 * large for the buffer is pushed out while it is being compressed, and a
 * failure truncates the segment back to the end of the previous exchange.
 * Digests are computed in a first pass over the spool because the record
 * header, which carries them, precedes the block in the frame.
 */
#define _GNU_SOURCE
#include "warc.h"
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zstd.h>

#include "io.h"
#include "payloads.h"

#define OUT_CAP (512 * 1024)   /* compressed bytes buffered per writer */
#define RANDOM_POOL 256        /* getrandom never returns short reads
				* up to 256 bytes */
#define UUID_LEN 47            /* "<urn:uuid:" + 36 + ">" */
#define DATE_LEN 32
#define TE_PREFIX "X-Crawler-"
#define PROFILE_BASE "http://netpreserve.org/warc/1.1/revisit/"
#define REF_HEAD_MAX (64 * 1024) /* WARC header of a record referred to */

struct buf {
	char *p;
	size_t len, cap;
};

struct warc_writer {
	char *dir;
	char *software;
	char *warcinfo_extra;
	uint64_t max_segment_size;    /* 0: never rotate */
	int fd;                       /* current segment, or -1 */
	pthread_mutex_t fd_lock;      /* fd changes vs. flushes from another thread */
	uint32_t segment;
	uint64_t seg_len;             /* bytes of complete records in it */
	uint64_t flushed;             /* bytes of the exchange in progress
				       * already written */
	unsigned seg_exchanges;
	int must_rotate;              /* segment tail is not trustworthy */
	char warcinfo_id[UUID_LEN + 1];
	ZSTD_CCtx *cctx;
	EVP_MD *sha1;
	EVP_MD_CTX *md_block, *md_payload;
	struct buf out;               /* compressed, not yet written */
	struct buf hdr;               /* WARC header of the record */
	struct buf http;              /* response header block as stored */
	struct buf ref;               /* WARC header of a record referred to */
	struct payloads *payloads;    /* borrowed; NULL: no deduplication */
	uint64_t dedup_min;
	unsigned char rnd[RANDOM_POOL];
	size_t rnd_pos;
};

/* ---- small buffers ---- */

static int buf_reserve(struct buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 1024;
	char *p;

	if (b->cap - b->len >= extra)
		return 0;
	while (cap - b->len < extra)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

__attribute__((format(printf, 2, 3)))
static int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= b->cap - b->len) {
		if (buf_reserve(b, (size_t)n + 1) < 0)
			return -1;
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

/* ---- identifiers, dates, digests ---- */

static int writer_uuid(struct warc_writer *w, char out[UUID_LEN + 1])
{
	unsigned char *b;

	if (w->rnd_pos + 16 > sizeof(w->rnd)) {
		ssize_t n = getrandom(w->rnd, sizeof(w->rnd), 0);

		if (n != (ssize_t)sizeof(w->rnd)) {
			if (n >= 0)
				errno = EAGAIN;
			return -1;
		}
		w->rnd_pos = 0;
	}
	b = w->rnd + w->rnd_pos;
	w->rnd_pos += 16;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);  /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);  /* RFC 4122 variant */
	snprintf(out, UUID_LEN + 1, "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x-%02x%02x%02x%02x%02x%02x>",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

static void format_date(const struct timespec *ts, char out[DATE_LEN])
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(out, DATE_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, DATE_LEN - n, ".%06ldZ", ts->tv_nsec / 1000);
}

void warc_digest_format(const unsigned char sha1[20], char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned acc = 0;
	int bits = 0;
	char *o = out;

	memcpy(o, "sha1:", 5);
	o += 5;
	for (int i = 0; i < 20; i++) {
		acc = (acc << 8) | sha1[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*o++ = alphabet[(acc >> bits) & 31];
		}
	}
	*o = '\0';
}

static int md_final(EVP_MD_CTX *md, char out[WARC_DIGEST_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];

	if (!EVP_DigestFinal_ex(md, d, NULL)) {
		errno = EIO;
		return -1;
	}
	warc_digest_format(d, out);
	return 0;
}

static int md_once(struct warc_writer *w, const void *p, size_t len,
		   char out[WARC_DIGEST_LEN + 1])
{
	if (!EVP_DigestInit_ex(w->md_block, w->sha1, NULL) ||
	    !EVP_DigestUpdate(w->md_block, p, len)) {
		errno = EIO;
		return -1;
	}
	return md_final(w->md_block, out);
}

/* ---- output: zstd frames into w->out, pushed with write(2) ---- */


static int writer_push(struct warc_writer *w)
{
	if (io_write_all(w->fd, w->out.p, w->out.len) < 0)
		return -1;
	w->flushed += w->out.len;
	w->out.len = 0;
	return 0;
}

/* Logical end of the segment, counting bytes still in the buffer. */
static uint64_t writer_pos(const struct warc_writer *w)
{
	return w->seg_len + w->flushed + w->out.len;
}

static int zfeed(struct warc_writer *w, const void *p, size_t len,
		 ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { p, len, 0 };

	for (;;) {
		ZSTD_outBuffer out;
		size_t rem;

		if (w->out.cap - w->out.len < ZSTD_CStreamOutSize() &&
		    writer_push(w) < 0)
			return -1;
		out = (ZSTD_outBuffer){ w->out.p + w->out.len,
					w->out.cap - w->out.len, 0 };
		rem = ZSTD_compressStream2(w->cctx, &out, &in, mode);
		if (ZSTD_isError(rem)) {
			errno = EIO;
			return -1;
		}
		w->out.len += out.pos;
		if (mode == ZSTD_e_end ? rem == 0 : in.pos == in.size)
			return 0;
	}
}

static int zfeed_chunk(void *ctx, const void *buf, size_t len)
{
	return zfeed(ctx, buf, len, ZSTD_e_continue);
}

/* Compresses w->hdr + head + body + CRLFCRLF as one frame; *len gets the
 * frame's compressed size.  body may be NULL. */
static int write_record(struct warc_writer *w, const void *head,
			size_t head_len, struct spool *body, uint64_t *len)
{
	uint64_t start = writer_pos(w);
	uint64_t size = w->hdr.len + head_len + (body ? spool_size(body) : 0) + 4;

	if (ZSTD_isError(ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only)) ||
	    ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(w->cctx, size))) {
		errno = EIO;
		return -1;
	}
	if (zfeed(w, w->hdr.p, w->hdr.len, ZSTD_e_continue) < 0 ||
	    zfeed(w, head, head_len, ZSTD_e_continue) < 0)
		return -1;
	if (body && spool_each(body, zfeed_chunk, w) != 0)
		return -1;
	if (zfeed(w, "\r\n\r\n", 4, ZSTD_e_end) < 0)
		return -1;
	*len = writer_pos(w) - start;
	return 0;
}

/* Drops a partly written exchange so the segment ends at a record
 * boundary (a failed write(2) may still have appended part of its
 * buffer); if even that fails, the next exchange opens a new segment. */
static void writer_abort(struct warc_writer *w)
{
	if (w->fd >= 0 && ftruncate(w->fd, (off_t)w->seg_len) < 0)
		w->must_rotate = 1;
	w->flushed = 0;
	w->out.len = 0;
}

static int writer_commit(struct warc_writer *w)
{
	if (writer_push(w) < 0)
		return -1;
	w->seg_len += w->flushed;
	w->flushed = 0;
	return 0;
}

/* ---- segments ---- */

static int head_common(struct buf *b, const char *type, const char *id,
		       const char *date)
{
	b->len = 0;
	return buf_printf(b, "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: %s\r\n"
			  "WARC-Date: %s\r\n", type, id, date);
}

static int head_block(struct buf *b, const char *ctype, const char *digest,
		      const char *payload_digest, uint64_t len)
{
	if (buf_printf(b, "Content-Type: %s\r\nWARC-Block-Digest: %s\r\n",
		       ctype, digest) < 0)
		return -1;
	if (payload_digest &&
	    buf_printf(b, "WARC-Payload-Digest: %s\r\n", payload_digest) < 0)
		return -1;
	return buf_printf(b, "Content-Length: %llu\r\n\r\n",
			  (unsigned long long)len);
}

static int warcinfo_block(struct warc_writer *w, struct buf *b)
{
	b->len = 0;
	if (buf_printf(b, "software: %s\r\nformat: WARC File Format 1.1\r\n"
		       "conformsTo: http://iipc.github.io/warc-specifications/"
		       "specifications/warc-format/warc-1.1/\r\n",
		       w->software) < 0)
		return -1;
	if (w->warcinfo_extra)
		return buf_add(b, w->warcinfo_extra, strlen(w->warcinfo_extra));
	return 0;
}

static int write_warcinfo(struct warc_writer *w)
{
	char date[DATE_LEN], digest[WARC_DIGEST_LEN + 1];
	struct timespec now;
	uint64_t len;

	clock_gettime(CLOCK_REALTIME, &now);
	format_date(&now, date);
	if (writer_uuid(w, w->warcinfo_id) < 0 ||
	    warcinfo_block(w, &w->http) < 0 ||
	    md_once(w, w->http.p, w->http.len, digest) < 0 ||
	    head_common(&w->hdr, "warcinfo", w->warcinfo_id, date) < 0 ||
	    buf_printf(&w->hdr, "WARC-Filename: crawl-%05u.warc.zst\r\n",
		       w->segment) < 0 ||
	    head_block(&w->hdr, "application/warc-fields", digest, NULL,
		       w->http.len) < 0)
		return -1;
	if (write_record(w, w->http.p, w->http.len, NULL, &len) < 0)
		return -1;
	return writer_commit(w);
}

static int segment_path(const char *dir, uint32_t n, char **path)
{
	if (asprintf(path, "%s/crawl-%05u.warc.zst", dir, n) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* A new segment's name must survive a crash as well as its records. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Creates segment n and writes its warcinfo; a half-made segment is
 * removed.  errno EEXIST when the name is taken. */
static int segment_create(struct warc_writer *w, uint32_t n)
{
	char *path;

	if (segment_path(w->dir, n, &path) < 0)
		return -1;
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
		     0644);
	if (w->fd >= 0) {
		w->segment = n;
		w->seg_len = 0;
		w->seg_exchanges = 0;
		w->must_rotate = 0;
		if (sync_dir(w->dir) < 0 || write_warcinfo(w) < 0) {
			int e = errno;

			writer_abort(w);
			unlink(path);
			close(w->fd);
			w->fd = -1;
			errno = e;
		}
	}
	free(path);
	return w->fd >= 0 ? 0 : -1;
}

/* Another writer sharing the directory may take a number first. */
static int segment_open(struct warc_writer *w, uint32_t n)
{
	for (int tries = 0; tries < 1000; tries++, n++)
		if (segment_create(w, n) == 0 || errno != EEXIST)
			return w->fd >= 0 ? 0 : -1;
	return -1;
}

/* The caller's durable flushes only reach the current segment, so the one
 * being left is synced here. */
static int segment_close(struct warc_writer *w)
{
	int rc = 0;

	if (w->fd < 0)
		return 0;
	if (fdatasync(w->fd) < 0)
		rc = -1;
	if (close(w->fd) < 0)
		rc = -1;
	w->fd = -1;
	return rc;
}

static int writer_maybe_rotate(struct warc_writer *w)
{
	int full = w->max_segment_size &&
		   w->seg_len >= w->max_segment_size && w->seg_exchanges > 0;

	int rc;

	if (w->fd >= 0 && !full && !w->must_rotate)
		return 0;
	pthread_mutex_lock(&w->fd_lock);
	rc = w->fd >= 0 && segment_close(w) < 0 ? -1 : segment_open(w, w->segment + 1);
	pthread_mutex_unlock(&w->fd_lock);
	return rc;
}

/* N of a segment's file name, or -1 for other names. */
static long long segment_number(const char *name)
{
	char *end;
	unsigned long n;

	if (strncmp(name, "crawl-", 6) != 0 || name[6] < '0' || name[6] > '9')
		return -1;
	n = strtoul(name + 6, &end, 10);
	if (strcmp(end, ".warc.zst") != 0 || n > UINT32_MAX - 1)
		return -1;
	return (long long)n;
}

static int cut_segment(const char *path, uint64_t end)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = ftruncate(fd, (off_t)end) < 0 || fdatasync(fd) < 0 ? -1 : 0;
	close(fd);
	return rc;
}

static int next_segment_number(const char *dir, uint32_t *next)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long long max = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		long long n = segment_number(e->d_name);
		if (n > max)
			max = n;
	}
	closedir(d);
	*next = (uint32_t)(max + 1);
	return 0;
}

/* Reads exactly len bytes at off; 0 or -1 (short read included). */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, (off_t)off);

	return n == (ssize_t)len ? 0 : -1;
}

/* The size of the zstd frame at off, walked through its header and block
 * headers without decompressing (RFC 8878); 0 when it is not whole. */
static uint64_t frame_size(int fd, uint64_t off, uint64_t file_size)
{
	static const unsigned did_size[4] = { 0, 1, 2, 4 };
	unsigned char h[5], b[3];
	uint64_t p;

	if (read_at(fd, h, 5, off) < 0)
		return 0;
	uint32_t magic = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
	if ((magic & 0xfffffff0u) == 0x184d2a50u) { /* skippable: size follows */
		unsigned char s[4];
		if (read_at(fd, s, 4, off + 4) < 0)
			return 0;
		p = off + 8 + (s[0] | s[1] << 8 | s[2] << 16 | (uint64_t)s[3] << 24);
		return p <= file_size ? p - off : 0;
	}
	if (magic != 0xfd2fb528u)
		return 0;
	unsigned fcs = h[4] >> 6, single = (h[4] >> 5) & 1, checksum = (h[4] >> 2) & 1;
	unsigned fcs_size = fcs == 0 ? single : fcs == 1 ? 2 : fcs == 2 ? 4 : 8;
	p = off + 5 + !single + did_size[h[4] & 3] + fcs_size;
	for (;;) {
		if (read_at(fd, b, 3, p) < 0)
			return 0;
		uint32_t block = b[0] | b[1] << 8 | (uint32_t)b[2] << 16;
		unsigned type = (block >> 1) & 3;
		if (type == 3)
			return 0;
		p += 3 + (type == 1 ? 1 : block >> 3);
		if (block & 1)
			break;
	}
	p += checksum ? 4 : 0;
	return p <= file_size ? p - off : 0;
}

/* Where the last whole frame of a segment ends: a torn record is cut, a
 * whole one kept. */
static uint64_t whole_frames_end(const char *path, uint64_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t end = 0, n;

	if (fd < 0)
		return size;
	while (end < size && (n = frame_size(fd, end, size)) > 0)
		end += n;
	close(fd);
	return end;
}

/* The segment a crash can leave uncommitted records in is the newest one:
 * it goes back to its committed end.  Older ones were closed whole (and
 * synced) at rotation: records in them may be referred to by committed
 * revisits, so only a torn last frame is cut; so is any segment the index
 * does not know.  An emptied segment holds nothing and is removed. */
static int recover_segment(const char *dir, uint32_t n, int newest,
			   int64_t (*end_of)(void *ctx, uint32_t n),
			   void (*report)(void *ctx, const char *path, uint64_t size,
					  uint64_t end, int committed),
			   void *ctx)
{
	char *path;
	struct stat st;
	int rc = 0;

	if (segment_path(dir, n, &path) < 0)
		return -1;
	int64_t committed = end_of(ctx, n);
	if (stat(path, &st) < 0) {
		free(path);
		return -1;
	}
	uint64_t size = (uint64_t)st.st_size;
	int by_index = newest && committed >= 0;
	uint64_t end = by_index ? (uint64_t)committed : whole_frames_end(path, size);
	if (size != end)
		report(ctx, path, size, end, by_index);
	if (size > end)
		rc = end ? cut_segment(path, end) : unlink(path);
	free(path);
	return rc;
}

int warc_recover(const char *dir, int64_t (*end_of)(void *ctx, uint32_t n),
		 void (*report)(void *ctx, const char *path, uint64_t size,
				uint64_t end, int committed),
		 void *ctx)
{
	uint32_t next;
	int rc = 0;

	if (next_segment_number(dir, &next) < 0)
		return errno == ENOENT ? 0 : -1;
	for (uint32_t n = 0; rc == 0 && n < next; n++) {
		char *path;
		if (segment_path(dir, n, &path) < 0)
			return -1;
		int exists = access(path, F_OK) == 0;
		free(path);
		if (exists)
			rc = recover_segment(dir, n, n + 1 == next, end_of, report, ctx);
	}
	return rc;
}

static int mkdir_p(const char *dir)
{
	char *p = strdup(dir);
	int rc = 0;

	if (!p)
		return -1;
	for (char *s = p + 1; rc == 0; s++) {
		int last = *s == '\0';

		if (*s != '/' && !last)
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		if (last)
			break;
		*s = '/';
	}
	free(p);
	return rc;
}

/* ---- writer lifetime ---- */

static int writer_init_codecs(struct warc_writer *w, int level)
{
	w->cctx = ZSTD_createCCtx();
	w->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	w->md_block = EVP_MD_CTX_new();
	w->md_payload = EVP_MD_CTX_new();
	w->out.p = malloc(OUT_CAP);
	w->out.cap = OUT_CAP;
	if (!w->cctx || !w->sha1 || !w->md_block || !w->md_payload || !w->out.p)
		return -1;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx,
			ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx,
			ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx,
			ZSTD_c_contentSizeFlag, 1)))
		return -1;
	return buf_reserve(&w->hdr, 4096) < 0 ? -1 : buf_reserve(&w->http, 4096);
}

static void set_err(char **err, const char *what, const char *dir)
{
	if (err && asprintf(err, "warc: %s %s: %s", what, dir,
			    strerror(errno)) < 0)
		*err = NULL;
}

struct warc_writer *warc_writer_open(const struct warc_writer_options *opts,
				     char **err)
{
	struct warc_writer *w = calloc(1, sizeof(*w));
	uint32_t next;

	if (err)
		*err = NULL;
	if (!w) {
		set_err(err, "out of memory opening", opts->dir);
		return NULL;
	}
	w->fd = -1;
	pthread_mutex_init(&w->fd_lock, NULL);
	w->rnd_pos = sizeof(w->rnd);
	w->max_segment_size = opts->max_segment_size;
	w->payloads = opts->payloads;
	w->dedup_min = opts->dedup_min;
	w->dir = strdup(opts->dir);
	w->software = strdup(opts->software ? opts->software : "crawler");
	w->warcinfo_extra = opts->warcinfo ? strdup(opts->warcinfo) : NULL;
	if (!w->dir || !w->software || (opts->warcinfo && !w->warcinfo_extra) ||
	    writer_init_codecs(w, opts->zstd_level) < 0) {
		set_err(err, "cannot set up compression/digests for", opts->dir);
		goto fail;
	}
	if (mkdir_p(opts->dir) < 0 || next_segment_number(opts->dir, &next) < 0) {
		set_err(err, "cannot use directory", opts->dir);
		goto fail;
	}
	if (segment_open(w, next) < 0) {
		set_err(err, "cannot create a segment in", opts->dir);
		goto fail;
	}
	return w;
fail:
	warc_writer_close(&w);
	return NULL;
}

void warc_writer_end(const struct warc_writer *w, struct warc_location *end)
{
	*end = (struct warc_location){ w->segment, writer_pos(w), 0 };
}

int warc_writer_flush(struct warc_writer *w, int durable)
{
	int rc = 0;

	if (!durable)
		return 0;
	pthread_mutex_lock(&w->fd_lock);
	if (w->fd >= 0)
		rc = fdatasync(w->fd);
	pthread_mutex_unlock(&w->fd_lock);
	return rc;
}

void warc_writer_close(struct warc_writer **wp)
{
	struct warc_writer *w = wp ? *wp : NULL;

	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	pthread_mutex_destroy(&w->fd_lock);
	ZSTD_freeCCtx(w->cctx);
	EVP_MD_CTX_free(w->md_block);
	EVP_MD_CTX_free(w->md_payload);
	EVP_MD_free(w->sha1);
	free(w->out.p);
	free(w->hdr.p);
	free(w->http.p);
	free(w->ref.p);
	free(w->dir);
	free(w->software);
	free(w->warcinfo_extra);
	free(w);
	*wp = NULL;
}

/* ---- exchanges ---- */

static int has_name(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(end - p) >= n && strncasecmp(p, name, n) == 0;
}

/* Header fields that no longer describe the body as stored. */
static int must_rename(const char *p, const char *end, int decoded)
{
	return has_name(p, end, "transfer-encoding:") ||
	       (decoded && (has_name(p, end, "content-encoding:") ||
			    has_name(p, end, "content-length:")));
}

/* Copies the response header block into w->http, renaming Transfer-Encoding
 * fields (libcurl has already undone the transfer coding of the body) and,
 * for a decoded body, Content-Encoding and Content-Length. */
static int store_http_head(struct warc_writer *w, const char *h, size_t len,
			   int decoded)
{
	const char *end = h + len, *line = h;

	w->http.len = 0;
	if (buf_reserve(&w->http, len + 64) < 0)
		return -1;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *next = nl ? nl + 1 : end;

		if (line != h && must_rename(line, end, decoded) &&
		    buf_add(&w->http, TE_PREFIX, sizeof(TE_PREFIX) - 1) < 0)
			return -1;
		if (buf_add(&w->http, line, (size_t)(next - line)) < 0)
			return -1;
		line = next;
	}
	return 0;
}

static int digest_chunk(void *ctx, const void *buf, size_t len)
{
	struct warc_writer *w = ctx;

	if (!EVP_DigestUpdate(w->md_block, buf, len) ||
	    !EVP_DigestUpdate(w->md_payload, buf, len)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Block digest over stored head + body, payload digest over body alone,
 * in one pass over the spool. */
static int response_digests(struct warc_writer *w, struct spool *body,
			    char block[WARC_DIGEST_LEN + 1],
			    char payload[WARC_DIGEST_LEN + 1])
{
	if (!EVP_DigestInit_ex(w->md_block, w->sha1, NULL) ||
	    !EVP_DigestInit_ex(w->md_payload, w->sha1, NULL) ||
	    !EVP_DigestUpdate(w->md_block, w->http.p, w->http.len)) {
		errno = EIO;
		return -1;
	}
	if (body && spool_each(body, digest_chunk, w) != 0)
		return -1;
	if (md_final(w->md_block, block) < 0)
		return -1;
	return md_final(w->md_payload, payload);
}

static int head_exchange(struct warc_writer *w, const struct warc_exchange *ex,
			 const char *concurrent)
{
	if (buf_printf(&w->hdr, "WARC-Target-URI: %s\r\n", ex->target_uri) < 0)
		return -1;
	if (ex->ip && buf_printf(&w->hdr, "WARC-IP-Address: %s\r\n", ex->ip) < 0)
		return -1;
	return buf_printf(&w->hdr, "WARC-Concurrent-To: %s\r\n"
			  "WARC-Warcinfo-ID: %s\r\n", concurrent, w->warcinfo_id);
}

static int write_request(struct warc_writer *w, const struct warc_exchange *ex,
			 const char *id, const char *resp_id, const char *date,
			 uint64_t *len)
{
	char digest[WARC_DIGEST_LEN + 1];

	if (md_once(w, ex->request, ex->request_len, digest) < 0 ||
	    head_common(&w->hdr, "request", id, date) < 0 ||
	    head_exchange(w, ex, resp_id) < 0 ||
	    head_block(&w->hdr, "application/http;msgtype=request", digest,
		       NULL, ex->request_len) < 0)
		return -1;
	return write_record(w, ex->request, ex->request_len, NULL, len);
}

/* Collects a record's WARC header, up to its empty line. */
static int collect_head(void *ctx, const void *buf, size_t len)
{
	struct buf *b = ctx;
	size_t room = REF_HEAD_MAX - b->len;

	if (buf_add(b, buf, len < room ? len : room) < 0)
		return -1;
	char *end = memmem(b->p, b->len, "\r\n\r\n", 4);
	if (end) {
		b->len = (size_t)(end - b->p) + 2;
		return 1;
	}
	return b->len < REF_HEAD_MAX ? 0 : -1;
}

/* The value of a field in a header collected by collect_head whose line
 * ends were made NULs: "\nName: value\0". */
static const char *head_field(const struct buf *b, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = b->p; (p = memchr(p, '\n', b->len - (size_t)(p - b->p))); p++)
		if ((size_t)(b->p + b->len - p) > n + 2 && strncmp(p + 1, name, n) == 0 &&
		    p[n + 1] == ':' && p[n + 2] == ' ')
			return p + n + 3;
	return NULL;
}

/* Finds a stored record with the same payload; 1 with *ref filled (strings
 * in w->ref), 0 when there is none or it cannot be confirmed. */
static int find_stored_payload(struct warc_writer *w, const char *digest,
			       uint64_t body_len, struct warc_ref *ref)
{
	struct warc_location loc;

	if (!w->payloads || !w->dedup_min || body_len < w->dedup_min ||
	    !payloads_find(w->payloads, digest, &loc))
		return 0;
	w->ref.len = 0;
	if (warc_read_record(w->dir, &loc, collect_head, &w->ref) != 1)
		return 0;
	for (size_t i = 0; i + 1 < w->ref.len; i++)
		if (w->ref.p[i] == '\r' && w->ref.p[i + 1] == '\n')
			w->ref.p[i] = '\0';
	const char *stored = head_field(&w->ref, "WARC-Payload-Digest");
	if (!stored || strcmp(stored, digest) != 0)
		return 0;
	ref->target_uri = head_field(&w->ref, "WARC-Target-URI");
	ref->date = head_field(&w->ref, "WARC-Date");
	ref->record_id = head_field(&w->ref, "WARC-Record-ID");
	return 1;
}

static int head_refers(struct buf *b, const struct warc_ref *ref)
{
	if (ref->record_id && buf_printf(b, "WARC-Refers-To: %s\r\n", ref->record_id) < 0)
		return -1;
	if (ref->target_uri &&
	    buf_printf(b, "WARC-Refers-To-Target-URI: %s\r\n", ref->target_uri) < 0)
		return -1;
	if (ref->date && buf_printf(b, "WARC-Refers-To-Date: %s\r\n", ref->date) < 0)
		return -1;
	return 0;
}

/* A revisit keeps the HTTP header block only; the identical-payload profile
 * also names the payload's digest. */
static int write_revisit(struct warc_writer *w, const struct warc_exchange *ex,
			 const char *req_id, const char *date,
			 struct warc_result *res, const char *profile,
			 const struct warc_ref *ref)
{
	char digest[WARC_DIGEST_LEN + 1];
	int identical = strcmp(profile, "identical-payload-digest") == 0;

	res->type = "revisit";
	res->profile = profile;
	if (!identical)
		res->payload_digest[0] = '\0';
	if (md_once(w, w->http.p, w->http.len, digest) < 0 ||
	    head_common(&w->hdr, "revisit", res->record_id, date) < 0 ||
	    head_exchange(w, ex, req_id) < 0 ||
	    buf_printf(&w->hdr, "WARC-Profile: " PROFILE_BASE "%s\r\n", profile) < 0 ||
	    head_refers(&w->hdr, ref) < 0 ||
	    head_block(&w->hdr, "application/http;msgtype=response", digest,
		       identical ? res->payload_digest : NULL, w->http.len) < 0)
		return -1;
	return write_record(w, w->http.p, w->http.len, NULL, &res->response.length);
}

static int write_response(struct warc_writer *w, const struct warc_exchange *ex,
			  const char *req_id, const char *date,
			  struct warc_result *res)
{
	char digest[WARC_DIGEST_LEN + 1];
	uint64_t body_len = ex->body ? spool_size(ex->body) : 0;
	struct warc_ref ref;

	if (store_http_head(w, ex->resp_head, ex->resp_head_len, ex->body_decoded) < 0 ||
	    response_digests(w, ex->body, digest, res->payload_digest) < 0)
		return -1;
	if (ex->not_modified)
		return write_revisit(w, ex, req_id, date, res, "server-not-modified",
				     ex->not_modified);
	if (find_stored_payload(w, res->payload_digest, body_len, &ref))
		return write_revisit(w, ex, req_id, date, res,
				     "identical-payload-digest", &ref);
	res->type = "response";
	res->profile = NULL;
	if (head_common(&w->hdr, "response", res->record_id, date) < 0 ||
	    head_exchange(w, ex, req_id) < 0 ||
	    head_block(&w->hdr, "application/http;msgtype=response", digest,
		       res->payload_digest, w->http.len + body_len) < 0)
		return -1;
	return write_record(w, w->http.p, w->http.len, ex->body,
			    &res->response.length);
}

/* A payload stored in full can stand in for later identical ones. */
static int remember_payload(struct warc_writer *w, const struct warc_exchange *ex,
			    const struct warc_result *res)
{
	uint64_t body_len = ex->body ? spool_size(ex->body) : 0;

	if (!w->payloads || !w->dedup_min || body_len < w->dedup_min ||
	    strcmp(res->type, "response") != 0)
		return 0;
	if (payloads_add(w->payloads, res->payload_digest, &res->response) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Field values go into the WARC header verbatim, so they must not be able
 * to end it; the response head must end with its empty line for the
 * payload to be found. */
static int exchange_valid(const struct warc_exchange *ex)
{
	const char *h = ex->resp_head;
	size_t n = ex->resp_head_len;

	if (!ex->target_uri || strpbrk(ex->target_uri, "\r\n") ||
	    (ex->ip && strpbrk(ex->ip, "\r\n")) ||
	    (!ex->request && ex->request_len) || !h)
		return 0;
	return (n >= 2 && memcmp(h + n - 2, "\n\n", 2) == 0) ||
	       (n >= 3 && memcmp(h + n - 3, "\n\r\n", 3) == 0);
}

int warc_write_exchange(struct warc_writer *w, const struct warc_exchange *ex,
			struct warc_result *res)
{
	char req_id[UUID_LEN + 1], date[DATE_LEN];
	int e;

	if (!exchange_valid(ex)) {
		errno = EINVAL;
		return -1;
	}
	if (writer_maybe_rotate(w) < 0 || writer_uuid(w, req_id) < 0 ||
	    writer_uuid(w, res->record_id) < 0)
		return -1;
	format_date(&ex->date, date);
	snprintf(res->date, sizeof(res->date), "%s", date);
	if (write_request(w, ex, req_id, res->record_id, date,
			  &res->request_length) < 0)
		goto abort_exchange;
	res->response.segment = w->segment;
	res->response.offset = writer_pos(w);
	if (write_response(w, ex, req_id, date, res) < 0 || writer_commit(w) < 0)
		goto abort_exchange;
	w->seg_exchanges++;
	return remember_payload(w, ex, res);
abort_exchange:
	e = errno;
	writer_abort(w);
	errno = e;
	return -1;
}

/* ---- reading ---- */

struct reader {
	int fd;
	ZSTD_DCtx *dctx;
	char *in, *out;
	size_t in_cap, out_cap;
};

static void reader_close(struct reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	free(r->in);
	free(r->out);
}

static int reader_open(struct reader *r, const char *dir, uint32_t segment)
{
	char *path;

	r->in_cap = ZSTD_DStreamInSize();
	r->out_cap = ZSTD_DStreamOutSize();
	r->in = malloc(r->in_cap);
	r->out = malloc(r->out_cap);
	r->dctx = ZSTD_createDCtx();
	if (!r->in || !r->out || !r->dctx || segment_path(dir, segment, &path) < 0) {
		errno = ENOMEM;
		return -1;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	return r->fd < 0 ? -1 : 0;
}

/* Decompresses one chunk of the frame; *left is zstd's "bytes still
 * expected" hint, 0 once the frame is complete.  Data after the end of the
 * frame means the location was wrong. */
static int reader_chunk(struct reader *r, size_t n, size_t *left,
			int (*fn)(void *ctx, const void *buf, size_t len),
			void *ctx)
{
	ZSTD_inBuffer in = { r->in, n, 0 };
	int full = 0;

	while (in.pos < in.size || (full && *left != 0)) {
		ZSTD_outBuffer out = { r->out, r->out_cap, 0 };
		int rc;

		if (*left == 0) {
			errno = EINVAL;
			return -1;
		}
		*left = ZSTD_decompressStream(r->dctx, &out, &in);
		if (ZSTD_isError(*left)) {
			errno = EINVAL;
			return -1;
		}
		full = out.pos == out.size;
		if (out.pos > 0 && (rc = fn(ctx, r->out, out.pos)) != 0)
			return rc;
	}
	return 0;
}

int warc_read_record(const char *dir, const struct warc_location *loc,
		     int (*fn)(void *ctx, const void *buf, size_t len),
		     void *ctx)
{
	struct reader r = { .fd = -1 };
	uint64_t off = loc->offset, end = loc->offset + loc->length;
	size_t left = 1;
	int rc = -1;

	if (reader_open(&r, dir, loc->segment) < 0)
		goto done;
	while (off < end) {
		size_t want = end - off < r.in_cap ? (size_t)(end - off) : r.in_cap;
		ssize_t n = pread(r.fd, r.in, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto done;
		}
		off += (uint64_t)n;
		rc = reader_chunk(&r, (size_t)n, &left, fn, ctx);
		if (rc)
			goto done;
		rc = -1;
	}
	if (left == 0)
		rc = 0;
	else
		errno = EINVAL;
done:
	reader_close(&r);
	return rc;
}
