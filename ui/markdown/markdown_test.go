package markdown

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func plain(src string, width int) string {
	return ansi.Strip(Render(src, width, DefaultStyles(true)))
}

func TestRendersTheElementsOfNotes(t *testing.T) {
	got := plain("# 拜访小结\n\n客户关注**价格**和*交期*。\n\n- 预算约300万\n- 需要`报价单`\n\n1. 第一步\n2. 第二步\n\n> 引用\n\n[官网](https://example.com)", 60)
	for _, want := range []string{"拜访小结", "客户关注价格和交期。", "• 预算约300万", "• 需要报价单", "1. 第一步", "2. 第二步", "│ 引用", "官网 (https://example.com)"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "**") || strings.Contains(got, "# ") {
		t.Errorf("markup left in:\n%s", got)
	}
}

func TestEveryLineFitsTheWidthInChineseAndEnglish(t *testing.T) {
	src := strings.Repeat("现场查看了锅炉房，设备老化严重，有改造需求。", 8) + "\n\n" +
		strings.Repeat("The customer says our quote is about 8% above a competitor's. ", 6) +
		"\n\n- " + strings.Repeat("很长的列表项", 20) + "\n\n    code " + strings.Repeat("x", 200)
	for _, w := range []int{10, 23, 40, 80} {
		for _, line := range strings.Split(Render(src, w, DefaultStyles(false)), "\n") {
			if lw := ansi.StringWidth(line); lw > w {
				t.Fatalf("width %d: line of %d cells: %q", w, lw, ansi.Strip(line))
			}
		}
	}
}

func TestPlainTextComesOutAsTyped(t *testing.T) {
	if got := plain("just a line", 40); got != "just a line" {
		t.Fatalf("got %q", got)
	}
	if got := plain("", 40); got != "" {
		t.Fatalf("empty notes rendered as %q", got)
	}
}

func BenchmarkRenderNote(b *testing.B) {
	src := "## 需求沟通\n\n与客户采购部沟通了明年的用能计划，对方关注**价格**和**交付周期**。\n\n- 预算约300万\n- 希望三月前完成安装\n"
	st := DefaultStyles(true)
	for b.Loop() {
		Render(src, 70, st)
	}
}

// TestTemplateLinesStayLines is finding 4 of issue 13: notes written on a
// stage's template (a label a line) rendered as one run-on paragraph.
func TestTemplateLinesStayLines(t *testing.T) {
	for _, src := range []string{
		"Budget: 2M CNY\nDecision maker: the CEO\nNeed:\nTimeline: Q2",
		"预算：300万\n决策人：总经理\n需求：\n采购时间：二季度",
	} {
		got := strings.Split(plain(src, 60), "\n")
		want := strings.Split(src, "\n")
		if len(got) != len(want) {
			t.Fatalf("%d lines in, %d out:\n%s", len(want), len(got), strings.Join(got, "\n"))
		}
		for i := range want {
			if strings.TrimRight(got[i], " ") != want[i] {
				t.Errorf("line %d: %q, want %q", i+1, got[i], want[i])
			}
		}
	}
	// Paragraphs and lists are still Markdown.
	if got := plain("one\ntwo\n\n- a\n- b", 40); got != "one\ntwo\n\n• a\n• b" {
		t.Errorf("got %q", got)
	}
}
