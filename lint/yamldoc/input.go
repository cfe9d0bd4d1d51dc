package yamldoc

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

const notText = "a binary or non-UTF-8 file is not YAML or JSON; save it as UTF-8 text, or list it under ignore in the config"

// checkText refuses what YAML cannot be, before the parser sees it, naming the line of
// the first offending byte: yaml.v3 would refuse some of it too, but without a line.
func checkText(file string, data []byte) *Error {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return &Error{File: file, Line: 1, Msg: "not valid UTF-8 (a UTF-16 byte-order mark): " + notText}
	}
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0:
				return &Error{File: file, Line: lineAt(data, i), Msg: "binary file (NUL byte): " + notText}
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0x7F:
				return &Error{File: file, Line: lineAt(data, i), Msg: fmt.Sprintf("binary file (control character %U, which YAML does not allow): %s", c, notText)}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return &Error{File: file, Line: lineAt(data, i), Msg: fmt.Sprintf("not valid UTF-8 (byte %#x): %s", c, notText)}
		case r >= 0x80 && r <= 0x9F && r != 0x85, r == 0xFFFE, r == 0xFFFF:
			// What yaml.v3's reader refuses beyond ASCII ("control characters are not allowed").
			return &Error{File: file, Line: lineAt(data, i), Msg: fmt.Sprintf("binary file (control character %U, which YAML does not allow): %s", r, notText)}
		}
		i += size
	}
	return nil
}

func lineAt(data []byte, offset int) int {
	return 1 + bytes.Count(data[:offset], []byte{'\n'})
}

// parserProblems are the messages of libyaml's parser (as opposed to its scanner). yaml.v3
// prints the parser's 0-based line for them, one less than the line meant; and for both
// kinds it prints no line at all when the problem is on the first line.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// readerProblems are libyaml's complaints about bytes; they carry no position (checkText
// catches them first, with one).
var readerProblems = []string{"invalid leading UTF-8 octet", "incomplete UTF-8 octet sequence", "invalid trailing UTF-8 octet", "invalid length of a UTF-8 sequence", "invalid Unicode character", "control characters are not allowed", "input error"}

// hints say what to do about the commonest syntax errors.
var hints = []struct{ prefix, hint string }{
	{"did not find expected key", "check this line's indentation against the keys above it"},
	{"mapping values are not allowed in this context", `check the indentation, or quote a value that contains ": "`},
	{"found a tab character", "indent with spaces: YAML does not allow tabs"},
	{"found unexpected end of stream", "is a quote or bracket opened here left unclosed?"},
	{"did not find expected ',' or ']'", "is a [ opened here left unclosed, or a comma missing?"},
	{"did not find expected ',' or '}'", "is a { opened here left unclosed, or a comma missing?"},
	{"did not find expected '-' indicator", "check this list item's indentation"},
	{"could not find expected ':'", "does a key lack its colon?"},
	{"found character that cannot start any token", "quote a value that starts with @, ` or %, and indent with spaces, not tabs"},
}

// syntaxError turns yaml.v3's parse error into an Error on the right line.
func syntaxError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, after
			}
		}
	}
	switch {
	case strings.HasPrefix(msg, "exceeded max depth"):
		// Where the limit was crossed says nothing useful; the whole file is at fault.
		line = 0
	case strings.HasPrefix(msg, "unknown anchor "):
		line = aliasLine(data, msg)
	case parserProblems[msg]:
		line++
	case line == 0 && !hasAnyPrefix(msg, readerProblems) && !strings.HasPrefix(msg, "attempted to go past"):
		line = 1 // libyaml prints no line for a problem on the first line
	}
	what := "invalid YAML"
	if strings.EqualFold(path.Ext(file), ".json") {
		what = "invalid JSON"
	}
	out := what + ": " + msg
	for _, h := range hints {
		if strings.HasPrefix(msg, h.prefix) {
			out += " (" + h.hint + ")"
			break
		}
	}
	// A problem found at the end of the input (an unclosed bracket or quote) is placed on
	// the last line that has something on it, not on the empty one after it.
	if last := lineAt(data, len(bytes.TrimRight(data, " \t\r\n"))); line > last {
		line = last
	}
	return &Error{File: file, Line: line, Msg: out}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// aliasLine finds the line of the first `*name` of an "unknown anchor 'name' referenced".
func aliasLine(data []byte, msg string) int {
	name, ok := strings.CutPrefix(msg, "unknown anchor '")
	name, _, ok2 := strings.Cut(name, "' referenced")
	if !ok || !ok2 || name == "" {
		return 0
	}
	ref := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], ref)
		if i < 0 {
			return 0
		}
		end := off + i + len(ref)
		if end == len(data) || strings.IndexByte(" \t\r\n,]}", data[end]) >= 0 {
			return lineAt(data, off+i)
		}
		off = end
	}
}
