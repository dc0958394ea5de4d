//! Non-maximum suppression: greedy (CenterFace, NanoDet) and score-weighted (MediaPipe).

use crate::geometry::{iou, BBox};

/// A candidate detection: its box, score and extra points (landmarks), in one coordinate
/// frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The box.
    pub bbox: BBox,
    /// Confidence.
    pub score: f32,
    /// Keypoints that travel with the box.
    pub points: Vec<[f32; 2]>,
}

/// Keeps the best-scoring candidates, dropping any that overlaps a kept one by more than
/// `iou_threshold`. Highest score first.
pub fn greedy(mut candidates: Vec<Candidate>, iou_threshold: f32) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        if kept
            .iter()
            .all(|k| iou(&k.bbox, &candidate.bbox) <= iou_threshold)
        {
            kept.push(candidate);
        }
    }
    kept
}

/// MediaPipe's weighted NMS: each cluster of candidates overlapping the best one by more than
/// `iou_threshold` becomes one detection whose box and points are the score-weighted mean of
/// the cluster, with the best score.
pub fn weighted(mut candidates: Vec<Candidate>, iou_threshold: f32) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut merged = Vec::new();
    while !candidates.is_empty() {
        let best = candidates[0].bbox;
        let (cluster, rest): (Vec<_>, Vec<_>) = candidates
            .into_iter()
            .partition(|c| iou(&best, &c.bbox) > iou_threshold || c.bbox == best);
        candidates = rest;
        let total: f32 = cluster.iter().map(|c| c.score).sum();
        let mut bbox = [0.0; 4];
        let mut points = vec![[0.0f32; 2]; cluster[0].points.len()];
        for c in &cluster {
            let w = c.score / total;
            for (acc, v) in bbox.iter_mut().zip(c.bbox) {
                *acc += w * v;
            }
            for (acc, p) in points.iter_mut().zip(&c.points) {
                acc[0] += w * p[0];
                acc[1] += w * p[1];
            }
        }
        merged.push(Candidate {
            bbox,
            score: cluster[0].score,
            points,
        });
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(x: f32, score: f32) -> Candidate {
        Candidate {
            bbox: [x, 0.0, x + 10.0, 10.0],
            score,
            points: vec![[x, 0.0]],
        }
    }

    #[test]
    fn greedy_keeps_the_best_of_overlapping_boxes() {
        let kept = greedy(
            vec![
                candidate(0.0, 0.6),
                candidate(1.0, 0.9),
                candidate(50.0, 0.7),
            ],
            0.3,
        );
        let scores: Vec<f32> = kept.iter().map(|c| c.score).collect();
        assert_eq!(scores, [0.9, 0.7]);
    }

    #[test]
    fn weighted_averages_a_cluster() {
        let merged = weighted(vec![candidate(0.0, 0.5), candidate(2.0, 0.5)], 0.3);
        assert_eq!(merged.len(), 1);
        assert!((merged[0].bbox[0] - 1.0).abs() < 1e-6);
        assert!((merged[0].points[0][0] - 1.0).abs() < 1e-6);
    }
}
