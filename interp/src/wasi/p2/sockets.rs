//! `wasi:sockets@0.2` for a guest granted no network: every interface is
//! there (programs built with wasi-libc or Rust's std import them all,
//! whether they use them or not), `instance-network` gives the one
//! network handle, and every attempt to use it fails as the WIT allows:
//! creating a TCP or UDP socket and resolving a name give
//! `access-denied`. Since no socket or lookup stream can ever be created,
//! their methods cannot be reached with a valid handle; they trap if
//! they ever are.

use super::{Types, bad_handle, err, host_resource_type, iface, new_own};
use crate::component::{Linker, LinkerInstance, ResourceType, Val};
use crate::error::Result;
use crate::runtime::store::Store;
use crate::wasi::ctx::Resource;

/// The error every request for the network gets.
const DENIED: &str = "access-denied";

/// `tcp-socket`'s methods.
const TCP_METHODS: [&str; 28] = [
    "start-bind",
    "finish-bind",
    "start-connect",
    "finish-connect",
    "start-listen",
    "finish-listen",
    "accept",
    "local-address",
    "remote-address",
    "is-listening",
    "address-family",
    "set-listen-backlog-size",
    "keep-alive-enabled",
    "set-keep-alive-enabled",
    "keep-alive-idle-time",
    "set-keep-alive-idle-time",
    "keep-alive-interval",
    "set-keep-alive-interval",
    "keep-alive-count",
    "set-keep-alive-count",
    "hop-limit",
    "set-hop-limit",
    "receive-buffer-size",
    "set-receive-buffer-size",
    "send-buffer-size",
    "set-send-buffer-size",
    "subscribe",
    "shutdown",
];

/// `udp-socket`'s methods.
const UDP_METHODS: [&str; 13] = [
    "start-bind",
    "finish-bind",
    "stream",
    "local-address",
    "remote-address",
    "address-family",
    "unicast-hop-limit",
    "set-unicast-hop-limit",
    "receive-buffer-size",
    "set-receive-buffer-size",
    "send-buffer-size",
    "set-send-buffer-size",
    "subscribe",
];

pub(super) fn add(linker: &mut Linker, store: &mut Store, t: Types) -> Result<()> {
    let network = host_resource_type(store, "network");
    let lookup = host_resource_type(store, "resolve-address-stream");
    let tcp = host_resource_type(store, "tcp-socket");
    let udp = host_resource_type(store, "udp-socket");
    let incoming = host_resource_type(store, "incoming-datagram-stream");
    let outgoing = host_resource_type(store, "outgoing-datagram-stream");

    let i = iface(linker, "wasi:sockets/network")?;
    i.resource("error", t.error)?;
    i.resource("network", network)?;
    // No error of this host is a network error.
    i.func_new("network-error-code", |_, _| Ok(vec![Val::Option(None)]))?;

    let i = iface(linker, "wasi:sockets/instance-network")?;
    i.resource("network", network)?;
    i.func_new("instance-network", move |store, _| {
        Ok(vec![new_own(store, network, Resource::Network)?])
    })?;

    let i = iface(linker, "wasi:sockets/ip-name-lookup")?;
    resources(i, &[("pollable", t.pollable), ("network", network)])?;
    i.resource("resolve-address-stream", lookup)?;
    i.func_new("resolve-addresses", |_, _| Ok(vec![denied()]))?;
    unreachable_methods(
        i,
        "resolve-address-stream",
        &["resolve-next-address", "subscribe"],
    )?;

    let i = iface(linker, "wasi:sockets/tcp")?;
    resources(
        i,
        &[
            ("input-stream", t.input_stream),
            ("output-stream", t.output_stream),
            ("pollable", t.pollable),
            ("network", network),
            ("tcp-socket", tcp),
        ],
    )?;
    unreachable_methods(i, "tcp-socket", &TCP_METHODS)?;
    let i = iface(linker, "wasi:sockets/tcp-create-socket")?;
    resources(i, &[("network", network), ("tcp-socket", tcp)])?;
    i.func_new("create-tcp-socket", |_, _| Ok(vec![denied()]))?;

    let i = iface(linker, "wasi:sockets/udp")?;
    resources(
        i,
        &[
            ("pollable", t.pollable),
            ("network", network),
            ("udp-socket", udp),
            ("incoming-datagram-stream", incoming),
            ("outgoing-datagram-stream", outgoing),
        ],
    )?;
    unreachable_methods(i, "udp-socket", &UDP_METHODS)?;
    unreachable_methods(i, "incoming-datagram-stream", &["receive", "subscribe"])?;
    unreachable_methods(
        i,
        "outgoing-datagram-stream",
        &["check-send", "send", "subscribe"],
    )?;
    let i = iface(linker, "wasi:sockets/udp-create-socket")?;
    resources(i, &[("network", network), ("udp-socket", udp)])?;
    i.func_new("create-udp-socket", |_, _| Ok(vec![denied()]))?;
    Ok(())
}

/// `err(access-denied)`.
fn denied() -> Val {
    err(Val::Enum(DENIED.into()))
}

fn resources(i: &mut LinkerInstance, list: &[(&str, ResourceType)]) -> Result<()> {
    for (name, rt) in list {
        i.resource(name, *rt)?;
    }
    Ok(())
}

/// Methods of a resource of which no handle can exist: each traps.
fn unreachable_methods(i: &mut LinkerInstance, resource: &str, methods: &[&str]) -> Result<()> {
    for m in methods {
        let what = resource.to_string();
        i.func_new(&format!("[method]{resource}.{m}"), move |_, _| {
            Err(bad_handle(&what))
        })?;
    }
    Ok(())
}
