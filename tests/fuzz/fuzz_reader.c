/*
 * fuzz_reader.c - libFuzzer target for capture/reader.c.
 *
 * The reader takes a path, so each input goes into one memfd (rewritten per
 * run) and is opened through /proc/self/fd/N; every record is read and its
 * bytes touched so ASan sees any read outside the buffer. Build and run with
 * tests/fuzz/build.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/reader.h"

static int memfd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct otw_reader *r;
    struct otw_rec rec;
    struct otw_err err;
    volatile uint8_t sink = 0;
    int rc;

    if (memfd < 0) {
        memfd = memfd_create("fuzz_reader", 0);
        if (memfd < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
    }
    if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
        abort();
    r = otw_reader_open(path, NULL, NULL, &err);
    if (r == NULL)
        return 0;
    while ((rc = otw_reader_next(r, &rec, &err)) > 0) {
        if (rec.caplen > OTW_MAX_RECORD || rec.len < rec.caplen)
            abort();
        if (rec.caplen > 0)
            sink ^= rec.data[0] ^ rec.data[rec.caplen - 1];
    }
    if (rc < 0 && err.msg[0] == '\0')
        abort();        /* every error has a message */
    (void)otw_reader_file_pos(r);
    otw_reader_free(r);
    (void)sink;
    return 0;
}
