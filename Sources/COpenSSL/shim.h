// OpenSSL 3 deprecates the low-level SHA1_* functions; OpenSSLHMACSHA1 uses them on purpose (EVP
// allocates per digest initialisation in 3.0), so their deprecation attributes are turned off here.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/provider.h>
#include <openssl/params.h>
#include <openssl/err.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
