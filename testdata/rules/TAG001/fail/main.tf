resource "aws_iam_role" "orders" {
  name = "orders-sfn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "111122223333" } }
    }]
  })
}

resource "aws_sfn_state_machine" "orders" {
  name     = "orders"
  role_arn = aws_iam_role.orders.arn
  definition = jsonencode({
    Comment        = "Process an order"
    TimeoutSeconds = 3600
    StartAt        = "Process"
    States = {
      Process = {
        Type           = "Task"
        Resource       = "arn:aws:states:::lambda:invoke"
        Parameters     = { FunctionName = "process-order", "Payload.$" = "$" }
        TimeoutSeconds = 60
        Retry          = [{ ErrorEquals = ["Lambda.ServiceException"], MaxAttempts = 3, BackoffRate = 2 }]
        Catch          = [{ ErrorEquals = ["States.Permissions"], Next = "Broken" }, { ErrorEquals = ["States.ALL"], Next = "Rejected" }]
        End            = true
      }
      Broken   = { Type = "Fail", Error = "Misconfigured" }
      Rejected = { Type = "Fail", Error = "OrderRejected" }
    }
  })

  logging_configuration {
    log_destination        = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/vendedlogs/states/orders:*"
    include_execution_data = false
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type       = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666"
  }
  tags = {
    team        = "orders"
    cost-center = "4711"
  }
}
