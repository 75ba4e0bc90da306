//! The `stepguard` command: parse arguments, run, map the outcome to an exit status.

mod cli;

// The graph is millions of small allocations built on several threads; mimalloc is markedly
// faster than the system allocator for that and returns less fragmented memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
