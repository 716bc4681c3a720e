// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA256, random bytes and constant-time comparison for ramster's OS
 * facade (src/os/kernel.rs), over the kernel crypto API and RNG.
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
#include <crypto/utils.h>
#include <linux/err.h>
#include <linux/random.h>

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
