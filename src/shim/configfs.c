// SPDX-License-Identifier: GPL-2.0
/*
 * The configfs tree of ramster's cluster layer:
 *
 *   /sys/kernel/config/cluster/<cluster>/{idle_timeout_ms,keepalive_delay_ms,
 *                                         reconnect_delay_ms,auth,auth_key,
 *                                         encryption}
 *   /sys/kernel/config/cluster/<cluster>/heartbeat/dead_threshold
 *   /sys/kernel/config/cluster/<cluster>/node/<node>/{num,ipv4_address,
 *                                                     ipv4_port,local,link,
 *                                                     auth_key}
 *
 * Linux 6.12 has no Rust configfs abstraction, so this file owns the configfs
 * objects and forwards every mkdir, rmdir, read and write to Rust
 * (src/configfs.rs), which applies the rules of cluster/nodemanager.rs. A
 * node directory is known to Rust by a small id that Rust hands out.
 * Both auth_key files are write-only (mode 0200, no show): configfs refuses to open it for
 * reading with EACCES, so nothing about the key can be read back.
 */
#include <linux/configfs.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "cluster_shim.h"

struct ramster_cluster {
	struct config_group group;
	struct config_group node_set;
	struct config_group heartbeat;
};

struct ramster_node {
	struct config_item item;
	int id;
};

/*
 * Node directories by id, so that Rust can pin the directory of a connected
 * node (configfs_depend_item: its rmdir fails with EBUSY) and unpin it.
 */
#define RAMSTER_NODE_DIRS 255
static DEFINE_SPINLOCK(ramster_nodes_lock);
static struct ramster_node *ramster_nodes[RAMSTER_NODE_DIRS];

static struct ramster_cluster *to_cluster(struct config_item *item)
{
	return container_of(to_config_group(item), struct ramster_cluster,
			    group);
}

static struct ramster_node *to_node(struct config_item *item)
{
	return container_of(item, struct ramster_node, item);
}

/* Attributes of the cluster directory and of heartbeat/: no node id. */
#define RAMSTER_CLUSTER_ATTR(_name, _id)				\
static ssize_t cl_##_name##_show(struct config_item *item, char *page)	\
{									\
	return ramster_cfs_show(_id, -1, page);				\
}									\
static ssize_t cl_##_name##_store(struct config_item *item,		\
				  const char *page, size_t len)		\
{									\
	return ramster_cfs_store(_id, -1, page, len);			\
}									\
CONFIGFS_ATTR(cl_, _name)

#define RAMSTER_NODE_ATTR(_name, _id)					\
static ssize_t nd_##_name##_show(struct config_item *item, char *page)	\
{									\
	return ramster_cfs_show(_id, to_node(item)->id, page);		\
}									\
static ssize_t nd_##_name##_store(struct config_item *item,		\
				  const char *page, size_t len)		\
{									\
	return ramster_cfs_store(_id, to_node(item)->id, page, len);	\
}									\
CONFIGFS_ATTR(nd_, _name)

RAMSTER_CLUSTER_ATTR(idle_timeout_ms, RAMSTER_CFS_IDLE_TIMEOUT_MS);
RAMSTER_CLUSTER_ATTR(keepalive_delay_ms, RAMSTER_CFS_KEEPALIVE_DELAY_MS);
RAMSTER_CLUSTER_ATTR(reconnect_delay_ms, RAMSTER_CFS_RECONNECT_DELAY_MS);
RAMSTER_CLUSTER_ATTR(dead_threshold, RAMSTER_CFS_DEAD_THRESHOLD);
RAMSTER_CLUSTER_ATTR(auth, RAMSTER_CFS_AUTH);
RAMSTER_CLUSTER_ATTR(encryption, RAMSTER_CFS_ENCRYPTION);

static ssize_t cl_auth_key_store(struct config_item *item, const char *page,
				 size_t len)
{
	return ramster_cfs_store(RAMSTER_CFS_AUTH_KEY, -1, page, len);
}
CONFIGFS_ATTR_WO(cl_, auth_key);
RAMSTER_NODE_ATTR(num, RAMSTER_CFS_NUM);
RAMSTER_NODE_ATTR(ipv4_address, RAMSTER_CFS_IPV4_ADDRESS);
RAMSTER_NODE_ATTR(ipv4_port, RAMSTER_CFS_IPV4_PORT);
RAMSTER_NODE_ATTR(local, RAMSTER_CFS_LOCAL);

static ssize_t nd_auth_key_store(struct config_item *item, const char *page,
				 size_t len)
{
	return ramster_cfs_store(RAMSTER_CFS_NODE_AUTH_KEY, to_node(item)->id,
				 page, len);
}
CONFIGFS_ATTR_WO(nd_, auth_key);

static ssize_t nd_link_show(struct config_item *item, char *page)
{
	return ramster_cfs_show(RAMSTER_CFS_LINK, to_node(item)->id, page);
}
CONFIGFS_ATTR_RO(nd_, link);

static struct configfs_attribute *ramster_node_attrs[] = {
	&nd_attr_num,
	&nd_attr_ipv4_address,
	&nd_attr_ipv4_port,
	&nd_attr_local,
	&nd_attr_link,
	&nd_attr_auth_key,
	NULL,
};

static void ramster_node_release(struct config_item *item)
{
	kfree(to_node(item));
}

static struct configfs_item_operations ramster_node_item_ops = {
	.release = ramster_node_release,
};

static const struct config_item_type ramster_node_type = {
	.ct_item_ops = &ramster_node_item_ops,
	.ct_attrs = ramster_node_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_item *ramster_node_make(struct config_group *group,
					     const char *name)
{
	struct ramster_node *node;
	int id;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return ERR_PTR(-ENOMEM);
	id = ramster_cfs_make_node(name);
	if (id < 0) {
		kfree(node);
		return ERR_PTR(id);
	}
	node->id = id;
	config_item_init_type_name(&node->item, name, &ramster_node_type);
	if (id < RAMSTER_NODE_DIRS) {
		spin_lock(&ramster_nodes_lock);
		ramster_nodes[id] = node;
		spin_unlock(&ramster_nodes_lock);
	}
	return &node->item;
}

/*
 * Cannot fail. A connected node is pinned, so this runs only for a node that
 * is not connected, or lost a race with its link coming up: then Rust closes
 * the node's connection before forgetting it.
 */
static void ramster_node_drop(struct config_group *group,
			      struct config_item *item)
{
	int id = to_node(item)->id;

	if (id < RAMSTER_NODE_DIRS) {
		spin_lock(&ramster_nodes_lock);
		ramster_nodes[id] = NULL;
		spin_unlock(&ramster_nodes_lock);
	}
	ramster_cfs_drop_node(id);
	config_item_put(item);
}

static struct configfs_group_operations ramster_node_set_ops = {
	.make_item = ramster_node_make,
	.drop_item = ramster_node_drop,
};

static const struct config_item_type ramster_node_set_type = {
	.ct_group_ops = &ramster_node_set_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_attribute *ramster_heartbeat_attrs[] = {
	&cl_attr_dead_threshold,
	NULL,
};

static const struct config_item_type ramster_heartbeat_type = {
	.ct_attrs = ramster_heartbeat_attrs,
	.ct_owner = THIS_MODULE,
};

static struct configfs_attribute *ramster_cluster_attrs[] = {
	&cl_attr_idle_timeout_ms,
	&cl_attr_keepalive_delay_ms,
	&cl_attr_reconnect_delay_ms,
	&cl_attr_auth,
	&cl_attr_auth_key,
	&cl_attr_encryption,
	NULL,
};

/* The default groups are part of the cluster: freed with it, last. */
static void ramster_cluster_release(struct config_item *item)
{
	kfree(to_cluster(item));
}

static struct configfs_item_operations ramster_cluster_item_ops = {
	.release = ramster_cluster_release,
};

static const struct config_item_type ramster_cluster_type = {
	.ct_item_ops = &ramster_cluster_item_ops,
	.ct_attrs = ramster_cluster_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group *ramster_cluster_make(struct config_group *group,
						 const char *name)
{
	struct ramster_cluster *cluster;
	int ret;

	cluster = kzalloc(sizeof(*cluster), GFP_KERNEL);
	if (!cluster)
		return ERR_PTR(-ENOMEM);
	ret = ramster_cfs_make_cluster(name);
	if (ret) {
		kfree(cluster);
		return ERR_PTR(ret);
	}
	config_group_init_type_name(&cluster->group, name,
				    &ramster_cluster_type);
	config_group_init_type_name(&cluster->node_set, "node",
				    &ramster_node_set_type);
	configfs_add_default_group(&cluster->node_set, &cluster->group);
	config_group_init_type_name(&cluster->heartbeat, "heartbeat",
				    &ramster_heartbeat_type);
	configfs_add_default_group(&cluster->heartbeat, &cluster->group);
	return &cluster->group;
}

static void ramster_cluster_drop(struct config_group *group,
				 struct config_item *item)
{
	ramster_cfs_drop_cluster();
	configfs_remove_default_groups(to_config_group(item));
	config_item_put(item);
}

static struct configfs_group_operations ramster_cluster_set_ops = {
	.make_group = ramster_cluster_make,
	.drop_item = ramster_cluster_drop,
};

static const struct config_item_type ramster_cluster_set_type = {
	.ct_group_ops = &ramster_cluster_set_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem ramster_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = "cluster",
			.ci_type = &ramster_cluster_set_type,
		},
	},
};

/*
 * Keeps node directory @id from being removed (rmdir gets EBUSY). May sleep;
 * never call it from a configfs callback of this subsystem.
 */
int ramster_cfs_pin_node(int id)
{
	struct config_item *item = NULL;
	int ret;

	if (id < 0 || id >= RAMSTER_NODE_DIRS)
		return -EINVAL;
	spin_lock(&ramster_nodes_lock);
	if (ramster_nodes[id])
		item = config_item_get(&ramster_nodes[id]->item);
	spin_unlock(&ramster_nodes_lock);
	if (!item)
		return -ENOENT;
	ret = configfs_depend_item(&ramster_subsys, item);
	config_item_put(item);
	return ret;
}

/* Undoes a successful ramster_cfs_pin_node(): the directory still exists. */
void ramster_cfs_unpin_node(int id)
{
	struct config_item *item = NULL;

	if (id < 0 || id >= RAMSTER_NODE_DIRS)
		return;
	spin_lock(&ramster_nodes_lock);
	if (ramster_nodes[id])
		item = &ramster_nodes[id]->item;
	spin_unlock(&ramster_nodes_lock);
	if (item)
		configfs_undepend_item(item);
}

int ramster_configfs_register(void)
{
	config_group_init(&ramster_subsys.su_group);
	mutex_init(&ramster_subsys.su_mutex);
	return configfs_register_subsystem(&ramster_subsys);
}

void ramster_configfs_unregister(void)
{
	configfs_unregister_subsystem(&ramster_subsys);
}
