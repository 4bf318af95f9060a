/* metrics.h - --metrics [HOST:]PORT: the program's maps served live to
 * Prometheus. `GET /metrics` reads every map when it is asked (through the
 * printers' view, mapview.h) and answers in the Prometheus text format, or
 * in OpenMetrics when the scraper's Accept header asks for it.
 *
 * HTTP is libmicrohttpd's, in a thread of its own. Reading maps and
 * formatting their keys (symbols, stacks: caches the event loop also uses)
 * must not run beside the event loop's own map printing, clear() and zero(),
 * so the two take turns: the loop hands the maps over while it waits for
 * events (metrics_loop_wait) and takes them back before handling any
 * (metrics_loop_busy); a scrape that arrives while the loop is busy makes
 * it stop its batch of events early (metrics_pending) and is served as soon
 * as the loop waits again. */
#ifndef BPFSCRIPT_METRICS_H
#define BPFSCRIPT_METRICS_H
#include <stdbool.h>
#include <stddef.h>
#include "runtime/runtime.h"
#include "runtime/sbuf.h"

struct metrics;

/* Parses "[HOST:]PORT" ("9435", ":9435", "0.0.0.0:9435", "[::1]:9435"):
 * host (default 127.0.0.1, brackets removed) and port (0: any free port).
 * Returns 0, or -1 with a message in err. */
int metrics_parse(const char *spec, char *host, size_t hostlen, int *port, char *err, size_t errlen);

/* Listens on spec and serves rt's maps until metrics_stop. With verbose,
 * says where, and which maps are left out. NULL after a message on stderr
 * (an invalid address, a port in use). The event loop is busy from here on
 * until its first metrics_loop_wait. */
struct metrics *metrics_start(struct rt *rt, const char *spec, bool verbose);
/* Stops serving (a scrape waiting for the loop is answered 503) and frees. */
void metrics_stop(struct metrics *ms);

/* The event loop: about to wait for events (scrapes may read the maps). */
void metrics_loop_wait(struct metrics *ms);
/* The event loop: done waiting; returns once no scrape is reading maps. */
void metrics_loop_busy(struct metrics *ms);
/* A scrape is waiting for the loop to hand the maps over. */
bool metrics_pending(struct metrics *ms);

/* The exposition of every map, as one scrape gets it (text format, or
 * OpenMetrics with its `# EOF`), appended to b. */
void metrics_render(struct metrics *ms, struct sbuf *b, bool openmetrics);

#endif
