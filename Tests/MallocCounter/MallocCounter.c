#include "MallocCounter.h"

// Any libc header defines __GLIBC__ (through <features.h>).
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SRTPDUMP_UNDER_ASAN 1
#endif
#endif

// Not under AddressSanitizer (`make test-asan`): ASan intercepts malloc itself, and a second
// definition here would hand it blocks it did not allocate. The counter then reports itself unavailable.
#if defined(__linux__) && defined(__GLIBC__) && !defined(SRTPDUMP_UNDER_ASAN)
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

// glibc's own allocator entry points, which its malloc/calloc/realloc are aliases of.
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

// initial-exec TLS: reading these never calls into the dynamic loader (which could allocate).
static __thread int counting __attribute__((tls_model("initial-exec")));
static __thread long count __attribute__((tls_model("initial-exec")));

static inline void note(void) {
    if (counting) count++;
}

void *malloc(size_t size) {
    note();
    return __libc_malloc(size);
}

void *calloc(size_t count_, size_t size) {
    note();
    return __libc_calloc(count_, size);
}

void *realloc(void *pointer, size_t size) {
    note();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    note();
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *out = pointer;
    return 0;
}

int srtpdump_malloc_counter_available(void) {
    // Proves the interposition: an allocation made while counting must be seen.
    srtpdump_malloc_counter_start();
    // Through a volatile function pointer, so that the compiler cannot elide the malloc/free pair.
    void *(*volatile allocate)(size_t) = malloc;
    void *probe = allocate(16);
    long seen = srtpdump_malloc_counter_stop();
    free(probe);
    return seen == 1;
}

void srtpdump_malloc_counter_start(void) {
    count = 0;
    counting = 1;
}

long srtpdump_malloc_counter_stop(void) {
    counting = 0;
    return count;
}

#else

int srtpdump_malloc_counter_available(void) { return 0; }
void srtpdump_malloc_counter_start(void) {}
long srtpdump_malloc_counter_stop(void) { return 0; }

#endif
