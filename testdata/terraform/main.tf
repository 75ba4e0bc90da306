terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "timeout_seconds" {
  type    = number
  default = 300
}

data "aws_caller_identity" "current" {}

resource "aws_lambda_function" "worker" {
  function_name = "orders-worker"
  role          = aws_iam_role.worker.arn
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "worker.zip"
}

resource "aws_cloudwatch_log_group" "sfn" {
  name              = "/aws/vendedlogs/states/orders"
  retention_in_days = 30
}

# Execution role of both state machines below.
resource "aws_iam_role" "sfn" {
  name = "orders-sfn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "states.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = {
            "aws:SourceAccount" = data.aws_caller_identity.current.account_id
          }
        }
      }
    ]
  })
  tags = {
    team = "orders"
  }
}

resource "aws_iam_role_policy" "invoke" {
  name   = "invoke-worker"
  role   = aws_iam_role.sfn.id
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "InvokeWorker",
      "Effect": "Allow",
      "Action": "lambda:InvokeFunction",
      "Resource": [
        "${aws_lambda_function.worker.arn}",
        "${aws_lambda_function.worker.arn}:*"
      ]
    }
  ]
}
POLICY
}

data "aws_iam_policy_document" "publish" {
  statement {
    sid       = "PublishFailures"
    actions   = ["sns:Publish"]
    resources = ["arn:aws:sns:us-east-1:111122223333:order-failures"]
  }
  statement {
    effect    = "Deny"
    actions   = ["sns:*"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_iam_policy" "publish" {
  name   = "orders-publish"
  policy = data.aws_iam_policy_document.publish.json
}

resource "aws_iam_role_policy_attachment" "publish" {
  role       = aws_iam_role.sfn.name
  policy_arn = aws_iam_policy.publish.arn
}

resource "aws_iam_role_policy_attachment" "xray" {
  role       = aws_iam_role.sfn.name
  policy_arn = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

resource "aws_sfn_state_machine" "orders" {
  name     = "orders"
  role_arn = aws_iam_role.sfn.arn
  type     = "STANDARD"

  definition = <<EOF
{
  "Comment": "Process an order",
  "StartAt": "Validate",
  "States": {
    "Validate": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {
        "FunctionName": "${aws_lambda_function.worker.arn}",
        "Payload.$": "$"
      },
      "TimeoutSeconds": ${var.timeout_seconds},
      "Next": "Done"
    },
    "Done": {
      "Type": "Succeed"
    }
  }
}
EOF

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.sfn.arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  tags = {
    team = "orders"
  }
}

resource "aws_sfn_state_machine" "express" {
  name     = "orders-express"
  role_arn = aws_iam_role.sfn.arn
  type     = "EXPRESS"
  definition = jsonencode({
    StartAt = "Work"
    States = {
      Work = {
        Type     = "Task"
        Resource = aws_lambda_function.worker.arn
        Retry = [
          {
            ErrorEquals = ["States.TaskFailed"]
            MaxAttempts = 3
          }
        ]
        End = true
      }
    }
  })
}

resource "aws_sfn_state_machine" "batch" {
  name     = "orders-batch"
  role_arn = "arn:aws:iam::111122223333:role/batch-runner"
  definition = templatefile("${path.module}/batch.asl.json", {
    worker_arn = aws_lambda_function.worker.arn
  })
}

resource "aws_organizations_policy" "deny_leave" {
  name    = "deny-leave-organization"
  type    = "SERVICE_CONTROL_POLICY"
  content = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Deny",
          "Action": "organizations:LeaveOrganization",
          "Resource": "*"
        }
      ]
    }
  EOT
}

resource "aws_organizations_policy_attachment" "deny_leave_workloads" {
  policy_id = aws_organizations_policy.deny_leave.id
  target_id = aws_organizations_organizational_unit.workloads.id
}
