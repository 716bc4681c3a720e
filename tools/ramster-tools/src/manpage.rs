// SPDX-License-Identifier: GPL-2.0

//! ramster-tools(8), made from the command line's definitions ([`crate::cli::Cli`]).
//!
//! clap_mangen writes the title, NAME, SYNOPSIS, DESCRIPTION and the global OPTIONS; COMMANDS
//! lists every command with its long help and its own options, from the same definitions; FILES,
//! EXIT STATUS, EXAMPLES and SEE ALSO are the prose below. The page in the repository
//! (`tools/ramster-tools/ramster-tools.8`) is this output: a test fails when they differ
//! (regenerate it with `ramster-tools man > tools/ramster-tools/ramster-tools.8`).

use crate::cli::Cli;
use clap::CommandFactory;

/// Text for roff: backslashes and hyphens escaped, no line starting as a request.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// An option as the synopsis of its `.TP` shows it: `-w, --watch SECONDS`.
fn option_label(arg: &clap::Arg) -> String {
    let mut names = Vec::new();
    if let Some(short) = arg.get_short() {
        names.push(format!("\\fB\\-{short}\\fR"));
    }
    if let Some(long) = arg.get_long() {
        names.push(format!("\\fB\\-\\-{}\\fR", roff_text(long)));
    }
    let mut label = names.join(", ");
    if arg.get_action().takes_values() {
        let value = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map_or_else(|| arg.get_id().to_string(), ToString::to_string);
        label.push_str(&format!(" \\fI{}\\fR", roff_text(&value)));
    }
    label
}

/// COMMANDS: each command, its long help and its own options.
fn commands_section(cmd: &clap::Command) -> String {
    let mut out = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        out.push_str(".TP\n");
        let mut usage = format!("\\fB{}\\fR", roff_text(sub.get_name()));
        for arg in sub.get_positionals() {
            usage.push_str(&format!(
                " \\fI{}\\fR",
                roff_text(&arg.get_id().to_string().to_uppercase())
            ));
        }
        out.push_str(&usage);
        out.push('\n');
        let help = sub.get_long_about().or_else(|| sub.get_about());
        if let Some(help) = help {
            out.push_str(&roff_text(&help.to_string()));
            out.push('\n');
        }
        let own = sub
            .get_arguments()
            .filter(|a| !a.is_global_set() && !a.is_positional())
            .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"));
        for arg in own {
            out.push_str(".RS\n.TP\n");
            out.push_str(&option_label(arg));
            out.push('\n');
            if let Some(help) = arg.get_long_help().or_else(|| arg.get_help()) {
                out.push_str(&roff_text(&help.to_string()));
                out.push('\n');
            }
            out.push_str(".RE\n");
        }
    }
    out
}

/// The sections that are prose, not definitions.
const FILES_AND_MORE: &str = include_str!("manpage_files.roff");

/// The whole page.
pub fn render() -> String {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone())
        .section("8")
        .date("2026")
        .source("ramster")
        .manual("System Administration");
    let mut page = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render_title(&mut page);
    let _ = man.render_name_section(&mut page);
    let _ = man.render_synopsis_section(&mut page);
    let _ = man.render_description_section(&mut page);
    let _ = man.render_options_section(&mut page);
    let mut text = String::from(".\\\" SPDX-License-Identifier: GPL-2.0\n");
    text.push_str(
        ".\\\" Made by 'ramster-tools man' from its command-line definitions: do not edit.\n",
    );
    text.push_str(&String::from_utf8_lossy(&page));
    text.push_str(&commands_section(&cmd));
    // Its own first lines are comments about the file.
    text.extend(
        FILES_AND_MORE
            .lines()
            .filter(|l| !l.starts_with(".\\\""))
            .map(|l| l.to_string() + "\n"),
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_in_the_repository_is_the_generated_one() {
        let committed = include_str!("../ramster-tools.8");
        assert!(
            committed == render(),
            "tools/ramster-tools/ramster-tools.8 is out of date: regenerate it with \
             'ramster-tools man > tools/ramster-tools/ramster-tools.8'"
        );
    }

    #[test]
    fn every_command_and_option_is_on_the_page() {
        let page = render();
        let cmd = Cli::command();
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            assert!(
                page.contains(&format!("\\fB{}\\fR", roff_text(sub.get_name()))),
                "{}",
                sub.get_name()
            );
            for arg in sub.get_arguments().filter_map(|a| a.get_long()) {
                assert!(
                    page.contains(&format!("\\-\\-{}", roff_text(arg))),
                    "--{arg}"
                );
            }
        }
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "COMMANDS",
            "FILES",
            "EXAMPLES",
        ] {
            assert!(page.contains(&format!(".SH {section}")), "{section}");
        }
    }

    #[test]
    fn roff_escapes() {
        assert_eq!(roff_text("a-b\\c"), "a\\-b\\ec");
        assert_eq!(roff_text(".x"), "\\&.x");
    }
}
