//! # wgcl: OpenCL's object, event and callback model on wgpu
//!
//! The runtime core: platforms and devices (wgpu adapters), contexts, command queues,
//! buffers, programs and kernels, and the event state machine with every OpenCL callback.
//! Objects are `Arc`-shared; calls return [`Result`] with an [`Error`] whose
//! [`Error::code`] is the OpenCL error number. There are no C types here: the C ABI lives
//! in the `wgcl-capi` crate and only translates.
//!
//! ## Threads
//! * Each device has a completion thread that blocks in wgpu's poll and retires finished
//!   submissions ([`engine`](crate::engine) explains the status rules).
//! * One callback thread runs every user callback, never while a runtime lock is held
//!   ([`dispatcher`]). A callback may retain/release objects, set user-event status, enqueue
//!   non-blocking commands, flush and register callbacks. Blocking calls made from a
//!   callback (finish, wait, blocking read/write/map, blocking build), which the spec leaves
//!   undefined, return [`Error::InvalidOperation`] instead of deadlocking.
//!   A panicking callback is caught and logged; the runtime carries on.
//!
//! ## Quick example
//! ```no_run
//! use wgcl::*;
//! let platform = Platform::get();
//! let device = platform.default_device()?;
//! let ctx = Context::new(&[device.clone()])?;
//! let queue = CommandQueue::new(&ctx, &device, QueueProperties::default())?;
//! let buf = MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE), 16, HostInit::None)?;
//! let ev = queue.enqueue_write_buffer(&buf, 0, vec![1u8; 16], &[])?;
//! ev.set_callback(CallbackType::Complete, Box::new(|_, status| println!("done: {status}")));
//! queue.finish()?;
//! # Ok::<(), wgcl::Error>(())
//! ```

pub mod clock;
mod command;
mod context;
pub mod dispatcher;
mod engine;
mod error;
mod event;
#[doc(hidden)]
pub mod event_core;
mod host;
mod kernel;
mod memory;
mod platform;
pub mod printf;
mod program;
mod queue;
mod rect;
mod spin;
mod trace;
#[doc(hidden)]
pub mod stats;

pub use context::Context;
pub use error::{Error, Result};
pub use event::{
    wait_for_events, CallbackType, CommandType, Event, EventCallback, EventFuture, ProfilingInfo, ProfilingPoint, COMPLETE,
    ERROR_FOR_EVENTS_IN_WAIT_LIST, QUEUED, RUNNING, SUBMITTED,
};
pub use host::HostPtr;
pub use kernel::{Kernel, KernelArg};
pub use memory::{HostInit, MemFlags, MemObject};
pub use platform::{Device, DeviceInfo, DeviceType, Platform};
pub use program::{BuildStatus, Program};
#[doc(hidden)]
pub use stats::{live_objects, LiveCounts};
pub use queue::{CommandQueue, MapFlags, NdRange, QueueProperties};
pub use rect::RectLayout;
pub use wgcl_kernels as kernels;
