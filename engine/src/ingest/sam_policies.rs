//! SAM policy templates (`LambdaInvokePolicy`, `DynamoDBCrudPolicy`, ...) expanded to statements.
//!
//! A SAM `Policies` entry such as `- DynamoDBCrudPolicy: {TableName: !Ref Table}` stands for a
//! fixed policy document whose resources are built from the parameters. The table below holds,
//! for each template, its parameters and its statements (actions and resource patterns) as the
//! AWS SAM policy template reference lists them. A pattern names a parameter as `{Param}` and a
//! pseudo parameter as `${AWS::...}`; [`PolicyTemplate::document`] turns each pattern into an
//! `Fn::Sub` over the caller's parameter values, the way SAM does, so the template resolver
//! decides what is concrete and what stays symbolic.

use crate::doc::{Node, Value};

/// One statement of a policy template (always `Allow`).
struct TemplateStatement {
    actions: &'static [&'static str],
    /// Resource patterns; `*` is literal.
    resources: &'static [&'static str],
    /// An optional `StringEquals` condition: key and value pattern.
    condition: Option<(&'static str, &'static str)>,
}

/// A SAM policy template.
pub(crate) struct PolicyTemplate {
    pub(crate) name: &'static str,
    parameters: &'static [&'static str],
    statements: &'static [TemplateStatement],
}

const fn allow(actions: &'static [&'static str], resources: &'static [&'static str]) -> TemplateStatement {
    TemplateStatement { actions, resources, condition: None }
}

macro_rules! arn {
    ($service:literal, $rest:literal) => {
        concat!("arn:${AWS::Partition}:", $service, ":${AWS::Region}:${AWS::AccountId}:", $rest)
    };
}

const DYNAMODB_TABLE: &[&str] = &[arn!("dynamodb", "table/{TableName}"), arn!("dynamodb", "table/{TableName}/index/*")];
const S3_BUCKET: &[&str] = &["arn:${AWS::Partition}:s3:::{BucketName}", "arn:${AWS::Partition}:s3:::{BucketName}/*"];
const ANY: &[&str] = &["*"];

const TEMPLATES: &[PolicyTemplate] = &[
    PolicyTemplate { name: "AMIDescribePolicy", parameters: &[], statements: &[allow(&["ec2:DescribeImages"], ANY)] },
    PolicyTemplate {
        name: "AWSSecretsManagerGetSecretValuePolicy",
        parameters: &["SecretArn"],
        statements: &[allow(&["secretsmanager:GetSecretValue"], &["{SecretArn}"])],
    },
    PolicyTemplate {
        name: "AWSSecretsManagerRotationPolicy",
        parameters: &["FunctionName"],
        statements: &[
            TemplateStatement {
                actions: &[
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:UpdateSecretVersionStage",
                ],
                resources: &[arn!("secretsmanager", "secret:*")],
                condition: Some((
                    "secretsmanager:resource/AllowRotationLambdaArn",
                    arn!("lambda", "function:{FunctionName}"),
                )),
            },
            allow(&["secretsmanager:GetRandomPassword"], ANY),
        ],
    },
    PolicyTemplate {
        name: "AcmGetCertificatePolicy",
        parameters: &["CertificateArn"],
        statements: &[allow(&["acm:GetCertificate"], &["{CertificateArn}"])],
    },
    PolicyTemplate {
        name: "AthenaQueryPolicy",
        parameters: &["WorkGroupName"],
        statements: &[
            allow(
                &[
                    "athena:ListWorkGroups",
                    "athena:GetExecutionEngine",
                    "athena:GetExecutionEngines",
                    "athena:GetNamespace",
                    "athena:GetCatalogs",
                    "athena:GetNamespaces",
                    "athena:GetTables",
                    "athena:GetTable",
                ],
                ANY,
            ),
            allow(
                &[
                    "athena:StartQueryExecution",
                    "athena:GetQueryResults",
                    "athena:DeleteNamedQuery",
                    "athena:GetNamedQuery",
                    "athena:ListQueryExecutions",
                    "athena:StopQueryExecution",
                    "athena:GetQueryResultsStream",
                    "athena:ListNamedQueries",
                    "athena:CreateNamedQuery",
                    "athena:GetQueryExecution",
                    "athena:BatchGetNamedQuery",
                    "athena:BatchGetQueryExecution",
                    "athena:GetWorkGroup",
                ],
                &[arn!("athena", "workgroup/{WorkGroupName}")],
            ),
        ],
    },
    PolicyTemplate {
        name: "CloudFormationDescribeStacksPolicy",
        parameters: &[],
        statements: &[allow(&["cloudformation:DescribeStacks"], &[arn!("cloudformation", "stack/*")])],
    },
    PolicyTemplate {
        name: "CloudWatchDashboardPolicy",
        parameters: &[],
        statements: &[allow(
            &[
                "cloudwatch:GetDashboard",
                "cloudwatch:ListDashboards",
                "cloudwatch:PutDashboard",
                "cloudwatch:ListMetrics",
            ],
            ANY,
        )],
    },
    PolicyTemplate {
        name: "CloudWatchDescribeAlarmHistoryPolicy",
        parameters: &[],
        statements: &[allow(&["cloudwatch:DescribeAlarmHistory"], ANY)],
    },
    PolicyTemplate {
        name: "CloudWatchPutMetricPolicy",
        parameters: &[],
        statements: &[allow(&["cloudwatch:PutMetricData"], ANY)],
    },
    PolicyTemplate {
        name: "ComprehendBasicAccessPolicy",
        parameters: &[],
        statements: &[allow(
            &[
                "comprehend:BatchDetectKeyPhrases",
                "comprehend:DetectDominantLanguage",
                "comprehend:DetectEntities",
                "comprehend:BatchDetectEntities",
                "comprehend:DetectKeyPhrases",
                "comprehend:DetectSentiment",
                "comprehend:BatchDetectDominantLanguage",
                "comprehend:BatchDetectSentiment",
            ],
            ANY,
        )],
    },
    PolicyTemplate {
        name: "DynamoDBCrudPolicy",
        parameters: &["TableName"],
        statements: &[allow(
            &[
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ],
            DYNAMODB_TABLE,
        )],
    },
    PolicyTemplate {
        name: "DynamoDBReadPolicy",
        parameters: &["TableName"],
        statements: &[allow(
            &["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"],
            DYNAMODB_TABLE,
        )],
    },
    PolicyTemplate {
        name: "DynamoDBReconfigurePolicy",
        parameters: &["TableName"],
        statements: &[allow(&["dynamodb:UpdateTable"], &[arn!("dynamodb", "table/{TableName}")])],
    },
    PolicyTemplate {
        name: "DynamoDBStreamReadPolicy",
        parameters: &["TableName", "StreamName"],
        statements: &[
            allow(
                &["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                &[arn!("dynamodb", "table/{TableName}/stream/{StreamName}")],
            ),
            allow(&["dynamodb:ListStreams"], &[arn!("dynamodb", "table/{TableName}/stream/*")]),
        ],
    },
    PolicyTemplate {
        name: "DynamoDBWritePolicy",
        parameters: &["TableName"],
        statements: &[allow(&["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"], DYNAMODB_TABLE)],
    },
    PolicyTemplate {
        name: "EC2DescribePolicy",
        parameters: &[],
        statements: &[allow(&["ec2:DescribeRegions", "ec2:DescribeInstances"], ANY)],
    },
    PolicyTemplate {
        name: "EcsRunTaskPolicy",
        parameters: &["TaskDefinition"],
        statements: &[allow(&["ecs:RunTask"], &[arn!("ecs", "task-definition/{TaskDefinition}")])],
    },
    PolicyTemplate {
        name: "EventBridgePutEventsPolicy",
        parameters: &["EventBusName"],
        statements: &[allow(&["events:PutEvents"], &[arn!("events", "event-bus/{EventBusName}")])],
    },
    PolicyTemplate {
        name: "FilterLogEventsPolicy",
        parameters: &["LogGroupName"],
        statements: &[allow(&["logs:FilterLogEvents"], &[arn!("logs", "log-group:{LogGroupName}:log-stream:*")])],
    },
    PolicyTemplate {
        name: "FirehoseCrudPolicy",
        parameters: &["DeliveryStreamName"],
        statements: &[allow(
            &[
                "firehose:CreateDeliveryStream",
                "firehose:DeleteDeliveryStream",
                "firehose:DescribeDeliveryStream",
                "firehose:PutRecord",
                "firehose:PutRecordBatch",
                "firehose:UpdateDestination",
            ],
            &[arn!("firehose", "deliverystream/{DeliveryStreamName}")],
        )],
    },
    PolicyTemplate {
        name: "FirehoseWritePolicy",
        parameters: &["DeliveryStreamName"],
        statements: &[allow(
            &["firehose:PutRecord", "firehose:PutRecordBatch"],
            &[arn!("firehose", "deliverystream/{DeliveryStreamName}")],
        )],
    },
    PolicyTemplate {
        name: "KMSDecryptPolicy",
        parameters: &["KeyId"],
        statements: &[allow(&["kms:Decrypt"], &[arn!("kms", "key/{KeyId}")])],
    },
    PolicyTemplate {
        name: "KMSEncryptPolicy",
        parameters: &["KeyId"],
        statements: &[allow(&["kms:Encrypt"], &[arn!("kms", "key/{KeyId}")])],
    },
    PolicyTemplate {
        name: "KinesisCrudPolicy",
        parameters: &["StreamName"],
        statements: &[allow(
            &[
                "kinesis:AddTagsToStream",
                "kinesis:CreateStream",
                "kinesis:DecreaseStreamRetentionPeriod",
                "kinesis:DeleteStream",
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetShardIterator",
                "kinesis:IncreaseStreamRetentionPeriod",
                "kinesis:ListTagsForStream",
                "kinesis:MergeShards",
                "kinesis:PutRecord",
                "kinesis:PutRecords",
                "kinesis:SplitShard",
                "kinesis:RemoveTagsFromStream",
            ],
            &[arn!("kinesis", "stream/{StreamName}")],
        )],
    },
    PolicyTemplate {
        name: "KinesisStreamReadPolicy",
        parameters: &["StreamName"],
        statements: &[
            allow(&["kinesis:ListStreams", "kinesis:DescribeLimits"], &[arn!("kinesis", "stream/*")]),
            allow(
                &[
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                ],
                &[arn!("kinesis", "stream/{StreamName}")],
            ),
        ],
    },
    PolicyTemplate {
        name: "LambdaInvokePolicy",
        parameters: &["FunctionName"],
        // The trailing `*` also covers the function's versions and aliases.
        statements: &[allow(&["lambda:InvokeFunction"], &[arn!("lambda", "function:{FunctionName}*")])],
    },
    PolicyTemplate {
        name: "RekognitionDetectOnlyPolicy",
        parameters: &[],
        statements: &[allow(
            &[
                "rekognition:DetectFaces",
                "rekognition:DetectLabels",
                "rekognition:DetectModerationLabels",
                "rekognition:DetectText",
            ],
            ANY,
        )],
    },
    PolicyTemplate {
        name: "RekognitionLabelsPolicy",
        parameters: &[],
        statements: &[allow(&["rekognition:DetectLabels", "rekognition:DetectModerationLabels"], ANY)],
    },
    PolicyTemplate {
        name: "S3CrudPolicy",
        parameters: &["BucketName"],
        statements: &[allow(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ],
            S3_BUCKET,
        )],
    },
    PolicyTemplate {
        name: "S3FullAccessPolicy",
        parameters: &["BucketName"],
        statements: &[
            allow(
                &[
                    "s3:GetObject",
                    "s3:GetObjectAcl",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:PutObjectAcl",
                    "s3:DeleteObject",
                    "s3:DeleteObjectTagging",
                    "s3:DeleteObjectVersionTagging",
                    "s3:GetObjectTagging",
                    "s3:GetObjectVersionTagging",
                    "s3:PutObjectTagging",
                    "s3:PutObjectVersionTagging",
                ],
                &["arn:${AWS::Partition}:s3:::{BucketName}/*"],
            ),
            allow(
                &[
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:GetLifecycleConfiguration",
                    "s3:PutLifecycleConfiguration",
                ],
                &["arn:${AWS::Partition}:s3:::{BucketName}"],
            ),
        ],
    },
    PolicyTemplate {
        name: "S3ReadPolicy",
        parameters: &["BucketName"],
        statements: &[allow(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            S3_BUCKET,
        )],
    },
    PolicyTemplate {
        name: "S3WritePolicy",
        parameters: &["BucketName"],
        statements: &[allow(&["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"], S3_BUCKET)],
    },
    PolicyTemplate {
        name: "SESCrudPolicy",
        parameters: &["IdentityName"],
        statements: &[allow(
            &["ses:GetIdentityVerificationAttributes", "ses:SendEmail", "ses:SendRawEmail", "ses:VerifyEmailIdentity"],
            &[arn!("ses", "identity/{IdentityName}")],
        )],
    },
    PolicyTemplate {
        name: "SNSCrudPolicy",
        parameters: &["TopicName"],
        statements: &[allow(
            &[
                "sns:ListSubscriptionsByTopic",
                "sns:CreateTopic",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Publish",
            ],
            &[arn!("sns", "{TopicName}*")],
        )],
    },
    PolicyTemplate {
        name: "SNSPublishMessagePolicy",
        parameters: &["TopicName"],
        statements: &[allow(&["sns:Publish"], &[arn!("sns", "{TopicName}")])],
    },
    PolicyTemplate {
        name: "SQSPollerPolicy",
        parameters: &["QueueName"],
        statements: &[allow(
            &[
                "sqs:ChangeMessageVisibility",
                "sqs:ChangeMessageVisibilityBatch",
                "sqs:DeleteMessage",
                "sqs:DeleteMessageBatch",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            &[arn!("sqs", "{QueueName}")],
        )],
    },
    PolicyTemplate {
        name: "SQSSendMessagePolicy",
        parameters: &["QueueName"],
        statements: &[allow(&["sqs:SendMessage*"], &[arn!("sqs", "{QueueName}")])],
    },
    PolicyTemplate {
        name: "SSMParameterReadPolicy",
        parameters: &["ParameterName"],
        statements: &[
            allow(&["ssm:DescribeParameters"], ANY),
            allow(
                &["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
                &[arn!("ssm", "parameter/{ParameterName}")],
            ),
        ],
    },
    PolicyTemplate {
        name: "SSMParameterWithSlashPrefixReadPolicy",
        parameters: &["ParameterName"],
        statements: &[
            allow(&["ssm:DescribeParameters"], ANY),
            allow(
                &["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
                &[arn!("ssm", "parameter{ParameterName}")],
            ),
        ],
    },
    PolicyTemplate {
        name: "StepFunctionsCallbackPolicy",
        parameters: &["StateMachineName"],
        statements: &[allow(
            &["states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"],
            &[arn!("states", "stateMachine:{StateMachineName}")],
        )],
    },
    PolicyTemplate {
        name: "StepFunctionsExecutionPolicy",
        parameters: &["StateMachineName"],
        statements: &[allow(&["states:StartExecution"], &[arn!("states", "stateMachine:{StateMachineName}")])],
    },
    PolicyTemplate { name: "TextractPolicy", parameters: &[], statements: &[allow(&["textract:*"], ANY)] },
    PolicyTemplate {
        name: "VPCAccessPolicy",
        parameters: &[],
        statements: &[allow(
            &[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DetachNetworkInterface",
            ],
            ANY,
        )],
    },
];

/// The template called `name`, when stepguard knows it.
pub(crate) fn find(name: &str) -> Option<&'static PolicyTemplate> {
    TEMPLATES.iter().find(|t| t.name == name)
}

impl PolicyTemplate {
    /// The template's parameters, in order.
    pub(crate) fn parameters(&self) -> &'static [&'static str] {
        self.parameters
    }

    /// The policy document for the given parameter values (unresolved template nodes), with an
    /// `Fn::Sub` for every resource that uses a parameter or pseudo parameter. The caller
    /// checks that every parameter is present.
    pub(crate) fn document(&self, values: &Node, line: u32) -> Node {
        let s = |text: &str| Node::string(text, line);
        let array = |items: Vec<Node>| Node::new(Value::Array(items), line);
        let object = |members: Vec<(&str, Node)>| {
            Node::new(Value::Object(members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()), line)
        };
        let pattern = |p: &str| -> Node {
            let (text, used) = to_sub_syntax(p, self.parameters);
            if used.is_empty() && !text.contains("${") {
                return s(&text);
            }
            let vars = used
                .iter()
                .map(|name| ((*name).to_owned(), values.get(name).cloned().unwrap_or_else(|| s(""))))
                .collect();
            object(vec![("Fn::Sub", array(vec![s(&text), Node::new(Value::Object(vars), line)]))])
        };
        let statements = self
            .statements
            .iter()
            .map(|st| {
                let mut members = vec![
                    ("Effect", s("Allow")),
                    ("Action", array(st.actions.iter().map(|a| s(a)).collect())),
                    ("Resource", array(st.resources.iter().map(|r| pattern(r)).collect())),
                ];
                if let Some((key, value)) = st.condition {
                    members.push(("Condition", object(vec![("StringEquals", object(vec![(key, pattern(value))]))])));
                }
                object(members)
            })
            .collect();
        object(vec![("Version", s("2012-10-17")), ("Statement", array(statements))])
    }
}

/// Rewrites `{Param}` to `${Param}` and lists the parameters used.
fn to_sub_syntax(pattern: &str, parameters: &[&'static str]) -> (String, Vec<&'static str>) {
    let mut text = pattern.to_owned();
    let mut used = Vec::new();
    for p in parameters {
        let token = format!("{{{p}}}");
        if text.contains(&token) {
            text = text.replace(&token, &format!("${{{p}}}"));
            used.push(*p);
        }
    }
    (text, used)
}

/// Every template name, in order.
#[cfg(test)]
fn names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|t| t.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_sorted() {
        let names: Vec<&str> = names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn templates_commonly_used_with_state_machines_are_known() {
        for name in [
            "LambdaInvokePolicy",
            "DynamoDBCrudPolicy",
            "DynamoDBReadPolicy",
            "DynamoDBWritePolicy",
            "SQSSendMessagePolicy",
            "SQSPollerPolicy",
            "SNSPublishMessagePolicy",
            "StepFunctionsExecutionPolicy",
            "S3ReadPolicy",
            "S3WritePolicy",
            "S3CrudPolicy",
            "EventBridgePutEventsPolicy",
            "CloudWatchPutMetricPolicy",
            "KMSDecryptPolicy",
            "SSMParameterReadPolicy",
            "AWSSecretsManagerGetSecretValuePolicy",
        ] {
            assert!(find(name).is_some(), "{name}");
        }
        assert!(find("NoSuchPolicy").is_none());
    }

    #[test]
    fn every_pattern_parameter_is_declared() {
        for t in TEMPLATES {
            for st in t.statements {
                let patterns = st.resources.iter().copied().chain(st.condition.map(|(_, v)| v));
                for p in patterns {
                    let (text, _) = to_sub_syntax(p, t.parameters);
                    assert!(!text.contains('{') || text.contains("${"), "{}: {p}", t.name);
                    for piece in text.split("${").skip(1) {
                        let name = piece.split('}').next().unwrap();
                        assert!(name.starts_with("AWS::") || t.parameters.contains(&name), "{}: {name}", t.name);
                    }
                    assert!(
                        p == "*" || p.starts_with("arn:${AWS::Partition}:") || p.starts_with('{'),
                        "{}: {p}",
                        t.name
                    );
                }
            }
        }
    }

    #[test]
    fn document_uses_fn_sub_over_the_given_values() {
        let values = Node::from_json(&serde_json::json!({"TableName": {"Ref": "Table"}}), 3);
        let doc = find("DynamoDBReadPolicy").unwrap().document(&values, 3).to_json();
        assert_eq!(
            doc["Statement"][0]["Resource"][0],
            serde_json::json!({"Fn::Sub": [
                "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}",
                {"TableName": {"Ref": "Table"}}
            ]})
        );
        let doc = find("CloudWatchPutMetricPolicy").unwrap().document(&Node::from_json(&serde_json::json!({}), 1), 1);
        assert_eq!(doc.to_json()["Statement"][0]["Resource"], serde_json::json!(["*"]));
    }
}
