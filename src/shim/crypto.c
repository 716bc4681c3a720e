// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA256, AES-256-CTR, random bytes and constant-time comparison for
 * ramster's OS facade (src/os/kernel.rs), over the kernel crypto API and RNG.
 *
 * The Rust bindings of Linux 6.12 have no crypto abstraction, and the shash
 * calls that matter are inline or take an on-stack descriptor, so Rust calls
 * these few helpers. A transform is allocated and keyed once (process context:
 * it may sleep and load modules) and is then shared: crypto_shash_setkey() is
 * never called again, and each digest keeps its state in its own on-stack
 * descriptor, so digests may run concurrently on one transform. A digest does
 * not sleep by itself, but callers are only promised process context.
 */
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <crypto/utils.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/scatterlist.h>

#include "crypto_shim.h"

/*
 * Allocates an hmac(sha256) transform keyed with @keylen bytes at @key.
 * Returns 0 and the transform in @out, or a negative errno: -ENOENT when the
 * kernel has no hmac(sha256).
 */
int ramster_hmac_new(const u8 *key, unsigned int keylen,
		     struct crypto_shash **out)
{
	struct crypto_shash *tfm;
	int ret;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (crypto_shash_digestsize(tfm) != RAMSTER_MAC_LEN) {
		crypto_free_shash(tfm);
		return -EINVAL;
	}
	ret = crypto_shash_setkey(tfm, key, keylen);
	if (ret) {
		crypto_free_shash(tfm);
		return ret;
	}
	*out = tfm;
	return 0;
}

/* Frees a transform of ramster_hmac_new(); its key is wiped with it. */
void ramster_hmac_free(struct crypto_shash *tfm)
{
	crypto_free_shash(tfm);
}

/*
 * Writes to @out (RAMSTER_MAC_LEN bytes) the HMAC of the concatenation of
 * @nparts parts, part i being @lens[i] bytes at @parts[i]. Returns 0 or a
 * negative errno. The descriptor is wiped before returning.
 */
int ramster_hmac_digest(struct crypto_shash *tfm, const u8 *const *parts,
			const unsigned int *lens, unsigned int nparts,
			u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	unsigned int i;
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_init(desc);
	for (i = 0; !ret && i < nparts; i++)
		ret = crypto_shash_update(desc, parts[i], lens[i]);
	if (!ret)
		ret = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return ret;
}

/*
 * Allocates a synchronous ctr(aes) transform keyed with the RAMSTER_CIPHER_KEY
 * bytes at @key (AES-256). Returns 0 and the transform in @out, or a negative
 * errno: -ENOENT when the kernel has no ctr(aes).
 */
int ramster_ctr_new(const u8 *key, struct crypto_sync_skcipher **out)
{
	struct crypto_sync_skcipher *tfm;
	int ret;

	tfm = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_sync_skcipher_setkey(tfm, key, RAMSTER_CIPHER_KEY);
	if (ret) {
		crypto_free_sync_skcipher(tfm);
		return ret;
	}
	*out = tfm;
	return 0;
}

/* Frees a transform of ramster_ctr_new(); its key is wiped with it. */
void ramster_ctr_free(struct crypto_sync_skcipher *tfm)
{
	crypto_free_sync_skcipher(tfm);
}

/*
 * XORs the @len bytes at @buf with the CTR keystream that starts at the
 * 16-byte counter block @iv, in place (encrypting and decrypting are the same).
 * The buffer must be in the kernel's linear map (kmalloc'd), as a scatterlist
 * needs: -EFAULT for any other (a stack or vmalloc address). Returns 0 or a
 * negative errno. Does not sleep; the request is wiped before returning.
 */
int ramster_ctr_crypt(struct crypto_sync_skcipher *tfm, const u8 *iv, u8 *buf,
		      unsigned int len)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	u8 counter[RAMSTER_CIPHER_IV];
	struct scatterlist sg;
	int ret;

	if (!len)
		return 0;
	if (!virt_addr_valid(buf) || !virt_addr_valid(buf + len - 1))
		return -EFAULT;
	memcpy(counter, iv, sizeof(counter));
	sg_init_one(&sg, buf, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, counter);
	ret = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	memzero_explicit(counter, sizeof(counter));
	return ret;
}

/* Fills @len bytes at @buf from the kernel's CRNG; any context. */
void ramster_random_bytes(void *buf, size_t len)
{
	get_random_bytes(buf, len);
}

/*
 * Whether @len bytes at @a and @b differ (1) or not (0), in time that does
 * not depend on their contents.
 */
int ramster_memneq(const void *a, const void *b, size_t len)
{
	return crypto_memneq(a, b, len);
}
