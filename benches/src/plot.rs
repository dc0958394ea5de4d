//! PNG plots of benchmark results (plotters, bitmap backend, DejaVu Sans from Debian's
//! fonts-dejavu-core).

use anyhow::Context;
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

const FONT_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const SIZE: (u32, u32) = (1000, 600);
const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// One line of a plot: a label and (x index, y) points.
pub struct Series {
    /// Legend text.
    pub label: String,
    /// y per x category; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
    /// Thin line (e.g. p99 next to a thick p50).
    pub thin: bool,
    /// Colour index: series of one subject share it.
    pub color: usize,
}

/// A thick p50 and a thin p99 line in one colour per subject: `percentiles(subject, x)` gives
/// (p50, p99) at category `x`, in the plot's unit.
pub fn p50_p99_series<T>(
    subjects: &[(String, T)],
    categories: usize,
    percentiles: impl Fn(&T, usize) -> Option<(f64, f64)>,
) -> Vec<Series> {
    let mut series = Vec::new();
    for (color, (label, subject)) in subjects.iter().enumerate() {
        for (p99, suffix) in [(false, "p50"), (true, "p99")] {
            let values = (0..categories)
                .map(|x| {
                    percentiles(subject, x)
                        .map(|(p50_value, p99_value)| if p99 { p99_value } else { p50_value })
                })
                .collect();
            series.push(Series {
                label: format!("{label} {suffix}"),
                values,
                thin: p99,
                color,
            });
        }
    }
    series
}

fn register_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let bytes = std::fs::read(FONT_PATH)
                .map_err(|e| format!("{FONT_PATH}: {e} (install fonts-dejavu-core)"))?;
            // plotters keeps fonts for the process's lifetime.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| format!("{FONT_PATH}: not a font"))
        })
        .clone()
        .map_err(|e| anyhow::anyhow!(e))
}

/// Draws `series` over the categories `x_labels` with a logarithmic y axis.
pub fn log_lines(
    path: &Path,
    title: &str,
    y_label: &str,
    x_labels: &[String],
    series: &[Series],
) -> anyhow::Result<()> {
    register_font()?;
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied());
    let (min, max) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    anyhow::ensure!(max > 0.0, "nothing to plot");
    let (low, high) = ((min.max(1e-3)) / 2.0, max * 2.0);
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let categories = x_labels.len();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(categories as f64 - 0.5), (low..high).log_scale())?;
    chart
        .configure_mesh()
        .x_labels(categories)
        .x_label_formatter(&|x| {
            let index = x.round();
            if (x - index).abs() < 1e-6 && index >= 0.0 {
                x_labels.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc(y_label)
        .label_style(("sans-serif", 16))
        .draw()?;
    for line in series {
        let color = COLORS[line.color % COLORS.len()];
        let points: Vec<(f64, f64)> = line
            .values
            .iter()
            .enumerate()
            .filter_map(|(x, y)| y.map(|y| (x as f64, y)))
            .collect();
        let width = if line.thin { 1 } else { 3 };
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(width)))?
            .label(line.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 4, color.filled())),
        )?;
    }
    legend_and_save(&mut chart, &root, path)
}

/// One line over time: (x, y) points.
pub struct TimeSeries {
    /// Legend text.
    pub label: String,
    /// (x, y) in the plot's units.
    pub points: Vec<(f64, f64)>,
    /// Thin line.
    pub thin: bool,
    /// Colour index.
    pub color: usize,
}

/// Draws `series` on linear axes from 0 (time along x).
pub fn time_lines(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[TimeSeries],
) -> anyhow::Result<()> {
    register_font()?;
    let points = || series.iter().flat_map(|s| s.points.iter().copied());
    let x_max = points().map(|p| p.0).fold(0.0f64, f64::max).max(1.0);
    let y_max = points().map(|p| p.1).fold(0.0f64, f64::max);
    anyhow::ensure!(y_max > 0.0, "nothing to plot");
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..x_max * 1.02, 0.0..y_max * 1.15)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style(("sans-serif", 16))
        .draw()?;
    for line in series {
        let color = COLORS[line.color % COLORS.len()];
        let width = if line.thin { 1 } else { 3 };
        chart
            .draw_series(LineSeries::new(
                line.points.clone(),
                color.stroke_width(width),
            ))?
            .label(line.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
            });
    }
    legend_and_save(&mut chart, &root, path)
}

/// Draws the legend of `chart` and writes `root` to `path`.
fn legend_and_save<'a, X, Y>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<X, Y>>,
    root: &DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>,
    path: &Path,
) -> anyhow::Result<()>
where
    X: Ranged,
    Y: Ranged,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    root.present()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
