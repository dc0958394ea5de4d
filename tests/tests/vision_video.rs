//! The vision library on every frame of a real video, decoded by the capture node's file
//! source, and the dlib embedding against dlib itself.

use mm_capture::file::FileSource;
use mm_capture::source::FrameSource;
use mm_e2e::{media, model_dir};
use mm_inference::image::RgbView;
use mm_inference::{EmbedFaces, Vision};
use mm_runtime::config::InferenceConfig;

fn vision() -> Vision {
    let config = InferenceConfig {
        model_dir: model_dir(),
        hands: false,
        persons: false,
        ..InferenceConfig::default()
    };
    Vision::load(&config).expect("load the models")
}

#[test]
fn carphone_shows_one_face_in_at_least_95_percent_of_frames() {
    let mut vision = vision();
    let (width, height) = (176u32, 144u32);
    let mut source = FileSource::open(&media("carphone_pristine.mp4"), width, height, false)
        .expect("open video");
    let mut frame = vec![0u8; (width * height * 3) as usize];
    let (mut frames, mut with_one_face) = (0, 0);
    while source.loops() == 0 && frames < 1000 {
        source.fill(&mut frame).expect("decode");
        if source.loops() > 0 {
            break;
        }
        let view = RgbView::new(&frame, width as usize, height as usize).unwrap();
        let found = vision.process(&view, EmbedFaces::Never).expect("inference");
        frames += 1;
        with_one_face += usize::from(found.faces.len() == 1);
    }
    assert!(frames >= 100, "only {frames} frames decoded");
    assert!(
        with_one_face * 100 >= frames * 95,
        "{with_one_face} of {frames} frames have exactly one face"
    );
}

#[test]
fn the_embedding_of_dlibs_check_chip_matches_dlib() {
    // The synthetic chip of models.md §3.4 and the first values dlib 20.0.1 computes for it
    // (dlib_dump in scripts/models; the whole vector is checked by fetch-models.sh).
    let mut chip = vec![0u8; 150 * 150 * 3];
    for r in 0..150usize {
        for c in 0..150usize {
            let at = (r * 150 + c) * 3;
            chip[at] = ((7 * r + 3 * c) % 256) as u8;
            chip[at + 1] = ((5 * r + 11 * c) % 256) as u8;
            chip[at + 2] = ((13 * r + c) % 256) as u8;
        }
    }
    let mut vision = vision();
    let view = RgbView::new(&chip, 150, 150).unwrap();
    let embedding = vision.embedder_mut().embed_chip(&view).expect("embed");
    let reference: Vec<f32> = include_str!("data/dlib_reference_embedding.txt")
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(reference.len(), 128);
    let worst = embedding
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "largest difference to dlib {worst}");
}
