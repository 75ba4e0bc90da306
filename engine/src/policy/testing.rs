//! Policy unit tests (filled in below).

/// A test case.
#[derive(Debug, Clone)]
pub struct TestCase;
/// Test options.
#[derive(Debug, Clone, Default)]
pub struct TestOptions;
/// A test outcome.
#[derive(Debug, Clone)]
pub struct TestOutcome;
/// A test report.
#[derive(Debug, Clone)]
pub struct TestReport;
