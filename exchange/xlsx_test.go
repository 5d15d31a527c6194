package exchange

import (
	"bytes"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/xuri/excelize/v2"
)

// TestImportXLSXFromChineseExcel builds a workbook the way Chinese Excel
// saves a trade-show list: a title row, date and number cells with
// formats, a phone number stored as a number, and a second sheet.
func TestImportXLSXFromChineseExcel(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "展会名单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"2026 上海国际能源展"},
		{"客户名称", "联系人", "手机", "预计金额", "下次跟进", "来源"},
		{"华北能源有限公司", "王伟", 13800138000, 120000, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), "展会"},
		{"南方电力", "李娜", "139-0013-9000", 50000.5, "2026/12/10", "客户推荐"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // the locale's short date
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, "E3", "E3", style); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Other"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Other", "A1", &[]any{"Company"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}

	s := openStore(t, "ann")
	rep := importString(t, s, "名单.xlsx", buf.String(), Options{})
	if rep.Format != FormatXLSX || rep.Sheet != sheet || rep.HeaderRow != 2 || rep.New != 2 || rep.Tasks != 2 {
		t.Fatalf("report %+v", rep)
	}
	leads := allLeads(t, s)
	for _, l := range leads {
		switch l.Company {
		case "华北能源有限公司":
			if l.MainContact().Phone != "13800138000" || l.Value.Amount != 120000_00 || l.Source != "trade_show" {
				t.Errorf("华北能源 = %+v", l)
			}
		case "南方电力":
			if l.Value.Amount != 50000_50 || l.Source != "referral" {
				t.Errorf("南方电力 = %+v", l)
			}
		default:
			t.Errorf("unexpected lead %q", l.Company)
		}
	}
	var dues []string
	_ = s.View(func(tx *store.Tx) error {
		tasks, err := tx.OpenTasks(model.Date{})
		for _, tk := range tasks {
			dues = append(dues, tk.Due.String())
		}
		return err
	})
	if len(dues) != 2 || dues[0] != "2026-12-03" || dues[1] != "2026-12-10" {
		t.Errorf("follow-ups due %v", dues)
	}
	// A sheet that does not exist is named in the error with the ones that do.
	if _, err := Import(s, buf.Bytes(), "名单.xlsx", Options{Sheet: "Nope"}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("展会名单, Other")) {
		t.Fatalf("missing sheet: %v", err)
	}
}
