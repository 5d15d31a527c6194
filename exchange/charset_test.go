package exchange

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// The files a field team is sent: lists from Chinese Excel (GB18030),
// from Taiwan or Hong Kong (Big5), and from German or French offices
// (Windows-1252), with the rows that made detection go wrong.
const (
	chineseCSV = "公司名称,联系人,手机,城市,备注\n" +
		"北京华能新能源有限公司,王伟,13800138000,北京,对储能感兴趣\n" +
		"上海申能燃气有限公司,李娜,13900139000,上海,“下周”回访\n" +
		"广州恒运热电厂,陈静,13700137000,广州,报价：50万元\n"
	taiwanCSV = "公司名稱,聯絡人,電話,城市,備註\n" +
		"台北能源股份有限公司,陳志明,0912345678,台北,需要報價\n" +
		"高雄港務公司,林淑芬,0922333444,高雄,下週拜訪\n" +
		"台中電力工程行,張家豪,0933555666,台中,已寄樣品\n"
	germanCSV = "Firma,Ansprechpartner,Stadt,Notiz\n" +
		"Müller GmbH,Jürgen Weiß,Köln,Angebot über 1.000 €\n" +
		"Bäckerei Schröder,Günter Öztürk,München,„Rückruf“ nächste Woche\n" +
		"Stadtwerke Düsseldorf AG,Frau Hoß,Düsseldorf,–\n"
	frenchCSV = "Société,Contact,Ville,Note\n" +
		"Société Générale,François Lefèvre,Paris,Très intéressé\n" +
		"Électricité de Strasbourg,Hélène Dupré,Strasbourg,« rappeler » en février\n" +
		"Boulangerie Façon,Chloé Mercier,Besançon,Déjà client\n"
)

// writeEncoded writes text in enc (nil: as is) after prefix to a file and
// reads the bytes back, as an import does.
func writeEncoded(t *testing.T, name string, enc encoding.Encoding, prefix, text string) []byte {
	t.Helper()
	data := []byte(text)
	if enc != nil {
		var err error
		if data, err = enc.NewEncoder().Bytes(data); err != nil {
			t.Fatalf("%s: encode: %v", name, err)
		}
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, append([]byte(prefix), data...), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeDetectsEachEncoding(t *testing.T) {
	cases := []struct {
		file, prefix string
		enc          encoding.Encoding
		text, want   string
	}{
		{"utf8.csv", "", nil, chineseCSV + germanCSV, "utf-8"},
		{"bom.csv", "\xEF\xBB\xBF", nil, frenchCSV, "utf-8 (BOM)"},
		{"utf16le.txt", "", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), chineseCSV, "utf-16"},
		{"utf16be.txt", "", unicode.UTF16(unicode.BigEndian, unicode.UseBOM), germanCSV, "utf-16"},
		{"gb18030.csv", "", simplifiedchinese.GB18030, chineseCSV, "gb18030"},
		{"gbk.csv", "", simplifiedchinese.GBK, chineseCSV, "gb18030"},
		{"gbk-title.csv", "", simplifiedchinese.GBK, tradeShow, "gb18030"},
		{"big5.csv", "", traditionalchinese.Big5, taiwanCSV, "big5"},
		{"german.csv", "", charmap.Windows1252, germanCSV, "windows-1252"},
		{"french.csv", "", charmap.Windows1252, frenchCSV, "windows-1252"},
		{"issue.csv", "", charmap.Windows1252, "Müller GmbH,Köln\n", "windows-1252"},
		{"one-word.csv", "", charmap.Windows1252, "Company\nCafé\n", "windows-1252"},
		{"one-name.csv", "", simplifiedchinese.GBK, "Company\n王伟\n", "gb18030"},
		{"one-hanzi.csv", "", simplifiedchinese.GBK, "Company,City\nA,京\n", "gb18030"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := writeEncoded(t, c.file, c.enc, c.prefix, c.text)
			text, name, err := Decode(data, "")
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if name != c.want || text != c.text {
				t.Fatalf("read as %s:\n%s\nwant %s:\n%s", name, text, c.want, c.text)
			}
		})
	}
}

func TestDecodeForcedLegacyEncodings(t *testing.T) {
	for _, c := range []struct {
		names []string
		enc   encoding.Encoding
		text  string
	}{
		{[]string{"latin1", "Latin-1", "ISO-8859-1", "windows-1252", "cp1252"}, charmap.Windows1252, germanCSV},
		{[]string{"big5", "BIG5", "cp950"}, traditionalchinese.Big5, taiwanCSV},
	} {
		data := writeEncoded(t, "x.csv", c.enc, "", c.text)
		for _, name := range c.names {
			if text, _, err := Decode(data, name); err != nil || text != c.text {
				t.Errorf("--encoding %s: %q %v", name, text, err)
			}
		}
	}
	if _, _, err := Decode([]byte("x"), "ebcdic"); err == nil || !strings.Contains(err.Error(), "latin1") {
		t.Errorf("an unknown encoding: %v, want the list with latin1", err)
	}
}

// TestLegacyScoresSeparateTheCandidates: each file scores high for its own
// encoding and well below that for the others, so the choice is not a
// close call.
func TestLegacyScoresSeparateTheCandidates(t *testing.T) {
	for _, c := range []struct {
		name string
		enc  encoding.Encoding
		text string
		own  int // index in legacyCandidates
	}{
		{"gbk", simplifiedchinese.GBK, chineseCSV, 0},
		{"big5", traditionalchinese.Big5, taiwanCSV, 1},
		{"german", charmap.Windows1252, germanCSV, 2},
		{"french", charmap.Windows1252, frenchCSV, 2},
	} {
		data, err := c.enc.NewEncoder().Bytes([]byte(c.text))
		if err != nil {
			t.Fatal(err)
		}
		own := legacyCandidates[c.own].score(data)
		if own < 0.9 {
			t.Errorf("%s text scores %.2f as %s", c.name, own, legacyCandidates[c.own].name)
		}
		for i, cand := range legacyCandidates {
			if s := cand.score(data); i != c.own && s > own-0.3 {
				t.Errorf("%s text scores %.2f as %s, too near its own %.2f", c.name, s, cand.name, own)
			}
		}
	}
}
