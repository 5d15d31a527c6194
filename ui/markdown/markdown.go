// Package markdown renders the Markdown of notes for the terminal: headings,
// emphasis, lists, quotes, code and links, wrapped to a width in display
// cells (Chinese text wraps between characters).
//
// It parses with goldmark and draws with lipgloss. glamour would do the
// drawing too, but it links the chroma highlighter, whose package
// initialisation costs about 25 ms on every start of every fieldcrm
// command; notes need no syntax highlighting.
package markdown

import (
	"strconv"
	"strings"
	"sync"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Styles are the looks of each element.
type Styles struct {
	Heading, Emphasis, Strong, Code, Link, Quote, Rule lipgloss.Style
}

// DefaultStyles returns styles for a dark or light background.
func DefaultStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#B4A5FF"))
	faint := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#9A9A9A"))
	return Styles{
		Heading:  lipgloss.NewStyle().Bold(true).Foreground(accent),
		Emphasis: lipgloss.NewStyle().Italic(true),
		Strong:   lipgloss.NewStyle().Bold(true),
		Code:     lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#A0522D"), lipgloss.Color("#E0A070"))),
		Link:     lipgloss.NewStyle().Underline(true).Foreground(accent),
		Quote:    lipgloss.NewStyle().Foreground(faint),
		Rule:     lipgloss.NewStyle().Foreground(faint),
	}
}

// mdParser is made on first use: building it allocates, and most runs
// render no Markdown. It is goldmark.DefaultParser built from the parser
// package alone, so the binary does not link goldmark's HTML renderer,
// whose package init every command would pay for.
var mdParser = sync.OnceValue(func() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)
})

// Render draws src at most width cells wide. Text that is not Markdown
// comes out as typed, wrapped. Notes are stored text, so control and
// direction-override characters are shown escaped (model.PrintableLines)
// before they are parsed: only our own styles reach the terminal.
func Render(src string, width int, st Styles) string {
	width = max(width, 8)
	source := []byte(model.PrintableLines(src))
	doc := mdParser().Parse(text.NewReader(source))
	r := renderer{src: source, st: st}
	var out []string
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, r.block(n, width)...)
	}
	return strings.Join(out, "\n")
}

type renderer struct {
	src []byte
	st  Styles
}

// block renders one block node into lines of at most width cells.
func (r *renderer) block(n ast.Node, width int) []string {
	switch n := n.(type) {
	case *ast.Heading:
		return wrap(r.st.Heading.Render(r.inline(n)), width)
	case *ast.Paragraph, *ast.TextBlock:
		return wrap(r.inline(n), width)
	case *ast.ThematicBreak:
		return []string{r.st.Rule.Render(strings.Repeat("─", min(width, 40)))}
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		var lines []string
		segs := n.Lines()
		for i := range segs.Len() {
			seg := segs.At(i)
			line := strings.TrimRight(string(seg.Value(r.src)), "\n")
			lines = append(lines, r.st.Code.Render(ansi.Truncate("  "+line, width, "…")))
		}
		return lines
	case *ast.Blockquote:
		var lines []string
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			for _, l := range r.block(c, width-2) {
				lines = append(lines, r.st.Quote.Render("│ ")+r.st.Quote.Render(l))
			}
		}
		return lines
	case *ast.List:
		var lines []string
		i := n.Start
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			bullet := "• "
			if n.IsOrdered() {
				bullet = strconv.Itoa(i) + ". "
				i++
			}
			pad := strings.Repeat(" ", ansi.StringWidth(bullet))
			first := true
			for c := item.FirstChild(); c != nil; c = c.NextSibling() {
				for _, l := range r.block(c, width-len(pad)) {
					if first {
						lines = append(lines, bullet+l)
						first = false
					} else {
						lines = append(lines, pad+l)
					}
				}
			}
			if first {
				lines = append(lines, bullet)
			}
		}
		return lines
	case *ast.HTMLBlock:
		var lines []string
		segs := n.Lines()
		for i := range segs.Len() {
			seg := segs.At(i)
			lines = append(lines, wrap(strings.TrimRight(string(seg.Value(r.src)), "\n"), width)...)
		}
		return lines
	}
	// Anything else: its text, as typed.
	return wrap(r.inline(n), width)
}

// inline renders the inline children of n as one styled string. Every
// line break is kept: Markdown joins single newlines into one paragraph,
// but notes are typed line by line (a stage's template is a label a
// line), and joined they read as one run-on sentence.
func (r *renderer) inline(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Value(r.src))
			if c.HardLineBreak() || c.SoftLineBreak() {
				b.WriteByte('\n')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			b.WriteString(r.st.Code.Render(r.plain(c)))
		case *ast.Emphasis:
			if c.Level >= 2 {
				b.WriteString(r.st.Strong.Render(r.inline(c)))
			} else {
				b.WriteString(r.st.Emphasis.Render(r.inline(c)))
			}
		case *ast.Link:
			label := r.inline(c)
			b.WriteString(r.st.Link.Render(label))
			if dest := string(c.Destination); dest != "" && dest != label {
				b.WriteString(" (" + dest + ")")
			}
		case *ast.AutoLink:
			b.WriteString(r.st.Link.Render(string(c.URL(r.src))))
		case *ast.Image:
			b.WriteString("[" + r.inline(c) + "]")
		case *ast.RawHTML:
			segs := c.Segments
			for i := range segs.Len() {
				seg := segs.At(i)
				b.Write(seg.Value(r.src))
			}
		default:
			b.WriteString(r.inline(c))
		}
	}
	return b.String()
}

// plain returns the text of n without styles.
func (r *renderer) plain(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Value(r.src))
		} else {
			b.WriteString(r.plain(c))
		}
	}
	return b.String()
}

// wrap breaks styled text into lines of at most width cells, at spaces
// where it can and between characters where it must (CJK has no spaces).
func wrap(s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, strings.Split(ansi.Wrap(para, width, ""), "\n")...)
	}
	return out
}
