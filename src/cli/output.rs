//! Where CLI output goes (stdout or an atomically written file) and how errors are shown.

use crate::fsutil::write_atomic;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// An error in the command line's values (exit code 2), as opposed to a runtime failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

/// Prints clap's error as one line (help and version go out whole, with exit 0).
pub(crate) fn report_clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            // clap's message is a first line, sometimes followed by indented details
            // (the missing arguments); fold those into the one line.
            let rendered = e.render().to_string();
            let mut lines = rendered.lines().skip_while(|l| l.trim().is_empty());
            let mut message = lines
                .next()
                .unwrap_or("error: invalid arguments")
                .trim()
                .to_string();
            for detail in lines.take_while(|l| l.starts_with(' ') && !l.trim().is_empty()) {
                message.push(' ');
                message.push_str(detail.trim());
            }
            eprintln!("{message} (see --help)");
            ExitCode::from(2)
        }
    }
}

/// Prints an error chain on one line; usage errors exit 2, the rest 1.
pub(crate) fn report_error(e: &anyhow::Error) -> ExitCode {
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        // The reader went away (`| head`): not an error worth a word.
        return ExitCode::SUCCESS;
    }
    let msg = e
        .chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ");
    eprintln!("error: {msg}");
    if e.downcast_ref::<UsageError>().is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

/// A destination for a command's main output.
pub struct Output {
    path: Option<PathBuf>,
}

impl Output {
    pub fn new(path: Option<PathBuf>) -> Self {
        Self { path }
    }

    /// Writes the text to the file (atomically) or stdout.
    pub fn write(&self, text: &str) -> anyhow::Result<()> {
        match &self.path {
            Some(p) => Ok(write_atomic(p, text.as_bytes())?),
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()?;
                Ok(())
            }
        }
    }
}
