//! OpenCL C types: their C (host) layout, their WGSL spelling, and the C conversion rules
//! (integer promotions, usual arithmetic conversions) the type checker applies.
//!
//! `char`/`short` values live in 32-bit WGSL integers; the lowering truncates or sign-extends
//! them whenever a value is converted to such a type, so C's wrap-around behaviour holds.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sc {
    Char,
    UChar,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    Half,
    Float,
    Double,
}

impl Sc {
    pub fn size(self) -> u32 {
        match self {
            Sc::Char | Sc::UChar => 1,
            Sc::Short | Sc::UShort | Sc::Half => 2,
            Sc::Int | Sc::UInt | Sc::Float => 4,
            Sc::Long | Sc::ULong | Sc::Double => 8,
        }
    }
    pub fn is_float(self) -> bool {
        matches!(self, Sc::Half | Sc::Float | Sc::Double)
    }
    pub fn is_signed(self) -> bool {
        matches!(self, Sc::Char | Sc::Short | Sc::Int | Sc::Long) || self.is_float()
    }
    /// Rank for the usual arithmetic conversions.
    fn rank(self) -> u32 {
        match self {
            Sc::Char | Sc::UChar => 1,
            Sc::Short | Sc::UShort => 2,
            Sc::Int | Sc::UInt => 3,
            Sc::Long | Sc::ULong => 4,
            Sc::Half => 5,
            Sc::Float => 6,
            Sc::Double => 7,
        }
    }
    pub fn c_name(self) -> &'static str {
        match self {
            Sc::Char => "char",
            Sc::UChar => "uchar",
            Sc::Short => "short",
            Sc::UShort => "ushort",
            Sc::Int => "int",
            Sc::UInt => "uint",
            Sc::Long => "long",
            Sc::ULong => "ulong",
            Sc::Half => "half",
            Sc::Float => "float",
            Sc::Double => "double",
        }
    }
    /// The WGSL scalar that holds values of this type.
    pub fn wgsl(self) -> &'static str {
        match self {
            Sc::Char | Sc::Short | Sc::Int => "i32",
            Sc::UChar | Sc::UShort | Sc::UInt => "u32",
            Sc::Long => "i64",
            Sc::ULong => "u64",
            Sc::Half => "f16",
            Sc::Float => "f32",
            Sc::Double => "f64",
        }
    }
    pub fn to_unsigned(self) -> Sc {
        match self {
            Sc::Char => Sc::UChar,
            Sc::Short => Sc::UShort,
            Sc::Int => Sc::UInt,
            Sc::Long => Sc::ULong,
            o => o,
        }
    }
    /// The unsigned integer type of the same size (what `shuffle` masks are).
    pub fn to_unsigned_int(self) -> Sc {
        self.to_signed_int().to_unsigned()
    }
    /// The signed integer type of the same size (what vector comparisons return).
    pub fn to_signed_int(self) -> Sc {
        match self.size() {
            1 => Sc::Char,
            2 => Sc::Short,
            8 => Sc::Long,
            _ => Sc::Int,
        }
    }
    pub fn from_name(n: &str) -> Option<Sc> {
        Some(match n {
            "char" => Sc::Char,
            "uchar" => Sc::UChar,
            "short" => Sc::Short,
            "ushort" => Sc::UShort,
            "int" => Sc::Int,
            "uint" => Sc::UInt,
            "long" => Sc::Long,
            "ulong" => Sc::ULong,
            "half" => Sc::Half,
            "float" => Sc::Float,
            "double" => Sc::Double,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    Private,
    Global,
    Constant,
    Local,
}

impl Space {
    pub fn c_name(self) -> &'static str {
        match self {
            Space::Private => "__private",
            Space::Global => "__global",
            Space::Constant => "__constant",
            Space::Local => "__local",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Void,
    Bool,
    Scalar(Sc),
    Vector(Sc, u8),
    /// Index into the translation unit's struct table.
    Struct(usize),
    Array(Box<Ty>, u32),
    Pointer(Box<Ty>, Space),
}

pub const INT: Ty = Ty::Scalar(Sc::Int);
pub const UINT: Ty = Ty::Scalar(Sc::UInt);
pub const FLOAT: Ty = Ty::Scalar(Sc::Float);

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<(String, Ty)>,
    pub is_union: bool,
    /// False for a forward declaration not yet completed.
    pub complete: bool,
    /// Other names of fields: `(alias, field)`. A union whose members all have the same
    /// layout (pyopencl's `cfloat_t`: `union { struct { float x, y; }; struct { float real,
    /// imag; }; }`) becomes a struct of the first member's fields, the others aliasing them.
    pub aliases: Vec<(String, String)>,
}

impl StructDef {
    /// The field `name` refers to (itself or what it aliases).
    pub fn field<'a>(&'a self, name: &'a str) -> Option<(&'a str, &'a Ty)> {
        let canonical = self.aliases.iter().find(|(a, _)| a == name).map_or(name, |(_, f)| f.as_str());
        self.fields.iter().find(|(n, _)| n == canonical).map(|(n, t)| (n.as_str(), t))
    }
}

impl Ty {
    pub fn scalar(&self) -> Option<Sc> {
        match self {
            Ty::Scalar(s) | Ty::Vector(s, _) => Some(*s),
            Ty::Bool => Some(Sc::Int),
            _ => None,
        }
    }
    pub fn width(&self) -> u8 {
        match self {
            Ty::Vector(_, n) => *n,
            _ => 1,
        }
    }
    pub fn is_arith(&self) -> bool {
        matches!(self, Ty::Scalar(_) | Ty::Vector(..) | Ty::Bool)
    }
    pub fn is_int(&self) -> bool {
        self.scalar().is_some_and(|s| !s.is_float())
    }
    pub fn is_float(&self) -> bool {
        self.scalar().is_some_and(|s| s.is_float()) && self.is_arith()
    }
    pub fn is_vector(&self) -> bool {
        matches!(self, Ty::Vector(..))
    }
    /// An 8- or 16-component vector (an array of 4-vectors in WGSL).
    pub fn is_wide(&self) -> bool {
        matches!(self, Ty::Vector(_, n) if *n > 4)
    }
    pub fn is_pointer(&self) -> bool {
        matches!(self, Ty::Pointer(..))
    }
    pub fn with_scalar(&self, s: Sc) -> Ty {
        match self {
            Ty::Vector(_, n) => Ty::Vector(s, *n),
            _ => Ty::Scalar(s),
        }
    }
    pub fn vec(s: Sc, n: u8) -> Ty {
        if n == 1 {
            Ty::Scalar(s)
        } else {
            Ty::Vector(s, n)
        }
    }

    /// C (host) size and alignment; OpenCL 3-vectors take the room of 4.
    pub fn layout(&self, structs: &[StructDef]) -> (u32, u32) {
        match self {
            Ty::Void => (1, 1),
            Ty::Bool => (1, 1),
            Ty::Scalar(s) => (s.size(), s.size()),
            Ty::Vector(s, n) => {
                let n = if *n == 3 { 4 } else { *n as u32 };
                (s.size() * n, s.size() * n)
            }
            Ty::Pointer(..) => (4, 4),
            Ty::Array(t, n) => {
                let (s, a) = t.layout(structs);
                (s * n, a)
            }
            Ty::Struct(i) => {
                let d = &structs[*i];
                let (mut off, mut align) = (0u32, 1u32);
                for (_, f) in &d.fields {
                    let (s, a) = f.layout(structs);
                    align = align.max(a);
                    if d.is_union {
                        off = off.max(s);
                    } else {
                        off = off.next_multiple_of(a) + s;
                    }
                }
                (off.next_multiple_of(align), align)
            }
        }
    }

    /// Byte offsets of a struct's fields in C layout.
    pub fn field_offsets(idx: usize, structs: &[StructDef]) -> Vec<u32> {
        let mut off = 0u32;
        structs[idx]
            .fields
            .iter()
            .map(|(_, f)| {
                let (s, a) = f.layout(structs);
                let o = off.next_multiple_of(a);
                off = o + s;
                o
            })
            .collect()
    }

    /// OpenCL C spelling (`float4`, `uint*`, `struct Foo`).
    pub fn c_name(&self, structs: &[StructDef]) -> String {
        match self {
            Ty::Void => "void".into(),
            Ty::Bool => "bool".into(),
            Ty::Scalar(s) => s.c_name().into(),
            Ty::Vector(s, n) => format!("{}{}", s.c_name(), n),
            Ty::Struct(i) => structs[*i].name.clone(),
            Ty::Array(t, n) => format!("{}[{}]", t.c_name(structs), n),
            Ty::Pointer(t, _) => format!("{}*", t.c_name(structs)),
        }
    }

    /// The WGSL type of a private value of this type.
    pub fn wgsl(&self, structs: &[StructDef]) -> String {
        match self {
            Ty::Void => "void".into(),
            Ty::Bool => "bool".into(),
            Ty::Scalar(s) => s.wgsl().into(),
            // WGSL vectors stop at 4: 8- and 16-wide ones are arrays of 4-vectors.
            Ty::Vector(s, n) if *n > 4 => format!("array<vec4<{}>, {}>", s.wgsl(), n / 4),
            Ty::Vector(s, n) => format!("vec{}<{}>", n, s.wgsl()),
            Ty::Struct(i) => struct_wgsl_name(*i, structs),
            Ty::Array(t, n) => format!("array<{}, {}>", t.wgsl(structs), n),
            Ty::Pointer(..) => "i32".into(),
        }
    }
}

pub fn struct_wgsl_name(i: usize, structs: &[StructDef]) -> String {
    let n: String = structs[i]
        .name
        .trim_start_matches("struct ")
        .trim_start_matches("union ")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("S{i}_{n}")
}

/// Integer promotion: char/short (and bool) become int.
pub fn promote(t: &Ty) -> Ty {
    match t {
        Ty::Bool => INT,
        Ty::Scalar(s) if s.rank() < 3 => INT,
        o => o.clone(),
    }
}

/// The common type of a binary arithmetic operator's operands, or `None` if C refuses it.
/// A vector wins over a scalar; between scalars the usual arithmetic conversions apply.
pub fn common_type(a: &Ty, b: &Ty) -> Option<Ty> {
    match (a, b) {
        (Ty::Vector(s, n), Ty::Vector(t, m)) => (s == t && n == m).then(|| a.clone()),
        (Ty::Vector(..), x) if x.is_arith() => Some(a.clone()),
        (x, Ty::Vector(..)) if x.is_arith() => Some(b.clone()),
        (x, y) if x.is_arith() && y.is_arith() => {
            let (x, y) = (promote(x).scalar()?, promote(y).scalar()?);
            if x == y {
                return Some(Ty::Scalar(x));
            }
            let (hi, lo) = if x.rank() >= y.rank() { (x, y) } else { (y, x) };
            if hi.is_float() {
                return Some(Ty::Scalar(hi));
            }
            if hi.rank() == lo.rank() {
                return Some(Ty::Scalar(hi.to_unsigned()));
            }
            Some(Ty::Scalar(hi))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_arithmetic_conversions() {
        let c = |a: Sc, b: Sc| common_type(&Ty::Scalar(a), &Ty::Scalar(b)).unwrap();
        assert_eq!(c(Sc::Char, Sc::UChar), INT);
        assert_eq!(c(Sc::Int, Sc::UInt), UINT);
        assert_eq!(c(Sc::UShort, Sc::Int), INT);
        assert_eq!(c(Sc::Long, Sc::UInt), Ty::Scalar(Sc::Long));
        assert_eq!(c(Sc::Int, Sc::Float), FLOAT);
        assert_eq!(common_type(&Ty::Vector(Sc::Float, 4), &INT), Some(Ty::Vector(Sc::Float, 4)));
        assert_eq!(common_type(&Ty::Vector(Sc::Float, 4), &Ty::Vector(Sc::Int, 4)), None);
    }

    #[test]
    fn c_layout_matches_opencl() {
        let s = vec![StructDef {
            name: "P".into(),
            fields: vec![("a".into(), Ty::Scalar(Sc::Char)), ("v".into(), Ty::Vector(Sc::Float, 3)), ("n".into(), INT)],
            is_union: false,
            complete: true,
            aliases: Vec::new(),
        }];
        assert_eq!(Ty::Struct(0).layout(&s), (48, 16));
        assert_eq!(Ty::field_offsets(0, &s), vec![0, 16, 32]);
        assert_eq!(Ty::Vector(Sc::Float, 3).layout(&s), (16, 16));
    }
}
