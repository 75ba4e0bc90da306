//! Parsing a Task's `Resource` into the integration it calls, and finding the HTTP endpoint of
//! HTTP and API Gateway tasks.
//!
//! Resource forms (any partition: `aws`, `aws-cn`, `aws-us-gov`, ...):
//! - `arn:<p>:states:::<service>:<api>[.sync|.sync:2|.waitForTaskToken]` — optimized integration
//! - `arn:<p>:states:::aws-sdk:<service>:<api>[.waitForTaskToken]` — AWS SDK integration
//! - `arn:<p>:states:::http:invoke` — HTTP task
//! - `arn:<p>:lambda:<region>:<account>:function:<name>[:<qualifier>]` — a Lambda function
//! - `arn:<p>:states:<region>:<account>:activity:<name>` — an activity
//!
//! A resource decided at deploy or run time (a symbolic value, a `${...}` placeholder standing
//! for the whole ARN, a JSONata expression) is [`IntegrationKind::Dynamic`]. A template's `!Sub`
//! keeps the ARN's shape, so `{"sub": "arn:${AWS::Partition}:states:::lambda:invoke"}` is still
//! read as an optimized Lambda integration.

use serde_json::Value;

use crate::model::{HttpEndpoint, Integration, IntegrationKind};

/// Classifies a Task `Resource` (a string, or a symbolic value from a template).
pub(crate) fn parse(resource: &Value) -> Integration {
    match resource {
        Value::String(arn) => parse_arn(arn),
        Value::Object(map) if map.len() == 1 => {
            let template = map.get("sub").or_else(|| map.get("Fn::Sub")).and_then(|v| match v {
                Value::String(s) => Some(s.as_str()),
                // The list form: `[template, {variables}]`.
                Value::Array(items) => items.first().and_then(Value::as_str),
                _ => None,
            });
            match template.map(parse_arn) {
                Some(integration) if integration.kind != IntegrationKind::Unknown => integration,
                _ => dynamic(),
            }
        }
        _ => dynamic(),
    }
}

fn dynamic() -> Integration {
    Integration { kind: IntegrationKind::Dynamic, service: None, api: None, pattern: "request_response".to_owned() }
}

fn parse_arn(arn: &str) -> Integration {
    let arn = arn.trim();
    if arn.starts_with("{%") || is_whole_placeholder(arn) {
        return dynamic();
    }
    let (base, pattern) = if let Some(b) = arn.strip_suffix(".waitForTaskToken") {
        (b, "wait_for_task_token")
    } else if let Some(b) = arn.strip_suffix(".sync:2") {
        (b, "sync2")
    } else if let Some(b) = arn.strip_suffix(".sync") {
        (b, "sync")
    } else {
        (arn, "request_response")
    };
    let integration = |kind, service: Option<&str>, api: Option<&str>| Integration {
        kind,
        service: service.map(str::to_owned),
        api: api.map(str::to_owned),
        pattern: pattern.to_owned(),
    };
    let parts = split_arn(base);
    // Region and account are ignored for service integrations: templates often fill them in
    // with `${AWS::Region}`, and Step Functions only looks at what follows.
    match parts.as_slice() {
        ["arn", _, "states", _, _, "aws-sdk", service, api] => {
            integration(IntegrationKind::Sdk, Some(service), Some(api))
        }
        ["arn", _, "states", _, _, "http", "invoke"] => {
            integration(IntegrationKind::Http, Some("http"), Some("invoke"))
        }
        ["arn", _, "states", _, _, "activity", _] => integration(IntegrationKind::Activity, Some("states"), None),
        ["arn", _, "states", _, _, service, api]
            if !service.is_empty() && !api.is_empty() && *service != "stateMachine" =>
        {
            integration(IntegrationKind::Optimized, Some(service), Some(api))
        }
        ["arn", _, "lambda", _, _, "function", name, ..] if !name.is_empty() => {
            integration(IntegrationKind::LambdaArn, Some("lambda"), Some("invoke"))
        }
        _ if arn.contains("${") => integration(IntegrationKind::Dynamic, None, None),
        _ => integration(IntegrationKind::Unknown, None, None),
    }
}

/// True when the whole string is one `${...}` placeholder.
fn is_whole_placeholder(s: &str) -> bool {
    s.strip_prefix("${").and_then(|rest| rest.strip_suffix('}')).is_some_and(|inner| !inner.contains('}'))
}

/// Splits an ARN on `:`, keeping `${AWS::Region}`-style placeholders whole.
fn split_arn(arn: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let bytes = arn.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                parts.push(arn.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(arn.get(start..).unwrap_or_default());
    parts
}

/// The HTTP endpoint of an HTTP Task or API Gateway Task, from its parameters or arguments.
pub(crate) fn http_endpoint(integration: Option<&Integration>, params: Option<&Value>) -> Option<HttpEndpoint> {
    let integration = integration?;
    let is_http = integration.kind == IntegrationKind::Http;
    let is_api_gateway =
        integration.kind == IntegrationKind::Optimized && integration.service.as_deref() == Some("apigateway");
    if !is_http && !is_api_gateway {
        return None;
    }
    let Some(params) = params else {
        return Some(HttpEndpoint { endpoint: None, method: None, dynamic: false, authentication: None });
    };
    if super::is_jsonata(params) {
        // The whole argument object is computed at run time.
        return Some(HttpEndpoint { endpoint: None, method: None, dynamic: true, authentication: None });
    }
    let field = |k: &str| params.get(k).cloned();
    let path_field = |k: &str| params.get(format!("{k}.$")).cloned();
    let (endpoint, dynamic) = match (field("ApiEndpoint"), path_field("ApiEndpoint")) {
        (Some(e), _) => {
            let dynamic = super::is_jsonata(&e);
            (Some(e), dynamic)
        }
        (None, Some(p)) => (Some(p), true),
        (None, None) => (None, false),
    };
    let method = field("Method").or_else(|| path_field("Method"));
    let authentication = if is_http {
        params.get("Authentication").and_then(|a| a.get("ConnectionArn").or_else(|| a.get("ConnectionArn.$"))).cloned()
    } else {
        field("AuthType")
    };
    Some(HttpEndpoint { endpoint, method, dynamic, authentication })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kind_of(resource: Value) -> (IntegrationKind, Option<String>, Option<String>, String) {
        let i = parse(&resource);
        (i.kind, i.service, i.api, i.pattern)
    }

    #[test]
    fn optimized_integrations_and_patterns() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            kind_of(json!("arn:aws:states:::lambda:invoke")),
            (IntegrationKind::Optimized, s("lambda"), s("invoke"), "request_response".to_owned())
        );
        assert_eq!(
            kind_of(json!("arn:aws:states:::states:startExecution.sync:2")),
            (IntegrationKind::Optimized, s("states"), s("startExecution"), "sync2".to_owned())
        );
        assert_eq!(
            kind_of(json!("arn:aws-us-gov:states:::glue:startJobRun.sync")),
            (IntegrationKind::Optimized, s("glue"), s("startJobRun"), "sync".to_owned())
        );
        assert_eq!(
            kind_of(json!("arn:aws-cn:states:::sqs:sendMessage.waitForTaskToken")),
            (IntegrationKind::Optimized, s("sqs"), s("sendMessage"), "wait_for_task_token".to_owned())
        );
    }

    #[test]
    fn sdk_http_lambda_and_activity_resources() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            kind_of(json!("arn:aws:states:::aws-sdk:s3:listObjectsV2")),
            (IntegrationKind::Sdk, s("s3"), s("listObjectsV2"), "request_response".to_owned())
        );
        assert_eq!(kind_of(json!("arn:aws:states:::http:invoke")).0, IntegrationKind::Http);
        assert_eq!(kind_of(json!("arn:aws:lambda:us-east-1:123456789012:function:Fn")).0, IntegrationKind::LambdaArn);
        assert_eq!(
            kind_of(json!("arn:aws-cn:lambda:cn-north-1:123456789012:function:Fn:prod")).0,
            IntegrationKind::LambdaArn
        );
        assert_eq!(kind_of(json!("arn:aws:states:us-east-1:123456789012:activity:Work")).0, IntegrationKind::Activity);
    }

    #[test]
    fn deploy_time_and_run_time_resources_are_dynamic() {
        assert_eq!(kind_of(json!({"ref": "MyFunction"})).0, IntegrationKind::Dynamic);
        assert_eq!(kind_of(json!({"get_att": ["MyFunction", "Arn"]})).0, IntegrationKind::Dynamic);
        assert_eq!(kind_of(json!("${LambdaArn}")).0, IntegrationKind::Dynamic);
        assert_eq!(kind_of(json!("{% $states.input.fn %}")).0, IntegrationKind::Dynamic);
        assert_eq!(kind_of(json!(42)).0, IntegrationKind::Dynamic);
        assert_eq!(kind_of(json!("foo:bar")).0, IntegrationKind::Unknown);
    }

    #[test]
    fn substitution_templates_keep_the_arn_shape() {
        let i = parse(&json!({"sub": "arn:${AWS::Partition}:states:::dynamodb:putItem"}));
        assert_eq!((i.kind, i.service.as_deref()), (IntegrationKind::Optimized, Some("dynamodb")));
        let i = parse(
            &json!({"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:athena:startQueryExecution.sync"}),
        );
        assert_eq!(
            (i.kind, i.api.as_deref(), i.pattern.as_str()),
            (IntegrationKind::Optimized, Some("startQueryExecution"), "sync")
        );
        let i = parse(&json!("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Name}"));
        assert_eq!(i.kind, IntegrationKind::LambdaArn);
        assert_eq!(parse(&json!({"sub": "${FunctionArn}"})).kind, IntegrationKind::Dynamic);
    }

    #[test]
    fn http_endpoints_from_parameters_and_arguments() {
        let http = parse(&json!("arn:aws:states:::http:invoke"));
        let e = http_endpoint(
            Some(&http),
            Some(&json!({"ApiEndpoint": "https://api.example.com/v1", "Method": "GET",
                "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:1:connection/c/1"}})),
        )
        .unwrap();
        assert_eq!(e.endpoint, Some(json!("https://api.example.com/v1")));
        assert!(!e.dynamic);
        assert_eq!(e.authentication, Some(json!("arn:aws:events:us-east-1:1:connection/c/1")));
        let e = http_endpoint(Some(&http), Some(&json!({"ApiEndpoint.$": "$.url", "Method": "POST"}))).unwrap();
        assert!(e.dynamic);
        let e = http_endpoint(Some(&http), Some(&json!({"ApiEndpoint": "{% $states.input.url %}"}))).unwrap();
        assert!(e.dynamic);
        let e = http_endpoint(Some(&http), Some(&json!("{% $states.input.request %}"))).unwrap();
        assert!(e.dynamic && e.endpoint.is_none());

        let apigw = parse(&json!("arn:aws:states:::apigateway:invoke"));
        let e = http_endpoint(
            Some(&apigw),
            Some(&json!({"ApiEndpoint": "abc.execute-api.us-east-1.amazonaws.com", "Method": "GET", "AuthType": "IAM_ROLE"})),
        )
        .unwrap();
        assert_eq!(e.authentication, Some(json!("IAM_ROLE")));
        let lambda = parse(&json!("arn:aws:states:::lambda:invoke"));
        assert!(http_endpoint(Some(&lambda), Some(&json!({}))).is_none());
    }
}
