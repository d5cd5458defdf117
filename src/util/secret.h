/*
 * secret.h — the few cryptographic primitives painpath needs, over libsodium:
 * Argon2id password hashes, random tokens, SHA-256 and HMAC-SHA-256 as hex,
 * and constant-time comparison. Nothing here logs or keeps a secret.
 */
#ifndef PP_UTIL_SECRET_H
#define PP_UTIL_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* An Argon2id hash string ("$argon2id$v=19$m=...,t=...,p=1$...") fits in this, NUL included. */
#define PP_SECRET_HASH_MAX 128
/* A random token: 32 bytes (256 bits) as unpadded base64url, 43 characters + NUL. */
#define PP_SECRET_TOKEN_MAX 44
/* SHA-256 / HMAC-SHA-256 as lowercase hex, 64 characters + NUL. */
#define PP_SECRET_HEX_MAX 65
/* An HMAC key: 32 random bytes. */
#define PP_SECRET_KEY_BYTES 32

/* The Argon2id cost: libsodium's opslimit (passes) and memlimit (bytes). */
struct pp_secret_cost {
    unsigned long long ops;
    size_t mem;
};

/* Initialise libsodium once (thread-safe, idempotent). PP_ERR_INTERNAL when it cannot. */
PP_MUST_CHECK enum pp_err pp_secret_init(struct pp_diag *d);

/* Hash `password` with Argon2id at `cost` into out. PP_ERR_INPUT for an empty password,
 * PP_ERR_INTERNAL when libsodium fails (out of memory). */
PP_MUST_CHECK enum pp_err pp_secret_hash_password(const char *password,
                                                  const struct pp_secret_cost *cost,
                                                  char out[PP_SECRET_HASH_MAX], struct pp_diag *d);
/* True when `password` matches `hash` (constant time in the password). */
bool pp_secret_verify_password(const char *hash, const char *password);
/* True when `hash` was made with another cost than `cost` (rehash it at the next login). */
bool pp_secret_needs_rehash(const char *hash, const struct pp_secret_cost *cost);

/* A new random token (32 bytes from the OS CSPRNG, base64url without padding). */
void pp_secret_token(char out[PP_SECRET_TOKEN_MAX]);
/* SHA-256 of the bytes, as lowercase hex. */
void pp_secret_sha256_hex(const void *data, size_t len, char out[PP_SECRET_HEX_MAX]);
/* HMAC-SHA-256 of the bytes under a PP_SECRET_KEY_BYTES key, as lowercase hex. */
void pp_secret_hmac_hex(const unsigned char key[PP_SECRET_KEY_BYTES], const void *data, size_t len,
                        char out[PP_SECRET_HEX_MAX]);
/* Fill `key` with PP_SECRET_KEY_BYTES random bytes. */
void pp_secret_random_key(unsigned char key[PP_SECRET_KEY_BYTES]);
/* Constant-time equality of two NUL-terminated strings (their lengths are not secret). */
bool pp_secret_equal(const char *a, const char *b);

#endif
