/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs counter files (shim/debugfs.c), shared by zcache/, zbud/ and
 * ramster/: read-only numbers, each named by a group and an id. Reads of
 * groups ZCACHE and ZBUD go to ramster_zc_counter() (zcache_shim.h), the
 * others to ramster_remote_counter(). The groups match src/remote_debugfs.rs
 * and src/zcache_kernel/backend.rs.
 */
#ifndef RAMSTER_DEBUGFS_SHIM_H
#define RAMSTER_DEBUGFS_SHIM_H

#include <linux/types.h>

struct dentry;

#define RAMSTER_COUNTERS_ZCACHE		0	/* zcache/<counter> */
#define RAMSTER_COUNTERS_ZBUD		1	/* zbud/<counter> */
#define RAMSTER_COUNTERS_RAMSTER	2	/* ramster/<counter> */
#define RAMSTER_COUNTERS_NODE_REMOTE	3	/* ramster/nodes/<id>/remote_pages */
#define RAMSTER_COUNTERS_NODE_FOREIGN	4	/* ramster/nodes/<id>/foreign_pages */
#define RAMSTER_COUNTERS_NODE_FOREIGN_BYTES 5	/* .../<id>/foreign_bytes */

/* Node numbers 0..254. */
#define RAMSTER_DEBUGFS_NODES		255

/* Implemented in Rust (src/remote_debugfs.rs). */
int ramster_remote_counter(u32 group, u32 id, u64 *val);

/* Implemented in shim/debugfs.c. */

/*
 * Text files: a read shows what show(id, page, PAGE_SIZE) wrote into a zeroed
 * page; a write of at most 255 bytes is handed, NUL-terminated, to store().
 * Both return a length or a negative errno.
 */
ssize_t ramster_debugfs_read_text(char __user *ubuf, size_t count,
				  loff_t *ppos, int id,
				  ssize_t (*show)(int id, char *page, size_t size));
ssize_t ramster_debugfs_write_text(const char __user *ubuf, size_t count,
				   int id,
				   ssize_t (*store)(int id, const char *buf,
						    size_t len));
int ramster_debugfs_counter_file(struct dentry *dir, const char *name,
				 u32 group, u32 id);
int ramster_debugfs_counters_create(void);
int ramster_debugfs_remote_counter(const char *name, u32 id);
int ramster_debugfs_node_add(u32 num);
void ramster_debugfs_node_remove(u32 num);

#endif /* RAMSTER_DEBUGFS_SHIM_H */
