//! SAM policy templates (`LambdaInvokePolicy`, `DynamoDBCrudPolicy`, ...) expanded to statements.
