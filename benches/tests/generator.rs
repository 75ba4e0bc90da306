//! The generator's promises, checked by reading its output back.

use std::collections::BTreeSet;

use stepguard_benches::{
    Census, GenerateError, GeneratedFile, OrgSpec, Summary, generate, generate_documents, write_org,
};

fn small(machines: usize) -> OrgSpec {
    OrgSpec { machines, roles: machines / 5, ..OrgSpec::default() }
}

fn census(files: &[GeneratedFile]) -> Census {
    let mut c = Census::default();
    for f in files {
        c.add(f);
    }
    c.finish();
    c
}

fn assert_counts_match(s: &Summary, c: &Census) {
    assert_eq!(c.problems, Vec::<String>::new());
    assert_eq!(
        (s.files, s.bytes, s.state_machines, s.states, s.describe_outputs, s.templates, s.template_machines),
        (c.files, c.bytes, c.state_machines, c.states, c.describe_outputs, c.templates, c.template_machines)
    );
    assert_eq!(
        (s.export_roles, s.template_roles, s.managed_policies, s.scps, s.ous, s.accounts),
        (c.export_roles, c.template_roles, c.managed_policies, c.scps, c.ous, c.accounts)
    );
}

#[test]
fn small_org_reads_back_valid_with_the_promised_counts_and_mix() {
    let spec = small(200);
    let (files, summary) = generate(&spec).unwrap();
    let c = census(&files);
    assert_counts_match(&summary, &c);

    assert_eq!(summary.state_machines, 200);
    assert_eq!(summary.export_roles, 40);
    assert_eq!(summary.scps, 50);
    assert!(summary.template_roles > 0, "some templates define their own role");
    // About half the machines in each form.
    let describe_share = summary.describe_outputs as f64 / summary.state_machines as f64;
    assert!((0.35..0.65).contains(&describe_share), "{describe_share}");
    // About 20 states per machine.
    let per_machine = summary.states as f64 / summary.state_machines as f64;
    assert!((16.0..24.0).contains(&per_machine), "{per_machine}");
    // Two OU levels below the root.
    assert!(c.ous >= 6 && c.accounts >= 10);

    for kind in ["Task", "Choice", "Parallel", "Map (INLINE)", "Map (DISTRIBUTED)", "Wait", "Pass", "Succeed", "Fail"] {
        assert!(c.state_types.get(kind).is_some_and(|n| *n > 0), "no {kind} states: {:?}", c.state_types);
    }
    for integration in [
        "lambda:invoke",
        "dynamodb:putItem",
        "dynamodb:getItem",
        "sqs:sendMessage",
        "sns:publish",
        "states:startExecution.sync:2",
        "ecs:runTask.sync",
        "aws-sdk:s3:getObject",
        "http:invoke",
    ] {
        assert!(c.integrations.get(integration).is_some_and(|n| *n > 0), "no {integration}: {:?}", c.integrations);
    }
    assert!(c.jsonata_machines > 0 && c.express_machines > 0);
    assert!(c.states_with_retry > 0 && c.states_with_catch > 0);
    assert!(c.templates_with_substitutions > 0 && c.templates_with_get_att > 0 && c.templates_with_sub > 0);

    let kinds: BTreeSet<&str> = files.iter().map(|f| f.path.split('/').next().unwrap()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["describe", "iam", "organization.json", "scp", "templates"]),
        "one folder per input form"
    );
}

#[test]
fn generation_is_deterministic_and_seeded() {
    let spec = small(40);
    let (a, sa) = generate(&spec).unwrap();
    let (b, sb) = generate(&spec).unwrap();
    assert_eq!(sa, sb);
    assert!(a == b, "same spec, same bytes");
    let (c, _) = generate(&OrgSpec { seed: 2, ..spec }).unwrap();
    assert!(a != c, "another seed, another organization");
}

#[test]
fn mutation_changes_a_share_of_nodes_and_nothing_else() {
    let base_spec = small(200);
    let (base, base_summary) = generate(&base_spec).unwrap();
    let (zero, _) = generate(&OrgSpec { mutate_percent: 0.0, ..base_spec.clone() }).unwrap();
    assert!(base == zero);

    let (changed, s) = generate(&OrgSpec { mutate_percent: 5.0, ..base_spec }).unwrap();
    // Same files, same structure: only contents differ.
    let paths = |files: &[GeneratedFile]| files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&base), paths(&changed));
    assert_eq!(
        (s.states, s.state_machines, s.export_roles),
        (base_summary.states, base_summary.state_machines, base_summary.export_roles)
    );
    let expected = base_summary.states as f64 * 0.05;
    assert!(
        (s.mutated_states as f64 - expected).abs() < expected * 0.4,
        "{} of {}",
        s.mutated_states,
        base_summary.states
    );
    assert!(s.mutated_roles > 0);

    let differing = base.iter().zip(&changed).filter(|(a, b)| a.text != b.text).count();
    assert!(differing > 0 && differing < base.len());
    // A machine file changes only when one of its states did: the unchanged ones are
    // byte-identical to the base organization.
    let changed_machine_files =
        base.iter().zip(&changed).filter(|(a, b)| a.path.starts_with("describe/") && a.text != b.text).count();
    assert!(changed_machine_files <= s.mutated_states);

    // The changed organization is still valid input.
    let c = census(&changed);
    assert_counts_match(&s, &c);
}

#[test]
fn out_of_range_specs_are_refused() {
    for spec in [
        OrgSpec { states_per_machine: 1, ..small(10) },
        OrgSpec { mutate_percent: 150.0, ..small(10) },
        OrgSpec { mutate_percent: f64::NAN, ..small(10) },
        OrgSpec { roles: 0, ..small(10) },
    ] {
        let err = generate(&spec).unwrap_err();
        assert!(matches!(err, GenerateError::Spec(_)), "{err}");
    }
    let (files, summary) = generate(&OrgSpec { machines: 0, roles: 0, scps: 0, ..OrgSpec::default() }).unwrap();
    assert_eq!(summary.state_machines, 0);
    assert_counts_match(&summary, &census(&files));
}

#[test]
fn written_org_matches_the_in_memory_one() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("generator-test-org");
    let _ = std::fs::remove_dir_all(&dir);
    let spec = small(15);
    let summary = write_org(&spec, &dir).unwrap();
    let (files, expected) = generate(&spec).unwrap();
    assert_eq!(summary, expected);
    for f in &files {
        assert_eq!(std::fs::read_to_string(dir.join(&f.path)).unwrap(), f.text, "{}", f.path);
    }
    // A folder with files in it is never written into.
    let err = write_org(&spec, &dir).unwrap_err();
    assert!(matches!(err, GenerateError::NotEmpty(_)), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stepguard_ingests_every_generated_file_with_the_promised_counts() {
    // Large enough that every kind of managed policy and the boundary appear.
    let (docs, summary) = generate_documents(&small(200)).unwrap();
    let graph = match stepguard::graph_from_documents(&docs, &stepguard::IngestOptions::default()) {
        Ok(graph) => graph,
        Err(e) => panic!("the generated organization must ingest cleanly:\n{e}"),
    };
    assert_eq!(graph.sources.len(), summary.files);
    for source in &graph.sources {
        let expected = match source.file.split('/').next().unwrap() {
            "describe" => "describe-state-machine",
            "templates" => "cloudformation",
            "iam" => "iam-authorization-details",
            "scp" => "iam-policy",
            _ => "organization-layout",
        };
        assert_eq!(source.kind, expected, "{}", source.file);
    }
    assert_eq!(graph.state_machines.len(), summary.state_machines);
    assert!(graph.state_machines.values().all(|m| m.has_definition));
    // A role passed as a template parameter is left to deploy time and never guessed; every
    // other machine's role is among the inputs and must be linked.
    let by_parameter = |m: &&stepguard::StateMachine| m.role_arn.as_ref().is_some_and(|r| r.get("ref").is_some());
    let unlinked: Vec<&str> =
        graph.state_machines.values().filter(|m| m.role.is_none() && !by_parameter(m)).map(|m| m.id.as_str()).collect();
    assert!(unlinked.is_empty(), "machines whose role is among the inputs but not linked: {unlinked:?}");
    assert!(graph.state_machines.values().filter(|m| m.role.is_some()).count() > summary.state_machines / 2);
    let errors: Vec<_> =
        graph.diagnostics.iter().filter(|d| d.severity == stepguard::DiagnosticSeverity::Error).collect();
    assert!(errors.is_empty(), "generated definitions must be valid: {errors:?}");
}
