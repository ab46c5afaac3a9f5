#include "gcrypt_shim.h"
#include <gcrypt.h>

int srtpdump_gcrypt_initialize(void) {
    // Idempotent: libgcrypt records whether initialisation has finished.
    if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
        return 0;
    }
    if (!gcry_check_version(GCRYPT_VERSION)) {
        return -1;
    }
    // Keys live in ordinary memory: srtpdump is an offline tool reading keys from files and captures.
    gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    return 0;
}
