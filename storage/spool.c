/* spool: the first mem_limit bytes live in a heap buffer, anything beyond
 * goes to an unlinked temporary file.  Spilling never copies what is already
 * in memory: the contents are "buffer, then file", which spool_each replays
 * in that order.  The buffer and the read buffer survive spool_reset so a
 * spool reused for every fetch stops allocating once warmed up. */
#define _GNU_SOURCE
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

#define SPOOL_IO_SIZE (64 * 1024)   /* chunk size for replaying the file */
#define SPOOL_MIN_ALLOC 4096

struct spool {
	char *mem;          /* first part of the contents */
	size_t mem_len;
	size_t mem_cap;     /* allocated; never above mem_limit */
	size_t mem_limit;
	int fd;             /* spill file, or -1 */
	uint64_t file_len;
	char *io;           /* SPOOL_IO_SIZE bytes, allocated on first replay */
	char *tmpdir;
};

struct spool *spool_new(size_t mem_limit, const char *tmpdir)
{
	struct spool *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->tmpdir = strdup(tmpdir ? tmpdir : "/tmp");
	if (!s->tmpdir) {
		free(s);
		return NULL;
	}
	s->mem_limit = mem_limit;
	s->fd = -1;
	return s;
}

/* O_TMPFILE gives a file that never has a name; filesystems without it get
 * a named file that is unlinked at once. */
static int spool_open_file(const char *dir)
{
	char *path;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
			errno != EINVAL))
		return fd;
	if (asprintf(&path, "%s/spool-XXXXXX", dir) < 0) {
		errno = ENOMEM;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd;
}


/* Grows the buffer geometrically up to mem_limit; returns the room now
 * available, at least `want` unless the limit is reached. */
static size_t spool_mem_room(struct spool *s, size_t want)
{
	size_t room = s->mem_cap - s->mem_len;
	size_t cap;
	char *p;

	if (room >= want || s->mem_cap == s->mem_limit)
		return room;
	cap = s->mem_cap ? s->mem_cap : SPOOL_MIN_ALLOC;
	while (cap - s->mem_len < want && cap < s->mem_limit)
		cap *= 2;
	if (cap > s->mem_limit)
		cap = s->mem_limit;
	p = realloc(s->mem, cap);
	if (!p)
		return room;
	s->mem = p;
	s->mem_cap = cap;
	return cap - s->mem_len;
}

int spool_write(struct spool *s, const void *data, size_t len)
{
	const char *p = data;

	if (s->fd < 0) {
		size_t n = spool_mem_room(s, len);

		if (n > len)
			n = len;
		if (n > 0)
			memcpy(s->mem + s->mem_len, p, n);
		s->mem_len += n;
		p += n;
		len -= n;
		if (len == 0)
			return 0;
		if (s->mem_cap < s->mem_limit) {
			errno = ENOMEM;
			return -1;
		}
		s->fd = spool_open_file(s->tmpdir);
		if (s->fd < 0)
			return -1;
	}
	if (io_write_all(s->fd, p, len) < 0)
		return -1;
	s->file_len += len;
	return 0;
}

uint64_t spool_size(const struct spool *s)
{
	return s->mem_len + s->file_len;
}

static int spool_each_file(struct spool *s,
			   int (*fn)(void *ctx, const void *buf, size_t len),
			   void *ctx)
{
	uint64_t off = 0;

	if (!s->io) {
		s->io = malloc(SPOOL_IO_SIZE);
		if (!s->io)
			return -1;
	}
	while (off < s->file_len) {
		size_t want = s->file_len - off < SPOOL_IO_SIZE ?
			(size_t)(s->file_len - off) : SPOOL_IO_SIZE;
		ssize_t n = pread(s->fd, s->io, want, (off_t)off);
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		rc = fn(ctx, s->io, (size_t)n);
		if (rc)
			return rc;
		off += (uint64_t)n;
	}
	return 0;
}

int spool_each(struct spool *s, int (*fn)(void *ctx, const void *buf,
					  size_t len),
	       void *ctx)
{
	if (s->mem_len > 0) {
		int rc = fn(ctx, s->mem, s->mem_len);

		if (rc)
			return rc;
	}
	if (s->fd < 0)
		return 0;
	return spool_each_file(s, fn, ctx);
}

long spool_read(const struct spool *s, uint64_t offset, void *buf, size_t len)
{
	if (offset < s->mem_len) {
		size_t n = s->mem_len - (size_t)offset < len ? s->mem_len - (size_t)offset : len;
		memcpy(buf, s->mem + offset, n);
		return (long)n;
	}
	offset -= s->mem_len;
	if (s->fd < 0 || offset >= s->file_len)
		return 0;
	for (;;) {
		ssize_t n = pread(s->fd, buf, len, (off_t)offset);
		if (n >= 0 || errno != EINTR)
			return (long)n;
	}
}

int spool_memory(const struct spool *s, const void **data, size_t *len)
{
	if (s->fd >= 0)
		return 0;
	*data = s->mem ? s->mem : ""; /* never NULL, also before the first write */
	*len = s->mem_len;
	return 1;
}

void spool_reset(struct spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->file_len = 0;
	s->mem_len = 0;
}

void spool_free(struct spool **sp)
{
	struct spool *s = sp ? *sp : NULL;

	if (!s)
		return;
	spool_reset(s);
	free(s->mem);
	free(s->io);
	free(s->tmpdir);
	free(s);
	*sp = NULL;
}
