package sheet_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"cifp"
	"cifp/internal/sheet"
)

func TestRead(t *testing.T) {
	want := [][]string{{"名称", "数量"}, {"丽水", "1"}, {"龙泉", "2"}}
	csvText := "名称,数量\n丽水,1\n龙泉,2\n"
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(csvText))
	x := excelize.NewFile()
	for i, r := range want {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		x.SetSheetRow("Sheet1", cell, &r)
	}
	var xlsx bytes.Buffer
	x.Write(&xlsx)
	for name, c := range map[string]struct {
		data   []byte
		format string
	}{
		"utf-8":   {[]byte(csvText), "csv"},
		"bom":     {append([]byte("\xef\xbb\xbf"), csvText...), "csv"},
		"gb18030": {gb, "csv"},
		"xlsx":    {xlsx.Bytes(), "xlsx"},
	} {
		got, err := sheet.Read(bytes.NewReader(c.data), c.format, 10)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %v", name, got)
		}
		for i := range want {
			if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
				t.Errorf("%s row %d: %v, want %v", name, i+1, got[i], want[i])
			}
		}
	}
	if _, err := sheet.Read(strings.NewReader(csvText), "csv", 2); cifp.ErrorCode(err) != cifp.ETOOLARGE {
		t.Errorf("too many rows: %v", err)
	}
	if _, err := sheet.Read(strings.NewReader("x"), "xlsx", 2); cifp.ErrorCode(err) != cifp.EINVALID {
		t.Errorf("not an xlsx: %v", err)
	}
	if _, err := sheet.Read(strings.NewReader("a,\"b\n"), "csv", 2); cifp.ErrorCode(err) != cifp.EINVALID {
		t.Errorf("malformed csv: %v", err)
	}
	if sheet.Format("A.XLSX") != "xlsx" || sheet.Format("a.csv") != "csv" || sheet.Format("a.txt") != "" {
		t.Error("Format")
	}
	if sheet.ColumnName(0) != "A" || sheet.ColumnName(27) != "AB" {
		t.Error("ColumnName")
	}
}
