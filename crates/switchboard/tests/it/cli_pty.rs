//! The interactive progress display, driven in a pseudo-terminal and read back as a screen
//! (vt100): one bar per step in the DAG's order with parallel steps marked, the overall
//! percentage, and Ctrl-C detaching without cancelling.

use crate::common;

use common::cli::{setup, Cli};
use portable_pty::{native_pty_system, Child, CommandBuilder, PtySize};
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The CLI running in a terminal of 40×140 and what that terminal shows.
struct Terminal {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn std::io::Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Terminal {
    fn spawn(cli: &Cli, args: &[&str]) -> Terminal {
        Terminal::spawn_with(cli, args, &[])
    }

    fn spawn_with(cli: &Cli, args: &[&str], env: &[(&str, &str)]) -> Terminal {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 140,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_switchboard"));
        cmd.args(args);
        cmd.env("HOME", cli.home.path());
        cmd.env("XDG_CONFIG_HOME", cli.config_home());
        cmd.env("SWITCHBOARD_URL", &cli.url);
        cmd.env("TERM", "xterm-256color");
        for name in ["SWITCHBOARD_TOKEN", "SWITCHBOARD_PASSWORD", "NO_COLOR"] {
            cmd.env_remove(name);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(40, 140, 0)));
        let feed = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        Terminal {
            child,
            writer,
            screen,
            _master: pair.master,
        }
    }

    /// Whether any cell on screen has a colour of its own.
    fn coloured(&self) -> bool {
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        (0..40).any(|r| {
            (0..140).any(|c| {
                screen.cell(r, c).is_some_and(|cell| {
                    cell.fgcolor() != vt100::Color::Default
                        || cell.bgcolor() != vt100::Color::Default
                })
            })
        })
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen satisfies `test`; the screen then.
    fn until(&self, what: &str, test: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.contents();
            if test(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "screen never showed {what}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            assert!(
                Instant::now() < deadline,
                "still running:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test]
async fn the_progress_display_shows_a_bar_per_step_in_dag_order() {
    let (_dir, _server, cli) = setup("").await;
    let mut term = Terminal::spawn(&cli, &["service", "start", "Hive", "--with-deps", "--wait"]);
    // While it runs: the task's bar and one bar per step, parallel steps marked.
    let running = term.until("steps done, running and waiting at once", |s| {
        s.contains("task 1 start mrs.1.Hive")
            && s.contains("done")
            && s.contains("running")
            && s.contains("waiting")
    });
    let at = |needle: &str| {
        running
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not on screen:\n{running}"))
    };
    eprintln!("while running:\n{running}");
    // ZooKeeper and DBService run in wave 1, side by side; HDFS then; Hive last.
    assert!(running.contains("1∥ start ZooKeeper"), "{running}");
    assert!(running.contains("1∥ start DBService"), "{running}");
    assert!(at("start ZooKeeper") < at("start HDFS") && at("start HDFS") < at("start Hive"));
    let done = term.until("the end", |s| s.contains("task 1 COMPLETE"));
    eprintln!("at the end:\n{done}");
    assert!(done.contains("100%"), "{done}");
    assert!(done.contains("done"), "{done}");
    assert_eq!(term.exit_code(), 0, "{done}");
}

#[tokio::test]
async fn ctrl_c_detaches_and_the_task_keeps_running() {
    let hang = "[[sim.faults]]\nresource = \"Kafka\"\naction = \"start\"\nhang = true\n";
    let (_dir, _server, cli) = setup(hang).await;
    let mut term = Terminal::spawn(
        &cli,
        &["service", "start", "Kafka", "--with-deps", "--wait"],
    );
    term.until("Kafka running", |s| {
        s.contains("start Kafka") && s.contains("running")
    });
    term.writer.write_all(b"\x03").unwrap();
    term.writer.flush().unwrap();
    let screen = term.until("the detach message", |s| s.contains("Detached from task"));
    assert!(screen.contains("not cancelled"), "{screen}");
    assert!(screen.contains("switchboard task watch"), "{screen}");
    assert_eq!(term.exit_code(), 130, "{screen}");
    let tasks = cli.ok(&["task", "list", "-o", "json"]).json();
    assert_eq!(tasks["tasks"][0]["state"], "IN_PROGRESS", "{tasks}");
}

#[tokio::test]
async fn no_color_turns_colours_off() {
    let (_dir, _server, cli) = setup("").await;
    let args = ["service", "start", "HDFS", "--with-deps", "--wait"];
    let mut plain = Terminal::spawn_with(&cli, &args, &[("NO_COLOR", "1")]);
    let screen = plain.until("the end", |s| s.contains("COMPLETE in"));
    assert_eq!(plain.exit_code(), 0, "{screen}");
    assert!(!plain.coloured(), "NO_COLOR, yet colours:\n{screen}");
    let mut coloured = Terminal::spawn(&cli, &["service", "stop", "HDFS", "--wait"]);
    let screen = coloured.until("the end", |s| s.contains("COMPLETE in"));
    assert_eq!(coloured.exit_code(), 0, "{screen}");
    assert!(coloured.coloured(), "no colours on a terminal:\n{screen}");
}

#[tokio::test]
async fn login_prompts_for_the_password_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::cli::server_with(dir.path(), "").await;
    let cli = Cli::new(&server.base);
    let mut term = Terminal::spawn(&cli, &["login", "--user", "admin"]);
    term.until("the prompt", |s| {
        s.contains("Password for admin@switchboard:")
    });
    term.writer
        .write_all(format!("{}\r", common::binary::PASSWORD).as_bytes())
        .unwrap();
    term.writer.flush().unwrap();
    let screen = term.until("logged in", |s| s.contains("Logged in to"));
    assert!(
        !screen.contains(common::binary::PASSWORD),
        "the password is not echoed"
    );
    assert_eq!(term.exit_code(), 0, "{screen}");
    cli.ok(&["task", "list"]);
}
