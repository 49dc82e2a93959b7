package web

import (
	"net/http"
	"strings"

	"cifp"
	"cifp/audit"
	"cifp/auth"
	"cifp/carbon"
	"cifp/cockpit"
	"cifp/finance"
	"cifp/gep"
	"cifp/org"
	"cifp/project"
)

var (
	cityWide = roles(cifp.RoleAdmin, cifp.RoleRegulator)
	adminAPI = roles(cifp.RoleAdmin)
)

// registerRoutes is the one table of every route: pages, the JSON API and
// the operational endpoints.
func (s *Server) registerRoutes() {
	// Operations and assets.
	s.handle("GET /healthz", public, APIDoc{Tag: "operations", Summary: "Liveness and database check", Response: map[string]any{"status": "ok"}}, s.healthz)
	s.handle("GET /metrics", public, APIDoc{Tag: "operations", Summary: "Prometheus metrics", Produces: "text/plain"}, s.metricsHandler().ServeHTTP)
	s.handle("GET /api/v1/openapi.json", public, APIDoc{Tag: "operations", Summary: "This OpenAPI 3 document"}, s.openapi)
	s.handle("GET /static/", public, APIDoc{}, s.serveStatic)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, cifp.Errorf(cifp.ENOTFOUND, "no such endpoint: %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path))
	})

	// Pages.
	s.handle("GET /login", public, APIDoc{}, s.loginPage)
	s.handle("POST /login", public, APIDoc{}, s.loginSubmit)
	s.handle("POST /logout", loggedIn, APIDoc{}, s.logout)
	s.handle("GET /lang/{lang}", public, APIDoc{}, s.setLang)
	s.handle("GET /{$}", loggedIn, APIDoc{}, s.homePage)
	s.handle("GET /password", loggedIn, APIDoc{}, s.passwordPage)
	s.handle("POST /password", loggedIn, APIDoc{}, s.passwordSubmit)
	s.handle("GET /orgs", cityWide, APIDoc{}, s.orgsPage)
	s.handle("GET /orgs/mine", loggedIn, APIDoc{}, s.myOrgPage)
	s.handle("GET /orgs/new", adminAPI, APIDoc{}, s.orgNewPage)
	s.handle("POST /orgs", adminAPI, APIDoc{}, s.orgCreateSubmit)
	s.handle("GET /orgs/import", adminAPI, APIDoc{}, s.orgImportPage)
	s.handle("POST /orgs/import", adminAPI, APIDoc{}, s.orgImportSubmit)
	s.handle("GET /orgs/export", cityWide, APIDoc{}, s.orgExport)
	s.handle("GET /orgs/template", loggedIn, APIDoc{}, s.orgTemplate)
	s.handle("GET /orgs/{id}", loggedIn, APIDoc{}, s.orgPage)
	s.handle("GET /orgs/{id}/edit", loggedIn, APIDoc{}, s.orgEditPage)
	s.handle("POST /orgs/{id}", loggedIn, APIDoc{}, s.orgEditSubmit)
	s.handle("GET /users", adminAPI, APIDoc{}, s.usersPage)
	s.handle("POST /users", adminAPI, APIDoc{}, s.userCreateSubmit)
	s.handle("GET /tokens", allButCitizen, APIDoc{}, s.tokensPage)
	s.handle("POST /tokens", allButCitizen, APIDoc{}, s.tokenCreateSubmit)
	s.handle("POST /tokens/{id}/revoke", allButCitizen, APIDoc{}, s.tokenRevokeSubmit)
	s.handle("GET /audit", allButCitizen, APIDoc{}, s.auditPage)
	s.handle("POST /audit/verify", cityWide, APIDoc{}, s.auditVerifySubmit)

	s.handle("GET /carbon", carbonReaders, APIDoc{}, s.carbonHome)
	s.handle("GET /carbon/template", loggedIn, APIDoc{}, s.carbonTemplate)
	s.handle("GET /carbon/export", cityWide, APIDoc{}, s.carbonExport)
	s.handle("GET /carbon/emitters", cityWide, APIDoc{}, s.emittersPage)
	s.handle("GET /carbon/reports", reportReaders, APIDoc{}, s.reportsPage)
	s.handle("POST /carbon/reports/{id}/decision", roles(cifp.RoleVerifier), APIDoc{}, s.decisionSubmit)
	s.handle("GET /carbon/orgs/{id}", carbonReaders, APIDoc{}, s.carbonAccountPage)
	s.handle("POST /carbon/orgs/{id}/activity", carbonWriters, APIDoc{}, s.activitySubmit)
	s.handle("POST /carbon/orgs/{id}/reports", roles(cifp.RoleEnterprise), APIDoc{}, s.reportSubmit)
	s.handle("POST /carbon/orgs/{id}/grid-kind", carbonWriters, APIDoc{}, s.gridKindSubmit)
	s.handle("GET /carbon/orgs/{id}/code.svg", carbonReaders, APIDoc{}, s.carbonCode)
	s.handle("GET /carbon/orgs/{id}/code.png", carbonReaders, APIDoc{}, s.carbonCode)
	s.handle("GET /c/{token}", public, APIDoc{}, s.carbonPublic)

	s.handle("GET /projects", projectReaders, APIDoc{}, s.projectsPage)
	s.handle("GET /projects/new", projectOwners, APIDoc{}, s.projectNewPage)
	s.handle("POST /projects", projectOwners, APIDoc{}, s.projectCreateSubmit)
	s.handle("GET /projects/reviews", projectReaders, APIDoc{}, s.projectReviewsPage)
	s.handle("GET /projects/criteria", loggedIn, APIDoc{}, s.projectCriteriaPage)
	s.handle("GET /projects/ranking", cityWide, APIDoc{}, s.projectRankingPage)
	s.handle("GET /projects/export", projectReaders, APIDoc{}, s.projectExport)
	s.handle("GET /projects/template", cityWide, APIDoc{}, s.projectTemplate)
	s.handle("GET /projects/import", cityWide, APIDoc{}, s.projectImportPage)
	s.handle("POST /projects/import", cityWide, APIDoc{}, s.projectImportSubmit)
	s.handle("GET /projects/{id}", projectReaders, APIDoc{}, s.projectPage)
	s.handle("GET /projects/{id}/edit", projectOwners, APIDoc{}, s.projectEditPage)
	s.handle("POST /projects/{id}", projectOwners, APIDoc{}, s.projectEditSubmit)
	s.handle("POST /projects/{id}/act", projectReaders, APIDoc{}, s.projectActSubmit)
	s.handle("POST /projects/{id}/files", projectOwners, APIDoc{}, s.projectUploadSubmit)
	s.handle("GET /projects/{id}/files/{fid}", projectReaders, APIDoc{}, s.projectFile)
	s.handle("GET /finance/products", financeReaders, APIDoc{}, s.productsPage)
	s.handle("POST /finance/products", financeInstitutions, APIDoc{}, s.productPublishSubmit)
	s.handle("POST /finance/products/{id}/withdraw", financeInstitutions, APIDoc{}, s.productWithdrawSubmit)
	s.handle("GET /finance/needs", financeReaders, APIDoc{}, s.needsPage)
	s.handle("POST /finance/needs", financeBorrowers, APIDoc{}, s.needPostSubmit)
	s.handle("GET /finance/needs/{id}", financeReaders, APIDoc{}, s.needPage)
	s.handle("POST /finance/needs/{id}/claim", financeInstitutions, APIDoc{}, s.needClaimSubmit)
	s.handle("POST /finance/needs/{id}/choose", financeBorrowers, APIDoc{}, s.needChooseSubmit)
	s.handle("POST /finance/needs/{id}/withdraw", financeBorrowers, APIDoc{}, s.needWithdrawSubmit)
	s.handle("POST /finance/needs/{id}/claims/{cid}/{action}", financeInstitutions, APIDoc{}, s.claimActSubmit)
	s.handle("GET /finance/needs/{id}/code", needCodeReaders, APIDoc{}, s.needCodePage)
	s.handle("GET /finance/needs/{id}/code.svg", needCodeReaders, APIDoc{}, s.needCode)
	s.handle("GET /finance/needs/{id}/code.png", needCodeReaders, APIDoc{}, s.needCode)
	s.handle("GET /n/{token}", public, APIDoc{}, s.loanCodeOpen)
	s.handle("GET /finance/loans", financeReaders, APIDoc{}, s.loansPage)
	s.handle("POST /finance/loans/import", financeInstitutions, APIDoc{}, s.loansImportSubmit)
	s.handle("GET /finance/loans/template", financeReaders, APIDoc{}, s.loanTemplate)
	s.handle("GET /finance/statistics", statsReaders, APIDoc{}, s.statisticsPage)
	s.handle("GET /finance/statistics/export", statsReaders, APIDoc{}, s.statisticsExport)
	s.handle("POST /finance/statistics/recompute", adminAPI, APIDoc{}, s.recomputeSubmit)
	s.handle("GET /finance/credit", financeReaders, APIDoc{}, s.creditPage)
	s.handle("GET /finance/warnings", warningReaders, APIDoc{}, s.warningsPage)
	s.handle("POST /finance/warnings/{id}/decision", financeInstitutions, APIDoc{}, s.warningDecisionSubmit)
	s.handle("GET /finance/loop", financeReaders, APIDoc{}, s.loopPage)
	s.handle("GET /finance/submissions", submissionReaders, APIDoc{}, s.submissionsPage)
	s.handle("POST /finance/submissions/policies", financeInstitutions, APIDoc{}, s.submissionImportSubmit(policyKind))
	s.handle("POST /finance/submissions/instruments", financeInstitutions, APIDoc{}, s.submissionImportSubmit(instrumentKind))
	s.handle("GET /finance/submissions/policies/template", submissionReaders, APIDoc{}, s.submissionTemplate(policyKind))
	s.handle("GET /finance/submissions/instruments/template", submissionReaders, APIDoc{}, s.submissionTemplate(instrumentKind))
	s.handle("GET /finance/settings", adminAPI, APIDoc{}, s.financeSettingsPage)
	s.handle("POST /finance/settings", adminAPI, APIDoc{}, s.financeSettingsSubmit)
	s.handle("GET /notifications", loggedIn, APIDoc{}, s.notificationsPage)
	s.handle("POST /notifications/read", loggedIn, APIDoc{}, s.notificationsReadSubmit)
	s.handle("GET /cockpit", cockpitPageReaders, APIDoc{}, s.cockpitPage)
	s.handle("GET /cockpit/enterprise", roles(cifp.RoleEnterprise), APIDoc{}, s.cockpitEnterprisePage)

	// JSON API.
	s.handle("GET /api/v1/me", loggedIn, APIDoc{Tag: "auth", Summary: "The calling user", Response: auth.User{}}, s.apiMe)
	s.handle("GET /api/v1/orgs", loggedIn, APIDoc{Tag: "orgs", Summary: "List organisations the caller may see, by cursor",
		Query: orgQuery, Response: Page[org.Org]{}}, s.apiListOrgs)
	s.handle("POST /api/v1/orgs", adminAPI, APIDoc{Tag: "orgs", Summary: "Register an organisation",
		Body: org.Org{}, Response: org.Org{}, Status: http.StatusCreated}, s.apiCreateOrg)
	s.handle("GET /api/v1/orgs/{id}", loggedIn, APIDoc{Tag: "orgs", Summary: "One organisation", Response: org.Org{}}, s.apiGetOrg)
	s.handle("PATCH /api/v1/orgs/{id}", loggedIn, APIDoc{Tag: "orgs", Summary: "Change some fields of an organisation",
		Body: org.Patch{}, Response: org.Org{}}, s.apiPatchOrg)
	s.handle("GET /api/v1/orgs/export", cityWide, APIDoc{Tag: "orgs", Summary: "Export organisations as .xlsx or .csv",
		Query: append([]Param{{Name: "format", Desc: "xlsx (default) or csv"}}, orgQuery...), Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.orgExport)
	s.handle("GET /api/v1/orgs/template", public, APIDoc{Tag: "orgs", Summary: "An empty import file (header row) as .xlsx or .csv",
		Query: []Param{{Name: "format", Desc: "xlsx (default) or csv"}}, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.orgTemplate)
	s.handle("POST /api/v1/orgs/import", adminAPI, APIDoc{Tag: "orgs", Summary: "Import organisations from an .xlsx or .csv file (all or nothing); the body is the file, or multipart field \"file\"",
		Consumes: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Response: org.ImportResult{}}, s.apiImportOrgs)
	s.handle("GET /api/v1/stats/orgs", loggedIn, APIDoc{Tag: "orgs", Summary: "Organisation counts by division or kind, as chart data",
		Query: []Param{{Name: "by", Desc: "division or kind"}, {Name: "kind", Desc: "only this kind"}}, Response: Chart{}}, s.apiOrgStats)
	s.handle("GET /api/v1/divisions", public, APIDoc{Tag: "reference", Summary: "Administrative divisions (GB/T 2260)", Response: []org.Division{}}, s.apiDivisions)
	s.handle("GET /api/v1/industries", public, APIDoc{Tag: "reference", Summary: "Industry classification (GB/T 4754-2017)", Response: []org.Industry{}}, s.apiIndustries)
	s.handle("GET /api/v1/users", loggedIn, APIDoc{Tag: "auth", Summary: "Users the caller may see",
		Query: []Param{{Name: "org_id", Desc: "only this organisation's users"}}, Response: []auth.User{}}, s.apiListUsers)
	s.handle("POST /api/v1/users", adminAPI, APIDoc{Tag: "auth", Summary: "Create a user", Body: auth.NewUser{}, Response: auth.User{}, Status: http.StatusCreated}, s.apiCreateUser)
	s.handle("GET /api/v1/tokens", loggedIn, APIDoc{Tag: "auth", Summary: "The caller's API tokens", Response: []auth.APIToken{}}, s.apiListTokens)
	s.handle("POST /api/v1/tokens", loggedIn, APIDoc{Tag: "auth", Summary: "Create an API token; the secret is shown once",
		Body: tokenRequest{}, Response: tokenResponse{}, Status: http.StatusCreated}, s.apiCreateToken)
	s.handle("DELETE /api/v1/tokens/{id}", loggedIn, APIDoc{Tag: "auth", Summary: "Revoke one of the caller's API tokens", Status: http.StatusNoContent}, s.apiRevokeToken)
	s.handle("GET /api/v1/audit", loggedIn, APIDoc{Tag: "audit", Summary: "Audit-log entries, newest first (own organisation's unless admin or regulator)",
		Query:    []Param{{Name: "entity", Desc: "e.g. org"}, {Name: "entity_id"}, {Name: "before", Desc: "cursor: entries with seq below this"}, {Name: "limit"}},
		Response: Page[audit.Entry]{}}, s.apiAudit)
	s.handle("GET /api/v1/carbon/accounts", carbonReaders, APIDoc{Tag: "carbon", Summary: "Annual carbon accounts with grades, by cursor (all for admins and regulators, its own for an enterprise)",
		Query: carbonQuery, Response: Page[carbon.StoredAccount]{}}, s.apiCarbonAccounts)
	s.handle("GET /api/v1/carbon/accounts/export", cityWide, APIDoc{Tag: "carbon", Summary: "Annual carbon accounts as .xlsx",
		Query: carbonQuery, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.carbonExport)
	s.handle("GET /api/v1/carbon/accounts/{id}", carbonReaders, APIDoc{Tag: "carbon", Summary: "An enterprise's account for a year and its months",
		Query: []Param{{Name: "year", Desc: "default: the latest"}}, Response: carbon.StoredAccount{}}, s.apiCarbonAccount)
	s.handle("GET /api/v1/carbon/accounts/{id}/chart", carbonReaders, APIDoc{Tag: "carbon", Summary: "Chart data of an account: monthly scopes or sources",
		Query: []Param{{Name: "year"}, {Name: "kind", Desc: "monthly (default) or sources"}}, Response: Chart{}}, s.apiCarbonChart)
	s.handle("PUT /api/v1/carbon/accounts/{id}/grid-kind", carbonWriters, APIDoc{Tag: "carbon", Summary: "Choose the electricity factor kind of an enterprise's accounts and recompute them",
		Body: gridKindRequest{}, Response: gridKindRequest{}}, s.apiCarbonGridKind)
	s.handle("POST /api/v1/carbon/activity", carbonWriters, APIDoc{Tag: "carbon", Summary: "Add activity data in bulk (utilities, enterprise systems); all or nothing",
		Body: activityRequest{}, Response: carbon.ImportResult{}}, s.apiCarbonActivity)
	s.handle("POST /api/v1/carbon/activity/import", carbonWriters, APIDoc{Tag: "carbon", Summary: "Import an activity file (.xlsx or .csv: uscc,period,item,quantity,unit,quality); all or nothing",
		Query: []Param{{Name: "replace", Desc: "true: correct figures already recorded"}, {Name: "filename"}}, Consumes: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Response: carbon.ImportResult{}}, s.apiCarbonImport)
	s.handle("GET /api/v1/carbon/template", public, APIDoc{Tag: "carbon", Summary: "The empty activity file as .xlsx or .csv",
		Query: []Param{{Name: "format", Desc: "xlsx (default) or csv"}}, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.carbonTemplate)
	s.handle("GET /api/v1/carbon/grades", loggedIn, APIDoc{Tag: "carbon", Summary: "An enterprise's public carbon-efficiency level and grade by USCC (for banks)",
		Query: []Param{{Name: "uscc"}, {Name: "year", Desc: "default: the latest"}}, Response: gradeResponse{}}, s.apiCarbonGrade)
	s.handle("GET /api/v1/carbon/reports", reportReaders, APIDoc{Tag: "carbon", Summary: "Emission reports: an enterprise's own, those assigned to a verifier, all for regulators",
		Query: []Param{{Name: "year"}, {Name: "status"}}, Response: []carbon.Report{}}, s.apiCarbonReports)
	s.handle("POST /api/v1/carbon/reports", roles(cifp.RoleEnterprise), APIDoc{Tag: "carbon", Summary: "Submit the year's report to a verifier",
		Body: submitRequest{}, Response: carbon.Report{}, Status: http.StatusCreated}, s.apiCarbonSubmit)
	s.handle("POST /api/v1/carbon/reports/corrections", roles(cifp.RoleEnterprise), APIDoc{Tag: "carbon", Summary: "Open a correction of an accepted report, with its reason",
		Body: correctionRequest{}, Response: carbon.Report{}, Status: http.StatusCreated}, s.apiCarbonCorrection)
	s.handle("POST /api/v1/carbon/reports/{id}/decision", roles(cifp.RoleVerifier), APIDoc{Tag: "carbon", Summary: "The assigned verifier accepts or returns a report",
		Body: decisionRequest{}, Response: carbon.Report{}}, s.apiCarbonDecision)
	s.handle("GET /api/v1/carbon/key-emitters", cityWide, APIDoc{Tag: "carbon", Summary: "Key emitters and energy users of a year, and the share with a verified account",
		Query: []Param{{Name: "year"}}, Response: carbon.KeyEmitterList{}}, s.apiCarbonEmitters)
	s.handle("GET /api/v1/carbon/factors", public, APIDoc{Tag: "carbon", Summary: "The factor set in use, every factor with its source", Response: carbon.FactorSet{}}, s.apiCarbonFactors)
	s.handle("POST /api/v1/carbon/recompute", adminAPI, APIDoc{Tag: "carbon", Summary: "Recompute every account of the years",
		Body: recomputeRequest{}, Response: map[string]any{}}, s.apiCarbonRecompute)
	s.handle("GET /api/v1/projects", projectReaders, APIDoc{Tag: "projects", Summary: "Climate projects the caller may see: an enterprise its own, a financial institution the library and its reviews, a verifier its reviews, the library team all",
		Query: projectQuery, Response: projectPage{}}, s.apiListProjects)
	s.handle("POST /api/v1/projects", projectOwners, APIDoc{Tag: "projects", Summary: "Declare a project: a draft of the caller's enterprise (may be incomplete, never invalid)",
		Body: project.Fields{}, Response: project.Project{}, Status: http.StatusCreated}, s.apiCreateProject)
	s.handle("GET /api/v1/projects/{id}", projectReaders, APIDoc{Tag: "projects", Summary: "One project with its screening", Response: project.Project{}}, s.apiGetProject)
	s.handle("PUT /api/v1/projects/{id}", projectOwners, APIDoc{Tag: "projects", Summary: "Replace the fields of a draft or returned project; version must be the one read",
		Body: projectUpdate{}, Response: project.Project{}}, s.apiUpdateProject)
	s.handle("POST /api/v1/projects/{id}/actions/{action}", projectReaders, APIDoc{Tag: "projects", Summary: "Take a workflow action: submit, screen, assign, review, admit, return, reject, finance, build, complete, update, remove; or recommend / unrecommend (national library)",
		Body: project.Decision{}, Response: project.Project{}}, s.apiProjectAction)
	s.handle("GET /api/v1/projects/{id}/events", projectReaders, APIDoc{Tag: "projects", Summary: "A project's history, oldest first, with comments", Response: []project.Event{}}, projectList(s, s.projects.Events))
	s.handle("GET /api/v1/projects/{id}/reviews", projectReaders, APIDoc{Tag: "projects", Summary: "A project's expert reviews (all for the team and for the owner once decided; a reviewer its own)",
		Response: []project.Review{}}, projectList(s, s.projects.Reviews))
	s.handle("GET /api/v1/projects/{id}/files", projectReaders, APIDoc{Tag: "projects", Summary: "A project's attachments", Response: []project.File{}}, projectList(s, s.projects.Files))
	s.handle("POST /api/v1/projects/{id}/files", projectOwners, APIDoc{Tag: "projects", Summary: "Attach a document (PDF, PNG or JPEG, at most 10 MiB) to a draft or returned project: multipart fields \"kind\" and \"file\"",
		Consumes: "multipart/form-data", Response: project.File{}, Status: http.StatusCreated}, s.apiProjectUpload)
	s.handle("GET /api/v1/projects/{id}/files/{fid}", projectReaders, APIDoc{Tag: "projects", Summary: "An attachment's content", Produces: "application/octet-stream"}, s.projectFile)
	s.handle("GET /api/v1/projects/{id}/value", projectReaders, APIDoc{Tag: "projects", Summary: "A project's value assessment (NPV, IRR, carbon value, co-benefits, cost per tonne) under a carbon-price scenario",
		Query: []Param{{Name: "scenario", Desc: "low, central (default) or high"}}, Response: project.Assessment{}}, s.apiProjectValue)
	s.handle("GET /api/v1/projects/counties", projectReaders, APIDoc{Tag: "projects", Summary: "The county view: projects, investment, financing need and expected reduction by county",
		Query: projectQuery, Response: []countyRow{}}, s.apiProjectCounties)
	s.handle("GET /api/v1/stats/projects", projectReaders, APIDoc{Tag: "projects", Summary: "The county view as chart data",
		Query: append([]Param{{Name: "measure", Desc: "projects, investment (default) or tco2"}}, projectQuery...), Response: Chart{}}, s.apiProjectStats)
	s.handle("GET /api/v1/projects/taxonomy", loggedIn, APIDoc{Tag: "projects", Summary: "The published taxonomy, review criteria, methodologies and value parameters, with their sources",
		Response: taxonomyResponse{}}, s.apiProjectTaxonomy)
	s.handle("GET /api/v1/projects/export", projectReaders, APIDoc{Tag: "projects", Summary: "Projects the caller may see as .xlsx; national=true: the national library's exchange layout (library team)",
		Query: append([]Param{{Name: "national", Desc: "true: 推荐国家库 layout"}}, projectQuery...), Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.projectExport)
	s.handle("GET /api/v1/projects/template", cityWide, APIDoc{Tag: "projects", Summary: "The empty project import file (.xlsx)",
		Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.projectTemplate)
	s.handle("POST /api/v1/projects/import", cityWide, APIDoc{Tag: "projects", Summary: "Load projects in bulk from .xlsx or .csv (all or nothing); the body is the file, or multipart field \"file\"",
		Query: []Param{{Name: "filename"}}, Consumes: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Response: project.ImportResult{}}, s.apiImportProjects)
	s.handle("GET /api/v1/products", financeReaders, APIDoc{Tag: "finance", Summary: "Loan products: those on sale; all=true: an institution's own versions, or every version for the regulators",
		Query: productQuery, Response: []finance.Product{}}, s.apiProducts)
	s.handle("POST /api/v1/products", financeInstitutions, APIDoc{Tag: "finance", Summary: "Publish a product of the caller's institution (a known code gets the next version; the last is withdrawn)",
		Body: productInput{}, Response: finance.Product{}, Status: http.StatusCreated}, s.apiPublishProduct)
	s.handle("POST /api/v1/products/{id}/withdraw", financeInstitutions, APIDoc{Tag: "finance", Summary: "Take one of the caller's products off sale",
		Response: finance.Product{}}, s.apiWithdrawProduct)
	s.handle("GET /api/v1/needs", financeReaders, APIDoc{Tag: "finance", Summary: "Financing needs the caller may see: an enterprise its own, an institution those still open to it and those it claimed, the regulators all",
		Query: needQuery, Response: []needItem{}}, s.apiNeeds)
	s.handle("POST /api/v1/needs", financeBorrowers, APIDoc{Tag: "finance", Summary: "Post a financing need of the caller's enterprise (amount in 万元, tenor in months, purpose, collateral on offer, optionally a library project)",
		Body: finance.NeedInput{}, Response: finance.Need{}, Status: http.StatusCreated}, s.apiPostNeed)
	s.handle("GET /api/v1/needs/{id}", financeReaders, APIDoc{Tag: "finance", Summary: "One need with the claims the caller may see (an institution its own)", Response: finance.Need{}}, s.apiNeed)
	s.handle("GET /api/v1/needs/{id}/matches", financeReaders, APIDoc{Tag: "finance", Summary: "Products ranked for a need, every rule explained, with the indicative rate (an institution its own products)",
		Response: matchList{}}, s.apiNeedMatches)
	s.handle("POST /api/v1/needs/{id}/claims", financeInstitutions, APIDoc{Tag: "finance", Summary: "Claim an open need for the caller's institution (抢单), optionally offering a product",
		Body: claimRequest{}, Response: finance.Claim{}, Status: http.StatusCreated}, s.apiClaimNeed)
	s.handle("POST /api/v1/needs/{id}/choose", financeBorrowers, APIDoc{Tag: "finance", Summary: "The enterprise picks one claimant; the others are passed",
		Body: chooseRequest{}, Response: finance.Need{}}, s.apiChooseClaim)
	s.handle("POST /api/v1/needs/{id}/withdraw", financeBorrowers, APIDoc{Tag: "finance", Summary: "The enterprise withdraws a need not yet financed", Response: finance.Need{}}, s.apiWithdrawNeed)
	s.handle("GET /api/v1/needs/{id}/code.png", needCodeReaders, APIDoc{Tag: "finance", Summary: "A need's loan code (贷款码) as PNG: a signed link valid for 30 days (the enterprise and the regulators)",
		Produces: "image/png"}, s.needCode)
	s.handle("GET /api/v1/needs/{id}/code.svg", needCodeReaders, APIDoc{Tag: "finance", Summary: "A need's loan code (贷款码) as SVG", Produces: "image/svg+xml"}, s.needCode)
	s.handle("POST /api/v1/claims/{id}/contact", financeInstitutions, APIDoc{Tag: "finance", Summary: "Record the first contact with the enterprise (due within the need's working days)",
		Body: contactRequest{}, Response: finance.Claim{}}, s.apiClaimAction)
	s.handle("POST /api/v1/claims/{id}/approve", financeInstitutions, APIDoc{Tag: "finance", Summary: "The chosen institution approves credit (amount in 万元, rate in per cent)",
		Body: approveRequest{}, Response: finance.Claim{}}, s.apiClaimAction)
	s.handle("POST /api/v1/claims/{id}/refuse", financeInstitutions, APIDoc{Tag: "finance", Summary: "The chosen institution refuses, with its reason; the need opens again",
		Body: refuseRequest{}, Response: finance.Claim{}}, s.apiClaimAction)
	s.handle("POST /api/v1/claims/{id}/disburse", financeInstitutions, APIDoc{Tag: "finance", Summary: "Disburse the approved loan into the loan book; green_class and climate_type confirm or correct the assistant's proposal (omitted: accepted)",
		Body: finance.LoanInput{}, Response: finance.Loan{}, Status: http.StatusCreated}, s.apiClaimAction)
	s.handle("GET /api/v1/loans", financeReaders, APIDoc{Tag: "finance", Summary: "The loan book of a month: an institution its own loans, an enterprise its borrowings, the regulators all",
		Query: loanQuery, Response: loanPage{}}, s.apiLoans)
	s.handle("POST /api/v1/loans/import", financeInstitutions, APIDoc{Tag: "finance", Summary: "Submit the caller's loan book of a month from .xlsx or .csv (all or nothing, every bad row named); multipart fields \"month\" and \"file\", or the file as the body with ?month=",
		Query: []Param{{Name: "month", Desc: "YYYY-MM"}, {Name: "filename"}}, Consumes: "multipart/form-data", Response: finance.LoanImport{}}, s.apiImportLoans)
	s.handle("GET /api/v1/loans/template", financeReaders, APIDoc{Tag: "finance", Summary: "The empty loan-book file (.xlsx with notes, or .csv)",
		Query: []Param{{Name: "format", Desc: "xlsx (default) or csv"}}, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.loanTemplate)
	s.handle("GET /api/v1/finance/settings", financeReaders, APIDoc{Tag: "finance", Summary: "The financing service's settings: claimants per need, working days to first contact",
		Response: finance.Settings{}}, s.apiFinanceSettings)
	s.handle("PUT /api/v1/finance/settings", adminAPI, APIDoc{Tag: "finance", Summary: "Change the financing service's settings (max_claims 1–10, contact_days 1, 3 or 5); needs posted before keep theirs",
		Body: finance.Settings{}, Response: finance.Settings{}}, s.apiSetFinanceSettings)
	s.handle("GET /api/v1/finance/statistics", statsReaders, APIDoc{Tag: "finance", Summary: "The green-credit statistics (绿色信贷统计表) of a month by a dimension: the regulators the city's, an institution its own; each row with its scope, and a note when not comparable with the year before",
		Query: statQuery, Response: statTable{}}, s.apiStatistics)
	s.handle("GET /api/v1/finance/statistics/trend", statsReaders, APIDoc{Tag: "finance", Summary: "The statistics of every month from..to by a dimension (the caller's scope)",
		Query: append(append(append([]Param{}, trendQuery...), statQuery[1]), sliceQuery...), Response: []statRow{}}, s.apiStatTrend)
	s.handle("GET /api/v1/finance/statistics/chart", statsReaders, APIDoc{Tag: "finance", Summary: "The monthly trend of the green-loan balance (万元) and its share of all loans (%), as chart data",
		Query: trendQuery, Response: trendChart{}}, s.apiStatChart)
	s.handle("GET /api/v1/finance/statistics/export", statsReaders, APIDoc{Tag: "finance", Summary: "The statistical report of a month as .xlsx: a sheet per dimension, the pilot's targets (regulators) and 说明 with the definitions, scopes and sources",
		Query: statQuery[:1], Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.statisticsExport)
	s.handle("POST /api/v1/finance/statistics/recompute", adminAPI, APIDoc{Tag: "finance", Summary: "Rebuild every statistics cell from the loan book (audited)",
		Response: recomputeResult{}}, s.apiRecompute)
	s.handle("GET /api/v1/finance/reference", financeReaders, APIDoc{Tag: "finance", Summary: "The indicators' definitions, the statistical scopes (and those in force), the pilot's targets and the published figures, with their sources",
		Response: referenceResponse{}}, s.apiFinanceReference)
	s.handle("GET /api/v1/finance/targets", cityWide, APIDoc{Tag: "finance", Summary: "Progress against the pilot's targets at a month, each with its definition, scope, actual, ratio and notes; department-supplied actuals are given in the query (not stored); insurance coverage comes from the policies unless given",
		Query: targetQuery, Response: []targetItem{}}, s.apiTargets)
	s.handle("GET /api/v1/finance/totals", statsReaders, APIDoc{Tag: "finance", Summary: "A month's insurance coverage and other instruments by kind (an institution its own, the regulators all)",
		Query: statQuery[:1], Response: finance.Totals{}}, s.apiMonthTotals)
	s.handle("GET /api/v1/finance/credit", financeReaders, APIDoc{Tag: "finance", Summary: "Carbon-performance credit scores with every term: an institution its borrowers of its latest loan-book month, the regulators every borrower, an enterprise its own",
		Query: creditQuery, Response: creditList{}}, s.apiCredit)
	s.handle("GET /api/v1/finance/warnings", warningReaders, APIDoc{Tag: "finance", Summary: "The early-warning list of a year: an institution its own (new warnings are recorded), the regulators every institution's",
		Query: yearQuery, Response: []finance.WarningRecord{}}, s.apiWarnings)
	s.handle("POST /api/v1/finance/warnings/{id}/decision", financeInstitutions, APIDoc{Tag: "finance", Summary: "The officer's decision on one of the institution's warnings (watch, restructure, exit or dismiss), with the reason",
		Body: decisionBody{}, Response: finance.WarningRecord{}}, s.apiWarningDecision)
	s.handle("GET /api/v1/finance/loop", financeReaders, APIDoc{Tag: "finance", Summary: "Financed library projects: the reduction expected at screening beside the borrower's measured emissions, per 万元 (the regulators all, an institution its own loans', an enterprise its own)",
		Query: loopQuery, Response: []loopItem{}}, s.apiLoop)
	s.handle("POST /api/v1/finance/policies/import", financeInstitutions, APIDoc{Tag: "finance", Summary: "An insurer submits its green policies of a month from .xlsx or .csv (all or nothing, every bad row named); multipart fields \"month\" and \"file\", or the file as the body with ?month=",
		Query: []Param{{Name: "month", Desc: "YYYY-MM"}, {Name: "filename"}}, Consumes: "multipart/form-data", Response: finance.Import{}}, s.apiImportSubmission(policyKind))
	s.handle("POST /api/v1/finance/instruments/import", financeInstitutions, APIDoc{Tag: "finance", Summary: "An institution submits its other climate instruments of a month (green bonds, funds, equity, leasing) from .xlsx or .csv, all or nothing",
		Query: []Param{{Name: "month", Desc: "YYYY-MM"}, {Name: "filename"}}, Consumes: "multipart/form-data", Response: finance.Import{}}, s.apiImportSubmission(instrumentKind))
	s.handle("GET /api/v1/finance/policies/template", submissionReaders, APIDoc{Tag: "finance", Summary: "The empty policy file (.xlsx with 说明, or .csv)",
		Query: []Param{{Name: "format", Desc: "xlsx (default) or csv"}}, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.submissionTemplate(policyKind))
	s.handle("GET /api/v1/finance/instruments/template", submissionReaders, APIDoc{Tag: "finance", Summary: "The empty other-instruments file (.xlsx with 说明, or .csv)",
		Query: []Param{{Name: "format", Desc: "xlsx (default) or csv"}}, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.submissionTemplate(instrumentKind))
	s.handle("GET /api/v1/cockpit/enterprise", roles(cifp.RoleEnterprise), APIDoc{Tag: "cockpit", Summary: "An enterprise's own view: its carbon accounts of the last three years, credit score, projects, needs and loans",
		Response: cockpit.Enterprise{}}, s.apiCockpitEnterprise)
	s.handle("GET /api/v1/cockpit/{panel}", cockpitReaders, APIDoc{Tag: "cockpit", Summary: "A cockpit panel (credit, trend, breakdown?by=, map?indicator=, carbon, pipeline, matching, warnings, loop) for the filter, each figure with its definition, scope, data date and quality: the regulators the city's, an institution its own",
		Query: append(append([]Param{}, cockpitQuery...), Param{Name: "by", Desc: "breakdown: institution, county, class (default), sector or climate_type"},
			Param{Name: "indicator", Desc: "map: " + strings.Join(cockpit.MapIndicators, ", ")})}, s.apiCockpitPanel)
	s.handle("GET /api/v1/cockpit/{panel}/export", cockpitReaders, APIDoc{Tag: "cockpit", Summary: "A cockpit panel's data as .xlsx, with its definition, scope, data date and quality",
		Query: cockpitQuery, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.apiCockpitExport)
	s.handle("GET /api/v1/notifications", loggedIn, APIDoc{Tag: "notifications", Summary: "The caller's latest in-app notifications and the unread count",
		Query: []Param{{Name: "limit", Desc: "1–200, default 50"}}, Response: notificationList{}}, s.apiNotifications)
	s.handle("POST /api/v1/notifications/read", loggedIn, APIDoc{Tag: "notifications", Summary: "Mark one of the caller's notifications read, or all with id 0",
		Body: readRequest{}, Response: map[string]int{}}, s.apiNotificationsRead)
	s.handle("GET /api/v1/audit/verify", cityWide, APIDoc{Tag: "audit", Summary: "Verify the audit log's hash chain", Response: audit.Result{}}, s.apiAuditVerify)

	// GEP accounting (一键式 GEP 核算): pages and API (web/gep*.go).
	s.handle("GET /gep", gepReaders, APIDoc{}, s.gepPage)
	s.handle("POST /gep/run", gepRunners, APIDoc{}, s.gepRunSubmit)
	s.handle("GET /gep/jobs/{id}", gepRunners, APIDoc{}, s.gepJobPage)
	s.handle("GET /gep/runs/{id}", gepReaders, APIDoc{}, s.gepRunPage)
	s.handle("GET /gep/runs/{id}/export", gepReaders, APIDoc{}, s.gepExport)
	s.handle("GET /gep/compare", gepReaders, APIDoc{}, s.gepComparePage)
	s.handle("GET /gep/inputs", gepReaders, APIDoc{}, s.gepInputsPage)
	s.handle("POST /gep/inputs", gepRunners, APIDoc{}, s.gepInputsSubmit)
	s.handle("GET /gep/inputs/template", gepReaders, APIDoc{}, s.gepTemplate)
	s.handle("POST /gep/inputs/import", gepRunners, APIDoc{}, s.gepImportSubmit)
	s.handle("POST /api/v1/gep/runs", gepRunners, APIDoc{Tag: "gep", Summary: "One-click GEP accounting: every county of a city and the city (or one region) for a year, each stored as a new immutable run version; all or nothing (profile: version or ID, default lishui-demo; regions without an input set use the built-in DEMO inputs, and the batch says demo)",
		Body: gep.RunRequest{}, Response: gep.Batch{}, Status: http.StatusCreated}, s.apiGEPRun)
	s.handle("GET /api/v1/gep/runs", gepReaders, APIDoc{Tag: "gep", Summary: "The runs of a region, every version, newest first (or of one click: ?batch=)",
		Query: []Param{{Name: "region", Desc: "GB/T 2260 code; default 331100"}, {Name: "year", Desc: "default: every year"}, {Name: "batch", Desc: "the id of one click"}}, Response: []gep.RunSummary{}}, s.apiGEPRuns)
	s.handle("GET /api/v1/gep/runs/{id}", gepReaders, APIDoc{Tag: "gep", Summary: "A run with its inputs, profile ID, every physical quantity and valued line (quantity, unit price with unit, year, index and source, value), totals, magnitude check and warnings",
		Response: gep.Run{}}, s.apiGEPRun1)
	s.handle("GET /api/v1/gep/runs/{id}/export", gepReaders, APIDoc{Tag: "gep", Summary: "A run's whole accounting table as .xlsx (summary, valued lines, physical quantities, inputs)",
		Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.gepExport)
	s.handle("GET /api/v1/gep/compare", gepReaders, APIDoc{Tag: "gep", Summary: "Two runs compared line by line (same, changed, added, removed) and by indicator",
		Query: []Param{{Name: "a", Desc: "run id"}, {Name: "b", Desc: "run id"}}, Response: gep.Comparison{}}, s.apiGEPCompare)
	s.handle("GET /api/v1/gep/overview", gepReaders, APIDoc{Tag: "gep", Summary: "The newest run of a year of a city and of each of its counties",
		Query: gepRegionQuery, Response: []gep.RunSummary{}}, s.apiGEPOverview)
	s.handle("GET /api/v1/gep/trend", gepReaders, APIDoc{Tag: "gep", Summary: "The newest run of each year of a region (GEP, its parts and GDP), oldest first",
		Query: gepRegionQuery[:1], Response: []gep.RunSummary{}}, s.apiGEPTrend)
	s.handle("GET /api/v1/gep/change", gepReaders, APIDoc{Tag: "gep", Summary: "The change of a region's GEP since the year before (GEP 增量), line by line and by indicator",
		Query: gepRegionQuery, Response: gep.Change{}}, s.apiGEPChange)
	s.handle("GET /api/v1/gep/asset-value", gepReaders, APIDoc{Tag: "gep", Summary: "The ecological-asset value of a region-year for an ecological credit loan (生态信用贷): the newest run's GEP, with its carbon-sequestration part shown so that registry carbon-sink credits are never counted twice",
		Query: gepRegionQuery, Response: gep.AssetValue{}}, s.apiGEPAssetValue)
	s.handle("GET /api/v1/gep/charts/{kind}", gepReaders, APIDoc{Tag: "gep", Summary: "Chart data in 亿元: indicator or ecosystem (?run=), trend (?region=), counties (?region= ?year=)",
		Query: []Param{{Name: "run"}, {Name: "region"}, {Name: "year"}}, Response: Chart{}}, s.apiGEPChart)
	s.handle("POST /api/v1/gep/inputs", gepRunners, APIDoc{Tag: "gep", Summary: "Store an input set of a region-year (gep.Inputs, GDP in 元) from a monitoring or statistics system; every bad field is named and nothing is stored",
		Body: gepInputBody{}, Response: gep.InputSet{}, Status: http.StatusCreated}, s.apiGEPSaveInputs)
	s.handle("GET /api/v1/gep/inputs", gepReaders, APIDoc{Tag: "gep", Summary: "The newest input set of a region-year", Query: gepRegionQuery, Response: gep.InputSet{}}, s.apiGEPInputs)
	s.handle("GET /api/v1/gep/inputs/template", gepReaders, APIDoc{Tag: "gep", Summary: "The .xlsx input template of a region-year, filled with its newest input set (else the demo inputs, else zeros)",
		Query: gepRegionQuery, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, s.gepTemplate)
	s.handle("POST /api/v1/gep/inputs/import", gepRunners, APIDoc{Tag: "gep", Summary: "Store an input set from a filled template (.xlsx or .csv); all or nothing, every bad row and column named; the body is the file, or multipart field \"file\"",
		Consumes: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Response: gep.InputSet{}, Status: http.StatusCreated}, s.apiGEPImport)
	s.handle("POST /api/v1/gep/grids", gepRunners, APIDoc{Tag: "gep", Summary: "Upload GeoTIFF layers (multipart: year, zone, class, r, k, ls, c, p, precip, et; one grid and projection): soil retention and water conservation pixel by pixel, stored as a new input set of each zone's region",
		Consumes: "multipart/form-data", Response: []gep.InputSet{}, Status: http.StatusCreated}, s.apiGEPGrids)
}

var (
	carbonReaders = roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleEnterprise)
	carbonWriters = roles(cifp.RoleAdmin, cifp.RoleEnterprise)
	reportReaders = roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleEnterprise, cifp.RoleVerifier)
)

var carbonQuery = []Param{
	{Name: "year", Desc: "default: the latest year with accounts"},
	{Name: "division", Desc: "GB/T 2260 county, or the city for all"},
	{Name: "industry", Desc: "GB/T 4754 code or prefix"},
	{Name: "grade", Desc: "1–5"},
	{Name: "level", Desc: "low, medium or high"},
	{Name: "quality", Desc: "metered, reported or estimated"},
	{Name: "q", Desc: "part of the name, or the start of the USCC"},
	{Name: "cursor"}, {Name: "limit"},
}

var orgQuery = []Param{
	{Name: "q", Desc: "part of the name, or the start of the USCC"},
	{Name: "kind", Desc: "enterprise, bank, insurer, agency, verifier or platform"},
	{Name: "division", Desc: "GB/T 2260 code; a city code selects all its counties"},
	{Name: "industry", Desc: "GB/T 4754 code or prefix"},
	{Name: "cursor", Desc: "the next_cursor of the previous page"},
	{Name: "limit", Desc: "1–1000, default 50"},
}
