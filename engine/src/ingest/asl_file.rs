//! A bare Amazon States Language definition (JSON or YAML).

use super::{ReadContext, ReadOutcome, parse_text};
use crate::asl::{self, DefinitionPlace, Storage};
use crate::doc::Node;
use crate::error::InputError;
use crate::model::{SourceRef, StateMachine};

/// Reads a whole-file definition as one state machine whose id is the file name.
pub(crate) fn read(ctx: &ReadContext<'_>, root: &Node, out: &mut ReadOutcome) {
    let source = SourceRef { file: ctx.file.to_owned(), pointer: String::new(), line: root.line };
    let mut machine = StateMachine::new(ctx.file, "asl", source);
    let place = DefinitionPlace { file: ctx.file, storage: Storage::Inline("") };
    asl::read_definition(root, &mut machine, &place, &mut out.graph);
    out.graph.state_machines.insert(machine.id.clone(), machine);
}

/// Parses a definition held in a string at `pointer`/`line` of the current file. Errors name
/// the outer place and the line inside the definition.
pub(crate) fn parse_embedded(ctx: &ReadContext<'_>, text: &str, pointer: &str, line: u32) -> Result<Node, InputError> {
    parse_text(ctx.file, text, ctx.limits).map_err(|e| {
        let inner = match e.line {
            Some(l) if e.pointer.is_empty() => format!("line {l} of the definition"),
            Some(l) => format!("line {l} of the definition, at `{}`", e.pointer),
            None => "the definition".to_owned(),
        };
        InputError::new(ctx.file, (line > 0).then_some(line), pointer, e.kind, format!("{inner}: {}", e.message))
    })
}
