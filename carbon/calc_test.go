package carbon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/org"
)

var now = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func uscc(t testing.TB, county, body string) string {
	t.Helper()
	c, err := org.MakeUSCC('9', '1', county, body)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]carbon.Period{"2024-03": {2024, 3}, "2024/12": {2024, 12}, "202401": {2024, 1}, "2023": {2023, 0}} {
		if got, ok := carbon.ParsePeriod(in); !ok || got != want {
			t.Errorf("%q: %v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "2024-13", "2024-00", "24-01", "2024-1x", "abcd", "202400"} {
		if _, ok := carbon.ParsePeriod(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestActivityErrors checks that each kind of bad row is reported with its
// row and column, all of them at once.
func TestActivityErrors(t *testing.T) {
	a := uscc(t, "331122", "00000001")
	b := uscc(t, "331125", "00000002")
	known := func(u string) bool { return u == a }
	file := "uscc,period,item,quantity,unit,quality\n" +
		a + ",2024-01,electricity,1000,kWh,metered\n" + // 2 ok
		a + ",2024-01,plutonium,1,t,\n" + // 3 unknown item → C
		a + ",2024-01,diesel,1,m3,\n" + // 4 unknown unit for the item → E
		a + ",2024-01,heat,-5,GJ,\n" + // 5 negative → D
		a + ",2024-01,electricity,2,MWh,\n" + // 6 duplicate of 2 → C
		a + ",2027-01,electricity,2,MWh,\n" + // 7 future → B
		b + ",2024-01,electricity,2,MWh,\n" + // 8 unknown enterprise → A
		"91350203M0001QAY9B,2024-01,electricity,2,MWh,\n" + // 9 bad USCC → A
		a + ",2024-02,electricity,lots,MWh,\n" + // 10 not a number → D
		a + ",2024-14,electricity,1,MWh,\n" + // 11 bad period → B
		a + ",2024-03,electricity,1,MWh,guessed\n" // 12 bad quality → F
	_, err := carbon.ParseActivity(strings.NewReader(file), "csv", carbon.DefaultFactors(), now, known)
	if cifp.ErrorCode(err) != cifp.EINVALID {
		t.Fatalf("err = %v", err)
	}
	got := map[string]bool{}
	for _, f := range cifp.ErrorFields(err) {
		got[fmt.Sprintf("%d%s", f.Row, f.Column)] = true
	}
	for _, want := range []string{"3C", "4E", "5D", "6C", "7B", "8A", "9A", "10D", "11B", "12F"} {
		if !got[want] {
			t.Errorf("no error at %s: %v", want, err)
		}
	}
	if got["2A"] || got["2B"] || got["2C"] || got["2D"] || got["2E"] {
		t.Errorf("the good row 2 is reported: %v", err)
	}
	if _, err := carbon.ParseActivity(strings.NewReader("uscc,when,item\n"), "csv", carbon.DefaultFactors(), now, nil); cifp.ErrorCode(err) != cifp.EINVALID ||
		!strings.Contains(fmt.Sprint(cifp.ErrorFields(err)), "when") || !strings.Contains(fmt.Sprint(cifp.ErrorFields(err)), "quantity") {
		t.Errorf("bad header: %v", err)
	}
}

// TestCalculate runs the calculator on two cement makers and one toy maker.
func TestCalculate(t *testing.T) {
	a := uscc(t, "331102", "0000000A")
	b := uscc(t, "331181", "0000000B")
	c := uscc(t, "331125", "0000000C")
	activity := "uscc,period,item,quantity,unit\n" +
		// a: 2023, 100 t coal per month for 12 months = 1,200 t; VA 2,000 万元.
		func() string {
			var s strings.Builder
			for m := 1; m <= 12; m++ {
				fmt.Fprintf(&s, "%s,2023-%02d,bituminous_coal,100,t\n", a, m)
			}
			return s.String()
		}() +
		a + ",2023,value_added,2000,万元\n" +
		// b: 2023, 3,000 MWh; VA 1,000 万元.
		b + ",2023-06,electricity,3000,MWh\n" + b + ",2023,value_added,1000,万元\n" +
		// c: 2023, 50 t diesel and no value added: no intensity, no grade.
		c + ",2023-05,diesel,50,t\n"
	ents := "uscc,name,industry,county\n" + a + ",莲都水泥,3011,331102\n" + b + ",龙泉水泥,3011,331181\n" + c + ",云和玩具,2459,331125\n"
	fs := carbon.DefaultFactors()
	rows, err := carbon.ParseActivity(strings.NewReader(activity), "csv", fs, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := carbon.ParseEnterprises(strings.NewReader(ents), "csv")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := carbon.Calculate(fs, rows, e, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d results", len(rs))
	}
	// By hand: a = 1,200 × 1.7417 = 2,090.04 t, L = 1.04502; b = 3,000 ×
	// 0.5500 (2023: East China, no Zhejiang factor) = 1,650 t, L = 1.65.
	// L_3011 = 3,740.04 / 3,000 = 1.24668; K_a = 0.83824 → 3; K_b = 1.32352 → 4.
	byUSCC := map[string]carbon.YearResult{}
	for _, r := range rs {
		byUSCC[r.USCC] = r
	}
	ra, rb, rc := byUSCC[a], byUSCC[b], byUSCC[c]
	for name, v := range map[string][2]float64{
		"a total": {ra.Total, 2090.04}, "a L": {ra.Intensity, 1.04502}, "a K": {ra.K, 0.83824},
		"b total": {rb.Total, 1650}, "b L": {rb.Intensity, 1.65}, "b K": {rb.K, 1.32352},
		"benchmark": {ra.Benchmark, 1.24668}, "c total": {rc.Total, 154.795},
	} {
		if !near(v[0], v[1]) {
			t.Errorf("%s = %.6f, want %.6f", name, v[0], v[1])
		}
	}
	if ra.Grade != 3 || rb.Grade != 4 || rc.Grade != 0 || rc.HasIntensity {
		t.Errorf("grades %d %d %d", ra.Grade, rb.Grade, rc.Grade)
	}

	var buf bytes.Buffer
	if err := carbon.WriteResults(&buf, "json", rs); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if len(o) != len(carbon.ResultColumns) {
			t.Errorf("keys %v", o)
		}
		for _, k := range carbon.ResultColumns {
			if _, ok := o[k]; !ok {
				t.Errorf("key %s missing", k)
			}
		}
	}
	if !strings.HasPrefix(strings.TrimSpace(buf.String()), `[`) || !strings.Contains(buf.String(), `"uscc": "`) {
		t.Errorf("json %s", buf.String())
	}
	buf.Reset()
	carbon.WriteResults(&buf, "csv", rs)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != strings.Join(carbon.ResultColumns, ",") || len(lines) != 4 {
		t.Errorf("csv:\n%s", buf.String())
	}
	for _, l := range lines {
		if strings.HasPrefix(l, c) && l != c+",2023,154.795482,0,154.795482,72.855,0,,," {
			t.Errorf("the toy maker without value added: %s", l)
		}
	}
}
