//! `clGet*Info` plumbing: the `param_value_size` / `param_value` / `param_value_size_ret`
//! triple, shared by every query.
//!
//! Rules (OpenCL 3.0 §4-5, every `clGet*Info`): the size needed is always reported through a
//! non-NULL `param_value_size_ret`; a non-NULL `param_value` with `param_value_size` smaller
//! than needed is `CL_INVALID_VALUE` (nothing written); a NULL `param_value` is only a size
//! query.
use std::ffi::c_void;

use crate::cl::*;

/// Where one query's answer goes.
pub struct InfoOut {
    size: usize,
    value: *mut c_void,
    size_ret: *mut usize,
}

impl InfoOut {
    /// # Safety
    /// `value` must be NULL or writable for `size` bytes; `size_ret` NULL or writable.
    pub unsafe fn new(size: usize, value: *mut c_void, size_ret: *mut usize) -> Self {
        Self { size, value, size_ret }
    }

    /// Writes raw bytes (the one place everything else ends in).
    pub fn bytes(self, data: &[u8]) -> Result<(), cl_int> {
        if !self.value.is_null() {
            if self.size < data.len() {
                return Err(CL_INVALID_VALUE);
            }
            // SAFETY: `new`'s contract: `value` is writable for `size` >= data.len() bytes;
            // `data` is Rust memory and cannot overlap the application's buffer.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.value as *mut u8, data.len()) };
        }
        if !self.size_ret.is_null() {
            // SAFETY: `new`'s contract: `size_ret` is NULL (checked) or writable.
            unsafe { self.size_ret.write_unaligned(data.len()) };
        }
        Ok(())
    }

    /// A plain-old-data value (`cl_uint`, `size_t`, a handle, a struct of those).
    pub fn scalar<T: Copy>(self, v: T) -> Result<(), cl_int> {
        self.slice(std::slice::from_ref(&v))
    }

    /// An array of plain-old-data values.
    pub fn slice<T: Copy>(self, v: &[T]) -> Result<(), cl_int> {
        // SAFETY: `T: Copy` values used here are integers, pointers and `#[repr(C)]` structs
        // of those without padding; viewing them as bytes is sound.
        let bytes = unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) };
        self.bytes(bytes)
    }

    /// A NUL-terminated string.
    pub fn string(self, s: &str) -> Result<(), cl_int> {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s.as_bytes());
        v.push(0);
        self.bytes(&v)
    }

    pub fn bool(self, b: bool) -> Result<(), cl_int> {
        self.scalar::<cl_bool>(if b { CL_TRUE } else { CL_FALSE })
    }

    /// A `cl_name_version` array (`CL_*_EXTENSIONS_WITH_VERSION`, ...).
    pub fn name_versions(self, items: &[(&str, cl_version)]) -> Result<(), cl_int> {
        let v: Vec<cl_name_version> = items.iter().map(|(n, ver)| name_version(n, *ver)).collect();
        self.slice(&v)
    }
}

pub fn name_version(name: &str, version: cl_version) -> cl_name_version {
    let mut nv = cl_name_version { version, name: [0; CL_NAME_VERSION_MAX_NAME_SIZE] };
    let n = name.len().min(CL_NAME_VERSION_MAX_NAME_SIZE - 1);
    nv.name[..n].copy_from_slice(&name.as_bytes()[..n]);
    nv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_rules() {
        let mut buf = [0u8; 4];
        let mut ret = 0usize;
        // SAFETY: buf/ret are live locals of the stated sizes.
        let out = |n: usize, v: *mut c_void, r: *mut usize| unsafe { InfoOut::new(n, v, r) };
        assert_eq!(out(4, buf.as_mut_ptr().cast(), &mut ret).string("abc"), Ok(()));
        assert_eq!((&buf, ret), (b"abc\0", 4));
        assert_eq!(out(3, buf.as_mut_ptr().cast(), &mut ret).string("abc"), Err(CL_INVALID_VALUE));
        assert_eq!(out(0, std::ptr::null_mut(), &mut ret).scalar(1u64), Ok(()));
        assert_eq!(ret, 8);
        assert_eq!(out(0, std::ptr::null_mut(), std::ptr::null_mut()).scalar(1u64), Ok(()));
    }
}
