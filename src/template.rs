//! `-o '<go template>'`: detection and execution (placeholder until the engine lands).

/// Go's rule: a template contains `{{` and `}}`, the first `{{` before the first `}}`.
pub fn is_template(s: &str) -> bool {
    match (s.find("{{"), s.find("}}")) {
        (Some(open), Some(close)) => open < close,
        _ => false,
    }
}

pub fn format(_template: &str, _body: &[u8]) -> Result<Vec<u8>, String> {
    Err("templates are not supported yet".to_string())
}
