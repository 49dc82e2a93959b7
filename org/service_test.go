package org_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/audit"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

// uscc returns a valid USCC for test number i.
func uscc(t testing.TB, i int) string {
	t.Helper()
	code, err := org.MakeUSCC('9', '1', "331102", fmt.Sprintf("%08d", i))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

var admin = cifp.WithActor(context.Background(), cifp.Actor{UserID: 1, Username: "admin", Role: cifp.RoleAdmin})

func as(role cifp.Role, orgID int64) context.Context {
	return cifp.WithActor(context.Background(), cifp.Actor{UserID: 100 + orgID, OrgID: orgID, Username: "u", Role: role})
}

func enterprise(t testing.TB, i int) org.Org {
	return org.Org{Kind: org.KindEnterprise, Name: fmt.Sprintf("缙云县测试阀门%d有限公司", i), USCC: uscc(t, i),
		Industry: "3443", Division: "331122", Phone: "0578-1234567"}
}

func TestOrgService(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		s := org.NewService(db)
		a, err := s.Create(admin, enterprise(t, 1))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Create(admin, enterprise(t, 2))
		if err != nil {
			t.Fatal(err)
		}
		bank, err := s.Create(admin, org.Org{Kind: org.KindBank, Name: "测试银行丽水分行", USCC: uscc(t, 3), Division: "331102"})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("CreateValidates", func(t *testing.T) {
			bad := enterprise(t, 4)
			bad.USCC = "91350203M0001QAY9B"
			bad.Division = "999999"
			bad.Industry = ""
			_, err := s.Create(admin, bad)
			fields := map[string]bool{}
			for _, f := range cifp.ErrorFields(err) {
				fields[f.Field] = true
			}
			if cifp.ErrorCode(err) != cifp.EINVALID || !fields["uscc"] || !fields["division"] || !fields["industry"] {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("DuplicateUSCCIsConflict", func(t *testing.T) {
			_, err := s.Create(admin, enterprise(t, 1))
			if cifp.ErrorCode(err) != cifp.ECONFLICT {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("OnlyAdminCreates", func(t *testing.T) {
			for _, ctx := range []context.Context{as(cifp.RoleRegulator, 9), as(cifp.RoleEnterprise, a.ID), as(cifp.RoleFinance, bank.ID)} {
				if _, err := s.Create(ctx, enterprise(t, 5)); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
					t.Fatalf("err = %v", err)
				}
			}
		})
		t.Run("TenantScope", func(t *testing.T) {
			ctxA := as(cifp.RoleEnterprise, a.ID)
			if _, err := s.Get(ctxA, b.ID); cifp.ErrorCode(err) != cifp.ENOTFOUND {
				t.Fatalf("enterprise A reads B: %v", err)
			}
			if got, err := s.Get(ctxA, a.ID); err != nil || got.USCC != a.USCC {
				t.Fatalf("enterprise A reads itself: %v", err)
			}
			list, _, err := s.List(as(cifp.RoleFinance, bank.ID), org.Filter{})
			if err != nil || len(list) != 1 || list[0].ID != bank.ID {
				t.Fatalf("bank lists %v, %v", list, err)
			}
			if _, err := s.Update(as(cifp.RoleFinance, bank.ID), a.ID, org.Patch{Address: ptr("x")}); cifp.ErrorCode(err) != cifp.ENOTFOUND {
				t.Fatalf("bank updates an enterprise: %v", err)
			}
			all, _, err := s.List(as(cifp.RoleRegulator, 9), org.Filter{})
			if err != nil || len(all) != 3 {
				t.Fatalf("regulator lists %d, %v", len(all), err)
			}
			if _, err := s.Get(context.Background(), a.ID); cifp.ErrorCode(err) != cifp.EUNAUTHORIZED {
				t.Fatalf("no actor: %v", err)
			}
		})
		t.Run("ListFiltersAndPages", func(t *testing.T) {
			page, next, err := s.List(admin, org.Filter{Limit: 2})
			if err != nil || len(page) != 2 || next != page[1].ID {
				t.Fatalf("page 1: %v %d %v", page, next, err)
			}
			page, next, err = s.List(admin, org.Filter{Limit: 2, After: next})
			if err != nil || len(page) != 1 || next != 0 {
				t.Fatalf("page 2: %v %d %v", page, next, err)
			}
			for _, f := range []struct {
				f    org.Filter
				want int
			}{
				{org.Filter{Q: "阀门"}, 2},
				{org.Filter{Q: a.USCC[:10]}, 3},
				{org.Filter{Q: strings.ToLower(a.USCC)}, 1},
				{org.Filter{Kind: org.KindBank}, 1},
				{org.Filter{Division: "331122"}, 2},
				{org.Filter{Division: "331100"}, 3},
				{org.Filter{Industry: "34"}, 2},
				{org.Filter{Q: "100%_"}, 0},
			} {
				n, err := s.Count(admin, f.f)
				if err != nil || n != f.want {
					t.Errorf("%+v: %d, want %d (%v)", f.f, n, f.want, err)
				}
			}
		})
		t.Run("UpdateRules", func(t *testing.T) {
			ctxA := as(cifp.RoleEnterprise, a.ID)
			got, err := s.Update(ctxA, a.ID, org.Patch{Address: ptr(" 缙云县壶镇镇工业园区8号 "), Version: a.Version})
			if err != nil || got.Address != "缙云县壶镇镇工业园区8号" || got.Version != 2 {
				t.Fatalf("own update: %+v, %v", got, err)
			}
			if _, err := s.Update(ctxA, a.ID, org.Patch{Name: ptr("新名字")}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
				t.Fatalf("member renames: %v", err)
			}
			if _, err := s.Update(as(cifp.RoleRegulator, 9), a.ID, org.Patch{Address: ptr("x")}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
				t.Fatalf("regulator edits: %v", err)
			}
			if _, err := s.Update(admin, a.ID, org.Patch{Phone: ptr("x"), Version: 1}); cifp.ErrorCode(err) != cifp.ECONFLICT {
				t.Fatalf("stale version: %v", err)
			}
			if _, err := s.Update(admin, a.ID, org.Patch{Industry: ptr("0000")}); cifp.ErrorCode(err) != cifp.EINVALID {
				t.Fatalf("bad industry: %v", err)
			}
			entries, err := audit.List(admin, db, audit.Filter{Entity: "org", EntityID: fmt.Sprint(a.ID)})
			if err != nil || len(entries) != 2 || entries[0].Action != "org.update" ||
				!strings.Contains(string(entries[0].Before), `"address":""`) || !strings.Contains(string(entries[0].After), "壶镇") {
				t.Fatalf("audit: %+v, %v", entries, err)
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }

func TestImportExport(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		s := org.NewService(db)
		csvFile := "统一社会信用代码,名称,类型,行业代码,行政区划代码,地址\n" +
			uscc(t, 11) + ",云和县木韵玩具有限公司,企业,2459,331125,云和县城东路1号\n" +
			uscc(t, 12) + ",龙泉市青瓷坊瓷业有限公司,enterprise,3074,331181,\n\n"
		rows, err := org.ParseFile(strings.NewReader(csvFile), "csv")
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Import(admin, rows)
		if err != nil || res.Created != 2 {
			t.Fatalf("import: %+v, %v", res, err)
		}

		t.Run("BadRowsNameRowAndColumn", func(t *testing.T) {
			bad := "uscc,name,kind,industry,division\n" +
				uscc(t, 13) + ",好公司,企业,2459,331125\n" +
				"91350203M0001QAY9B,坏公司,企业,9999,331125\n" +
				uscc(t, 13) + ",重复公司,外星人,2459,123456\n"
			_, err := org.ParseFile(strings.NewReader(bad), "csv")
			got := map[string]bool{}
			for _, f := range cifp.ErrorFields(err) {
				got[fmt.Sprintf("%d%s", f.Row, f.Column)] = true
			}
			for _, want := range []string{"3A", "3D", "4A", "4C", "4E"} {
				if !got[want] {
					t.Errorf("no error at row/column %s: %v", want, err)
				}
			}
		})
		t.Run("WrongHeader", func(t *testing.T) {
			_, err := org.ParseFile(strings.NewReader("名称,颜色\nx,y\n"), "csv")
			msg := fmt.Sprint(cifp.ErrorFields(err))
			if cifp.ErrorCode(err) != cifp.EINVALID || !strings.Contains(msg, "颜色") || !strings.Contains(msg, "统一社会信用代码") {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("AllOrNothing", func(t *testing.T) {
			before, _ := s.Count(admin, org.Filter{})
			// Row 3 duplicates the USCC that row 2 creates only in the database's
			// view: an existing org of another kind cannot be silently renamed,
			// so make the second row conflict at write time with a name clash.
			rows := []org.Row{
				{Line: 2, Org: enterprise(t, 21)},
				{Line: 3, Org: org.Org{Kind: "pirate", Name: "x", USCC: uscc(t, 22), Division: "331102"}},
			}
			_, err := s.Import(admin, rows)
			if err == nil || !strings.Contains(err.Error(), "row 3") {
				t.Fatalf("err = %v", err)
			}
			after, _ := s.Count(admin, org.Filter{})
			if after != before {
				t.Fatalf("a failed import wrote %d rows", after-before)
			}
		})
		t.Run("ReimportUpdates", func(t *testing.T) {
			rows, _ := org.ParseFile(strings.NewReader(strings.Replace(csvFile, "城东路1号", "城东路2号", 1)), "csv")
			res, err := s.Import(admin, rows)
			if err != nil || res.Updated != 1 || res.Skipped != 1 {
				t.Fatalf("%+v, %v", res, err)
			}
		})
		t.Run("OnlyAdminImports", func(t *testing.T) {
			if _, err := s.Import(as(cifp.RoleRegulator, 1), rows); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("XLSXRoundTrip", func(t *testing.T) {
			var buf bytes.Buffer
			if err := s.Export(admin, &buf, "xlsx", org.Filter{}); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			v, _ := f.GetCellValue("组织机构", "B3")
			if v != "龙泉市青瓷坊瓷业有限公司" {
				t.Fatalf("B3 = %q", v)
			}
			rows, err := org.ParseFile(bytes.NewReader(buf.Bytes()), "xlsx")
			if err != nil || len(rows) != 2 || rows[0].Org.Address != "云和县城东路2号" {
				t.Fatalf("re-read: %+v, %v", rows, err)
			}
		})
		t.Run("CSVExportHasBOM", func(t *testing.T) {
			var buf bytes.Buffer
			if err := s.Export(admin, &buf, "csv", org.Filter{}); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(buf.String(), "\ufeff统一社会信用代码,名称") {
				t.Fatalf("csv starts %q", buf.String()[:40])
			}
		})
	})
}

func TestParseGB18030CSV(t *testing.T) {
	// "名称" etc. in GB18030, as Excel saves a CSV on a Chinese Windows.
	utf := "统一社会信用代码,名称,类型,行业代码,行政区划代码\n" + uscc(t, 31) + ",青田县石雕艺术有限公司,企业,2431,331121\n"
	gb, err := encodeGB(utf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := org.ParseFile(bytes.NewReader(gb), "csv")
	if err != nil || rows[0].Org.Name != "青田县石雕艺术有限公司" {
		t.Fatalf("%+v, %v", rows, err)
	}
}

func TestTemplate(t *testing.T) {
	for _, format := range []string{"xlsx", "csv"} {
		var buf bytes.Buffer
		if err := org.WriteTemplate(&buf, format); err != nil {
			t.Fatal(err)
		}
		// A template read back is a valid header with no data rows.
		_, err := org.ParseFile(bytes.NewReader(buf.Bytes()), format)
		if err == nil || !strings.Contains(err.Error(), "no data rows") {
			t.Errorf("%s: %v", format, err)
		}
	}
}
