/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between the C shims of ramster's cluster layer and its Rust
 * code: functions implemented in Rust that the shims call, and shim functions
 * Rust calls.
 */
#ifndef RAMSTER_CLUSTER_SHIM_H
#define RAMSTER_CLUSTER_SHIM_H

#include <linux/types.h>

struct socket;
struct workqueue_struct;

/* configfs (shim/configfs.c -> src/configfs.rs); attribute ids match it. */
#define RAMSTER_CFS_IDLE_TIMEOUT_MS	0
#define RAMSTER_CFS_KEEPALIVE_DELAY_MS	1
#define RAMSTER_CFS_RECONNECT_DELAY_MS	2
#define RAMSTER_CFS_DEAD_THRESHOLD	3
#define RAMSTER_CFS_NUM			4
#define RAMSTER_CFS_IPV4_ADDRESS	5
#define RAMSTER_CFS_IPV4_PORT		6
#define RAMSTER_CFS_LOCAL		7
#define RAMSTER_CFS_LINK		8
#define RAMSTER_CFS_AUTH		9
#define RAMSTER_CFS_AUTH_KEY		10
#define RAMSTER_CFS_NODE_AUTH_KEY	11
#define RAMSTER_CFS_ENCRYPTION		12

int ramster_cfs_make_cluster(const char *name);
void ramster_cfs_drop_cluster(void);
int ramster_cfs_make_node(const char *name);
void ramster_cfs_drop_node(int id);
ssize_t ramster_cfs_show(unsigned int attr, int id, char *page);
ssize_t ramster_cfs_store(unsigned int attr, int id, const char *page,
			  size_t len);
int ramster_cfs_pin_node(int id);
void ramster_cfs_unpin_node(int id);
int ramster_configfs_register(void);
void ramster_configfs_unregister(void);

/* debugfs (shim/debugfs.c -> src/debugfs.rs). */
ssize_t ramster_dbg_show(int id, char *page, size_t size);
ssize_t ramster_dbg_store(int id, const char *buf, size_t len);
int ramster_debugfs_create(const char *name, int id, int writable);
void ramster_debugfs_remove_all(void);

/* Sockets and the workqueue (shim/net.c -> src/net/socket.rs). */
int ramster_sock_listen(const u8 *addr, u16 port, struct socket **out);
int ramster_sock_accept(struct socket *listener, unsigned int send_timeout_ms,
			struct socket **out, u8 *peer_addr);
int ramster_sock_connect(const u8 *addr, u16 port,
			 unsigned int send_timeout_ms, struct socket **out);
int ramster_sock_send(struct socket *sock, const void *head, size_t head_len,
		      const void *payload, size_t payload_len,
		      const void *tail, size_t tail_len);
unsigned long ramster_deadline_after_ms(unsigned int ms);
int ramster_sock_recv(struct socket *sock, void *buf, size_t len,
		      bool has_deadline, unsigned long deadline);
int ramster_sock_recv_some(struct socket *sock, void *buf, size_t len);
void ramster_sock_shutdown(struct socket *sock);
void ramster_sock_release(struct socket *sock);
struct workqueue_struct *ramster_alloc_workqueue(const char *name);
void ramster_destroy_workqueue(struct workqueue_struct *wq);

/* Kernel threads (shim/threads.c -> src/net/threads.rs). */
struct ramster_threads;
struct ramster_threads *ramster_threads_new(void);
int ramster_thread_spawn(struct ramster_threads *group, void (*fn)(void *),
			 void *data, const char *name, int unit);
void ramster_threads_wait(struct ramster_threads *group);
void ramster_threads_free(struct ramster_threads *group);

#endif /* RAMSTER_CLUSTER_SHIM_H */
