package cockpit

import (
	"context"
	"slices"

	"cifp"
	"cifp/carbon"
	"cifp/finance"
	"cifp/project"
)

// Enterprise is an enterprise's own view: its carbon account over the
// years with the grade, its carbon-performance credit, its projects, its
// financing needs and its loans of the latest month.
type Enterprise struct {
	OrgID    int64                   `json:"org_id"`
	Accounts []carbon.StoredAccount  `json:"accounts"` // the latest years, oldest first
	Credit   *finance.BorrowerCredit `json:"credit,omitempty"`
	Projects []project.Project       `json:"projects"`
	Needs    []finance.Need          `json:"needs"`
	Loans    []finance.Loan          `json:"loans"`
	Balance  float64                 `json:"balance"` // 万元, of Loans
	Meta     Meta                    `json:"meta"`
}

// enterpriseYears is how many years of accounts the view shows.
const enterpriseYears = 3

// Enterprise answers the enterprise's view: its own data only, read
// through each feature's service as the enterprise.
func (s *Service) Enterprise(ctx context.Context) (Enterprise, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Enterprise{}, err
	}
	if a.Role != cifp.RoleEnterprise {
		return Enterprise{}, cifp.Errorf(cifp.EFORBIDDEN, "the enterprise view is an enterprise's own")
	}
	out := Enterprise{OrgID: a.OrgID, Accounts: []carbon.StoredAccount{}}
	years, err := s.carbon.Years(ctx, a.OrgID)
	if err != nil {
		return out, err
	}
	slices.Sort(years)
	years = years[max(0, len(years)-enterpriseYears):]
	for _, y := range years {
		acc, err := s.carbon.Account(ctx, a.OrgID, y)
		if cifp.ErrorCode(err) == cifp.ENOTFOUND {
			continue
		}
		if err != nil {
			return out, err
		}
		acc.Lines, acc.Factors = nil, nil
		out.Accounts = append(out.Accounts, acc)
	}
	if len(years) > 0 {
		cs, err := s.finance.Credit(ctx, []int64{a.OrgID}, years[len(years)-1])
		if err != nil {
			return out, err
		}
		if len(cs) == 1 {
			out.Credit = &cs[0]
		}
	}
	if out.Projects, _, err = s.projects.List(ctx, project.Filter{OrgID: a.OrgID, Limit: 20}); err != nil {
		return out, err
	}
	if out.Needs, err = s.finance.Needs(ctx, finance.NeedFilter{OrgID: a.OrgID}); err != nil {
		return out, err
	}
	if out.Loans, _, err = s.finance.Loans(ctx, finance.LoanFilter{Limit: 100}); err != nil {
		return out, err
	}
	for _, l := range out.Loans {
		out.Balance += l.Balance
	}
	out.Projects = orEmpty(out.Projects)
	out.Needs = orEmpty(out.Needs)
	out.Loans = orEmpty(out.Loans)
	out.Meta = panelMeta("enterprise", "", nil)
	return out, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
