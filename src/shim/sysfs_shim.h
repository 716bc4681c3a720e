/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between shim/sysfs.c (/sys/kernel/mm/ramster/) and its Rust
 * glue, src/sysfs.rs, which declares the same prototypes.
 */
#ifndef RAMSTER_SYSFS_SHIM_H
#define RAMSTER_SYSFS_SHIM_H

#include <linux/types.h>

/* At most this many files; ids are 0 .. RAMSTER_SYSFS_MAX_FILES - 1. */
#define RAMSTER_SYSFS_MAX_FILES 16

/* Implemented in Rust (src/sysfs.rs). */
ssize_t ramster_sysfs_show(unsigned int id, char *buf, size_t size);
ssize_t ramster_sysfs_store(unsigned int id, const char *buf, size_t len);

/* Implemented in shim/sysfs.c. */
int ramster_sysfs_create(void);
int ramster_sysfs_add(unsigned int id, const char *name, size_t name_len,
		      int writable);
void ramster_sysfs_remove(void);

#endif /* RAMSTER_SYSFS_SHIM_H */
