//! Choosing a camera mode for the configured size and rate.

use super::camera::{CameraPixelFormat, Mode};
use mm_runtime::config::V4l2FormatChoice;

/// Tolerance for cameras that advertise e.g. 29.97 fps for "30".
const FPS_SLACK: f32 = 0.5;

/// What the configuration asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Pixel format preference.
    pub format: V4l2FormatChoice,
}

/// No mode fits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NegotiationError {
    /// The camera offers no YUYV or MJPEG mode (or none in the format configured).
    #[error("camera offers no {0} mode")]
    NoUsableFormat(&'static str),
}

/// Picks the mode to stream:
/// 1. only formats the preference allows (auto: YUYV and MJPEG);
/// 2. the configured size if offered, else the offered size closest in pixel count (larger
///    wins a tie);
/// 3. at that size, YUYV (no decode cost) if it reaches the rate, else MJPEG if it does, else
///    whichever is fastest.
pub fn negotiate(modes: &[Mode], wanted: Wanted) -> Result<Mode, NegotiationError> {
    let allowed: Vec<&Mode> = modes
        .iter()
        .filter(|mode| match wanted.format {
            V4l2FormatChoice::Auto => true,
            V4l2FormatChoice::Yuyv => mode.format == CameraPixelFormat::Yuyv,
            V4l2FormatChoice::Mjpeg => mode.format == CameraPixelFormat::Mjpeg,
        })
        .collect();
    let format_name = match wanted.format {
        V4l2FormatChoice::Auto => "YUYV or MJPEG",
        V4l2FormatChoice::Yuyv => "YUYV",
        V4l2FormatChoice::Mjpeg => "MJPEG",
    };
    let wanted_area = i64::from(wanted.width) * i64::from(wanted.height);
    let size = allowed
        .iter()
        .map(|mode| (mode.width, mode.height))
        .min_by_key(|&(w, h)| {
            let exact = (w, h) != (wanted.width, wanted.height);
            let area = i64::from(w) * i64::from(h);
            (exact, (area - wanted_area).abs(), -area)
        })
        .ok_or(NegotiationError::NoUsableFormat(format_name))?;
    let at_size: Vec<&Mode> = allowed
        .into_iter()
        .filter(|mode| (mode.width, mode.height) == size)
        .collect();
    let fast_enough = |format| {
        at_size
            .iter()
            .find(|mode| mode.format == format && mode.max_fps + FPS_SLACK >= wanted.fps as f32)
    };
    let chosen = fast_enough(CameraPixelFormat::Yuyv)
        .or_else(|| fast_enough(CameraPixelFormat::Mjpeg))
        .or_else(|| {
            at_size
                .iter()
                .max_by(|a, b| a.max_fps.total_cmp(&b.max_fps))
        })
        .ok_or(NegotiationError::NoUsableFormat(format_name))?;
    Ok(**chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CameraPixelFormat::{Mjpeg, Yuyv};

    fn mode(format: CameraPixelFormat, width: u32, height: u32, max_fps: f32) -> Mode {
        Mode {
            format,
            width,
            height,
            max_fps,
        }
    }

    fn wanted(width: u32, height: u32, fps: u32, format: V4l2FormatChoice) -> Wanted {
        Wanted {
            width,
            height,
            fps,
            format,
        }
    }

    /// A typical USB2 webcam: YUYV is bandwidth-limited at high resolutions.
    fn webcam() -> Vec<Mode> {
        vec![
            mode(Yuyv, 640, 480, 30.0),
            mode(Yuyv, 1280, 720, 10.0),
            mode(Mjpeg, 640, 480, 30.0),
            mode(Mjpeg, 1280, 720, 30.0),
            mode(Mjpeg, 1920, 1080, 29.97),
        ]
    }

    #[test]
    fn prefers_yuyv_when_it_reaches_the_rate() {
        let chosen = negotiate(&webcam(), wanted(640, 480, 30, V4l2FormatChoice::Auto)).unwrap();
        assert_eq!(chosen, mode(Yuyv, 640, 480, 30.0));
    }

    #[test]
    fn falls_back_to_mjpeg_when_yuyv_is_too_slow() {
        let chosen = negotiate(&webcam(), wanted(1280, 720, 30, V4l2FormatChoice::Auto)).unwrap();
        assert_eq!(chosen.format, Mjpeg);
        assert_eq!((chosen.width, chosen.height), (1280, 720));
    }

    #[test]
    fn accepts_ntsc_style_rates() {
        let chosen = negotiate(&webcam(), wanted(1920, 1080, 30, V4l2FormatChoice::Auto)).unwrap();
        assert_eq!(chosen, mode(Mjpeg, 1920, 1080, 29.97));
    }

    #[test]
    fn honours_a_forced_format_even_if_slow() {
        let chosen = negotiate(&webcam(), wanted(1280, 720, 30, V4l2FormatChoice::Yuyv)).unwrap();
        assert_eq!(chosen, mode(Yuyv, 1280, 720, 10.0));
    }

    #[test]
    fn picks_the_closest_size_when_the_wanted_one_is_missing() {
        let chosen = negotiate(&webcam(), wanted(1024, 768, 30, V4l2FormatChoice::Auto)).unwrap();
        assert_eq!((chosen.width, chosen.height), (1280, 720));
    }

    #[test]
    fn a_camera_without_usable_formats_is_an_error() {
        let error = negotiate(&[], wanted(1280, 720, 30, V4l2FormatChoice::Auto)).unwrap_err();
        assert_eq!(error, NegotiationError::NoUsableFormat("YUYV or MJPEG"));
        let only_yuyv = [mode(Yuyv, 640, 480, 30.0)];
        assert!(negotiate(&only_yuyv, wanted(640, 480, 30, V4l2FormatChoice::Mjpeg)).is_err());
    }
}
