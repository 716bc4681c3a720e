// SPDX-License-Identifier: GPL-2.0
/*
 * C side of zcache mode: what the Rust glue (src/zcache_kernel/) cannot reach
 * from 6.12's Rust: the frontswap and cleancache ops (mapping each page with
 * kmap_local_page), page frames for zbud, local interrupt control, the
 * kernel's C LZ4 (compressor=lz4-c), the shrinker and the debugfs files
 * zcache/ and zbud/. Every function here is a thin wrapper; the decisions are
 * made in Rust.
 *
 * Module parameter (read-only at run time):
 *   max_pool_percent=N  the store may use at most N% of RAM for page frames
 *                       (1..100, default 20)
 *
 * Without the hook patches (no CONFIG_FRONTSWAP / CONFIG_CLEANCACHE) the
 * module still builds and loads; registering the backends then fails with
 * -ENODEV and zcache mode caches nothing.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/irqflags.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#ifdef CONFIG_CLEANCACHE
#include <linux/cleancache.h>
#endif
#ifdef CONFIG_FRONTSWAP
#include <linux/frontswap.h>
#endif

#include "debugfs_shim.h"
#include "zcache_shim.h"

static unsigned int max_pool_percent = 20;

static int max_pool_percent_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 100);
}

static const struct kernel_param_ops max_pool_percent_ops = {
	.set = max_pool_percent_set,
	.get = param_get_uint,
};
module_param_cb(max_pool_percent, &max_pool_percent_ops, &max_pool_percent,
		0444);
MODULE_PARM_DESC(max_pool_percent,
		 "zcache: at most this percentage of RAM holds compressed pages (1..100, default 20)");

unsigned int ramster_zc_max_pool_percent(void)
{
	return max_pool_percent;
}

unsigned long ramster_zc_available_pages(void)
{
	return si_mem_available();
}

unsigned long ramster_zc_totalram_pages(void)
{
	return totalram_pages();
}

/*
 * The store's spinlocks are taken with local interrupts off: cleancache
 * takes them under the interrupt-safe i_pages lock. On PREEMPT_RT a
 * spinlock_t sleeps, which it must not do with interrupts off (Kconfig
 * excludes PREEMPT_RT; this catches out-of-tree builds).
 */
#ifdef CONFIG_PREEMPT_RT
#error "ramster does not support PREEMPT_RT"
#endif

unsigned long ramster_zc_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void ramster_zc_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

void ramster_zc_preempt_disable(void)
{
	preempt_disable();
}

void ramster_zc_preempt_enable(void)
{
	preempt_enable();
}

/* Only called with preemption or interrupts disabled: the CPU cannot change under it. */
unsigned int ramster_zc_cpu(void)
{
	return smp_processor_id();
}

unsigned int ramster_zc_nr_cpus(void)
{
	return nr_cpu_ids;
}

void ramster_zc_msleep(unsigned int ms)
{
	msleep(ms);
}

/*
 * Readers of what the module publishes for its own threads (the zcache store
 * for RAMster mode, RAMster's runtime for the cluster's handlers) hold this
 * SRCU's read lock; whoever unpublishes waits for them with synchronize_srcu().
 * Readers may sleep (a remote get waits for its reply).
 */
DEFINE_STATIC_SRCU(ramster_srcu);

int ramster_srcu_read_lock(void)
{
	return srcu_read_lock(&ramster_srcu);
}

void ramster_srcu_read_unlock(int idx)
{
	srcu_read_unlock(&ramster_srcu, idx);
}

void ramster_srcu_synchronize(void)
{
	synchronize_srcu(&ramster_srcu);
}

/* Sleeps without counting towards the load average (a worker's idle wait). */
void ramster_zc_msleep_idle(unsigned int ms)
{
	msleep_interruptible(ms);
}

void ramster_zc_cond_resched(void)
{
	cond_resched();
}

/* Page frames for zbud: never sleep, never warn (a failed put is normal). */

struct page *ramster_zc_frame_alloc(void)
{
	/*
	 * Never sleeps: puts run under spinlocks and in reclaim. From reclaim
	 * (PF_MEMALLOC) this may use the reserves, as zswap's allocations do;
	 * __GFP_NOMEMALLOC made most cleancache puts fail under a streaming
	 * read (ramster-remotify), so the store's budget is the limit.
	 */
	return alloc_page(GFP_NOWAIT | __GFP_NOWARN);
}

void ramster_zc_frame_free(struct page *page)
{
	__free_page(page);
}

void ramster_zc_frame_write(struct page *page, size_t offset, const void *src,
			    size_t len)
{
	void *dst = kmap_local_page(page);

	memcpy(dst + offset, src, len);
	kunmap_local(dst);
}

void ramster_zc_frame_read(struct page *page, size_t offset, void *dst,
			   size_t len)
{
	void *src = kmap_local_page(page);

	memcpy(dst, src + offset, len);
	kunmap_local(src);
}

/*
 * The kernel's C LZ4, for compressor=lz4-c. LZ4_compress_default() needs
 * LZ4_MEM_COMPRESS (16 KiB) of working memory: one per CPU, used with
 * interrupts disabled (the Rust caller guarantees it).
 */
static void **lz4c_wrkmem;

int ramster_zc_lz4c_init(void)
{
	unsigned int cpu;

	lz4c_wrkmem = kcalloc(nr_cpu_ids, sizeof(*lz4c_wrkmem), GFP_KERNEL);
	if (!lz4c_wrkmem)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		lz4c_wrkmem[cpu] = kvmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL);
		if (!lz4c_wrkmem[cpu]) {
			ramster_zc_lz4c_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

void ramster_zc_lz4c_exit(void)
{
	unsigned int cpu;

	if (!lz4c_wrkmem)
		return;
	for_each_possible_cpu(cpu)
		kvfree(lz4c_wrkmem[cpu]);
	kfree(lz4c_wrkmem);
	lz4c_wrkmem = NULL;
}

int ramster_zc_lz4c_compress(const void *src, void *dst, size_t dst_size)
{
	if (!lz4c_wrkmem || dst_size > INT_MAX)
		return -EINVAL;
	return LZ4_compress_default(src, dst, PAGE_SIZE, dst_size,
				    lz4c_wrkmem[smp_processor_id()]);
}

int ramster_zc_lz4c_decompress(const void *src, size_t src_size, void *dst,
			       size_t dst_size)
{
	if (src_size > INT_MAX || dst_size > INT_MAX)
		return -EINVAL;
	return LZ4_decompress_safe(src, dst, src_size, dst_size);
}

/*
 * debugfs: zcache/<counter>, zcache/mm_stat, zbud/<counter>; the counter
 * files are shim/debugfs.c's.
 */

static struct dentry *zc_debugfs_dirs[2];

static int zc_mm_stat_show(struct seq_file *m, void *v)
{
	char buf[128];
	ssize_t len = ramster_zc_mm_stat(buf, sizeof(buf));

	if (len < 0)
		return len;
	seq_write(m, buf, len);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zc_mm_stat);

int ramster_zc_debugfs_create(void)
{
	zc_debugfs_dirs[0] = debugfs_create_dir("zcache", NULL);
	zc_debugfs_dirs[1] = debugfs_create_dir("zbud", NULL);
	if (IS_ERR(zc_debugfs_dirs[0]) || IS_ERR(zc_debugfs_dirs[1])) {
		int ret = IS_ERR(zc_debugfs_dirs[0]) ?
			PTR_ERR(zc_debugfs_dirs[0]) : PTR_ERR(zc_debugfs_dirs[1]);

		ramster_zc_debugfs_remove();
		return ret;
	}
	debugfs_create_file("mm_stat", 0444, zc_debugfs_dirs[0], NULL,
			    &zc_mm_stat_fops);
	return 0;
}

int ramster_zc_debugfs_counter(u32 dir, const char *name, u32 id)
{
	/* Folder dir is counter group dir: RAMSTER_COUNTERS_ZCACHE or _ZBUD. */
	if (dir >= ARRAY_SIZE(zc_debugfs_dirs))
		return -EINVAL;
	return ramster_debugfs_counter_file(zc_debugfs_dirs[dir], name, dir, id);
}

/*
 * zcache/codec_bench: lz4_flex against the kernel's C LZ4, per page
 * (src/zcache_kernel/codec_bench.rs). A write of a page count runs the
 * benchmark; a read shows the last run.
 */
static ssize_t zc_codec_bench_read(struct file *file, char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	return ramster_debugfs_read_text(ubuf, count, ppos, 0,
					 ramster_zc_codec_bench_show);
}

static ssize_t zc_codec_bench_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	return ramster_debugfs_write_text(ubuf, count, 0,
					  ramster_zc_codec_bench_store);
}

static const struct file_operations zc_codec_bench_fops = {
	.owner = THIS_MODULE,
	.read = zc_codec_bench_read,
	.write = zc_codec_bench_write,
	.llseek = default_llseek,
};

/* Creates zcache/@name, root only, served by @fops. */
static int zc_debugfs_root_file(const char *name,
				const struct file_operations *fops)
{
	struct dentry *d;

	if (IS_ERR_OR_NULL(zc_debugfs_dirs[0]))
		return -ENOENT;
	d = debugfs_create_file(name, 0600, zc_debugfs_dirs[0], NULL, fops);
	return PTR_ERR_OR_ZERO(d);
}

int ramster_zc_debugfs_codec_bench(void)
{
	return zc_debugfs_root_file("codec_bench", &zc_codec_bench_fops);
}

/*
 * zcache/inject_corrupt_gets: fault injection (src/zcache_kernel/inject.rs).
 * A write of a count makes that many next gets of a compressed page find it
 * corrupt; a read shows how many are still to come.
 */
static ssize_t zc_inject_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	return ramster_debugfs_read_text(ubuf, count, ppos, 0,
					 ramster_zc_inject_show);
}

static ssize_t zc_inject_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	return ramster_debugfs_write_text(ubuf, count, 0,
					  ramster_zc_inject_store);
}

static const struct file_operations zc_inject_fops = {
	.owner = THIS_MODULE,
	.read = zc_inject_read,
	.write = zc_inject_write,
	.llseek = default_llseek,
};

int ramster_zc_debugfs_inject(void)
{
	return zc_debugfs_root_file("inject_corrupt_gets", &zc_inject_fops);
}

void ramster_zc_debugfs_remove(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(zc_debugfs_dirs); i++) {
		if (!IS_ERR_OR_NULL(zc_debugfs_dirs[i]))
			debugfs_remove_recursive(zc_debugfs_dirs[i]);
		zc_debugfs_dirs[i] = NULL;
	}
}

/* The shrinker: gives ephemeral (cleancache) frames back under pressure. */

static struct shrinker *zc_shrinker;

static unsigned long zc_shrink_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	return ramster_zc_shrink_count();
}

static unsigned long zc_shrink_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	unsigned long freed = ramster_zc_shrink_scan(sc->nr_to_scan);

	return freed ? freed : SHRINK_STOP;
}

int ramster_zc_shrinker_register(void)
{
	zc_shrinker = shrinker_alloc(0, "ramster-zcache");
	if (!zc_shrinker)
		return -ENOMEM;
	zc_shrinker->count_objects = zc_shrink_count;
	zc_shrinker->scan_objects = zc_shrink_scan;
	shrinker_register(zc_shrinker);
	return 0;
}

void ramster_zc_shrinker_unregister(void)
{
	shrinker_free(zc_shrinker);
	zc_shrinker = NULL;
}

/* frontswap */

#if IS_ENABLED(CONFIG_FRONTSWAP)

static void zc_fs_init(unsigned int type)
{
}

static int zc_fs_store(unsigned int type, pgoff_t offset, struct page *page)
{
	void *src = kmap_local_page(page);
	int ret = ramster_zc_fs_store(type, offset, src);

	kunmap_local(src);
	return ret;
}

static int zc_fs_load(unsigned int type, pgoff_t offset, struct page *page,
		      bool *exclusive)
{
	void *dst = kmap_local_page(page);
	int ret = ramster_zc_fs_load(type, offset, dst, exclusive);

	kunmap_local(dst);
	return ret;
}

static void zc_fs_invalidate_page(unsigned int type, pgoff_t offset)
{
	ramster_zc_fs_invalidate_page(type, offset);
}

static void zc_fs_invalidate_area(unsigned int type)
{
	ramster_zc_fs_invalidate_area(type);
}

static const struct frontswap_ops zc_frontswap_ops = {
	.init = zc_fs_init,
	.store = zc_fs_store,
	.load = zc_fs_load,
	.invalidate_page = zc_fs_invalidate_page,
	.invalidate_area = zc_fs_invalidate_area,
};

int ramster_zc_register_frontswap(void)
{
	return frontswap_register_ops(&zc_frontswap_ops);
}

int ramster_zc_unregister_frontswap(void)
{
	return frontswap_unregister_ops(&zc_frontswap_ops);
}

int ramster_zc_frontswap_writeback(u32 type, u64 offset)
{
	return frontswap_writeback(type, offset, true);
}

/* Gives (@type, @offset) back to memory as a dirty swap cache folio. */
int ramster_zc_frontswap_giveback(u32 type, u64 offset)
{
	return frontswap_writeback(type, offset, false);
}

/* Writes the page held for (@type, @offset) to its swap slot, and waits. */
int ramster_zc_frontswap_copy_to_device(u32 type, u64 offset)
{
	return frontswap_copy_to_device(type, offset);
}

#else

int ramster_zc_register_frontswap(void)
{
	return -ENODEV;
}

int ramster_zc_unregister_frontswap(void)
{
	return 0;
}

int ramster_zc_frontswap_writeback(u32 type, u64 offset)
{
	return -ENODEV;
}

int ramster_zc_frontswap_giveback(u32 type, u64 offset)
{
	return -ENODEV;
}

int ramster_zc_frontswap_copy_to_device(u32 type, u64 offset)
{
	return -ENODEV;
}

#endif

/* cleancache */

#if IS_ENABLED(CONFIG_CLEANCACHE)

static int zc_cc_init_fs(size_t pagesize)
{
	return ramster_zc_cc_init_fs(pagesize);
}

static int zc_cc_get_page(int pool, const struct cleancache_filekey *key,
			  pgoff_t index, struct page *page)
{
	void *dst = kmap_local_page(page);
	int ret = ramster_zc_cc_get(pool, key->oid, index, dst);

	kunmap_local(dst);
	return ret;
}

static void zc_cc_put_page(int pool, const struct cleancache_filekey *key,
			   pgoff_t index, struct page *page)
{
	void *src = kmap_local_page(page);

	ramster_zc_cc_put(pool, key->oid, index, src);
	kunmap_local(src);
}

static void zc_cc_invalidate_page(int pool,
				  const struct cleancache_filekey *key,
				  pgoff_t index)
{
	ramster_zc_cc_invalidate_page(pool, key->oid, index);
}

static void zc_cc_invalidate_inode(int pool,
				   const struct cleancache_filekey *key)
{
	ramster_zc_cc_invalidate_inode(pool, key->oid);
}

static void zc_cc_invalidate_fs(int pool)
{
	ramster_zc_cc_invalidate_fs(pool);
}

static const struct cleancache_ops zc_cleancache_ops = {
	.init_fs = zc_cc_init_fs,
	.get_page = zc_cc_get_page,
	.put_page = zc_cc_put_page,
	.invalidate_page = zc_cc_invalidate_page,
	.invalidate_inode = zc_cc_invalidate_inode,
	.invalidate_fs = zc_cc_invalidate_fs,
};

int ramster_zc_register_cleancache(void)
{
	return cleancache_register_ops(&zc_cleancache_ops);
}

void ramster_zc_unregister_cleancache(void)
{
	cleancache_unregister_ops(&zc_cleancache_ops);
}

#else

int ramster_zc_register_cleancache(void)
{
	return -ENODEV;
}

void ramster_zc_unregister_cleancache(void)
{
}

#endif
