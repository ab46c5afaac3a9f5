#ifndef SRTPDUMP_MAPPING_GUARD_H
#define SRTPDUMP_MAPPING_GUARD_H

#include <stddef.h>

/// A file mapping whose pages past a shrunken end-of-file must not kill the process. A page of a
/// MAP_PRIVATE file mapping that lies wholly past the file's current end raises SIGBUS when touched
/// (mmap(2)): another process truncating the capture while srtpdump reads it would end the run. With
/// the mapping registered, the SIGBUS handler maps an anonymous zero page over the faulting page,
/// sets `*faulted`, and returns, so the read goes on with zeros that the reader then discards (it
/// checks the flag after each record and compares its offset with the file's new size).
///
/// Returns the flag to poll (0 until a fault), or NULL when the table of guarded mappings is full or
/// the handler cannot be installed (the mapping then works unguarded, as before).
volatile int *srtpdump_mapping_guard(void *base, size_t length);

/// Removes the registration (before the mapping is unmapped).
void srtpdump_mapping_unguard(void *base);

#endif
