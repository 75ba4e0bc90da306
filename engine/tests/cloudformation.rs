//! CloudFormation and SAM templates: state machines, their definitions and roles, symbolic
//! values, and errors that name file, line and pointer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    unreachable_pub,
    reason = "test helpers outside `#[test]` functions fail loudly on purpose; the shared helpers are `pub` for every test crate"
)]

mod common;

use serde_json::{Value, json};
use stepguard::{Document, FactGraph, IngestOptions, InputErrorKind};

fn graph_of(path: &str) -> Value {
    let text = common::graph_json(&[path]).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn from_memory(documents: &[(&str, &str)]) -> Result<FactGraph, stepguard::Error> {
    let documents: Vec<Document> = documents.iter().map(|(n, t)| Document::new(*n, *t)).collect();
    stepguard::graph_from_documents(&documents, &IngestOptions::default())
}

fn template(text: &str) -> Result<FactGraph, stepguard::Error> {
    from_memory(&[("template.yaml", text)])
}

/// The one input error of a failed read.
fn single_error(result: Result<FactGraph, stepguard::Error>) -> stepguard::InputError {
    let err = result.expect_err("the template should be rejected");
    let errors = err.input_errors();
    assert_eq!(errors.len(), 1, "{err}");
    errors[0].clone()
}

fn line_of(path: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(common::repo_root().join(path)).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

#[test]
fn golden_graphs() {
    for (fixture, golden) in [
        ("testdata/cfn/sam-uri/template.yaml", "golden/cfn/sam-uri.json"),
        ("testdata/cfn/cfn-sub.yaml", "golden/cfn/cfn-sub.json"),
        ("testdata/cfn/cfn-definition.json", "golden/cfn/cfn-definition.json"),
        ("testdata/cfn/cfn-join.json", "golden/cfn/cfn-join.json"),
    ] {
        common::check_golden(golden, &common::graph_json(&[fixture]).unwrap());
    }
}

#[test]
fn sam_definition_uri_substitutions_and_policy_templates() {
    let g = graph_of("testdata/cfn/sam-uri/template.yaml");
    let id = "testdata/cfn/sam-uri/template.yaml#Pipeline";
    let m = &g["state_machines"][id];
    assert_eq!(m["origin"], "sam");
    assert_eq!(m["type"], "EXPRESS");
    assert_eq!(m["definition_source"]["file"], "testdata/cfn/sam-uri/statemachine/pipeline.asl.json");
    assert_eq!(m["tags"], json!({"team": "media", "stateMachine:createdBy": "SAM"}));
    assert_eq!(m["substitutions"]["RetryLimit"], json!(3));

    let state = |name: &str| &g["states"][format!("{id}/state/{name}")];
    assert_eq!(
        state("Resize")["parameters"]["FunctionName"],
        json!({"sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:resize-${AWS::StackName}"})
    );
    assert_eq!(state("Record")["parameters"]["TableName"], "image-jobs");
    assert_eq!(state("Record")["parameters"]["Item"]["limit"]["N"], "3");
    assert_eq!(state("Archive")["parameters"]["Bucket"], json!({"ref": "ArchiveBucket"}));
    assert_eq!(
        state("Archive")["parameters"]["CopySource.$"],
        json!({"sub": "States.Format('${ArchiveBucket}/{}', $.key)"})
    );

    // No `Role`: SAM's generated role, with the policies.
    let role_id = "testdata/cfn/sam-uri/template.yaml#PipelineRole";
    assert_eq!(m["role"], role_id);
    assert_eq!(m["role_arn"], json!({"get_att": ["PipelineRole", "Arn"]}));
    let role = &g["roles"][role_id];
    assert_eq!(role["path"], "/pipelines/");
    assert_eq!(role["managed_policies"], json!(["CloudWatchLogsFullAccess", "AWSXrayWriteOnlyAccess"]));
    assert_eq!(role["permissions_boundary"], "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/pipeline-boundary");
    let trust = &g["policies"][format!("{role_id}/trust")];
    assert_eq!(trust["statements"][0]["principal"], json!({"Service": ["states.amazonaws.com"]}));
    let resources = |n: usize| {
        g["policies"][format!("{role_id}/policy/PipelineRolePolicy{n}")]["statements"][0]["resource"].clone()
    };
    assert_eq!(
        resources(1),
        json!([{"sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:resize-${AWS::StackName}*"}])
    );
    assert_eq!(
        resources(2),
        json!([
            {"sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/image-jobs"},
            {"sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/image-jobs/index/*"}
        ])
    );
    assert_eq!(
        resources(3),
        json!([{"sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:image-dead-letters"}])
    );
    assert_eq!(
        resources(4),
        json!([{"sub": "arn:${AWS::Partition}:s3:::${ArchiveBucket}"}, {"sub": "arn:${AWS::Partition}:s3:::${ArchiveBucket}/*"}])
    );
    assert_eq!(resources(5), json!([{"get_att": ["PipelineKey", "Arn"]}]));
    assert_eq!(role["inline_policies"].as_array().unwrap().len(), 5);
    assert!(g["edges"].as_array().unwrap().contains(&json!({"from": id, "to": role_id, "kind": "executes_as"})));

    let logs = &g["resources"]["testdata/cfn/sam-uri/template.yaml#PipelineLogs"];
    assert_eq!(logs["properties"]["RetentionInDays"], 30);
    assert_eq!(logs["properties"]["KmsKeyId"], json!({"get_att": ["PipelineKey", "Arn"]}));
    assert_eq!(m["logging"]["destinations"][0], logs["arn"]);
}

#[test]
fn cfn_definition_string_sub_is_read_with_file_lines() {
    let path = "testdata/cfn/cfn-sub.yaml";
    let g = graph_of(path);
    let id = format!("{path}#ReportMachine");
    let m = &g["state_machines"][&id];
    assert_eq!(m["timeout_seconds"], 300, "a mapping value substituted outside a string");
    assert_eq!(m["name"], json!({"sub": "reports-${Environment}"}));
    let build = &g["states"][format!("{id}/state/Build")];
    assert_eq!(build["resource"], json!({"get_att": ["BuildFunction", "Arn"]}));
    assert_eq!(build["source"]["line"], line_of(path, "\"Build\": {"), "block scalar lines map to file lines");
    assert_eq!(build["source"]["pointer"], "/Resources/ReportMachine/Properties/DefinitionString");
    let publish = &g["states"][format!("{id}/state/Publish")];
    assert_eq!(publish["parameters"]["TopicArn"], json!({"ref": "ReportTopic"}));
    assert_eq!(publish["resource"], json!({"sub": "arn:${AWS::Partition}:states:::sns:publish"}));

    // Role linked through `!GetAtt`, with its policies from three places.
    let role_id = format!("{path}#ReportRole");
    assert_eq!(m["role"], role_id);
    let role = &g["roles"][&role_id];
    assert_eq!(
        role["arn"],
        json!({"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/service/reports-${Environment}-sfn"})
    );
    assert_eq!(
        role["managed_policies"],
        json!([format!("{path}#PublishPolicy"), "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"])
    );
    assert_eq!(role["inline_policies"], json!([format!("{path}#InvokePolicy")]));
    assert_eq!(g["policies"][format!("{path}#PublishPolicy")]["attached_to"], json!([role_id]));
    assert_eq!(
        g["policies"][format!("{path}#PublishPolicy")]["arn"],
        json!({"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/reports-publish"})
    );
    assert_eq!(
        g["policies"][format!("{role_id}/trust")]["statements"][0]["condition"]["StringEquals"]["aws:SourceAccount"],
        json!([{"sub": "${AWS::AccountId}"}])
    );

    // Tracing depends on a parameter: unknown, and said so.
    assert_eq!(m["tracing"]["enabled"], false);
    let diagnostics = g["diagnostics"].as_array().unwrap();
    assert!(diagnostics.iter().any(|d| d["code"] == "CFN_VALUE_NOT_EVALUABLE"
        && d["source"]["pointer"] == "/Resources/ReportMachine/Properties/TracingConfiguration/Enabled"));
    assert_eq!(m["encryption"]["kms_key_id"], json!({"ref": "ReportKey"}));
    assert_eq!(m["tags"]["env"], json!({"ref": "Environment"}));
}

#[test]
fn cfn_definition_object_with_substitutions() {
    let path = "testdata/cfn/cfn-definition.json";
    let g = graph_of(path);
    let id = format!("{path}#OrderFlow");
    let m = &g["state_machines"][&id];
    assert_eq!(m["role"], format!("{path}#FlowRole"), "role named inside `Fn::Sub`");
    assert_eq!(m["role_arn"], json!({"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${FlowRole}"}));
    assert_eq!(m["substitutions"]["Queue"], json!({"ref": "QueueArn"}));
    let check = &g["states"][format!("{id}/state/Check")];
    assert_eq!(
        check["resource"],
        json!({"sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:order-check"})
    );
    assert_eq!(check["source"]["pointer"], "/Resources/OrderFlow/Properties/Definition/States/Check");
    let enqueue = &g["states"][format!("{id}/state/Enqueue")]["parameters"];
    assert_eq!(enqueue["QueueUrl"], json!({"ref": "QueueArn"}));
    assert_eq!(enqueue["MessageBody"], json!({"sub": "from ${AWS::Region}"}));
    assert_eq!(enqueue["Literal"], "${NotASubstitution}");

    let role = &g["roles"][format!("{path}#FlowRole")];
    assert_eq!(role["permissions_boundary"], format!("{path}#Boundary"));
    assert_eq!(g["policies"][format!("{path}#FlowRole/trust")]["kind"], "trust", "trust document given as a string");
    let edges = g["edges"].as_array().unwrap();
    assert!(edges.contains(
        &json!({"from": format!("{path}#FlowRole"), "to": format!("{path}#Boundary"), "kind": "bounded_by"})
    ));
    assert!(edges.contains(&json!({"from": format!("{path}#FlowRole/policy/send"), "to": format!("{path}#FlowRole"), "kind": "attached_to"})));
}

#[test]
fn cfn_join_definition_and_remote_definitions() {
    let path = "testdata/cfn/cfn-join.json";
    let g = graph_of(path);
    let m = &g["state_machines"][format!("{path}#Transformed")];
    assert_eq!(m["type"], "EXPRESS");
    assert_eq!(m["role"], Value::Null);
    assert_eq!(m["role_arn"], "arn:aws:iam::111122223333:role/service-role/StepFunctions-Transformed");
    let invoke = &g["states"][format!("{path}#Transformed/state/Invoke")];
    assert_eq!(invoke["resource"], json!({"get_att": ["Worker", "Arn"]}));
    let notify = &g["states"][format!("{path}#Transformed/state/Notify")];
    assert_eq!(
        notify["parameters"]["TopicArn"],
        json!({"sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:flow-alerts"})
    );

    let stored_id = format!("{path}#Stored");
    let stored = &g["state_machines"][&stored_id];
    assert_eq!(stored["has_definition"], false);
    assert_eq!(stored["role_arn"], json!({"import_value": "shared-sfn-role-arn"}));
    let diagnostic = g["diagnostics"].as_array().unwrap().iter().find(|d| d["node"] == stored_id.as_str()).unwrap();
    assert_eq!(diagnostic["code"], "CFN_DEFINITION_NOT_LOCAL");
    assert_eq!(diagnostic["severity"], "warning");
    assert!(diagnostic["message"].as_str().unwrap().contains("s3://artifacts-111122223333/flows/stored.asl.json"));
}

#[test]
fn templates_without_state_machines_still_contribute_roles() {
    let g = template(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: x\n      AssumeRolePolicyDocument:\n        Statement: [{Effect: Allow, Principal: {Service: states.amazonaws.com}, Action: sts:AssumeRole}]\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: p\n      Roles: [x]\n      PolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: '*'}]}\n",
    )
    .unwrap();
    assert!(g.state_machines.is_empty());
    let role = &g.roles["template.yaml#R"];
    assert_eq!(role.inline_policies, vec!["template.yaml#P"], "attached by the role's fixed name");
    assert_eq!(g.policies["template.yaml#P"].attached_to, vec!["template.yaml#R"]);
}

#[test]
fn sam_globals_propagate_tags_and_conditional_policies() {
    let g = template(
        "Conditions:\n  Extra: !Equals [!Ref AWS::Region, us-east-1]\nGlobals:\n  StateMachine:\n    PropagateTags: true\nResources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Definition: {StartAt: A, States: {A: {Type: Succeed}}}\n      Tags: {team: a}\n      Policies:\n        - !If [Extra, {SQSPollerPolicy: {QueueName: q}}, !Ref AWS::NoValue]\n",
    )
    .unwrap();
    let m = &g.state_machines["template.yaml#M"];
    assert_eq!(m.tags.keys().collect::<Vec<_>>(), vec!["team"], "no `stateMachine:createdBy` when tags propagate");
    let role = &g.roles["template.yaml#MRole"];
    assert_eq!(role.inline_policies, vec!["template.yaml#MRole/policy/MRolePolicy0"]);
    assert!(g.diagnostics.iter().any(|d| d.code == "CFN_CONDITIONAL_POLICY"));
}

#[test]
fn symbolic_values_are_never_guessed() {
    let g = template(
        "Parameters:\n  RoleArn: {Type: String}\n  Fn: {Type: String}\nResources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: !Ref RoleArn\n      StateMachineName: !Join ['-', [flow, !Select [0, !Split ['-', !Ref AWS::StackName]]]]\n      Definition:\n        StartAt: A\n        States:\n          A: {Type: Task, Resource: !Ref Fn, End: true}\n",
    )
    .unwrap();
    let m = &g.state_machines["template.yaml#M"];
    assert_eq!(m.role_arn, Some(json!({"ref": "RoleArn"})));
    assert_eq!(m.role, None);
    assert_eq!(
        m.name,
        Some(json!({"join": ["-", ["flow", {"select": [0, {"split": ["-", {"sub": "${AWS::StackName}"}]}]}]]}))
    );
    assert_eq!(g.states["template.yaml#M/state/A"].resource, Some(json!({"ref": "Fn"})));
}

#[test]
fn errors_name_file_line_and_pointer() {
    let sm =
        |props: &str| format!("Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n{props}");
    let sam =
        |props: &str| format!("Resources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n{props}");
    let def = "      Definition: {StartAt: A, States: {A: {Type: Succeed}}}\n";
    let cases: Vec<(String, u32, &str, &str, InputErrorKind)> = vec![
        ("Resources: [a, b]\n".into(), 1, "/Resources", "expected an object, found an array", InputErrorKind::Shape),
        (
            "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties: [x]\n".into(),
            4,
            "/Resources/M/Properties",
            "expected an object, found an array",
            InputErrorKind::Shape,
        ),
        (
            sm(&format!("{def}      RoleArn: {{Fn::Bogus: x}}\n")),
            6,
            "/Resources/M/Properties/RoleArn/Fn::Bogus",
            "unknown intrinsic function `Fn::Bogus`",
            InputErrorKind::Shape,
        ),
        (sm(&format!("{def}      RoleArn: !Bogus x\n")), 6, "/Resources/M/Properties/RoleArn", "unsupported YAML tag `!Bogus`", InputErrorKind::Syntax),
        (sm("      Definition: [a]\n"), 5, "/Resources/M/Properties/Definition", "expected a state machine definition (an object), found an array", InputErrorKind::Shape),
        (sam("      Definition: '{}'\n"), 5, "/Resources/M/Properties/Definition", "found a string", InputErrorKind::Shape),
        (
            "Parameters:\n  T: {Type: Number}\n".to_owned()
                + &sm("      DefinitionString: !Sub |\n        {\"StartAt\": \"A\", \"TimeoutSeconds\": ${T},\n         \"States\": {\"A\": {\"Type\": \"Succeed\"}}}\n"),
            8,
            "/Resources/M/Properties/DefinitionString",
            "`${T}` is substituted outside a JSON string",
            InputErrorKind::NotEvaluable,
        ),
        (
            sam(&format!("{def}      Policies:\n        - NoSuchPolicy: {{}}\n")),
            7,
            "/Resources/M/Properties/Policies/0/NoSuchPolicy",
            "unknown SAM policy template `NoSuchPolicy`",
            InputErrorKind::Shape,
        ),
        (
            sam(&format!("{def}      Policies:\n        - LambdaInvokePolicy:\n            Function: x\n")),
            8,
            "/Resources/M/Properties/Policies/0/LambdaInvokePolicy",
            "needs the parameter `FunctionName`",
            InputErrorKind::Shape,
        ),
        (
            sam(&format!("{def}      Role: arn:aws:iam::111122223333:role/r\n      Policies: [AWSLambdaRole]\n")),
            7,
            "/Resources/M/Properties/Policies",
            "either `Role` or `Policies`",
            InputErrorKind::Shape,
        ),
        (sam("      DefinitionUri: flows/missing.asl.json\n"), 5, "/Resources/M/Properties/DefinitionUri", "cannot read `flows/missing.asl.json`", InputErrorKind::Io),
        (sam("      DefinitionUri: {Bucket: b}\n"), 5, "/Resources/M/Properties/DefinitionUri", "needs `Bucket` and `Key`", InputErrorKind::Shape),
        (sm(&format!("{def}      StateMachineType: FAST\n")), 6, "/Resources/M/Properties/StateMachineType", "must be `STANDARD` or `EXPRESS`, not `FAST`", InputErrorKind::Shape),
        (
            sm(&format!("{def}      DefinitionSubstitutions: {{N: !Ref AWS::StackName}}\n      Definition: {{StartAt: A, States: {{'${{N}}': {{Type: Succeed}}}}}}\n")).replace(def, ""),
            6,
            "/Resources/M/Properties/Definition/States/${N}",
            "known only at deploy time",
            InputErrorKind::NotEvaluable,
        ),
        (
            sam(&format!("{def}      Events:\n        Web:\n          Type: Api\n          Properties: {{Path: /x, Method: post, Auth: {{Authorizer: Nope}}}}\n")),
            9,
            "/Resources/M/Properties/Events/Web/Properties/Auth/Authorizer",
            "authorizer `Nope` is not defined",
            InputErrorKind::Shape,
        ),
    ];
    for (text, line, pointer, message, kind) in cases {
        let err = single_error(template(&text));
        assert_eq!(err.file(), "template.yaml", "{text}");
        assert_eq!(err.pointer(), pointer, "{text}\n{err}");
        assert!(err.message().contains(message), "{text}\n{err}");
        assert_eq!(err.kind(), kind, "{text}\n{err}");
        if kind != InputErrorKind::Syntax {
            assert_eq!(err.line(), Some(line), "{text}\n{err}");
        }
    }
}

#[test]
fn definition_files_are_read_relative_to_the_template() {
    let g = from_memory(&[
        ("app/template.yaml", "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionS3Location: ../flows/m.asl.yaml\n      DefinitionSubstitutions: {Next: B}\n"),
        ("flows/m.asl.yaml", "StartAt: A\nStates:\n  A: {Type: Pass, Next: '${Next}'}\n  B: {Type: Succeed}\n"),
    ])
    .unwrap();
    let m = &g.state_machines["app/template.yaml#M"];
    assert!(m.has_definition);
    assert_eq!(m.definition_source.as_ref().unwrap().file, "flows/m.asl.yaml");
    assert_eq!(g.states["app/template.yaml#M/state/A"].next.as_deref(), Some("B"));
    assert_eq!(g.states["app/template.yaml#M/state/A"].source.line, 3);
}
