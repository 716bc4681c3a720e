// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs files of ramster. Linux 6.12 has no Rust debugfs abstraction, so
 * this file makes the files and forwards reads and writes to Rust.
 *
 * - Text files in ramster/ (src/debugfs.rs): a read returns what Rust writes
 *   into a page, a write of at most 255 bytes is handed over as is. The two
 *   helpers that do it also serve zcache/codec_bench (shim/zcache.c).
 * - Counter files, read-only numbers, for every folder: zcache/ and zbud/
 *   (shim/zcache.c, values from src/zcache_kernel/backend.rs), ramster/ and
 *   ramster/nodes/<num>/ (values from src/remote_debugfs.rs). A counter file
 *   is named by a group (which folder or kind) and an id within it.
 *
 * Everything in ramster/ is removed by ramster_debugfs_remove_all(); after
 * it, nothing is added to ramster/ until ramster_debugfs_counters_create().
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "cluster_shim.h"
#include "debugfs_shim.h"
#include "zcache_shim.h"

#define RAMSTER_DEBUGFS_WRITE_MAX 255

/* Guards the dentries below (not the reads: those take no lock). */
static DEFINE_MUTEX(ramster_debugfs_lock);
static struct dentry *ramster_debugfs_root;
static struct dentry *ramster_debugfs_nodes;
static struct dentry *ramster_debugfs_node[RAMSTER_DEBUGFS_NODES];

/* ramster/, made on first use. Called with ramster_debugfs_lock held. */
static int ramster_debugfs_root_get(void)
{
	struct dentry *d;

	if (ramster_debugfs_root)
		return 0;
	d = debugfs_create_dir("ramster", NULL);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ramster_debugfs_root = d;
	return 0;
}

ssize_t ramster_debugfs_read_text(char __user *ubuf, size_t count,
				  loff_t *ppos, int id,
				  ssize_t (*show)(int id, char *page, size_t size))
{
	char *page;
	ssize_t len;

	page = (char *)get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	len = show(id, page, PAGE_SIZE);
	if (len >= 0)
		len = simple_read_from_buffer(ubuf, count, ppos, page, len);
	free_page((unsigned long)page);
	return len;
}

ssize_t ramster_debugfs_write_text(const char __user *ubuf, size_t count,
				   int id,
				   ssize_t (*store)(int id, const char *buf,
						    size_t len))
{
	char buf[RAMSTER_DEBUGFS_WRITE_MAX + 1];
	ssize_t ret;

	if (count > RAMSTER_DEBUGFS_WRITE_MAX)
		return -EMSGSIZE;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	ret = store(id, buf, count);
	return ret < 0 ? ret : count;
}

static ssize_t ramster_dbg_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	int id = (int)(uintptr_t)file_inode(file)->i_private;

	return ramster_debugfs_read_text(ubuf, count, ppos, id,
					 ramster_dbg_show);
}

static ssize_t ramster_dbg_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	int id = (int)(uintptr_t)file_inode(file)->i_private;

	return ramster_debugfs_write_text(ubuf, count, id, ramster_dbg_store);
}

static const struct file_operations ramster_dbg_fops = {
	.owner = THIS_MODULE,
	.read = ramster_dbg_read,
	.write = ramster_dbg_write,
	.llseek = default_llseek,
};

int ramster_debugfs_create(const char *name, int id, int writable)
{
	struct dentry *d;
	int ret;

	mutex_lock(&ramster_debugfs_lock);
	ret = ramster_debugfs_root_get();
	if (!ret) {
		d = debugfs_create_file(name, writable ? 0600 : 0400,
					ramster_debugfs_root,
					(void *)(uintptr_t)id, &ramster_dbg_fops);
		ret = PTR_ERR_OR_ZERO(d);
	}
	mutex_unlock(&ramster_debugfs_lock);
	return ret;
}

void ramster_debugfs_remove_all(void)
{
	struct dentry *root;

	mutex_lock(&ramster_debugfs_lock);
	root = ramster_debugfs_root;
	ramster_debugfs_root = NULL;
	ramster_debugfs_nodes = NULL;
	memset(ramster_debugfs_node, 0, sizeof(ramster_debugfs_node));
	mutex_unlock(&ramster_debugfs_lock);
	/*
	 * Outside the lock: removal waits for running reads, and a read of
	 * cluster_selftest may wait for a caller of ramster_debugfs_node_add().
	 */
	debugfs_remove_recursive(root);
}

/* Counter files */

static int ramster_counter_get(void *data, u64 *val)
{
	uintptr_t key = (uintptr_t)data;
	u32 group = key >> 16;
	u32 id = key & 0xffff;

	if (group == RAMSTER_COUNTERS_ZCACHE || group == RAMSTER_COUNTERS_ZBUD)
		return ramster_zc_counter(group, id, val);
	return ramster_remote_counter(group, id, val);
}
DEFINE_DEBUGFS_ATTRIBUTE(ramster_counter_fops, ramster_counter_get, NULL,
			 "%llu\n");

int ramster_debugfs_counter_file(struct dentry *dir, const char *name,
				 u32 group, u32 id)
{
	struct dentry *d;

	if (group > 0xffff || id > 0xffff)
		return -EINVAL;
	d = debugfs_create_file_unsafe(name, 0444, dir,
				       (void *)(uintptr_t)(group << 16 | id),
				       &ramster_counter_fops);
	return PTR_ERR_OR_ZERO(d);
}

int ramster_debugfs_counters_create(void)
{
	struct dentry *d;
	int ret;

	mutex_lock(&ramster_debugfs_lock);
	ret = ramster_debugfs_root_get();
	if (!ret && !ramster_debugfs_nodes) {
		d = debugfs_create_dir("nodes", ramster_debugfs_root);
		if (IS_ERR(d))
			ret = PTR_ERR(d);
		else
			ramster_debugfs_nodes = d;
	}
	mutex_unlock(&ramster_debugfs_lock);
	return ret;
}

int ramster_debugfs_remote_counter(const char *name, u32 id)
{
	int ret = -ENODEV;

	mutex_lock(&ramster_debugfs_lock);
	if (ramster_debugfs_root)
		ret = ramster_debugfs_counter_file(ramster_debugfs_root, name,
						   RAMSTER_COUNTERS_RAMSTER,
						   id);
	mutex_unlock(&ramster_debugfs_lock);
	return ret;
}

int ramster_debugfs_node_add(u32 num)
{
	char name[8];
	struct dentry *d;
	int ret = 0;

	if (num >= RAMSTER_DEBUGFS_NODES)
		return -EINVAL;
	mutex_lock(&ramster_debugfs_lock);
	if (!ramster_debugfs_nodes || ramster_debugfs_node[num])
		goto out;
	snprintf(name, sizeof(name), "%u", num);
	d = debugfs_create_dir(name, ramster_debugfs_nodes);
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
		goto out;
	}
	ramster_debugfs_node[num] = d;
	ret = ramster_debugfs_counter_file(d, "remote_pages",
					   RAMSTER_COUNTERS_NODE_REMOTE, num);
	if (!ret)
		ret = ramster_debugfs_counter_file(d, "foreign_pages",
						   RAMSTER_COUNTERS_NODE_FOREIGN,
						   num);
	if (!ret)
		ret = ramster_debugfs_counter_file(d, "foreign_bytes",
						   RAMSTER_COUNTERS_NODE_FOREIGN_BYTES,
						   num);
	if (ret) {
		debugfs_remove_recursive(d);
		ramster_debugfs_node[num] = NULL;
	}
out:
	mutex_unlock(&ramster_debugfs_lock);
	return ret;
}

void ramster_debugfs_node_remove(u32 num)
{
	if (num >= RAMSTER_DEBUGFS_NODES)
		return;
	mutex_lock(&ramster_debugfs_lock);
	debugfs_remove_recursive(ramster_debugfs_node[num]);
	ramster_debugfs_node[num] = NULL;
	mutex_unlock(&ramster_debugfs_lock);
}
