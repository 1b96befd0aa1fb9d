//! One error type for the tool: what was being done, why it failed, and the exit code.

use std::fmt::Display;
use std::process::ExitCode;

/// Exit code of usage errors and failed commands.
pub const EXIT_ERROR: u8 = 2;
/// Exit code of a negative verdict: `verify` found problems, `get` found no such id.
pub const EXIT_VERDICT: u8 = 1;

/// A failed command, printed as one line: `kiln: error: <what>: <cause>`.
#[derive(Debug)]
pub struct CliError {
    what: String,
    cause: String,
    code: u8,
}

impl CliError {
    /// An error with exit code 2.
    pub fn new(what: impl Into<String>, cause: impl Display) -> Self {
        CliError {
            what: what.into(),
            cause: cause.to_string(),
            code: EXIT_ERROR,
        }
    }

    /// The same error with another exit code.
    pub fn with_code(mut self, code: u8) -> Self {
        self.code = code;
        self
    }

    /// The same error with `text` added to the cause.
    pub fn append(mut self, text: &str) -> Self {
        self.cause.push(' ');
        self.cause.push_str(text);
        self
    }

    /// Print the error line and return the exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("kiln: error: {}: {}", self.what, one_line(&self.cause));
        ExitCode::from(self.code)
    }
}

/// Collapse whitespace runs (newlines included) into single spaces.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Attach "what was being done" to any error.
pub trait Context<T> {
    /// On error, a [`CliError`] saying `what` failed because of the error.
    fn context(self, what: impl FnOnce() -> String) -> Result<T, CliError>;
}

impl<T, E: Display> Context<T> for Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, CliError> {
        self.map_err(|e| CliError::new(what(), e))
    }
}

/// Report a command-line parse error as one line (help and version print as usual).
pub fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        // Printing help can only fail on a closed stdout; there is nothing left to say then.
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(EXIT_ERROR)
        }
        _ => {
            let rendered = e.render().to_string();
            let text = rendered.trim_start_matches("error:").trim();
            let text = text.split("\n\nUsage:").next().unwrap_or(text);
            let text = text
                .split("\n\nFor more information")
                .next()
                .unwrap_or(text);
            CliError::new(
                "invalid arguments",
                format!("{} (see kiln --help)", one_line(text)),
            )
            .report()
        }
    }
}
