/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between shim/zcache.c and the zcache glue in Rust
 * (src/zcache_kernel/): functions implemented in Rust that the shim calls, and
 * shim functions Rust calls. Rust declares the same prototypes in
 * src/zcache_kernel/ffi.rs.
 */
#ifndef RAMSTER_ZCACHE_SHIM_H
#define RAMSTER_ZCACHE_SHIM_H

#include <linux/types.h>

struct page;

/* Implemented in Rust (src/zcache_kernel/backend.rs). */
int ramster_zc_fs_store(u32 type, u64 offset, const void *src);
int ramster_zc_fs_load(u32 type, u64 offset, void *dst, bool *exclusive);
void ramster_zc_fs_invalidate_page(u32 type, u64 offset);
void ramster_zc_fs_invalidate_area(u32 type);
int ramster_zc_cc_init_fs(size_t pagesize);
int ramster_zc_cc_get(int pool, const u64 *oid, u64 index, void *dst);
void ramster_zc_cc_put(int pool, const u64 *oid, u64 index, const void *src);
void ramster_zc_cc_invalidate_page(int pool, const u64 *oid, u64 index);
void ramster_zc_cc_invalidate_inode(int pool, const u64 *oid);
void ramster_zc_cc_invalidate_fs(int pool);
unsigned long ramster_zc_shrink_count(void);
unsigned long ramster_zc_shrink_scan(unsigned long nr);
int ramster_zc_counter(u32 dir, u32 id, u64 *val);
ssize_t ramster_zc_mm_stat(char *buf, size_t size);
ssize_t ramster_zc_codec_bench_show(int id, char *buf, size_t size);
ssize_t ramster_zc_codec_bench_store(int id, const char *buf, size_t len);
ssize_t ramster_zc_inject_show(int id, char *buf, size_t size);
ssize_t ramster_zc_inject_store(int id, const char *buf, size_t len);

/* Implemented in shim/zcache.c. */
unsigned int ramster_zc_max_pool_percent(void);
unsigned long ramster_zc_totalram_pages(void);
unsigned long ramster_zc_available_pages(void);
unsigned long ramster_zc_irq_save(void);
void ramster_zc_irq_restore(unsigned long flags);
int ramster_srcu_read_lock(void);
void ramster_srcu_read_unlock(int idx);
void ramster_srcu_synchronize(void);
void ramster_zc_preempt_disable(void);
void ramster_zc_preempt_enable(void);
unsigned int ramster_zc_cpu(void);
unsigned int ramster_zc_nr_cpus(void);
struct page *ramster_zc_frame_alloc(void);
void ramster_zc_frame_free(struct page *page);
void ramster_zc_frame_write(struct page *page, size_t offset, const void *src,
			    size_t len);
void ramster_zc_frame_read(struct page *page, size_t offset, void *dst,
			   size_t len);
int ramster_zc_lz4c_init(void);
void ramster_zc_lz4c_exit(void);
int ramster_zc_lz4c_compress(const void *src, void *dst, size_t dst_size);
int ramster_zc_lz4c_decompress(const void *src, size_t src_size, void *dst,
			       size_t dst_size);
int ramster_zc_debugfs_create(void);
int ramster_zc_debugfs_counter(u32 dir, const char *name, u32 id);
void ramster_zc_debugfs_remove(void);
int ramster_zc_shrinker_register(void);
void ramster_zc_shrinker_unregister(void);
int ramster_zc_register_cleancache(void);
void ramster_zc_unregister_cleancache(void);
int ramster_zc_register_frontswap(void);
int ramster_zc_unregister_frontswap(void);
int ramster_zc_frontswap_writeback(u32 type, u64 offset);
int ramster_zc_frontswap_giveback(u32 type, u64 offset);
int ramster_zc_frontswap_copy_to_device(u32 type, u64 offset);
void ramster_zc_msleep(unsigned int ms);
void ramster_zc_msleep_idle(unsigned int ms);
void ramster_zc_cond_resched(void);
int ramster_zc_debugfs_codec_bench(void);
int ramster_zc_debugfs_inject(void);

#endif /* RAMSTER_ZCACHE_SHIM_H */
