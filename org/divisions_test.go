package org

import (
	"strings"
	"testing"

	"cifp"
)

func TestDivisionsParse(t *testing.T) {
	// Parse the embedded file directly, so a malformed file fails here with
	// its error rather than as a panic elsewhere.
	tab, err := parseDivisions(divisionsCSV)
	if err != nil {
		t.Fatalf("embedded data/divisions.csv: %v", err)
	}
	if len(tab.list) != 11 {
		t.Errorf("%d divisions, want 11", len(tab.list))
	}
	if got := Divisions(); len(got) != len(tab.list) || got[0].Code != "330000" || got[1].Code != "331100" {
		t.Errorf("Divisions() = %v, want Zhejiang, Lishui, … in file order", got)
	}
}

func TestDivisionsReturnsCopy(t *testing.T) {
	Divisions()[0].Name = "changed"
	if d, _ := DivisionByCode("330000"); d.Name != "浙江省" {
		t.Errorf("modifying Divisions() changed the table: %q", d.Name)
	}
}

func TestCounties(t *testing.T) {
	want := []Division{
		{"331102", "莲都区", "Liandu District", "district", "331100"},
		{"331121", "青田县", "Qingtian County", "county", "331100"},
		{"331122", "缙云县", "Jinyun County", "county", "331100"},
		{"331123", "遂昌县", "Suichang County", "county", "331100"},
		{"331124", "松阳县", "Songyang County", "county", "331100"},
		{"331125", "云和县", "Yunhe County", "county", "331100"},
		{"331126", "庆元县", "Qingyuan County", "county", "331100"},
		{"331127", "景宁畲族自治县", "Jingning She Autonomous County", "autonomous_county", "331100"},
		{"331181", "龙泉市", "Longquan City", "county_city", "331100"},
	}
	got := Counties("331100")
	if len(got) != 9 {
		t.Fatalf("Counties(331100) has %d divisions, want 9: %v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Counties(331100)[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, city := range []string{"330000", "331102", "999999", ""} {
		if got := Counties(city); got != nil {
			t.Errorf("Counties(%q) = %v, want nil", city, got)
		}
	}
}

func TestDivisionByCode(t *testing.T) {
	tests := []struct {
		code       string
		want       Division
		wantExists bool
	}{
		{"330000", Division{"330000", "浙江省", "Zhejiang Province", "province", ""}, true},
		{"331100", Division{"331100", "丽水市", "Lishui City", "city", "330000"}, true},
		{"331181", Division{"331181", "龙泉市", "Longquan City", "county_city", "331100"}, true},
		{"331128", Division{}, false},
		{"33110", Division{}, false},
		{"", Division{}, false},
	}
	for _, tt := range tests {
		got, ok := DivisionByCode(tt.code)
		if got != tt.want || ok != tt.wantExists {
			t.Errorf("DivisionByCode(%q) = %+v, %v; want %+v, %v", tt.code, got, ok, tt.want, tt.wantExists)
		}
	}
}

func TestValidateDivision(t *testing.T) {
	for _, d := range Divisions() {
		if err := ValidateDivision(d.Code); err != nil {
			t.Errorf("ValidateDivision(%q) = %v", d.Code, err)
		}
	}
	for _, code := range []string{"331128", "110000", " 331100", "丽水市", ""} {
		err := ValidateDivision(code)
		if cifp.ErrorCode(err) != cifp.EINVALID {
			t.Fatalf("ValidateDivision(%q) = %v, want EINVALID", code, err)
		}
		fs := cifp.ErrorFields(err)
		if len(fs) != 1 || fs[0].Field != "division" || fs[0].Value != code {
			t.Errorf("ValidateDivision(%q) fields = %+v, want one for division", code, fs)
			continue
		}
		if !strings.Contains(fs[0].Message, "not a known GB/T 2260") || !strings.Contains(err.Error(), code) {
			t.Errorf("ValidateDivision(%q) = %v, want the value and 'not a known GB/T 2260'", code, err)
		}
	}
}

func TestParseDivisionsRejects(t *testing.T) {
	const header = "# comment\ncode,name,name_en,level,parent\n"
	tests := []struct{ name, data, want string }{
		{"empty", "", "header"},
		{"no rows", header, "no rows"},
		{"wrong header", "code,name,level,parent,name_en\n330000,浙江省,Zhejiang,province,\n", "header is"},
		{"missing field", header + "330000,浙江省,Zhejiang,province\n", "wrong number of fields"},
		{"short code", header + "33000,浙江省,Zhejiang,province,\n", "not 6 digits"},
		{"unknown level", header + "330000,浙江省,Zhejiang,state,\n", "unknown level"},
		{"empty name", header + "330000,,Zhejiang,province,\n", "name is empty"},
		{"space", header + "330000,浙江省 ,Zhejiang,province,\n", "white space"},
		{"duplicate", header + "330000,浙江省,Zhejiang,province,\n330000,浙江省,Zhejiang,province,\n", "duplicate"},
		{"missing parent", header + "330000,浙江省,Zhejiang,province,\n331102,莲都区,Liandu,district,331100\n", "not in the table"},
		{"skipped level", header + "330000,浙江省,Zhejiang,province,\n331102,莲都区,Liandu,district,330000\n", "parent 330000 is a province"},
		{"province with parent", header + "330000,浙江省,Zhejiang,province,100000\n", "has parent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDivisions([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseDivisions error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
