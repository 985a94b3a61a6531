//! # wgcl-web: wgcl in the browser
//!
//! An OpenCL-like JavaScript API over the `wgcl` runtime, made with wasm-bindgen (only when
//! built for `wasm32`; natively this crate is just the plain helpers in [`common`]).
//! `scripts/web.sh` builds it and serves the demo page in `web-demo/`; `web-demo/wgcl.js`
//! is the JavaScript entry (`import * as wgcl from './wgcl.js'; await wgcl.init();`).
//!
//! In the browser nothing blocks: commands complete through WebGPU's promises and every
//! event callback runs from a microtask, in status order per event.
pub mod common;

#[cfg(target_arch = "wasm32")]
mod bindings;
