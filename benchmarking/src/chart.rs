//! Line charts as standalone SVG: a few series over one x axis (linear or logarithmic), with
//! axes, ticks, labels and a legend. Deterministic: the same data give the same bytes.

use std::fmt::Write as _;

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
	/// The legend's label.
	pub name: String,
	/// Points `(x, y)`, drawn in the given order; for a log x axis every x must be positive.
	pub points: Vec<(f64, f64)>,
}

/// A chart: title, axis labels, whether x is logarithmic, and its series.
#[derive(Clone, Debug)]
pub struct LineChart {
	/// Above the plot.
	pub title: String,
	/// Below the x axis.
	pub x_label: String,
	/// Left of the y axis.
	pub y_label: String,
	/// Logarithmic (base 10) x axis.
	pub log_x: bool,
	/// A dashed horizontal reference line at this y, with its label (a goal).
	pub reference: Option<(f64, String)>,
	/// The lines.
	pub series: Vec<Series>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const COLOURS: [&str; 6] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

impl LineChart {
	/// The chart as an SVG document.
	pub fn to_svg(&self) -> String {
		let points = || self.series.iter().flat_map(|s| s.points.iter());
		let x_of = |x: f64| if self.log_x { x.max(f64::MIN_POSITIVE).log10() } else { x };
		let (mut x_min, mut x_max) = (f64::INFINITY, f64::NEG_INFINITY);
		let mut y_max = self.reference.as_ref().map_or(0.0, |(y, _)| *y);
		for &(x, y) in points() {
			x_min = x_min.min(x_of(x));
			x_max = x_max.max(x_of(x));
			y_max = y_max.max(y);
		}
		if !x_min.is_finite() {
			(x_min, x_max) = (0.0, 1.0);
		}
		if x_max <= x_min {
			x_max = x_min + 1.0;
		}
		let y_max = nice_ceiling(y_max.max(f64::MIN_POSITIVE) * 1.05);
		let plot_w = WIDTH - LEFT - RIGHT;
		let plot_h = HEIGHT - TOP - BOTTOM;
		let px = |x: f64| LEFT + (x_of(x) - x_min) / (x_max - x_min) * plot_w;
		let py = |y: f64| TOP + plot_h - y / y_max * plot_h;

		let mut svg = String::new();
		let _ = writeln!(
			svg,
			r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
		);
		let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
		let _ = writeln!(
			svg,
			r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
			LEFT + plot_w / 2.0,
			escape(&self.title)
		);
		// Axes.
		let (x0, y0, x1, y1) = (LEFT, TOP + plot_h, LEFT + plot_w, TOP);
		let _ = writeln!(
			svg,
			r#"<path d="M{x0} {y1} L{x0} {y0} L{x1} {y0}" stroke="black" fill="none"/>"#
		);
		// y ticks: 5 steps, all labelled with the digits the step needs.
		let y_decimals = decimals(y_max / 5.0);
		for i in 0..=5 {
			let y = y_max * f64::from(i) / 5.0;
			let _ = writeln!(
				svg,
				r##"<line x1="{x0}" y1="{py}" x2="{x1}" y2="{py}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
				x0 - 6.0,
				py(y) + 4.0,
				number(y, y_decimals),
				py = py(y),
			);
		}
		// x ticks: at every distinct x of the data.
		let mut xs: Vec<f64> = points().map(|p| p.0).collect();
		xs.sort_by(f64::total_cmp);
		xs.dedup();
		for x in xs {
			let _ = writeln!(
				svg,
				r#"<line x1="{p}" y1="{y0}" x2="{p}" y2="{}" stroke="black"/><text x="{p}" y="{}" text-anchor="middle">{}</text>"#,
				y0 + 5.0,
				y0 + 18.0,
				number(x, decimals(x)),
				p = px(x),
			);
		}
		let _ = writeln!(
			svg,
			r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
			LEFT + plot_w / 2.0,
			HEIGHT - 18.0,
			escape(&self.x_label)
		);
		let _ = writeln!(
			svg,
			r#"<text transform="translate(18 {}) rotate(-90)" text-anchor="middle">{}</text>"#,
			TOP + plot_h / 2.0,
			escape(&self.y_label)
		);
		if let Some((y, label)) = &self.reference {
			let _ = writeln!(
				svg,
				r#"<line x1="{x0}" y1="{p}" x2="{x1}" y2="{p}" stroke="gray" stroke-dasharray="6 4"/><text x="{}" y="{}" fill="gray">{}</text>"#,
				x1 + 4.0,
				py(*y) + 4.0,
				escape(label),
				p = py(*y),
			);
		}
		for (i, series) in self.series.iter().enumerate() {
			let colour = COLOURS[i % COLOURS.len()];
			let path: Vec<String> = series
				.points
				.iter()
				.map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
				.collect();
			let _ = writeln!(
				svg,
				r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
				path.join(" ")
			);
			for &(x, y) in &series.points {
				let _ = writeln!(
					svg,
					r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
					px(x),
					py(y)
				);
			}
			let ly = TOP + 10.0 + 18.0 * i as f64;
			let _ = writeln!(
				svg,
				r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
				x1 + 14.0,
				x1 + 34.0,
				x1 + 40.0,
				ly + 4.0,
				escape(&series.name)
			);
		}
		svg.push_str("</svg>\n");
		svg
	}
}

/// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value` (> 0).
fn nice_ceiling(value: f64) -> f64 {
	let power = 10f64.powf(value.log10().floor());
	[1.0, 2.0, 2.5, 5.0, 10.0]
		.into_iter()
		.map(|m| m * power)
		.find(|&v| v >= value)
		.unwrap_or(10.0 * power)
}

/// The fewest decimal digits (at most 3) that write `value` exactly: 0 for 2,000, 1 for 0.5,
/// 2 for 0.25.
fn decimals(value: f64) -> usize {
	(0..3)
		.find(|&digits| {
			let scaled = value * 10f64.powi(digits as i32);
			(scaled - scaled.round()).abs() <= 1e-9 * scaled.abs().max(1.0)
		})
		.unwrap_or(3)
}

/// A tick label with `decimals` digits after the point and thousands separators.
fn number(value: f64, decimals: usize) -> String {
	let text = format!("{:.decimals$}", value.abs());
	let (whole, fraction) = text.split_at(text.find('.').unwrap_or(text.len()));
	let mut out = String::new();
	if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
		out.push('-');
	}
	for (i, c) in whole.chars().enumerate() {
		if i > 0 && (whole.len() - i) % 3 == 0 {
			out.push(',');
		}
		out.push(c);
	}
	out.push_str(fraction);
	out
}

fn escape(text: &str) -> String {
	text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_chart_draws_every_series_and_every_point() {
		let chart = LineChart {
			title: "speed-up <x>".into(),
			x_label: "accounts".into(),
			y_label: "x".into(),
			log_x: true,
			reference: Some((1.8, "goal".into())),
			series: vec![
				Series { name: "pex/1".into(), points: vec![(2.0, 1.0), (10_000.0, 1.2)] },
				Series {
					name: "pex/2".into(),
					points: vec![(2.0, 1.0), (100.0, 1.5), (10_000.0, 2.0)],
				},
			],
		};
		let svg = chart.to_svg();
		assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
		assert_eq!(svg.matches("<polyline").count(), 2);
		assert_eq!(svg.matches("<circle").count(), 5);
		assert!(svg.contains("speed-up &lt;x&gt;") && svg.contains("10,000"));
		assert_eq!(svg, chart.to_svg(), "deterministic");
	}

	#[test]
	fn ticks_end_on_round_numbers() {
		assert_eq!(nice_ceiling(1.9), 2.0);
		assert_eq!(nice_ceiling(2.1), 2.5);
		assert_eq!(nice_ceiling(430.0), 500.0);
		assert_eq!(number(20_000.0, decimals(20_000.0)), "20,000");
		assert_eq!(number(0.25, decimals(0.25)), "0.25");
		// One axis, one format: a step of 0.5 labels 0, 1 and 2 as 0.0, 1.0 and 2.0.
		assert_eq!(decimals(2.5 / 5.0), 1);
		assert_eq!(number(2.0, 1), "2.0");
		assert_eq!(number(1234.5, 1), "1,234.5");
		assert_eq!(number(-1500.0, 0), "-1,500");
	}
}
