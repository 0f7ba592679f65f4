//! The two guide checklists (SAP SMP relay HTTPS, `ActiveSync` device trust) load, cover their
//! guides' requirements, and branch on the right answers.

use std::collections::BTreeSet;
use std::path::PathBuf;

use preflight::checklist::builtin;
use preflight::checklist::{AnswerKind, Checklist, Condition, Item, Origin, ProbeKind, Severity};
use preflight::rules::ParamValue;

const SMP: &str = "sap-smp-relay-https";
const ACTIVESYNC: &str = "activesync-device-trust";

fn path_of(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("checklists")
        .join(format!("{id}.toml"))
}

/// The version each checklist file must carry: bumped whenever its text changes.
fn version_of(id: &str) -> &'static str {
    match id {
        SMP | ACTIVESYNC => "1.1.0",
        _ => panic!("no version pinned for {id}"),
    }
}

/// Loads the file from `checklists/` and checks the embedded built-in copy parses the same.
fn load(id: &str) -> Checklist {
    let path = path_of(id);
    let list =
        Checklist::load(&path).unwrap_or_else(|e| panic!("{} is invalid:\n{e}", path.display()));
    assert_eq!(list.id, id);
    assert_eq!(list.version, version_of(id));
    let name = format!("{id}.toml");
    let (_, text) = builtin::SOURCES
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not a built-in checklist"));
    let embedded = Checklist::parse(
        text,
        &PathBuf::from("checklists").join(&name),
        Origin::Builtin,
    )
    .unwrap_or_else(|e| panic!("built-in {name} is invalid:\n{e}"));
    assert_eq!(embedded.item_count(), list.item_count());
    list
}

fn item<'a>(list: &'a Checklist, id: &str) -> &'a Item {
    list.item(id)
        .unwrap_or_else(|| panic!("{} has no item `{id}`", list.id))
}

/// Every piece of text a reader or a probe sees, joined.
fn all_text(list: &Checklist) -> String {
    let mut out = vec![
        list.title.clone(),
        list.description.clone(),
        list.source.clone(),
    ];
    for section in &list.sections {
        out.push(section.title.clone());
        out.push(section.guidance.clone());
        for item in &section.items {
            out.push(item.id.clone());
            out.push(item.prompt.clone());
            out.push(item.guidance.clone());
            out.push(item.source.clone());
            for option in item.kind.options() {
                out.push(option.value.clone());
                out.push(option.label.clone());
            }
            if let AnswerKind::Table { columns } = &item.kind {
                out.extend(columns.iter().cloned());
            }
            if let Some(probe) = &item.probe {
                out.push(probe.to_string());
            }
        }
    }
    out.join("\n")
}

fn missing<'a>(text: &str, needles: &[&'a str]) -> Vec<&'a str> {
    needles
        .iter()
        .copied()
        .filter(|n| !text.contains(n))
        .collect()
}

fn probes(list: &Checklist) -> BTreeSet<(ProbeKind, &'static str)> {
    list.items()
        .filter_map(|i| i.probe.as_ref())
        .map(|p| (p.spec.kind, p.spec.name))
        .collect()
}

fn is(item: &str, value: &str) -> Condition {
    Condition::Is {
        item: item.to_owned(),
        value: value.to_owned(),
    }
}

/// House style shared by both guide checklists.
fn check_style(list: &Checklist, source_prefix: &str) {
    let mut order = Vec::new();
    for item in list.items() {
        assert!(
            item.source.starts_with(source_prefix),
            "{}: source `{}` should start with `{source_prefix}`",
            item.id,
            item.source
        );
        assert!(
            item.prompt.trim_end().ends_with('?'),
            "{}: the prompt should be a question: {}",
            item.id,
            item.prompt
        );
        assert!(!item.guidance.trim().is_empty(), "{}: no guidance", item.id);
        if item.kind == AnswerKind::Confirm && item.severity != Severity::Info {
            assert_eq!(
                item.good,
                ["yes"],
                "{}: a confirmation needs good = [\"yes\"]",
                item.id
            );
        }
        // A condition may only read choice or multi items asked earlier in the file.
        if let Some(when) = &item.when {
            for dep in when.items() {
                assert!(
                    order.contains(&dep),
                    "{}: condition `{when}` reads `{dep}`, which is not asked before it",
                    item.id
                );
                let kind = &item_of(list, dep).kind;
                assert!(
                    matches!(kind, AnswerKind::Choice { .. } | AnswerKind::Multi { .. }),
                    "{}: condition reads `{dep}`, a {} item",
                    item.id,
                    kind.name()
                );
            }
        }
        order.push(item.id.as_str());
    }
}

fn item_of<'a>(list: &'a Checklist, id: &str) -> &'a Item {
    item(list, id)
}

// ---------------------------------------------------------------------------------------------
// SAP SMP relay HTTPS

#[test]
fn smp_loads_and_follows_the_house_style() {
    let list = load(SMP);
    check_style(&list, "SAP SMP relay HTTPS guide › ");
    assert!(list.item_count() >= 40, "only {} items", list.item_count());
    let sections: Vec<&str> = list.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        sections,
        [
            "scope", "conn", "smp", "relay", "oe", "scc", "rbs", "device", "template", "verify",
            "limits"
        ],
        "sections should follow the guide's order"
    );
}

#[test]
fn smp_covers_every_requirement_of_the_guide() {
    let text = all_text(&load(SMP));
    let needles = [
        // scope
        "HTTPS and certificates",
        "server authentication only",
        "mutual authentication",
        "client X.509 certificates",
        "not available on iOS",
        "E2EE",
        "SiteMinder",
        "relay server connection from SUP",
        "setting up the relay server",
        "already set up the SUP server to connect via the relay server",
        // connection types
        "iMO",
        "MCL",
        "Mobilink",
        "device certificate store",
        "proprietary code",
        "downloaded to the device during registration",
        "SCC configuration",
        // versions
        "2.2.x",
        "2.3.x",
        "2.2.5",
        "keystore",
        // 1. relay server certificate
        "IIS manager",
        "FQDN",
        "CN",
        "validated against the server address provided in the application",
        "certificate request",
        "REXCA",
        "Complete Certificate Request",
        "friendly name",
        "Windows certificate manager",
        "Request new certificate",
        "PFX",
        "private key",
        "Import…",
        "https binding",
        "ias_relay_server/client/ias_client.dll",
        "Chrome",
        "import the CA certificate to the CA",
        "step 1.2",
        "step 1.3",
        // 2. outbound enabler
        "outbound enabler",
        "cer / crt",
        "RBS",
        "MBS",
        "OE nodes",
        "OE logs",
        // 3. and 4. SCC
        "SCC",
        "Trusted relay server certificate alias",
        "<SUP_INSTALLATION_DIR>\\sybase\\UnwiredPlatform\\Servers\\UnwiredServer\\Repository\\Certificate",
        "Repository\\Certificate",
        "rs_trusted_cert.crt",
        "2.3.3",
        "path of the",
        // 5. device
        ".crt file by mail",
        "accept the prompt",
        "device password",
        // 6. template
        "application connection template",
        "Ports / Protocol",
        // verification
        "register over HTTPS",
        "synchronize",
        // known limitation
        "SHA-256",
        "RSA256",
        "REX 3.0 / 3.1 / 3.2",
        "REX 3.3",
        // probes
        "dns.resolves",
        "tls.cert_hostname_match",
        "tls.cert_trusted",
        "tls.cert_not_self_signed",
        "tls.protocol_offered (version=TLSv1.2; to Relay server)",
        "tls.cert_signature_hash (allowed=SHA1; to Relay server)",
        "certfile.signature_hash (allowed=SHA1; to Relay server certificate)",
        "certfile.readable",
        "certfile.subject_name",
        "certfile.has_private_key",
    ];
    let gaps = missing(&text, &needles);
    assert!(
        gaps.is_empty(),
        "the SMP checklist does not mention: {gaps:?}"
    );
}

const SMP_V2_2_ONLY: &[&str] = &[
    "smp.keystore_utility",
    "scc.ca_copied_v2_2",
    "rbs.cert_path_v2_2",
];
const SMP_V2_3_ONLY: &[&str] = &[
    "scc.ca_imported_v2_3",
    "rbs.trusted_alias_v2_3",
    "rbs.rs_trusted_cert_v2_3",
];

#[test]
fn smp_version_branches() {
    let list = load(SMP);
    let version = item(&list, "smp.version");
    assert_eq!(version.kind.values(), ["v2_2", "v2_3"]);

    for (ids, value) in [(SMP_V2_2_ONLY, "v2_2"), (SMP_V2_3_ONLY, "v2_3")] {
        for id in ids {
            let when = item(&list, id)
                .when
                .as_ref()
                .unwrap_or_else(|| panic!("{id} should only be asked for {value}"));
            assert_eq!(when, &is("smp.version", value), "{id}");
            assert_eq!(when.items(), ["smp.version"], "{id}");
            assert_eq!(when.to_string(), format!("smp.version is {value}"), "{id}");
        }
    }

    // Every item that reads the version is one of the listed branch items, and the steps the
    // guide calls common to both versions, and the client limitation, are asked whatever the
    // server version.
    for item in list.items() {
        let reads_version = item
            .when
            .as_ref()
            .is_some_and(|w| w.items().contains(&"smp.version"));
        let listed =
            SMP_V2_2_ONLY.contains(&item.id.as_str()) || SMP_V2_3_ONLY.contains(&item.id.as_str());
        assert_eq!(reads_version, listed, "{}: when = {:?}", item.id, item.when);
        let common = [
            "relay.",
            "oe.",
            "device.",
            "template.",
            "verify.",
            "limits.",
        ];
        if common.iter().any(|p| item.id.starts_with(p)) {
            assert!(!reads_version, "{} is common to 2.2 and 2.3", item.id);
        }
    }

    // Steps 3 and 4 have a 2.2 and a 2.3 form each.
    for section in ["scc", "rbs"] {
        for value in ["v2_2", "v2_3"] {
            let found = list.items().any(|i| {
                i.id.starts_with(&format!("{section}."))
                    && i.when.as_ref() == Some(&is("smp.version", value))
                    && i.severity == Severity::Blocker
            });
            assert!(found, "no blocker in `{section}` for {value}");
        }
    }
}

#[test]
fn smp_ios_mobilink_needs_the_ca_in_scc() {
    let list = load(SMP);
    let ios = item(&list, "conn.ios_mobilink_ca_in_scc");
    assert_eq!(
        ios.when,
        Some(Condition::All(vec![
            is("conn.types", "mobilink"),
            is("conn.platforms", "ios")
        ]))
    );
    assert_eq!(ios.severity, Severity::Blocker);
}

/// Answers given, for evaluating conditions: item id → selected values.
struct Given(Vec<(&'static str, Vec<&'static str>)>);

impl preflight::checklist::AnswerLookup for Given {
    fn selected(&self, id: &str) -> Option<Vec<&str>> {
        self.0
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, v)| v.clone())
    }
}

/// The guide's limitation is about 2.2.x *clients* ("2.2.x client can't handle RSA256 encrypted
/// certificates … This limitation is not there for 2.3.x clients"): the SHA-1 checks follow the
/// client versions in use, and a 2.3 server with apps on 2.2.x clients gets them too.
#[test]
fn smp_sha256_limitation_follows_the_client_version_not_the_server() {
    let list = load(SMP);
    let clients = item(&list, "limits.client_versions");
    assert!(matches!(clients.kind, AnswerKind::Multi { .. }));
    assert_eq!(clients.kind.values(), ["v2_2", "v2_3"]);
    assert_eq!(clients.when, None, "asked whatever the server version");
    assert!(
        clients.good.is_empty(),
        "any mix of clients is a fact, not a failure"
    );
    assert!(
        list.item("limits.clients_v2_3").is_none(),
        "replaced by limits.client_versions"
    );

    let asked =
        |id: &str, given: &Given| item(&list, id).when.as_ref().is_none_or(|w| w.holds(given));
    for id in ["limits.sha1_signed_v2_2", "limits.sha1_file_v2_2"] {
        let i = item(&list, id);
        assert_eq!(i.when, Some(is("limits.client_versions", "v2_2")), "{id}");
        // A 2.3 server whose apps still run on 2.2.x clients: asked.
        let mixed = Given(vec![
            ("smp.version", vec!["v2_3"]),
            ("limits.client_versions", vec!["v2_2", "v2_3"]),
        ]);
        assert!(asked(id, &mixed), "{id} on a 2.3 server with 2.2.x clients");
        // Only 2.3.x clients: not asked, whatever the server.
        for server in ["v2_2", "v2_3"] {
            let new = Given(vec![
                ("smp.version", vec![server]),
                ("limits.client_versions", vec!["v2_3"]),
            ]);
            assert!(!asked(id, &new), "{id} with only 2.3.x clients on {server}");
        }
        // The reading of "RSA256 encrypted" and of SHA-1 as the remedy is marked as preflight's.
        assert!(i.guidance.contains("preflight's reading"), "{id}");
        assert!(i.guidance.contains("REX 3.0 / 3.1 / 3.2"), "{id}");
    }
    let section = list
        .sections
        .iter()
        .find(|s| s.id == "limits")
        .expect("limits");
    assert!(section.guidance.contains("RSA256 encrypted"));
    assert!(section.guidance.contains("whatever the SMP server version"));
}

#[test]
fn smp_sha256_limitation_allows_only_sha1_for_2_2_clients() {
    let list = load(SMP);
    let sha1 = ParamValue::StrList(vec!["SHA1".to_owned()]);
    let mut kinds = BTreeSet::new();
    for item in list.items() {
        let Some(probe) = &item.probe else { continue };
        if !matches!(
            (probe.spec.kind, probe.spec.name),
            (ProbeKind::Tls, "cert_signature_hash") | (ProbeKind::Certfile, "signature_hash")
        ) {
            continue;
        }
        assert_eq!(probe.expect.get("allowed"), Some(&sha1), "{}", item.id);
        assert_eq!(probe.expect.len(), 1, "{}", item.id);
        assert_eq!(
            item.when,
            Some(is("limits.client_versions", "v2_2")),
            "{}",
            item.id
        );
        assert_eq!(item.severity, Severity::Blocker, "{}", item.id);
        assert!(item.guidance.contains("REX 3.0"), "{}", item.id);
        kinds.insert(probe.spec.kind);
    }
    assert_eq!(
        kinds,
        BTreeSet::from([ProbeKind::Tls, ProbeKind::Certfile]),
        "the limitation needs both a live and a certificate-file signature check"
    );
    let served = item(&list, "limits.sha1_signed_v2_2");
    let probe = served
        .probe
        .as_ref()
        .expect("a probe on the served certificate");
    assert_eq!(
        (probe.spec.kind, probe.spec.name),
        (ProbeKind::Tls, "cert_signature_hash")
    );
}

#[test]
fn smp_binds_the_live_checks() {
    let list = load(SMP);
    let bound = probes(&list);
    for want in [
        (ProbeKind::Dns, "resolves"),
        (ProbeKind::Tls, "cert_hostname_match"),
        (ProbeKind::Tls, "cert_trusted"),
        (ProbeKind::Tls, "cert_not_self_signed"),
        (ProbeKind::Tls, "protocol_offered"),
        (ProbeKind::Tls, "cert_signature_hash"),
        (ProbeKind::Certfile, "readable"),
        (ProbeKind::Certfile, "subject_name"),
        (ProbeKind::Certfile, "signature_hash"),
        (ProbeKind::Certfile, "has_private_key"),
    ] {
        assert!(bound.contains(&want), "no {}.{} binding", want.0, want.1);
    }
    let cn = item(&list, "relay.cn_is_fqdn");
    assert_eq!(cn.severity, Severity::Blocker);
    assert_eq!(
        cn.probe.as_ref().map(|p| (p.spec.kind, p.spec.name)),
        Some((ProbeKind::Certfile, "subject_name"))
    );
    let browser = item(&list, "relay.browser_check");
    assert!(
        browser
            .prompt
            .contains("/ias_relay_server/client/ias_client.dll/")
    );
    assert_eq!(
        browser.probe.as_ref().map(|p| (p.spec.kind, p.spec.name)),
        Some((ProbeKind::Tls, "cert_hostname_match"))
    );
    // The PFX route is only asked when it is the route taken.
    assert_eq!(
        item(&list, "relay.pfx_with_private_key").when,
        Some(is("relay.csr_method", "cert_manager_pfx"))
    );
    assert_eq!(
        item(&list, "relay.response_completed_iis").when,
        Some(is("relay.csr_method", "iis_manager"))
    );
}

/// What preflight adds of its own says so, and sits below the severity of the guide's own steps.
const OWN: &str = "preflight's own";

#[test]
fn smp_rules_the_guide_does_not_state_are_marked_and_lower() {
    let list = load(SMP);
    // The guide names no TLS version: the TLS 1.2 handshake check is preflight's advice.
    let handshake = item(&list, "relay.https_answers");
    assert!(handshake.guidance.contains(OWN), "{}", handshake.guidance);
    assert!(handshake.guidance.contains("names no TLS protocol version"));
    assert_eq!(handshake.severity, Severity::Minor);
    // DNS resolution of the FQDN is a derivation, not a step of the guide.
    let resolves = item(&list, "relay.fqdn_resolves");
    assert!(resolves.guidance.contains(OWN));
    assert_eq!(resolves.severity, Severity::Major);
    // The assumption is the guide's words, without an invented "(over HTTP)".
    let assumption = item(&list, "scope.relay_connected");
    assert!(
        !assumption.prompt.contains("HTTP)"),
        "{}",
        assumption.prompt
    );
    assert!(
        assumption
            .guidance
            .contains("already set up the SUP server to connect via the relay server")
    );
    // A 2.3.3 observation is not a requirement on every 2.3.x.
    let note = item(&list, "rbs.rs_trusted_cert_v2_3");
    assert!(note.good.is_empty(), "either answer is accepted");
    assert!(note.prompt.contains("2.3.3"));
    assert_eq!(note.severity, Severity::Info);
}

// ---------------------------------------------------------------------------------------------
// ActiveSync device trust

#[test]
fn activesync_loads_and_follows_the_house_style() {
    let list = load(ACTIVESYNC);
    check_style(&list, "Smartphone ActiveSync field note › ");
    assert!(list.item_count() >= 20, "only {} items", list.item_count());
}

#[test]
fn activesync_covers_every_requirement_of_the_note() {
    let text = all_text(&load(ACTIVESYNC));
    let needles = [
        "Internet_55",
        "name mismatch",
        "SBS 2003",
        "computer name",
        "resolves externally",
        "not an alias",
        "a.b.example.com",
        "Internet_45",
        "isn't trusted",
        "self-signed",
        "DisableCertChk",
        "AddRootCert",
        "SHCreateMenubar",
        "locked",
        "Pocket PC 2003",
        "Smartphone",
        "do not require a tool",
        "DER",
        "DER-encoded binary X.509",
        ".cer",
        "UserCerts.msc",
        "Internet Explorer",
        "copy the .cer file to the phone",
        "file manager",
        "SSL option",
        "deleted",
        "Security permission was insufficient",
        // the readers' tips in the comments
        "kb;en-us;322956",
        "KB 322956",
        "two very similar KB entries",
        "Windows 2000 SP4",
        "/certsrv/certfnsh.asp",
        "How to add root certificates to Windows Mobile 2003 Smartphone and to Windows Mobile 2002 Smartphone",
        // probes
        "tls.cert_hostname_match",
        "tls.cert_trusted",
        "tls.cert_not_self_signed",
        "dns.resolves",
        "dns.split_horizon",
        "certfile.readable (format=der; to Root certificate (.cer))",
    ];
    let gaps = missing(&text, &needles);
    assert!(
        gaps.is_empty(),
        "the ActiveSync checklist does not mention: {gaps:?}"
    );
}

#[test]
fn activesync_bindings_and_conditions() {
    let list = load(ACTIVESYNC);
    let probe_of = |id: &str| {
        let p = item(&list, id)
            .probe
            .as_ref()
            .unwrap_or_else(|| panic!("{id} has no probe"));
        (p.spec.kind, p.spec.name)
    };
    assert_eq!(
        probe_of("name.cert_matches"),
        (ProbeKind::Tls, "cert_hostname_match")
    );
    assert_eq!(probe_of("dns.external"), (ProbeKind::Dns, "split_horizon"));
    assert_eq!(probe_of("dns.resolves"), (ProbeKind::Dns, "resolves"));
    assert_eq!(
        probe_of("trust.root_on_device"),
        (ProbeKind::Tls, "cert_trusted")
    );
    assert_eq!(
        probe_of("trust.ca_issued"),
        (ProbeKind::Tls, "cert_not_self_signed")
    );
    let der = item(&list, "install.der_cer")
        .probe
        .as_ref()
        .expect("a probe");
    assert_eq!(
        (der.spec.kind, der.spec.name),
        (ProbeKind::Certfile, "readable")
    );
    assert_eq!(
        der.expect.get("format"),
        Some(&ParamValue::Str("der".to_owned()))
    );

    for (id, code) in [
        ("name.cert_matches", "Internet_55"),
        ("trust.root_on_device", "Internet_45"),
    ] {
        let i = item(&list, id);
        assert_eq!(i.severity, Severity::Blocker, "{id}");
        assert!(i.guidance.contains(code), "{id} should name {code}");
    }
    // Turning the check off is not a fix: the good answer keeps checking on. The note never
    // says so, so it is preflight's own advice, below the note's own steps.
    let check = item(&list, "tools.cert_check_on");
    assert!(check.guidance.contains("DisableCertChk"));
    assert_eq!(check.good, ["yes"]);
    assert!(check.guidance.contains(OWN), "{}", check.guidance);
    assert_eq!(check.severity, Severity::Minor);
    let ca = item(&list, "trust.ca_issued");
    assert!(ca.guidance.contains(OWN), "{}", ca.guidance);
    assert_ne!(ca.severity, Severity::Blocker);
    // Deleting the file afterwards is optional in the note.
    let deleted = item(&list, "install.file_deleted");
    assert!(deleted.good.is_empty());
    assert_eq!(deleted.severity, Severity::Info);
    // The DER tips sit with the export step.
    let der = item(&list, "install.der_cer");
    for tip in ["KB 322956", "Windows 2000 SP4", "certsrv", "UserCerts.msc"] {
        assert!(der.guidance.contains(tip), "install.der_cer lacks {tip}");
    }

    assert_eq!(
        item(&list, "trust.self_signed_installed").when,
        Some(is("trust.issuer", "self_signed"))
    );
    assert_eq!(
        item(&list, "name.sbs_cert_name").when,
        Some(is("name.server_type", "sbs2003"))
    );
}

// ---------------------------------------------------------------------------------------------
// The helpers above can fail.

#[test]
fn coverage_and_conditions_can_fail() {
    let list = load(ACTIVESYNC);
    let text = all_text(&list);
    assert_eq!(missing(&text, &["Internet_99", "DER"]), ["Internet_99"]);

    // A version branch pointing at a value the version item does not offer is rejected with
    // its position, so the branch tests above test real, loadable conditions.
    let smp = std::fs::read_to_string(path_of(SMP)).expect("read the SMP checklist");
    let needle = r#"when = { item = "smp.version", is = "v2_2" }"#;
    assert!(smp.contains(needle));
    let broken = smp.replacen(needle, r#"when = { item = "smp.version", is = "v2_4" }"#, 1);
    let err = Checklist::parse(&broken, &path_of(SMP), Origin::Builtin)
        .expect_err("an impossible condition value must be rejected")
        .to_string();
    assert!(err.contains("v2_4"), "{err}");
    assert!(err.contains("sap-smp-relay-https.toml:"), "{err}");
}
