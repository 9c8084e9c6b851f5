//! The client side of the `switchboard` binary: `login`, lifecycle actions with live progress,
//! reads and administration, all over HTTP through `switchboard-client`.

mod actions;
mod admin;
pub mod args;
pub mod exit;
mod login;
mod output;
mod profile;
mod progress;
mod reads;
mod session;
mod watch;

pub use args::{Command, Global};

/// Runs a client command; the process exit code.
pub fn run(global: Global, command: Command, mut app: clap::Command) -> i32 {
    match command {
        Command::Completions { shell } => {
            let name = app.get_name().to_string();
            clap_complete::generate(shell, &mut app, name, &mut std::io::stdout());
            return exit::OK;
        }
        Command::Man => {
            return match clap_mangen::Man::new(app).render(&mut std::io::stdout()) {
                Ok(()) => exit::OK,
                Err(e) => {
                    eprintln!("switchboard: {e}");
                    exit::OTHER
                }
            };
        }
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchboard: {e}");
            return exit::OTHER;
        }
    };
    match runtime.block_on(dispatch(&global, &command)) {
        Ok(()) => exit::OK,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("switchboard: {}", f.message);
            }
            f.code
        }
    }
}

async fn dispatch(global: &Global, command: &Command) -> exit::CliResult {
    match command {
        Command::Login(args) => return login::login(global, args).await,
        Command::Logout => return login::logout(global).await,
        _ => {}
    }
    let client = session::client(global).await?;
    match command {
        Command::Service(cmd) => actions::service(&client, global, cmd).await,
        Command::Server(cmd) => actions::server(&client, global, cmd).await,
        Command::Instance(cmd) => actions::instance(&client, global, cmd).await,
        Command::Flow(cmd) => actions::flow(&client, global, cmd).await,
        Command::Batch(cmd) => actions::batch(&client, global, cmd).await,
        Command::Task(cmd) => reads::task(&client, global, cmd).await,
        Command::Resource(args::ResourceCmd::List { kind, state }) => {
            reads::resources(&client, global, kind.as_deref(), state.as_deref()).await
        }
        Command::Audit(args) => reads::audit(&client, global, args).await,
        Command::User(cmd) => admin::user(&client, global, cmd).await,
        Command::Policy(cmd) => admin::policy(&client, global, cmd).await,
        Command::Key(cmd) => admin::key(&client, global, cmd).await,
        Command::Login(_) | Command::Logout | Command::Completions { .. } | Command::Man => Ok(()),
    }
}
