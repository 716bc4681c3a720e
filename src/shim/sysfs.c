// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/mm/ramster/: the statistics any user may read (mm_stat with
 * mode=zcache and mode=ramster, peer_stat) and the RAMster settings
 * (mode=ramster only).
 *
 * The files, their modes and their rules are Rust's (zcache/sysfs_files.rs,
 * zcache/remote/knobs.rs, glue in src/sysfs.rs): Rust adds each file by id,
 * name and mode, and every read and write is forwarded to
 * ramster_sysfs_show()/ramster_sysfs_store() with the file's id. Read-only
 * files have no store method, so a write to one is refused by sysfs itself
 * (EACCES) before it reaches the module.
 *
 * mm_kobj (/sys/kernel/mm) is not exported to modules in 6.12, so the
 * "mm" directory is looked up under kernel_kobj: a kobject's sysfs directory
 * keeps the kobject in its kernfs node's priv. mm_kobj lives as long as the
 * kernel, and kobject_add() takes its own reference to the parent.
 */
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "sysfs_shim.h"

#define RAMSTER_SYSFS_NAME_MAX 32

struct ramster_knob_attr {
	struct kobj_attribute kattr;
	unsigned int id;
	char name[RAMSTER_SYSFS_NAME_MAX];
};

static struct kobject *ramster_kobj;
static struct ramster_knob_attr ramster_knob_attrs[RAMSTER_SYSFS_MAX_FILES];

static unsigned int knob_id(struct kobj_attribute *attr)
{
	return container_of(attr, struct ramster_knob_attr, kattr)->id;
}

static ssize_t knob_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return ramster_sysfs_show(knob_id(attr), buf, PAGE_SIZE);
}

static ssize_t knob_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	ssize_t ret = ramster_sysfs_store(knob_id(attr), buf, count);

	return ret < 0 ? ret : count;
}

static struct kobject *ramster_mm_kobj(void)
{
	struct kernfs_node *kn;
	struct kobject *mm = NULL;

	kn = kernfs_find_and_get(kernel_kobj->sd, "mm");
	if (!kn)
		return NULL;
	if (kernfs_type(kn) == KERNFS_DIR)
		mm = kn->priv;
	kernfs_put(kn);
	return mm;
}

int ramster_sysfs_create(void)
{
	struct kobject *mm;

	if (ramster_kobj)
		return -EEXIST;
	mm = ramster_mm_kobj();
	if (!mm)
		return -ENOENT;
	ramster_kobj = kobject_create_and_add("ramster", mm);
	return ramster_kobj ? 0 : -ENOMEM;
}

int ramster_sysfs_add(unsigned int id, const char *name, size_t name_len,
		      int writable)
{
	struct ramster_knob_attr *a;
	int ret;

	if (!ramster_kobj)
		return -ENODEV;
	if (id >= RAMSTER_SYSFS_MAX_FILES ||
	    name_len >= RAMSTER_SYSFS_NAME_MAX)
		return -EINVAL;
	a = &ramster_knob_attrs[id];
	if (a->kattr.attr.name)
		return -EEXIST;
	memcpy(a->name, name, name_len);
	a->name[name_len] = '\0';
	a->id = id;
	sysfs_attr_init(&a->kattr.attr);
	a->kattr.attr.name = a->name;
	a->kattr.attr.mode = writable ? 0644 : 0444;
	a->kattr.show = knob_show;
	a->kattr.store = writable ? knob_store : NULL;
	ret = sysfs_create_file(ramster_kobj, &a->kattr.attr);
	if (ret)
		memset(a, 0, sizeof(*a));
	return ret;
}

void ramster_sysfs_remove(void)
{
	if (!ramster_kobj)
		return;
	/*
	 * kobject_del() removes the directory and its files now, waiting for
	 * running calls; the put may be deferred (DEBUG_KOBJECT_RELEASE).
	 */
	kobject_del(ramster_kobj);
	kobject_put(ramster_kobj);
	ramster_kobj = NULL;
	memset(ramster_knob_attrs, 0, sizeof(ramster_knob_attrs));
}
