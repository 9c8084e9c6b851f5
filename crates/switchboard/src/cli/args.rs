//! The command line of the client commands (clap derive).

use clap::{Args, Subcommand, ValueEnum};
use std::time::Duration;

/// Options every client command takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Server URL [default: the profile's, else http://127.0.0.1:8080].
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_URL",
        help_heading = "Client options"
    )]
    pub url: Option<String>,
    /// Profile to use (a token per profile).
    #[arg(
        long,
        global = true,
        default_value = "default",
        help_heading = "Client options"
    )]
    pub profile: String,
    /// Output: human tables, or the exact API objects as JSON or YAML.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = Format::Table, help_heading = "Client options")]
    pub output: Format,
    /// Print only ids (and errors); no progress.
    #[arg(short, long, global = true, help_heading = "Client options")]
    pub quiet: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

/// `--wait [--timeout D]` on every action.
#[derive(Args, Debug, Clone)]
pub struct Wait {
    /// Follow the task until it ends; the exit code says how it ended.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this long (e.g. 90s, 5m); the task keeps running.
    #[arg(long, value_parser = humantime::parse_duration, requires = "wait")]
    pub timeout: Option<Duration>,
}

/// The client commands, next to `serve` and `check`.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Log in with a password and keep the token in the profile.
    Login(LoginArgs),
    /// Revoke the profile's token and forget it.
    Logout,
    /// MRS cluster services: start, stop, restart (in dependency order), list, show.
    #[command(subcommand)]
    Service(ServiceCmd),
    /// Servers (Nova v2.1): start, stop, reboot, list, show.
    #[command(subcommand)]
    Server(ServerCmd),
    /// DBSS database O&M instances: start, stop, reboot, list.
    #[command(subcommand)]
    Instance(InstanceCmd),
    /// Live flows: start, stop, list.
    #[command(subcommand)]
    Flow(FlowCmd),
    /// BMS v1 batch jobs over several servers: start, stop, reboot.
    #[command(subcommand)]
    Batch(BatchCmd),
    /// Tasks: list, show, watch (live progress), cancel.
    #[command(subcommand)]
    Task(TaskCmd),
    /// Managed resources of every family.
    #[command(subcommand)]
    Resource(ResourceCmd),
    /// The audit trail, newest first.
    Audit(AuditArgs),
    /// Users (administrators).
    #[command(subcommand)]
    User(UserCmd),
    /// IAM-style policies (administrators).
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// IAM access keys (AK/SK).
    #[command(subcommand)]
    Key(KeyCmd),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// User name [default: the profile's, else admin].
    #[arg(long)]
    pub user: Option<String>,
    /// The user's domain [default: the profile's, else switchboard].
    #[arg(long)]
    pub domain: Option<String>,
    /// Project name or id [default: the user's only or first project].
    #[arg(long)]
    pub project: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ServiceCmd {
    /// Start a service (with --with-deps, what it depends on first).
    Start(ServiceAction),
    /// Stop a service (with --with-deps, what depends on it first).
    Stop(ServiceAction),
    /// Restart a service (with --with-deps, its running dependents after it).
    Restart(ServiceAction),
    /// Services with their state.
    List {
        #[arg(long)]
        cluster: Option<String>,
    },
    /// One service as MRS Manager shows it.
    Show {
        name: String,
        #[arg(long)]
        cluster: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct ServiceAction {
    /// Service name (HDFS, ZooKeeper, …).
    pub name: String,
    /// Cluster id [default: the only cluster, else 1].
    #[arg(long)]
    pub cluster: Option<String>,
    /// Include dependencies (start) or dependents (stop, restart).
    #[arg(long)]
    pub with_deps: bool,
    #[command(flatten)]
    pub wait: Wait,
}

#[derive(Subcommand, Debug)]
pub enum ServerCmd {
    Start(ServerAction),
    Stop(ServerAction),
    /// Reboot (HARD unless --soft).
    Reboot(ServerAction),
    /// Servers with their status.
    List,
    /// One server as Nova shows it.
    Show {
        name_or_id: String,
    },
}

#[derive(Args, Debug)]
pub struct ServerAction {
    pub name_or_id: String,
    /// SOFT reboot.
    #[arg(long)]
    pub soft: bool,
    #[command(flatten)]
    pub wait: Wait,
}

#[derive(Subcommand, Debug)]
pub enum InstanceCmd {
    Start(NamedAction),
    Stop(NamedAction),
    Reboot(NamedAction),
    /// Instances with their state.
    List,
}

#[derive(Subcommand, Debug)]
pub enum FlowCmd {
    Start(NamedAction),
    Stop(NamedAction),
    /// Flows with their state.
    List,
}

#[derive(Args, Debug)]
pub struct NamedAction {
    pub name_or_id: String,
    #[command(flatten)]
    pub wait: Wait,
}

#[derive(Subcommand, Debug)]
pub enum BatchCmd {
    Start(BatchAction),
    Stop(BatchAction),
    Reboot(BatchAction),
}

#[derive(Args, Debug)]
pub struct BatchAction {
    /// Servers (names or ids), one job for all.
    #[arg(required = true)]
    pub servers: Vec<String>,
    /// SOFT stop or reboot.
    #[arg(long)]
    pub soft: bool,
    #[command(flatten)]
    pub wait: Wait,
}

#[derive(Subcommand, Debug)]
pub enum TaskCmd {
    /// Tasks, newest first.
    List {
        /// NEW, IN_PROGRESS, COMPLETE, FAILED or CANCELLED.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// One task with its steps.
    Show { id: i64 },
    /// Attach to a task: live progress until it ends (Ctrl-C detaches, the task goes on).
    Watch {
        id: i64,
        /// Give up waiting after this long.
        #[arg(long, value_parser = humantime::parse_duration)]
        timeout: Option<Duration>,
    },
    /// Cancel a task.
    Cancel { id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum ResourceCmd {
    /// Resources, optionally of one kind and state.
    List {
        /// cluster_service, dbom_instance, flow or server.
        #[arg(long)]
        kind: Option<String>,
        /// stopped, running, starting, stopping, start_failed, …
        #[arg(long)]
        state: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Only records newer than this: a duration (1h, 30m) or an RFC 3339 time.
    #[arg(long)]
    pub since: Option<String>,
    /// Only records of this principal (as the audit names it, e.g. admin@default).
    #[arg(long)]
    pub principal: Option<String>,
    /// How many records to read (newest first).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    List,
    /// Create a user from a JSON body as `POST /switchboard/v1/users` takes it.
    Create {
        /// The body, e.g. '{"name":"ops","password":"…","roles":{"<project>":"operator"}}'.
        #[arg(long)]
        json: String,
    },
    Delete {
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCmd {
    List,
    /// Create or replace a policy from a JSON document.
    Put {
        name: String,
        /// The policy document as JSON.
        #[arg(long)]
        document: String,
    },
    Delete {
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyCmd {
    /// A new access key pair (the secret is shown once).
    Create {
        /// For this user [default: yourself].
        #[arg(long)]
        user_id: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    List {
        #[arg(long)]
        user_id: Option<String>,
    },
    Delete {
        access_key: String,
    },
}
