//! The collector binary as a child process: `collector serve` is ready once it has printed its banner
//! (`collector listening on URL`), which it does after binding its listener and opening its ledger.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `collector serve`.
pub struct Serve {
    child: Child,
    /// Kept open: a closed pipe would make the collector's next line on stdout fail.
    _stdout: BufReader<ChildStdout>,
    /// Its base URL, from the banner (`http://127.0.0.1:PORT`).
    pub url: String,
}

impl Serve {
    /// Spawns `command` — a `collector serve …` — and waits for its banner. An early exit is an error that
    /// says how it ended (its stderr is the caller's to route).
    pub fn spawn(command: &mut Command) -> Result<Serve, String> {
        let mut child =
            command.stdout(Stdio::piped()).spawn().map_err(|e| format!("cannot start the collector: {e}"))?;
        let Some(stdout) = child.stdout.take() else { return Err("the collector's stdout was not piped".into()) };
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = stdout.read_line(&mut line).map_err(|e| format!("reading the collector's banner: {e}"));
        match line.trim().strip_prefix("collector listening on ") {
            Some(url) if read.is_ok() => Ok(Serve { url: url.to_owned(), child, _stdout: stdout }),
            _ => {
                let _ = child.kill();
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                Err(format!(
                    "the collector did not start ({status}); it printed {line:?} {}",
                    read.err().unwrap_or_default()
                ))
            }
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A free TCP port on 127.0.0.1 (free when asked: another process may take it before it is bound again).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// Polls `check` until it returns `Some`, for at most `timeout`: tests wait on state, never on time.
pub fn wait_until<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
