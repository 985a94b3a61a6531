//! C ABI facade (being written).
