//! Page-locking the shared-memory frame segments with the CUDA driver (feature `cuda`).
//!
//! The driver (`libcuda.so.1`) is loaded at run time, so the crate builds and runs without
//! CUDA. A registered frame is mapped into the GPU's address space: a GPU kernel can read it
//! in place over the bus (on Jetson, host and GPU share DRAM), without a copy into device
//! memory.

use libloading::{Library, Symbol};
use std::collections::HashMap;
use std::ffi::c_void;

/// `CU_MEMHOSTREGISTER_PORTABLE | CU_MEMHOSTREGISTER_DEVICEMAP`.
const REGISTER_FLAGS: u32 = 0x01 | 0x02;
/// `CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED`.
const ALREADY_REGISTERED: i32 = 712;
const PAGE: usize = 4096;

type CuResult = i32;
type CuInit = unsafe extern "C" fn(u32) -> CuResult;
type CuDeviceGet = unsafe extern "C" fn(*mut i32, i32) -> CuResult;
type CuPrimaryCtxRetain = unsafe extern "C" fn(*mut *mut c_void, i32) -> CuResult;
type CuCtxSetCurrent = unsafe extern "C" fn(*mut c_void) -> CuResult;
type CuMemHostRegister = unsafe extern "C" fn(*mut c_void, usize, u32) -> CuResult;
type CuMemHostGetDevicePointer = unsafe extern "C" fn(*mut u64, *mut c_void, u32) -> CuResult;

/// Why the CUDA driver could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CudaError {
    /// `libcuda.so.1` or one of its functions is missing (no NVIDIA driver).
    #[error("cannot load the CUDA driver")]
    Load(#[source] libloading::Error),
    /// A driver call failed.
    #[error("{call} failed with CUDA error {code}")]
    Call {
        /// The driver function.
        call: &'static str,
        /// Its `CUresult`.
        code: i32,
    },
}

fn check(call: &'static str, code: CuResult) -> Result<(), CudaError> {
    match code {
        0 => Ok(()),
        code => Err(CudaError::Call { call, code }),
    }
}

/// Frame memory registered with the CUDA driver, by page-aligned start address.
pub struct PinnedFrames {
    driver: Library,
    /// Start address → device pointer of the registered range.
    registered: HashMap<usize, u64>,
}

impl PinnedFrames {
    /// Loads the driver and makes device 0's primary context current on this thread.
    pub fn load() -> Result<Self, CudaError> {
        // SAFETY: loading the NVIDIA driver library runs its initialisers, which have no
        // preconditions.
        let driver = unsafe { Library::new("libcuda.so.1") }.map_err(CudaError::Load)?;
        // SAFETY: each symbol is looked up with the driver API's documented signature, and
        // called with pointers to live locals and the context the previous call returned.
        unsafe {
            let init: Symbol<CuInit> = symbol(&driver, b"cuInit\0")?;
            check("cuInit", init(0))?;
            let device_get: Symbol<CuDeviceGet> = symbol(&driver, b"cuDeviceGet\0")?;
            let mut device = 0;
            check("cuDeviceGet", device_get(&mut device, 0))?;
            let retain: Symbol<CuPrimaryCtxRetain> =
                symbol(&driver, b"cuDevicePrimaryCtxRetain\0")?;
            let mut context = std::ptr::null_mut();
            check("cuDevicePrimaryCtxRetain", retain(&mut context, device))?;
            let set_current: Symbol<CuCtxSetCurrent> = symbol(&driver, b"cuCtxSetCurrent\0")?;
            check("cuCtxSetCurrent", set_current(context))?;
        }
        Ok(Self {
            driver,
            registered: HashMap::new(),
        })
    }

    /// Registers the pages holding `frame` (once per distinct frame slot) and returns the
    /// device address of its first byte.
    pub fn register(&mut self, frame: &[u8]) -> Result<u64, CudaError> {
        let address = frame.as_ptr() as usize;
        let start = address - address % PAGE;
        let end = (address + frame.len()).div_ceil(PAGE) * PAGE;
        if let Some(device) = self.registered.get(&start) {
            return Ok(device + (address - start) as u64);
        }
        // SAFETY: `start..end` covers mapped pages of the shared-memory segment, which stays
        // mapped for the life of this process's subscriber; the driver only pins them.
        let device = unsafe {
            let register: Symbol<CuMemHostRegister> =
                symbol(&self.driver, b"cuMemHostRegister_v2\0")?;
            let code = register(start as *mut c_void, end - start, REGISTER_FLAGS);
            if code != ALREADY_REGISTERED {
                check("cuMemHostRegister", code)?;
            }
            let device_pointer: Symbol<CuMemHostGetDevicePointer> =
                symbol(&self.driver, b"cuMemHostGetDevicePointer_v2\0")?;
            let mut device = 0u64;
            check(
                "cuMemHostGetDevicePointer",
                device_pointer(&mut device, start as *mut c_void, 0),
            )?;
            device
        };
        self.registered.insert(start, device);
        Ok(device + (address - start) as u64)
    }

    /// Frame slots registered so far.
    pub fn registered(&self) -> usize {
        self.registered.len()
    }
}

/// Looks up a driver function.
///
/// # Safety
/// `T` must be the function's real signature.
unsafe fn symbol<'a, T>(driver: &'a Library, name: &[u8]) -> Result<Symbol<'a, T>, CudaError> {
    // SAFETY: the caller promises `T` is the symbol's real signature, the one precondition of
    // `Library::get`.
    unsafe { driver.get(name) }.map_err(CudaError::Load)
}
