// SPDX-License-Identifier: GPL-2.0

//! A put of one compressed page on a peer: `TMEM_PUT`, then a wait for the peer's answer. The
//! remotify worker moves pages with it, and the remote-get benchmark places its pages with it.

use super::{RemoteKey, REMOTE_TIMEOUT_MS};
use crate::cluster::node_num::NodeNum;
use crate::cluster::tmem_messages::{
    encode_request, TmemOp, TmemRequest, DATA_HEADER_LEN, KEY_LEN, MAX_COMPRESSED_LEN,
};
use crate::cluster::wire::MessageType;
use crate::net::Shared as NetShared;
use kernel::prelude::*;

/// Why a put did not happen.
pub(super) enum PutFailed {
    /// The request could not be built (`payload` is too small for the zpage).
    BadRequest,
    /// The peer refused the page or could not be reached.
    Peer(Error),
}

/// A buffer for [`put_page`]'s requests: room for the largest.
pub(super) fn request_buffer() -> Result<KVec<u8>> {
    let len = KEY_LEN + DATA_HEADER_LEN + MAX_COMPRESSED_LEN as usize;
    Ok(KVec::from_elem(0u8, len, GFP_KERNEL)?)
}

/// Puts `zpage` as `key` on `node`, building the request in `payload`; returns once the peer
/// has stored it.
pub(super) fn put_page(
    net: &NetShared,
    node: NodeNum,
    key: &RemoteKey,
    zpage: &[u8],
    payload: &mut [u8],
) -> Result<(), PutFailed> {
    let request = TmemRequest {
        op: TmemOp::Put,
        key: key.wire(),
        data: zpage,
    };
    let len = encode_request(&request, payload).map_err(|_| PutFailed::BadRequest)?;
    let payload = payload.get(..len).ok_or(PutFailed::BadRequest)?;
    net.send_request_uninterruptible(
        node,
        MessageType::Tmem(TmemOp::Put),
        payload,
        0,
        REMOTE_TIMEOUT_MS,
    )
    .map(|_| ())
    .map_err(PutFailed::Peer)
}
