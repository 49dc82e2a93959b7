package org

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/internal/sheet"
	"cifp/store"
)

// The exchange file of organisations (.xlsx or .csv): one header row, then one
// organisation a row. A header cell may be the Chinese title or the English key.
type column struct {
	Key      string
	Title    string // Chinese header, as exported
	Required bool
}

// Columns are the exchange file's columns, in export order.
var Columns = []column{
	{"uscc", "统一社会信用代码", true},
	{"name", "名称", true},
	{"kind", "类型", true},
	{"industry", "行业代码", false},
	{"division", "行政区划代码", true},
	{"address", "地址", false},
	{"legal_rep", "法定代表人", false},
	{"contact", "联系人", false},
	{"phone", "联系电话", false},
}

// MaxImportRows bounds one import file.
const MaxImportRows = 200_000

// Row is one parsed data row of an import file with its 1-based row number in
// the file (the header is row 1).
type Row struct {
	Line int
	Org  Org
}

// ParseFile reads an .xlsx or .csv exchange file (format "xlsx" or "csv") and
// validates every row. It returns all rows, or an EINVALID error that lists
// every bad header, row and column — not only the first.
func ParseFile(r io.Reader, format string) ([]Row, error) {
	records, err := sheet.Read(r, format, MaxImportRows+1)
	if err != nil {
		return nil, err
	}
	return parseRecords(records)
}

// ColumnName returns the spreadsheet letter of a 0-based column index.
func ColumnName(i int) string { return sheet.ColumnName(i) }

func parseRecords(records [][]string) ([]Row, error) {
	if len(records) == 0 {
		return nil, cifp.Errorf(cifp.EINVALID, "the file is empty: the first row must be the header")
	}
	// Map header cells to columns.
	index := map[string]int{} // key → position
	var fs []cifp.FieldError
	for i, h := range records[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			continue
		}
		key := ""
		for _, c := range Columns {
			if h == c.Title || strings.EqualFold(h, c.Key) {
				key = c.Key
			}
		}
		if key == "" {
			fs = append(fs, cifp.FieldError{Row: 1, Column: ColumnName(i), Value: h, Message: "unknown column header"})
			continue
		}
		if _, dup := index[key]; dup {
			fs = append(fs, cifp.FieldError{Row: 1, Column: ColumnName(i), Value: h, Message: "duplicate column"})
			continue
		}
		index[key] = i
	}
	for _, c := range Columns {
		if _, ok := index[c.Key]; !ok && c.Required {
			fs = append(fs, cifp.FieldError{Row: 1, Field: c.Key, Message: fmt.Sprintf("required column %q (%s) is missing", c.Title, c.Key)})
		}
	}
	if len(fs) > 0 {
		return nil, &cifp.Error{Code: cifp.EINVALID, Message: "the header row does not match the template", Fields: fs}
	}

	var rows []Row
	seen := map[string]int{} // USCC → line
	for n, rec := range records[1:] {
		line := n + 2
		cell := func(key string) string {
			if i, ok := index[key]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // blank rows are common at the end of spreadsheets
		}
		o := Org{Name: cell("name"), USCC: cell("uscc"), Industry: cell("industry"), Division: cell("division"),
			Address: cell("address"), LegalRep: cell("legal_rep"), Contact: cell("contact"), Phone: cell("phone")}
		kind, ok := ParseKind(cell("kind"))
		if !ok {
			fs = append(fs, cifp.FieldError{Row: line, Column: ColumnName(index["kind"]), Field: "kind", Value: cell("kind"),
				Message: "unknown kind: use 企业/银行/保险公司/政府部门/核查机构 or enterprise/bank/insurer/agency/verifier"})
			kind = KindEnterprise // go on checking the other cells
		}
		o.Kind = kind
		o.Normalize()
		if err := o.Validate(); err != nil {
			for _, f := range cifp.ErrorFields(err) {
				if f.Field == "kind" {
					continue
				}
				f.Row = line
				if i, ok := index[f.Field]; ok {
					f.Column = ColumnName(i)
				}
				fs = append(fs, f)
			}
		}
		if o.USCC != "" {
			if first, dup := seen[o.USCC]; dup {
				fs = append(fs, cifp.FieldError{Row: line, Column: ColumnName(index["uscc"]), Field: "uscc", Value: o.USCC,
					Message: fmt.Sprintf("duplicate of row %d", first)})
			}
			seen[o.USCC] = line
		}
		rows = append(rows, Row{Line: line, Org: o})
	}
	if len(fs) > 0 {
		return nil, &cifp.Error{Code: cifp.EINVALID, Message: cifp.Problems(len(fs)) + " in the file; nothing was imported", Fields: fs}
	}
	if len(rows) == 0 {
		return nil, cifp.Errorf(cifp.EINVALID, "the file has a header but no data rows")
	}
	return rows, nil
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"unchanged"`
}

// Import creates the rows' organisations, or updates those whose USCC is
// already registered, in one transaction: either every row is written, or —
// on any error — none is. Each created or changed organisation is recorded
// in the audit log. Only admins may import.
func (s *Service) Import(ctx context.Context, rows []Row) (ImportResult, error) {
	var res ImportResult
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return res, err
	}
	if a.Role != cifp.RoleAdmin {
		return res, cifp.Errorf(cifp.EFORBIDDEN, "only an administrator may import organisations")
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range rows {
			existing, err := scanOrg(tx.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE uscc = ?`, r.Org.USCC))
			switch {
			case err == nil:
				o := r.Org
				o.ID, o.CreatedAt, o.Version = existing.ID, existing.CreatedAt, existing.Version
				if sameFields(existing, o) {
					res.Skipped++
					continue
				}
				if _, err := update(ctx, tx, existing, o); err != nil {
					return rowError(r.Line, err)
				}
				res.Updated++
			case cifp.ErrorCode(store.MapError(err)) == cifp.ENOTFOUND:
				if _, err := insert(ctx, tx, r.Org); err != nil {
					return rowError(r.Line, err)
				}
				res.Created++
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

func sameFields(a, b Org) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Industry == b.Industry && a.Division == b.Division &&
		a.Address == b.Address && a.LegalRep == b.LegalRep && a.Contact == b.Contact && a.Phone == b.Phone
}

func rowError(line int, err error) error {
	e := &cifp.Error{Code: cifp.ErrorCode(err), Message: fmt.Sprintf("row %d: %s; nothing was imported", line, cifp.ErrorMessage(err))}
	for _, f := range cifp.ErrorFields(err) {
		f.Row = line
		e.Fields = append(e.Fields, f)
	}
	if e.Code == cifp.EINTERNAL {
		return fmt.Errorf("row %d: %w", line, err)
	}
	return e
}

// tableWriter writes rows of text cells to a .csv or an .xlsx file.
type tableWriter struct {
	write func([]string) error
	flush func() error
}

// newTableWriter starts a "csv" (UTF-8 with a BOM, so that Excel shows the
// Chinese) or "xlsx" file on w whose first sheet is named sheet.
func newTableWriter(w io.Writer, format, sheet string) (*tableWriter, error) {
	switch format {
	case "csv":
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return nil, err
		}
		cw := csv.NewWriter(w)
		return &tableWriter{write: cw.Write, flush: func() error { cw.Flush(); return cw.Error() }}, nil
	case "xlsx":
		x := excelize.NewFile()
		x.SetSheetName("Sheet1", sheet)
		sw, err := x.NewStreamWriter(sheet)
		if err != nil {
			x.Close()
			return nil, err
		}
		sw.SetColWidth(1, 1, 22)
		sw.SetColWidth(2, 2, 36)
		sw.SetColWidth(6, 6, 40)
		row := 0
		return &tableWriter{
			write: func(rec []string) error {
				row++
				cells := make([]any, len(rec))
				for i, v := range rec {
					cells[i] = v // text, so that codes like 331102 keep their form
				}
				cell, _ := excelize.CoordinatesToCellName(1, row)
				return sw.SetRow(cell, cells)
			},
			flush: func() error {
				defer x.Close()
				if err := sw.Flush(); err != nil {
					return err
				}
				return x.Write(w)
			},
		}, nil
	}
	return nil, cifp.Errorf(cifp.EUNSUPPORTED, "unsupported format %q: use xlsx or csv", format)
}

func header() []string {
	h := make([]string, len(Columns))
	for i, c := range Columns {
		h[i] = c.Title
	}
	return h
}

func record(o Org) []string {
	return []string{o.USCC, o.Name, o.Kind.NameZH(), o.Industry, o.Division, o.Address, o.LegalRep, o.Contact, o.Phone}
}

// WriteTemplate writes an empty import file: the header row only. An .xlsx
// template also has a second sheet, 填写说明, that explains each column with
// an example; imports read the first sheet only.
func WriteTemplate(w io.Writer, format string) error {
	if format == "csv" {
		tw, err := newTableWriter(w, format, "")
		if err != nil {
			return err
		}
		if err := tw.write(header()); err != nil {
			return err
		}
		return tw.flush()
	}
	if format != "xlsx" {
		return cifp.Errorf(cifp.EUNSUPPORTED, "unsupported format %q: use xlsx or csv", format)
	}
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "组织机构")
	x.SetSheetRow("组织机构", "A1", ptr(header()))
	x.SetColWidth("组织机构", "A", "I", 20)
	x.NewSheet("填写说明")
	example, _ := MakeUSCC('9', '1', "331122", "MA2EXAMP")
	notes := [][]string{
		{"列", "key", "必填", "说明", "示例"},
		{"统一社会信用代码", "uscc", "是", "18 位，按 GB 32100-2015 校验", example},
		{"名称", "name", "是", "登记名称，最多 200 字", "缙云县示例阀门有限公司"},
		{"类型", "kind", "是", "企业、银行、保险公司、政府部门、核查机构", "企业"},
		{"行业代码", "industry", "企业必填", "国民经济行业分类 GB/T 4754-2017 代码", "3443"},
		{"行政区划代码", "division", "是", "GB/T 2260 县级代码，如 331102 莲都区、331122 缙云县", "331122"},
		{"地址", "address", "否", "最多 300 字", "缙云县壶镇镇示例路1号"},
		{"法定代表人", "legal_rep", "否", "", "张三"},
		{"联系人", "contact", "否", "", "李四"},
		{"联系电话", "phone", "否", "", "0578-1234567"},
	}
	for i, row := range notes {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		x.SetSheetRow("填写说明", cell, ptr(row))
	}
	x.SetColWidth("填写说明", "A", "E", 24)
	return x.Write(w)
}

func ptr[T any](v T) *T { return &v }

// Export writes every organisation that the actor may see and the filter
// selects to w as "xlsx" or "csv", page by page.
func (s *Service) Export(ctx context.Context, w io.Writer, format string, f Filter) error {
	tw, err := newTableWriter(w, format, "组织机构")
	if err != nil {
		return err
	}
	if err := tw.write(header()); err != nil {
		return err
	}
	if err := s.Each(ctx, f, func(o Org) error { return tw.write(record(o)) }); err != nil {
		return err
	}
	return tw.flush()
}
