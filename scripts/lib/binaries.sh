# Sourced by the scripts that build or install the shipped binaries (launch.sh,
# install-service.sh): what they are and how to build just them. The Dockerfiles name the same
# lists in their build stage.

# The binaries a camera runs (the supervisor, its nodes, the shared-memory tool).
MM_BINARIES=(mm-supervisor mm-capture mm-inference mm-overlay mm-encode mm-h264 mm-media mm-api
             mm-solana mm-biometric mm-fleet mm-shm)
# The packages that build them, with the fleet bridge's Zenoh. Only these: the workspace's
# benches and tests need more (GStreamer, a browser) than running a camera does.
MM_BUILD_ARGS=(--release --features mm-fleet/zenoh
               -p mm-runtime -p mm-capture -p mm-inference -p mm-overlay -p mm-encode -p mm-h264
               -p mm-media -p mm-api -p mm-solana -p mm-biometric -p mm-fleet -p mm-shm)
