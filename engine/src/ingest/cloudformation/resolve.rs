//! Resolving CloudFormation intrinsic functions over [`Node`]s.
//!
//! The resolver evaluates what a template fixes by itself (literal names, `Fn::Join` of
//! literals, `Fn::FindInMap` over `Mappings`, conditions built from constants) and turns
//! everything else into the symbolic values of [`crate::ingest::symbolic`]: parameters stay
//! `{"ref": "P"}`, pseudo parameters stay `${AWS::Region}` inside a `{"sub": ...}`, attributes
//! the template does not determine stay `{"get_att": [...]}`. It never guesses. Lines are kept
//! so later errors still point at the template. Resolution is lazy: only the properties a
//! reader asks for are resolved, so unsupported constructs elsewhere in a template are no
//! obstacle.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::ingest::ReadContext;
use crate::ingest::symbolic::is_symbolic;

/// Pseudo parameters whose value is a string known only at deploy time.
const PSEUDO_PARAMETERS: &[&str] =
    &["AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix"];

/// How deep resolution may nest (document nesting plus reference hops) before it is refused.
const MAX_DEPTH: usize = 256;

/// One entry of the template's `Resources`.
pub(crate) struct TemplateResource<'a> {
    pub(crate) logical_id: &'a str,
    pub(crate) resource_type: &'a str,
    /// The whole resource object.
    pub(crate) node: &'a Node,
    /// `Properties`, when present and not null.
    pub(crate) properties: Option<&'a Node>,
    /// JSON pointer of the resource (`/Resources/Id`).
    pub(crate) pointer: String,
}

impl TemplateResource<'_> {
    /// A property and its pointer.
    pub(crate) fn property(&self, name: &str) -> Option<(&Node, String)> {
        let value = self.properties?.get(name)?;
        Some((value, join_pointer(&join_pointer(&self.pointer, "Properties"), name)))
    }
}

/// The sections of a template the resolver reads, validated for shape.
pub(crate) struct Template<'a> {
    pub(crate) parameters: BTreeMap<&'a str, &'a Node>,
    pub(crate) mappings: BTreeMap<&'a str, &'a Node>,
    pub(crate) conditions: BTreeMap<&'a str, &'a Node>,
    pub(crate) resources: BTreeMap<&'a str, TemplateResource<'a>>,
    /// Logical ids in document order.
    pub(crate) order: Vec<&'a str>,
    /// The SAM `Globals` section, when present.
    pub(crate) globals: Option<&'a Node>,
    /// `Fn::ForEach` loops in `Resources` (language extensions), left unexpanded: (key, line).
    pub(crate) loops: Vec<(&'a str, u32)>,
}

impl<'a> Template<'a> {
    /// Reads and checks the top-level sections.
    pub(crate) fn read(ctx: &ReadContext<'_>, root: &'a Node) -> Result<Self, InputError> {
        if root.as_object().is_none() {
            return Err(ctx.type_error(root, "", "a template (an object)"));
        }
        let section = |name: &str| -> Result<Option<&'a [(String, Node)]>, InputError> {
            match root.get(name) {
                None => Ok(None),
                Some(n) if n.is_null() => Ok(None),
                Some(n) => n.as_object().map(Some).ok_or_else(|| ctx.type_error(n, &format!("/{name}"), "an object")),
            }
        };
        let mut template = Template {
            parameters: BTreeMap::new(),
            mappings: BTreeMap::new(),
            conditions: BTreeMap::new(),
            resources: BTreeMap::new(),
            order: Vec::new(),
            globals: None,
            loops: Vec::new(),
        };
        for (name, node) in section("Parameters")?.unwrap_or_default() {
            if node.as_object().is_none() {
                return Err(ctx.type_error(node, &join_pointer("/Parameters", name), "a parameter (an object)"));
            }
            template.parameters.insert(name, node);
        }
        for (name, node) in section("Mappings")?.unwrap_or_default() {
            if node.as_object().is_none() {
                return Err(ctx.type_error(node, &join_pointer("/Mappings", name), "a mapping (an object)"));
            }
            template.mappings.insert(name, node);
        }
        for (name, node) in section("Conditions")?.unwrap_or_default() {
            template.conditions.insert(name, node);
        }
        if let Some(globals) = section("Globals")? {
            template.globals = root.get("Globals").filter(|_| !globals.is_empty());
        }
        let Some(resources) = section("Resources")? else {
            return Err(ctx.error(root.line, "", InputErrorKind::Shape, "template has no `Resources`"));
        };
        for (logical_id, node) in resources {
            if logical_id.starts_with("Fn::ForEach::") {
                template.loops.push((logical_id, node.line));
                continue;
            }
            let pointer = join_pointer("/Resources", logical_id);
            if node.as_object().is_none() {
                return Err(ctx.type_error(node, &pointer, "a resource (an object)"));
            }
            let resource_type = match node.get("Type") {
                Some(t) => t.as_str().ok_or_else(|| ctx.type_error(t, &join_pointer(&pointer, "Type"), "a string"))?,
                None => {
                    return Err(ctx.error(node.line, &pointer, InputErrorKind::Shape, "resource has no `Type`"));
                }
            };
            let properties = match node.get("Properties") {
                None => None,
                Some(p) if p.is_null() => None,
                Some(p) if p.as_object().is_some() => Some(p),
                Some(p) => return Err(ctx.type_error(p, &join_pointer(&pointer, "Properties"), "an object")),
            };
            template.order.push(logical_id);
            template
                .resources
                .insert(logical_id, TemplateResource { logical_id, resource_type, node, properties, pointer });
        }
        Ok(template)
    }

    /// The type of a resource, when the template defines it.
    pub(crate) fn type_of(&self, logical_id: &str) -> Option<&'a str> {
        self.resources.get(logical_id).map(|r| r.resource_type)
    }
}

/// A piece of a string built from parts: literal text, raw `Fn::Sub` syntax, or a value.
pub(crate) enum Part {
    /// Literal text (escaped when it ends up in a `{"sub": ...}`).
    Literal(String),
    /// Text already in `Fn::Sub` syntax, such as `${AWS::Region}`.
    Raw(String),
    /// A resolved value (concrete or symbolic); `hint` names it when it must become a variable.
    Value { node: Node, hint: String },
}

/// A piece of a definition's text: literal, or a value known only at deploy time.
pub(crate) enum Piece {
    Text(String),
    Value(Node),
}

/// Evaluates intrinsic functions against one template.
pub(crate) struct Resolver<'r, 'a> {
    pub(crate) ctx: &'r ReadContext<'r>,
    pub(crate) template: &'r Template<'a>,
    /// References being resolved, to detect cycles.
    active: RefCell<Vec<String>>,
    depth: Cell<usize>,
}

/// Leaves one level of resolution when dropped.
struct Level<'c>(&'c Cell<usize>);

impl Drop for Level<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

impl<'r, 'a> Resolver<'r, 'a> {
    pub(crate) fn new(ctx: &'r ReadContext<'r>, template: &'r Template<'a>) -> Self {
        Self { ctx, template, active: RefCell::new(Vec::new()), depth: Cell::new(0) }
    }

    fn enter(&self, line: u32, pointer: &str) -> Result<Level<'_>, InputError> {
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            return Err(self.ctx.error(
                line,
                pointer,
                InputErrorKind::Limit,
                format!("intrinsic functions and references nest deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.depth.set(depth);
        Ok(Level(&self.depth))
    }

    /// Runs `f` with `key` marked active; a key already active is a reference cycle.
    fn guarded<T>(
        &self,
        key: String,
        line: u32,
        pointer: &str,
        f: impl FnOnce() -> Result<T, InputError>,
    ) -> Result<T, InputError> {
        if self.active.borrow().contains(&key) {
            return Err(self.ctx.error(
                line,
                pointer,
                InputErrorKind::Shape,
                format!("circular reference through `{key}`"),
            ));
        }
        self.active.borrow_mut().push(key);
        let result = f();
        self.active.borrow_mut().pop();
        result
    }

    /// Resolves every intrinsic function in `node`. `None` means `AWS::NoValue` (the property
    /// is to be treated as absent).
    pub(crate) fn resolve(&self, node: &Node, pointer: &str) -> Result<Option<Node>, InputError> {
        let _level = self.enter(node.line, pointer)?;
        match &node.value {
            Value::Object(members) => {
                if let Some((name, argument)) = intrinsic(node) {
                    return self.function(name, argument, node.line, &join_pointer(pointer, name));
                }
                let mut out = Vec::with_capacity(members.len());
                for (key, value) in members {
                    if let Some(v) = self.resolve(value, &join_pointer(pointer, key))? {
                        out.push((key.clone(), v));
                    }
                }
                Ok(Some(Node::new(Value::Object(out), node.line)))
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(v) = self.resolve(item, &join_index(pointer, i))? {
                        out.push(v);
                    }
                }
                Ok(Some(Node::new(Value::Array(out), node.line)))
            }
            _ => Ok(Some(node.clone())),
        }
    }

    /// Resolves `node`; `AWS::NoValue` becomes JSON `null`.
    pub(crate) fn resolve_or_null(&self, node: &Node, pointer: &str) -> Result<Node, InputError> {
        Ok(self.resolve(node, pointer)?.unwrap_or_else(|| Node::new(Value::Null, node.line)))
    }

    fn function(&self, name: &str, arg: &Node, line: u32, pointer: &str) -> Result<Option<Node>, InputError> {
        match name {
            "Ref" => {
                let target =
                    arg.as_str().ok_or_else(|| self.ctx.type_error(arg, pointer, "a logical id (a string)"))?;
                self.reference(target, line, pointer)
            }
            "Fn::GetAtt" => self.get_att(arg, line, pointer).map(Some),
            "Fn::Sub" => self.sub(arg, line, pointer).map(Some),
            "Fn::Join" => self.join(arg, line, pointer).map(Some),
            "Fn::If" => self.fn_if(arg, line, pointer),
            "Fn::Select" => self.select(arg, line, pointer),
            "Fn::Split" => self.split(arg, line, pointer).map(Some),
            "Fn::FindInMap" => self.find_in_map(arg, line, pointer),
            "Fn::Base64" => {
                let value = self.resolve_or_null(arg, pointer)?;
                Ok(Some(match value.as_str() {
                    Some(s) => Node::string(base64(s.as_bytes()), line),
                    None => symbolic("base64", value, line),
                }))
            }
            "Fn::ToJsonString" => {
                let value = self.resolve_or_null(arg, pointer)?;
                Ok(Some(if contains_symbolic(&value) {
                    symbolic("to_json_string", value, line)
                } else {
                    Node::string(value.to_json().to_string(), line)
                }))
            }
            "Fn::Length" => {
                let value = self.resolve_or_null(arg, pointer)?;
                Ok(Some(match value.as_array() {
                    Some(items) => Node::new(Value::Number(items.len().into()), line),
                    None => symbolic("length", value, line),
                }))
            }
            "Fn::ImportValue" => Ok(Some(symbolic("import_value", self.resolve_or_null(arg, pointer)?, line))),
            "Fn::GetAZs" => Ok(Some(symbolic("get_azs", self.resolve_or_null(arg, pointer)?, line))),
            "Fn::Cidr" => Ok(Some(symbolic("cidr", self.resolve_or_null(arg, pointer)?, line))),
            // A macro runs at deploy time on the unresolved fragment; keep it as written.
            "Fn::Transform" => Ok(Some(symbolic("transform", arg.clone(), line))),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => Err(self.ctx.error(
                line,
                pointer,
                InputErrorKind::Shape,
                format!("`{name}` can only be used in `Conditions`"),
            )),
            other => Err(self.ctx.error(
                line,
                pointer,
                InputErrorKind::Shape,
                format!("unknown intrinsic function `{other}`"),
            )),
        }
    }

    /// `Ref` to a parameter, pseudo parameter or resource.
    pub(crate) fn reference(&self, target: &str, line: u32, pointer: &str) -> Result<Option<Node>, InputError> {
        if target == "AWS::NoValue" {
            return Ok(None);
        }
        if PSEUDO_PARAMETERS.contains(&target) {
            return Ok(Some(symbolic("sub", Node::string(format!("${{{target}}}"), line), line)));
        }
        if target == "AWS::NotificationARNs" || self.template.parameters.contains_key(target) {
            return Ok(Some(symbolic("ref", Node::string(target, line), line)));
        }
        if target.starts_with("AWS::") {
            return Err(self.ctx.error(
                line,
                pointer,
                InputErrorKind::Shape,
                format!("unknown pseudo parameter `{target}`"),
            ));
        }
        let physical = self.physical(target, None, line, pointer)?;
        Ok(Some(physical.unwrap_or_else(|| symbolic("ref", Node::string(target, line), line))))
    }

    fn get_att(&self, arg: &Node, line: u32, pointer: &str) -> Result<Node, InputError> {
        let (resource, attribute) = match &arg.value {
            Value::String(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_owned(), Node::string(a, arg.line)),
                None => {
                    return Err(self.ctx.error(
                        line,
                        pointer,
                        InputErrorKind::Shape,
                        format!("`Fn::GetAtt` of `{s}` needs the form `Resource.Attribute`"),
                    ));
                }
            },
            Value::Array(items) => match items.as_slice() {
                [r, a] => {
                    let r = r
                        .as_str()
                        .ok_or_else(|| self.ctx.type_error(r, &join_index(pointer, 0), "a logical id (a string)"))?;
                    (r.to_owned(), self.resolve_or_null(a, &join_index(pointer, 1))?)
                }
                _ => return Err(self.ctx.type_error(arg, pointer, "`[resource, attribute]`")),
            },
            _ => return Err(self.ctx.type_error(arg, pointer, "`[resource, attribute]` or `Resource.Attribute`")),
        };
        if let Some(attr) = attribute.as_str()
            && let Some(value) = self.physical(&resource, Some(attr), line, pointer)?
        {
            return Ok(value);
        }
        Ok(symbolic("get_att", Node::new(Value::Array(vec![Node::string(resource, line), attribute]), line), line))
    }

    /// The value of `Ref` (attribute `None`) or `Fn::GetAtt` on a template resource, when the
    /// template fixes it.
    pub(crate) fn physical(
        &self,
        logical_id: &str,
        attribute: Option<&str>,
        line: u32,
        pointer: &str,
    ) -> Result<Option<Node>, InputError> {
        let Some(res) = self.template.resources.get(logical_id) else { return Ok(None) };
        let key = format!("{logical_id}.{}", attribute.unwrap_or("Ref"));
        self.guarded(key, line, pointer, || {
            let name = |prop: &str| self.property(res, prop);
            let arn = |service: &str, regional: bool, account: bool, prefix: &str, prop: &str| {
                let Some(name) = name(prop)? else { return Ok(None) };
                let region = if regional { "${AWS::Region}" } else { "" };
                let account = if account { "${AWS::AccountId}" } else { "" };
                let head = format!("arn:${{AWS::Partition}}:{service}:{region}:{account}:");
                Ok(Some(build(
                    vec![
                        Part::Raw(head),
                        Part::Literal(prefix.to_owned()),
                        Part::Value { node: name, hint: prop.to_owned() },
                    ],
                    line,
                )))
            };
            match (res.resource_type, attribute) {
                ("AWS::Lambda::Function" | "AWS::Serverless::Function", None) => name("FunctionName"),
                ("AWS::Lambda::Function" | "AWS::Serverless::Function", Some("Arn")) => {
                    arn("lambda", true, true, "function:", "FunctionName")
                }
                ("AWS::IAM::Role", None) => name("RoleName"),
                ("AWS::IAM::Role", Some("Arn")) => self.path_arn(res, "role", "RoleName", line),
                ("AWS::IAM::ManagedPolicy", None | Some("PolicyArn")) => {
                    self.path_arn(res, "policy", "ManagedPolicyName", line)
                }
                ("AWS::StepFunctions::StateMachine", None | Some("Arn")) => {
                    arn("states", true, true, "stateMachine:", "StateMachineName")
                }
                ("AWS::StepFunctions::StateMachine", Some("Name")) => name("StateMachineName"),
                ("AWS::Serverless::StateMachine", None | Some("Arn")) => {
                    arn("states", true, true, "stateMachine:", "Name")
                }
                ("AWS::Serverless::StateMachine", Some("Name")) => name("Name"),
                ("AWS::StepFunctions::Activity", None | Some("Arn")) => arn("states", true, true, "activity:", "Name"),
                ("AWS::StepFunctions::Activity", Some("Name")) => name("Name"),
                ("AWS::SQS::Queue", None | Some("QueueUrl")) => {
                    let Some(queue) = name("QueueName")? else { return Ok(None) };
                    Ok(Some(build(
                        vec![
                            Part::Raw("https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/".to_owned()),
                            Part::Value { node: queue, hint: "QueueName".to_owned() },
                        ],
                        line,
                    )))
                }
                ("AWS::SQS::Queue", Some("Arn")) => arn("sqs", true, true, "", "QueueName"),
                ("AWS::SQS::Queue", Some("QueueName")) => name("QueueName"),
                ("AWS::SNS::Topic", None | Some("TopicArn")) => arn("sns", true, true, "", "TopicName"),
                ("AWS::SNS::Topic", Some("TopicName")) => name("TopicName"),
                ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", None) => name("TableName"),
                ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", Some("Arn")) => {
                    arn("dynamodb", true, true, "table/", "TableName")
                }
                ("AWS::S3::Bucket", None) => name("BucketName"),
                ("AWS::S3::Bucket", Some("Arn")) => arn("s3", false, false, "", "BucketName"),
                ("AWS::Logs::LogGroup", None) => name("LogGroupName"),
                ("AWS::Logs::LogGroup", Some("Arn")) => {
                    let Some(group) = name("LogGroupName")? else { return Ok(None) };
                    Ok(Some(build(
                        vec![
                            Part::Raw("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:".to_owned()),
                            Part::Literal("log-group:".to_owned()),
                            Part::Value { node: group, hint: "LogGroupName".to_owned() },
                            Part::Literal(":*".to_owned()),
                        ],
                        line,
                    )))
                }
                ("AWS::Events::EventBus", None | Some("Name")) => name("Name"),
                ("AWS::Events::EventBus", Some("Arn")) => arn("events", true, true, "event-bus/", "Name"),
                ("AWS::Kinesis::Stream", None) => name("Name"),
                ("AWS::Kinesis::Stream", Some("Arn")) => arn("kinesis", true, true, "stream/", "Name"),
                ("AWS::SSM::Parameter", None | Some("Name")) => name("Name"),
                ("AWS::ECS::Cluster", None) => name("ClusterName"),
                ("AWS::ECS::Cluster", Some("Arn")) => arn("ecs", true, true, "cluster/", "ClusterName"),
                _ => Ok(None),
            }
        })
    }

    /// A resolved property of a resource; `None` when absent or `AWS::NoValue`.
    pub(crate) fn property(&self, res: &TemplateResource<'_>, name: &str) -> Result<Option<Node>, InputError> {
        match res.property(name) {
            Some((node, pointer)) => self.resolve(node, &pointer),
            None => Ok(None),
        }
    }

    /// `arn:${AWS::Partition}:iam::${AWS::AccountId}:KIND/PATH/NAME` for roles and policies.
    fn path_arn(
        &self,
        res: &TemplateResource<'_>,
        kind: &str,
        name_prop: &str,
        line: u32,
    ) -> Result<Option<Node>, InputError> {
        let Some(name) = self.property(res, name_prop)? else { return Ok(None) };
        let path = self.property(res, "Path")?.unwrap_or_else(|| Node::string("/", line));
        Ok(Some(build(
            vec![
                Part::Raw("arn:${AWS::Partition}:iam::${AWS::AccountId}:".to_owned()),
                Part::Literal(kind.to_owned()),
                Part::Value { node: path, hint: "Path".to_owned() },
                Part::Value { node: name, hint: name_prop.to_owned() },
            ],
            line,
        )))
    }

    /// The parts of an `Fn::Sub` argument: its template text split at `${...}`, with each
    /// variable resolved.
    fn sub_parts(&self, arg: &Node, pointer: &str) -> Result<Vec<Part>, InputError> {
        let (text, text_pointer, vars) = match &arg.value {
            Value::String(s) => (s.as_str(), pointer.to_owned(), None),
            Value::Array(items) => match items.as_slice() {
                [t, v] => {
                    let text_pointer = join_index(pointer, 0);
                    let text = t.as_str().ok_or_else(|| self.ctx.type_error(t, &text_pointer, "a string"))?;
                    if v.as_object().is_none() {
                        return Err(self.ctx.type_error(v, &join_index(pointer, 1), "an object of variables"));
                    }
                    (text, text_pointer, Some((v, join_index(pointer, 1))))
                }
                _ => return Err(self.ctx.type_error(arg, pointer, "a string or `[string, variables]`")),
            },
            _ => return Err(self.ctx.type_error(arg, pointer, "a string or `[string, variables]`")),
        };
        let mut parts = Vec::new();
        for segment in split_sub(text) {
            match segment {
                Segment::Text(t) => parts.push(Part::Literal(t)),
                Segment::Var(name) => {
                    let var = vars.as_ref().and_then(|(v, p)| v.get(&name).map(|n| (n, join_pointer(p, &name))));
                    let value = match var {
                        Some((node, p)) => self.resolve(node, &p)?,
                        None => match name.split_once('.') {
                            Some((resource, attribute)) if !name.starts_with("AWS::") => {
                                let arg = Node::new(
                                    Value::Array(vec![
                                        Node::string(resource, arg.line),
                                        Node::string(attribute, arg.line),
                                    ]),
                                    arg.line,
                                );
                                Some(self.get_att(&arg, arg.line, &text_pointer)?)
                            }
                            _ => self.reference(&name, arg.line, &text_pointer)?,
                        },
                    };
                    let Some(node) = value else {
                        return Err(self.ctx.error(
                            arg.line,
                            &text_pointer,
                            InputErrorKind::Shape,
                            format!("`${{{name}}}` resolves to `AWS::NoValue`"),
                        ));
                    };
                    parts.push(Part::Value { node, hint: name });
                }
            }
        }
        Ok(parts)
    }

    fn sub(&self, arg: &Node, line: u32, pointer: &str) -> Result<Node, InputError> {
        Ok(build(self.sub_parts(arg, pointer)?, line))
    }

    /// The delimiter and resolved items of an `Fn::Join`, or `None` when the list itself is
    /// symbolic.
    fn join_items(&self, arg: &Node, pointer: &str) -> Result<(String, Result<Vec<Node>, Node>), InputError> {
        let Some([delimiter, list]) = arg.as_array() else {
            return Err(self.ctx.type_error(arg, pointer, "`[delimiter, list]`"));
        };
        let delimiter_pointer = join_index(pointer, 0);
        let delimiter = self.resolve_or_null(delimiter, &delimiter_pointer)?;
        let delimiter =
            delimiter.as_str().ok_or_else(|| self.ctx.type_error(&delimiter, &delimiter_pointer, "a string"))?;
        let list = self.resolve_or_null(list, &join_index(pointer, 1))?;
        match list.value {
            Value::Array(items) => Ok((delimiter.to_owned(), Ok(items))),
            _ if is_symbolic(&list) => Ok((delimiter.to_owned(), Err(list))),
            _ => Err(self.ctx.type_error(&list, &join_index(pointer, 1), "a list")),
        }
    }

    fn join(&self, arg: &Node, line: u32, pointer: &str) -> Result<Node, InputError> {
        let (delimiter, items) = self.join_items(arg, pointer)?;
        let items = match items {
            Ok(items) => items,
            Err(list) => {
                return Ok(symbolic(
                    "join",
                    Node::new(Value::Array(vec![Node::string(delimiter, line), list]), line),
                    line,
                ));
            }
        };
        let mut text = String::new();
        for (i, item) in items.iter().enumerate() {
            let Some(t) = scalar_text(item) else {
                return Ok(symbolic(
                    "join",
                    Node::new(
                        Value::Array(vec![Node::string(delimiter, line), Node::new(Value::Array(items), line)]),
                        line,
                    ),
                    line,
                ));
            };
            if i > 0 {
                text.push_str(&delimiter);
            }
            text.push_str(&t);
        }
        Ok(Node::string(text, line))
    }

    fn fn_if(&self, arg: &Node, line: u32, pointer: &str) -> Result<Option<Node>, InputError> {
        let Some([condition, then, otherwise]) = arg.as_array() else {
            return Err(self.ctx.type_error(arg, pointer, "`[condition, value if true, value if false]`"));
        };
        let name = condition
            .as_str()
            .ok_or_else(|| self.ctx.type_error(condition, &join_index(pointer, 0), "a condition name (a string)"))?;
        match self.condition(name, condition.line, &join_index(pointer, 0))? {
            Some(true) => self.resolve(then, &join_index(pointer, 1)),
            Some(false) => self.resolve(otherwise, &join_index(pointer, 2)),
            None => Ok(Some(symbolic(
                "if",
                Node::new(
                    Value::Array(vec![
                        Node::string(name, condition.line),
                        self.resolve_or_null(then, &join_index(pointer, 1))?,
                        self.resolve_or_null(otherwise, &join_index(pointer, 2))?,
                    ]),
                    line,
                ),
                line,
            ))),
        }
    }

    /// The value of a named condition, when the template decides it.
    pub(crate) fn condition(&self, name: &str, line: u32, pointer: &str) -> Result<Option<bool>, InputError> {
        let Some(node) = self.template.conditions.get(name) else {
            return Err(self.ctx.error(line, pointer, InputErrorKind::Shape, format!("unknown condition `{name}`")));
        };
        let condition_pointer = join_pointer("/Conditions", name);
        self.guarded(format!("Conditions.{name}"), line, pointer, || self.condition_value(node, &condition_pointer))
    }

    fn condition_value(&self, node: &Node, pointer: &str) -> Result<Option<bool>, InputError> {
        let _level = self.enter(node.line, pointer)?;
        let Some((name, arg)) = single_member(node) else {
            return Err(self.ctx.type_error(node, pointer, "a condition function"));
        };
        let arg_pointer = join_pointer(pointer, name);
        let operands = |expected: &str| arg.as_array().ok_or_else(|| self.ctx.type_error(arg, &arg_pointer, expected));
        match name {
            "Fn::Equals" => {
                let Some([a, b]) = arg.as_array() else {
                    return Err(self.ctx.type_error(arg, &arg_pointer, "`[value, value]`"));
                };
                let a = self.resolve_or_null(a, &join_index(&arg_pointer, 0))?;
                let b = self.resolve_or_null(b, &join_index(&arg_pointer, 1))?;
                Ok(match (scalar_text(&a), scalar_text(&b)) {
                    (Some(x), Some(y)) => Some(x == y),
                    _ if a.to_json() == b.to_json() => Some(true),
                    _ => None,
                })
            }
            "Fn::And" | "Fn::Or" => {
                let mut unknown = false;
                let decisive = name == "Fn::Or";
                for (i, item) in operands("a list of conditions")?.iter().enumerate() {
                    match self.condition_value(item, &join_index(&arg_pointer, i))? {
                        Some(v) if v == decisive => return Ok(Some(decisive)),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                Ok(if unknown { None } else { Some(!decisive) })
            }
            "Fn::Not" => {
                let Some([inner]) = arg.as_array() else {
                    return Err(self.ctx.type_error(arg, &arg_pointer, "`[condition]`"));
                };
                Ok(self.condition_value(inner, &join_index(&arg_pointer, 0))?.map(|v| !v))
            }
            "Condition" => {
                let other = arg.as_str().ok_or_else(|| self.ctx.type_error(arg, &arg_pointer, "a condition name"))?;
                self.condition(other, arg.line, &arg_pointer)
            }
            other => Err(self.ctx.error(
                node.line,
                &arg_pointer,
                InputErrorKind::Shape,
                format!("`{other}` is not a condition function"),
            )),
        }
    }

    fn select(&self, arg: &Node, line: u32, pointer: &str) -> Result<Option<Node>, InputError> {
        let Some([index, list]) = arg.as_array() else {
            return Err(self.ctx.type_error(arg, pointer, "`[index, list]`"));
        };
        let index_pointer = join_index(pointer, 0);
        let index = self.resolve_or_null(index, &index_pointer)?;
        let list = self.resolve_or_null(list, &join_index(pointer, 1))?;
        let position = match &index.value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse::<u64>().ok(),
            _ if is_symbolic(&index) => None,
            _ => return Err(self.ctx.type_error(&index, &index_pointer, "an index")),
        };
        match (position, list.as_array()) {
            (Some(i), Some(items)) => {
                let item = usize::try_from(i).ok().and_then(|i| items.get(i));
                match item {
                    Some(item) => Ok(Some(item.clone())),
                    None => Err(self.ctx.error(
                        line,
                        pointer,
                        InputErrorKind::Shape,
                        format!("`Fn::Select` index {i} is out of range for a list of {}", items.len()),
                    )),
                }
            }
            _ if list.as_array().is_none() && !is_symbolic(&list) => {
                Err(self.ctx.type_error(&list, &join_index(pointer, 1), "a list"))
            }
            _ => Ok(Some(symbolic("select", Node::new(Value::Array(vec![index, list]), line), line))),
        }
    }

    fn split(&self, arg: &Node, line: u32, pointer: &str) -> Result<Node, InputError> {
        let Some([delimiter, source]) = arg.as_array() else {
            return Err(self.ctx.type_error(arg, pointer, "`[delimiter, string]`"));
        };
        let delimiter_pointer = join_index(pointer, 0);
        let delimiter = self.resolve_or_null(delimiter, &delimiter_pointer)?;
        let d = delimiter.as_str().ok_or_else(|| self.ctx.type_error(&delimiter, &delimiter_pointer, "a string"))?;
        let source = self.resolve_or_null(source, &join_index(pointer, 1))?;
        Ok(match source.as_str() {
            Some(s) if !d.is_empty() => {
                Node::new(Value::Array(s.split(d).map(|p| Node::string(p, source.line)).collect()), line)
            }
            _ => symbolic("split", Node::new(Value::Array(vec![delimiter.clone(), source]), line), line),
        })
    }

    fn find_in_map(&self, arg: &Node, line: u32, pointer: &str) -> Result<Option<Node>, InputError> {
        let items = arg.as_array().unwrap_or_default();
        if !(3..=4).contains(&items.len()) {
            return Err(self.ctx.type_error(arg, pointer, "`[map, top-level key, second-level key]`"));
        }
        let mut keys = Vec::with_capacity(3);
        for (i, item) in items.iter().take(3).enumerate() {
            keys.push(self.resolve_or_null(item, &join_index(pointer, i))?);
        }
        // The optional fourth item (language extensions) is `{"DefaultValue": ...}`.
        let default = match items.get(3) {
            Some(d) => {
                let p = join_index(pointer, 3);
                let value = d.get("DefaultValue").ok_or_else(|| self.ctx.type_error(d, &p, "`{DefaultValue: ...}`"))?;
                Some(self.resolve_or_null(value, &join_pointer(&p, "DefaultValue"))?)
            }
            None => None,
        };
        let names: Vec<Option<&str>> = keys.iter().map(Node::as_str).collect();
        let [Some(map), Some(top), Some(second)] = names.as_slice() else {
            let mut all = keys;
            all.extend(default);
            return Ok(Some(symbolic("find_in_map", Node::new(Value::Array(all), line), line)));
        };
        let Some(mapping) = self.template.mappings.get(map) else {
            return Err(self.ctx.error(line, pointer, InputErrorKind::Shape, format!("unknown mapping `{map}`")));
        };
        match mapping.get(top).and_then(|t| t.get(second)) {
            Some(value) => {
                let p = join_pointer(&join_pointer(&join_pointer("/Mappings", map), top), second);
                self.resolve(value, &p)
            }
            None => match default {
                Some(d) => Ok(Some(d)),
                None => Err(self.ctx.error(
                    line,
                    pointer,
                    InputErrorKind::Shape,
                    format!("mapping `{map}` has no entry `{top}` / `{second}`"),
                )),
            },
        }
    }

    /// The text of a string-valued property as literal pieces and deploy-time values, keeping
    /// the structure of `Fn::Sub` and `Fn::Join`; `None` when the whole value is unknown.
    pub(crate) fn text_pieces(&self, node: &Node, pointer: &str) -> Result<Option<Vec<Piece>>, InputError> {
        let mut pieces = Vec::new();
        match intrinsic(node) {
            Some(("Fn::Sub", arg)) => {
                for part in self.sub_parts(arg, &join_pointer(pointer, "Fn::Sub"))? {
                    match part {
                        Part::Literal(t) | Part::Raw(t) => pieces.push(Piece::Text(t)),
                        Part::Value { node, .. } => push_value(&mut pieces, node),
                    }
                }
            }
            Some(("Fn::Join", arg)) => {
                let join_pointer = join_pointer(pointer, "Fn::Join");
                // Items written out in the template are split into pieces one by one, so a
                // nested `Fn::Join` or `Fn::Sub` keeps its literal text; a computed list is
                // resolved as a whole.
                let Some([delimiter, Node { value: Value::Array(items), .. }]) = arg.as_array() else {
                    let (delimiter, items) = self.join_items(arg, &join_pointer)?;
                    let Ok(items) = items else { return Ok(None) };
                    for (i, item) in items.into_iter().enumerate() {
                        if i > 0 {
                            pieces.push(Piece::Text(delimiter.clone()));
                        }
                        push_value(&mut pieces, item);
                    }
                    return Ok(Some(pieces));
                };
                let delimiter_pointer = join_index(&join_pointer, 0);
                let delimiter = self.resolve_or_null(delimiter, &delimiter_pointer)?;
                let delimiter = delimiter
                    .as_str()
                    .ok_or_else(|| self.ctx.type_error(&delimiter, &delimiter_pointer, "a string"))?;
                let list_pointer = join_index(&join_pointer, 1);
                let mut first = true;
                for (i, item) in items.iter().enumerate() {
                    let item_pointer = join_index(&list_pointer, i);
                    let item_pieces = match self.text_pieces(item, &item_pointer)? {
                        Some(p) => p,
                        None => match self.resolve(item, &item_pointer)? {
                            // `AWS::NoValue` removes the item.
                            None => continue,
                            Some(value) => vec![Piece::Value(value)],
                        },
                    };
                    if !first {
                        pieces.push(Piece::Text(delimiter.to_owned()));
                    }
                    first = false;
                    pieces.extend(item_pieces);
                }
            }
            _ => match self.resolve(node, pointer)? {
                Some(value) => match scalar_text(&value) {
                    Some(s) => pieces.push(Piece::Text(s)),
                    None => return Ok(None),
                },
                None => return Ok(None),
            },
        }
        Ok(Some(pieces))
    }
}

fn push_value(pieces: &mut Vec<Piece>, node: Node) {
    match scalar_text(&node) {
        Some(t) => pieces.push(Piece::Text(t)),
        None => pieces.push(Piece::Value(node)),
    }
}

/// The function name and argument when `node` is an intrinsic function call.
pub(crate) fn intrinsic(node: &Node) -> Option<(&str, &Node)> {
    single_member(node).filter(|(k, _)| *k == "Ref" || k.starts_with("Fn::"))
}

fn single_member(node: &Node) -> Option<(&str, &Node)> {
    match node.as_object()? {
        [(key, value)] => Some((key.as_str(), value)),
        _ => None,
    }
}

/// A one-key symbolic value.
pub(crate) fn symbolic(key: &str, value: Node, line: u32) -> Node {
    Node::new(Value::Object(vec![(key.to_owned(), value)]), line)
}

/// The text of a concrete scalar (CloudFormation turns numbers and booleans into strings).
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// True when a symbolic value appears anywhere in `node`.
pub(crate) fn contains_symbolic(node: &Node) -> bool {
    let mut work = vec![node];
    while let Some(n) = work.pop() {
        if is_symbolic(n) {
            return true;
        }
        match &n.value {
            Value::Array(items) => work.extend(items),
            Value::Object(members) => work.extend(members.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    false
}

/// A symbolic value written in `Fn::Sub` syntax, when it has such a form: `${P}` for a
/// reference, `${R.Attr}` for an attribute, the text of a `{"sub": "..."}`.
pub(crate) fn sub_syntax(node: &Node) -> Option<String> {
    let (key, value) = single_member(node)?;
    match key {
        "ref" => value.as_str().map(|s| format!("${{{s}}}")),
        "get_att" => match value.as_array()? {
            [r, a] => Some(format!("${{{}.{}}}", r.as_str()?, a.as_str()?)),
            _ => None,
        },
        "sub" => value.as_str().map(str::to_owned),
        _ => None,
    }
}

/// A value as one string for fields that hold text: concrete text as is, a symbolic value in
/// `Fn::Sub` syntax where it has one, else its JSON.
pub(crate) fn display_text(node: &Node) -> String {
    scalar_text(node).or_else(|| sub_syntax(node)).unwrap_or_else(|| node.to_json().to_string())
}

/// Joins parts into a string when every part is concrete, else into a `{"sub": ...}` whose
/// unexpressible values become variables.
pub(crate) fn build(parts: Vec<Part>, line: u32) -> Node {
    let concrete = parts.iter().all(|p| match p {
        Part::Literal(_) => true,
        Part::Raw(_) => false,
        Part::Value { node, .. } => scalar_text(node).is_some(),
    });
    if concrete {
        let mut text = String::new();
        for part in &parts {
            match part {
                Part::Literal(t) => text.push_str(t),
                Part::Value { node, .. } => text.push_str(&scalar_text(node).unwrap_or_default()),
                Part::Raw(_) => {}
            }
        }
        return Node::string(text, line);
    }
    let mut text = String::new();
    let mut vars: Vec<(String, Node)> = Vec::new();
    for part in parts {
        match part {
            Part::Literal(t) => text.push_str(&escape_sub(&t)),
            Part::Raw(t) => text.push_str(&t),
            Part::Value { node, hint } => {
                if let Some(t) = scalar_text(&node) {
                    text.push_str(&escape_sub(&t));
                } else if let Some(t) = sub_syntax(&node) {
                    text.push_str(&t);
                } else {
                    let name = variable_name(&vars, &hint, &node);
                    text.push_str(&format!("${{{name}}}"));
                    if !vars.iter().any(|(n, _)| *n == name) {
                        vars.push((name, node));
                    }
                }
            }
        }
    }
    let value = if vars.is_empty() {
        Node::string(text, line)
    } else {
        Node::new(Value::Array(vec![Node::string(text, line), Node::new(Value::Object(vars), line)]), line)
    };
    symbolic("sub", value, line)
}

/// A variable name for `node`: the hint, or the hint with a number when the hint is taken by a
/// different value.
fn variable_name(vars: &[(String, Node)], hint: &str, node: &Node) -> String {
    let base = if hint.is_empty() || hint.contains(['.', ':']) { "value" } else { hint };
    let mut name = base.to_owned();
    let mut n = 1;
    while let Some((_, existing)) = vars.iter().find(|(v, _)| *v == name) {
        if existing.to_json() == node.to_json() {
            break;
        }
        n += 1;
        name = format!("{base}{n}");
    }
    name
}

/// Escapes literal text for `Fn::Sub` (`${` is written `${!`).
fn escape_sub(text: &str) -> String {
    text.replace("${", "${!")
}

enum Segment {
    Text(String),
    Var(String),
}

/// Splits `Fn::Sub` text at `${Var}`; `${!x}` is the literal `${x}` and an unclosed `${` is
/// literal text.
fn split_sub(text: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some((before, after)) = rest.split_once("${") {
        literal.push_str(before);
        if let Some(escaped) = after.strip_prefix('!') {
            literal.push_str("${");
            rest = escaped;
            continue;
        }
        match after.split_once('}') {
            Some((name, tail)) => {
                if !literal.is_empty() {
                    segments.push(Segment::Text(std::mem::take(&mut literal)));
                }
                segments.push(Segment::Var(name.trim().to_owned()));
                rest = tail;
            }
            None => {
                literal.push_str("${");
                rest = after;
                break;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        segments.push(Segment::Text(literal));
    }
    segments
}

/// Standard base64 with padding (RFC 4648), for `Fn::Base64` of a literal.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |i: u32| char::from(*ALPHABET.get((i & 63) as usize).unwrap_or(&b'A'));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        out.push(if chunk.len() > 1 { symbol(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { symbol(n) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Limits, parse_yaml};
    use serde_json::json;

    const TEMPLATE: &str = r#"
Parameters:
  Env: {Type: String}
Mappings:
  Sizes:
    prod: {Memory: 1024}
Conditions:
  Always: !Equals [a, a]
  Never: !Not [{Condition: Always}]
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "worker-${AWS::Region}"
  Named:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: fixed-name
  Anonymous:
    Type: AWS::Lambda::Function
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: exec
      Path: /svc/
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Env}-jobs"
  LoopA:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !GetAtt LoopB.TopicName
  LoopB:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !GetAtt LoopA.TopicName
"#;

    fn eval(expr: &str) -> Result<serde_json::Value, InputError> {
        let limits = Limits::default();
        let documents = BTreeMap::new();
        let ctx = ReadContext::new("t.yaml", &limits, &documents, None);
        let root = parse_yaml(TEMPLATE, &limits).unwrap();
        let template = Template::read(&ctx, &root).unwrap();
        let resolver = Resolver::new(&ctx, &template);
        let node = parse_yaml(&format!("V: {expr}\n"), &limits).unwrap();
        let value = node.get("V").unwrap();
        Ok(resolver.resolve(value, "/V")?.map_or(serde_json::Value::Null, |n| n.to_json()))
    }

    #[test]
    fn refs_to_parameters_and_pseudo_parameters_stay_symbolic() {
        assert_eq!(eval("!Ref Env").unwrap(), json!({"ref": "Env"}));
        assert_eq!(eval("!Ref AWS::Region").unwrap(), json!({"sub": "${AWS::Region}"}));
        assert_eq!(eval("!Ref AWS::NoValue").unwrap(), json!(null));
        assert_eq!(eval("!Ref Unknown").unwrap(), json!({"ref": "Unknown"}));
    }

    #[test]
    fn refs_to_resources_give_their_physical_name_when_fixed() {
        assert_eq!(eval("!Ref Named").unwrap(), json!("fixed-name"));
        assert_eq!(eval("!Ref Fn").unwrap(), json!({"sub": "worker-${AWS::Region}"}));
        assert_eq!(eval("!Ref Anonymous").unwrap(), json!({"ref": "Anonymous"}));
        assert_eq!(eval("!Ref Role").unwrap(), json!("exec"));
    }

    #[test]
    fn get_att_arn_is_built_from_the_name() {
        assert_eq!(
            eval("!GetAtt Named.Arn").unwrap(),
            json!({"sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:fixed-name"})
        );
        assert_eq!(
            eval("!GetAtt Role.Arn").unwrap(),
            json!({"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/svc/exec"})
        );
        assert_eq!(
            eval("!GetAtt Queue.Arn").unwrap(),
            json!({"sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Env}-jobs"})
        );
        assert_eq!(eval("!GetAtt Anonymous.Arn").unwrap(), json!({"get_att": ["Anonymous", "Arn"]}));
        assert_eq!(eval("!GetAtt Role.RoleId").unwrap(), json!({"get_att": ["Role", "RoleId"]}));
    }

    #[test]
    fn sub_inlines_what_resolves_and_keeps_the_rest() {
        assert_eq!(eval("!Sub 'a-${Named}-b'").unwrap(), json!("a-fixed-name-b"));
        assert_eq!(eval("!Sub 'x-${Env}-${Anonymous.Arn}'").unwrap(), json!({"sub": "x-${Env}-${Anonymous.Arn}"}));
        assert_eq!(eval("!Sub ['${A}/${B}', {A: one, B: 2}]").unwrap(), json!("one/2"));
        assert_eq!(eval("!Sub 'lit ${!Name} ${Named}'").unwrap(), json!("lit ${Name} fixed-name"));
        assert_eq!(eval("!Sub ['${A} ${!B}', {A: !Ref Env}]").unwrap(), json!({"sub": "${Env} ${!B}"}));
        assert_eq!(
            eval("!Sub ['v=${A}', {A: !ImportValue shared}]").unwrap(),
            json!({"sub": ["v=${A}", {"A": {"import_value": "shared"}}]})
        );
    }

    #[test]
    fn join_select_split_and_find_in_map() {
        assert_eq!(eval("!Join ['-', [a, !Ref Named, 3]]").unwrap(), json!("a-fixed-name-3"));
        assert_eq!(eval("!Join ['', [a, !Ref Env]]").unwrap(), json!({"join": ["", ["a", {"ref": "Env"}]]}));
        assert_eq!(eval("!Select [1, [a, b, c]]").unwrap(), json!("b"));
        assert_eq!(eval("!Select [0, !Split [',', 'x,y']]").unwrap(), json!("x"));
        assert_eq!(eval("!Select [0, !GetAZs '']").unwrap(), json!({"select": [0, {"get_azs": ""}]}));
        assert_eq!(eval("!FindInMap [Sizes, prod, Memory]").unwrap(), json!(1024));
        assert_eq!(
            eval("!FindInMap [Sizes, !Ref Env, Memory]").unwrap(),
            json!({"find_in_map": ["Sizes", {"ref": "Env"}, "Memory"]})
        );
        assert_eq!(eval("!Base64 hi").unwrap(), json!("aGk="));
        assert_eq!(eval("{Fn::ToJsonString: {a: [1, !Ref Named]}}").unwrap(), json!("{\"a\":[1,\"fixed-name\"]}"));
        assert_eq!(
            eval("{Fn::ToJsonString: {a: !Ref Env}}").unwrap(),
            json!({"to_json_string": {"a": {"ref": "Env"}}})
        );
        assert_eq!(eval("{Fn::Length: [a, b]}").unwrap(), json!(2));
        assert_eq!(eval("!ImportValue shared-arn").unwrap(), json!({"import_value": "shared-arn"}));
    }

    #[test]
    fn conditions_decide_when_constant() {
        assert_eq!(eval("!If [Always, yes, no]").unwrap(), json!("yes"));
        assert_eq!(eval("!If [Never, yes, no]").unwrap(), json!("no"));
        assert_eq!(eval("!If [IsProd, yes, !Ref AWS::NoValue]").unwrap(), json!({"if": ["IsProd", "yes", null]}));
        assert_eq!(eval("[a, !If [Always, !Ref AWS::NoValue, b], c]").unwrap(), json!(["a", "c"]));
    }

    #[test]
    fn errors_name_the_place() {
        let err = eval("{Fn::Bogus: x}").unwrap_err();
        assert_eq!(err.pointer(), "/V/Fn::Bogus");
        assert!(err.message().contains("unknown intrinsic function `Fn::Bogus`"));
        let err = eval("!If [Missing, a, b]").unwrap_err();
        assert!(err.message().contains("unknown condition `Missing`"), "{}", err.message());
        let err = eval("!Select [5, [a]]").unwrap_err();
        assert!(err.message().contains("out of range"));
        let err = eval("!Ref AWS::Bogus").unwrap_err();
        assert!(err.message().contains("unknown pseudo parameter"));
    }

    #[test]
    fn reference_cycles_are_errors_not_overflows() {
        let err = eval("!Ref LoopA").unwrap_err();
        assert!(err.message().contains("circular reference"), "{}", err.message());
        assert!(err.line().is_some());
    }

    #[test]
    fn base64_matches_rfc_vectors() {
        for (input, expected) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }
}
