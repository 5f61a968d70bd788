//! The template syntax tree and its parser, following Go's `text/template/parse` grammar,
//! positions and error messages.

use std::collections::HashMap;

use crate::lex::{Item, ItemType, Lexer};
use crate::number::Number;
use crate::stack;
use gocompat::strconv::{UnquoteError, quote, unquote};

/// Maximum nesting of parenthesised pipelines (Go's `maxStackDepth`).
const MAX_PAREN_DEPTH: usize = 10_000;
/// Maximum commands in one pipeline (Go's `maxPipelineCmds`).
const MAX_PIPELINE_CMDS: usize = 100_000;

/// The names of the builtin functions (for the parse-time "not defined" check).
pub const BUILTINS: [&str; 19] = [
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// A list of nodes.
#[derive(Debug, Default)]
pub struct List {
    pub pos: usize,
    pub nodes: Vec<Node>,
}

/// A node of a template body.
#[derive(Debug)]
pub enum Node {
    Text {
        pos: usize,
        text: Vec<u8>,
    },
    Action {
        pos: usize,
        pipe: Pipe,
    },
    If(Branch),
    Range(Branch),
    With(Branch),
    Template {
        pos: usize,
        name: Vec<u8>,
        pipe: Option<Pipe>,
    },
    Break {
        pos: usize,
    },
    Continue {
        pos: usize,
    },
}

/// The shared shape of `if`, `range` and `with`.
#[derive(Debug)]
pub struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

/// A pipeline with optional declarations.
#[derive(Debug)]
pub struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<Var>,
    pub cmds: Vec<Command>,
}

/// A variable reference with optional field chain: `$x.a.b`.
#[derive(Debug, Clone)]
pub struct Var {
    pub pos: usize,
    pub ident: Vec<String>,
}

/// One command of a pipeline: an operand followed by arguments.
#[derive(Debug)]
pub struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// An operand.
#[derive(Debug)]
pub enum Arg {
    Field {
        pos: usize,
        ident: Vec<String>,
    },
    Chain {
        pos: usize,
        node: Box<Arg>,
        field: Vec<String>,
    },
    Identifier {
        pos: usize,
        name: String,
    },
    Variable(Var),
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        val: bool,
    },
    Number {
        pos: usize,
        num: Number,
    },
    Str {
        pos: usize,
        quoted: String,
        text: Vec<u8>,
    },
    Pipe(Box<Pipe>),
}

/// A parsed template.
#[derive(Debug, Default)]
pub struct Tree {
    pub root: List,
}

/// All templates of one parse, by name.
pub type TreeSet = HashMap<Vec<u8>, Tree>;

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::Str { pos, .. } => *pos,
            Arg::Variable(v) => v.pos,
            Arg::Pipe(p) => p.pos,
        }
    }

    /// Go's `Node.String()`.
    pub fn write_to(&self, out: &mut String) {
        match self {
            Arg::Field { ident, .. } => {
                for id in ident {
                    out.push('.');
                    out.push_str(id);
                }
            }
            Arg::Chain { node, field, .. } => {
                if let Arg::Pipe(p) = &**node {
                    out.push('(');
                    p.write_to(out);
                    out.push(')');
                } else {
                    node.write_to(out);
                }
                for f in field {
                    out.push('.');
                    out.push_str(f);
                }
            }
            Arg::Identifier { name, .. } => out.push_str(name),
            Arg::Variable(v) => out.push_str(&v.ident.join(".")),
            Arg::Dot { .. } => out.push('.'),
            Arg::Nil { .. } => out.push_str("nil"),
            Arg::Bool { val, .. } => out.push_str(if *val { "true" } else { "false" }),
            Arg::Number { num, .. } => out.push_str(&num.text),
            Arg::Str { quoted, .. } => out.push_str(quoted),
            Arg::Pipe(p) => p.write_to(out),
        }
    }

    pub fn to_go_string(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

impl Command {
    pub fn write_to(&self, out: &mut String) {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if let Arg::Pipe(p) = arg {
                out.push('(');
                p.write_to(out);
                out.push(')');
            } else {
                arg.write_to(out);
            }
        }
    }
}

impl Pipe {
    pub fn write_to(&self, out: &mut String) {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&v.ident.join("."));
            }
            out.push_str(" := ");
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            c.write_to(out);
        }
    }
}

impl List {
    pub fn write_to(&self, out: &mut String) {
        for n in &self.nodes {
            n.write_to(out);
        }
    }
}

impl Node {
    pub fn pos(&self) -> usize {
        match self {
            Node::Text { pos, .. }
            | Node::Action { pos, .. }
            | Node::Template { pos, .. }
            | Node::Break { pos }
            | Node::Continue { pos } => *pos,
            Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
        }
    }

    pub fn write_to(&self, out: &mut String) {
        match self {
            Node::Text { text, .. } => out.push_str(&String::from_utf8_lossy(text)),
            Node::Action { pipe, .. } => {
                out.push_str("{{");
                pipe.write_to(out);
                out.push_str("}}");
            }
            Node::If(b) => b.write_to("if", out),
            Node::Range(b) => b.write_to("range", out),
            Node::With(b) => b.write_to("with", out),
            Node::Template { name, pipe, .. } => {
                out.push_str("{{template ");
                out.push_str(&quote(name));
                if let Some(p) = pipe {
                    out.push(' ');
                    p.write_to(out);
                }
                out.push_str("}}");
            }
            Node::Break { .. } => out.push_str("{{break}}"),
            Node::Continue { .. } => out.push_str("{{continue}}"),
        }
    }
}

impl Branch {
    fn write_to(&self, name: &str, out: &mut String) {
        out.push_str("{{");
        out.push_str(name);
        out.push(' ');
        self.pipe.write_to(out);
        out.push_str("}}");
        self.list.write_to(out);
        if let Some(e) = &self.else_list {
            out.push_str("{{else}}");
            e.write_to(out);
        }
        out.push_str("{{end}}");
    }
}

fn is_empty_list(list: &List) -> bool {
    list.nodes.iter().all(|n| match n {
        Node::Text { text, .. } => String::from_utf8_lossy(text).trim().is_empty(),
        _ => false,
    })
}

/// What `textOrAction` produced: a node, or an `{{end}}`/`{{else}}` marker.
enum Parsed {
    Node(Node),
    End,
    Else { pos: usize },
}

impl Parsed {
    fn describe(&self) -> &'static str {
        match self {
            Parsed::End => "{{end}}",
            Parsed::Else { .. } => "{{else}}",
            Parsed::Node(_) => "node",
        }
    }
}

type PResult<T> = Result<T, String>;

/// State shared by all trees of one parse.
struct Shared<'a> {
    lex: Lexer<'a>,
    trees: TreeSet,
    name: String,
}

/// The per-tree parser state (Go's `parse.Tree` while parsing).
struct TreeParser {
    name: Vec<u8>,
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    paren_depth: usize,
}

fn empty_item() -> Item {
    Item {
        typ: ItemType::Eof,
        pos: 0,
        val: String::new(),
        line: 1,
    }
}

impl TreeParser {
    fn new(name: Vec<u8>) -> Self {
        TreeParser {
            name,
            token: [empty_item(), empty_item(), empty_item()],
            peek_count: 0,
            vars: vec!["$".to_string()],
            action_line: 0,
            range_depth: 0,
            paren_depth: 0,
        }
    }

    fn next(&mut self, sh: &mut Shared) -> Item {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = sh.lex.next_item();
        }
        self.token[self.peek_count].clone()
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self, sh: &mut Shared) -> Item {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].clone();
        }
        self.peek_count = 1;
        self.token[0] = sh.lex.next_item();
        self.token[0].clone()
    }

    fn next_non_space(&mut self, sh: &mut Shared) -> Item {
        loop {
            let t = self.next(sh);
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self, sh: &mut Shared) -> Item {
        let t = self.next_non_space(sh);
        self.backup();
        t
    }

    fn errorf<T>(&self, sh: &Shared, msg: String) -> PResult<T> {
        Err(format!(
            "template: {}:{}: {}",
            sh.name, self.token[0].line, msg
        ))
    }

    fn expect(&mut self, sh: &mut Shared, expected: ItemType, context: &str) -> PResult<Item> {
        let t = self.next_non_space(sh);
        if t.typ != expected {
            return self.unexpected(sh, &t, context);
        }
        Ok(t)
    }

    fn unexpected<T>(&self, sh: &Shared, token: &Item, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", sh.name, self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(sh, format!("{}{}", token.describe(), extra));
        }
        self.errorf(
            sh,
            format!("unexpected {} in {}", token.describe(), context),
        )
    }

    /// Adds the finished tree to the set (Go's `Tree.add`).
    fn add(&self, sh: &mut Shared, root: List) -> PResult<()> {
        match sh.trees.get(&self.name) {
            Some(existing) if !is_empty_list(&existing.root) => {
                if !is_empty_list(&root) {
                    return self.errorf(
                        sh,
                        format!(
                            "template: multiple definition of template {}",
                            quote(&self.name)
                        ),
                    );
                }
                Ok(())
            }
            _ => {
                sh.trees.insert(self.name.clone(), Tree { root });
                Ok(())
            }
        }
    }

    fn parse_top(&mut self, sh: &mut Shared) -> PResult<List> {
        let mut root = List {
            pos: self.peek(sh).pos,
            nodes: vec![],
        };
        while self.peek(sh).typ != ItemType::Eof {
            if self.peek(sh).typ == ItemType::LeftDelim {
                let delim = self.next(sh);
                if self.next_non_space(sh).typ == ItemType::Define {
                    let mut sub = TreeParser::new(b"definition".to_vec());
                    sub.parse_definition(sh)?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action(sh)? {
                Parsed::Node(n) => root.nodes.push(n),
                other => return self.errorf(sh, format!("unexpected {}", other.describe())),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self, sh: &mut Shared) -> PResult<()> {
        let context = "define clause";
        let name = self.next_non_space(sh);
        if name.typ != ItemType::String && name.typ != ItemType::RawString {
            return self.unexpected(sh, &name, context);
        }
        match unquote(&name.val) {
            Ok(n) => self.name = n,
            Err(UnquoteError) => return self.errorf(sh, "invalid syntax".into()),
        }
        self.expect(sh, ItemType::RightDelim, context)?;
        let (root, end) = self.item_list(sh)?;
        if !matches!(end, Parsed::End) {
            return self.errorf(sh, format!("unexpected {} in {}", end.describe(), context));
        }
        self.add(sh, root)
    }

    fn item_list(&mut self, sh: &mut Shared) -> PResult<(List, Parsed)> {
        if !stack::ok() {
            return self.errorf(sh, "max expression depth exceeded".into());
        }
        let mut list = List {
            pos: self.peek_non_space(sh).pos,
            nodes: vec![],
        };
        while self.peek_non_space(sh).typ != ItemType::Eof {
            match self.text_or_action(sh)? {
                Parsed::Node(n) => list.nodes.push(n),
                other => return Ok((list, other)),
            }
        }
        self.errorf(sh, "unexpected EOF".into())
    }

    fn text_or_action(&mut self, sh: &mut Shared) -> PResult<Parsed> {
        let token = self.next_non_space(sh);
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text {
                pos: token.pos,
                text: token.val.into_bytes(),
            })),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let r = self.action(sh);
                self.action_line = 0;
                r
            }
            _ => self.unexpected(sh, &token, "input"),
        }
    }

    fn action(&mut self, sh: &mut Shared) -> PResult<Parsed> {
        let token = self.next_non_space(sh);
        match token.typ {
            ItemType::Block => return self.block_control(sh).map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                let is_break = token.typ == ItemType::Break;
                let name = if is_break {
                    "{{break}}"
                } else {
                    "{{continue}}"
                };
                let t = self.next_non_space(sh);
                if t.typ != ItemType::RightDelim {
                    return self.unexpected(sh, &t, name);
                }
                if self.range_depth == 0 {
                    return self.errorf(sh, format!("{name} outside {{{{range}}}}"));
                }
                return Ok(Parsed::Node(if is_break {
                    Node::Break { pos: token.pos }
                } else {
                    Node::Continue { pos: token.pos }
                }));
            }
            ItemType::Else => return self.else_control(sh),
            ItemType::End => {
                self.expect(sh, ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.if_control(sh).map(Parsed::Node),
            ItemType::Range => return self.range_control(sh).map(Parsed::Node),
            ItemType::Template => return self.template_control(sh).map(Parsed::Node),
            ItemType::With => return self.with_control(sh).map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek(sh);
        let pipe = self.pipeline(sh, "command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action {
            pos: token.pos,
            pipe,
        }))
    }

    fn pipeline(&mut self, sh: &mut Shared, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space(sh);
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: vec![],
            cmds: vec![],
        };
        loop {
            let v = self.peek_non_space(sh);
            if v.typ != ItemType::Variable {
                break;
            }
            self.next(sh);
            let token_after_variable = self.peek(sh);
            let next = self.peek_non_space(sh);
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space(sh);
                pipe.decl.push(new_var(v.pos, &v.val));
                self.vars.push(v.val.clone());
                break;
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space(sh);
                pipe.decl.push(new_var(v.pos, &v.val));
                self.vars.push(v.val.clone());
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space(sh).typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue;
                        }
                        _ => return self.errorf(sh, "range can only initialize variables".into()),
                    }
                }
                return self.errorf(sh, format!("too many declarations in {context}"));
            } else if token_after_variable.typ == ItemType::Space {
                self.backup3(v, token_after_variable);
            } else {
                self.backup2(v);
            }
            break;
        }
        loop {
            let token = self.next_non_space(sh);
            match token.typ {
                t if t == end => {
                    self.check_pipeline(sh, &pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command(sh)?;
                    pipe.cmds.push(cmd);
                    if pipe.cmds.len() > MAX_PIPELINE_CMDS {
                        return self.errorf(sh, "pipeline too long".into());
                    }
                }
                _ => return self.unexpected(sh, &token, context),
            }
        }
    }

    fn check_pipeline(&self, sh: &Shared, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(sh, format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(
                    Arg::Bool { .. }
                        | Arg::Dot { .. }
                        | Arg::Nil { .. }
                        | Arg::Number { .. }
                        | Arg::Str { .. }
                )
            ) {
                return self.errorf(
                    sh,
                    format!("non executable command in pipeline stage {}", i + 1),
                );
            }
        }
        Ok(())
    }

    fn parse_control(&mut self, sh: &mut Shared, context: &str) -> PResult<Branch> {
        let mark = self.vars.len();
        let r = self.parse_control_inner(sh, context);
        self.vars.truncate(mark);
        r
    }

    fn parse_control_inner(&mut self, sh: &mut Shared, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(sh, context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let r = self.item_list(sh);
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else { pos } => {
                let peek = self.peek(sh).typ;
                if context == "if" && peek == ItemType::If {
                    self.next(sh);
                    let node = self.if_control(sh)?;
                    else_list = Some(List {
                        pos,
                        nodes: vec![node],
                    });
                } else if context == "with" && peek == ItemType::With {
                    self.next(sh);
                    let node = self.with_control(sh)?;
                    else_list = Some(List {
                        pos,
                        nodes: vec![node],
                    });
                } else {
                    let (l, next) = self.item_list(sh)?;
                    if !matches!(next, Parsed::End) {
                        return self.errorf(sh, format!("expected end; found {}", next.describe()));
                    }
                    else_list = Some(l);
                }
            }
            Parsed::Node(_) => {}
        }
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn if_control(&mut self, sh: &mut Shared) -> PResult<Node> {
        self.parse_control(sh, "if").map(Node::If)
    }

    fn range_control(&mut self, sh: &mut Shared) -> PResult<Node> {
        self.parse_control(sh, "range").map(Node::Range)
    }

    fn with_control(&mut self, sh: &mut Shared) -> PResult<Node> {
        self.parse_control(sh, "with").map(Node::With)
    }

    fn else_control(&mut self, sh: &mut Shared) -> PResult<Parsed> {
        let peek = self.peek_non_space(sh);
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else { pos: peek.pos });
        }
        let token = self.expect(sh, ItemType::RightDelim, "else")?;
        Ok(Parsed::Else { pos: token.pos })
    }

    fn block_control(&mut self, sh: &mut Shared) -> PResult<Node> {
        let context = "block clause";
        let token = self.next_non_space(sh);
        let name = self.parse_template_name(sh, &token, context)?;
        let pipe = self.pipeline(sh, context, ItemType::RightDelim)?;
        let mut block = TreeParser::new(name.clone());
        let (root, end) = block.item_list(sh)?;
        if !matches!(end, Parsed::End) {
            return self.errorf(sh, format!("unexpected {} in {}", end.describe(), context));
        }
        block.add(sh, root)?;
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn template_control(&mut self, sh: &mut Shared) -> PResult<Node> {
        let context = "template clause";
        let token = self.next_non_space(sh);
        let name = self.parse_template_name(sh, &token, context)?;
        let mut pipe = None;
        if self.next_non_space(sh).typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(sh, context, ItemType::RightDelim)?);
        }
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    fn parse_template_name(
        &mut self,
        sh: &mut Shared,
        token: &Item,
        context: &str,
    ) -> PResult<Vec<u8>> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Ok(s) => Ok(s),
                Err(UnquoteError) => self.errorf(sh, "invalid syntax".into()),
            },
            _ => self.unexpected(sh, token, context),
        }
    }

    fn command(&mut self, sh: &mut Shared) -> PResult<Command> {
        let mut cmd = Command {
            pos: self.peek_non_space(sh).pos,
            args: vec![],
        };
        loop {
            self.peek_non_space(sh);
            if let Some(op) = self.operand(sh)? {
                cmd.args.push(op);
            }
            let token = self.next(sh);
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(sh, &token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.errorf(sh, "empty command".into());
        }
        Ok(cmd)
    }

    fn operand(&mut self, sh: &mut Shared) -> PResult<Option<Arg>> {
        let Some(node) = self.term(sh)? else {
            return Ok(None);
        };
        if self.peek(sh).typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek(sh).pos;
        let mut fields = vec![];
        while self.peek(sh).typ == ItemType::Field {
            let f = self.next(sh).val;
            fields.push(f[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { ident, .. } => Arg::Field {
                pos: chain_pos,
                ident: ident.into_iter().chain(fields).collect(),
            },
            Arg::Variable(v) => Arg::Variable(Var {
                pos: chain_pos,
                ident: v.ident.into_iter().chain(fields).collect(),
            }),
            Arg::Bool { .. }
            | Arg::Str { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                let text = quote(node.to_go_string().as_bytes());
                return self.errorf(sh, format!("unexpected . after term {text}"));
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                field: fields,
            },
        }))
    }

    fn term(&mut self, sh: &mut Shared) -> PResult<Option<Arg>> {
        let token = self.next_non_space(sh);
        let pos = token.pos;
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !BUILTINS.contains(&token.val.as_str()) {
                    return self.errorf(
                        sh,
                        format!("function {} not defined", quote(token.val.as_bytes())),
                    );
                }
                Arg::Identifier {
                    pos,
                    name: token.val,
                }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let v = new_var(pos, &token.val);
                if !self.vars.iter().any(|n| *n == v.ident[0]) {
                    return self.errorf(
                        sh,
                        format!("undefined variable {}", quote(v.ident[0].as_bytes())),
                    );
                }
                Arg::Variable(v)
            }
            ItemType::Field => Arg::Field {
                pos,
                ident: token.val[1..].split('.').map(str::to_string).collect(),
            },
            ItemType::Bool => Arg::Bool {
                pos,
                val: token.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match Number::parse(&token.val, token.typ) {
                    Ok(num) => Arg::Number { pos, num },
                    Err(e) => return self.errorf(sh, e),
                }
            }
            ItemType::LeftParen => {
                if self.paren_depth >= MAX_PAREN_DEPTH || !stack::ok() {
                    return self.errorf(sh, "max expression depth exceeded".into());
                }
                self.paren_depth += 1;
                let r = self.pipeline(sh, "parenthesized pipeline", ItemType::RightParen);
                self.paren_depth -= 1;
                Arg::Pipe(Box::new(r?))
            }
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Ok(text) => Arg::Str {
                    pos,
                    quoted: token.val,
                    text,
                },
                Err(UnquoteError) => return self.errorf(sh, "invalid syntax".into()),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

fn new_var(pos: usize, ident: &str) -> Var {
    Var {
        pos,
        ident: ident.split('.').map(str::to_string).collect(),
    }
}

/// Parses `text` as the template `name` plus its `{{define}}`s (Go's `parse.Parse`).
pub fn parse(name: &str, text: &str) -> Result<TreeSet, String> {
    let mut sh = Shared {
        lex: Lexer::new(text),
        trees: TreeSet::new(),
        name: name.to_string(),
    };
    let mut top = TreeParser::new(name.as_bytes().to_vec());
    let root = top.parse_top(&mut sh)?;
    top.add(&mut sh, root)?;
    Ok(sh.trees)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse("t", text).unwrap_err()
    }

    #[test]
    fn errors() {
        let cases = [
            ("{{", "template: t:1: unclosed action"),
            ("{{.x", "template: t:1: unclosed action"),
            ("{{end}}", "template: t:1: unexpected {{end}}"),
            ("{{if .x}}", "template: t:1: unexpected EOF"),
            ("{{foo}}", "template: t:1: function \"foo\" not defined"),
            ("{{$x}}", "template: t:1: undefined variable \"$x\""),
            ("{{}}", "template: t:1: missing value for command"),
            (
                "{{.x | 3}}",
                "template: t:1: non executable command in pipeline stage 2",
            ),
            ("{{break}}", "template: t:1: {{break}} outside {{range}}"),
            ("\n{{\"a}}", "template: t:2: unterminated quoted string"),
            ("{{3.x}}", "template: t:1: bad number syntax: \"3.x\""),
            (
                "{{\"a\".x}}",
                "template: t:1: unexpected . after term \"\\\"a\\\"\"",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(err(text), want, "{text:?}");
        }
    }

    #[test]
    fn strings() {
        let trees = parse(
            "t",
            "{{if .a}}x{{else}}y{{end}}{{range $i, $e := .b}}{{$e.c}}{{end}}",
        )
        .unwrap();
        let root = &trees[b"t".as_slice()].root;
        let mut s = String::new();
        root.write_to(&mut s);
        assert_eq!(
            s,
            "{{if .a}}x{{else}}y{{end}}{{range $i, $e := .b}}{{$e.c}}{{end}}"
        );
    }
}
