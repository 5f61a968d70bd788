//! The Go CLI's command table as read from its JSON dump: field names as in the Go types
//! (`tools/shared/api/api.go`), every field checked, nothing guessed.

use serde_json::Value;

pub struct Tag {
    pub name: String,
    pub description: String,
    pub commands: Vec<Command>,
}

pub struct Command {
    pub operation_id: String,
    pub short_operation_id: String,
    pub aliases: Vec<String>,
    pub description: String,
    pub url: String,
    pub verb: String,
    pub url_parameters: Vec<Parameter>,
    pub query_parameters: Vec<Parameter>,
    pub versions: Vec<Version>,
    pub watcher: Option<Watcher>,
}

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Parameter {
    pub name: String,
    pub aliases: Vec<String>,
    pub short: String,
    pub description: String,
    pub required: bool,
    pub is_array: bool,
    pub kind: String,
}

pub struct Version {
    pub version: String,
    pub stability: String,
    pub sunset: Option<String>,
    pub public_preview: bool,
    pub deprecated: bool,
    pub request_content_type: String,
    pub response_content_types: Vec<String>,
}

pub struct Watcher {
    pub operation_id: String,
    pub version: String,
    /// Sorted by name (a Go map has no order).
    pub params: Vec<(String, String)>,
    pub http_code: u16,
    pub match_path: Option<String>,
    pub match_values: Vec<String>,
}

/// Reads the whole table.
pub fn parse(json: &str) -> Result<Vec<Tag>, String> {
    let root: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    array(&root, "the table")?
        .iter()
        .map(|tag| {
            Ok(Tag {
                name: string(tag, "Name")?,
                description: string(tag, "Description")?,
                commands: array(field(tag, "Commands")?, "Commands")?
                    .iter()
                    .map(command)
                    .collect::<Result<_, String>>()?,
            })
        })
        .collect()
}

fn command(value: &Value) -> Result<Command, String> {
    let id = string(value, "OperationID")?;
    let at = |e: String| format!("{id}: {e}");
    let request = field(value, "RequestParameters").map_err(at)?;
    let parameters = |name: &str| -> Result<Vec<Parameter>, String> {
        array(field(request, name)?, name)?
            .iter()
            .map(parameter)
            .collect()
    };
    Ok(Command {
        short_operation_id: string(value, "ShortOperationID").map_err(at)?,
        aliases: strings(field(value, "Aliases").map_err(at)?).map_err(at)?,
        description: string(value, "Description").map_err(at)?,
        url: string(request, "URL").map_err(at)?,
        verb: string(request, "Verb").map_err(at)?,
        url_parameters: parameters("URLParameters").map_err(at)?,
        query_parameters: parameters("QueryParameters").map_err(at)?,
        versions: array(field(value, "Versions").map_err(at)?, "Versions")
            .map_err(at)?
            .iter()
            .map(version)
            .collect::<Result<_, String>>()
            .map_err(at)?,
        watcher: match field(value, "Watcher").map_err(at)? {
            Value::Null => None,
            w => Some(watcher(w).map_err(at)?),
        },
        operation_id: id,
    })
}

fn parameter(value: &Value) -> Result<Parameter, String> {
    let kind = field(value, "Type")?;
    Ok(Parameter {
        name: string(value, "Name")?,
        aliases: strings(field(value, "Aliases")?)?,
        short: string(value, "Short")?,
        description: string(value, "Description")?,
        required: boolean(value, "Required")?,
        is_array: boolean(kind, "IsArray")?,
        kind: string(kind, "Type")?,
    })
}

fn version(value: &Value) -> Result<Version, String> {
    Ok(Version {
        version: string(value, "version")?,
        stability: string(value, "stability")?,
        sunset: match field(value, "sunset")? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => return Err("sunset: not a string".into()),
        },
        public_preview: boolean(value, "publicPreview")?,
        deprecated: boolean(value, "deprecated")?,
        request_content_type: string(value, "requestContentType")?,
        response_content_types: strings(field(value, "responseContentTypes")?)?,
    })
}

fn watcher(value: &Value) -> Result<Watcher, String> {
    let get = field(value, "get")?;
    let expect = field(value, "expect")?;
    let mut params: Vec<(String, String)> = match field(get, "params")? {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), v.as_str().ok_or("params: not text")?.to_string())))
            .collect::<Result<_, String>>()?,
        Value::Null => Vec::new(),
        _ => return Err("params: not an object".into()),
    };
    params.sort();
    let (match_path, match_values) = match field(expect, "Match")? {
        Value::Null => (None, Vec::new()),
        m => (Some(string(m, "Path")?), strings(field(m, "Values")?)?),
    };
    Ok(Watcher {
        operation_id: string(get, "operationId")?,
        version: string(get, "version")?,
        params,
        http_code: field(expect, "HTTPCode")?
            .as_u64()
            .and_then(|c| u16::try_from(c).ok())
            .ok_or("HTTPCode: not a status")?,
        match_path,
        match_values,
    })
}

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a Value, String> {
    value.get(name).ok_or_else(|| format!("no field {name}"))
}

fn string(value: &Value, name: &str) -> Result<String, String> {
    field(value, name)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{name}: not a string"))
}

fn boolean(value: &Value, name: &str) -> Result<bool, String> {
    field(value, name)?
        .as_bool()
        .ok_or_else(|| format!("{name}: not a boolean"))
}

fn array<'a>(value: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("{what}: not an array"))
}

/// A list of strings; `null` is the empty list (a nil Go slice).
fn strings(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or("not a string".into()))
            .collect(),
        _ => Err("not a list".into()),
    }
}
