//! The OpenCL C front end (not written yet): every build fails with a clear message.
use crate::{BuildError, BuildOptions, ProgramModule};

pub fn build(_source: &str, _options: &BuildOptions) -> Result<ProgramModule, BuildError> {
    Err(BuildError::new(
        "OpenCL C sources are not supported yet by this build of wgcl; use WGSL",
    ))
}
