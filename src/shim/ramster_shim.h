/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Functions implemented in Rust (src/params_ffi.rs) that the C shims of
 * ramster.ko call.
 */
#ifndef RAMSTER_SHIM_H
#define RAMSTER_SHIM_H

/* Parameter ids, passed in kernel_param.arg; they match params.rs. */
#define RAMSTER_PARAM_MODE		0
#define RAMSTER_PARAM_CLEANCACHE	1
#define RAMSTER_PARAM_FRONTSWAP		2
#define RAMSTER_PARAM_COMPRESSOR	3
#define RAMSTER_PARAM_TEST_MESSAGES	4
#define RAMSTER_PARAM_ZBUD_SHARDS	5

int ramster_param_set(unsigned int id, const char *val);
int ramster_param_get(unsigned int id, char *buffer);

#endif /* RAMSTER_SHIM_H */
