//! The statistics view's charts of a stream: its video and audio bitrate over media time, and
//! how far its arrival fell behind its media time over capture time. The x axes are in
//! seconds whatever the series' buckets cover (one second each, two or more once a stream
//! outlasts 512 s).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

use super::pane_block;
use crate::analysis::{ChartSeries, StreamCharts};
use crate::tui::theme::{Series, Theme};

/// Draws the bitrate chart and, beside it, the lag chart.
pub fn draw(frame: &mut Frame<'_>, area: Rect, charts: &StreamCharts, theme: Theme) {
    let [rates, lag] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    draw_rates(frame, rates, charts, theme);
    draw_lag(frame, lag, &charts.lag_ms, theme);
}

/// Video and audio kbit/s, a point per bucket of media time.
fn draw_rates(frame: &mut Frame<'_>, area: Rect, charts: &StreamCharts, theme: Theme) {
    let kbps = |bytes: u64| bytes as f64 * 8.0 / 1000.0;
    let (video, audio) = (points(&charts.video, kbps), points(&charts.audio, kbps));
    let (video_look, audio_look) = (theme.video_series(), theme.audio_series());
    let block = pane_block(
        format!(
            " Bitrate, kbit/s over media time: video ({}) peak {:.0}, audio ({}) peak {:.0} ",
            video_look.look,
            peak(&video),
            audio_look.look,
            peak(&audio),
        ),
        false,
        theme,
    );
    if video.is_empty() && audio.is_empty() {
        frame.render_widget(
            Paragraph::new("No audio or video in this session.").block(block),
            area,
        );
        return;
    }
    let seconds = charts.video.seconds().max(charts.audio.seconds());
    let datasets = vec![
        line("video", &video_look, &video),
        line("audio", &audio_look, &audio),
    ];
    let top = peak(&video).max(peak(&audio));
    frame.render_widget(chart(datasets, block, seconds, top, 0), area);
}

/// The lag behind media time, seconds, the most in each bucket of capture time.
fn draw_lag(frame: &mut Frame<'_>, area: Rect, lag_ms: &ChartSeries, theme: Theme) {
    let lag = points(lag_ms, |ms| ms as f64 / 1000.0);
    let look = theme.lag_series();
    let block = pane_block(
        format!(
            " Lag behind media time, s over capture time ({}) most {:.2} ",
            look.look,
            peak(&lag)
        ),
        false,
        theme,
    );
    if lag.is_empty() {
        frame.render_widget(Paragraph::new("No media arrived.").block(block), area);
        return;
    }
    let datasets = vec![line("lag", &look, &lag)];
    frame.render_widget(
        chart(datasets, block, lag_ms.seconds(), peak(&lag), 1),
        area,
    );
}

/// The series' points: the second each bucket starts at, and its value as `scale` says.
fn points(series: &ChartSeries, scale: impl Fn(u64) -> f64) -> Vec<(f64, f64)> {
    series
        .points()
        .map(|(second, value)| (second as f64, scale(value)))
        .collect()
}

/// The largest y of `points` (0 for none).
fn peak(points: &[(f64, f64)]) -> f64 {
    points.iter().map(|&(_, y)| y).fold(0.0, f64::max)
}

/// One line of a chart, in the look the theme gives it.
fn line<'a>(name: &'a str, look: &Series, data: &'a [(f64, f64)]) -> Dataset<'a> {
    Dataset::default()
        .name(name)
        .marker(look.marker)
        .graph_type(GraphType::Line)
        .style(look.style)
        .data(data)
}

/// A chart over `seconds` of x and up to a little above `top` of y, labelled at its ends and
/// middle (y with `decimals` decimals).
fn chart<'a>(
    datasets: Vec<Dataset<'a>>,
    block: Block<'a>,
    seconds: u64,
    top: f64,
    decimals: usize,
) -> Chart<'a> {
    let right = seconds.max(1) as f64;
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let y = |value: f64| format!("{value:.decimals$}");
    let x_labels = vec![
        Span::raw("0 s"),
        Span::raw(format!("{:.0} s", right / 2.0)),
        Span::raw(format!("{right:.0} s")),
    ];
    let y_labels = vec![Span::raw("0"), Span::raw(y(top / 2.0)), Span::raw(y(top))];
    Chart::new(datasets)
        .block(block)
        .x_axis(Axis::default().bounds([0.0, right]).labels(x_labels))
        .y_axis(Axis::default().bounds([0.0, top]).labels(y_labels))
        .hidden_legend_constraints((Constraint::Length(0), Constraint::Length(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_sit_at_the_second_their_bucket_starts() {
        let merged = ChartSeries {
            bucket_seconds: 4,
            values: vec![100, 200, 300],
        };
        let got = points(&merged, |v| v as f64);
        assert_eq!(got, vec![(0.0, 100.0), (4.0, 200.0), (8.0, 300.0)]);
        assert_eq!(merged.seconds(), 12);
    }
}
