package org

import (
	"strings"
	"testing"

	"cifp"
)

func TestIndustriesParse(t *testing.T) {
	tab, err := parseIndustries(industriesCSV)
	if err != nil {
		t.Fatalf("embedded data/industries.csv: %v", err)
	}
	count := map[string]int{}
	for _, in := range tab.list {
		count[in.Level]++
	}
	if count["section"] != 20 || count["division"] != 97 {
		t.Errorf("%d sections and %d divisions, want 20 and 97", count["section"], count["division"])
	}
	if count["group"] == 0 || count["class"] == 0 {
		t.Errorf("%d groups and %d classes, want some of each", count["group"], count["class"])
	}
	if got := len(Industries()); got != len(tab.list) {
		t.Errorf("len(Industries()) = %d, want %d", got, len(tab.list))
	}
}

func TestIndustriesStructure(t *testing.T) {
	levelUp := map[string]string{"division": "section", "group": "division", "class": "group"}
	var sections, divisions []string
	for _, in := range Industries() {
		switch in.Level {
		case "section":
			sections = append(sections, in.Code)
			if in.Parent != "" {
				t.Errorf("section %s has parent %q", in.Code, in.Parent)
			}
			continue
		case "division":
			divisions = append(divisions, in.Code)
		}
		p, ok := IndustryByCode(in.Parent)
		if !ok {
			t.Errorf("%s %s: parent %q not in the table", in.Level, in.Code, in.Parent)
			continue
		}
		if p.Level != levelUp[in.Level] {
			t.Errorf("%s %s: parent %s is a %s, want a %s", in.Level, in.Code, p.Code, p.Level, levelUp[in.Level])
		}
		if in.Level != "division" && !strings.HasPrefix(in.Code, p.Code) {
			t.Errorf("%s %s does not start with its parent's code %s", in.Level, in.Code, p.Code)
		}
		if in.Name == "" || in.NameEN == "" {
			t.Errorf("%s %s: empty name %q or English name %q", in.Level, in.Code, in.Name, in.NameEN)
		}
	}
	if got := strings.Join(sections, ""); got != "ABCDEFGHIJKLMNOPQRST" {
		t.Errorf("sections = %s, want A–T in order", got)
	}
	for i, d := range divisions {
		if want := []byte{byte('0' + (i+1)/10), byte('0' + (i+1)%10)}; d != string(want) {
			t.Fatalf("division %d is %s, want %s: divisions must be 01–97 in order", i+1, d, want)
		}
	}
}

func TestIndustryNames(t *testing.T) {
	tests := []struct{ code, name, parent string }{
		{"C", "制造业", ""},
		{"D", "电力、热力、燃气及水生产和供应业", ""},
		{"18", "纺织服装、服饰业", "C"},
		{"22", "造纸和纸制品业", "C"},
		{"24", "文教、工美、体育和娱乐用品制造业", "C"},
		{"26", "化学原料和化学制品制造业", "C"},
		{"27", "医药制造业", "C"},
		{"30", "非金属矿物制品业", "C"},
		{"33", "金属制品业", "C"},
		{"39", "计算机、通信和其他电子设备制造业", "C"},
		{"44", "电力、热力生产和供应业", "D"},
		{"66", "货币金融服务", "J"},
		{"97", "国际组织", "T"},
		{"301", "水泥、石灰和石膏制造", "30"},
		{"3011", "水泥制造", "301"},
		{"3074", "日用陶瓷制品制造", "307"},
		{"2459", "其他玩具制造", "245"},
		{"2431", "雕塑工艺品制造", "243"},
		{"3324", "刀剪及类似日用金属工具制造", "332"},
		{"3451", "滚动轴承制造", "345"},
		{"4413", "水力发电", "441"},
		{"4415", "风力发电", "441"},
		{"4416", "太阳能发电", "441"},
		{"4417", "生物质能发电", "441"},
		{"6621", "商业银行服务", "662"},
		{"6820", "财产保险", "682"},
		{"7452", "检测服务", "745"},
		{"9225", "经济事务管理机构", "922"},
	}
	for _, tt := range tests {
		in, ok := IndustryByCode(tt.code)
		if !ok || in.Name != tt.name || in.Parent != tt.parent {
			t.Errorf("IndustryByCode(%q) = %+v, %v; want name %q, parent %q", tt.code, in, ok, tt.name, tt.parent)
		}
	}
	if in, ok := IndustryByCode("c"); ok {
		t.Errorf("IndustryByCode(\"c\") = %+v, want not found", in)
	}
}

func TestIndustryDivisionAndSection(t *testing.T) {
	tests := []struct{ code, division, section string }{
		{"30", "30", "C"},
		{"3011", "30", "C"},
		{"3012", "30", "C"}, // not in the table: answered from the code's form
		{"44", "44", "D"},
		{"4416", "44", "D"},
		{"66", "66", "J"},
		{"6621", "66", "J"},
		{"01", "01", "A"},
		{"0142", "01", "A"},
		{"9221", "92", "S"},
		{"97", "97", "T"},
		{"C", "", "C"},
		{"T", "", "T"},
		{"U", "", ""},
		{"c", "", ""},
		{"98", "98", ""}, // no division 98
		{"00", "00", ""},
		{"3", "", ""},
		{"30111", "", ""},
		{"C30", "", ""},
		{"3a", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := IndustryDivision(tt.code); got != tt.division {
			t.Errorf("IndustryDivision(%q) = %q, want %q", tt.code, got, tt.division)
		}
		if got := IndustrySection(tt.code); got != tt.section {
			t.Errorf("IndustrySection(%q) = %q, want %q", tt.code, got, tt.section)
		}
	}
	// Every entry's section agrees with the table's own parent chain.
	for _, in := range Industries() {
		s := in
		for s.Level != "section" {
			s, _ = IndustryByCode(s.Parent)
		}
		if got := IndustrySection(in.Code); got != s.Code {
			t.Errorf("IndustrySection(%q) = %q, want %q", in.Code, got, s.Code)
		}
	}
}

func TestValidateIndustry(t *testing.T) {
	for _, code := range []string{"C", "30", "301", "3011", "4416", "9221"} {
		if err := ValidateIndustry(code); err != nil {
			t.Errorf("ValidateIndustry(%q) = %v", code, err)
		}
	}
	for _, code := range []string{"", "c", "U", "98", "3019", "C3011", " 3011", "30111"} {
		err := ValidateIndustry(code)
		if cifp.ErrorCode(err) != cifp.EINVALID {
			t.Fatalf("ValidateIndustry(%q) = %v, want EINVALID", code, err)
		}
		fs := cifp.ErrorFields(err)
		if len(fs) != 1 || fs[0].Field != "industry" || fs[0].Value != code || !strings.Contains(fs[0].Message, "GB/T 4754-2017") {
			t.Errorf("ValidateIndustry(%q) fields = %+v, want one for industry naming GB/T 4754-2017", code, fs)
		}
	}
}

func TestParseIndustriesRejects(t *testing.T) {
	const header = "code,name,name_en,level,parent\n"
	const c = "C,制造业,Manufacturing,section,\n"
	const d30 = "30,非金属矿物制品业,Non-metallic,division,C\n"
	tests := []struct{ name, data, want string }{
		{"level does not fit code", header + "C,制造业,Manufacturing,division,\n", "does not fit"},
		{"section U", header + "U,其他,Other,section,\n", "A–T"},
		{"section with parent", header + "C,制造业,Manufacturing,section,A\n", "has parent"},
		{"letters in class", header + c + d30 + "30A,水泥,Cement,group,30\n", "not 3 digits"},
		{"group parent not prefix", header + c + d30 + "311,水泥,Cement,group,30\n", `want "31"`},
		{"missing parent", header + c + "301,水泥,Cement,group,30\n", "not in the table"},
		{"division parent not section", header + c + d30 + "31,黑色,Ferrous,division,30\n", "parent 30 is a division"},
		{"duplicate", header + c + c, "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseIndustries([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseIndustries error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
