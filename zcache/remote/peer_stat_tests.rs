// SPDX-License-Identifier: GPL-2.0

//! Host tests of the `peer_stat` lines: the fields and their order, the widest line, and that a
//! full page holds whole lines only.

extern crate std;

use super::*;
use std::string::{String, ToString};
use std::vec::Vec;

fn node(n: u8) -> NodeNum {
    NodeNum::new(n).unwrap()
}

#[test]
fn a_line_is_node_link_remote_foreign_and_bytes_in_columns() {
    let pages = NodePages::new();
    pages.add_remote(node(1), 1234);
    pages.set_foreign(node(1), 56, 229_376);
    pages.add_remote(node(2), 9);
    let line = PeerStat::of(node(1), "up", &pages).to_string();
    assert_eq!(
        line,
        "  1 up                  1234           56       229376\n"
    );
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields, ["1", "up", "1234", "56", "229376"]);
    assert_eq!(
        PeerStat::of(node(2), "down", &pages).to_string(),
        "  2 down                   9            0            0\n"
    );
}

#[test]
fn the_widest_line_fits_line_max() {
    let widest = PeerStat {
        node: node(254),
        link: "handshaking",
        remote_pages: u64::MAX,
        foreign_pages: u64::MAX,
        foreign_bytes: u64::MAX,
    };
    let line = widest.to_string();
    assert_eq!(line.len(), 79);
    assert!(line.len() <= LINE_MAX);
    let mut page = [0u8; 4096];
    assert_eq!(write_whole_lines(&mut page, [widest]), 79);
    assert_eq!(&page[..79], line.as_bytes());
}

#[test]
fn a_full_page_holds_whole_lines_only() {
    let pages = NodePages::new();
    let lines: Vec<PeerStat> = (0..=NodeNum::MAX)
        .map(|n| PeerStat::of(node(n), "connecting", &pages))
        .collect();
    let one = lines[0].to_string().len();
    let mut page = [0u8; 4096];
    let len = write_whole_lines(&mut page, lines.iter().copied());
    assert_eq!(len, 4096 / one * one, "as many whole lines as fit");
    let text = String::from_utf8(page[..len].to_vec()).unwrap();
    let expected: String = lines[..4096 / one].iter().map(|l| l.to_string()).collect();
    assert_eq!(text, expected, "the lowest-numbered peers, in order");
    assert!(text.ends_with('\n'));
}

#[test]
fn a_line_that_does_not_fit_stops_the_writing() {
    let pages = NodePages::new();
    let line = PeerStat::of(node(0), "up", &pages);
    let len = line.to_string().len();
    let mut small = std::vec![0u8; 2 * len - 1];
    assert_eq!(write_whole_lines(&mut small, [line, line]), len);
    let mut none = [0u8; 10];
    assert_eq!(write_whole_lines(&mut none, [line]), 0);
    assert_eq!(
        write_whole_lines(&mut none, core::iter::empty::<PeerStat>()),
        0
    );
    let too_long = "x".repeat(LINE_MAX + 1);
    let mut page = [0u8; 4096];
    assert_eq!(
        write_whole_lines(&mut page, ["a\n", too_long.as_str(), "b\n"]),
        2
    );
}
