#ifndef SRTPDUMP_MALLOC_COUNTER_H
#define SRTPDUMP_MALLOC_COUNTER_H

/// A per-thread allocation counter for tests that prove "no allocation per packet".
///
/// Linked into the test executable, this target defines malloc, calloc, realloc and the aligned
/// allocators, which then take precedence over glibc's for the whole process (shared libraries such as
/// libcrypto and libgcrypt included), and forwards each to glibc's own implementation (`__libc_*`).
/// Counting is per thread and only between start and stop, so tests running in parallel on other
/// threads do not disturb a measurement. glibc only (these tests are skipped elsewhere).

/// Whether the interposer is linked and working (false on non-glibc systems).
int srtpdump_malloc_counter_available(void);
/// Starts counting this thread's allocations from zero.
void srtpdump_malloc_counter_start(void);
/// Stops counting and returns the number of allocations this thread made since start.
long srtpdump_malloc_counter_stop(void);

#endif
