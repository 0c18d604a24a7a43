/* io: file-descriptor helpers shared by the storage modules. */
#ifndef CRAWLER_IO_H
#define CRAWLER_IO_H

#include <stddef.h>

/* Writes all of buf[0..len) to fd, retrying short writes and EINTR.
 * 0, or -1 with errno set (some bytes may have been written). */
int io_write_all(int fd, const void *buf, size_t len);

#endif
