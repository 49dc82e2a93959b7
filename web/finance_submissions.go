package web

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"strings"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/finance"
	"cifp/org"
)

// Month-end submissions beside the loan book (月度报送): an insurer's
// policies (保单逐笔数据) and any institution's other climate instruments —
// green bonds, funds, equity, leasing (其他气候投融资工具) — all or nothing,
// every bad row and column named.

// submissionReaders see the submissions page: an institution its own
// month's totals and forms, the regulators the city's totals.
var submissionReaders = statsReaders

// submissionKind is one kind of month-end file other than the loan book.
type submissionKind struct {
	Code   string // policies or instruments
	Sheet  string
	Header []string
	Notes  map[string][2]string
}

var policyNotes = map[string][2]string{
	"policy_id":    {"保单号（本机构内唯一）", "PICC-2026-000123"},
	"insured_uscc": {"被保险人统一社会信用代码（GB 32100-2015）", "91331122MA2EXAMP5X"},
	"kind":         {"险种代码（见下表）", "weather_index"},
	"sum_insured":  {"保险金额（万元）", "500"},
	"premium":      {"保费（万元）", "3"},
	"start_date":   {"保险起期 YYYY-MM-DD", "2026-01-01"},
	"end_date":     {"保险止期 YYYY-MM-DD，晚于起期", "2026-12-31"},
}

var instrumentNotes = map[string][2]string{
	"instrument_id":     {"工具编号（本机构内唯一）", "GB2026-01"},
	"kind":              {"工具类型: green_bond 绿色债券 / fund 基金 / equity 股权投资 / leasing 融资租赁 / other 其他", "green_bond"},
	"counterparty_uscc": {"发行人或融资方统一社会信用代码", "91331122MA2EXAMP5X"},
	"amount":            {"金额（万元）", "30000"},
	"balance":           {"月末余额（万元）", "30000"},
	"issue_date":        {"发行或起始日 YYYY-MM-DD", "2026-01-18"},
	"maturity_date":     {"到期日 YYYY-MM-DD（可空）", "2029-01-18"},
	"green_class":       {"绿色分类（目录一级分类代码）；空为非绿色", "4"},
	"catalogue":         {"目录版本 2021 或 2025；留空按发行日当时有效的版本", ""},
	"climate_type":      {"气候属性 mitigation / adaptation / both / none（必填）", "mitigation"},
	"description":       {"说明", "绿色金融债券（清洁能源）"},
}

var (
	policyKind     = submissionKind{Code: "policies", Sheet: "保单逐笔数据", Header: finance.PolicyHeader, Notes: policyNotes}
	instrumentKind = submissionKind{Code: "instruments", Sheet: "其他气候投融资工具", Header: finance.InstrumentHeader, Notes: instrumentNotes}
)

// writeSubmissionTemplate writes an empty month-end file: the header row,
// and in an .xlsx a 说明 sheet that explains each column (for policies also
// the insurance kinds and whether they count toward the coverage target).
func writeSubmissionTemplate(w io.Writer, format string, k submissionKind) error {
	switch format {
	case "csv":
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		cw.Write(k.Header)
		cw.Flush()
		return cw.Error()
	case "xlsx":
		x := excelize.NewFile()
		defer x.Close()
		const notes = "说明"
		x.SetSheetName("Sheet1", k.Sheet)
		head := k.Header
		x.SetSheetRow(k.Sheet, "A1", &head)
		x.SetColWidth(k.Sheet, "A", "K", 18)
		x.NewSheet(notes)
		x.SetSheetRow(notes, "A1", &[]string{"列", "说明", "示例"})
		row := 2
		for _, c := range k.Header {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			n := k.Notes[c]
			x.SetSheetRow(notes, cell, &[]string{c, n[0], n[1]})
			row++
		}
		if k.Code == policyKind.Code {
			row++
			cell, _ := excelize.CoordinatesToCellName(1, row)
			x.SetSheetRow(notes, cell, &[]string{"险种代码", "险种", "计入环境风险保障额度目标"})
			for _, ik := range finance.InsuranceKinds() {
				row++
				cell, _ := excelize.CoordinatesToCellName(1, row)
				x.SetSheetRow(notes, cell, &[]string{ik.Code, ik.NameZH + " / " + ik.NameEN, map[bool]string{true: "是", false: "否"}[ik.Counts]})
			}
		}
		row += 2
		cell, _ := excelize.CoordinatesToCellName(1, row)
		x.SetSheetRow(notes, cell, &[]string{"报送规则", "每月报送月末全量数据，整份文件替换本机构该月已报送的数据；任一行有误则全部不导入，并列出每个有误的行与列。金额单位：万元。"})
		x.SetColWidth(notes, "A", "C", 36)
		return x.Write(w)
	}
	return cifp.Errorf(cifp.EUNSUPPORTED, "unsupported format %q: use xlsx or csv", format)
}

func (s *Server) submissionTemplate(k submissionKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		format := r.URL.Query().Get("format")
		if format == "" {
			format = "xlsx"
		}
		var buf bytes.Buffer
		if err := writeSubmissionTemplate(&buf, format, k); err != nil {
			s.fail(w, r, err)
			return
		}
		sendFile(w, k.Code+"-template."+format, buf.Bytes())
	}
}

// importSubmission reads an uploaded month-end file (multipart fields
// "month" and "file", or the file as the body with ?month=) and stores it,
// all or nothing.
func (s *Server) importSubmission(r *http.Request, k submissionKind) (finance.Import, error) {
	data, name, month, err := monthUpload(r)
	if err != nil {
		return finance.Import{}, err
	}
	if k.Code == policyKind.Code {
		return s.finance.ImportPolicies(r.Context(), bytes.NewReader(data), name, month)
	}
	return s.finance.ImportInstruments(r.Context(), bytes.NewReader(data), name, month)
}

// submissionsView is the data of the submissions page.
type submissionsView struct {
	Month           string
	Institution     bool
	Insurer         bool
	Team            bool
	Totals          finance.Totals
	Instruments     []kindAmount
	InsuranceKinds  []finance.InsuranceKind
	InstrumentKinds []string
	PolicyHeader    []string
	InstHeader      []string
	What            string // the file just imported or refused: policies or instruments
	Result          *finance.Import
	Message         string
	Fields          []cifp.FieldError
}

func (s *Server) submissionsPage(w http.ResponseWriter, r *http.Request) {
	month, err := loanMonth(r.URL.Query().Get("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSubmissions(w, r, http.StatusOK, submissionsView{Month: month})
}

func (s *Server) renderSubmissions(w http.ResponseWriter, r *http.Request, status int, v submissionsView) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	v.Institution, v.Team = u.Role == cifp.RoleFinance, u.Role.CityWide()
	if v.Institution {
		if o, err := s.orgs.Get(ctx, u.OrgID); err == nil {
			v.Insurer = o.Kind == org.KindInsurer
		}
	}
	var err error
	if v.Totals, err = s.finance.MonthTotals(ctx, v.Month); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range finance.InstrumentKinds {
		if a, ok := v.Totals.Instruments[k]; ok {
			v.Instruments = append(v.Instruments, kindAmount{k, a})
		}
	}
	v.InsuranceKinds, v.InstrumentKinds = finance.InsuranceKinds(), finance.InstrumentKinds
	v.PolicyHeader, v.InstHeader = finance.PolicyHeader, finance.InstrumentHeader
	s.render(w, r, status, "finance_submissions", v)
}

func (s *Server) submissionImportSubmit(k submissionKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := s.importSubmission(r, k)
		month := strings.TrimSpace(r.FormValue("month"))
		if _, merr := loanMonth(month); merr != nil || month == "" {
			month = thisMonth()
		}
		if err != nil {
			if Status(err) >= 500 || cifp.ErrorCode(err) == cifp.EFORBIDDEN {
				s.fail(w, r, err)
				return
			}
			s.renderSubmissions(w, r, Status(err), submissionsView{Month: month, What: k.Code, Message: cifp.ErrorMessage(err), Fields: cifp.ErrorFields(err)})
			return
		}
		s.renderSubmissions(w, r, http.StatusOK, submissionsView{Month: res.Month, What: k.Code, Result: &res})
	}
}

func (s *Server) apiImportSubmission(k submissionKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := s.importSubmission(r, k)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}
