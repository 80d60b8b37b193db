//! A small RFC 4180 reader for the CSV inputs (the AWS credential report, the inventory
//! template): quoted fields with doubled quotes and embedded commas or line breaks, CRLF or LF.
//! Each row keeps the line it starts on, because every error and skipped record names it.

/// One row: the 1-based line it starts on, and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub fields: Vec<String>,
}

/// A CSV text that cannot be read as rows: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub problem: String,
}

/// The rows of `text`; blank lines are left out. An unterminated quote is an error naming the
/// line where the field began.
pub fn rows(text: &str) -> Result<Vec<Row>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut row_line = 1usize;
    let mut quoted = false;
    let mut quote_line = 0usize;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    let mut push_row = |fields: &mut Vec<String>, field: &mut String, row_line: usize| {
        fields.push(std::mem::take(field));
        if !(fields.len() == 1 && fields[0].trim().is_empty()) {
            out.push(Row {
                line: row_line,
                fields: std::mem::take(fields),
            });
        } else {
            fields.clear();
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                quote_line = line;
                at_field_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                push_row(&mut fields, &mut field, row_line);
                line += 1;
                row_line = line;
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err(CsvError {
            line: quote_line,
            problem: "a quoted field is never closed".into(),
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        push_row(&mut fields, &mut field, row_line);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_line_breaks_and_line_numbers() {
        let t = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\n\"multi\nline\",z\nlast,";
        let r = rows(t).unwrap();
        assert_eq!(r[0].fields, vec!["a", "b"]);
        assert_eq!(
            (r[1].line, r[1].fields.clone()),
            (2, vec!["x, y".into(), "say \"hi\"".into()])
        );
        assert_eq!((r[2].line, r[2].fields[0].as_str()), (4, "multi\nline"));
        assert_eq!(
            (r[3].line, r[3].fields.clone()),
            (6, vec!["last".into(), String::new()])
        );
        let e = rows("a\n\"open,b\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
