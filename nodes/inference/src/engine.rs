//! ONNX Runtime: loading the shared library at run time and running models on f32 tensors.

use crate::image::{Normalize, Placement, RgbView};
use mm_runtime::config::ExecutionProvider;
use mm_runtime::report::ErrorChain;
use ort::environment::Environment;
use ort::logging::LogLevel;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::Session;
use ort::session::SessionInputValue;
use ort::value::{Tensor, TensorRef};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What lies under an [`EngineError`]: ONNX Runtime's error, or a description.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The ONNX Runtime library could not be loaded.
    #[error("cannot load ONNX Runtime from {} (run scripts/fetch-models.sh)", path.display())]
    Library {
        /// The library file.
        path: PathBuf,
        /// What the loader reported.
        #[source]
        source: Cause,
    },
    /// A model file is missing or invalid.
    #[error("cannot load model {} (run scripts/fetch-models.sh)", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What ONNX Runtime reported.
        #[source]
        source: Cause,
    },
    /// Running a model failed.
    #[error("{model}: inference failed")]
    Run {
        /// The model.
        model: String,
        /// What ONNX Runtime (or the pre-processing) reported.
        #[source]
        source: Cause,
    },
    /// The model's outputs are not what the decoder expects.
    #[error("{model}: unexpected output {output}: {reason}")]
    Output {
        /// The model.
        model: String,
        /// The output name.
        output: String,
        /// What is wrong.
        reason: String,
    },
}

/// The ONNX Runtime library, loaded once per process, and how sessions are made.
pub struct Engine {
    environment: Environment,
    provider: ExecutionProvider,
    threads: usize,
    /// Set when the GPU provider could not start once: later models go straight to the CPU.
    gpu_failed: Cell<bool>,
}

impl Engine {
    /// Loads `library` (e.g. `.cache/models/lib/libonnxruntime.so.1`). Models will run on
    /// `provider` with `threads` threads each.
    pub fn load(
        library: &Path,
        provider: ExecutionProvider,
        threads: usize,
    ) -> Result<Self, EngineError> {
        let library_error = |cause: Cause| EngineError::Library {
            path: library.to_owned(),
            source: cause,
        };
        if !library.exists() {
            return Err(library_error("no such file".into()));
        }
        // ONNX Runtime allows one environment per process, ever: the first one is kept and
        // shared by every later engine.
        static ENVIRONMENT: OnceLock<(PathBuf, Environment)> = OnceLock::new();
        let (loaded_from, environment) = match ENVIRONMENT.get() {
            Some(loaded) => loaded,
            None => {
                let environment = ort::init_from(library)
                    .map_err(|e| library_error(e.into()))?
                    .with_name("mmoment")
                    .with_telemetry(false)
                    .build()
                    .map_err(|e| library_error(e.into()))?;
                // Model loading reports harmless graph clean-ups (unused initializers) as
                // warnings.
                environment.set_log_level(LogLevel::Error);
                ENVIRONMENT.get_or_init(|| (library.to_owned(), environment))
            }
        };
        if loaded_from != library {
            return Err(library_error(
                format!(
                    "this process already loaded ONNX Runtime from {}",
                    loaded_from.display()
                )
                .into(),
            ));
        }
        let environment = environment.clone();
        Ok(Self {
            environment,
            provider,
            threads,
            gpu_failed: Cell::new(false),
        })
    }

    /// The execution provider models get: the configured one, or the CPU once a GPU provider
    /// failed to start.
    pub fn provider(&self) -> ExecutionProvider {
        if self.gpu_failed.get() {
            ExecutionProvider::Cpu
        } else {
            self.provider
        }
    }

    /// Loads the model at `path`.
    pub fn model(&self, path: &Path) -> Result<Model, EngineError> {
        let model_error = |cause: Cause| EngineError::Model {
            path: path.to_owned(),
            source: cause,
        };
        if !path.exists() {
            return Err(model_error("no such file".into()));
        }
        let (session, on_gpu) = self.session(path).map_err(|e| model_error(e.into()))?;
        let input = session
            .inputs()
            .first()
            .map(|input| input.name().to_owned())
            .ok_or_else(|| model_error("the model has no input".into()))?;
        let name = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Model {
            session,
            name,
            input,
            on_gpu,
        })
    }

    /// A session for `path` and whether it runs on the GPU. A GPU provider that cannot start
    /// (no `cuda` feature, a CPU-only ONNX Runtime, no CUDA libraries or device) is reported
    /// once, and every model then runs on the CPU.
    fn session(&self, path: &Path) -> ort::Result<(Session, bool)> {
        if self.provider() != ExecutionProvider::Cpu {
            let gpu_session = self.builder().and_then(|builder| {
                crate::accelerator::with_gpu_provider(builder, self.provider)?
                    .commit_from_file(path)
            });
            match gpu_session {
                Ok(session) => return Ok((session, true)),
                Err(error) => {
                    tracing::warn!(
                        provider = ?self.provider,
                        error = %ErrorChain(&error),
                        "the GPU provider cannot start: models run on the CPU"
                    );
                    self.gpu_failed.set(true);
                }
            }
        }
        Ok((self.builder()?.commit_from_file(path)?, false))
    }

    fn builder(&self) -> ort::Result<SessionBuilder> {
        Ok(Session::builder(&self.environment)?
            .with_optimization_level(GraphOptimizationLevel::All)?
            .with_intra_threads(self.threads)?
            .with_inter_threads(1)?)
    }
}

/// The outputs of one run, borrowed from ONNX Runtime's buffers.
pub struct Outputs<'a> {
    model: &'a str,
    tensors: Vec<(String, Vec<usize>, &'a [f32])>,
}

impl<'a> Outputs<'a> {
    /// The output called `name`: its shape and values.
    pub fn get(&self, name: &str) -> Result<(&[usize], &'a [f32]), EngineError> {
        self.tensors
            .iter()
            .find(|(output, _, _)| output == name)
            .map(|(_, shape, values)| (shape.as_slice(), *values))
            .ok_or_else(|| self.error(name, "missing"))
    }

    /// Every output as (name, shape, values).
    pub fn all(&self) -> impl Iterator<Item = (&str, &[usize], &'a [f32])> {
        self.tensors
            .iter()
            .map(|(name, shape, values)| (name.as_str(), shape.as_slice(), *values))
    }

    /// An output-shape error of this model.
    pub fn error(&self, output: &str, reason: &str) -> EngineError {
        EngineError::Output {
            model: self.model.to_owned(),
            output: output.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

/// One loaded model with a single f32 input.
pub struct Model {
    session: Session,
    name: String,
    input: String,
    on_gpu: bool,
}

impl Model {
    /// The model's file stem, e.g. `centerface_dyn`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A failure of this model, e.g. in its pre-processing.
    pub fn error(&self, cause: impl Into<Cause>) -> EngineError {
        EngineError::Run {
            model: self.name.clone(),
            source: cause.into(),
        }
    }

    /// Runs the model on `data` shaped `shape` and hands the outputs to `decode`.
    pub fn run<R>(
        &mut self,
        shape: &[usize],
        data: &[f32],
        decode: impl FnOnce(&Outputs<'_>) -> Result<R, EngineError>,
    ) -> Result<R, EngineError> {
        let tensor =
            TensorRef::from_array_view((shape.to_vec(), data)).map_err(|e| self.error(e))?;
        let input = self.input.clone();
        self.run_inputs(vec![(input, tensor.into())], decode)
    }

    /// Runs a frame-input model (`<model>_frame.onnx`) on `frame` as it lies in memory: on
    /// the GPU through its registered device address when it has one, else from the host
    /// bytes. `placement` and `normalize` say what the graph's front end does.
    pub fn run_frame<R>(
        &mut self,
        frame: &RgbView<'_>,
        placement: &Placement,
        normalize: &Normalize,
        decode: impl FnOnce(&Outputs<'_>) -> Result<R, EngineError>,
    ) -> Result<R, EngineError> {
        let shape = vec![frame.height(), frame.width(), 3];
        let pixels = frame_tensor(frame, shape, self.on_gpu).map_err(|e| self.error(e))?;
        let small = |e: ort::Error| self.error(e);
        let sizes = Tensor::from_array(([4usize], placement.sizes().to_vec())).map_err(small)?;
        let pads = Tensor::from_array(([8usize], placement.pads().to_vec())).map_err(small)?;
        let mean = Tensor::from_array(([3usize], normalize.mean.to_vec())).map_err(small)?;
        let scale = Tensor::from_array(([3usize], normalize.scale.to_vec())).map_err(small)?;
        let channels =
            Tensor::from_array(([3usize], normalize.channel_order().to_vec())).map_err(small)?;
        let inputs: Vec<(String, SessionInputValue<'_>)> = vec![
            ("frame".into(), pixels),
            ("frame_sizes".into(), sizes.into()),
            ("frame_pads".into(), pads.into()),
            ("frame_mean".into(), mean.into()),
            ("frame_scale".into(), scale.into()),
            ("frame_channels".into(), channels.into()),
        ];
        self.run_inputs(inputs, decode)
    }

    fn run_inputs<R>(
        &mut self,
        inputs: Vec<(String, SessionInputValue<'_>)>,
        decode: impl FnOnce(&Outputs<'_>) -> Result<R, EngineError>,
    ) -> Result<R, EngineError> {
        let run_error = |cause: Cause| EngineError::Run {
            model: self.name.clone(),
            source: cause,
        };
        let outputs = self.session.run(inputs).map_err(|e| run_error(e.into()))?;
        let names: Vec<String> = outputs.keys().map(str::to_owned).collect();
        let mut tensors = Vec::with_capacity(names.len());
        for name in names {
            let Some(value) = outputs.get(&name) else {
                continue;
            };
            let (dims, values) = value
                .try_extract_tensor::<f32>()
                .map_err(|e| run_error(format!("output {name}: {e}").into()))?;
            let dims = dims.iter().map(|&d| d.max(0) as usize).collect();
            tensors.push((name, dims, values));
        }
        decode(&Outputs {
            model: &self.name,
            tensors,
        })
    }
}

/// The frame as a uint8 `[H, W, 3]` tensor, borrowed where it lies: the registered GPU mapping
/// when the view has one and the model runs `on_gpu`, else the host bytes.
fn frame_tensor<'a>(
    frame: &RgbView<'a>,
    shape: Vec<usize>,
    #[cfg_attr(not(feature = "cuda"), allow(unused_variables))] on_gpu: bool,
) -> ort::Result<SessionInputValue<'a>> {
    #[cfg(feature = "cuda")]
    if let Some(address) = frame.device_address().filter(|_| on_gpu) {
        use ort::memory::{AllocationDevice, AllocatorType, MemoryInfo, MemoryType};
        use ort::value::{Shape, TensorRefMut};
        let info = MemoryInfo::new(
            AllocationDevice::CUDA,
            0,
            AllocatorType::Device,
            MemoryType::Default,
        )?;
        let shape = Shape::new(shape.iter().map(|&d| d as i64));
        // SAFETY: `address` is the device mapping of `frame`'s bytes (cuMemHostRegister), valid
        // while the frame sample is held, which outlives this run; the graph only reads it.
        let tensor = unsafe {
            TensorRefMut::<u8>::from_raw(info, address as usize as *mut ort::sys::c_void, shape)
        }?;
        return Ok(tensor.into());
    }
    Ok(TensorRef::from_array_view((shape, frame.pixels()))?.into())
}
