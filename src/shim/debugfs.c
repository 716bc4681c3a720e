// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs files of ramster's cluster layer. Linux 6.12 has no Rust debugfs
 * abstraction, so this file makes the files and forwards reads and writes to
 * Rust (src/debugfs.rs). Each file is a small text file: a read returns what
 * Rust writes into a page, a write of at most 255 bytes is handed over as is.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "cluster_shim.h"

#define RAMSTER_DEBUGFS_WRITE_MAX 255

static struct dentry *ramster_debugfs_root;

static ssize_t ramster_dbg_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	int id = (int)(uintptr_t)file_inode(file)->i_private;
	char *page;
	ssize_t len;

	page = (char *)get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	len = ramster_dbg_show(id, page, PAGE_SIZE);
	if (len >= 0)
		len = simple_read_from_buffer(ubuf, count, ppos, page, len);
	free_page((unsigned long)page);
	return len;
}

static ssize_t ramster_dbg_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	int id = (int)(uintptr_t)file_inode(file)->i_private;
	char buf[RAMSTER_DEBUGFS_WRITE_MAX + 1];
	ssize_t ret;

	if (count > RAMSTER_DEBUGFS_WRITE_MAX)
		return -EMSGSIZE;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	ret = ramster_dbg_store(id, buf, count);
	return ret < 0 ? ret : count;
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

	if (!ramster_debugfs_root) {
		ramster_debugfs_root = debugfs_create_dir("ramster", NULL);
		if (IS_ERR(ramster_debugfs_root)) {
			int ret = PTR_ERR(ramster_debugfs_root);

			ramster_debugfs_root = NULL;
			return ret;
		}
	}
	d = debugfs_create_file(name, writable ? 0600 : 0400,
				ramster_debugfs_root, (void *)(uintptr_t)id,
				&ramster_dbg_fops);
	return PTR_ERR_OR_ZERO(d);
}

void ramster_debugfs_remove_all(void)
{
	debugfs_remove_recursive(ramster_debugfs_root);
	ramster_debugfs_root = NULL;
}
