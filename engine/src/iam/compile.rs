//! Turning normalized [`Statement`]s into matcher structures, once per policy.
//!
//! Action patterns are lowercased and split at the service prefix, resource ARNs are split
//! into segments, principals are classified by form and conditions are parsed into typed
//! values, so that matching a request compares prepared data only.

use serde_json::Value as Json;

use super::arn::ArnPattern;
use super::condition::Condition;
use super::decision::{DecidingStatement, Effect, PolicySource};
use super::pattern::{Matched, Pattern, Syntax};
use super::request::{AccessRequest, Caller, RequestPrincipal};
use crate::doc::{join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::ingest::symbolic::is_symbolic_json;
use crate::model::{Policy, Principal, Statement};

/// The policy version under which `${...}` is a variable rather than text.
const VARIABLES_VERSION: &str = "2012-10-17";

#[derive(Debug, Clone, PartialEq)]
enum ActionPattern {
    /// `*`.
    All,
    /// `service:name`, service lowercase, name pattern lowercase.
    Service { service: Box<str>, name: Pattern },
    /// A symbolic value: names no concrete action.
    Nothing,
}

#[derive(Debug, Clone, PartialEq)]
enum ResourcePattern {
    All,
    Arn(Box<ArnPattern>),
    Nothing,
}

#[derive(Debug, Clone, PartialEq)]
enum PrincipalPattern {
    /// `"*"` or `{"AWS": "*"}`.
    Any,
    /// `"AWS": "123456789012"` or `arn:aws:iam::123456789012:root`.
    Account(Box<str>),
    /// An IAM role ARN: matches the role itself and its sessions.
    Role {
        partition: Box<str>,
        account: Box<str>,
        name: Box<str>,
        arn: Box<str>,
    },
    /// An IAM user ARN: matches the user and its federated-user sessions.
    User {
        partition: Box<str>,
        account: Box<str>,
        name: Box<str>,
        arn: Box<str>,
    },
    /// Any other ARN (sessions, federated users): compared exactly.
    Exact(Box<str>),
    /// `"Service": ...`.
    Service(Box<str>),
    /// `"Federated"` or `"CanonicalUser"`: compared with the principal as given.
    Other(Box<str>),
    Nothing,
}

/// How a `Principal` element matched the request principal, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PrincipalMatch {
    None,
    /// The principal's account (`arn:aws:iam::A:root`): delegates to the account's IAM policies.
    Account,
    /// The role of a session, the IAM user behind a federated session, or a role ARN used
    /// directly: grants, but limited by the boundary and session policy.
    Limited,
    /// The principal itself (its ARN, a session ARN, a service) or `*`.
    Direct,
}

/// Whether and how the `Principal`/`NotPrincipal` element is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalMode {
    /// Identity policies, boundaries, session policies and SCPs have no principal element.
    Ignore,
    /// Resource (and trust) policies: a statement without `Principal` applies to nobody.
    Resource,
    /// RCPs: `Principal` is `*` by rule; a missing one is read as `*`.
    Rcp,
}

#[derive(Debug, Clone, PartialEq)]
struct Element<T> {
    negated: bool,
    entries: Box<[T]>,
}

/// One compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CompiledStatement {
    pub(crate) deny: bool,
    actions: Element<ActionPattern>,
    resources: Option<Element<ResourcePattern>>,
    principals: Option<Element<PrincipalPattern>>,
    conditions: Box<[Condition]>,
    /// Some element holds a symbolic value.
    symbolic: bool,
    /// The action element holds one: the statement may concern any action.
    symbolic_action: bool,
    pub(crate) meta: DecidingStatement,
}

/// The facts about the request principal a statement check needs besides the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckContext {
    pub(crate) mode: PrincipalMode,
    /// The principal has a permissions boundary (changes `Deny` + `NotPrincipal`).
    pub(crate) has_boundary: bool,
}

impl CompiledStatement {
    /// How the statement applies to the request, `None` when it does not. Sets `symbolic`
    /// when the statement holds a symbolic value and its actions did not rule it out.
    #[inline]
    pub(crate) fn check(
        &self,
        request: &AccessRequest,
        cx: CheckContext,
        symbolic: &mut bool,
    ) -> Option<PrincipalMatch> {
        if self.symbolic_action {
            *symbolic = true;
        }
        if !self.matches_action(request) {
            return None;
        }
        if self.symbolic {
            *symbolic = true;
        }
        if let Some(resources) = &self.resources
            && !resources.matches(|e| resource_matches(e, request))
        {
            return None;
        }
        let principal = match cx.mode {
            PrincipalMode::Ignore => PrincipalMatch::Direct,
            PrincipalMode::Resource | PrincipalMode::Rcp => match &self.principals {
                None if cx.mode == PrincipalMode::Rcp => PrincipalMatch::Direct,
                None => return None,
                // AWS: Deny + NotPrincipal always denies a principal with a boundary.
                Some(p)
                    if p.negated && ((self.deny && cx.has_boundary) || !excluded(&p.entries, &request.principal)) =>
                {
                    PrincipalMatch::Direct
                }
                Some(p) if p.negated => return None,
                Some(p) => {
                    let best = p.entries.iter().map(|e| principal_matches(e, &request.principal)).max();
                    match best {
                        Some(m) if m != PrincipalMatch::None => m,
                        _ => return None,
                    }
                }
            },
        };
        if self.conditions.iter().all(|c| c.holds(request)) { Some(principal) } else { None }
    }

    #[inline]
    fn matches_action(&self, request: &AccessRequest) -> bool {
        self.actions.matches(|a| match a {
            ActionPattern::All => true,
            ActionPattern::Service { service, name } => {
                **service == *request.service && name.matches(&request.action_name, false, request) == Matched::Yes
            }
            ActionPattern::Nothing => false,
        })
    }
}

impl<T> Element<T> {
    #[inline]
    fn matches(&self, entry_matches: impl Fn(&T) -> bool) -> bool {
        self.entries.iter().any(entry_matches) != self.negated
    }
}

fn resource_matches(pattern: &ResourcePattern, request: &AccessRequest) -> bool {
    match pattern {
        ResourcePattern::All => true,
        // A request without a specific resource is matched only by `*`.
        ResourcePattern::Arn(p) => request.arn().is_some_and(|arn| p.matches(&arn, true, request) == Matched::Yes),
        ResourcePattern::Nothing => false,
    }
}

fn principal_matches(pattern: &PrincipalPattern, p: &RequestPrincipal) -> PrincipalMatch {
    let when = |b: bool, m: PrincipalMatch| if b { m } else { PrincipalMatch::None };
    match pattern {
        PrincipalPattern::Any => PrincipalMatch::Direct,
        PrincipalPattern::Nothing => PrincipalMatch::None,
        PrincipalPattern::Account(account) => when(p.is_iam() && **account == *p.account, PrincipalMatch::Account),
        PrincipalPattern::Role { partition, account, name, arn } => match &p.caller {
            Caller::Session { role } => when(
                **partition == *p.partition && **account == *p.account && role.eq_ignore_ascii_case(name),
                PrincipalMatch::Limited,
            ),
            Caller::Role { .. } => when(**arn == *p.text, PrincipalMatch::Limited),
            _ => PrincipalMatch::None,
        },
        PrincipalPattern::User { partition, account, name, arn } => match &p.caller {
            Caller::User { .. } => when(**arn == *p.text, PrincipalMatch::Direct),
            Caller::FederatedUser { name: session } => when(
                **partition == *p.partition && **account == *p.account && **name == **session,
                PrincipalMatch::Limited,
            ),
            _ => PrincipalMatch::None,
        },
        PrincipalPattern::Exact(arn) => when(**arn == *p.text, PrincipalMatch::Direct),
        PrincipalPattern::Service(name) => {
            when(p.caller == Caller::Service && **name == *p.text, PrincipalMatch::Direct)
        }
        PrincipalPattern::Other(value) => when(**value == *p.text, PrincipalMatch::Direct),
    }
}

/// Whether a `NotPrincipal` list exempts the principal. AWS checks an IAM principal's account
/// as well as the principal (for a session: account, role, session), so both the account and
/// the principal (or its role) must be listed.
fn excluded(entries: &[PrincipalPattern], p: &RequestPrincipal) -> bool {
    let best = |want: PrincipalMatch| entries.iter().any(|e| principal_matches(e, p) == want);
    if entries.contains(&PrincipalPattern::Any) {
        return true;
    }
    match p.caller {
        Caller::Service | Caller::Anonymous => best(PrincipalMatch::Direct),
        Caller::Root => best(PrincipalMatch::Account),
        _ => best(PrincipalMatch::Account) && (best(PrincipalMatch::Direct) || best(PrincipalMatch::Limited)),
    }
}

/// Compiles every statement of `policy` as `source`; errors name the statement's place.
pub(crate) fn compile_policy(policy: &Policy, source: PolicySource) -> Result<Vec<CompiledStatement>, Vec<InputError>> {
    let variables = policy.version.as_deref() == Some(VARIABLES_VERSION);
    let mut out = Vec::with_capacity(policy.statements.len());
    let mut errors = Vec::new();
    for (index, statement) in policy.statements.iter().enumerate() {
        match compile_statement(policy, index, statement, source, variables) {
            Ok(s) => out.push(s),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn compile_statement(
    policy: &Policy,
    index: usize,
    statement: &Statement,
    source: PolicySource,
    variables: bool,
) -> Result<CompiledStatement, Vec<InputError>> {
    let place = &statement.source;
    let error = |element: &str, i: Option<usize>, message: String| {
        let mut pointer = join_pointer(&place.pointer, element);
        if let Some(i) = i {
            pointer = join_index(&pointer, i);
        }
        InputError::new(&place.file, (place.line > 0).then_some(place.line), pointer, InputErrorKind::Shape, message)
    };
    let mut errors = Vec::new();
    let mut symbolic = false;
    let effect = match statement.effect.as_str() {
        "Allow" => Effect::Allow,
        "Deny" => Effect::Deny,
        other => {
            errors.push(error("Effect", None, format!("`Effect` must be `Allow` or `Deny`, not `{other}`")));
            Effect::Deny
        }
    };

    let (action_values, negated, action_element) = if statement.not_action.is_empty() {
        (&statement.action, false, "Action")
    } else {
        (&statement.not_action, true, "NotAction")
    };
    let mut actions = Vec::with_capacity(action_values.len());
    let symbolic_action = action_values.iter().any(is_symbolic_json);
    for (i, value) in action_values.iter().enumerate() {
        match compile_action(value) {
            Ok(a) => {
                symbolic |= a == ActionPattern::Nothing;
                actions.push(a);
            }
            Err(message) => errors.push(error(action_element, Some(i), message)),
        }
    }

    let resources = if statement.resource.is_empty() && statement.not_resource.is_empty() {
        None
    } else {
        let (values, negated, element) = if statement.not_resource.is_empty() {
            (&statement.resource, false, "Resource")
        } else {
            (&statement.not_resource, true, "NotResource")
        };
        let mut entries = Vec::with_capacity(values.len());
        for (i, value) in values.iter().enumerate() {
            match compile_resource(value, variables) {
                Ok(r) => {
                    symbolic |= r == ResourcePattern::Nothing;
                    entries.push(r);
                }
                Err(message) => errors.push(error(element, Some(i), message)),
            }
        }
        Some(Element { negated, entries: entries.into_boxed_slice() })
    };

    let principals = match (&statement.principal, &statement.not_principal) {
        (Some(p), _) => Some(compile_principal(p, false, &mut symbolic)),
        (None, Some(p)) => Some(compile_principal(p, true, &mut symbolic)),
        (None, None) => None,
    };

    let mut conditions = Vec::new();
    for (operator, keys) in &statement.condition {
        for (key, values) in keys {
            symbolic |= values.iter().any(is_symbolic_json);
            match Condition::compile(operator, key, values, variables) {
                Ok(c) => conditions.push(c),
                Err(e) => {
                    let mut pointer =
                        join_pointer(&join_pointer(&join_pointer(&place.pointer, "Condition"), operator), key);
                    if let Some(i) = e.value.filter(|_| values.len() > 1) {
                        pointer = join_index(&pointer, i);
                    }
                    errors.push(InputError::new(
                        &place.file,
                        (place.line > 0).then_some(place.line),
                        pointer,
                        InputErrorKind::Shape,
                        e.message,
                    ));
                }
            }
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CompiledStatement {
        deny: effect == Effect::Deny,
        actions: Element { negated, entries: actions.into_boxed_slice() },
        resources,
        principals,
        conditions: conditions.into_boxed_slice(),
        symbolic,
        symbolic_action,
        meta: DecidingStatement {
            policy_id: policy.id.clone(),
            index,
            sid: statement.sid.clone(),
            effect,
            source,
            location: place.clone(),
        },
    })
}

fn compile_action(value: &Json) -> Result<ActionPattern, String> {
    if is_symbolic_json(value) {
        return Ok(ActionPattern::Nothing);
    }
    let Some(text) = value.as_str() else { return Err("expected an action string".to_owned()) };
    if text == "*" {
        return Ok(ActionPattern::All);
    }
    match text.split_once(':') {
        Some((service, name)) if !service.is_empty() && !name.is_empty() && !name.contains(':') => {
            Ok(ActionPattern::Service {
                service: service.to_lowercase().into_boxed_str(),
                name: Pattern::parse_lowercase(name, Syntax { wildcards: true, variables: false }),
            })
        }
        _ => Err(format!("action `{text}` is not of the form `service:action`")),
    }
}

fn compile_resource(value: &Json, variables: bool) -> Result<ResourcePattern, String> {
    if is_symbolic_json(value) {
        return Ok(ResourcePattern::Nothing);
    }
    let Some(text) = value.as_str() else { return Err("expected a resource string".to_owned()) };
    if text == "*" {
        return Ok(ResourcePattern::All);
    }
    match ArnPattern::parse(text, Syntax { wildcards: true, variables }) {
        Some(p) => Ok(ResourcePattern::Arn(Box::new(p))),
        None => Err(format!("resource `{text}` is neither `*` nor an ARN")),
    }
}

fn compile_principal(principal: &Principal, negated: bool, symbolic: &mut bool) -> Element<PrincipalPattern> {
    let mut entries = Vec::new();
    for (kind, values) in principal {
        for value in values {
            let entry = match value.as_str() {
                None => {
                    *symbolic = true;
                    PrincipalPattern::Nothing
                }
                Some(text) => match kind.as_str() {
                    "AWS" => aws_principal(text),
                    "Service" => PrincipalPattern::Service(text.into()),
                    _ => PrincipalPattern::Other(text.into()),
                },
            };
            entries.push(entry);
        }
    }
    Element { negated, entries: entries.into_boxed_slice() }
}

fn aws_principal(text: &str) -> PrincipalPattern {
    if text == "*" {
        return PrincipalPattern::Any;
    }
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        return PrincipalPattern::Account(text.into());
    }
    let Some(arn) = super::arn::split_arn(text) else {
        // Unique ids (`AROA...`, shown once a named role is deleted) match no principal.
        return PrincipalPattern::Nothing;
    };
    let named = |path: &str| path.rsplit('/').next().unwrap_or_default().into();
    match (arn.service, arn.resource.split_once('/')) {
        ("iam", None) if arn.resource == "root" => PrincipalPattern::Account(arn.account.into()),
        ("iam", Some(("role", path))) => PrincipalPattern::Role {
            partition: arn.partition.into(),
            account: arn.account.into(),
            name: named(path),
            arn: text.into(),
        },
        ("iam", Some(("user", path))) => PrincipalPattern::User {
            partition: arn.partition.into(),
            account: arn.account.into(),
            name: named(path),
            arn: text.into(),
        },
        _ => PrincipalPattern::Exact(text.into()),
    }
}
