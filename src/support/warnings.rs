//! The one writer every warning (and `-D` dump) of a run goes through, handed down from
//! `main` instead of printed deep inside a layer, so that tests can capture them and the
//! order on stderr is the order of the stages.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// A shared handle to the run's warning stream (stderr in the binary).
#[derive(Clone)]
pub struct Warnings(Arc<Mutex<Box<dyn Write + Send>>>);

impl Warnings {
    pub fn new(out: impl Write + Send + 'static) -> Warnings {
        Warnings(Arc::new(Mutex::new(Box::new(out))))
    }

    /// The process's standard error.
    pub fn stderr() -> Warnings {
        Warnings::new(std::io::stderr())
    }

    /// One line (the newline is added).
    pub fn line(&self, text: &str) {
        self.text(&format!("{text}\n"));
    }

    /// Text as it is (a dump's block).
    pub fn text(&self, text: &str) {
        let mut out = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// A handle whose lines are collected in memory, for tests.
    pub fn captured() -> (Warnings, Arc<Mutex<Vec<u8>>>) {
        let sink = Arc::new(Mutex::new(Vec::new()));
        (Warnings::new(Captured(Arc::clone(&sink))), sink)
    }
}

/// Lets a stage that takes `&mut dyn Write` write to the shared stream.
impl Write for Warnings {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = self.0.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handle_writes_to_the_one_stream_in_order() {
        let (warnings, sink) = Warnings::captured();
        let mut other = warnings.clone();
        warnings.line("warning: first");
        let _ = writeln!(other, "warning: second");
        warnings.text("> GET /\n");
        assert_eq!(
            String::from_utf8(sink.lock().unwrap().clone()).unwrap(),
            "warning: first\nwarning: second\n> GET /\n"
        );
    }
}
