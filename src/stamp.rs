//! Who recorded an answer and when: the two stamps every change carries.

/// Who is answering: `$PREFLIGHT_USER`, else the login name.
pub fn user() -> String {
    ["PREFLIGHT_USER", "USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The current time as RFC 3339 UTC, to the second.
#[must_use]
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The current time in seconds since the epoch, the clock certificates are judged at.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// This machine's host name, as probe runs record where they ran: read from the files and
/// variables the platform keeps it in (no system call, no `unsafe`); "unknown" when none says.
pub fn hostname() -> String {
    platform_hostname()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(unix)]
fn platform_hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .find(|s| !s.trim().is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
}

#[cfg(windows)]
fn platform_hostname() -> Option<String> {
    std::env::var("COMPUTERNAME").ok()
}

#[cfg(not(any(unix, windows)))]
fn platform_hostname() -> Option<String> {
    None
}
