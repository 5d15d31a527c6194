package exchange

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Text that is not UTF-8 decodes without error in more than one legacy
// encoding: a German "Müller,Köln" saved by Windows is valid GB18030
// ("M黮ler,K鰈n"), a French "Société" valid Big5. So detection scores
// each candidate by how plausible its text would be, and takes the most
// plausible:
//
//   - GB18030: the share of the non-ASCII bytes that form characters of
//     GB2312, the 6,763 common hanzi and the punctuation rows that Chinese
//     text is nearly all made of. A Latin letter followed by an ASCII
//     letter forms a rare GBK extension character instead.
//   - Big5: the share that forms Big5's 5,401 common characters or its
//     symbol rows. Accented Latin letters land on its less common rows or
//     outside it.
//   - Windows-1252: the share that stands in short runs (at most three
//     bytes) of letters and common punctuation. Chinese in either
//     encoding reads as long runs of symbols and letters.
//
// A candidate whose decoding has invalid sequences scores nothing.

// legacyCandidate is one encoding detection may pick.
type legacyCandidate struct {
	name  string
	enc   encoding.Encoding
	score func([]byte) float64
}

// legacyCandidates in the order ties are broken: GB18030 is what Chinese
// Excel writes by default.
var legacyCandidates = []legacyCandidate{
	{"gb18030", simplifiedchinese.GB18030, gbScore},
	{"big5", traditionalchinese.Big5, big5Score},
	{"windows-1252", charmap.Windows1252, latinScore},
}

// minPlausible is the score below which detection gives up and asks for
// --encoding rather than import text that may be garbled.
const minPlausible = 0.5

// detectLegacy decodes data, which is not UTF-8, with the most plausible
// candidate. It returns the text, the encoding's name and its score; the
// text is empty when no candidate decodes data.
func detectLegacy(data []byte) (text, name string, score float64) {
	score = -1
	for _, c := range legacyCandidates {
		out, err := c.enc.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			continue
		}
		if s := c.score(data); s > score {
			text, name, score = string(out), c.name, s
		}
	}
	return text, name, score
}

// share is good out of all, and 0 for nothing.
func share(good, all int) float64 {
	if all == 0 {
		return 0
	}
	return float64(good) / float64(all)
}

// gbScore is the share of the non-ASCII bytes that form GB2312 hanzi
// (rows 0xB0-0xF7) or punctuation, numbers and full-width forms (rows
// 0xA1-0xA3), both bytes 0xA1-0xFE.
func gbScore(data []byte) float64 {
	good, all := 0, 0
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c < 0x80:
			i++
			continue
		case c == 0x80 || c == 0xFF || i+1 == len(data):
			all++
			i++
			continue
		}
		t := data[i+1]
		if t >= '0' && t <= '9' { // a four-byte sequence: rare characters
			all += 4
			i += 4
			continue
		}
		all += 2
		if (c >= 0xB0 && c <= 0xF7 || c >= 0xA1 && c <= 0xA3) && t >= 0xA1 && t <= 0xFE {
			good += 2
		}
		i += 2
	}
	return share(good, all)
}

// big5Score is the share of the non-ASCII bytes that form Big5's common
// characters (0xA440-0xC67E) or its symbols (rows 0xA1-0xA3).
func big5Score(data []byte) float64 {
	good, all := 0, 0
	for i := 0; i < len(data); {
		c := data[i]
		if c < 0x80 {
			i++
			continue
		}
		if i+1 == len(data) {
			all++
			break
		}
		t := data[i+1]
		all += 2
		trail := t >= 0x40 && t <= 0x7E || t >= 0xA1 && t <= 0xFE
		if trail && (c >= 0xA1 && c <= 0xC5 || c == 0xC6 && t <= 0x7E) {
			good += 2
		}
		i += 2
	}
	return share(good, all)
}

// latinScore is the share of the non-ASCII bytes that stand in runs of at
// most three Windows-1252 letters or common punctuation marks: accented
// letters inside words, quotes, dashes, the euro sign.
func latinScore(data []byte) float64 {
	good, all := 0, 0
	for i := 0; i < len(data); {
		if data[i] < 0x80 {
			i++
			continue
		}
		j, ok := i, true
		for ; j < len(data) && data[j] >= 0x80; j++ {
			ok = ok && latinPlausible(charmap.Windows1252.DecodeByte(data[j]))
		}
		all += j - i
		if ok && j-i <= 3 {
			good += j - i
		}
		i = j
	}
	return share(good, all)
}

// latinPunct is the punctuation and signs of Windows-1252 that Western
// European text uses.
const latinPunct = "€‚„…‘’“”–—«»°·©®™§²³½¼¾"

func latinPlausible(r rune) bool {
	return unicode.IsLetter(r) || r == '\u00a0' || bytes.ContainsRune([]byte(latinPunct), r)
}
