//! Decision tables for what workflows need: one fixture folder per integration family under
//! `testdata/requirements/`, each read as a whole and its derived facts rendered one
//! requirement per line into `expected.txt` (`UPDATE_GOLDEN=1` rewrites it; check the diff by
//! eye). Adding a folder adds a case.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
#![allow(unreachable_pub, reason = "the helpers in `common` are `pub` for every test binary")]

mod common;

use std::fmt::Write;

use stepguard::{Check, FactGraph, Requirement};

fn check(c: &Check) -> String {
    let mut s = format!("{:?}", c.decision).to_lowercase();
    if let Some(level) = &c.level {
        write!(s, "@{level}").unwrap();
    }
    let statements: Vec<String> = c
        .statements
        .iter()
        .map(|st| {
            format!(
                "{}#{}",
                st.policy.rsplit('/').next().unwrap_or(&st.policy),
                st.sid.clone().unwrap_or(st.statement.to_string())
            )
        })
        .collect();
    if !statements.is_empty() {
        write!(s, "[{}]", statements.join(",")).unwrap();
    }
    if !c.blockers.is_empty() {
        write!(s, "(no allow: {})", c.blockers.join(",")).unwrap();
    }
    s
}

fn line(out: &mut String, who: &str, r: &Requirement) {
    let mut flags = Vec::new();
    if r.dynamic {
        flags.push("dynamic");
    }
    if r.wildcard_only {
        flags.push("wildcard-only");
    }
    if !r.known_action {
        flags.push("unknown-action");
    }
    writeln!(
        out,
        "{who} | {} {} | {} {}| role={} scp={} => {}",
        r.kind,
        r.action,
        r.resource,
        if flags.is_empty() { String::new() } else { format!("[{}] ", flags.join(",")) },
        check(&r.role),
        check(&r.scp),
        format!("{:?}", r.decision).to_lowercase(),
    )
    .unwrap();
    writeln!(out, "    why: {}", r.reason).unwrap();
    for c in &r.conditions {
        writeln!(out, "    if: {} {} = {}", c.operator, c.key, c.value).unwrap();
    }
}

fn render(graph: &FactGraph) -> String {
    let mut out = String::new();
    for (id, m) in &graph.derived.state_machines {
        writeln!(out, "machine {id} ({} {} {})", m.partition, m.region, m.account).unwrap();
        for r in &m.requirements {
            line(&mut out, "  (machine)", r);
        }
        for note in &m.notes {
            writeln!(out, "  note: {note}").unwrap();
        }
        for (state_id, t) in graph.derived.tasks.iter().filter(|(_, t)| &t.state_machine == id) {
            let name = &graph.states[state_id].name;
            if t.via_credentials {
                writeln!(out, "  {name} runs as {}", t.principal.as_deref().unwrap_or("(unknown)")).unwrap();
            }
            for r in &t.requirements {
                line(&mut out, &format!("  {name}"), r);
            }
            for note in &t.notes {
                writeln!(out, "  {name} note: {note}").unwrap();
            }
        }
    }
    for (id, usage) in &graph.derived.roles {
        writeln!(out, "role {id}").unwrap();
        for g in &usage.unused_grants {
            writeln!(
                out,
                "  unused {}#{}: {} on {}",
                g.policy.rsplit('/').next().unwrap(),
                g.statement,
                g.actions.join(","),
                g.resources.join(",")
            )
            .unwrap();
        }
        for g in &usage.wildcard_grants {
            writeln!(
                out,
                "  wildcard {}#{}: {} could name {}",
                g.policy.rsplit('/').next().unwrap(),
                g.statement,
                g.actions.join(","),
                g.resources.join(",")
            )
            .unwrap();
        }
    }
    out
}

#[test]
fn requirement_tables() {
    let root = common::repo_root().join("testdata/requirements");
    let mut cases: Vec<_> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 10, "{cases:?}");
    for case in cases {
        let name = case.file_name().unwrap().to_str().unwrap().to_owned();
        let relative = format!("testdata/requirements/{name}");
        let graph = {
            let _guard = common::CWD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            std::env::set_current_dir(common::repo_root()).unwrap();
            stepguard::graph(&[relative.as_str()], &stepguard::IngestOptions::default()).unwrap()
        };
        assert!(!graph.derived.tasks.is_empty(), "{name}: no tasks derived");
        common::check_golden(&format!("requirements/{name}/expected.txt"), &render(&graph));
    }
}

#[test]
fn derived_facts_are_deterministic() {
    let _guard = common::CWD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    std::env::set_current_dir(common::repo_root()).unwrap();
    let a = stepguard::graph(&["testdata/requirements"], &stepguard::IngestOptions::default()).unwrap();
    let b = stepguard::graph(&["testdata/requirements"], &stepguard::IngestOptions::default()).unwrap();
    assert_eq!(a.to_json_pretty(), b.to_json_pretty());
}
