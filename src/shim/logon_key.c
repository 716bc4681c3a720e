// SPDX-License-Identifier: GPL-2.0
/*
 * The pre-shared key of ramster's cluster from the kernel keyring.
 *
 * The administrator adds a key of type "logon" (its payload can be read by
 * the kernel only, never by userspace) and writes its description to the
 * cluster's auth_key configfs attribute; the write reads the key here, in the
 * context of the writing process, and keeps a copy (src/net/logon_key.rs wraps
 * this function once in safe Rust). A kernel without CONFIG_KEYS has no
 * keyring: every read then fails with -EOPNOTSUPP.
 */
#include <keys/user-type.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/rwsem.h>
#include <linux/string.h>

#include "crypto_shim.h"

/*
 * Copies the payload of the logon key described by @desc (NUL-terminated)
 * into @buf, which holds @buflen bytes. The search covers the calling
 * process's keyrings (thread, process, session) and never calls out to
 * userspace. Returns the payload's length, or a negative errno: -ENOKEY when
 * there is no such key, -EMSGSIZE when the payload is longer than @buflen, or
 * what request_key() returned (-EKEYREVOKED, -EKEYEXPIRED, -EACCES, ...).
 * Process context only: it may sleep.
 */
#if IS_ENABLED(CONFIG_KEYS)
int ramster_logon_key_read(const char *desc, u8 *buf, unsigned int buflen)
{
	const struct user_key_payload *payload;
	struct key *key;
	int ret;

	key = request_key(&key_type_logon, desc, NULL);
	if (IS_ERR(key))
		return PTR_ERR(key);
	down_read(&key->sem);
	payload = user_key_payload_locked(key);
	if (!payload) {
		/* Revoked after the search found it. */
		ret = -EKEYREVOKED;
	} else if (payload->datalen > buflen) {
		ret = -EMSGSIZE;
	} else {
		memcpy(buf, payload->data, payload->datalen);
		ret = payload->datalen;
	}
	up_read(&key->sem);
	key_put(key);
	return ret;
}
#else
int ramster_logon_key_read(const char *desc, u8 *buf, unsigned int buflen)
{
	return -EOPNOTSUPP;
}
#endif
