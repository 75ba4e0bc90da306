//! Parsing a Task's `Resource` into the integration it calls.

use serde_json::Value;

use crate::model::{HttpEndpoint, Integration, IntegrationKind};

/// Classifies a Task `Resource` (a string, or a symbolic value from a template).
pub(crate) fn parse(resource: &Value) -> Integration {
    let Some(arn) = resource.as_str() else {
        return Integration {
            kind: IntegrationKind::Dynamic,
            service: None,
            api: None,
            pattern: "request_response".to_owned(),
        };
    };
    let (base, pattern) = if let Some(b) = arn.strip_suffix(".waitForTaskToken") {
        (b, "wait_for_task_token")
    } else if let Some(b) = arn.strip_suffix(".sync:2") {
        (b, "sync2")
    } else if let Some(b) = arn.strip_suffix(".sync") {
        (b, "sync")
    } else {
        (arn, "request_response")
    };
    let parts: Vec<&str> = base.splitn(6, ':').collect();
    let integration = |kind, service: Option<&str>, api: Option<&str>| Integration {
        kind,
        service: service.map(str::to_owned),
        api: api.map(str::to_owned),
        pattern: pattern.to_owned(),
    };
    match parts.as_slice() {
        ["arn", _, "states", "", "", rest] => match rest.split(':').collect::<Vec<_>>().as_slice() {
            ["aws-sdk", service, api] => integration(IntegrationKind::Sdk, Some(service), Some(api)),
            ["http", "invoke"] => integration(IntegrationKind::Http, Some("http"), Some("invoke")),
            [service, api] => integration(IntegrationKind::Optimized, Some(service), Some(api)),
            _ => integration(IntegrationKind::Unknown, None, None),
        },
        ["arn", _, "states", _, _, rest] if rest.starts_with("activity:") => {
            integration(IntegrationKind::Activity, Some("states"), None)
        }
        ["arn", _, "lambda", _, _, rest] if rest.starts_with("function:") => {
            integration(IntegrationKind::LambdaArn, Some("lambda"), Some("invoke"))
        }
        _ if arn.contains("${") || arn.trim_start().starts_with("{%") => {
            integration(IntegrationKind::Dynamic, None, None)
        }
        _ => integration(IntegrationKind::Unknown, None, None),
    }
}

/// The HTTP endpoint of an HTTP Task or API Gateway Task, from its parameters or arguments.
pub(crate) fn http_endpoint(integration: Option<&Integration>, params: Option<&Value>) -> Option<HttpEndpoint> {
    let integration = integration?;
    let params = params?;
    let field = |k: &str| params.get(k).cloned();
    let path_field = |k: &str| params.get(format!("{k}.$")).cloned();
    match (integration.kind, integration.service.as_deref()) {
        (IntegrationKind::Http, _) => {
            let (endpoint, dynamic) = match (field("ApiEndpoint"), path_field("ApiEndpoint")) {
                (Some(e), _) => {
                    let dynamic = super::is_jsonata(&e);
                    (Some(e), dynamic)
                }
                (None, Some(p)) => (Some(p), true),
                (None, None) => (None, false),
            };
            Some(HttpEndpoint {
                endpoint,
                method: field("Method").or_else(|| path_field("Method")),
                dynamic,
                authentication: params.get("Authentication").and_then(|a| a.get("ConnectionArn")).cloned(),
            })
        }
        (IntegrationKind::Optimized, Some("apigateway")) => {
            let (endpoint, dynamic) = match (field("ApiEndpoint"), path_field("ApiEndpoint")) {
                (Some(e), _) => {
                    let dynamic = super::is_jsonata(&e);
                    (Some(e), dynamic)
                }
                (None, Some(p)) => (Some(p), true),
                (None, None) => (None, false),
            };
            Some(HttpEndpoint { endpoint, method: field("Method"), dynamic, authentication: field("AuthType") })
        }
        _ => None,
    }
}
