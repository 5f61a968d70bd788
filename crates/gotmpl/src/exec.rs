//! The executor: walks a parsed template over a value, following Go's `text/template/exec.go`
//! evaluation order, variable scoping and error reporting.

use crate::funcs::{Param, call_builtin, signature, truth};
use crate::number::Number;
use crate::parse::{Arg, Branch, Command, List, Node, Pipe, TreeSet, Var};
use crate::printf::sprint;
use crate::stack;
use crate::value::{Datum, Value};
use gocompat::strconv::quote;

/// Go's `maxExecDepth`.
const MAX_EXEC_DEPTH: usize = 100_000;
/// Stack a template call wants left beyond the guard's limit (see `stack::has_room`).
const TEMPLATE_CALL_SPARE: usize = 64 << 10;
/// Bound on executed nodes plus range iterations (Go has none; this stops runaway loops such
/// as `{{range 9223372036854775807}}` instead of hanging the CLI).
pub const MAX_STEPS: u64 = 50_000_000;
/// The most output a template may produce (64 MiB): past it, execution stops with an error.
pub const MAX_OUTPUT: usize = 64 << 20;

/// What a walk step asks its enclosing `range` to do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// An execution error: the full Go message.
#[derive(Debug)]
pub struct ExecError(pub String);

type R<T> = Result<T, ExecError>;

/// A field chain as the template writes it (`.a.b`, `$.a`, `$v.a`, `(pipe).a`), named when
/// one of its look-ups finds no such key in a map.
#[derive(Clone, Copy)]
enum Written<'t> {
    Field(&'t [String]),
    Var(&'t Var),
    Chain(&'t Arg),
}

impl Written<'_> {
    /// The node's kind and address: the same node is named once, however often it runs.
    fn key(&self) -> (u8, usize) {
        match self {
            Written::Field(ident) => (0, ident.as_ptr() as usize),
            Written::Var(v) => (1, std::ptr::from_ref(*v) as usize),
            Written::Chain(arg) => (2, std::ptr::from_ref(*arg) as usize),
        }
    }

    fn text(&self) -> String {
        match self {
            Written::Field(ident) => ident.iter().map(|id| format!(".{id}")).collect(),
            Written::Var(v) => v.ident.join("."),
            Written::Chain(arg) => arg.to_go_string(),
        }
    }
}

/// The field chains whose look-ups found no key, each once, in order of first evaluation.
#[derive(Default)]
struct Missing {
    seen: std::collections::HashSet<(u8, usize)>,
    chains: Vec<String>,
}

impl Missing {
    fn note(&mut self, chain: Written<'_>) {
        if self.seen.insert(chain.key()) {
            let text = chain.text();
            if !self.chains.contains(&text) {
                self.chains.push(text);
            }
        }
    }
}

/// What a successful execution produced: the output, and the field chains that named a key
/// the data did not have.
pub struct Executed {
    pub output: Vec<u8>,
    pub missing: Vec<String>,
}

/// The node execution is "at", for error messages.
#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Node(&'t Node),
    List(&'t List),
    Pipe(&'t Pipe),
    Cmd(&'t Command),
    Arg(&'t Arg),
    Var(&'t Var),
}

impl At<'_> {
    fn pos_and_text(&self) -> (usize, String) {
        let mut s = String::new();
        let pos = match self {
            At::None => 0,
            At::Node(n) => {
                n.write_to(&mut s);
                n.pos()
            }
            At::List(l) => {
                l.write_to(&mut s);
                l.pos
            }
            At::Pipe(p) => {
                p.write_to(&mut s);
                p.pos
            }
            At::Cmd(c) => {
                c.write_to(&mut s);
                c.pos
            }
            At::Arg(a) => {
                a.write_to(&mut s);
                a.pos()
            }
            At::Var(v) => {
                s.push_str(&v.ident.join("."));
                v.pos
            }
        };
        (pos, s)
    }
}

struct State<'t> {
    trees: &'t TreeSet,
    text: &'t str,
    parse_name: &'t str,
    tmpl_name: &'t [u8],
    at: At<'t>,
    vars: Vec<(&'t str, Value)>,
    depth: usize,
    steps: u64,
    max_steps: u64,
    out: Vec<u8>,
    missing: Missing,
}

/// Executes template `name` of `trees` (parsed from `text`) over `data`, allowing at most
/// `max_steps` executed nodes and range iterations.
/// On error, returns the message and the output written so far.
pub fn execute(
    trees: &TreeSet,
    text: &str,
    name: &str,
    data: Datum,
    max_steps: u64,
) -> Result<Executed, (ExecError, Vec<u8>)> {
    let dot = Value::of(data);
    let mut s = State {
        trees,
        text,
        parse_name: name,
        tmpl_name: name.as_bytes(),
        at: At::None,
        vars: vec![("$", dot.clone())],
        depth: 0,
        steps: 0,
        max_steps,
        out: Vec::new(),
        missing: Missing::default(),
    };
    let Some(tree) = trees.get(name.as_bytes()) else {
        let e = s.errorf(format!(
            "{} is an incomplete or empty template",
            quote(name.as_bytes())
        ));
        return Err((e, s.out));
    };
    match s.walk_list(&dot, &tree.root).and_then(|_| s.check_output()) {
        Ok(()) => Ok(Executed {
            output: s.out,
            missing: s.missing.chains,
        }),
        Err(e) => Err((e, s.out)),
    }
}

fn fmt_v(d: &Datum) -> String {
    String::from_utf8_lossy(&sprint(std::slice::from_ref(d))).into_owned()
}

impl<'t> State<'t> {
    fn errorf(&self, msg: String) -> ExecError {
        let name = quote(self.tmpl_name);
        if let At::None = self.at {
            return ExecError(format!(
                "template: {}: {}",
                String::from_utf8_lossy(self.tmpl_name),
                msg
            ));
        }
        let (pos, context) = self.at.pos_and_text();
        let before = &self.text.as_bytes()[..pos.min(self.text.len())];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let col = match before.iter().rposition(|&b| b == b'\n') {
            Some(nl) => pos - (nl + 1),
            None => pos,
        };
        ExecError(format!(
            "template: {}:{}:{}: executing {} at <{}>: {}",
            self.parse_name, line, col, name, context, msg
        ))
    }

    fn fail<T>(&self, msg: String) -> R<T> {
        Err(self.errorf(msg))
    }

    fn var_value(&self, name: &str) -> R<Value> {
        for (n, v) in self.vars.iter().rev() {
            if *n == name {
                return Ok(v.clone());
            }
        }
        self.fail(format!("undefined variable: {name}"))
    }

    fn set_var(&mut self, name: &str, value: Value) -> R<()> {
        for (n, v) in self.vars.iter_mut().rev() {
            if *n == name {
                *v = value;
                return Ok(());
            }
        }
        self.fail(format!("undefined variable: {name}"))
    }

    fn set_top_var(&mut self, n: usize, value: Value) {
        let len = self.vars.len();
        if n <= len {
            self.vars[len - n].1 = value;
        }
    }

    fn guard(&mut self) -> R<()> {
        self.check_output()?;
        self.steps += 1;
        if self.steps > self.max_steps {
            return self.fail(format!(
                "exceeded maximum number of execution steps ({})",
                self.max_steps
            ));
        }
        if stack::ok() {
            Ok(())
        } else {
            self.fail(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            ))
        }
    }

    /// Output is built in memory: its size is bounded.
    fn check_output(&self) -> R<()> {
        if self.out.len() > MAX_OUTPUT {
            return Err(ExecError(format!(
                "template: {}: output larger than 64 MiB",
                self.parse_name
            )));
        }
        Ok(())
    }

    fn walk_list(&mut self, dot: &Value, list: &'t List) -> R<Flow> {
        self.at = At::List(list);
        for node in &list.nodes {
            let flow = self.walk(dot, node)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Value, node: &'t Node) -> R<Flow> {
        self.at = At::Node(node);
        self.guard()?;
        match node {
            Node::Action { pipe, .. } => {
                let val = self.eval_pipeline(dot, Some(pipe))?;
                if pipe.decl.is_empty() {
                    self.print_value(node, &val);
                }
            }
            Node::If(b) => return self.walk_if_or_with(false, dot, b),
            Node::With(b) => return self.walk_if_or_with(true, dot, b),
            Node::Range(b) => return self.walk_range(dot, node, b),
            Node::Template { name, pipe, .. } => {
                self.walk_template(dot, node, name, pipe.as_ref())?
            }
            Node::Text { text, .. } => self.out.extend_from_slice(text),
            Node::Break { .. } => return Ok(Flow::Break),
            Node::Continue { .. } => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn print_value(&mut self, node: &'t Node, v: &Value) {
        self.at = At::Node(node);
        match v.concrete() {
            None if matches!(v, Value::Invalid) => self.out.extend_from_slice(b"<no value>"),
            _ => {
                let d = v.to_any();
                self.out.extend_from_slice(&sprint(&[d]));
            }
        }
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Value, b: &'t Branch) -> R<Flow> {
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, Some(&b.pipe))?;
            if truth(&val) {
                if with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(Flow::Normal)
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn one_iteration(&mut self, b: &'t Branch, mark: usize, index: Value, elem: Value) -> R<Flow> {
        self.guard()?;
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                let v = if decl.len() > 1 {
                    index.clone()
                } else {
                    elem.clone()
                };
                self.set_var(&decl[0].ident[0], v)?;
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if b.pipe.is_assign {
                self.set_var(&decl[1].ident[0], elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let r = self.walk_list(&elem, &b.list);
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &Value, node: &'t Node, b: &'t Branch) -> R<Flow> {
        self.at = At::Node(node);
        let outer = self.vars.len();
        let r = self.walk_range_inner(dot, b);
        self.vars.truncate(outer);
        r.map(|_| Flow::Normal)
    }

    fn walk_range_inner(&mut self, dot: &Value, b: &'t Branch) -> R<()> {
        let val = self.eval_pipeline(dot, Some(&b.pipe))?;
        let mark = self.vars.len();
        let mut ran = false;
        macro_rules! iterate {
            ($index:expr, $elem:expr) => {{
                ran = true;
                if self.one_iteration(b, mark, $index, $elem)? == Flow::Break {
                    return Ok(());
                }
            }};
        }
        match val.concrete() {
            Some(d @ (Datum::Int(_) | Datum::Byte(_))) => {
                if b.pipe.decl.len() > 1 {
                    return self.fail(format!(
                        "can't use {} to iterate over more than one variable",
                        fmt_v(d)
                    ));
                }
                match d {
                    Datum::Int(n) => {
                        for i in 0..*n {
                            iterate!(Value::Invalid, Value::Val(Datum::Int(i)));
                        }
                    }
                    Datum::Byte(n) => {
                        for i in 0..*n {
                            iterate!(Value::Invalid, Value::Val(Datum::Byte(i)));
                        }
                    }
                    _ => {}
                }
            }
            Some(Datum::List(l)) => {
                let l = l.clone();
                for i in 0..l.len() {
                    iterate!(Value::Val(Datum::Int(i as i64)), Value::Iface(l.get(i)));
                }
            }
            Some(Datum::Map(m)) => {
                let m = m.clone();
                for (k, v) in m.iter() {
                    iterate!(Value::Val(Datum::str(k)), Value::Iface(v.clone()));
                }
            }
            None => {}
            Some(d) => return self.fail(format!("range can't iterate over {}", fmt_v(d))),
        }
        if ran {
            return Ok(());
        }
        if let Some(e) = &b.else_list {
            self.walk_list(dot, e)?;
        }
        Ok(())
    }

    fn walk_template(
        &mut self,
        dot: &Value,
        node: &'t Node,
        name: &'t [u8],
        pipe: Option<&'t Pipe>,
    ) -> R<()> {
        self.at = At::Node(node);
        let Some(tree) = self.trees.get(name) else {
            return self.fail(format!("template {} not defined", quote(name)));
        };
        // Go's limit; on a smaller stack than it needs, the stack's (same text).
        if self.depth == MAX_EXEC_DEPTH || !stack::has_room(TEMPLATE_CALL_SPARE) {
            return self.fail(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            ));
        }
        let new_dot = self.eval_pipeline(dot, pipe)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$", new_dot.clone())]);
        let saved_name = std::mem::replace(&mut self.tmpl_name, name);
        let saved_at = self.at;
        self.depth += 1;
        let r = self.walk_list(&new_dot, &tree.root);
        self.depth -= 1;
        self.vars = saved_vars;
        self.tmpl_name = saved_name;
        self.at = saved_at;
        r.map(|_| ())
    }

    fn eval_pipeline(&mut self, dot: &Value, pipe: Option<&'t Pipe>) -> R<Value> {
        let Some(pipe) = pipe else {
            return Ok(Value::Invalid);
        };
        self.at = At::Pipe(pipe);
        self.guard()?;
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.unwrap_iface());
        }
        let value = value.unwrap_or(Value::Invalid);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(&var.ident[0], value.clone())?;
            } else {
                self.vars.push((&var.ident[0], value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], final_: &Option<Value>) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            return self.fail(format!(
                "can't give argument to non-function {}",
                args[0].to_go_string()
            ));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Value, cmd: &'t Command, final_: Option<Value>) -> R<Value> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { ident, .. } => {
                self.at = At::Arg(first);
                let written = Written::Field(ident);
                return self.eval_field_chain(dot, dot.clone(), ident, written, &cmd.args, final_);
            }
            Arg::Chain { .. } => return self.eval_chain_node(dot, first, &cmd.args, final_),
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), Some(&cmd.args), final_);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &final_)?;
                return self.eval_pipeline(dot, Some(p));
            }
            Arg::Variable(v) => return self.eval_variable_node(dot, v, &cmd.args, final_),
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(&cmd.args, &final_)?;
        match first {
            Arg::Bool { val, .. } => Ok(Value::Val(Datum::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => self.fail("nil is not a command".into()),
            Arg::Number { num, .. } => self.ideal_constant(first, num),
            Arg::Str { text, .. } => Ok(Value::Val(Datum::str(text))),
            _ => self.fail(format!(
                "can't evaluate command {}",
                quote(first.to_go_string().as_bytes())
            )),
        }
    }

    fn ideal_constant(&mut self, node: &'t Arg, n: &Number) -> R<Value> {
        self.at = At::Arg(node);
        let text = &n.text;
        let is_hex_int = text.len() > 2
            && text.starts_with('0')
            && matches!(text.as_bytes()[1], b'x' | b'X')
            && !text.contains(['p', 'P']);
        let is_rune = text.starts_with('\'');
        if n.is_complex {
            return Ok(Value::Val(Datum::Complex(n.complex.0, n.complex.1)));
        }
        if n.is_float && !is_hex_int && !is_rune && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Val(Datum::Float(n.float64)));
        }
        if n.is_int {
            return Ok(Value::Val(Datum::Int(n.int64)));
        }
        if n.is_uint {
            return self.fail(format!("{text} overflows int"));
        }
        Ok(Value::Invalid)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Value,
        chain: &'t Arg,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(chain);
        let Arg::Chain { node, field, .. } = chain else {
            return Ok(Value::Invalid);
        };
        if let Arg::Nil { .. } = **node {
            return self.fail(format!(
                "indirection through explicit nil in {}",
                chain.to_go_string()
            ));
        }
        let pipe = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(dot, pipe, field, Written::Chain(chain), args, final_)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Value,
        v: &'t Var,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        self.at = At::Var(v);
        let value = self.var_value(&v.ident[0])?;
        if v.ident.len() == 1 {
            if !args.is_empty() {
                self.not_a_function(args, &final_)?;
            }
            return Ok(value);
        }
        self.eval_field_chain(dot, value, &v.ident[1..], Written::Var(v), args, final_)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut receiver: Value,
        ident: &'t [String],
        written: Written<'t>,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        let n = ident.len();
        for name in &ident[..n - 1] {
            receiver = self.eval_field(dot, name, written, &[], None, receiver)?;
        }
        self.eval_field(dot, &ident[n - 1], written, args, final_, receiver)
    }

    fn eval_field(
        &mut self,
        _dot: &Value,
        name: &str,
        written: Written<'t>,
        args: &[Arg],
        final_: Option<Value>,
        receiver: Value,
    ) -> R<Value> {
        let typ = match &receiver {
            Value::Invalid => return Ok(Value::Invalid),
            r => r.type_name(),
        };
        if let Value::Iface(Datum::Nil) = receiver {
            return self.fail(format!("nil pointer evaluating {typ}.{name}"));
        }
        let has_args = args.len() > 1 || final_.is_some();
        if let Some(Datum::Map(m)) = receiver.concrete() {
            if has_args {
                return self.fail(format!("{name} is not a method but has arguments"));
            }
            return Ok(match m.get(name.as_bytes()) {
                Some(v) => Value::Iface(v.clone()),
                None => {
                    self.missing.note(written);
                    Value::Invalid
                }
            });
        }
        self.fail(format!("can't evaluate field {name} in type {typ}"))
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        ident: &'t Arg,
        name: &str,
        node: At<'t>,
        args: Option<&'t [Arg]>,
        final_: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(ident);
        self.eval_call(dot, name, node, args, final_)
    }

    fn eval_call(
        &mut self,
        dot: &Value,
        name: &str,
        node: At<'t>,
        args: Option<&'t [Arg]>,
        final_: Option<Value>,
    ) -> R<Value> {
        let args: &'t [Arg] = match args {
            Some(a) if !a.is_empty() => &a[1..],
            _ => &[],
        };
        let sig = signature(name);
        let num_in = args.len() + final_.is_some() as usize;
        let num_fixed = if sig.variadic.is_some() {
            if num_in < sig.fixed.len() {
                return self.fail(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    sig.fixed.len(),
                    args.len()
                ));
            }
            sig.fixed.len()
        } else {
            if num_in != sig.fixed.len() {
                return self.fail(format!(
                    "wrong number of args for {name}: want {} got {num_in}",
                    sig.fixed.len()
                ));
            }
            args.len()
        };
        if name == "and" || name == "or" {
            let want = name == "or";
            let mut v = Value::Invalid;
            for arg in args {
                v = self.eval_arg(dot, Some(Param::Reflect), arg)?;
                if truth(&v) == want {
                    return Ok(v);
                }
            }
            if let Some(f) = final_ {
                v = f;
            }
            return Ok(v);
        }
        let mut argv = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            let v = self.eval_arg(dot, Some(sig.fixed[i]), &args[i])?;
            argv.push(v);
            i += 1;
        }
        if let Some(elem) = sig.variadic {
            while i < args.len() {
                let v = self.eval_arg(dot, Some(elem), &args[i])?;
                argv.push(v);
                i += 1;
            }
        }
        let callee = if name == "call" {
            match args.first() {
                Some(a) => a.to_go_string(),
                None => match &final_ {
                    Some(Value::Val(Datum::Str(s))) => String::from_utf8_lossy(s).into_owned(),
                    Some(Value::Invalid) | None => "<invalid Value>".to_string(),
                    Some(v) => format!("<{} Value>", v.type_name()),
                },
            }
        } else {
            String::new()
        };
        if let Some(f) = final_ {
            let t = match sig.variadic {
                Some(elem) if num_in > num_fixed => elem,
                _ => sig.fixed[(num_in - 1).min(sig.fixed.len().saturating_sub(1))],
            };
            let v = self.validate_type(f, Some(t))?;
            argv.push(v);
        }
        match call_builtin(name, &callee, &argv) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.at = node;
                self.fail(format!("error calling {name}: {e}"))
            }
        }
    }

    fn validate_type(&self, value: Value, typ: Option<Param>) -> R<Value> {
        let Some(typ) = typ else {
            return Ok(value);
        };
        match (typ, value) {
            (Param::Any, Value::Invalid) => Ok(Value::Iface(Datum::Nil)),
            (Param::Str, Value::Invalid) => self.fail("invalid value; expected string".into()),
            (Param::Str, Value::Val(Datum::Str(s)) | Value::Iface(Datum::Str(s))) => {
                Ok(Value::Val(Datum::Str(s)))
            }
            (Param::Str, Value::Iface(Datum::Nil)) => {
                self.fail("wrong type for value; expected string; got interface {}".into())
            }
            (Param::Str, Value::Iface(d) | Value::Val(d)) => self.fail(format!(
                "wrong type for value; expected string; got {}",
                d.type_name()
            )),
            (_, v) => Ok(v),
        }
    }

    fn eval_arg(&mut self, dot: &Value, typ: Option<Param>, n: &'t Arg) -> R<Value> {
        self.at = At::Arg(n);
        match n {
            Arg::Dot { .. } => return self.validate_type(dot.clone(), typ),
            Arg::Nil { .. } => {
                return match typ {
                    Some(Param::Any) => Ok(Value::Iface(Datum::Nil)),
                    Some(Param::Str) => self.fail("cannot assign nil to string".into()),
                    _ => Ok(Value::Invalid),
                };
            }
            Arg::Field { ident, .. } => {
                let args = std::slice::from_ref(n);
                let written = Written::Field(ident);
                let v = self.eval_field_chain(dot, dot.clone(), ident, written, args, None)?;
                return self.validate_type(v, typ);
            }
            Arg::Variable(v) => {
                let v = self.eval_variable_node(dot, v, &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, Some(p))?;
                return self.validate_type(v, typ);
            }
            Arg::Identifier { name, .. } => {
                let v = self.eval_function(dot, n, name, At::Arg(n), None, None)?;
                return self.validate_type(v, typ);
            }
            Arg::Chain { .. } => {
                let v = self.eval_chain_node(dot, n, &[], None)?;
                return self.validate_type(v, typ);
            }
            _ => {}
        }
        if typ == Some(Param::Str) {
            return match n {
                Arg::Str { text, .. } => Ok(Value::Val(Datum::str(text))),
                _ => self.fail(format!("expected string; found {}", n.to_go_string())),
            };
        }
        self.at = At::Arg(n);
        match n {
            Arg::Bool { val, .. } => Ok(Value::Val(Datum::Bool(*val))),
            Arg::Number { num, .. } => self.ideal_constant(n, num),
            Arg::Str { text, .. } => Ok(Value::Val(Datum::str(text))),
            _ => self.fail(format!(
                "can't handle assignment of {} to empty interface argument",
                n.to_go_string()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn run(text: &str, max_steps: u64) -> Result<String, String> {
        let trees = parse("t", text)?;
        execute(&trees, text, "t", Datum::Nil, max_steps)
            .map(|o| String::from_utf8_lossy(&o.output).into_owned())
            .map_err(|(e, _)| e.0)
    }

    #[test]
    fn step_budget_stops_runaway_loops() {
        assert_eq!(run("{{range 5}}{{.}}{{end}}", 100).as_deref(), Ok("01234"));
        let err = run("{{range 9223372036854775807}}{{end}}", 1000).unwrap_err();
        assert!(
            err.ends_with(": exceeded maximum number of execution steps (1000)"),
            "{err}"
        );
        let err = run("{{range 100}}{{range 100}}{{.}}{{end}}{{end}}", 5000).unwrap_err();
        assert!(
            err.ends_with("exceeded maximum number of execution steps (5000)"),
            "{err}"
        );
    }
}
