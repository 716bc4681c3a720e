// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters of ramster.ko.
 *
 * The module! macro of Linux 6.12 cannot declare parameters, so they are
 * declared here. Parsing and validation happen in Rust (params.rs): an
 * invalid value fails the load with -EINVAL and a message naming the
 * parameter and its allowed values. The same parameters can be given on the
 * kernel command line as ramster.<name>=<value>; modprobe passes them on.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "ramster_shim.h"

static int param_id(const struct kernel_param *kp)
{
	return (int)(uintptr_t)kp->arg;
}

static int ramster_set(const char *val, const struct kernel_param *kp)
{
	return ramster_param_set(param_id(kp), val);
}

static int ramster_get(char *buffer, const struct kernel_param *kp)
{
	return ramster_param_get(param_id(kp), buffer);
}

static const struct kernel_param_ops ramster_enum_ops = {
	.set = ramster_set,
	.get = ramster_get,
};

/* A boolean given without "=value" means "on", as for param_ops_bool. */
static const struct kernel_param_ops ramster_bool_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = ramster_set,
	.get = ramster_get,
};

#define RAMSTER_PARAM(name, ops, id)					\
	module_param_cb(name, ops, (void *)(uintptr_t)(id), 0444)

RAMSTER_PARAM(mode, &ramster_enum_ops, RAMSTER_PARAM_MODE);
MODULE_PARM_DESC(mode, "ramster, zcache or off (default zcache)");

RAMSTER_PARAM(cleancache, &ramster_bool_ops, RAMSTER_PARAM_CLEANCACHE);
MODULE_PARM_DESC(cleancache, "Cache clean file pages (default Y)");

RAMSTER_PARAM(frontswap, &ramster_bool_ops, RAMSTER_PARAM_FRONTSWAP);
MODULE_PARM_DESC(frontswap, "Cache swap pages (default Y)");

RAMSTER_PARAM(compressor, &ramster_enum_ops, RAMSTER_PARAM_COMPRESSOR);
MODULE_PARM_DESC(compressor, "lz4_flex (Rust, default) or lz4-c (the kernel's LZ4)");

RAMSTER_PARAM(test_messages, &ramster_bool_ops, RAMSTER_PARAM_TEST_MESSAGES);
MODULE_PARM_DESC(test_messages,
		 "Test-only cluster message types and debugfs files (default N)");

RAMSTER_PARAM(zbud_shards, &ramster_enum_ops, RAMSTER_PARAM_ZBUD_SHARDS);
MODULE_PARM_DESC(zbud_shards,
		 "Shards of the store's frames, each with its own locks: auto (possible CPUs rounded up to a power of two, at most 64) or 1 to 64 (default auto)");
