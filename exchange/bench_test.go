package exchange

import (
	"bytes"
	"fmt"
	"testing"
)

// tradeShowCSV generates n rows of a realistic Chinese trade-show list.
func tradeShowCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("公司名称,联系人,手机,邮箱,城市,来源,阶段,预计金额,标签,展位备注\n")
	stages := []string{"潜在客户", "已筛选", "接触沟通", "方案设计"}
	for i := range n {
		fmt.Fprintf(&b, "华北能源%d有限公司,王伟%d,+86 138%08d,user%d@example.cn,北京,行业展会,%s,%d万,\"展会,重点\",A%d 展位\n",
			i, i, i, i, stages[i%len(stages)], i%500+1, i%300)
	}
	return b.Bytes()
}

// BenchmarkImport100k imports 100,000 new rows into an empty book: the
// figure for "100,000 rows in under 10 s". Run with -benchtime=1x.
func BenchmarkImport100k(b *testing.B) { benchImport(b, 100_000, 0) }

// BenchmarkImport100kBatch5000 is the same with bigger transactions.
func BenchmarkImport100kBatch5000(b *testing.B) { benchImport(b, 100_000, 5000) }

// BenchmarkImport10k is the quick version for development.
func BenchmarkImport10k(b *testing.B) { benchImport(b, 10_000, 0) }

func benchImport(b *testing.B, n, batch int) {
	data := tradeShowCSV(n)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		b.StopTimer()
		s := openStoreSync(b, "ann", true)
		b.StartTimer()
		rep, err := Import(s, data, "bench.csv", Options{RejectsPath: "-", BatchSize: batch})
		if err != nil {
			b.Fatal(err)
		}
		if rep.New != n {
			b.Fatalf("imported %d of %d: %v", rep.New, n, rep.Problems)
		}
	}
	b.ReportMetric(float64(n), "rows/op")
}

// BenchmarkReimport100k re-imports the same 100,000 rows: every row
// matches and nothing is written.
func BenchmarkReimport100k(b *testing.B) {
	const n = 100_000
	data := tradeShowCSV(n)
	s := openStoreSync(b, "ann", true)
	if _, err := Import(s, data, "bench.csv", Options{RejectsPath: "-"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rep, err := Import(s, data, "bench.csv", Options{RejectsPath: "-"})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Unchanged != n {
			b.Fatalf("re-import: %+v", rep)
		}
	}
}

// BenchmarkExport10k exports a book of 10,000 leads in each format.
func BenchmarkExport10k(b *testing.B) {
	const n = 10_000
	s := openStore(b, "ann")
	if _, err := Import(s, tradeShowCSV(n), "bench.csv", Options{RejectsPath: "-"}); err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{ExportCSV, ExportJSON, ExportXLSX, ExportICS} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				var buf bytes.Buffer
				rep, err := Export(s, &buf, ExportOptions{Format: format})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Leads != n {
					b.Fatalf("exported %d leads", rep.Leads)
				}
				b.SetBytes(int64(buf.Len()))
			}
		})
	}
}
