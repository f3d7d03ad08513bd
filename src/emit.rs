//! `sio-auth emit`: one event to a session's sockets (or to every socket) on every node of a
//! `serve --cluster` cluster. The command is a node of the cluster for a moment: it joins the
//! namespace's channels on the store's Redis, publishes one broadcast, and leaves; each node
//! delivers the event to its own sockets in the room.

use anyhow::Context as _;
use serde::ser::SerializeTuple as _;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide_redis::drivers::Driver as _;

use crate::cli::{EmitArgs, EmitTarget};
use crate::exit::{Exit, ExitOnError as _};
use crate::serve::cluster::{self, ClusterAdapter, ServeAdapter as _};
use crate::store::StoreUrl;

pub(crate) fn run(args: &EmitArgs) -> anyhow::Result<Exit> {
    // Before any network activity: bad ARGS are a usage error.
    let values = match &args.args {
        Some(text) => crate::cli::emit_args(&format!("ARGS of {:?}", args.event), text)
            .exit_with(Exit::Usage)?,
        None => Vec::new(),
    };
    let StoreUrl::Redis(url) = &args.store else {
        return Err(crate::exit::failure(
            Exit::Usage,
            anyhow::anyhow!("emit needs the cluster's store: --store redis://HOST:PORT/DB"),
        ));
    };
    let runtime = crate::runtime::build(crate::runtime::Threads::One)?;
    let listening = runtime.block_on(publish(args, url, &values))?;
    let room = match &args.to {
        EmitTarget::Session(sid) => cluster::session_room(sid),
        EmitTarget::All => "every socket".to_owned(),
    };
    if listening == 0 {
        eprintln!(
            "sio-auth: published {:?} to {room} on {}, but no node is listening on {}",
            args.event, args.namespace, args.store
        );
    } else {
        let nodes = if listening == 1 { "node" } else { "nodes" };
        eprintln!(
            "sio-auth: published {:?} to {room} on {} ({listening} {nodes} listening)",
            args.event, args.namespace
        );
    }
    Ok(Exit::Success)
}

/// Publishes the event; returns how many other nodes were listening on the namespace.
async fn publish(args: &EmitArgs, url: &str, values: &[Value]) -> anyhow::Result<u16> {
    let unreachable = || format!("cannot reach the cluster's store {}", args.store);
    let pubsub = cluster::PubSub::connect(url)
        .await
        .with_context(unreachable)
        .exit_with(Exit::Network)?;
    let (_svc, io) = SocketIo::builder()
        .with_adapter::<ClusterAdapter>(pubsub.clone().into_adapter(&args.cluster))
        .build_svc();
    ClusterAdapter::ready(io.ns(args.namespace.clone(), async || ()))
        .await
        .with_context(unreachable)
        .exit_with(Exit::Network)?;
    let operators = io
        .of(&args.namespace)
        .context("the namespace was just registered")?;
    let servers = pubsub
        .num_serv(&cluster::request_channel(&args.cluster, &args.namespace))
        .await
        .with_context(unreachable)
        .exit_with(Exit::Network)?;
    let operators = match &args.to {
        EmitTarget::Session(sid) => operators.to(cluster::session_room(sid)),
        EmitTarget::All => operators,
    };
    operators
        .emit(args.event.as_str(), &Args(values))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(unreachable)
        .exit_with(Exit::Network)?;
    // This command is one of the subscribers it counted.
    let _ = io.close().await;
    Ok(servers.saturating_sub(1))
}

/// The arguments as the event's own (a tuple: `["event", a, b]`), not as one array argument.
struct Args<'a>(&'a [Value]);

impl serde::Serialize for Args<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for value in self.0 {
            tuple.serialize_element(value)?;
        }
        tuple.end()
    }
}
