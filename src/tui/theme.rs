//! Every colour and text style of the UI, named by what it means, in one place.
//!
//! Two looks: in colour (the default), and without colour when `NO_COLOR` is set to anything
//! but the empty string (<https://no-color.org/>). The terminal library already leaves colours
//! out under `NO_COLOR`, which would also take away what only colour shows (the highlighted
//! bytes, warning rows, the focused pane); without colour those are shown by reverse video,
//! bold and the like instead.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

use super::model::{MessageRow, RowKind};

/// The look of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Colours are used; otherwise only text attributes (bold, reverse, …).
    color: bool,
}

/// How one series of the bitrate chart is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    /// Its style.
    pub style: Style,
    /// The points' marker.
    pub marker: Marker,
    /// How the chart's title names its look (`blue`).
    pub look: &'static str,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::COLOR
    }
}

impl Theme {
    /// In colour.
    pub const COLOR: Theme = Theme { color: true };
    /// Without colour: text attributes only.
    pub const MONOCHROME: Theme = Theme { color: false };

    /// Without colour when `NO_COLOR` is set and not empty, else in colour.
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(value) if !value.is_empty() => Theme::MONOCHROME,
            _ => Theme::COLOR,
        }
    }

    /// A style: the colour one, or without colour the other.
    fn pick(self, color: Style, monochrome: Style) -> Style {
        if self.color {
            color
        } else {
            monochrome
        }
    }

    /// The border of the pane that has the keyboard.
    pub fn focused_border(self) -> Style {
        self.pick(
            Style::default().fg(Color::Cyan),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    /// A table's column names, the keys in the help, an FLV file's title line.
    pub fn emphasis(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    /// The selected row of a list; `focused` when its pane has the keyboard.
    pub fn selected(self, focused: bool) -> Style {
        if focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }

    /// A row drawn in `base`, marked as selected. A row already in reverse video (without
    /// colour: warnings, gaps, errors) is turned back and underlined instead, so that the
    /// selection never disappears on it.
    pub fn select(self, base: Style, focused: bool) -> Style {
        if focused && base.add_modifier.contains(Modifier::REVERSED) {
            base.remove_modifier(Modifier::REVERSED)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            base.patch(self.selected(focused))
        }
    }

    /// A message row of this kind.
    pub fn row(self, kind: RowKind) -> Style {
        let color = match kind {
            RowKind::Command => Style::default().fg(Color::Yellow),
            RowKind::Data => Style::default().fg(Color::Cyan),
            RowKind::Audio => Style::default().fg(Color::Green),
            RowKind::Video => Style::default().fg(Color::LightBlue),
            RowKind::Control | RowKind::Handshake => Style::default().fg(Color::Gray),
            RowKind::Other => Style::default().fg(Color::Magenta),
            RowKind::Warning => self.warning().add_modifier(Modifier::BOLD),
            RowKind::Gap => self.error().add_modifier(Modifier::BOLD),
        };
        let monochrome = match kind {
            RowKind::Warning | RowKind::Gap => {
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            }
            _ => Style::default(),
        };
        self.pick(color, monochrome)
    }

    /// A message row: coloured by its kind, or as an error when it reports one
    /// ([`reports_failure`]).
    pub fn message(self, row: &MessageRow) -> Style {
        if reports_failure(row) {
            self.pick(
                Style::default()
                    .fg(Color::LightRed)
                    .add_modifier(Modifier::BOLD),
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            )
        } else {
            self.row(row.kind)
        }
    }

    /// A row that matches the last filter, after Esc showed every row again.
    pub fn search_match(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD | Modifier::ITALIC)
    }

    /// The flag of a session with errors (`E`).
    pub fn error(self) -> Style {
        self.pick(
            Style::default().fg(Color::White).bg(Color::Red),
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    }

    /// The flag of a session with warnings (`w`).
    pub fn warning(self) -> Style {
        self.pick(
            Style::default().fg(Color::Black).bg(Color::Yellow),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }

    /// The bytes of the selected field in the hex pane.
    pub fn marked_bytes(self) -> Style {
        self.pick(
            Style::default().fg(Color::Black).bg(Color::Yellow),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }

    /// The status bar.
    pub fn status_bar(self) -> Style {
        self.pick(
            Style::default().fg(Color::Black).bg(Color::Gray),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }

    /// The video bitrate in the statistics chart.
    pub fn video_series(self) -> Series {
        self.series((Color::LightBlue, "blue"), (Marker::Braille, "fine"))
    }

    /// The audio bitrate in the statistics chart.
    pub fn audio_series(self) -> Series {
        self.series((Color::Green, "green"), (Marker::Dot, "•"))
    }

    /// The lag in the statistics chart.
    pub fn lag_series(self) -> Series {
        self.series((Color::Magenta, "magenta"), (Marker::Block, "█"))
    }

    /// A chart series: a colour and its name in braille, or without colour a marker of its
    /// own and its name.
    fn series(
        self,
        (color, color_look): (Color, &'static str),
        (marker, marker_look): (Marker, &'static str),
    ) -> Series {
        if self.color {
            Series {
                style: Style::default().fg(color),
                marker: Marker::Braille,
                look: color_look,
            }
        } else {
            Series {
                style: Style::default(),
                marker,
                look: marker_look,
            }
        }
    }
}

/// Does a command row report a failure? An `_error` result, or a status whose level is
/// `error` or whose code says it failed or was rejected (`NetStream.Publish.Failed`,
/// `NetConnection.Connect.Rejected`), as its summary shows them.
pub fn reports_failure(row: &MessageRow) -> bool {
    if row.kind != RowKind::Command {
        return false;
    }
    let summary = row.summary();
    let mut words = summary.split(' ');
    words.next() == Some("_error")
        || words.any(|word| {
            word == "error"
                || [".Failed", ".Rejected", ".BadName"]
                    .iter()
                    .any(|end| word.starts_with("Net") && word.ends_with(end))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::Timestamp;

    #[test]
    fn without_colour_nothing_has_a_colour_and_what_stood_out_still_does() {
        let theme = Theme::MONOCHROME;
        let kinds = [
            RowKind::Handshake,
            RowKind::Control,
            RowKind::Command,
            RowKind::Data,
            RowKind::Audio,
            RowKind::Video,
            RowKind::Other,
            RowKind::Warning,
            RowKind::Gap,
        ];
        let styles = kinds.map(|kind| theme.row(kind)).into_iter().chain([
            theme.focused_border(),
            theme.error(),
            theme.warning(),
            theme.marked_bytes(),
            theme.status_bar(),
            theme.video_series().style,
            theme.audio_series().style,
        ]);
        for style in styles {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
        for style in [
            theme.row(RowKind::Warning),
            theme.row(RowKind::Gap),
            theme.marked_bytes(),
            theme.status_bar(),
        ] {
            assert!(style.add_modifier.contains(Modifier::REVERSED));
        }
        assert_ne!(theme.video_series(), theme.audio_series());
    }

    #[test]
    fn in_colour_the_hex_pane_marks_black_on_yellow() {
        let marked = Theme::COLOR.marked_bytes();
        assert_eq!(
            (marked.fg, marked.bg),
            (Some(Color::Black), Some(Color::Yellow))
        );
        assert_eq!(Theme::default(), Theme::COLOR);
    }

    #[test]
    fn failed_statuses_and_error_results_look_like_errors() {
        let command = |summary: &str| {
            let mut row =
                MessageRow::note(1, Timestamp(0), 1, RowKind::Command, None, summary.into());
            row.type_id = 20;
            row
        };
        for failed in [
            "onStatus error NetStream.Publish.BadName Stream already publishing",
            "onStatus status NetStream.Play.Failed",
            "_error (to connect in frame 5) error NetConnection.Connect.Rejected",
        ] {
            let style = Theme::COLOR.message(&command(failed));
            assert_eq!(style.fg, Some(Color::LightRed), "{failed}");
            assert!(Theme::MONOCHROME
                .message(&command(failed))
                .add_modifier
                .contains(Modifier::REVERSED));
        }
        let fine = command("onStatus status NetStream.Publish.Start Publishing live/test");
        assert_eq!(
            Theme::COLOR.message(&fine),
            Theme::COLOR.row(RowKind::Command)
        );
    }

    #[test]
    fn the_selection_shows_on_every_row_without_colour() {
        let theme = Theme::MONOCHROME;
        let kinds = [RowKind::Command, RowKind::Warning, RowKind::Gap];
        for kind in kinds {
            let row = theme.row(kind);
            for focused in [true, false] {
                assert_ne!(theme.select(row, focused), row, "{kind:?} {focused}");
            }
        }
    }
}
