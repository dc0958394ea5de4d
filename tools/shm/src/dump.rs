//! `mm-shm dump`: one frame as an image file.

use crate::measure::Watcher;
use mm_bus::Bus;
use mm_codec::{decode_rgb, JpegEncoder};
use mm_shm_schema::{PixelFormat, Stream};
use std::path::Path;
use std::time::Duration;

/// How long to wait for a frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(5);
/// Quality of JPEGs written from raw frames.
const DUMP_QUALITY: u8 = 92;

/// Output formats.
enum Format {
    Png,
    Jpeg,
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => Ok(Format::Png),
        Some("jpg" | "jpeg") => Ok(Format::Jpeg),
        _ => anyhow::bail!(
            "{}: the file name must end in .png, .jpg or .jpeg",
            path.display()
        ),
    }
}

/// Takes the next frame of `stream` and writes it to `out`.
pub async fn run(bus: &Bus, stream: Stream, out: &Path) -> anyhow::Result<()> {
    let format = format_of(out)?;
    let timeout = |_| {
        anyhow::anyhow!(
            "no frame on {} within {FRAME_TIMEOUT:?}",
            bus.names().of(stream)
        )
    };
    let (width, height, rgb, jpeg) = match Watcher::open(bus, stream)? {
        Watcher::Frames(mut subscriber) => {
            let sample = tokio::time::timeout(FRAME_TIMEOUT, subscriber.next())
                .await
                .map_err(timeout)??;
            let header = *sample.user_header();
            let PixelFormat::Rgb24 = header.pixel_format()?;
            // Packed rows: the image writers take no stride.
            let rgb = header.packed_rows(sample.payload());
            (header.width, header.height, Some(rgb), None)
        }
        Watcher::Jpeg(mut subscriber) => {
            let sample = tokio::time::timeout(FRAME_TIMEOUT, subscriber.next())
                .await
                .map_err(timeout)??;
            let header = *sample.user_header();
            let len = (header.jpeg_len as usize).min(sample.payload().len());
            (
                header.frame.width,
                header.frame.height,
                None,
                Some(sample.payload()[..len].to_vec()),
            )
        }
        Watcher::H264(_) => {
            anyhow::bail!("{} holds H.264 access units, not pictures", stream.suffix())
        }
        Watcher::Status(_)
        | Watcher::Detections(_)
        | Watcher::Gallery(_)
        | Watcher::Policy(_)
        | Watcher::CheckIns(_) => {
            anyhow::bail!("{} is not a frame service", stream.suffix())
        }
    };
    let bytes = match (format, rgb, jpeg) {
        (Format::Jpeg, _, Some(jpeg)) => jpeg,
        (Format::Jpeg, Some(rgb), None) => JpegEncoder::new(DUMP_QUALITY)
            .encode(&rgb, width as usize, height as usize, width as usize * 3)?
            .to_vec(),
        (Format::Png, Some(rgb), _) => png_bytes(width, height, &rgb)?,
        (Format::Png, None, Some(jpeg)) => {
            let image = decode_rgb(&jpeg)?;
            png_bytes(image.width as u32, image.height as u32, &image.pixels)?
        }
        (_, None, None) => anyhow::bail!("no frame"),
    };
    std::fs::write(out, bytes).map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
    println!("wrote {}x{height} frame to {}", width, out.display());
    Ok(())
}

fn png_bytes(width: u32, height: u32, rgb: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}
