//! Command queues: where commands are enqueued, ordered and flushed to the device's engine.
//!
//! An in-order queue makes each command wait for the one before it. An out-of-order queue
//! orders commands only through wait lists, markers and barriers. Enqueued commands stay in
//! the queue until a flush (explicit, or implied by a blocking call, `finish`, a wait or the
//! queue's release) hands them to the engine.
use std::sync::Arc;

use parking_lot::Mutex;

use crate::command::{Command, HostData, ReadTarget, Work};
use crate::context::Context;
use crate::engine::Engine;
use crate::error::{refuse_blocking_in_callback, Error, Result};
use crate::event::{CommandType, Event};
use crate::host::HostPtr;
use crate::kernel::Kernel;
use crate::memory::{MemFlags, MemObject};
use crate::platform::Device;
use crate::rect::RectLayout;

/// `cl_command_queue_properties` that the runtime honours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueProperties {
    pub out_of_order: bool,
    pub profiling: bool,
}

/// `cl_map_flags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapFlags {
    pub read: bool,
    pub write: bool,
    /// `CL_MAP_WRITE_INVALIDATE_REGION`: the old contents need not be read.
    pub invalidate: bool,
}

#[derive(Default)]
struct State {
    unflushed: Vec<Command>,
    /// In-order: the last command. Out-of-order: the last marker/barrier.
    last: Option<Arc<Event>>,
    /// Out-of-order: commands since the last barrier (what the next barrier waits for).
    since_barrier: Vec<Arc<Event>>,
}

/// `cl_command_queue`.
pub struct CommandQueue {
    context: Arc<Context>,
    device: Arc<Device>,
    engine: Arc<Engine>,
    properties: QueueProperties,
    state: Mutex<State>,
    _live: crate::stats::Live,
}

impl std::fmt::Debug for CommandQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandQueue").field("properties", &self.properties).finish()
    }
}

/// Kernel launch geometry (`clEnqueueNDRangeKernel`'s arguments), 1 to 3 dimensions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NdRange {
    pub offset: Vec<usize>,
    pub global: Vec<usize>,
    pub local: Option<Vec<usize>>,
}

impl NdRange {
    pub fn d1(global: usize) -> Self {
        Self { offset: vec![0], global: vec![global], local: None }
    }

    pub fn with_local(mut self, local: &[usize]) -> Self {
        self.local = Some(local.to_vec());
        self
    }

    pub fn with_offset(mut self, offset: &[usize]) -> Self {
        self.offset = offset.to_vec();
        self
    }
}

impl CommandQueue {
    /// `clCreateCommandQueueWithProperties`.
    pub fn new(context: &Arc<Context>, device: &Arc<Device>, properties: QueueProperties) -> Result<Arc<Self>> {
        if !context.devices().iter().any(|d| Arc::ptr_eq(d, device)) {
            return Err(Error::InvalidDevice);
        }
        let engine = device.engine()?;
        engine.check_alive()?;
        Ok(Arc::new(Self {
            context: context.clone(),
            device: device.clone(),
            engine,
            properties,
            state: Mutex::new(State::default()),
            _live: crate::stats::Live::new(crate::stats::Kind::Queue),
        }))
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.context
    }

    pub fn device(&self) -> &Arc<Device> {
        &self.device
    }

    pub fn properties(&self) -> QueueProperties {
        self.properties
    }

    /// `clFlush`: hands every enqueued command to the device engine, which submits those
    /// whose wait lists allow it now and the others as soon as they do. On a lost device
    /// the commands are handed over all the same (the engine ends them with an error) and
    /// the loss is reported.
    pub fn flush(&self) -> Result<()> {
        self.push_unflushed();
        self.engine.check_alive()
    }

    /// Hands every enqueued command to the device engine.
    pub(crate) fn push_unflushed(&self) {
        let mut st = self.state.lock();
        if st.unflushed.is_empty() {
            return;
        }
        // Pushed while holding the queue lock so two flushes keep the queue's order.
        let cmds = std::mem::take(&mut st.unflushed);
        self.engine.push(cmds);
    }

    /// `clFinish`: flushes and waits until every command enqueued so far has ended. On a
    /// lost device the commands still end (with errors) and the loss is reported.
    pub fn finish(self: &Arc<Self>) -> Result<()> {
        refuse_blocking_in_callback()?;
        let last = if self.properties.out_of_order {
            self.enqueue(CommandType::Barrier, &[], Work::Nothing, true).map(Some)
        } else {
            Ok(self.state.lock().last.clone())
        };
        self.flush()?;
        if let Some(ev) = last? {
            ev.wait()?;
        }
        Ok(())
    }

    /// Records a command. `barrier` makes it wait for every earlier command (markers and
    /// barriers with an empty wait list in out-of-order queues).
    fn enqueue(self: &Arc<Self>, ty: CommandType, wait: &[Arc<Event>], work: Work, barrier: bool) -> Result<Arc<Event>> {
        if wait.iter().any(|e| !Arc::ptr_eq(e.context(), &self.context)) {
            return Err(Error::InvalidContext);
        }
        self.engine.check_alive()?;
        let event = Event::new_command(self.context.clone(), self, ty, self.properties.profiling);
        let deps: Vec<Arc<Event>> = wait.to_vec();
        // Implicit ordering (the in-order predecessor, the last barrier, everything since it)
        // orders this command behind those events but, unlike the wait list, does not pass
        // their failure on: a failed command must not poison every later command of its
        // queue, and the outcome must not depend on whether it had failed yet at enqueue.
        let mut after: Vec<Arc<Event>> = Vec::new();
        let pending = |e: &Arc<Event>| e.status() > crate::event::COMPLETE;
        let mut st = self.state.lock();
        if self.properties.out_of_order {
            if barrier {
                after.extend(std::mem::take(&mut st.since_barrier).into_iter().filter(pending));
                if let Some(last) = st.last.take().filter(pending) {
                    after.push(last);
                }
                st.last = Some(event.clone());
            } else {
                if let Some(last) = st.last.as_ref().filter(|e| pending(e)) {
                    after.push(last.clone());
                }
                // Keep the list short: finished commands need no waiting for.
                if st.since_barrier.len() >= 64 {
                    st.since_barrier.retain(|e| e.status() > 0);
                }
                st.since_barrier.push(event.clone());
            }
        } else if let Some(last) = st.last.replace(event.clone()).filter(pending) {
            after.push(last);
        }
        st.unflushed.push(Command { event: event.clone(), deps, after, work });
        Ok(event)
    }

    /// Flushes this queue and the queues of the `wait` events' commands (see below).
    fn flush_with_wait_list(&self, wait: &[Arc<Event>]) -> Result<()> {
        for q in wait.iter().filter_map(|e| e.queue()) {
            q.push_unflushed();
        }
        self.flush()
    }

    /// Flushes and waits for `event`; used by blocking enqueues. Like `clWaitForEvents`, it
    /// also flushes the queues of the wait-list events: a blocking call waiting on a command
    /// still unflushed on another queue would otherwise wait forever.
    fn complete_blocking(&self, event: &Arc<Event>, wait: &[Arc<Event>]) -> Result<()> {
        self.flush_with_wait_list(wait)?;
        if event.wait()? < 0 {
            return Err(Error::ExecStatusErrorForEventsInWaitList);
        }
        Ok(())
    }

    /// Enqueues a host transfer; when `blocking`, refuses inside a callback and returns only
    /// once it ended. Called after the transfer's own checks.
    fn enqueue_transfer(self: &Arc<Self>, command_type: CommandType, wait: &[Arc<Event>], work: Work, blocking: bool) -> Result<Arc<Event>> {
        if blocking {
            refuse_blocking_in_callback()?;
        }
        let ev = self.enqueue(command_type, wait, work, false)?;
        if blocking {
            self.complete_blocking(&ev, wait)?;
        }
        Ok(ev)
    }

    /// The checks shared by the rectangular host transfers, and their rows
    /// `(buffer offset, host offset, length)`.
    fn host_rect_rows(&self, mem: &MemObject, buffer_layout: RectLayout, host_layout: RectLayout, region: [u64; 3], host: &HostPtr) -> Result<Vec<(u64, u64, u64)>> {
        self.check_mem(mem)?;
        let (b, h) = Self::resolve_rect(buffer_layout, host_layout, region)?;
        mem.check_range(0, b.end(region)?)?;
        if h.end(region)? > host.len() as u64 {
            return Err(Error::InvalidValue("the host rectangle lies outside the host memory given"));
        }
        crate::rect::rows(b, h, region)
    }

    /// `CL_INVALID_OPERATION` for a buffer made with `CL_MEM_HOST_WRITE_ONLY`/`NO_ACCESS`.
    fn check_host_read(mem: &MemObject) -> Result<()> {
        if mem.flags().has(MemFlags::HOST_WRITE_ONLY) || mem.flags().has(MemFlags::HOST_NO_ACCESS) {
            return Err(Error::InvalidOperation("the buffer was created without host read access"));
        }
        Ok(())
    }

    /// `CL_INVALID_OPERATION` for a buffer made with `CL_MEM_HOST_READ_ONLY`/`NO_ACCESS`.
    fn check_host_write(mem: &MemObject) -> Result<()> {
        if mem.flags().has(MemFlags::HOST_READ_ONLY) || mem.flags().has(MemFlags::HOST_NO_ACCESS) {
            return Err(Error::InvalidOperation("the buffer was created without host write access"));
        }
        Ok(())
    }

    fn check_mem(&self, mem: &MemObject) -> Result<()> {
        if !Arc::ptr_eq(mem.context(), &self.context) {
            return Err(Error::InvalidContext);
        }
        Ok(())
    }

    /// `clEnqueueWriteBuffer` from runtime-owned bytes (never blocks).
    pub fn enqueue_write_buffer(self: &Arc<Self>, mem: &Arc<MemObject>, offset: u64, data: Vec<u8>, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.write_buffer(mem, false, offset, HostData::Owned(data), wait)
    }

    /// `clEnqueueWriteBuffer` from application memory: read when the command is submitted
    /// (or before returning, when `blocking`).
    pub fn enqueue_write_buffer_host(self: &Arc<Self>, mem: &Arc<MemObject>, blocking: bool, offset: u64, src: HostPtr, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.write_buffer(mem, blocking, offset, HostData::Host(src), wait)
    }

    fn write_buffer(self: &Arc<Self>, mem: &Arc<MemObject>, blocking: bool, offset: u64, data: HostData, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.check_mem(mem)?;
        let len = match &data {
            HostData::Owned(v) => v.len(),
            HostData::Host(p) => p.len(),
        } as u64;
        mem.check_range(offset, len)?;
        Self::check_host_write(mem)?;
        self.enqueue_transfer(CommandType::WriteBuffer, wait, Work::Write { dst: mem.clone(), offset, data }, blocking)
    }

    /// `clEnqueueReadBuffer` into application memory.
    pub fn enqueue_read_buffer_host(self: &Arc<Self>, mem: &Arc<MemObject>, blocking: bool, offset: u64, dst: HostPtr, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.read_buffer(mem, blocking, offset, dst.len() as u64, ReadTarget::Host(dst), wait)
    }

    /// Non-blocking read into a runtime-owned vector, filled when the event completes.
    pub fn enqueue_read_buffer(self: &Arc<Self>, mem: &Arc<MemObject>, offset: u64, size: u64, wait: &[Arc<Event>]) -> Result<(Arc<Event>, Arc<Mutex<Vec<u8>>>)> {
        let out = Arc::new(Mutex::new(Vec::new()));
        let ev = self.read_buffer(mem, false, offset, size, ReadTarget::Shared(out.clone()), wait)?;
        Ok((ev, out))
    }

    /// Reads without blocking a thread: flushes, then resolves to the bytes once the read
    /// completed (an error if it or its wait list failed). Works in the browser too.
    pub async fn read_buffer_async(self: &Arc<Self>, mem: &Arc<MemObject>, offset: u64, size: u64, wait: &[Arc<Event>]) -> Result<Vec<u8>> {
        let (ev, out) = self.enqueue_read_buffer(mem, offset, size, wait)?;
        self.flush_with_wait_list(wait)?;
        if ev.wait_async().await < 0 {
            return Err(Error::ExecStatusErrorForEventsInWaitList);
        }
        let data = std::mem::take(&mut *out.lock());
        Ok(data)
    }

    /// Blocking read into a Rust slice.
    pub fn read_buffer_into(self: &Arc<Self>, mem: &Arc<MemObject>, offset: u64, dst: &mut [u8], wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        refuse_blocking_in_callback()?;
        // SAFETY: `dst` outlives this call, and the call returns only after the read's event
        // reached a final status, after which the command never touches the region.
        let host = unsafe { HostPtr::new(dst.as_mut_ptr(), dst.len()) };
        let ev = self.read_buffer(mem, false, offset, dst.len() as u64, ReadTarget::Host(host), wait)?;
        self.complete_blocking(&ev, wait)?;
        Ok(ev)
    }

    fn read_buffer(self: &Arc<Self>, mem: &Arc<MemObject>, blocking: bool, offset: u64, size: u64, dst: ReadTarget, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.check_mem(mem)?;
        mem.check_range(offset, size)?;
        Self::check_host_read(mem)?;
        self.enqueue_transfer(CommandType::ReadBuffer, wait, Work::Read { src: mem.clone(), offset, size, dst }, blocking)
    }

    /// `clEnqueueCopyBuffer`.
    pub fn enqueue_copy_buffer(self: &Arc<Self>, src: &Arc<MemObject>, dst: &Arc<MemObject>, src_offset: u64, dst_offset: u64, size: u64, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.check_mem(src)?;
        self.check_mem(dst)?;
        src.check_range(src_offset, size)?;
        dst.check_range(dst_offset, size)?;
        let (sb, so) = src.wgpu_buffer();
        let (db, do_) = dst.wgpu_buffer();
        let (s, d) = (so + src_offset, do_ + dst_offset);
        if sb == db && s < d + size && d < s + size {
            return Err(Error::MemCopyOverlap);
        }
        let work = Work::Copy { src: src.clone(), dst: dst.clone(), src_offset, dst_offset, size };
        self.enqueue(CommandType::CopyBuffer, wait, work, false)
    }

    /// `clEnqueueFillBuffer`.
    pub fn enqueue_fill_buffer(self: &Arc<Self>, mem: &Arc<MemObject>, pattern: &[u8], offset: u64, size: u64, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.check_mem(mem)?;
        let p = pattern.len() as u64;
        if pattern.is_empty() || !p.is_power_of_two() || p > 128 || !offset.is_multiple_of(p) || !size.is_multiple_of(p) {
            return Err(Error::InvalidValue("invalid fill pattern size, offset or size"));
        }
        mem.check_range(offset, size)?;
        let work = Work::Fill { dst: mem.clone(), pattern: pattern.to_vec(), offset, size };
        self.enqueue(CommandType::FillBuffer, wait, work, false)
    }

    /// `clEnqueueMapBuffer`: returns the mapped host region; its contents are valid once the
    /// event completes (before returning, when `blocking`).
    pub fn enqueue_map_buffer(self: &Arc<Self>, mem: &Arc<MemObject>, blocking: bool, flags: MapFlags, offset: u64, size: u64, wait: &[Arc<Event>]) -> Result<(Arc<Event>, HostPtr)> {
        self.check_mem(mem)?;
        mem.check_range(offset, size)?;
        if size == 0 {
            return Err(Error::InvalidValue("map size is 0"));
        }
        if flags.invalidate && (flags.read || flags.write) {
            return Err(Error::InvalidValue("CL_MAP_WRITE_INVALIDATE_REGION excludes CL_MAP_READ/WRITE"));
        }
        let f = mem.flags();
        if (flags.read && (f.has(MemFlags::HOST_WRITE_ONLY) || f.has(MemFlags::HOST_NO_ACCESS)))
            || ((flags.write || flags.invalidate) && (f.has(MemFlags::HOST_READ_ONLY) || f.has(MemFlags::HOST_NO_ACCESS)))
        {
            return Err(Error::InvalidOperation("the buffer's host access flags forbid this mapping"));
        }
        if blocking {
            refuse_blocking_in_callback()?;
        }
        let (ptr, storage) = mem.add_mapping(offset, size, flags.write || flags.invalidate);
        let work = if flags.invalidate {
            Work::Nothing
        } else {
            let dst = match storage {
                Some(s) => ReadTarget::Mapping { dst: ptr, _keep: s },
                None => ReadTarget::Host(ptr),
            };
            Work::Read { src: mem.clone(), offset, size, dst }
        };
        let ev = self.enqueue(CommandType::MapBuffer, wait, work, false)?;
        if blocking {
            self.complete_blocking(&ev, wait)?;
        }
        Ok((ev, ptr))
    }

    /// `clEnqueueUnmapMemObject`.
    pub fn enqueue_unmap(self: &Arc<Self>, mem: &Arc<MemObject>, mapped_ptr: usize, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.check_mem(mem)?;
        let m = mem.take_mapping(mapped_ptr)?;
        let write_back = m.write.then_some((m.offset, m.host));
        let work = Work::Unmap { mem: mem.clone(), write_back, _storage: m.storage };
        self.enqueue(CommandType::UnmapMemObject, wait, work, false)
    }

    /// `clEnqueueNDRangeKernel`.
    pub fn enqueue_nd_range(self: &Arc<Self>, kernel: &Arc<Kernel>, range: &NdRange, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        if !Arc::ptr_eq(kernel.program().context(), &self.context) {
            return Err(Error::InvalidContext);
        }
        if range.global.contains(&0) {
            // OpenCL 2.1+: a zero-sized NDRange trivially succeeds once its wait list has.
            kernel.check_empty_launch(range)?;
            return self.enqueue(CommandType::NdRangeKernel, wait, Work::Nothing, false);
        }
        let launch = kernel.launch(&self.engine, range)?;
        self.enqueue(CommandType::NdRangeKernel, wait, Work::Kernel(launch), false)
    }

    /// `clEnqueueTask`: a single work-item.
    pub fn enqueue_task(self: &Arc<Self>, kernel: &Arc<Kernel>, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        let ev = self.enqueue_nd_range(kernel, &NdRange::d1(1).with_local(&[1]), wait)?;
        Ok(ev)
    }

    /// `clEnqueueReadBufferRect` into application memory: `host` covers the host side from
    /// its byte 0 (the rows land at `host_layout`'s offsets in it).
    #[allow(clippy::too_many_arguments)]
    pub fn enqueue_read_buffer_rect_host(
        self: &Arc<Self>,
        mem: &Arc<MemObject>,
        blocking: bool,
        buffer_layout: RectLayout,
        host_layout: RectLayout,
        region: [u64; 3],
        host: HostPtr,
        wait: &[Arc<Event>],
    ) -> Result<Arc<Event>> {
        let rows = self.host_rect_rows(mem, buffer_layout, host_layout, region, &host)?;
        Self::check_host_read(mem)?;
        let start = rows.iter().map(|r| r.0).min().unwrap_or(0);
        let end = rows.iter().map(|r| r.0 + r.2).max().unwrap_or(0);
        let targets: Vec<(usize, HostPtr)> = rows.iter().map(|&(bo, ho, len)| ((bo - start) as usize, host.offset(ho as usize, len as usize))).collect();
        let work = Work::Read { src: mem.clone(), offset: start, size: end - start, dst: ReadTarget::Rows(Arc::new(targets)) };
        self.enqueue_transfer(CommandType::ReadBufferRect, wait, work, blocking)
    }

    /// `clEnqueueWriteBufferRect` from application memory (read at submission, or before
    /// returning when `blocking`); `host` covers the host side from its byte 0.
    #[allow(clippy::too_many_arguments)]
    pub fn enqueue_write_buffer_rect_host(
        self: &Arc<Self>,
        mem: &Arc<MemObject>,
        blocking: bool,
        buffer_layout: RectLayout,
        host_layout: RectLayout,
        region: [u64; 3],
        host: HostPtr,
        wait: &[Arc<Event>],
    ) -> Result<Arc<Event>> {
        let rows = self.host_rect_rows(mem, buffer_layout, host_layout, region, &host)?;
        Self::check_host_write(mem)?;
        let rows = rows.iter().map(|&(bo, ho, len)| (bo, host.offset(ho as usize, len as usize))).collect();
        self.enqueue_transfer(CommandType::WriteBufferRect, wait, Work::WriteRows { dst: mem.clone(), rows }, blocking)
    }

    /// `clEnqueueCopyBufferRect`.
    #[allow(clippy::too_many_arguments)]
    pub fn enqueue_copy_buffer_rect(
        self: &Arc<Self>,
        src: &Arc<MemObject>,
        dst: &Arc<MemObject>,
        src_layout: RectLayout,
        dst_layout: RectLayout,
        region: [u64; 3],
        wait: &[Arc<Event>],
    ) -> Result<Arc<Event>> {
        self.check_mem(src)?;
        self.check_mem(dst)?;
        let (s, d) = Self::resolve_rect(src_layout, dst_layout, region)?;
        src.check_range(0, s.end(region)?)?;
        dst.check_range(0, d.end(region)?)?;
        let rows = crate::rect::rows(s, d, region)?;
        let (sb, so) = src.wgpu_buffer();
        let (db, do_) = dst.wgpu_buffer();
        if sb == db {
            let abs: Vec<(u64, u64, u64)> = rows.iter().map(|&(a, b, l)| (a + so, b + do_, l)).collect();
            if crate::rect::rows_overlap(&abs) {
                return Err(Error::MemCopyOverlap);
            }
        }
        let work = Work::CopyRows { src: src.clone(), dst: dst.clone(), rows };
        self.enqueue(CommandType::CopyBufferRect, wait, work, false)
    }

    #[allow(clippy::type_complexity)]
    /// Both layouts with their pitches resolved. The per-row list comes only after the
    /// caller checked the ranges: a huge region would otherwise list billions of rows.
    fn resolve_rect(a: RectLayout, b: RectLayout, region: [u64; 3]) -> Result<(RectLayout, RectLayout)> {
        if region.contains(&0) {
            return Err(Error::InvalidValue("a region extent is 0"));
        }
        Ok((a.resolve(region)?, b.resolve(region)?))
    }

    /// `clEnqueueMigrateMemObjects`: one device, so nothing moves; the command orders like
    /// any other (wait list, queue order) and reports `CL_COMMAND_MIGRATE_MEM_OBJECTS`.
    pub fn enqueue_migrate_mem_objects(self: &Arc<Self>, mems: &[Arc<MemObject>], wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        if mems.is_empty() {
            return Err(Error::InvalidValue("no memory objects to migrate"));
        }
        for m in mems {
            self.check_mem(m)?;
        }
        self.enqueue(CommandType::MigrateMemObjects, wait, Work::Nothing, false)
    }

    /// `clEnqueueMarkerWithWaitList`: completes when its wait list (or, when empty, every
    /// earlier command) has.
    pub fn enqueue_marker(self: &Arc<Self>, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.enqueue(CommandType::Marker, wait, Work::Nothing, wait.is_empty())
    }

    /// `clEnqueueBarrierWithWaitList`: like a marker, and later commands wait for it.
    pub fn enqueue_barrier(self: &Arc<Self>, wait: &[Arc<Event>]) -> Result<Arc<Event>> {
        self.enqueue(CommandType::Barrier, wait, Work::Nothing, true)
    }
}

impl Drop for CommandQueue {
    /// Releasing a queue flushes it: its commands still run.
    fn drop(&mut self) {
        let cmds = std::mem::take(&mut self.state.lock().unflushed);
        if !cmds.is_empty() {
            self.engine.push(cmds);
        }
    }
}
