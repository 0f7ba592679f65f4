//! The Windows build run, not only built: every headless command a consultant uses on Windows,
//! run from `preflight.exe` (`x86_64-pc-windows-gnu`) under Wine and from the Linux binary
//! side by side, against the same real loopback servers the Linux tests use (`openssl s_server`
//! and `gnutls-serv`, the hickory DNS server of `tests/common`, pysqlbridge through TDS, listeners),
//! asserting the same outputs; and what differs on Windows: the data and config directories
//! under `%APPDATA%`, the hosts file under `%SystemRoot%`, a private key's ACL (seen through
//! Wine, which keeps a file's DACL beside it and maps it onto the Unix mode), paths with drive
//! letters and backslashes in every file argument and in the printed verification commands (run
//! as printed, by `cmd.exe`), and files written on Windows with CRLF line ends read as Linux
//! reads them.
//!
//! `scripts/test-windows` (which `.ci/run` calls) builds the `.exe`, makes the Wine prefix with
//! the stand-in for `bcryptprimitives.dll` that Debian 12's Wine 8 lacks, and runs this with
//! `PREFLIGHT_WINDOWS_EXE` and `WINEPREFIX` set. A plain `cargo test` lists it as ignored (it
//! needs that build); run without them it fails, naming the script, and never skips.
//! Wine is no judge of the TUI (its console draws it garbled), so the TUI is not run here.

mod common;

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::dns_server::DnsServer;
use common::home::Home;
use common::server::{Server, free_port};
use common::{Out, run_with_deadline};
use serde_json::Value;

const LINUX_BIN: &str = env!("CARGO_BIN_EXE_preflight");

/// The test TDS server's login password, given to both binaries as `PREFLIGHT_SQL_PASSWORD`.
const SQL_PASSWORD: &str = "Probe-Pw-2026!";

/// A command under Wine pays for Wine's start; a TLS scan of a server is the slowest.
const WINE_LIMIT: Duration = Duration::from_secs(120);

/// What ran, printed at the end: each run of either binary, and each assertion.
#[derive(Default)]
struct Tally {
    linux: usize,
    windows: usize,
    assertions: usize,
}

/// The Windows build under Wine, with the prefix `scripts/test-windows` made.
struct Windows {
    exe: PathBuf,
    prefix: PathBuf,
    /// `%APPDATA%` as Windows names it (`C:\users\NAME\AppData\Roaming`) and where it is here.
    appdata: String,
    appdata_unix: PathBuf,
}

fn wine() -> Command {
    let mut cmd = Command::new("wine");
    cmd.env("WINEDEBUG", "-all")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    cmd
}

impl Windows {
    fn from_env() -> Self {
        const HOW: &str = "run scripts/test-windows (as .ci/run does): it builds the Windows \
                           binary and a Wine prefix, then runs this test";
        let exe = PathBuf::from(
            std::env::var_os("PREFLIGHT_WINDOWS_EXE")
                .unwrap_or_else(|| panic!("PREFLIGHT_WINDOWS_EXE is not set; {HOW}")),
        );
        let prefix = PathBuf::from(
            std::env::var_os("WINEPREFIX")
                .unwrap_or_else(|| panic!("WINEPREFIX is not set; {HOW}")),
        );
        assert!(exe.is_file(), "{} is missing; {HOW}", exe.display());
        let mut w = Self {
            exe,
            prefix,
            appdata: String::new(),
            appdata_unix: PathBuf::new(),
        };
        let out = w.raw(&["cmd.exe", "/c", "echo %APPDATA%"]);
        out.stdout.trim().clone_into(&mut w.appdata);
        let out = w.raw(&["winepath.exe", "-u", &w.appdata]);
        w.appdata_unix = PathBuf::from(out.stdout.trim());
        assert!(
            w.appdata.starts_with("C:\\") && w.appdata_unix.is_dir(),
            "%APPDATA% is {:?} at {}",
            w.appdata,
            w.appdata_unix.display()
        );
        w
    }

    /// A Wine program (not preflight), for what the test needs to know of the prefix.
    fn raw(&self, args: &[&str]) -> Out {
        let mut cmd = wine();
        cmd.args(args).env("WINEPREFIX", &self.prefix);
        let out = run_with_deadline(cmd, &format!("wine {}", args.join(" ")), WINE_LIMIT);
        assert_eq!(out.code, 0, "wine {}:\n{}", args.join(" "), out.both());
        out
    }

    fn command(&self, args: &[&str], dir: &Path) -> Command {
        let mut cmd = wine();
        cmd.arg(&self.exe)
            .args(args)
            .current_dir(dir)
            .env("WINEPREFIX", &self.prefix)
            .env("PREFLIGHT_USER", "tester")
            .env("PREFLIGHT_SQL_PASSWORD", SQL_PASSWORD);
        cmd
    }
}

/// A Unix path as the Windows build sees it: Wine's drive Z: is `/`.
fn win(p: &Path) -> String {
    format!("Z:{}", p.display()).replace('/', "\\")
}

/// One test's world: the Linux binary in a throw-away home, the Windows one in the Wine
/// prefix, a folder for the files both read and write, and the tally.
struct Both {
    linux: Home,
    windows: Windows,
    work: tempfile::TempDir,
    tally: Tally,
}

/// A file argument: the same file named the Unix way for Linux and the Windows way (drive
/// letter, backslashes) for Windows.
#[derive(Clone, Copy)]
enum Arg<'a> {
    Word(&'a str),
    File(&'a Path),
}
use Arg::{File, Word};

impl Both {
    fn new() -> Self {
        let windows = Windows::from_env();
        // Each run starts with no preflight data in the prefix.
        let _ = fs::remove_dir_all(windows.appdata_unix.join("preflight"));
        Self {
            linux: Home::new(),
            windows,
            work: tempfile::tempdir().expect("tempdir"),
            tally: Tally::default(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.work.path().join(name)
    }

    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.tally.assertions += 1;
        assert!(ok, "{}", what());
    }

    fn same<T: PartialEq + std::fmt::Debug>(&mut self, linux: &T, windows: &T, what: &str) {
        self.tally.assertions += 1;
        assert_eq!(
            linux, windows,
            "{what}: Linux (left) and Windows (right) differ"
        );
    }

    fn run_linux(&mut self, args: &[Arg<'_>]) -> Out {
        self.tally.linux += 1;
        let args: Vec<String> = args
            .iter()
            .map(|a| match a {
                Word(w) => (*w).to_owned(),
                File(p) => p.display().to_string(),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = self.linux.command(&args);
        cmd.env("PREFLIGHT_SQL_PASSWORD", SQL_PASSWORD);
        common::run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
    }

    /// Runs one of the two.
    fn run_on(&mut self, windows: bool, args: &[Arg<'_>]) -> Out {
        if windows {
            self.run_windows(args)
        } else {
            self.run_linux(args)
        }
    }

    fn run_windows(&mut self, args: &[Arg<'_>]) -> Out {
        self.tally.windows += 1;
        let args: Vec<String> = args
            .iter()
            .map(|a| match a {
                Word(w) => (*w).to_owned(),
                File(p) => win(p),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let cmd = self.windows.command(&args, self.work.path());
        run_with_deadline(
            cmd,
            &format!("preflight.exe {}", args.join(" ")),
            WINE_LIMIT,
        )
    }

    /// Runs both, asserts the exit codes are `code` on both, and gives both outputs with
    /// Windows paths and times written the Linux way.
    fn both(&mut self, args: &[Arg<'_>], code: i32) -> (Out, Out) {
        let l = self.run_linux(args);
        let w = self.run_windows(args);
        let what = args
            .iter()
            .map(|a| match a {
                Word(w) => (*w).to_owned(),
                File(p) => p.display().to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ");
        self.check(l.code == code, || format!("Linux: {what}: {}", l.both()));
        self.check(w.code == code, || format!("Windows: {what}: {}", w.both()));
        let (l, w) = (self.plain(&l, false), self.plain(&w, true));
        (l, w)
    }

    /// Runs both and asserts the same stdout and stderr, as text; gives them together.
    fn same_text(&mut self, args: &[Arg<'_>], code: i32) -> String {
        let (l, w) = self.both(args, code);
        self.same(
            &l.stdout,
            &w.stdout,
            &format!("stdout of {}", describe(args)),
        );
        self.same(
            &l.stderr,
            &w.stderr,
            &format!("stderr of {}", describe(args)),
        );
        format!("{}{}", l.stdout, l.stderr)
    }

    /// Runs both with `--format json` and asserts the same document, less what varies by run.
    fn same_json(&mut self, args: &[Arg<'_>], code: i32) -> Value {
        let (l, w) = self.both(args, code);
        let parse = |o: &Out| {
            serde_json::from_str::<Value>(&o.stdout)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", o.both()))
        };
        let (l, w) = (steady(parse(&l)), steady(parse(&w)));
        self.same(&l, &w, &format!("JSON of {}", describe(args)));
        l
    }

    /// Output with this run's varying parts made comparable: Windows paths as Unix paths
    /// (the work folder on Z:, and `%APPDATA%\preflight\…` as the Linux home's folders) and
    /// times as `<time>`.
    fn plain(&self, o: &Out, windows: bool) -> Out {
        let fix = |s: &str| {
            let s = if windows {
                // Folders with a space first: a path otherwise runs to the first space.
                let mut s = s.to_owned();
                for dir in fs::read_dir(self.work.path())
                    .expect("work folder")
                    .flatten()
                {
                    let dir = dir.path();
                    if dir.is_dir() {
                        s = s.replace(&format!("{}\\", win(&dir)), &format!("{}/", dir.display()));
                    }
                }
                let s = unix_paths(
                    &s,
                    &win(self.work.path()),
                    &self.work.path().display().to_string(),
                );
                let s = unix_paths(
                    &s,
                    &format!("{}\\preflight\\config", self.windows.appdata),
                    &self.linux.path("config/preflight").display().to_string(),
                );
                unix_paths(
                    &s,
                    &format!("{}\\preflight\\data", self.windows.appdata),
                    &self.linux.path("data/preflight").display().to_string(),
                )
            } else {
                s.to_owned()
            };
            times(&s)
        };
        Out {
            code: o.code,
            stdout: fix(&o.stdout),
            stderr: fix(&o.stderr),
        }
    }
}

fn describe(args: &[Arg<'_>]) -> String {
    args.iter()
        .map(|a| match a {
            Word(w) => (*w).to_owned(),
            File(p) => p
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` with each path under the Windows folder `from` written as the Unix path under `to`
/// (the path runs to a space, quote or line end; JSON's doubled backslashes are taken too).
fn unix_paths(text: &str, from: &str, to: &str) -> String {
    let mut out = text.to_owned();
    for (from, sep) in [
        (from.replace('\\', "\\\\"), "\\\\"),
        (from.to_owned(), "\\"),
    ] {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(&from) {
            result.push_str(&rest[..i]);
            result.push_str(to);
            rest = &rest[i + from.len()..];
            let end = rest
                .find(|c: char| c.is_whitespace() || "\"'`),;".contains(c))
                .unwrap_or(rest.len());
            result.push_str(&rest[..end].replace(sep, "/"));
            rest = &rest[end..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Every `YYYY-MM-DDTHH:MM:SSZ` as `<time>`, every measured `N ms` as `ms`, and each run of
/// spaces as one (a column is wider for a slower answer).
fn times(text: &str) -> String {
    let text = moments(text);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        let words: Vec<&str> = body.split(' ').filter(|w| !w.is_empty()).collect();
        let kept: Vec<&str> = words
            .iter()
            .enumerate()
            .filter(|&(i, w)| {
                !(w.bytes().all(|b| b.is_ascii_digit()) && words.get(i + 1) == Some(&"ms"))
            })
            .map(|(_, w)| *w)
            .collect();
        out.push_str(&kept.join(" "));
        out.push_str(end);
    }
    out
}

/// Every `YYYY-MM-DDTHH:MM:SSZ` as `<time>`.
fn moments(text: &str) -> String {
    let b = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let fits = b.len() - i >= shape.len()
            && shape.iter().zip(&b[i..]).all(|(s, c)| match s {
                b'd' => c.is_ascii_digit(),
                s => s == c,
            });
        if fits {
            out.push_str("<time>");
            i += shape.len();
        } else {
            let ch = text[i..].chars().next().expect("a char");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// A JSON document without what differs from run to run: durations (`ms`, `*_ms` that are
/// measured), times, a scan's handshake count (a refusal seen after another protocol's answer
/// is confirmed by asking again, so the count moves by a few with the order the protocols'
/// tasks happen to finish), whole days left on a certificate (pysqlbridge makes its own, valid
/// 365 days from its start, so the count drops a day a second later; the expiry warning's days
/// are compared on a certificate that expires mid-day), and how many connections happened to
/// be open at once (kept as whether it stayed within the server's budget of 5).
fn steady(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "ms" | "elapsed_ms" | "duration_ms" | "handshakes" | "days_left"
                    )
                })
                .map(|(k, v)| match (k.as_str(), v.as_u64()) {
                    ("peak_connections", Some(1..=5)) => (k, Value::from("1 to 5")),
                    _ => (k, steady(v)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(steady).collect()),
        Value::String(s) => Value::String(times(&s)),
        other => other,
    }
}

/// `text` with CRLF line ends, as Notepad writes it.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// Starts `cmd` (which listens on `port`) and waits until it accepts; `package` is what to
/// install when it is missing.
fn serve(cmd: Command, port: u16, package: &str) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    Server::start(cmd, port, dir, &format!("install {package}"))
}

/// A certificate and key for the TLS servers: a self-signed RSA certificate for `localhost`
/// that expires in two and a half days, so both builds warn of its expiry with the same whole
/// days left however far apart in the run they scan it.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let pair = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .expect("rsa key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::hours(60);
    let signed = params.self_signed(&pair).expect("self-signed");
    fs::write(&cert, signed.pem()).expect("cert.pem");
    fs::write(&key, pair.serialize_pem()).expect("key.pem");
    (cert, key)
}

#[test]
#[ignore = "runs the Windows build under Wine: scripts/test-windows (.ci/run runs it)"]
fn the_windows_build_does_what_the_linux_build_does() {
    let mut t = Both::new();
    let started = Instant::now();
    checklists(&mut t);
    sessions_live_in_appdata(&mut t);
    site_files(&mut t);
    let allowed = keygen_in_appdata(&mut t);
    reports(&mut t, &allowed);
    hosts(&mut t);
    tcp(&mut t);
    dns_and_probe(&mut t);
    tls(&mut t);
    tds(&mut t);
    let Tally {
        linux,
        windows,
        assertions,
    } = t.tally;
    println!(
        "windows: {windows} commands run on the Windows build (and {linux} on the Linux one), \
         {assertions} assertions, {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// `--version`, the built-in checklists, and a checklist file with CRLF line ends.
fn checklists(t: &mut Both) {
    t.same_text(&[Word("--version")], 0);
    t.same_text(&[Word("checklists")], 0);
    t.same_json(&[Word("checklists"), Word("--format"), Word("json")], 0);
    let show = t.same_json(
        &[
            Word("checklist"),
            Word("show"),
            Word("spok-mobile-4.5"),
            Word("--format"),
            Word("json"),
        ],
        0,
    );
    t.check(show["id"] == "spok-mobile-4.5", || format!("{show:#}"));
    t.same_text(&[Word("checklist"), Word("probes")], 0);

    // A checklist written on Windows: CRLF, and a mistake on line 2.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = fs::read_to_string(root.join("checklists/activesync-device-trust.toml"))
        .expect("a built-in checklist");
    let good = t.path("mine.toml");
    fs::write(&good, crlf(&source)).expect("write");
    let out = t.same_text(&[Word("checklist"), Word("validate"), File(&good)], 0);
    t.check(out.contains("mine.toml"), || out.clone());
    let mut lines: Vec<&str> = source.lines().collect();
    let id_line = lines
        .iter()
        .position(|l| l.starts_with("id = "))
        .expect("an id line");
    lines[id_line] = "id = 12";
    let bad = t.path("bad.toml");
    fs::write(&bad, crlf(&lines.join("\n"))).expect("write");
    let out = t.same_text(&[Word("checklist"), Word("validate"), File(&bad)], 1);
    let at = format!("bad.toml:{}:", id_line + 1);
    t.check(out.contains(&at), || format!("{at} in {out}"));
}

/// Sessions are made, answered and listed alike, and on Windows live under `%APPDATA%`.
fn sessions_live_in_appdata(t: &mut Both) {
    t.same_text(
        &[
            Word("session"),
            Word("new"),
            Word("w1"),
            Word("--checklist"),
            Word("spok-mobile-4.5"),
        ],
        0,
    );
    t.same_text(
        &[
            Word("session"),
            Word("answer"),
            Word("w1"),
            Word("predeploy.users.smartphone"),
            Word("yes"),
        ],
        0,
    );
    t.same_text(
        &[
            Word("session"),
            Word("answer"),
            Word("w1"),
            Word("predeploy.users.smartphone"),
            Word("n/a"),
            Word("--note"),
            Word("no phones in the pilot"),
        ],
        0,
    );
    t.same_text(
        &[
            Word("session"),
            Word("answer"),
            Word("w1"),
            Word("predeploy.payment.who"),
            Word("The organization"),
        ],
        0,
    );
    // A refused answer is refused alike.
    t.both(
        &[
            Word("session"),
            Word("answer"),
            Word("w1"),
            Word("predeploy.payment.billback"),
            Word("maybe"),
        ],
        1,
    );
    t.same_text(&[Word("session"), Word("list")], 0);
    t.same_json(
        &[
            Word("session"),
            Word("show"),
            Word("w1"),
            Word("--format"),
            Word("json"),
        ],
        0,
    );
    let file = t
        .windows
        .appdata_unix
        .join("preflight/data/sessions/w1.json");
    let linux_file = t.linux.path("data/preflight/sessions/w1.json");
    t.check(file.is_file(), || {
        format!(
            "no session at %APPDATA%\\preflight\\data\\sessions\\w1.json ({})",
            file.display()
        )
    });
    let read = |p: &Path| {
        steady(serde_json::from_slice(&fs::read(p).expect("session file")).expect("JSON"))
    };
    let (l, w) = (read(&linux_file), read(&file));
    t.same(&l, &w, "the session file");
}

/// `init` writes the same site file; one edited on Windows (CRLF) validates alike.
fn site_files(t: &mut Both) {
    let (l, w) = (t.path("site-linux.toml"), t.path("site-windows.toml"));
    let lo = t.run_linux(&[
        Word("init"),
        Word("--checklist"),
        Word("spok-mobile-4.5"),
        Word("--out"),
        File(&l),
    ]);
    let wo = t.run_windows(&[
        Word("init"),
        Word("--checklist"),
        Word("spok-mobile-4.5"),
        Word("--out"),
        File(&w),
    ]);
    t.check(lo.code == 0 && wo.code == 0, || {
        format!("{}{}", lo.both(), wo.both())
    });
    let (lb, wb) = (fs::read(&l).expect("site"), fs::read(&w).expect("site"));
    t.same(&lb, &wb, "the site file init wrote");
    let text = String::from_utf8(wb).expect("UTF-8");
    let edited = t.path("site.toml");
    fs::write(&edited, crlf(&text)).expect("write");
    t.same_text(&[Word("site"), Word("validate"), File(&edited)], 0);
}

/// keygen puts the key under `%APPDATA%` readable by its owner alone; the Linux side gets a
/// copy, so both sign as one signer. Gives the `allowed_signers` file that lists it.
fn keygen_in_appdata(t: &mut Both) -> PathBuf {
    let out = t.run_windows(&[Word("keygen")]);
    t.check(out.code == 0, || out.both());
    let key_win = format!(
        "{}\\preflight\\config\\preflight_ed25519",
        t.windows.appdata
    );
    t.check(
        out.stdout.contains(&format!("private key: {key_win} ")),
        || out.both(),
    );
    let key = t
        .windows
        .appdata_unix
        .join("preflight/config/preflight_ed25519");
    let public = t
        .windows
        .appdata_unix
        .join("preflight/config/preflight_ed25519.pub");
    t.check(key.is_file() && public.is_file(), || {
        key.display().to_string()
    });
    owner_only(t, &key, &public);

    // The Linux side signs with the same key, so both reports name the same signer.
    let linux_config = t.linux.path("config/preflight");
    fs::create_dir_all(&linux_config).expect("mkdir");
    for f in [&key, &public] {
        let to = linux_config.join(f.file_name().expect("name"));
        fs::copy(f, &to).expect("copy the key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&to, fs::Permissions::from_mode(0o600)).expect("chmod");
        }
    }
    let pub_text = fs::read_to_string(&public).expect("public key");
    let key_part: Vec<&str> = pub_text.split_whitespace().take(2).collect();
    let allowed = t.path("allowed_signers");
    // Written on Windows: CRLF.
    fs::write(
        &allowed,
        format!(
            "tester namespaces=\"preflight-report\" {}\r\n",
            key_part.join(" ")
        ),
    )
    .expect("allowed_signers");
    allowed
}

/// Reports are built, signed, verified and exported with Windows paths (in a folder with a
/// space), their verification commands run as printed, and what Windows signed verifies on
/// Linux, with preflight and with OpenSSH.
fn reports(t: &mut Both, allowed: &Path) {
    let allowed = allowed.to_owned();
    // A folder with a space, as `My Reports` would be.
    let dir = t.path("my reports");
    fs::create_dir_all(&dir).expect("mkdir");
    let (lj, wj) = (dir.join("linux.json"), dir.join("windows.json"));
    for (out_file, windows) in [(&lj, false), (&wj, true)] {
        let args = [
            Word("report"),
            Word("build"),
            Word("--session"),
            Word("w1"),
            Word("--out"),
            File(out_file),
        ];
        let o = t.run_on(windows, &args);
        t.check(o.code == 0, || o.both());
        let shown = if windows {
            win(out_file)
        } else {
            out_file.display().to_string()
        };
        t.check(o.stdout.starts_with(&format!("wrote {shown}: ")), || {
            o.both()
        });
    }
    let (lb, wb) = (
        fs::read(&lj).expect("report"),
        fs::read(&wj).expect("report"),
    );
    t.check(!wb.contains(&b'\r'), || {
        "the report's canonical JSON has LF line ends everywhere".into()
    });
    let (lv, wv) = (
        steady(serde_json::from_slice(&lb).expect("JSON")),
        steady(serde_json::from_slice(&wb).expect("JSON")),
    );
    t.same(&lv, &wv, "the report built on each");

    for (file, windows) in [(&lj, false), (&wj, true)] {
        let args = [Word("report"), Word("sign"), File(file)];
        let o = t.run_on(windows, &args);
        t.check(o.code == 0, || o.both());
        verification_commands(t, &o.stdout, file, &allowed, windows);
    }
    // The signatures made on Windows verify on Linux, with preflight and with OpenSSH.
    let o = t.run_linux(&[
        Word("report"),
        Word("verify"),
        File(&wj),
        Word("--allowed-signers"),
        File(&allowed),
    ]);
    t.check(o.code == 0 && o.stdout.starts_with("verified: "), || {
        o.both()
    });
    let sig = fs::File::open(&wj).expect("report");
    let o = Command::new("ssh-keygen")
        .args([
            "-Y",
            "verify",
            "-n",
            "preflight-report",
            "-I",
            "tester",
            "-f",
        ])
        .arg(&allowed)
        .arg("-s")
        .arg(dir.join("windows.json.sig"))
        .stdin(sig)
        .output()
        .expect("ssh-keygen (install openssh-client)");
    t.check(o.status.success(), || {
        String::from_utf8_lossy(&o.stderr).into_owned()
    });

    exports(t, &dir, &allowed);
}

/// Markdown and HTML exports of each report, the HTML page verified on its own, and the
/// Markdown's verification commands naming the report beside it.
fn exports(t: &mut Both, dir: &Path, allowed: &Path) {
    let (lj, wj) = (dir.join("linux.json"), dir.join("windows.json"));
    for (format, name) in [("md", "r.md"), ("html", "r.html")] {
        let (lo, wo) = (
            dir.join(format!("linux-{name}")),
            dir.join(format!("windows-{name}")),
        );
        let l = t.run_linux(&[
            Word("report"),
            Word("export"),
            File(&lj),
            Word("--format"),
            Word(format),
            Word("--out"),
            File(&lo),
        ]);
        let w = t.run_windows(&[
            Word("report"),
            Word("export"),
            File(&wj),
            Word("--format"),
            Word(format),
            Word("--out"),
            File(&wo),
        ]);
        t.check(l.code == 0 && w.code == 0, || {
            format!("{}{}", l.both(), w.both())
        });
        t.check(w.stdout.contains(&win(&wo)), || w.both());
    }
    let html = dir.join("windows-r.html");
    let (l, w) = t.both(
        &[
            Word("report"),
            Word("verify"),
            File(&html),
            Word("--allowed-signers"),
            File(allowed),
        ],
        0,
    );
    t.same(&l.stdout, &w.stdout, "verify of the page");
    let md = fs::read_to_string(dir.join("windows-r.md")).expect("md");
    t.check(
        md.contains("preflight report verify windows.json --allowed-signers allowed_signers"),
        || md.clone(),
    );
}

/// The lines `report sign` prints to verify the report name it and its signature as the
/// platform's shell reads them (drive letter and backslashes, quoted for a space), and the
/// `preflight report verify` one, run as printed (by `cmd.exe` on Windows), verifies it.
fn verification_commands(t: &mut Both, stdout: &str, file: &Path, allowed: &Path, windows: bool) {
    let quoted = |p: &str| {
        if windows {
            format!("\"{p}\"")
        } else {
            format!("'{p}'")
        }
    };
    let (f, s) = if windows {
        (win(file), format!("{}.sig", win(file)))
    } else {
        (
            file.display().to_string(),
            format!("{}.sig", file.display()),
        )
    };
    let verify = stdout
        .lines()
        .find_map(|l| l.strip_prefix("verify with: "))
        .unwrap_or_else(|| panic!("no `verify with:` line in {stdout}"));
    let expected = format!(
        "preflight report verify {} --allowed-signers FILE",
        quoted(&f)
    );
    t.check(verify == expected, || format!("{verify}\nnot\n{expected}"));
    let ssh = stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("or: "))
        .unwrap_or_else(|| panic!("no `or:` line in {stdout}"));
    let expected = format!(
        "ssh-keygen -Y verify -f allowed_signers -I tester -n preflight-report -s {} < {}",
        quoted(&s),
        quoted(&f)
    );
    t.check(ssh == expected, || format!("{ssh}\nnot\n{expected}"));

    // Run the printed line, `FILE` given.
    let out = if windows {
        let line = verify.replace("FILE", &format!("\"{}\"", win(allowed)));
        let exe_dir = t.windows.exe.parent().expect("dir");
        let bat = t.path("verify.bat");
        fs::write(
            &bat,
            crlf(&format!(
                "@echo off\nset PATH={};%PATH%\n{line}\n",
                win(exe_dir)
            )),
        )
        .expect("bat");
        t.tally.windows += 1;
        let mut cmd = wine();
        cmd.args(["cmd.exe", "/c"])
            .arg(win(&bat))
            .env("WINEPREFIX", &t.windows.prefix);
        run_with_deadline(cmd, &line, WINE_LIMIT)
    } else {
        let line = verify.replace("FILE", &format!("'{}'", allowed.display()));
        t.tally.linux += 1;
        let bin_dir = Path::new(LINUX_BIN).parent().expect("dir");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &line])
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env_remove("RUST_BACKTRACE");
        common::run_with_watchdog(cmd, &line)
    };
    t.check(
        out.code == 0 && out.stdout.starts_with("verified: "),
        || out.both(),
    );
}

/// What Wine can show of the key file's ACL: Wine derives a file's Unix mode from the DACL it
/// is created with (the current user's entry gives the owner and group bits, as on Linux the
/// user's own group; only an entry for Everyone gives bits to others), so a DACL for the user
/// alone leaves nothing for others, where a file made without one (the public key) gets Wine's
/// default, readable by all. Wine cannot show the rest: that the DACL holds the user's SID alone
/// and is protected from inheritance (its `icacls` is a stub, and on this file system it keeps
/// no copy of the descriptor), so that part is checked on real Windows only.
fn owner_only(t: &mut Both, key: &Path, public: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    let (k, p) = (mode(key), mode(public));
    t.check(k % 0o10 == 0, || {
        format!("the private key is {k:o}: others may read it")
    });
    t.check(p & 0o004 != 0, || {
        format!("the public key is {p:o}: not readable by others")
    });
}

/// The hosts file: Windows reads `%SystemRoot%\System32\drivers\etc\hosts` by default; a
/// file given by path with CRLF line ends reads alike.
fn hosts(t: &mut Both) {
    let system = t
        .windows
        .prefix
        .join("drive_c/windows/system32/drivers/etc/hosts");
    let mut text = fs::read_to_string(&system).unwrap_or_default();
    if !text.contains("sql1.site.test") {
        text.push_str("\r\n10.1.2.3 sql1.site.test\r\n");
        fs::write(&system, &text).expect("the prefix's hosts file");
    }
    let out = t.run_windows(&[
        Word("hosts"),
        Word("--expect"),
        Word("sql1.site.test=10.1.2.3"),
    ]);
    t.check(out.code == 0, || out.both());
    t.check(
        out.stdout
            .to_ascii_lowercase()
            .starts_with("c:\\windows\\system32\\drivers\\etc\\hosts: "),
        || out.both(),
    );
    t.check(out.stdout.contains("pass  sql1.site.test=10.1.2.3"), || {
        out.both()
    });

    let file = t.path("hosts");
    fs::write(
        &file,
        crlf("\u{feff}# the site's\n127.0.0.1 localhost\n10.1.2.3\tsql1.site.test sql1\n10.1.2.9 web.site.test\n"),
    )
    .expect("hosts");
    let args = [
        Word("hosts"),
        Word("--file"),
        File(&file),
        Word("--expect"),
        Word("sql1.site.test=10.1.2.3"),
        Word("--expect"),
        Word("web.site.test=10.1.2.4"),
    ];
    t.same_text(&args, 1);
    let mut json = args.to_vec();
    json.extend([Word("--format"), Word("json")]);
    t.same_json(&json, 1);
}

/// TCP against real loopback listeners: one open, one refused.
fn tcp(t: &mut Both) {
    let open = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("listen");
    let port = open.local_addr().expect("address").port();
    let closed = free_port();
    let ports = format!("{port},{closed}");
    let v = t.same_json(
        &[
            Word("tcp"),
            Word("127.0.0.1"),
            Word(&ports),
            Word("--format"),
            Word("json"),
        ],
        1,
    );
    t.check(
        v["counts"]["open"] == 1 && v["counts"]["refused"] == 1,
        || format!("{v:#}"),
    );
}

/// The zone the DNS checks and the probe ask for.
const ZONE: &str = "$ORIGIN site.test.\n$TTL 60\n@ IN SOA ns.site.test. admin.site.test. 1 3600 600 86400 60\n@ IN NS ns.site.test.\nns IN A 10.0.0.53\nsql1 IN A 10.1.2.3\nweb IN CNAME sql1\n";

/// DNS through the hickory server the DNS tests use, on loopback; then `probe` on a site file
/// written on Windows (CRLF), its names through that server, its hosts file and port rules.
fn dns_and_probe(t: &mut Both) {
    let server = DnsServer::start(&[("site.test.", ZONE.to_owned())], &[]);
    let resolver = format!("internal={}", server.addr);
    let names = t.path("names.txt");
    fs::write(
        &names,
        crlf("sql1.site.test\nweb.site.test\nnothing.site.test\n"),
    )
    .expect("names");
    let args = [
        Word("dns"),
        Word("--names-file"),
        File(&names),
        Word("--resolver"),
        Word(&resolver),
    ];
    t.same_text(&args, 1);
    let mut json = args.to_vec();
    json.extend([Word("--format"), Word("json")]);
    let v = t.same_json(&json, 1);
    let text = v.to_string();
    t.check(text.contains("10.1.2.3"), || format!("{v:#}"));

    let open = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("listen");
    let port = open.local_addr().expect("address").port();
    let closed = free_port();
    let site = t.path("probe-site.toml");
    fs::write(
        &site,
        crlf(&format!(
            "site = \"Loopback General\"\n[resolvers]\ninternal = [\"{}\"]\n\n[[host]]\nname = \"db\"\naddress = \"127.0.0.1\"\nroles = [\"DB\"]\n\n[[name]]\nfqdn = \"sql1.site.test\"\ninternal = [\"10.1.2.3\"]\nhosts_entry = \"10.1.2.3\"\n\n[[port]]\nfrom = \"Console\"\nto = \"DB\"\nports = \"{port},{closed}\"\n",
            server.addr
        )),
    )
    .expect("site");
    let hosts = t.path("hosts");
    let (l, w) = t.both(
        &[
            Word("probe"),
            Word("--site"),
            File(&site),
            Word("--from"),
            Word("Console"),
            Word("--no-system-resolver"),
            Word("--hosts-file"),
            File(&hosts),
            Word("--timeout"),
            Word("2000"),
            Word("--format"),
            Word("json"),
        ],
        1,
    );
    let parse = |o: &Out| steady(serde_json::from_str::<Value>(&o.stdout).expect("JSON"));
    let (mut v, mut w) = (parse(&l), parse(&w));
    // The machine's name: Windows gives it as COMPUTERNAME, upper case (a site host is matched
    // to it without regard to case).
    let (lh, wh) = (v["host"].take(), w["host"].take());
    t.check(
        wh.as_str() == lh.as_str().map(str::to_uppercase).as_deref(),
        || format!("host {wh} on Windows, {lh} on Linux"),
    );
    t.same(&v, &w, "JSON of probe --site");
    let text = v.to_string();
    t.check(
        text.contains(&format!("127.0.0.1:{port}")) && text.contains("sql1.site.test"),
        || format!("{v:#}"),
    );
}

/// TLS scans of `openssl s_server` (old protocols, CBC) and `gnutls-serv` (3DES).
fn tls(t: &mut Both) {
    let certs = tempfile::tempdir().expect("tempdir");
    let (cert, key) = certificate(certs.path());
    let port = free_port();
    let mut openssl = Command::new("openssl");
    openssl
        .args([
            "s_server",
            "-quiet",
            "-accept",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .args([
            "-cipher",
            "ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384:@SECLEVEL=0",
            "-no_tls1_3",
        ]);
    let server = serve(openssl, port, "the openssl package");
    scan(t, server.port, &cert);
    drop(server);

    let port = free_port();
    let mut gnutls = Command::new("gnutls-serv");
    gnutls
        .args(["--port", &port.to_string()])
        .arg("--x509certfile")
        .arg(&cert)
        .arg("--x509keyfile")
        .arg(&key)
        .args(["--priority", "NONE:+VERS-TLS1.2:+3DES-CBC:+AES-128-CBC:+RSA:+ECDHE-RSA:+SHA1:+COMP-NULL:+SIGN-ALL:+GROUP-ALL"]);
    let server = serve(gnutls, port, "the gnutls-bin package");
    let v = scan(t, server.port, &cert);
    t.check(v.to_string().contains("3DES"), || format!("{v:#}"));
}

fn scan(t: &mut Both, port: u16, ca: &Path) -> Value {
    let endpoint = format!("127.0.0.1:{port}");
    let v = t.same_json(
        &[
            Word("tls"),
            Word(&endpoint),
            Word("--sni"),
            Word("localhost"),
            Word("--ca"),
            File(ca),
            Word("--format"),
            Word("json"),
        ],
        1,
    );
    t.check(
        v["protocols"].as_array().is_some_and(|p| !p.is_empty()),
        || format!("{v:#}"),
    );
    v
}

/// pysqlbridge, the TDS server the SQL tests use, with one SQL login: TLS inside TDS, and the
/// SQL probe logging in (its password from `PREFLIGHT_SQL_PASSWORD`, given to both).
fn tds(t: &mut Both) {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("t.csv"), "id,name\n1,a\n").expect("csv");
    fs::write(
        dir.path().join("bridge.json"),
        r#"{"logins":[{"user":"probe","password":"${env:BRIDGE_PW}"}],"tables":[{"name":"t","csv":"t.csv"}]}"#,
    )
    .expect("config");
    let port = free_port();
    let mut bridge = Command::new("python3");
    bridge
        .args(["-m", "pysqlbridge.server", "--config"])
        .arg(dir.path().join("bridge.json"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .env("BRIDGE_PW", SQL_PASSWORD);
    let server = serve(
        bridge,
        port,
        "pysqlbridge (python3 -m pip install pysqlbridge==2.1.3)",
    );
    let endpoint = format!("127.0.0.1:{}", server.port);
    let v = t.same_json(
        &[
            Word("tls"),
            Word(&endpoint),
            Word("--tds"),
            Word("--checklist"),
            Word("none"),
            Word("--format"),
            Word("json"),
        ],
        1,
    );
    let text = v.to_string();
    t.check(
        text.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        || format!("{v:#}"),
    );
    let server_arg = format!("127.0.0.1,{}", server.port);
    let v = t.same_json(
        &[
            Word("sql"),
            Word("--server"),
            Word(&server_arg),
            Word("--user"),
            Word("probe"),
            Word("--trust-server-certificate"),
            Word("--format"),
            Word("json"),
        ],
        1,
    );
    let text = v.to_string();
    t.check(
        text.contains("Developer Edition") && !text.contains(SQL_PASSWORD),
        || format!("{v:#}"),
    );
}
