//! Two sinks fed from one pipeline: the chosen output, and a second sink that sees everything
//! (the ClickHouse sink beside the JSON or text output). Neither knows of the other.

use crate::analysis::{Live, LiveHeader, ReportSink, SessionReport};
use crate::common::Notice;
use crate::session::event::{Event, EventSink};

/// Sends every event and every report to `all`, and to `output` what the chosen output wants:
/// with `reports_only` (`--summary`) the session reports, otherwise the events. Put it behind
/// an [`crate::analysis::Analyzer`] that forwards everything.
pub struct Tee<O, A> {
    output: O,
    all: A,
    reports_only: bool,
}

impl<O, A> Tee<O, A> {
    /// `output` gets the events, or with `reports_only` the reports; `all` gets both.
    pub fn new(output: O, all: A, reports_only: bool) -> Self {
        Tee {
            output,
            all,
            reports_only,
        }
    }

    /// The two sinks back.
    pub fn into_parts(self) -> (O, A) {
        (self.output, self.all)
    }
}

impl<O: EventSink, A: EventSink> EventSink for Tee<O, A> {
    fn event(&mut self, event: &Event<'_>) {
        if !self.reports_only {
            self.output.event(event);
        }
        self.all.event(event);
    }

    fn notice(&mut self, notice: &Notice) {
        self.output.notice(notice);
        self.all.notice(notice);
    }
}

impl<O: ReportSink, A: ReportSink> ReportSink for Tee<O, A> {
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport) {
        if self.reports_only {
            self.output.report(ended, report);
        }
        self.all.report(ended, report);
    }

    /// Live lines go to both, as the chosen output prints them with `--json` and `--summary`.
    fn live(&mut self, header: &LiveHeader, line: Live<'_>) {
        self.output.live(header, line);
        self.all.live(header, line);
    }
}
