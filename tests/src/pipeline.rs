//! Starting and stopping the real system.

use mm_runtime::procfs::{children_named, is_running};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Configures a pipeline before starting it.
pub struct PipelineBuilder {
    name: String,
    config: String,
    nodes: String,
    encode_input: &'static str,
    camera_and_port: Option<(String, u16)>,
    keep_logs: bool,
    own_public_url: bool,
    env: Vec<(String, String)>,
}

impl PipelineBuilder {
    /// Names the pipeline's own address (`http://127.0.0.1:<port>`) as `access.public_url`,
    /// so that its Sign-In messages name the host a browser shows the page from (a wallet
    /// refuses any other).
    pub fn own_public_url(mut self) -> Self {
        self.own_public_url = true;
        self
    }

    /// Sets an environment variable for every process (e.g. a secret).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Writes what every process logs (stderr) to a file that [`Pipeline::logs`] reads,
    /// instead of the test's own stderr.
    pub fn keep_logs(mut self) -> Self {
        self.keep_logs = true;
        self
    }

    /// Adds TOML lines to the config (sections included).
    pub fn config(mut self, toml: &str) -> Self {
        self.config.push_str(toml);
        self.config.push('\n');
        self
    }

    /// Runs the whole vision pipeline (capture, inference, overlay, encode, api) with the
    /// models of `scripts/fetch-models.sh`; without this the pipeline is capture, encode and
    /// api with encode reading raw frames.
    pub fn vision(mut self) -> Self {
        self.nodes = "capture,inference,overlay,encode,api".to_owned();
        self.encode_input = "composited";
        self
    }

    /// Runs only `nodes` (comma-separated, as `supervisor.nodes`), encode reading
    /// `encode_input` (`raw` or `composited`).
    pub fn nodes(mut self, nodes: &str, encode_input: &'static str) -> Self {
        self.nodes = nodes.to_owned();
        self.encode_input = encode_input;
        self
    }

    /// Adds the biometric node (its port, database and device key are the pipeline's own).
    pub fn biometric(self) -> Self {
        self.add_node("biometric")
    }

    /// Adds `node` to the nodes the supervisor runs.
    pub fn add_node(mut self, node: &str) -> Self {
        self.nodes.push(',');
        self.nodes.push_str(node);
        self
    }

    /// Runs as the camera of `other` (same camera id and API port), as a restart of the
    /// system would.
    pub fn same_camera_as(mut self, other: &Pipeline) -> Self {
        self.camera_and_port = Some((other.camera.clone(), other.port));
        self
    }

    /// Writes the config and starts `mm-supervisor`.
    pub fn start(self) -> Pipeline {
        let dir = tempfile::tempdir().expect("temp dir");
        let (camera, port) = self
            .camera_and_port
            .unwrap_or_else(|| (format!("{}-{}", self.name, std::process::id()), free_port()));
        let config_path = dir.path().join("mmoment.toml");
        std::fs::write(&config_path, &self.config).expect("write config");
        let mut pipeline = Pipeline {
            supervisor: None,
            owner_token: tokio::sync::OnceCell::new(),
            camera,
            port,
            config_path,
            nodes: self.nodes,
            encode_input: self.encode_input,
            biometric_port: free_port(),
            env: self.env,
            _dir: dir,
        };
        if self.own_public_url {
            let url = pipeline.url("");
            pipeline.env.push(("MM_ACCESS_PUBLIC_URL".to_owned(), url));
        }
        let mut command = pipeline.command("mm-supervisor");
        if self.keep_logs {
            let log = std::fs::File::create(pipeline.log_path()).expect("create log file");
            command.stderr(log);
        }
        let supervisor = command.spawn().expect("start mm-supervisor");
        pipeline.supervisor = Some(supervisor);
        pipeline
    }
}

/// A running supervisor with its nodes. Dropping it stops everything.
pub struct Pipeline {
    supervisor: Option<Child>,
    owner_token: tokio::sync::OnceCell<String>,
    camera: String,
    port: u16,
    config_path: PathBuf,
    nodes: String,
    encode_input: &'static str,
    biometric_port: u16,
    env: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Pipeline {
    /// A pipeline named `name` (its camera id gets the test process id appended), synthetic
    /// source unless configured otherwise.
    pub fn builder(name: &str) -> PipelineBuilder {
        PipelineBuilder {
            name: name.to_owned(),
            config: String::new(),
            nodes: "capture,encode,api".to_owned(),
            encode_input: "raw",
            camera_and_port: None,
            keep_logs: false,
            own_public_url: false,
            env: Vec::new(),
        }
    }

    /// Where the media node of this pipeline keeps its recordings.
    pub fn videos_dir(&self) -> PathBuf {
        self._dir.path().join("videos")
    }

    /// The biometric node's URL for `path` (loopback; see [`PipelineBuilder::biometric`]).
    pub fn biometric_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.biometric_port)
    }

    /// The biometric node's database.
    pub fn biometric_database(&self) -> PathBuf {
        self._dir.path().join("biometric.sqlite")
    }

    /// The folder of this pipeline's files (config, databases, media).
    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }

    /// Where the media node of this pipeline keeps its photos.
    pub fn photos_dir(&self) -> PathBuf {
        self._dir.path().join("photos")
    }

    /// What the processes logged so far (with [`PipelineBuilder::keep_logs`]).
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self._dir.path().join("stderr.log")
    }

    /// A command for `binary` (e.g. `mm-supervisor`, `mm-capture`) of this camera: its config
    /// file and the environment every process of the pipeline gets. What every test needs goes
    /// through the environment, as a deployment would override a shared config file; the
    /// supervisor's children inherit it.
    pub fn command(&self, binary: &str) -> Command {
        let bin_dir = bin_dir();
        let mut command = Command::new(bin_dir.join(binary));
        command
            .arg("--config")
            .arg(&self.config_path)
            .env("MM_CAMERA_ID", &self.camera)
            .env("MM_API_BIND", format!("127.0.0.1:{}", self.port))
            .env("MM_SUPERVISOR_BIN_DIR", &bin_dir)
            .env("MM_SUPERVISOR_NODES", &self.nodes)
            .env("MM_ENCODE_INPUT", self.encode_input)
            .env("MM_INFERENCE_MODEL_DIR", model_dir())
            .env("MM_RECORDING_DIR", self.videos_dir())
            .env("MM_PHOTOS_DIR", self.photos_dir())
            .env("MM_ACCESS_DATABASE", self._dir.path().join("api.sqlite"))
            .env(
                "MM_BIOMETRIC_BIND",
                format!("127.0.0.1:{}", self.biometric_port),
            )
            .env("MM_BIOMETRIC_DATABASE", self.biometric_database())
            .env(
                "MM_BIOMETRIC_DEVICE_KEY_FILE",
                self._dir.path().join("biometric-device.key"),
            )
            .env(
                "MM_ACCESS_OWNER_WALLET",
                crate::wallet::TestWallet::owner().address(),
            )
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Kills the supervisor with SIGKILL (it gets no chance to stop its nodes) and reaps it.
    pub fn kill_supervisor(&mut self) {
        if let Some(mut supervisor) = self.supervisor.take() {
            let _ = supervisor.kill();
            let _ = supervisor.wait();
        }
    }

    /// A session token of the camera's owner ([`crate::wallet::TestWallet::owner`]), signed
    /// in once per pipeline (again after [`Self::forget_owner_session`]).
    pub async fn owner_token(&self) -> String {
        self.owner_token
            .get_or_init(|| async { crate::wallet::TestWallet::owner().sign_in(self).await })
            .await
            .clone()
    }

    /// An HTTP client that sends the owner's session token with every request.
    pub async fn owner_client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("Bearer {}", self.owner_token().await);
        headers.insert(
            reqwest::header::AUTHORIZATION,
            reqwest::header::HeaderValue::from_str(&value).expect("token header"),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("HTTP client")
    }

    /// Forgets the owner's session token (after a restart that ends it).
    pub fn forget_owner_session(&mut self) {
        self.owner_token = tokio::sync::OnceCell::new();
    }

    /// `http://127.0.0.1:<port>` of the API.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The camera id.
    pub fn camera(&self) -> &str {
        &self.camera
    }

    /// The camera's service names and prefixes.
    pub fn service_names(&self) -> mm_shm_schema::ServiceNames {
        let camera = mm_shm_schema::CameraId::new(&self.camera).expect("valid camera id");
        mm_shm_schema::ServiceNames::new(camera)
    }

    /// The supervisor's pid.
    pub fn supervisor_pid(&self) -> u32 {
        self.supervisor
            .as_ref()
            .map(Child::id)
            .expect("supervisor running")
    }

    /// The pid of node `name` (e.g. `capture`), waiting up to 5 s for it to run.
    pub fn node_pid(&self, name: &str) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(pid) =
                children_named(self.supervisor_pid(), &mm_shm_schema::node_name(name)).first()
            {
                return *pid;
            }
            assert!(Instant::now() < deadline, "node {name} is not running");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `/api/health` until it answers `status` or `timeout` passes; returns the body.
    pub async fn wait_for_health(&self, status: u16, timeout: Duration) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        let mut last = String::from("no answer");
        while Instant::now() < deadline {
            assert!(
                is_running(self.supervisor_pid()),
                "mm-supervisor exited; see its log above"
            );
            if let Ok(response) = reqwest::get(self.url("/api/health")).await {
                let code = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                if code == status {
                    return body;
                }
                last = format!("{code} {body}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("/api/health never answered {status} within {timeout:?}; last: {last}");
    }

    /// Polls `/api/health` until it answers 200 with every node of `nodes` alive, up to
    /// `timeout`; returns the body.
    pub async fn wait_for_nodes_alive(
        &self,
        nodes: &[&str],
        timeout: Duration,
    ) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let health = self.wait_for_health(200, remaining).await;
            if nodes
                .iter()
                .all(|node| health["nodes"][node]["alive"] == true)
            {
                return health;
            }
            assert!(
                Instant::now() < deadline,
                "not every node of {nodes:?} alive within {timeout:?}: {health}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM to the supervisor and waits up to `timeout` for it to exit; returns how
    /// long it took.
    pub fn terminate(&mut self, timeout: Duration) -> Option<Duration> {
        let mut supervisor = self.supervisor.take()?;
        let started = Instant::now();
        let _ = kill(Pid::from_raw(supervisor.id() as i32), Signal::SIGTERM);
        while started.elapsed() < timeout {
            if let Ok(Some(_)) = supervisor.try_wait() {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = supervisor.kill();
        let _ = supervisor.wait();
        None
    }

    /// Files this camera's iceoryx2 resources left in `/dev/shm` and iceoryx2's root folder,
    /// except the domain's 16-byte node counter (`*.global_mgmt`), which iceoryx2 keeps by
    /// design for as long as the machine runs.
    pub fn leftover_shm_files(&self) -> Vec<PathBuf> {
        let prefix = self.service_names().resource_prefix();
        let mut found = Vec::new();
        for dir in [Path::new("/dev/shm"), Path::new("/tmp/iceoryx2")] {
            collect_files(dir, &mut found);
        }
        found
            .into_iter()
            .filter(|path| {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                name.starts_with(&prefix) && !name.ends_with(".global_mgmt")
            })
            .collect()
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.terminate(Duration::from_secs(8));
    }
}

fn collect_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// The models and ONNX Runtime that `scripts/fetch-models.sh` installed: `MM_MODEL_DIR`, else
/// `.cache/models` in the repository.
pub fn model_dir() -> PathBuf {
    let dir = std::env::var_os("MM_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/models"));
    assert!(
        dir.join("lib/libonnxruntime.so.1").exists() && dir.join("centerface_dyn.onnx").exists(),
        "models missing in {}: run scripts/fetch-models.sh",
        dir.display()
    );
    dir
}

/// The test media folder (`../shared/media` beside the repository).
pub fn media(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/media")
        .join(name);
    assert!(
        path.exists(),
        "{} missing: ../shared/media must sit beside the repository",
        path.display()
    );
    path
}

/// The folder of the workspace binaries: `MM_BIN_DIR`, else the profile folder this binary
/// was built into (`target/<profile>`; tests live one level below, in `deps/`).
pub fn bin_dir() -> PathBuf {
    let dir = std::env::var_os("MM_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().expect("own binary path");
            let own_dir = exe.parent().expect("binary folder");
            if own_dir.ends_with("deps") {
                own_dir.parent().expect("target dir").to_path_buf()
            } else {
                own_dir.to_path_buf()
            }
        });
    for binary in [
        "mm-supervisor",
        "mm-capture",
        "mm-inference",
        "mm-overlay",
        "mm-encode",
        "mm-h264",
        "mm-media",
        "mm-api",
        "mm-solana",
        "mm-biometric",
    ] {
        assert!(
            dir.join(binary).is_file(),
            "{} missing: build the binaries first (cargo build --release --workspace --bins)",
            dir.join(binary).display()
        );
    }
    dir
}

/// A TCP port of loopback that nothing listens on now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// Whether every pid in `pids` has exited.
pub fn all_exited(pids: &[u32]) -> bool {
    pids.iter().all(|&pid| !is_running(pid))
}
