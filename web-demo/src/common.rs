//! Plain-Rust helpers of the bindings (no JavaScript types), so they build and are tested
//! natively too.

/// The name of an execution status (`CL_COMPLETE` ... `CL_QUEUED`, or an error).
pub fn status_name(status: i32) -> &'static str {
    match status {
        0 => "COMPLETE",
        1 => "RUNNING",
        2 => "SUBMITTED",
        3 => "QUEUED",
        -14 => "ERROR_FOR_EVENTS_IN_WAIT_LIST",
        s if s < 0 => "ERROR",
        _ => "UNKNOWN",
    }
}

/// A by-value kernel argument type the JavaScript API can encode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    F32,
    U32,
    I32,
}

impl Scalar {
    /// From an explicit tag (`{f32: x}`, `{u32: x}`, `{i32: x}`).
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "f32" | "float" => Some(Self::F32),
            "u32" | "uint" => Some(Self::U32),
            "i32" | "int" => Some(Self::I32),
            _ => None,
        }
    }

    /// From the reflected OpenCL C type of a kernel argument (`float`, `uint`, `int`, ...),
    /// for a bare JavaScript number.
    pub fn from_type_name(type_name: &str) -> Option<Self> {
        match type_name.trim() {
            "float" | "f32" => Some(Self::F32),
            "uint" | "u32" | "unsigned int" | "size_t" => Some(Self::U32),
            "int" | "i32" => Some(Self::I32),
            _ => None,
        }
    }

    /// The argument's little-endian bytes. Integers must be whole and in range.
    pub fn encode(self, value: f64) -> Result<[u8; 4], String> {
        match self {
            Self::F32 => Ok((value as f32).to_le_bytes()),
            Self::U32 if value.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&value) => Ok((value as u32).to_le_bytes()),
            Self::I32 if value.fract() == 0.0 && (i32::MIN as f64..=i32::MAX as f64).contains(&value) => {
                Ok((value as i32).to_le_bytes())
            }
            _ => Err(format!("{value} is not a valid {self:?} value")),
        }
    }
}

/// Normalises an NDRange dimension list (1 to 3 non-zero sizes).
pub fn dims(v: &[f64], what: &str) -> Result<Vec<usize>, String> {
    if v.is_empty() || v.len() > 3 {
        return Err(format!("{what} must have 1 to 3 dimensions"));
    }
    v.iter()
        .map(|&x| {
            if x >= 1.0 && x.fract() == 0.0 && x <= u32::MAX as f64 {
                Ok(x as usize)
            } else {
                Err(format!("{what} sizes must be positive integers, got {x}"))
            }
        })
        .collect()
}

/// Nanoseconds of the runtime clock as JavaScript milliseconds (`None` for "not reached").
pub fn ns_to_ms(ns: u64) -> Option<f64> {
    (ns != 0).then(|| ns as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(status_name(0), "COMPLETE");
        assert_eq!(status_name(3), "QUEUED");
        assert_eq!(status_name(-14), "ERROR_FOR_EVENTS_IN_WAIT_LIST");
        assert_eq!(status_name(-5), "ERROR");
    }

    #[test]
    fn scalars() {
        assert_eq!(Scalar::from_tag("f32").unwrap().encode(1.5).unwrap(), 1.5f32.to_le_bytes());
        assert_eq!(Scalar::from_type_name("uint").unwrap().encode(7.0).unwrap(), 7u32.to_le_bytes());
        assert_eq!(Scalar::I32.encode(-3.0).unwrap(), (-3i32).to_le_bytes());
        assert!(Scalar::U32.encode(-1.0).is_err());
        assert!(Scalar::I32.encode(0.5).is_err());
        assert!(Scalar::from_type_name("float4").is_none());
    }

    #[test]
    fn ranges() {
        assert_eq!(dims(&[64.0, 2.0], "global").unwrap(), vec![64, 2]);
        assert!(dims(&[], "global").is_err());
        assert!(dims(&[0.0], "global").is_err());
        assert_eq!(ns_to_ms(0), None);
        assert_eq!(ns_to_ms(2_000_000), Some(2.0));
    }
}
