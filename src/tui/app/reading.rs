//! Reading in the UI: the full-text view, scrolled overlays, copying to the clipboard, and
//! the details pane folded and scrolled sideways with ← →: actions of [`App`] kept apart
//! from the rest of its state changes.

use super::{Action, App, Pane, WHEEL_STEP};
use crate::common::hex::Hex;
use crate::tui::details::{self, Field};
use crate::tui::textview::TextView;

/// Columns Left and Right scroll the details pane sideways.
const SIDEWAYS_STEP: usize = 8;

impl App {
    /// The open overlay (full text, help, exports) takes the moving keys to scroll itself.
    /// Statistics scroll on their own terms.
    pub(super) fn scrolls_overlay(&mut self, action: Action) -> bool {
        if self.text_view.is_none() && !self.help && !self.exports {
            return false;
        }
        let page = i64::from(self.areas.overlay_rows.max(1));
        let delta = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Home => i64::MIN / 2,
            Action::End => i64::MAX / 2,
            Action::ScrollUp(..) => -WHEEL_STEP,
            Action::ScrollDown(..) => WHEEL_STEP,
            _ => return false,
        };
        self.overlay_scroll = moved(self.overlay_scroll, delta, self.areas.overlay_max);
        true
    }

    /// `v`, or Enter on a field without parts: the whole text of the selected field (details
    /// pane) or row (elsewhere), wrapped and scrollable.
    pub(super) fn open_text_view(&mut self) {
        let field = (self.focus == Pane::Details)
            .then(|| self.selected_field())
            .flatten();
        let view = match (field, self.selected_row()) {
            (Some(field), _) => TextView {
                title: field.path.clone(),
                text: details::text(std::slice::from_ref(field)),
            },
            (None, Some(row)) => TextView {
                title: format!("frame {}: {}", row.frame, row.type_name()),
                text: details::text(&self.fields),
            },
            (None, None) => {
                self.model.status = Some("nothing to show: select a message first".into());
                return;
            }
        };
        self.text_view = Some(view);
        self.overlay_scroll = 0;
    }

    /// The field of the selected details line.
    fn selected_field(&self) -> Option<&Field> {
        let node = self.details.get(self.detail_cursor)?;
        details::find(&self.fields, &node.path)
    }

    /// `y` (value) or `Y` (`hex`): the selected field's value or bytes in the details pane,
    /// else the selected row's summary or body, put on the clipboard by the run loop.
    pub(super) fn copy(&mut self, hex: bool) {
        let Some(row) = self.selected_row() else {
            self.model.status = Some("nothing to copy: select a message or a field".into());
            return;
        };
        let field = (self.focus == Pane::Details)
            .then(|| self.selected_field())
            .flatten();
        let (what, text) = match (field, hex) {
            (Some(field), false) => (
                field.path.clone(),
                match &field.value {
                    Some(value) => unquoted(value).to_owned(),
                    None => details::text(std::slice::from_ref(field)),
                },
            ),
            (Some(field), true) => {
                let Some(bytes) = field.bytes.clone().and_then(|r| row.body().get(r)) else {
                    self.model.status = Some(format!("{} has no bytes of its own", field.path));
                    return;
                };
                (
                    format!("the bytes of {}", field.path),
                    Hex(bytes).to_string(),
                )
            }
            (None, false) => (format!("frame {}", row.frame), row.summary().into_owned()),
            (None, true) => (
                format!("the body of frame {}", row.frame),
                Hex(row.body()).to_string(),
            ),
        };
        let unit = if hex { "hex digits" } else { "characters" };
        self.model.status = Some(format!(
            "copied {what} ({} {unit}) to the clipboard",
            text.chars().count()
        ));
        self.clipboard = Some(text);
    }

    /// Left: in the details pane, collapses an open field, else scrolls back, else goes to
    /// the field it is part of.
    pub(super) fn left(&mut self) {
        if self.focus != Pane::Details {
            return;
        }
        let Some(node) = self.details.get(self.detail_cursor) else {
            return;
        };
        if node.expanded {
            self.toggle();
        } else if self.details_x > 0 {
            self.details_x = self.details_x.saturating_sub(SIDEWAYS_STEP);
        } else if let Some(parent) = self
            .details
            .get(..self.detail_cursor)
            .and_then(|above| above.iter().rposition(|n| n.depth < node.depth))
        {
            self.detail_cursor = parent;
        }
    }

    /// Right: in the details pane, expands a closed field, else scrolls sideways to read
    /// the end of long values.
    pub(super) fn right(&mut self) {
        if self.focus != Pane::Details {
            return;
        }
        match self.details.get(self.detail_cursor) {
            Some(node) if node.container && !node.expanded => self.toggle(),
            Some(_) => {
                self.details_x = (self.details_x + SIDEWAYS_STEP).min(self.areas.details_x_max);
            }
            None => {}
        }
    }
}

/// `cursor` moved by `delta`, kept within `0..=max`.
pub(super) fn moved(cursor: usize, delta: i64, max: usize) -> usize {
    let max = i64::try_from(max).unwrap_or(i64::MAX);
    let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
    usize::try_from(cursor.saturating_add(delta).clamp(0, max)).unwrap_or(0)
}

/// A string value without the quotes the tree shows it in.
fn unquoted(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}
