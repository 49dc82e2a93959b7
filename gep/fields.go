package gep

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"cifp"
)

// Field is one figure of an input set as a form or the .xlsx template shows
// it: Code is its path in the JSON of Inputs (e.g.
// "ecosystems.forest.area_km2"), or "gdp" for the input set's GDP, or
// "omit.INDICATOR" for the reason an indicator is left out (a text). A
// figure is entered in Unit; Inputs holds it times Scale (亿元 → 元).
type Field struct {
	Code   string  `json:"code"`
	NameZH string  `json:"name_zh"`
	NameEN string  `json:"name_en"`
	Unit   string  `json:"unit"`
	Scale  float64 `json:"scale"`
	Main   bool    `json:"main"` // on the page form (主要数据)
	Text   bool    `json:"text,omitempty"`
}

type leaf struct {
	zh, en, unit string
	scale        float64
	main         bool
}

// ecoLeaves are the figures of each ecosystem type, in template order.
var ecoLeaves = []struct {
	code string
	leaf
}{
	{"area_km2", leaf{"面积", "area", "km²", 1, true}},
	{"precip_mm", leaf{"降水量（0 = 区域值）", "precipitation (0 = the region's)", "mm/a", 1, false}},
	{"et_mm", leaf{"实际蒸散发", "actual evapotranspiration", "mm/a", 1, false}},
	{"soil.r", leaf{"降雨侵蚀力 R", "rainfall erosivity R", "MJ·mm·hm⁻²·h⁻¹·a⁻¹", 1, false}},
	{"soil.k", leaf{"土壤可蚀性 K", "soil erodibility K", "t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹", 1, false}},
	{"soil.ls", leaf{"坡长坡度因子 LS", "slope length and steepness LS", "1", 1, false}},
	{"soil.c", leaf{"植被覆盖与管理因子 C", "cover-management C", "0–1", 1, false}},
	{"soil.p", leaf{"水土保持措施因子 P", "support practice P", "0–1", 1, false}},
	{"carbon_rate", leaf{"净固碳速率", "net carbon sequestration rate", "t C/(hm²·a)", 1, false}},
	{"transpiration_heat", leaf{"蒸腾消耗热量", "transpiration heat", "kJ/(m²·d)", 1, false}},
	{"ion_conc", leaf{"负氧离子浓度", "negative-ion concentration", "个/cm³", 1, false}},
	{"pest_area_hm2", leaf{"病虫害自愈面积", "self-healing area against pests", "hm²", 1, false}},
}

// regionLeaves are the region-wide figures, in template order.
var regionLeaves = []struct {
	code string
	leaf
}{
	{"area_km2", leaf{"土地面积", "land area", "km²", 1, true}},
	{"precip_mm", leaf{"年均降水量", "mean annual precipitation", "mm/a", 1, true}},
	{"gdp", leaf{"地区生产总值 GDP", "GDP", "亿元", Yi, true}},
	{"products.agriculture.gross", leaf{"农业总产值", "agriculture, gross output", "亿元", Yi, true}},
	{"products.agriculture.net", leaf{"农业增加值", "agriculture, value added", "亿元", Yi, false}},
	{"products.forestry.gross", leaf{"林业总产值", "forestry, gross output", "亿元", Yi, true}},
	{"products.forestry.net", leaf{"林业增加值", "forestry, value added", "亿元", Yi, false}},
	{"products.husbandry.gross", leaf{"牧业总产值", "husbandry, gross output", "亿元", Yi, true}},
	{"products.husbandry.net", leaf{"牧业增加值", "husbandry, value added", "亿元", Yi, false}},
	{"products.fishery.gross", leaf{"渔业总产值", "fishery, gross output", "亿元", Yi, true}},
	{"products.fishery.net", leaf{"渔业增加值", "fishery, value added", "亿元", Yi, false}},
	{"products.water_domestic", leaf{"生活用水量", "domestic water use", "亿 m³", Yi, true}},
	{"products.water_industrial", leaf{"工业用水量", "industrial water use", "亿 m³", Yi, true}},
	{"products.water_agricultural", leaf{"农业用水量", "agricultural water use", "亿 m³", Yi, true}},
	{"products.hydropower_kwh", leaf{"水力发电量", "hydropower generation", "亿 kWh", Yi, true}},
	{"flood.lake_area_km2", leaf{"湖泊面积", "lake area", "km²", 1, false}},
	{"flood.lake_exchanges", leaf{"湖泊换水次数", "lake water exchanges", "次/a", 1, false}},
	{"flood.reservoir_capacity", leaf{"水库总库容", "reservoir capacity", "亿 m³", Yi, true}},
	{"flood.marsh_area_km2", leaf{"沼泽面积", "marsh area", "km²", 1, false}},
	{"air.so2", leaf{"二氧化硫排放量", "SO2 emissions", "t/a", 1, false}},
	{"air.nox", leaf{"氮氧化物排放量", "NOx emissions", "t/a", 1, false}},
	{"air.dust", leaf{"颗粒物排放量", "dust emissions", "t/a", 1, false}},
	{"water.cod", leaf{"化学需氧量排放量", "COD discharge", "t/a", 1, false}},
	{"water.nh3n", leaf{"氨氮排放量", "NH3-N discharge", "t/a", 1, false}},
	{"water.tp", leaf{"总磷排放量", "total phosphorus discharge", "t/a", 1, false}},
	{"climate.hot_days", leaf{"日均气温 >26 ℃ 天数", "hot days (daily mean > 26 °C)", "d", 1, false}},
	{"climate.water_evaporation", leaf{"高温期水面蒸发量", "water-surface evaporation on hot days", "万 m³", Wan, false}},
	{"recreation.visits", leaf{"游客人次", "tourist visits", "万人次", Wan, true}},
	{"recreation.travel_cost", leaf{"旅行费用总额", "total travel cost", "亿元", Yi, true}},
	{"landscape_value", leaf{"景观价值", "landscape value", "亿元", Yi, false}},
	{"imported_value", leaf{"区域外来生态产品价值", "value of products from outside the region", "亿元", Yi, false}},
}

// templateEcosystems are the ecosystem types of the template and form.
var templateEcosystems = []Ecosystem{Forest, Shrub, Grassland, Wetland, Farmland, Urban, Bare}

// Fields returns every figure of an input set in template order: the
// region-wide figures with the GDP, the figures of each ecosystem type,
// then an omission reason per indicator. The region code, name and year
// are not fields: they name the set.
func Fields() []Field {
	var out []Field
	for _, l := range regionLeaves {
		out = append(out, Field{Code: l.code, NameZH: l.zh, NameEN: l.en, Unit: l.unit, Scale: l.scale, Main: l.main})
	}
	for _, e := range templateEcosystems {
		for _, l := range ecoLeaves {
			out = append(out, Field{Code: "ecosystems." + string(e) + "." + l.code, NameZH: e.NameZH() + "：" + l.zh,
				NameEN: string(e) + ": " + l.en, Unit: l.unit, Scale: l.scale, Main: l.main})
		}
	}
	for _, info := range Indicators() {
		out = append(out, Field{Code: "omit." + string(info.Code), NameZH: "不核算" + info.NameZH + "的理由", NameEN: "reason to leave out " + info.NameEN,
			Unit: "文字", Scale: 1, Text: true})
	}
	return out
}

// FieldByCode returns the field with the code.
func FieldByCode(code string) (Field, bool) {
	for _, f := range Fields() {
		if f.Code == code {
			return f, true
		}
	}
	return Field{}, false
}

// Figures returns the input set's figures by field code, in each field's
// unit (divided by Scale), and the omission reasons by "omit.X" code.
func (set InputSet) Figures() (map[string]float64, map[string]string) {
	raw, _ := json.Marshal(set.Inputs)
	var tree map[string]any
	json.Unmarshal(raw, &tree)
	nums, texts := map[string]float64{}, map[string]string{}
	for _, f := range Fields() {
		if f.Text {
			if why, ok := set.Inputs.Omit[Indicator(strings.TrimPrefix(f.Code, "omit."))]; ok {
				texts[f.Code] = why
			}
			continue
		}
		var v float64
		if f.Code == "gdp" {
			v = set.GDP
		} else if x, ok := lookup(tree, f.Code).(float64); ok {
			v = x
		}
		nums[f.Code] = v / f.Scale
	}
	return nums, texts
}

func lookup(tree map[string]any, path string) any {
	var cur any = tree
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func put(tree map[string]any, path string, v any) {
	ks := strings.Split(path, ".")
	cur := tree
	for _, k := range ks[:len(ks)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[k] = next
		}
		cur = next
	}
	cur[ks[len(ks)-1]] = v
}

// WithFigures returns the input set with the figures given (by field code,
// in each field's unit) and the omission reasons given ("" removes one)
// replacing its own; the other figures and the modelled quantities are
// kept. An ecosystem type whose figures are all zero is dropped. It fails
// with EINVALID naming an unknown code or a value that is not finite.
func (set InputSet) WithFigures(nums map[string]float64, texts map[string]string) (InputSet, error) {
	var fs []cifp.FieldError
	raw, _ := json.Marshal(set.Inputs)
	var tree map[string]any
	json.Unmarshal(raw, &tree)
	for code, v := range nums {
		f, ok := FieldByCode(code)
		switch {
		case !ok || f.Text:
			fs = append(fs, cifp.FieldError{Field: code, Message: "is not a figure of the GEP inputs"})
		case math.IsNaN(v) || math.IsInf(v, 0):
			fs = append(fs, cifp.FieldError{Field: code, Value: fmt.Sprint(v), Message: "is not a finite number"})
		case code == "gdp":
			set.GDP = v * f.Scale
		default:
			put(tree, code, v*f.Scale)
		}
	}
	if err := cifp.Invalid("gep: bad figures", fs...); err != nil {
		return set, err
	}
	var in Inputs
	b, _ := json.Marshal(tree)
	if err := json.Unmarshal(b, &in); err != nil {
		return set, cifp.Errorf(cifp.EINVALID, "gep: figures: %v", err)
	}
	for e, x := range in.Ecosystems {
		if x == (EcoInputs{}) {
			delete(in.Ecosystems, e)
		}
	}
	for code, why := range texts {
		ind := Indicator(strings.TrimPrefix(code, "omit."))
		if _, ok := ind.Info(); !ok || !strings.HasPrefix(code, "omit.") {
			return set, cifp.Invalid("gep: bad figures", cifp.FieldError{Field: code, Message: "is not an indicator's omission reason"})
		}
		if in.Omit == nil {
			in.Omit = map[Indicator]string{}
		}
		if why = strings.TrimSpace(why); why == "" {
			delete(in.Omit, ind)
		} else {
			in.Omit[ind] = why
		}
	}
	if len(in.Omit) == 0 {
		in.Omit = nil
	}
	set.Inputs = in
	return set, nil
}

// parseFigure reads a number as a person writes it: "1,234.5", " 12 ".
func parseFigure(s string) (float64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, nil
	}
	return strconv.ParseFloat(s, 64)
}
