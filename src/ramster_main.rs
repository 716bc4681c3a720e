// SPDX-License-Identifier: GPL-2.0

//! RAMster: peer-to-peer transcendent memory, and zcache when the cluster is off.
//!
//! This is the crate root of ramster.ko. It declares the module, the logic files it shares with
//! the host library (`host_lib.rs`, tested with cargo), and the kernel glue that only the module
//! has. The parameters (`mode=`, `cleancache=`, `frontswap=`, `compressor=`) are declared in
//! `shim/params.c` and parsed by `params.rs`.

use kernel::prelude::*;

#[path = "../cluster/mod.rs"]
pub mod cluster;
mod configfs;
mod debugfs;
mod net;
mod params;
mod params_ffi;

use params::{Config, Mode};

module! {
    type: Ramster,
    name: "ramster",
    author: "The RAMster developers",
    description: "Peer-to-peer transcendent memory (RAMster) and compressed RAM cache (zcache)",
    license: "GPL",
}

/// The loaded module.
struct Ramster {
    config: Config,
    /// The cluster layer (configfs, sockets, heartbeat): only with `mode=ramster`.
    _cluster: Option<net::ClusterNet>,
}

impl kernel::Module for Ramster {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let config = params_ffi::config();
        pr_info!("loaded: {}\n", config);
        if config.mode != Mode::Off {
            pr_notice!(
                "mode {}: the cleancache and frontswap backends are not built yet; nothing is cached\n",
                config.show(params::Param::Mode)
            );
        }
        let cluster = if config.mode == Mode::Ramster {
            Some(net::ClusterNet::start()?)
        } else {
            None
        };
        Ok(Ramster {
            config,
            _cluster: cluster,
        })
    }
}

impl Drop for Ramster {
    fn drop(&mut self) {
        pr_info!("unloaded (mode={})\n", self.config.show(params::Param::Mode));
    }
}
