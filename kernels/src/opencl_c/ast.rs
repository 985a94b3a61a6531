//! The syntax tree the parser builds. Types are already resolved (C needs typedef knowledge
//! to parse at all), so the tree carries [`Ty`]s, not type names.
use super::lexer::Pos;
use super::types::{Space, Ty};

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// Value and its C type (from the suffix and magnitude).
    Int(u64, Ty),
    /// Value, whether it had an `f`/`h` suffix (or the device lacks doubles) -> its type.
    Float(f64, Ty),
    Ident(String),
    /// `-x`, `+x`, `!x`, `~x`, `*x`, `&x`.
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// `a = b` (op `""`) or `a op= b`.
    Assign(&'static str, Box<Expr>, Box<Expr>),
    /// `++`/`--`, prefix when the bool is true.
    IncDec(&'static str, bool, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
    Index(Box<Expr>, Box<Expr>),
    /// `e.name` or `e->name` (arrow when the bool is true).
    Member(Box<Expr>, String, bool),
    Cast(Ty, Box<Expr>),
    /// `(float4)(a, b, ...)`.
    VecLit(Ty, Vec<Expr>),
    SizeofTy(Ty),
    SizeofExpr(Box<Expr>),
    Comma(Box<Expr>, Box<Expr>),
    /// `{ ... }` in an initializer.
    InitList(Vec<Expr>),
    /// `__wgcl_infinity` / `__wgcl_nan` (from the INFINITY/NAN macros).
    Special(&'static str),
    /// A string literal's bytes (adjacent literals joined, escapes resolved): only
    /// printf's format and `%s` arguments take one.
    Str(Vec<u8>),
}

#[derive(Clone, Debug)]
pub struct VarDecl {
    pub name: String,
    pub ty: Ty,
    /// `__local`/`__constant`/`__private` as written on the variable itself.
    pub space: Space,
    pub is_const: bool,
    pub init: Option<Expr>,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Expr(Expr),
    Decl(Vec<VarDecl>),
    Block(Vec<Stmt>),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    DoWhile(Box<Stmt>, Expr),
    For(Option<Box<Stmt>>, Option<Expr>, Option<Expr>, Box<Stmt>),
    Switch(Expr, Vec<Stmt>, Pos),
    Case(Expr, Pos),
    Default(Pos),
    Break(Pos),
    Continue(Pos),
    Return(Option<Expr>, Pos),
    Empty,
}

#[derive(Clone, Debug, Default)]
pub struct TypeQuals {
    pub is_const: bool,
    pub is_restrict: bool,
    pub is_volatile: bool,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub ty: Ty,
    /// Qualifiers of the pointee for pointers, of the value otherwise.
    pub quals: TypeQuals,
    /// How the type was written, for `CL_KERNEL_ARG_TYPE_NAME` (`float4*`, `MyStruct`).
    pub type_name: String,
    /// `read_only`/`write_only`/`read_write` as written (images only, which are refused).
    pub access: Option<String>,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub ret: Ty,
    pub params: Vec<Param>,
    pub body: Option<Vec<Stmt>>,
    pub is_kernel: bool,
    pub reqd_work_group_size: Option<[u32; 3]>,
    pub work_group_size_hint: Option<[u32; 3]>,
    /// `CL_KERNEL_ATTRIBUTES`: the attributes as written, space separated.
    pub attributes: String,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub enum Item {
    Function(Function),
    /// Program-scope `__constant` variable.
    Global(VarDecl),
}
