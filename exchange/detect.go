package exchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// Formats an import understands.
const (
	FormatCSV   = "csv" // any delimiter: comma, tab, semicolon, pipe
	FormatXLSX  = "xlsx"
	FormatJSON  = "json" // fieldcrm's own export
	FormatVCard = "vcard"
)

// ErrEmpty is returned for a file with nothing in it.
var ErrEmpty = errors.New("the file is empty")

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	magicZip   = []byte("PK\x03\x04")
	magicOLE   = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// DetectFormat names the format of data from its content, using the file
// name's extension only to break ties. It refuses what it cannot read with
// a sentence saying what the file seems to be.
func DetectFormat(name string, data []byte) (string, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return "", ErrEmpty
	case bytes.HasPrefix(data, magicZip):
		if ext != "" && ext != ".xlsx" && ext != ".xlsm" {
			return "", fmt.Errorf("it is a zip archive, not an Excel .xlsx workbook")
		}
		return FormatXLSX, nil
	case bytes.HasPrefix(data, magicOLE) && bytes.Contains(data, utf16("EncryptedPackage")):
		// Office keeps a workbook with a password to open as an encrypted
		// package inside an Office 97 container.
		return "", fmt.Errorf("it is an Excel workbook protected by a password; save a copy without the password in Excel and import that")
	case bytes.HasPrefix(data, magicOLE):
		return "", fmt.Errorf("it is an old Excel .xls (or other Office 97) file; save it as .xlsx or CSV in Excel and import that")
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(data, bomUTF8), " \t\r\n")
	switch {
	case ext == ".json" || bytes.HasPrefix(text, []byte("{")) && bytes.Contains(text[:min(len(text), 200)], []byte(`"format"`)):
		return FormatJSON, nil
	case ext == ".vcf" || ext == ".vcard" || hasPrefixFold(text, "BEGIN:VCARD"):
		return FormatVCard, nil
	case ext == ".xlsx":
		return "", fmt.Errorf("it is named .xlsx but is not an Excel workbook")
	}
	if looksBinary(data) {
		return "", fmt.Errorf("it does not look like text (binary data); import CSV, TSV, .xlsx, .vcf or a fieldcrm JSON export")
	}
	return FormatCSV, nil
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && strings.EqualFold(string(b[:len(p)]), p)
}

// looksBinary reports whether the start of data holds NUL bytes or many
// control characters (after any UTF-16 BOM, whose text has NULs).
func looksBinary(data []byte) bool {
	if bytes.HasPrefix(data, bomUTF16LE) || bytes.HasPrefix(data, bomUTF16BE) {
		return false
	}
	sample := data[:min(len(data), 8192)]
	ctrl := 0
	for _, c := range sample {
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			ctrl++
		}
	}
	return ctrl*20 > len(sample)
}

// encodingNamed returns the encoding --encoding name stands for; nil
// for UTF-8.
func encodingNamed(name string) (encoding.Encoding, bool) {
	switch name {
	case "utf-8", "utf8":
		return nil, true
	case "gbk", "gb2312":
		return simplifiedchinese.GBK, true
	case "gb18030":
		return simplifiedchinese.GB18030, true
	case "utf-16":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), true
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), true
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), true
	case "big5", "big-5", "cp950":
		return traditionalchinese.Big5, true
	case "windows-1252", "cp1252", "latin1", "latin-1", "iso-8859-1":
		// Latin-1 is read as Windows-1252, as browsers do: it is the same
		// but for 0x80-0x9F, where Windows puts the euro sign and curly
		// quotes and Latin-1 control codes no text uses.
		return charmap.Windows1252, true
	}
	return nil, false
}

// EncodingNames lists what --encoding accepts.
const EncodingNames = "utf-8, gbk, gb18030, big5, windows-1252 (or latin1), utf-16, utf-16le, utf-16be"

// Decode returns data as UTF-8 text without a BOM and the name of the
// encoding it was in. With force empty it detects: a BOM (UTF-8, UTF-16),
// then valid UTF-8, then the most plausible of GB18030 (a superset of GBK
// and GB2312, what Chinese Excel writes), Big5 and Windows-1252 (see
// detectLegacy). Text that none of these reads plausibly is refused.
func Decode(data []byte, force string) (string, string, error) {
	if force != "" {
		name := strings.ToLower(strings.TrimSpace(force))
		enc, ok := encodingNamed(name)
		if !ok {
			return "", "", fmt.Errorf("encoding %q is not supported (use one of %s)", force, EncodingNames)
		}
		if enc == nil {
			if !utf8.Valid(data) {
				return "", "", fmt.Errorf("the file is not valid UTF-8 (try --encoding gbk)")
			}
			return string(bytes.TrimPrefix(data, bomUTF8)), "utf-8", nil
		}
		out, err := enc.NewDecoder().Bytes(data)
		if err != nil {
			return "", "", fmt.Errorf("the file is not valid %s: %w", name, err)
		}
		return strings.TrimPrefix(string(out), "\uFEFF"), name, nil
	}
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		data = data[len(bomUTF8):]
		if !utf8.Valid(data) {
			return "", "", fmt.Errorf("the file starts with a UTF-8 mark but is not valid UTF-8")
		}
		return string(data), "utf-8 (BOM)", nil
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", "", fmt.Errorf("the file is not valid UTF-16: %w", err)
		}
		return string(out), "utf-16", nil
	case utf8.Valid(data):
		return string(data), "utf-8", nil
	}
	if text, name, score := detectLegacy(data); score >= minPlausible {
		return text, name, nil
	}
	return "", "", fmt.Errorf("the file's encoding is unclear: it is not UTF-8, and reads as neither Chinese (GBK/GB18030, Big5) nor Western European (Windows-1252) text; give its encoding with --encoding (%s)", EncodingNames)
}

// delimiters are the candidates, in the order ties are broken.
var delimiters = []rune{',', '\t', ';', '|'}

// DetectDelimiter guesses the field delimiter of CSV-like text from its
// first records: the candidate that splits them into the most consistent
// number of fields above one. A file with one column gets a comma.
func DetectDelimiter(text string) rune {
	sample := text[:min(len(text), 64<<10)]
	if len(sample) < len(text) {
		if i := strings.LastIndexByte(sample, '\n'); i > 0 {
			sample = sample[:i]
		}
	}
	best, bestShare, bestWidth := ',', 0, 0
	for _, d := range delimiters {
		r := csv.NewReader(strings.NewReader(sample))
		r.Comma = d
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		counts := map[int]int{}
		n := 0
		for n < 50 {
			rec, err := r.Read()
			if err != nil {
				break
			}
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			counts[len(rec)]++
			n++
		}
		// The share of records with the most common width above one wins;
		// between equal shares, the wider split.
		for width, c := range counts {
			if width < 2 {
				continue
			}
			share := c * 1000 / max(n, 1)
			if share > bestShare || share == bestShare && width > bestWidth {
				best, bestShare, bestWidth = d, share, width
			}
		}
	}
	return best
}

// DelimiterName names a delimiter for reports.
func DelimiterName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case '\t':
		return "tab"
	case ';':
		return "semicolon"
	case '|':
		return "pipe"
	}
	return string(d)
}

// utf16 is s in UTF-16LE, as Office 97 containers name their streams.
func utf16(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		b = append(b, c, 0)
	}
	return b
}
