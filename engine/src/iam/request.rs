//! The request being authorized: who, what, on which resource, with which context keys.
//!
//! Everything the evaluator compares is prepared here once (lowercased action, split ARN,
//! lowercased and sorted context keys), so evaluation itself never allocates.

use std::fmt;

use super::arn::{ArnParts, split_arn};
use super::pattern::Variables;

/// A request that cannot be built: a malformed principal, action or resource.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AccessRequestError {
    message: String,
}

impl AccessRequestError {
    fn new(message: String) -> Self {
        Self { message }
    }
}

/// Who makes a request, as parsed from its ARN (or service name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// `arn:aws:iam::A:user/path/name`.
    User { name: String },
    /// `arn:aws:iam::A:role/path/name` (a role used directly, as some simulations do).
    Role { name: String, service_linked: bool },
    /// `arn:aws:sts::A:assumed-role/role/session`.
    Session { role: String },
    /// `arn:aws:sts::A:federated-user/name`.
    FederatedUser { name: String },
    /// `arn:aws:iam::A:root`.
    Root,
    /// A service principal such as `states.amazonaws.com`.
    Service,
    /// An unauthenticated caller.
    Anonymous,
}

/// The request principal with what matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestPrincipal {
    pub(crate) caller: Caller,
    /// The ARN (or service name, or `anonymous`) as given.
    pub(crate) text: String,
    pub(crate) partition: String,
    /// Empty for service principals and anonymous callers.
    pub(crate) account: String,
}

impl RequestPrincipal {
    fn parse(text: &str) -> Result<Self, AccessRequestError> {
        let plain =
            |caller| Ok(Self { caller, text: text.to_owned(), partition: String::new(), account: String::new() });
        if text == "anonymous" {
            return plain(Caller::Anonymous);
        }
        let Some(arn) = split_arn(text) else {
            if !text.is_empty() && !text.contains(':') && text.contains('.') {
                return plain(Caller::Service);
            }
            return Err(AccessRequestError::new(format!(
                "principal `{text}` is not an IAM or STS ARN or a service name"
            )));
        };
        let bad = || {
            AccessRequestError::new(format!(
                "principal `{text}` is not a user, role, session, federated user or root ARN"
            ))
        };
        let last_segment = |path: &str| path.rsplit('/').next().unwrap_or_default().to_owned();
        let caller = match (arn.service, arn.resource.split_once('/')) {
            ("iam", None) if arn.resource == "root" => Caller::Root,
            ("iam", Some(("user", path))) if !path.is_empty() => Caller::User { name: last_segment(path) },
            ("iam", Some(("role", path))) if !path.is_empty() => {
                Caller::Role { name: last_segment(path), service_linked: path.starts_with("aws-service-role/") }
            }
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                    Caller::Session { role: role.to_owned() }
                }
                _ => return Err(bad()),
            },
            ("sts", Some(("federated-user", name))) if !name.is_empty() => {
                Caller::FederatedUser { name: name.to_owned() }
            }
            _ => return Err(bad()),
        };
        if arn.account.is_empty() {
            return Err(bad());
        }
        Ok(Self { caller, text: text.to_owned(), partition: arn.partition.to_owned(), account: arn.account.to_owned() })
    }

    /// True for principals that belong to an account (users, roles, sessions, root).
    pub(crate) fn is_iam(&self) -> bool {
        !matches!(self.caller, Caller::Service | Caller::Anonymous)
    }

    /// Service-linked roles: SCPs and RCPs do not apply to them. Sessions are recognized by
    /// AWS's `AWSServiceRoleFor` name prefix, since a session ARN carries no role path.
    pub(crate) fn is_service_linked(&self) -> bool {
        match &self.caller {
            Caller::Role { service_linked, .. } => *service_linked,
            Caller::Session { role } => role.starts_with("AWSServiceRoleFor"),
            _ => false,
        }
    }
}

/// A context key's value: one string, or a set (for keys AWS types as `ArrayOf...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

/// Byte ranges of the split resource ARN inside `AccessRequest::resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ArnSpans {
    partition: (usize, usize),
    service: (usize, usize),
    region: (usize, usize),
    account: (usize, usize),
    resource: (usize, usize),
}

/// One request to authorize.
///
/// ```
/// let request = stepguard::AccessRequest::new(
///     "arn:aws:sts::111122223333:assumed-role/sfn-exec/run-1",
///     "lambda:InvokeFunction",
/// )?
/// .with_resource("arn:aws:lambda:us-east-1:111122223333:function:f")?
/// .with_context("aws:RequestedRegion", "us-east-1");
/// assert_eq!(request.action(), "lambda:InvokeFunction");
/// # Ok::<(), stepguard::AccessRequestError>(())
/// ```
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    pub(crate) principal: RequestPrincipal,
    action: String,
    // INVARIANT (lowercase-action): both lowercase; `service:name` split at the colon.
    pub(crate) service: String,
    pub(crate) action_name: String,
    resource: Option<String>,
    spans: Option<ArnSpans>,
    resource_account: Option<String>,
    role_arn: Option<String>,
    // INVARIANT (sorted-context): keys lowercase, sorted, unique.
    context: Vec<(String, ContextValue)>,
}

impl AccessRequest {
    /// A request by `principal` (a user, role, session, federated user or root ARN, a
    /// service principal such as `states.amazonaws.com`, or `anonymous`) for `action`
    /// (`service:Action`), with no specific resource (see [`AccessRequest::with_resource`]).
    pub fn new(principal: &str, action: &str) -> Result<AccessRequest, AccessRequestError> {
        let principal = RequestPrincipal::parse(principal)?;
        let Some((service, name)) = action
            .split_once(':')
            .filter(|(s, n)| !s.is_empty() && !n.is_empty() && !n.contains(':') && !action.contains(['*', '?']))
        else {
            return Err(AccessRequestError::new(format!("action `{action}` is not of the form `service:Action`")));
        };
        Ok(AccessRequest {
            principal,
            action: action.to_owned(),
            service: service.to_lowercase(),
            action_name: name.to_lowercase(),
            resource: None,
            spans: None,
            resource_account: None,
            role_arn: None,
            context: Vec::new(),
        })
    }

    /// Sets the resource ARN. `*` means no specific resource (the form AWS uses for actions
    /// that support no resource types): then only `"Resource": "*"` matches.
    pub fn with_resource(mut self, arn: &str) -> Result<AccessRequest, AccessRequestError> {
        if arn == "*" {
            self.resource = None;
            self.spans = None;
            return Ok(self);
        }
        let Some(parts) = split_arn(arn) else {
            return Err(AccessRequestError::new(format!("resource `{arn}` is not an ARN")));
        };
        // Segments are consecutive after `arn:`, each followed by one `:`.
        let mut next = "arn:".len();
        let mut span = |s: &str| {
            let range = (next, next + s.len());
            next = range.1 + 1;
            range
        };
        self.spans = Some(ArnSpans {
            partition: span(parts.partition),
            service: span(parts.service),
            region: span(parts.region),
            account: span(parts.account),
            resource: span(parts.resource),
        });
        self.resource = Some(arn.to_owned());
        Ok(self)
    }

    /// Sets the account that owns the resource, for ARNs that do not name it (S3 buckets).
    /// By default it is the ARN's account segment, or the principal's account when that is
    /// empty or there is no resource.
    pub fn with_resource_account(mut self, account: &str) -> AccessRequest {
        self.resource_account = Some(account.to_owned());
        self
    }

    /// Sets a single-valued context key (names are case-insensitive; a later value replaces
    /// an earlier one).
    pub fn with_context(self, key: &str, value: impl Into<String>) -> AccessRequest {
        self.with_value(key, ContextValue::Single(value.into()))
    }

    /// Sets a multivalued context key (one AWS types as `ArrayOf...`, such as `aws:TagKeys`).
    /// Set operators (`ForAnyValue:`, `ForAllValues:`) see its members; a plain operator
    /// never matches a multivalued key, as AWS requires a set operator for them. An empty
    /// set counts as an absent key.
    pub fn with_context_values<I, S>(self, key: &str, values: I) -> AccessRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.with_value(key, ContextValue::Multi(values.into_iter().map(Into::into).collect()))
    }

    /// For a role session, the full role ARN (with its path), used for `aws:PrincipalArn` by
    /// [`AccessRequest::with_principal_keys`]. Without it the path-less ARN is derived.
    pub fn with_role_arn(mut self, role_arn: &str) -> AccessRequest {
        self.role_arn = Some(role_arn.to_owned());
        self
    }

    /// Adds the keys AWS derives from the principal, unless already set: `aws:PrincipalArn`
    /// (the role ARN for a session), `aws:PrincipalAccount`, `aws:PrincipalType` and, for IAM
    /// users, `aws:username`.
    pub fn with_principal_keys(self) -> AccessRequest {
        let p = &self.principal;
        let (arn, kind, username) = match &p.caller {
            Caller::User { name } => (p.text.clone(), "User", Some(name.clone())),
            Caller::Role { .. } => (p.text.clone(), "AssumedRole", None),
            Caller::Session { role } => (
                self.role_arn.clone().unwrap_or_else(|| format!("arn:{}:iam::{}:role/{role}", p.partition, p.account)),
                "AssumedRole",
                None,
            ),
            Caller::FederatedUser { .. } => (p.text.clone(), "FederatedUser", None),
            Caller::Root => (p.text.clone(), "Account", None),
            Caller::Service | Caller::Anonymous => return self,
        };
        let account = p.account.clone();
        let mut out = self;
        for (key, value) in [
            ("aws:principalarn", Some(arn)),
            ("aws:principalaccount", Some(account)),
            ("aws:principaltype", Some(kind.to_owned())),
            ("aws:username", username),
        ] {
            if let Some(value) = value
                && out.lookup(key).is_none()
            {
                out = out.with_value(key, ContextValue::Single(value));
            }
        }
        out
    }

    fn with_value(mut self, key: &str, value: ContextValue) -> AccessRequest {
        let key = key.to_lowercase();
        match self.context.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => {
                if let Some(slot) = self.context.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.context.insert(i, (key, value)),
        }
        self
    }

    /// The action as given.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The principal as given.
    pub fn principal(&self) -> &str {
        &self.principal.text
    }

    /// The resource ARN, when the request names one.
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// The account that owns the resource (see [`AccessRequest::with_resource_account`]); empty
    /// for a service or anonymous caller without a resource account.
    pub fn resource_account(&self) -> &str {
        if let Some(a) = &self.resource_account {
            return a;
        }
        match self.arn() {
            Some(parts) if !parts.account.is_empty() => parts.account,
            _ => &self.principal.account,
        }
    }

    /// The split resource ARN.
    pub(crate) fn arn(&self) -> Option<ArnParts<'_>> {
        let (arn, spans) = (self.resource.as_deref()?, self.spans?);
        let get = |(a, b): (usize, usize)| arn.get(a..b);
        Some(ArnParts {
            partition: get(spans.partition)?,
            service: get(spans.service)?,
            region: get(spans.region)?,
            account: get(spans.account)?,
            resource: get(spans.resource)?,
        })
    }

    /// The value of a context key; `key` must be lowercase. Empty sets count as absent.
    pub(crate) fn lookup(&self, key: &str) -> Option<&ContextValue> {
        let i = self.context.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        match self.context.get(i).map(|(_, v)| v) {
            Some(ContextValue::Multi(values)) if values.is_empty() => None,
            other => other,
        }
    }
}

impl Variables for AccessRequest {
    fn single_value(&self, key: &str) -> Option<&str> {
        match self.lookup(key)? {
            ContextValue::Single(v) => Some(v),
            // AWS: a multivalued key cannot be used as a policy variable.
            ContextValue::Multi(_) => None,
        }
    }
}

impl fmt::Display for AccessRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} on {}", self.principal.text, self.action, self.resource.as_deref().unwrap_or("*"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_parse_by_kind() {
        let p = |s| RequestPrincipal::parse(s).unwrap().caller;
        assert_eq!(p("arn:aws:sts::1:assumed-role/r/s"), Caller::Session { role: "r".into() });
        assert_eq!(p("arn:aws:iam::1:user/a/b/u"), Caller::User { name: "u".into() });
        assert_eq!(
            p("arn:aws:iam::1:role/aws-service-role/x/AWSServiceRoleForX"),
            Caller::Role { name: "AWSServiceRoleForX".into(), service_linked: true }
        );
        assert_eq!(p("arn:aws:iam::1:root"), Caller::Root);
        assert_eq!(p("states.amazonaws.com"), Caller::Service);
        assert!(RequestPrincipal::parse("arn:aws:s3:::bucket").is_err());
        assert!(RequestPrincipal::parse("bob").is_err());
    }

    #[test]
    fn context_keys_are_case_insensitive_and_replaced() {
        let r = AccessRequest::new("arn:aws:iam::1:user/u", "s3:GetObject")
            .unwrap()
            .with_context("AWS:SourceIp", "1.2.3.4")
            .with_context("aws:sourceip", "5.6.7.8")
            .with_context_values("aws:TagKeys", Vec::<String>::new());
        assert_eq!(r.lookup("aws:sourceip"), Some(&ContextValue::Single("5.6.7.8".into())));
        assert_eq!(r.lookup("aws:tagkeys"), None);
    }

    #[test]
    fn resource_account_defaults() {
        let r = AccessRequest::new("arn:aws:iam::1:user/u", "s3:GetObject").unwrap();
        assert_eq!(r.resource_account(), "1");
        let r = r.with_resource("arn:aws:s3:::b/k").unwrap();
        assert_eq!(r.resource_account(), "1");
        let r = r.with_resource_account("2");
        assert_eq!(r.resource_account(), "2");
        let r = AccessRequest::new("arn:aws:iam::1:user/u", "sqs:SendMessage")
            .unwrap()
            .with_resource("arn:aws:sqs:us-east-1:3:q")
            .unwrap();
        assert_eq!(r.resource_account(), "3");
        assert_eq!(r.arn().unwrap().resource, "q");
    }

    #[test]
    fn principal_keys_are_derived() {
        let r = AccessRequest::new("arn:aws:sts::1:assumed-role/r/s", "s3:GetObject").unwrap().with_principal_keys();
        assert_eq!(r.single_value("aws:principalarn"), Some("arn:aws:iam::1:role/r"));
        assert_eq!(r.single_value("aws:username"), None);
        let r = AccessRequest::new("arn:aws:iam::1:user/p/u", "s3:GetObject").unwrap().with_principal_keys();
        assert_eq!(r.single_value("aws:username"), Some("u"));
    }

    #[test]
    fn malformed_actions_are_rejected() {
        for action in ["s3", "s3:", ":x", "s3:Get*", "a:b:c"] {
            assert!(AccessRequest::new("arn:aws:iam::1:user/u", action).is_err(), "{action}");
        }
    }
}
