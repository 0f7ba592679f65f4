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

/// This machine's host name, as probe runs record where they ran: the kernel's on Unix, the
/// `COMPUTERNAME` variable on Windows; "unknown" when neither can be read.
pub fn hostname() -> String {
    #[cfg(unix)]
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok();
    #[cfg(not(unix))]
    let name = std::env::var("COMPUTERNAME").ok();
    name.map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
