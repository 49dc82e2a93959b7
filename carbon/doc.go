// Package carbon keeps enterprise carbon accounts (企业碳账户) and the
// carbon-efficiency code (碳效码).
//
// Terms:
//
//   - factor set (排放因子库): a versioned set of emission factors — fuel
//     parameters (低位发热量 NCV × 单位热值含碳量 × 碳氧化率 × 44/12), electricity
//     factors (电力排放因子) by kind and data year, purchased heat, standard-coal
//     conversions (折标系数) — each with unit, source, year and confidence.
//   - activity data (活动数据): an enterprise's energy use by item per month (or
//     year), self-generated zero-carbon electricity (自发自用可再生电力), exported
//     electricity and heat (输出电力、热力), and economic output: industrial value
//     added (工业增加值) and output value (工业总产值), in 万元.
//   - Scope 1 (直接排放): fuel combustion; Scope 2 (间接排放): purchased
//     electricity and heat, minus exported electricity and heat.
//   - carbon intensity L (单位增加值碳排放, tCO2/万元) = E / VA, where E is Scope 1
//   - Scope 2 less the CO2 avoided by self-generated zero-carbon power.
//   - level (碳效水平): 低碳 / 中碳 / 高碳 by L across all industry.
//   - grade (碳效等级) 1–5 by K = L / L_industry, the industry benchmark being the
//     industry's total E over its total VA in the same year (a weighted mean)
//     unless an administrator configures a published one.
//   - data quality (数据质量): metered (计量, from a utility feed), reported (填报),
//     estimated (估算); and verified (已核查) or not.
//
// The calculations are pure functions over plain values (Compute, Grade, …);
// the Service stores activity data and results and runs the MRV workflow.
// It learns enterprises through org.Service; its list queries join the orgs
// table read-only for names, so that a page of 100,000 accounts is one query.
package carbon
