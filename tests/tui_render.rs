//! The TUI renders as a function of its state: snapshots of every pane and view on a sample
//! (ratatui's TestBackend), and the actions that change the state (navigation, filter and
//! search, expand, pause, follow, export, mouse, the history cap). No threads are raced and
//! nothing sleeps: the sample is decoded to its end before the UI state is built from it.

#![cfg(feature = "tui")]

mod common;

use std::path::Path;

use ratatui::style::Color;

use common::tui::{act, draw, sample, sample_updates, screen, selected};
use rtmpscope::common::{Direction, Timestamp};
use rtmpscope::tui::app::{Action, App, ExportMode, Pane};
use rtmpscope::tui::feed::Decoding;
use rtmpscope::tui::model::{
    Content, MessageRow, Model, RowKind, TuiMemory, Update, BLOCK_ROWS, MEDIA_KEPT_BODY,
};

/// The hex digits the hex pane highlights (yellow background), in screen order.
fn highlighted(app: &mut App, width: u16, height: u16) -> String {
    let terminal = draw(app, width, height);
    let buffer = terminal.backend().buffer();
    let hex_left = width * 45 / 100;
    let mut out = String::new();
    for y in 0..height {
        // The hex columns only: after the 6-column offset, before the text column.
        for x in hex_left + 7..hex_left + 7 + 48 {
            let cell = &buffer[(x, y)];
            if cell.bg == Color::Yellow && cell.symbol() != " " {
                out.push_str(cell.symbol());
            }
        }
    }
    out
}

/// `/`, the text (replacing the filter being edited), Enter.
fn type_filter(app: &mut App, text: &str) {
    act(app, &[Action::StartFilter]);
    for _ in 0..app.filter.len() {
        act(app, &[Action::FilterBackspace]);
    }
    for c in text.chars() {
        act(app, &[Action::FilterChar(c)]);
    }
    act(app, &[Action::FilterApply]);
}

#[test]
fn main_view() {
    let mut app = sample("publish_play.pcap");
    insta::assert_snapshot!("main_view", screen(&mut app, 140, 40));
}

#[test]
fn session_selected_and_details_expanded_with_the_fields_bytes_highlighted() {
    let mut app = sample("publish_play.pcap");
    // Sessions pane: session 1; then its messages: connect; then the details tree.
    act(
        &mut app,
        &[Action::PrevPane, Action::Down, Action::Toggle, Action::Down],
    );
    assert_eq!(app.selected_session(), Some(1));
    assert_eq!(app.focus, Pane::Messages);
    assert!(selected(&app).starts_with("connect app=live"));
    // Enter: the details pane; down to command_object's first property, app.
    act(&mut app, &[Action::Toggle]);
    assert_eq!(app.focus, Pane::Details);
    act(&mut app, &[Action::Down; 5]);
    let screen = screen(&mut app, 140, 40);
    assert!(screen.contains("app: \"live\""), "{screen}");
    insta::assert_snapshot!("details_of_connect", screen);
    // The property's bytes: its name (length, "app") and its value (marker, length, "live").
    assert_eq!(highlighted(&mut app, 140, 40), "00036170700200046c697665");
    // Up to the command name: its marker, length and text.
    act(&mut app, &[Action::Up, Action::Up, Action::Up]);
    assert_eq!(app.details[app.detail_cursor].label, "command: \"connect\"");
    assert_eq!(highlighted(&mut app, 140, 40), "020007636f6e6e656374");
    // Collapse the command object: its properties go; Enter again brings them back.
    act(&mut app, &[Action::Down, Action::Down]);
    let lines = app.details.len();
    act(&mut app, &[Action::Toggle]);
    assert_eq!(app.details.len(), lines - 4);
    act(&mut app, &[Action::Toggle]);
    assert_eq!(app.details.len(), lines);
}

#[test]
fn the_hex_pane_scrolls_to_the_selected_field() {
    let mut app = sample("publish_play.pcap");
    type_filter(&mut app, "setdataframe");
    assert_eq!(app.visible.len(), 1);
    act(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus, Pane::Details);
    // The last property of onMetaData sits past the lines the pane shows.
    act(&mut app, &[Action::End]);
    let node = app.details[app.detail_cursor].clone();
    let range = node.bytes.clone().expect("located");
    assert!(range.start > 16 * 10, "{node:?}");
    let marked = highlighted(&mut app, 140, 40);
    let body = app.selected_row().unwrap().body().to_vec();
    let expected: String = body[range].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(marked, expected, "{node:?}");
}

#[test]
fn filter_narrows_and_search_steps_through_matches() {
    let mut app = sample("publish_play.pcap");
    let all = app.visible.len();
    type_filter(&mut app, "OnStatus");
    // Publish.Start and Unpublish.Success for the publisher, Play.Start for each player.
    assert_eq!(app.visible.len(), 4);
    assert_eq!(app.filter, "OnStatus");
    let first = app.message_cursor;
    act(&mut app, &[Action::NextMatch]);
    assert_eq!(app.message_cursor, first + 1);
    act(&mut app, &[Action::PrevMatch]);
    assert_eq!(app.message_cursor, first);
    insta::assert_snapshot!("filtered_onstatus", screen(&mut app, 140, 30));
    // Esc clears the filter, the selection stays on its row, and n N still find matches.
    act(&mut app, &[Action::Down, Action::Back]);
    assert_eq!(app.visible.len(), all);
    assert_eq!(app.selected_row().unwrap().frame, 129);
    act(&mut app, &[Action::NextMatch]);
    assert_eq!(app.selected_row().unwrap().frame, 243);
    act(&mut app, &[Action::NextMatch]);
    assert!(selected(&app).contains("NetStream.Unpublish.Success"));
    act(
        &mut app,
        &[Action::PrevMatch, Action::PrevMatch, Action::PrevMatch],
    );
    assert!(selected(&app).contains("NetStream.Publish.Start"));
    // Before the first match, N goes on from the bottom and says so.
    act(&mut app, &[Action::PrevMatch]);
    assert!(selected(&app).contains("NetStream.Unpublish.Success"));
    assert_eq!(
        app.model.status.as_deref(),
        Some("search wrapped to the bottom")
    );
    assert!(!app.search_missed);
    act(&mut app, &[Action::NextMatch]);
    assert!(selected(&app).contains("NetStream.Publish.Start"));
    assert_eq!(
        app.model.status.as_deref(),
        Some("search wrapped to the top")
    );
    // With nothing open, Esc never quits (issue 17, point 9): it says how to.
    act(&mut app, &[Action::Back, Action::Back]);
    assert!(!app.quit);
    assert_eq!(
        app.model.status.as_deref(),
        Some("nothing to close: q quits")
    );
    act(&mut app, &[Action::Quit]);
    assert!(app.quit);
}

#[test]
fn filters_match_types_commands_and_text() {
    let mut app = sample("publish_play.pcap");
    type_filter(&mut app, "video");
    let videos = app.visible.len();
    assert!(videos > 100);
    assert!(app
        .visible
        .iter()
        .all(|&i| app.model.rows.get(i).unwrap().type_name() == "video"));
    type_filter(&mut app, "publish");
    let found: Vec<String> = app
        .visible
        .iter()
        .map(|&i| app.model.rows.get(i).unwrap().summary().into_owned())
        .collect();
    assert!(
        found.iter().any(|s| s.starts_with("publish 'test'")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|s| s.starts_with("FCPublish")),
        "{found:?}"
    );
    // Media summaries are rebuilt from their tag header, and are searched too.
    type_filter(&mut app, "keyframe");
    assert!(!app.visible.is_empty() && app.visible.len() < videos);
    // A session and a filter together.
    type_filter(&mut app, "command");
    let commands = app.visible.len();
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Down]);
    assert_eq!(app.selected_session(), Some(2));
    assert!(app.visible.len() < commands);
    assert!(app
        .visible
        .iter()
        .all(|&i| app.model.rows.get(i).unwrap().session == 2));
}

#[test]
fn navigation_is_clamped() {
    let mut app = sample("publish_play.pcap");
    act(&mut app, &[Action::End]);
    assert_eq!(app.message_cursor, app.visible.len() - 1);
    act(&mut app, &[Action::Down, Action::PageDown]);
    assert_eq!(app.message_cursor, app.visible.len() - 1);
    act(&mut app, &[Action::Home, Action::Up, Action::PageUp]);
    assert_eq!(app.message_cursor, 0);
    screen(&mut app, 140, 40);
    act(&mut app, &[Action::PageDown]);
    assert_eq!(app.message_cursor, usize::from(app.areas.messages.rows));
    act(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus, Pane::Details);
    act(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus, Pane::Bytes);
    act(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus, Pane::Sessions);
    act(&mut app, &[Action::End]);
    assert_eq!(app.selected_session(), Some(3));
    act(&mut app, &[Action::Down, Action::Home]);
    assert_eq!(app.selected_session(), None);
}

#[test]
fn the_mouse_selects_rows_and_expands_fields() {
    let mut app = sample("publish_play.pcap");
    screen(&mut app, 140, 40);
    // Click the second session row (session 2), then the third message of its list.
    let sessions = app.areas.sessions;
    act(&mut app, &[Action::Click(10, sessions.top + 2)]);
    assert_eq!(app.selected_session(), Some(2));
    assert_eq!(app.focus, Pane::Sessions);
    screen(&mut app, 140, 40);
    let messages = app.areas.messages;
    act(&mut app, &[Action::Click(30, messages.top + 2)]);
    assert_eq!(app.focus, Pane::Messages);
    assert_eq!(app.message_cursor, 2);
    // The wheel over the messages scrolls them.
    act(&mut app, &[Action::ScrollDown(30, messages.top)]);
    assert_eq!(app.message_cursor, 5);
    // A click on a closed container in the details opens it.
    act(&mut app, &[Action::Home]);
    while !selected(&app).starts_with("connect") {
        act(&mut app, &[Action::Down]);
    }
    screen(&mut app, 140, 40);
    let details = app.areas.details;
    let header = app.details.iter().position(|n| n.path == "header").unwrap();
    let lines = app.details.len();
    act(&mut app, &[Action::Click(5, details.top + header as u16)]);
    assert_eq!(app.focus, Pane::Details);
    assert_eq!(app.details.len(), lines + 6);
}

#[test]
fn help_overlay() {
    let mut app = sample("publish_play.pcap");
    act(&mut app, &[Action::Help]);
    let screen = screen(&mut app, 120, 36);
    for key in ["PgUp PgDn", "pause the list", "export the selected session"] {
        assert!(screen.contains(key), "{screen}");
    }
    insta::assert_snapshot!("help", screen);
    act(&mut app, &[Action::Back]);
    assert!(!app.help && !app.quit);
}

#[test]
fn statistics_view() {
    let mut app = sample("publish_play.pcap");
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let screen = screen(&mut app, 160, 50);
    assert!(screen.contains("publish \"test\" (live)"), "{screen}");
    assert!(screen.contains("Messages by type"), "{screen}");
    assert!(screen.contains("Bitrate, kbit/s"), "{screen}");
    insta::assert_snapshot!("statistics", screen);
    // Narrower: the table goes under the report.
    let narrow = self::screen(&mut app, 100, 50);
    assert!(narrow.contains("Messages by type"), "{narrow}");
}

#[test]
fn statistics_count_messages_by_type_each_way() {
    let app = sample("publish_play.pcap");
    let publisher = app.model.session(1).unwrap();
    let video = publisher.by_type[9];
    let audio = publisher.by_type[8];
    let report = publisher.report.as_ref().unwrap();
    let stream = &report.streams[0];
    // The UI's own counts agree with the analysis.
    let (video_track, audio_track) = (
        stream.video.as_ref().unwrap(),
        stream.audio.as_ref().unwrap(),
    );
    assert_eq!(video.messages, [video_track.messages, 0]);
    assert_eq!(video.bytes, [video_track.bytes, 0]);
    assert_eq!(audio.messages, [audio_track.messages, 0]);
    let total: u64 = publisher
        .by_type
        .iter()
        .map(|c| c.messages[0] + c.messages[1])
        .sum();
    assert_eq!(total, publisher.messages);
    assert_eq!(total, report.messages);
}

#[test]
fn the_rtmp_family_shows_in_the_sessions_rows_and_statistics() {
    let mut app = sample("rtmps.pcap");
    let main = screen(&mut app, 160, 40);
    assert!(main.contains("RTMPS"), "{main}");
    assert!(
        main.contains("TLS handshake: TLS 1.3 TLS_AES_256_GCM_SHA384"),
        "{main}"
    );
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let stats = screen(&mut app, 160, 45);
    assert!(stats.contains("RTMPS"), "{stats}");
    assert!(stats.contains("TLS records c2s"), "{stats}");
    let mut app = sample("rtmpt.pcap");
    let main = screen(&mut app, 160, 40);
    assert!(main.contains("RTMPT"), "{main}");
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let stats = screen(&mut app, 160, 45);
    assert!(stats.contains("idle polls"), "{stats}");
}

#[test]
fn too_small_a_terminal_says_so() {
    let mut app = sample("publish_play.pcap");
    let screen = screen(&mut app, 40, 10).replace('\n', " ");
    assert!(screen.contains("needs at least 60x15"), "{screen}");
}

#[test]
fn pause_freezes_the_list_and_follow_keeps_the_newest() {
    let all = sample_updates("publish_play.pcap", Decoding::default()).concat();
    let rows = |u: &[Update]| u.iter().filter(|u| matches!(u, Update::Row(_))).count();
    let half = (1..all.len()).find(|&n| rows(&all[..n]) == 300).unwrap();
    let mut app = App::new("live".into(), true);
    assert!(app.follow);
    app.receive(all[..half].to_vec());
    let shown = app.visible.len();
    assert!(shown > 0);
    assert_eq!(app.message_cursor, shown - 1);
    act(&mut app, &[Action::Pause]);
    app.receive(all[half..].to_vec());
    // Paused: the list is as it was; the sessions and counters still moved on.
    assert_eq!(app.visible.len(), shown);
    let rows = app.model.rows.len();
    assert!(rows > shown);
    assert!(screen(&mut app, 140, 40).contains("PAUSED"));
    act(&mut app, &[Action::Pause]);
    assert_eq!(app.visible.len(), rows);
    assert_eq!(app.message_cursor, rows - 1);
    // Moving up stops following; f follows again.
    act(&mut app, &[Action::Up]);
    assert!(!app.follow);
    act(&mut app, &[Action::Follow]);
    assert!(app.follow);
    assert_eq!(app.message_cursor, rows - 1);
}

#[test]
fn export_lists_the_files_written_as_decoded() {
    let dir = std::env::temp_dir().join(format!("rtmpscope-tui-export-{}", std::process::id()));
    let decoding = Decoding {
        export: Some(dir.clone()),
        ..Decoding::default()
    };
    let mut app = App::new("file".into(), false).with_export(ExportMode::AsDecoded);
    for batch in sample_updates("publish_play.pcap", decoding) {
        app.receive(batch);
    }
    // e without a session says what to do.
    act(&mut app, &[Action::Export]);
    assert!(!app.exports);
    assert!(app
        .model
        .status
        .as_deref()
        .unwrap()
        .contains("select a session"));
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Export]);
    assert!(app.exports);
    assert_eq!(app.export_request, None);
    let session = app.session().unwrap();
    assert_eq!(session.exports.len(), 1);
    let export = &session.exports[0];
    assert_eq!(export.state, "finished");
    let by_type = session.by_type;
    assert_eq!(export.video_tags, by_type[9].messages[0]);
    assert_eq!(export.audio_tags, by_type[8].messages[0]);
    assert!(Path::new(&export.path).exists());
    let screen = screen(&mut app, 140, 40);
    assert!(screen.contains("FLV files of session 1"), "{screen}");
    assert!(
        screen.contains("publish test (stream 1): 62 video, 175 audio, 1 script tags"),
        "{screen}"
    );
    act(&mut app, &[Action::Export]);
    assert!(!app.exports);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn export_from_a_file_is_asked_once_per_session() {
    let mut app = sample("publish_play.pcap");
    assert_eq!(app.export_mode, ExportMode::FromFile);
    act(
        &mut app,
        &[Action::PrevPane, Action::Down, Action::Down, Action::Export],
    );
    assert_eq!(app.export_request, Some(2));
    assert!(screen(&mut app, 140, 40).contains("Exporting into rtmpscope-export/"));
    app.export_request = None;
    act(&mut app, &[Action::Back, Action::Export]);
    assert_eq!(app.export_request, None);
    // Live, without --export-flv, there is nothing to read again.
    let mut live = App::new("live".into(), true);
    live.receive(sample_updates("publish_play.pcap", Decoding::default()).concat());
    act(&mut live, &[Action::PrevPane, Action::Down, Action::Export]);
    assert_eq!(live.export_request, None);
    assert!(screen(&mut live, 140, 40).contains("start rtmpscope with --export-flv DIR"));
}

fn media_row(frame: u64) -> MessageRow {
    let mut prefix = [0; MEDIA_KEPT_BODY];
    prefix[..2].copy_from_slice(&[0xAF, 0x01]);
    MessageRow {
        frame,
        time: Timestamp(frame as i64),
        session: 1,
        csid: 4,
        msid: 1,
        timestamp: frame as u32,
        length: 200,
        type_id: 8,
        kind: RowKind::Audio,
        dir: Some(Direction::ClientToServer),
        content: Content::Media { prefix, kept: 2 },
    }
}

#[test]
fn the_history_is_capped_and_the_selection_survives() {
    let mut app = App::with_model(Model::new(2 * BLOCK_ROWS, 10), "live".into(), true);
    act(&mut app, &[Action::Follow]);
    let rows = |from: u64, to: u64| (from..to).map(|n| Update::Row(media_row(n))).collect();
    app.receive(rows(0, 2 * BLOCK_ROWS as u64));
    let chosen = BLOCK_ROWS as u64 + 7;
    app.message_cursor = chosen as usize;
    app.receive(rows(2 * BLOCK_ROWS as u64, 2 * BLOCK_ROWS as u64 + 10));
    // The oldest block went; the list and the selection followed.
    assert_eq!(app.model.rows.first(), BLOCK_ROWS);
    assert_eq!(app.visible.len(), BLOCK_ROWS + 10);
    assert_eq!(app.selected_row().unwrap().frame, chosen);
    assert!(screen(&mut app, 140, 40).contains(&format!("oldest {BLOCK_ROWS} messages dropped")));
}

#[test]
fn dropped_history_names_the_memory_cap_and_what_to_do() {
    // --memory-cap 8: the rows may take 4 MiB, about 58 000 audio rows.
    let mut app = App::with_model(Model::under(TuiMemory::of(8)), "gen.pcap".into(), false);
    app.receive((0..100_000).map(|n| Update::Row(media_row(n))).collect());
    let dropped = app.model.rows.first();
    assert!(dropped > 30_000 && dropped < 100_000, "{dropped}");
    let said = format!("oldest {dropped} messages dropped (memory cap 8 MiB; raise --memory-cap)");
    let wide = screen(&mut app, 160, 45);
    assert!(wide.contains(&said), "{wide}");
    // Narrow, the counters give way first, then it says it shorter, still with what to do.
    let narrow = screen(&mut app, 80, 24);
    assert!(!narrow.contains(&said), "{narrow}");
    assert!(
        narrow.contains(&format!("{dropped} dropped: raise --memory-cap")),
        "{narrow}"
    );
    // Nothing dropped, nothing said.
    let mut kept = App::with_model(Model::under(TuiMemory::of(1024)), "gen.pcap".into(), false);
    kept.receive((0..100_000).map(|n| Update::Row(media_row(n))).collect());
    assert_eq!(kept.model.rows.first(), 0);
    assert!(!screen(&mut kept, 160, 45).contains("dropped"));
}

#[test]
fn decoder_configurations_are_kept_whole() {
    let mut app = sample("publish_play.pcap");
    type_filter(&mut app, "avc keyframe sequence header");
    let row = app.selected_row().unwrap();
    assert_eq!(row.body().len(), 47);
    let labels: Vec<&str> = app.details.iter().map(|n| n.label.as_str()).collect();
    for expected in [
        "profile: \"High\"",
        "width: 320",
        "height: 240",
        "frame_rate: 15.0",
    ] {
        assert!(labels.contains(&expected), "{labels:?}");
    }
    // The record (avcC) is highlighted after the 5-byte tag header.
    let config = app.details.iter().find(|n| n.label.starts_with("config"));
    assert_eq!(config.and_then(|n| n.bytes.clone()), Some(5..47));
}

/// How many events `--json --filter-messages expr` writes for the sample.
fn cli_count(name: &str, expr: &str) -> usize {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rtmpscope"))
        .arg("-r")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("samples")
                .join(name),
        )
        .args(["--json", "--filter-messages", expr])
        .output()
        .expect("run rtmpscope");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).lines().count()
}

#[test]
fn display_filters_select_fields_as_the_command_line_does_and_say_so() {
    // (Session starts and ends are lines of the command line but not rows of the UI: the
    // expressions here select messages.)
    let mut app = sample("publish_play.pcap");
    let rows = app.model.rows.len();
    for expr in [
        "type == video and dir == s2c",
        "command == \"publish\" or amf.encoder",
        "frame >= 1400 && not audio && dir",
        "code contains Start",
        "stream == test",
    ] {
        type_filter(&mut app, expr);
        assert!(!app.visible.is_empty(), "{expr}");
        assert_eq!(
            app.visible.len(),
            cli_count("publish_play.pcap", expr),
            "{expr}"
        );
        let said = format!("filter: {expr} — {} of {rows}", app.visible.len());
        assert!(screen(&mut app, 160, 45).contains(&said), "{expr}");
    }
    // A word alone searches the text and the bodies: onMetaData's encoder key.
    type_filter(&mut app, "encoder");
    assert_eq!(app.visible.len(), 1);
    assert!(selected(&app).contains("onMetaData"));
    // Within a session, the count is of that session's rows.
    type_filter(&mut app, "video");
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Down]);
    let session_rows = (app.model.rows.first()..app.model.rows.end())
        .filter(|&i| app.model.rows.get(i).unwrap().session == 2)
        .count();
    assert_eq!(app.listed, session_rows);
    let said = format!("filter: video — {} of {session_rows}", app.visible.len());
    assert!(screen(&mut app, 160, 45).contains(&said));
}

#[test]
fn an_empty_result_says_no_match_until_the_filter_changes() {
    let mut app = sample("publish_play.pcap");
    type_filter(&mut app, "command == deleteStream and dir == s2c");
    assert!(app.visible.is_empty());
    assert!(screen(&mut app, 160, 45).contains("— no match"));
    type_filter(&mut app, "command == deleteStream");
    assert!(!app.visible.is_empty());
    assert!(!screen(&mut app, 160, 45).contains("no match"));
    // n with nothing to find anywhere says so, and the next filter clears it.
    type_filter(&mut app, "amf.nothing");
    act(&mut app, &[Action::Back, Action::NextMatch]);
    assert!(app.search_missed);
    assert!(screen(&mut app, 160, 45).contains("n/N: amf.nothing — no match"));
    type_filter(&mut app, "amf.tcUrl");
    act(&mut app, &[Action::Back]);
    assert!(!screen(&mut app, 160, 45).contains("no match"));
    act(&mut app, &[Action::Home, Action::NextMatch]);
    assert!(selected(&app).starts_with("connect"));
}

#[test]
fn a_bad_expression_is_marked_where_it_is_and_not_applied() {
    let mut app = sample("publish_play.pcap");
    let all = app.visible.len();
    act(&mut app, &[Action::StartFilter]);
    for c in "type == video and tpye == x".chars() {
        act(&mut app, &[Action::FilterChar(c)]);
    }
    let error = app.filter_error.clone().expect("an error");
    assert_eq!(error.span, 18..22);
    act(&mut app, &[Action::FilterApply]);
    assert!(app.editing.is_some(), "still typing");
    assert_eq!(app.visible.len(), all, "nothing applied");
    let terminal = draw(&mut app, 160, 45);
    let buffer = terminal.backend().buffer();
    let status: String = (0..160).map(|x| buffer[(x, 44)].symbol()).collect();
    assert!(
        status.contains(
            "/type == video and tpye == x▏ ✗ unknown field \"tpye\" (did you mean \"type\"?)"
        ),
        "{status}"
    );
    // The marker sits on exactly the four letters of the unknown name.
    let start = status.find("/type").unwrap() + 1;
    let start = status[..start].chars().count();
    let marked: Vec<usize> = (0..160u16)
        .filter(|&x| buffer[(x, 44)].bg == Color::Red && buffer[(x, 44)].symbol() != " ")
        .map(usize::from)
        .filter(|&x| x < start + "type == video and tpye == x".len())
        .collect();
    assert_eq!(marked, (start + 18..start + 22).collect::<Vec<_>>());
    // Ctrl-W takes the last word back, Ctrl-U the whole line: both compile again.
    act(&mut app, &[Action::FilterDeleteWord]);
    assert_eq!(app.editing.as_deref(), Some("type == video and tpye == "));
    act(&mut app, &[Action::FilterClearLine]);
    assert_eq!(app.editing.as_deref(), Some(""));
    assert!(app.filter_error.is_none());
    // Something missing at the end is marked after the text.
    for c in "frame >=".chars() {
        act(&mut app, &[Action::FilterChar(c)]);
    }
    assert_eq!(
        app.filter_error.as_ref().map(|e| e.span.clone()),
        Some(8..8)
    );
    assert!(screen(&mut app, 160, 45).contains("/frame >=▏ ✗ expected a value after >="));
    act(&mut app, &[Action::Back]);
    assert!(app.editing.is_none() && app.filter_error.is_none());
}

#[test]
fn a_filter_from_the_command_line_applies_from_the_start() {
    let filter = rtmpscope::filter::Filter::parse("type == audio").expect("a filter");
    let mut app = App::new("samples/publish_play.pcap".into(), false).with_filter(filter);
    for batch in sample_updates("publish_play.pcap", Decoding::default()) {
        app.receive(batch);
    }
    assert_eq!(app.filter, "type == audio");
    assert_eq!(
        app.visible.len(),
        cli_count("publish_play.pcap", "type == audio")
    );
    assert!(app
        .visible
        .iter()
        .all(|&i| app.model.rows.get(i).unwrap().type_name() == "audio"));
}
