/*
 * writer.h - the writer thread: session records and layer-2 rows leave the
 * packet thread in batches through a bounded queue, and one thread owns the
 * store handle while they are written. A full queue makes the packet thread
 * wait (back-pressure) rather than grow memory.
 */
#ifndef OTW_WRITER_H
#define OTW_WRITER_H

#include "store/store.h"

struct otw_writer;

/* Starts the thread. The store handle belongs to the writer until
 * otw_writer_finish() returns. Records carry file_id/point_id (0: none).
 * file_id 0 is live capture: the writer opens and commits its own
 * transactions, about once a second; with a file, the caller's file
 * transaction (otw_store_file_begin/end) holds everything. */
struct otw_writer *otw_writer_start(struct otw_store *st, int64_t file_id, int64_t point_id,
                                    struct otw_err *err);
/* Detection (detect/detect.h): before the first record, hand the writer an
 * engine; the writer thread then passes it every record it stored (with its
 * parser data) and every layer-2 row. Live capture (file_id 0): before each
 * commit the engine's time ticks and its alerts are saved in the same
 * transaction; at the end everything held is decided and saved. With a
 * file, the caller does that after otw_writer_finish(), before
 * otw_store_file_end(). The engine stays the caller's to free. */
struct otw_detect;
void otw_writer_set_detect(struct otw_writer *w, struct otw_detect *d);

/* Packet thread: queue one record (copied; the writer takes and frees s->app). */
void otw_writer_session(struct otw_writer *w, const struct otw_session *s);
/* Packet thread: queue layer-2 rows (copied). */
void otw_writer_l2(struct otw_writer *w, const struct otw_l2_row *rows, size_t n);
/* Packet thread: hand the partly filled batch to the writer now. Live
 * capture calls this once a second, so records do not wait for a batch to
 * fill before they can be committed. */
void otw_writer_push(struct otw_writer *w);
/* Sessions queued so far. */
uint64_t otw_writer_sessions(const struct otw_writer *w);
/* Sends what is buffered, waits for the thread, frees the writer. Returns 0
 * or the first store error (err filled); after an error the rest is dropped. */
int otw_writer_finish(struct otw_writer *w, struct otw_err *err);

#endif
