//! `mm-fleet`: the fleet bridge node (see the library). Built without the `zenoh` feature it
//! says so and exits, so that a supervisor configured with it shows why in its log.

#[cfg(feature = "zenoh")]
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    mm_fleet::bridge::run().await
}

#[cfg(not(feature = "zenoh"))]
fn main() -> std::process::ExitCode {
    eprintln!("mm-fleet: built without Zenoh; build it with --features mm-fleet/zenoh");
    std::process::ExitCode::from(2)
}
