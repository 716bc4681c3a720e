// SPDX-License-Identifier: GPL-2.0

//! The node manager behind `/sys/kernel/config/cluster/`: configfs operations applied to the
//! rules of `cluster/nodemanager.rs`, and networking started and stopped as they say.
//!
//! A refused write or mkdir logs why and returns the rule's errno; nothing changes. A connected
//! node's directory is pinned (`pins.rs`), so configfs refuses its rmdir with `EBUSY`; an rmdir
//! that wins the race with the pin closes the node's connection first (its requests fail with
//! `EHOSTDOWN`, the node-down callbacks run), and removing the local node stops networking; both
//! are logged.
//!
//! Both `auth_key` files are write-only: a write reads the named `logon` key from the writer's
//! keyrings (`logon_key.rs`) before the state lock is taken, then keeps it: the cluster's as its
//! master key, a node's as the key of the pair with that node (`pair_keys.rs`). Neither restarts
//! a connection (links that are up keep their session; the next connection uses the new key). A
//! read of either is refused with `EACCES`.

use super::jobs::Jobs;
use super::Shared;
use crate::cluster::nodemanager::{
    load_auth_key, pair_key_node, ClusterAttr, ConfigError, EncryptionMode, NetworkingChange,
    NodeAttr,
};
use crate::configfs::{Attr, ConfigfsOps, NodeId};
use core::fmt::Write;
use kernel::prelude::*;
use kernel::sync::Arc;

/// The configfs operations, over the shared cluster state.
pub(crate) struct NodeManager(pub(crate) Arc<Shared>);

fn refuse(what: &str, e: ConfigError) -> Error {
    pr_err!("cluster: {}: {}\n", what, e);
    Error::from_errno(-e.errno())
}

enum Target {
    Cluster(ClusterAttr),
    Node(NodeAttr),
    Link,
    AuthKey,
    NodeAuthKey,
}

fn target(attr: Attr) -> Target {
    match attr {
        Attr::IdleTimeoutMs => Target::Cluster(ClusterAttr::IdleTimeoutMs),
        Attr::KeepaliveDelayMs => Target::Cluster(ClusterAttr::KeepaliveDelayMs),
        Attr::ReconnectDelayMs => Target::Cluster(ClusterAttr::ReconnectDelayMs),
        Attr::DeadThreshold => Target::Cluster(ClusterAttr::DeadThreshold),
        Attr::Num => Target::Node(NodeAttr::Num),
        Attr::Ipv4Address => Target::Node(NodeAttr::Ipv4Address),
        Attr::Ipv4Port => Target::Node(NodeAttr::Ipv4Port),
        Attr::Local => Target::Node(NodeAttr::Local),
        Attr::Link => Target::Link,
        Attr::Auth => Target::Cluster(ClusterAttr::Auth),
        Attr::Encryption => Target::Cluster(ClusterAttr::Encryption),
        Attr::AuthKey => Target::AuthKey,
        Attr::NodeAuthKey => Target::NodeAuthKey,
    }
}

impl ConfigfsOps for NodeManager {
    fn make_cluster(&self, name: &[u8]) -> Result {
        let mut st = self.0.state.lock();
        st.subsystem
            .make_cluster(name)
            .map(|_| ())
            .map_err(|e| refuse("mkdir", e))
    }

    fn drop_cluster(&self) {
        let mut jobs = Jobs::new();
        let mut st = self.0.state.lock();
        st.stop_networking(&self.0, &mut jobs);
        st.subsystem.drop_cluster();
        drop(st);
        jobs.run();
    }

    fn make_node(&self, name: &[u8]) -> Result<NodeId> {
        let mut st = self.0.state.lock();
        let cluster = st.subsystem.cluster().ok_or(ENODEV)?;
        let node = cluster.make_node(name).map_err(|e| refuse("mkdir", e))?;
        let (id, slot) = st
            .node_dirs
            .iter_mut()
            .enumerate()
            .find(|(_, slot)| slot.is_none())
            .ok_or(ENOSPC)?;
        *slot = Some(node);
        Ok(NodeId(id))
    }

    fn drop_node(&self, node: NodeId) {
        let mut jobs = Jobs::new();
        let mut st = self.0.state.lock();
        let Some(config) = st.node_dirs.get_mut(node.0).and_then(Option::take) else {
            return;
        };
        if let Some(num) = config.num() {
            st.pair_keys.remove(num);
            crate::remote_debugfs::node_removed(num);
            let connected = st.subsystem.cluster().is_some_and(|c| c.is_connected(num));
            if config.is_local() {
                if st.local.is_some() {
                    pr_notice!(
                        "cluster: node {} ({}) removed while local: stopping networking\n",
                        config.name(),
                        num
                    );
                }
                st.stop_networking(&self.0, &mut jobs);
            } else {
                if connected {
                    pr_notice!(
                        "cluster: node {} ({}) removed while connected: closing its connection\n",
                        config.name(),
                        num
                    );
                }
                st.remove_peer(&self.0, num, &mut jobs);
            }
        }
        if let Some(cluster) = st.subsystem.cluster() {
            if let Err(e) = cluster.remove_node(&config) {
                // Cannot happen: its connection was closed above. Logged, never silent.
                pr_err!("cluster: rmdir node {}: {}\n", config.name(), e);
            }
        }
        drop(st);
        jobs.run();
    }

    fn show(&self, attr: Attr, node: Option<NodeId>, out: &mut dyn Write) -> Result {
        let mut st = self.0.state.lock();
        let config = node.and_then(|n| st.node_dirs.get(n.0).copied().flatten());
        let shown = match target(attr) {
            Target::Cluster(a) => st.subsystem.cluster().ok_or(ENODEV)?.show(a),
            Target::Node(a) => config.ok_or(ENODEV)?.show(a),
            Target::Link => {
                let word = st.link_word(config.ok_or(ENODEV)?.num());
                return out.write_str(word).map_err(|_| ENOSPC);
            }
            // Write-only: nothing about the keys is ever shown.
            Target::AuthKey | Target::NodeAuthKey => return Err(EACCES),
        };
        write!(out, "{}", shown).map_err(|_| ENOSPC)
    }

    fn store(&self, attr: Attr, node: Option<NodeId>, text: &[u8]) -> Result {
        match target(attr) {
            Target::AuthKey => return self.store_auth_key(text),
            Target::NodeAuthKey => return self.store_pair_key(node, text),
            Target::Cluster(ClusterAttr::Encryption) => check_cipher(text)?,
            _ => {}
        }
        let mut jobs = Jobs::new();
        let mut st = self.0.state.lock();
        let result = match target(attr) {
            Target::Cluster(a) => {
                let cluster = st.subsystem.cluster().ok_or(ENODEV)?;
                cluster.write(a, text).map_err(|e| refuse("write", e))?;
                // Peers not connected yet take the new value in their handshake.
                if let Some(local) = st.local.as_ref().map(|l| l.num) {
                    for num in (0..=crate::cluster::node_num::NodeNum::MAX)
                        .filter_map(crate::cluster::node_num::NodeNum::new)
                        .filter(|n| *n != local)
                    {
                        if st.peers.get(num.index()).is_some_and(Option::is_some) {
                            st.remove_peer(&self.0, num, &mut jobs);
                            st.add_peer(num);
                        }
                    }
                    self.0.tick.notify_all();
                }
                Ok(())
            }
            Target::Node(a) => self.store_node(&mut st, a, node, text, &mut jobs),
            Target::Link => Err(EPERM),
            // Handled above: the key is read without the lock.
            Target::AuthKey | Target::NodeAuthKey => Err(EINVAL),
        };
        drop(st);
        jobs.run();
        result
    }
}

/// Before `encryption` is turned on: the kernel's AES-256-CTR must be there and pass its
/// known-answer test ([`crate::os::cipher_self_test`]; allocates, so before the state lock).
fn check_cipher(text: &[u8]) -> Result {
    if EncryptionMode::parse(text) != Ok(EncryptionMode::Aes256Ctr) {
        return Ok(());
    }
    crate::os::cipher_self_test().map_err(|_| {
        pr_err!(
            "cluster: encryption: the kernel's ctr(aes) is missing (CONFIG_CRYPTO_CTR, \
             CONFIG_CRYPTO_AES) or failed its self-test (SP 800-38A F.5.5)\n"
        );
        super::errno(crate::cluster::errno::ENOPKG)
    })
}

impl NodeManager {
    /// A write to `auth_key`: the key is read from the writer's keyrings (may sleep) before the
    /// state lock is taken, then replaces the cluster's key. Connections are left alone.
    fn store_auth_key(&self, text: &[u8]) -> Result {
        let key = load_auth_key(text, super::logon_key::read).map_err(|e| refuse("write", e))?;
        let mut st = self.0.state.lock();
        let cluster = st.subsystem.cluster().ok_or(ENODEV)?;
        cluster.set_auth_key(key);
        pr_info!(
            "cluster: {}: new pre-shared key; connections made from now on use it\n",
            cluster.name()
        );
        Ok(())
    }

    /// A write to `node/<n>/auth_key`: like [`Self::store_auth_key`], for the key of the pair
    /// with that node, which must be numbered.
    fn store_pair_key(&self, node: Option<NodeId>, text: &[u8]) -> Result {
        let key = load_auth_key(text, super::logon_key::read).map_err(|e| refuse("write", e))?;
        let mut st = self.0.state.lock();
        let config = node
            .and_then(|n| st.node_dirs.get(n.0).copied().flatten())
            .ok_or(ENODEV)?;
        let num = pair_key_node(&config).map_err(|e| {
            pr_err!("cluster: node {}: write: {}\n", config.name(), e);
            Error::from_errno(-e.errno())
        })?;
        st.pair_keys.set(num, key)?;
        pr_info!(
            "cluster: node {} ({}): new pair key; connections made from now on use it\n",
            config.name(),
            num
        );
        Ok(())
    }

    fn store_node(
        &self,
        st: &mut super::state::State,
        attr: NodeAttr,
        node: Option<NodeId>,
        text: &[u8],
        jobs: &mut Jobs,
    ) -> Result {
        let id = node.ok_or(ENODEV)?;
        let mut config = st.node_dirs.get(id.0).copied().flatten().ok_or(ENODEV)?;
        let cluster = st.subsystem.cluster().ok_or(ENODEV)?;
        let change = cluster.write_node(&mut config, attr, text).map_err(|e| {
            pr_err!("cluster: node {}: write: {}\n", config.name(), e);
            Error::from_errno(-e.errno())
        })?;
        match change {
            NetworkingChange::Start(num) => {
                if let Err(e) = st.start_networking(&self.0, num) {
                    // Undo: `local` goes back to 0 and nothing else changed.
                    if let Some(cluster) = st.subsystem.cluster() {
                        let _ = cluster.write_node(&mut config, NodeAttr::Local, b"0");
                    }
                    return Err(e);
                }
            }
            NetworkingChange::Stop => st.stop_networking(&self.0, jobs),
            NetworkingChange::None => {
                if let Some(num) = config.num().filter(|_| attr == NodeAttr::Num) {
                    if st.local.is_some() {
                        st.add_peer(num);
                        self.0.tick.notify_all();
                    }
                }
            }
        }
        if let Some(num) = config.num().filter(|_| attr == NodeAttr::Num) {
            crate::remote_debugfs::node_added(num);
        }
        if let Some(slot) = st.node_dirs.get_mut(id.0) {
            *slot = Some(config);
        }
        Ok(())
    }
}
