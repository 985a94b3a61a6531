//! Geometry of rectangular transfers (`clEnqueueRead/Write/CopyBufferRect`): a region of
//! `width` bytes × `height` rows × `depth` slices, placed in memory by an origin and pitches.
//! A rectangular command becomes one contiguous copy per row (see `Work::WriteRows`,
//! `Work::CopyRows` and `ReadTarget::Rows` in `command.rs`).
use crate::error::{Error, Result};

/// One side (buffer or host) of a rectangular transfer: `origin` is (bytes, rows, slices);
/// a pitch of 0 takes the spec's default (`row = region[0]`, `slice = region[1] * row`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RectLayout {
    pub origin: [u64; 3],
    pub row_pitch: u64,
    pub slice_pitch: u64,
}

impl RectLayout {
    pub fn new(origin: [u64; 3], row_pitch: u64, slice_pitch: u64) -> Self {
        Self { origin, row_pitch, slice_pitch }
    }

    /// Applies the default pitches and checks them against `region` (`CL_INVALID_VALUE`
    /// rules of the spec).
    pub(crate) fn resolve(self, region: [u64; 3]) -> Result<Self> {
        let row = if self.row_pitch == 0 { region[0] } else { self.row_pitch };
        if row < region[0] {
            return Err(Error::InvalidValue("row pitch is smaller than region[0]"));
        }
        let min_slice = region[1].checked_mul(row).ok_or(Error::InvalidValue("slice pitch overflows"))?;
        let slice = if self.slice_pitch == 0 { min_slice } else { self.slice_pitch };
        if slice < min_slice {
            return Err(Error::InvalidValue("slice pitch is smaller than region[1] * row pitch"));
        }
        if self.slice_pitch != 0 && slice % row != 0 {
            return Err(Error::InvalidValue("slice pitch is not a multiple of the row pitch"));
        }
        Ok(Self { row_pitch: row, slice_pitch: slice, ..self })
    }

    /// Byte offset of row `y` of slice `z` of the region (pitches resolved).
    fn row_offset(&self, y: u64, z: u64) -> Option<u64> {
        let a = (self.origin[2].checked_add(z)?).checked_mul(self.slice_pitch)?;
        let b = (self.origin[1].checked_add(y)?).checked_mul(self.row_pitch)?;
        self.origin[0].checked_add(a)?.checked_add(b)
    }

    /// One past the last byte the region touches (0 for an empty region).
    pub(crate) fn end(&self, region: [u64; 3]) -> Result<u64> {
        if region.contains(&0) {
            return Ok(0);
        }
        self.row_offset(region[1] - 1, region[2] - 1)
            .and_then(|o| o.checked_add(region[0]))
            .ok_or(Error::InvalidValue("rectangle offsets overflow"))
    }
}

/// Checks `region` (every extent non-zero) and lists `(src_offset, dst_offset, len)` per row,
/// slice-major, with both layouts' pitches resolved.
pub(crate) fn rows(src: RectLayout, dst: RectLayout, region: [u64; 3]) -> Result<Vec<(u64, u64, u64)>> {
    if region.contains(&0) {
        return Err(Error::InvalidValue("a region extent is 0"));
    }
    let n = region[1].checked_mul(region[2]).ok_or(Error::InvalidValue("region too large"))?;
    let mut out = Vec::with_capacity(n.min(1 << 20) as usize);
    for z in 0..region[2] {
        for y in 0..region[1] {
            let s = src.row_offset(y, z).ok_or(Error::InvalidValue("rectangle offsets overflow"))?;
            let d = dst.row_offset(y, z).ok_or(Error::InvalidValue("rectangle offsets overflow"))?;
            out.push((s, d, region[0]));
        }
    }
    Ok(out)
}

/// Whether any source row overlaps any destination row (byte intervals; a copy within one
/// buffer with overlap is `CL_MEM_COPY_OVERLAP`).
pub(crate) fn rows_overlap(rows: &[(u64, u64, u64)]) -> bool {
    let mut src: Vec<(u64, u64)> = rows.iter().map(|r| (r.0, r.0 + r.2)).collect();
    let mut dst: Vec<(u64, u64)> = rows.iter().map(|r| (r.1, r.1 + r.2)).collect();
    src.sort_unstable();
    dst.sort_unstable();
    let (mut i, mut j) = (0, 0);
    while i < src.len() && j < dst.len() {
        let (a, b) = (src[i], dst[j]);
        if a.0 < b.1 && b.0 < a.1 {
            return true;
        }
        if a.1 <= b.1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pitches_and_rows() {
        let region = [4, 2, 2];
        let s = RectLayout::new([1, 1, 0], 0, 0).resolve(region).unwrap();
        assert_eq!((s.row_pitch, s.slice_pitch), (4, 8));
        let d = RectLayout::new([0, 0, 1], 10, 30).resolve(region).unwrap();
        let r = rows(s, d, region).unwrap();
        assert_eq!(r, vec![(5, 30, 4), (9, 40, 4), (13, 60, 4), (17, 70, 4)]);
        assert_eq!(s.end(region).unwrap(), 21);
        assert_eq!(d.end(region).unwrap(), 74);
    }

    #[test]
    fn invalid_pitches() {
        assert!(RectLayout::new([0; 3], 3, 0).resolve([4, 1, 1]).is_err());
        assert!(RectLayout::new([0; 3], 4, 7).resolve([4, 2, 1]).is_err());
        assert!(RectLayout::new([0; 3], 4, 10).resolve([4, 2, 2]).is_err()); // not a multiple
        assert!(rows(RectLayout::default(), RectLayout::default(), [0, 1, 1]).is_err());
    }

    #[test]
    fn overlap() {
        assert!(!rows_overlap(&[(0, 4, 4), (8, 12, 4)]));
        assert!(rows_overlap(&[(0, 2, 4)]));
        assert!(!rows_overlap(&[(0, 16, 4), (4, 20, 4)]));
        assert!(rows_overlap(&[(0, 16, 4), (17, 40, 4)]));
    }
}
