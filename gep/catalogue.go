package gep

import (
	_ "embed"
	"fmt"
	"sync"

	"cifp/internal/datafile"
)

// Money and size multipliers: enter 12.29 亿元 as 12.29 * Yi, show v / Yi.
const (
	Wan = 1e4 // 万 (ten thousand)
	Yi  = 1e8 // 亿 (hundred million)
)

// Ecosystem is an ecosystem type (生态系统类型). The zero value "" stands for
// "not attributed to one type" in result lines (e.g. water supply).
type Ecosystem string

// The ecosystem types of the CAS method (GANZI Table 1). Zhejiang maps the
// third land survey (三调) to forest, wetland, farmland and urban only.
const (
	Forest    Ecosystem = "forest"    // 森林
	Shrub     Ecosystem = "shrub"     // 灌丛
	Grassland Ecosystem = "grassland" // 草地
	Wetland   Ecosystem = "wetland"   // 湿地 (河流、湖泊、水库、沼泽)
	Farmland  Ecosystem = "farmland"  // 农田
	Urban     Ecosystem = "urban"     // 城镇
	Bare      Ecosystem = "bare"      // 裸地
	Glacier   Ecosystem = "glacier"   // 冰川积雪
)

// NumClasses is one more than the largest land-cover class number of an
// ecosystem type (see Class).
const NumClasses = 9

var ecosystemNames = [NumClasses]struct {
	eco  Ecosystem
	name string
}{{"", "未划分"}, {Forest, "森林"}, {Shrub, "灌丛"}, {Grassland, "草地"}, {Wetland, "湿地"},
	{Farmland, "农田"}, {Urban, "城镇"}, {Bare, "裸地"}, {Glacier, "冰川积雪"}}

// Ecosystems returns the ecosystem types in class order.
func Ecosystems() []Ecosystem {
	out := make([]Ecosystem, 0, NumClasses-1)
	for _, e := range ecosystemNames[1:] {
		out = append(out, e.eco)
	}
	return out
}

// Class returns the land-cover class number of the type in class rasters:
// 1 forest, 2 shrub, 3 grassland, 4 wetland, 5 farmland, 6 urban, 7 bare,
// 8 glacier; 0 for an unknown type (and for "", outside any type).
func (e Ecosystem) Class() uint8 {
	for i, n := range ecosystemNames {
		if n.eco == e && e != "" {
			return uint8(i)
		}
	}
	return 0
}

// EcosystemOfClass returns the type of a class number, "" when it is none.
func EcosystemOfClass(c uint8) Ecosystem {
	if int(c) < NumClasses {
		return ecosystemNames[c].eco
	}
	return ""
}

// NameZH returns the Chinese name of the type.
func (e Ecosystem) NameZH() string { return ecosystemNames[e.Class()].name }

// Valid reports whether e is one of the ecosystem types.
func (e Ecosystem) Valid() bool { return e.Class() != 0 }

// Category is a service category (服务类别).
type Category string

// The three categories of GEP, and the out-of-region deduction.
const (
	Provisioning Category = "provisioning" // 物质产品 EMV
	Regulating   Category = "regulating"   // 调节服务 ERV
	Cultural     Category = "cultural"     // 文化服务 ECV
	Deduction    Category = "deduction"    // 区域外来产品扣减 (GB/T 46869-2025)
)

// Indicator is the code of a GEP indicator (核算指标), e.g. "soil_retention".
type Indicator string

// The indicators Account knows (data/indicators.csv).
const (
	Agriculture         Indicator = "agriculture"          // 农业产品
	ForestryProducts    Indicator = "forestry"             // 林业产品
	Husbandry           Indicator = "husbandry"            // 畜牧业产品
	Fishery             Indicator = "fishery"              // 渔业产品
	WaterSupply         Indicator = "water_supply"         // 水资源
	Hydropower          Indicator = "hydropower"           // 生态能源（水电）
	WaterConservation   Indicator = "water_conservation"   // 水源涵养
	SoilRetention       Indicator = "soil_retention"       // 土壤保持
	SandFixation        Indicator = "sand_fixation"        // 防风固沙
	FloodRegulation     Indicator = "flood_regulation"     // 洪水调蓄
	AirPurification     Indicator = "air_purification"     // 空气净化
	WaterPurification   Indicator = "water_purification"   // 水质净化
	CarbonSequestration Indicator = "carbon_sequestration" // 固碳
	OxygenRelease       Indicator = "oxygen_release"       // 释氧
	ClimateRegulation   Indicator = "climate_regulation"   // 气候调节
	NegativeIons        Indicator = "negative_ions"        // 负氧离子
	PestControl         Indicator = "pest_control"         // 病虫害控制
	Recreation          Indicator = "recreation"           // 休闲旅游
	Landscape           Indicator = "landscape"            // 景观价值
)

// IndicatorInfo describes an indicator of the catalogue.
type IndicatorInfo struct {
	Code     Indicator
	Category Category
	NameZH   string
	NameEN   string
	Method   string // valuation method (价值核算方法)
	Source   string
}

//go:embed data/indicators.csv
var indicatorsCSV []byte

var catalogue = sync.OnceValues(func() ([]IndicatorInfo, error) {
	rows, err := datafile.Read(indicatorsCSV)
	if err != nil {
		return nil, fmt.Errorf("gep: indicators.csv: %w", err)
	}
	var out []IndicatorInfo
	for _, r := range rows {
		c := Category(r["category"])
		if c != Provisioning && c != Regulating && c != Cultural {
			return nil, fmt.Errorf("gep: indicators.csv: %s: unknown category %q", r["code"], c)
		}
		out = append(out, IndicatorInfo{Indicator(r["code"]), c, r["name_zh"], r["name_en"], r["method"], r["source"]})
	}
	return out, nil
})

// Indicators returns the indicator catalogue in accounting order. It panics
// if the embedded catalogue is malformed, which a test catches.
func Indicators() []IndicatorInfo {
	c, err := catalogue()
	if err != nil {
		panic(err)
	}
	return append([]IndicatorInfo(nil), c...)
}

// Info returns the catalogue entry of an indicator.
func (ind Indicator) Info() (IndicatorInfo, bool) {
	for _, i := range Indicators() {
		if i.Code == ind {
			return i, true
		}
	}
	return IndicatorInfo{}, false
}
