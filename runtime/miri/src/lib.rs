//! `runtime/src/host.rs` under Miri: every way the runtime uses a [`HostPtr`] (regions over
//! application memory, sub-regions, reads, writes, zero-length regions, use from another
//! thread, range checks) on memory with the lifetimes the contract promises.
#[path = "../../src/host.rs"]
pub mod host;

#[cfg(test)]
mod tests {
    use super::host::HostPtr;

    #[test]
    fn read_write_and_subregions() {
        let mut app = vec![0u8; 64];
        // SAFETY: `app` outlives every use below.
        let p = unsafe { HostPtr::new(app.as_mut_ptr(), app.len()) };
        assert_eq!((p.len(), p.is_empty()), (64, false));
        p.offset(8, 16).write(&[7u8; 16]);
        p.offset(60, 4).write(&[1, 2, 3, 4]);
        let mut out = [0u8; 16];
        p.offset(8, 16).read(&mut out);
        assert_eq!(out, [7u8; 16]);
        // A sub-region of a sub-region.
        assert_eq!(p.offset(8, 16).offset(15, 1).to_vec(), [7]);
        assert_eq!(p.offset(56, 8).to_vec(), [0, 0, 0, 0, 1, 2, 3, 4]);
        // Zero-length regions at the end and of an empty allocation never touch memory.
        p.offset(64, 0).write(&[]);
        assert!(p.offset(64, 0).to_vec().is_empty());
        let mut empty: Vec<u8> = Vec::new();
        // SAFETY: a zero-length region of a dangling, aligned pointer is never accessed.
        let e = unsafe { HostPtr::new(empty.as_mut_ptr(), 0) };
        e.write(&[]);
        assert!(e.is_empty() && e.to_vec().is_empty());
        drop(app);
    }

    #[test]
    fn const_region_is_only_read() {
        let src = [5u8; 12];
        // SAFETY: `src` outlives the region; it is only read.
        let p = unsafe { HostPtr::new_const(src.as_ptr(), src.len()) };
        assert_eq!(p.offset(4, 4).to_vec(), [5; 4]);
    }

    #[test]
    fn used_from_another_thread() {
        // A non-blocking read's destination is written by the completion thread.
        let mut app = vec![0u32; 16];
        // SAFETY: the thread is joined before `app` is used or freed.
        let p = unsafe { HostPtr::new(app.as_mut_ptr() as *mut u8, 64) };
        std::thread::spawn(move || p.offset(4, 8).write(&[0xff; 8])).join().unwrap();
        assert_eq!(app[1..3], [u32::MAX, u32::MAX]);
        assert_eq!(app[0] + app[3], 0);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn offset_past_the_end_panics() {
        let mut app = [0u8; 8];
        // SAFETY: `app` outlives the region.
        let p = unsafe { HostPtr::new(app.as_mut_ptr(), 8) };
        let _ = p.offset(4, 5);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn offset_overflow_panics_instead_of_wrapping() {
        let mut app = [0u8; 8];
        // SAFETY: `app` outlives the region.
        let p = unsafe { HostPtr::new(app.as_mut_ptr(), 8) };
        // offset + len wraps to 1: must be refused, not turned into an out-of-bounds pointer.
        let _ = p.offset(usize::MAX, 2);
    }

    #[test]
    #[should_panic]
    fn length_mismatch_panics() {
        let mut app = [0u8; 8];
        // SAFETY: `app` outlives the region.
        let p = unsafe { HostPtr::new(app.as_mut_ptr(), 8) };
        p.write(&[1u8; 4]);
    }
}
