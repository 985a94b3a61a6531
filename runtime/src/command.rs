//! Commands: what an enqueue records, how it becomes wgpu work, and how it completes.
use std::sync::Arc;

use parking_lot::Mutex;
use wgpu::util::DeviceExt;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::event::{Event, COMPLETE, RUNNING};
use crate::host::HostPtr;
use crate::kernel::KernelLaunch;
use crate::memory::{MapStorage, MemObject};

/// Bytes to write: owned by the runtime, or read from application memory at submission.
pub enum HostData {
    Owned(Vec<u8>),
    Host(HostPtr),
}

impl HostData {
    fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            HostData::Owned(v) => v.as_slice().into(),
            HostData::Host(p) => p.to_vec().into(),
        }
    }
}

/// Where a read lands.
#[derive(Clone)]
pub enum ReadTarget {
    /// Application memory (C API, blocking reads from Rust slices).
    Host(HostPtr),
    /// A runtime-owned vector the caller keeps a handle to.
    Shared(Arc<Mutex<Vec<u8>>>),
    /// Rows of a rectangular read: `(offset in the bytes read, application row)`.
    Rows(Arc<Vec<(usize, HostPtr)>>),
    /// A mapping's runtime-owned memory, which the read keeps alive.
    Mapping { dst: HostPtr, _keep: Arc<MapStorage> },
    /// A kernel's printf buffer: its records are printed to stdout.
    Printf(Arc<Vec<wgcl_kernels::printf::PrintfFormat>>),
}

impl ReadTarget {
    fn write(&self, data: &[u8]) {
        match self {
            ReadTarget::Host(p) | ReadTarget::Mapping { dst: p, .. } => p.write(data),
            ReadTarget::Shared(v) => *v.lock() = data.to_vec(),
            ReadTarget::Printf(formats) => crate::printf::print_buffer(formats, data),
            ReadTarget::Rows(rows) => {
                for (skip, p) in rows.iter() {
                    p.write(&data[*skip..*skip + p.len()]);
                }
            }
        }
    }
}

/// The device work of one command.
pub(crate) enum Work {
    /// Markers and barriers: complete when their batch does.
    Nothing,
    Write { dst: Arc<MemObject>, offset: u64, data: HostData },
    Read { src: Arc<MemObject>, offset: u64, size: u64, dst: ReadTarget },
    Copy { src: Arc<MemObject>, dst: Arc<MemObject>, src_offset: u64, dst_offset: u64, size: u64 },
    Fill { dst: Arc<MemObject>, pattern: Vec<u8>, offset: u64, size: u64 },
    Kernel(KernelLaunch),
    /// An unmap: writes the mapping back (when mapped for writing), then frees its memory.
    Unmap { mem: Arc<MemObject>, write_back: Option<(u64, HostPtr)>, _storage: Option<Arc<MapStorage>> },
    /// A rectangular write: application rows (read at submission) to `(offset, row)` in `dst`.
    WriteRows { dst: Arc<MemObject>, rows: Vec<(u64, HostPtr)> },
    /// A rectangular copy: `(src_offset, dst_offset, len)` per row (rows never overlap).
    CopyRows { src: Arc<MemObject>, dst: Arc<MemObject>, rows: Vec<(u64, u64, u64)> },
}

/// A flushed command waiting for its turn.
pub(crate) struct Command {
    pub event: Arc<Event>,
    /// The wait list: a failed event here fails the command.
    pub deps: Vec<Arc<Event>>,
    /// Implicit queue order: waited for, but a failure here is not passed on.
    pub after: Vec<Arc<Event>>,
    pub work: Work,
}

/// A command in a submitted batch: what it must do when the batch completes.
pub(crate) struct Encoded {
    pub event: Arc<Event>,
    /// The wait list: the command is RUNNING only once all of it is COMPLETE, which for an
    /// event earlier in the same batch is only known when the batch completes.
    pub deps: Vec<Arc<Event>>,
    readback: Option<Readback>,
    /// Resources kept alive until completion (buffers, kernels, staging).
    _keep: Work,
    _staging: Vec<wgpu::Buffer>,
}

struct Readback {
    staging: wgpu::Buffer,
    skip: usize,
    len: usize,
    dst: ReadTarget,
    mapped: Arc<Mutex<Option<bool>>>,
}

const FILL_WGSL: &str = r#"
struct Params { start_word: u32, words: u32, pattern_words: u32, row: u32, pattern: array<vec4<u32>, 8> }
@group(0) @binding(0) var<storage, read_write> dst: array<u32>;
@group(0) @binding(1) var<uniform> p: Params;
// One word per invocation; the pattern (up to 128 bytes) repeats from the fill's start.
@compute @workgroup_size(64)
fn wgcl_fill(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row;
    if (i >= p.words) { return; }
    let k = i % p.pattern_words;
    dst[p.start_word + i] = p.pattern[k / 4u][k % 4u];
}
"#;

const PATCH_WGSL: &str = r#"
struct Params { dst_off: u32, src_off: u32, len: u32, row: u32 }
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> p: Params;
// Byte-granular copy: each invocation owns one destination word, so no two race.
// (Not named `patch`: that is a reserved word in WGSL, and the module would not compile.)
@compute @workgroup_size(64)
fn wgcl_patch(@builtin(global_invocation_id) gid: vec3<u32>) {
    let w = p.dst_off / 4u + gid.x + gid.y * p.row;
    let end = p.dst_off + p.len;
    if (w * 4u >= end) { return; }
    var word = dst[w];
    for (var b = 0u; b < 4u; b++) {
        let db = w * 4u + b;
        if (db >= p.dst_off && db < end) {
            let sb = db - p.dst_off + p.src_off;
            let byte = (src[sb / 4u] >> ((sb % 4u) * 8u)) & 0xffu;
            word = (word & ~(0xffu << (b * 8u))) | (byte << (b * 8u));
        }
    }
    dst[w] = word;
}
"#;

/// Records a batch's wgpu commands, keeping one compute pass open across consecutive
/// dispatches (kernels, GPU fills, byte patches); a copy or clear ends it, and wgpu still puts
/// a barrier between dispatches that touch the same buffer.
///
/// Why: wgpu-core records every compute pass into two raw (Vulkan) command buffers of its
/// own, the pass and its barriers, and every run of copies into one more. Its pool of raw
/// encoders keeps every command buffer an encoder ever needed, and hands encoders out at
/// random: a pass per command made each pooled encoder grow to the largest batch seen (a
/// user event releasing thousands of commands), so resident memory kept growing. For the
/// same reason a batch is spread over several command encoders of at most [`RAW_PER_ENCODER`]
/// raw command buffers each, submitted together.
pub(crate) struct Recorder<'d> {
    device: &'d wgpu::Device,
    /// Declared before `encoder`: a pass must end before its encoder goes.
    pass: Option<wgpu::ComputePass<'static>>,
    encoder: wgpu::CommandEncoder,
    /// Raw command buffers `encoder` needs so far (one for its submission's barriers).
    raw: usize,
    /// True while the last thing recorded was a copy or clear (a run of them shares one).
    copying: bool,
    finished: Vec<wgpu::CommandBuffer>,
}

/// What wgpu-hal allocates at once per raw encoder (Vulkan: `ALLOCATION_GRANULARITY`).
const RAW_PER_ENCODER: usize = 16;

impl<'d> Recorder<'d> {
    pub(crate) fn new(device: &'d wgpu::Device) -> Self {
        Self { device, pass: None, encoder: Self::new_encoder(device), raw: 1, copying: false, finished: Vec::new() }
    }

    fn new_encoder(device: &wgpu::Device) -> wgpu::CommandEncoder {
        device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("wgcl batch") })
    }

    /// Accounts for `n` more raw command buffers, moving on to a fresh encoder first when
    /// the current one would need more than [`RAW_PER_ENCODER`]. No pass may be open.
    fn reserve(&mut self, n: usize) {
        if self.raw + n > RAW_PER_ENCODER {
            let full = std::mem::replace(&mut self.encoder, Self::new_encoder(self.device));
            self.finished.push(full.finish());
            self.raw = 1;
        }
        self.raw += n;
    }

    /// The open compute pass, begun if none is.
    pub(crate) fn pass(&mut self) -> &mut wgpu::ComputePass<'static> {
        if self.pass.is_none() {
            self.reserve(2);
            self.copying = false;
        }
        let encoder = &mut self.encoder;
        self.pass.get_or_insert_with(|| {
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("wgcl compute"), timestamp_writes: None }).forget_lifetime()
        })
    }

    /// The encoder, for copies and clears: ends the open pass (wgpu refuses encoder commands
    /// while a pass is open).
    pub(crate) fn encoder(&mut self) -> &mut wgpu::CommandEncoder {
        if !self.copying {
            self.pass = None;
            self.reserve(1);
            self.copying = true;
        }
        &mut self.encoder
    }

    /// The command encoders used so far.
    pub(crate) fn encoders(&self) -> usize {
        self.finished.len() + 1
    }

    /// The command buffers recorded, in submission order (one per encoder).
    pub(crate) fn finish(mut self) -> Vec<wgpu::CommandBuffer> {
        self.pass = None;
        self.finished.push(self.encoder.finish());
        self.finished
    }
}

fn align_down(x: u64) -> u64 {
    x & !3
}

fn align_up(x: u64) -> u64 {
    x.div_ceil(4) * 4
}

impl Engine {
    /// A helper pipeline from WGSL source, built once per engine.
    fn helper_pipeline(&self, name: &'static str, source: &'static str) -> Arc<wgpu::ComputePipeline> {
        self.helpers
            .lock()
            .entry(name)
            .or_insert_with(|| {
                let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(name),
                    source: wgpu::ShaderSource::Wgsl(source.into()),
                });
                Arc::new(self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(name),
                    layout: None,
                    module: &module,
                    entry_point: Some(name),
                    compilation_options: Default::default(),
                    cache: None,
                }))
            })
            .clone()
    }

    /// Runs helper `name` with one invocation per destination word: `buffers` at bindings
    /// 0.., then a uniform made by `params(row)` where `row` is the invocations per dispatch
    /// row (group counts past the per-dimension limit fold into a second dimension).
    #[allow(clippy::too_many_arguments)]
    fn run_helper(
        &self,
        rec: &mut Recorder,
        name: &'static str,
        source: &'static str,
        buffers: &[&wgpu::Buffer],
        words: u64,
        params: impl FnOnce(u32) -> Vec<u32>,
        keep: &mut Vec<wgpu::Buffer>,
    ) {
        let pipeline = self.helper_pipeline(name, source);
        let groups = words.div_ceil(64).max(1) as u32;
        let max = self.limits.max_compute_workgroups_per_dimension.max(1);
        let (gx, gy) = if groups <= max { (groups, 1) } else { (max, groups.div_ceil(max)) };
        let ubuf = self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(name),
            contents: bytemuck::cast_slice(&params(gx * 64)),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let mut entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        entries.push(wgpu::BindGroupEntry { binding: buffers.len() as u32, resource: ubuf.as_entire_binding() });
        let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor { label: None, layout: &pipeline.get_bind_group_layout(0), entries: &entries });
        let pass = rec.pass();
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bg, &[]);
        pass.dispatch_workgroups(gx, gy, 1);
        keep.push(ubuf);
    }

    /// Fills `size` bytes at `start` (both multiples of 4) with `pattern` on the GPU, so a
    /// fill costs no host memory or upload whatever its size.
    fn encode_fill(&self, rec: &mut Recorder, dst: &wgpu::Buffer, start: u64, size: u64, pattern: &[u8], keep: &mut Vec<wgpu::Buffer>) {
        // A 1- or 2-byte pattern is widened to one word (offsets are multiples of 4 here).
        let mut word_pattern: Vec<u8> = pattern.to_vec();
        while word_pattern.len() < 4 {
            word_pattern.extend_from_slice(pattern);
        }
        let words = size / 4;
        let pattern: Vec<u32> = word_pattern.chunks(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect();
        self.run_helper(rec, "wgcl_fill", FILL_WGSL, &[dst], words, |row| {
            let mut p = vec![(start / 4) as u32, words as u32, pattern.len() as u32, row];
            p.extend(&pattern);
            p.resize(4 + 32, 0);
            p
        }, keep);
    }

    /// A staging buffer holding `data` (padded to 4 bytes), usable as a copy source and as a
    /// storage buffer for the patch shader.
    fn upload(&self, data: &[u8]) -> wgpu::Buffer {
        let len = align_up(data.len() as u64).max(4);
        let buf = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("wgcl upload"),
            size: len,
            usage: wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::STORAGE,
            mapped_at_creation: true,
        });
        // Not mapped only when the device is lost (the buffer is invalid): the batch then
        // fails; panicking here would leave the engine's pump flag set and hang every queue.
        if let Ok(mut view) = buf.slice(..).get_mapped_range_mut() {
            view.slice(..data.len()).copy_from_slice(data);
        }
        buf.unmap();
        buf
    }

    /// Copies `len` bytes from `src` at byte `src_off` to `dst` at byte `dst_off`, any
    /// alignment, in the batch's compute pass (ordered with the batch's other work).
    fn encode_patch(
        &self,
        rec: &mut Recorder,
        src: &wgpu::Buffer,
        src_off: u64,
        dst: &wgpu::Buffer,
        dst_off: u64,
        len: u64,
        keep: &mut Vec<wgpu::Buffer>,
    ) {
        let words = (align_up(dst_off + len) - align_down(dst_off)) / 4;
        self.run_helper(rec, "wgcl_patch", PATCH_WGSL, &[src, dst], words, |row| {
            vec![dst_off as u32, src_off as u32, len as u32, row]
        }, keep);
    }

    /// Writes `data` into `dst` at `dst_off` (absolute, in the wgpu buffer).
    fn encode_write(&self, rec: &mut Recorder, dst: &wgpu::Buffer, dst_off: u64, data: &[u8], keep: &mut Vec<wgpu::Buffer>) {
        if data.is_empty() {
            return;
        }
        let staging = self.upload(data);
        let len = data.len() as u64;
        if dst_off.is_multiple_of(4) && len.is_multiple_of(4) {
            rec.encoder().copy_buffer_to_buffer(&staging, 0, dst, dst_off, len);
        } else {
            self.encode_patch(rec, &staging, 0, dst, dst_off, len, keep);
        }
        keep.push(staging);
    }
}

/// What recording a command produced besides its commands: the read-back to deliver and the
/// temporary buffers to keep until the work is done.
pub(crate) struct Recorded {
    readback: Option<Readback>,
    staging: Vec<wgpu::Buffer>,
}

impl Command {
    /// Records this command's device work into `rec`. Repeatable: a batch that wgpu
    /// refuses is recorded again one command per encoder, to find the command at fault.
    pub(crate) fn record(&self, engine: &Engine, rec: &mut Recorder) -> Result<Recorded> {
        let mut staging = Vec::new();
        let mut readback = None;
        match &self.work {
            Work::Nothing => {}
            Work::Write { dst, offset, data } => {
                let (buf, base) = dst.wgpu_buffer();
                engine.encode_write(rec, buf, base + offset, &data.bytes(), &mut staging);
            }
            Work::Fill { dst, pattern, offset, size } => {
                let (buf, base) = dst.wgpu_buffer();
                let start = base + offset;
                if pattern.iter().all(|b| *b == 0) && start % 4 == 0 && size % 4 == 0 {
                    rec.encoder().clear_buffer(buf, start, Some(*size));
                } else if start % 4 == 0 && size % 4 == 0 {
                    engine.encode_fill(rec, buf, start, *size, pattern, &mut staging);
                } else {
                    let data: Vec<u8> = pattern.iter().copied().cycle().take(*size as usize).collect();
                    engine.encode_write(rec, buf, start, &data, &mut staging);
                }
            }
            Work::Copy { src, dst, src_offset, dst_offset, size } => {
                let (sbuf, sbase) = src.wgpu_buffer();
                let (dbuf, dbase) = dst.wgpu_buffer();
                let (s, d) = (sbase + src_offset, dbase + dst_offset);
                if *size > 0 {
                    if s % 4 == 0 && d % 4 == 0 && size % 4 == 0 && sbuf != dbuf {
                        rec.encoder().copy_buffer_to_buffer(sbuf, s, dbuf, d, *size);
                    } else {
                        // Through a temporary: wgpu copies neither within one buffer nor at
                        // byte offsets.
                        let (a0, a1) = (align_down(s), align_up(s + size));
                        let tmp = engine.device.create_buffer(&wgpu::BufferDescriptor {
                            label: Some("wgcl copy temp"),
                            size: a1 - a0,
                            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::STORAGE,
                            mapped_at_creation: false,
                        });
                        rec.encoder().copy_buffer_to_buffer(sbuf, a0, &tmp, 0, a1 - a0);
                        if d % 4 == 0 && size % 4 == 0 && s == a0 {
                            rec.encoder().copy_buffer_to_buffer(&tmp, 0, dbuf, d, *size);
                        } else {
                            engine.encode_patch(rec, &tmp, s - a0, dbuf, d, *size, &mut staging);
                        }
                        staging.push(tmp);
                    }
                }
            }
            Work::Read { src, offset, size, dst } => {
                let (buf, base) = src.wgpu_buffer();
                let start = base + offset;
                let (a0, a1) = (align_down(start), align_up(start + size));
                let len = (a1 - a0).max(4);
                let st = engine.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("wgcl readback"),
                    size: len,
                    usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                    mapped_at_creation: false,
                });
                if a1 > a0 {
                    rec.encoder().copy_buffer_to_buffer(buf, a0, &st, 0, a1 - a0);
                }
                readback = Some(Readback {
                    staging: st,
                    skip: (start - a0) as usize,
                    len: *size as usize,
                    dst: dst.clone(),
                    mapped: Arc::new(Mutex::new(None)),
                });
            }
            Work::Kernel(launch) => match launch.printf() {
                None => launch.encode(rec),
                Some((buf, formats)) => {
                    // Counter zeroed before, whole buffer read back after (printed when the
                    // command completes, before its event does).
                    rec.encoder().clear_buffer(buf, 0, Some(4));
                    launch.encode(rec);
                    let size = buf.size();
                    let st = engine.device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("wgcl printf readback"),
                        size,
                        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                        mapped_at_creation: false,
                    });
                    rec.encoder().copy_buffer_to_buffer(buf, 0, &st, 0, size);
                    readback = Some(Readback {
                        staging: st,
                        skip: 0,
                        len: size as usize,
                        dst: ReadTarget::Printf(formats.clone()),
                        mapped: Arc::new(Mutex::new(None)),
                    });
                }
            },
            Work::WriteRows { dst, rows } => {
                // Every row goes into one staging buffer, then one copy (or byte patch) per row.
                let (buf, base) = dst.wgpu_buffer();
                let mut data = Vec::new();
                let mut at = Vec::with_capacity(rows.len());
                for (_, p) in rows {
                    at.push(data.len() as u64);
                    data.extend_from_slice(&p.to_vec());
                }
                if !data.is_empty() {
                    let st = engine.upload(&data);
                    for ((off, p), s) in rows.iter().zip(at) {
                        let (d, len) = (base + off, p.len() as u64);
                        if s % 4 == 0 && d % 4 == 0 && len % 4 == 0 {
                            rec.encoder().copy_buffer_to_buffer(&st, s, buf, d, len);
                        } else if len > 0 {
                            engine.encode_patch(rec, &st, s, buf, d, len, &mut staging);
                        }
                    }
                    staging.push(st);
                }
            }
            Work::CopyRows { src, dst, rows } => {
                // The source span is copied to a temporary first (wgpu copies neither within
                // one buffer nor at byte offsets), then one copy or byte patch per row.
                let (sbuf, sbase) = src.wgpu_buffer();
                let (dbuf, dbase) = dst.wgpu_buffer();
                let lo = rows.iter().map(|r| sbase + r.0).min();
                let hi = rows.iter().map(|r| sbase + r.0 + r.2).max();
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    let (a0, a1) = (align_down(lo), align_up(hi));
                    let tmp = engine.device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("wgcl rect temp"),
                        size: (a1 - a0).max(4),
                        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::STORAGE,
                        mapped_at_creation: false,
                    });
                    rec.encoder().copy_buffer_to_buffer(sbuf, a0, &tmp, 0, a1 - a0);
                    for (so, do_, len) in rows {
                        let (s, d) = (sbase + so - a0, dbase + do_);
                        if s % 4 == 0 && d % 4 == 0 && len % 4 == 0 {
                            rec.encoder().copy_buffer_to_buffer(&tmp, s, dbuf, d, *len);
                        } else if *len > 0 {
                            engine.encode_patch(rec, &tmp, s, dbuf, d, *len, &mut staging);
                        }
                    }
                    staging.push(tmp);
                }
            }
            Work::Unmap { mem, write_back, .. } => {
                if let Some((offset, ptr)) = write_back {
                    let (buf, base) = mem.wgpu_buffer();
                    engine.encode_write(rec, buf, base + offset, &ptr.to_vec(), &mut staging);
                }
            }
        }
        Ok(Recorded { readback, staging })
    }

    /// The command as part of a submitted batch, holding what `recorded` made.
    pub(crate) fn into_encoded(self, recorded: Recorded) -> Encoded {
        Encoded { event: self.event, deps: self.deps, readback: recorded.readback, _keep: self.work, _staging: recorded.staging }
    }
}

impl Encoded {
    /// Called right after the batch was submitted: asks for read-back buffers to be mapped.
    pub(crate) fn after_submit(&mut self, engine: &std::sync::Weak<Engine>) {
        if let Some(rb) = &self.readback {
            let mapped = rb.mapped.clone();
            let _engine = engine.clone();
            rb.staging.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                *mapped.lock() = Some(r.is_ok());
                // In the browser the map promise may settle after the work-done one.
                #[cfg(target_arch = "wasm32")]
                if let Some(e) = _engine.upgrade() {
                    e.retire_completed();
                }
            });
        }
    }

    /// True once nothing but the batch's completion is missing (its read-back is mapped).
    pub(crate) fn ready(&self) -> bool {
        self.readback.as_ref().is_none_or(|rb| rb.mapped.lock().is_some())
    }

    /// Called by the completion side once the batch's work is done: delivers read-backs, then
    /// completes the event; the command's resources are released after that.
    pub(crate) fn complete(self) {
        let mut status = COMPLETE;
        // An event that already ended with an error (its batch was refused by wgpu) was
        // reported to the application, which may have freed the read destination (a blocking
        // read returned its error): never write to it now.
        let failed = self.event.status() < COMPLETE;
        if let Some(rb) = self.readback.as_ref().filter(|_| !failed) {
            let view = (*rb.mapped.lock() == Some(true)).then(|| rb.staging.slice(..).get_mapped_range().ok()).flatten();
            if let Some(view) = view {
                rb.dst.write(&view[rb.skip..rb.skip + rb.len]);
                drop(view);
                rb.staging.unmap();
            } else {
                log::error!("read-back buffer could not be mapped");
                status = Error::OutOfResources(String::new()).code();
            }
        }
        // Held back from RUNNING until now when its wait list was in the same batch (the
        // batch completes in order, so those are COMPLETE by now); a no-op otherwise.
        self.event.transition(RUNNING);
        self.event.transition(status);
        drop(self);
    }

    /// Whether the command may be reported RUNNING now that its batch is the oldest on the
    /// device queue: every event of its wait list is COMPLETE (one earlier in the same batch
    /// may still be running).
    pub(crate) fn may_run(&self) -> bool {
        self.deps.iter().all(|d| d.status() == COMPLETE)
    }
}
