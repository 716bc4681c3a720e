// SPDX-License-Identifier: GPL-2.0

//! The command line, defined once with clap: `ramster-tools [OPTIONS] COMMAND [OPTIONS]`.
//!
//! The same definitions make `--help`, the shell completions (`ramster-tools completions
//! SHELL`) and the manual page (`ramster-tools man`, see [`crate::manpage`]). The options that
//! say where things are (`--config`, `--node`, the mount points) and the timeout overrides are
//! global: they may come before or after the command.

use crate::conf::TimeoutSettings;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ramster::cluster::timeouts::{DEAD_THRESHOLD_RANGE, DELAY_MS_RANGE};
use std::path::PathBuf;

/// `--watch`'s seconds: at least one, at most a day.
pub const WATCH_RANGE: (u32, u32) = (1, 86_400);

/// What ramster-tools is, for `--help` and the manual page's DESCRIPTION.
const ABOUT: &str = "set up a ramster cluster node through configfs and show its state";
const LONG_ABOUT: &str = "\
ramster-tools reads the cluster description in /etc/ramster.conf (the ocfs2 cluster.conf \
stanza format) and creates the matching directories and attributes under \
/sys/kernel/config/cluster/, where the ramster kernel module's node manager checks every \
value. Run it with the same file on every node of the cluster.";

/// The shells `completions` writes a script for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// bash
    Bash,
    /// zsh
    Zsh,
    /// fish
    Fish,
}

/// What to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Create the cluster and its nodes in configfs.
    Configure,
    /// `configure`, then make the local node local (start networking).
    Up,
    /// Stop networking, remove the nodes and the cluster.
    Down,
    /// Show the cluster, its nodes, their links and page counters.
    Status,
    /// Make a new cluster key.
    Keygen,
    /// Derive a node's key set from the cluster key.
    Keyset,
    /// Check the configuration file and the key file without touching the kernel.
    Check,
    /// Print a shell completion script.
    Completions(Shell),
    /// Print the manual page (roff).
    Man,
}

/// Everything the command line says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The command.
    pub command: Command,
    /// `--config`.
    pub config: PathBuf,
    /// `--configfs-root`.
    pub configfs_root: PathBuf,
    /// `--sysfs-root`.
    pub sysfs_root: PathBuf,
    /// `--node`: the local node's name (default: the hostname).
    pub node: Option<String>,
    /// `status --json`.
    pub json: bool,
    /// `status --watch SECONDS`: print the status again every SECONDS.
    pub watch: Option<u32>,
    /// `status --watch ... --count N`: stop after N prints (default: until interrupted).
    pub count: Option<u32>,
    /// `--idle-timeout-ms` and friends, which override the file.
    pub timeouts: TimeoutSettings,
    /// `keygen` or `keyset --output PATH`: write the key to PATH instead of standard output.
    pub output: Option<PathBuf>,
    /// `--output PATH --force`: replace an existing PATH.
    pub force: bool,
    /// `keyset --master PATH`: the cluster key file.
    pub master: Option<PathBuf>,
}

/// The command line as clap sees it.
#[derive(Debug, Parser)]
#[command(name = "ramster-tools", version, about = ABOUT, long_about = LONG_ABOUT,
          after_help = "See ramster-tools(8).", propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Commands,
    #[command(flatten)]
    global: Global,
}

/// The options every command takes, before or after it.
#[derive(Debug, Args)]
struct Global {
    /// Configuration file
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "/etc/ramster.conf"
    )]
    config: PathBuf,
    /// The local node's name in the file (default: the hostname)
    #[arg(long, global = true, value_name = "NAME")]
    node: Option<String>,
    /// Where configfs is mounted (a plain directory works too, to try a configuration out)
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "/sys/kernel/config"
    )]
    configfs_root: PathBuf,
    /// Where sysfs is mounted (status reads kernel/mm/ramster/ there)
    #[arg(long, global = true, value_name = "PATH", default_value = "/sys")]
    sysfs_root: PathBuf,
    /// Override the file's idle_timeout_ms (1 to 86400000; must be equal on all nodes)
    #[arg(long, global = true, value_name = "MS", value_parser = in_range(DELAY_MS_RANGE))]
    idle_timeout_ms: Option<u32>,
    /// Override the file's keepalive_delay_ms (below the idle timeout; equal on all nodes)
    #[arg(long, global = true, value_name = "MS", value_parser = in_range(DELAY_MS_RANGE))]
    keepalive_delay_ms: Option<u32>,
    /// Override the file's reconnect_delay_ms (equal on all nodes)
    #[arg(long, global = true, value_name = "MS", value_parser = in_range(DELAY_MS_RANGE))]
    reconnect_delay_ms: Option<u32>,
    /// Override the dead threshold (3 to 65535): a node not heard from for this many keepalive
    /// delays is declared down
    #[arg(long, global = true, value_name = "N", value_parser = in_range(DEAD_THRESHOLD_RANGE))]
    dead_threshold: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Create the cluster and its nodes in configfs (networking stays off)
    #[command(long_about = "\
Create the cluster directory, set the timeouts and the dead threshold if the file or the \
options give them, and create every node with its ipv4_address, ipv4_port and num. Networking \
stays off. Attributes that already hold the wanted value are left alone, so running it twice is \
harmless; an attribute that holds another value is an error. Then write the cluster's auth (psk \
or none) and, with psk, give the kernel the key in key_file: it is added to the process keyring \
as logon key ramster:CLUSTER, its description written to auth_key, from which the kernel copies \
it, and the keyring key is revoked and unlinked. The key file is checked before anything is \
written. With auth = none a warning says that cluster links are not authenticated. If networking \
is already running, the kernel keeps its settings and nothing is written.")]
    Configure,
    /// Configure, then mark the local node local: starts networking
    #[command(long_about = "\
Configure, then write 1 to the local node's local attribute, which starts the kernel's listener \
and its connections to the other nodes. The local node is the one named by --node or, without \
it, the one whose name is the hostname.")]
    Up,
    /// Stop networking, remove the nodes and the cluster
    #[command(long_about = "\
Write 0 to local (closing every connection), remove every node directory and the cluster \
directory. The configuration file is not read.")]
    Down,
    /// Show the cluster, its nodes, link states and page counters
    #[command(long_about = "\
Print the cluster's auth, its timeouts and a table of the nodes: number, name, address, port, \
link state (local, down, connecting, handshaking, up, stopped) and page counters: for the local \
node the pages in its own compressed store (LOCAL_PAGES), and per node the pages this node \
keeps there (REMOTE_PAGES) and the pages that node keeps here (FOREIGN_PAGES). A value the \
kernel does not provide shows as -. Everything comes from configfs and from the statistics any \
user may read in sysfs (kernel/mm/ramster/mm_stat and peer_stat): no root needed.")]
    Status(StatusArgs),
    /// Make a new cluster key (32 random bytes as 64 hexadecimal digits) for key_file
    #[command(long_about = "\
Print a new cluster key: 32 random bytes from /dev/urandom as 64 hexadecimal digits and a \
newline. With --output PATH write it to a new file PATH with mode 0600 instead (--force \
replaces an existing one).")]
    Keygen(KeygenArgs),
    /// Write the key set of node --node: its pairs' keys, derived from the cluster key
    #[command(long_about = "\
Derive the key set of the node named by --node (required) from the cluster key in --master: \
one key per other node of the configuration file, the key of that pair (the same key the \
kernel derives from the cluster key). Print it, or with --output PATH write it to a new file \
PATH with mode 0600 (--force replaces an existing one). Copy it to that node only and name it \
in the node's key_file: the node then authenticates with every other node, whether they hold \
the cluster key or their own key sets, without holding the cluster key itself, so that a node \
taken over cannot pose as any other. Make the sets again when nodes are added.")]
    Keyset(KeysetArgs),
    /// Check the configuration file and its key file without touching the kernel
    #[command(long_about = "\
Read the configuration file and check it as configure would: the stanzas and every value (an \
error names its line), the key file with auth = psk (its format, owner and mode), the timeout \
overrides, and, with --node, that the file names that node. Nothing in configfs, sysfs or the \
keyring is read or written.")]
    Check,
    /// Print a completion script for SHELL on standard output
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff) on standard output
    Man,
}

#[derive(Debug, Args)]
struct StatusArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
    /// Print it again every SECONDS (1 to 86400) until interrupted; on a terminal each table
    /// replaces the last
    #[arg(short, long, value_name = "SECONDS", value_parser = in_range(WATCH_RANGE))]
    watch: Option<u32>,
    /// With --watch: stop after N prints
    #[arg(long, value_name = "N", requires = "watch", value_parser = in_range((1, u32::MAX)))]
    count: Option<u32>,
}

#[derive(Debug, Args)]
struct KeygenArgs {
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
struct KeysetArgs {
    /// The cluster key file (as keygen writes it)
    #[arg(long, value_name = "PATH", required = true,
          value_parser = clap::builder::NonEmptyStringValueParser::new())]
    master: String,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
struct OutputArgs {
    /// Write the key to a new file PATH, mode 0600, instead of standard output
    #[arg(long, value_name = "PATH", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    output: Option<String>,
    /// Replace PATH if it exists
    #[arg(long, requires = "output")]
    force: bool,
}

/// A value parser for a decimal `u32` in `min..=max`.
fn in_range((min, max): (u32, u32)) -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(i64::from(min)..=i64::from(max))
}

impl Cli {
    /// What the parsed command line says.
    fn invocation(self) -> Invocation {
        let g = self.global;
        let mut invocation = Invocation {
            command: Command::Check,
            config: g.config,
            configfs_root: g.configfs_root,
            sysfs_root: g.sysfs_root,
            node: g.node,
            json: false,
            watch: None,
            count: None,
            timeouts: TimeoutSettings {
                idle_timeout_ms: g.idle_timeout_ms,
                keepalive_delay_ms: g.keepalive_delay_ms,
                reconnect_delay_ms: g.reconnect_delay_ms,
                dead_threshold: g.dead_threshold,
            },
            output: None,
            force: false,
            master: None,
        };
        invocation.command = match self.command {
            Commands::Configure => Command::Configure,
            Commands::Up => Command::Up,
            Commands::Down => Command::Down,
            Commands::Status(s) => {
                (invocation.json, invocation.watch, invocation.count) = (s.json, s.watch, s.count);
                Command::Status
            }
            Commands::Keygen(k) => {
                invocation.output = k.output.output.map(PathBuf::from);
                invocation.force = k.output.force;
                Command::Keygen
            }
            Commands::Keyset(k) => {
                invocation.output = k.output.output.map(PathBuf::from);
                invocation.force = k.output.force;
                invocation.master = Some(PathBuf::from(k.master));
                Command::Keyset
            }
            Commands::Check => Command::Check,
            Commands::Completions { shell } => Command::Completions(shell),
            Commands::Man => Command::Man,
        };
        invocation
    }
}

/// Parses the arguments after the program name. `Err` is clap's: a usage error, or the text of
/// `--help` or `--version` (`Error::exit` prints it where it belongs).
pub fn parse(args: &[String]) -> Result<Invocation, clap::Error> {
    let argv = std::iter::once("ramster-tools").chain(args.iter().map(String::as_str));
    Cli::try_parse_from(argv).map(Cli::invocation)
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
