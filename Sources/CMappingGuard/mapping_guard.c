// The SIGBUS guard of mapped capture files: see include/mapping_guard.h.
//
// Registrations live in a fixed table read by the signal handler without locks: a slot's length is
// published before its base (release), and the handler reads the base first (acquire). A fault can
// only come from the thread reading that mapping, which unregisters it only after reading, so a slot
// never changes under the handler for the mapping that faulted.

#define _GNU_SOURCE
#include "mapping_guard.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 64

struct slot {
    _Atomic(uintptr_t) base;
    _Atomic(size_t) length;
    volatile int faulted;
};

static struct slot slots[SLOTS];
static struct sigaction previous;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int installed;

static void on_sigbus(int signal, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t base = atomic_load_explicit(&slots[i].base, memory_order_acquire);
        if (base == 0) continue;
        size_t length = atomic_load_explicit(&slots[i].length, memory_order_relaxed);
        if (address < base || address - base >= length) continue;
        // mmap is a plain system call (async-signal-safe in practice on Linux; POSIX does not list it).
        uintptr_t page = address & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
        void *zero = mmap((void *)page, (size_t)sysconf(_SC_PAGESIZE), PROT_READ,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (zero == MAP_FAILED) break;
        slots[i].faulted = 1;
        return;  // the faulting instruction runs again, on the zero page
    }
    // Not ours: what would have happened without the guard.
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) { previous.sa_sigaction(signal, info, context); return; }
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(signal);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGBUS, &dfl, NULL);  // returning re-runs the access, which now ends the process
}

static void install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    installed = sigaction(SIGBUS, &action, &previous) == 0;
}

volatile int *srtpdump_mapping_guard(void *base, size_t length) {
    pthread_once(&once, install);
    if (!installed || base == NULL || length == 0) return NULL;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t expected = 0;
        // Claim the slot with a placeholder base of 1 (never a mapping address), then publish.
        if (atomic_compare_exchange_strong(&slots[i].base, &expected, (uintptr_t)1)) {
            slots[i].faulted = 0;
            atomic_store_explicit(&slots[i].length, length, memory_order_relaxed);
            atomic_store_explicit(&slots[i].base, (uintptr_t)base, memory_order_release);
            return &slots[i].faulted;
        }
    }
    return NULL;
}

void srtpdump_mapping_unguard(void *base) {
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_load_explicit(&slots[i].base, memory_order_acquire) == (uintptr_t)base) {
            atomic_store_explicit(&slots[i].length, 0, memory_order_relaxed);
            atomic_store_explicit(&slots[i].base, 0, memory_order_release);
            return;
        }
    }
}
