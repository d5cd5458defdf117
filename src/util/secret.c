/*
 * secret.c — libsodium behind util/secret.h.
 */
#include "util/secret.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util/banned.h"

enum pp_err pp_secret_init(struct pp_diag *d)
{
    /* sodium_init is thread-safe and returns 1 when already initialised */
    if (sodium_init() < 0)
        return pp_diag_set(d, PP_ERR_INTERNAL, "libsodium", "cannot initialise libsodium");
    return PP_OK;
}

enum pp_err pp_secret_hash_password(const char *password, const struct pp_secret_cost *cost,
                                    char out[PP_SECRET_HASH_MAX], struct pp_diag *d)
{
    enum pp_err e;
    _Static_assert(PP_SECRET_HASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer too small");
    if (!password || !*password)
        return pp_diag_set(d, PP_ERR_INPUT, "password", "the password is empty");
    if ((e = pp_secret_init(d)) != PP_OK)
        return e;
    if (crypto_pwhash_str_alg(out, password, strlen(password), cost->ops, cost->mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return pp_diag_set(d, PP_ERR_INTERNAL, "password", "cannot hash the password (memory)");
    return PP_OK;
}

bool pp_secret_verify_password(const char *hash, const char *password)
{
    if (!hash || !password || sodium_init() < 0)
        return false;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool pp_secret_needs_rehash(const char *hash, const struct pp_secret_cost *cost)
{
    if (!hash || sodium_init() < 0)
        return true;
    return crypto_pwhash_str_needs_rehash(hash, cost->ops, cost->mem) != 0;
}

void pp_secret_token(char out[PP_SECRET_TOKEN_MAX])
{
    unsigned char raw[32];
    _Static_assert(PP_SECRET_TOKEN_MAX >= 44, "token buffer too small");
    if (sodium_init() < 0)
        abort();
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, PP_SECRET_TOKEN_MAX, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void pp_secret_sha256_hex(const void *data, size_t len, char out[PP_SECRET_HEX_MAX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, PP_SECRET_HEX_MAX, h, sizeof(h));
}

void pp_secret_hmac_hex(const unsigned char key[PP_SECRET_KEY_BYTES], const void *data, size_t len,
                        char out[PP_SECRET_HEX_MAX])
{
    unsigned char h[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, PP_SECRET_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, h);
    sodium_bin2hex(out, PP_SECRET_HEX_MAX, h, sizeof(h));
}

void pp_secret_random_key(unsigned char key[PP_SECRET_KEY_BYTES])
{
    if (sodium_init() < 0)
        abort();
    randombytes_buf(key, PP_SECRET_KEY_BYTES);
}

bool pp_secret_equal(const char *a, const char *b)
{
    size_t n;
    if (!a || !b)
        return false;
    n = strlen(a);
    if (n != strlen(b))
        return false;
    return n == 0 || sodium_memcmp(a, b, n) == 0;
}
