//! Every model of one camera, run on one frame: faces (with recognition), hands (tracked from
//! frame to frame, with gestures) and persons.

use crate::centerface::CenterFace;
use crate::embedding::{Embedding, FaceEmbedder};
use crate::engine::{Engine, EngineError};
use crate::gallery::{Gallery, Match};
use crate::geometry::{iou, BBox};
use crate::gesture::{classify, GestureReading};
use crate::hand::{HandLandmarker, HandLandmarks};
use crate::image::RgbView;
use crate::palm::{HandRegion, PalmDetector};
use crate::persons::{PersonBox, PersonDetector};
use mm_runtime::config::{ExecutionProvider, HandModel, InferenceConfig};
use mm_shm_schema::VisionTimings;
use std::path::PathBuf;
use std::time::Instant;

/// Which faces get an embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedFaces {
    /// None.
    Never,
    /// Faces of at least `min_face_px`, when the gallery is not empty (to recognise them).
    ToRecognise,
    /// Every face (one-shot `--embeddings`, enrollment).
    All,
}

/// One face found in a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// `[x1, y1, x2, y2]`, image pixels.
    pub bbox: BBox,
    /// Detector score.
    pub score: f32,
    /// Left eye, right eye, nose, left and right mouth corner.
    pub landmarks: [[f32; 2]; 5],
    /// The embedding, when one was computed.
    pub embedding: Option<Embedding>,
    /// The gallery identity it matched.
    pub matched: Option<Match>,
}

impl Face {
    /// Shorter side of the box.
    pub fn min_side(&self) -> f32 {
        (self.bbox[2] - self.bbox[0]).min(self.bbox[3] - self.bbox[1])
    }

    /// 1 for a face looking at the camera, falling to 0 as it turns away: how far the nose
    /// sits from the middle of the eyes, relative to the eye distance.
    pub fn frontality(&self) -> f32 {
        let [left_eye, right_eye, nose, _, _] = self.landmarks;
        let eye_distance =
            ((right_eye[0] - left_eye[0]).powi(2) + (right_eye[1] - left_eye[1]).powi(2)).sqrt();
        if eye_distance <= f32::EPSILON {
            return 0.0;
        }
        let middle = (left_eye[0] + right_eye[0]) / 2.0;
        (1.0 - 2.0 * (nose[0] - middle).abs() / eye_distance).clamp(0.0, 1.0)
    }
}

/// One hand found in a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Hand {
    /// Landmarks, presence and handedness.
    pub landmarks: HandLandmarks,
    /// Box around the landmarks.
    pub bbox: BBox,
    /// The gesture.
    pub gesture: GestureReading,
}

/// What one frame holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameVision {
    /// Faces, best score first.
    pub faces: Vec<Face>,
    /// Hands.
    pub hands: Vec<Hand>,
    /// Persons, best score first.
    pub persons: Vec<PersonBox>,
    /// Time per stage.
    pub timings: VisionTimings,
}

impl FrameVision {
    /// Index of the face enrollment should take: at least `min_side` pixels and facing the
    /// camera, preferring large, frontal, confident faces.
    pub fn best_face(&self, min_side: f32) -> Option<usize> {
        self.faces
            .iter()
            .enumerate()
            .filter(|(_, f)| enrollable(f, min_side))
            .max_by(|(_, a), (_, b)| quality(a).total_cmp(&quality(b)))
            .map(|(i, _)| i)
    }

    /// How many faces enrollment could take: when more than one, whose face it would be is
    /// ambiguous.
    pub fn enrollable_faces(&self, min_side: f32) -> usize {
        self.faces
            .iter()
            .filter(|f| enrollable(f, min_side))
            .count()
    }
}

fn enrollable(face: &Face, min_side: f32) -> bool {
    face.min_side() >= min_side && face.frontality() >= 0.5
}

fn quality(face: &Face) -> f32 {
    face.min_side().powi(2) * face.frontality() * face.score
}

/// The files a configuration loads.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// ONNX Runtime shared library.
    pub onnxruntime: PathBuf,
    /// CenterFace.
    pub face_detector: PathBuf,
    /// dlib ResNet.
    pub face_embedder: PathBuf,
    /// MediaPipe palm detection.
    pub palm_detector: PathBuf,
    /// MediaPipe hand landmarks.
    pub hand_landmarker: PathBuf,
    /// NanoDet.
    pub person_detector: PathBuf,
    /// The whole-frame detectors (face, palm, person) are the `_frame.onnx` variants, which
    /// pre-process the frame in the graph.
    pub frame_input: bool,
}

impl ModelFiles {
    /// The files of `config` when its models run on `provider` (the engine's provider in use,
    /// which decides the detectors' variant under `preprocess = auto`).
    pub fn of(config: &InferenceConfig, provider: ExecutionProvider) -> Self {
        let dir = config.model_dir.as_path();
        let variant = match config.hand_model {
            HandModel::Full => "full",
            HandModel::Lite => "lite",
        };
        let onnxruntime = config
            .onnxruntime_lib
            .clone()
            .unwrap_or_else(|| dir.join("lib/libonnxruntime.so.1"));
        let frame_input = config.preprocess.in_graph(provider);
        let suffix = if frame_input { "_frame" } else { "" };
        Self {
            onnxruntime,
            face_detector: dir.join(format!("centerface_dyn{suffix}.onnx")),
            face_embedder: dir.join("dlib_face_recognition_resnet_model_v1.onnx"),
            palm_detector: dir.join(format!("palm_detection_{variant}{suffix}.onnx")),
            hand_landmarker: dir.join(format!("hand_landmark_{variant}.onnx")),
            person_detector: dir.join(format!("nanodet_m_416{suffix}.onnx")),
            frame_input,
        }
    }
}

/// Every model of one camera and the state carried between frames.
pub struct Vision {
    faces: CenterFace,
    embedder: FaceEmbedder,
    palms: Option<PalmDetector>,
    hands: Option<HandLandmarker>,
    persons: Option<PersonDetector>,
    gallery: Gallery,
    config: InferenceConfig,
    tracked: Vec<HandRegion>,
    frames_since_palms: u32,
    /// Which provider the models got; its sessions also keep ONNX Runtime's environment alive.
    engine: Engine,
}

impl Vision {
    /// Loads ONNX Runtime and every model `config` enables.
    pub fn load(config: &InferenceConfig) -> Result<Self, EngineError> {
        let requested = ModelFiles::of(config, config.execution_provider);
        let engine = Engine::load(
            &requested.onnxruntime,
            config.execution_provider,
            config.threads as usize,
        )?;
        // The embedder loads first: whether the GPU provider starts decides the detectors'
        // files.
        let embedder = FaceEmbedder::new(engine.model(&requested.face_embedder)?);
        let files = ModelFiles::of(config, engine.provider());
        let faces = CenterFace::new(
            engine.model(&files.face_detector)?,
            config.face_input_size as usize,
            config.face_threshold,
            files.frame_input,
        );
        let (palms, hands) = if config.hands {
            (
                Some(PalmDetector::new(
                    engine.model(&files.palm_detector)?,
                    config.palm_threshold,
                    files.frame_input,
                )),
                Some(HandLandmarker::new(
                    engine.model(&files.hand_landmarker)?,
                    config.mirrored,
                )),
            )
        } else {
            (None, None)
        };
        let persons = if config.persons {
            Some(PersonDetector::new(
                engine.model(&files.person_detector)?,
                config.person_threshold,
                files.frame_input,
            ))
        } else {
            None
        };
        Ok(Self {
            faces,
            embedder,
            palms,
            hands,
            persons,
            gallery: Gallery::new(),
            config: config.clone(),
            tracked: Vec::new(),
            frames_since_palms: 0,
            engine,
        })
    }

    /// The execution provider the models got: the configured one, or the CPU when a GPU
    /// provider could not start.
    pub fn provider(&self) -> ExecutionProvider {
        self.engine.provider()
    }

    /// Whether every model runs on a GPU provider, so the frames are worth registering with
    /// CUDA.
    pub fn on_gpu(&self) -> bool {
        self.provider() != ExecutionProvider::Cpu
    }

    /// The recognition gallery.
    pub fn gallery_mut(&mut self) -> &mut Gallery {
        &mut self.gallery
    }

    /// The face embedder, for alignment checks.
    pub fn embedder_mut(&mut self) -> &mut FaceEmbedder {
        &mut self.embedder
    }

    /// Forgets tracked hands, so the next frame starts with palm detection (for unrelated
    /// still images).
    pub fn reset_tracking(&mut self) {
        self.tracked.clear();
    }

    /// Runs every enabled model on `image`.
    pub fn process(
        &mut self,
        image: &RgbView<'_>,
        embed: EmbedFaces,
    ) -> Result<FrameVision, EngineError> {
        let started = Instant::now();
        let mut timings = VisionTimings::default();
        let mut faces = self.detect_faces(image, &mut timings)?;
        let embedded_at = Instant::now();
        self.embed_faces(image, &mut faces, embed)?;
        timings.face_embed_us = micros(embedded_at);
        let hands = self.detect_hands(image, &mut timings)?;
        let persons = match &mut self.persons {
            Some(detector) => {
                let at = Instant::now();
                let persons = detector.detect(image)?;
                timings.person_us = micros(at);
                persons
            }
            None => Vec::new(),
        };
        timings.total_us = micros(started);
        Ok(FrameVision {
            faces,
            hands,
            persons,
            timings,
        })
    }

    /// The embedding of face `face` (computing it if needed).
    pub fn embed_face(
        &mut self,
        image: &RgbView<'_>,
        face: &Face,
    ) -> Result<Option<Embedding>, EngineError> {
        match face.embedding {
            Some(embedding) => Ok(Some(embedding)),
            None => self.embedder.embed(image, &face.landmarks),
        }
    }

    fn detect_faces(
        &mut self,
        image: &RgbView<'_>,
        timings: &mut VisionTimings,
    ) -> Result<Vec<Face>, EngineError> {
        let at = Instant::now();
        let boxes = self.faces.detect(image)?;
        timings.face_detect_us = micros(at);
        Ok(boxes
            .into_iter()
            .map(|b| Face {
                bbox: b.bbox,
                score: b.score,
                landmarks: b.landmarks,
                embedding: None,
                matched: None,
            })
            .collect())
    }

    fn embed_faces(
        &mut self,
        image: &RgbView<'_>,
        faces: &mut [Face],
        embed: EmbedFaces,
    ) -> Result<(), EngineError> {
        let min_side = self.config.min_face_px as f32;
        for face in faces.iter_mut() {
            let wanted = match embed {
                EmbedFaces::Never => false,
                EmbedFaces::ToRecognise => !self.gallery.is_empty() && face.min_side() >= min_side,
                EmbedFaces::All => true,
            };
            if !wanted {
                continue;
            }
            face.embedding = self.embedder.embed(image, &face.landmarks)?;
            if face.min_side() >= min_side {
                face.matched = face.embedding.as_ref().and_then(|e| {
                    self.gallery
                        .best_match(e, self.config.recognition_threshold)
                });
            }
        }
        Ok(())
    }

    fn detect_hands(
        &mut self,
        image: &RgbView<'_>,
        timings: &mut VisionTimings,
    ) -> Result<Vec<Hand>, EngineError> {
        let (Some(palms), Some(landmarker)) = (&mut self.palms, &mut self.hands) else {
            return Ok(Vec::new());
        };
        let max_hands = self.config.max_hands as usize;
        let mut regions = std::mem::take(&mut self.tracked);
        self.frames_since_palms += 1;
        let look_for_palms = regions.len() < max_hands
            && (regions.is_empty() || self.frames_since_palms >= self.config.palm_redetect_frames);
        if look_for_palms {
            self.frames_since_palms = 0;
            let at = Instant::now();
            for palm in palms.detect(image)? {
                if regions.len() >= max_hands {
                    break;
                }
                let already_tracked = regions
                    .iter()
                    .any(|r| iou(&region_box(r), &palm.bbox) > 0.1);
                if !already_tracked {
                    regions.push(palm.region);
                }
            }
            timings.palm_us = micros(at);
        }
        let at = Instant::now();
        let mut hands: Vec<Hand> = Vec::new();
        for region in &regions {
            let found = landmarker.landmarks(image, region)?;
            if found.presence < self.config.hand_presence_threshold {
                continue;
            }
            let bbox = found.bbox();
            // Two regions that converged on the same hand: keep the first.
            if hands.iter().any(|h| iou(&h.bbox, &bbox) > 0.5) {
                continue;
            }
            hands.push(Hand {
                gesture: classify(&found.landmarks),
                bbox,
                landmarks: found,
            });
        }
        timings.hand_landmark_us = if regions.is_empty() { 0 } else { micros(at) };
        self.tracked = hands.iter().map(|h| h.landmarks.next_region()).collect();
        Ok(hands)
    }
}

/// The axis-aligned box of a region, ignoring its rotation.
fn region_box(region: &HandRegion) -> BBox {
    let half = region.side / 2.0;
    [
        region.center[0] - half,
        region.center[1] - half,
        region.center[0] + half,
        region.center[1] + half,
    ]
}

fn micros(since: Instant) -> u32 {
    since.elapsed().as_micros().min(u32::MAX as u128) as u32
}
