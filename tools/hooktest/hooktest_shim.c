// SPDX-License-Identifier: GPL-2.0
/*
 * C side of hooktest.ko: fills struct frontswap_ops and struct cleancache_ops
 * with functions that map the page and call the Rust backend
 * (hooktest_main.rs), declares the module parameters, and shows the
 * counters in /sys/kernel/debug/hooktest/.
 *
 * Module parameters (read-only at run time):
 *   frontswap=Y   register the frontswap backend
 *   cleancache=Y  register the cleancache backend
 *   exclusive=Y   loads and gets drop the copy they return
 *   max_pages=N   pages each store may hold (0: a quarter of RAM)
 *
 * debugfs (besides one read-only file per counter):
 *   refuse_stores  write 1 to refuse every frontswap store (zswap tests)
 *   drain          write 1 to give every swap page back to the swap
 *                  device, 2 to give them back to memory; read the count
 */
#include <linux/cleancache.h>
#include <linux/debugfs.h>
#include <linux/frontswap.h>
#include <linux/highmem.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

/* Implemented in Rust (hooktest_main.rs). */
void hooktest_fs_init(u32 type);
int hooktest_fs_store(u32 type, u64 offset, const void *src);
int hooktest_fs_load(u32 type, u64 offset, void *dst, bool *exclusive);
void hooktest_fs_invalidate_page(u32 type, u64 offset);
void hooktest_fs_invalidate_area(u32 type);
u64 hooktest_fs_drain(bool to_device);
int hooktest_cc_init_fs(size_t pagesize);
int hooktest_cc_get(int pool, const u64 *key, u64 index, void *dst);
void hooktest_cc_put(int pool, const u64 *key, u64 index, const void *src);
void hooktest_cc_invalidate_page(int pool, const u64 *key, u64 index);
void hooktest_cc_invalidate_inode(int pool, const u64 *key);
void hooktest_cc_invalidate_fs(int pool);
u32 hooktest_counter_count(void);
const char *hooktest_counter_name(u32 index);
u64 hooktest_counter_value(u32 index);

/* Called from Rust. */
unsigned long hooktest_irq_save(void);
void hooktest_irq_restore(unsigned long flags);
bool hooktest_param_exclusive(void);
u64 hooktest_param_max_pages(void);
int hooktest_shim_register(void);
void hooktest_shim_unregister_cleancache(void);
int hooktest_shim_unregister_frontswap(void);
void hooktest_shim_remove_debugfs(void);

static bool frontswap = true;
module_param(frontswap, bool, 0444);
MODULE_PARM_DESC(frontswap, "Register the frontswap backend");

static bool cleancache = true;
module_param(cleancache, bool, 0444);
MODULE_PARM_DESC(cleancache, "Register the cleancache backend");

static bool exclusive = true;
module_param(exclusive, bool, 0444);
MODULE_PARM_DESC(exclusive, "Loads and gets drop the copy they return");

static ulong max_pages;
module_param(max_pages, ulong, 0444);
MODULE_PARM_DESC(max_pages, "Pages each store may hold (0: a quarter of RAM)");

static bool refuse_stores;
static u64 drained;
static struct dentry *debugfs_dir;
static bool frontswap_registered, cleancache_registered;

unsigned long hooktest_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void hooktest_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

bool hooktest_param_exclusive(void)
{
	return exclusive;
}

u64 hooktest_param_max_pages(void)
{
	return max_pages;
}

/* frontswap */

static void ht_fs_init(unsigned int type)
{
	hooktest_fs_init(type);
}

static int ht_fs_store(unsigned int type, pgoff_t offset, struct page *page)
{
	void *src;
	int ret;

	/* The core drops any older copy of a refused page. */
	if (READ_ONCE(refuse_stores))
		return -EPERM;
	src = kmap_local_page(page);
	ret = hooktest_fs_store(type, offset, src);
	kunmap_local(src);
	return ret;
}

static int ht_fs_load(unsigned int type, pgoff_t offset, struct page *page,
		      bool *excl)
{
	void *dst = kmap_local_page(page);
	int ret = hooktest_fs_load(type, offset, dst, excl);

	kunmap_local(dst);
	return ret;
}

static void ht_fs_invalidate_page(unsigned int type, pgoff_t offset)
{
	hooktest_fs_invalidate_page(type, offset);
}

static void ht_fs_invalidate_area(unsigned int type)
{
	hooktest_fs_invalidate_area(type);
}

static const struct frontswap_ops hooktest_frontswap_ops = {
	.init = ht_fs_init,
	.store = ht_fs_store,
	.load = ht_fs_load,
	.invalidate_page = ht_fs_invalidate_page,
	.invalidate_area = ht_fs_invalidate_area,
};

/* cleancache */

static int ht_cc_init_fs(size_t pagesize)
{
	return hooktest_cc_init_fs(pagesize);
}

static int ht_cc_get_page(int pool, const struct cleancache_filekey *key,
			  pgoff_t index, struct page *page)
{
	void *dst = kmap_local_page(page);
	int ret = hooktest_cc_get(pool, key->oid, index, dst);

	kunmap_local(dst);
	return ret;
}

static void ht_cc_put_page(int pool, const struct cleancache_filekey *key,
			   pgoff_t index, struct page *page)
{
	void *src = kmap_local_page(page);

	hooktest_cc_put(pool, key->oid, index, src);
	kunmap_local(src);
}

static void ht_cc_invalidate_page(int pool,
				  const struct cleancache_filekey *key,
				  pgoff_t index)
{
	hooktest_cc_invalidate_page(pool, key->oid, index);
}

static void ht_cc_invalidate_inode(int pool,
				   const struct cleancache_filekey *key)
{
	hooktest_cc_invalidate_inode(pool, key->oid);
}

static void ht_cc_invalidate_fs(int pool)
{
	hooktest_cc_invalidate_fs(pool);
}

static const struct cleancache_ops hooktest_cleancache_ops = {
	.init_fs = ht_cc_init_fs,
	.get_page = ht_cc_get_page,
	.put_page = ht_cc_put_page,
	.invalidate_page = ht_cc_invalidate_page,
	.invalidate_inode = ht_cc_invalidate_inode,
	.invalidate_fs = ht_cc_invalidate_fs,
};

/* debugfs */

static int counter_get(void *data, u64 *val)
{
	*val = hooktest_counter_value((u32)(uintptr_t)data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(counter_fops, counter_get, NULL, "%llu\n");

static int drain_get(void *data, u64 *val)
{
	*val = READ_ONCE(drained);
	return 0;
}

static int drain_set(void *data, u64 val)
{
	if (val != 1 && val != 2)
		return -EINVAL;
	if (!frontswap_registered)
		return -ENODEV;
	WRITE_ONCE(drained, hooktest_fs_drain(val == 1));
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(drain_fops, drain_get, drain_set, "%llu\n");

void hooktest_shim_remove_debugfs(void)
{
	debugfs_remove_recursive(debugfs_dir);
	debugfs_dir = NULL;
}

int hooktest_shim_register(void)
{
	u32 i, n = hooktest_counter_count();
	int ret;

	if (!max_pages)
		max_pages = totalram_pages() / 4;

	debugfs_dir = debugfs_create_dir("hooktest", NULL);
	for (i = 0; i < n; i++)
		debugfs_create_file_unsafe(hooktest_counter_name(i), 0444,
					   debugfs_dir, (void *)(uintptr_t)i,
					   &counter_fops);
	debugfs_create_bool("refuse_stores", 0644, debugfs_dir, &refuse_stores);
	debugfs_create_file_unsafe("drain", 0644, debugfs_dir, NULL,
				   &drain_fops);

	/*
	 * Cleancache first: it can always be unregistered again, while a
	 * frontswap backend that already took pages cannot.
	 */
	if (cleancache) {
		ret = cleancache_register_ops(&hooktest_cleancache_ops);
		if (ret)
			goto fail;
		cleancache_registered = true;
	}
	if (frontswap) {
		ret = frontswap_register_ops(&hooktest_frontswap_ops);
		if (ret)
			goto fail_cleancache;
		frontswap_registered = true;
	}
	return 0;

fail_cleancache:
	hooktest_shim_unregister_cleancache();
fail:
	hooktest_shim_remove_debugfs();
	return ret;
}

void hooktest_shim_unregister_cleancache(void)
{
	if (cleancache_registered)
		cleancache_unregister_ops(&hooktest_cleancache_ops);
	cleancache_registered = false;
}

int hooktest_shim_unregister_frontswap(void)
{
	int ret = 0;

	if (frontswap_registered)
		ret = frontswap_unregister_ops(&hooktest_frontswap_ops);
	if (!ret)
		frontswap_registered = false;
	return ret;
}
