package i18n

import "testing"

func TestAmount(t *testing.T) {
	const y = 100 // minor units per yuan
	for _, c := range []struct {
		minor  int64
		en, zh string
	}{
		{0, "0", "0"},
		{-0, "0", "0"},
		{999 * y, "999", "999"},
		{1000 * y, "1.0k", "1000"},
		{9999 * y, "10.0k", "9999"},
		{10000 * y, "10.0k", "1万"},
		{-10000 * y, "-10.0k", "-1万"},
		{12345 * y, "12.3k", "1.2万"},
		{290_000 * y, "290.0k", "29万"},
		{-290_000 * y, "-290.0k", "-29万"},
		{999_950 * y, "1.0M", "100万"},
		{1_675_000 * y, "1.7M", "167.5万"},
		{99_999_999 * y, "100.0M", "1亿"},
		{-99_999_999 * y, "-100.0M", "-1亿"},
		{100_000_000 * y, "100.0M", "1亿"},
		{290_000_000 * y, "290.0M", "2.9亿"},
		{2_500_000_000 * y, "2.5B", "25亿"},
		{99_99, "100", "100"}, // 99.99 yuan rounds to the yuan
		{-49, "0", "0"},
	} {
		if got := Amount(EN, c.minor); got != c.en {
			t.Errorf("Amount(en, %d) = %q, want %q", c.minor, got, c.en)
		}
		if got := Amount(ZH, c.minor); got != c.zh {
			t.Errorf("Amount(zh, %d) = %q, want %q", c.minor, got, c.zh)
		}
	}
	if New(ZH).Amount(1_675_000*y) != "167.5万" {
		t.Error("the catalog's Amount does not speak its language")
	}
}
