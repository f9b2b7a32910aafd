package main

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "info",
		Usage:     "print a sequence's metadata as JSON (seqrepo-rest-service /seqrepo/1/metadata)",
		ArgsUsage: "ID...",
		Description: "Prints {\"added\", \"aliases\", \"alphabet\", \"length\"} for each ID, byte for byte as\n" +
			"seqrepo-rest-service does (indent 2, sorted keys, ASCII-only).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "look the IDs up in this namespace only"},
		},
		Action:       infoAction,
		OnUsageError: onUsageError,
	})
}

func infoAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("info: an ID is required")
	}
	return withSourceOutput(c, "info", 0, func(src repo.Source, w *bufio.Writer) error {
		for _, id := range c.Args().Slice() {
			seqID, err := resolveID(c.Context, src, id, c.String("namespace"))
			if err != nil {
				return fmt.Errorf("info %s: %w", id, err)
			}
			info, err := src.Info(c.Context, seqID)
			if err != nil {
				return fmt.Errorf("info %s (%s): %w", id, seqID, err)
			}
			aliases, err := repo.Aliases(c.Context, src, seqID)
			if err != nil {
				return fmt.Errorf("info %s (%s): aliases: %w", id, seqID, err)
			}
			w.WriteString(metadataJSON(info, aliases))
		}
		return nil
	})
}

// metadataJSON renders the metadata object of seqrepo-rest-service
// (docs/format.md, “/seqrepo/1”) as Python's json.dumps(indent=2,
// sort_keys=True, ensure_ascii=True) plus a newline.
func metadataJSON(info repo.Info, aliases []repo.Alias) string {
	var b strings.Builder
	b.WriteString("{\n  \"added\": ")
	if info.Added.IsZero() {
		b.WriteString("null")
	} else {
		b.WriteString(pyJSONString(pyISOTime(info.Added) + "Z"))
	}
	b.WriteString(",\n  \"aliases\": ")
	if len(aliases) == 0 {
		b.WriteString("[]")
	} else {
		b.WriteString("[\n")
		for i, a := range aliases {
			b.WriteString("    ")
			b.WriteString(pyJSONString(a.String()))
			if i < len(aliases)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString("  ]")
	}
	b.WriteString(",\n  \"alphabet\": ")
	b.WriteString(pyJSONString(info.Alphabet))
	b.WriteString(",\n  \"length\": ")
	b.WriteString(strconv.FormatInt(info.Length, 10))
	b.WriteString("\n}\n")
	return b.String()
}

// pyISOTime formats t in UTC like Python's naive datetime.isoformat():
// microseconds only when non-zero.
func pyISOTime(t time.Time) string {
	t = t.UTC()
	if us := t.Nanosecond() / 1000; us != 0 {
		return t.Format("2006-01-02T15:04:05") + fmt.Sprintf(".%06d", us)
	}
	return t.Format("2006-01-02T15:04:05")
}

// pyJSONString quotes s as Python's json.dumps with ensure_ascii=True: '"'
// and '\\' escaped, \b \f \n \r \t short forms, every other byte outside
// ' '..'~' as \uXXXX (lower-case hex, UTF-16 surrogate pairs above U+FFFF).
// Invalid UTF-8 becomes U+FFFD.
func pyJSONString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch c {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				if c < ' ' || c == 0x7f {
					fmt.Fprintf(&b, `\u%04x`, c)
				} else {
					b.WriteByte(c)
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r > 0xffff {
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		} else {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
