package audit_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"cifp"
	"cifp/audit"
	"cifp/internal/testutil"
	"cifp/store"
)

func record(t *testing.T, ctx context.Context, db *store.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return audit.Record(ctx, tx, audit.Change{
				Action: "thing.update", Entity: "thing", EntityID: i, OrgID: 7,
				Before: map[string]any{"n": i}, After: map[string]any{"n": i + 1, "名称": "丽水"},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditChain(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := cifp.WithActor(context.Background(), cifp.Actor{UserID: 0, Username: "tester", Role: cifp.RoleAdmin})

		res, err := audit.Verify(ctx, db)
		if err != nil || !res.OK || res.Entries != 0 {
			t.Fatalf("empty log: %+v, %v", res, err)
		}
		record(t, ctx, db, 5)
		res, err = audit.Verify(ctx, db)
		if err != nil || !res.OK || res.Entries != 5 {
			t.Fatalf("clean log: %+v, %v", res, err)
		}

		t.Run("ListScoped", func(t *testing.T) {
			all, err := audit.List(ctx, db, audit.Filter{})
			if err != nil || len(all) != 5 || all[0].Seq != 5 {
				t.Fatalf("admin list: %d entries, %v", len(all), err)
			}
			other := cifp.WithActor(ctx, cifp.Actor{UserID: 9, OrgID: 8, Username: "x", Role: cifp.RoleEnterprise})
			mine, err := audit.List(other, db, audit.Filter{})
			if err != nil || len(mine) != 0 {
				t.Fatalf("another org's user sees %d entries (%v)", len(mine), err)
			}
			owner := cifp.WithActor(ctx, cifp.Actor{UserID: 9, OrgID: 7, Username: "x", Role: cifp.RoleEnterprise})
			mine, err = audit.List(owner, db, audit.Filter{})
			if err != nil || len(mine) != 5 {
				t.Fatalf("owner sees %d entries (%v)", len(mine), err)
			}
		})

		t.Run("RollbackLeavesNoEntry", func(t *testing.T) {
			_ = db.InTx(ctx, func(tx *store.Tx) error {
				if err := audit.Record(ctx, tx, audit.Change{Action: "x", Entity: "x", EntityID: 1}); err != nil {
					t.Fatal(err)
				}
				return cifp.Errorf(cifp.EINVALID, "no")
			})
			res, err := audit.Verify(ctx, db)
			if err != nil || !res.OK || res.Entries != 5 {
				t.Fatalf("after rollback: %+v, %v", res, err)
			}
		})

		t.Run("NoActorIsRefused", func(t *testing.T) {
			err := db.InTx(context.Background(), func(tx *store.Tx) error {
				return audit.Record(context.Background(), tx, audit.Change{Action: "x", Entity: "x", EntityID: 1})
			})
			if err == nil {
				t.Fatal("recorded a change without an actor")
			}
		})

		t.Run("EditedRowIsNamed", func(t *testing.T) {
			if _, err := db.Exec(ctx, `UPDATE audit_log SET after_json = '{"n":999}' WHERE seq = 3`); err != nil {
				t.Fatal(err)
			}
			res, err := audit.Verify(ctx, db)
			if err != nil || res.OK || res.BrokenSeq != 3 || !strings.Contains(res.Reason, "altered") {
				t.Fatalf("after edit: %+v, %v", res, err)
			}
		})
	})
}

func TestAuditDetectsDeletion(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := cifp.WithActor(context.Background(), cifp.System)
		record(t, ctx, db, 4)
		if _, err := db.Exec(ctx, `DELETE FROM audit_log WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		res, err := audit.Verify(ctx, db)
		if err != nil || res.OK || res.BrokenSeq != 2 || !strings.Contains(res.Reason, "deleted") {
			t.Fatalf("middle deleted: %+v, %v", res, err)
		}

		db2 := testutil.MustOpenDB(t)
		record(t, ctx, db2, 4)
		if _, err := db2.Exec(ctx, `DELETE FROM audit_log WHERE seq = 4`); err != nil {
			t.Fatal(err)
		}
		res, err = audit.Verify(ctx, db2)
		if err != nil || res.OK || res.BrokenSeq != 4 {
			t.Fatalf("tip deleted: %+v, %v", res, err)
		}
	})
}

// TestAuditConcurrentAppends checks that concurrent writers never fork the
// chain: every entry links to the one before it.
func TestAuditConcurrentAppends(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := cifp.WithActor(context.Background(), cifp.System)
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					err := db.InTx(ctx, func(tx *store.Tx) error {
						return audit.Record(ctx, tx, audit.Change{Action: "c", Entity: "c", EntityID: i})
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		res, err := audit.Verify(ctx, db)
		if err != nil || !res.OK || res.Entries != 80 {
			t.Fatalf("%+v, %v", res, err)
		}
	})
}

func TestAuditPage(t *testing.T) {
	db := testutil.MustOpenDB(t)
	ctx := cifp.WithActor(context.Background(), cifp.System)
	record(t, ctx, db, 5)
	page, next, err := audit.Page(ctx, db, audit.Filter{Limit: 2})
	if err != nil || len(page) != 2 || page[0].Seq != 5 || next != 4 {
		t.Fatalf("page 1: %d entries, next %d, %v", len(page), next, err)
	}
	page, next, _ = audit.Page(ctx, db, audit.Filter{Limit: 2, Before: next})
	if len(page) != 2 || page[0].Seq != 3 || next != 2 {
		t.Fatalf("page 2: next %d", next)
	}
	page, next, _ = audit.Page(ctx, db, audit.Filter{Limit: 2, Before: next})
	if len(page) != 1 || next != 0 {
		t.Fatalf("last page: %d entries, next %d", len(page), next)
	}
}
