// Package org holds the organisations of the Lishui climate-finance platform
// and the reference data that identifies and classifies them.
//
// Terms:
//
//   - Organisation (组织机构): any body that holds an account on the platform:
//     an enterprise, a financial institution, a government agency or a
//     verifier. Each is identified by its USCC.
//   - Enterprise (企业): a company that reports energy and emissions, applies
//     for green or climate finance and is graded for carbon efficiency.
//   - Financial institution (金融机构): a bank (银行) that lends, or an
//     insurer (保险公司) that underwrites, against climate criteria, and that
//     discloses its financed emissions.
//   - Government agency (政府部门): a department of the city or a county
//     government that sets policy, reviews projects and reads the dashboards.
//   - Verifier (第三方核查机构): an independent third party that checks
//     emission reports and project claims.
//   - USCC (统一社会信用代码, unified social credit code): the 18-character
//     identifier of GB 32100-2015 that every registered body in China has;
//     see ValidateUSCC.
//   - Administrative division (行政区划): a GB/T 2260 area with a 6-digit code,
//     such as 丽水市 (331100) and its nine county-level divisions; see
//     Divisions.
//   - Industry (国民经济行业分类): the GB/T 4754-2017 classification of
//     economic activities into sections (门类), divisions (大类), groups (中类)
//     and classes (小类); see Industries.
//
// The reference data is embedded in the binary (data/*.csv) and parsed once
// on first use. The functions in uscc.go, divisions.go and industries.go are
// pure: they need no database.
package org
