/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between ramster's crypto shims and its Rust code: HMAC-SHA256,
 * AES-256-CTR, random bytes and constant-time comparison for the OS facade
 * (shim/crypto.c -> src/os/kernel.rs), and the pre-shared key from the kernel
 * keyring (shim/logon_key.c -> src/net/logon_key.rs).
 */
#ifndef RAMSTER_CRYPTO_SHIM_H
#define RAMSTER_CRYPTO_SHIM_H

#include <linux/types.h>

struct crypto_shash;
struct crypto_sync_skcipher;

/* Bytes in an HMAC-SHA256 tag. */
#define RAMSTER_MAC_LEN 32
/* Bytes in an AES-256 key, and in a CTR counter block. */
#define RAMSTER_CIPHER_KEY 32
#define RAMSTER_CIPHER_IV 16

int ramster_hmac_new(const u8 *key, unsigned int keylen,
		     struct crypto_shash **out);
void ramster_hmac_free(struct crypto_shash *tfm);
int ramster_hmac_digest(struct crypto_shash *tfm, const u8 *const *parts,
			const unsigned int *lens, unsigned int nparts,
			u8 *out);
int ramster_ctr_new(const u8 *key, struct crypto_sync_skcipher **out);
void ramster_ctr_free(struct crypto_sync_skcipher *tfm);
int ramster_ctr_crypt(struct crypto_sync_skcipher *tfm, const u8 *iv, u8 *buf,
		      unsigned int len);
void ramster_random_bytes(void *buf, size_t len);
int ramster_memneq(const void *a, const void *b, size_t len);

int ramster_logon_key_read(const char *desc, u8 *buf, unsigned int buflen);

#endif /* RAMSTER_CRYPTO_SHIM_H */
