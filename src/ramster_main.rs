// SPDX-License-Identifier: GPL-2.0

//! RAMster: peer-to-peer transcendent memory, and zcache when the cluster is off.
//!
//! This is the crate root of ramster.ko. It declares the module, the logic files it shares with
//! the host library (`host_lib.rs`, tested with cargo), and the kernel glue that only the module
//! has. The parameters (`mode=`, `cleancache=`, `frontswap=`, `compressor=`) are declared in
//! `shim/params.c` and parsed by `params.rs`.

use kernel::prelude::*;

mod buf_writer;
#[path = "../cluster/mod.rs"]
pub mod cluster;
mod configfs;
mod debugfs;
mod net;
pub mod os;
mod params;
mod params_ffi;
mod published;
mod ramster_kernel;
mod remote_debugfs;
mod run_guard;
mod sysfs;
#[path = "../tmem/mod.rs"]
pub mod tmem;
#[path = "../zcache/mod.rs"]
pub mod zcache;
mod zcache_kernel;

use params::{Config, Mode};

module! {
    type: Ramster,
    name: "ramster",
    author: "The RAMster developers",
    description: "Peer-to-peer transcendent memory (RAMster) and compressed RAM cache (zcache)",
    license: "GPL",
}

/// The loaded module. Fields drop in order: RAMster mode stops before the cluster layer and the
/// store it uses.
struct Ramster {
    config: Config,
    /// `/sys/kernel/mm/ramster/`: `mm_stat` with a store; with `mode=ramster` also the
    /// settings and `peer_stat`. Made after what its files read (the store, RAMster mode);
    /// declared first so that it is removed first at unload.
    _sysfs: Option<sysfs::SysfsFiles>,
    /// RAMster mode (remotify, remote gets, foreign pages): only with `mode=ramster`.
    _ramster: Option<ramster_kernel::RamsterNode>,
    /// The cluster layer (configfs, sockets, heartbeat): only with `mode=ramster`.
    _cluster: Option<net::ClusterNet>,
    /// The zcache store and its frontswap/cleancache backends: not with `mode=off`.
    _zcache: Option<zcache_kernel::Backend>,
}

impl kernel::Module for Ramster {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let config = params_ffi::config();
        pr_info!("loaded: {}\n", config);
        let zcache = match config.mode {
            Mode::Off => None,
            Mode::Zcache | Mode::Ramster => Some(zcache_kernel::Backend::new(&config)?),
        };
        let mut cluster = if config.mode == Mode::Ramster {
            Some(net::ClusterNet::start(config.test_messages)?)
        } else {
            None
        };
        let ramster = match (&mut cluster, &zcache) {
            (Some(cluster), Some(_)) => Some(ramster_kernel::RamsterNode::start(cluster)?),
            _ => None,
        };
        let sysfs = match config.mode {
            Mode::Off => None,
            mode => Some(sysfs::SysfsFiles::register(mode)?),
        };
        Ok(Ramster {
            config,
            _sysfs: sysfs,
            _ramster: ramster,
            _cluster: cluster,
            _zcache: zcache,
        })
    }
}

impl Drop for Ramster {
    fn drop(&mut self) {
        pr_info!(
            "unloaded (mode={})\n",
            self.config.show(params::Param::Mode)
        );
    }
}
