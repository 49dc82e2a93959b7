package carbon

import (
	"fmt"
	"sort"
	"strings"

	"cifp"
)

// Items of activity data besides the fuel codes of the factor set.
const (
	ItemElectricity         = "electricity"                // purchased electricity (外购电力), MWh
	ItemHeat                = "heat"                       // purchased heat (外购热力), GJ
	ItemSelfRenewable       = "self_renewable_electricity" // self-generated zero-carbon electricity used (自发自用可再生电力), MWh
	ItemExportedElectricity = "exported_electricity"       // 输出电力, MWh
	ItemExportedHeat        = "exported_heat"              // 输出热力, GJ
	ItemValueAdded          = "value_added"                // 工业增加值, 万元
	ItemOutputValue         = "output_value"               // 工业总产值, 万元
)

// itemDims maps the non-fuel items to their unit dimension and canonical unit.
var itemDims = map[string][2]string{
	ItemElectricity:         {"energy_e", "MWh"},
	ItemSelfRenewable:       {"energy_e", "MWh"},
	ItemExportedElectricity: {"energy_e", "MWh"},
	ItemHeat:                {"heat", "GJ"},
	ItemExportedHeat:        {"heat", "GJ"},
	ItemValueAdded:          {"money", "万元"},
	ItemOutputValue:         {"money", "万元"},
}

// ItemUnit returns an item's unit dimension and canonical unit, and whether
// the item is known (a fuel of the set, or one of the Item constants).
func (fs *FactorSet) ItemUnit(item string) (dim, canonical string, ok bool) {
	if d, ok := itemDims[item]; ok {
		return d[0], d[1], true
	}
	if f, ok := fs.Fuels[item]; ok {
		if f.Unit == "t" {
			return "mass", "t", true
		}
		return "volume", "10^4 Nm3", true
	}
	return "", "", false
}

// Items returns every item code the set accepts, fuels first, sorted.
func (fs *FactorSet) Items() []string {
	var fuels []string
	for c := range fs.Fuels {
		fuels = append(fuels, c)
	}
	sort.Strings(fuels)
	return append(fuels, ItemElectricity, ItemHeat, ItemSelfRenewable, ItemExportedElectricity, ItemExportedHeat,
		ItemValueAdded, ItemOutputValue)
}

// Units returns the units accepted for an item.
func (fs *FactorSet) Units(item string) []string {
	dim, _, ok := fs.ItemUnit(item)
	if !ok {
		return nil
	}
	var us []string
	for u := range fs.UnitTable[dim] {
		us = append(us, u)
	}
	sort.Strings(us)
	return us
}

// Convert returns quantity, given in unit, in the item's canonical unit. An
// unknown item is an EINVALID error on field "item", a unit the item does not
// take one on field "unit".
func (fs *FactorSet) Convert(item string, quantity float64, unit string) (float64, error) {
	dim, canonical, ok := fs.ItemUnit(item)
	if !ok {
		return 0, cifp.Invalid("unknown item", cifp.FieldError{Field: "item", Value: item,
			Message: "is not a fuel of the factor set nor one of electricity, heat, self_renewable_electricity, exported_electricity, exported_heat, value_added, output_value"})
	}
	f, ok := fs.UnitTable[dim][strings.ToLower(strings.TrimSpace(unit))]
	if !ok {
		return 0, cifp.Invalid("unknown unit", cifp.FieldError{Field: "unit", Value: unit,
			Message: fmt.Sprintf("is not a unit of %s (use %s, or one of: %s)", item, canonical, strings.Join(fs.Units(item), ", "))})
	}
	return quantity * f, nil
}

var itemNames = map[string]string{ItemElectricity: "外购电力", ItemHeat: "外购热力", ItemSelfRenewable: "自发自用可再生电力",
	ItemExportedElectricity: "输出电力", ItemExportedHeat: "输出热力", ItemValueAdded: "工业增加值", ItemOutputValue: "工业总产值"}

// ItemName returns an item's Chinese name, or the code for an unknown item.
func (fs *FactorSet) ItemName(item string) string {
	if f, ok := fs.Fuels[item]; ok {
		return f.NameZH
	}
	if n, ok := itemNames[item]; ok {
		return n
	}
	return item
}
