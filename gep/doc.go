// Package gep is the pure calculation core of one-click GEP accounting
// (生态系统生产总值核算 / 生态产品总值核算): parameter profiles, the accounting
// identity, validation, a magnitude guard, gridded soil retention and water
// conservation from GeoTIFF rasters, and a demo input set for Lishui (丽水).
// It does no I/O beyond decoding the readers it is given, and keeps no state:
// storage, pages and commands are built on top of it.
//
// Terms:
//
//   - GEP (生态系统生产总值, gross ecosystem product) = provisioning (物质产品,
//     EMV) + regulating (调节服务, ERV) + cultural (文化服务, ECV) services of a
//     region (行政区, GB/T 2260 code) in one accounting year (核算年份),
//     optionally less the value of products from outside the region
//     (区域外来产品, GB/T 46869-2025).
//   - indicator (核算指标): one service, e.g. water conservation (水源涵养).
//     Each is computed as a physical quantity first (实物量) and then a value
//     (价值量): 先实物量，后价值量.
//   - ecosystem type (生态系统类型): forest 森林, shrub 灌丛, grassland 草地,
//     wetland 湿地 (rivers, lakes, reservoirs, marshes), farmland 农田, urban
//     城镇, bare 裸地, glacier 冰川积雪.
//   - profile (核算参数方案): which indicators count under a standard, and every
//     coefficient and unit price with unit, source, price year and the price
//     index that moves it to the accounting year. Profiles are data
//     (data/profile-*.json); an ID names the version and the content hash.
//   - unit price (单价) and price year (价格基准年); price index (价格指数):
//     value_year = price × index(year) / index(price year).
//   - modelled quantity: a physical quantity computed outside Account (from
//     rasters by ZoneTotals, from RWEQ, from a published report) that takes
//     the place of the formula for that indicator.
//
// Money is in 元 throughout (multiply by Wan or Yi to enter 万元 or 亿元 figures,
// divide to show them); volumes in m³, masses in t, energy in kWh, areas in km²
// unless a field says hm² or m².
//
// Facts carry a confidence as in the research note they come from:
// C = confirmed in a source, R = recollection to be verified, D = a design
// decision of this package, U = unknown (the value is missing on purpose).
package gep
