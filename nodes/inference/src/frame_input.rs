//! How a whole-frame detector gets its input: pre-processed on the CPU into a float tensor,
//! or by the model's own front end (`<model>_frame.onnx`) reading the frame in place.

use crate::engine::{EngineError, Model, Outputs};
use crate::image::{fill_nchw, fill_nhwc, Normalize, Placement, Resize, RgbView};

/// The detector's tensor layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `[1, 3, H, W]`.
    Nchw,
    /// `[1, H, W, 3]`.
    Nhwc,
}

/// One detector's input preparation and its buffers.
pub struct FrameInput {
    in_graph: bool,
    normalize: Normalize,
    layout: Layout,
    resize: Resize,
    canvas: Vec<u8>,
    tensor: Vec<f32>,
}

impl FrameInput {
    /// Input for a detector taking `layout` tensors normalised by `normalize`; `in_graph`
    /// when its model is the frame-input variant.
    pub fn new(in_graph: bool, normalize: Normalize, layout: Layout) -> Self {
        Self {
            in_graph,
            normalize,
            layout,
            resize: Resize::new(),
            canvas: Vec::new(),
            tensor: Vec::new(),
        }
    }

    /// Runs `model` on `image` placed as `placement` and decodes its outputs.
    pub fn run<R>(
        &mut self,
        model: &mut Model,
        image: &RgbView<'_>,
        placement: &Placement,
        decode: impl FnOnce(&Outputs<'_>) -> Result<R, EngineError>,
    ) -> Result<R, EngineError> {
        if self.in_graph {
            return model.run_frame(image, placement, &self.normalize, decode);
        }
        let resized = self
            .resize
            .resize(image, placement.width, placement.height)
            .map_err(|e| model.error(e))?;
        let (w, h) = (placement.input_width(), placement.input_height());
        let placed = if placement.pad == [0; 4] {
            resized
        } else {
            let [top, left, _, _] = placement.pad;
            self.canvas.clear();
            self.canvas.resize(w * h * 3, 0);
            for (row, line) in resized
                .pixels()
                .chunks_exact(placement.width * 3)
                .enumerate()
            {
                let at = ((row + top) * w + left) * 3;
                self.canvas[at..at + line.len()].copy_from_slice(line);
            }
            RgbView::new(&self.canvas, w, h).map_err(|e| model.error(e))?
        };
        let shape = match self.layout {
            Layout::Nchw => {
                fill_nchw(&placed, self.normalize, &mut self.tensor);
                [1, 3, h, w]
            }
            Layout::Nhwc => {
                fill_nhwc(&placed, self.normalize, &mut self.tensor);
                [1, h, w, 3]
            }
        };
        model.run(&shape, &self.tensor, decode)
    }
}
