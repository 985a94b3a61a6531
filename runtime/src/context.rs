//! Contexts: a set of devices that share memory objects, programs and events.
use std::sync::Arc;

use parking_lot::Mutex;

use crate::dispatcher::{dispatch, run_contained};
use crate::error::{Error, Result};
use crate::platform::Device;

/// `cl_context`.
pub struct Context {
    devices: Vec<Arc<Device>>,
    destructors: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    _live: crate::stats::Live,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("devices", &self.devices).finish()
    }
}

impl Context {
    /// `clCreateContext`. One device is what the runtime runs on today; the list is kept so
    /// that multi-device contexts are not designed out.
    pub fn new(devices: &[Arc<Device>]) -> Result<Arc<Self>> {
        if devices.is_empty() {
            return Err(Error::InvalidValue("a context needs at least one device"));
        }
        for d in devices {
            d.engine()?.check_alive()?;
        }
        Ok(Arc::new(Self { devices: devices.to_vec(), destructors: Mutex::new(Vec::new()), _live: crate::stats::Live::new(crate::stats::Kind::Context) }))
    }

    pub fn devices(&self) -> &[Arc<Device>] {
        &self.devices
    }

    /// `clSetContextDestructorCallback`: called in reverse order of registration when the
    /// context is destroyed, i.e. once nothing (queue, buffer, program, event) holds it.
    pub fn set_destructor_callback(&self, callback: Box<dyn FnOnce() + Send>) {
        self.destructors.lock().push(callback);
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        let callbacks = std::mem::take(&mut *self.destructors.lock());
        if !callbacks.is_empty() {
            dispatch(Box::new(move || {
                for cb in callbacks.into_iter().rev() {
                    run_contained(cb);
                }
            }));
        }
    }
}
