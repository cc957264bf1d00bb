//! Shared helpers for the workspace's integration tests (snapshots of the generator's output,
//! client tests against a local HTTP server).

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repository root")
        .to_path_buf()
}

/// A snapshot name for an emitted file path: `generated/src/models/mod.rs` → `generated__src__models__mod.rs`.
/// Runs `cargo {args}` (`args[0]` the subcommand) in the scratch workspace `dir` (offline, two jobs, warnings denied) with
/// the target directory every scratch crate shares, so that okta-client's dependencies are
/// checked once for all of them; panics with `what` and cargo's output when it fails.
pub fn cargo_in_scratch(dir: &std::path::Path, args: &[&str], what: &str) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(dir)
        .args(&args[..1])
        .args(["-q", "--offline", "-j", "2"])
        .args(&args[1..])
        .env(
            "CARGO_TARGET_DIR",
            repo_root().join("target/fixture-crates/target"),
        )
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo");
    assert!(
        out.status.success(),
        "{what} (in {}):\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn snapshot_name(prefix: &str, path: &str) -> String {
    format!("{prefix}__{}", path.replace('/', "__"))
}

/// Checks every `(name, contents)` pair against its insta snapshot and fails once at the end,
/// naming every mismatch, instead of stopping at the first: each mismatch still prints its diff
/// and leaves its `.snap.new` beside the snapshot, so that one run shows the whole change (and
/// `cargo insta review` or `INSTA_UPDATE=always` takes it all at once).
///
/// A macro rather than a function so that insta files the snapshots beside the calling test.
#[macro_export]
macro_rules! assert_snapshots {
    ($items:expr) => {{
        let mut settings = ::insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        let mut differ: Vec<String> = Vec::new();
        let mut checked = 0usize;
        settings.bind(|| {
            for (name, contents) in $items {
                let (name, contents): (String, String) = (name, contents);
                checked += 1;
                let check = std::panic::AssertUnwindSafe(|| {
                    ::insta::assert_snapshot!(name.clone(), contents.as_str());
                });
                if std::panic::catch_unwind(check).is_err() {
                    differ.push(name);
                }
            }
        });
        assert!(
            differ.is_empty(),
            "{} of {checked} snapshots differ (each diff is printed above, each `.snap.new` written):\n  {}\n\
             review them all with `cargo insta review`, or accept them all with \
             `INSTA_UPDATE=always cargo test -p tests --test snapshots` and read `git diff`",
            differ.len(),
            differ.join("\n  "),
        );
    }};
}

/// The README's Rust example, compiled as a doctest so that it always matches the crate.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod bench_server {
    //! A minimal HTTP/1.1 keep-alive server on 127.0.0.1 for benchmarks: it answers every
    //! request with the body (and `Link` header) that a handler picks from the request target,
    //! so that the client under test, not the server, dominates the measurement.

    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// What to answer for a request target (`/api/v1/inlineHooks?after=3`): body and next link.
    pub type Handler = Arc<dyn Fn(&str) -> (Arc<Vec<u8>>, Option<String>) + Send + Sync>;

    /// Starts the server on a free port and returns its base URL.
    pub async fn start(handler: Handler) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let _ = sock.set_nodelay(true);
                let handler = handler.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::with_capacity(8192);
                    let mut chunk = [0u8; 8192];
                    loop {
                        // Read one request head (the benchmarks send no bodies).
                        let end = loop {
                            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        buf.drain(..end);
                        let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                        let (body, next) = handler(&target);
                        let mut resp = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-okta-request-id: bench\r\n",
                            body.len()
                        );
                        if let Some(n) = next {
                            resp.push_str(&format!("link: <{n}>; rel=\"next\"\r\n"));
                        }
                        resp.push_str("\r\n");
                        // One write per response: head and body together.
                        let mut out = resp.into_bytes();
                        out.extend_from_slice(&body);
                        if sock.write_all(&out).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("http://{addr}")
    }
}

pub mod traces {
    //! Captures everything `tracing` prints during a test, to check what reaches the logs.

    use std::sync::{Arc, Mutex};

    /// A writer that keeps what it is given.
    #[derive(Clone, Default)]
    pub struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
        }
    }

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    thread_local! {
        static SINK: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
    }

    /// Writes to the capture of the current thread, if it has one.
    struct ThreadSink;

    impl std::io::Write for ThreadSink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            SINK.with(|s| {
                if let Some(c) = s.borrow_mut().as_mut() {
                    let _ = c.write(buf);
                }
            });
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Ends the capture of this thread when dropped.
    pub struct Guard(());

    impl Drop for Guard {
        fn drop(&mut self) {
            SINK.with(|s| *s.borrow_mut() = None);
        }
    }

    /// Sends every event and span (at TRACE) of this thread to the returned writer while the
    /// guard lives.
    ///
    /// One global subscriber (installed on first use) writes to a per-thread sink. A
    /// per-test `set_default` subscriber would race with the callsite-interest cache of
    /// `tracing` when other tests of the binary emit at the same time, and lose events.
    pub fn capture() -> (Captured, Guard) {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                .with_writer(|| ThreadSink)
                .with_ansi(false)
                .finish();
            let _ = tracing::subscriber::set_global_default(subscriber);
        });
        let captured = Captured::default();
        SINK.with(|s| *s.borrow_mut() = Some(captured.clone()));
        (captured, Guard(()))
    }
}

/// One inline hook as the benchmarks serve it (item `i` of a page).
pub fn bench_hook(i: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("cal{i:017}"),
        "status": "ACTIVE",
        "name": format!("Hook {i}"),
        "type": "com.okta.oauth2.tokens.transform",
        "version": "1.0.0",
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {
            "uri": "https://www.example.com/inlineHook", "method": "POST",
            "headers": [{"key": "X-Other-Header", "value": "some-other-value"}],
            "authScheme": {"type": "HEADER", "key": "Authorization"}}},
        "created": "2018-05-15T01:23:08.000Z",
        "lastUpdated": "2018-05-15T01:23:08.000Z",
        "customField": {"kept": true}
    })
}

pub mod captured_metrics;
pub mod okta_hooks;

pub mod okta_sim {
    //! An HTTP/1.1 server on 127.0.0.1 that enforces Okta-style rate limits, for the rate-limit
    //! benchmark and tests: per-route buckets in windows aligned on the Unix clock (scaled down
    //! from Okta's minute), reported in `X-Rate-Limit-*` headers with `Date`, a `429` when a
    //! bucket is spent, and an org-wide limit on requests in flight whose `429` carries that
    //! limit's headers. It counts everything it answers.

    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// The server's rules.
    #[derive(Clone, Debug)]
    pub struct Rules {
        /// The length of a window in whole seconds (Okta: 60).
        pub window_secs: u64,
        /// Requests per window for each bucket, by bucket name (see [`bucket_of`]); buckets
        /// not listed get `default_limit`.
        pub limits: HashMap<String, u64>,
        pub default_limit: u64,
        /// Requests in flight at once, org-wide, before a concurrency `429` (Okta: 75).
        pub concurrency: u64,
        /// The part of each bucket one principal (one `Authorization` value: an API token or
        /// an OAuth app) may use, in `(0, 1]` (Okta: 0.5 by default, 1 when switched off). The
        /// headers then describe the principal's share: its limit, and what is left of it (or
        /// of the org's bucket, when that is lower).
        pub principal_share: f64,
        /// How long the server works on each accepted request.
        pub service: Duration,
    }

    /// What the server answered.
    #[derive(Debug, Default)]
    pub struct Stats {
        pub ok: AtomicU64,
        pub bucket_429s: AtomicU64,
        pub concurrency_429s: AtomicU64,
        pub max_in_flight: AtomicU64,
        /// `429`s for a spent bucket, by bucket and window number.
        pub bucket_429s_by_window: Mutex<HashMap<(String, u64), u64>>,
        /// Successful answers per request target (path and query).
        pub completions: Mutex<HashMap<String, u64>>,
    }

    struct Server {
        rules: Rules,
        stats: Arc<Stats>,
        in_flight: AtomicU64,
        /// Per bucket: the window number and the requests counted in it.
        windows: Mutex<HashMap<String, (u64, u64)>>,
        /// Per bucket and principal: the window number and the requests counted in it.
        principal_windows: Mutex<HashMap<(String, String), (u64, u64)>>,
    }

    /// The bucket of `method` and `path`: the method and the first three segments, plus `/{id}`
    /// when the path goes deeper (`GET /api/v1/users/{id}`).
    pub fn bucket_of(method: &str, path: &str) -> String {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut b = format!(
            "{method} /{}",
            segments
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join("/")
        );
        if segments.len() > 3 {
            b.push_str("/{id}");
        }
        b
    }

    fn now() -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }

    impl Server {
        /// The status and rate-limit headers for a request arriving now.
        fn admit(&self, method: &str, path: &str, principal: &str) -> (u16, String) {
            let bucket = bucket_of(method, path);
            let now = now();
            let window = now.as_secs() / self.rules.window_secs.max(1);
            let reset = (window + 1) * self.rules.window_secs.max(1);
            let in_flight = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.stats
                .max_in_flight
                .fetch_max(in_flight, Ordering::SeqCst);
            if in_flight > self.rules.concurrency {
                self.stats.concurrency_429s.fetch_add(1, Ordering::SeqCst);
                // Okta describes the concurrency limit, with only an estimate of a reset.
                return (
                    429,
                    format!(
                        "x-rate-limit-limit: {}\r\nx-rate-limit-remaining: 0\r\nx-rate-limit-reset: {}\r\n",
                        self.rules.concurrency,
                        now.as_secs() + 60
                    ),
                );
            }
            let org_limit = *self
                .rules
                .limits
                .get(&bucket)
                .unwrap_or(&self.rules.default_limit);
            let share = self.rules.principal_share.clamp(0.0, 1.0);
            let limit = ((org_limit as f64 * share).floor() as u64).max(1);
            let mut windows = self.windows.lock().unwrap();
            let mut mine = self.principal_windows.lock().unwrap();
            let entry = windows.entry(bucket.clone()).or_insert((window, 0));
            if entry.0 != window {
                *entry = (window, 0);
            }
            let own = mine
                .entry((bucket.clone(), principal.to_string()))
                .or_insert((window, 0));
            if own.0 != window {
                *own = (window, 0);
            }
            if entry.1 >= org_limit || own.1 >= limit {
                drop(windows);
                drop(mine);
                self.stats.bucket_429s.fetch_add(1, Ordering::SeqCst);
                *self
                    .stats
                    .bucket_429s_by_window
                    .lock()
                    .unwrap()
                    .entry((bucket, window))
                    .or_default() += 1;
                return (
                    429,
                    format!("x-rate-limit-limit: {limit}\r\nx-rate-limit-remaining: 0\r\nx-rate-limit-reset: {reset}\r\n"),
                );
            }
            entry.1 += 1;
            own.1 += 1;
            let remaining = (limit - own.1).min(org_limit - entry.1);
            (
                200,
                format!("x-rate-limit-limit: {limit}\r\nx-rate-limit-remaining: {remaining}\r\nx-rate-limit-reset: {reset}\r\n"),
            )
        }
    }

    /// Starts the server on a free port; returns its base URL and its counters.
    pub async fn start(rules: Rules) -> (String, Arc<Stats>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stats = Arc::new(Stats::default());
        let server = Arc::new(Server {
            rules,
            stats: stats.clone(),
            in_flight: AtomicU64::new(0),
            windows: Mutex::new(HashMap::new()),
            principal_windows: Mutex::new(HashMap::new()),
        });
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let _ = sock.set_nodelay(true);
                let server = server.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::with_capacity(4096);
                    let mut chunk = [0u8; 4096];
                    loop {
                        let end = loop {
                            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        buf.drain(..end);
                        let mut words = head.split_whitespace();
                        let method = words.next().unwrap_or("GET").to_string();
                        let target = words.next().unwrap_or("/").to_string();
                        let path = target.split('?').next().unwrap_or("/").to_string();
                        let principal = head
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("authorization")
                                    .then(|| value.trim().to_string())
                            })
                            .unwrap_or_default();
                        let (status, limits) = server.admit(&method, &path, &principal);
                        let body: &[u8] = if status == 200 {
                            tokio::time::sleep(server.rules.service).await;
                            *server
                                .stats
                                .completions
                                .lock()
                                .unwrap()
                                .entry(target)
                                .or_default() += 1;
                            server.stats.ok.fetch_add(1, Ordering::SeqCst);
                            if path.split('/').filter(|s| !s.is_empty()).count() > 3 {
                                b"{\"id\":\"x\"}"
                            } else {
                                b"[]"
                            }
                        } else {
                            b"{\"errorCode\":\"E0000047\",\"errorSummary\":\"API call exceeded rate limit due to too many requests.\"}"
                        };
                        server.in_flight.fetch_sub(1, Ordering::SeqCst);
                        let reason = if status == 200 {
                            "OK"
                        } else {
                            "Too Many Requests"
                        };
                        let mut out = format!(
                            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\ndate: {}\r\n{limits}\r\n",
                            body.len(),
                            httpdate::fmt_http_date(SystemTime::now()),
                        )
                        .into_bytes();
                        out.extend_from_slice(body);
                        if sock.write_all(&out).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (format!("http://{addr}"), stats)
    }
}

pub mod tail_fault;

pub mod redis_server {
    //! A real `redis-server` on a free port of 127.0.0.1 for the tests and benchmarks of the
    //! shared budget: no persistence, stopped (killed) when dropped. A test that needs Redis
    //! fails when `redis-server` cannot be started (install it with
    //! `apt-get install -y redis-server`); it never skips.

    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    /// A running (or stopped) `redis-server`.
    pub struct RedisServer {
        child: Option<Child>,
        port: u16,
        tls: Option<Certs>,
    }

    /// A test CA and a server certificate it signed for 127.0.0.1, made with the `openssl`
    /// command line tool, in their own temporary directory.
    struct Certs {
        dir: PathBuf,
        ca_pem: Vec<u8>,
    }

    impl Certs {
        fn make() -> Certs {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "okta-redis-tls-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("san.ext"),
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
            )
            .unwrap();
            let openssl = |args: &[&str]| {
                let out = Command::new("openssl")
                    .current_dir(&dir)
                    .args(args)
                    .output()
                    .unwrap_or_else(|e| {
                        panic!("cannot run openssl ({e}); the Redis TLS tests make their certificates with it")
                    });
                assert!(
                    out.status.success(),
                    "openssl {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            let rsa = ["-newkey", "rsa:2048", "-nodes"];
            openssl(
                &[
                    &["req", "-x509"][..],
                    &rsa,
                    &["-keyout", "ca.key", "-out", "ca.crt"],
                    &["-days", "2", "-subj", "/CN=okta-client test CA"],
                ]
                .concat(),
            );
            openssl(
                &[
                    &["req"][..],
                    &rsa,
                    &["-keyout", "server.key", "-out", "server.csr"],
                    &["-subj", "/CN=localhost"],
                ]
                .concat(),
            );
            openssl(&[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-extfile",
                "san.ext",
            ]);
            let ca_pem = std::fs::read(dir.join("ca.crt")).unwrap();
            Certs { dir, ca_pem }
        }
    }

    impl Drop for Certs {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    impl RedisServer {
        /// Starts a server on a free port and waits until it answers `PING`.
        pub fn start() -> RedisServer {
            RedisServer::start_with(None)
        }

        /// Starts a server that speaks only TLS (`rediss://`), with a certificate for
        /// 127.0.0.1 signed by a test CA ([`RedisServer::ca_pem`]), and waits until it accepts
        /// connections. Clients need not present a certificate.
        pub fn start_tls() -> RedisServer {
            RedisServer::start_with(Some(Certs::make()))
        }

        fn start_with(tls: Option<Certs>) -> RedisServer {
            // redis-server has no `--port 0`: take a free port from the OS and hand it over.
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free local port")
                .port();
            let mut server = RedisServer {
                child: None,
                port,
                tls,
            };
            server.restart();
            server
        }

        /// The URL clients connect to (`rediss://` for a TLS server).
        pub fn url(&self) -> String {
            let scheme = if self.tls.is_some() {
                "rediss"
            } else {
                "redis"
            };
            format!("{scheme}://127.0.0.1:{}/", self.port)
        }

        /// The test CA's certificate (PEM) of a TLS server.
        pub fn ca_pem(&self) -> Option<&[u8]> {
            self.tls.as_ref().map(|c| c.ca_pem.as_slice())
        }

        /// A client of this server; for a TLS server, one that trusts the test CA.
        pub fn client(&self) -> redis::Client {
            match self.ca_pem() {
                None => redis::Client::open(self.url()).unwrap(),
                Some(ca) => redis::Client::build_with_tls(
                    self.url(),
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(ca.to_vec()),
                    },
                )
                .unwrap(),
            }
        }

        pub fn port(&self) -> u16 {
            self.port
        }

        /// Kills the server (as a crash or an outage would), keeping the port for a restart.
        pub fn stop(&mut self) {
            if let Some(mut child) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }

        /// Pauses the server with `SIGSTOP` (what a long fork, a VM pause or a stuck host
        /// does): connections stay open, nothing is answered until [`RedisServer::resume`].
        pub fn pause(&self) {
            self.signal("-STOP");
        }

        /// Continues a paused server with `SIGCONT`; it then runs what it received meanwhile.
        pub fn resume(&self) {
            self.signal("-CONT");
        }

        fn signal(&self, signal: &str) {
            let pid = self
                .child
                .as_ref()
                .expect("a running redis-server to signal")
                .id();
            let status = Command::new("kill")
                .arg(signal)
                .arg(pid.to_string())
                .status()
                .expect("kill");
            assert!(status.success(), "kill {signal} {pid}");
        }

        /// Starts the server again on the same port, empty, and waits for `PING`.
        pub fn restart(&mut self) {
            self.stop();
            let dir = std::env::temp_dir();
            let port = self.port.to_string();
            let mut command = Command::new("redis-server");
            match &self.tls {
                None => command.args(["--port", &port]),
                Some(c) => command
                    .args([
                        "--port",
                        "0",
                        "--tls-port",
                        &port,
                        "--tls-auth-clients",
                        "no",
                    ])
                    .arg("--tls-cert-file")
                    .arg(c.dir.join("server.crt"))
                    .arg("--tls-key-file")
                    .arg(c.dir.join("server.key"))
                    .arg("--tls-ca-cert-file")
                    .arg(c.dir.join("ca.crt")),
            };
            let child = command
                .args(["--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start redis-server ({e}); the shared-budget tests need a real \
                         Redis: install it with `apt-get install -y redis-server` (.ci/run does)"
                    )
                });
            self.child = Some(child);
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if self.ping() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            self.stop();
            panic!(
                "redis-server on port {} did not answer PING within 10 s",
                self.port
            );
        }

        /// Whether the server answers `PING` now (a TLS server: whether it accepts
        /// connections; the test connects through TLS afterwards).
        pub fn ping(&self) -> bool {
            let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
                return false;
            };
            if self.tls.is_some() {
                return true;
            }
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = [0u8; 7];
            s.write_all(b"PING\r\n").is_ok()
                && s.read_exact(&mut buf).is_ok()
                && &buf == b"+PONG\r\n"
        }

        /// A connection, to read back what clients wrote (or to FLUSHALL it).
        pub fn connection(&self) -> redis::Connection {
            self.client()
                .get_connection()
                .expect("a connection to the test's redis-server")
        }

        /// Every key with its type and contents, as text (hash fields, set members and scores,
        /// strings), for checking what the client wrote.
        pub fn dump(&self) -> Vec<(String, String)> {
            let mut con = self.connection();
            let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
            let mut out = Vec::new();
            for key in keys {
                let kind: String = redis::cmd("TYPE").arg(&key).query(&mut con).unwrap();
                let value = match kind.as_str() {
                    "hash" => {
                        let v: Vec<String> =
                            redis::cmd("HGETALL").arg(&key).query(&mut con).unwrap();
                        v.join(" ")
                    }
                    "zset" => {
                        let v: Vec<String> = redis::cmd("ZRANGE")
                            .arg(&key)
                            .arg(0)
                            .arg(-1)
                            .arg("WITHSCORES")
                            .query(&mut con)
                            .unwrap();
                        v.join(" ")
                    }
                    "string" => redis::cmd("GET").arg(&key).query(&mut con).unwrap(),
                    "none" => continue,
                    other => format!("<{other}>"),
                };
                out.push((key, value));
            }
            out.sort();
            out
        }
    }

    impl Drop for RedisServer {
        fn drop(&mut self) {
            // Continued first, so that a test failing while Redis is paused leaves nothing
            // stopped behind.
            if self.child.is_some() {
                self.resume();
            }
            self.stop();
        }
    }
}
