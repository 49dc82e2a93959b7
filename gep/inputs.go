package gep

// Inputs are the data of one region (行政区) for one accounting year. Zero
// values mean "none" (no lakes, no emissions…); an indicator the profile
// counts but the inputs cannot feed is an error unless Omit names it.
type Inputs struct {
	Region  string  `json:"region"` // GB/T 2260 code: 6 digits (county and above), 9 or 12 below
	Name    string  `json:"name"`
	Year    int     `json:"year"`     // accounting year (核算年份)
	AreaKm2 float64 `json:"area_km2"` // total land area of the region, km²
	Source  string  `json:"source,omitempty"`
	// PrecipMM is the mean annual precipitation (降水量), mm/a, used for
	// ecosystem types whose own PrecipMM is 0.
	PrecipMM float64 `json:"precip_mm"`
	// Ecosystems holds the area and per-type drivers of each ecosystem type.
	// The areas must add up to AreaKm2 (see AreaTolerance).
	Ecosystems map[Ecosystem]EcoInputs `json:"ecosystems"`

	Products   Products       `json:"products"`
	Flood      Flood          `json:"flood"`
	Air        AirEmissions   `json:"air"`
	Water      WaterEmissions `json:"water"`
	Climate    Climate        `json:"climate"`
	Recreation RecreationData `json:"recreation"`
	// LandscapeValue is the landscape premium (景观价值) from a hedonic study, 元.
	LandscapeValue float64 `json:"landscape_value"`
	// ImportedValue is the value of ecosystem products from outside the region
	// (区域外来生态产品价值), 元; subtracted when the profile says so.
	ImportedValue float64 `json:"imported_value"`

	// Modelled replaces the formula of an indicator (and component) by
	// physical quantities computed elsewhere: ZoneTotals over rasters, RWEQ
	// for sand fixation, a published report. See QuantityUnit for the units.
	Modelled []Quantity `json:"modelled,omitempty"`
	// Omit leaves indicators out on purpose, with the reason, which the
	// result's warnings repeat.
	Omit map[Indicator]string `json:"omit,omitempty"`
}

// EcoInputs are the area and the drivers of one ecosystem type in a region.
type EcoInputs struct {
	AreaKm2  float64 `json:"area_km2"`  // km²
	PrecipMM float64 `json:"precip_mm"` // mean annual precipitation, mm/a; 0 = the region's
	ETMM     float64 `json:"et_mm"`     // actual evapotranspiration (蒸散发), mm/a
	// Soil holds area-mean RUSLE factors. Prefer ZoneTotals over rasters: the
	// mean of a product is not the product of the means.
	Soil RUSLE `json:"soil"`
	// CarbonRate is net carbon sequestration (净固碳速率, from NEP or stock
	// change), t C per hm² per year; forest is scaled by 1+β for soil carbon.
	CarbonRate float64 `json:"carbon_rate"`
	// TranspirationHeat is the heat consumed by transpiration (蒸腾消耗热量),
	// kJ per m² per day, on the hot days of Climate.HotDays.
	TranspirationHeat float64 `json:"transpiration_heat"`
	// IonConc is the mean negative-oxygen-ion concentration (负氧离子浓度),
	// ions per cm³.
	IonConc float64 `json:"ion_conc"`
	// PestAreaHm2 is the area that controls pests by itself (病虫害自愈面积), hm².
	PestAreaHm2 float64 `json:"pest_area_hm2"`
}

// RUSLE are the factors of the revised universal soil loss equation
// (修正通用土壤流失方程): soil retention = R·K·LS·(1 − C·P), t per hm² per year.
type RUSLE struct {
	R  float64 `json:"r"`  // rainfall erosivity, MJ·mm·hm⁻²·h⁻¹·a⁻¹
	K  float64 `json:"k"`  // soil erodibility, t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹
	LS float64 `json:"ls"` // slope length and steepness, dimensionless
	C  float64 `json:"c"`  // cover-management factor, 0–1
	P  float64 `json:"p"`  // support-practice factor, 0–1
}

// Products are the provisioning statistics (物质产品统计).
type Products struct {
	Agriculture Output `json:"agriculture"` // 农业
	Forestry    Output `json:"forestry"`    // 林业
	Husbandry   Output `json:"husbandry"`   // 牧业
	Fishery     Output `json:"fishery"`     // 渔业
	// Water use from the water resources bulletin (水资源公报), m³/a.
	WaterDomestic     float64 `json:"water_domestic"`
	WaterIndustrial   float64 `json:"water_industrial"`
	WaterAgricultural float64 `json:"water_agricultural"`
	HydropowerKWh     float64 `json:"hydropower_kwh"` // hydro generation (水力发电量), kWh/a
}

// Output is an output value from the statistical yearbook, 元: gross (总产值)
// and net (净产值 or value added); the profile picks one.
type Output struct {
	Gross float64 `json:"gross"`
	Net   float64 `json:"net"`
}

// Flood are the water bodies of flood regulation (洪水调蓄).
type Flood struct {
	LakeAreaKm2 float64 `json:"lake_area_km2"` // lake area, km²
	// LakeExchanges is the number of water exchanges (换水次数) T per year.
	LakeExchanges float64 `json:"lake_exchanges"`
	// ReservoirCapacity is the total storage capacity (总库容) of the region's
	// reservoirs from the register, m³.
	ReservoirCapacity float64 `json:"reservoir_capacity"`
	MarshAreaKm2      float64 `json:"marsh_area_km2"` // marsh (沼泽) area, km²
}

// AirEmissions are the region's emissions of air pollutants, t/a.
type AirEmissions struct {
	SO2  float64 `json:"so2"`
	NOx  float64 `json:"nox"`
	Dust float64 `json:"dust"` // 粉尘 / 颗粒物
}

// WaterEmissions are the region's discharges of water pollutants, t/a.
type WaterEmissions struct {
	COD  float64 `json:"cod"`
	NH3N float64 `json:"nh3n"`
	TP   float64 `json:"tp"`
}

// Climate are the region-wide drivers of climate regulation (气候调节).
type Climate struct {
	// HotDays is the number of days the air conditioner would run (d), e.g.
	// days with a daily mean above 26 °C in Zhejiang practice [R].
	HotDays float64 `json:"hot_days"`
	// WaterEvaporation is the evaporation from water surfaces (水面蒸发量)
	// over the same days, m³.
	WaterEvaporation float64 `json:"water_evaporation"`
}

// RecreationData are the tourism statistics of recreation (休闲旅游).
type RecreationData struct {
	Visits float64 `json:"visits"` // tourist visits (游客人次), person-times
	// TravelCost is the total travel cost by the travel-cost method (旅行费用法),
	// 元; when 0 it is Visits × the profile's price.recreation.
	TravelCost float64 `json:"travel_cost"`
}

// Quantity is a physical quantity computed outside Account. Ecosystem may be
// "" for a region-wide figure.
type Quantity struct {
	Indicator Indicator `json:"indicator"`
	Component string    `json:"component,omitempty"`
	Ecosystem Ecosystem `json:"ecosystem,omitempty"`
	Value     float64   `json:"value"` // in QuantityUnit(Indicator, Component)
	Source    string    `json:"source,omitempty"`
}

// modelledUnits lists what may be modelled and in which unit.
var modelledUnits = map[Indicator]map[string]string{
	WaterConservation:   {"": "m³"},
	SoilRetention:       {"": "t"},
	SandFixation:        {"": "t"},
	FloodRegulation:     {"lake": "m³", "reservoir": "m³", "marsh": "m³"},
	CarbonSequestration: {"": "t CO2"},
	OxygenRelease:       {"": "t O2"},
	ClimateRegulation:   {"vegetation": "kWh", "water_surface": "kWh"},
	NegativeIons:        {"": "10^18 ions"},
}

// QuantityUnit returns the unit of a modelled quantity of the indicator and
// component, and false when that quantity cannot be modelled (it is an input
// of Inputs instead).
func QuantityUnit(ind Indicator, component string) (string, bool) {
	u, ok := modelledUnits[ind][component]
	return u, ok
}
