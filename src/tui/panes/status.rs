//! The status bar (bottom line): the source, how far reading has got, counters, the filter
//! or the prompt being typed, the latest note, and the help hint.
//!
//! It is fitted to the width: the prompt, the note (export errors among them) and `? help`
//! are always shown; the counters go first when space runs short, and the file name is cut
//! with an ellipsis rather than anything after it.

use crate::common::escape::Escaped;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::app::App;

/// Between two pieces of the line.
const SEPARATOR: &str = " | ";
/// The help hint, and what is left of it when even that does not fit.
const HELP: [&str; 2] = ["? help  q quit", "? help"];
/// The fewest characters of the file name worth showing (with its ellipsis).
const MIN_SOURCE: usize = 8;
/// The ellipsis that marks cut text.
const ELLIPSIS: char = '…';

/// Draws the status bar.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let text = line(app, usize::from(area.width));
    frame.render_widget(
        Paragraph::new(text.as_str()).style(app.theme.status_bar()),
        area,
    );
    mark_error(frame, area, app, &text);
}

/// Marks, in the drawn prompt, the characters a filter's error is about (the cursor mark
/// `▏` when something is missing at the end). The prompt shows what was typed, one
/// character each, right before the cursor mark; cut at its start when space is short.
fn mark_error(frame: &mut Frame<'_>, area: Rect, app: &App, text: &str) {
    let (Some(typed), Some(error)) = (&app.editing, &app.filter_error) else {
        return;
    };
    let Some(cursor) = text.find('▏').map(|at| text[..at].chars().count()) else {
        return;
    };
    let (before, width) = error.char_span(typed);
    let typed_len = typed.chars().count();
    // The typed text ends at the cursor mark (when its start was cut, marks may shift).
    let first_shown = cursor.saturating_sub(typed_len);
    let start = first_shown + before;
    let end = (start + width).min(cursor + 1);
    let to_u16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    if end > start {
        let marked = Rect::new(
            area.x.saturating_add(to_u16(start)),
            area.y,
            to_u16(end - start),
            1,
        )
        .intersection(area);
        let marker = app.theme.error().add_modifier(Modifier::UNDERLINED);
        frame.buffer_mut().set_style(marked, marker);
    }
}

/// The `/` prompt with what is typed, else the filter applied, else what `n` and `N` look
/// for: the one place the filter shows in the status bar.
///
/// While typing, what is wrong with the expression follows it (and [`draw`] marks where);
/// a filter applied says how many rows pass it, of the selected session's, or `no match`.
pub fn prompt(app: &App) -> Option<String> {
    match &app.editing {
        Some(text) => {
            // One character shown for each typed, so the error marker stays over its place.
            let shown: String = text
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            let error = app
                .filter_error
                .as_ref()
                .map(|error| format!(" ✗ {}", Escaped(&error.message)))
                .unwrap_or_default();
            Some(format!("/{shown}▏{error}"))
        }
        None if !app.filter.is_empty() => {
            let count = if app.visible.is_empty() {
                "no match".to_owned()
            } else {
                format!("{} of {}", app.visible.len(), app.listed)
            };
            Some(format!("filter: {} — {count}", Escaped(&app.filter)))
        }
        None if !app.search.is_empty() => {
            let missed = if app.search_missed {
                " — no match"
            } else {
                ""
            };
            Some(format!("n/N: {}{missed}", Escaped(&app.search)))
        }
        None => None,
    }
}

/// Reading, done, live or paused.
fn mode(app: &App) -> String {
    if app.paused {
        "PAUSED".to_owned()
    } else if app.model.done {
        "done".to_owned()
    } else if app.live {
        "LIVE".to_owned()
    } else {
        match app.file_size.filter(|&size| size > 0) {
            // pcap record headers (16 bytes a packet) are part of the file, not of the bytes.
            Some(size) => {
                let read = app.model.bytes + 16 * app.model.packets;
                format!("reading {}%", (read * 100 / size).min(99))
            }
            None => "reading…".to_owned(),
        }
    }
}

/// What the history dropped, said so that a user knows what to do about it, and a shorter
/// form for a narrow bar; None when nothing was dropped.
fn dropped(app: &App) -> Option<[String; 2]> {
    let dropped = app.model.rows.first();
    if dropped == 0 {
        return None;
    }
    Some(match app.model.memory_cap {
        Some(cap) => [
            format!("oldest {dropped} messages dropped (memory cap {cap} MiB; raise --memory-cap)"),
            format!("{dropped} dropped: raise --memory-cap"),
        ],
        None => [
            format!("oldest {dropped} messages dropped"),
            format!("{dropped} dropped"),
        ],
    })
}

/// The status line for a bar `width` columns wide.
pub fn line(app: &App, width: usize) -> String {
    // Pieces that may go, in the order shown, each with when it goes (lowest first) and the
    // shorter form it takes first, if it has one.
    let mut optional: Vec<(u8, String, Option<String>)> = vec![(6, mode(app), None)];
    optional.push((
        3,
        format!("{} packets, {} bytes", app.model.packets, app.model.bytes),
        None,
    ));
    optional.push((4, format!("{} sessions", app.model.sessions.len()), None));
    if app.live {
        optional.push((2, format!("drops {}", app.model.drops), None));
    }
    if let Some([long, short]) = dropped(app) {
        // What to do about lost history outranks the counters.
        optional.push((5, long, Some(short)));
    }
    if app.follow {
        optional.push((0, "follow".to_owned(), None));
    }
    let prompt = prompt(app);
    let note = app.model.status.clone();
    let source = Escaped(&app.source).to_string();
    let used = |optional: &[(u8, String, Option<String>)], help: &str, source: usize| -> usize {
        let pieces = optional.iter().map(|(_, text, _)| text.as_str());
        let fixed = pieces
            .chain(prompt.as_deref())
            .chain(note.as_deref())
            .chain([help]);
        fixed
            .map(|piece| piece.chars().count() + SEPARATOR.len())
            .sum::<usize>()
            + source
            + 1
    };
    // Drop optional pieces until the file name fits, or at least its last part (`…/name`).
    let name = source.rsplit('/').next().unwrap_or(&source).chars().count();
    let least_source = source.chars().count().min(MIN_SOURCE.max(name + 2));
    while used(&optional, HELP[0], least_source) > width {
        let Some(lowest) = optional
            .iter()
            .enumerate()
            .min_by_key(|(_, (rank, _, _))| *rank)
            .map(|(index, _)| index)
        else {
            break;
        };
        // A piece with a shorter form takes it before it goes.
        let shorter = optional
            .get_mut(lowest)
            .and_then(|(_, text, short)| Some((text, short.take()?)));
        match shorter {
            Some((text, short)) => *text = short,
            None => {
                optional.remove(lowest);
            }
        }
    }
    let help = if used(&optional, HELP[0], 0) <= width {
        HELP[0]
    } else {
        HELP[1]
    };
    let room = width.saturating_sub(used(&optional, help, 0));
    let mut pieces = Vec::new();
    if room >= MIN_SOURCE.min(source.chars().count()).max(1) {
        pieces.push(cut_start(&source, room));
    }
    pieces.extend(optional.into_iter().map(|(_, text, _)| text));
    // Still too wide: the note is cut at its end, the prompt keeps what was typed last.
    let fixed: usize = pieces
        .iter()
        .map(|piece| piece.chars().count() + SEPARATOR.len())
        .sum::<usize>()
        + help.chars().count()
        + 1;
    let mut left = width.saturating_sub(fixed);
    if let Some(prompt) = prompt {
        let shown = cut_start(&prompt, left.saturating_sub(SEPARATOR.len()));
        left = left.saturating_sub(shown.chars().count() + SEPARATOR.len());
        pieces.push(shown);
    }
    if let Some(note) = note {
        let room = left.saturating_sub(SEPARATOR.len());
        if room > 0 {
            pieces.push(cut_end(&note, room));
        }
    }
    pieces.push(help.to_owned());
    format!(" {}", pieces.join(SEPARATOR))
}

/// `text` in at most `width` characters, its end kept: `…` and the last ones.
fn cut_start(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_owned();
    }
    let keep = width.saturating_sub(1);
    std::iter::once(ELLIPSIS)
        .chain(text.chars().skip(count - keep))
        .collect()
}

/// `text` in at most `width` characters, its start kept: the first ones and `…`.
fn cut_end(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    text.chars()
        .take(width.saturating_sub(1))
        .chain(std::iter::once(ELLIPSIS))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_text_says_so_with_an_ellipsis() {
        assert_eq!(cut_start("samples/publish_play.pcap", 10), "…play.pcap");
        assert_eq!(cut_end("export failed: File exists", 10), "export fa…");
        assert_eq!(cut_start("short", 10), "short");
        assert_eq!(cut_end("", 0), "");
    }

    #[test]
    fn the_prompt_the_note_and_help_fit_at_eighty_columns() {
        let mut app = App::new(format!("/captures/{}.pcap", "x".repeat(120)), false);
        app.editing = Some("connect".into());
        app.model.status = Some("export failed: File exists (os error 17)".into());
        for width in [60, 80, 120, 160] {
            let line = line(&app, width);
            assert!(line.chars().count() <= width, "{width}: {line}");
            for piece in ["/connect▏", "export failed", "? help"] {
                assert!(line.contains(piece), "{width}: {piece} not in {line}");
            }
        }
        // With room, the file name is cut at its start, not the pieces after it.
        let wide = line(&app, 120);
        assert!(wide.starts_with(" …"), "{wide}");
        assert!(wide.contains("x.pcap"), "{wide}");
    }
}
