//! A one-line text editor: the cursor, insertion and deletion by character, and the word and
//! line motions a terminal user expects (Home/End, Ctrl-A/E, Ctrl-W, Ctrl-U, Alt-Left/Right).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEditor {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
}

impl LineEditor {
    #[must_use]
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            cursor: text.chars().count(),
        }
    }

    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    #[must_use]
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(b, _)| b)
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    fn word_left(&self) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut n = self.cursor;
        while n > 0 && chars[n - 1].is_whitespace() {
            n -= 1;
        }
        while n > 0 && !chars[n - 1].is_whitespace() {
            n -= 1;
        }
        n
    }

    fn word_right(&self) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut n = self.cursor;
        while n < chars.len() && chars[n].is_whitespace() {
            n += 1;
        }
        while n < chars.len() && !chars[n].is_whitespace() {
            n += 1;
        }
        n
    }

    /// Applies an editing key; returns whether the key was an editing key (and so consumed).
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.len(),
            KeyCode::Char('u') if ctrl => {
                let at = self.byte(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
            }
            KeyCode::Char('k') if ctrl => {
                let at = self.byte(self.cursor);
                self.text.truncate(at);
            }
            KeyCode::Char('w') if ctrl => {
                let from = self.word_left();
                let (a, b) = (self.byte(from), self.byte(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor = from;
            }
            KeyCode::Char(c) if !ctrl => {
                let at = self.byte(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let (a, b) = (self.byte(self.cursor - 1), self.byte(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor -= 1;
            }
            KeyCode::Delete if self.cursor < self.len() => {
                let (a, b) = (self.byte(self.cursor), self.byte(self.cursor + 1));
                self.text.replace_range(a..b, "");
            }
            KeyCode::Left if alt || ctrl => self.cursor = self.word_left(),
            KeyCode::Right if alt || ctrl => self.cursor = self.word_right(),
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.len(),
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn typing_and_motions_handle_multibyte_text() {
        let mut e = LineEditor::new("héllo");
        e.handle(key(KeyCode::Left));
        e.handle(key(KeyCode::Backspace));
        assert_eq!(e.text(), "hélo");
        e.handle(key(KeyCode::Home));
        e.handle(key(KeyCode::Char('¡')));
        assert_eq!((e.text(), e.cursor()), ("¡hélo", 1));
        e.handle(key(KeyCode::Delete));
        assert_eq!(e.text(), "¡élo");
    }

    #[test]
    fn control_keys() {
        let mut e = LineEditor::new("sql server 2016");
        e.handle(ctrl('w'));
        assert_eq!(e.text(), "sql server ");
        e.handle(ctrl('a'));
        e.handle(ctrl('k'));
        assert_eq!(e.text(), "");
        let mut e = LineEditor::new("abc def");
        e.handle(KeyEvent::new(KeyCode::Left, KeyModifiers::ALT));
        assert_eq!(e.cursor(), 4);
        e.handle(ctrl('u'));
        assert_eq!((e.text(), e.cursor()), ("def", 0));
        assert!(!e.handle(key(KeyCode::Enter)));
    }
}
