/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between ramster's crypto shims and its Rust code: HMAC-SHA256,
 * random bytes and constant-time comparison for the OS facade
 * (shim/crypto.c -> src/os/kernel.rs), and the pre-shared key from the kernel
 * keyring (shim/logon_key.c -> src/net/logon_key.rs).
 */
#ifndef RAMSTER_CRYPTO_SHIM_H
#define RAMSTER_CRYPTO_SHIM_H

#include <linux/types.h>

struct crypto_shash;

/* Bytes in an HMAC-SHA256 tag. */
#define RAMSTER_MAC_LEN 32

int ramster_hmac_new(const u8 *key, unsigned int keylen,
		     struct crypto_shash **out);
void ramster_hmac_free(struct crypto_shash *tfm);
int ramster_hmac_digest(struct crypto_shash *tfm, const u8 *const *parts,
			const unsigned int *lens, unsigned int nparts,
			u8 *out);
void ramster_random_bytes(void *buf, size_t len);
int ramster_memneq(const void *a, const void *b, size_t len);

int ramster_logon_key_read(const char *desc, u8 *buf, unsigned int buflen);

#endif /* RAMSTER_CRYPTO_SHIM_H */
