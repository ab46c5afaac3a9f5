#ifndef SRTPDUMP_GCRYPT_SHIM_H
#define SRTPDUMP_GCRYPT_SHIM_H

/// Initialises libgcrypt once (version check, secure memory off, initialisation finished).
/// gcry_control() is variadic, so Swift cannot call it directly. Returns 0 on success.
int srtpdump_gcrypt_initialize(void);

#endif
