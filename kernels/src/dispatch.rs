//! The per-dispatch uniform block the runtime fills for kernels that need more than WGSL's
//! built-ins give: the global offset, the real global size and local size (for non-uniform
//! NDRanges), the work dimension and the group offset of split dispatches.

/// Layout of the block, in u32 words; see [`DispatchInfo::WGSL`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DispatchInfo {
    pub global_offset: [u32; 3],
    pub work_dim: u32,
    pub global_size: [u32; 3],
    /// Work-groups in x of this dispatch's region: the group ids a kernel with
    /// [`crate::KernelInfo::virtual_groups`] covers, however many work-groups are dispatched.
    pub groups_x: u32,
    /// The real size of this dispatch's work-groups (OpenCL's `get_local_size`): the enqueued
    /// size, except in the remainder groups of a non-uniform NDRange, which the runtime
    /// dispatches apart. The enqueued size is the pipeline's workgroup size.
    pub local_size: [u32; 3],
    pub num_groups: [u32; 3],
    /// Added to `workgroup_id` when one NDRange is split into several dispatches.
    pub group_offset: [u32; 3],
}

impl DispatchInfo {
    /// Size of the uniform block in bytes.
    pub const SIZE: u64 = 80;

    /// The WGSL declaration matching [`DispatchInfo::to_words`].
    pub const WGSL: &'static str = "struct WgclDispatch {\n    global_offset: vec3<u32>,\n    work_dim: u32,\n    global_size: vec3<u32>,\n    groups_x: u32,\n    local_size: vec3<u32>,\n    _pad1: u32,\n    num_groups: vec3<u32>,\n    _pad2: u32,\n    group_offset: vec3<u32>,\n    _pad3: u32,\n}\n";

    /// Name of the struct type in [`DispatchInfo::WGSL`] and of the variable front ends use.
    pub const STRUCT_NAME: &'static str = "WgclDispatch";
    pub const VAR_NAME: &'static str = "wgcl_dispatch";

    pub fn to_words(&self) -> [u32; 20] {
        let mut w = [0u32; 20];
        w[0..3].copy_from_slice(&self.global_offset);
        w[3] = self.work_dim;
        w[4..7].copy_from_slice(&self.global_size);
        w[7] = self.groups_x;
        w[8..11].copy_from_slice(&self.local_size);
        w[12..15].copy_from_slice(&self.num_groups);
        w[16..19].copy_from_slice(&self.group_offset);
        w
    }
}
