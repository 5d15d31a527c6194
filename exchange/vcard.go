package exchange

import (
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
)

// vcardHeader is the table a vCard file becomes: one row per card, with
// headers the column mapper knows. Extra phones and e-mails go to numbered
// columns, which become custom fields.
var vcardHeader = []string{"Company", "Contact", "Title", "Mobile", "Phone", "Email", "Address", "City", "Region", "Notes", "Tags"}

// ReadVCard parses vCard 2.1, 3.0 and 4.0 text (folded lines, escapes,
// QUOTED-PRINTABLE values as old phones write them) into a table of one
// row per card. A card without an organisation uses the person's name as
// the company, so no card is dropped.
func ReadVCard(text string) (Table, error) {
	lines := unfoldVCard(text)
	t := Table{Header: append([]string(nil), vcardHeader...), HeaderRow: 0}
	col := map[string]int{}
	for i, h := range t.Header {
		col[h] = i
	}
	var cur map[string][]string
	start := 0
	for _, line := range lines {
		if strings.TrimSpace(line.text) == "" {
			continue
		}
		name, params, value, ok := splitVCardLine(line.text)
		if !ok {
			return t, fmt.Errorf("line %d: %q is not a vCard property (NAME:value)", line.num, clip(line.text, 40))
		}
		switch {
		case name == "BEGIN" && strings.EqualFold(value, "VCARD"):
			if cur != nil {
				return t, fmt.Errorf("line %d: BEGIN:VCARD inside a card that began on line %d", line.num, start)
			}
			cur, start = map[string][]string{}, line.num
			continue
		case name == "END" && strings.EqualFold(value, "VCARD"):
			if cur == nil {
				return t, fmt.Errorf("line %d: END:VCARD without BEGIN:VCARD", line.num)
			}
			t.Rows = append(t.Rows, vcardRow(cur, start, &t, col))
			cur = nil
			continue
		case cur == nil:
			return t, fmt.Errorf("line %d: %s outside BEGIN:VCARD ... END:VCARD", line.num, name)
		}
		value = decodeVCardValue(value, params)
		typ := strings.ToUpper(params["TYPE"])
		switch name {
		case "TEL":
			if strings.Contains(typ, "CELL") {
				cur["MOBILE"] = append(cur["MOBILE"], value)
			} else {
				cur["TEL"] = append(cur["TEL"], value)
			}
		default:
			cur[name] = append(cur[name], value)
		}
	}
	if cur != nil {
		return t, fmt.Errorf("the card that began on line %d has no END:VCARD", start)
	}
	return t, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

type vline struct {
	num  int
	text string
}

// unfoldVCard joins folded lines (a line starting with a space or tab
// continues the previous one; a quoted-printable soft break "=" at the end
// of a line too).
func unfoldVCard(text string) []vline {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []vline
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if len(out) > 0 && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) {
			out[len(out)-1].text += l[1:]
			continue
		}
		if len(out) > 0 && strings.HasSuffix(out[len(out)-1].text, "=") && strings.Contains(strings.ToUpper(out[len(out)-1].text), "QUOTED-PRINTABLE") {
			out[len(out)-1].text = strings.TrimSuffix(out[len(out)-1].text, "=") + l
			continue
		}
		out = append(out, vline{num: i + 1, text: l})
	}
	return out
}

// splitVCardLine splits "group.NAME;P=V;TYPE=a,b:value".
func splitVCardLine(l string) (name string, params map[string]string, value string, ok bool) {
	colon := indexUnquoted(l, ':')
	if colon <= 0 {
		return "", nil, "", false
	}
	head, value := l[:colon], l[colon+1:]
	parts := strings.Split(head, ";")
	name = strings.ToUpper(parts[0])
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	params = map[string]string{}
	for _, p := range parts[1:] {
		k, v, found := strings.Cut(p, "=")
		if !found { // vCard 2.1: bare type such as ;CELL or ;QUOTED-PRINTABLE
			k, v = "TYPE", p
			if strings.EqualFold(p, "QUOTED-PRINTABLE") {
				k = "ENCODING"
			}
		}
		k = strings.ToUpper(k)
		v = strings.Trim(v, `"`)
		if params[k] != "" {
			v = params[k] + "," + v
		}
		params[k] = v
	}
	return name, params, value, true
}

func indexUnquoted(s string, c byte) int {
	q := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			q = !q
		case c:
			if !q {
				return i
			}
		}
	}
	return -1
}

func decodeVCardValue(v string, params map[string]string) string {
	if strings.EqualFold(params["ENCODING"], "QUOTED-PRINTABLE") {
		if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(v))); err == nil {
			v = string(b)
		}
	}
	return v
}

// unescapeVCard undoes \n \, \; \\ and splits on unescaped sep (0: none).
func unescapeVCard(v string, sep byte) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(v[i])
			}
		case sep != 0 && c == sep:
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}

func vcardRow(card map[string][]string, start int, t *Table, col map[string]int) Row {
	cells := make([]string, len(t.Header))
	set := func(h, v string) {
		v = strings.TrimSpace(v)
		if v == "" {
			return
		}
		i, ok := col[h]
		if !ok {
			t.Header = append(t.Header, h)
			i = len(t.Header) - 1
			col[h] = i
		}
		for len(cells) <= i {
			cells = append(cells, "")
		}
		cells[i] = v
	}
	first := func(k string) string {
		if len(card[k]) == 0 {
			return ""
		}
		return strings.TrimSpace(strings.Join(unescapeVCard(card[k][0], 0), ""))
	}
	name := first("FN")
	if name == "" && len(card["N"]) > 0 {
		n := unescapeVCard(card["N"][0], ';') // family;given;middle;prefix;suffix
		if len(n) > 1 && isCJK(n[0]) {
			name = n[0] + n[1]
		} else if len(n) > 1 {
			name = strings.TrimSpace(n[1] + " " + n[0])
		} else {
			name = n[0]
		}
	}
	org := ""
	if len(card["ORG"]) > 0 {
		org = strings.Join(unescapeVCard(card["ORG"][0], ';')[:1], "")
	}
	if strings.TrimSpace(org) == "" {
		org = name
	}
	set("Company", org)
	set("Contact", name)
	set("Title", first("TITLE"))
	set("Notes", first("NOTE"))
	if c := card["CATEGORIES"]; len(c) > 0 {
		set("Tags", strings.Join(unescapeVCard(c[0], ','), ","))
	}
	if a := card["ADR"]; len(a) > 0 {
		p := unescapeVCard(a[0], ';') // pobox;ext;street;locality;region;code;country
		get := func(i int) string {
			if i < len(p) {
				return strings.TrimSpace(p[i])
			}
			return ""
		}
		set("Address", strings.TrimSpace(get(2)+" "+get(5)+" "+get(6)))
		set("City", get(3))
		set("Region", get(4))
	}
	multi := func(key, h string, vals []string) {
		for i, v := range vals {
			v = strings.TrimPrefix(strings.Join(unescapeVCard(v, 0), ""), "tel:")
			v = strings.TrimPrefix(v, "mailto:")
			if i == 0 {
				set(h, v)
			} else {
				set(fmt.Sprintf("%s %d", key, i+1), v)
			}
		}
	}
	multi("Mobile", "Mobile", card["MOBILE"])
	multi("Phone", "Phone", card["TEL"])
	multi("Email", "Email", card["EMAIL"])
	return Row{Num: start, Cells: cells}
}

func isCJK(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF {
			return true
		}
	}
	return false
}
