/* spool: a byte sink that keeps up to a memory bound in RAM and the rest in
 * an unlinked temporary file, so no large body is ever held whole in memory.
 *
 * Ownership: spool_new returns a spool the caller frees with spool_free.
 * Data passed to spool_write is copied.  Buffers handed to a spool_each
 * callback are owned by the spool and valid only during the call.
 */
#ifndef CRAWLER_SPOOL_H
#define CRAWLER_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool;

/* mem_limit: bytes kept in memory before spilling (the first mem_limit
 * bytes stay in memory, the rest go to the file); tmpdir: where the spill
 * file is created (O_TMPFILE or mkstemp+unlink), NULL for /tmp; it is only
 * opened when needed, so a bad tmpdir shows as a spool_write error.
 * NULL on OOM. */
struct spool *spool_new(size_t mem_limit, const char *tmpdir);

/* Appends; returns 0 or -1 with errno set (ENOMEM, or the write error). */
int spool_write(struct spool *s, const void *data, size_t len);

uint64_t spool_size(const struct spool *s);

/* Calls fn(ctx, buf, len) over the contents in order, in chunks; stops and
 * returns fn's value if it is non-zero; returns -1 on a read error. */
int spool_each(struct spool *s, int (*fn)(void *ctx, const void *buf,
					  size_t len),
	       void *ctx);

/* Copies up to len bytes of the contents from offset into buf, for
 * readers that pull.  Returns the count (0 at the end) or -1 with errno. */
long spool_read(const struct spool *s, uint64_t offset, void *buf, size_t len);

/* Points *data at the contents (never NULL, even when empty) when they are
 * all in memory and returns 1;
 * returns 0 when the spool has spilled to its file. */
int spool_memory(const struct spool *s, const void **data, size_t *len);

/* Empties the spool for reuse, closing any spill file; the memory buffer
 * is kept for the next use. */
void spool_reset(struct spool *s);

/* NULL-safe; sets *s to NULL. */
void spool_free(struct spool **s);

#endif
