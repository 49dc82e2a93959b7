package carbon

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"cifp"
)

// WriteActivityTemplate writes an empty activity file, "csv" (the header
// row) or "xlsx" (the header row, and a second sheet 填写说明 listing every
// item with its units and an example).
func (fs *FactorSet) WriteActivityTemplate(w io.Writer, format string) error {
	header := strings.Split(ActivityHeader, ",")
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(header)
		cw.Flush()
		return cw.Error()
	case "xlsx":
	default:
		return cifp.Errorf(cifp.EUNSUPPORTED, "unsupported format %q: use xlsx or csv", format)
	}
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "活动数据")
	x.SetSheetRow("活动数据", "A1", &header)
	x.SetColWidth("活动数据", "A", "A", 22)
	x.SetColWidth("活动数据", "B", "F", 14)
	x.NewSheet("填写说明")
	notes := [][]string{
		{"列 column", "说明 meaning"},
		{"uscc", "统一社会信用代码 (GB 32100-2015)"},
		{"period", "期间：YYYY-MM（月度）或 YYYY（全年，如工业增加值）；不得晚于当前月份"},
		{"item", "项目代码，见下表"},
		{"quantity", "数量，不得为负"},
		{"unit", "单位，见下表"},
		{"quality", "数据质量：metered（计量）/ reported（填报，默认）/ estimated（估算）"},
		{},
		{"item 项目", "名称", "标准单位 canonical unit", "可用单位 accepted units"},
	}
	for _, item := range fs.Items() {
		_, canonical, _ := fs.ItemUnit(item)
		notes = append(notes, []string{item, fs.ItemName(item), canonical, strings.Join(fs.Units(item), " / ")})
	}
	for i, row := range notes {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		x.SetSheetRow("填写说明", cell, &row)
	}
	x.SetColWidth("填写说明", "A", "A", 28)
	x.SetColWidth("填写说明", "B", "B", 40)
	x.SetColWidth("填写说明", "C", "D", 30)
	return x.Write(w)
}
