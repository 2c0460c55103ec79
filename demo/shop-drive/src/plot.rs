//! [`line_chart`]: an SVG line chart over time with the fault windows shaded, for the demo's
//! report.

use plotters::prelude::*;

/// A named line: `(seconds, value)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The legend entry.
    pub name: String,
    /// The points, in time order.
    pub points: Vec<(f64, f64)>,
}

/// A shaded stretch of time: `(start, end)` seconds.
pub type Window = (f64, f64);

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart<'a> {
    /// The title above the chart.
    pub title: &'a str,
    /// The y axis' description.
    pub y_label: &'a str,
    /// The lines.
    pub lines: &'a [Line],
    /// The stretches to shade (the fault windows).
    pub windows: &'a [Window],
    /// The top of the y axis; the highest point (plus a tenth) when `None`.
    pub y_max: Option<f64>,
}

const FAULT_SHADE: RGBColor = RGBColor(250, 200, 200);

/// The chart as an SVG document, 900 × 280 pixels.
///
/// # Errors
///
/// A message when plotters cannot draw the chart.
pub fn line_chart(chart: &Chart<'_>) -> Result<String, String> {
    let mut svg = String::new();
    draw(chart, &mut svg).map_err(|error| format!("drawing {:?}: {error}", chart.title))?;
    Ok(svg)
}

fn draw(chart: &Chart<'_>, svg: &mut String) -> Result<(), String> {
    let points = || chart.lines.iter().flat_map(|line| line.points.iter());
    let x_max = points()
        .map(|(x, _)| *x)
        .chain(chart.windows.iter().map(|(_, end)| *end))
        .fold(1.0_f64, f64::max);
    let y_max = chart.y_max.unwrap_or_else(|| {
        let highest = points().map(|(_, y)| *y).fold(0.0_f64, f64::max);
        if highest > 0.0 { highest * 1.1 } else { 1.0 }
    });
    let root = SVGBackend::with_string(svg, (900, 280)).into_drawing_area();
    root.fill(&WHITE).map_err(message)?;
    let mut plot = ChartBuilder::on(&root)
        .caption(chart.title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(message)?;
    plot.configure_mesh()
        .x_desc("seconds")
        .y_desc(chart.y_label)
        .light_line_style(WHITE)
        .draw()
        .map_err(message)?;
    plot.draw_series(chart.windows.iter().map(|(start, end)| {
        Rectangle::new(
            [(*start, 0.0), (*end, y_max)],
            FAULT_SHADE.mix(0.5).filled(),
        )
    }))
    .map_err(message)?;
    for (index, line) in chart.lines.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        plot.draw_series(LineSeries::new(
            line.points.iter().copied(),
            color.stroke_width(2),
        ))
        .map_err(message)?
        .label(line.name.as_str())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    if !chart.lines.is_empty() {
        plot.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(message)?;
    }
    root.present().map_err(message)?;
    Ok(())
}

fn message(error: impl std::fmt::Display) -> String {
    error.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_svg_with_its_title_legend_and_shaded_windows() {
        let lines = [Line {
            name: "p99 ms".to_owned(),
            points: vec![(0.0, 5.0), (1.0, 7.0), (2.0, 250.0)],
        }];
        let svg = line_chart(&Chart {
            title: "latency",
            y_label: "ms",
            lines: &lines,
            windows: &[(1.0, 2.0)],
            y_max: None,
        })
        .expect("drawn");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        let texts: Vec<&str> = svg.lines().map(str::trim).collect();
        assert!(
            texts.contains(&"latency") && texts.contains(&"p99 ms"),
            "title and legend"
        );
        assert!(svg.contains("#FAC8C8"), "the fault window is shaded");
    }
}
