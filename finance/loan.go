// Package finance is where the platform meets money (绿色金融): the
// institutions' products, enterprises' financing needs and their matching
// with the loan code (贷款码), the loan book with its green and climate
// classification, green-credit statistics against the pilot's targets, and
// carbon-performance credit with early warning.
package finance

import "time"

// Climate types of a loan (气候投融资属性), after T/CSTE 0061-2021.
const (
	ClimateMitigation = "mitigation"
	ClimateAdaptation = "adaptation"
	ClimateBoth       = "both"
	ClimateNone       = "none"
)

// Loan is one loan as reported at a month end (贷款逐笔数据): the
// institution's loan-level record. Money in 万元.
type Loan struct {
	InstitutionID int64     `json:"institution_id"` // the lending bank's organisation
	LoanID        string    `json:"loan_id"`        // the institution's own loan number
	BorrowerUSCC  string    `json:"borrower_uscc"`
	BorrowerID    int64     `json:"borrower_id,omitempty"` // the borrower's organisation, when registered
	County        string    `json:"county"`                // the borrower's GB/T 2260 county
	Industry      string    `json:"industry"`              // the borrower's GB/T 4754 industry
	Sector        string    `json:"sector"`                // 6+1 sector of the loan's use
	Product       string    `json:"product"`
	Amount        float64   `json:"amount"`  // contract amount
	Balance       float64   `json:"balance"` // outstanding at the month end
	Rate          float64   `json:"rate"`    // annual interest rate, per cent
	StartDate     time.Time `json:"start_date"`
	MaturityDate  time.Time `json:"maturity_date"`
	Purpose       string    `json:"purpose"`
	// GreenClass is the green catalogue's top-level class the loan was
	// classified under when made, "" when not green; Catalogue names the
	// catalogue version in force then ("2021" or "2025").
	GreenClass     string  `json:"green_class"`
	Catalogue      string  `json:"catalogue"`
	ClimateType    string  `json:"climate_type"` // mitigation, adaptation, both or none
	ProjectID      int64   `json:"project_id,omitempty"`
	AttributedTCO2 float64 `json:"attributed_tco2"` // annual reduction attributed to the loan

	// As read back from the book: the lender's name and the assistant's
	// proposal kept beside the officer's class.
	Lender           string `json:"lender,omitempty"`
	SuggestedClass   string `json:"suggested_class,omitempty"`
	SuggestedClimate string `json:"suggested_climate,omitempty"`
}

// Green reports whether the loan is a green loan (绿色贷款).
func (l Loan) Green() bool { return l.GreenClass != "" }

// Climate reports whether the loan is climate finance (气候融资): mitigation,
// adaptation or both.
func (l Loan) Climate() bool {
	return l.ClimateType == ClimateMitigation || l.ClimateType == ClimateAdaptation || l.ClimateType == ClimateBoth
}
